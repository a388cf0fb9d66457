"""Metrics as plain text lines, for the terminal."""

from __future__ import annotations

from baton.analytics.results import Count, Metric, Population, Rate, Stats, Table


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _number(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def value(metric: Metric) -> str:
    v = metric.value
    if v is None:
        return f"unavailable: {metric.unavailable}"
    if isinstance(v, Rate):
        share = "-" if v.value is None else f"{100 * v.value:.1f} %"
        return f"{share} ({v.numerator:,} / {v.denominator:,})"
    if isinstance(v, Stats):
        if v.unit == "seconds":
            return f"median {duration(v.median)}, p90 {duration(v.p90)}, mean {duration(v.mean)} (n = {v.count:,})"
        return f"mean {_number(v.mean)}, median {_number(v.median)}, p90 {_number(v.p90)} (n = {v.count:,})"
    if isinstance(v, Count):
        return _number(v.value)
    return f"{len(v.rows)} row(s)"


def _table(table: Table, limit: int) -> list[str]:
    lines = ["      " + " | ".join(table.columns)]
    for row in table.rows[:limit]:
        cells = [_cell(name, cell) for name, cell in zip(table.columns, row, strict=True)]
        lines.append("      " + " | ".join(cells))
    if len(table.rows) > limit:
        lines.append(f"      ... {len(table.rows) - limit} more")
    return lines


def _cell(name: str, cell: object) -> str:
    if isinstance(cell, float) and name.endswith("seconds"):
        return duration(cell)
    if isinstance(cell, float):
        return f"{cell:.3f}"
    return "-" if cell is None else str(cell)


def population(pop: Population) -> str:
    excluded = "; ".join(f"{e.cases:,} {e.reason}" for e in pop.exclusions)
    return f"{pop.cases:,} {pop.description}" + (f" (excluded: {excluded})" if excluded else "")


def metric_lines(metric: Metric, rows: int = 8) -> list[str]:
    lines = [f"  {metric.name}: {value(metric)}"]
    if metric.excluded:
        lines.append("    excluded: " + "; ".join(f"{e.cases:,} {e.reason}" for e in metric.excluded))
    if isinstance(metric.value, Table):
        lines += _table(metric.value, rows)
    return lines
