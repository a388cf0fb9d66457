"""Typed results: every figure carries its name, its one-line definition, its
value or the reason it is unavailable, its period, its population and the cases
it excluded and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Period:
    """A half-open interval ``[start, end)`` of aware UTC times; None is unbounded."""

    start: datetime | None
    end: datetime | None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"period {name} {value!r} must be an aware datetime")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def label(self) -> str:
        start = self.start.isoformat() if self.start else "the beginning"
        end = self.end.isoformat() if self.end else "the end of the history"
        return f"{start} to {end}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "label": self.label,
        }


@dataclass(frozen=True)
class Exclusion:
    reason: str
    cases: int


@dataclass(frozen=True)
class Population:
    description: str
    cases: int
    exclusions: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "cases": self.cases,
            "excluded": [{"reason": e.reason, "cases": e.cases} for e in self.exclusions if e.cases],
        }


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "numerator": self.numerator, "denominator": self.denominator}


@dataclass(frozen=True)
class Stats:
    """A distribution: count, median, p90 (linear interpolation), mean and total,
    in ``unit`` (seconds for times)."""

    unit: str
    count: int
    median: float | None
    p90: float | None
    mean: float | None
    total: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "count": self.count,
            "median": self.median,
            "p90": self.p90,
            "mean": self.mean,
            "total": self.total,
        }


@dataclass(frozen=True)
class Count:
    value: int | float
    of: int | None = None
    """The number of cases the value is counted over, where it is an average or share."""

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "of": self.of}


@dataclass(frozen=True)
class Table:
    """Rows of a breakdown (per team, per tier, per agent, a list of cases)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": [list(r) for r in self.rows]}

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


Value = Rate | Stats | Count | Table


@dataclass(frozen=True)
class Metric:
    name: str
    definition: str
    period: Period
    population: Population
    value: Value | None = None
    unavailable: str | None = None
    """Why the metric cannot be computed from this history; None when it can."""
    excluded: tuple[Exclusion, ...] = ()
    """Cases of the population this metric leaves out, beyond the population's own."""
    business: Stats | None = None
    cases: tuple[str, ...] | None = None
    """The cases the metric lists (ping-pong, repeat escalations), at most LIST_LIMIT."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if (self.value is None) == (self.unavailable is None):
            raise ValueError(f"metric {self.name}: give a value or say why it is unavailable, not both")

    @property
    def available(self) -> bool:
        return self.unavailable is None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "definition": self.definition,
            "available": self.available,
            "unavailable": self.unavailable,
            "value": self.value.to_dict() if self.value is not None else None,
            "kind": type(self.value).__name__.lower() if self.value is not None else None,
            "period": self.period.to_dict(),
            "population": self.population.to_dict(),
            "excluded": [{"reason": e.reason, "cases": e.cases} for e in self.excluded if e.cases],
        }
        if self.business is not None:
            out["business"] = self.business.to_dict()
        if self.cases is not None:
            out["cases"] = list(self.cases)
        if self.notes:
            out["notes"] = list(self.notes)
        return out
