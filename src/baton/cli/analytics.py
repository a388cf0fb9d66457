"""``baton import``, ``baton audit`` and ``baton metrics``: escalation analytics
from the terminal. Polars and openpyxl are imported inside the commands so that
``baton --help`` stays fast."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from baton.cli.common import built as _baton
from baton.cli.common import fail as _fail
from baton.cli.mapping import LogMapping, with_log_mapping

if TYPE_CHECKING:
    from baton.analytics.frame import EventLog
    from baton.analytics.results import Period
    from baton.integrations.importers import Imported

FileArg = Annotated[Path, typer.Argument(help="A CSV (or zipped CSV), XES (.xes, .xes.gz) or Zendesk JSON file.")]
Start = Annotated[str | None, typer.Option("--start", help="Period start (YYYY-MM-DD or ISO time, UTC).")]
End = Annotated[str | None, typer.Option("--end", help="Period end, exclusive (YYYY-MM-DD or ISO time, UTC).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the figures as JSON for scripts.")]


def _when(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _fail(f"{name} must be a date or time like 2026-11-01 or 2026-11-01T09:00Z, not {text!r}") from None
    if isinstance(value, date) and len(text) == 10:
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _period(start: str | None, end: str | None) -> Period:
    from baton.analytics.results import Period

    try:
        return Period(_when(start, "--start"), _when(end, "--end"))
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _read(path: Path, options: LogMapping) -> Imported:
    from baton.integrations.importers import FileFormat, ImportFailed, Mapping, ZendeskOptions, read_file
    from baton.integrations.importers.tiers import TierRule
    from baton.integrations.importers.timeparse import TimeRules

    try:
        chosen = FileFormat(options.file_format) if options.file_format else None
    except ValueError:
        raise _fail(f"--format must be csv, xes or zendesk, not {options.file_format!r}") from None
    try:
        times = TimeRules(options.time_format, options.tz, options.normalise_offsets)
        rule = TierRule.parse(options.tier_rule) if options.tier_rule else None
        mapping = Mapping(
            case=options.case,
            time=options.time,
            activity=options.activity,
            team=options.team or None,
            agent=options.agent or None,
            tier=options.tier,
            tier_rule=rule,
            category=options.category,
            severity=options.severity,
            customer_tier=options.customer_tier,
            sla_met=options.sla_met,
            resolved=tuple(r.strip() for r in options.resolved.split(",") if r.strip()),
            times=times,
            missing=("", *(m for m in options.missing.split(",") if m)),
        )
        zendesk = ZendeskOptions(category_field=options.category or "type", tier_rule=rule, times=times)
        return read_file(path, mapping, zendesk, chosen)
    except ImportFailed as exc:
        raise _fail(str(exc)) from None


def _echo_report(imported: Imported) -> None:
    for line in imported.report.lines():
        typer.echo(line, err=True)


def _dump(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@with_log_mapping
def import_command(
    file: FileArg,
    name: Annotated[str, typer.Option("--name", help="The name to ask metrics of it by.")],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a history of that name.")] = False,
    *,
    mapping: LogMapping,
) -> None:
    """Import an event log or Zendesk export into the database, to ask metrics of it later."""
    from baton.cli.access import the_operator
    from baton.core.errors import DomainError
    from baton.integrations.importers.stored import check_name, save_history

    try:
        check_name(name)
    except DomainError as exc:
        raise _fail(f"{exc.detail}: {'; '.join(e.reason for e in exc.errors)}") from None
    imported = _read(file, mapping)
    _echo_report(imported)
    baton = _baton()
    try:
        stored = save_history(baton.engine, name, imported, baton.clock.now(), replace, the_operator().name)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    typer.echo(f"imported {stored} events as history {name!r}: `baton metrics --source {name}`")


def load_log(file: Path | None, history: str | None, mapping: LogMapping) -> tuple[EventLog, Imported | None]:
    """The log a command reads: a FILE read in place (with its import report) or a stored history."""
    from baton.core.errors import NotFound
    from baton.integrations.importers.sources import load_source

    if (file is None) == (history is None):
        raise _fail("give a FILE to audit, or --history baton (Baton's own) or --history NAME (imported)")
    if file is not None:
        imported = _read(file, mapping)
        return imported.log, imported
    baton = _baton()
    try:
        return load_source(baton.engine, baton.playbook, history or "baton"), None
    except NotFound as exc:
        raise _fail(exc.detail) from None


@with_log_mapping
def audit_command(
    file: Annotated[Path | None, typer.Argument(help="The log to audit (CSV, zip, XES, Zendesk JSON).")] = None,
    history: Annotated[
        str | None, typer.Option("--history", help="Audit a stored history instead: 'baton' or an imported name.")
    ] = None,
    as_json: AsJson = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the per-ticket audit as CSV.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the per-ticket audit as XLSX.")] = None,
    sort: Annotated[str, typer.Option("--sort", help="total_time or escalations (descending).")] = "total_time",
    *,
    mapping: LogMapping,
) -> None:
    """Audit a history: where tickets bounce, who escalates, which categories drive escalations."""
    from baton.analytics import audit as a
    from baton.analytics.cases import summarise
    from baton.analytics.report import Dimension, compute

    try:
        order = a.SortBy(sort)
    except ValueError:
        raise _fail(f"--sort must be total_time or escalations, not {sort!r}") from None
    log, imported = load_log(file, history, mapping)
    summary = summarise(log)
    report = compute(log, summary=summary)
    figures = a.figures(log, summary, report)
    by_category = None
    if log.frame.get_column("category").is_not_null().any():
        names = ("escalation_rate", "time_to_escalation", "handovers_per_case", "ping_pong")
        by_category = compute(log, by=Dimension.CATEGORY, names=names, summary=summary)
    if csv or xlsx:
        table = a.audit_table(log, summary, order)
        if csv:
            a.write_csv(table, csv)
        if xlsx:
            a.write_xlsx(table, xlsx)
    if as_json:
        _dump(
            {
                "audit": figures,
                "import": imported.report.to_dict() if imported else None,
                "metrics": report.to_dict(),
                "by_category": [s.to_dict() for s in by_category.slices] if by_category else None,
            }
        )
        return
    if imported:
        _echo_report(imported)
    _print_audit(figures, report, by_category)
    for path in (csv, xlsx):
        if path:
            typer.echo(f"wrote the per-ticket audit to {path}")


def _print_audit(figures: dict[str, Any], report: Any, by_category: Any) -> None:
    from baton.analytics.text import metric_lines, population, value

    typer.echo(
        f"Audit of {figures['source']}: {figures['events']:,} events, {figures['cases']:,} cases, "
        f"{figures['first_event']} to {figures['last_event']}"
    )
    typer.echo(
        f"  ping-pong cases: {figures['ping_pong_cases']:,} of {figures['cases_with_team_path']:,} with a team path "
        f"(direct: {figures['direct_ping_pong_cases']:,})"
    )
    mean = figures["mean_handovers_per_case"]
    typer.echo(f"  handovers: {figures['handovers']:,}, mean per case {mean:.3f}" if mean is not None else "")
    for line in (2, 3):
        share = figures[f"share_reaching_line_{line}"]
        shown = f"{100 * share:.1f} %" if isinstance(share, float) else share
        typer.echo(f"  share reaching line {line}: {shown}")
    typer.echo(f"\nMetrics over {population(report.population)}")
    for metric in report.metrics:
        for text in metric_lines(metric):
            typer.echo(text)
    if by_category is not None:
        typer.echo("\nBy category, largest first:")
        for s in sorted(by_category.slices, key=lambda s: -s.population.cases)[:15]:
            parts = [f"{m.name} {value(m)}" for m in s.metrics if m.available and m.name != "time_to_escalation"]
            typer.echo(f"  {s.key.get('category') or 'unknown'} ({s.population.cases:,} cases): " + "; ".join(parts))


def metrics_command(
    source: Annotated[str, typer.Option("--source", help="'baton' or the name of an imported history.")] = "baton",
    start: Start = None,
    end: End = None,
    granularity: Annotated[str | None, typer.Option("--granularity", help="day, week or month.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="category, agent, role, customer_tier or severity.")] = None,
    calendar: Annotated[str | None, typer.Option("--calendar", help="A playbook calendar for business times.")] = None,
    as_json: AsJson = False,
) -> None:
    """Every escalation metric over a period, optionally sliced by a dimension and by day/week/month."""
    from baton.analytics.report import Dimension, Granularity, compute
    from baton.analytics.text import metric_lines, population
    from baton.core.errors import NotFound
    from baton.integrations.importers.sources import load_source

    try:
        dimension = Dimension(by) if by else None
        every = Granularity(granularity) if granularity else None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    period = _period(start, end)
    baton = _baton()
    chosen = None
    if calendar is not None:
        chosen = baton.playbook.calendars.get(calendar)
        if chosen is None:
            raise _fail(f"no calendar {calendar!r}; the playbook has {', '.join(baton.playbook.calendars)}")
    try:
        log: EventLog = load_source(baton.engine, baton.playbook, source, period)
    except NotFound as exc:
        raise _fail(exc.detail) from None
    report = compute(log, period, dimension, every, chosen)
    if as_json:
        _dump(report.to_dict())
        return
    typer.echo(f"{source}, {period.label}: {population(report.population)}")
    for metric in report.metrics:
        for text in metric_lines(metric):
            typer.echo(text)
    for piece in report.slices:
        typer.echo(f"\n{piece.key or ''} {piece.period.label}: {piece.population.cases:,} cases")
        for metric in piece.metrics:
            typer.echo(metric_lines(metric, rows=3)[0])


def register(app: typer.Typer) -> None:
    from baton.cli.audit import audit_app  # audit_command as `baton audit FILE`, with verify and anchor

    app.command("import")(import_command)
    app.add_typer(audit_app, name="audit")
    app.command("metrics")(metrics_command)
