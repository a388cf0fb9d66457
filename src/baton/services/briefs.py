"""The handoff brief of a ticket, assembled from the store for the core to build."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from baton.core.brief import Brief, build_brief
from baton.services.playbooks import PlaybookVersions
from baton.services.unit_of_work import read_only

if TYPE_CHECKING:
    from sqlalchemy import Engine

RECENT = timedelta(days=90)


def ticket_brief(engine: Engine, versions: PlaybookVersions, ticket_id: int, now: datetime) -> Brief:
    """The ticket's handoff brief as of ``now``, its SLA read on the calendars of the playbook governing it."""
    with read_only(engine) as uow:
        ticket = uow.tickets.get(ticket_id)
        customer = uow.customers.get(ticket.customer_id)
        thread = uow.tickets.messages(ticket_id)
        recent = uow.tickets.recent_of_customer(ticket.customer_id, excluding=ticket_id, since=now - RECENT, limit=5)
    calendars = versions.governing(ticket.playbook_version).calendars
    return build_brief(ticket, thread, customer.name, recent, now, calendars)
