"""The command pipeline alone: commands per second in process, no database, before
and after the rewrite, on the same machine in the same run.

"Before" is commit aa2fa13: ``open_ticket`` / ``decide`` and the service's
``Follower`` (SLA clock reactions, trigger-rule rounds, rule actions as commands,
the chain guard), strung together as ``TicketService.open`` and ``_commit`` did
then. "After" is ``baton.core.pipeline.handle``. The old tree is taken with
``git archive aa2fa13 src`` into a temporary directory at run time; each side runs
in its own subprocess with ``PYTHONPATH`` on its own ``src``, on the same workload,
the same example playbook and the same fixed start time.

Workload: TICKETS tickets, each opened and then given a short life: an agent's
public reply, an internal note, a handoff to a specialist role, a customer reply
and a resolution, each later than the last (some late enough for the SLA
thresholds and the 80 % resolution rule to fire). Only the pipeline calls are
timed; one warm-up run, then REPEATS timed runs. Before any timing counts, every
ticket's trail as (event type, actor) must be the same on both sides."""

from __future__ import annotations

import gc
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BEFORE = "aa2fa13"
TICKETS = 2_000
REPEATS = 5
T0 = datetime(2026, 11, 16, 9, tzinfo=UTC)  # a Monday morning
ROOT = Path(__file__).resolve().parent.parent

# severity, customer tier, category, subject, body, sentiment of the first message, agent
PROFILES = [
    ("high", "enterprise", "data-export", "Dashboard export fails with a 500",
     "Every scheduled export since Monday fails.", 0.0, "dana"),
    ("medium", "business", "how-to", "How do I share a dashboard?",
     "We want to share a dashboard with a client.", 0.2, None),
    ("critical", "enterprise", "api", "API returns 503 on every call",
     "Our production integration is down.", -0.3, None),  # enterprise-critical-skips-tier-1
    ("medium", "business", "billing", "Charged twice this month",
     "We were charged twice for November.", -0.2, None),  # duplicate-charge-to-billing
    ("high", "business", "performance", "Dashboards are very slow",
     "This is unusable and we are furious.", -0.8, None),  # angry-first-message-skips-tier-1
    ("low", "starter", "feature-request", "Dark mode, please",
     "We would love a dark mode.", 0.5, "amara"),
    ("high", "enterprise", "account-access", "Suspicious login from abroad",
     "We saw a suspicious login on an admin account.", -0.4, None),  # security-words-on-arrival
]  # fmt: skip


# --- one side, in its own interpreter ------------------------------------------------


@dataclass
class Life:
    """One ticket's workload: its opening and its later commands, each at its time."""

    number: int
    opened_at: datetime
    open_args: dict[str, Any]
    customer: tuple[int, str, str]
    steps: list[tuple[timedelta, str]]


def _lives(count: int) -> list[Life]:
    lives = []
    for i in range(count):
        severity, tier, category, subject, body, sentiment, agent = PROFILES[i % len(PROFILES)]
        customer_id = 1 + i % 50
        lives.append(
            Life(
                number=i + 1,
                opened_at=T0 + timedelta(minutes=(i * 7) % (8 * 60)),
                open_args={"subject": subject, "body": body, "severity": severity, "category": category,
                           "channel": ["email", "web", "chat"][i % 3], "agent": agent, "sentiment": sentiment},
                customer=(customer_id, f"Customer {customer_id}", tier),
                steps=[
                    (timedelta(minutes=15), "reply"),
                    (timedelta(minutes=30), "note"),
                    (timedelta(hours=1), "handoff"),
                    (timedelta(hours=2 + i % 7), "customer" if i % 9 else "customer-security"),
                    (timedelta(hours=5 + (i % 13) * 5), "resolve"),
                ],
            )
        )  # fmt: skip
    return lives


def _commands(cmd: Any, kind_of: Any, playbook: Any, ticket: Any, step: str, number: int) -> tuple[str, Any]:
    """The actor and the command of one later step, chosen from the ticket as it stands."""
    own = ticket.ownership
    agent = own.responsible_agent or own.accountable_agent
    if step == "reply":
        return agent, cmd.AddMessage("Thanks, we are looking into it.", "public", "agent")
    if step == "note":
        return agent, cmd.AddMessage("Reproduced on staging.", "internal", "agent")
    if step == "handoff":
        target = "product-specialist" if own.responsible_role == "frontline" else "product-engineering"
        kind = kind_of.HANDOFF
        note = {name: f"{playbook.note_fields[name].label}: filled in" for name in playbook.required_note_fields[kind]}
        return agent, cmd.Escalate(kind, target, "needs a specialist", note)
    if step.startswith("customer"):
        body = "We think our account was hacked." if step == "customer-security" else "Still broken, please hurry."
        return "customer", cmd.AddMessage(body, "public", "customer", "Pat", -0.7 if number % 3 == 0 else 0.1)
    return agent, cmd.Resolve("Fixed by the specialist.")


