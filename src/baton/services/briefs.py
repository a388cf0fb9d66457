"""The handoff brief of a ticket, assembled from the store for the core to build."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from baton.core.brief import Brief, PastTicket, build_brief
from baton.core.playbook import Playbook
from baton.services.unit_of_work import read_only
from baton.store import tables as t

RECENT = timedelta(days=90)


def ticket_brief(engine: Engine, playbook: Playbook, ticket_id: int, now: datetime) -> Brief:
    with read_only(engine) as uow:
        ticket = uow.tickets.get(ticket_id)
        customer = uow.customers.get(ticket.customer_id)
        thread = uow.tickets.messages(ticket_id)
        escalations = (
            select(func.count())
            .select_from(t.escalations)
            .where(t.escalations.c.ticket_id == t.tickets.c.id)
            .scalar_subquery()
        )
        rows = uow.conn.execute(
            select(t.tickets.c.id, t.tickets.c.subject, t.tickets.c.status, escalations.label("escalations"))
            .where(
                t.tickets.c.customer_id == ticket.customer_id,
                t.tickets.c.id != ticket_id,
                t.tickets.c.created_at >= now - RECENT,
            )
            .order_by(t.tickets.c.created_at.desc())
            .limit(5)
        ).all()
    recent = [PastTicket(r.id, r.subject, r.status, int(r.escalations)) for r in rows]
    return build_brief(ticket, thread, customer.name, recent, now, playbook.calendars)
