"""``baton report weekly`` (the weekly escalation report as HTML and JSON) and
``baton report calibrate`` (how often the anomaly tests flag on a history).
The report modules, Polars and matplotlib are imported inside the commands so
that ``baton --help`` stays fast."""

from __future__ import annotations

import json
import sys
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from baton.cli.common import built as _baton
from baton.cli.common import fail as _fail
from baton.cli.mapping import LogMapping, with_log_mapping

if TYPE_CHECKING:
    from baton.app import Baton
    from baton.core.calendar import Calendar

report_app = typer.Typer(help="Reports: the weekly escalation report and its anomaly tests.", no_args_is_help=True)

WeekOpt = Annotated[
    str | None,
    typer.Option("--week", help="ISO week, e.g. 2026-W46 (Monday to Sunday, UTC); the last full week by default."),
]
SourceOpt = Annotated[str, typer.Option("--source", help="'baton' or the name of a history stored by baton import.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Folder to write weekly-WEEK.html and weekly-WEEK.json into.")]
CalendarOpt = Annotated[
    str | None, typer.Option("--calendar", help="Count support hours in business time on this playbook calendar.")
]


def _calendar(baton: Baton, name: str | None) -> Calendar | None:
    if name is None:
        return None
    chosen = baton.playbook.calendars.get(name)
    if chosen is None:
        raise _fail(f"no calendar {name!r}; the playbook has {', '.join(baton.playbook.calendars)}")
    return chosen


@report_app.command("weekly")
def weekly_command(
    week: WeekOpt = None,
    source: SourceOpt = "baton",
    out: OutOpt = Path("."),
    calendar: CalendarOpt = None,
) -> None:
    """Write the weekly escalation report as one self-contained HTML file and as JSON."""
    from baton.core.errors import NotFound
    from baton.reports.render import write
    from baton.reports.weekly import EmptyHistory, weekly_report
    from baton.reports.weeks import IsoWeek, WeekError

    try:
        chosen = IsoWeek.parse(week) if week is not None else None
    except WeekError as exc:
        raise _fail(f"--week: {exc}") from None
    baton = _baton()
    now = baton.clock.now()
    chosen = chosen or IsoWeek.last_full_before(now.astimezone(UTC).date())
    try:
        report = weekly_report(baton.engine, baton.playbook, source, chosen, now, _calendar(baton, calendar))
    except NotFound as exc:
        raise _fail(f"{exc.detail}: `baton metrics` and `GET /api/v1/metrics/sources` list the histories") from None
    except EmptyHistory as exc:
        raise _fail(str(exc)) from None
    try:
        page, data = write(report, out)
    except OSError as exc:
        raise _fail(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {page} and {data}")
    typer.echo(
        f"{report.source}, {report.week.label} ({report.week.days}): "
        f"{report.population.cases} cases first resolved in the week"
    )
    flags = report.watch.flags
    typer.echo(f"{len(flags)} departure(s) from a segment's own history" + (":" if flags else ""))
    for flag in flags:
        typer.echo(f"  {flag.message}")


@report_app.command("calibrate")
@with_log_mapping
def calibrate_command(
    file: Annotated[Path | None, typer.Argument(help="An event log to read in place (CSV, zip, XES, Zendesk).")] = None,
    history: Annotated[
        str | None, typer.Option("--history", help="A stored history instead: 'baton' or an imported name.")
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Plain Poisson and binomial tests, without the spread of the history.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures and every alarm as JSON.")] = False,
    *,
    mapping: LogMapping,
) -> None:
    """Run the anomaly tests over every whole week of a history: how often do they flag?"""
    from baton.cli.analytics import load_log
    from baton.reports.anomaly import Settings as TestSettings
    from baton.reports.calibrate import calibrate

    log, _ = load_log(file, history, mapping)
    try:
        result = calibrate(log, TestSettings(overdispersed=not plain))
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, default=str) + "\n")
        return
    for line in result.lines():
        typer.echo(line)
    for alarm in result.alarms:
        usual = f"{100 * alarm.usual:.0f} %" if alarm.test == "rate" else f"{alarm.usual:.1f}"
        seen = f"{100 * alarm.observed:.0f} %" if alarm.test == "rate" else f"{alarm.observed:.0f}"
        where = f"{alarm.week} {alarm.dimension} {alarm.segment}"
        typer.echo(f"  {where}: {alarm.test} {seen}, usual {usual}, p = {alarm.p_value:.1g}")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
