"""The one authorisation policy, on the example playbook: who sees a ticket, who works
it, who speaks to the customer, and what a read-only or integration token may do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.errors import NotFound, NotPermitted
from baton.core.playbook import CustomerVoice, Playbook, Visibility
from baton.core.policy import (
    AccessRole,
    Action,
    Caller,
    ReadScope,
    TokenScope,
    authorise,
    caller_for,
    read_scope,
    require,
    require_on,
    sees,
)
from baton.core.ticket import Ticket

from .ticketing import PLAYBOOK, act, assist, events_of, handoff, only, open_command, start

INVOLVED_ONLY = replace(PLAYBOOK, access=replace(PLAYBOOK.access, visibility=Visibility.INVOLVED_OR_ROLE))
RESPONSIBLE_SPEAKS = replace(
    PLAYBOOK, access=replace(PLAYBOOK.access, customer_voice=CustomerVoice.ACCOUNTABLE_OR_RESPONSIBLE)
)


def caller(name: str, scope: TokenScope = TokenScope.AGENT, playbook: Playbook = PLAYBOOK) -> Caller:
    return caller_for(playbook, name, scope)


def handed_to_product() -> Ticket:
    return act(start(), handoff("product-specialist", agent="ines"), "amara")


def test_roles_come_from_the_playbook() -> None:
    assert caller("amara").roles == {AccessRole.AGENT}
    assert caller("ines").roles == {AccessRole.AGENT, AccessRole.SPECIALIST}
    assert caller("priya").roles == {AccessRole.AGENT, AccessRole.SPECIALIST, AccessRole.LEAD, AccessRole.ADMIN}
    assert caller("email-gateway", TokenScope.INTEGRATION).roles == {AccessRole.INTEGRATION}
    assert caller("mallory").roles == frozenset()
    # an agent's name with an integration token is no integration
    assert caller("amara", TokenScope.INTEGRATION).roles == frozenset()


def test_configuration_is_for_leads_and_admins_and_tokens_for_admins() -> None:
    for action in (Action.CHANGE_CUSTOMER, Action.RUN_BACKTEST, Action.IMPORT_HISTORY):
        with pytest.raises(NotPermitted, match="only leads and admins"):
            require(caller("amara"), action)
        require(caller("priya"), action)
    with pytest.raises(NotPermitted, match="only admins"):
        require(caller("ines"), Action.MANAGE_TOKENS)


def test_a_read_only_token_reads_and_changes_nothing() -> None:
    reader = caller("priya", TokenScope.READ)
    require(reader, Action.LIST_TICKETS)
    require(reader, Action.READ_INTERNAL)
    for action in (Action.ADD_MESSAGE, Action.WORK_TICKET, Action.CHANGE_CUSTOMER, Action.MARK_OWN_NOTIFICATIONS):
        with pytest.raises(NotPermitted, match="read-only token"):
            require(reader, action)


def test_only_integrations_write_as_the_customer() -> None:
    ticket = start()
    forged = cmd.AddMessage("It works now, close it.", author_kind="customer", author="Jo at Acme")
    for agent in ("amara", "priya"):
        with pytest.raises(NotPermitted, match="only integrations may write as customer"):
            events_of(ticket, forged, agent)
    assert only(events_of(ticket, forged, "email-gateway"), ev.MessageAdded).author == "Jo at Acme"


def test_an_integration_does_nothing_as_staff() -> None:
    gateway = caller("email-gateway", TokenScope.INTEGRATION)
    for command in (cmd.AddMessage("We are on it."), cmd.AddMessage("n", "internal"), cmd.Resolve("done")):
        with pytest.raises(NotPermitted):
            authorise(gateway, command, start(), PLAYBOOK)


def test_an_uninvolved_agent_may_not_reply_or_work_the_ticket() -> None:
    ticket = start()  # amara's, at the frontline
    for command in (cmd.AddMessage("Hi!"), cmd.AddMessage("note", "internal"), cmd.ChangeStatus("pending_customer")):
        with pytest.raises(NotPermitted):
            events_of(ticket, command, "liam")  # an API engineer with nothing to do with it
    with pytest.raises(NotPermitted, match=r"accountable agent \(amara\) or a lead"):
        events_of(ticket, cmd.TransferAccountability("liam"), "ines")


def test_a_frontline_colleague_works_the_frontline_queue_but_reads_no_notes_of_other_queues() -> None:
    ticket = handed_to_product()
    # amara's colleague at the frontline: the ticket passed through their role
    assert sees(caller("bruno"), ticket, PLAYBOOK)
    require_on(caller("bruno"), Action.READ_INTERNAL, ticket, PLAYBOOK)
    # an API engineer sees it (visibility: all) but not its internal notes
    assert sees(caller("liam"), ticket, PLAYBOOK)
    with pytest.raises(NotPermitted, match="internal notes"):
        require_on(caller("liam"), Action.READ_INTERNAL, ticket, PLAYBOOK)


def test_with_involved_or_role_visibility_an_agent_sees_only_their_roles_tickets() -> None:
    ticket = handed_to_product()
    assert not sees(caller("liam", playbook=INVOLVED_ONLY), ticket, INVOLVED_ONLY)
    with pytest.raises(NotFound):
        require_on(caller("liam", playbook=INVOLVED_ONLY), Action.READ_TICKET, ticket, INVOLVED_ONLY)
    for name in ("amara", "ines", "jonas", "priya"):  # accountable, responsible, her role, a lead
        assert sees(caller(name, playbook=INVOLVED_ONLY), ticket, INVOLVED_ONLY), name


def test_a_restricted_category_is_seen_by_its_roles_and_the_people_on_the_ticket_only() -> None:
    ticket = start(open_command(category="security", subject="Unknown admin user created"))
    assert PLAYBOOK.categories["security"].restricted_to == ("security-team", "support-lead")
    for name in ("amara", "noah", "priya"):  # accountable, security team, lead
        assert sees(caller(name), ticket, PLAYBOOK), name
    for name in ("bruno", "ines", "liam"):  # a frontline colleague, a specialist, an engineer
        assert not sees(caller(name), ticket, PLAYBOOK), name
        with pytest.raises(NotFound):
            events_of(ticket, cmd.AddMessage("Looking."), name)


def test_a_specialists_public_reply_is_a_draft_the_accountable_agent_sends() -> None:
    ticket = handed_to_product()
    drafted = act(ticket, cmd.AddMessage("The export key expired; renew it in Settings."), "ines")
    assert drafted.message_count == ticket.message_count  # nothing reached the customer
    draft = drafted.draft(1)
    assert draft is not None and (draft.author, draft.for_agent) == ("ines", "amara")
    with pytest.raises(NotPermitted, match=r"the accountable agent \(amara\) does"):
        events_of(drafted, cmd.SendDraft(1), "ines")
    events = events_of(drafted, cmd.SendDraft(1, "Hi Jo, the export key expired: renew it in Settings."), "amara")
    sent, message = only(events, ev.DraftSent), only(events, ev.MessageAdded)
    assert (sent.draft, sent.message, sent.edited) == (1, message.number, True)
    assert (message.author, message.visibility) == ("amara", "public")
    assert act(drafted, cmd.SendDraft(1), "amara").drafts == ()


def test_with_accountable_or_responsible_the_specialist_replies_directly() -> None:
    ticket = handed_to_product()
    allowed = authorise(caller("ines"), cmd.AddMessage("Renew the key."), ticket, RESPONSIBLE_SPEAKS)
    assert isinstance(allowed, cmd.AddMessage)
    # an assisting specialist (consulted, not responsible) still drafts
    assisted = act(start(), assist("product-specialist", agent="ines"), "amara")
    drafted = authorise(caller("ines"), cmd.AddMessage("Renew the key."), assisted, RESPONSIBLE_SPEAKS)
    assert isinstance(drafted, cmd.DraftReply)


def test_the_read_scope_admits_what_sees_admits() -> None:
    security = start(open_command(category="security"), ticket_id=2)
    tickets = [start(), handed_to_product(), security]
    for playbook in (PLAYBOOK, INVOLVED_ONLY):
        for name in sorted(playbook.agents):
            who = caller(name, playbook=playbook)
            scope = read_scope(who, playbook)
            for ticket in tickets:
                assert scope.admits(ticket, playbook) == sees(who, ticket, playbook), (name, ticket.category)
    assert read_scope(caller("priya"), PLAYBOOK) == ReadScope(everything=True)


def test_a_reason_is_bounded_and_printable_whatever_door_it_comes_by() -> None:
    from baton.core.errors import InvalidCommand

    ticket = start()
    with pytest.raises(InvalidCommand, match="at most 2000"):
        events_of(ticket, cmd.ChangeStatus("pending_customer", "x" * 900_000), "amara")
    with pytest.raises(InvalidCommand, match="U\\+0000"):
        events_of(ticket, cmd.ChangeSeverity("critical", "bad\x00reason"), "amara")
    assert events_of(ticket, cmd.ChangeSeverity("critical"), "amara")  # no reason at all is fine
