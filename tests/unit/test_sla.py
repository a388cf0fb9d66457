"""SLA clocks, decided purely: start, stop, pause, resume, re-target, thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from baton.core import events as ev
from baton.core import sla
from baton.core.playbook import Playbook
from baton.playbook import load_playbook
from baton.settings import EXAMPLE_PLAYBOOK

MONDAY_9 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # London is on UTC in November


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook(EXAMPLE_PLAYBOOK)


def opened(severity: str = "medium", tier: str = "business") -> ev.TicketOpened:
    return ev.TicketOpened(
        "s", "b", 1, "Cedar Lane Foods", tier, severity, "bug", "email", {}, "amara", "frontline", "amara", 1
    )


@dataclass
class Clocks:
    """A ticket's clocks driven through react/apply, as the service does."""

    playbook: Playbook
    severity: str = "medium"
    tier: str = "business"
    active: bool = True
    clocks: tuple[sla.SlaClock, ...] = ()
    trail: list[ev.Event] = field(default_factory=list)

    def happen(self, at: datetime, *events: ev.Event) -> list[ev.Event]:
        following = sla.react(self.clocks, self.severity, self.tier, events, self.playbook, at, self.active)
        for event in (*events, *following):
            self.clocks = sla.apply(self.clocks, event, at)
            if isinstance(event, ev.TicketOpened):
                self.severity, self.tier = event.severity, event.customer_tier
            if isinstance(event, ev.SeverityChanged):
                self.severity = event.severity
            if isinstance(event, ev.TicketResolved):
                self.active = False
        self.trail += following
        return following

    def tick(self, at: datetime) -> list[ev.Event]:
        """What a worker firing at ``at`` records."""
        return self.happen(at)

    def clock(self, target: str) -> sla.SlaClock:
        return next(c for c in self.clocks if c.target == target)


def kinds(events: Sequence[ev.Event]) -> list[tuple[str, str, int | None]]:
    return [(e.type, getattr(e, "target", ""), getattr(e, "percent", None)) for e in events]


def reply() -> ev.MessageAdded:
    return ev.MessageAdded(1, "agent", "amara", "public", "On it")


def test_opening_starts_first_response_and_resolution_on_the_policy_calendar(playbook):
    t = Clocks(playbook)
    started = t.happen(MONDAY_9, opened("medium"))
    assert [(e.target, e.target_seconds, e.calendar) for e in started] == [  # type: ignore[attr-defined]
        ("first_response", 4 * 3600, "emea-business"),
        ("resolution", 30 * 3600, "emea-business"),
    ]


def test_the_most_specific_policy_wins(playbook):
    assert playbook.sla_policy("critical", "enterprise").name == "critical-enterprise"
    assert playbook.sla_policy("critical", "starter").name == "critical"


def test_each_threshold_and_the_breach_is_recorded_once_with_elapsed_and_remaining(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened("medium"))
    assert t.tick(MONDAY_9 + timedelta(hours=1)) == []
    at_half = t.tick(MONDAY_9 + timedelta(hours=2))
    assert at_half == [ev.SlaThresholdReached("first_response", 50, 1, 7200.0, 7200.0)]
    assert t.tick(MONDAY_9 + timedelta(hours=2, minutes=5)) == []
    late = t.tick(MONDAY_9 + timedelta(hours=4))
    assert kinds(late) == [
        ("SlaThresholdReached", "first_response", 80),
        ("SlaBreached", "first_response", None),
    ]
    assert t.clock("first_response").state is sla.ClockState.BREACHED


def test_a_late_first_reply_records_the_breach_before_stopping_the_clock(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened("medium"))
    after = t.happen(MONDAY_9 + timedelta(hours=5), reply())
    assert kinds(after)[:3] == [
        ("SlaThresholdReached", "first_response", 50),
        ("SlaThresholdReached", "first_response", 80),
        ("SlaBreached", "first_response", None),
    ]
    stopped = next(e for e in after if isinstance(e, ev.SlaClockStopped))
    assert stopped.target == "first_response" and stopped.met is False


