"""Loading a playbook: parse YAML, validate its shape, then check that every
reference resolves. Every problem is reported with the path of the bad field."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from baton.core import playbook as core
from baton.playbook.schema import PlaybookSpec


@dataclass(frozen=True)
class PlaybookIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PlaybookError(Exception):
    def __init__(self, source: str, issues: Sequence[PlaybookIssue]) -> None:
        self.source = source
        self.issues = list(issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"{source}: {len(self.issues)} problem(s)\n{lines}")


def _loc(parts: Iterable[int | str]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _duplicates(items: Sequence[Any], path: str) -> list[PlaybookIssue]:
    counts = Counter(item.name for item in items)
    return [
        PlaybookIssue(f"{path}[{i}].name", f"duplicate name {item.name!r}")
        for i, item in enumerate(items)
        if counts[item.name] > 1
    ]


def _references(spec: PlaybookSpec) -> list[PlaybookIssue]:
    issues: list[PlaybookIssue] = []
    for path, items in (
        ("tiers", spec.tiers),
        ("agents", spec.agents),
        ("roles", spec.roles),
        ("customer_tiers", spec.customer_tiers),
        ("severities", spec.severities),
        ("categories", spec.categories),
        ("handoff_notes.fields", spec.handoff_notes.fields),
    ):
        issues += _duplicates(items, path)
    levels = sorted(t.level for t in spec.tiers)
    if levels != [1, 2, 3, 4]:
        issues.append(PlaybookIssue("tiers", f"must define tiers 1, 2, 3 and 4 once each; found {levels}"))
    for i, tier in enumerate(spec.tiers):
        if tier.boundary.rstrip(".").count(". ") > 0:
            issues.append(PlaybookIssue(f"tiers[{i}].boundary", "must be one sentence"))
    agents = {a.name for a in spec.agents}
    tiers = {t.level for t in spec.tiers}
    for i, role in enumerate(spec.roles):
        if role.tier not in tiers:
            issues.append(PlaybookIssue(f"roles[{i}].tier", f"tier {role.tier} is not defined"))
        for j, member in enumerate(role.members):
            if member not in agents:
                issues.append(PlaybookIssue(f"roles[{i}].members[{j}]", f"unknown agent {member!r}"))
    roles = {r.name for r in spec.roles}
    if spec.intake_role not in roles:
        issues.append(PlaybookIssue("intake_role", f"unknown role {spec.intake_role!r}"))
    fields = {f.name for f in spec.handoff_notes.fields}
    for kind in ("assist", "handoff"):
        for j, name in enumerate(getattr(spec.handoff_notes.required, kind)):
            if name not in fields:
                issues.append(
                    PlaybookIssue(
                        f"handoff_notes.required.{kind}[{j}]",
                        f"unknown note field {name!r}; define it under handoff_notes.fields",
                    )
                )
    for i, channel in enumerate(spec.channels):
        if spec.channels.index(channel) != i:
            issues.append(PlaybookIssue(f"channels[{i}]", f"duplicate channel {channel!r}"))
    return issues


def _to_core(spec: PlaybookSpec, version: str) -> core.Playbook:
    return core.Playbook(
        version=version,
        name=spec.name,
        tiers={t.level: core.Tier(t.level, t.name, t.boundary) for t in spec.tiers},
        roles={
            r.name: core.Role(r.name, r.title, r.tier, tuple(r.skills), tuple(r.members), r.authority)
            for r in spec.roles
        },
        agents={a.name: core.Agent(a.name, a.display_name, a.email) for a in spec.agents},
        customer_tiers={c.name: core.CustomerTier(c.name, c.description) for c in spec.customer_tiers},
        severities={
            s.name: core.Severity(s.name, rank, s.definition) for rank, s in enumerate(spec.severities)
        },
        categories={c.name: core.Category(c.name, c.description, c.routine) for c in spec.categories},
        channels=tuple(spec.channels),
        note_fields={
            f.name: core.NoteField(f.name, f.label, f.description) for f in spec.handoff_notes.fields
        },
        required_note_fields={
            core.EscalationKind.ASSIST: tuple(spec.handoff_notes.required.assist),
            core.EscalationKind.HANDOFF: tuple(spec.handoff_notes.required.handoff),
        },
        intake_role=spec.intake_role,
    )


def parse_playbook(text: str, source: str = "<playbook>") -> core.Playbook:
    """Validate playbook YAML text; raise :class:`PlaybookError` listing every problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PlaybookError(source, [PlaybookIssue(where, f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise PlaybookError(source, [PlaybookIssue("", "the playbook must be a YAML mapping")])
    try:
        spec = PlaybookSpec.model_validate(data)
    except ValidationError as exc:
        raise PlaybookError(
            source,
            [PlaybookIssue(_loc(e["loc"]), e["msg"]) for e in exc.errors()],
        ) from None
    issues = _references(spec)
    if issues:
        raise PlaybookError(source, issues)
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return _to_core(spec, f"{spec.version}+{digest}")


def load_playbook(path: Path | str) -> core.Playbook:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookError(str(path), [PlaybookIssue("", f"cannot read: {exc.strerror}")]) from None
    return parse_playbook(text, str(path))
