"""Baton's own history: the ``ticket_events`` trail read through SQLAlchemy and
decoded in Polars (one JSON decode of every payload, no loop over events).

After each event a row carries who holds the ticket: the responsible role (team),
agent and escalation level (tier), carried forward from the events that change
them (opening, reassignment, handoff, bounce)."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine, String, cast, select

from baton.analytics.frame import Capability, EventLog, Kind, SlaState, conform
from baton.analytics.results import Period
from baton.core.playbook import Playbook
from baton.store import tables as t

_c = pl.col
SOURCE = "baton"
PAYLOAD = pl.Struct(
    {
        "responsible_role": pl.String(),
        "responsible_agent": pl.String(),
        "escalation_level": pl.Int64(),
        "category": pl.String(),
        "severity": pl.String(),
        "customer_tier": pl.String(),
        "role": pl.String(),
        "agent": pl.String(),
        "kind": pl.String(),
        "to_role": pl.String(),
        "to_agent": pl.String(),
        "to_tier": pl.Int64(),
        "returned_to_role": pl.String(),
        "returned_to_agent": pl.String(),
        "author_kind": pl.String(),
        "visibility": pl.String(),
        "target": pl.String(),
        "cycle": pl.Int64(),
    }
)
SLA_STATES = {
    "SlaClockStarted": SlaState.STARTED,
    "SlaClockStopped": SlaState.STOPPED,
    "SlaClockResumed": SlaState.RESUMED,
    "SlaBreached": SlaState.BREACHED,
}


def _rows(engine: Engine, period: Period | None) -> pl.DataFrame:
    e = t.ticket_events
    query = select(e.c.id, e.c.ticket_id, e.c.type, cast(e.c.payload, String).label("payload"), e.c.occurred_at)
    if period is not None and (period.start is not None or period.end is not None):
        active = select(e.c.ticket_id).distinct()
        if period.start is not None:
            active = active.where(e.c.occurred_at >= period.start)
        if period.end is not None:
            active = active.where(e.c.occurred_at < period.end)
        query = query.where(e.c.ticket_id.in_(active))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(e.c.ticket_id, e.c.seq)).all()
    schema = {
        "row": pl.Int64(),
        "case": pl.Int64(),
        "activity": pl.String(),
        "payload": pl.String(),
        "ts": pl.Datetime("us", "UTC"),
    }
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def frame_from_events(raw: pl.DataFrame) -> pl.DataFrame:
    """Normalised rows from (row, case, activity=event type, payload JSON, ts)."""
    p = raw.with_columns(p=_c("payload").str.json_decode(PAYLOAD)).unnest("p")
    kind_of = _c("activity")
    handoff = (kind_of == "TicketEscalated") & (_c("kind") == "handoff")
    bounce = kind_of == "EscalationBounced"
    opened = kind_of == "TicketOpened"
    assigned = kind_of == "ResponsibleAssigned"
    team = (
        pl.when(opened)
        .then(_c("responsible_role"))
        .when(assigned)
        .then(_c("role"))
        .when(handoff)
        .then(_c("to_role"))
        .when(bounce)
        .then(_c("returned_to_role"))
    )
    agent = (
        pl.when(opened)
        .then(_c("responsible_agent"))
        .when(assigned)
        .then(_c("agent"))
        .when(handoff)
        .then(_c("to_agent"))
        .when(bounce)
        .then(_c("returned_to_agent"))
    )
    tier = pl.when(opened | assigned | bounce).then(_c("escalation_level")).when(handoff).then(_c("to_tier"))
    kind = (
        pl.when(kind_of == "TicketResolved")
        .then(pl.lit(Kind.RESOLVED.value))
        .when(kind_of == "TicketReopened")
        .then(pl.lit(Kind.REOPENED.value))
        .when((kind_of == "MessageAdded") & (_c("author_kind") == "agent") & (_c("visibility") == "public"))
        .then(pl.lit(Kind.REPLY.value))
        .when(kind_of == "TicketEscalated")
        .then(pl.lit(Kind.ESCALATION.value))
        .when(bounce)
        .then(pl.lit(Kind.BOUNCE.value))
    )
    sla_state = kind_of.replace_strict({k: v.value for k, v in SLA_STATES.items()}, default=None)
    frame = p.select(
        _c("case").cast(pl.String),
        "row",
        "ts",
        "activity",
        team=team,
        agent=agent,
        tier=tier,
        category=pl.when(opened).then(_c("category")),
        severity=pl.when(opened | (kind_of == "SeverityChanged")).then(_c("severity")),
        customer_tier=pl.when(opened | (kind_of == "CustomerTierChanged")).then(_c("customer_tier")),
        kind=kind,
        escalation=pl.when(handoff | bounce | (kind_of == "TicketEscalated")).then(_c("kind")),
        to_tier=pl.when(kind_of == "TicketEscalated").then(_c("to_tier")),
        sla_target=pl.when(sla_state.is_not_null()).then(_c("target")),
        sla_cycle=pl.when(sla_state.is_not_null()).then(_c("cycle")),
        sla_state=sla_state,
    )
    carried = ["team", "agent", "tier", "category", "severity", "customer_tier"]
    frame = frame.with_columns([_c(c).forward_fill().over("case") for c in carried])
    return conform(frame)


def read_baton(engine: Engine, playbook: Playbook, period: Period | None = None) -> EventLog:
    """Baton's history; with ``period``, only tickets with an event in it (whole)."""
    frame = frame_from_events(_rows(engine, period))
    return EventLog(
        frame=frame,
        source=SOURCE,
        capabilities=frozenset(Capability),
        routine_categories=frozenset(c.name for c in playbook.categories.values() if c.routine),
        tier_names={level: tier.name for level, tier in playbook.tiers.items()},
    )
