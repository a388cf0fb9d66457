"""The handoff brief of a ticket, assembled from the store for the core to build."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from baton.core.brief import Brief, build_brief
from baton.core.playbook import Playbook
from baton.services.unit_of_work import read_only

RECENT = timedelta(days=90)


def ticket_brief(engine: Engine, playbook: Playbook, ticket_id: int, now: datetime) -> Brief:
    with read_only(engine) as uow:
        ticket = uow.tickets.get(ticket_id)
        customer = uow.customers.get(ticket.customer_id)
        thread = uow.tickets.messages(ticket_id)
        recent = uow.tickets.recent_of_customer(ticket.customer_id, excluding=ticket_id, since=now - RECENT, limit=5)
    return build_brief(ticket, thread, customer.name, recent, now, playbook.calendars)
