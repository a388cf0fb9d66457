"""The weekly report assembled from the existing metrics.

For an ISO week (Monday 00:00 UTC to the next Monday) and one history (Baton's
own or an imported one): every metric over the cases first resolved in the week
(:func:`baton.analytics.report.compute`), the escalation rate of each of the 12
weeks before it, the five categories with the most escalations and the support
hours they cost, the ping-pong cases with their team paths, SLA attainment per
target, each agent's escalations relative to the cases they held, the flow of
cases between tiers and the anomaly tests of :mod:`baton.reports.watch`."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Engine

from baton.analytics.cases import KEY, Summary, path_texts, summarise
from baton.analytics.frame import Capability, EventLog
from baton.analytics.report import Granularity, compute
from baton.analytics.results import Metric, Period, Population, Rate, Table
from baton.analytics.scope import select_population
from baton.core.calendar import Calendar
from baton.core.playbook import Playbook
from baton.reports.anomaly import DEFAULT, Settings, binomial_sf
from baton.reports.model import (
    AgentRow,
    Agents,
    Categories,
    CategoryRow,
    Flow,
    FlowLink,
    FlowNode,
    PingPongCase,
    TrendPoint,
    WeeklyReport,
    hours,
)
from baton.reports.segments import Measure, counted, measure_for, support_definition, support_seconds, week_start
from baton.reports.watch import watch
from baton.reports.weeks import IsoWeek

_c = pl.col
TREND_WEEKS = 12
"""Weeks of escalation-rate trend before the report's week."""
TOP = 5
MAX_STAGES = 4
"""Stages of the tier path drawn in the flow; longer paths are counted."""
HEADLINE = ("escalation_rate", "ping_pong", "bounce_back_rate", "first_contact_resolution", "time_to_resolve")


class EmptyHistory(ValueError):
    """A history with no events: there is nothing to report on."""


def window(week: IsoWeek) -> Period:
    """The report's week and the :data:`TREND_WEEKS` before it."""
    return Period(week.shift(-TREND_WEEKS).start, week.end)


def assemble(
    log: EventLog,
    week: IsoWeek,
    now: datetime,
    calendar: Calendar | None = None,
    settings: Settings = DEFAULT,
) -> WeeklyReport:
    if log.frame.is_empty():
        raise EmptyHistory(f"the history {log.source!r} has no events: there is nothing to report on")
    summary = summarise(log)
    report = compute(log, week.period, calendar=calendar, summary=summary)
    this_week, population = select_population(summary, log, week.period)
    span, _ = select_population(summary, log, window(week))
    measure = measure_for(log)
    cases = _cases(span, log, measure, calendar)
    first_event = log.frame.get_column("ts").min()
    assert first_event is None or isinstance(first_event, datetime)
    return WeeklyReport(
        source=log.source,
        week=week,
        generated_at=now,
        population=population,
        headline=tuple(report.metric(name) for name in HEADLINE),
        trend=_trend(log, summary, week),
        categories=_categories(cases, log, measure, week, population, calendar),
        ping_pong=report.metric("ping_pong"),
        ping_pong_cases=_ping_pong(this_week, report.metric("ping_pong")),
        sla=report.metric("sla_attainment"),
        agents=_agents(report.metric("escalators"), log, this_week),
        flow=_flow(this_week, log, week.period, population),
        watch=watch(cases, log, measure, week, first_event, settings),
        notes=_notes(log, week, now, population),
    )


def _notes(log: EventLog, week: IsoWeek, now: datetime, population: Population) -> tuple[str, ...]:
    notes = list(log.notes)
    if now < week.end:
        notes.append(f"{week.label} was not over when this report was generated: its figures will still change")
    if population.cases == 0:
        notes.append(f"no case of {log.source} was first resolved in {week.label}: every figure is empty")
    return tuple(notes)


def weekly_report(
    engine: Engine,
    playbook: Playbook,
    source: str,
    week: IsoWeek,
    now: datetime,
    calendar: Calendar | None = None,
) -> WeeklyReport:
    """Load ``source`` (its tickets active in the report's window) and assemble.
    Raises ``NotFound`` for an unknown source, :class:`EmptyHistory` for an empty one."""
    from baton.integrations.importers.sources import load_source

    return assemble(load_source(engine, playbook, source, window(week)), week, now, calendar)


def _cases(span: Summary, log: EventLog, measure: Measure | None, calendar: Calendar | None) -> pl.DataFrame:
    cases = counted(span.cases, measure) if measure else span.cases.with_columns(week=week_start())
    support = support_seconds(span, log, calendar)
    if support.is_empty() and not (log.has(Capability.TIERS) or log.has(Capability.TEAMS)):
        return cases
    return cases.join(support, on=KEY, how="left")


def _trend(log: EventLog, summary: Summary, week: IsoWeek) -> tuple[TrendPoint, ...]:
    sliced = compute(log, window(week), granularity=Granularity.WEEK, names=("escalation_rate",), summary=summary)
    by_start = {s.period.start: s for s in sliced.slices}
    first = log.frame.get_column("ts").min()
    points = []
    for each in (*week.previous(TREND_WEEKS), week):
        piece = by_start.get(each.start)
        if piece is None:
            before = isinstance(first, datetime) and each.end <= first
            why = "before the history begins" if before else "no cases first resolved in the week"
            points.append(TrendPoint(each.label, each.period, 0, None, why))
            continue
        metric = piece.metrics[0]
        rate = metric.value if isinstance(metric.value, Rate) else None
        points.append(TrendPoint(each.label, each.period, piece.population.cases, rate, metric.unavailable))
    return tuple(points)


