"""The ticket core, behaviour by behaviour: ownership, escalations, permissions,
status transitions and the event payloads. Pure: no database, no clock."""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
import types
import typing
from datetime import timedelta
from typing import Any

import pytest

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.decide import Context, open_ticket
from baton.core.errors import (
    DomainError,
    IncompleteHandoffNote,
    InvalidCommand,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from baton.core.ownership import Ownership, OwnershipState, Participant
from baton.core.playbook import EscalationDirection, EscalationKind
from baton.core.routing import assign
from baton.core.ticket import EscalationStatus, Status, Ticket, evolve
from tests.unit.ticketing import (
    PLAYBOOK,
    STEP,
    T0,
    act,
    assist,
    events_of,
    full_note,
    handoff,
    only,
    open_command,
    start,
)

FRONTLINE = PLAYBOOK.roles["frontline"]
BILLING = PLAYBOOK.roles["billing-specialist"]


def handed_to_billing() -> Ticket:
    """amara's ticket, handed off to greta in billing."""
    return act(start(), handoff("billing-specialist", "greta"), "amara")


def resolved() -> Ticket:
    return act(start(), cmd.Resolve("Re-ran the export."), "amara")


# --- opening -------------------------------------------------------------------------------------


def test_a_new_ticket_is_owned_fully_by_one_agent_of_the_intake_role() -> None:
    ticket = start()

    assert ticket.status is Status.NEW
    assert ticket.version == len(open_ticket(open_command(), Context(PLAYBOOK, "amara", T0)))
    assert ticket.ownership == Ownership(
        original_agent="amara",
        accountable_agent="amara",
        responsible_role="frontline",
        responsible_agent="amara",
    )
    assert ticket.ownership.state is OwnershipState.FULL
    assert ticket.escalation_level == FRONTLINE.tier == 1


def test_a_ticket_opened_without_an_agent_goes_to_the_least_loaded_intake_member() -> None:
    load = {"amara": 3, "bruno": 1, "chen": 2, "dana": 1, "emeka": 4, "farah": 5}

    # A category whose skills every frontline agent has through the role: load decides.
    ticket = start(open_command(agent=None, category="feature-request"), load=load)

    assert ticket.ownership.responsible_agent == "bruno"  # bruno and dana tie on 1; b < d
    assert ticket.ownership.accountable_agent == "bruno"


def test_a_ticket_can_open_directly_on_another_role_at_its_tier() -> None:
    ticket = start(open_command(role="api-engineer-oncall", agent=None), load={"liam": 2, "mei": 0})
    rotation = PLAYBOOK.roles["api-engineer-oncall"].on_call
    assert rotation is not None

    assert (ticket.ownership.responsible_role, ticket.ownership.responsible_agent) == (
        "api-engineer-oncall",
        rotation.agent_at(T0),  # the on-call engineer, whatever the load
    )
    assert ticket.escalation_level == 3


def test_opening_refuses_every_bad_field_at_once() -> None:
    command = open_command(
        subject="   ",
        severity="apocalyptic",
        category="gossip",
        channel="pigeon",
        customer=cmd.CustomerRef(1, "Acme", "platinum"),
        role="reception",
    )

    with pytest.raises(InvalidCommand) as refused:
        open_ticket(command, Context(PLAYBOOK, "amara", T0))

    assert [e.field for e in refused.value.errors] == [
        "subject",
        "severity",
        "category",
        "channel",
        "customer tier",
        "role",
    ]


def test_opening_for_an_agent_outside_the_role_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="not a member of role 'frontline'"):
        start(open_command(agent="greta"))


# --- least-loaded assignment ---------------------------------------------------------------------


def test_the_least_loaded_member_is_the_one_with_the_fewest_open_tickets() -> None:
    assert assign(BILLING, PLAYBOOK, {"greta": 4, "hiro": 1}, T0).agent == "hiro"


def test_least_loaded_ties_go_by_name_and_unlisted_members_count_as_idle() -> None:
    assert assign(BILLING, PLAYBOOK, {"greta": 2, "hiro": 2}, T0).agent == "greta"
    assert assign(FRONTLINE, PLAYBOOK, {"amara": 1, "bruno": 1}, T0).agent == "chen"
    assert assign(FRONTLINE, PLAYBOOK, {}, T0).agent == "amara"


