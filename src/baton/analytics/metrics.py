"""The escalation metrics of METRICS.md as pure functions of a :class:`Scope`.

Each returns a :class:`~baton.analytics.results.Metric` with its one-line
definition (:data:`DEFINITIONS`), its value or the reason it is unavailable, and
the cases of the population it had to leave out."""

from __future__ import annotations

import polars as pl

from baton.analytics.frame import Capability as Cap
from baton.analytics.results import Metric, Rate, Table
from baton.analytics.scope import (
    MetricFunction,
    Scope,
    business_stats,
    excluded,
    list_note,
    listed,
    seconds_between,
    stats,
)

_c = pl.col

DEFINITIONS: dict[str, str] = {
    "escalation_rate": "Cases with at least one escalation (a step of the tier path to a higher tier, "
    "or an assist to a higher tier) / cases.",
    "first_contact_resolution": "Cases resolved by the first responsible agent with no escalation, "
    "no handover and no reopen / cases.",
    "reopen_rate": "Cases reopened at least once / cases.",
    "bounce_back_rate": "Handoffs bounced back by the receiver / handoffs.",
    "sme_interruption_rate": "Assists that pulled a tier 3-4 role into a ticket of a routine category "
    "/ tickets of routine categories.",
    "sla_attainment": "Per SLA target: targets met / targets that ran (met or breached).",
    "time_to_first_reply": "Creation to the first public reply by an agent.",
    "time_to_resolve": "Creation to resolution, summed over open periods (a reopen-resolve cycle adds its open time).",
    "time_to_final_resolution": "Creation to the final resolution (the one no reopen followed).",
    "time_to_escalation": "Creation to the first escalation.",
    "time_at_team": "Per team: each maximal run of the team in a case, from its first event to the "
    "next run's first event; the last run ends at the final resolution, or at the last event.",
    "time_at_tier": "Per tier: each maximal run of the tier in a case, timed as for teams.",
    "handovers_per_case": "Steps of the team path (teams in order, unknown dropped, repeats "
    "collapsed): len(team path) - 1.",
    "ping_pong": "Cases whose team path returns to a team it left (X ... X with another team "
    "between) / cases with a team path.",
    "direct_ping_pong": "Cases whose team path returns at once (X, Y, X) / cases with a team path.",
    "repeat_escalations": "Cases with two or more escalations / cases.",
    "escalators": "Per agent: cases the agent escalated / cases the agent held.",
    "tier_reach": "Per support line 2-4: cases whose tier path reaches that line / cases with a tier path.",
    "push_to_front_violations": "Cases whose tier path starts above tier 1, skips a tier upward or "
    "steps down / cases with a tier path.",
}


def _rate(scope: Scope, hit: pl.Expr, among: pl.DataFrame | None = None) -> Rate:
    frame = scope.cases if among is None else among
    return Rate(frame.filter(hit).height, frame.height)


