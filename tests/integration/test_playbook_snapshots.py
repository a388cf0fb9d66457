"""A ticket keeps the playbook version it was opened under: installing a new version
never changes an escalation under way; new tickets take the new one. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from baton.app import Baton, build
from baton.core import events as ev
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.unit_of_work import read_only
from baton.settings import EXAMPLE_PLAYBOOK, Settings

RULE = "resolution-at-risk-lead-assist"


@pytest.fixture
def playbook_path() -> Path:
    return EXAMPLE_PLAYBOOK  # version 1: the shipped playbook, its 80 % rule and a 30 h medium resolution


@pytest.fixture
def second(database_url: str, clock, tmp_path: Path, baton: Baton) -> Iterator[Baton]:
    """Version 2 installed on the same database: a 10-hour medium resolution, and the
    support lead no longer brought in at 80 %."""
    data = yaml.safe_load(EXAMPLE_PLAYBOOK.read_text(encoding="utf-8"))
    data["version"] = "2026.12-2"
    medium = next(p for p in data["sla"]["policies"] if p["name"] == "medium")
    medium["resolution"] = "10h"
    data["rules"] = [r for r in data["rules"] if r["name"] != RULE]
    path = tmp_path / "playbook-v2.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    app = build(Settings(database_url=database_url, playbook=path, model_path=tmp_path / "m.pkl"), clock)
    yield app
    app.engine.dispose()


def ticket(subject: str) -> NewTicket:
    return NewTicket(
        subject=subject,
        body="The nightly export stops at about 40 %.",
        severity="medium",
        category="data-export",
        channel="email",
        customer=NewCustomer("Cedar Lane Foods", "business"),
        agent="amara",
    )


def test_a_ticket_opened_under_one_version_keeps_its_sla_and_rules_when_another_is_installed(
    baton, second, clock, client, auth
):
    v1, v2 = baton.playbook.version, second.playbook.version
    assert v1 != v2
    old = baton.tickets.open("amara", ticket("Export stops half-way")).ticket
    new = second.tickets.open("amara", ticket("Export stops again")).ticket
    assert (old.playbook_version, new.playbook_version) == (v1, v2)
    assert old.clock("resolution").target_seconds == 30 * 3600
    assert new.clock("resolution").target_seconds == 10 * 3600

    clock.advance(timedelta(days=5))  # past 80 % of both resolution targets
    while second.tickets.fire_due_timers():  # the worker of the new version's process
        pass
    with read_only(second.engine) as uow:
        old_trail, new_trail = uow.tickets.events(old.id), uow.tickets.events(new.id)
    fired_old = [r for r in old_trail if isinstance(r.event, ev.RuleFired) and r.event.rule == RULE]
    assert len(fired_old) == 1 and fired_old[0].playbook_version == v1
    assert not [r for r in new_trail if isinstance(r.event, ev.RuleFired) and r.event.rule == RULE]
    assert {r.playbook_version for r in old_trail} == {v1}
    assert {r.playbook_version for r in new_trail} == {v2}

    shown = client.get(f"/api/v1/tickets/{old.id}", headers=auth("amara")).json()
    assert shown["playbook_version"] == v1
    [resolution] = [c for c in shown["sla"] if c["target"] == "resolution"]
    assert resolution["target_seconds"] == 30 * 3600


def test_a_version_whose_text_no_longer_parses_falls_back_to_the_current_one(baton, second):
    """Never stuck: a ticket whose version cannot be read back is governed by the current one."""
    assert second.tickets.versions.governing("no-such-version") is second.playbook