def _categories(
    cases: pl.DataFrame,
    log: EventLog,
    measure: Measure | None,
    week: IsoWeek,
    population: Population,
    calendar: Calendar | None,
) -> Categories:
    definition = support_definition(log, calendar)
    if measure is None:
        why = f"{log.source} records no tiers, escalations or teams"
        return Categories(week.period, population, (), definition, why)
    if not log.has(Capability.CATEGORIES):
        return Categories(week.period, population, (), definition, f"{log.source} records no category")
    mine = cases.filter((_c("week") == week.start) & _c("known"))
    support = _c("support_seconds").sum() if "support_seconds" in mine.columns else pl.lit(None, pl.Float64)
    per = mine.group_by("category").agg(
        hits=_c("hit").sum().cast(pl.Int64), cases=pl.len().cast(pl.Int64), support=support
    )
    per = per.filter(_c("hits") > 0).sort(
        ["hits", "support", "category"], descending=[True, True, False], nulls_last=True
    )
    rows = tuple(
        CategoryRow(category or "unknown", total, hits, hours(seconds) if definition else None)
        for category, hits, total, seconds in per.head(TOP).select("category", "hits", "cases", "support").rows()
    )
    return Categories(week.period, population, rows, definition)


def _ping_pong(week: Summary, metric: Metric) -> tuple[PingPongCase, ...]:
    if not metric.cases:
        return ()
    listed = week.cases.filter(_c("case").is_in(list(metric.cases)))
    paths = path_texts(week.restrict(listed))
    rows = listed.join(paths, on=KEY, how="left").sort(["handovers", "case"], descending=[True, False])
    return tuple(
        PingPongCase(case, category, team_path or "", escalation_path or "", int(handovers or 0), bool(direct))
        for case, category, team_path, escalation_path, handovers, direct in rows.select(
            "case", "category", "team_path", "escalation_path", "handovers", "direct_ping_pong"
        ).rows()
    )


def _agents(metric: Metric, log: EventLog, week: Summary) -> Agents:
    """The escalators metric, each agent set against the agents of the same tier
    (the lowest tier at which they held one of the week's cases)."""
    if not isinstance(metric.value, Table):
        return Agents(metric, ())
    records = metric.value.records()
    held_at = (
        log.frame.filter(_c("case").is_in(week.cases.get_column("case").implode()), _c("agent").is_not_null())
        .group_by("agent")
        .agg(tier=_c("tier").min())
    )
    tiers: dict[str, int | None] = dict(held_at.rows())
    groups: dict[int | None, tuple[int, int]] = {}
    for r in records:
        held, escalated = groups.get(tiers.get(r["agent"]), (0, 0))
        groups[tiers.get(r["agent"])] = (held + r["held"], escalated + r["escalated"])
    rows = []
    for r in records:
        tier = tiers.get(r["agent"])
        held, escalated = groups[tier]
        centre = escalated / held if held else None
        above = below = None
        if centre is not None and 0 < centre < 1:
            above = binomial_sf(r["escalated"], r["held"], centre)
            below = 1.0 - binomial_sf(r["escalated"] + 1, r["held"], centre)
        rows.append(AgentRow(r["agent"], r["held"], r["escalated"], r["rate"], tier, centre, above, below))
    focus = max(groups, key=lambda t: (groups[t][1], -(t or 0))) if groups else None
    rows.sort(key=lambda r: (r.tier is None, r.tier or 0, -r.rate, -r.held, r.agent))
    return Agents(metric, tuple(rows), focus)


def _flow(week: Summary, log: EventLog, period: Period, population: Population) -> Flow:
    if not log.has(Capability.TIERS):
        return Flow(period, population, 0, unavailable=f"{log.source} records no tiers (support lines)")
    runs = week.tier_runs.sort([KEY, "pos"]).with_columns(stage=pl.int_range(1, pl.len() + 1).over(KEY))
    depth = runs.group_by(KEY).agg(stages=_c("stage").max())
    runs = runs.join(depth, on=KEY)
    drawn = runs.filter(_c("stage") <= MAX_STAGES)
    names = dict(log.tier_names)
    nodes = tuple(
        FlowNode(stage, tier, names.get(tier, f"Tier {tier}"), cases, ends)
        for stage, tier, cases, ends in drawn.group_by("stage", "tier")
        .agg(cases=pl.len(), ends=(_c("stages") == _c("stage")).sum())
        .sort("stage", "tier")
        .rows()
    )
    pairs = drawn.with_columns(target=_c("tier").shift(-1).over(KEY)).filter(
        _c("target").is_not_null() & (_c("stage") < MAX_STAGES)
    )
    links = tuple(
        FlowLink(stage, source, target, cases)
        for stage, source, target, cases in pairs.group_by("stage", "tier", "target")
        .agg(cases=pl.len())
        .sort("stage", "tier", "target")
        .rows()
    )
    longer = depth.filter(_c("stages") > MAX_STAGES).height
    return Flow(period, population, depth.height, nodes, links, longer)
