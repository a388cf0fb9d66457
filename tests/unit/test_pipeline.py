"""The one pipeline: a command, what it caused, what followed, the next due time —
pure, on the example playbook and its trigger rules, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core import rules as r
from baton.core.backtest import backtest
from baton.core.errors import InvalidCommand
from baton.core.pipeline import CHAIN_LIMIT, SYSTEM, Context, Decision, handle

from .ticketing import PLAYBOOK, T0, handoff, open_command


def ctx(at=T0, actor="amara", playbook=PLAYBOOK, **changes) -> Context:
    return Context(playbook, actor, at, {}, customer_name=lambda _id: "Acme Analytics", **changes)


def opened(at=T0, **changes) -> Decision:
    return handle(None, open_command(ticket_id=7, severity="medium", customer=_business(), **changes), ctx(at))


def _business() -> cmd.CustomerRef:
    return cmd.CustomerRef(id=1, name="Cedar Lane Foods", tier="business")


def kinds(steps) -> list[str]:
    return [s.event.type for s in steps]


def test_opening_is_a_command_like_any_other_its_clocks_follow_it():
    decision = opened()
    assert kinds(decision.caused) == ["TicketOpened"]
    assert decision.before is None
    assert decision.ticket.id == 7
    assert kinds(decision.followed) == ["SlaClockStarted", "SlaClockStarted"]
    assert [s.seq for s in decision.steps] == [1, 2, 3]
    assert decision.ticket.version == 3
    assert decision.next_due is not None and decision.next_due > T0


def test_the_classification_is_recorded_by_baton_right_after_the_opening():
    classified = ev.TicketClassified("bug", 0.9, "model", "words", "medium", "model", [], ["category"])
    decision = opened(classified=classified)
    assert [(s.event.type, s.actor) for s in decision.steps[:2]] == [
        ("TicketOpened", "amara"),
        ("TicketClassified", SYSTEM),
    ]


def test_a_late_handoff_caused_the_handoff_and_the_leads_assist_only_followed():
    """The wrong answer it pins: the API used to answer with the last escalation, the
    assist a rule added in the same call."""
    ticket = opened().ticket
    late = T0 + timedelta(days=4)  # past 80 % of the medium resolution target
    decision = handle(ticket, handoff("product-specialist"), ctx(late))
    assert kinds(decision.caused) == ["TicketEscalated"]
    made = decision.caused[0].event
    assert isinstance(made, ev.TicketEscalated) and (made.kind, made.number) == ("handoff", 1)
    fired = [s.event.rule for s in decision.followed if isinstance(s.event, ev.RuleFired)]
    assert "resolution-at-risk-lead-assist" in fired
    assists = [s.event for s in decision.followed if isinstance(s.event, ev.TicketEscalated)]
    assert [(e.kind, e.to_role, e.number) for e in assists] == [("assist", "support-lead", 2)]
    # the clocks react on the caller's behalf; rules and their actions are Baton's
    assert {s.actor for s in decision.followed if not s.event.type.startswith("Sla")} == {SYSTEM}


def test_a_refused_command_raises_and_decides_nothing():
    ticket = opened().ticket
    with pytest.raises(InvalidCommand):
        handle(ticket, cmd.ChangeSeverity("apocalyptic"), ctx(T0 + timedelta(minutes=5)))


def test_a_refused_rule_action_is_recorded_and_the_rest_goes_on():
    same = r.compiled(
        r.Rule("same-again", "", r.EventTrigger("agent_reply"), r.AllOf(()),
               (r.SetSeverity("medium"), r.NotifyRole("support-lead", "replied")))
    )  # fmt: skip
    playbook = replace(PLAYBOOK, rules=(same,))
    ticket = opened().ticket
    decision = handle(ticket, cmd.AddMessage("On it."), ctx(T0 + timedelta(minutes=5), playbook=playbook))
    refused = [s.event for s in decision.followed if isinstance(s.event, ev.RuleActionRefused)]
    assert [(e.rule, e.action) for e in refused] == [("same-again", "set severity to medium")]
    assert any(isinstance(s.event, ev.RoleNotified) for s in decision.followed)


def test_rules_that_keep_triggering_each_other_are_stopped_after_the_chain_limit():
    flip = r.compiled(
        r.Rule("flip", "", r.EventTrigger("severity_changed"), r.Compare("severity", "equals", "high"),
               (r.SetSeverity("critical"),))
    )  # fmt: skip
    flop = r.compiled(
        r.Rule("flop", "", r.EventTrigger("severity_changed"), r.Compare("severity", "equals", "critical"),
               (r.SetSeverity("high"),))
    )  # fmt: skip
    playbook = replace(PLAYBOOK, rules=(flip, flop))
    ticket = opened().ticket
    decision = handle(ticket, cmd.ChangeSeverity("high"), ctx(T0 + timedelta(minutes=5), playbook=playbook))
    fired = [s for s in decision.followed if isinstance(s.event, ev.RuleFired)]
    assert len(fired) == CHAIN_LIMIT
    assert isinstance(decision.followed[-1].event, ev.RuleChainStopped)


def test_time_passing_fires_what_is_due_and_moves_the_next_due_time_on():
    decision = opened()
    seen: list[str] = []
    for _ in range(6):
        # the no-progress rules at 10 minutes (fires) and 45 (a high-severity rule: does
        # not hold for this medium ticket), then the first-response warnings
        due = decision.next_due
        assert due is not None
        decision = handle(decision.ticket, cmd.FireDueTimers(), ctx(due, actor=SYSTEM))
        assert decision.caused == ()
        assert decision.next_due is None or decision.next_due > due
        seen += kinds(decision.followed)
    assert "SuggestionsPushed" in seen
    assert seen.count("SlaThresholdReached") >= 2


def test_a_customer_update_is_written_with_the_customers_name_from_the_context():
    charged = opened(subject="Charged twice this month", body="We were charged twice.", category="billing")
    updates = [s.event for s in charged.followed if isinstance(s.event, ev.MessageAdded)]
    assert len(updates) == 1
    assert updates[0].author_kind == "system"
    assert updates[0].body.startswith("Hi Acme Analytics, thank you for reporting")
    assert "(ticket #7)" in updates[0].body


def _history(decisions: list[Decision]) -> list[ev.RecordedEvent]:
    return [record for d in decisions for record in d.records()]


def test_a_replay_keeps_its_own_memory_of_what_fired():
    """A history recorded under the same rules holds their RuleFired events; the replay
    still finds each rule firing (a new version of a rule keeps its name)."""
    first = opened(subject="Charged twice this month", body="We were charged twice.", category="billing")
    results = {b.rule: b.tickets for b in backtest(PLAYBOOK, [_history([first])])}
    assert results["duplicate-charge-to-billing"] == 1


def test_a_backtest_feeds_a_rules_own_actions_back_only_when_asked():
    """Rule one hands the ticket to tier 2; rule two reacts to that escalation."""
    to_tier_2 = r.compiled(
        r.Rule("to-tier-2", "", r.EventTrigger("ticket_created"), r.Compare("category", "equals", "bug"),
               (r.EscalateTo("handoff", "product-specialist"),))
    )  # fmt: skip
    on_escalation = r.compiled(
        r.Rule("tell-the-lead", "", r.EventTrigger("escalated"), r.AllOf(()), (r.NotifyRole("support-lead", "fyi"),))
    )
    quiet = replace(PLAYBOOK, rules=())
    history = _history([handle(None, open_command(ticket_id=3, category="bug"), ctx(playbook=quiet))])
    candidate = replace(PLAYBOOK, rules=(to_tier_2, on_escalation))
    as_recorded = {b.rule: b.tickets for b in backtest(candidate, [history])}
    fed_back = {b.rule: b.tickets for b in backtest(candidate, [history], act=True)}
    assert as_recorded == {"to-tier-2": 1, "tell-the-lead": 0}
    assert fed_back == {"to-tier-2": 1, "tell-the-lead": 1}


def test_a_pinned_rule_naming_a_role_the_current_playbook_dropped_is_refused_not_a_crash():
    """A ticket governed by an earlier version keeps its rules, while roles come from the current one."""
    from baton.core.notices import outbox_messages

    gone = r.compiled(
        r.Rule("to-qa", "", r.EventTrigger("agent_reply"), r.AllOf(()),
               (r.PushSuggestions("qa-watch", 3), r.NotifyRole("support-lead", "replied")))
    )  # fmt: skip
    playbook = replace(PLAYBOOK, rules=(gone,))
    decision = handle(opened().ticket, cmd.AddMessage("On it."), ctx(T0 + timedelta(minutes=5), playbook=playbook))
    refused = [s.event for s in decision.followed if isinstance(s.event, ev.RuleActionRefused)]
    assert [(e.rule, e.action) for e in refused] == [
        ("to-qa", "push up to 3 similar resolved tickets and articles to qa-watch")
    ]
    assert "unknown role 'qa-watch'" in refused[0].reason
    outbox_messages(decision, playbook)  # and who hears of it is worked out without the role
