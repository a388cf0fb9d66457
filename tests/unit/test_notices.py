"""Who hears of a decision: pure, from the decision and the playbook."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from baton.core import commands as cmd
from baton.core.notices import Consumer, NoticeKind, outbox_messages
from baton.core.pipeline import Context, Decision, handle
from baton.core.playbook import CustomerVoice

from .ticketing import PLAYBOOK, T0, handoff, open_command

QUIET = replace(PLAYBOOK, rules=())


def ctx(at=T0, actor="amara", playbook=QUIET) -> Context:
    return Context(playbook, actor, at, {})


def opened() -> Decision:
    return handle(None, open_command(ticket_id=5, severity="medium"), ctx())


def told(decision: Decision, playbook=QUIET) -> list[tuple[str, str]]:
    return [
        (m.kind.value, m.recipient) for m in outbox_messages(decision, playbook) if m.consumer is Consumer.NOTIFICATION
    ]


def test_a_handoff_to_a_role_on_call_reaches_the_on_call_member_alone():
    decision = handle(opened().ticket, handoff("api-engineer-oncall"), ctx(T0 + timedelta(minutes=5)))
    to = decision.ticket.ownership.responsible_agent
    assert to in PLAYBOOK.roles["api-engineer-oncall"].members
    assert told(decision) == [("handoff_received", to)]


def test_a_handoff_to_a_role_without_a_rotation_reaches_every_member_but_the_sender():
    decision = handle(opened().ticket, handoff("product-specialist"), ctx(T0 + timedelta(minutes=5)))
    members = PLAYBOOK.roles["product-specialist"].members
    assert sorted(told(decision)) == sorted(("handoff_received", m) for m in members)


def test_informed_roles_hear_the_updates_the_playbook_names_and_no_others():
    ticket = handle(opened().ticket, cmd.AddParticipant("informed", "support-lead"), ctx(T0 + timedelta(minutes=1)))
    later = T0 + timedelta(minutes=2)
    severity = handle(ticket.ticket, cmd.ChangeSeverity("high"), ctx(later))
    assert told(severity) == []  # not in informed_on by default
    assert ("informed_update", "priya") in told(severity, replace(QUIET, informed_on=("severity_changed",)))
    resolved = handle(ticket.ticket, cmd.Resolve("Rotated the key."), ctx(later))
    assert ("informed_update", "priya") in told(resolved)


def test_nobody_is_told_of_what_they_did_and_each_message_has_its_own_key():
    decision = handle(opened().ticket, handoff("product-specialist"), ctx(T0 + timedelta(minutes=5)))
    messages = outbox_messages(decision, QUIET)
    assert "amara" not in [m.recipient for m in messages if m.consumer is Consumer.NOTIFICATION]
    assert len({m.key for m in messages}) == len(messages)
    assert all(m.key.startswith(f"{m.consumer.value}:5:{m.seq}:") for m in messages)


def test_a_public_reply_is_a_message_for_the_customer_and_an_internal_note_for_the_accountable_agent():
    speaking = replace(QUIET, access=replace(QUIET.access, customer_voice=CustomerVoice.ACCOUNTABLE_OR_RESPONSIBLE))
    ticket = handle(opened().ticket, handoff("product-specialist"), ctx(T0 + timedelta(minutes=5))).ticket
    specialist = ticket.ownership.responsible_agent
    later = T0 + timedelta(minutes=10)
    reply = handle(ticket, cmd.AddMessage("We found it."), ctx(later, specialist, speaking))
    note = handle(ticket, cmd.AddMessage("Key expired.", "internal"), ctx(later, specialist))
    to_customer = [m for m in outbox_messages(reply, speaking) if m.consumer is Consumer.CUSTOMER]
    assert [(m.kind, m.recipient) for m in to_customer] == [(NoticeKind.PUBLIC_REPLY, str(ticket.customer_id))]
    assert told(note) == [("specialist_note", "amara")]


def test_a_specialists_draft_reaches_the_accountable_agent_and_not_the_customer():
    ticket = handle(opened().ticket, handoff("product-specialist"), ctx(T0 + timedelta(minutes=5))).ticket
    specialist = ticket.ownership.responsible_agent
    drafted = handle(ticket, cmd.AddMessage("We found it."), ctx(T0 + timedelta(minutes=10), specialist))
    assert not [m for m in outbox_messages(drafted, QUIET) if m.consumer is Consumer.CUSTOMER]
    assert told(drafted) == [("draft_waiting", "amara")]
    sent = handle(drafted.ticket, cmd.SendDraft(1), ctx(T0 + timedelta(minutes=12)))
    to_customer = [m for m in outbox_messages(sent, QUIET) if m.consumer is Consumer.CUSTOMER]
    assert [m.kind for m in to_customer] == [NoticeKind.PUBLIC_REPLY]


def test_a_notice_for_a_role_the_current_playbook_dropped_reaches_nobody():
    from baton.core import events as ev
    from baton.core.pipeline import Step

    decision = opened()
    gone = replace(decision, followed=(Step(4, ev.RoleNotified("qa-watch", "look"), "baton"),))
    assert told(gone) == []
