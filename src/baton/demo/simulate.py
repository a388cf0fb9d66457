"""The demo history: tickets arriving in business hours, worked by the
playbook's agents through the real services on a simulated clock.

Same seed and end date, same history: all randomness comes from one seeded
generator, and the simulation runs its steps in time order."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import TypeVar

from sqlalchemy import Engine

from baton.core import commands as cmd
from baton.core.errors import DomainError
from baton.core.playbook import EscalationKind, Playbook
from baton.core.policy import AccessRole, Caller, TokenScope
from baton.core.ticket import Ticket
from baton.demo.scenarios import CONTACTS, CUSTOMERS, SCENARIOS, Scenario
from baton.services.clock import FixedClock
from baton.services.knowledge import ArticleIndex
from baton.services.outbox import Dispatcher, in_app_dispatcher
from baton.services.playbooks import PlaybookVersions, install_playbook
from baton.services.suggestions import SimilarTickets, suggester
from baton.services.tickets import ClassifierPort, NewCustomer, NewTicket, TicketService
from baton.services.unit_of_work import read_only
from baton.store.unit_of_work import readers_of, units_of

OPENS, CLOSES = time(8, 0), time(18, 0)
REVIEW = time(16, 30)
"""When the support lead reviews the day's knowledge drafts."""
INTAKE = Caller("intake", frozenset({AccessRole.INTEGRATION}), TokenScope.INTEGRATION)
"""The channel tickets and customers' messages arrive by: an integration, not an agent."""

T = TypeVar("T")
Action = Callable[[], Ticket]
"""A step of a story: it acts, and the story goes on from the ticket after."""
Story = Generator[tuple[timedelta, Action], Ticket, None]


def business(at: datetime) -> datetime:
    """``at`` if it falls in working hours (Mon-Fri 08:00-18:00 UTC), else the next opening."""
    while True:
        if at.weekday() >= 5 or at.time() >= CLOSES:
            at = datetime.combine(at.date() + timedelta(days=1), OPENS, UTC)
        elif at.time() < OPENS:
            at = datetime.combine(at.date(), OPENS, UTC)
        else:
            return at


@dataclass
class Simulation:
    engine: Engine
    service: TicketService
    playbook: Playbook
    clock: FixedClock
    rng: Random
    horizon: datetime
    queue: list[tuple[datetime, int, Story, Action]] = field(default_factory=list)
    counter: int = 0
    stats: Counter[str] = field(default_factory=Counter)
    before_triggers: TicketService | None = None
    """The service without trigger rules, used until ``triggers_from``."""
    triggers_from: datetime | None = None
    reviews: list[datetime] = field(default_factory=list)
    """When the support lead goes through the knowledge drafts, in order."""

    @property
    def now_serving(self) -> TicketService:
        """The service as configured at the simulated moment."""
        if self.before_triggers is not None and self.triggers_from and self.clock.now() < self.triggers_from:
            return self.before_triggers
        return self.service

    def schedule(self, at: datetime, story: Story, action: Action) -> None:
        if at <= self.horizon:
            self.counter += 1
            heapq.heappush(self.queue, (at, self.counter, story, action))

    def start(self, at: datetime, story: Story) -> None:
        delay, action = next(story)
        self.schedule(at + delay, story, action)

    def fire_timers_until(self, at: datetime) -> None:
        """Let the SLA timers due before ``at`` fire at their due time, as a worker would."""
        while True:
            with read_only(self.engine) as uow:
                due = uow.timers.earliest()
            if due is None or due > at:
                return
            self.clock.set(max(due, self.clock.now()))
            self.now_serving.fire_due_timers(limit=1000)

    def review_drafts_until(self, at: datetime) -> None:
        """The lead's daily pass over the knowledge drafts: each draft that states its
        problem, cause and steps is published, unless an article of that title already
        is; the rest wait for someone to fill them in."""
        from baton.services import knowledge

        lead = next((a for a in self.playbook.agents if self.playbook.has_authority(a)), None)
        while self.reviews and self.reviews[0] <= at:
            self.clock.set(max(self.reviews.pop(0), self.clock.now()))
            if lead is None:
                continue
            engine = self.engine
            published = {a.title for a in knowledge.list_articles(engine, "published", limit=10_000)}
            for draft in knowledge.list_articles(engine, "draft", limit=10_000):
                if not draft.missing and draft.title not in published:
                    knowledge.publish(engine, self.playbook, lead, draft.id, self.clock.now(), draft.version)
                    published.add(draft.title)
                    self.stats["articles published"] += 1

    def run(self) -> None:
        while self.queue:
            at, _, story, action = heapq.heappop(self.queue)
            self.fire_timers_until(at)
            self.review_drafts_until(at)
            self.clock.set(at)
            try:
                outcome = action()
            except DomainError as exc:  # a story step the state no longer allows
                self.stats[f"refused: {type(exc).__name__}"] += 1
                continue
            try:
                delay, following = story.send(outcome)
            except StopIteration:
                continue
            self.schedule(business(at + delay), story, following)
        self.fire_timers_until(self.horizon)
        self.review_drafts_until(self.horizon)

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))


