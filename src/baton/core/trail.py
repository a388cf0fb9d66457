"""The tamper-evident trail: hash chains and the check that reads them.

Each ticket's events form a chain: an event's hash is SHA-256 over the canonical JSON
of what defines it (ticket, position, type, actor, time, payload, playbook version) and
the hash of the event before it in the same ticket; the first chains from
:data:`GENESIS`. The configuration audit log is one such chain for the whole table, and
so are the anchors: each records the head (position and hash) of every ticket whose
trail grew since the anchor before it, so that deleting a trail's last events, or a
whole trail, is seen too.

:func:`check_chain` reads any such chain back and names what does not verify, by
position: an **edited** row (its content no longer matches its hash, or its hash was
recomputed and the next row still names the old one), a **deleted** one (a position
the chain or an anchor says was there), an **inserted** one (a row the chain does not
hold), a **reordered** one (a row of the chain moved to another position).

A chain without a secret proves order and completeness against anyone who cannot also
recompute it: whoever can rewrite the database can rewrite a whole chain and its
anchors. Keep the latest anchor's digest (``ID:DIGEST``) outside the database to close
that gap.

Pure: standard library only."""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

__all__ = [
    "FORMAT",
    "GENESIS",
    "AnchorCheck",
    "AnchorEntry",
    "AnchorRecord",
    "ChainCheck",
    "Head",
    "Problem",
    "ProblemKind",
    "TrailCheck",
    "TrailRow",
    "anchor_digest",
    "canonical",
    "check_anchors",
    "check_chain",
    "check_trail",
    "digest",
    "event_digest",
    "plan_anchor",
    "utc_text",
]

GENESIS = "0" * 64
"""The hash the first row of every chain names as its predecessor."""

FORMAT = 1
"""The version of what is hashed, part of every digest: a new format hashes new rows only."""

_SEARCH = 8
"""How far from its position a row whose predecessor is gone is tried (a renumbered tail)."""