def test_a_timely_first_reply_meets_the_target_and_starts_the_update_cadence(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened("high"))
    after = t.happen(MONDAY_9 + timedelta(minutes=20), reply())
    assert kinds(after) == [("SlaClockStopped", "first_response", None), ("SlaClockStarted", "update", None)]
    assert t.clock("first_response").state is sla.ClockState.MET
    assert t.clock("update").target_seconds == 2 * 3600  # high severity: update every 2 h


def test_an_internal_note_is_not_a_reply(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened())
    assert t.happen(MONDAY_9 + timedelta(minutes=5), ev.MessageAdded(1, "agent", "amara", "internal", "x")) == []


def test_each_public_update_restarts_the_cadence_as_a_new_cycle(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened("high"))
    t.happen(MONDAY_9 + timedelta(minutes=10), reply())
    t.happen(MONDAY_9 + timedelta(hours=1, minutes=50), reply())
    assert t.clock("update").cycle == 2
    assert t.clock("update").since == MONDAY_9 + timedelta(hours=1, minutes=50)


def test_waiting_on_the_customer_pauses_the_clocks_and_their_answer_resumes_them(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened("medium"))
    t.happen(MONDAY_9 + timedelta(hours=1), ev.StatusChanged("open", "pending_customer"))
    assert t.clock("resolution").state is sla.ClockState.PAUSED
    assert t.tick(MONDAY_9 + timedelta(hours=30)) == []  # paused: nothing falls due
    t.happen(MONDAY_9 + timedelta(days=2), ev.StatusChanged("pending_customer", "open", "customer replied"))
    resolution = t.clock("resolution")
    assert resolution.state is sla.ClockState.RUNNING
    assert resolution.elapsed(MONDAY_9 + timedelta(days=2, hours=1), playbook.calendars) == 2 * 3600


def test_a_severity_change_retargets_running_clocks_from_the_time_already_spent(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened("medium"))
    changed = t.happen(MONDAY_9 + timedelta(minutes=30), ev.SeverityChanged("medium", "critical"))
    assert {(e.target, e.target_seconds, e.spent) for e in changed} == {  # type: ignore[attr-defined]
        ("first_response", 30 * 60, 1800.0),
        ("resolution", 8 * 3600, 1800.0),
    }
    # 30 minutes already spent of a 30-minute first response: the breach is due now.
    assert kinds(t.tick(MONDAY_9 + timedelta(minutes=30, seconds=1)))[-1] == (
        "SlaBreached",
        "first_response",
        None,
    )
    assert t.clock("resolution").calendar == "always"


def test_reopening_resumes_the_resolution_clock_summing_the_open_periods(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened("medium"))
    t.happen(MONDAY_9 + timedelta(hours=3), ev.TicketResolved("open", "fixed"))
    assert t.clock("resolution").state is sla.ClockState.MET
    t.active = False
    t.happen(MONDAY_9 + timedelta(days=1), ev.TicketReopened("resolved", "again"))
    t.active = True
    resolution = t.clock("resolution")
    assert resolution.state is sla.ClockState.RUNNING
    assert resolution.elapsed(MONDAY_9 + timedelta(days=1, hours=1), playbook.calendars) == 4 * 3600


def test_a_reply_after_resolution_starts_no_update_cadence(playbook):
    t = Clocks(playbook)
    t.happen(MONDAY_9, opened("high"))
    t.happen(MONDAY_9 + timedelta(minutes=5), ev.TicketResolved("open", "fixed"))
    assert t.happen(MONDAY_9 + timedelta(minutes=6), reply()) == []


def test_the_next_timer_falls_on_business_time(playbook):
    friday_5pm = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    t = Clocks(playbook)
    t.happen(friday_5pm, opened("medium"))
    # 50 % of a 4-hour first response is 2 business hours: 1 h on Friday, 1 h on Monday.
    assert sla.next_due(t.clocks, playbook.calendars) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    t.happen(friday_5pm + timedelta(minutes=1), ev.StatusChanged("open", "pending_customer"))
    assert sla.next_due(t.clocks, playbook.calendars) is None
