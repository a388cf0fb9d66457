"""``baton audit``: the audit of a history (``baton audit FILE``, ``baton audit file``)
and the tamper check of Baton's own records (``baton audit verify``, ``baton audit
anchor``).

Arguments that name no subcommand go to ``audit file``, so ``baton audit FILE`` and
``baton audit --history baton`` keep working (a log file called ``verify`` is
``baton audit file verify``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from baton.cli.analytics import audit_command
from baton.cli.common import built as _baton
from baton.cli.common import fail as _fail

DEFAULT = "file"


class _FileByDefault(TyperGroup):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = [DEFAULT, *args]
        return super().parse_args(ctx, args)


audit_app = typer.Typer(
    cls=_FileByDefault,
    help="Audit a history (FILE, or --history), or check Baton's own records for tampering (verify, anchor).",
    no_args_is_help=False,
)
audit_app.command(DEFAULT)(audit_command)


def _ranges(positions: list[int]) -> str:
    """``1-3, 7``: consecutive positions run together."""
    spans: list[list[int]] = []
    for p in sorted(positions):
        if spans and p == spans[-1][1] + 1:
            spans[-1][1] = p
        else:
            spans.append([p, p])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _problem_lines(where: str, problems: Any) -> list[str]:
    """One line per kind and detail, positions run together."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for p in problems:
        grouped.setdefault((p.kind.value, p.detail), []).append(p.position)
    return [f"{where}: {kind} at {_ranges(at)}: {detail}" for (kind, detail), at in grouped.items()]


def _problems_json(problems: Any) -> list[dict[str, Any]]:
    return [{"position": p.position, "kind": p.kind.value, "detail": p.detail} for p in problems]


def _expected(anchor: str | None) -> Any:
    from baton.core.trail import Head

    if anchor is None:
        return None
    number, _, digest = anchor.partition(":")
    if not number.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise _fail(f"--anchor takes ID:DIGEST as baton audit anchor printed it, not {anchor!r}")
    return Head(int(number), digest)


@audit_app.command(
    "verify",
    help="Check every ticket's trail, the configuration audit log and the anchors; report each edited, "
    "deleted, inserted or reordered event by ticket and position, and exit 1 if anything does not verify.",
)
def verify_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print what was checked and found as JSON.")] = False,
    anchor: Annotated[
        str | None,
        typer.Option("--anchor", help="An anchor kept outside the database (ID:DIGEST): it must still be there."),
    ] = None,
) -> None:
    """Check every ticket's trail, the configuration audit log and the anchors: report
    each edited, deleted, inserted or reordered event by ticket and position (exit 1)."""
    from baton.services.trail import verify_all

    expected = _expected(anchor)
    report = verify_all(_baton().reads, expected)
    latest = report.anchors.latest
    if as_json:
        body = {
            "verified": report.verified,
            "tickets_checked": report.tickets,
            "events_checked": report.events,
            "tickets": [
                {"ticket_id": c.ticket_id, "events_checked": c.checked, "problems": _problems_json(c.problems)}
                for c in report.failing
            ],
            "audit_log": {"entries_checked": report.log.checked, "problems": _problems_json(report.log.problems)},
            "anchors": {
                "checked": report.anchors.checked,
                "latest": None if latest is None else f"{latest.position}:{latest.hash}",
                "latest_at": None if latest is None else latest.at.isoformat(),
                "problems": _problems_json(report.anchors.problems),
            },
        }
        typer.echo(json.dumps(body))
    else:
        for check in report.failing:
            for line in _problem_lines(f"ticket {check.ticket_id}", check.problems):
                typer.echo(line)
        for line in _problem_lines("audit log entry", report.log.problems):
            typer.echo(line)
        for line in _problem_lines("anchor", report.anchors.problems):
            typer.echo(line)
        state = "verified" if report.verified else "DOES NOT VERIFY"
        typer.echo(
            f"{state}: {report.tickets} tickets, {report.events} events, "
            f"{report.log.checked} audit log entries, {report.anchors.checked} anchors"
            + ("" if latest is None else f" (latest {latest.position} at {latest.at:%Y-%m-%d %H:%M} UTC)")
        )
        if not report.verified:
            typer.echo(f"{len(report.failing)} ticket(s) with problems", err=True)
    if not report.verified:
        raise typer.Exit(1)


@audit_app.command(
    "anchor",
    help="Anchor the head of every trail and of the audit log now (the worker does it every --anchor-every "
    "minutes). Prints ID:DIGEST: keep it outside the database and give it to baton audit verify --anchor.",
)
def anchor_command() -> None:
    """Anchor the head of every trail and of the audit log now (the worker does it every
    --anchor-every minutes). Prints ID:DIGEST: keep it outside the database and give it
    to baton audit verify --anchor."""
    from baton.services.trail import take_anchor

    baton = _baton()
    taken = take_anchor(baton.units, baton.clock.now())
    for ticket_id in taken.refused:
        typer.echo(f"ticket {ticket_id} no longer holds the head the last anchor saw: left as anchored", err=True)
    for ticket_id in taken.missing:
        typer.echo(f"ticket {ticket_id} was anchored and its trail is gone", err=True)
    if taken.log_refused:
        typer.echo("the audit log no longer holds the entry the last anchor saw: left as anchored", err=True)
    if taken.anchor is None:
        typer.echo("nothing new to anchor since the last anchor")
    else:
        a = taken.anchor
        typer.echo(f"anchor {a.position} over {a.tickets} tickets, {a.events} events ({len(a.entries)} heads moved on)")
        typer.echo(taken.token)
