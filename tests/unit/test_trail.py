"""The trail's hash chain, pure: every kind of tampering named with its position."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from baton.core.trail import (
    GENESIS,
    AnchorEntry,
    AnchorRecord,
    Head,
    Problem,
    ProblemKind,
    TrailRow,
    anchor_digest,
    canonical,
    check_anchors,
    check_trail,
    event_digest,
    plan_anchor,
)

AT = datetime(2026, 11, 16, 9, tzinfo=UTC)
TICKET = 7


def written(n: int, ticket_id: int = TICKET) -> list[TrailRow]:
    """A trail of ``n`` events as the store writes it."""
    rows, prev = [], GENESIS
    for position in range(1, n + 1):
        values = {
            "type": "MessageAdded" if position > 1 else "TicketOpened",
            "actor": "amara",
            "at": AT + timedelta(minutes=position),
            "payload": {"number": position, "body": f"message {position}", "tags": ("a", "b")},
            "playbook_version": "2026.11-1",
        }
        made = event_digest(ticket_id, position, prev=prev, **values)  # type: ignore[arg-type]
        rows.append(TrailRow(position, prev_hash=prev, hash=made, row_id=position, **values))  # type: ignore[arg-type]
        prev = made
    return rows


def kinds(rows: list[TrailRow], head: Head | None = None) -> list[tuple[int, ProblemKind]]:
    return [(p.position, p.kind) for p in check_trail(TICKET, rows, head).problems]


def moved(row: TrailRow, position: int) -> TrailRow:
    return dataclasses.replace(row, position=position)


def test_an_untouched_trail_verifies():
    check = check_trail(TICKET, written(6), None)
    assert check.verified and check.checked == 6 and check.problems == ()


def test_hashes_cover_the_ticket_position_and_every_field():
    row = written(1)[0]
    base = {"type": row.type, "actor": row.actor, "at": row.at, "payload": row.payload,
            "playbook_version": row.playbook_version}  # fmt: skip
    same = event_digest(TICKET, 1, prev=GENESIS, **base)  # type: ignore[arg-type]
    assert same == row.hash
    changes = [
        {"type": "TicketResolved"},
        {"actor": "greta"},
        {"at": row.at + timedelta(microseconds=1)},
        {"payload": {**row.payload, "body": "other"}},
        {"playbook_version": "2026.12-1"},
    ]
    for change in changes:
        assert event_digest(TICKET, 1, prev=GENESIS, **(base | change)) != row.hash  # type: ignore[arg-type]
    assert event_digest(TICKET + 1, 1, prev=GENESIS, **base) != row.hash  # type: ignore[arg-type]
    assert event_digest(TICKET, 2, prev=GENESIS, **base) != row.hash  # type: ignore[arg-type]
    assert event_digest(TICKET, 1, prev="1" * 64, **base) != row.hash  # type: ignore[arg-type]


def test_the_canonical_form_is_the_one_the_database_gives_back():
    assert canonical({"b": 1, "a": (1, 2), 3: "x"}) == b'{"3":"x","a":[1,2],"b":1}'
    assert canonical({"s": "caf\u00e9"}) == b'{"s":"caf\\u00e9"}'


def test_an_edited_payload_actor_or_time_is_named_at_its_position():
    for change in ({"payload": {"body": "forged"}}, {"actor": "mallory"}, {"at": AT + timedelta(days=1)}):
        rows = written(5)
        rows[2] = dataclasses.replace(rows[2], **change)  # type: ignore[arg-type]
        assert kinds(rows) == [(3, ProblemKind.EDITED)]


def test_a_row_rewritten_with_a_fresh_hash_is_named_by_the_next_one():
    rows = written(5)
    f = dataclasses.replace(rows[2], actor="mallory")
    rehashed = event_digest(TICKET, 3, f.type, f.actor, f.at, f.payload, f.playbook_version, f.prev_hash)
    rows[2] = dataclasses.replace(f, hash=rehashed)
    assert kinds(rows) == [(3, ProblemKind.EDITED)]


def test_a_deleted_middle_event_is_named_whether_or_not_the_rest_was_renumbered():
    rows = written(6)
    assert kinds(rows[:2] + rows[3:]) == [(3, ProblemKind.DELETED)]
    renumbered = rows[:2] + [moved(r, r.position - 1) for r in rows[3:]]
    assert kinds(renumbered) == [(3, ProblemKind.DELETED)]


def test_the_last_events_deleted_are_seen_only_against_an_anchor():
    rows = written(6)
    head = Head(6, rows[-1].hash or "")
    assert kinds(rows[:4]) == []  # a chain alone cannot tell
    assert kinds(rows[:4], head) == [(5, ProblemKind.DELETED), (6, ProblemKind.DELETED)]
    assert kinds([], head) == [(p, ProblemKind.DELETED) for p in range(1, 7)]
    assert kinds(rows + written(8)[6:], head) == []  # events after the anchor chain on


def test_a_ticket_without_events_lost_its_trail():
    assert kinds([]) == [(1, ProblemKind.DELETED)]
    assert check_trail(TICKET, [], None, exists=False).verified


def test_a_forged_event_is_named_as_inserted():
    rows = written(5)
    naive = TrailRow(6, "TicketResolved", "mallory", AT, {}, "2026.11-1", "f" * 64, "e" * 64, 99)
    assert kinds([*rows, naive]) == [(6, ProblemKind.INSERTED)]
    # a forger who knows the hash: the event goes in at 3, the rest moves up one
    values = {"type": "MessageAdded", "actor": "mallory", "at": AT, "payload": {}, "playbook_version": "2026.11-1"}
    made = event_digest(TICKET, 3, prev=rows[1].hash, **values)  # type: ignore[arg-type]
    smart = TrailRow(3, prev_hash=rows[1].hash, hash=made, row_id=99, **values)  # type: ignore[arg-type]
    shifted = [*rows[:2], smart, *(moved(r, r.position + 1) for r in rows[2:])]
    assert kinds(shifted) == [(3, ProblemKind.INSERTED)]


def test_swapped_rows_are_named_as_reordered_at_both_positions():
    rows = written(6)
    adjacent = [rows[0], moved(rows[2], 2), moved(rows[1], 3), *rows[3:]]
    assert kinds(adjacent) == [(2, ProblemKind.REORDERED), (3, ProblemKind.REORDERED)]
    apart = [rows[0], moved(rows[4], 2), *rows[2:4], moved(rows[1], 5), rows[5]]
    found = check_trail(TICKET, apart, None).problems
    assert [(p.position, p.kind) for p in found] == [(2, ProblemKind.REORDERED), (5, ProblemKind.REORDERED)]
    assert found[0].detail == "written at position 5, now at 2"


def test_problems_compare_by_position_and_kind():
    assert Problem(1, ProblemKind.EDITED, "a") == Problem(1, ProblemKind.EDITED, "b")


def _anchors(*entries_per_anchor: tuple[AnchorEntry, ...]) -> list[AnchorRecord]:
    made, prev = [], GENESIS
    for number, entries in enumerate(entries_per_anchor, 1):
        record = AnchorRecord(number, AT, len(entries), 0, Head(number, "a" * 64), entries, prev, None)
        record = dataclasses.replace(record, hash=anchor_digest(record))
        made.append(record)
        prev = record.hash or ""
    return made


def test_the_anchors_chain_and_the_later_head_wins():
    anchors = _anchors((AnchorEntry(1, 3, "a" * 64), AnchorEntry(2, 1, "b" * 64)), (AnchorEntry(1, 5, "c" * 64),))
    check = check_anchors(anchors)
    assert check.verified and check.heads == {1: Head(5, "c" * 64), 2: Head(1, "b" * 64)}
    assert check.log_head == Head(2, "a" * 64)
    edited = [anchors[0], dataclasses.replace(anchors[1], entries=(AnchorEntry(1, 4, "c" * 64),))]
    assert [(p.position, p.kind) for p in check_anchors(edited).problems] == [(2, ProblemKind.EDITED)]
    assert [(p.position, p.kind) for p in check_anchors(anchors[:1], Head(2, anchors[1].hash or "")).problems] == [
        (2, ProblemKind.DELETED)
    ]


def test_an_anchor_never_blesses_a_trail_that_lost_its_anchored_head():
    anchored = {1: Head(3, "a" * 64), 2: Head(2, "b" * 64), 3: Head(1, "c" * 64)}
    current = {1: Head(5, "d" * 64), 2: Head(1, "e" * 64), 4: Head(1, "f" * 64)}
    plan = plan_anchor(anchored, current, lambda ticket_id, head: ticket_id == 1)
    assert plan.entries == (AnchorEntry(1, 5, "d" * 64), AnchorEntry(4, 1, "f" * 64))
    assert plan.refused == (2,) and plan.missing == (3,)
