"""A small hand-written history whose metrics are computed by hand in the tests.

Times are minutes after T0. Each case (see the test module for the arithmetic):

- A  how-to (routine): amara at frontline (T1) replies at 10, resolves at 60.
- B  api: amara hands off to liam (api, T3) at 30; liam replies at 40 and bounces
     it back at 90; amara hands off again at 120; resolved at 240.
- C  how-to (routine): bruno asks a T3 assist at 20; chen takes over in frontline at
     50; resolved at 100, reopened at 200, resolved again at 260.
- D  bug: dana replies at 10 and never resolves.
- E  billing: emeka; reassigned to billing (greta, T2) at 10, to product (ines, T2)
     at 20, back to frontline (emeka) at 30; resolved at 40.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from baton.analytics.frame import Capability, EventLog, conform, empty

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FRONT = {"team": "frontline", "tier": 1}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def e(case: str, minutes: float, **fields: Any) -> dict[str, Any]:
    return {"case": case, "ts": at(minutes), **fields}


def sla(case: str, minutes: float, target: str, state: str, cycle: int | None = None) -> dict[str, Any]:
    return e(case, minutes, sla_target=target, sla_state=state, sla_cycle=cycle)


def build(
    events: list[dict[str, Any]],
    capabilities: frozenset[Capability] = frozenset(Capability),
    routine: frozenset[str] | None = frozenset({"how-to"}),
    excluded: list[tuple[str, str]] | None = None,
) -> EventLog:
    """Events carry what changed; team, agent, tier and category are carried
    forward within a case as Baton's own importer does."""
    rows = [{**event, "row": i} for i, event in enumerate(events, start=1)]
    if not rows:
        return EventLog(empty(), "the test history", capabilities, routine)
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.col("ts").dt.convert_time_zone("UTC"))
    frame = conform(frame).with_columns(
        [pl.col(c).forward_fill().over("case", order_by="row") for c in ("team", "agent", "tier", "category")]
    )
    gone = pl.DataFrame(excluded or [], schema={"case": pl.String(), "reason": pl.String()}, orient="row")
    return EventLog(frame, "the test history", capabilities, routine, excluded=gone)


def history(**kwargs: Any) -> EventLog:
    return build(EVENTS, **kwargs)


EVENTS: list[dict[str, Any]] = [
    # A
    e("A", 0, agent="amara", category="how-to", **FRONT),
    sla("A", 0, "first_response", "started", 1),
    sla("A", 0, "resolution", "started", 1),
    e("A", 10, kind="reply"),
    sla("A", 10, "first_response", "stopped"),
    e("A", 60, kind="resolved"),
    sla("A", 60, "resolution", "stopped"),
    # B
    e("B", 0, agent="amara", category="api", **FRONT),
    sla("B", 0, "first_response", "started", 1),
    sla("B", 0, "resolution", "started", 1),
    e("B", 30, kind="escalation", escalation="handoff", to_tier=3, team="api", agent="liam", tier=3),
    sla("B", 35, "first_response", "breached", 1),
    e("B", 40, kind="reply"),
    sla("B", 40, "first_response", "stopped"),
    e("B", 90, kind="bounce", escalation="handoff", agent="amara", **FRONT),
    e("B", 120, kind="escalation", escalation="handoff", to_tier=3, team="api", agent="liam", tier=3),
    e("B", 240, kind="resolved"),
    sla("B", 240, "resolution", "stopped"),
    # C
    e("C", 0, agent="bruno", category="how-to", **FRONT),
    sla("C", 0, "resolution", "started", 1),
    e("C", 20, kind="escalation", escalation="assist", to_tier=3),
    e("C", 50, agent="chen"),
    e("C", 100, kind="resolved"),
    sla("C", 100, "resolution", "stopped"),
    e("C", 200, kind="reopened"),
    sla("C", 200, "resolution", "resumed"),
    e("C", 260, kind="resolved"),
    # D
    e("D", 0, agent="dana", category="bug", **FRONT),
    sla("D", 0, "first_response", "started", 1),
    e("D", 10, kind="reply"),
    sla("D", 10, "first_response", "stopped"),
    # E
    e("E", 0, agent="emeka", category="billing", **FRONT),
    e("E", 10, team="billing", agent="greta", tier=2),
    e("E", 20, team="product", agent="ines", tier=2),
    e("E", 30, agent="emeka", **FRONT),
    e("E", 40, kind="resolved"),
]
