"""The tamper-evident trail on SQLite and PostgreSQL: hashes written with the events,
anchors over every trail, the configuration audit log, and each kind of tampering
done to the stored rows with SQL, found with its kind and position."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Connection, delete, func, insert, select, update

from baton.core import commands as cmd
from baton.core.audit import ConfigAction
from baton.core.errors import NotFound
from baton.core.trail import GENESIS, ProblemKind, event_digest
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.trail import take_anchor, verify_all, verify_trail
from baton.store import outbox_tables as o
from baton.store import tables as t

EDITED, DELETED, INSERTED, REORDERED = (ProblemKind.EDITED, ProblemKind.DELETED, ProblemKind.INSERTED,
                                        ProblemKind.REORDERED)  # fmt: skip
e = t.ticket_events.c


def _new(subject: str = "Export stops", customer: str = "Cedar Lane Foods") -> NewTicket:
    return NewTicket(subject, "The nightly export stops at 02:00.", "low", "bug", "email",
                     customer=NewCustomer(customer, "business"), agent="amara")  # fmt: skip


def _worked(baton, subject: str = "Export stops", messages: int = 5) -> int:  # type: ignore[no-untyped-def]
    """A ticket whose trail has an opening and ``messages`` more events at least."""
    ticket = baton.tickets.open("amara", _new(subject)).ticket
    for n in range(messages):
        baton.clock.advance(timedelta(minutes=7))
        baton.tickets.execute("amara", ticket.id, cmd.AddMessage(f"update {n}", visibility="internal"))
    return int(ticket.id)


def _last(conn: Connection, ticket_id: int) -> int:
    return int(conn.execute(select(func.max(e.seq)).where(e.ticket_id == ticket_id)).scalar_one())


def _found(check) -> list[tuple[int, ProblemKind]]:  # type: ignore[no-untyped-def]
    return [(p.position, p.kind) for p in check.problems]


def test_events_are_chained_as_they_are_written_and_a_clean_database_verifies(baton):
    one, two = _worked(baton), _worked(baton, "Invoices wrong", 2)
    with baton.engine.connect() as conn:
        rows = conn.execute(select(t.ticket_events).where(e.ticket_id == one).order_by(e.seq)).all()
    assert rows[0].prev_hash == GENESIS
    for before, after in pairwise(rows):
        assert after.prev_hash == before.hash
    first = rows[0]
    assert first.hash == event_digest(one, 1, first.type, first.actor, first.occurred_at, first.payload,
                                      first.playbook_version, GENESIS)  # fmt: skip
    check = verify_trail(baton.reads, one)
    assert check.verified and check.checked == len(rows)
    report = verify_all(baton.reads)
    with baton.engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(t.ticket_events)).scalar_one()
    assert report.verified and (report.tickets, report.events) == (2, events)
    assert verify_trail(baton.reads, two).verified


def test_a_ticket_that_never_existed_is_not_found(baton):
    with pytest.raises(NotFound):
        verify_trail(baton.reads, 2**40)


# -- tampering, each case: what is done to ticket A's rows, what must be found -------------


def edit_payload(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    conn.execute(update(t.ticket_events).where(e.ticket_id == ticket, e.seq == 3).values(payload={"body": "forged"}))
    return [(3, EDITED)]


def edit_actor(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    conn.execute(update(t.ticket_events).where(e.ticket_id == ticket, e.seq == 2).values(actor="mallory"))
    return [(2, EDITED)]


def edit_time(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    at = conn.execute(select(e.occurred_at).where(e.ticket_id == ticket, e.seq == 4)).scalar_one()
    conn.execute(
        update(t.ticket_events).where(e.ticket_id == ticket, e.seq == 4).values(occurred_at=at - timedelta(hours=3))
    )
    return [(4, EDITED)]


def edit_and_rehash(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    """A forger who knows the hash: the event verifies alone, the next one names the old hash."""
    row = conn.execute(select(t.ticket_events).where(e.ticket_id == ticket, e.seq == 3)).one()
    made = event_digest(ticket, 3, row.type, "mallory", row.occurred_at, row.payload, row.playbook_version,
                        row.prev_hash)  # fmt: skip
    conn.execute(update(t.ticket_events).where(e.id == row.id).values(actor="mallory", hash=made))
    return [(3, EDITED)]


def delete_middle(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    conn.execute(delete(t.ticket_events).where(e.ticket_id == ticket, e.seq == 3))
    return [(3, DELETED)]


def delete_middle_and_renumber(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    conn.execute(delete(t.ticket_events).where(e.ticket_id == ticket, e.seq == 3))
    _shift(conn, ticket, 4, -1)
    return [(3, DELETED)]


def delete_last(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    last = _last(conn, ticket)
    conn.execute(delete(t.ticket_events).where(e.ticket_id == ticket, e.seq == last))
    return [(last, DELETED)]


def delete_last_two(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    last = _last(conn, ticket)
    conn.execute(delete(t.ticket_events).where(e.ticket_id == ticket, e.seq >= last - 1))
    return [(last - 1, DELETED), (last, DELETED)]


def insert_forged_last(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    row = conn.execute(select(t.ticket_events).where(e.ticket_id == ticket, e.seq == 1)).one()
    position = _last(conn, ticket) + 1
    conn.execute(
        insert(t.ticket_events).values(
            ticket_id=ticket, seq=position, type="TicketResolved", payload={"resolution": "done"}, actor="mallory",
            occurred_at=row.occurred_at, playbook_version=row.playbook_version, prev_hash="f" * 64, hash="e" * 64,
        )
    )  # fmt: skip
    return [(position, INSERTED)]


def insert_forged_middle(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    """A forger who knows the hash: the event goes in at 3 chained to 2, the rest moves up one."""
    before = conn.execute(select(t.ticket_events).where(e.ticket_id == ticket, e.seq == 2)).one()
    _shift(conn, ticket, 3, +1)
    values = {"type": "MessageAdded", "actor": "mallory", "occurred_at": before.occurred_at,
              "payload": dict(before.payload), "playbook_version": before.playbook_version}  # fmt: skip
    made = event_digest(ticket, 3, values["type"], "mallory", before.occurred_at, values["payload"],
                        before.playbook_version, before.hash)  # fmt: skip
    conn.execute(insert(t.ticket_events).values(ticket_id=ticket, seq=3, prev_hash=before.hash, hash=made, **values))
    return [(3, INSERTED)]


def swap(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    ids = dict(conn.execute(select(e.seq, e.id).where(e.ticket_id == ticket, e.seq.in_([2, 4]))).all())
    conn.execute(update(t.ticket_events).where(e.id == ids[2]).values(seq=-2))
    conn.execute(update(t.ticket_events).where(e.id == ids[4]).values(seq=2))
    conn.execute(update(t.ticket_events).where(e.id == ids[2]).values(seq=4))
    return [(2, REORDERED), (4, REORDERED)]


def delete_trail(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    last = _last(conn, ticket)
    conn.execute(delete(t.ticket_events).where(e.ticket_id == ticket))
    return [(p, DELETED) for p in range(1, last + 1)]


def delete_ticket(conn: Connection, ticket: int) -> list[tuple[int, ProblemKind]]:
    """The ticket and everything pointing at it, gone."""
    last = _last(conn, ticket)
    outbox = select(o.outbox.c.id).where(o.outbox.c.ticket_id == ticket)
    conn.execute(delete(o.outbox_attempts).where(o.outbox_attempts.c.outbox_id.in_(outbox)))
    for table in reversed(t.metadata.sorted_tables):
        if "ticket_id" in table.c and table is not t.audit_anchor_heads:
            conn.execute(delete(table).where(table.c.ticket_id == ticket))
    conn.execute(delete(t.tickets).where(t.tickets.c.id == ticket))
    return [(p, DELETED) for p in range(1, last + 1)]


def _shift(conn: Connection, ticket: int, start: int, by: int) -> None:
    """Renumber the events from ``start`` on (through negatives: the positions are unique)."""
    conn.execute(update(t.ticket_events).where(e.ticket_id == ticket, e.seq >= start).values(seq=-e.seq))
    conn.execute(update(t.ticket_events).where(e.ticket_id == ticket, e.seq < 0).values(seq=-e.seq + by))


Tamper = Callable[[Connection, int], list[tuple[int, ProblemKind]]]
CASES: dict[str, tuple[Tamper, bool]] = {
    # name: (tampering, whether it needs an anchor to be seen)
    "edit payload": (edit_payload, False),
    "edit actor": (edit_actor, False),
    "edit time": (edit_time, False),
    "edit and recompute the hash": (edit_and_rehash, False),
    "delete a middle event": (delete_middle, False),
    "delete a middle event and renumber": (delete_middle_and_renumber, False),
    "delete the last event": (delete_last, True),
    "delete the last two events": (delete_last_two, True),
    "insert a forged event at the end": (insert_forged_last, False),
    "insert a forged event in the middle": (insert_forged_middle, False),
    "swap two events": (swap, False),
    "delete a whole trail": (delete_trail, True),
    "delete a whole ticket": (delete_ticket, True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_is_found_with_its_kind_and_position(baton, case):
    tamper, needs_anchor = CASES[case]
    victim, bystander = _worked(baton), _worked(baton, "Invoices wrong", 3)
    taken = take_anchor(baton.units, baton.clock.now())
    assert taken.anchor is not None and len(taken.anchor.entries) == 2
    with baton.engine.begin() as conn:
        expected = tamper(conn, victim)
    report = verify_all(baton.reads)
    assert not report.verified
    assert [(c.ticket_id, _found(c)) for c in report.failing] == [(victim, expected)]
    assert _found(verify_trail(baton.reads, victim)) == expected
    assert verify_trail(baton.reads, bystander).verified
    if needs_anchor:  # without the anchor the chain alone could not tell (but for a ticket left with no event)
        with baton.engine.begin() as conn:
            conn.execute(delete(t.audit_anchor_heads))
            conn.execute(delete(t.audit_anchors))
        unanchored = [(c.ticket_id, _found(c)) for c in verify_all(baton.reads).failing]
        assert unanchored == ([(victim, [(1, DELETED)])] if case == "delete a whole trail" else [])


def test_events_appended_after_an_anchor_chain_on_and_verify(baton):
    ticket = _worked(baton, messages=2)
    take_anchor(baton.units, baton.clock.now())
    baton.tickets.execute("amara", ticket, cmd.AddMessage("after the anchor", visibility="internal"))
    assert verify_all(baton.reads).verified
    again = take_anchor(baton.units, baton.clock.now() + timedelta(minutes=5))
    assert again.anchor is not None and again.anchor.position == 2 and len(again.anchor.entries) == 1
    assert take_anchor(baton.units, baton.clock.now() + timedelta(minutes=6)).anchor is None  # nothing moved on
    assert verify_all(baton.reads).verified


def test_an_anchor_never_blesses_a_deletion(baton):
    ticket = _worked(baton)
    take_anchor(baton.units, baton.clock.now())
    with baton.engine.begin() as conn:
        expected = delete_last(conn, ticket)
    later = take_anchor(baton.units, baton.clock.now() + timedelta(minutes=1))
    assert later.refused == (ticket,)
    assert [_found(c) for c in verify_all(baton.reads).failing] == [expected]


def test_anchors_are_taken_no_more_often_than_asked(baton):
    _worked(baton, messages=1)
    first = take_anchor(baton.units, baton.clock.now(), min_gap=timedelta(hours=1))
    _worked(baton, "Invoices wrong", 1)
    soon = take_anchor(baton.units, baton.clock.now() + timedelta(minutes=30), min_gap=timedelta(hours=1))
    late = take_anchor(baton.units, baton.clock.now() + timedelta(minutes=61), min_gap=timedelta(hours=1))
    assert first.anchor is not None and soon.anchor is None and late.anchor is not None
    assert late.token == f"2:{late.anchor.hash}"


def test_a_tampered_anchor_or_one_deleted_is_found(baton):
    _worked(baton, messages=1)
    first = take_anchor(baton.units, baton.clock.now())
    _worked(baton, "Invoices wrong", 1)
    second = take_anchor(baton.units, baton.clock.now() + timedelta(minutes=1))
    assert first.anchor and second.anchor
    heads = t.audit_anchor_heads
    with baton.engine.begin() as conn:
        was = conn.execute(select(heads.c.seq).where(heads.c.anchor_id == 1)).scalar_one()
        conn.execute(update(heads).where(heads.c.anchor_id == 1).values(seq=99))
    assert _found(verify_all(baton.reads).anchors) == [(1, EDITED)]
    with baton.engine.begin() as conn:
        conn.execute(update(heads).where(heads.c.anchor_id == 1).values(seq=was))
        conn.execute(delete(heads).where(heads.c.anchor_id == 2))
        conn.execute(delete(t.audit_anchors).where(t.audit_anchors.c.id == 2))
    assert verify_all(baton.reads).verified  # the last anchor gone: only a copy kept outside can tell
    kept = verify_all(baton.reads, expected=second.anchor and _head(second.anchor))
    assert _found(kept.anchors) == [(2, DELETED)]


def _head(anchor):  # type: ignore[no-untyped-def]
    from baton.core.trail import Head

    return Head(anchor.position, anchor.hash)


# -- the configuration audit log ---------------------------------------------------------


def _log(baton, n: int = 4) -> None:  # type: ignore[no-untyped-def]
    with baton.units() as uow:
        for number in range(1, n + 1):
            uow.audit_log.record(baton.clock.now() + timedelta(minutes=number), "greta", ConfigAction.TOKEN_CREATED,
                                 f"token:{number}", {"label": f"ci {number}", "scope": "agent"})  # fmt: skip


def test_the_audit_log_is_one_chain_in_order(baton):
    _log(baton)
    with baton.units() as uow:
        entry = uow.audit_log.record(baton.clock.now(), "greta", ConfigAction.CUSTOMER_TIER_CHANGED, "customer:1",
                                     {"from": "business", "to": "enterprise"})  # fmt: skip
        recent = uow.audit_log.recent(10, ConfigAction.TOKEN_CREATED)
    assert entry.position == 5 and [r.position for r in recent] == [4, 3, 2, 1]
    report = verify_all(baton.reads)
    assert report.verified and report.log.checked == 5


def test_a_rolled_back_entry_leaves_no_gap(baton):
    with pytest.raises(RuntimeError), baton.units() as uow:
        uow.audit_log.record(baton.clock.now(), "greta", ConfigAction.BACKTEST_RUN, "playbook:x", {})
        raise RuntimeError("the change failed")
    _log(baton, 1)
    with baton.reads() as uow:
        assert [x.position for x in uow.audit_log.entries()] == [1]


def test_details_that_are_not_json_are_refused_before_anything_is_written(baton):
    with pytest.raises(TypeError), baton.units() as uow:
        uow.audit_log.record(baton.clock.now(), "greta", ConfigAction.BACKTEST_RUN, "playbook:x", {"at": object()})


@pytest.mark.parametrize("case", ["edit", "delete middle", "delete last", "delete all"])
def test_tampering_with_the_audit_log_is_found(baton, case):
    _log(baton)
    take_anchor(baton.units, baton.clock.now())
    log = t.audit_log
    with baton.engine.begin() as conn:
        if case == "edit":
            conn.execute(update(log).where(log.c.id == 2).values(details={"label": "other"}))
            expected = [(2, EDITED)]
        elif case == "delete middle":
            conn.execute(delete(log).where(log.c.id == 3))
            expected = [(3, DELETED)]
        elif case == "delete last":
            conn.execute(delete(log).where(log.c.id == 4))
            expected = [(4, DELETED)]
        else:
            conn.execute(delete(log))
            expected = [(p, DELETED) for p in range(1, 5)]
    report = verify_all(baton.reads)
    assert not report.verified and _found(report.log) == expected


def test_writers_of_the_audit_log_and_anchorers_take_turns_on_postgresql(postgres_baton):
    """Eight threads record at once, four anchor at once: one chain each, no fork, no gap."""
    baton = postgres_baton
    _worked(baton, messages=1)
    start = threading.Barrier(12)
    taken = []

    def record(n: int) -> None:
        start.wait()
        for k in range(5):
            with baton.units() as uow:
                uow.audit_log.record(baton.clock.now(), "greta", ConfigAction.BACKTEST_RUN, f"run:{n}.{k}", {"n": n})

    def anchor(n: int) -> None:
        start.wait()
        taken.append(take_anchor(baton.units, baton.clock.now() + timedelta(seconds=n)))

    threads = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=anchor, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_all(baton.reads)
    with baton.reads() as uow:
        positions = [x.position for x in uow.audit_log.entries()]
    assert positions == list(range(1, 41))
    assert report.verified and report.log.checked == 40
    made = sorted(a.anchor.position for a in taken if a.anchor is not None)
    assert made == list(range(1, len(made) + 1)) and report.anchors.checked == len(made) >= 1