def _pick(rng: Random, weighted: Sequence[tuple[T, int]]) -> T:
    items = [item for item, _ in weighted]
    return rng.choices(items, weights=[weight for _, weight in weighted])[0]


def _receiver(outcome: Ticket, fallback: str) -> str:
    """Who received the ticket's latest escalation (the fallback if it has none)."""
    escalations = outcome.escalations
    return escalations[-1].to_agent if escalations else fallback


def _note(s: Scenario, extra: str = "") -> dict[str, str]:
    return {
        "summary": s.subject,
        "steps_tried": s.steps_tried + (f" {extra}" if extra else ""),
        "error_messages": s.errors,
        "configuration": s.configuration,
        "desired_outcome": s.desired_outcome,
    }


def ticket_story(sim: Simulation, s: Scenario, customer: tuple[str, str], contact: str) -> Story:
    rng, pb = sim.rng, sim.playbook
    severity = _pick(rng, s.severities)
    opened = yield (
        timedelta(0),
        lambda: (
            sim.now_serving.open(
                INTAKE,
                NewTicket(
                    subject=s.subject,
                    body=f"{s.body}\n\n— {contact}, {customer[0]}",
                    severity=severity,
                    category=s.category,
                    channel=_pick(rng, (("email", 6), ("web", 3), ("chat", 2), ("phone", 1))),
                    customer=NewCustomer(*customer),
                    page_context={
                        "url": s.url,
                        "screen": s.screen,
                        "browser": rng.choice(["Chrome 131", "Firefox 133", "Edge 131", "Safari 18"]),
                    },
                ),
            ).ticket
        ),
    )
    tid = opened.id
    frontline = opened.ownership.accountable_agent

    def do(actor: str | Caller, command: cmd.TicketCommand) -> Action:
        """The step; if the ticket has moved on (a rule got there first), the story
        goes on from the ticket as it is."""

        def act() -> Ticket:
            try:
                return sim.now_serving.execute(actor, tid, command).ticket
            except DomainError as exc:
                sim.stats[f"refused: {type(exc).__name__}"] += 1
                with read_only(sim.engine) as uow:
                    return uow.tickets.get(tid)

        return act

    urgent = severity in ("critical", "high")
    first_reply = sim.minutes(3, 40) if urgent else sim.minutes(10, 180)
    yield (
        first_reply,
        do(
            frontline,
            cmd.AddMessage(
                f"Hi {contact.split()[0]}, thanks for reporting this. "
                "I'm looking into it now and will update you shortly."
            ),
        ),
    )

    path = _pick(
        rng,
        (
            ("frontline", 56 if s.specialist else 90),
            ("pending", 14),
            ("assist", 9 if s.specialist else 0),
            ("handoff", 19 if s.specialist else 0),
            ("lead", 4 if customer[1] == "enterprise" else 1),
        ),
    )
    owner = frontline
    if path == "pending":
        yield sim.minutes(10, 60), do(frontline, cmd.ChangeStatus("pending_customer", "asked for details"))
        yield (
            sim.minutes(60, 1200),
            do(
                INTAKE,
                cmd.AddMessage(
                    "Here are the details you asked for. It happened again this morning.",
                    author_kind="customer",
                    author=contact,
                ),
            ),
        )
    elif path in ("assist", "lead"):
        role = "support-lead" if path == "lead" else (s.specialist or "product-specialist")
        reason = (
            "enterprise customer unhappy with progress; needs a lead's authority"
            if path == "lead"
            else f"needs {pb.roles[role].title} knowledge"
        )
        assisted = yield (
            sim.minutes(15, 120),
            do(
                frontline,
                cmd.Escalate(
                    EscalationKind.ASSIST,
                    role,
                    reason,
                    {"summary": s.subject, "question": s.question, "steps_tried": s.steps_tried},
                ),
            ),
        )
        helper = _receiver(assisted, frontline)
        yield (
            sim.minutes(20, 240),
            do(
                helper,
                cmd.AddMessage(f"Looked at this: {s.resolution.split(';')[0]}.", visibility="internal"),
            ),
        )
    elif path == "handoff":
        role = s.specialist or "product-specialist"
        if severity == "critical" and customer[1] == "enterprise" and pb.roles[role].tier < 3 and s.deeper:
            role = "api-engineer-oncall" if s.category in ("api", "performance") else role
        yield (
            sim.minutes(10, 90),
            do(frontline, cmd.AddMessage(f"Checked: {s.steps_tried}", visibility="internal")),
        )
        handed = yield (
            sim.minutes(5, 60),
            do(
                frontline,
                cmd.Escalate(
                    EscalationKind.HANDOFF,
                    role,
                    f"{s.category} problem beyond tier 1: {pb.roles[role].title} needed",
                    _note(s),
                ),
            ),
        )
        receiver = _receiver(handed, frontline)
        if handed.escalations and rng.random() < 0.15:
            yield (
                sim.minutes(20, 180),
                do(
                    receiver,
                    cmd.Bounce(
                        handed.escalations[-1].number,
                        s.bounce_missing,
                        "Please add this before handing off; I can't reproduce without it.",
                    ),
                ),
            )
            yield (
                sim.minutes(20, 240),
                do(
                    frontline,
                    cmd.AddMessage(
                        f"Asked the customer for {', '.join(s.bounce_missing)} and added it.",
                        visibility="internal",
                    ),
                ),
            )
            handed = yield (
                sim.minutes(5, 30),
                do(
                    frontline,
                    cmd.Escalate(
                        EscalationKind.HANDOFF,
                        role,
                        f"{s.category} problem beyond tier 1, with the missing details",
                        _note(s, f"Now included: {', '.join(s.bounce_missing)}."),
                    ),
                ),
            )
            receiver = _receiver(handed, frontline)
        owner = receiver
        yield (
            sim.minutes(20, 300),
            do(
                owner,
                cmd.AddMessage(f"Reproduced. Investigating {s.question.lower()}", visibility="internal"),
            ),
        )
        if s.deeper and rng.random() < 0.3:
            deeper = yield (
                sim.minutes(60, 600),
                do(
                    owner,
                    cmd.Escalate(
                        EscalationKind.HANDOFF,
                        s.deeper,
                        "needs a code or configuration change outside support's permissions",
                        _note(s, "Specialist reproduced it and ruled out configuration."),
                    ),
                ),
            )
            owner = _receiver(deeper, owner)
        yield (
            sim.minutes(30, 600),
            do(
                frontline,
                cmd.AddMessage(
                    f"Update for you, {contact.split()[0]}: our {pb.roles[role].title.lower()} "
                    "team has reproduced the problem and is working on a fix. I'll keep you posted."
                ),
            ),
        )
    work = sim.minutes(30, 900 if path == "handoff" else 300)
    resolved = yield work, do(owner, cmd.Resolve(s.resolution))
    if path != "frontline" or rng.random() < 0.5:
        yield (
            sim.minutes(1, 20),
            do(
                frontline,
                cmd.AddMessage(
                    f"Good news, {contact.split()[0]}: {s.resolution} Let me know if anything still looks off."
                ),
            ),
        )
    if rng.random() < 0.07:
        yield (
            sim.minutes(600, 2400),
            do(
                INTAKE,
                cmd.AddMessage(
                    "Sorry, this is happening again for some of our users.",
                    author_kind="customer",
                    author=contact,
                ),
            ),
        )
        yield sim.minutes(20, 180), do(frontline, cmd.AddMessage("Thanks, reopening and checking again now."))
        yield (
            sim.minutes(60, 600),
            do(
                resolved.ownership.responsible_agent,
                cmd.Resolve("Found a second affected record and corrected it; confirmed with the customer."),
            ),
        )
    yield timedelta(days=3), do(resolved.ownership.responsible_agent, cmd.Close())


