"""A Zendesk-style JSON export: tickets with their audits.

Accepted shapes: ``{"tickets": [...], "users": [...], "groups": [...]}`` or a bare
list of tickets. Each ticket carries ``audits`` (or a top-level ``audits`` list
gives them with their ``ticket_id``); each audit has ``created_at``,
``author_id`` and ``events`` (``Create`` / ``Change`` with ``field_name``,
``value``, ``previous_value``; ``Comment`` with ``public``). Sideloaded
``users`` (``id``, ``name``, ``role``) and ``groups`` (``id``, ``name``) give
names; without them ids are used, and a comment counts as an agent's when its
author is not the ticket's requester.

What becomes an event: the ticket's creation, every change of group (team),
assignee (agent), status, priority (severity) or the category field, and every
public comment by an agent (a reply). ``solved`` and ``closed`` are
resolutions; a later status other than those is a reopen.

A file of another shape (a list where an object belongs, ``null`` for a list, an
id that is neither a number nor a text, ...) is refused with :class:`ImportFailed`
naming the ticket, audit or event and the field (see
:mod:`~baton.integrations.importers.zendesk_export`); so is a text holding a NUL
character, which PostgreSQL cannot store. A ticket without an id, and an audit
whose ``created_at`` is null or not an ISO 8601 time, are skipped and counted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from baton.analytics.frame import Capability, EventLog, Kind, conform
from baton.integrations.importers.report import Imported, ImportFailed, ImportReport, Skips, first_nul
from baton.integrations.importers.tiers import TierRule
from baton.integrations.importers.timeparse import TimeRules, parse_times
from baton.integrations.importers.zendesk_export import CHANGES, Audit, Export, Id, Scalar, Ticket, parse_export

_c = pl.col
RESOLVED = {"solved", "closed"}
AGENT_ROLES = {"agent", "admin"}
FIELDS = {
    "case": "id",
    "ts": "created_at",
    "activity": "status",
    "team": "group",
    "agent": "assignee",
    "severity": "priority",
}
"""Frame columns by the export's names, for messages."""


@dataclass(frozen=True)
class ZendeskOptions:
    category_field: str | None = "type"
    tier_rule: TierRule | None = None
    times: TimeRules = field(default_factory=TimeRules)


@dataclass
class _State:
    team: str | None = None
    agent: str | None = None
    status: str | None = None
    severity: str | None = None
    category: str | None = None


