"""Escalation triggers: rules as data, compiled once into plain closures.

A rule is ``when`` (a ticket event, an SLA threshold, or no progress for a
business-time span) + ``if`` (all / any / not over field-operator-value) +
``then`` (actions). Evaluation is pure: the ticket, the events that just happened
and ``now`` come in; firings (which rule, on which occurrence, with which inputs)
go out. The service turns their actions into commands."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from baton.core import events as ev

# --- what a rule can look at -------------------------------------------------------

ENUM_FIELDS = ("severity", "category", "customer_tier", "status", "channel", "responsible_role")
TEXT_FIELDS = ("subject", "text", "message")
NUMBER_FIELDS = (
    "escalation_level",
    "failed_attempts",
    "negative_messages",
    "sentiment",
    "sentiment_trend",
    "escalations",
    "reopen_count",
)
FIELDS = ENUM_FIELDS + TEXT_FIELDS + NUMBER_FIELDS
FIELD_MEANING = {
    "severity": "the ticket's severity",
    "category": "the ticket's category",
    "customer_tier": "the customer's tier",
    "status": "the ticket's status",
    "channel": "the channel it came in by",
    "responsible_role": "the role responsible now",
    "subject": "the subject",
    "text": "subject, first message and the latest customer message",
    "message": "the message that just arrived (empty if none)",
    "escalation_level": "the escalation tier (1-4)",
    "failed_attempts": "resolutions that did not hold (reopens)",
    "negative_messages": "customer messages scored negative",
    "sentiment": "the latest customer message's sentiment (-1..1)",
    "sentiment_trend": "latest customer sentiment minus the average of the earlier ones",
    "escalations": "escalations so far",
    "reopen_count": "times reopened",
}
OPERATORS = ("equals", "not_equals", "in", "not_in", "contains_any", "regex", "gt", "gte", "lt", "lte")

# --- what can trigger a rule -------------------------------------------------------

EVENT_TRIGGERS: Mapping[str, tuple[type[ev.Event], ...]] = {
    "ticket_created": (ev.TicketOpened,),
    "customer_message": (ev.MessageAdded,),
    "agent_reply": (ev.MessageAdded,),
    "status_changed": (ev.StatusChanged,),
    "severity_changed": (ev.SeverityChanged,),
    "category_changed": (ev.CategoryChanged,),
    "escalated": (ev.TicketEscalated,),
    "bounced": (ev.EscalationBounced,),
    "reopened": (ev.TicketReopened,),
    "resolved": (ev.TicketResolved,),
}


def matches_trigger(name: str, event: ev.Event) -> bool:
    if not isinstance(event, EVENT_TRIGGERS[name]):
        return False
    if isinstance(event, ev.MessageAdded):
        wanted = "customer" if name == "customer_message" else "agent"
        return event.author_kind == wanted and event.visibility == "public"
    return True


@dataclass(frozen=True)
class EventTrigger:
    event: str

    def describe(self) -> str:
        return f"when {self.event.replace('_', ' ')}"


@dataclass(frozen=True)
class SlaTrigger:
    target: str
    percent: int

    def describe(self) -> str:
        point = "is breached" if self.percent >= 100 else f"reaches {self.percent} %"
        return f"when the {self.target.replace('_', ' ')} SLA {point}"


@dataclass(frozen=True)
class NoProgressTrigger:
    seconds: int
    calendar: str

    def describe(self) -> str:
        return f"after {self.seconds // 60} business minutes ({self.calendar}) without progress"


Trigger = EventTrigger | SlaTrigger | NoProgressTrigger

# --- conditions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class NotThis:
    part: Condition


Condition = Compare | AllOf | AnyOf | NotThis
Facts = Mapping[str, Any]
Test = Callable[[Facts], bool]


def _words(values: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(v.lower()) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def compile_condition(condition: Condition) -> Test:
    """A closure testing the condition on a facts mapping; built once per rule."""
    match condition:
        case AllOf(parts):
            tests = tuple(compile_condition(p) for p in parts)
            return lambda f: all(t(f) for t in tests)
        case AnyOf(parts):
            tests = tuple(compile_condition(p) for p in parts)
            return lambda f: any(t(f) for t in tests)
        case NotThis(part):
            test = compile_condition(part)
            return lambda f: not test(f)
        case Compare(field=name, op=op, value=value):
            return _compare(name, op, value)
    raise TypeError(f"not a condition: {condition!r}")  # pragma: no cover


def _compare(name: str, op: str, value: Any) -> Test:
    if op == "equals":
        return lambda f: f[name] == value
    if op == "not_equals":
        return lambda f: f[name] != value
    if op in ("in", "not_in"):
        choices = frozenset(value)
        return (lambda f: f[name] in choices) if op == "in" else (lambda f: f[name] not in choices)
    if op == "contains_any":
        pattern = _words(value)
        return lambda f: pattern.search(f[name].lower()) is not None
    if op == "regex":
        compiled = re.compile(value, re.IGNORECASE)
        return lambda f: compiled.search(f[name]) is not None
    threshold = float(value)
    return {
        "gt": lambda f: f[name] > threshold,
        "gte": lambda f: f[name] >= threshold,
        "lt": lambda f: f[name] < threshold,
        "lte": lambda f: f[name] <= threshold,
    }[op]


def fields_of(condition: Condition) -> set[str]:
    match condition:
        case AllOf(parts) | AnyOf(parts):
            return set().union(*(fields_of(p) for p in parts)) if parts else set()
        case NotThis(part):
            return fields_of(part)
        case Compare(field=name):
            return {name}


def describe_condition(condition: Condition) -> str:
    match condition:
        case AllOf(parts):
            return "(" + " and ".join(describe_condition(p) for p in parts) + ")" if parts else "always"
        case AnyOf(parts):
            return "(" + " or ".join(describe_condition(p) for p in parts) + ")"
        case NotThis(part):
            return f"not {describe_condition(part)}"
        case Compare(field=name, op=op, value=value):
            words = {
                "equals": "is", "not_equals": "is not", "in": "is one of", "not_in": "is none of",
                "contains_any": "mentions any of", "regex": "matches", "gt": ">", "gte": "≥",
                "lt": "<", "lte": "≤",
            }  # fmt: skip
            shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
            return f"{name.replace('_', ' ')} {words[op]} {shown}"


# --- actions ---------------------------------------------------------------------------

ACTIONS = (
    "escalate",
    "set_severity",
    "set_category",
    "add_consulted",
    "add_informed",
    "notify",
    "customer_update",
    "suggest",
)
"""The action keys a playbook may write under ``then``."""

OWNER = "owner"
"""A notify or suggest target: whoever owns the ticket when the rule fires."""


@dataclass(frozen=True)
class EscalateTo:
    kind: str  # assist | handoff
    role: str
    causes: ClassVar[tuple[str, ...]] = ("escalated",)

    def describe(self) -> str:
        return f"{self.kind} to {self.role}"


@dataclass(frozen=True)
class SetSeverity:
    severity: str
    causes: ClassVar[tuple[str, ...]] = ("severity_changed",)

    def describe(self) -> str:
        return f"set severity to {self.severity}"


@dataclass(frozen=True)
class SetCategory:
    category: str
    causes: ClassVar[tuple[str, ...]] = ("category_changed",)

    def describe(self) -> str:
        return f"set category to {self.category}"


@dataclass(frozen=True)
class AddRole:
    """Add a role as consulted (its routed member too) or informed."""

    kind: str  # consulted | informed
    role: str
    causes: ClassVar[tuple[str, ...]] = ()

    def describe(self) -> str:
        return f"add {self.role} as {self.kind}"


@dataclass(frozen=True)
class NotifyRole:
    role: str
    """A role, or :data:`OWNER`."""
    message: str = ""
    causes: ClassVar[tuple[str, ...]] = ()

    def describe(self) -> str:
        return f"notify {self.role}"


@dataclass(frozen=True)
class SendCustomerUpdate:
    template: str
    follow_up: int
    """Business seconds until the follow-up the update commits to."""
    calendar: str
    causes: ClassVar[tuple[str, ...]] = ()

    def describe(self) -> str:
        return f"send the customer '{self.template}' promising a follow-up within {self.follow_up // 60} min"


@dataclass(frozen=True)
class PushSuggestions:
    role: str
    """A role, or :data:`OWNER`."""
    count: int
    causes: ClassVar[tuple[str, ...]] = ()

    def describe(self) -> str:
        return f"push up to {self.count} similar resolved tickets and articles to {self.role}"


Action = EscalateTo | SetSeverity | SetCategory | AddRole | NotifyRole | SendCustomerUpdate | PushSuggestions
"""What a rule does, one variant per kind; ``causes`` are the event triggers it can
set off (the edges of the rule graph)."""


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    when: Trigger
    condition: Condition
    then: tuple[Action, ...]
    test: Test = field(compare=False, repr=False, default=lambda f: True)

    def explain(self) -> str:
        actions = "; ".join(a.describe() for a in self.then)
        return f"{self.when.describe()}, if {describe_condition(self.condition)}: {actions}"


def compiled(rule: Rule) -> Rule:
    return Rule(rule.name, rule.description, rule.when, rule.condition, rule.then, compile_condition(rule.condition))


def rule_cycles(rules: Sequence[Rule]) -> list[list[str]]:
    """Chains of rules whose actions trigger each other back to the start."""
    by_event: dict[str, list[str]] = {}
    for rule in rules:
        if isinstance(rule.when, EventTrigger):
            by_event.setdefault(rule.when.event, []).append(rule.name)
    edges = {rule.name: sorted({n for a in rule.then for e in a.causes for n in by_event.get(e, [])}) for rule in rules}
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(path: list[str]) -> None:
        for following in edges[path[-1]]:
            if following == path[0]:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    cycles.append([*path, following])
            elif following not in path and following > path[0]:
                walk([*path, following])

    for name in sorted(edges):
        walk([name])
    return cycles
