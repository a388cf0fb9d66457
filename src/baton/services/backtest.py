"""Reading recorded histories for a backtest or a rule-health review: only the audit log is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from baton.core import events as ev
from baton.core.audit import ConfigAction
from baton.core.backtest import RuleBacktest, RuleHealth, backtest, rule_health
from baton.core.playbook import Playbook
from baton.core.policy import Action, Caller, require
from baton.services.unit_of_work import read_only, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy import Engine


def histories(engine: Engine, since: datetime) -> Iterator[list[ev.RecordedEvent]]:
    """Each ticket created since ``since``: its whole recorded trail, in order."""
    with read_only(engine) as uow:
        yield from uow.tickets.histories(since)


def run_backtest(
    engine: Engine, playbook: Playbook, since: datetime, act: bool, caller: Caller, now: datetime
) -> tuple[int, list[RuleBacktest]]:
    """Replay the history since ``since`` through ``playbook``'s rules, for a lead or
    an admin; the run is recorded in the audit log (nothing else is written).
    ``act``: feed each rule's own actions back into the replay (see :func:`backtest`)."""
    require(caller, Action.RUN_BACKTEST)
    tickets = list(histories(engine, since))
    results = backtest(playbook, tickets, act)
    with unit_of_work(engine) as uow:
        details = {"since": since.isoformat(), "act": act, "tickets": len(tickets), "rules": len(results)}
        uow.audit_log.record(now, caller.name, ConfigAction.BACKTEST_RUN, f"playbook:{playbook.version}", details)
    return len(tickets), results


def run_health(engine: Engine, since: datetime) -> tuple[int, list[RuleHealth]]:
    tickets = list(histories(engine, since))
    return len(tickets), rule_health(tickets)
