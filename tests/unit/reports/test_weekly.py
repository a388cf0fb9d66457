"""The weekly report assembled on hand-made histories: the five-ticket history of
the metrics tests (figures worked out by hand below) and a synthetic one with a
week that departs from the nine before it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from baton.analytics.cases import summarise
from baton.analytics.frame import Capability, EventLog
from baton.analytics.report import Dimension, Granularity, compute
from baton.analytics.results import Period, Rate
from baton.analytics.scope import select_population
from baton.reports.segments import ESCALATED, REASSIGNED, counted, measure_for, weekly_counts
from baton.reports.weekly import EmptyHistory, assemble
from baton.reports.weeks import IsoWeek
from tests.unit.analytics.history import build, history

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
W45 = IsoWeek(2026, 45)  # the five-ticket history's week: it starts on Monday 2026-11-02 09:00


@pytest.fixture(scope="module")
def report():
    return assemble(history(), W45, NOW)


def test_the_week_has_every_headline_metric_of_the_cases_first_resolved_in_it(report):
    log = history()
    expected = compute(log, W45.period)
    assert report.population == expected.population
    assert report.population.cases == 4  # A, B, C and E; D never resolves
    assert report.headline == tuple(expected.metric(m.name) for m in report.headline)
    assert report.headline[0].value == Rate(3, 4)
    assert report.sla == expected.metric("sla_attainment")
    assert report.ping_pong == expected.metric("ping_pong")


def test_the_trend_has_the_week_and_the_twelve_before_it_and_says_which_lie_before_the_history(report):
    assert [p.week for p in report.trend] == [f"2026-W{n}" for n in range(33, 46)]
    last = report.trend[-1]
    assert (last.cases, last.rate, last.unavailable) == (4, Rate(3, 4), None)
    assert all(p.unavailable == "before the history begins" and p.rate is None for p in report.trend[:-1])


def test_top_categories_count_escalated_cases_and_the_hours_they_spent_above_tier_1(report):
    # B (api): at tier 3 from 30 to 90 and from 120 to 240 minutes = 3 h.
    # E (billing): at tier 2 from 10 to 30 minutes = 0.3 h. C (how-to): an assist, responsibility stays at tier 1.
    rows = [(r.category, r.hits, r.cases, r.support_hours) for r in report.categories.rows]
    assert rows == [("api", 1, 1, 3.0), ("billing", 1, 1, 0.3), ("how-to", 1, 2, 0.0)]
    assert report.categories.support_hours.startswith("calendar hours a case spent at tiers 2-4")


def test_ping_pong_cases_are_listed_with_their_team_paths(report):
    cases = [(c.case, c.escalation_path, c.handovers, c.direct) for c in report.ping_pong_cases]
    assert cases == [
        ("B", "frontline (T1) > api (T3) > frontline (T1) > api (T3)", 3, True),
        ("E", "frontline (T1) > billing (T2) > product (T2) > frontline (T1)", 3, False),
    ]


def test_each_agent_is_set_against_the_agents_of_the_same_tier(report):
    rows = {r.agent: (r.tier, r.held, r.escalated, r.centre) for r in report.agents.rows}
    # tier 1: amara escalated B of A and B, bruno C, emeka E, chen none: 3 of 5 holdings
    assert rows["amara"] == (1, 2, 1, pytest.approx(0.6))
    assert rows["bruno"] == (1, 1, 1, pytest.approx(0.6))
    assert rows["chen"] == (1, 1, 0, pytest.approx(0.6))
    assert rows["liam"] == (3, 1, 0, 0.0)
    assert report.agents.focus == 1
    assert {r.agent for r in report.agents.focus_rows} == {"amara", "bruno", "chen", "emeka"}
    assert next(r for r in report.agents.rows if r.agent == "liam").band == "no spread to compare with"


def test_the_flow_follows_each_tier_path_stage_by_stage(report):
    # A: 1; B: 1, 3, 1, 3; C: 1; E: 1, 2, 1
    flow = report.flow
    nodes = {(n.stage, n.tier): (n.cases, n.ends) for n in flow.nodes}
    assert nodes == {(1, 1): (4, 2), (2, 2): (1, 0), (2, 3): (1, 0), (3, 1): (2, 1), (4, 3): (1, 1)}
    links = {(k.stage, k.source, k.target): k.cases for k in flow.links}
    assert links == {(1, 1, 2): 1, (1, 1, 3): 1, (2, 2, 1): 1, (2, 3, 1): 1, (3, 1, 3): 1}
    assert (flow.cases, flow.longer) == (4, 0)


def test_without_enough_previous_weeks_the_anomaly_tests_say_so(report):
    watch = report.watch
    assert watch.flags == () and watch.checked == 0
    assert watch.unavailable
    assert {why for *_, why in watch.unavailable} == {"4 previous weeks of history needed, 0 available"}
    assert "only 0 of the previous 8 weeks lie inside the history: the tests need 4" in watch.notes


def test_the_json_holds_the_same_figures(report):
    data = json.loads(json.dumps(report.to_dict(), default=str))
    assert data["week"] == "2026-W45" and data["population"]["cases"] == 4
    assert data["headline"][0]["value"] == {"value": 0.75, "numerator": 3, "denominator": 4}
    assert [r["category"] for r in data["top_categories"]["rows"]] == ["api", "billing", "how-to"]
    assert data["anomalies"]["settings"]["alpha"] == 0.001
    assert data["flow"]["nodes"][0] == {"stage": 1, "tier": 1, "name": "Tier 1", "cases": 4, "ends": 2}


def test_an_empty_history_is_refused():
    with pytest.raises(EmptyHistory, match="has no events"):
        assemble(build([]), W45, NOW)


def test_a_week_still_running_is_noted():
    running = assemble(history(), W45, datetime(2026, 11, 4, tzinfo=UTC))
    assert "2026-W45 was not over when this report was generated: its figures will still change" in running.notes


# A synthetic history: category export, 20 cases a week from 2026-W36 with 2 escalated
# (to tier 2 an hour after opening, resolved two hours later), then a week that departs.
START = IsoWeek(2026, 36)


def synthetic(weeks: list[tuple[int, int]], capabilities: frozenset[Capability] = frozenset(Capability)) -> EventLog:
    events: list[dict[str, Any]] = []
    for index, (cases, escalated) in enumerate(weeks):
        tuesday = START.shift(index).start + timedelta(days=1, hours=9)
        for n in range(cases):
            case, opened = f"w{index}c{n}", tuesday + timedelta(minutes=10 * n)
            attributes = {"category": "export", "customer_tier": "business", "severity": "medium"}
            events.append({"case": case, "ts": opened, "agent": "amara", "team": "frontline", "tier": 1, **attributes})
            if n < escalated:
                step = {"team": "product", "agent": "ines", "tier": 2, "kind": "escalation", "escalation": "handoff"}
                events.append({"case": case, "ts": opened + timedelta(hours=1), "to_tier": 2, **step})
            events.append({"case": case, "ts": opened + timedelta(hours=3), "kind": "resolved"})
    return build(events, capabilities)


STEADY = [(20, 2)] * 10
W46 = START.shift(10)


def test_a_steady_week_raises_no_flag_and_every_segment_is_tested():
    report = assemble(synthetic([*STEADY, (20, 2)]), W46, NOW)

    assert report.watch.flags == ()
    assert report.watch.checked == 6  # category, customer tier, severity; volume and rate each
    assert report.watch.unavailable == ()


def test_a_week_that_departs_is_flagged_with_its_count_its_usual_level_and_its_cost():
    report = assemble(synthetic([*STEADY, (25, 20)]), W46, NOW)

    flags = {(f.dimension, f.verdict.test.value): f for f in report.watch.flags}
    assert set(flags) == {(d, t) for d in ("category", "customer_tier", "severity") for t in ("volume", "rate")}
    volume = flags[("category", "volume")]
    assert volume.message.startswith("20 escalations about export this week, usual 2, costing 40 support hours")
    assert "(volume test: p = " in volume.message and "< 0.001)" in volume.message
    assert [h for _, h, _ in volume.history] == [2] * 8
    rate = flags[("customer_tier", "rate")]
    assert rate.message.startswith("80 % of cases from business customers escalated this week (20 of 25), usual 10 %")
    assert report.categories.rows[0].support_hours == 40.0


def test_the_weekly_counts_are_the_escalation_rate_metric_per_week_and_segment():
    log = synthetic([*STEADY, (25, 20)])
    period = Period(START.start, W46.end)
    sliced = compute(log, period, by=Dimension.CATEGORY, granularity=Granularity.WEEK, names=("escalation_rate",))
    chosen, _ = select_population(summarise(log), log, period)
    counts = weekly_counts(counted(chosen.cases, ESCALATED), Dimension.CATEGORY)["export"]
    for piece in sliced.slices:
        rate = piece.metrics[0].value
        assert isinstance(rate, Rate)
        tally = counts[piece.period.start]
        assert (tally.hits, tally.cases) == (rate.numerator, rate.denominator)
    assert len(sliced.slices) == len(counts) == 11


def test_a_log_without_tiers_counts_reassigned_cases_and_says_escalation_is_unavailable():
    teams_only = frozenset({Capability.TEAMS, Capability.AGENTS, Capability.CATEGORIES})
    log = synthetic([*STEADY, (25, 20)], teams_only)
    assert measure_for(log) is REASSIGNED

    report = assemble(log, W46, NOW)

    assert report.headline[0].unavailable and "records no tiers" in report.headline[0].unavailable
    assert report.trend[-1].rate is None and report.trend[-1].unavailable
    assert report.flow.unavailable == "the test history records no tiers (support lines)"
    volume = next(f.message for f in report.watch.flags if f.verdict.test.value == "volume")
    assert volume.startswith("20 reassigned cases about export this week, usual 2, costing 40 support hours")
    assert "the test history records no customer tier: not looked at" in report.watch.notes
    assert report.categories.support_hours.startswith("calendar hours a case spent after its first team")
