"""Metrics of Baton's own history and of an imported one, on SQLite and
PostgreSQL: tickets driven through the real services, figures read over the API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from baton.core import commands as cmd
from baton.core.audit import ConfigAction
from baton.core.playbook import EscalationKind
from baton.integrations.importers import Mapping, read_file
from baton.integrations.importers.stored import load_history, save_history
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.unit_of_work import read_only

HANDOFF = {
    "summary": "API returns 429 far below the limit",
    "steps_tried": "Checked the key's limit: 600/min",
    "error_messages": "HTTP 429",
    "configuration": "enterprise key orders-sync",
    "desired_outcome": "calls succeed at the contracted rate",
}
ASSIST = {"summary": "SSO loop", "question": "Is the IdP certificate ours?", "steps_tried": "Cleared cookies"}
MIN = 60.0


def ticket(category: str, agent: str, severity: str = "medium") -> NewTicket:
    return NewTicket(
        subject=f"{category} problem",
        body="Something is wrong.",
        severity=severity,
        category=category,
        channel="email",
        customer=NewCustomer("Northwind Logistics", "enterprise"),
        agent=agent,
    )


@pytest.fixture
def history(baton, clock):
    """Four tickets; the arithmetic of each figure is in the tests."""
    t = baton.tickets
    one = t.open("amara", ticket("how-to", "amara")).ticket.id
    two = t.open("amara", ticket("api", "amara", "high")).ticket.id
    three = t.open("bruno", ticket("how-to", "bruno")).ticket.id
    t.open("chen", ticket("bug", "chen"))  # never resolved
    clock.advance(timedelta(minutes=5))
    t.execute("amara", two, cmd.Escalate(EscalationKind.HANDOFF, "api-engineer-oncall", "429s", HANDOFF, "liam"))
    t.execute("bruno", three, cmd.Escalate(EscalationKind.ASSIST, "api-engineer-oncall", "SSO", ASSIST, "mei"))
    clock.advance(timedelta(minutes=5))
    t.execute("amara", one, cmd.AddMessage("Here is how."))
    clock.advance(timedelta(minutes=5))
    t.execute("liam", two, cmd.Bounce(1, ("request ids",)))
    clock.advance(timedelta(minutes=10))
    t.execute("amara", two, cmd.Escalate(EscalationKind.HANDOFF, "api-engineer-oncall", "429s", HANDOFF, "liam"))
    t.execute("liam", two, cmd.AddMessage("Fixing the limit now."))  # a draft: amara keeps the customer
    t.execute("amara", two, cmd.SendDraft(1))
    clock.advance(timedelta(minutes=35))
    t.execute("amara", one, cmd.Resolve("Answered."))
    t.execute("bruno", three, cmd.Resolve("Certificate renewed."))
    clock.advance(timedelta(minutes=60))
    t.execute("liam", two, cmd.Resolve("Limit raised."))
    return one, two, three


def metrics(client, auth, **params):
    response = client.get("/api/v1/metrics", params=params, headers=auth("amara"))
    assert response.status_code == 200, response.text
    body = response.json()
    return body, {m["name"]: m for m in body["metrics"]}


def test_metrics_of_batons_own_history_over_the_api(client, auth, history):
    body, m = metrics(client, auth)
    assert body["source"] == "baton"
    assert body["population"]["cases"] == 3
    assert body["population"]["excluded"] == [{"reason": "not resolved by the end of the history", "cases": 1}]
    # Ticket 2 is handed to tier 3 (twice), ticket 3 pulls in a tier-3 assist; ticket 1 neither.
    assert m["escalation_rate"]["value"] == {"value": 2 / 3, "numerator": 2, "denominator": 3}
    assert m["first_contact_resolution"]["value"]["numerator"] == 1
    assert m["bounce_back_rate"]["value"] == {"value": 0.5, "numerator": 1, "denominator": 2}
    # Routine (how-to) tickets 1 and 3; one assist pulled in the tier-3 API engineers.
    assert m["sme_interruption_rate"]["value"]["numerator"] == 1
    assert m["sme_interruption_rate"]["value"]["denominator"] == 2
    assert m["ping_pong"]["value"]["numerator"] == 1 and m["ping_pong"]["cases"] == [str(history[1])]
    assert m["repeat_escalations"]["value"]["numerator"] == 1
    # First replies: ticket 1 at 10 min, ticket 2 at 25 min (liam's draft after the second handoff, sent by amara).
    reply = m["time_to_first_reply"]["value"]
    assert (reply["count"], reply["median"]) == (2, 17.5 * MIN)
    assert m["time_to_first_reply"]["excluded"] == [{"reason": "no public reply by an agent", "cases": 1}]
    # Escalation 5 minutes after opening for tickets 2 and 3.
    assert m["time_to_escalation"]["value"]["median"] == 5 * MIN
    resolve = m["time_to_resolve"]["value"]
    assert (resolve["count"], resolve["median"], resolve["total"]) == (3, 60 * MIN, (60 + 60 + 120) * MIN)
    stages = {row[0]: row for row in m["time_at_team"]["value"]["rows"]}
    assert stages["api-engineer-oncall"][1] == 2  # two runs, both in ticket 2
    sla = {row[0]: row for row in m["sla_attainment"]["value"]["rows"]}
    # Both replies came inside their first-response targets; ticket 3 got no reply, but Baton's
    # clocks stop as met when a ticket is resolved, so its first-response target counts as met.
    assert sla["first_response"][1:3] == [3, 3]
    assert sla["resolution"][1:3] == [3, 3]
    assert m["time_to_first_reply"]["definition"] == "Creation to the first public reply by an agent."


def test_metrics_sliced_by_category_and_week_and_limited_to_a_period(client, auth, history, clock):
    body, _ = metrics(client, auth, by="category", granularity="week", metric=["escalation_rate"])
    keys = {(s["key"]["category"], s["period"]["start"]) for s in body["slices"]}
    assert keys == {("api", "2026-11-16T00:00:00+00:00"), ("how-to", "2026-11-16T00:00:00+00:00")}
    assert all(len(s["metrics"]) == 1 for s in body["slices"])
    later, _ = metrics(client, auth, start=(clock.now() - timedelta(minutes=30)).isoformat())
    assert later["population"]["cases"] == 1  # only ticket 2 resolved in the last half hour


def test_bad_metric_requests_are_problems(client, auth, history):
    unknown = client.get("/api/v1/metrics", params={"source": "nope"}, headers=auth("amara"))
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    backwards = client.get(
        "/api/v1/metrics", params={"start": "2026-11-20", "end": "2026-11-10"}, headers=auth("amara")
    )
    assert backwards.status_code == 422
    assert client.get("/api/v1/metrics").status_code == 401
    definitions = client.get("/api/v1/metrics/definitions", headers=auth("amara")).json()
    assert "bounce_back_rate" in definitions


LOG = """case,when,status,group,who
c1,2026-01-05T09:00:00,New,desk,ann
c1,2026-01-05T10:00:00,Active,apps,bob
c1,2026-01-05T11:00:00,Active,desk,ann
c1,2026-01-05T12:00:00,Resolved,desk,ann
c2,2026-01-05T09:00:00,New,desk,ann
c2,2026-01-05T09:30:00,Closed,desk,ann
c3,bad time,New,desk,ann
"""


def test_an_imported_history_is_stored_and_asked_for_metrics_later(baton, client, auth, clock, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    imported = read_file(path, Mapping(case="case", time="when", activity="status", team="group", agent="who"))
    assert save_history(baton.engine, "legacy", imported, clock.now(), actor="operator:ops") == 6
    with read_only(baton.engine) as uow:
        entries = uow.audit_log.recent(5, ConfigAction.HISTORY_IMPORTED)
    assert [(e.actor, e.subject, e.details["events"]) for e in entries] == [("operator:ops", "history:legacy", 6)]
    back = load_history(baton.engine, "legacy")
    assert back.frame.equals(imported.log.frame.sort(["case", "ts", "row"]))
    assert back.excluded.get_column("case").to_list() == ["c3"]
    body, m = metrics(client, auth, source="legacy")
    assert body["source"] == "legacy" and body["population"]["cases"] == 2
    assert m["ping_pong"]["cases"] == ["c1"] and m["handovers_per_case"]["value"]["total"] == 2
    assert m["escalation_rate"]["available"] is False
    sources = client.get("/api/v1/metrics/sources", headers=auth("amara")).json()
    assert [s["name"] for s in sources] == ["baton", "legacy"]