def test_assigning_a_named_member_keeps_them_and_refuses_outsiders() -> None:
    assert assign(BILLING, PLAYBOOK, {"greta": 9}, T0, named="greta").agent == "greta"
    assert assign(BILLING, PLAYBOOK, {"greta": 9}, T0).agent == "hiro"
    with pytest.raises(InvalidCommand, match="'amara' is not a member of role 'billing-specialist'"):
        assign(BILLING, PLAYBOOK, {}, T0, named="amara")


def test_a_handoff_to_a_role_goes_to_its_least_loaded_member_and_records_the_load() -> None:
    load = {"greta": 5, "hiro": 2, "amara": 7}

    escalated = only(events_of(start(), handoff("billing-specialist"), "amara", load=load), ev.TicketEscalated)

    assert escalated.to_agent == "hiro"
    assert escalated.load == {"greta": 5, "hiro": 2}


# --- handoffs and assists ------------------------------------------------------------------------


def test_handoff_keeps_the_accountable_agent() -> None:
    ticket = handed_to_billing()

    assert ticket.ownership.accountable_agent == "amara"
    assert ticket.ownership.original_agent == "amara"


def test_handoff_moves_responsibility_and_the_escalation_level_to_the_target_tier() -> None:
    ticket = handed_to_billing()

    assert (ticket.ownership.responsible_role, ticket.ownership.responsible_agent) == (
        "billing-specialist",
        "greta",
    )
    assert ticket.escalation_level == BILLING.tier == 2
    [escalation] = ticket.escalations
    assert escalation.number == 1
    assert escalation.kind == "handoff"
    assert escalation.status is EscalationStatus.ACTIVE
    assert (escalation.from_role, escalation.from_agent, escalation.from_tier) == ("frontline", "amara", 1)
    assert (escalation.to_role, escalation.to_agent, escalation.to_tier) == ("billing-specialist", "greta", 2)
    assert escalation.requested_by == "amara"
    assert escalation.note == full_note(EscalationKind.HANDOFF)


def test_assist_adds_the_specialist_as_consulted_and_keeps_responsibility() -> None:
    before = start()

    after = act(before, assist("product-specialist", "kavya"), "amara")

    assert after.ownership.consulted == (Participant("product-specialist", "kavya"),)
    assert (after.ownership.responsible_role, after.ownership.responsible_agent) == ("frontline", "amara")
    assert after.ownership.accountable_agent == "amara"
    assert after.escalation_level == before.escalation_level == 1
    assert after.ownership.state is OwnershipState.FULL
    assert after.escalations[0].kind == "assist"
    assert after.escalations[0].status is EscalationStatus.ACTIVE


def test_the_note_is_stored_trimmed() -> None:
    note = {name: f"  {value}  \n" for name, value in full_note(EscalationKind.HANDOFF).items()}

    ticket = act(start(), handoff("billing-specialist", note=note), "amara")

    assert ticket.escalations[0].note == full_note(EscalationKind.HANDOFF)


def test_a_bounced_handoff_returns_responsibility_and_tier_to_the_sender() -> None:
    ticket = act(start(), handoff("api-engineer-oncall", "liam"), "amara")
    assert ticket.escalation_level == 3

    bounced = act(ticket, cmd.Bounce(1, ("logs", "  "), comment=" attach the request id "), "liam")

    assert (bounced.ownership.responsible_role, bounced.ownership.responsible_agent) == ("frontline", "amara")
    assert bounced.escalation_level == 1
    assert bounced.ownership.state is OwnershipState.FULL
    escalation = bounced.escalations[0]
    assert escalation.status is EscalationStatus.BOUNCED
    assert escalation.bounced_by == "liam"
    assert escalation.bounced_at == bounced.updated_at
    assert escalation.missing == ("logs",)
    assert escalation.bounce_comment == "attach the request id"


def test_a_bounced_assist_removes_the_specialist_from_consulted() -> None:
    ticket = act(start(), assist("product-specialist", "kavya"), "amara")
    ticket = act(ticket, cmd.AddParticipant("consulted", "billing-specialist", "hiro"), "amara")

    bounced = act(ticket, cmd.Bounce(1, ("which dashboard?",)), "kavya")

    assert bounced.ownership.consulted == (Participant("billing-specialist", "hiro"),)
    assert (bounced.ownership.responsible_role, bounced.ownership.responsible_agent) == ("frontline", "amara")
    assert bounced.escalation_level == 1
    assert bounced.escalations[0].status is EscalationStatus.BOUNCED