class ProblemKind(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"


@dataclass(frozen=True, order=True)
class Problem:
    position: int
    kind: ProblemKind
    detail: str = field(compare=False)


@dataclass(frozen=True)
class Head:
    """The last row of a chain as an anchor saw it."""

    position: int
    hash: str


class Link(Protocol):
    """A row of a chain: where it stands, what it names before it, its own hash."""

    @property
    def position(self) -> int: ...
    @property
    def prev_hash(self) -> str | None: ...
    @property
    def hash(self) -> str | None: ...


L = TypeVar("L", bound=Link)


def canonical(value: Any) -> bytes:
    """Canonical JSON: keys sorted, no spaces, ASCII. The value is first put through a
    JSON round trip, so it hashes as the database gives it back (tuples as lists, keys
    as strings)."""
    plain = json.loads(json.dumps(value))
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def utc_text(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: the trail hashes aware UTC times")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def digest(kind: str, fields: Mapping[str, Any], prev: str | None) -> str:
    return hashlib.sha256(canonical({"v": FORMAT, "kind": kind, **fields, "prev": prev})).hexdigest()


# -- ticket events -------------------------------------------------------------------


@dataclass(frozen=True)
class TrailRow:
    """A stored ticket event, as the check reads it."""

    position: int
    type: str
    actor: str
    at: datetime
    payload: Any
    playbook_version: str
    prev_hash: str | None
    hash: str | None
    row_id: int = 0


def event_digest(
    ticket_id: int,
    position: int,
    type: str,
    actor: str,
    at: datetime,
    payload: Any,
    playbook_version: str,
    prev: str | None,
) -> str:
    """The hash of one ticket event chained after ``prev``."""
    fields = {
        "ticket": ticket_id,
        "position": position,
        "type": type,
        "actor": actor,
        "at": utc_text(at),
        "payload": payload,
        "playbook_version": playbook_version,
    }
    return digest("ticket_event", fields, prev)


def row_digest(ticket_id: int, row: TrailRow, position: int) -> str:
    return event_digest(
        ticket_id, position, row.type, row.actor, row.at, row.payload, row.playbook_version, row.prev_hash
    )


@dataclass(frozen=True)
class ChainCheck:
    """What a chain's check found: the rows read and every problem, by position."""

    checked: int
    problems: tuple[Problem, ...]

    @property
    def verified(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class TrailCheck(ChainCheck):
    ticket_id: int = 0


def check_trail(ticket_id: int, rows: Sequence[TrailRow], head: Head | None, exists: bool = True) -> TrailCheck:
    """Check one ticket's trail against its hashes and the anchored ``head``. A ticket
    that ``exists`` without a single event lost its whole trail (every ticket has its
    opening event)."""
    problems = check_chain(rows, lambda row, position: row_digest(ticket_id, row, position), head)
    if exists and not rows and not any(p.kind is ProblemKind.DELETED for p in problems):
        problems.append(Problem(1, ProblemKind.DELETED, "the ticket has no events: its trail is gone"))
    return TrailCheck(len(rows), tuple(problems), ticket_id)


# -- the check -----------------------------------------------------------------------

_UNSET = -1
_GONE = 0
"""No place: the row verifies nowhere near where it stands and names no row of the chain."""


def check_chain(rows: Sequence[L], digest_at: Callable[[L, int], str], head: Head | None = None) -> list[Problem]:
    """Every problem in the chain ``rows``, by position. ``digest_at(row, position)``
    recomputes a row's hash as if it stood at ``position``; ``head`` is the last row an
    anchor saw (rows after it are accepted if they chain on)."""
    ordered = sorted(rows, key=lambda r: r.position)
    chain = _Chain(ordered, digest_at, head)
    return chain.problems()


class _Chain(Generic[L]):
    def __init__(self, rows: list[L], digest_at: Callable[[L, int], str], head: Head | None) -> None:
        self.rows, self.digest_at, self.head = rows, digest_at, head
        self.by_hash: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            if row.hash is not None:
                self.by_hash.setdefault(row.hash, []).append(i)
        self.named = {row.prev_hash for row in rows if row.prev_hash is not None}
        if head is not None:
            self.named.add(head.hash)
        self.origin = [_UNSET] * len(rows)
        self.found: list[Problem] = []

    # where each row stood when it was written: one more than the row its hash names
    def _fits(self, i: int, position: int) -> bool:
        return position >= 1 and self.digest_at(self.rows[i], position) == self.rows[i].hash

    def _fallback(self, i: int) -> int | None:
        """A row whose predecessor is gone: the position its hash verifies at, near its own."""
        position = self.rows[i].position
        for delta in range(_SEARCH + 1):
            for candidate in dict.fromkeys((position + delta, position - delta)):
                if self._fits(i, candidate):
                    return candidate
        return None

    def _predecessor(self, i: int) -> int | None:
        named = self.rows[i].prev_hash
        candidates = [k for k in self.by_hash.get(named or "", []) if k != i]
        return candidates[0] if candidates else None

    def _resolve(self, i: int) -> None:
        """Follow the hashes back from row ``i`` to a row already placed, the genesis or a
        gap, then place every row on the way: one after the row it names."""
        stack: list[int] = []
        on_stack: set[int] = set()
        j = i
        base: int | None
        while True:
            if self.origin[j] != _UNSET:
                base = None if self.origin[j] == _GONE else self.origin[j]
                break
            if j in on_stack:  # a cycle of forged hashes
                base = None
                break
            on_stack.add(j)
            stack.append(j)
            if self.rows[j].prev_hash == GENESIS:
                base = 0
                break
            before = self._predecessor(j)
            if before is None:
                base = None
                break
            j = before
        for k in reversed(stack):
            placed = self._fallback(k) if base is None else base + 1
            self.origin[k] = _GONE if placed is None else placed
            base = placed

    def problems(self) -> list[Problem]:
        rows = self.rows
        for i in range(len(rows)):
            if self.origin[i] == _UNSET:
                self._resolve(i)
        sound = [o != _GONE and self._fits(i, o) for i, o in enumerate(self.origin)]
        genuine, inserted = self._claims(sound)
        for i in inserted:
            self._report(i, ProblemKind.INSERTED, "not part of the chain: no later event or anchor names its hash")
        for i in genuine:
            if not sound[i]:
                self._report(i, ProblemKind.EDITED, "its content does not match its hash")
        taken = {origin: i for i, origin in genuine.items()}
        self._recomputed(genuine, taken)
        deleted = self._deleted(taken)
        self._reordered(genuine, sound, inserted, deleted)
        return sorted(set(self.found))

    def _claims(self, sound: list[bool]) -> tuple[dict[int, int], list[int]]:
        """Rows of the chain (with the position each was written at) and rows foreign to it."""
        by_origin: dict[int, list[int]] = {}
        genuine: dict[int, int] = {}
        inserted: list[int] = []
        for i, origin in enumerate(self.origin):
            named = self.rows[i].hash in self.named
            if origin == _GONE:
                if named:  # a row of the chain whose content and place are lost
                    genuine[i] = self.rows[i].position
                else:
                    inserted.append(i)
                continue
            by_origin.setdefault(origin, []).append(i)
        for origin, claimants in by_origin.items():
            best = max(claimants, key=lambda k: (self.rows[k].hash in self.named, sound[k], -k))
            genuine[best] = origin
            inserted += [k for k in claimants if k != best]
        return genuine, sorted(inserted)

    def _recomputed(self, genuine: dict[int, int], taken: dict[int, int]) -> None:
        """A row rewritten with a fresh hash: the next row (or the anchor) names another."""
        for i, origin in genuine.items():
            row = self.rows[i]
            if origin > 1 and row.prev_hash != GENESIS and self._predecessor(i) is None:
                before = taken.get(origin - 1)
                if before is not None and not any(p.position == self.rows[before].position for p in self.found):
                    self._report(before, ProblemKind.EDITED, "its hash was recomputed: the next event names another")
        head = self.head
        if head is not None and head.hash not in self.by_hash and head.position in taken:
            at = taken[head.position]
            if not any(p.position == self.rows[at].position for p in self.found):
                self._report(at, ProblemKind.EDITED, "its hash was recomputed: the anchor names another")

    def _deleted(self, taken: dict[int, int]) -> list[int]:
        """Positions the chain (or the anchor, up to its head) says were written and no row holds."""
        last = max(taken, default=0)
        top = max(last, self.head.position if self.head else 0)
        gone = [o for o in range(1, top + 1) if o not in taken]
        for o in gone:
            why = "the anchor saw the trail reach it" if o > last else "the rows around it name it"
            self.found.append(Problem(o, ProblemKind.DELETED, f"gone: {why}"))
        return gone

    def _reordered(self, genuine: dict[int, int], sound: list[bool], inserted: list[int], deleted: list[int]) -> None:
        """A row of the chain standing where the rows inserted and deleted before it do not put it."""
        inserted_at = sorted(self.rows[i].position for i in inserted)
        for i, origin in genuine.items():
            if not sound[i]:
                continue
            position = self.rows[i].position
            expected = origin - bisect.bisect_left(deleted, origin) + bisect.bisect_left(inserted_at, position)
            if position != expected and position != origin:
                self._report(i, ProblemKind.REORDERED, f"written at position {origin}, now at {position}")

    def _report(self, i: int, kind: ProblemKind, detail: str) -> None:
        self.found.append(Problem(self.rows[i].position, kind, detail))


# -- anchors -------------------------------------------------------------------------


@dataclass(frozen=True)
class AnchorEntry:
    ticket_id: int
    position: int
    hash: str


@dataclass(frozen=True)
class AnchorRecord:
    """An anchor: the heads of the trails that grew since the anchor before it, the
    audit log's head, and its own place in the anchors' chain (``position`` = its id)."""

    position: int
    at: datetime
    tickets: int
    events: int
    log_head: Head | None
    entries: tuple[AnchorEntry, ...]
    prev_hash: str | None
    hash: str | None


def anchor_digest(record: AnchorRecord, position: int | None = None) -> str:
    """The anchor's hash: its header and its entries (sorted by ticket), after the anchor before it."""
    entries = sorted(record.entries, key=lambda e: e.ticket_id)
    fields = {
        "position": record.position if position is None else position,
        "at": utc_text(record.at),
        "tickets": record.tickets,
        "events": record.events,
        "log_head": None if record.log_head is None else [record.log_head.position, record.log_head.hash],
        "entries": [[e.ticket_id, e.position, e.hash] for e in entries],
    }
    return digest("anchor", fields, record.prev_hash)


@dataclass(frozen=True)
class AnchorCheck(ChainCheck):
    """The anchors' own chain checked, and what the anchors say: each ticket's and the
    audit log's head at the latest anchor."""

    heads: Mapping[int, Head] = field(default_factory=dict)
    log_head: Head | None = None
    latest: AnchorRecord | None = None


def check_anchors(anchors: Sequence[AnchorRecord], expected: Head | None = None) -> AnchorCheck:
    """Check the anchors' chain (against ``expected``, a digest kept outside the
    database, if given) and gather the heads they record, the later entry winning."""
    problems = check_chain(anchors, anchor_digest, expected)
    heads: dict[int, Head] = {}
    log_head: Head | None = None
    for anchor in sorted(anchors, key=lambda a: a.position):
        for entry in anchor.entries:
            heads[entry.ticket_id] = Head(entry.position, entry.hash)
        log_head = anchor.log_head or log_head
    latest = max(anchors, key=lambda a: a.position, default=None)
    return AnchorCheck(len(anchors), tuple(problems), heads, log_head, latest)


@dataclass(frozen=True)
class AnchorPlan:
    """What the next anchor records: the heads that moved on, and the trails refused
    because they no longer hold the head the last anchor saw (left as anchored, so
    every check reports them)."""

    entries: tuple[AnchorEntry, ...]
    refused: tuple[int, ...]
    missing: tuple[int, ...]


def plan_anchor(
    anchored: Mapping[int, Head], current: Mapping[int, Head], still_there: Callable[[int, Head], bool]
) -> AnchorPlan:
    """The entries of an anchor taken over ``current`` heads after ``anchored`` ones. A
    trail is anchored anew only if it extends the one anchored (``still_there`` says
    the anchored head is still in it): an anchor never blesses a deletion or a rewrite."""
    entries, refused = [], []
    for ticket_id, head in sorted(current.items()):
        before = anchored.get(ticket_id)
        if before == head:
            continue
        if before is not None and (head.position < before.position or not still_there(ticket_id, before)):
            refused.append(ticket_id)
            continue
        entries.append(AnchorEntry(ticket_id, head.position, head.hash))
    missing = tuple(sorted(set(anchored) - set(current)))
    return AnchorPlan(tuple(entries), tuple(refused), missing)
