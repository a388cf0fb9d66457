"""Every ``baton`` command's entry in the one authorisation policy.

Whoever runs a command on Baton's server holds its database and settings, so they act
as its operator (an admin, :func:`baton.core.policy.operator`); still each command names
the action it is, and is checked against the policy before it runs. A command without
an entry here is refused when run, and fails the command-table test."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable, Iterator
from typing import Any

import typer

from baton.core.errors import NotPermitted
from baton.core.policy import Action, Caller, operator, require

COMMANDS: dict[str, Action] = {
    "serve": Action.OPERATE,
    "worker": Action.OPERATE,
    "outbox": Action.OPERATE,
    "demo": Action.OPERATE,
    "import": Action.IMPORT_HISTORY,
    "audit verify": Action.VERIFY_AUDIT,
    "audit anchor": Action.VERIFY_AUDIT,
    "audit file": Action.ANALYSE_FILES,
    "metrics": Action.READ_METRICS,
    "db upgrade": Action.OPERATE,
    "playbook check": Action.ANALYSE_FILES,
    "playbook explain": Action.ANALYSE_FILES,
    "playbook backtest": Action.RUN_BACKTEST,
    "playbook health": Action.READ_METRICS,
    "token create": Action.MANAGE_TOKENS,
    "token list": Action.MANAGE_TOKENS,
    "token revoke": Action.MANAGE_TOKENS,
    "report weekly": Action.READ_REPORTS,
    "report calibrate": Action.READ_REPORTS,
    "model train": Action.OPERATE,
    "model evaluate": Action.ANALYSE_FILES,
    "model agreement": Action.READ_METRICS,
}
"""Command path (``"token create"``) -> the action it is."""


def the_operator() -> Caller:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        name = "unknown"
    return operator(f"operator:{name}")


def _name(info: Any) -> str:
    if info.name:
        return str(info.name)
    return str(info.callback.__name__).lower().replace("_", "-")


def commands(app: typer.Typer, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, CommandInfo) for every command registered on ``app`` and its groups."""
    for info in app.registered_commands:
        yield (f"{prefix} {_name(info)}".strip(), info)
    for group in app.registered_groups:
        name = f"{prefix} {group.name or ''}".strip()
        if group.typer_instance is not None:
            yield from commands(group.typer_instance, name)


def _checked(path: str, action: Action | None, callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            if action is None:
                raise NotPermitted("it has no entry in the authorisation policy: refused")
            require(the_operator(), action)
        except NotPermitted as exc:
            typer.echo(f"error: baton {path}: {exc.detail}", err=True)
            raise typer.Exit(2) from None
        return callback(*args, **kwargs)

    run.__baton_action__ = action  # type: ignore[attr-defined]
    return run


def unlisted(app: typer.Typer) -> list[str]:
    """Commands of ``app`` without a policy entry."""
    return [path for path, _ in commands(app) if path not in COMMANDS]


def guard(app: typer.Typer) -> typer.Typer:
    """Put every command of ``app`` behind its policy entry (one without is refused)."""
    for path, info in commands(app):
        if not hasattr(info.callback, "__baton_action__"):
            info.callback = _checked(path, COMMANDS.get(path), info.callback)
    return app
