"""Ticket handlers, each the same three steps in one transaction: load the ticket,
``handle`` the command in the core (the command and everything it sets off), save
what the decision says (state, trail, messages, the next timer, the outbox)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.audit import ConfigAction
from baton.core.errors import ConcurrencyConflict, FieldError, InvalidCommand
from baton.core.notices import outbox_messages
from baton.core.pipeline import SYSTEM, Context, Decision, SuggesterPort, handle
from baton.core.playbook import Playbook
from baton.core.policy import Action, Caller, TokenScope, caller_for, require
from baton.core.ticket import Ticket
from baton.services import sentiment
from baton.services.clock import Clock
from baton.services.knowledge import draft_on_resolution
from baton.services.playbooks import PlaybookVersions
from baton.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

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
    """A command's decision as saved: the ticket after, and its trail as recorded."""

    decision: Decision
    events: list[ev.RecordedEvent]

    @property
    def ticket(self) -> Ticket:
        return self.decision.ticket


class Load(Mapping[str, float]):
    """Agents' open-ticket load for routing, read on first use (most commands route nobody)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.read: dict[str, float] | None = None

    def _load(self) -> dict[str, float]:
        if self.read is None:
            self.read = self.uow.tickets.open_load()
        return self.read

    def __getitem__(self, agent: str) -> float:
        return self._load()[agent]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


class TicketService:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        playbook: Playbook,
        clock: Clock,
        classifier: ClassifierPort | None = None,
        suggester: SuggesterPort | None = None,
        versions: PlaybookVersions | None = None,
    ) -> None:
        """``versions``: the playbooks governing tickets opened under earlier versions
        (by default read through ``units``, fine for a store without locks)."""
        self.units = units
        self.playbook = playbook
        """The current version: new tickets take it; each ticket is governed by its own (``versions``)."""
        self.versions = versions or PlaybookVersions(playbook, units)
        self.clock = clock
        self.classifier = classifier
        self.suggester = suggester

    def caller(self, who: Caller | str) -> Caller:
        """``who`` as the policy sees them: a name is the agent (or, for a name under
        ``access.integrations``, the integration) holding a full token."""
        if isinstance(who, Caller):
            return who
        scope = TokenScope.INTEGRATION if who in self.playbook.integrations else TokenScope.AGENT
        return caller_for(self.playbook, who, scope)

    def _context(
        self, uow: UnitOfWork, who: Caller | str, now: datetime, ticket: Ticket | None = None, system: bool = False
    ) -> Context:
        """The context to handle a command in: the caller, the playbook governing ``ticket``
        (the current one for a new ticket), the agents' load, the customer's name, the suggester."""

        def customer_name(customer_id: int) -> str:
            return uow.customers.get(customer_id).name

        playbook = self.playbook if ticket is None else self.versions.governing(ticket.playbook_version)
        caller = None if who == SYSTEM else self.caller(who)
        actor = who if isinstance(who, str) else who.name
        ctx = Context(playbook, actor, now, Load(uow), system=system, caller=caller, customer_name=customer_name)
        return ctx if self.suggester is None else replace(ctx, suggest=self.suggester)

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

    def _customer(self, uow: UnitOfWork, new: NewTicket, now: datetime) -> cmd.CustomerRef:
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
        made = uow.customers.add(new.customer.name.strip(), new.customer.tier, now)
        return cmd.CustomerRef(made.id, made.name, made.tier)

    def open(self, who: Caller | str, new: NewTicket) -> Outcome:
        with self.units() as uow:
            now = self.clock.now()
            customer = self._customer(uow, new, now)
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
                classified=classified,
                ticket_id=uow.tickets.reserve_id(),
            )
            return self._save(uow, handle(None, command, self._context(uow, who, now)))

    def execute(
        self,
        who: Caller | str,
        ticket_id: int,
        command: cmd.TicketCommand,
        expected_version: int | None = None,
    ) -> Outcome:
        """Run ``command`` on a ticket. With ``expected_version``, refuse with a
        conflict if the ticket moved on since the caller read it; without it, a
        command overtaken by another writer is decided again on the fresh ticket."""
        for attempt in range(RETRIES):
            try:
                return self._execute(who, ticket_id, command, expected_version)
            except ConcurrencyConflict:
                if expected_version is not None or attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _execute(
        self, who: Caller | str, ticket_id: int, command: cmd.TicketCommand, expected_version: int | None
    ) -> Outcome:
        with self.units() as uow:
            before = uow.tickets.get(ticket_id)
            caller = self.caller(who)
            if expected_version is not None and before.version != expected_version:
                raise ConcurrencyConflict(
                    f"ticket {ticket_id} is at version {before.version}, not "
                    f"{expected_version}: someone changed it; reload and try again"
                )
            ctx = self._context(uow, caller, self.clock.now(), before)
            return self._save(uow, handle(before, self._scored(command), ctx))

    def _save(self, uow: UnitOfWork, decision: Decision) -> Outcome:
        """Write what the decision says in the caller's transaction: state, trail,
        messages, the next timer, the outbox and any knowledge draft."""
        before, after = decision.before, decision.ticket
        if before is None:
            uow.tickets.add(after)
        else:
            uow.tickets.save(before, after)
        uow.timers.schedule(after.id, decision.next_due)
        records = self._record(uow, [decision], decision.now)
        draft_on_resolution(uow, after, records, decision.now)
        return Outcome(decision, records)

    def _record(self, uow: UnitOfWork, decisions: list[Decision], now: datetime) -> list[ev.RecordedEvent]:
        records = [r for d in decisions for r in d.records()]
        uow.tickets.append_events(records)
        for record in records:
            if isinstance(record.event, ev.MessageAdded):
                uow.tickets.add_messages(record.ticket_id, [record.event], record.at)
        messages = [m for d in decisions for m in outbox_messages(d, self.versions.governing(d.playbook_version))]
        uow.outbox.add(messages, now)
        return records

    def change_customer_tier(self, who: Caller | str, customer_id: int, tier: str, reason: str = "") -> int:
        """Move a customer to another tier (leads and admins); each of their open tickets
        follows, its SLA clocks re-targeted, all in one transaction. Returns how many tickets moved."""
        caller = self.caller(who)
        require(caller, Action.CHANGE_CUSTOMER)
        if tier not in self.playbook.customer_tiers:
            known = ", ".join(self.playbook.customer_tiers)
            raise InvalidCommand(f"unknown customer tier {tier!r}", (FieldError("tier", f"unknown; known: {known}"),))
        with self.units() as uow:
            previous = uow.customers.get(customer_id).tier
            uow.customers.set_tier(customer_id, tier)
            ids = uow.tickets.active_ids_of_customer(customer_id)
            now, moved = self.clock.now(), 0
            for before in uow.tickets.get_many(ids, lock=True):
                if before.customer_tier != tier:
                    # a fresh context each: the load routing reads includes the tickets saved before
                    # the tickets follow their customer: a consequence, whoever may see them
                    ctx = self._context(uow, caller, now, before, system=True)
                    decision = handle(before, cmd.ChangeCustomerTier(tier, reason), ctx)
                    self._save(uow, decision)
                    moved += 1
            details = {"previous": previous, "tier": tier, "reason": reason, "tickets_moved": moved}
            uow.audit_log.record(
                now, caller.name, ConfigAction.CUSTOMER_TIER_CHANGED, f"customer:{customer_id}", details
            )
            return moved

    def _scored(self, command: cmd.TicketCommand) -> cmd.TicketCommand:
        """A customer message carries its sentiment into the core."""
        if isinstance(command, cmd.AddMessage) and command.author_kind == "customer" and command.sentiment is None:
            return replace(command, sentiment=sentiment.score(command.body))
        return command

    def fire_due_timers(self, limit: int = 100) -> int:
        """Record every SLA threshold and no-progress rule due by now, for at most
        ``limit`` tickets, in one transaction: the events and the timers' new due
        times commit together, so a worker killed half-way leaves nothing lost or
        duplicated."""
        now = self.clock.now()
        with self.units() as uow:
            due = [ticket_id for ticket_id, _ in uow.timers.claim_due(now, limit)]
            decisions, pairs = [], []
            for before in uow.tickets.get_many(due, lock=True):
                # a fresh context each: the load routing reads includes the tickets saved before
                decision = handle(before, cmd.FireDueTimers(), self._context(uow, SYSTEM, now, before))
                decisions.append(decision)
                if decision.ticket.escalations == before.escalations:
                    pairs.append((before, decision.ticket))  # only clocks and counters moved: batched
                else:
                    uow.tickets.save(before, decision.ticket)
            uow.tickets.save_clocks(pairs)
            uow.timers.schedule_many({d.ticket.id: d.next_due for d in decisions})
            self._record(uow, decisions, now)
            return len(due)