def _arrivals(rng: Random, day: date) -> list[datetime]:
    if day.weekday() >= 5:
        return []
    mean = 20 * (1.3 if day.weekday() == 0 else 1.0)
    count = max(0, round(rng.gauss(mean, 4)))
    times = []
    for _ in range(count):
        hour = rng.choice([8.5, 9.5, 10, 10.5, 11, 13.5, 14, 15, 16, 17])
        minutes = int((hour + rng.uniform(-0.5, 0.5)) * 60)
        times.append(datetime.combine(day, time(0), UTC) + timedelta(minutes=minutes))
    return sorted(times)


def deliver_outbox(dispatcher: Dispatcher, batch: int = 1_000) -> int:
    """Deliver everything the history wrote to the outbox, as the worker would have."""
    delivered = 0
    while (sent := dispatcher.dispatch(batch)).claimed:
        delivered += sent.delivered
    return delivered


def simulate(
    engine: Engine,
    playbook: Playbook,
    *,
    days: int,
    seed: int,
    end: date,
    triggers_for: int | None = 30,
    classifier: ClassifierPort | None = None,
) -> str:
    """Run the simulation into ``engine``; returns a one-paragraph summary.

    The team switched the playbook's trigger rules on ``triggers_for`` days before the
    end (None: from the start), so the history has a stretch without them for a
    backtest to compare against. New tickets go through ``classifier`` when given
    (the sender still names their category), and `suggest` rules reach the simulated
    desk's own resolved tickets and articles."""
    last = end
    first = last - timedelta(days=days - 1)
    clock = FixedClock(datetime.combine(first, time(0), UTC))
    rng = Random(seed)
    sim = Simulation(
        engine=engine,
        service=TicketService(
            units_of(engine),
            playbook,
            clock,
            classifier,
            suggester(SimilarTickets(engine), ArticleIndex(engine), playbook),
            PlaybookVersions(playbook, readers_of(engine)),
        ),
        playbook=playbook,
        clock=clock,
        rng=rng,
        horizon=datetime.combine(last, time(23, 59, 59), UTC),
    )
    if triggers_for is not None and playbook.rules and triggers_for < days:
        quiet = replace(playbook, rules=(), version=f"{playbook.version}~no-triggers")
        note = f"playbook {playbook.version} with its trigger rules switched off"
        install_playbook(engine, quiet, note, clock.now())
        sim.before_triggers = TicketService(
            units_of(engine), quiet, clock, classifier, versions=PlaybookVersions(quiet, readers_of(engine))
        )
        sim.service.versions.register(quiet)  # tickets opened before the switch keep their snapshot
        sim.triggers_from = datetime.combine(last - timedelta(days=triggers_for - 1), time(0), UTC)
    scenarios = [(s, w) for s, w in SCENARIOS if s.category in playbook.categories]
    sim.reviews = [
        datetime.combine(first + timedelta(days=offset), REVIEW, UTC)
        for offset in range(days)
        if (first + timedelta(days=offset)).weekday() < 5
    ]
    for offset in range(days):
        for at in _arrivals(rng, first + timedelta(days=offset)):
            scenario = _pick(rng, scenarios)
            customer = rng.choice(CUSTOMERS)
            sim.start(at, ticket_story(sim, scenario, customer, rng.choice(CONTACTS)))
    sim.run()
    delivered = deliver_outbox(in_app_dispatcher(units_of(engine), clock))
    with read_only(engine) as uow:
        st = uow.tickets.event_counts()
    refused = sum(v for k, v in sim.stats.items() if k.startswith("refused"))
    return (
        f"Simulated {days} days ({first} to {last}), seed {seed}: "
        f"{st['TicketOpened']} tickets, {sum(st.values())} events, "
        f"{st['TicketEscalated']} escalations, {st['EscalationBounced']} bounces, "
        f"{st['TicketResolved']} resolutions, {st['TicketReopened']} reopens, "
        f"{st['TicketClosed']} closed, {st['SlaThresholdReached']} SLA warnings, "
        f"{st['SlaBreached']} SLA breaches, {sim.stats['articles published']} knowledge articles published, "
        f"{delivered} notifications delivered" + (f"; {refused} steps refused" if refused else "")
    )
