"""Following a command through: the SLA clock events it causes, then the trigger
rules that fire on them, whose actions run as Baton's own commands, and so on
until nothing more fires (or a chain grows too long, which is stopped and recorded).

The decisions are the core's (``sla.react``, ``firing.due_firings``, ``decide``);
this module only strings them together inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core import firing as evaluation
from baton.core import rules, sla
from baton.core.calendar import add_business_time
from baton.core.decide import Context, decide
from baton.core.errors import DomainError
from baton.core.playbook import EscalationKind, Playbook
from baton.core.ticket import Ticket, evolve
from baton.services.unit_of_work import UnitOfWork

SYSTEM = "baton"
"""The actor of what Baton does by itself: SLA thresholds, rule firings and their actions."""
CHAIN_LIMIT = 4
"""Rounds of rules firing on the events of other rules' actions before Baton stops a chain."""

Found = tuple[list[dict[str, str | int | float]], list[dict[str, str | int | float]], str]
"""Similar resolved tickets, knowledge articles, and a note on what is missing."""
SuggesterPort = Callable[[Ticket, datetime, int], Found]
"""(ticket, now, how many) -> what to push to the ticket's owner."""


class Follower:
    def __init__(
        self, playbook: Playbook, uow: UnitOfWork, now: datetime, suggester: SuggesterPort | None = None
    ) -> None:
        self.playbook = playbook
        self.uow = uow
        self.now = now
        self.suggester = suggester
        self.records: list[ev.RecordedEvent] = []

    def apply(self, ticket: Ticket, events: list[ev.Event], actor: str) -> tuple[Ticket, list[tuple[int, ev.Event]]]:
        """Record ``events`` and the clock events they cause; returns the ticket after."""
        events = events + sla.react(
            ticket.clocks,
            ticket.severity,
            ticket.customer_tier,
            events,
            self.playbook,
            self.now,
            active=ticket.status.is_active,
        )
        new = []
        for event in events:
            ticket = evolve(ticket, event, actor, self.now)
            # Every event adds one to the version and the opening event is version 1,
            # so the version is the event's place in the ticket's trail.
            self.records.append(
                ev.RecordedEvent(ticket.id, ticket.version, event, actor, self.now, self.playbook.version)
            )
            new.append((ticket.version, event))
        return ticket, new

    def follow(
        self,
        ticket: Ticket,
        events: list[ev.Event],
        actor: str,
        happened: list[tuple[int, ev.Event]] | None = None,
    ) -> Ticket:
        """Apply ``events`` and whatever rules fire on them (or on ``happened``, events
        already applied), round after round."""
        ticket, pending = self.apply(ticket, events, actor)
        pending = (happened or []) + pending
        for depth in range(CHAIN_LIMIT + 1):
            firings = evaluation.due_firings(
                self.playbook.rules,
                ticket,
                pending,
                self.now,
                self.playbook.calendars,
                include_time=depth == 0,
            )
            if not firings:
                break
            if depth == CHAIN_LIMIT:
                names = sorted({f.rule.name for f in firings})
                stop = ev.RuleChainStopped(names, f"rules kept triggering each other for {CHAIN_LIMIT} rounds")
                ticket, _ = self.apply(ticket, [stop], SYSTEM)
                break
            pending = []
            for number, firing in enumerate(firings):
                if number and not firing.still_holds(ticket):
                    continue  # an earlier rule of this round already changed what it looked at
                ticket, new = self.apply(ticket, [firing.recorded()], SYSTEM)
                pending += new
                for action in firing.rule.then:
                    try:
                        caused = self._act(ticket, firing, action)
                    except DomainError as exc:
                        caused = [ev.RuleActionRefused(firing.rule.name, action.describe(), exc.detail)]
                    ticket, new = self.apply(ticket, caused, SYSTEM)
                    pending += new
        return ticket

    def next_due(self, ticket: Ticket) -> datetime | None:
        dues = [
            sla.next_due(ticket.clocks, self.playbook.calendars),
            evaluation.next_rule_due(self.playbook.rules, ticket, self.now, self.playbook.calendars),
        ]
        return min((d for d in dues if d is not None), default=None)

    # --- actions as commands ---------------------------------------------------------

    def _act(self, ticket: Ticket, firing: evaluation.Firing, action: rules.Action) -> list[ev.Event]:
        rule, p = firing.rule, action.params
        why = f"rule {rule.name}: {rule.description or rule.explain()}"
        command: cmd.TicketCommand
        match action.kind:
            case "escalate":
                kind = EscalationKind(p["kind"])
                command = cmd.Escalate(kind, p["role"], why, self._note(ticket, firing, kind))
            case "set_severity":
                command = cmd.ChangeSeverity(p["severity"], why)
            case "set_category":
                command = cmd.ChangeCategory(p["category"], why)
            case "add_consulted" | "add_informed":
                command = cmd.AddParticipant(action.kind.removeprefix("add_"), p["role"])
            case "notify":
                own, to_owner = ticket.ownership, p["role"] == "owner"
                role = own.responsible_role if to_owner else p["role"]
                command = cmd.Notify(role, p["message"] or why, own.responsible_agent if to_owner else "")
            case "customer_update":
                body = self._render(ticket, p["template"], p["follow_up"], p["calendar"])
                command = cmd.AddMessage(body, "public", "system", "Baton")
            case "suggest":
                return [self._suggestions(ticket, rule.name, p["role"], p["count"])]
            case _:  # pragma: no cover - the playbook check admits no other kind
                raise ValueError(action.kind)
        load = self.uow.tickets.open_load() if action.kind in ("escalate", "add_consulted") else {}
        return decide(ticket, command, Context(self.playbook, SYSTEM, self.now, load, system=True))

    def _suggestions(self, ticket: Ticket, rule: str, role: str, count: int) -> ev.SuggestionsPushed:
        own = ticket.ownership
        to_owner = role == "owner"
        tickets, articles, note = (
            self.suggester(ticket, self.now, count) if self.suggester is not None else ([], [], "no suggester is wired")
        )
        return ev.SuggestionsPushed(
            rule=rule,
            role=own.responsible_role if to_owner else role,
            agent=own.responsible_agent if to_owner else "",
            tickets=tickets,
            articles=articles,
            note=note,
        )

    def _note(self, ticket: Ticket, firing: evaluation.Firing, kind: EscalationKind) -> dict[str, str]:
        """A handoff note built from what the ticket shows, saying plainly that a rule wrote it."""
        rule = firing.rule
        context = ", ".join(f"{k}: {v}" for k, v in ticket.page_context.items()) or "no page context"
        known = {
            "summary": ticket.subject,
            "steps_tried": f"Escalated automatically by rule '{rule.name}' ({rule.when.describe()}); "
            f"matched {firing.inputs}. Earlier steps are in the thread.",
            "error_messages": "none recorded before the rule fired; see the thread",
            "configuration": f"{ticket.customer_tier} customer, {ticket.channel}, {context}",
            "desired_outcome": ticket.body.strip().splitlines()[0][:300] if ticket.body.strip() else ticket.subject,
            "question": rule.description or rule.explain(),
        }
        fallback = f"not recorded (automatic {kind.value} by rule {rule.name})"
        return {name: known.get(name, fallback) for name in self.playbook.note_fields}

    def _render(self, ticket: Ticket, template: str, follow_up: int, calendar_name: str) -> str:
        calendar = self.playbook.calendars[calendar_name]
        due = add_business_time(self.now, timedelta(seconds=follow_up), calendar).astimezone(calendar.zone)
        hours, minutes = divmod(follow_up // 60, 60)
        within = (
            f"{hours} business hour{'s' if hours != 1 else ''}"
            if not minutes
            else f"{follow_up // 60} business minutes"
        )
        role = self.playbook.roles.get(ticket.ownership.responsible_role)
        values: dict[str, Any] = {
            "customer_name": self.uow.customers.get(ticket.customer_id).name,
            "ticket_id": ticket.id,
            "subject": ticket.subject,
            "follow_up_time": due.strftime("%A %d %B, %H:%M %Z"),
            "follow_up_within": within,
            "role_title": role.title if role else ticket.ownership.responsible_role,
        }
        return self.playbook.templates[template].format(**values).strip()