@dataclass(frozen=True)
class _Customer:
    name: str


class _Customers:
    def get(self, customer_id: int) -> _Customer:
        return _Customer(f"Customer {customer_id}")


class _Tickets:
    def open_load(self) -> dict[str, float]:
        return {}


class _Unit:
    """What the old Follower reads from its unit of work, without a database."""

    tickets = _Tickets()
    customers = _Customers()


Trail = list[tuple[str, str]]


def _before_side(playbook: Any) -> Callable[[Life], tuple[Trail, int, int, float]]:
    """One ticket's life through aa2fa13's open_ticket / decide and Follower (the
    module is gone from the current tree, so ruff sorts it as third-party)."""
    from baton.services.triggers import SYSTEM, Follower

    from baton.core import commands as cmd
    from baton.core import events as ev
    from baton.core import sla
    from baton.core.decide import Context, decide, open_ticket
    from baton.core.errors import DomainError
    from baton.core.playbook import EscalationKind
    from baton.core.ticket import open_from

    uow = _Unit()

    def life(one: Life) -> tuple[Trail, int, int, float]:
        customer = cmd.CustomerRef(*one.customer)
        command = cmd.OpenTicket(customer=customer, **one.open_args)
        trail: Trail = []
        refused, spent = 0, 0.0
        actor, now = "amara", one.opened_at
        began = time.perf_counter()
        # TicketService.open at aa2fa13, without the store
        ctx = Context(playbook, actor, now, uow.tickets.open_load())
        events = open_ticket(command, ctx)
        opened = events[0]
        assert isinstance(opened, ev.TicketOpened)
        first = ev.RecordedEvent(one.number, 1, opened, actor, now, playbook.version)
        before = open_from(one.number, opened, now)
        follower = Follower(playbook, uow, now)  # type: ignore[arg-type]
        after, noted = follower.apply(before, [], SYSTEM)
        clocks = sla.react((), opened.severity, opened.customer_tier, events, playbook, now)
        after, started = follower.apply(after, clocks, actor)
        ticket = follower.follow(after, [], actor, happened=[(1, opened), *noted, *started])
        follower.next_due(ticket)
        spent += time.perf_counter() - began
        trail += [(r.event.type, r.actor) for r in [first, *follower.records]]
        for offset, step in one.steps:
            actor, command = _commands(cmd, EscalationKind, playbook, ticket, step, one.number)
            now = one.opened_at + offset
            began = time.perf_counter()
            # TicketService._execute / _commit at aa2fa13, without the store
            try:
                events = decide(ticket, command, Context(playbook, actor, now, uow.tickets.open_load()))
            except DomainError as exc:
                spent += time.perf_counter() - began
                trail.append(("refused: " + type(exc).__name__, actor))
                refused += 1
                continue
            follower = Follower(playbook, uow, now)  # type: ignore[arg-type]
            ticket = follower.follow(ticket, events, actor)
            follower.next_due(ticket)
            spent += time.perf_counter() - began
            trail += [(r.event.type, r.actor) for r in follower.records]
        return trail, 1 + len(one.steps), refused, spent

    return life


def _after_side(playbook: Any) -> Callable[[Life], tuple[Trail, int, int, float]]:
    """One ticket's life through baton.core.pipeline.handle."""
    from baton.core import commands as cmd
    from baton.core.errors import DomainError
    from baton.core.pipeline import Context, handle
    from baton.core.playbook import EscalationKind

    def customer_name(customer_id: int) -> str:
        return f"Customer {customer_id}"

    def life(one: Life) -> tuple[Trail, int, int, float]:
        customer = cmd.CustomerRef(*one.customer)
        command = cmd.OpenTicket(customer=customer, ticket_id=one.number, **one.open_args)
        trail: Trail = []
        refused, spent = 0, 0.0
        began = time.perf_counter()
        decision = handle(None, command, Context(playbook, "amara", one.opened_at, {}, customer_name=customer_name))
        spent += time.perf_counter() - began
        trail += [(s.event.type, s.actor) for s in decision.steps]
        ticket = decision.ticket
        for offset, step in one.steps:
            actor, command = _commands(cmd, EscalationKind, playbook, ticket, step, one.number)
            ctx = Context(playbook, actor, one.opened_at + offset, {}, customer_name=customer_name)
            began = time.perf_counter()
            try:
                decision = handle(ticket, command, ctx)
            except DomainError as exc:
                spent += time.perf_counter() - began
                trail.append(("refused: " + type(exc).__name__, actor))
                refused += 1
                continue
            spent += time.perf_counter() - began
            trail += [(s.event.type, s.actor) for s in decision.steps]
            ticket = decision.ticket
        return trail, 1 + len(one.steps), refused, spent

    return life