def escalation_rate(scope: Scope) -> Metric:
    name = "escalation_rate"
    why = scope.lacking_any(Cap.TIERS, Cap.ESCALATIONS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (needed to see escalations)")
    known = scope.cases.filter(_c("max_tier").is_not_null() | (_c("assists_up") > 0))
    return scope.metric(
        name,
        DEFINITIONS[name],
        _rate(scope, _c("escalations") > 0, known),
        excluded=excluded("no tier recorded", scope.cases.height - known.height),
    )


def first_contact_resolution(scope: Scope) -> Metric:
    name = "first_contact_resolution"
    why = scope.lacking(Cap.AGENTS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (needed to see who resolved)")
    known = scope.cases.filter(_c("agents_to_resolution").is_not_null())
    hit = (
        (_c("agents_to_resolution") == 1)
        & (_c("teams_to_resolution").fill_null(1) <= 1)
        & (_c("escalations") == 0)
        & (_c("reopens") == 0)
    )
    notes: tuple[str, ...] = ()
    if not scope.log.has(Cap.TIERS) and not scope.log.has(Cap.ESCALATIONS):
        notes = ("the source records no tiers: escalation is judged by the team path alone",)
    return scope.metric(
        name,
        DEFINITIONS[name],
        _rate(scope, hit, known),
        excluded=excluded("no agent recorded up to the resolution", scope.cases.height - known.height),
        notes=notes,
    )


def reopen_rate(scope: Scope) -> Metric:
    name = "reopen_rate"
    return scope.metric(name, DEFINITIONS[name], _rate(scope, _c("reopens") > 0))


def bounce_back_rate(scope: Scope) -> Metric:
    name = "bounce_back_rate"
    why = scope.lacking(Cap.ESCALATIONS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (handoffs and bounces)")
    handoffs = int(scope.cases.get_column("handoffs").sum())
    bounced = int(scope.cases.get_column("bounces").sum())
    return scope.metric(
        name,
        DEFINITIONS[name],
        Rate(bounced, handoffs),
        notes=("counts handoffs, not cases",),
    )


def sme_interruption_rate(scope: Scope) -> Metric:
    name = "sme_interruption_rate"
    why = scope.lacking(Cap.ESCALATIONS, Cap.CATEGORIES)
    if why is None and scope.log.routine_categories is None:
        why = f"{scope.log.source} has no playbook saying which categories are routine"
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why)
    routine = scope.cases.filter(_c("category").is_in(sorted(scope.log.routine_categories or ())))
    assists = int(routine.get_column("sme_assists").sum())
    return scope.metric(
        name,
        DEFINITIONS[name],
        Rate(assists, routine.height),
        notes=("counts assists over tickets: a ticket with two such assists counts twice, so the rate can exceed 1",),
    )


def sla_attainment(scope: Scope) -> Metric:
    name = "sla_attainment"
    why = scope.lacking(Cap.SLA)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (SLA targets)")
    sla = scope.summary.sla
    per = (
        sla.group_by("target")
        .agg(
            met=(_c("outcome") == "met").sum().cast(pl.Int64),
            ran=(_c("outcome") != "running").sum().cast(pl.Int64),
            running=(_c("outcome") == "running").sum().cast(pl.Int64),
        )
        .sort("target")
    )
    rows = tuple((target, met, ran, met / ran if ran else None, running) for target, met, ran, running in per.rows())
    running = int(per.get_column("running").sum()) if per.height else 0
    return scope.metric(
        name,
        DEFINITIONS[name],
        Table(("target", "met", "ran", "attainment", "still_running"), rows),
        notes=((f"{running} target(s) still running at the end of the history are left out",) if running else ()),
    )


def _duration(scope: Scope, name: str, start: str, end: str, frame: pl.DataFrame, why_out: str) -> Metric:
    kept = frame.filter(_c(end).is_not_null())
    values = kept.select(seconds_between(start, end)).to_series()
    return scope.metric(
        name,
        DEFINITIONS[name],
        stats(values, "seconds"),
        excluded=excluded(why_out, frame.height - kept.height),
        business=business_stats(kept, start, end, scope.calendar),
        notes=() if scope.calendar else ("business time: no calendar configured",),
    )


def time_to_first_reply(scope: Scope) -> Metric:
    name = "time_to_first_reply"
    why = scope.lacking(Cap.REPLIES)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (public replies)")
    return _duration(scope, name, "created", "first_reply", scope.cases, "no public reply by an agent")


def time_to_resolve(scope: Scope) -> Metric:
    name = "time_to_resolve"
    kept = scope.cases.filter(_c("ends_resolved"))
    return scope.metric(
        name,
        DEFINITIONS[name],
        stats(kept.get_column("open_seconds"), "seconds"),
        excluded=excluded("reopened and not resolved again", scope.cases.height - kept.height),
        notes=("calendar time only; time_to_final_resolution gives business time where a calendar is set",),
    )


def time_to_final_resolution(scope: Scope) -> Metric:
    return _duration(
        scope,
        "time_to_final_resolution",
        "created",
        "final_resolved",
        scope.cases,
        "reopened and not resolved again",
    )


def time_to_escalation(scope: Scope) -> Metric:
    name = "time_to_escalation"
    why = scope.lacking_any(Cap.TIERS, Cap.ESCALATIONS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (needed to see escalations)")
    return _duration(scope, name, "created", "first_escalation", scope.cases, "not escalated")


def _stage_table(runs: pl.DataFrame, key: str) -> Table:
    per = (
        runs.group_by(key)
        .agg(
            runs=pl.len().cast(pl.Int64),
            cases=_c("gid").n_unique().cast(pl.Int64),
            median_seconds=_c("seconds").median(),
            p90_seconds=_c("seconds").quantile(0.9, "linear"),
            mean_seconds=_c("seconds").mean(),
            total_seconds=_c("seconds").sum(),
        )
        .sort("total_seconds", descending=True)
    )
    return Table(tuple(per.columns), tuple(per.rows()))


def time_at_team(scope: Scope) -> Metric:
    name = "time_at_team"
    why = scope.lacking(Cap.TEAMS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (teams)")
    return scope.metric(name, DEFINITIONS[name], _stage_table(scope.summary.team_runs, "team"))


def time_at_tier(scope: Scope) -> Metric:
    name = "time_at_tier"
    why = scope.lacking(Cap.TIERS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (tiers)")
    return scope.metric(name, DEFINITIONS[name], _stage_table(scope.summary.tier_runs, "tier"))


def _with_team_path(scope: Scope, name: str) -> tuple[pl.DataFrame, Metric | None]:
    why = scope.lacking(Cap.TEAMS)
    if why:
        return scope.cases, scope.metric(name, DEFINITIONS[name], unavailable=why + " (teams)")
    return scope.cases.filter(_c("team_runs").is_not_null()), None


def handovers_per_case(scope: Scope) -> Metric:
    name = "handovers_per_case"
    known, missing = _with_team_path(scope, name)
    if missing:
        return missing
    return scope.metric(
        name,
        DEFINITIONS[name],
        stats(known.get_column("handovers"), "handovers"),
        excluded=excluded("no team recorded", scope.cases.height - known.height),
    )


def _listing(scope: Scope, name: str, flag: str) -> Metric:
    known, missing = _with_team_path(scope, name)
    if missing:
        return missing
    hits = known.filter(_c(flag))
    return scope.metric(
        name,
        DEFINITIONS[name],
        Rate(hits.height, known.height),
        excluded=excluded("no team recorded", scope.cases.height - known.height),
        cases=listed(hits),
        notes=list_note(hits.height),
    )


def ping_pong(scope: Scope) -> Metric:
    return _listing(scope, "ping_pong", "ping_pong")


def direct_ping_pong(scope: Scope) -> Metric:
    return _listing(scope, "direct_ping_pong", "direct_ping_pong")


def repeat_escalations(scope: Scope) -> Metric:
    name = "repeat_escalations"
    why = scope.lacking_any(Cap.TIERS, Cap.ESCALATIONS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (needed to see escalations)")
    hits = scope.cases.filter(_c("escalations") >= 2)
    return scope.metric(
        name,
        DEFINITIONS[name],
        Rate(hits.height, scope.cases.height),
        cases=listed(hits),
        notes=list_note(hits.height),
    )


def escalators(scope: Scope) -> Metric:
    name = "escalators"
    why = scope.lacking(Cap.AGENTS) or scope.lacking_any(Cap.TIERS, Cap.ESCALATIONS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why)
    held = scope.summary.holdings.group_by("agent").agg(held=pl.len().cast(pl.Int64))
    acts = scope.summary.acts.filter(_c("agent").is_not_null())
    escalated = acts.group_by("agent").agg(escalated=_c("gid").n_unique().cast(pl.Int64))
    per = (
        held.join(escalated, on="agent", how="left")
        .with_columns(escalated=_c("escalated").fill_null(0))
        .with_columns(rate=_c("escalated") / _c("held"))
        .sort(["rate", "held", "agent"], descending=[True, True, False])
    )
    unknown = scope.summary.acts.height - acts.height
    return scope.metric(
        name,
        DEFINITIONS[name],
        Table(("agent", "held", "escalated", "rate"), tuple(per.rows())),
        notes=(
            "sorted from the agent who escalates most, relative to the cases they held, to the least",
            *((f"{unknown} escalation(s) with no agent recorded before them",) if unknown else ()),
        ),
    )


def tier_reach(scope: Scope) -> Metric:
    name = "tier_reach"
    why = scope.lacking(Cap.TIERS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (support lines)")
    known = scope.cases.filter(_c("max_tier").is_not_null())
    rows = tuple(
        (line, n, n / known.height if known.height else None)
        for line in (2, 3, 4)
        for n in [known.filter(_c("max_tier") >= line).height]
    )
    return scope.metric(
        name,
        DEFINITIONS[name],
        Table(("line", "cases", "share"), rows),
        excluded=excluded("no tier recorded", scope.cases.height - known.height),
    )


def push_to_front_violations(scope: Scope) -> Metric:
    name = "push_to_front_violations"
    why = scope.lacking(Cap.TIERS)
    if why:
        return scope.metric(name, DEFINITIONS[name], unavailable=why + " (support lines)")
    known = scope.cases.filter(_c("max_tier").is_not_null())
    return scope.metric(
        name,
        DEFINITIONS[name],
        Rate(known.filter(_c("push_to_front_violation")).height, known.height),
        excluded=excluded("no tier recorded", scope.cases.height - known.height),
    )


METRICS: dict[str, MetricFunction] = {
    "escalation_rate": escalation_rate,
    "first_contact_resolution": first_contact_resolution,
    "reopen_rate": reopen_rate,
    "bounce_back_rate": bounce_back_rate,
    "sme_interruption_rate": sme_interruption_rate,
    "sla_attainment": sla_attainment,
    "time_to_first_reply": time_to_first_reply,
    "time_to_resolve": time_to_resolve,
    "time_to_final_resolution": time_to_final_resolution,
    "time_to_escalation": time_to_escalation,
    "time_at_team": time_at_team,
    "time_at_tier": time_at_tier,
    "handovers_per_case": handovers_per_case,
    "ping_pong": ping_pong,
    "direct_ping_pong": direct_ping_pong,
    "repeat_escalations": repeat_escalations,
    "escalators": escalators,
    "tier_reach": tier_reach,
    "push_to_front_violations": push_to_front_violations,
}
assert set(METRICS) == set(DEFINITIONS)
