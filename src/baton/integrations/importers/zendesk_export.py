"""A Zendesk export checked against the shape :mod:`~baton.integrations.importers.zendesk`
reads, and turned into typed records.

Anything else is refused with :class:`ImportFailed` naming the record (``ticket #2
(id 7), audit #3, event #1``: places count from 1) and the field, and saying what
was found and what was expected. A key left out means "not given"; a key present
with the wrong kind of value (``null`` where a list is expected, an object where an
id is expected) is an error, never guessed at. Values the metrics never read (the
``value`` of a change to a field they ignore, the body of a comment, any other key)
are not checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from baton.integrations.importers.report import ImportFailed

Id = int | str
"""Zendesk ids are numbers; a text id is taken as it is."""
Scalar = str | int | float | bool
ID_FIELDS = frozenset({"group_id", "assignee_id"})
"""Fields whose value is looked up among the sideloaded groups or users."""
TEXT_FIELDS = frozenset({"status", "priority"})
"""Fields whose value is read as a name, like the category field."""
CHANGES = ("Create", "Change")


@dataclass(frozen=True)
class User:
    name: str | None
    role: str | None


@dataclass(frozen=True)
class Event:
    kind: str | None
    field: str | None
    """The changed field, for a ``Create`` or ``Change`` event."""
    value: Scalar | None
    """The new value of a field the metrics read; None otherwise."""
    public: bool
    author: Id | None
    """The comment's author: its own ``author_id``, or else the audit's."""


@dataclass(frozen=True)
class Audit:
    id: str | None
    created_at: str | None
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Ticket:
    place: int
    """Its place in the tickets list, from 1."""
    id: Id | None
    requester: Id | None
    audits: tuple[Audit, ...] | None
    """None when the ticket carries no ``audits`` key (they may come from the top-level list)."""


@dataclass(frozen=True)
class Export:
    tickets: tuple[Ticket, ...]
    users: dict[Id, User]
    groups: dict[Id, str | None]
    audits: dict[Id, tuple[Audit, ...]]
    """Top-level audits by their ``ticket_id``."""


def shown(value: Any) -> str:
    """A JSON value as a message shows it: its kind, or a short rendering of a scalar."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=True)
        return "the text " + (text if len(text) <= 40 else text[:36] + '..."')
    text = repr(value)
    return "the number " + (text if len(text) <= 40 else text[:37] + "...")


def _refuse(where: str, record: Mapping[str, Any], key: str, expected: str) -> ImportFailed:
    if key not in record:
        return ImportFailed(f"{where} has no {key!r}; expected {expected}")
    return ImportFailed(f"{where}: {key!r} is {shown(record[key])}; expected {expected}")


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ImportFailed(f"{where} is {shown(value)}; expected an object")
    return value


def _list(record: Mapping[str, Any], key: str, where: str, expected: str) -> list[Any] | None:
    """``record[key]`` as a list; None when the key is left out."""
    value = record.get(key)
    if key in record and not isinstance(value, list):
        raise _refuse(where, record, key, f"{expected} (or leave the key out)")
    return value


def _as_id(value: Any) -> Id | None:
    """``value`` when it is an id, else None."""
    if isinstance(value, bool):
        return None
    return value if isinstance(value, str | int) else None


def _id(record: Mapping[str, Any], key: str, where: str) -> Id | None:
    """An optional id: left out or null is None."""
    value = record.get(key)
    found = _as_id(value)
    if found is None and value is not None:
        raise _refuse(where, record, key, "an id (a whole number or a text) or null")
    return found


def _required_id(record: Mapping[str, Any], key: str, where: str) -> Id:
    found = _as_id(record.get(key))
    if found is None:
        raise _refuse(where, record, key, "an id (a whole number or a text)")
    return found


def _text(record: Mapping[str, Any], key: str, where: str, expected: str = "a text or null") -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _refuse(where, record, key, expected)


def _scalar(record: Mapping[str, Any], key: str, where: str) -> Scalar | None:
    value = record.get(key)
    if value is None or isinstance(value, str | int | float):
        return value
    raise _refuse(where, record, key, "a text, a number or null")


