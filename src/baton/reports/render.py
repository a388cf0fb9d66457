"""The weekly report as one self-contained HTML file (inline CSS and SVG, no script,
nothing fetched) and as JSON; the web page renders the same parts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from baton.analytics.results import Metric, Rate, Stats, Table
from baton.analytics.text import duration
from baton.reports.model import WeeklyReport

TEMPLATES = Path(__file__).parent / "templates"
SHOWN_CASES = 30
"""Ping-pong cases listed on the page (the JSON has them all)."""
TARGET_NAMES = {"first_response": "first response", "update": "customer update", "resolution": "resolution"}


def percent(value: float | None, digits: int = 0) -> str:
    """``46 %`` with a no-break space, so a line never ends between the number and its sign."""
    return "–" if value is None else f"{100 * value:.{digits}f}\u00a0%"


def number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"


def headline(metric: Metric) -> dict[str, str]:
    """A card: the figure, what it is over, and its definition (or why it is unavailable)."""
    value = metric.value
    if value is None:
        return {"value": "unavailable", "detail": metric.unavailable or "", "raw": ""}
    if isinstance(value, Rate):
        unit = {"bounce_back_rate": "handoffs", "ping_pong": "cases with a team path"}.get(metric.name, "cases")
        shown = "–" if value.value is None else percent(value.value, 1 if value.value < 0.1 else 0)
        detail = f"{value.numerator:,} of {value.denominator:,} {unit}"
        return {"value": shown, "detail": detail, "raw": f"{value.value}"}
    if isinstance(value, Stats):
        return {
            "value": duration(value.median),
            "detail": f"median; p90 {duration(value.p90)} (n = {value.count:,})",
            "raw": f"{value.median}",
        }
    return {"value": str(value), "detail": "", "raw": ""}


def table_records(metric: Metric) -> list[dict[str, Any]]:
    return metric.value.records() if isinstance(metric.value, Table) else []


@dataclass(frozen=True)
class Charts:
    trend: str | None
    categories: str | None
    flow: str | None
    sla: str | None
    agents: str | None
    anomalies: str | None


def draw(report: WeeklyReport) -> Charts:
    """Every chart of the report (matplotlib is loaded here, not before)."""
    from baton.reports import charts
    from baton.reports.flow import draw as draw_flow

    noun = report.watch.measure.noun if report.watch.measure else "escalations"
    sla_rows = [
        (TARGET_NAMES.get(r["target"], r["target"]), int(r["met"]), int(r["ran"])) for r in table_records(report.sla)
    ]
    return Charts(
        trend=charts.trend(report.trend),
        categories=charts.categories(report.categories.rows, noun),
        flow=draw_flow(report.flow),
        sla=charts.sla(sla_rows),
        agents=charts.agents(report.agents.focus_rows),
        anomalies=charts.anomalies(report.watch.flags),
    )


def environment(*more: Path) -> Environment:
    """Jinja2 over the report templates (and ``more`` folders, such as the web pages')."""
    env = Environment(
        loader=FileSystemLoader([TEMPLATES, *more]),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = percent
    env.filters["number"] = number
    env.filters["duration"] = duration
    return env


def context(report: WeeklyReport, charts: Charts, link_tickets: bool = False) -> dict[str, Any]:
    previous = report.trend[-2] if len(report.trend) > 1 else None
    return {
        "r": report,
        "charts": charts,
        "cards": [(m, headline(m)) for m in report.headline],
        "previous": previous,
        "sla_rows": table_records(report.sla),
        "generated": report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "link_tickets": link_tickets and report.source == "baton",
        "noun": report.watch.measure.noun if report.watch.measure else "escalations",
        "settings": report.watch.settings,
        "target_names": TARGET_NAMES,
        "shown_cases": SHOWN_CASES,
    }


_ENV: Environment | None = None


def html(report: WeeklyReport, charts: Charts | None = None) -> str:
    """The report as one HTML document that opens offline."""
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV.get_template("weekly.html").render(context(report, charts or draw(report)))


def file_stem(report: WeeklyReport) -> str:
    return f"weekly-{report.week.label}"


def write(report: WeeklyReport, folder: Path) -> tuple[Path, Path]:
    """``weekly-2026-W46.html`` and ``weekly-2026-W46.json`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{file_stem(report)}.html"
    data = folder / f"{file_stem(report)}.json"
    page.write_text(html(report), encoding="utf-8")
    data.write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    return page, data
