"""Ownership invariants under random command sequences.

Random actors (the playbook's agents, biased towards those involved, plus
outsiders) issue random commands of every kind, with valid and invalid
arguments, random loads and a clock that only moves forward. A refused command
must leave the ticket exactly as it was; after every accepted one the ticket
must still be well owned:

- the accountable agent is a playbook agent;
- the responsible role is a playbook role and the responsible agent one of its members;
- the escalation level is always the tier of the responsible role. Opening,
  reassignment and a handoff set role and level together; a bounced handoff
  restores the sender's role and the ``from_tier`` recorded when the sender held
  the ticket (so that role's tier); an assist, and an assist's bounce, change
  neither the responsible role nor the level;
- the version grows by exactly the number of events;
- at most one handoff is active, it is the latest handoff, and the role it
  handed to is the one responsible (a reassignment to another role supersedes it);
- every active assist's specialist is consulted, and a resolved or closed
  ticket has no active escalation;
- ``ownership.state`` matches its definition.
"""

from __future__ import annotations

import copy
import typing
from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.decide import Context, decide, open_ticket
from baton.core.errors import DomainError
from baton.core.ownership import OwnershipState, Participant
from baton.core.playbook import EscalationKind
from baton.core.policy import TokenScope, authorise, caller_for
from baton.core.ticket import EscalationStatus, Status, Ticket, evolve_all, open_from
from tests.unit.ticketing import PLAYBOOK, T0, full_note

COMMAND_KINDS = sorted(["OpenTicket", *(c.__name__ for c in typing.get_args(cmd.TicketCommand))])
OUTCOMES: Counter[tuple[str, str]] = Counter()
"""(command kind, accepted | refused): how often each happened, across the whole run."""

AGENTS = sorted(PLAYBOOK.agents)
ROLES = sorted(PLAYBOOK.roles)
OUTSIDERS = ["mallory", "api", "email-gateway"]
NOTE_FIELDS = sorted(PLAYBOOK.note_fields)
SEVERITIES = sorted(PLAYBOOK.severities)
CUSTOMER_TIERS = sorted(PLAYBOOK.customer_tiers)
CATEGORIES = sorted(PLAYBOOK.categories)
ROLES_SORTED = sorted(PLAYBOOK.roles)
SETTABLE = ["open", "pending_customer", "pending_internal"]
UNSETTABLE = [*(s.value for s in Status if s.value not in SETTABLE), "on_hold"]


