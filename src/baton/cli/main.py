"""The ``baton`` command."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from baton.cli.common import built as _build
from baton.cli.common import fail as _fail
from baton.cli.tokens import token_app
from baton.playbook import PlaybookError, load_playbook
from baton.settings import Settings

app = typer.Typer(
    help="Baton: escalation management where no escalated ticket loses its owner or its context.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
playbook_app = typer.Typer(help="Validate and inspect playbooks.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(playbook_app, name="playbook")
app.add_typer(token_app, name="token")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema of BATON_DATABASE_URL to the latest revision."""
    from baton.store.db import make_engine
    from baton.store.migrate import current_revision, upgrade

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except Exception as exc:
        raise _fail(f"cannot migrate {engine.url.render_as_string(hide_password=True)}: {exc}") from None
    typer.echo(f"database at revision {current_revision(engine)}: {engine.url.render_as_string(hide_password=True)}")


@playbook_app.command("check")
def playbook_check(file: Annotated[Path, typer.Argument(help="The playbook YAML file.")]) -> None:
    """Validate a playbook: print every error with the path of the bad field."""
    try:
        playbook = load_playbook(file)
    except PlaybookError as exc:
        typer.echo(f"{exc.source}: {len(exc.issues)} problem(s)", err=True)
        for issue in exc.issues:
            typer.echo(f"  {issue}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{file}: ok — {playbook.name}, version {playbook.version}: "
        f"{len(playbook.roles)} roles, {len(playbook.agents)} agents, "
        f"{len(playbook.categories)} categories, {len(playbook.calendars)} calendars, "
        f"{len(playbook.sla_policies)} SLA policies, {len(playbook.rules)} trigger rules"
    )


@playbook_app.command("explain")
def playbook_explain(file: Annotated[Path, typer.Argument(help="The playbook YAML file.")]) -> None:
    """List the trigger rules with their plain-language meaning."""
    try:
        playbook = load_playbook(file)
    except PlaybookError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{playbook.name}, version {playbook.version}: {len(playbook.rules)} trigger rules\n")
    for number, rule in enumerate(playbook.rules, 1):
        typer.echo(f"{number}. {rule.name}: {rule.description}")
        typer.echo(f"   {rule.explain()}\n")


def _days(text: str) -> int:
    if not text.endswith("d") or not text[:-1].isdigit() or int(text[:-1]) < 1:
        raise _fail(f"--since takes a number of days like 90d, not {text!r}")
    return int(text[:-1])


@playbook_app.command("backtest")
def playbook_backtest(
    file: Annotated[Path, typer.Argument(help="The candidate playbook YAML file.")],
    since: Annotated[str, typer.Option(help="How far back to replay, in days (e.g. 90d).")] = "90d",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    act: Annotated[
        bool, typer.Option("--act", help="Feed each rule's own actions back into the replay (off: history as it was).")
    ] = False,
) -> None:
    """Replay recorded history through FILE's rules, in memory: what would they have done?"""
    import json
    from datetime import timedelta

    from baton.cli.access import the_operator
    from baton.services.backtest import run_backtest

    try:
        candidate = load_playbook(file)
    except PlaybookError as exc:
        raise _fail(str(exc)) from None
    baton = _build()
    start = baton.clock.now() - timedelta(days=_days(since))
    tickets, results = run_backtest(baton.engine, candidate, start, act, the_operator(), baton.clock.now())
    if as_json:
        typer.echo(
            json.dumps(
                {"tickets": tickets, "since": start.isoformat(), "act": act, "rules": [r.as_dict() for r in results]}
            )
        )
        return
    typer.echo(f"Backtest of {file} (version {candidate.version}) on {tickets} tickets created since {start:%Y-%m-%d}")
    if act:
        typer.echo("Each rule's actions are fed back into the replay: later rules see what earlier ones did.\n")
    else:
        typer.echo("Rules are not replayed into the history: each figure is what the rule alone would have done.\n")
    typer.echo(f"{'rule':36} {'tickets':>8} {'by hand later':>14} {'median h saved':>15}")
    for r in results:
        later = str(r.escalated_by_hand_later) if r.escalates else "-"
        saved = "-" if r.median_hours_saved is None else f"{r.median_hours_saved:.1f}"
        typer.echo(f"{r.rule:36} {r.tickets:>8} {later:>14} {saved:>15}")


