"""Reading trigger rules and reply templates from the playbook, with every problem
named by the rule and the path of the bad part. Rules are compiled once here."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from baton.core import rules as r
from baton.core.playbook import Playbook
from baton.playbook.calendars import duration

PLACEHOLDERS = {
    "customer_name": "the customer's account name",
    "ticket_id": "the ticket number",
    "subject": "the ticket's subject",
    "follow_up_time": "the committed follow-up time, in the calendar's zone",
    "follow_up_within": "the follow-up delay, e.g. '2 business hours'",
    "role_title": "the title of the role now responsible",
}
ENUM_VALUES = {
    "severity": "severities",
    "category": "categories",
    "customer_tier": "customer_tiers",
    "responsible_role": "roles",
    "channel": "channels",
}
OWNER = r.OWNER
"""In `notify` and `suggest`, the role responsible for the ticket when the rule fires."""
SUGGESTIONS = 3
"""How many similar tickets (and articles) `suggest` pushes unless it says."""
STATUSES = ("new", "open", "pending_customer", "pending_internal", "resolved", "closed")


class Problems:
    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.found.append((path, message))


def _known_values(playbook: Playbook, name: str) -> Sequence[str]:
    if name == "status":
        return STATUSES
    attribute = ENUM_VALUES.get(name)
    return list(getattr(playbook, attribute)) if attribute else []


def parse_templates(raw: Any, problems: Problems) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.add("templates", "must map template names to text")
        return {}
    templates: dict[str, str] = {}
    for name, text in raw.items():
        path = f"templates.{name}"
        if not isinstance(text, str) or not text.strip():
            problems.add(path, "must be non-empty text")
            continue
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
        except ValueError as exc:
            problems.add(path, f"is not a valid template: {exc}")
            continue
        for field in sorted(used - set(PLACEHOLDERS)):
            problems.add(path, f"unknown placeholder {{{field}}}; known: {', '.join(sorted(PLACEHOLDERS))}")
        templates[str(name)] = text
    return templates


def _condition(raw: Any, path: str, playbook: Playbook, problems: Problems) -> r.Condition | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "a condition is a mapping: {all: [...]}, {any: [...]}, {not: ...} or {field: F, OP: V}")
        return None
    if set(raw) == {"all"} or set(raw) == {"any"}:
        key = next(iter(raw))
        items = raw[key]
        if not isinstance(items, list) or not items:
            problems.add(f"{path}.{key}", "must be a non-empty list of conditions")
            return None
        parts = [_condition(item, f"{path}.{key}[{i}]", playbook, problems) for i, item in enumerate(items)]
        if any(p is None for p in parts):
            return None
        made = tuple(p for p in parts if p is not None)
        if key == "all":
            _contradictions(made, f"{path}.all", problems)
            return r.AllOf(made)
        return r.AnyOf(made)
    if set(raw) == {"not"}:
        inner = _condition(raw["not"], f"{path}.not", playbook, problems)
        return None if inner is None else r.NotThis(inner)
    return _compare(raw, path, playbook, problems)


def _compare(raw: Mapping[str, Any], path: str, playbook: Playbook, problems: Problems) -> r.Compare | None:
    name = raw.get("field")
    ops = [k for k in raw if k != "field"]
    if name not in r.FIELDS:
        problems.add(f"{path}.field", f"unknown field {name!r}; known: {', '.join(r.FIELDS)}")
        return None
    if len(ops) != 1 or ops[0] not in r.OPERATORS:
        problems.add(path, f"give exactly one operator of {', '.join(r.OPERATORS)}; found {ops}")
        return None
    op, value = ops[0], raw[ops[0]]
    where = f"{path}.{op}"
    if op in ("gt", "gte", "lt", "lte"):
        if name not in r.NUMBER_FIELDS or isinstance(value, bool) or not isinstance(value, int | float):
            problems.add(where, f"compares numbers: {name} must be numeric and the value a number")
            return None
    elif op in ("contains_any", "regex"):
        if name not in r.TEXT_FIELDS:
            problems.add(where, f"searches text: use it on {', '.join(r.TEXT_FIELDS)}, not {name}")
            return None
        if op == "regex":
            try:
                re.compile(str(value))
            except re.error as exc:
                problems.add(where, f"regular expression does not compile: {exc}")
                return None
        elif not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            problems.add(where, "must be a non-empty list of keywords")
            return None
    else:
        values = value if op in ("in", "not_in") else [value]
        if op in ("in", "not_in") and (not isinstance(value, list) or not value):
            problems.add(where, "must be a non-empty list (an empty one can never match)")
            return None
        known = _known_values(playbook, name)
        for v in values:
            if known and v not in known:
                problems.add(where, f"{name} is never {v!r} (unreachable); known: {', '.join(known)}")
                return None
            if name in r.NUMBER_FIELDS and not isinstance(v, int | float):
                problems.add(where, f"{name} is a number, not {v!r}")
                return None
        value = list(value) if isinstance(value, list) else value
    return r.Compare(name, op, value)


def _contradictions(parts: Sequence[r.Condition], path: str, problems: Problems) -> None:
    """An `all` that can never hold: one field equal to two values, or an empty numeric range."""
    equals: dict[str, set[Any]] = {}
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for part in parts:
        if not isinstance(part, r.Compare):
            continue
        if part.op == "equals":
            equals.setdefault(part.field, set()).add(part.value)
        elif part.op in ("gt", "gte"):
            low[part.field] = max(low.get(part.field, float("-inf")), float(part.value))
        elif part.op in ("lt", "lte"):
            high[part.field] = min(high.get(part.field, float("inf")), float(part.value))
    for name, values in equals.items():
        if len(values) > 1:
            problems.add(path, f"can never hold: {name} cannot equal {' and '.join(map(repr, sorted(values)))}")
    for name in set(low) & set(high):
        if low[name] > high[name]:
            problems.add(path, f"can never hold: {name} cannot be above {low[name]} and below {high[name]}")


def _trigger(raw: Any, path: str, playbook: Playbook, problems: Problems) -> r.Trigger | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "give {event: NAME}, {sla: TARGET, at: PERCENT} or {no_progress: DURATION, calendar: NAME}")
        return None
    if "event" in raw:
        if raw["event"] not in r.EVENT_TRIGGERS:
            problems.add(f"{path}.event", f"unknown event {raw['event']!r}; known: {', '.join(r.EVENT_TRIGGERS)}")
            return None
        return r.EventTrigger(str(raw["event"]))
    if "sla" in raw:
        target, percent = raw["sla"], raw.get("at")
        if target not in ("first_response", "update", "resolution"):
            problems.add(f"{path}.sla", f"unknown SLA target {target!r}")
            return None
        thresholds = {p for policy in playbook.sla_policies for p in policy.warn_at} | {100}
        if percent not in thresholds:
            problems.add(
                f"{path}.at",
                f"{percent!r} is never reached: clocks record {', '.join(map(str, sorted(thresholds)))} %",
            )
            return None
        return r.SlaTrigger(str(target), int(percent))
    if "no_progress" in raw:
        calendar = raw.get("calendar")
        if calendar not in playbook.calendars:
            problems.add(f"{path}.calendar", f"unknown calendar {calendar!r}")
            return None
        try:
            return r.NoProgressTrigger(duration(str(raw["no_progress"])), str(calendar))
        except ValueError as exc:
            problems.add(f"{path}.no_progress", str(exc))
            return None
    problems.add(path, "give {event: ...}, {sla: ..., at: ...} or {no_progress: ..., calendar: ...}")
    return None


def _role(value: Any, path: str, playbook: Playbook, problems: Problems) -> str | None:
    if value not in playbook.roles:
        problems.add(path, f"unknown role {value!r}")
        return None
    return str(value)


def _action(
    raw: Any, path: str, playbook: Playbook, templates: Mapping[str, str], problems: Problems
) -> r.Action | None:
    if not isinstance(raw, Mapping) or len(raw) != 1 or next(iter(raw)) not in r.ACTIONS:
        problems.add(path, f"an action is one of {', '.join(r.ACTIONS)}, as a single-key mapping")
        return None
    kind, value = next(iter(raw.items()))
    where = f"{path}.{kind}"
    if kind == "escalate":
        if not isinstance(value, Mapping) or value.get("kind") not in ("assist", "handoff"):
            problems.add(where, "give {kind: assist|handoff, role: ROLE}")
            return None
        role = _role(value.get("role"), f"{where}.role", playbook, problems)
        return None if role is None else r.EscalateTo(str(value["kind"]), role)
    if kind in ("add_consulted", "add_informed"):
        role = _role(value, where, playbook, problems)
        return None if role is None else r.AddRole(kind.removeprefix("add_"), role)
    if kind == "notify":
        spec = value if isinstance(value, Mapping) else {"role": value}
        if spec.get("role") == OWNER:
            return r.NotifyRole(OWNER, str(spec.get("message", "")))
        role = _role(spec.get("role"), where, playbook, problems)
        return None if role is None else r.NotifyRole(role, str(spec.get("message", "")))
    if kind == "suggest":
        spec = value if isinstance(value, Mapping) else {"to": value}
        count = spec.get("count", SUGGESTIONS)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10:
            problems.add(f"{where}.count", f"give a whole number from 1 to 10, not {count!r}")
            return None
        to = spec.get("to", OWNER)
        role = OWNER if to == OWNER else _role(to, f"{where}.to", playbook, problems)
        return None if role is None else r.PushSuggestions(role, count)
    if kind in ("set_severity", "set_category"):
        attribute = "severities" if kind == "set_severity" else "categories"
        if value not in getattr(playbook, attribute):
            problems.add(where, f"unknown {attribute[:-3] + 'y' if kind == 'set_severity' else 'category'} {value!r}")
            return None
        return r.SetSeverity(str(value)) if kind == "set_severity" else r.SetCategory(str(value))
    # customer_update
    if not isinstance(value, Mapping) or value.get("template") not in templates:
        problems.add(where, f"give {{template: NAME, follow_up: DURATION}} naming one of: {', '.join(templates)}")
        return None
    calendar = value.get("calendar") or next(iter(playbook.calendars), None)
    if calendar not in playbook.calendars:
        problems.add(f"{where}.calendar", f"unknown calendar {calendar!r}")
        return None
    try:
        follow_up = duration(str(value.get("follow_up")))
    except ValueError as exc:
        problems.add(f"{where}.follow_up", str(exc))
        return None
    return r.SendCustomerUpdate(str(value["template"]), follow_up, str(calendar))


def parse_rules(raw: Any, playbook: Playbook, templates: Mapping[str, str], problems: Problems) -> tuple[r.Rule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("rules", "must be a list of rules")
        return ()
    made: list[r.Rule] = []
    names: set[str] = set()
    for i, item in enumerate(raw):
        path = f"rules[{i}]"
        if not isinstance(item, Mapping):
            problems.add(path, "a rule is a mapping with name, description, when, if and then")
            continue
        name = item.get("name")
        label = f"{path} ({name})" if isinstance(name, str) else path
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            problems.add(f"{path}.name", "must be a lower-case name like 'duplicate-charge-to-billing'")
            continue
        if name in names:
            problems.add(f"{path}.name", f"duplicate rule name {name!r}")
        names.add(name)
        unknown = set(item) - {"name", "description", "when", "if", "then"}
        if unknown:
            problems.add(label, f"unknown keys {sorted(unknown)}")
        trigger = _trigger(item.get("when"), f"{label}.when", playbook, problems)
        condition = _condition(item["if"], f"{label}.if", playbook, problems) if "if" in item else r.AllOf(())
        then = item.get("then")
        if not isinstance(then, list) or not then:
            problems.add(f"{label}.then", "must list at least one action")
            continue
        actions = [_action(a, f"{label}.then[{j}]", playbook, templates, problems) for j, a in enumerate(then)]
        if trigger is None or condition is None or any(a is None for a in actions):
            continue
        rule = r.Rule(name, str(item.get("description", "")), trigger, condition, tuple(a for a in actions if a))
        made.append(r.compiled(rule))
    for cycle in r.rule_cycles(made):
        problems.add("rules", f"rules form a cycle, each triggering the next: {' -> '.join(cycle)}")
    return tuple(made)
