"""Ticket handlers: load, decide in the core, write state and events in one
transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core import sla
from baton.core.decide import Context, decide, open_ticket
from baton.core.errors import ConcurrencyConflict, FieldError, InvalidCommand
from baton.core.playbook import Playbook
from baton.core.ticket import Ticket, open_from
from baton.services import sentiment
from baton.services.clock import Clock
from baton.services.knowledge import draft_on_resolution
from baton.services.triggers import SYSTEM, Follower, SuggesterPort
from baton.services.unit_of_work import UnitOfWork, unit_of_work

if TYPE_CHECKING:
    from baton.assist.classify import Suggestion

RETRIES = 3

ClassifierPort = Callable[[str, str], "Suggestion"]
"""(subject, body) -> what the ticket's text suggests; never raises."""


@dataclass(frozen=True)
class NewCustomer:
    name: str
    tier: str


@dataclass(frozen=True)
class NewTicket:
    subject: str
    body: str
    severity: str | None
    """None: the text's suggested severity, else the playbook's intake severity."""
    category: str | None
    """None: the classifier's category (the playbook's intake category when it cannot tell)."""
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
    def __init__(
        self,
        engine: Engine,
        playbook: Playbook,
        clock: Clock,
        classifier: ClassifierPort | None = None,
        suggester: SuggesterPort | None = None,
    ) -> None:
        self.engine = engine
        self.playbook = playbook
        self.clock = clock
        self.classifier = classifier
        self.suggester = suggester

    def _classified(self, new: NewTicket) -> tuple[str, str, ev.TicketClassified | None]:
        """The new ticket's category and severity (the sender's, else what its text
        suggests, else the playbook's intake defaults) and the classification to record."""
        pb = self.playbook
        suggestion = self.classifier(new.subject, new.body) if self.classifier is not None else None
        applied = []
        category = new.category
        if category is None:
            category = suggestion.category if suggestion is not None else pb.fallback_category
            applied.append("category")
        severity, severity_source = new.severity, None
        if severity is None:
            if suggestion is not None and suggestion.severity is not None:
                severity = suggestion.severity
            elif pb.intake_severity is not None:
                severity, severity_source = pb.intake_severity, "intake"
            else:
                raise InvalidCommand(
                    "name a severity: the text suggests none and the playbook sets no intake_severity",
                    (FieldError("severity", "required for this ticket"),),
                )
            applied.append("severity")
        if suggestion is None:
            return category, severity, None
        classified = ev.TicketClassified(
            category=suggestion.category,
            confidence=round(suggestion.confidence, 4),
            source=str(suggestion.source.value),
            reason=suggestion.reason,
            severity=severity if severity_source else suggestion.severity,
            severity_source=severity_source
            or (str(suggestion.severity_source.value) if suggestion.severity_source else None),
            alternatives=[[name, round(p, 4)] for name, p in suggestion.alternatives],
            applied=applied,
        )
        return category, severity, classified

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
                    f"customer {existing.name!r} exists with tier {existing.tier!r}, not {new.customer.tier!r}",
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
            raise InvalidCommand("the customer needs a name", (FieldError("customer.name", "must not be empty"),))
        made = uow.customers.add(new.customer.name.strip(), new.customer.tier, self.clock.now())
        return cmd.CustomerRef(made.id, made.name, made.tier)

    def open(self, actor: str, new: NewTicket) -> Outcome:
        with unit_of_work(self.engine) as uow:
            customer = self._customer(uow, new)
            category, severity, classified = self._classified(new)
            command = cmd.OpenTicket(
                subject=new.subject,
                body=new.body,
                customer=customer,
                severity=severity,
                category=category,
                channel=new.channel,
                page_context=dict(new.page_context),
                role=new.role,
                agent=new.agent,
                sentiment=sentiment.score(f"{new.subject}. {new.body}"),
            )
            ctx = Context(self.playbook, actor, self.clock.now(), uow.tickets.open_load())
            events = open_ticket(command, ctx)
            opened = events[0]
            assert isinstance(opened, ev.TicketOpened)
            ticket_id = uow.tickets.add(open_from(0, opened, ctx.now))
            first = ev.RecordedEvent(ticket_id, 1, opened, actor, ctx.now, self.playbook.version)
            uow.tickets.append_events([first])
            before = open_from(ticket_id, opened, ctx.now)
            follower = Follower(self.playbook, uow, ctx.now, self.suggester)
            after, noted = follower.apply(before, [classified] if classified else [], SYSTEM)
            clocks = sla.react((), opened.severity, opened.customer_tier, events, self.playbook, ctx.now)
            after, started = follower.apply(after, clocks, actor)
            after = follower.follow(after, [], actor, happened=[(1, opened), *noted, *started])
            uow.tickets.save(before, after)
            uow.timers.schedule(ticket_id, follower.next_due(after))
            uow.tickets.append_events(follower.records)
            self._add_messages(uow, follower.records)
            return Outcome(after, [first, *follower.records])

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

    def _execute(self, actor: str, ticket_id: int, command: cmd.TicketCommand, expected_version: int | None) -> Outcome:
        with unit_of_work(self.engine) as uow:
            before = uow.tickets.get(ticket_id)
            if expected_version is not None and before.version != expected_version:
                raise ConcurrencyConflict(
                    f"ticket {ticket_id} is at version {before.version}, not "
                    f"{expected_version}: someone changed it; reload and try again"
                )
            ctx = Context(self.playbook, actor, self.clock.now(), uow.tickets.open_load())
            return self._commit(uow, before, decide(before, self._scored(command), ctx), actor)

    def _follow(
        self, uow: UnitOfWork, before: Ticket, events: list[ev.Event], actor: str
    ) -> tuple[Ticket, list[ev.RecordedEvent], datetime | None]:
        """The command's events, the clock events and rule firings they cause, applied;
        with the ticket's next timer."""
        follower = Follower(self.playbook, uow, self.clock.now(), self.suggester)
        after = follower.follow(before, events, actor)
        return after, follower.records, follower.next_due(after)

    def _commit(self, uow: UnitOfWork, before: Ticket, events: list[ev.Event], actor: str) -> Outcome:
        """Follow the events through, then write state, messages, trail and the next
        timer in the caller's transaction."""
        after, records, due = self._follow(uow, before, events, actor)
        uow.tickets.save(before, after)
        uow.timers.schedule(before.id, due)
        uow.tickets.append_events(records)
        self._add_messages(uow, records)
        draft_on_resolution(uow, after, records, self.clock.now())
        return Outcome(after, records)

    def _add_messages(self, uow: UnitOfWork, records: list[ev.RecordedEvent]) -> None:
        for record in records:
            if isinstance(record.event, ev.MessageAdded):
                uow.tickets.add_messages(record.ticket_id, [record.event], record.at)

    def change_customer_tier(self, actor: str, customer_id: int, tier: str, reason: str = "") -> int:
        """Move a customer to another tier; each of their open tickets follows, its SLA
        clocks re-targeted, all in one transaction. Returns how many tickets moved."""
        if tier not in self.playbook.customer_tiers:
            known = ", ".join(self.playbook.customer_tiers)
            raise InvalidCommand(f"unknown customer tier {tier!r}", (FieldError("tier", f"unknown; known: {known}"),))
        with unit_of_work(self.engine) as uow:
            uow.customers.set_tier(customer_id, tier)
            ids = uow.tickets.active_ids_of_customer(customer_id)
            ctx = Context(self.playbook, actor, self.clock.now())
            moved = 0
            for before in uow.tickets.get_many(ids, lock=True):
                if before.customer_tier != tier:
                    self._commit(uow, before, decide(before, cmd.ChangeCustomerTier(tier, reason), ctx), actor)
                    moved += 1
            return moved

    def _scored(self, command: cmd.TicketCommand) -> cmd.TicketCommand:
        """A customer message carries its sentiment into the core."""
        if isinstance(command, cmd.AddMessage) and command.author_kind == "customer" and command.sentiment is None:
            return replace(command, sentiment=sentiment.score(command.body))
        return command

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
                after, recorded, next_due[before.id] = self._follow(uow, before, [], SYSTEM)
                if after.escalations == before.escalations:
                    pairs.append((before, after))  # only clocks and counters moved: batched
                else:
                    uow.tickets.save(before, after)
                records += recorded
            uow.tickets.save_clocks(pairs)
            uow.timers.schedule_many(next_due)
            uow.tickets.append_events(records)
            self._add_messages(uow, records)
            return len(due)