def test_a_second_handoff_supersedes_the_first() -> None:
    ticket = act(handed_to_billing(), handoff("product-engineering"), "greta")

    first, second = ticket.escalations
    assert first.status is EscalationStatus.SUPERSEDED
    assert second.status is EscalationStatus.ACTIVE
    assert (second.number, second.from_role, second.from_agent, second.from_tier) == (
        2,
        "billing-specialist",
        "greta",
        2,
    )
    assert (ticket.ownership.responsible_role, ticket.ownership.responsible_agent) == (
        "product-engineering",
        "olu",
    )
    assert ticket.escalation_level == 4
    assert ticket.ownership.accountable_agent == "amara"


def test_a_handoff_does_not_supersede_an_active_assist() -> None:
    ticket = act(start(), assist("security-team"), "amara")

    ticket = act(ticket, handoff("billing-specialist"), "amara")

    assert [e.status for e in ticket.escalations] == [EscalationStatus.ACTIVE, EscalationStatus.ACTIVE]


def test_a_superseded_handoff_can_no_longer_be_bounced() -> None:
    ticket = act(handed_to_billing(), handoff("product-engineering"), "greta")

    with pytest.raises(InvalidTransition, match="superseded"):
        events_of(ticket, cmd.Bounce(1, ("logs",)), "greta")


def test_bouncing_a_later_handoff_gives_the_ticket_back_under_the_handoff_that_brought_it() -> None:
    ticket = act(handed_to_billing(), handoff("product-engineering", "olu"), "greta")  # A -> B -> C
    ticket = act(ticket, cmd.Bounce(2, ("repro steps",)), "olu")  # C bounces B -> C

    assert (ticket.ownership.responsible_role, ticket.ownership.responsible_agent) == ("billing-specialist", "greta")
    assert [e.status for e in ticket.escalations] == [EscalationStatus.ACTIVE, EscalationStatus.BOUNCED]
    back = act(ticket, cmd.Bounce(1, ("invoice number",)), "greta")  # so B may bounce A -> B in turn
    assert (back.ownership.responsible_role, back.ownership.responsible_agent) == ("frontline", "amara")
    assert back.escalation_level == 1


def test_a_bounced_escalation_cannot_be_bounced_again() -> None:
    ticket = act(handed_to_billing(), cmd.Bounce(1, ("logs",)), "greta")

    with pytest.raises(InvalidTransition, match="bounced"):
        events_of(ticket, cmd.Bounce(1, ("logs",)), "greta")


def test_resolution_completes_active_escalations() -> None:
    ticket = act(start(), assist("security-team"), "amara")
    ticket = act(ticket, cmd.Bounce(1, ("scope",)), "noah")
    ticket = act(ticket, handoff("billing-specialist", "greta"), "amara")
    ticket = act(ticket, handoff("product-engineering"), "greta")
    ticket = act(ticket, assist("security-team"), "olu")

    ticket = act(ticket, cmd.Resolve("  Shipped a fix.  "), "olu")

    assert ticket.status is Status.RESOLVED
    assert ticket.resolution == "Shipped a fix."
    assert ticket.resolved_at == ticket.updated_at
    assert [e.status for e in ticket.escalations] == [
        EscalationStatus.BOUNCED,
        EscalationStatus.SUPERSEDED,
        EscalationStatus.COMPLETED,
        EscalationStatus.COMPLETED,
    ]


def test_a_completed_escalation_cannot_be_bounced_after_a_reopen() -> None:
    ticket = act(handed_to_billing(), cmd.Resolve("Refunded."), "greta")
    ticket = act(ticket, cmd.Reopen("Refund never arrived."), "amara")

    with pytest.raises(InvalidTransition, match="completed"):
        events_of(ticket, cmd.Bounce(1, ("logs",)), "greta")


def test_incomplete_note_lists_every_missing_field_and_every_unknown_one() -> None:
    note = {"summary": "Export fails", "steps_tried": "   ", "mood": "grumpy", "ticket_url": "x"}

    with pytest.raises(IncompleteHandoffNote) as refused:
        events_of(start(), handoff("billing-specialist", note=note), "amara")

    fields = [e.field for e in refused.value.errors]
    assert fields == [
        "note.steps_tried",
        "note.error_messages",
        "note.configuration",
        "note.desired_outcome",
        "note.mood",
        "note.ticket_url",
    ]
    for name in ("steps_tried", "error_messages", "configuration", "desired_outcome", "mood", "ticket_url"):
        assert name in refused.value.detail
    reasons = {e.field: e.reason for e in refused.value.errors}
    assert reasons["note.configuration"].startswith("required for a handoff: account, plan")
    assert reasons["note.mood"] == "is not a handoff-note field the playbook knows"


