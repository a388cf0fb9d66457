"""One path for every change: a command, and everything it sets off.

``handle(ticket, command, ctx)`` decides the command (``decide``), lets the SLA clocks
react to its events, runs the trigger rules that fire on them, takes each rule's
actions as Baton's own commands, and so on round after round until nothing more
fires, or a chain grows too long (stopped and recorded). It returns a
:class:`Decision`: what the command itself *caused*, what *followed*, the ticket after
and its next due time. Pure: the world is only reached through the plain functions
the context carries (a customer's name, suggestions). The API, CLI, worker, demo
and backtest all come through here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from baton.core import checks, policy, rules, sla
from baton.core import commands as cmd
from baton.core import events as ev
from baton.core import firing as evaluation
from baton.core.calendar import add_business_time
from baton.core.decide import decide, open_ticket
from baton.core.errors import DomainError, FieldError, InvalidCommand
from baton.core.playbook import EscalationKind
from baton.core.ticket import Ticket, evolve, open_from

SYSTEM = "baton"
"""The actor of what Baton does by itself: SLA thresholds, rule firings and their actions."""
CHAIN_LIMIT = 4
"""Rounds of rules firing on the events of other rules' actions before Baton stops a chain."""

Found = tuple[list[dict[str, str | int | float]], list[dict[str, str | int | float]], str]
"""Similar resolved tickets, knowledge articles, and a note on what is missing."""
SuggesterPort = Callable[[Ticket, datetime, int], Found]
"""(ticket, now, how many) -> what to push to the ticket's owner."""


def _no_suggester(_ticket: Ticket, _now: datetime, _count: int) -> Found:
    return [], [], "no suggester is wired"


@dataclass(frozen=True)
class Context(checks.Context):
    """What the pipeline decides with: the decision context plus what it may ask the world."""

    customer_name: Callable[[int], str] = field(default=lambda _id: "")
    """A customer's name, for the templates of customer updates."""
    suggest: SuggesterPort = _no_suggester
    clocks: bool = True
    """React with the SLA clocks; off when replaying a history that holds its own clock events."""
    act: bool = True
    """Run rule actions; off in a backtest that only asks which rules would fire."""


@dataclass(frozen=True)
class Step:
    """One event of a decision: its place in the ticket's trail and who it is by."""

    seq: int
    event: ev.Event
    actor: str


@dataclass(frozen=True)
class Decision:
    before: Ticket | None
    """The ticket as loaded (None for a ticket being opened)."""
    ticket: Ticket
    caused: tuple[Step, ...]
    """The events of the command itself."""
    followed: tuple[Step, ...]
    """What followed: clock reactions, rule firings, their actions and refusals, a chain stop."""
    next_due: datetime | None
    now: datetime
    playbook_version: str

    @property
    def steps(self) -> list[Step]:
        return sorted((*self.caused, *self.followed), key=lambda s: s.seq)

    def records(self) -> list[ev.RecordedEvent]:
        """The trail to append."""
        number, at, version = self.ticket.id, self.now, self.playbook_version
        return [ev.RecordedEvent(number, s.seq, s.event, s.actor, at, version) for s in self.steps]


