"""Loading a playbook: parse YAML, validate its shape, then check that every
reference resolves. Every problem is reported with the path of the bad field."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from baton.core import playbook as core
from baton.core.calendar import Calendar
from baton.playbook import calendars as cal
from baton.playbook.rules import Problems, parse_rules, parse_templates
from baton.playbook.schema import PlaybookSpec, SlaPolicySpec, Target, TargetSpec


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


def _items(data: Mapping[str, Any], *path: str) -> list[tuple[int, Mapping[str, Any]]]:
    """The mapping items of a list in the raw document, with their index; tolerant of a
    document that failed validation (missing sections and malformed items are skipped)."""
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def _strings(value: Any) -> list[tuple[int, str]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, str)] if isinstance(value, list) else []


def _duplicates(items: list[tuple[int, Mapping[str, Any]]], path: str) -> list[PlaybookIssue]:
    counts = Counter(item.get("name") for _, item in items)
    return [
        PlaybookIssue(f"{path}[{i}].name", f"duplicate name {item.get('name')!r}")
        for i, item in items
        if item.get("name") is not None and counts[item.get("name")] > 1
    ]


def _references(data: Mapping[str, Any]) -> list[PlaybookIssue]:
    """Cross-references, read from the raw document so they are reported even when
    other parts of it are malformed."""
    issues: list[PlaybookIssue] = []
    for path in ("tiers", "agents", "roles", "customer_tiers", "severities", "categories", "calendars"):
        issues += _duplicates(_items(data, path), path)
    issues += _duplicates(_items(data, "handoff_notes", "fields"), "handoff_notes.fields")
    tiers = _items(data, "tiers")
    levels = sorted(t["level"] for _, t in tiers if isinstance(t.get("level"), int))
    if levels != [1, 2, 3, 4]:
        issues.append(PlaybookIssue("tiers", f"must define tiers 1, 2, 3 and 4 once each; found {levels}"))
    for i, tier in tiers:
        boundary = tier.get("boundary")
        if isinstance(boundary, str) and boundary.strip().rstrip(".").count(". ") > 0:
            issues.append(PlaybookIssue(f"tiers[{i}].boundary", "must be one sentence"))
    agents = {a.get("name") for _, a in _items(data, "agents")}
    for i, role in _items(data, "roles"):
        if isinstance(role.get("tier"), int) and role["tier"] not in levels:
            issues.append(PlaybookIssue(f"roles[{i}].tier", f"tier {role['tier']} is not defined"))
        for j, member in _strings(role.get("members")):
            if member not in agents:
                issues.append(PlaybookIssue(f"roles[{i}].members[{j}]", f"unknown agent {member!r}"))
    calendars = {c.get("name") for _, c in _items(data, "calendars")}
    for i, agent in _items(data, "agents"):
        if agent.get("calendar") is not None and agent["calendar"] not in calendars:
            issues.append(PlaybookIssue(f"agents[{i}].calendar", f"unknown calendar {agent['calendar']!r}"))
    for i, role in _items(data, "roles"):
        on_call = role.get("on_call")
        if not isinstance(on_call, Mapping):
            continue
        members = [m for _, m in _strings(role.get("members"))]
        for j, member in _strings(on_call.get("rotation")):
            if member not in members:
                issues.append(
                    PlaybookIssue(f"roles[{i}].on_call.rotation[{j}]", f"{member!r} is not a member of the role")
                )
        try:
            cal.duration(str(on_call.get("every", "168h")))
        except ValueError as exc:
            issues.append(PlaybookIssue(f"roles[{i}].on_call.every", str(exc)))
        starts = on_call.get("starts")
        if isinstance(starts, datetime) and starts.tzinfo is None:
            issues.append(
                PlaybookIssue(f"roles[{i}].on_call.starts", "give a time zone, e.g. 2026-01-05T08:00:00+00:00")
            )
    roles = {r.get("name") for _, r in _items(data, "roles")}
    intake = data.get("intake_role")
    if isinstance(intake, str) and intake not in roles:
        issues.append(PlaybookIssue("intake_role", f"unknown role {intake!r}"))
    intake_defaults = (("intake_category", "categories", "category"), ("intake_severity", "severities", "severity"))
    for key, section, noun in intake_defaults:
        named = data.get(key)
        known = {item.get("name") for _, item in _items(data, section)}
        if isinstance(named, str) and named not in known:
            issues.append(PlaybookIssue(key, f"unknown {noun} {named!r}"))
    fields = {f.get("name") for _, f in _items(data, "handoff_notes", "fields")}
    notes = data.get("handoff_notes")
    required = notes.get("required") if isinstance(notes, Mapping) else None
    for kind in ("assist", "handoff"):
        names = required.get(kind) if isinstance(required, Mapping) else None
        for j, name in _strings(names):
            if name not in fields:
                issues.append(
                    PlaybookIssue(
                        f"handoff_notes.required.{kind}[{j}]",
                        f"unknown note field {name!r}; define it under handoff_notes.fields",
                    )
                )
    issues += _access_references(data, agents, roles)
    seen: set[str] = set()
    for i, channel in _strings(data.get("channels")):
        if channel in seen:
            issues.append(PlaybookIssue(f"channels[{i}]", f"duplicate channel {channel!r}"))
        seen.add(channel)
    return issues


def _access_references(data: Mapping[str, Any], agents: set[Any], roles: set[Any]) -> list[PlaybookIssue]:
    """Admins are agents, integrations are not, restricted categories name roles."""
    issues: list[PlaybookIssue] = []
    access = data.get("access")
    if isinstance(access, Mapping):
        for j, admin in _strings(access.get("admins")):
            if admin not in agents:
                issues.append(PlaybookIssue(f"access.admins[{j}]", f"unknown agent {admin!r}"))
        for j, name in _strings(access.get("integrations")):
            if name in agents:
                issues.append(
                    PlaybookIssue(f"access.integrations[{j}]", f"{name!r} is an agent; name the system otherwise")
                )
    for i, category in _items(data, "categories"):
        for j, role in _strings(category.get("restricted_to")):
            if role not in roles:
                issues.append(PlaybookIssue(f"categories[{i}].restricted_to[{j}]", f"unknown role {role!r}"))
    return issues


def _calendars(spec: PlaybookSpec, issues: list[PlaybookIssue]) -> dict[str, Calendar]:
    made: dict[str, Calendar] = {}
    for i, c in enumerate(spec.calendars):
        path = f"calendars[{i}]"
        bad = len(issues)
        country = c.holidays.country if c.holidays else None
        subdivision = c.holidays.subdivision if c.holidays else None
        try:
            cal.zone(c.time_zone)
        except ValueError as exc:
            issues.append(PlaybookIssue(f"{path}.time_zone", str(exc)))
        try:
            cal.holiday_source(country, subdivision, ())
        except ValueError as exc:
            issues.append(PlaybookIssue(f"{path}.holidays", str(exc)))
        for key, ranges in c.hours.items():
            try:
                cal.weekdays(key)
            except ValueError as exc:
                issues.append(PlaybookIssue(f"{path}.hours.{key}", str(exc)))
            for j, text in enumerate(ranges):
                try:
                    cal.shift(text)
                except ValueError as exc:
                    issues.append(PlaybookIssue(f"{path}.hours.{key}[{j}]", str(exc)))
        if len(issues) > bad:
            continue
        try:
            made[c.name] = cal.make_calendar(c.name, c.time_zone, c.hours, country, subdivision, c.extra_holidays)
        except ValueError as exc:
            issues.append(PlaybookIssue(f"{path}.hours", str(exc)))
    return made


def _thresholds(values: list[int], path: str, issues: list[PlaybookIssue]) -> tuple[int, ...]:
    for j, value in enumerate(values):
        if not 0 < value < 100:
            issues.append(PlaybookIssue(f"{path}[{j}]", f"{value} is not a percentage between 1 and 99"))
    if len(set(values)) != len(values):
        issues.append(PlaybookIssue(path, "repeats a threshold"))
    return tuple(sorted(set(values)))


def _target(
    name: str, raw: Target, policy: SlaPolicySpec, path: str, calendars: set[str], issues: list[PlaybookIssue]
) -> core.SlaTarget | None:
    spec = raw if isinstance(raw, TargetSpec) else TargetSpec(within=raw)
    calendar = spec.calendar or policy.calendar
    if spec.calendar is not None and spec.calendar not in calendars:
        issues.append(PlaybookIssue(f"{path}.calendar", f"unknown calendar {spec.calendar!r}"))
    try:
        seconds = cal.duration(spec.within)
    except ValueError as exc:
        issues.append(PlaybookIssue(path, str(exc)))
        return None
    return core.SlaTarget(name, seconds, calendar)


def _sla(spec: PlaybookSpec, calendars: set[str], issues: list[PlaybookIssue]) -> tuple[core.SlaPolicy, ...]:
    if spec.sla is None:
        return ()
    default_warn = _thresholds(spec.sla.warn_at, "sla.warn_at", issues)
    severities = [s.name for s in spec.severities]
    tiers = [t.name for t in spec.customer_tiers]
    policies = []
    for i, p in enumerate(spec.sla.policies):
        path = f"sla.policies[{i}]"
        if p.calendar not in calendars:
            issues.append(PlaybookIssue(f"{path}.calendar", f"unknown calendar {p.calendar!r}"))
        for j, name in enumerate(p.severities):
            if name not in severities:
                issues.append(PlaybookIssue(f"{path}.severities[{j}]", f"unknown severity {name!r}"))
        for j, name in enumerate(p.customer_tiers):
            if name not in tiers:
                issues.append(PlaybookIssue(f"{path}.customer_tiers[{j}]", f"unknown customer tier {name!r}"))
        targets = {}
        for name, field, raw in (
            ("first_response", "first_response", p.first_response),
            ("update", "update_every", p.update_every),
            ("resolution", "resolution", p.resolution),
        ):
            if raw is not None:
                made = _target(name, raw, p, f"{path}.{field}", calendars, issues)
                if made is not None:
                    targets[name] = made
        warn = default_warn if p.warn_at is None else _thresholds(p.warn_at, f"{path}.warn_at", issues)
        policies.append(core.SlaPolicy(p.name, tuple(p.severities), tuple(p.customer_tiers), targets, warn))
    for severity in severities:
        for tier in tiers:
            matching = [(i, p) for i, p in enumerate(policies) if p.matches(severity, tier)]
            if not matching:
                issues.append(
                    PlaybookIssue("sla.policies", f"no policy covers severity {severity!r} x customer tier {tier!r}")
                )
                continue
            best = max(p.specificity for _, p in matching)
            tied = [(i, p) for i, p in matching if p.specificity == best]
            if len(tied) > 1:
                names = " and ".join(f"{p.name!r} (sla.policies[{i}])" for i, p in tied)
                issues.append(
                    PlaybookIssue(
                        "sla.policies",
                        f"{names} overlap on severity {severity!r} x customer tier {tier!r} with equal specificity",
                    )
                )
    return tuple(policies)


def _to_core(
    spec: PlaybookSpec,
    version: str,
    calendars: dict[str, Calendar],
    policies: tuple[core.SlaPolicy, ...],
) -> core.Playbook:
    return core.Playbook(
        version=version,
        name=spec.name,
        tiers={t.level: core.Tier(t.level, t.name, t.boundary) for t in spec.tiers},
        roles={
            r.name: core.Role(
                r.name,
                r.title,
                r.tier,
                tuple(r.skills),
                tuple(r.members),
                r.authority,
                core.OnCall(tuple(r.on_call.rotation), r.on_call.starts, cal.duration(r.on_call.every))
                if r.on_call
                else None,
            )
            for r in spec.roles
        },
        agents={
            a.name: core.Agent(a.name, a.display_name, a.email, tuple(a.skills), a.calendar, a.max_open)
            for a in spec.agents
        },
        customer_tiers={c.name: core.CustomerTier(c.name, c.description) for c in spec.customer_tiers},
        severities={s.name: core.Severity(s.name, rank, s.definition) for rank, s in enumerate(spec.severities)},
        categories={
            c.name: core.Category(c.name, c.description, c.routine, tuple(c.skills), tuple(c.restricted_to))
            for c in spec.categories
        },
        channels=tuple(spec.channels),
        note_fields={f.name: core.NoteField(f.name, f.label, f.description) for f in spec.handoff_notes.fields},
        required_note_fields={
            core.EscalationKind.ASSIST: tuple(spec.handoff_notes.required.assist),
            core.EscalationKind.HANDOFF: tuple(spec.handoff_notes.required.handoff),
        },
        intake_role=spec.intake_role,
        intake_category=spec.intake_category,
        intake_severity=spec.intake_severity,
        informed_on=tuple(dict.fromkeys(spec.informed_on)),
        access=core.Access(
            admins=tuple(spec.access.admins),
            integrations=tuple(spec.access.integrations),
            visibility=core.Visibility(spec.access.visibility),
            customer_voice=core.CustomerVoice(spec.access.customer_voice),
        ),
        calendars=calendars,
        sla_policies=policies,
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
        shape = [PlaybookIssue(_loc(e["loc"]), e["msg"]) for e in exc.errors()]
        bad = {issue.path for issue in shape}
        more = [issue for issue in _references(data) if issue.path not in bad]
        raise PlaybookError(source, shape + more) from None
    issues = _references(data)
    calendars = _calendars(spec, issues)
    policies = _sla(spec, {c.name for c in spec.calendars}, issues)
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    playbook = _to_core(spec, f"{spec.version}+{digest}", calendars, policies)
    problems = Problems()
    templates = parse_templates(data.get("templates"), problems)
    rules = parse_rules(data.get("rules"), playbook, templates, problems)
    issues += [PlaybookIssue(path, message) for path, message in problems.found]
    if issues:
        raise PlaybookError(source, issues)
    return replace(playbook, rules=rules, templates=templates)


def load_playbook(path: Path | str) -> core.Playbook:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookError(str(path), [PlaybookIssue("", f"cannot read: {exc.strerror}")]) from None
    return parse_playbook(text, str(path))
