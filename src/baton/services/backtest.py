"""Reading recorded histories for a backtest or a rule-health review. Read-only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from baton.core import events as ev
from baton.core.backtest import RuleBacktest, RuleHealth, backtest, rule_health
from baton.core.playbook import Playbook
from baton.services.unit_of_work import read_only

if TYPE_CHECKING:
    from sqlalchemy import Engine


def histories(engine: Engine, since: datetime) -> Iterator[list[ev.RecordedEvent]]:
    """Each ticket created since ``since``: its whole recorded trail, in order."""
    with read_only(engine) as uow:
        yield from uow.tickets.histories(since)


def run_backtest(
    engine: Engine, playbook: Playbook, since: datetime, act: bool = False
) -> tuple[int, list[RuleBacktest]]:
    """``act``: feed each rule's own actions back into the replay (see :func:`backtest`)."""
    tickets = list(histories(engine, since))
    return len(tickets), backtest(playbook, tickets, act)


def run_health(engine: Engine, since: datetime) -> tuple[int, list[RuleHealth]]:
    tickets = list(histories(engine, since))
    return len(tickets), rule_health(tickets)