def test_an_assist_note_needs_the_assist_fields_only() -> None:
    with pytest.raises(IncompleteHandoffNote) as refused:
        events_of(start(), assist("product-specialist", note={}), "amara")

    assert [e.field for e in refused.value.errors] == ["note.summary", "note.question", "note.steps_tried"]
    assert refused.value.errors[0].reason.startswith("required for an assist:")


def test_an_incomplete_note_also_reports_the_other_bad_fields() -> None:
    command = cmd.Escalate(EscalationKind.HANDOFF, "reception", "", {}, target_agent="ghost")

    with pytest.raises(IncompleteHandoffNote) as refused:
        events_of(start(), command, "amara")

    fields = [e.field for e in refused.value.errors]
    assert fields[:3] == ["reason", "target_role", "target_agent"]
    assert "note.summary" in fields


def test_escalating_to_the_role_already_responsible_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="already responsible"):
        events_of(start(), handoff("frontline", "bruno"), "amara")
    with pytest.raises(InvalidTransition, match="already responsible"):
        events_of(handed_to_billing(), assist("billing-specialist"), "greta")


def test_a_role_cannot_be_asked_to_assist_twice_at_once_but_can_after_a_bounce() -> None:
    ticket = act(start(), assist("security-team"), "amara")

    with pytest.raises(InvalidTransition, match="already assisting"):
        events_of(ticket, assist("security-team"), "amara")

    ticket = act(ticket, cmd.Bounce(1, ("scope",)), "noah")
    again = act(ticket, assist("security-team"), "amara")
    assert again.escalations[1].status is EscalationStatus.ACTIVE
    assert again.ownership.consulted == (Participant("security-team", "noah"),)


def test_escalating_to_an_agent_outside_the_target_role_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="not a member of role 'billing-specialist'"):
        events_of(start(), handoff("billing-specialist", "liam"), "amara")


def test_hierarchical_vs_functional_direction() -> None:
    to_lead = only(events_of(start(), handoff("support-lead"), "amara"), ev.TicketEscalated)
    to_engineer = only(events_of(start(), assist("api-engineer-oncall"), "amara"), ev.TicketEscalated)

    assert PLAYBOOK.roles["support-lead"].direction is EscalationDirection.HIERARCHICAL
    assert to_lead.direction == "hierarchical"
    assert PLAYBOOK.roles["api-engineer-oncall"].direction is EscalationDirection.FUNCTIONAL
    assert to_engineer.direction == "functional"


# --- who may do what -----------------------------------------------------------------------------


def test_only_the_receiver_can_bounce() -> None:
    ticket = handed_to_billing()

    for outsider in ("amara", "priya", "liam"):
        with pytest.raises(NotPermitted, match="only the receiver"):
            events_of(ticket, cmd.Bounce(1, ("logs",)), outsider)
    with pytest.raises(NotPermitted, match="not named in the running playbook"):
        events_of(ticket, cmd.Bounce(1, ("logs",)), "mallory")
    for receiver in ("greta", "hiro"):  # the named agent, or another member of the target role
        bounced = act(ticket, cmd.Bounce(1, ("logs",)), receiver)
        assert bounced.ownership.responsible_agent == "amara"


def test_a_bounce_must_name_what_is_missing() -> None:
    with pytest.raises(InvalidCommand) as refused:
        events_of(handed_to_billing(), cmd.Bounce(1, ("", "  ")), "greta")

    assert [e.field for e in refused.value.errors] == ["missing"]


def test_bouncing_an_escalation_the_ticket_does_not_have_is_not_found() -> None:
    with pytest.raises(NotFound, match="no escalation 2"):
        events_of(handed_to_billing(), cmd.Bounce(2, ("logs",)), "greta")


UNINVOLVED_COMMANDS: list[cmd.TicketCommand] = [
    cmd.Resolve("Fixed it."),
    handoff("billing-specialist"),
    assist("security-team"),
    cmd.ChangeStatus("pending_internal"),
    cmd.ChangeSeverity("critical"),
    cmd.AssignResponsible("billing-specialist"),
    cmd.AddParticipant("informed", agent="olu"),
    cmd.TransferAccountability("bruno"),
]


@pytest.mark.parametrize("command", UNINVOLVED_COMMANDS, ids=lambda c: type(c).__name__)
def test_an_uninvolved_agent_cannot_resolve_or_escalate(command: cmd.TicketCommand) -> None:
    with pytest.raises(NotPermitted):
        events_of(start(), command, "ines")  # a product specialist with no part in the ticket