@playbook_app.command("health")
def playbook_health(
    since: Annotated[str, typer.Option(help="How far back to look, in days (e.g. 30d).")] = "90d",
) -> None:
    """Per rule that ran: firings, escalations made, bounces of those, resolution time after."""
    from datetime import timedelta

    from baton.services.backtest import run_health

    baton = _build()
    tickets, results = run_health(baton.engine, baton.clock.now() - timedelta(days=_days(since)))
    typer.echo(f"Rule health over {tickets} tickets\n")
    typer.echo(f"{'rule':36} {'firings':>8} {'escalations':>12} {'bounced':>8} {'median h to resolve':>20}")
    for h in results:
        d = h.as_dict()
        hours = d["median_hours_to_resolve_after_firing"]
        typer.echo(
            f"{h.rule:36} {h.firings:>8} {h.escalations:>12} {h.bounced:>8} {hours if hours is not None else '-':>20}"
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the listening socket. A dead one is replaced; "
            "one that cannot start stops them all (exit 1). See docs/deploy.md.",
        ),
    ] = 1,
) -> None:
    """Serve the API and the web pages."""
    if workers == 1:
        import uvicorn

        from baton.api.main import create_app

        uvicorn.run(create_app(_build()), host=host, port=port, log_level="info")
        return

    import gc

    from baton.serving import serve_workers

    # Check the settings, the playbook and the schema once, with the same messages as one
    # process, before any worker starts; each worker builds its own application.
    _build().engine.dispose()
    gc.collect()
    try:
        code = serve_workers(host, port, workers)
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc}") from None
    raise typer.Exit(code)


@app.command()
def worker(
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between sweeps when idle.")] = 1.0,
    batch: Annotated[
        int, typer.Option(min=1, max=10_000, help="Tickets per transaction, and outbox rows claimed at once.")
    ] = 100,
    once: Annotated[bool, typer.Option("--once", help="Fire what is due now, then exit.")] = False,
    anchor_every: Annotated[
        int, typer.Option(min=0, help="Minutes between audit anchors over every trail (0: none; see baton audit).")
    ] = 60,
) -> None:
    """Fire due SLA timers (thresholds, breaches, no-progress rules), deliver the
    outbox (agents' notifications) and anchor the audit trail. Several may run on PostgreSQL."""
    import logging

    from baton.services.trail import Anchoring
    from baton.worker import run, stop_on_signals

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    baton = _build()
    if baton.engine.dialect.name == "sqlite":
        logging.getLogger("baton.worker").info("SQLite: run a single worker")
    anchoring = Anchoring(baton.units, baton.clock, timedelta(minutes=anchor_every)) if anchor_every else None
    fired = run(
        baton.tickets, baton.dispatcher, interval=interval, batch=batch, once=once, stop=stop_on_signals(),
        anchoring=anchoring,
    )  # fmt: skip
    typer.echo(f"worker stopped; fired timers on {fired} ticket(s)")


@app.command()
def outbox(
    dead: Annotated[int, typer.Option(min=0, max=1000, help="How many of the newest dead rows to list.")] = 20,
) -> None:
    """What waits in the outbox, per consumer and state, and the rows that went dead with their last error."""
    from baton.services.outbox import outbox_status

    status = outbox_status(_build().reads, dead)
    if not status.counts:
        typer.echo("the outbox is empty")
    for (consumer, state), count in sorted(status.counts.items()):
        typer.echo(f"{consumer:14} {state:10} {count:>8}")
    for row in status.dead:
        typer.echo(f"dead #{row.id} {row.key} after {row.attempts} attempts: {row.last_error}")


@app.command()
def demo(
    days: Annotated[int, typer.Option(min=1, max=730, help="Days of history to simulate.")] = 90,
    seed: Annotated[int, typer.Option(help="Same seed and end date, same history.")] = 7,
    end: Annotated[str | None, typer.Option(help="Last simulated day (YYYY-MM-DD); yesterday by default.")] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the database already has tickets.")
    ] = False,
    triggers_for: Annotated[
        int,
        typer.Option(min=0, help="The playbook's trigger rules run for the last N days only, as if just switched on."),
    ] = 30,
) -> None:
    """Fill the database with a simulated support history, driven through the real services."""
    from baton.demo.simulate import simulate
    from baton.services.unit_of_work import read_only

    try:
        last_day = date.fromisoformat(end) if end else None
    except ValueError:
        raise _fail(f"--end must be a date like 2026-11-20, not {end!r}") from None
    baton = _build()
    with read_only(baton.engine) as uow:
        existing = uow.tickets.count()
    if existing and if_empty:
        typer.echo(f"demo data skipped: the database already holds {existing} tickets")
        return
    summary = simulate(
        baton.engine,
        baton.playbook,
        days=days,
        seed=seed,
        end=last_day or baton.clock.now().date() - timedelta(days=1),
        triggers_for=triggers_for,
        classifier=baton.classifier,
    )
    typer.echo(summary)


from baton.cli.analytics import register as _register_analytics  # noqa: E402

_register_analytics(app)
from baton.cli.reports import register as _register_reports  # noqa: E402

_register_reports(app)
from baton.cli.models import register as _register_models  # noqa: E402

_register_models(app)

from baton.cli.access import guard as _guard  # noqa: E402

_guard(app)  # last: every command above goes through the authorisation policy

if __name__ == "__main__":  # pragma: no cover
    app()
