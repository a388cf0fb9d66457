"""Routing: the on-call member, then skills, working hours, caps and severity-weighted load."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from baton.core.errors import InvalidCommand
from baton.core.playbook import Playbook
from baton.core.routing import assign, route
from baton.playbook import load_playbook
from baton.settings import EXAMPLE_PLAYBOOK

MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook(EXAMPLE_PLAYBOOK)


def test_the_member_with_the_categorys_skills_takes_it_over_a_less_loaded_one(playbook):
    frontline = playbook.roles["frontline"]
    load = {"amara": 1.0, "bruno": 0.0, "chen": 2.0, "dana": 0.0, "emeka": 0.0, "farah": 0.0}
    routed = route(frontline, playbook, load, MONDAY_10, "billing")
    assert routed.agent == "chen"  # the only frontline agent with the `invoices` skill
    assert routed.reason.startswith("has invoices; at work, least loaded of frontline")
    assert routed.load["chen"] == 2.0


def test_without_a_skill_match_the_least_loaded_member_at_work_takes_it(playbook):
    frontline = playbook.roles["frontline"]
    load = {"amara": 3.0, "bruno": 2.0, "chen": 2.5, "dana": 4.0, "emeka": 5.0, "farah": 0.0}
    # farah works 12:00-20:00: at 10:00 she is not at work, so bruno (2.0) takes it.
    assert route(frontline, playbook, load, MONDAY_10, "feature-request").agent == "bruno"
    afternoon = MONDAY_10.replace(hour=15)
    assert route(frontline, playbook, load, afternoon, "feature-request").agent == "farah"


def test_the_on_call_engineer_takes_it_and_the_turn_hands_over_each_monday(playbook):
    oncall = playbook.roles["api-engineer-oncall"]
    sunday_night = datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    this_week, last_week = route(oncall, playbook, {}, MONDAY_10, "api"), route(oncall, playbook, {}, sunday_night)
    assert {this_week.agent, last_week.agent} == {"liam", "mei"}
    assert this_week.reason == f"{this_week.agent} is on call for api-engineer-oncall"


def test_an_agent_at_their_cap_is_passed_over(playbook):
    frontline = playbook.roles["frontline"]
    load = {"amara": 0.0, "bruno": 1.0, "chen": 24.0, "dana": 1.0, "emeka": 1.0, "farah": 1.0}
    assert route(frontline, playbook, load, MONDAY_10, "billing").agent == "amara"


def test_when_nobody_qualifies_the_least_loaded_member_still_takes_it(playbook):
    billing = playbook.roles["billing-specialist"]
    capped = replace(
        playbook,
        agents={**playbook.agents, **{a: replace(playbook.agents[a], max_open=1) for a in billing.members}},
    )
    routed = route(billing, capped, {"greta": 5.0, "hiro": 3.0}, MONDAY_10, "billing")
    assert routed.agent == "hiro"
    assert "least loaded member" in routed.reason


def test_a_named_agent_must_belong_to_the_role(playbook):
    assert assign(playbook.roles["frontline"], playbook, {}, MONDAY_10, named="dana").reason == "dana was named"
    with pytest.raises(InvalidCommand, match="not a member of role 'frontline'"):
        assign(playbook.roles["frontline"], playbook, {}, MONDAY_10, named="noah")