def _event(value: Any, where: str, audit_author: Id | None, fields: frozenset[str]) -> Event:
    record = _object(value, where)
    kind = _text(record, "type", where, "a text such as 'Change' or 'Comment'")
    field: str | None = None
    new: Scalar | None = None
    public = True
    author = audit_author
    if kind in CHANGES:
        field = record.get("field_name")
        if not isinstance(field, str):
            raise _refuse(where, record, "field_name", f"the name of the field a {kind} event sets (a text)")
        if field in ID_FIELDS:
            new = _id(record, "value", where)
        elif field in fields:
            new = _scalar(record, "value", where)
    elif kind == "Comment":
        flag = record.get("public", True)
        if not isinstance(flag, bool):
            raise _refuse(where, record, "public", "true or false (or leave the key out)")
        public = flag
        if "author_id" in record:
            author = _id(record, "author_id", where)
    return Event(kind, field, new, public, author)


def _audit(value: Any, where: str, fields: frozenset[str]) -> Audit:
    record = _object(value, where)
    audit_id = _id(record, "id", where)
    created = _text(record, "created_at", where, "an ISO 8601 time as a text, or null")
    author = _id(record, "author_id", where)
    events = _list(record, "events", where, "a list of events") or []
    return Audit(
        None if audit_id is None else str(audit_id),
        created,
        tuple(_event(e, f"{where}, event #{n}", author, fields) for n, e in enumerate(events, start=1)),
    )


def _audits(items: list[Any], where: str, fields: frozenset[str]) -> tuple[Audit, ...]:
    return tuple(_audit(a, f"{where}audit #{n}", fields) for n, a in enumerate(items, start=1))


def _ticket(value: Any, place: int, fields: frozenset[str]) -> Ticket:
    where = f"ticket #{place}"
    record = _object(value, where)
    ticket_id = _id(record, "id", where)
    if ticket_id is not None:
        where += f" (id {ticket_id})"
    requester = _id(record, "requester_id", where)
    items = _list(record, "audits", where, "a list of audits")
    audits = None if items is None else _audits(items, f"{where}, ", fields)
    return Ticket(place, ticket_id, requester, audits)


def _users(data: Mapping[str, Any]) -> dict[Id, User]:
    out: dict[Id, User] = {}
    for n, item in enumerate(_list(data, "users", "the export", "a list of users") or [], start=1):
        where = f"user #{n}"
        record = _object(item, where)
        out[_required_id(record, "id", where)] = User(_text(record, "name", where), _text(record, "role", where))
    return out


def _groups(data: Mapping[str, Any]) -> dict[Id, str | None]:
    out: dict[Id, str | None] = {}
    for n, item in enumerate(_list(data, "groups", "the export", "a list of groups") or [], start=1):
        where = f"group #{n}"
        record = _object(item, where)
        out[_required_id(record, "id", where)] = _text(record, "name", where)
    return out


def _top_audits(data: Mapping[str, Any], fields: frozenset[str]) -> dict[Id, tuple[Audit, ...]]:
    grouped: dict[Id, list[Audit]] = {}
    for n, item in enumerate(_list(data, "audits", "the export", "a list of audits") or [], start=1):
        where = f"audit #{n} of the top-level audits"
        ticket_id = _required_id(_object(item, where), "ticket_id", where)
        grouped.setdefault(ticket_id, []).append(_audit(item, where, fields))
    return {k: tuple(v) for k, v in grouped.items()}


def parse_export(data: Any, category_field: str | None) -> Export:
    """The export's tickets, users, groups and top-level audits; raises
    :class:`ImportFailed` (without the file name) on any other shape."""
    fields = TEXT_FIELDS | ({category_field} if category_field else set())
    top: Mapping[str, Any]
    if isinstance(data, list):
        tickets, top = data, {}
    elif isinstance(data, dict):
        if "tickets" not in data:
            raise ImportFailed("expected a list of tickets or an object with a 'tickets' list; the object has none")
        tickets = _list(data, "tickets", "the export", "a list of tickets") or []
        top = data
    else:
        raise ImportFailed(
            f"the export is {shown(data)}; expected a list of tickets or an object with a 'tickets' list"
        )
    return Export(
        tuple(_ticket(t, n, fields) for n, t in enumerate(tickets, start=1)),
        _users(top),
        _groups(top),
        _top_audits(top, fields),
    )