def _side(name: str, playbook_path: str, tickets: int) -> None:
    """Warm up once and print what it recorded (a JSON line), then one timed run per
    ``run`` line on stdin, printing the seconds spent in the pipeline."""
    import baton
    from baton.playbook import load_playbook

    playbook = load_playbook(Path(playbook_path))
    life = (_before_side if name == "before" else _after_side)(playbook)
    lives = _lives(tickets)

    def run() -> tuple[float, list[Trail], int, int]:
        gc.collect()
        spent, trails, commands, refused = 0.0, [], 0, 0
        for one in lives:
            trail, issued, no, took = life(one)
            trails.append(trail)
            commands, refused, spent = commands + issued, refused + no, spent + took
        return spent, trails, commands, refused

    _, trails, commands, refused = run()
    events = sum(len(t) for t in trails)
    warm = {"baton": baton.__file__, "version": playbook.version, "commands": commands, "refused": refused,
            "events": events, "trails": trails}  # fmt: skip
    print(json.dumps(warm), flush=True)
    for _line in sys.stdin:
        print(json.dumps(run()[0]), flush=True)


# --- the report ----------------------------------------------------------------------


def _old_tree(folder: Path) -> str | None:
    """``git archive BEFORE src`` into ``folder``; the reason it cannot, or None."""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", BEFORE, "src"], capture_output=True, check=False
        )
    except FileNotFoundError:
        return "git is not installed"
    if out.returncode:
        return f"git archive {BEFORE} failed: {out.stderr.decode(errors='replace').strip()}"
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            tar.extractall(folder, filter="data")
        else:  # pragma: no cover - our own repository's archive
            tar.extractall(folder)
    return None


class _Side:
    """One side in its own interpreter, on the ``src`` tree given."""

    def __init__(self, name: str, src: Path, playbook: Path) -> None:
        self.name, self.src = name, src
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)])}
        args = [sys.executable, "-m", "bench.pipeline", name, str(playbook), str(TICKETS)]
        self.process = subprocess.Popen(args, env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)  # fmt: skip
        self.times: list[float] = []

    def _answer(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name!r} side failed (exit code {self.process.wait()})")
        return json.loads(line)

    def warmed(self) -> dict[str, Any]:
        result: dict[str, Any] = self._answer()
        if not Path(result["baton"]).resolve().is_relative_to(self.src.resolve()):
            raise RuntimeError(f"the {self.name!r} side imported {result['baton']}, not the tree under {self.src}")
        return {**result, "times": self.times}

    def timed(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        self.times.append(self._answer())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def _report(name: str, side: dict[str, Any]) -> float:
    commands, times = side["commands"], side["times"]
    best, median = commands / min(times), commands / statistics.median(times)
    events = side["events"] / statistics.median(times)
    print(f"  {name:7s} {best:10,.0f} commands/s best, {median:10,.0f} median   ({events:10,.0f} events/s median)")
    return median


def main() -> None:
    playbook = ROOT / "src" / "baton" / "examples" / "playbook.yaml"
    with tempfile.TemporaryDirectory() as folder:
        missing = _old_tree(Path(folder))
        # both warm up at once; the timed runs take turns, so neither side gets a
        # quieter stretch of a shared machine than the other
        sides = [_Side(name, src, playbook) for name, src in
                 [*([] if missing else [("before", Path(folder) / "src")]), ("after", ROOT / "src")]]  # fmt: skip
        try:
            results = [side.warmed() for side in sides]
            for _ in range(REPEATS):
                for side in sides:
                    side.timed()
        finally:
            for side in sides:
                side.close()
    before, after = (None, results[0]) if missing else results
    print(f"\n## Command pipeline: {TICKETS:,} tickets, open + 5 commands each, in process, no database")
    print(f"playbook {after['version']} (the example), {after['commands']:,} commands and {after['events']:,} events "
          f"a run, {after['refused']} commands refused")  # fmt: skip
    print(f"best and median of {REPEATS} runs a side, the sides taking turns, after a warm-up each")
    if before is None:
        print(f"no 'before' ({BEFORE}): {missing}; the new pipeline only")
        _report("after", after)
        return
    same = sum(a == b for a, b in zip(before["trails"], after["trails"], strict=True))
    print(f"trails as (event type, actor): {same:,} of {TICKETS:,} tickets identical before and after")
    for number, (old, new) in enumerate(zip(before["trails"], after["trails"], strict=True), start=1):
        if old != new:
            at = next((k for k, (x, y) in enumerate(zip(old, new, strict=False)) if x != y), min(len(old), len(new)))
            print(f"  first difference: ticket {number}, event {at + 1}:")
            print(f"    before {old[at : at + 3]}\n    after  {new[at : at + 3]}")
            break
    old_rate = _report("before", before)
    ratio = _report("after", after) / old_rate
    print(f"  after / before (median): {ratio:.2f}x")


if __name__ == "__main__":
    _side(sys.argv[1], sys.argv[2], int(sys.argv[3]))