@pytest.mark.parametrize("command", UNINVOLVED_COMMANDS, ids=lambda c: type(c).__name__)
def test_a_lead_can_act_on_any_ticket(command: cmd.TicketCommand) -> None:
    assert PLAYBOOK.has_authority("priya")

    assert events_of(start(), command, "priya")


def test_someone_who_is_not_in_the_playbook_cannot_act_or_write_as_an_agent() -> None:
    for command in (*UNINVOLVED_COMMANDS, cmd.AddMessage("hello")):
        with pytest.raises(NotPermitted):
            events_of(start(), command, "mallory")


def test_any_member_of_the_responsible_role_may_act() -> None:
    ticket = handed_to_billing()

    assert act(ticket, cmd.ChangeStatus("pending_internal"), "hiro").status is Status.PENDING_INTERNAL
    assert act(ticket, cmd.Resolve("Refunded."), "amara").status is Status.RESOLVED
    with pytest.raises(NotPermitted):
        events_of(ticket, cmd.Resolve("Refunded."), "bruno")  # frontline no longer holds it


def test_an_uninvolved_agent_cannot_reopen_or_close() -> None:
    ticket = resolved()

    with pytest.raises(NotPermitted):
        events_of(ticket, cmd.Reopen("Still broken."), "ines")
    with pytest.raises(NotPermitted):
        events_of(ticket, cmd.Close(), "ines")


# --- ownership states ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "accountable", "responsible", "state"),
    [
        ("amara", "amara", "amara", OwnershipState.FULL),
        ("amara", "amara", "greta", OwnershipState.SPLIT),
        ("amara", "priya", "greta", OwnershipState.SPLIT),
        ("amara", "greta", "greta", OwnershipState.TRANSFER),
    ],
)
def test_the_ownership_state_is_derived_from_who_holds_what(
    original: str, accountable: str, responsible: str, state: OwnershipState
) -> None:
    ownership = Ownership(original, accountable, "any-role", responsible)

    assert ownership.state is state


def test_ownership_is_split_while_a_specialist_resolves_for_the_accountable_agent() -> None:
    assert handed_to_billing().ownership.state is OwnershipState.SPLIT


def test_ownership_is_transfer_when_accountability_follows_responsibility() -> None:
    ticket = act(handed_to_billing(), cmd.TransferAccountability("greta", "billing owns it now"), "amara")

    assert ticket.ownership.accountable_agent == "greta"
    assert ticket.ownership.original_agent == "amara"
    assert ticket.ownership.state is OwnershipState.TRANSFER


def test_accountability_moved_to_someone_not_responsible_is_split() -> None:
    ticket = act(start(), cmd.TransferAccountability("bruno"), "amara")

    assert ticket.ownership.state is OwnershipState.SPLIT


def test_only_the_accountable_agent_or_a_lead_can_transfer_accountability() -> None:
    ticket = handed_to_billing()

    with pytest.raises(NotPermitted, match="only the accountable agent"):
        events_of(ticket, cmd.TransferAccountability("greta"), "greta")
    assert act(ticket, cmd.TransferAccountability("greta"), "priya").ownership.accountable_agent == "greta"


def test_transferring_accountability_to_the_accountable_agent_or_a_stranger_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="already accountable"):
        events_of(start(), cmd.TransferAccountability("amara"), "amara")
    with pytest.raises(InvalidCommand):
        events_of(start(), cmd.TransferAccountability("mallory"), "amara")


def test_reassigning_responsibility_to_another_role_sets_its_tier_and_keeps_accountability() -> None:
    ticket = act(start(), cmd.AssignResponsible("security-team", reason="breach"), "amara", load={"noah": 3})

    assert (ticket.ownership.responsible_role, ticket.ownership.responsible_agent) == (
        "security-team",
        "noah",
    )
    assert ticket.escalation_level == 3
    assert ticket.ownership.accountable_agent == "amara"


def test_reassigning_to_whoever_is_already_responsible_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="already responsible"):
        events_of(start(), cmd.AssignResponsible("frontline", "amara"), "amara")


def test_reassigning_to_another_role_supersedes_the_active_handoff() -> None:
    ticket = act(handed_to_billing(), cmd.AssignResponsible("product-specialist"), "greta")

    assert ticket.escalations[0].status is EscalationStatus.SUPERSEDED