def _load(path: Path, category_field: str | None) -> Export:
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path}: not UTF-8 text (byte {exc.start + 1}): {exc.reason}") from None
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{path}: not JSON ({exc})") from None
    except RecursionError:
        raise ImportFailed(f"{path}: not JSON that can be read (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise ImportFailed(f"{path}: not JSON that can be read ({exc})") from None
    try:
        return parse_export(data, category_field)
    except ImportFailed as exc:
        raise ImportFailed(f"{path}: {exc}") from None


class _Reader:
    def __init__(self, export: Export, options: ZendeskOptions) -> None:
        self.users = export.users
        self.groups = export.groups
        self.audits_by_ticket = export.audits
        self.options = options
        self.rows: list[dict[str, Any]] = []

    def _group(self, value: Scalar | None) -> str | None:
        if value is None:
            return None
        name = self.groups.get(value) if isinstance(value, str | int) else None
        return str(value if name is None else name)

    def _user(self, value: Scalar | None) -> str | None:
        if value is None:
            return None
        user = self.users.get(value) if isinstance(value, str | int) else None
        return str(value if user is None or user.name is None else user.name)

    def _by_agent(self, author: Id | None, ticket: Ticket) -> bool:
        if self.users:
            user = self.users.get(author) if author is not None else None
            return user is not None and user.role in AGENT_ROLES
        return author is not None and author != ticket.requester

    def _apply(self, state: _State, name: str | None, value: Scalar | None) -> bool:
        """Fold one field change into ``state``; True when it matters to the metrics."""
        if name == "group_id":
            state.team = self._group(value)
        elif name == "assignee_id":
            state.agent = self._user(value)
        elif name == "status":
            state.status = None if value is None else str(value).lower()
        elif name == "priority":
            state.severity = None if value is None else str(value)
        elif name is not None and name == self.options.category_field:
            state.category = None if value is None else str(value)
        else:
            return False
        return True

    def _row(self, case: str, audit: Audit, number: int, state: _State, kind: str | None) -> None:
        self.rows.append(
            {
                "row": len(self.rows) + 1,
                "case": case,
                "audit": str(number) if audit.id is None else audit.id,
                "ts": audit.created_at,
                "activity": state.status,
                "team": state.team,
                "agent": state.agent,
                "category": state.category,
                "severity": state.severity,
                "kind": kind,
            }
        )

    def ticket(self, ticket: Ticket, ticket_id: Id) -> None:
        """One row per audit that changes what the metrics see (its changes taken
        together), and one per public reply by an agent."""
        case = str(ticket_id)
        audits = ticket.audits or self.audits_by_ticket.get(ticket_id, ())
        state = _State()
        for number, audit in enumerate(audits, start=1):
            before = state.status
            changed = replied = False
            for event in audit.events:
                if event.kind in CHANGES:
                    changed = self._apply(state, event.field, event.value) or changed
                elif event.kind == "Comment" and event.public:
                    replied = replied or self._by_agent(event.author, ticket)
            kind = None
            if state.status in RESOLVED and before not in RESOLVED:
                kind = Kind.RESOLVED.value
            elif before in RESOLVED and state.status not in RESOLVED:
                kind = Kind.REOPENED.value
            if changed or number == 1:
                self._row(case, audit, number, state, kind)
            if replied:
                self._row(case, audit, number, state, Kind.REPLY.value)


def _refuse_nul(frame: pl.DataFrame, path: Path) -> None:
    found = first_nul(frame, ["case", "audit", "ts", "activity", "team", "agent", "category", "severity"])
    if found is not None:
        column, row = found
        field = FIELDS.get(column, column)
        raise ImportFailed(
            f"{path}: ticket {row['case']!r}, audit {row['audit']!r}: {field} holds a NUL character (\\u0000), "
            "which a database cannot store as text"
        )


def read_zendesk(path: Path, options: ZendeskOptions | None = None) -> Imported:
    options = options or ZendeskOptions()
    export = _load(path, options.category_field)
    reader = _Reader(export, options)
    skips = Skips()
    no_id = [t.place for t in export.tickets if t.id is None]
    for ticket in export.tickets:
        if ticket.id is not None:
            reader.ticket(ticket, ticket.id)
    schema: dict[str, pl.DataType] = {
        k: pl.String() for k in ("case", "audit", "ts", "activity", "team", "agent", "category")
    }
    schema |= {"row": pl.Int64(), "severity": pl.String(), "kind": pl.String()}
    frame = pl.DataFrame(reader.rows, schema=schema)
    _refuse_nul(frame, path)
    if no_id:
        skips.add(
            pl.DataFrame({"row": no_id, "case": [None] * len(no_id)}, schema={"row": pl.Int64, "case": pl.String}),
            "id",
            "a ticket without an id (row = its place in the tickets list)",
        )
    read = frame.height
    try:
        frame = frame.with_columns(ts_raw=_c("ts"), ts=parse_times(frame, "ts", options.times, "created_at"))
    except ImportFailed as exc:
        raise ImportFailed(f"{path}: {exc} (rows count audits and replies in file order)") from None
    bad = _c("ts").is_null()
    skips.add(frame.filter(bad), "created_at", "an audit without a valid ISO 8601 time", "ts_raw")
    frame = frame.filter(~bad)
    if options.tier_rule is not None:
        frame = frame.with_columns(tier=options.tier_rule.expr("team"))
    lost = skips.frame().filter(_c("case").is_not_null())
    excluded = lost.group_by("case").agg(reason=pl.format("rows skipped on import ({})", _c("reason").first()))
    caps = {Capability.TEAMS, Capability.AGENTS, Capability.REPLIES, Capability.SEVERITY}
    if options.category_field:
        caps.add(Capability.CATEGORIES)
    if options.tier_rule is not None:
        caps.add(Capability.TIERS)
    log = EventLog(conform(frame), path.name, frozenset(caps), excluded=excluded.select("case", "reason"))
    report = ImportReport(path.name, read + len(no_id), frame.height, skips.reasons(), (), excluded.height)
    return Imported(log, report)
