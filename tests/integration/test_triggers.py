"""Escalation triggers end to end, on SQLite and PostgreSQL: each kind of trigger
through the API or the worker, with the firing recorded and explained."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from baton.core import commands as cmd
from baton.core import rules as r
from baton.core.events import RuleFired
from baton.core.playbook import EscalationKind
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.unit_of_work import read_only
from baton.settings import EXAMPLE_PLAYBOOK
from baton.store.unit_of_work import units_of


@pytest.fixture
def playbook_path() -> Path:
    return EXAMPLE_PLAYBOOK  # the shipped playbook, triggers and all


def ticket(**overrides: object) -> NewTicket:
    values: dict[str, object] = {
        "subject": "Date filter shows last month",
        "body": "'This month' shows October's numbers.",
        "severity": "medium",
        "category": "bug",
        "channel": "email",
        "customer": NewCustomer("Cedar Lane Foods", "business"),
        "agent": "amara",
    }
    values.update(overrides)
    return NewTicket(**values)  # type: ignore[arg-type]


def trail(baton, ticket_id: int) -> list:
    with read_only(baton.engine) as uow:
        return uow.tickets.events(ticket_id)


def firings(baton, ticket_id: int, *, stalls: bool = True) -> list[RuleFired]:
    """The rules fired on a ticket; without ``stalls``, less the suggestions every ticket
    left 10 minutes without progress receives."""
    fired = [rec.event for rec in trail(baton, ticket_id) if isinstance(rec.event, RuleFired)]
    return [f for f in fired if stalls or f.rule != "stuck-ticket-suggestions"]


def test_a_duplicate_charge_is_handed_to_billing_on_arrival_with_the_reason_on_record(client, auth, baton):
    created = client.post(
        "/api/v1/tickets",
        json={
            "subject": "We were charged twice for November",
            "body": "Our card shows two charges of $1,480. Please refund one.",
            "severity": "medium",
            "category": "billing",
            "customer": {"name": "Cedar Lane Foods", "tier": "business"},
            "agent": "amara",
        },
        headers=auth("amara"),
    ).json()
    assert created["ownership"]["responsible_role"] == "billing-specialist"
    assert created["ownership"]["accountable_agent"] == "amara"  # the agent keeps the customer
    escalation = created["escalations"][0]
    assert escalation["requested_by"] == "baton"
    assert escalation["reason"].startswith("rule duplicate-charge-to-billing:")
    assert "duplicate-charge-to-billing" in escalation["note"]["steps_tried"]
    events = client.get(f"/api/v1/tickets/{created['id']}/events", headers=auth("amara")).json()
    fired = next(e for e in events if e["type"] == "RuleFired")
    assert fired["data"]["rule"] == "duplicate-charge-to-billing"
    assert fired["playbook_version"] == baton.playbook.version
    assert fired["data"]["inputs"]["category"] == "billing"
    assert "charged twice" in fired["data"]["inputs"]["text"].lower()
    thread = client.get(f"/api/v1/tickets/{created['id']}/messages", headers=auth("amara")).json()
    update = thread[-1]
    assert update["author_kind"] == "system" and update["visibility"] == "public"
    assert "Billing Specialist" in update["body"] and "within 4 business hours" in update["body"]
    assert "Monday 16 November, 13:00 GMT" in update["body"]  # 4 business hours after 09:00


def test_an_enterprise_critical_ticket_skips_tier_1_and_the_lead_is_told(baton):
    opened = baton.tickets.open(
        "amara", ticket(severity="critical", category="api", customer=NewCustomer("Helios", "enterprise"))
    ).ticket
    assert (opened.ownership.responsible_role, opened.escalation_level) == ("api-engineer-oncall", 3)
    kinds = [rec.event.type for rec in trail(baton, opened.id)]
    assert "RoleNotified" in kinds
    assert [f.rule for f in firings(baton, opened.id)] == ["enterprise-critical-skips-tier-1"]


def test_security_words_bring_in_the_security_team_and_a_rule_never_fires_twice(baton):
    opened = baton.tickets.open("amara", ticket(body="We think our account was hacked last night.")).ticket
    assert opened.ownership.responsible_role == "security-team" and opened.severity == "critical"
    baton.tickets.execute("amara", opened.id, cmd.AddMessage("Looking into it with security now."))
    assert [f.rule for f in firings(baton, opened.id)] == ["security-words-on-arrival"]


def test_three_frustrated_replies_bring_in_the_support_lead(baton, clock):
    opened = baton.tickets.open("amara", ticket()).ticket
    replies = [
        "Thanks for the quick answer!",
        "This is still broken and it is really frustrating.",
        "Still wrong numbers. Our board saw them. Unacceptable.",
        "We cannot work like this, it is broken again!",
    ]
    for text in replies:
        clock.advance(timedelta(minutes=10))
        baton.tickets.execute(
            "email-gateway", opened.id, cmd.AddMessage(text, author_kind="customer", author="Sam Patel")
        )
    with read_only(baton.engine) as uow:
        now = uow.tickets.get(opened.id)
    assert now.negative_messages == 3
    fired = firings(baton, opened.id, stalls=False)
    assert [f.rule for f in fired] == ["frustrated-customer-lead-assist"]
    assert fired[0].inputs == {"negative_messages": 3}
    assert [p.agent for p in now.ownership.consulted] == ["priya"]


def test_two_failed_resolutions_go_to_tier_2(baton):
    opened = baton.tickets.open("amara", ticket()).ticket
    for attempt in range(2):
        baton.tickets.execute("amara", opened.id, cmd.Resolve(f"Fix attempt {attempt + 1}"))
        baton.tickets.execute("amara", opened.id, cmd.Reopen("The customer says it is not fixed"))
    with read_only(baton.engine) as uow:
        now = uow.tickets.get(opened.id)
    assert now.ownership.responsible_role == "product-specialist" and now.escalation_level == 2
    assert [f.rule for f in firings(baton, opened.id)] == ["two-failed-attempts-to-tier-2"]


def test_sla_thresholds_fire_rules_through_the_worker(baton, clock):
    opened = baton.tickets.open("amara", ticket(severity="medium")).ticket
    baton.tickets.execute("amara", opened.id, cmd.AddMessage("We're on it."))
    # medium: 30 business hours to resolve on emea-business (08:00-18:00): 50 % is 15 h.
    clock.set(clock.now().replace(hour=8) + timedelta(days=1, hours=6))  # Tuesday 14:00: 15 h gone
    baton.tickets.fire_due_timers()
    assert [f.rule for f in firings(baton, opened.id, stalls=False)] == ["resolution-half-way-notify-owner"]
    notified = [rec.event for rec in trail(baton, opened.id) if rec.event.type == "RoleNotified"]
    assert notified[0].role == "frontline"  # type: ignore[attr-defined]
    assert notified[0].agent == "amara"  # type: ignore[attr-defined]  # the owner, not every frontline agent
    clock.set(clock.now() + timedelta(days=1, hours=2))  # Wednesday 16:00: 24 h = 80 %
    baton.tickets.fire_due_timers()
    assert [f.rule for f in firings(baton, opened.id, stalls=False)][-1] == "resolution-at-risk-lead-assist"
    with read_only(baton.engine) as uow:
        assert "support-lead" in [p.role for p in uow.tickets.get(opened.id).ownership.consulted]


def test_a_stuck_urgent_ticket_is_flagged_once_per_stall_by_the_worker(baton, clock):
    opened = baton.tickets.open("amara", ticket(severity="high")).ticket
    baton.tickets.execute("amara", opened.id, cmd.AddMessage("Investigating."))
    clock.advance(timedelta(minutes=44))
    baton.tickets.fire_due_timers()
    assert "stuck-urgent-ticket" not in [f.rule for f in firings(baton, opened.id)]
    clock.advance(timedelta(minutes=2))
    baton.tickets.fire_due_timers()
    clock.advance(timedelta(minutes=50))
    baton.tickets.fire_due_timers()
    assert [f.rule for f in firings(baton, opened.id)].count("stuck-urgent-ticket") == 1
    baton.tickets.execute("amara", opened.id, cmd.AddMessage("Found the cause, fixing."))  # progress
    clock.advance(timedelta(minutes=46))
    baton.tickets.fire_due_timers()
    assert [f.rule for f in firings(baton, opened.id)].count("stuck-urgent-ticket") == 2


def test_rules_that_keep_triggering_each_other_are_stopped_and_recorded(baton):
    """The playbook check refuses such cycles; this shows the run-time guard behind it."""
    flip = r.compiled(
        r.Rule("flip", "", r.EventTrigger("severity_changed"), r.Compare("severity", "equals", "high"),
               (r.SetSeverity("critical"),))
    )  # fmt: skip
    flop = r.compiled(
        r.Rule("flop", "", r.EventTrigger("severity_changed"), r.Compare("severity", "equals", "critical"),
               (r.SetSeverity("high"),))
    )  # fmt: skip
    baton.playbook = replace(baton.playbook, rules=(flip, flop))
    service = type(baton.tickets)(units_of(baton.engine), baton.playbook, baton.clock)
    opened = service.open("amara", ticket()).ticket
    service.execute("amara", opened.id, cmd.ChangeSeverity("high"))
    kinds = [rec.event.type for rec in trail(baton, opened.id)]
    assert kinds.count("RuleFired") == 4
    assert kinds[-1] == "RuleChainStopped"


def test_a_backtest_reports_what_a_new_rule_would_have_done_and_writes_nothing(client, auth, baton, clock):
    """A history made without triggers, then a playbook whose billing rule is backtested."""
    import yaml

    quiet = replace(baton.playbook, rules=())
    service = type(baton.tickets)(units_of(baton.engine), quiet, clock)
    charged = service.open("amara", ticket(subject="Charged twice", body="We were charged twice.", category="billing"))
    service.open("amara", ticket(subject="Invoice address", body="Please change the address.", category="billing"))
    clock.advance(timedelta(hours=3))
    note = {"summary": "s", "steps_tried": "t", "error_messages": "e", "configuration": "c", "desired_outcome": "d"}
    service.execute(
        "amara", charged.ticket.id, cmd.Escalate(EscalationKind.HANDOFF, "billing-specialist", "refund", note)
    )
    with read_only(baton.engine) as uow:
        before = uow.tickets.event_counts()

    candidate = yaml.safe_dump(yaml.safe_load(EXAMPLE_PLAYBOOK.read_text()))
    lead = auth("priya")  # a backtest is for leads and admins
    report = client.post(
        "/api/v1/playbook/backtest", json={"playbook": candidate, "since_days": 30}, headers=lead
    ).json()
    billing = next(x for x in report["rules"] if x["rule"] == "duplicate-charge-to-billing")
    assert report["tickets"] == 2
    assert billing == billing | {"tickets": 1, "escalated_by_hand_later": 1, "median_hours_saved": 3.0}
    with read_only(baton.engine) as uow:
        assert uow.tickets.event_counts() == before  # nothing written

    broken = client.post("/api/v1/playbook/backtest", json={"playbook": "rules: [", "since_days": 30}, headers=lead)
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"].startswith("playbook")


def test_rule_health_counts_firings_escalations_and_bounces(client, auth, baton):
    created = baton.tickets.open("amara", ticket(subject="Charged twice", body="Charged twice!", category="billing"))
    receiver = created.ticket.escalations[0].to_agent
    baton.tickets.execute(receiver, created.ticket.id, cmd.Bounce(1, ("card statement",)))
    baton.tickets.execute("amara", created.ticket.id, cmd.Resolve("Refunded"))
    health = client.get("/api/v1/rules/health", headers=auth("amara")).json()
    billing = next(x for x in health["rules"] if x["rule"] == "duplicate-charge-to-billing")
    assert billing == billing | {"firings": 1, "escalations": 1, "bounced": 1, "bounce_rate": 1.0}
    assert billing["median_hours_to_resolve_after_firing"] == 0.0


def test_an_angry_first_message_from_a_paying_customer_skips_tier_1(client, auth):
    created = client.post(
        "/api/v1/tickets",
        json={
            "subject": "Dashboards broken AGAIN",
            "body": "This is unacceptable. Your dashboards are down again and we are furious. Fix it now.",
            "severity": "medium",
            "category": "performance",
            "customer": {"name": "Bluefin Analytics", "tier": "business"},
        },
        headers=auth("amara"),
    ).json()
    assert created["ownership"]["responsible_role"] == "product-specialist"
    assert created["escalation_level"] == 2
    events = client.get(f"/api/v1/tickets/{created['id']}/events", headers=auth("amara")).json()
    opened = events[0]["data"]
    assert opened["sentiment"] <= -0.6 and opened["routing"]
    fired = [e["data"] for e in events if e["type"] == "RuleFired"]
    assert [f["rule"] for f in fired] == ["angry-first-message-skips-tier-1"]
    routed = next(e["data"] for e in events if e["type"] == "TicketEscalated")
    assert routed["routing"] and routed["load"]  # why this specialist, and the loads weighed


def test_an_enterprise_critical_ticket_takes_one_route_even_when_several_rules_match(baton):
    opened = baton.tickets.open(
        "amara",
        ticket(
            severity="critical",
            category="api",
            body="Everything is down, this is unacceptable and we are furious.",
            customer=NewCustomer("Helios", "enterprise"),
        ),
    ).ticket
    assert opened.ownership.responsible_role == "api-engineer-oncall"
    assert [e.kind for e in opened.escalations] == ["handoff"]


def test_a_stuck_ticket_gets_similar_resolved_tickets_pushed_to_its_owner_once_per_stall(baton, clock):
    from baton.core.events import SuggestionsPushed

    export = ticket(
        subject="Scheduled export stuck in progress",
        body="Our nightly CSV export to S3 has been in progress for 19 hours.",
        category="data-export",
    )
    solved = baton.tickets.open("amara", export).ticket
    baton.tickets.execute("amara", solved.id, cmd.Resolve("Skipped a malformed row and re-ran the export."))
    unrelated = baton.tickets.open("bruno", ticket(subject="Invoice address", body="Please use our new address."))
    baton.tickets.execute("bruno", unrelated.ticket.id, cmd.Resolve("Updated the address."))

    stuck = baton.tickets.open(
        "dana",
        ticket(subject="Export stuck again", body="The nightly S3 export is stuck in progress.", agent="dana"),
    ).ticket

    def pushes() -> list[SuggestionsPushed]:
        return [rec.event for rec in trail(baton, stuck.id) if isinstance(rec.event, SuggestionsPushed)]

    clock.advance(timedelta(minutes=9))
    baton.tickets.fire_due_timers()
    assert pushes() == []
    clock.advance(timedelta(minutes=2))  # 11 business minutes without progress
    baton.tickets.fire_due_timers()
    clock.advance(timedelta(minutes=30))
    baton.tickets.fire_due_timers()
    [pushed] = pushes()
    assert (pushed.rule, pushed.role, pushed.agent) == ("stuck-ticket-suggestions", "frontline", "dana")
    assert pushed.tickets[0]["ticket_id"] == solved.id
    assert pushed.tickets[0]["resolution"] == "Skipped a malformed row and re-ran the export."
    assert stuck.id not in [t["ticket_id"] for t in pushed.tickets]
    assert "stuck-ticket-suggestions" in [f.rule for f in firings(baton, stuck.id)]

    baton.tickets.execute("dana", stuck.id, cmd.AddMessage("Checking the export log."))  # progress
    clock.advance(timedelta(minutes=11))
    baton.tickets.fire_due_timers()
    assert len(pushes()) == 2


def test_a_stuck_ticket_on_a_desk_with_nothing_resolved_is_told_so(baton, clock):
    from baton.core.events import SuggestionsPushed

    stuck = baton.tickets.open("amara", ticket()).ticket
    clock.advance(timedelta(minutes=11))
    baton.tickets.fire_due_timers()
    [pushed] = [rec.event for rec in trail(baton, stuck.id) if isinstance(rec.event, SuggestionsPushed)]
    assert pushed.tickets == [] and pushed.note == "no resolved tickets yet"


def test_pushed_suggestions_and_role_notifications_reach_the_agents_they_address(client, auth, baton, clock):
    export = ticket(
        subject="Scheduled export stuck", body="Our nightly CSV export to S3 has been in progress for hours."
    )
    solved = baton.tickets.open("amara", export).ticket
    baton.tickets.execute("amara", solved.id, cmd.Resolve("Re-ran the export."))
    again = ticket(subject="Export stuck again", body="The nightly S3 export is stuck in progress.", agent="dana")
    stuck = baton.tickets.open("dana", again)
    urgent = baton.tickets.open("bruno", ticket(severity="high", agent="bruno")).ticket
    clock.advance(timedelta(minutes=50))  # both stalled: suggestions to their owners, the urgent one to the lead
    baton.tickets.fire_due_timers()
    assert baton.dispatcher.dispatch().delivered > 0  # the worker delivers the outbox

    def notices(agent: str) -> list[dict[str, Any]]:
        return list(client.get("/api/v1/me/notifications", headers=auth(agent)).json()["items"])

    mine = notices("dana")
    assert [(n["ticket_id"], n["kind"]) for n in mine] == [(stuck.ticket.id, "suggestions")]
    assert mine[0]["tickets"][0]["ticket_id"] == solved.id
    assert mine[0]["text"] == "No progress; 1 suggestion by rule stuck-ticket-suggestions"
    lead = notices("priya")  # priya leads support
    assert [(n["ticket_id"], n["kind"]) for n in lead] == [(urgent.id, "rule_notice")]
    assert lead[0]["text"] == "No progress for 45 business minutes on an urgent ticket."
    assert notices("greta") == []
    bruno = notices("bruno")  # the urgent ticket's owner: its suggestions, and 50 and 80 % of its 1 h first response
    kinds = sorted(n["kind"] for n in bruno if n["ticket_id"] == urgent.id)
    assert kinds == ["sla_warning", "sla_warning", "suggestions"] and len(bruno) == 3
    assert notices("amara") == []  # frontline, not the owner
    baton.tickets.execute("dana", stuck.ticket.id, cmd.Resolve("Re-ran the export."))
    assert notices("dana") == []  # what asked for action on a resolved ticket is left out