def test_reassigning_away_and_back_does_not_revive_the_handoff() -> None:
    ticket = act(handed_to_billing(), cmd.AssignResponsible("frontline", "amara"), "greta")
    ticket = act(ticket, cmd.AssignResponsible("billing-specialist", "hiro"), "amara")

    assert ticket.escalations[0].status is EscalationStatus.SUPERSEDED
    with pytest.raises(InvalidTransition):
        events_of(ticket, cmd.Bounce(1, ("logs",)), "hiro")


def test_reassigning_within_the_target_role_keeps_the_handoff_active_and_bounceable() -> None:
    ticket = act(handed_to_billing(), cmd.AssignResponsible("billing-specialist", "hiro"), "greta")
    assert ticket.escalations[0].status is EscalationStatus.ACTIVE

    bounced = act(ticket, cmd.Bounce(1, ("invoice number",)), "hiro")

    assert (bounced.ownership.responsible_role, bounced.ownership.responsible_agent) == ("frontline", "amara")


def test_a_handoff_that_no_longer_holds_the_ticket_cannot_be_bounced() -> None:
    ticket = act(handed_to_billing(), cmd.AssignResponsible("product-specialist"), "greta")

    with pytest.raises(InvalidTransition):
        events_of(ticket, cmd.Bounce(1, ("logs",)), "greta")


def test_participants_are_added_as_consulted_or_informed() -> None:
    ticket = act(start(), cmd.AddParticipant("consulted", role="billing-specialist"), "amara", load={"greta": 1})
    ticket = act(ticket, cmd.AddParticipant("informed", role="support-lead"), "amara")
    ticket = act(ticket, cmd.AddParticipant("informed", agent="olu"), "amara")

    assert ticket.ownership.consulted == (Participant("billing-specialist", "hiro"),)
    assert ticket.ownership.informed == (Participant("support-lead", None), Participant(None, "olu"))


def test_a_participant_needs_a_kind_and_someone_known() -> None:
    with pytest.raises(InvalidCommand) as refused:
        events_of(start(), cmd.AddParticipant("cc"), "amara")

    assert [e.field for e in refused.value.errors] == ["kind", "role"]


# --- status --------------------------------------------------------------------------------------


def test_the_first_public_agent_reply_opens_a_new_ticket_but_an_internal_note_does_not() -> None:
    noted = act(start(), cmd.AddMessage("checking logs", visibility="internal"), "amara")
    assert noted.status is Status.NEW

    replied = act(noted, cmd.AddMessage("Looking into it."), "amara")

    assert replied.status is Status.OPEN
    assert replied.message_count == 2