class _Run:
    """The events of one decision as they are applied."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.caused: list[Step] = []
        self.followed: list[Step] = []

    def apply(self, ticket: Ticket, events: Sequence[ev.Event], actor: str, caused: bool) -> tuple[Ticket, list[Step]]:
        """Apply ``events`` and the clock events they cause; returns the ticket after."""
        reactions: list[ev.Event] = []
        if self.ctx.clocks:
            pb = self.ctx.playbook
            reactions = sla.react(
                ticket.clocks, ticket.severity, ticket.customer_tier, events, pb, self.ctx.now, ticket.status.is_active
            )
        new: list[Step] = []
        for number, event in enumerate([*events, *reactions]):
            ticket = evolve(ticket, event, actor, self.ctx.now)
            # Every event adds one to the version and the opening event is version 1,
            # so the version is the event's place in the ticket's trail.
            step = Step(ticket.version, event, actor)
            (self.caused if caused and number < len(events) else self.followed).append(step)
            new.append(step)
        return ticket, new

    def follow(self, ticket: Ticket, pending: list[Step], include_time: bool = True) -> Ticket:
        """Run the rules that fire on ``pending`` (and, at first, the ones due by time),
        their actions, and the rules those fire, round after round."""
        ctx, pb = self.ctx, self.ctx.playbook
        for depth in range(CHAIN_LIMIT + 1):
            happened = [(s.seq, s.event) for s in pending]
            firings = evaluation.due_firings(
                pb.rules, ticket, happened, ctx.now, pb.calendars, include_time=include_time and depth == 0
            )
            if not firings:
                break
            if depth == CHAIN_LIMIT:
                names = sorted({f.rule.name for f in firings})
                stop = ev.RuleChainStopped(names, f"rules kept triggering each other for {CHAIN_LIMIT} rounds")
                ticket, _ = self.apply(ticket, [stop], SYSTEM, caused=False)
                break
            pending = []
            for number, firing in enumerate(firings):
                if number and not firing.still_holds(ticket):
                    continue  # an earlier rule of this round already changed what it looked at
                ticket, new = self.apply(ticket, [firing.recorded()], SYSTEM, caused=False)
                pending += new
                if not ctx.act:
                    continue
                for action in firing.rule.then:
                    try:
                        events = act(ticket, firing, action, ctx)
                    except DomainError as exc:
                        events = [ev.RuleActionRefused(firing.rule.name, action.describe(), exc.detail)]
                    ticket, new = self.apply(ticket, events, SYSTEM, caused=False)
                    pending += new
        return ticket

    def decision(self, before: Ticket | None, ticket: Ticket) -> Decision:
        ctx = self.ctx
        return Decision(
            before,
            ticket,
            tuple(self.caused),
            tuple(self.followed),
            next_due(ticket, ctx),
            ctx.now,
            ctx.playbook.version,
        )


def handle(ticket: Ticket | None, command: cmd.Command, ctx: Context) -> Decision:
    """``command`` on ``ticket`` and everything it sets off. Raises a
    :class:`DomainError` if the command itself is refused; then nothing happened.
    A refused rule action is recorded instead (``RuleActionRefused``)."""
    if isinstance(command, cmd.OpenTicket):
        if ticket is not None:
            raise TypeError("a ticket is opened once")
        if not ctx.system:
            policy.require(ctx.caller or policy.caller_for(ctx.playbook, ctx.actor), policy.Action.OPEN_TICKET)
        return _open(command, ctx)
    if isinstance(command, cmd.Replay):
        return _replay(ticket, command, ctx)
    if ticket is None:
        raise TypeError(f"{type(command).__name__} needs a ticket")
    match command:
        case cmd.FireDueTimers():
            run = _Run(ctx)
            after, new = run.apply(ticket, [], ctx.actor, caused=False)
            return run.decision(ticket, run.follow(after, new))
        case _:
            if not ctx.system:
                caller = ctx.caller or policy.caller_for(ctx.playbook, ctx.actor)
                command = policy.authorise(caller, command, ticket, ctx.playbook)
            run = _Run(ctx)
            after, new = run.apply(ticket, decide(ticket, command, ctx), ctx.actor, caused=True)
            return run.decision(ticket, run.follow(after, new))


def _open(command: cmd.OpenTicket, ctx: Context) -> Decision:
    run = _Run(ctx)
    opened = open_ticket(command, ctx)[0]
    assert isinstance(opened, ev.TicketOpened)
    ticket = replace(open_from(command.ticket_id, opened, ctx.now), playbook_version=ctx.playbook.version)
    run.caused.append(Step(1, opened, ctx.actor))
    pending = [run.caused[0]]
    if command.classified is not None:
        ticket, new = run.apply(ticket, [command.classified], SYSTEM, caused=False)
        pending += new
    if ctx.clocks:
        started = sla.react((), opened.severity, opened.customer_tier, [opened], ctx.playbook, ctx.now)
        ticket, new = run.apply(ticket, started, ctx.actor, caused=False)
        pending += new
    return run.decision(None, run.follow(ticket, pending))


def _replay(ticket: Ticket | None, command: cmd.Replay, ctx: Context) -> Decision:
    """A recorded event applied as it happened, then the rules. The clocks do not react
    (the history holds its own clock events), and a recorded ``RuleFired`` is the old
    playbook's: the replayed rules keep their own memory of what fired."""
    run = _Run(replace(ctx, clocks=False))
    event, actor = command.event, command.actor
    if ticket is None:
        if not isinstance(event, ev.TicketOpened):
            raise TypeError("a replayed history starts with its TicketOpened")
        after = open_from(command.ticket_id, event, ctx.now)
    else:
        after = replace(evolve(ticket, event, actor, ctx.now), fired=ticket.fired)
    run.caused.append(Step(after.version, event, actor))
    return run.decision(ticket, run.follow(after, list(run.caused)))


