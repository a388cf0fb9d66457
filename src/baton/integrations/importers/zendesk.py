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
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from baton.analytics.frame import Capability, EventLog, Kind, conform
from baton.integrations.importers.report import Imported, ImportFailed, ImportReport, Skips
from baton.integrations.importers.tiers import TierRule
from baton.integrations.importers.timeparse import TimeRules, parse_times

_c = pl.col
RESOLVED = {"solved", "closed"}
AGENT_ROLES = {"agent", "admin"}


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


def _load(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"{path}: not JSON ({exc})") from None
    if isinstance(data, list):
        return data, {}
    if not isinstance(data, dict) or not isinstance(data.get("tickets"), list):
        raise ImportFailed(f"{path}: expected a list of tickets or an object with a 'tickets' list")
    return data["tickets"], data


def _names(data: dict[str, Any], key: str) -> dict[Any, dict[str, Any]]:
    return {item.get("id"): item for item in data.get(key, []) if isinstance(item, dict)}


class _Reader:
    def __init__(self, data: dict[str, Any], options: ZendeskOptions) -> None:
        self.users = _names(data, "users")
        self.groups = _names(data, "groups")
        self.options = options
        self.rows: list[dict[str, Any]] = []
        self.audits_by_ticket: dict[Any, list[dict[str, Any]]] = {}
        for audit in data.get("audits", []):
            if isinstance(audit, dict):
                self.audits_by_ticket.setdefault(audit.get("ticket_id"), []).append(audit)

    def _group(self, value: Any) -> str | None:
        return None if value is None else str(self.groups.get(value, {}).get("name", value))

    def _user(self, value: Any) -> str | None:
        return None if value is None else str(self.users.get(value, {}).get("name", value))

    def _by_agent(self, author: Any, ticket: dict[str, Any]) -> bool:
        if self.users:
            return self.users.get(author, {}).get("role") in AGENT_ROLES
        return author is not None and author != ticket.get("requester_id")

    def _apply(self, state: _State, name: str, value: Any) -> bool:
        """Fold one field change into ``state``; True when it matters to the metrics."""
        if name == "group_id":
            state.team = self._group(value)
        elif name == "assignee_id":
            state.agent = self._user(value)
        elif name == "status":
            state.status = None if value is None else str(value).lower()
        elif name == "priority":
            state.severity = None if value is None else str(value)
        elif name == self.options.category_field:
            state.category = None if value is None else str(value)
        else:
            return False
        return True

    def _row(self, case: str, audit: dict[str, Any], number: int, state: _State, kind: str | None) -> None:
        self.rows.append(
            {
                "row": len(self.rows) + 1,
                "case": case,
                "audit": str(audit.get("id", number)),
                "ts": None if audit.get("created_at") is None else str(audit.get("created_at")),
                "activity": state.status,
                "team": state.team,
                "agent": state.agent,
                "category": state.category,
                "severity": state.severity,
                "kind": kind,
            }
        )

    def ticket(self, ticket: dict[str, Any]) -> None:
        """One row per audit that changes what the metrics see (its changes taken
        together), and one per public reply by an agent."""
        case = str(ticket["id"])
        audits = ticket.get("audits") or self.audits_by_ticket.get(ticket.get("id"), [])
        state = _State()
        for number, audit in enumerate(audits, start=1):
            before = state.status
            changed = replied = False
            for event in audit.get("events", []):
                kind_of = event.get("type")
                if kind_of in ("Create", "Change"):
                    changed = self._apply(state, str(event.get("field_name")), event.get("value")) or changed
                elif kind_of == "Comment" and event.get("public", True):
                    replied = replied or self._by_agent(event.get("author_id", audit.get("author_id")), ticket)
            kind = None
            if state.status in RESOLVED and before not in RESOLVED:
                kind = Kind.RESOLVED.value
            elif before in RESOLVED and state.status not in RESOLVED:
                kind = Kind.REOPENED.value
            if changed or number == 1:
                self._row(case, audit, number, state, kind)
            if replied:
                self._row(case, audit, number, state, Kind.REPLY.value)


def read_zendesk(path: Path, options: ZendeskOptions | None = None) -> Imported:
    options = options or ZendeskOptions()
    tickets, data = _load(path)
    reader = _Reader(data, options)
    skips = Skips()
    no_id = [i for i, t in enumerate(tickets, start=1) if not isinstance(t, dict) or t.get("id") is None]
    for ticket in tickets:
        if isinstance(ticket, dict) and ticket.get("id") is not None:
            reader.ticket(ticket)
    schema: dict[str, pl.DataType] = {
        k: pl.String() for k in ("case", "audit", "ts", "activity", "team", "agent", "category")
    }
    schema |= {"row": pl.Int64(), "severity": pl.String(), "kind": pl.String()}
    frame = pl.DataFrame(reader.rows, schema=schema)
    if no_id:
        skips.add(
            pl.DataFrame({"row": no_id, "case": [None] * len(no_id)}, schema={"row": pl.Int64, "case": pl.String}),
            "id",
            "a ticket without an id (row = its place in the tickets list)",
        )
    read = frame.height
    frame = frame.with_columns(ts_raw=_c("ts"), ts=parse_times(frame, "ts", options.times, "created_at"))
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
