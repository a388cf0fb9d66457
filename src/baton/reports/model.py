"""The weekly report as data: what the HTML shows and the JSON holds, figure for
figure. Every part names its period and its population, and a part the source
cannot give says why instead of showing a zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baton.analytics.results import Metric, Period, Population, Rate
from baton.reports.anomaly import Settings, Verdict
from baton.reports.segments import Measure
from baton.reports.weeks import IsoWeek

HOUR = 3600.0


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 1)


@dataclass(frozen=True)
class TrendPoint:
    week: str
    period: Period
    cases: int
    rate: Rate | None
    unavailable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "period": self.period.to_dict(),
            "cases": self.cases,
            "rate": self.rate.to_dict() if self.rate else None,
            "unavailable": self.unavailable,
        }


@dataclass(frozen=True)
class CategoryRow:
    category: str
    cases: int
    """Cases of the category the measure could judge."""
    hits: int
    support_hours: float | None

    @property
    def rate(self) -> float | None:
        return self.hits / self.cases if self.cases else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "cases": self.cases,
            "hits": self.hits,
            "rate": self.rate,
            "support_hours": self.support_hours,
        }


@dataclass(frozen=True)
class Categories:
    period: Period
    population: Population
    rows: tuple[CategoryRow, ...]
    support_hours: str | None
    """The definition of support hours, None when the source cannot give them."""
    unavailable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "population": self.population.to_dict(),
            "support_hours_definition": self.support_hours,
            "rows": [r.to_dict() for r in self.rows],
            "unavailable": self.unavailable,
        }


@dataclass(frozen=True)
class PingPongCase:
    case: str
    category: str | None
    team_path: str
    escalation_path: str
    handovers: int
    direct: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "category": self.category,
            "team_path": self.team_path,
            "escalation_path": self.escalation_path,
            "handovers": self.handovers,
            "direct": self.direct,
        }


@dataclass(frozen=True)
class AgentRow:
    agent: str
    held: int
    escalated: int
    rate: float
    tier: int | None
    """The lowest tier at which the agent held a case this week: agents are compared
    with their peers of the same tier (None: the source records no tiers)."""
    centre: float | None
    """Escalated / held over the agents of the same tier."""
    p_above: float | None = None
    """Exact binomial P(X >= escalated) of ``held`` cases at ``centre``."""
    p_below: float | None = None
    """Exact binomial P(X <= escalated)."""

    @property
    def band(self) -> str:
        """Where the agent falls in the funnel of their tier: outside the 95 % (or
        99.8 %) limits when the exact one-sided probability is under 2.5 % (0.1 %)."""
        if self.p_above is None or self.p_below is None:
            return "no spread to compare with"
        for p, side in ((self.p_above, "above"), (self.p_below, "below")):
            if p < 0.001:
                return f"{side} the 99.8 % limit"
            if p < 0.025:
                return f"{side} the 95 % limit"
        return "within the limits"

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "held": self.held,
            "escalated": self.escalated,
            "rate": self.rate,
            "tier": self.tier,
            "peer_rate": self.centre,
            "p_above": self.p_above,
            "p_below": self.p_below,
            "band": self.band,
        }


@dataclass(frozen=True)
class Agents:
    metric: Metric
    rows: tuple[AgentRow, ...]
    focus: int | None = None
    """The tier whose agents escalate most: the one drawn as a funnel."""

    @property
    def focus_rows(self) -> tuple[AgentRow, ...]:
        return tuple(r for r in self.rows if r.tier == self.focus)

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric.to_dict(), "focus_tier": self.focus, "rows": [r.to_dict() for r in self.rows]}


@dataclass(frozen=True)
class FlowNode:
    stage: int
    tier: int
    name: str
    cases: int
    ends: int
    """Cases whose tier path ends at this stage."""


@dataclass(frozen=True)
class FlowLink:
    stage: int
    """The stage the cases leave; they arrive at ``stage + 1``."""
    source: int
    target: int
    cases: int


@dataclass(frozen=True)
class Flow:
    period: Period
    population: Population
    cases: int
    """Cases with a tier path."""
    nodes: tuple[FlowNode, ...] = ()
    links: tuple[FlowLink, ...] = ()
    longer: int = 0
    """Cases with more stages than drawn."""
    unavailable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "population": self.population.to_dict(),
            "cases": self.cases,
            "nodes": [n.__dict__ for n in self.nodes],
            "links": [link.__dict__ for link in self.links],
            "longer": self.longer,
            "unavailable": self.unavailable,
        }


@dataclass(frozen=True)
class Finding:
    week: str
    dimension: str
    segment: str
    verdict: Verdict
    history: tuple[tuple[str, int, int], ...]
    """(week, escalated, cases) of the previous weeks tested against."""
    hits: int
    cases: int
    support_hours: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "dimension": self.dimension,
            "segment": self.segment,
            "hits": self.hits,
            "cases": self.cases,
            "support_hours": self.support_hours,
            "message": self.message,
            "verdict": self.verdict.to_dict(),
            "history": [{"week": w, "hits": h, "cases": c} for w, h, c in self.history],
        }


@dataclass(frozen=True)
class Watch:
    """The anomaly tests of the week, per segment."""

    settings: Settings
    measure: Measure | None
    population: str
    flags: tuple[Finding, ...] = ()
    checked: int = 0
    """Segment-tests that could run."""
    unavailable: tuple[tuple[str, str, str, str], ...] = ()
    """(dimension, segment, test, why) of the tests that could not run."""
    notes: tuple[str, ...] = ()

    @property
    def idle(self) -> str:
        """Why no test could run, when none could."""
        short = [n for n in self.notes if "inside the history" in n]
        return short[0] if short else "every segment had too little support"

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings.to_dict(),
            "measure": self.measure.to_dict() if self.measure else None,
            "population": self.population,
            "checked": self.checked,
            "flags": [f.to_dict() for f in self.flags],
            "unavailable": [{"dimension": d, "segment": s, "test": t, "reason": r} for d, s, t, r in self.unavailable],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class WeeklyReport:
    source: str
    week: IsoWeek
    generated_at: datetime
    population: Population
    headline: tuple[Metric, ...]
    trend: tuple[TrendPoint, ...]
    categories: Categories
    ping_pong: Metric
    ping_pong_cases: tuple[PingPongCase, ...]
    sla: Metric
    agents: Agents
    flow: Flow
    watch: Watch
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def period(self) -> Period:
        return self.week.period

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": "weekly",
            "source": self.source,
            "week": self.week.label,
            "days": self.week.days,
            "period": self.period.to_dict(),
            "generated_at": self.generated_at.isoformat(),
            "population": self.population.to_dict(),
            "headline": [m.to_dict() for m in self.headline],
            "trend": [p.to_dict() for p in self.trend],
            "top_categories": self.categories.to_dict(),
            "ping_pong": {"metric": self.ping_pong.to_dict(), "cases": [c.to_dict() for c in self.ping_pong_cases]},
            "sla_attainment": self.sla.to_dict(),
            "agents": self.agents.to_dict(),
            "flow": self.flow.to_dict(),
            "anomalies": self.watch.to_dict(),
            "notes": list(self.notes),
        }