def mostly(valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``valid`` about four times in five, so that long runs get somewhere.

    (``st.one_of(valid, valid, valid, valid, invalid)`` would not do: hypothesis
    merges sampled_from branches into one uniform choice.)"""
    return st.sampled_from([True, True, True, True, False]).flatmap(lambda ok: valid if ok else invalid)


any_agent = st.sampled_from(AGENTS)
a_role = mostly(st.sampled_from(ROLES), st.just("reception"))
maybe_role = st.none() | a_role
loads = st.dictionaries(any_agent, st.integers(0, 6), max_size=len(AGENTS))
texts = mostly(
    st.sampled_from(["The export works again.", "  needs a look  "]), st.sampled_from(["", "   ", "x" * 300])
)
pauses = st.integers(0, 3 * 24 * 3600)


def member_of(role: str) -> st.SearchStrategy[str | None]:
    """Nobody (the least-loaded member is picked), a member of ``role``, or anyone at all."""
    members = PLAYBOOK.roles[role].members if role in PLAYBOOK.roles else ("ghost",)
    return mostly(st.none() | st.sampled_from(members), st.sampled_from([*AGENTS, "ghost"]))


flawed_notes = st.sets(st.sampled_from([*NOTE_FIELDS, "mood"])).flatmap(
    lambda names: st.fixed_dictionaries({n: st.sampled_from(["filled in", "  "]) for n in sorted(names)})
)
"""Notes with fields missing, blank or unknown (now and then complete by chance)."""


class TicketMachine(RuleBasedStateMachine):
    """One ticket, driven through ``decide`` and ``evolve`` by random commands."""

    def __init__(self) -> None:
        super().__init__()
        self.ticket: Ticket
        self.now = T0
        self.original = ""

    # --- driving -----------------------------------------------------------------------------

    @initialize(data=st.data())
    def the_first_ticket(self, data: st.DataObject) -> None:
        self.open_a_ticket(data)

    @precondition(lambda self: self.ticket.status is Status.CLOSED)
    @rule(data=st.data())
    def the_next_ticket_once_this_one_is_closed(self, data: st.DataObject) -> None:
        self.open_a_ticket(data)

    def open_a_ticket(self, data: st.DataObject) -> None:
        """Open with random arguments; when they are refused, open a plain ticket instead."""
        role = data.draw(st.none() | a_role, label="role")
        tier = data.draw(mostly(st.sampled_from(sorted(PLAYBOOK.customer_tiers)), st.just("gold")))
        command = cmd.OpenTicket(
            subject=data.draw(texts),
            body="Exports fail since Monday.",
            customer=cmd.CustomerRef(1, "Acme", tier),
            severity=data.draw(mostly(st.sampled_from(SEVERITIES), st.just("apocalyptic"))),
            category="data-export",
            channel="email",
            role=role,
            agent=data.draw(member_of(role or PLAYBOOK.intake_role), label="agent"),
        )
        now = self.now + timedelta(seconds=data.draw(pauses, label="pause"))
        load = data.draw(loads, label="load")
        try:
            events = open_ticket(command, Context(PLAYBOOK, "amara", now, load))
        except DomainError:
            OUTCOMES["OpenTicket", "refused"] += 1
            customer = cmd.CustomerRef(1, "Acme", "business")
            plain = cmd.OpenTicket("Exports fail", "Since Monday.", customer, "high", "data-export", "email")
            events = open_ticket(plain, Context(PLAYBOOK, "amara", now, load))
        else:
            OUTCOMES["OpenTicket", "accepted"] += 1
        opened = events[0]
        assert isinstance(opened, ev.TicketOpened)
        self.ticket = evolve_all(open_from(1, opened, now), events[1:], "amara", now)
        assert self.ticket.version == len(events)
        assert self.ticket.status is Status.NEW
        self.original, self.now = opened.accountable_agent, now

    def actor(self, data: st.DataObject) -> str:
        own = self.ticket.ownership
        involved = [own.accountable_agent, own.responsible_agent, "priya"]
        actor: str = data.draw(mostly(st.sampled_from(involved), st.sampled_from([*AGENTS, *OUTSIDERS])), label="actor")
        return actor

    def apply(self, data: st.DataObject, command: cmd.TicketCommand, actor: str | None = None) -> None:
        actor = actor or self.actor(data)
        now = self.now + timedelta(seconds=data.draw(pauses, label="pause"))
        load = data.draw(loads, label="load")
        before = self.ticket
        snapshot = copy.deepcopy(before)
        scope = TokenScope.INTEGRATION if actor in PLAYBOOK.integrations else TokenScope.AGENT
        try:
            allowed = authorise(caller_for(PLAYBOOK, actor, scope), command, before, PLAYBOOK)
            events = decide(before, allowed, Context(PLAYBOOK, actor, now, load))
        except DomainError:
            assert before == snapshot, "a refused command changed the ticket"
            OUTCOMES[type(command).__name__, "refused"] += 1
            return
        assert events, f"{command!r} was accepted but caused nothing"
        after = evolve_all(before, events, actor, now)
        assert before == snapshot, "deciding or evolving mutated the input ticket"
        assert after.version == before.version + len(events)
        assert after.updated_at == now
        self.check_step(before, command, after)
        self.ticket, self.now = after, now
        OUTCOMES[type(command).__name__, "accepted"] += 1

    def check_step(self, before: Ticket, command: cmd.TicketCommand, after: Ticket) -> None:
        """What one accepted command may change."""
        if isinstance(command, cmd.Escalate):
            assert after.ownership.accountable_agent == before.ownership.accountable_agent
            new = after.escalations[-1]
            assert new.number == len(before.escalations) + 1
            if command.kind is EscalationKind.ASSIST:
                assert after.ownership.responsible_role == before.ownership.responsible_role
                assert after.ownership.responsible_agent == before.ownership.responsible_agent
                assert after.escalation_level == before.escalation_level
                assert Participant(new.to_role, new.to_agent) in after.ownership.consulted
            else:
                assert after.ownership.responsible_role == command.target_role
                assert all(
                    e.status is EscalationStatus.SUPERSEDED
                    for old, e in zip(before.escalations, after.escalations, strict=False)
                    if old.kind == "handoff" and old.status is EscalationStatus.ACTIVE
                )
        if isinstance(command, cmd.Bounce):
            bounced = after.escalation(command.escalation)
            assert bounced is not None and bounced.status is EscalationStatus.BOUNCED
            if bounced.kind == "handoff":
                own = after.ownership
                assert (own.responsible_role, own.responsible_agent) == (
                    bounced.from_role,
                    bounced.from_agent,
                )
                assert after.escalation_level == bounced.from_tier
            else:
                assert after.ownership.responsible_agent == before.ownership.responsible_agent
                assert after.escalation_level == before.escalation_level
                assert len(after.ownership.consulted) == len(before.ownership.consulted) - 1
        if isinstance(command, cmd.AssignResponsible) and command.role != before.ownership.responsible_role:
            assert not [e for e in after.escalations if e.kind == "handoff" and e.status is EscalationStatus.ACTIVE]
        if not isinstance(command, cmd.TransferAccountability):
            assert after.ownership.accountable_agent == before.ownership.accountable_agent

    # --- one rule per command ----------------------------------------------------------------

    @rule(data=st.data())
    def add_message(self, data: st.DataObject) -> None:
        author_kind = data.draw(mostly(st.sampled_from(["agent", "customer"]), st.just("bot")))
        visibility = data.draw(mostly(st.sampled_from(["public", "internal"]), st.just("secret")))
        author = data.draw(mostly(st.just("Jo at Acme"), st.sampled_from([None, " "])))
        self.apply(data, cmd.AddMessage(data.draw(texts), visibility, author_kind, author))

    @rule(data=st.data())
    def draft_a_reply(self, data: st.DataObject) -> None:
        self.apply(data, cmd.DraftReply(data.draw(texts)))

    def a_draft(self, data: st.DataObject) -> int:
        """A pending draft's number mostly; now and then one that is not pending."""
        pending = [d.number for d in self.ticket.drafts]
        wrong = st.integers(0, self.ticket.draft_count + 1)
        return int(data.draw(mostly(st.sampled_from(pending), wrong) if pending else wrong, label="draft"))

    @rule(data=st.data())
    def send_a_draft(self, data: st.DataObject) -> None:
        body = data.draw(st.none() | texts, label="edited")
        self.apply(data, cmd.SendDraft(self.a_draft(data), body))

    @rule(data=st.data())
    def discard_a_draft(self, data: st.DataObject) -> None:
        self.apply(data, cmd.DiscardDraft(self.a_draft(data), "not needed"))

    @rule(data=st.data(), status=mostly(st.sampled_from(SETTABLE), st.sampled_from(UNSETTABLE)))
    def change_status(self, data: st.DataObject, status: str) -> None:
        self.apply(data, cmd.ChangeStatus(status, "because"))

    @rule(data=st.data(), severity=mostly(st.sampled_from(SEVERITIES), st.just("apocalyptic")))
    def change_severity(self, data: st.DataObject, severity: str) -> None:
        self.apply(data, cmd.ChangeSeverity(severity))

    @rule(data=st.data(), tier=mostly(st.sampled_from(CUSTOMER_TIERS), st.just("platinum")))
    def change_customer_tier(self, data: st.DataObject, tier: str) -> None:
        self.apply(data, cmd.ChangeCustomerTier(tier))

    @rule(data=st.data(), category=mostly(st.sampled_from(CATEGORIES), st.just("gardening")))
    def change_category(self, data: st.DataObject, category: str) -> None:
        self.apply(data, cmd.ChangeCategory(category))

    @rule(data=st.data(), role=mostly(st.sampled_from(ROLES_SORTED), st.just("wizards")))
    def notify(self, data: st.DataObject, role: str) -> None:
        self.apply(data, cmd.Notify(role, data.draw(texts)))

    @rule(data=st.data())
    def resolve(self, data: st.DataObject) -> None:
        self.apply(data, cmd.Resolve(data.draw(texts)))

    @rule(data=st.data())
    def reopen(self, data: st.DataObject) -> None:
        self.apply(data, cmd.Reopen(data.draw(texts)))

    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        self.apply(data, cmd.Close())

    @rule(data=st.data(), role=a_role)
    def assign_responsible(self, data: st.DataObject, role: str) -> None:
        self.apply(data, cmd.AssignResponsible(role, data.draw(member_of(role)), "rebalancing"))

    @rule(data=st.data(), agent=mostly(any_agent, st.just("ghost")))
    def transfer_accountability(self, data: st.DataObject, agent: str) -> None:
        self.apply(data, cmd.TransferAccountability(agent))

    @rule(
        data=st.data(),
        kind=mostly(st.sampled_from(["consulted", "informed"]), st.just("cc")),
        role=maybe_role,
    )
    def add_participant(self, data: st.DataObject, kind: str, role: str | None) -> None:
        agent = data.draw(member_of(role) if role else mostly(any_agent, st.none()))
        self.apply(data, cmd.AddParticipant(kind, role, agent))

    @rule(data=st.data())
    def hand_off(self, data: st.DataObject) -> None:
        self.escalate(data, EscalationKind.HANDOFF)

    @rule(data=st.data())
    def ask_for_an_assist(self, data: st.DataObject) -> None:
        self.escalate(data, EscalationKind.ASSIST)

    def escalate(self, data: st.DataObject, kind: EscalationKind) -> None:
        """A well-formed escalation to another role, or one with a single flaw."""
        flaw = data.draw(mostly(st.none(), st.sampled_from(["reason", "role", "note", "agent"])), label="flaw")
        others = [r for r in ROLES if r != self.ticket.ownership.responsible_role]
        role = "reception" if flaw == "role" else data.draw(st.sampled_from(others), label="target")
        members = PLAYBOOK.roles[role].members if role in PLAYBOOK.roles else ()
        if flaw == "agent":
            agent: str | None = data.draw(st.sampled_from([a for a in AGENTS if a not in members]))
        else:
            agent = data.draw(st.none() | st.sampled_from(members) if members else st.none())
        note = data.draw(flawed_notes) if flaw == "note" else full_note(kind)
        reason = " " if flaw == "reason" else "needs a specialist"
        self.apply(data, cmd.Escalate(kind, role, reason, note, agent))

    @precondition(lambda self: bool(self.ticket.escalations))
    @rule(data=st.data())
    def bounce(self, data: st.DataObject) -> None:
        """A bounce by a receiver of an active escalation, or one with a single flaw."""
        flaw = data.draw(mostly(st.none(), st.sampled_from(["number", "actor", "missing"])), label="flaw")
        active = [e.number for e in self.ticket.escalations if e.status is EscalationStatus.ACTIVE]
        if flaw == "number" or not active:
            number = data.draw(st.integers(0, len(self.ticket.escalations) + 1), label="number")
        else:
            number = data.draw(st.sampled_from(active), label="number")
        escalation = self.ticket.escalation(number)
        receivers = [escalation.to_agent, *PLAYBOOK.roles[escalation.to_role].members] if escalation else []
        actor = data.draw(st.sampled_from(receivers) if receivers and flaw != "actor" else any_agent)
        missing = data.draw(st.lists(st.sampled_from(["", " "])) if flaw == "missing" else st.just(["logs"]))
        self.apply(data, cmd.Bounce(number, tuple(missing), "see the missing items"), actor)

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def the_ticket_is_well_owned(self) -> None:
        own = self.ticket.ownership
        assert own.accountable_agent and own.accountable_agent in PLAYBOOK.agents
        assert own.original_agent == self.original
        assert own.responsible_role in PLAYBOOK.roles
        assert PLAYBOOK.is_member(own.responsible_agent, own.responsible_role)
        assert own.responsible_agent in PLAYBOOK.roles[own.responsible_role].members

    @invariant()
    def pending_drafts_are_numbered_and_waiting_for_the_accountable_side(self) -> None:
        numbers = [d.number for d in self.ticket.drafts]
        assert numbers == sorted(set(numbers))
        assert all(0 < n <= self.ticket.draft_count for n in numbers)

    @invariant()
    def the_escalation_level_is_the_tier_of_the_responsible_role(self) -> None:
        assert self.ticket.escalation_level == PLAYBOOK.roles[self.ticket.ownership.responsible_role].tier

    @invariant()
    def the_ownership_state_matches_its_definition(self) -> None:
        own = self.ticket.ownership
        if own.accountable_agent != own.responsible_agent:
            expected = OwnershipState.SPLIT
        elif own.accountable_agent != own.original_agent:
            expected = OwnershipState.TRANSFER
        else:
            expected = OwnershipState.FULL
        assert own.state is expected

    @invariant()
    def at_most_one_handoff_holds_the_ticket(self) -> None:
        handoffs = [e for e in self.ticket.escalations if e.kind == "handoff"]
        active = [e for e in handoffs if e.status is EscalationStatus.ACTIVE]
        assert len(active) <= 1
        if active:
            later = handoffs[handoffs.index(active[0]) + 1 :]
            assert all(e.status is EscalationStatus.BOUNCED for e in later), (
                "only the latest handoff, or one whose later handoffs all bounced back, can hold the ticket"
            )
            assert active[0].to_role == self.ticket.ownership.responsible_role
            assert active[0].to_role == self.ticket.ownership.responsible_role, "an active handoff holds"

    @invariant()
    def escalations_are_numbered_and_active_ones_belong_to_an_active_ticket(self) -> None:
        escalations = self.ticket.escalations
        assert [e.number for e in escalations] == list(range(1, len(escalations) + 1))
        active = [e for e in escalations if e.status is EscalationStatus.ACTIVE]
        if not self.ticket.status.is_active:
            assert not active
        for assist in (e for e in active if e.kind == "assist"):
            assert Participant(assist.to_role, assist.to_agent) in self.ticket.ownership.consulted


FAST = settings(
    max_examples=150,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_random_command_sequences_keep_every_ticket_well_owned() -> None:
    OUTCOMES.clear()

    run_state_machine_as_test(TicketMachine, settings=FAST)

    # Not vacuous: every kind of command was both accepted and refused along the way.
    for kind in COMMAND_KINDS:
        assert OUTCOMES[kind, "accepted"] > 0, f"no {kind} was ever accepted"
        assert OUTCOMES[kind, "refused"] > 0, f"no {kind} was ever refused"
