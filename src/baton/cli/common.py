"""What every `baton` command shares: failing with a message, and the wired application."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from baton.settings import Settings

if TYPE_CHECKING:
    from baton.app import Baton


def fail(message: str, code: int = 1) -> typer.Exit:
    """``error: message`` on standard error, and the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def built() -> Baton:
    """The application from the environment's settings; a bad playbook or an old schema
    ends the command with the reason."""
    from baton.app import SchemaOutOfDate, build
    from baton.playbook import PlaybookError

    try:
        return build(Settings())
    except (PlaybookError, SchemaOutOfDate) as exc:
        raise fail(str(exc)) from None
