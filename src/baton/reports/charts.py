"""The report's charts, drawn by matplotlib as SVG (the fonts it ships, glyphs as
paths so a page renders the same everywhere, offline) and made deterministic:
the same figures give the same bytes. Import this module only where a chart is
drawn: matplotlib takes a second to load.

Each function returns inline SVG (see :mod:`baton.reports.svg`), or None when
there is nothing to draw; the page then says why."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from baton.reports.anomaly import Test, binomial_sf
from baton.reports.model import AgentRow, CategoryRow, Finding, TrendPoint
from baton.reports.svg import inline

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

INK, MUTED, GRID = "#1d2330", "#5b6475", "#e3e7ee"
BLUE, PALE, RED, GREEN, AMBER = "#2451b7", "#c9d3ea", "#c8453b", "#3a8a5c", "#d08a1f"
STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "baton-weekly-report",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "text.color": INK,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": MUTED,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "axes.grid": False,
}
_LOCK = threading.Lock()
"""matplotlib keeps global state (rc parameters, font caches): one chart at a time."""
_percent = FuncFormatter(lambda v, _: f"{v:.0f} %")


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    with _LOCK, matplotlib.rc_context(STYLE):
        yield Figure(figsize=(width, height), layout="constrained")


def _svg(figure: Figure, name: str, label: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return inline(buffer.getvalue(), name, label)


def _named(bars: BarContainer, gid: str) -> None:
    """Each bar its own id (``gid-1``, ``gid-2``, ...): ids stay unique in the page."""
    for number, bar in enumerate(bars, start=1):
        bar.set_gid(f"{gid}-{number}")


def _tidy(axes: Axes, grid: Literal["x", "y"] = "y") -> None:
    axes.grid(axis=grid, color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    axes.tick_params(length=0)


def trend(points: Sequence[TrendPoint]) -> str | None:
    """Escalation rate per week (line) over the cases first resolved that week (bars)."""
    rates = [100 * p.rate.value if p.rate and p.rate.value is not None else math.nan for p in points]
    if all(math.isnan(r) for r in rates):
        return None
    labels = [p.week.split("-")[1] for p in points]
    x = list(range(len(points)))
    with _figure(5.6, 2.7) as figure:
        cases_axes = figure.add_subplot()
        axes = cases_axes.twinx()
        _named(cases_axes.bar(x, [p.cases for p in points], color=PALE, width=0.6), "series-cases")
        cases_axes.set_ylabel("cases first resolved")
        cases_axes.yaxis.set_major_locator(MaxNLocator(4, integer=True))
        cases_axes.spines["right"].set_visible(False)
        axes.plot(x, rates, color=BLUE, marker="o", markersize=4, linewidth=2, gid="series-escalation-rate")
        last = len(points) - 1
        if not math.isnan(rates[last]):
            axes.plot([last], [rates[last]], marker="o", markersize=8, color=BLUE, gid="this-week")
            where = (last, rates[last])
            axes.annotate(f"{rates[last]:.0f} %", where, xytext=(0, 9), textcoords="offset points", ha="center")
            axes.texts[-1].set(fontweight="bold", color=BLUE)
        top = max(r for r in rates if not math.isnan(r))
        axes.set_ylim(0, max(10.0, math.ceil(top * 1.25 / 10) * 10))
        axes.yaxis.set_major_formatter(_percent)
        axes.yaxis.set_major_locator(MaxNLocator(5))
        axes.set_ylabel("escalation rate", color=BLUE)
        axes.spines["right"].set_visible(True)
        axes.spines["top"].set_visible(False)
        axes.yaxis.tick_left()
        axes.yaxis.set_label_position("left")
        cases_axes.yaxis.tick_right()
        cases_axes.yaxis.set_label_position("right")
        _tidy(axes)
        cases_axes.tick_params(length=0)
        cases_axes.set_xticks(x, labels)
        return _svg(figure, "trend", "Escalation rate by week, with the cases first resolved each week")


def categories(rows: Sequence[CategoryRow], noun: str) -> str | None:
    """Escalated cases and the support hours they cost, per category (top five)."""
    if not rows:
        return None
    names = [r.category for r in rows][::-1]
    hits = [r.hits for r in rows][::-1]
    totals = [r.cases for r in rows][::-1]
    with _figure(5.6, 0.42 * len(rows) + 0.9) as figure:
        left, right = figure.subplots(1, 2, sharey=True, width_ratios=[1.1, 1])
        y = list(range(len(rows)))
        _named(left.barh(y, totals, color=PALE, height=0.6), "series-cases")
        _named(left.barh(y, hits, color=BLUE, height=0.6), "series-escalated")
        for i, (h, t) in enumerate(zip(hits, totals, strict=True)):
            left.text(t, i, f"  {h} of {t}", va="center", fontsize=8.5, color=INK)
        left.set_yticks(y, names)
        left.set_xlim(0, max(totals) * 1.35)
        left.set_xlabel(f"{noun} (of the category's cases)")
        left.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        _tidy(left, "x")
        support = [r.support_hours for r in rows][::-1]
        if all(s is not None for s in support):
            values = [float(s or 0.0) for s in support]
            _named(right.barh(y, values, color=AMBER, height=0.6), "series-support-hours")
            for i, v in enumerate(values):
                right.text(v, i, f"  {v:,.0f} h", va="center", fontsize=8.5, color=INK)
            right.set_xlim(0, max(max(values), 1.0) * 1.3)
            right.set_xlabel("support hours")
        else:
            right.text(0.5, 0.5, "support hours unavailable", ha="center", va="center", transform=right.transAxes)
        _tidy(right, "x")
        right.tick_params(axis="y", length=0, labelleft=False)
        return _svg(figure, "categories", f"The categories with the most {noun}, and the support hours they cost")


def sla(rows: Sequence[tuple[str, int, int]]) -> str | None:
    """Per SLA target: the share met and the share breached of the targets that ran."""
    rows = [r for r in rows if r[2]]
    if not rows:
        return None
    with _figure(5.6, 0.42 * len(rows) + 0.7) as figure:
        axes = figure.add_subplot()
        y = list(range(len(rows)))[::-1]
        met = [100 * m / ran for _, m, ran in rows]
        _named(axes.barh(y, met, color=GREEN, height=0.6), "series-met")
        _named(axes.barh(y, [100 - m for m in met], left=met, color=RED, height=0.6, alpha=0.85), "series-breached")
        for i, (_, m, ran) in zip(y, rows, strict=True):
            axes.text(1.5, i, f"{100 * m / ran:.0f} % met ({m} of {ran})", va="center", color="white", fontsize=8.5)
            if ran > m:
                axes.text(99, i, f"{ran - m} breached", va="center", ha="right", color="white", fontsize=8.5)
        axes.set_yticks(y, [t.replace("_", " ") for t, _, _ in rows])
        axes.set_xlim(0, 100)
        axes.xaxis.set_major_formatter(_percent)
        _tidy(axes, "x")
        return _svg(figure, "sla", "SLA attainment per target: met and breached")


def funnel_limits(centre: float, largest: int, alpha: float) -> tuple[list[int], list[float], list[float]]:
    """Exact binomial limits of a funnel plot: for each number of cases, the rate
    half a case below the smallest count flagged high (and above the largest
    flagged low) at one-sided ``alpha``."""
    sizes, upper, lower = [], [], []
    for n in range(1, largest + 1):
        high = next((k for k in range(n + 1) if binomial_sf(k, n, centre) < alpha), None)
        low = next((k for k in range(n, -1, -1) if 1 - binomial_sf(k + 1, n, centre) < alpha), None)
        sizes.append(n)
        upper.append(100 * (high - 0.5) / n if high is not None else math.nan)
        lower.append(100 * (low + 0.5) / n if low is not None else math.nan)
    return sizes, upper, lower


def agents(rows: Sequence[AgentRow]) -> str | None:
    """A funnel plot: each agent's escalation rate against the cases they held,
    with the peer rate and its exact 95 % and 99.8 % binomial limits."""
    if not rows or rows[0].centre is None:
        return None
    centre = rows[0].centre
    largest = max(r.held for r in rows) + 2
    with _figure(5.6, 3.1) as figure:
        axes = figure.add_subplot()
        if 0 < centre < 1:
            sizes, upper, lower = funnel_limits(centre, largest, 0.025)
            low = [0 if math.isnan(v) else v for v in lower]
            high = [100 if math.isnan(v) else v for v in upper]
            band: dict[str, Any] = {"step": "mid", "color": PALE, "alpha": 0.45, "linewidth": 0}
            axes.fill_between(sizes, low, high, gid="limit-95", label="95 % limits", **band)
            sizes, upper, lower = funnel_limits(centre, largest, 0.001)
            dotted: dict[str, Any] = {"color": MUTED, "linewidth": 1, "drawstyle": "steps-mid"}
            axes.plot(sizes, upper, ":", gid="limit-998-upper", label="99.8 % limits", **dotted)
            axes.plot(sizes, lower, ":", gid="limit-998-lower", **dotted)
        axes.axhline(100 * centre, color=BLUE, linewidth=1.2, gid="peer-rate", label=f"peers: {100 * centre:.0f} %")
        colours = [RED if r.band.startswith("above") else GREEN if r.band.startswith("below") else BLUE for r in rows]
        held, rates = [r.held for r in rows], [100 * r.rate for r in rows]
        axes.scatter(held, rates, c=colours, s=36, zorder=3, gid="series-agents")
        for r in rows:
            axes.annotate(r.agent, (r.held, 100 * r.rate), xytext=(5, 3), textcoords="offset points", fontsize=8)
        figure.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=8)
        axes.set_xlim(0, largest)
        axes.set_ylim(0, 100)
        axes.yaxis.set_major_formatter(_percent)
        axes.set_xlabel("cases held this week")
        axes.set_ylabel("escalated / held")
        _tidy(axes)
        return _svg(figure, "agents", "Escalation rate of each agent against the cases they held, with funnel limits")


def anomalies(findings: Sequence[Finding], limit: int = 6) -> str | None:
    """Small multiples: each flagged segment's previous weeks and this week."""
    shown = list(findings[:limit])
    if not shown:
        return None
    columns = min(3, len(shown))
    lines = math.ceil(len(shown) / columns)
    with _figure(2.5 * columns, 1.8 * lines + 0.1) as figure:
        grid = figure.subplots(lines, columns, squeeze=False)
        for index, axes in enumerate(grid.flat):
            if index >= len(shown):
                axes.set_visible(False)
                continue
            finding = shown[index]
            rate = finding.verdict.test is Test.RATE
            weeks = [*(w for w, _, _ in finding.history), finding.week]
            values = [100 * h / c if rate and c else float(h) for _, h, c in finding.history]
            values.append(100 * finding.hits / finding.cases if rate and finding.cases else float(finding.hits))
            colours = [PALE] * (len(values) - 1) + [RED]
            _named(axes.bar(range(len(values)), values, color=colours, width=0.7), f"series-anomaly-{index + 1}")
            usual = (finding.verdict.usual or 0.0) * (100 if rate else 1)
            axes.axhline(usual, color=MUTED, linestyle="--", linewidth=1)
            axes.set_xticks(range(len(values)), [w.split("-W")[-1] for w in weeks], fontsize=7)
            axes.set_xlabel("ISO week", fontsize=7)
            axes.set_title(f"{finding.segment} ({finding.verdict.test.value})", fontsize=9, loc="left")
            if rate:
                axes.yaxis.set_major_formatter(_percent)
            axes.yaxis.set_major_locator(MaxNLocator(4, integer=not rate))
            _tidy(axes)
        label = "Each flagged segment's weekly figures: previous weeks, usual level, this week"
        return _svg(figure, "anomalies", label)
