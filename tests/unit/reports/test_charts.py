"""The charts are real SVG with the expected series, the same bytes for the same
figures, and nothing that reaches out of the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime

import pytest

from baton.analytics.results import Period, Population, Rate
from baton.reports import charts
from baton.reports.anomaly import Test as Which
from baton.reports.anomaly import Verdict
from baton.reports.flow import draw
from baton.reports.model import AgentRow, CategoryRow, Finding, Flow, FlowLink, FlowNode, TrendPoint
from baton.reports.weeks import IsoWeek

WEEK = IsoWeek(2026, 46)
POPULATION = Population("cases first resolved in the period", 10)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "svg"
    assert root.get("viewBox")
    return root


def ids(root: ET.Element) -> list[str]:
    return [e.get("id", "") for e in root.iter() if e.get("id")]


def trend_points() -> list[TrendPoint]:
    points = []
    for index, week in enumerate((*WEEK.previous(12), WEEK)):
        rate = None if index == 3 else Rate(10 + index, 40)
        points.append(TrendPoint(week.label, week.period, 40 if rate else 0, rate, None if rate else "no cases"))
    return points


def clean(svg: str, name: str) -> None:
    root = parse(svg)
    everything = ids(root)
    assert everything and all(i.startswith(f"{name}-") for i in everything)
    assert not [i for i, n in Counter(everything).items() if n > 1]
    assert "http" not in svg and "<script" not in svg.lower() and "<style" not in svg
    assert root.get("role") == "img" and root.get("aria-label")


def test_the_trend_draws_the_escalation_rate_of_every_week_that_has_one_and_the_cases_as_bars():
    svg = charts.trend(trend_points())
    assert svg is not None
    clean(svg, "trend")
    root = parse(svg)
    line = next(e for e in root.iter() if e.get("id") == "trend-series-escalation-rate")
    assert len(line.findall(".//{*}use") or line.findall(".//use")) == 12  # 13 weeks, one without a rate
    bars = [i for i in ids(root) if i.startswith("trend-series-cases-")]
    assert len(bars) == 13
    assert any(i == "trend-this-week" for i in ids(root))


def test_the_same_figures_give_the_same_bytes():
    assert charts.trend(trend_points()) == charts.trend(trend_points())


def test_no_rate_at_all_draws_no_trend():
    points = [TrendPoint(w.label, w.period, 0, None, "records no tiers") for w in WEEK.previous(3)]
    assert charts.trend(points) is None


def test_the_categories_chart_has_a_bar_per_category_for_escalations_and_for_support_hours():
    rows = [
        CategoryRow("billing", 14, 14, 240.0),
        CategoryRow("security", 8, 8, 305.0),
        CategoryRow("how-to", 20, 4, 0),
    ]
    svg = charts.categories(rows, "escalations")
    assert svg is not None
    clean(svg, "categories")
    found = ids(parse(svg))
    for series in ("series-escalated", "series-cases", "series-support-hours"):
        assert len([i for i in found if i.startswith(f"categories-{series}-")]) == 3
    assert charts.categories([], "escalations") is None


def test_the_sla_chart_splits_each_target_into_met_and_breached():
    svg = charts.sla([("first response", 105, 110), ("resolution", 95, 110), ("never ran", 0, 0)])
    assert svg is not None
    clean(svg, "sla")
    found = ids(parse(svg))
    assert len([i for i in found if i.startswith("sla-series-met-")]) == 2
    assert len([i for i in found if i.startswith("sla-series-breached-")]) == 2
    assert charts.sla([("never ran", 0, 0)]) is None


def test_the_agent_funnel_plots_each_agent_and_the_limits_around_their_peers():
    rows = [
        AgentRow("dana", 18, 13, 13 / 18, 1, 0.46, 0.024, 0.99),
        AgentRow("chen", 25, 12, 0.48, 1, 0.46, 0.5, 0.6),
        AgentRow("farah", 12, 3, 0.25, 1, 0.46, 0.96, 0.11),
    ]
    svg = charts.agents(rows)
    assert svg is not None
    clean(svg, "agents")
    found = ids(parse(svg))
    assert {"agents-series-agents", "agents-peer-rate", "agents-limit-95", "agents-limit-998-upper"} <= set(found)
    assert charts.agents([]) is None


def test_funnel_limits_are_the_exact_binomial_counts_flagged():
    sizes, upper, lower = charts.funnel_limits(0.5, 20, 0.025)
    # of 20 cases at 50 %: 15 or more is flagged high (P = 0.021), 14 is not (P = 0.058)
    assert upper[19] == pytest.approx(100 * 14.5 / 20)
    assert lower[19] == pytest.approx(100 * 5.5 / 20)
    assert sizes[0] == 1 and upper[0] != upper[0]  # of one case nothing can be flagged: no limit (NaN)


def test_the_anomaly_chart_shows_each_flagged_segment_and_nothing_without_flags():
    verdict = Verdict(Which.VOLUME, 8, 1.9, 1.9, 0.0007)
    finding = Finding("2026-W47", "category", "security", verdict, (("2026-W40", 1, 9),) * 8, 8, 8, 305.0, "8 ...")
    svg = charts.anomalies([finding, finding])
    assert svg is not None
    clean(svg, "anomalies")
    found = ids(parse(svg))
    assert len([i for i in found if i.startswith("anomalies-series-anomaly-1-")]) == 9
    assert len([i for i in found if i.startswith("anomalies-series-anomaly-2-")]) == 9
    assert charts.anomalies([]) is None


FLOW = Flow(
    WEEK.period,
    POPULATION,
    10,
    nodes=(
        FlowNode(1, 1, "Frontline", 10, 6),
        FlowNode(2, 2, "Specialists", 3, 2),
        FlowNode(2, 3, "Engineering on call", 1, 1),
        FlowNode(3, 1, "Frontline", 1, 1),
    ),
    links=(FlowLink(1, 1, 2, 3), FlowLink(1, 1, 3, 1), FlowLink(2, 2, 1, 1)),
)


def test_the_flow_draws_a_node_per_tier_and_stage_and_bands_as_wide_as_their_cases():
    svg = draw(FLOW)
    assert svg is not None
    root = parse(svg)
    nodes = [e for e in root.iter("rect") if e.get("class") == "node"]
    bands = [e for e in root.iter("path") if e.get("class") == "band"]
    assert [(n.get("data-stage"), n.get("data-tier"), n.get("data-cases")) for n in nodes] == [
        ("1", "1", "10"),
        ("2", "2", "3"),
        ("2", "3", "1"),
        ("3", "1", "1"),
    ]
    assert len(bands) == 3

    def thickness(band: ET.Element) -> float:
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", band.get("d", ""))]
        # M x0,a C m,a m,b x1,b L x1,b+w C m,b+w m,a+w x0,a+w Z: both ends as wide
        assert numbers[15] - numbers[1] == pytest.approx(numbers[9] - numbers[7])
        return numbers[9] - numbers[7]

    widths = {(b.get("data-from"), b.get("data-to")): thickness(b) for b in bands}
    assert widths[("1", "2")] == pytest.approx(3 * widths[("1", "3")], rel=0.02)
    node_heights = {n.get("data-tier") + n.get("data-stage"): float(n.get("height", 0)) for n in nodes}
    assert node_heights["11"] == pytest.approx(10 * widths[("1", "3")], rel=0.02)
    down = next(b for b in bands if b.get("data-from") == "2" and b.get("data-to") == "1")
    assert down.get("fill") == "#9aa3b2"  # going back down a tier is grey
    assert "http" not in svg


def test_no_tier_path_draws_no_flow():
    assert draw(Flow(WEEK.period, POPULATION, 0, unavailable="records no tiers")) is None
    assert draw(Flow(Period(datetime(2026, 1, 1, tzinfo=UTC), None), POPULATION, 0)) is None
