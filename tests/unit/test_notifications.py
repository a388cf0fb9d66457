"""Whom a notification reaches: a role's members, or the one member it names."""

from __future__ import annotations

from baton.core import events as ev
from baton.services.notifications import addressed_to

FRONTLINE = ("frontline",)


def test_a_notification_to_a_role_reaches_its_members_only():
    event = ev.RoleNotified("frontline", "Half of the resolution time is gone.")
    assert addressed_to("dana", FRONTLINE, event) == "frontline"
    assert addressed_to("greta", ("billing-specialist",), event) is None


def test_a_notification_naming_the_owner_reaches_the_owner_alone():
    event = ev.RoleNotified("frontline", "Half of the resolution time is gone.", agent="bruno")
    assert addressed_to("bruno", FRONTLINE, event) == "bruno (frontline)"
    assert addressed_to("dana", FRONTLINE, event) is None


def test_pushed_suggestions_reach_the_named_agent_or_else_the_role():
    to_owner = ev.SuggestionsPushed("stuck", "frontline", "dana", [], [], "nothing similar found")
    to_role = ev.SuggestionsPushed("stuck", "support-lead", "", [], [], "nothing similar found")
    assert addressed_to("dana", FRONTLINE, to_owner) == "dana (frontline)"
    assert addressed_to("amara", FRONTLINE, to_owner) is None
    assert addressed_to("priya", ("support-lead",), to_role) == "support-lead"
    assert addressed_to("priya", ("support-lead",), ev.MessageAdded(1, "agent", "priya", "public", "hi")) is None
