"""Ticket handlers: load, decide in the core, write state and events in one
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

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

RETRIES = 3
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
            ticket_id = uow.tickets.add(open_from(0, opened, ctx.now))
            first = ev.RecordedEvent(ticket_id, 1, opened, actor, ctx.now, self.playbook.version)
            uow.tickets.append_events([first])
            before = open_from(ticket_id, opened, ctx.now)
            clocks = sla.react((), opened.severity, opened.customer_tier, events, self.playbook, ctx.now)
            after, records = self._follow(before, clocks, actor)
            self._write(uow, before, after, records)
            return Outcome(after, [first, *records])

    def execute(
        self,
        actor: str,
        ticket_id: int,
        command: cmd.TicketCommand,
        expected_version: int | None = None,
    ) -> Outcome:
        """Run ``command`` on a ticket. With ``expected_version``, refuse with a
        conflict if the ticket moved on since the caller read it; without it, a
        command overtaken by another writer is decided again on the fresh ticket."""
        for attempt in range(RETRIES):
            try:
                return self._execute(actor, ticket_id, command, expected_version)
            except ConcurrencyConflict:
                if expected_version is not None or attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _execute(
        self, actor: str, ticket_id: int, command: cmd.TicketCommand, expected_version: int | None
    ) -> Outcome:
        with unit_of_work(self.engine) as uow:
            before = uow.tickets.get(ticket_id)
            if expected_version is not None and before.version != expected_version:
                raise ConcurrencyConflict(
                    f"ticket {ticket_id} is at version {before.version}, not "
                    f"{expected_version}: someone changed it; reload and try again"
                )
            ctx = Context(self.playbook, actor, self.clock.now(), uow.tickets.open_load())
            after, records = self._follow(before, decide(before, command, ctx), actor)
            self._write(uow, before, after, records)
            return Outcome(after, records)

    def _follow(
        self, before: Ticket, events: list[ev.Event], actor: str
    ) -> tuple[Ticket, list[ev.RecordedEvent]]:
        """The command's events followed by the clock events they cause, applied."""
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
        # Every event adds one to the version, and the opening event is version 1,
        # so the version is also the sequence number of the ticket's last event.
        records = [
            ev.RecordedEvent(before.id, before.version + 1 + i, e, actor, now, self.playbook.version)
            for i, e in enumerate(events)
        ]
        return after, records

    def _write(self, uow: UnitOfWork, before: Ticket, after: Ticket, records: list[ev.RecordedEvent]) -> None:
        """State, messages, trail and the next timer, in the caller's transaction."""
        uow.tickets.save(before, after)
        uow.timers.schedule(before.id, sla.next_due(after.clocks, self.playbook.calendars))
        uow.tickets.append_events(records)
        uow.tickets.add_messages(
            before.id, [r.event for r in records if isinstance(r.event, ev.MessageAdded)], self.clock.now()
        )

    def change_customer_tier(self, actor: str, customer_id: int, tier: str, reason: str = "") -> int:
        """Move a customer to another tier; each of their open tickets follows, its SLA
        clocks re-targeted, all in one transaction. Returns how many tickets moved."""
        if tier not in self.playbook.customer_tiers:
            known = ", ".join(self.playbook.customer_tiers)
            raise InvalidCommand(
                f"unknown customer tier {tier!r}", (FieldError("tier", f"unknown; known: {known}"),)
            )
        with unit_of_work(self.engine) as uow:
            uow.customers.set_tier(customer_id, tier)
            ids = uow.tickets.active_ids_of_customer(customer_id)
            ctx = Context(self.playbook, actor, self.clock.now())
            moved = 0
            for before in uow.tickets.get_many(ids, lock=True):
                if before.customer_tier != tier:
                    events = decide(before, cmd.ChangeCustomerTier(tier, reason), ctx)
                    after, records = self._follow(before, events, actor)
                    self._write(uow, before, after, records)
                    moved += 1
            return moved

    def fire_due_timers(self, limit: int = 100) -> int:
        """Record every SLA threshold due by now, for at most ``limit`` tickets, in one
        transaction: the thresholds' events and the timers' new due times commit
        together, so a worker killed half-way leaves nothing lost or duplicated."""
        now = self.clock.now()
        with unit_of_work(self.engine) as uow:
            due = [ticket_id for ticket_id, _ in uow.timers.claim_due(now, limit)]
            records: list[ev.RecordedEvent] = []
            pairs: list[tuple[Ticket, Ticket]] = []
            next_due: dict[int, datetime | None] = {}
            for before in uow.tickets.get_many(due, lock=True):
                after, recorded = self._follow(before, [], SYSTEM)
                pairs.append((before, after))
                next_due[before.id] = sla.next_due(after.clocks, self.playbook.calendars)
                records += recorded
            uow.tickets.save_clocks(pairs)
            uow.timers.schedule_many(next_due)
            uow.tickets.append_events(records)
            return len(due)