@pytest.mark.parametrize("status", ["resolved", "closed", "new", "on_hold"])
def test_a_status_outside_the_settable_ones_cannot_be_set_through_change_status(status: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        events_of(start(), cmd.ChangeStatus(status), "amara")

    assert [e.field for e in refused.value.errors] == ["status"]


def test_setting_the_current_status_again_is_refused() -> None:
    ticket = act(start(), cmd.ChangeStatus("pending_customer"), "amara")

    with pytest.raises(InvalidTransition, match="already pending_customer"):
        events_of(ticket, cmd.ChangeStatus("pending_customer"), "amara")


def test_an_open_ticket_cannot_be_reopened() -> None:
    ticket = act(start(), cmd.ChangeStatus("open"), "amara")

    with pytest.raises(InvalidTransition, match="only a resolved ticket can be reopened"):
        events_of(ticket, cmd.Reopen("again"), "amara")


def test_an_unresolved_ticket_cannot_be_closed() -> None:
    with pytest.raises(InvalidTransition, match="only a resolved ticket can be closed"):
        events_of(start(), cmd.Close(), "amara")


@pytest.mark.parametrize(
    "command",
    [
        cmd.ChangeStatus("open"),
        cmd.ChangeSeverity("critical"),
        cmd.Resolve("again"),
        cmd.AssignResponsible("billing-specialist"),
        cmd.TransferAccountability("bruno"),
        cmd.AddParticipant("informed", agent="olu"),
        handoff("billing-specialist"),
    ],
    ids=lambda c: type(c).__name__,
)
def test_a_resolved_ticket_refuses_changes_until_it_is_reopened(command: cmd.TicketCommand) -> None:
    with pytest.raises(InvalidTransition):
        events_of(resolved(), command, "amara")


def test_a_resolved_ticket_can_be_reopened_and_then_closed_once_resolved_again() -> None:
    ticket = act(resolved(), cmd.Reopen("  The export failed again.  "), "amara")
    assert ticket.status is Status.OPEN
    assert ticket.reopen_count == 1
    assert ticket.resolved_at is None
    assert ticket.resolution == ""  # the earlier one no longer describes it; it stays on the trail

    ticket = act(ticket, cmd.Resolve("Fixed the schedule."), "amara")
    closed = act(ticket, cmd.Close(), "amara")

    assert closed.status is Status.CLOSED
    assert closed.closed_at == closed.updated_at


def test_a_reopen_needs_a_reason() -> None:
    with pytest.raises(InvalidCommand):
        events_of(resolved(), cmd.Reopen("  "), "amara")


@pytest.mark.parametrize(
    "command",
    [
        cmd.AddMessage("One more thing."),
        cmd.AddMessage("Still broken!", author_kind="customer", author="Jo at Acme"),
        cmd.Reopen("customer asked"),
        cmd.Close(),
        cmd.ChangeStatus("open"),
    ],
    ids=["agent-message", "customer-message", "reopen", "close", "status"],
)
def test_a_closed_ticket_refuses_messages_and_changes(command: cmd.TicketCommand) -> None:
    closed = act(resolved(), cmd.Close(), "amara")
    sender = "email-gateway" if isinstance(command, cmd.AddMessage) and command.author_kind == "customer" else "amara"

    with pytest.raises(InvalidTransition):
        events_of(closed, command, sender)


def test_a_customer_reply_on_pending_customer_reopens_it_to_open() -> None:
    ticket = act(start(), cmd.ChangeStatus("pending_customer"), "amara")

    events = events_of(
        ticket, cmd.AddMessage("Here are the logs.", author_kind="customer", author="Jo"), "email-gateway"
    )
    replied = act(ticket, cmd.AddMessage("Here are the logs.", author_kind="customer", author="Jo"), "email-gateway")

    assert only(events, ev.StatusChanged) == ev.StatusChanged("pending_customer", "open", "customer replied")
    assert replied.status is Status.OPEN
    message = only(events, ev.MessageAdded)
    assert (message.author_kind, message.author, message.visibility) == ("customer", "Jo", "public")


def test_a_customer_reply_on_a_resolved_ticket_reopens_it() -> None:
    replied = act(resolved(), cmd.AddMessage("It broke again.", author_kind="customer", author=" Jo "), "email-gateway")

    assert replied.status is Status.OPEN
    assert replied.reopen_count == 1
    assert replied.resolved_at is None


def test_a_customer_reply_on_an_open_ticket_changes_no_status() -> None:
    ticket = act(start(), cmd.ChangeStatus("open"), "amara")

    events = events_of(ticket, cmd.AddMessage("Any news?", author_kind="customer", author="Jo"), "email-gateway")

    assert not [e for e in events if isinstance(e, ev.StatusChanged | ev.TicketReopened)]


def test_a_customer_message_names_its_author_and_is_always_public() -> None:
    with pytest.raises(InvalidCommand) as refused:
        events_of(start(), cmd.AddMessage("psst", visibility="internal", author_kind="customer"), "email-gateway")

    assert [e.field for e in refused.value.errors] == ["visibility", "author"]


def test_a_message_needs_a_body_and_known_kinds() -> None:
    with pytest.raises(InvalidCommand) as refused:
        events_of(start(), cmd.AddMessage(" ", visibility="secret", author_kind="bot"), "amara")

    assert [e.field for e in refused.value.errors] == ["body", "visibility", "author_kind"]


def test_severity_changes_name_a_known_severity_other_than_the_current_one() -> None:
    with pytest.raises(InvalidCommand):
        events_of(start(), cmd.ChangeSeverity("apocalyptic"), "amara")
    with pytest.raises(InvalidTransition, match="already high"):
        events_of(start(), cmd.ChangeSeverity("high"), "amara")

    assert act(start(), cmd.ChangeSeverity("critical", "outage"), "amara").severity == "critical"


# --- purity --------------------------------------------------------------------------------------


def test_a_refused_command_leaves_the_ticket_as_it_was() -> None:
    ticket = handed_to_billing()
    snapshot = copy.deepcopy(ticket)

    with pytest.raises(DomainError):
        events_of(ticket, handoff("product-engineering", note={"summary": "x"}), "greta")

    assert ticket == snapshot


def test_every_event_bumps_the_version_and_the_update_time() -> None:
    ticket = start()
    version = ticket.version
    later = T0 + timedelta(hours=2)

    after = act(ticket, cmd.AddMessage("On it."), "amara", at=later)

    events = events_of(ticket, cmd.AddMessage("On it."), "amara", at=later)
    assert len(events) >= 2  # the message, and the first public reply opening the ticket
    assert after.version == version + len(events)
    assert after.updated_at == later
    assert ticket.version == version


def test_a_second_ticket_opened_event_does_not_apply() -> None:
    opened = only(open_ticket(open_command(), Context(PLAYBOOK, "amara", T0)), ev.TicketOpened)

    with pytest.raises(ValueError, match="does not apply"):
        evolve(start(), opened, "amara", T0 + STEP)


# --- event payloads ------------------------------------------------------------------------------

CORE_EVENT_TYPES = {
    "TicketOpened",
    "MessageAdded",
    "StatusChanged",
    "SeverityChanged",
    "TicketResolved",
    "TicketReopened",
    "TicketClosed",
    "ResponsibleAssigned",
    "AccountableAssigned",
    "ParticipantAdded",
    "TicketEscalated",
    "EscalationBounced",
}


def a_busy_ticket_history() -> list[ev.Event]:
    """The events of a ticket that goes through every kind of change."""
    history: list[ev.Event] = list(open_ticket(open_command(), Context(PLAYBOOK, "amara", T0)))
    ticket = start()
    steps: list[tuple[cmd.TicketCommand, str]] = [
        (cmd.AddMessage("Looking into it."), "amara"),
        (cmd.ChangeStatus("pending_customer", "asked for logs"), "amara"),
        (cmd.AddMessage("Logs attached.", author_kind="customer", author="Jo"), "email-gateway"),
        (cmd.ChangeSeverity("critical", "all exports"), "amara"),
        (cmd.AddParticipant("informed", role="support-lead"), "amara"),
        (assist("security-team"), "amara"),
        (cmd.Bounce(1, ("scope",), "which account?"), "noah"),
        (handoff("billing-specialist", "greta"), "amara"),
        (cmd.AssignResponsible("billing-specialist", "hiro", "greta is away"), "greta"),
        (cmd.TransferAccountability("hiro", "billing owns it"), "amara"),
        (cmd.Resolve("Refunded the duplicate charge."), "hiro"),
        (cmd.AddMessage("It happened again.", author_kind="customer", author="Jo"), "email-gateway"),
        (cmd.Resolve("Fixed the billing run."), "hiro"),
        (cmd.Close(), "hiro"),
    ]
    for command, actor in steps:
        events = events_of(ticket, command, actor)
        history += events
        ticket = act(ticket, command, actor)
    return history


def round_trip(event: ev.Event) -> ev.Event:
    stored = json.loads(json.dumps(ev.to_payload(event)))
    return ev.from_payload(event.type, stored)


def test_the_events_of_a_busy_ticket_round_trip_through_json_payloads_unchanged() -> None:
    history = a_busy_ticket_history()

    assert CORE_EVENT_TYPES - {e.type for e in history} == set()
    for event in history:
        assert round_trip(event) == event


def _sample(annotation: Any, name: str) -> Any:
    """A plain value of ``annotation`` for field ``name``, to build any event."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return _sample(next(a for a in args if a is not type(None)), name)
    if origin is list:
        return [_sample(args[0], name), _sample(args[0], name + "2")]
    if origin is dict:
        return {_sample(args[0], "key"): _sample(args[1], name)}
    if annotation is bool:
        return True
    if annotation is int:
        return 7
    if annotation is float:
        return 12.5
    if annotation is str:
        return f"{name}-value"
    raise AssertionError(f"event field {name}: {annotation!r} is not a plain JSON value")


@pytest.mark.parametrize("event_type", sorted(ev.Event.registry), ids=str)
def test_every_event_type_round_trips_through_json_payloads_unchanged(event_type: str) -> None:
    cls = ev.Event.registry[event_type]
    namespace = vars(sys.modules[cls.__module__])  # not get_type_hints: Event.type shadows `type`
    fields = {
        f.name: _sample(eval(f.type, namespace) if isinstance(f.type, str) else f.type, f.name)
        for f in dataclasses.fields(cls)
    }
    event = cls(**fields)

    assert round_trip(event) == event
    assert ev.to_payload(event) == ev.to_payload(round_trip(event))


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type 'TicketTeleported'"):
        ev.from_payload("TicketTeleported", {})


def test_event_classes_can_be_introspected_with_get_type_hints() -> None:
    hints = typing.get_type_hints(ev.TicketOpened)

    assert hints["escalation_level"] is int
