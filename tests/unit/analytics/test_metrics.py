"""Each METRICS.md definition computed by hand on the history of ``history.py``.

Population: A, B, C and E are resolved; D never is, so every figure is over the
four resolved cases and names D as excluded."""

from __future__ import annotations

import pytest

from baton.analytics.frame import Capability
from baton.analytics.metrics import DEFINITIONS
from baton.analytics.report import Dimension, Granularity, compute
from baton.analytics.results import Exclusion, Period, Rate, Stats, Table

from .history import at, build, history

MIN = 60.0


@pytest.fixture(scope="module")
def report():
    return compute(history())


def rate(report, name: str) -> Rate:
    value = report.metric(name).value
    assert isinstance(value, Rate), report.metric(name)
    return value


def stats(report, name: str) -> Stats:
    value = report.metric(name).value
    assert isinstance(value, Stats), report.metric(name)
    return value


def table(report, name: str) -> list[dict]:
    value = report.metric(name).value
    assert isinstance(value, Table), report.metric(name)
    return value.records()


def test_the_population_is_the_cases_resolved_and_names_the_one_left_out(report):
    assert report.population.cases == 4
    assert report.population.exclusions == (Exclusion("not resolved by the end of the history", 1),)
    for metric in report.metrics:
        assert metric.population == report.population
        assert metric.definition == DEFINITIONS[metric.name]
        assert metric.period.label == "the beginning to the end of the history"


def test_escalation_rate_counts_tier_steps_and_assists_upward(report):
    # B climbs 1 -> 3 (twice), C has a tier-3 assist, E climbs 1 -> 2; A never escalates.
    assert rate(report, "escalation_rate") == Rate(3, 4)


def test_first_contact_resolution_needs_one_agent_no_handover_no_escalation_no_reopen(report):
    # Only A: B escalated, C changed agent and reopened, E was handed over.
    assert rate(report, "first_contact_resolution") == Rate(1, 4)


def test_reopen_rate(report):
    assert rate(report, "reopen_rate") == Rate(1, 4)  # C


def test_bounce_back_rate_counts_handoffs_not_cases(report):
    # B's two handoffs, one bounced; E's reassignments are not handoffs.
    assert rate(report, "bounce_back_rate") == Rate(1, 2)


def test_sme_interruption_rate_is_tier_3_assists_over_routine_tickets(report):
    # Routine (how-to) tickets: A and C; C had one assist pulling in tier 3.
    assert rate(report, "sme_interruption_rate") == Rate(1, 2)


def test_sla_attainment_per_target_leaves_running_clocks_out(report):
    rows = {r["target"]: r for r in table(report, "sla_attainment")}
    # first_response: A met, B breached (D unresolved, outside the population).
    assert rows["first_response"] == {
        "target": "first_response",
        "met": 1,
        "ran": 2,
        "attainment": 0.5,
        "still_running": 0,
    }
    # resolution: A and B met; C's clock resumed on reopen and never stopped again.
    assert rows["resolution"]["met"] == 2 and rows["resolution"]["ran"] == 2
    assert rows["resolution"]["still_running"] == 1


def test_time_to_first_reply_excludes_cases_without_a_reply(report):
    s = stats(report, "time_to_first_reply")
    # A 10 min, B 40 min; C and E had no public reply.
    assert (s.count, s.median, s.mean) == (2, 25 * MIN, 25 * MIN)
    assert s.p90 == pytest.approx(10 * MIN + 0.9 * 30 * MIN)
    assert report.metric("time_to_first_reply").excluded == (Exclusion("no public reply by an agent", 2),)


def test_time_to_resolve_sums_open_periods_and_final_resolution_does_not(report):
    s = stats(report, "time_to_resolve")
    # A 60, B 240, C 100 + (260 - 200) = 160, E 40 minutes.
    assert s.count == 4
    assert s.median == (60 + 160) / 2 * MIN
    assert s.mean == (60 + 240 + 160 + 40) / 4 * MIN
    assert s.p90 == pytest.approx((160 + 0.7 * 80) * MIN)
    final = stats(report, "time_to_final_resolution")
    # A 60, B 240, C 260, E 40.
    assert final.median == (60 + 240) / 2 * MIN and final.total == 600 * MIN


def test_time_to_escalation_is_creation_to_the_first_escalation(report):
    s = stats(report, "time_to_escalation")
    # B 30, C 20 (the assist), E 10; A never escalated.
    assert (s.count, s.median, s.total) == (3, 20 * MIN, 60 * MIN)
    assert report.metric("time_to_escalation").excluded == (Exclusion("not escalated", 1),)


def test_time_at_each_team_runs_from_a_runs_first_event_to_the_next_runs(report):
    rows = {r["team"]: r for r in table(report, "time_at_team")}
    # frontline: A 60 (to resolution), B 30 + 30, C 260 (to its final resolution), E 10 + 10.
    assert rows["frontline"]["runs"] == 6 and rows["frontline"]["cases"] == 4
    assert rows["frontline"]["total_seconds"] == (60 + 30 + 30 + 260 + 10 + 10) * MIN
    # api: B 30 -> 90 and 120 -> 240.
    assert rows["api"]["total_seconds"] == 180 * MIN and rows["api"]["median_seconds"] == 90 * MIN
    assert rows["billing"]["total_seconds"] == rows["product"]["total_seconds"] == 10 * MIN


