"""From events to cases, runs and escalation acts, all in Polars.

:func:`summarise` reads a normalised :class:`~baton.analytics.frame.EventLog` once
and returns a :class:`Summary`: one row per case (lifecycle times, paths,
handovers, escalations, ping-pong), one row per run of a team and of a tier
(the stages), one row per escalation act (who escalated) and one row per SLA
target that ran. Metrics are plain functions over these frames.

Definitions follow METRICS.md: events in time order, ties in recorded order;
paths drop unknown values and collapse consecutive repeats.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from baton.analytics.frame import EventLog, Kind, SlaState, ordered

SEP = " > "
KEY = "gid"
"""Each case's number in the ordered frame: grouping and joining on it is cheaper than on the id text."""
_c = pl.col


@dataclass(frozen=True)
class Summary:
    cases: pl.DataFrame
    team_runs: pl.DataFrame
    """case, team, tier, start, end, seconds: each maximal run of one team."""
    tier_runs: pl.DataFrame
    """case, tier, start, end, seconds: each maximal run of one tier."""
    acts: pl.DataFrame
    """case, ts, agent, how ("tier step" / "assist"), from_tier, to_tier: each escalation."""
    holdings: pl.DataFrame
    """case, agent: every agent who held each case."""
    sla: pl.DataFrame
    """case, target, cycle, outcome ("met" / "breached" / "running")."""
    events: int

    def restrict(self, cases: pl.DataFrame) -> Summary:
        """The same summary over only the cases listed in ``cases['case']``."""
        keep = cases.select(KEY)

        def only(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.join(keep, on=KEY, how="semi")

        return Summary(
            cases=only(self.cases),
            team_runs=only(self.team_runs),
            tier_runs=only(self.tier_runs),
            acts=only(self.acts),
            holdings=only(self.holdings),
            sla=only(self.sla),
            events=self.events,
        )


def _same_case(offset: int = 1) -> pl.Expr:
    return _c(KEY) == _c(KEY).shift(offset)


def _fill_within_case(expr: pl.Expr) -> pl.Expr:
    """Forward fill that stops at case boundaries (the frame is ordered by case)."""
    source = pl.when(expr.is_not_null()).then(_c(KEY)).forward_fill()
    return pl.when(source == _c(KEY)).then(expr.forward_fill())


def _prev(expr: pl.Expr, offset: int = 1) -> pl.Expr:
    """The value ``offset`` rows earlier in the same case, else null."""
    return pl.when(_same_case(offset)).then(expr.shift(offset))


def _runs(events: pl.DataFrame, column: str) -> pl.DataFrame:
    """Rows of ``events`` where ``column`` is known and differs from its previous
    known value in the case: the first event of each run."""
    known = events.filter(_c(column).is_not_null())
    return known.filter(_c(column).ne_missing(_prev(_c(column))))


def _lifecycle(ev: pl.DataFrame) -> pl.DataFrame:
    """Per case: created, first/final resolution, open time summed over open periods,
    reopens, first reply."""
    life = ev.filter(_c("kind").is_in([Kind.RESOLVED.value, Kind.REOPENED.value]))
    resolved = _c("kind") == Kind.RESOLVED.value
    life = life.with_columns(prev_resolved=_prev(resolved).fill_null(False))
    closing = resolved & ~_c("prev_resolved")
    opening = ~resolved & _c("prev_resolved")
    epoch = _c("ts").dt.epoch("us")
    per_case = life.group_by(KEY).agg(
        first_resolved=_c("ts").filter(resolved).first(),
        last_reopen_pos=_c("pos").filter(opening).last(),
        reopens=opening.sum().cast(pl.Int64),
        closing_us=epoch.filter(closing).sum(),
        opening_us=epoch.filter(opening).sum(),
        ends_resolved=resolved.last(),
    )
    final = (
        life.filter(closing)
        .join(per_case.select(KEY, "last_reopen_pos"), on=KEY)
        .filter(_c("pos") > _c("last_reopen_pos").fill_null(-1))
        .group_by(KEY)
        .agg(final_resolved=_c("ts").first())
    )
    base = ev.group_by(KEY).agg(
        case=_c("case").first(),
        created=_c("ts").first(),
        last_ts=_c("ts").last(),
        events=pl.len().cast(pl.Int64),
        first_reply=_c("ts").filter(_c("kind") == Kind.REPLY.value).first(),
        category=_c("category").drop_nulls().last(),
        severity=_c("severity").drop_nulls().last(),
        customer_tier=_c("customer_tier").drop_nulls().last(),
        first_agent=_c("agent").drop_nulls().first(),
        first_team=_c("team").drop_nulls().first(),
        handoffs=((_c("kind") == Kind.ESCALATION.value) & (_c("escalation") == "handoff")).sum(),
        bounces=((_c("kind") == Kind.BOUNCE.value) & (_c("escalation") == "handoff")).sum(),
        assist_bounces=((_c("kind") == Kind.BOUNCE.value) & (_c("escalation") == "assist")).sum(),
        sme_assists=(
            (_c("kind") == Kind.ESCALATION.value) & (_c("escalation") == "assist") & (_c("to_tier") >= 3)
        ).sum(),
    )
    out = base.join(per_case, on=KEY, how="left").join(final, on=KEY, how="left")
    created_us = _c("created").dt.epoch("us")
    open_us = _c("closing_us") - created_us - _c("opening_us")
    return out.with_columns(
        reopens=_c("reopens").fill_null(0),
        ends_resolved=_c("ends_resolved").fill_null(False),
        final_resolved=pl.when(_c("ends_resolved")).then(_c("final_resolved")),
        open_seconds=pl.when(_c("ends_resolved")).then(open_us / 1e6),
    ).drop("last_reopen_pos", "closing_us", "opening_us")


def _team_stages(ev: pl.DataFrame, cases: pl.DataFrame, column: str, extra: list[str]) -> pl.DataFrame:
    runs = _runs(ev, column).select(KEY, "pos", "ts", column, *extra)
    ends = cases.select(KEY, "final_resolved", "last_ts")
    runs = runs.with_columns(next_start=pl.when(_c(KEY) == _c(KEY).shift(-1)).then(_c("ts").shift(-1)))
    runs = runs.join(ends, on=KEY, how="left").with_columns(
        end=pl.coalesce(
            _c("next_start"),
            pl.when(_c("final_resolved") >= _c("ts")).then(_c("final_resolved")),
            _c("last_ts"),
        )
    )
    return runs.select(
        KEY,
        "pos",
        column,
        *extra,
        start=_c("ts"),
        end=_c("end"),
        seconds=(_c("end") - _c("ts")).dt.total_microseconds() / 1e6,
    )


def _paths(team_runs: pl.DataFrame, tier_runs: pl.DataFrame, agent_runs: pl.DataFrame) -> pl.DataFrame:
    teams = team_runs.group_by(KEY).agg(
        team_runs=pl.len().cast(pl.Int64),
        team_distinct=_c("team").n_unique().cast(pl.Int64),
        direct_ping_pong=(_c("team") == _prev(_c("team"), 2)).any(),
    )
    step = _c("tier") - _prev(_c("tier"))
    tiers = tier_runs.group_by(KEY).agg(
        first_tier=_c("tier").first(),
        max_tier=_c("tier").max(),
        tier_ups=(step > 0).sum().cast(pl.Int64),
        tier_downs=(step < 0).sum().cast(pl.Int64),
        tier_skips=(step > 1).sum().cast(pl.Int64),
    )
    agents = agent_runs.group_by(KEY).agg(agent_runs=pl.len().cast(pl.Int64))
    return teams.join(tiers, on=KEY, how="full", coalesce=True).join(agents, on=KEY, how="full", coalesce=True)


def path_texts(summary: Summary) -> pl.DataFrame:
    """Per case, for reading: the team path, the escalation path (teams with their
    tier), the hours at each stage and the tier path (only the audit export needs them)."""
    label = pl.when(_c("tier").is_not_null()).then(pl.format("{} (T{})", _c("team"), _c("tier"))).otherwise(_c("team"))
    hours = pl.format("{} {}h", _c("team"), (_c("seconds") / 3600).round(1))
    teams = summary.team_runs.group_by(KEY).agg(
        team_path=_c("team").str.join(SEP),
        escalation_path=label.str.join(SEP),
        time_at_stages=hours.str.join(SEP),
    )
    tiers = summary.tier_runs.group_by(KEY).agg(tier_path=_c("tier").cast(pl.String).str.join(SEP))
    return summary.cases.select(KEY).join(teams, on=KEY, how="left").join(tiers, on=KEY, how="left")


def _acts(ev: pl.DataFrame) -> pl.DataFrame:
    """Each escalation: an upward step of the tier path (by the agent who held the
    case before it) or an assist to a higher tier than the holder's."""
    known = ev.filter(_c("tier").is_not_null())
    steps = known.filter(_c("tier") > _prev(_c("tier")))
    steps = steps.select(
        KEY,
        "ts",
        agent=ev.get_column("agent").gather(steps.get_column("prev_agent_at")),
        how=pl.lit("tier step"),
        from_tier=_c("prev_tier"),
        to_tier=_c("tier"),
    )
    assists = ev.filter(
        (_c("kind") == Kind.ESCALATION.value)
        & (_c("escalation") == "assist")
        & (_c("to_tier") > _c("tier").fill_null(0))
    ).select(KEY, "ts", "agent", how=pl.lit("assist"), from_tier=_c("tier"), to_tier=_c("to_tier"))
    return pl.concat(
        [
            steps.with_columns(_c("from_tier").cast(pl.Int8), _c("to_tier").cast(pl.Int8)),
            assists.with_columns(_c("from_tier").cast(pl.Int8), _c("to_tier").cast(pl.Int8)),
        ]
    ).sort([KEY, "ts"], maintain_order=True)


def _sla(ev: pl.DataFrame) -> pl.DataFrame:
    """Each SLA target that ran (case, target, cycle) and how it stands at the end:
    met (stopped, never breached), breached, or still running."""
    clocks = ev.filter(_c("sla_state").is_not_null() & _c("sla_target").is_not_null())
    clocks = clocks.with_columns(sla_cycle=_c("sla_cycle").forward_fill().over([KEY, "sla_target"]).fill_null(1))
    per = clocks.group_by([KEY, "sla_target", "sla_cycle"]).agg(
        breached=(_c("sla_state") == SlaState.BREACHED.value).any(),
        last=_c("sla_state").filter(_c("sla_state") != SlaState.BREACHED.value).last(),
    )
    outcome = (
        pl.when(_c("breached"))
        .then(pl.lit("breached"))
        .when(_c("last") == SlaState.STOPPED.value)
        .then(pl.lit("met"))
        .otherwise(pl.lit("running"))
    )
    return per.select(KEY, target=_c("sla_target"), cycle=_c("sla_cycle"), outcome=outcome)


def summarise(log: EventLog) -> Summary:
    ev = ordered(log.frame).with_columns(
        gid=(_c("case").ne_missing(_c("case").shift(1))).cum_sum().cast(pl.UInt32),
        index=pl.int_range(pl.len(), dtype=pl.UInt32),
    )
    ev = ev.with_columns(
        pos=_c("index") - pl.when(_c(KEY) != _c(KEY).shift(1).fill_null(0)).then(_c("index")).forward_fill(),
        prev_agent_at=_prev(_fill_within_case(pl.when(_c("agent").is_not_null()).then(_c("index")))),
        prev_tier=_prev(_fill_within_case(_c("tier"))),
    )
    life = _lifecycle(ev)
    team_runs = _team_stages(ev, life, "team", ["tier"])
    tier_runs = _team_stages(ev, life, "tier", [])
    agent_runs = _runs(ev, "agent").select(KEY, "pos", "agent")
    # What a case looked like up to its first resolution: for first-contact resolution.
    first_pos = ev.filter(_c("kind") == Kind.RESOLVED.value).group_by(KEY).agg(res_pos=_c("pos").first())

    def upto(runs: pl.DataFrame) -> pl.DataFrame:
        return (
            runs.join(first_pos, on=KEY).filter(_c("pos") <= _c("res_pos")).group_by(KEY).agg(n=pl.len().cast(pl.Int64))
        )

    acts = _acts(ev)
    escal = acts.group_by(KEY).agg(
        escalations=pl.len().cast(pl.Int64),
        first_escalation=_c("ts").min(),
        assists_up=(_c("how") == "assist").sum().cast(pl.Int64),
    )
    cases = (
        life.join(_paths(team_runs, tier_runs, agent_runs), on=KEY, how="left")
        .join(escal, on=KEY, how="left")
        .join(upto(agent_runs).rename({"n": "agents_to_resolution"}), on=KEY, how="left")
        .join(upto(team_runs).rename({"n": "teams_to_resolution"}), on=KEY, how="left")
    )
    cases = cases.with_columns(
        handovers=(_c("team_runs") - 1).clip(lower_bound=0).cast(pl.Int64),
        agent_changes=(_c("agent_runs") - 1).clip(lower_bound=0).cast(pl.Int64),
        ping_pong=_c("team_distinct") < _c("team_runs"),
        direct_ping_pong=_c("direct_ping_pong").fill_null(False),
        escalations=_c("escalations").fill_null(0),
        assists_up=_c("assists_up").fill_null(0),
        push_to_front_violation=(_c("first_tier") != 1) | (_c("tier_skips") > 0) | (_c("tier_downs") > 0),
        handoffs=_c("handoffs").cast(pl.Int64),
        bounces=_c("bounces").cast(pl.Int64),
        sme_assists=_c("sme_assists").cast(pl.Int64),
    ).with_columns(
        ping_pong=pl.when(_c("team_runs").is_not_null()).then(_c("ping_pong").fill_null(False)),
        handovers=pl.when(_c("team_runs").is_not_null()).then(_c("handovers")),
    )
    holdings = ev.filter(_c("agent").is_not_null()).select(KEY, "agent").unique(maintain_order=True)
    return Summary(
        cases=cases.sort(KEY),
        team_runs=team_runs,
        tier_runs=tier_runs,
        acts=acts,
        holdings=holdings,
        sla=_sla(ev),
        events=ev.height,
    )
