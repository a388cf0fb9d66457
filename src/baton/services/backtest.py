"""Reading recorded histories for a backtest or a rule-health review. Read-only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, select

from baton.core import events as ev
from baton.core.backtest import RuleBacktest, RuleHealth, backtest, rule_health
from baton.core.playbook import Playbook
from baton.services.unit_of_work import read_only
from baton.store import tables as t


def histories(engine: Engine, since: datetime) -> Iterator[list[ev.RecordedEvent]]:
    """Each ticket created since ``since``: its whole recorded trail, in order."""
    with read_only(engine) as uow:
        ids = select(t.tickets.c.id).where(t.tickets.c.created_at >= since)
        rows = uow.conn.execute(
            select(t.ticket_events)
            .where(t.ticket_events.c.ticket_id.in_(ids))
            .order_by(t.ticket_events.c.ticket_id, t.ticket_events.c.seq)
        )
        current: list[ev.RecordedEvent] = []
        for row in rows:
            record = ev.RecordedEvent(
                row.ticket_id, row.seq, ev.from_payload(row.type, row.payload), row.actor, row.occurred_at,
                row.playbook_version,
            )  # fmt: skip
            if current and current[0].ticket_id != record.ticket_id:
                yield current
                current = []
            current.append(record)
        if current:
            yield current


def run_backtest(engine: Engine, playbook: Playbook, since: datetime) -> tuple[int, list[RuleBacktest]]:
    tickets = list(histories(engine, since))
    return len(tickets), backtest(playbook, tickets)


def run_health(engine: Engine, since: datetime) -> tuple[int, list[RuleHealth]]:
    tickets = list(histories(engine, since))
    return len(tickets), rule_health(tickets)