def next_due(ticket: Ticket, ctx: Context) -> datetime | None:
    """When the ticket next needs Baton without anyone acting: its next SLA threshold
    or no-progress rule."""
    pb = ctx.playbook
    dues = [
        sla.next_due(ticket.clocks, pb.calendars) if ctx.clocks else None,
        evaluation.next_rule_due(pb.rules, ticket, ctx.now, pb.calendars),
    ]
    return min((d for d in dues if d is not None), default=None)


# --- rule actions as commands ------------------------------------------------------------


def act(ticket: Ticket, firing: evaluation.Firing, action: rules.Action, ctx: Context) -> list[ev.Event]:
    """The events of one rule action, decided as Baton's own command."""
    rule = firing.rule
    why = f"rule {rule.name}: {rule.description or rule.explain()}"
    own = ticket.ownership
    command: cmd.TicketCommand
    match action:
        case rules.EscalateTo(kind=kind, role=role):
            command = cmd.Escalate(EscalationKind(kind), role, why, rule_note(ticket, firing, kind, ctx))
        case rules.SetSeverity(severity=severity):
            command = cmd.ChangeSeverity(severity, why)
        case rules.SetCategory(category=category):
            command = cmd.ChangeCategory(category, why)
        case rules.AddRole(kind=kind, role=role):
            command = cmd.AddParticipant(kind, role)
        case rules.NotifyRole(role=role, message=message):
            to_owner = role == rules.OWNER
            command = cmd.Notify(
                own.responsible_role if to_owner else role, message or why, own.responsible_agent if to_owner else ""
            )
        case rules.SendCustomerUpdate(template=template, follow_up=follow_up, calendar=calendar):
            body = render_update(ticket, template, follow_up, calendar, ctx)
            command = cmd.AddMessage(body, "public", "system", "Baton")
        case rules.PushSuggestions(role=role, count=count):
            return [_suggestions(ticket, rule.name, role, count, ctx)]
    return decide(ticket, command, replace(ctx, actor=SYSTEM, system=True))


def _suggestions(ticket: Ticket, rule: str, role: str, count: int, ctx: Context) -> ev.SuggestionsPushed:
    own = ticket.ownership
    to_owner = role == rules.OWNER
    if not to_owner and role not in ctx.playbook.roles:  # a rule of an earlier version, the role gone since
        known = ", ".join(sorted(ctx.playbook.roles))
        raise InvalidCommand(f"unknown role {role!r}", (FieldError("role", f"unknown role {role!r}; known: {known}"),))
    tickets, articles, note = ctx.suggest(ticket, ctx.now, count)
    return ev.SuggestionsPushed(
        rule=rule,
        role=own.responsible_role if to_owner else role,
        agent=own.responsible_agent if to_owner else "",
        tickets=tickets,
        articles=articles,
        note=note,
    )


def rule_note(ticket: Ticket, firing: evaluation.Firing, kind: str, ctx: Context) -> dict[str, str]:
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
    fallback = f"not recorded (automatic {kind} by rule {rule.name})"
    return {name: known.get(name, fallback) for name in ctx.playbook.note_fields}


def render_update(ticket: Ticket, template: str, follow_up: int, calendar_name: str, ctx: Context) -> str:
    """A customer update from the playbook's template, naming the committed follow-up time."""
    pb = ctx.playbook
    calendar = pb.calendars[calendar_name]
    due = add_business_time(ctx.now, timedelta(seconds=follow_up), calendar).astimezone(calendar.zone)
    hours, minutes = divmod(follow_up // 60, 60)
    within = (
        f"{hours} business hour{'s' if hours != 1 else ''}" if not minutes else f"{follow_up // 60} business minutes"
    )
    role = pb.roles.get(ticket.ownership.responsible_role)
    values: dict[str, Any] = {
        "customer_name": ctx.customer_name(ticket.customer_id),
        "ticket_id": ticket.id,
        "subject": ticket.subject,
        "follow_up_time": due.strftime("%A %d %B, %H:%M %Z"),
        "follow_up_within": within,
        "role_title": role.title if role else ticket.ownership.responsible_role,
    }
    return pb.templates[template].format(**values).strip()
