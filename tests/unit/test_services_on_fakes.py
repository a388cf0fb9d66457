"""The ticket service and the outbox dispatcher on the in-memory unit of work: load,
handle, save in one transaction; at-least-once delivery, retries and dead rows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.errors import InvalidCommand
from baton.core.notices import NoticeKind
from baton.services.clock import FixedClock
from baton.services.outbox import (
    Dispatcher,
    InAppNotifications,
    in_app_dispatcher,
    mark_notification,
    notifications_for,
    outbox_status,
    retry_delay,
)
from baton.services.tickets import NewCustomer, NewTicket, TicketService
from tests.fakes import FakeUnitOfWork

from .ticketing import PLAYBOOK, T0, assist, handoff


@pytest.fixture
def units() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def service(units, clock) -> TicketService:
    return TicketService(units, PLAYBOOK, clock)


def new_ticket(**changes: object) -> NewTicket:
    values: dict[str, object] = {
        "subject": "Scheduled export fails",
        "body": "Every export since Monday ends in a 500.",
        "severity": "medium",
        "category": "data-export",
        "channel": "email",
        "customer": NewCustomer("Cedar Lane Foods", "business"),
        "agent": "amara",
    }
    values.update(changes)
    return NewTicket(**values)  # type: ignore[arg-type]


def test_opening_saves_the_ticket_its_trail_and_its_timer_in_one_transaction(service, units):
    outcome = service.open("amara", new_ticket())
    ticket = outcome.ticket
    assert units.commits == 1
    assert units.tickets.get(ticket.id) == ticket
    assert [r.seq for r in units.tickets.events(ticket.id)] == list(range(1, ticket.version + 1))
    assert units.timers.due[ticket.id] == outcome.decision.next_due


def test_a_refused_command_writes_nothing(service, units):
    ticket = service.open("amara", new_ticket()).ticket
    before = (dict(units.tickets.rows), list(units.tickets.trail), dict(units.outbox.rows), dict(units.timers.due))
    with pytest.raises(InvalidCommand):
        service.execute("amara", ticket.id, handoff("product-specialist", note={}))
    assert (units.tickets.rows, units.tickets.trail, units.outbox.rows, units.timers.due) == before


def test_a_handoff_tells_the_receiving_roles_members_through_the_outbox(service, units, clock):
    ticket = service.open("amara", new_ticket()).ticket
    service.execute("amara", ticket.id, handoff("product-specialist"))
    arrived = [r for r in units.outbox.rows.values() if r.kind == NoticeKind.HANDOFF_RECEIVED]
    members = PLAYBOOK.roles["product-specialist"].members
    assert sorted(r.recipient for r in arrived) == sorted(members)
    assert all(r.status == "pending" for r in arrived)
    sent = in_app_dispatcher(units, clock).dispatch()
    assert sent.delivered == len(units.outbox.rows) - _customer_rows(units)
    for member in members:
        [notice] = notifications_for(units, member)
        assert (notice.kind, notice.ticket_id) == ("handoff_received", ticket.id)
        assert notice.text.startswith("Handed off to product-specialist by amara")
    assert notifications_for(units, "amara") == []  # nobody hears of what they did themselves


def _customer_rows(units: FakeUnitOfWork) -> int:
    return sum(1 for r in units.outbox.rows.values() if r.consumer == "customer")


def test_the_sender_hears_of_a_bounce_and_the_accountable_agent_of_a_resolution(service, units, clock):
    ticket = service.open("amara", new_ticket()).ticket
    escalated = service.execute("amara", ticket.id, handoff("product-specialist")).ticket
    receiver = escalated.ownership.responsible_agent
    service.execute(receiver, ticket.id, cmd.Bounce(1, ("error_messages",), "which error?"))
    service.execute("amara", ticket.id, handoff("product-specialist"))
    service.execute(receiver, ticket.id, cmd.AddMessage("Found it: the export bucket's key expired.", "internal"))
    in_app_dispatcher(units, clock).dispatch()
    assert [n.kind for n in notifications_for(units, "amara")] == ["specialist_note", "handoff_bounced"]
    service.execute(receiver, ticket.id, cmd.Resolve("Rotated the bucket key; exports run again."))
    in_app_dispatcher(units, clock).dispatch()
    # once resolved, what asked for action is left out; the resolution stays
    assert [n.kind for n in notifications_for(units, "amara")] == ["resolved"]


def test_a_consumer_that_honours_the_key_sees_a_message_redelivered_once(units, clock):
    service = TicketService(units, PLAYBOOK, clock)
    ticket = service.open("amara", new_ticket()).ticket
    service.execute("amara", ticket.id, assist("billing-specialist"))
    [row] = [r for r in units.outbox.rows.values() if r.kind == NoticeKind.ASSIST_REQUESTED]
    inbox = InAppNotifications()
    inbox.deliver_in(units, row)
    inbox.deliver_in(units, row)  # delivered again under the same key
    assert len(units.notifications.rows) == 1


class Flaky:
    """Fails its first ``failures`` deliveries, then takes them."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.taken: list[str] = []

    def deliver(self, row) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("mail server unreachable")
        self.taken.append(row.key)


class Poison:
    def deliver(self, row) -> None:
        raise ValueError(f"cannot render {row.kind}")


def test_a_failed_delivery_is_retried_with_backoff_and_never_undoes_the_command(service, units, clock):
    ticket = service.open("amara", new_ticket()).ticket
    service.execute("amara", ticket.id, assist("billing-specialist"))
    flaky = Flaky(failures=2)
    dispatcher = Dispatcher(units, clock, {"notification": flaky})
    first = dispatcher.dispatch()
    assert first.failed == first.claimed > 0 and flaky.taken == []
    assert units.tickets.get(ticket.id).escalations  # the assist stands
    assert dispatcher.dispatch().claimed == 0  # not due again yet
    clock.advance(retry_delay(1))
    dispatcher.dispatch()
    clock.advance(retry_delay(2))
    dispatcher.dispatch()
    rows = [r for r in units.outbox.rows.values() if r.consumer == "notification"]
    assert {r.status for r in rows} == {"delivered"}
    assert sorted(flaky.taken) == sorted(r.key for r in rows)
    tries = [a for a in units.outbox.attempts if a[0] == rows[0].id]
    assert [(attempt, ok) for _, attempt, ok, _ in tries][-1] == (tries[-1][1], True)
    assert tries[0][3] == "ConnectionError: mail server unreachable"


def test_a_poison_row_goes_dead_after_its_attempts_and_blocks_nothing(service, units, clock):
    ticket = service.open("amara", new_ticket()).ticket
    service.execute("amara", ticket.id, cmd.AddMessage("We are looking into it."))  # a reply to send
    consumers = {"notification": InAppNotifications(), "customer": Poison()}
    dispatcher = Dispatcher(units, clock, consumers, max_attempts=3)
    for attempt in range(1, 4):
        dispatcher.dispatch()
        clock.advance(retry_delay(attempt))
    service.execute("amara", ticket.id, assist("billing-specialist"))  # an assist while the reply is retried
    for attempt in range(1, 3):
        dispatcher.dispatch()
        clock.advance(retry_delay(attempt))
    by_consumer = {(r.consumer, r.status) for r in units.outbox.rows.values()}
    assert by_consumer == {("notification", "delivered"), ("customer", "dead")}
    [dead] = [r for r in units.outbox.rows.values() if r.status == "dead"]
    assert dead.attempts == 3 and dead.last_error == "ValueError: cannot render public_reply"
    assert dispatcher.dispatch().claimed == 0
    status = outbox_status(units)  # what `baton outbox` shows
    assert status.counts[("customer", "dead")] == 1 and status.dead == [dead]


def test_retries_back_off_from_15_seconds_doubling_to_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [15, 30, 60, 120]
    assert retry_delay(30) == timedelta(hours=1)


def test_notifications_asking_for_action_on_a_resolved_ticket_are_left_out(service, units, clock):
    ticket = service.open("amara", new_ticket()).ticket
    escalated = service.execute("amara", ticket.id, handoff("product-specialist")).ticket
    receiver = escalated.ownership.responsible_agent
    colleague = next(m for m in PLAYBOOK.roles["product-specialist"].members if m != receiver)
    in_app_dispatcher(units, clock).dispatch()
    assert [n.kind for n in notifications_for(units, colleague)] == ["handoff_received"]
    service.execute(receiver, ticket.id, cmd.Resolve("Rotated the key."))
    in_app_dispatcher(units, clock).dispatch()
    assert notifications_for(units, colleague) == []
    assert [n.kind for n in notifications_for(units, "amara")] == ["resolved"]


def test_read_and_dismissed_are_kept_per_agent(service, units, clock):
    ticket = service.open("amara", new_ticket()).ticket
    service.execute("amara", ticket.id, handoff("product-specialist"))
    in_app_dispatcher(units, clock).dispatch()
    first, second = PLAYBOOK.roles["product-specialist"].members[:2]
    [mine] = notifications_for(units, first)
    mark_notification(units, first, mine.id, "read", clock.now())
    assert notifications_for(units, first, unread=True) == []
    assert notifications_for(units, second, unread=True) != []
    mark_notification(units, first, mine.id, "dismissed", clock.now())
    assert notifications_for(units, first) == []


def test_the_timer_sweep_runs_the_same_pipeline_on_the_fake(service, units, clock):
    ticket = service.open("amara", new_ticket()).ticket
    clock.advance(timedelta(days=3))
    assert service.fire_due_timers() == 1
    trail = units.tickets.events(ticket.id)
    assert any(isinstance(r.event, ev.SlaBreached) for r in trail)
    assert any(isinstance(r.event, ev.RuleFired) for r in trail)


def test_a_row_whose_dispatchers_kept_dying_during_delivery_goes_dead(service, units, clock):
    """A crash records no failure, so the attempts counted at each claim decide."""
    ticket = service.open("amara", new_ticket()).ticket
    service.execute("amara", ticket.id, assist("billing-specialist"))
    for _ in range(2):  # two dispatchers claimed it and died before recording anything
        units.outbox.claim(["notification"], clock.now(), 100, clock.now())
    dispatcher = Dispatcher(units, clock, {"notification": InAppNotifications()}, max_attempts=2)
    assert dispatcher.dispatch().dead == 1
    [row] = [r for r in units.outbox.rows.values() if r.consumer == "notification"]
    assert row.status == "dead" and row.last_error == "the dispatcher stopped during each of 2 deliveries"
    assert units.notifications.rows == {}


class TakenOver:
    """Stores the notification, but meanwhile another dispatcher claims the row (its lease ran out)."""

    def deliver_in(self, uow, row) -> None:
        InAppNotifications().deliver_in(uow, row)
        uow.outbox.claim(["notification"], row.next_attempt_at, 100, row.next_attempt_at)


def test_a_delivery_whose_row_another_dispatcher_took_over_is_undone_and_left_to_it(service, units, clock):
    ticket = service.open("amara", new_ticket()).ticket
    service.execute("amara", ticket.id, assist("billing-specialist"))
    sent = Dispatcher(units, clock, {"notification": TakenOver()}, lease=timedelta(0)).dispatch()
    assert sent.delivered == 0
    assert units.notifications.rows == {}  # undone with the transaction that could not record it
    assert {r.status for r in units.outbox.rows.values() if r.consumer == "notification"} == {"pending"}
    assert in_app_dispatcher(units, clock).dispatch().delivered > 0  # the next dispatcher delivers it
