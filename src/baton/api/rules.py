"""/api/v1/playbook/backtest, /api/v1/rules/health and /api/v1/classification/agreement."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.text import MultiLine
from baton.core.errors import FieldError, InvalidCommand
from baton.playbook import PlaybookError, parse_playbook
from baton.services.agreement import agreement
from baton.services.backtest import run_backtest, run_health

router = APIRouter(tags=["playbook"])


class BacktestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    playbook: MultiLine = Field(description="The candidate playbook, as YAML text.", max_length=512_000)
    since_days: int = Field(default=90, ge=1, le=3650)
    act: bool = Field(default=False, description="Feed each rule's own actions back into the replay.")


@router.post("/playbook/backtest")
def backtest_playbook(body: BacktestRequest, baton: BatonDep, caller: CurrentCaller) -> dict[str, Any]:
    """Replay the recorded history through a candidate playbook's rules, in memory:
    per rule, the tickets it would have fired on, how many were escalated by hand later,
    and the median time it would have saved. Nothing is written."""
    try:
        candidate = parse_playbook(body.playbook, "candidate playbook")
    except PlaybookError as exc:
        raise InvalidCommand(
            f"the candidate playbook has {len(exc.issues)} problem(s)",
            tuple(FieldError(f"playbook.{i.path}" if i.path else "playbook", i.message) for i in exc.issues),
        ) from None
    since = baton.clock.now() - timedelta(days=body.since_days)
    tickets, results = run_backtest(baton.engine, candidate, since, body.act, caller, baton.clock.now())
    return {
        "playbook_version": candidate.version,
        "act": body.act,
        "since": since.isoformat(),
        "tickets": tickets,
        "rules": [r.as_dict() for r in results],
    }


@router.get("/rules/health")
def rules_health(
    baton: BatonDep, _caller: CurrentCaller, since_days: Annotated[int, Query(ge=1, le=3650)] = 90
) -> dict[str, Any]:
    """Per rule that ran: firings, escalations it made, bounces of those, and the median
    time to resolve after it fired."""
    since = baton.clock.now() - timedelta(days=since_days)
    tickets, results = run_health(baton.engine, since)
    return {"since": since.isoformat(), "tickets": tickets, "rules": [h.as_dict() for h in results]}


@router.get("/classification/agreement")
def classification_agreement(
    baton: BatonDep, _caller: CurrentCaller, since_days: Annotated[int, Query(ge=1, le=3650)] = 90
) -> dict[str, Any]:
    """For resolved tickets classified at opening: how often the suggested category is the
    one they were resolved under, by population (named by the sender, taken from the
    suggestion) and source (hints, model, fallback)."""
    return agreement(baton.engine, baton.clock.now() - timedelta(days=since_days)).as_dict()
