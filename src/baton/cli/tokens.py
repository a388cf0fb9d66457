"""``baton token create | list | revoke``: API tokens, as an admin manages them."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from baton.cli.common import built as _build
from baton.cli.common import fail as _fail
from baton.core.policy import TokenScope

if TYPE_CHECKING:
    from baton.services.tokens import TokenInfo

token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


def _when(at: datetime | None, none: str = "-") -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at is not None else none


@token_app.command("create")
def token_create(
    agent: Annotated[str | None, typer.Option(help="The agent the token acts as (scopes agent and read).")] = None,
    integration: Annotated[
        str | None,
        typer.Option(help="The integration holding the token (scope integration): one of the playbook's."),
    ] = None,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    expires: Annotated[
        str, typer.Option(help="How long it lasts: 90d, 12h, 30m, 2w, or 'never'.", show_default=True)
    ] = "90d",
    scope: Annotated[
        TokenScope | None,
        typer.Option(
            case_sensitive=False,
            help="agent: all its agent may do; read: queries only; integration: a channel or another system "
            "(default: agent, or integration with --integration).",
        ),
    ] = None,
) -> None:
    """Create an API token and print it alone on stdout (what it is goes to stderr)."""
    from baton.cli.access import the_operator
    from baton.core.errors import InvalidCommand
    from baton.services.tokens import issue_token, parse_expiry

    if (agent is None) == (integration is None):
        raise _fail("name the holder: --agent NAME, or --integration NAME for an integration token")
    if integration is not None and scope not in (None, TokenScope.INTEGRATION):
        raise _fail(f"an integration holds integration tokens only, not {scope}: drop --scope")
    if agent is not None and scope is TokenScope.INTEGRATION:
        raise _fail("an integration token is held by an integration: use --integration NAME")
    holder = agent if agent is not None else integration
    assert holder is not None
    chosen = scope or (TokenScope.INTEGRATION if integration is not None else TokenScope.AGENT)
    try:
        lasts = parse_expiry(expires)
    except InvalidCommand as exc:
        raise _fail(exc.detail) from None
    baton = _build()
    integrations = getattr(baton.playbook, "integrations", ())
    try:
        issued = issue_token(
            baton.engine,
            holder,
            baton.clock.now(),
            label,
            scope=chosen,
            expires_in=lasts,
            integrations=integrations,
            actor=the_operator().name,
        )
    except InvalidCommand as exc:
        raise _fail(exc.detail) from None
    info = issued.info
    sys.stdout.write(issued.secret + "\n")
    typer.echo(
        f"token {info.id} for {info.holder}: scope {info.scope}, expires {_when(info.expires_at, 'never')}", err=True
    )


def _row(info: TokenInfo, now: datetime) -> dict[str, str | int | None]:
    return {
        "id": info.id,
        "holder": info.holder,
        "scope": info.scope.value,
        "label": info.label,
        "created": _when(info.created_at),
        "expires": _when(info.expires_at, "never"),
        "last_used": _when(info.last_used_at, "never"),
        "revoked": _when(info.revoked_at),
        "state": info.state(now),
    }


@token_app.command("list")
def token_list(
    active: Annotated[bool, typer.Option("--active", help="Only tokens that still work.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, one a token.")] = False,
) -> None:
    """Every token: id, holder, scope, label, created, expires, last used, revoked. Never the secret."""
    from baton.services.tokens import list_tokens

    baton = _build()
    now = baton.clock.now()
    rows = [_row(info, now) for info in list_tokens(baton.engine) if not active or info.state(now) == "active"]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    if not rows:
        typer.echo("no API tokens" + (" that still work" if active else "") + ": create one with `baton token create`")
        return
    columns = ["id", "holder", "scope", "label", "created", "expires", "last_used", "revoked", "state"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    typer.echo("  ".join(c.replace("_", " ").ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        typer.echo("  ".join(str(row[c]).ljust(widths[c]) for c in columns).rstrip())


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id, as `baton token list` shows.")]) -> None:
    """Revoke a token at once, and end the web sessions signed in with it."""
    from baton.cli.access import the_operator
    from baton.core.errors import NotFound
    from baton.services.tokens import revoke_token

    baton = _build()
    try:
        done = revoke_token(baton.engine, token_id, baton.clock.now(), actor=the_operator().name)
    except NotFound as exc:
        raise _fail(exc.detail + ": see `baton token list`", code=2) from None
    info = done.info
    if done.already:
        typer.echo(f"token {info.id} ({info.holder}, {info.scope}) was already revoked on {_when(info.revoked_at)}")
        return
    sessions = f"; {done.sessions_ended} web session(s) ended" if done.sessions_ended else ""
    typer.echo(f"revoked token {info.id} ({info.holder}, {info.scope}){sessions}")
