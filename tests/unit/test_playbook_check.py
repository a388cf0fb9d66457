"""The playbook loader and `baton playbook check`: the example loads, and a bad
playbook is refused with every problem named by the path of the bad field."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from baton.cli.main import app
from baton.core.playbook import EscalationDirection, EscalationKind
from baton.playbook import PlaybookError, PlaybookIssue, load_playbook, parse_playbook
from baton.settings import EXAMPLE_PLAYBOOK

Spec = dict[str, Any]
EXAMPLE: Spec = yaml.safe_load(EXAMPLE_PLAYBOOK.read_text(encoding="utf-8"))


def example() -> Spec:
    return copy.deepcopy(EXAMPLE)


def role_index(spec: Spec, name: str) -> int:
    return next(i for i, role in enumerate(spec["roles"]) if role["name"] == name)


def write(tmp_path: Path, spec: Spec, name: str = "playbook.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def problems(path: Path) -> list[PlaybookIssue]:
    with pytest.raises(PlaybookError) as refused:
        load_playbook(path)
    assert refused.value.source == str(path)
    return refused.value.issues


def paths(issues: list[PlaybookIssue]) -> set[str]:
    return {issue.path for issue in issues}


# --- the example ---------------------------------------------------------------------------------


def test_the_example_playbook_loads() -> None:
    playbook = load_playbook(EXAMPLE_PLAYBOOK)

    assert playbook.name == "Larkspur Customer Support"
    assert re.fullmatch(r"2026\.11-1\+[0-9a-f]{8}", playbook.version)
    assert sorted(playbook.tiers) == [1, 2, 3, 4]
    assert playbook.intake_role == "frontline"
    assert playbook.roles["api-engineer-oncall"].tier == 3
    assert playbook.roles["api-engineer-oncall"].members == ("liam", "mei")
    assert playbook.roles["support-lead"].direction is EscalationDirection.HIERARCHICAL
    assert playbook.has_authority("priya") and not playbook.has_authority("amara")
    assert playbook.roles_of_agent["amara"] == ("frontline",)
    assert list(playbook.severities) == ["critical", "high", "medium", "low"]
    assert [s.rank for s in playbook.severities.values()] == [0, 1, 2, 3]
    assert playbook.categories["how-to"].routine and not playbook.categories["billing"].routine
    assert playbook.channels == ("email", "chat", "phone", "web", "api")
    assert playbook.required_note_fields[EscalationKind.ASSIST] == ("summary", "question", "steps_tried")
    assert set(playbook.required_note_fields[EscalationKind.HANDOFF]) <= set(playbook.note_fields)


def test_every_role_member_of_the_example_is_an_agent() -> None:
    playbook = load_playbook(EXAMPLE_PLAYBOOK)

    for role in playbook.roles.values():
        assert role.members and set(role.members) <= set(playbook.agents)


def test_the_version_carries_a_hash_of_the_content(tmp_path: Path) -> None:
    spec = example()
    same = load_playbook(write(tmp_path, spec, "a.yaml"))
    again = load_playbook(write(tmp_path, spec, "b.yaml"))
    spec["tiers"][0]["name"] = "Front line"
    edited = load_playbook(write(tmp_path, spec, "c.yaml"))

    assert same.version == again.version
    assert edited.version != same.version
    assert edited.version.split("+")[0] == same.version.split("+")[0] == "2026.11-1"


# --- one problem at a time -----------------------------------------------------------------------


def _set(*keys: str | int, value: Any) -> Callable[[Spec], None]:
    def change(spec: Spec) -> None:
        target: Any = spec
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def _drop_tier_4(spec: Spec) -> None:
    spec["tiers"] = [tier for tier in spec["tiers"] if tier["level"] != 4]


def _add_field(spec: Spec) -> None:
    spec["handoff_notes"]["required"]["assist"].append("ticket_url")


def _duplicate_role(spec: Spec) -> None:
    spec["roles"][role_index(spec, "api-engineer-oncall")]["name"] = "billing-specialist"


def _duplicate_channel(spec: Spec) -> None:
    spec["channels"].append("email")


def _no_members(spec: Spec) -> None:
    spec["roles"][0]["members"] = []


SINGLE_PROBLEMS: list[tuple[str, Callable[[Spec], None], set[str], str]] = [
    ("unknown role member", _set("roles", 2, "members", 0, value="zed"), {"roles[2].members[0]"}, "zed"),
    ("missing tier 4", _drop_tier_4, {"tiers", "roles[5].tier"}, "tier 4 is not defined"),
    ("extra top-level key", _set("colour", value="teal"), {"colour"}, "Extra inputs"),
    ("extra nested key", _set("roles", 1, "pager", value=True), {"roles[1].pager"}, "Extra inputs"),
    ("undefined note field", _add_field, {"handoff_notes.required.assist[3]"}, "ticket_url"),
    ("duplicate role names", _duplicate_role, {"roles[1].name", "roles[3].name"}, "duplicate name"),
    ("unknown intake role", _set("intake_role", value="reception"), {"intake_role"}, "reception"),
    ("unknown intake category", _set("intake_category", value="misc"), {"intake_category"}, "category 'misc'"),
    ("unknown intake severity", _set("intake_severity", value="meh"), {"intake_severity"}, "severity 'meh'"),
    (
        "malformed email",
        _set("agents", 1, "email", value="bruno-at-larkspur"),
        {"agents[1].email"},
        "pattern",
    ),
    ("duplicate channel", _duplicate_channel, {"channels[5]"}, "duplicate channel 'email'"),
    (
        "two-sentence boundary",
        _set("tiers", 0, "boundary", value="Answers. Escalates."),
        {"tiers[0].boundary"},
        "must be one sentence",
    ),
    ("role without members", _no_members, {"roles[0].members"}, "at least 1"),
    ("tier out of range", _set("roles", 0, "tier", value=9), {"roles[0].tier"}, "less than or equal to 4"),
    ("bad agent name", _set("agents", 0, "name", value="Amara O"), {"agents[0].name"}, "pattern"),
    ("missing section", lambda spec: spec.pop("channels"), {"channels"}, "required"),
]


@pytest.mark.parametrize(
    ("change", "expected", "fragment"),
    [pytest.param(change, expected, fragment, id=name) for name, change, expected, fragment in SINGLE_PROBLEMS],
)
def test_a_problem_is_reported_at_the_path_of_the_bad_field(
    tmp_path: Path, change: Callable[[Spec], None], expected: set[str], fragment: str
) -> None:
    spec = example()
    change(spec)

    issues = problems(write(tmp_path, spec))

    assert expected <= paths(issues), [str(i) for i in issues]
    assert any(fragment in i.message for i in issues if i.path in expected), [str(i) for i in issues]


def test_the_indices_in_the_example_problems_point_where_they_claim() -> None:
    """Guard the hard-coded indices above against a reordered example."""
    assert role_index(EXAMPLE, "billing-specialist") == 1
    assert role_index(EXAMPLE, "product-specialist") == 2
    assert role_index(EXAMPLE, "api-engineer-oncall") == 3
    assert role_index(EXAMPLE, "product-engineering") == 5
    assert len(EXAMPLE["channels"]) == 5
    assert len(EXAMPLE["handoff_notes"]["required"]["assist"]) == 3


# --- many problems at once -----------------------------------------------------------------------

REFERENCE_PROBLEMS = {
    "roles[2].members[0]": "unknown agent 'zed'",
    "tiers": "must define tiers 1, 2, 3 and 4 once each; found [1, 2, 3]",
    "roles[5].tier": "tier 4 is not defined",
    "handoff_notes.required.handoff[5]": "unknown note field 'ticket_url'",
    "roles[1].name": "duplicate name 'billing-specialist'",
    "roles[3].name": "duplicate name 'billing-specialist'",
    "intake_role": "unknown role 'reception'",
}
SHAPE_PROBLEMS = {
    "surprise": "Extra inputs are not permitted",
    "agents[1].email": "String should match pattern",
}


def with_reference_problems(spec: Spec) -> Spec:
    spec["roles"][role_index(spec, "product-specialist")]["members"][0] = "zed"
    _drop_tier_4(spec)  # and so product-engineering's tier 4 is undefined
    spec["handoff_notes"]["required"]["handoff"].append("ticket_url")
    _duplicate_role(spec)
    spec["intake_role"] = "reception"
    return spec


def with_shape_problems(spec: Spec) -> Spec:
    spec["surprise"] = "an unknown key"
    spec["agents"][1]["email"] = "bruno-at-larkspur"
    return spec


def assert_reported(issues: list[PlaybookIssue], expected: dict[str, str]) -> None:
    by_path: dict[str, list[str]] = {}
    for issue in issues:
        by_path.setdefault(issue.path, []).append(issue.message)
    for path, message in expected.items():
        assert path in by_path, f"{path} not reported; got {[str(i) for i in issues]}"
        assert any(message in m for m in by_path[path]), (path, by_path[path])


def test_a_playbook_with_many_reference_problems_reports_every_one(tmp_path: Path) -> None:
    issues = problems(write(tmp_path, with_reference_problems(example())))

    assert_reported(issues, REFERENCE_PROBLEMS)


def test_a_playbook_with_many_shape_problems_reports_every_one(tmp_path: Path) -> None:
    issues = problems(write(tmp_path, with_shape_problems(example())))

    assert_reported(issues, SHAPE_PROBLEMS)


def test_a_playbook_with_shape_and_reference_problems_reports_every_one(tmp_path: Path) -> None:
    spec = with_shape_problems(with_reference_problems(example()))

    issues = problems(write(tmp_path, spec))

    assert_reported(issues, {**SHAPE_PROBLEMS, **REFERENCE_PROBLEMS})


def test_the_error_message_lists_each_problem_on_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, with_reference_problems(example()))

    with pytest.raises(PlaybookError) as refused:
        load_playbook(path)

    lines = str(refused.value).splitlines()
    assert lines[0] == f"{path}: {len(refused.value.issues)} problem(s)"
    assert "  intake_role: unknown role 'reception'" in lines
    assert "  roles[2].members[0]: unknown agent 'zed'" in lines


# --- not a playbook at all -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: Larkspur\nversion: '1'\nroles: [frontline, billing\n", 4),
        ("name: Larkspur\nversion: '1'\n  tiers: 4\n", 3),
        ("name: 'Larkspur\n", 2),
        ("name: Larkspur\n\tversion: '1'\n", 2),
    ],
    ids=["unclosed-list", "bad-indent", "unclosed-quote", "tab"],
)
def test_invalid_yaml_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")

    [issue] = problems(path)

    assert issue.path.startswith(f"line {line}, column ")
    assert issue.message.startswith("not valid YAML:")


@pytest.mark.parametrize("text", ["- frontline\n- billing\n", "just words\n", "42\n", "", "# only a comment\n"])
def test_a_document_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")

    assert problems(path) == [PlaybookIssue("", "the playbook must be a YAML mapping")]


def test_a_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    [issue] = problems(tmp_path / "nowhere.yaml")

    assert issue.message.startswith("cannot read:")


def test_parse_playbook_names_its_source() -> None:
    with pytest.raises(PlaybookError) as refused:
        parse_playbook("[]", source="inline")

    assert str(refused.value).startswith("inline: 1 problem(s)")


# --- baton playbook check ------------------------------------------------------------------------


def test_playbook_check_says_ok_for_the_example() -> None:
    result = CliRunner().invoke(app, ["playbook", "check", str(EXAMPLE_PLAYBOOK)])

    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout
    assert "Larkspur Customer Support" in result.stdout
    assert result.stderr == ""


def test_playbook_check_prints_each_problem_path_on_stderr_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, with_reference_problems(example()))

    result = CliRunner().invoke(app, ["playbook", "check", str(path)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[0].endswith("problem(s)")
    for bad_field, message in REFERENCE_PROBLEMS.items():
        assert f"  {bad_field}: {message}" in result.stderr


def test_playbook_check_names_the_line_of_broken_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: Larkspur\nroles: [frontline\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["playbook", "check", str(path)])

    assert result.exit_code == 1
    assert "line 3, column" in result.stderr
    assert "ok" not in result.stdout
