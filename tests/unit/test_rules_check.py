"""Trigger rules in the playbook: refused at check time with the rule's name and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from baton.cli.main import app
from baton.playbook import PlaybookError, load_playbook, parse_playbook
from baton.settings import EXAMPLE_PLAYBOOK


def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE_PLAYBOOK.read_text(encoding="utf-8"))


def problems_with(rules: list[dict[str, Any]], templates: dict[str, str] | None = None) -> list[str]:
    data = example()
    data["rules"] = rules
    if templates is not None:
        data["templates"] = templates
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(yaml.safe_dump(data))
    return [str(issue) for issue in caught.value.issues]


def rule(name: str, **parts: Any) -> dict[str, Any]:
    return {"name": name, "description": "d", "when": {"event": "ticket_created"},
            "then": [{"notify": "support-lead"}]} | parts  # fmt: skip


def test_the_example_rules_load_compiled_and_explained():
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    assert len(playbook.rules) == 12
    billing = playbook.rules[0]
    assert billing.explain().startswith("when ticket created, if (category is billing and text mentions any of")


def test_an_unknown_role_or_field_is_named_with_the_rule():
    found = problems_with([
        rule("to-nowhere", then=[{"escalate": {"kind": "handoff", "role": "wizards"}}]),
        rule("bad-field", **{"if": {"field": "mood", "equals": "grumpy"}}),
    ])  # fmt: skip
    assert "rules[0] (to-nowhere).then[0].escalate.role: unknown role 'wizards'" in found
    assert any(p.startswith("rules[1] (bad-field).if.field: unknown field 'mood'") for p in found)


def test_a_suggest_action_names_a_known_role_and_a_count_from_1_to_10():
    found = problems_with([
        rule("too-many", then=[{"suggest": {"to": "owner", "count": 11}}]),
        rule("words", then=[{"suggest": {"count": "three"}}]),
        rule("to-nobody", then=[{"suggest": {"to": "wizards"}}]),
    ])  # fmt: skip
    assert "rules[0] (too-many).then[0].suggest.count: give a whole number from 1 to 10, not 11" in found
    assert "rules[1] (words).then[0].suggest.count: give a whole number from 1 to 10, not 'three'" in found
    assert "rules[2] (to-nobody).then[0].suggest.to: unknown role 'wizards'" in found


def test_a_regex_that_does_not_compile_is_refused():
    found = problems_with([rule("bad-regex", **{"if": {"field": "text", "regex": "(unclosed"}})])
    assert any("rules[0] (bad-regex).if.regex: regular expression does not compile" in p for p in found)


def test_a_template_with_an_unknown_placeholder_is_refused():
    found = problems_with([], templates={"oops": "Hi {customer_name}, your {pet_name} is fine"})
    assert any(p.startswith("templates.oops: unknown placeholder {pet_name}") for p in found)


def test_an_unknown_template_is_refused():
    found = problems_with([rule("say", then=[{"customer_update": {"template": "nope", "follow_up": "1h"}}])])
    assert any(p.startswith("rules[0] (say).then[0].customer_update: give {template") for p in found)


def test_unreachable_conditions_are_refused():
    found = problems_with([
        rule("never-severity", **{"if": {"field": "severity", "equals": "apocalyptic"}}),
        rule("never-both", **{"if": {"all": [{"field": "severity", "equals": "low"},
                                              {"field": "severity", "equals": "high"}]}}),
        rule("never-range", **{"if": {"all": [{"field": "negative_messages", "gt": 5},
                                               {"field": "negative_messages", "lt": 3}]}}),
        rule("never-percent", when={"sla": "resolution", "at": 70}),
        rule("never-in", **{"if": {"field": "category", "in": []}}),
    ])  # fmt: skip
    text = "\n".join(found)
    assert "(never-severity).if.equals: severity is never 'apocalyptic' (unreachable)" in text
    assert "(never-both).if.all: can never hold: severity cannot equal 'high' and 'low'" in text
    assert "(never-range).if.all: can never hold: negative_messages cannot be above 5.0 and below 3.0" in text
    assert "(never-percent).when.at: 70 is never reached" in text
    assert "(never-in).if.in: must be a non-empty list" in text


def test_a_cycle_of_rules_is_refused():
    found = problems_with([
        rule("raise", when={"event": "severity_changed"}, **{"if": {"field": "severity", "equals": "high"}},
             then=[{"set_severity": "critical"}]),
        rule("lower", when={"event": "severity_changed"}, **{"if": {"field": "severity", "equals": "critical"}},
             then=[{"set_severity": "high"}]),
    ])  # fmt: skip
    assert "rules: rules form a cycle, each triggering the next: lower -> raise -> lower" in found


def test_explain_lists_every_rule_in_plain_words(tmp_path: Path):
    result = CliRunner().invoke(app, ["playbook", "explain", str(EXAMPLE_PLAYBOOK)])
    assert result.exit_code == 0
    assert "12 trigger rules" in result.output
    assert "after 45 business minutes (emea-extended) without progress, if severity is one of critical, high" in (
        result.output
    )
