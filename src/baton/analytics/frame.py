"""The normalised event log: one Polars frame whatever the source.

Every importer (a CSV or XES event log, a Zendesk export, Baton's own trail)
produces this frame; every metric reads only it. One row is one recorded event
of one case (ticket), with what the case looked like after it:

- ``case``: the case id; ``row``: the event's place in its source (file row,
  event id), which keeps ties in recorded order; ``ts``: an aware UTC time.
- ``activity``: the source's own name for the event or status.
- ``team`` / ``agent`` / ``tier``: who holds the case after the event (the
  responsible role or assignment group, the person, the support line 1-4);
  null where the source does not say.
- ``category`` / ``severity`` / ``customer_tier``: the case's attributes.
- ``kind``: what the event means to the metrics (:class:`Kind`), null for the rest.
- ``escalation`` (``assist`` / ``handoff``) and ``to_tier`` on escalations and bounces.
- ``sla_target`` / ``sla_cycle`` / ``sla_state`` on SLA clock events (:class:`SlaState`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl


class Kind(StrEnum):
    RESOLVED = "resolved"
    """The case reached resolution (or a closed state)."""
    REOPENED = "reopened"
    REPLY = "reply"
    """A public reply by an agent to the customer."""
    ESCALATION = "escalation"
    """A recorded escalation (Baton): ``escalation`` says assist or handoff."""
    BOUNCE = "bounce"
    """The receiver of an escalation sent it back."""


class SlaState(StrEnum):
    STARTED = "started"
    STOPPED = "stopped"
    RESUMED = "resumed"
    BREACHED = "breached"


class Capability(StrEnum):
    """What a source can record. A metric needing what the source lacks is
    reported as unavailable, never as zero."""

    TEAMS = "teams"
    AGENTS = "agents"
    TIERS = "tiers"
    REPLIES = "replies"
    ESCALATIONS = "escalations"
    """Explicit escalation events with their kind (assist / handoff) and bounces."""
    SLA = "sla"
    CATEGORIES = "categories"
    SEVERITY = "severity"
    CUSTOMER_TIERS = "customer_tiers"


SCHEMA: dict[str, pl.DataType] = {
    "case": pl.String(),
    "row": pl.Int64(),
    "ts": pl.Datetime("us", "UTC"),
    "activity": pl.String(),
    "team": pl.String(),
    "agent": pl.String(),
    "tier": pl.Int8(),
    "category": pl.String(),
    "severity": pl.String(),
    "customer_tier": pl.String(),
    "kind": pl.String(),
    "escalation": pl.String(),
    "to_tier": pl.Int8(),
    "sla_target": pl.String(),
    "sla_cycle": pl.Int32(),
    "sla_state": pl.String(),
}
COLUMNS = tuple(SCHEMA)


class FrameError(ValueError):
    """A frame that does not follow :data:`SCHEMA`."""


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every schema column (absent ones null), in schema order and types.

    Raises :class:`FrameError` when ``case``, ``row`` or ``ts`` is missing or ``ts``
    is not an aware UTC datetime."""
    for required in ("case", "row", "ts"):
        if required not in frame.columns:
            raise FrameError(f"the event frame has no {required!r} column")
    ts_type = frame.schema["ts"]
    if not isinstance(ts_type, pl.Datetime) or ts_type.time_zone != "UTC":
        raise FrameError(f"ts must be an aware UTC datetime, not {ts_type}")
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in SCHEMA.items()
        ]
    )


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """Events by case, then time, ties in recorded order (METRICS.md); a frame
    already in that order is returned as it is, without sorting again."""
    if frame.height > 1 and not frame.select(_in_order()).item():
        return frame.sort(["case", "ts", "row"], maintain_order=True)
    return frame


def _in_order() -> pl.Expr:
    case, ts, row = pl.col("case"), pl.col("ts"), pl.col("row")
    later = (case > case.shift(1)) | (
        (case == case.shift(1)) & ((ts > ts.shift(1)) | ((ts == ts.shift(1)) & (row > row.shift(1))))
    )
    return later.slice(1).all()


@dataclass(frozen=True)
class EventLog:
    """A normalised history and what is known about it.

    ``excluded`` lists cases the metrics must leave out (``case``, ``reason``),
    for example cases that lost rows to bad input on import."""

    frame: pl.DataFrame
    source: str
    capabilities: frozenset[Capability]
    routine_categories: frozenset[str] | None = None
    """Categories the playbook marks routine; None when the source has no playbook."""
    excluded: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"case": pl.String(), "reason": pl.String()})
    )
    notes: tuple[str, ...] = ()
    tier_names: Mapping[int, str] = field(default_factory=dict)

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities
