"""Ticket handlers: load, decide in the core, write state and events in one
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core import sla
from baton.core.decide import Context, decide, open_ticket
from baton.core.errors import ConcurrencyConflict, FieldError, InvalidCommand
from baton.core.playbook import Playbook
from baton.core.ticket import Ticket, evolve_all, open_from
from baton.services.clock import Clock
from baton.services.unit_of_work import UnitOfWork, unit_of_work

SYSTEM = "baton"
"""The actor of what Baton does by itself, such as recording an SLA threshold."""


@dataclass(frozen=True)
class NewCustomer:
    name: str
    tier: str


@dataclass(frozen=True)
class NewTicket:
    subject: str
    body: str
    severity: str
    category: str
    channel: str
    customer_id: int | None = None
    customer: NewCustomer | None = None
    page_context: Mapping[str, str] = field(default_factory=dict)
    role: str | None = None
    agent: str | None = None


@dataclass(frozen=True)
class Outcome:
    ticket: Ticket
    events: list[ev.RecordedEvent]


class TicketService:
    def __init__(self, engine: Engine, playbook: Playbook, clock: Clock) -> None:
        self.engine = engine
        self.playbook = playbook
        self.clock = clock

    def _record(
        self, uow: UnitOfWork, ticket_id: int, events: list[ev.Event], actor: str, first_seq: int
    ) -> list[ev.RecordedEvent]:
        at = self.clock.now()
        records = [
            ev.RecordedEvent(ticket_id, first_seq + i, event, actor, at, self.playbook.version)
            for i, event in enumerate(events)
        ]
        uow.tickets.append_events(records)
        uow.tickets.add_messages(ticket_id, [e for e in events if isinstance(e, ev.MessageAdded)], at)
        return records

    def _customer(self, uow: UnitOfWork, new: NewTicket) -> cmd.CustomerRef:
        if new.customer_id is not None:
            found = uow.customers.get(new.customer_id)
            return cmd.CustomerRef(found.id, found.name, found.tier)
        if new.customer is None:
            raise InvalidCommand(
                "name the customer: customer_id, or customer with name and tier",
                (FieldError("customer", "customer_id or customer is required"),),
            )
        existing = uow.customers.by_name(new.customer.name.strip())
        if existing is not None:
            if existing.tier != new.customer.tier:
                raise InvalidCommand(
                    f"customer {existing.name!r} exists with tier {existing.tier!r}, "
                    f"not {new.customer.tier!r}",
                    (FieldError("customer.tier", f"is {existing.tier!r} for this customer"),),
                )
            return cmd.CustomerRef(existing.id, existing.name, existing.tier)
        if new.customer.tier not in self.playbook.customer_tiers:
            known = ", ".join(self.playbook.customer_tiers)
            raise InvalidCommand(
                f"unknown customer tier {new.customer.tier!r}",
                (FieldError("customer.tier", f"unknown; known: {known}"),),
            )
        if not new.customer.name.strip():
            raise InvalidCommand(
                "the customer needs a name", (FieldError("customer.name", "must not be empty"),)
            )
        made = uow.customers.add(new.customer.name.strip(), new.customer.tier, self.clock.now())
        return cmd.CustomerRef(made.id, made.name, made.tier)

    def open(self, actor: str, new: NewTicket) -> Outcome:
        with unit_of_work(self.engine) as uow:
            customer = self._customer(uow, new)
            command = cmd.OpenTicket(
                subject=new.subject,
                body=new.body,
                customer=customer,
                severity=new.severity,
                category=new.category,
                channel=new.channel,
                page_context=dict(new.page_context),
                role=new.role,
                agent=new.agent,
            )
            ctx = Context(self.playbook, actor, self.clock.now(), uow.tickets.open_load())
            events = open_ticket(command, ctx)
            opened = events[0]
            assert isinstance(opened, ev.TicketOpened)
            events += sla.react((), opened.severity, opened.customer_tier, events, self.playbook, ctx.now)
            draft = evolve_all(open_from(0, opened, ctx.now), events[1:], actor, ctx.now)
            ticket_id = uow.tickets.add(draft)
            ticket = replace(draft, id=ticket_id)
            uow.timers.schedule(ticket_id, sla.next_due(ticket.clocks, self.playbook.calendars))
            records = self._record(uow, ticket_id, events, actor, 1)
            return Outcome(ticket, records)

    def execute(
        self,
        actor: str,
        ticket_id: int,
        command: cmd.TicketCommand,
        expected_version: int | None = None,
    ) -> Outcome:
        """Run ``command`` on a ticket. With ``expected_version``, refuse with a
        conflict if the ticket moved on since the caller read it."""
        with unit_of_work(self.engine) as uow:
            before = uow.tickets.get(ticket_id)
            if expected_version is not None and before.version != expected_version:
                raise ConcurrencyConflict(
                    f"ticket {ticket_id} is at version {before.version}, not "
                    f"{expected_version}: someone changed it; reload and try again"
                )
            ctx = Context(self.playbook, actor, self.clock.now(), uow.tickets.open_load())
            events = decide(before, command, ctx)
            return self._commit(uow, before, events, actor)

    def _commit(self, uow: UnitOfWork, before: Ticket, events: list[ev.Event], actor: str) -> Outcome:
        """Follow the events with their clock events, then write state, trail and
        the next timer together."""
        now = self.clock.now()
        events = events + sla.react(
            before.clocks,
            before.severity,
            before.customer_tier,
            events,
            self.playbook,
            now,
            active=before.status.is_active,
        )
        after = evolve_all(before, events, actor, now)
        uow.tickets.save(before, after)
        uow.timers.schedule(before.id, sla.next_due(after.clocks, self.playbook.calendars))
        records = self._record(uow, before.id, events, actor, uow.tickets.last_seq(before.id) + 1)
        return Outcome(after, records)

    def fire_due_timers(self, limit: int = 100) -> int:
        """Record every SLA threshold due by now, for at most ``limit`` tickets, in one
        transaction: the thresholds' events and the timers' new due times commit
        together, so a worker killed half-way leaves nothing lost or duplicated."""
        now = self.clock.now()
        fired = 0
        with unit_of_work(self.engine) as uow:
            for ticket_id, _ in uow.timers.claim_due(now, limit):
                try:
                    with uow.conn.begin_nested():
                        self._commit(uow, uow.tickets.get(ticket_id), [], SYSTEM)
                    fired += 1
                except ConcurrencyConflict:
                    continue  # a command changed it meanwhile; the timer stays due
        return fired