def test_time_at_each_tier(report):
    rows = {r["tier"]: r for r in table(report, "time_at_tier")}
    assert rows[3]["total_seconds"] == 180 * MIN
    assert rows[2]["total_seconds"] == 20 * MIN and rows[2]["runs"] == 1  # E: billing then product
    assert rows[1]["runs"] == 6


def test_handovers_per_case_is_team_path_length_minus_one(report):
    s = stats(report, "handovers_per_case")
    # A 0, B 3 (frontline > api > frontline > api), C 0 (agent change only), E 3.
    assert (s.count, s.mean, s.total) == (4, 1.5, 6.0)


def test_ping_pong_lists_the_cases_that_return_to_a_team(report):
    assert rate(report, "ping_pong") == Rate(2, 4)
    assert report.metric("ping_pong").cases == ("B", "E")
    # Direct (X, Y, X) only in B; E returns after two other teams.
    assert rate(report, "direct_ping_pong") == Rate(1, 4)
    assert report.metric("direct_ping_pong").cases == ("B",)


def test_repeat_escalations_are_cases_with_two_or_more(report):
    assert rate(report, "repeat_escalations") == Rate(1, 4)
    assert report.metric("repeat_escalations").cases == ("B",)


def test_escalators_rank_agents_by_escalations_relative_to_their_volume(report):
    rows = {r["agent"]: r for r in table(report, "escalators")}
    assert rows["amara"] == {"agent": "amara", "held": 2, "escalated": 1, "rate": 0.5}  # A and B; B escalated
    assert rows["bruno"]["rate"] == 1.0  # the assist on C
    assert rows["emeka"]["rate"] == 1.0  # held E before its step to tier 2
    assert rows["liam"]["escalated"] == rows["chen"]["escalated"] == 0
    ranked = [r["agent"] for r in table(report, "escalators")]
    assert ranked[:3] == ["bruno", "emeka", "amara"]


def test_tier_reach_and_push_to_front_violations(report):
    rows = {r["line"]: r for r in table(report, "tier_reach")}
    assert (rows[2]["cases"], rows[3]["cases"], rows[4]["cases"]) == (2, 1, 0)  # B and E; B; none
    # B skips 1 -> 3; E steps down 2 -> 1.
    assert rate(report, "push_to_front_violations") == Rate(2, 4)


def test_a_period_keeps_only_cases_first_resolved_in_it():
    report = compute(history(), Period(at(150), at(300)))
    # Active in the period: B (resolved at 240) and C (reopened at 200, but first resolved at 100).
    # A, D and E have no event in it and are not counted at all.
    assert report.population.cases == 1
    assert report.population.exclusions == (Exclusion("first resolved before the period", 1),)
    assert rate(report, "repeat_escalations") == Rate(1, 1)
    early = compute(history(), Period(at(0), at(50)))
    # E resolved at 40; A, B, C resolve after the period ends; D never does.
    assert early.population.cases == 1
    assert Exclusion("first resolved after the period", 3) in early.population.exclusions


def test_slices_by_category_and_by_day_split_the_population():
    report = compute(history(), by=Dimension.CATEGORY, granularity=Granularity.DAY)
    keys = {s.key["category"]: s for s in report.slices}
    assert set(keys) == {"api", "billing", "how-to"}
    how_to = keys["how-to"]
    assert how_to.population.cases == 2
    assert how_to.period.start == at(0).replace(hour=0)
    assert next(m for m in how_to.metrics if m.name == "sme_interruption_rate").value == Rate(1, 2)


def test_a_metric_the_source_cannot_give_is_unavailable_not_zero():
    report = compute(history(capabilities=frozenset({Capability.TEAMS, Capability.AGENTS})))
    for name in ("escalation_rate", "bounce_back_rate", "time_to_first_reply", "tier_reach", "sla_attainment"):
        metric = report.metric(name)
        assert metric.value is None and "records no" in (metric.unavailable or "")
        assert metric.to_dict()["available"] is False
    assert report.metric("ping_pong").value == Rate(2, 4)


def test_sme_interruption_is_unavailable_without_a_playbook():
    metric = compute(history(routine=None)).metric("sme_interruption_rate")
    assert metric.unavailable == "the test history has no playbook saying which categories are routine"


def test_cases_that_lost_rows_on_import_are_left_out_with_their_reason():
    report = compute(history(excluded=[("B", "rows skipped on import (unparsable time)")]))
    assert report.population.cases == 3
    assert Exclusion("rows skipped on import (unparsable time)", 1) in report.population.exclusions


def test_every_metric_serialises_with_its_definition_period_and_population(report):
    for metric in report.to_dict()["metrics"]:
        assert set(metric) >= {"name", "definition", "value", "unavailable", "period", "population", "excluded"}
        assert metric["population"]["excluded"] == [{"reason": "not resolved by the end of the history", "cases": 1}]


def test_an_empty_history_gives_no_rates_rather_than_zero():
    report = compute(build([]))
    assert report.population.cases == 0
    assert rate(report, "escalation_rate").value is None
