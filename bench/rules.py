"""Trigger-rule evaluation: events per second for Baton's compiled rules, beside the
same conditions written for `rule-engine` and `business-rules`, on the same 100,000
ticket events (facts drawn from the demo's scenarios). All three must agree on which
rules match every event before any timing counts."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from baton.core import rules as r
from baton.demo.scenarios import SCENARIOS
from baton.playbook import load_playbook
from baton.settings import EXAMPLE_PLAYBOOK

EVENTS = 100_000
WORDS = ["please", "again", "hacked", "charged twice", "export", "thanks", "urgent", "data loss", "slow"]


def _events(count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    out = []
    for _ in range(count):
        scenario = rng.choice([s for s, _ in SCENARIOS])
        message = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 6)))
        out.append(
            {
                "severity": rng.choice(["critical", "high", "medium", "low"]),
                "category": scenario.category,
                "customer_tier": rng.choice(["enterprise", "business", "starter"]),
                "status": rng.choice(["new", "open", "pending_customer"]),
                "channel": rng.choice(["email", "web", "chat"]),
                "responsible_role": rng.choice(["frontline", "billing-specialist", "security-team"]),
                "subject": scenario.subject,
                "text": f"{scenario.subject}\n{scenario.body}\n{message}",
                "message": message,
                "escalation_level": rng.choice([1, 1, 2, 3]),
                "failed_attempts": rng.choice([0, 0, 1, 2]),
                "negative_messages": rng.choice([0, 1, 2, 3, 4]),
                "sentiment": rng.uniform(-1, 1),
                "sentiment_trend": rng.uniform(-1, 1),
                "escalations": rng.choice([0, 1, 2]),
                "reopen_count": rng.choice([0, 1, 2]),
            }
        )
    return out


# --- the same conditions for the peers -------------------------------------------------


def _rule_engine_text(c: r.Condition) -> str:
    match c:
        case r.AllOf(parts):
            return "(" + " and ".join(_rule_engine_text(p) for p in parts) + ")" if parts else "true"
        case r.AnyOf(parts):
            return "(" + " or ".join(_rule_engine_text(p) for p in parts) + ")"
        case r.NotThis(part):
            return f"not {_rule_engine_text(part)}"
        case r.Compare(field=f, op=op, value=v):
            if op == "contains_any":
                words = "|".join(re.escape(w.lower()) for w in v)
                return f'({f} =~~ "(?i)(?<![\\\\w-])({words})(?![\\\\w-])")'
            if op in ("in", "not_in"):
                items = ", ".join(f'"{x}"' for x in v)
                return f"({'not ' if op == 'not_in' else ''}{f} in [{items}])"
            symbol = {"equals": "==", "not_equals": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            value = f'"{v}"' if isinstance(v, str) else float(v)
            return f"({f} {symbol} {value})"
    raise TypeError(c)


def _business_rules_conditions(c: r.Condition) -> dict[str, Any]:
    match c:
        case r.AllOf(parts):
            return {"all": [_business_rules_conditions(p) for p in parts]}
        case r.AnyOf(parts):
            return {"any": [_business_rules_conditions(p) for p in parts]}
        case r.Compare(field=f, op=op, value=v):
            if op == "equals":
                return {"name": f, "operator": "equal_to", "value": v}
            if op == "in":
                return {"any": [{"name": f, "operator": "equal_to", "value": x} for x in v]}
            if op in ("not_in", "not_equals"):  # business-rules has no negation: a negative lookahead
                items = v if op == "not_in" else [v]
                pattern = "^(?!(" + "|".join(re.escape(x) for x in items) + ")$)"
                return {"name": f, "operator": "matches_regex", "value": pattern}
            if op == "contains_any":
                words = "|".join(re.escape(w.lower()) for w in v)
                return {"name": f, "operator": "matches_regex", "value": f"(?is).*(?<![\\w-])({words})(?![\\w-])"}
            names = {"gt": "greater_than", "gte": "greater_than_or_equal_to", "lt": "less_than",
                     "lte": "less_than_or_equal_to"}  # fmt: skip
            return {"name": f, "operator": names[op], "value": v}
    raise TypeError(f"business-rules cannot express {c!r}")


ALWAYS = {"all": [{"name": "escalations", "operator": "greater_than_or_equal_to", "value": 0}]}
"""business-rules needs at least one condition: one that always holds."""


def _business_rules(rules: Sequence[r.Rule]) -> Callable[[dict[str, Any]], set[str]]:
    from business_rules import run_all
    from business_rules.actions import BaseActions, rule_action
    from business_rules.fields import FIELD_TEXT
    from business_rules.variables import BaseVariables, numeric_rule_variable, string_rule_variable

    def string_var(name: str) -> Any:
        return string_rule_variable(label=name)(lambda self: self.facts[name])

    def number_var(name: str) -> Any:
        return numeric_rule_variable(label=name)(lambda self: self.facts[name])

    attributes: dict[str, Any] = {"__init__": lambda self, facts: setattr(self, "facts", facts)}
    for name in r.ENUM_FIELDS + r.TEXT_FIELDS:
        attributes[name] = string_var(name)
    for name in r.NUMBER_FIELDS:
        attributes[name] = number_var(name)
    variables = type("TicketFacts", (BaseVariables,), attributes)

    class Matched(BaseActions):  # type: ignore[misc]
        def __init__(self) -> None:
            self.names: set[str] = set()

        @rule_action(params={"rule": FIELD_TEXT})  # type: ignore[untyped-decorator]
        def fired(self, rule: str) -> None:
            self.names.add(rule)

    spec = [
        {"conditions": _business_rules_conditions(rule.condition) if rule.condition != r.AllOf(()) else ALWAYS,
         "actions": [{"name": "fired", "params": {"rule": rule.name}}]}
        for rule in rules
    ]  # fmt: skip

    def evaluate(facts: dict[str, Any]) -> set[str]:
        actions = Matched()
        run_all(rule_list=spec, defined_variables=variables(facts), defined_actions=actions)
        return actions.names

    return evaluate


def _time(label: str, evaluate: Callable[[dict[str, Any]], set[str]], events: list[dict[str, Any]]) -> float:
    began = time.perf_counter()
    for facts in events:
        evaluate(facts)
    rate = len(events) / (time.perf_counter() - began)
    print(f"  {label:20s} {rate:12,.0f} events/s  ({len(events):,} events)")
    return rate


def main() -> None:
    import rule_engine

    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    rules = list(playbook.rules)
    events = _events(EVENTS)
    compiled_peers = [(rule.name, rule_engine.Rule(_rule_engine_text(rule.condition))) for rule in rules]

    def baton(facts: dict[str, Any]) -> set[str]:
        return {rule.name for rule in rules if rule.test(facts)}

    def peer(facts: dict[str, Any]) -> set[str]:
        return {name for name, compiled in compiled_peers if compiled.matches(facts)}

    business = _business_rules(rules)
    for facts in events[:3_000]:
        assert baton(facts) == peer(facts) == business(facts), facts
    print(f"\n## Trigger rules: the example playbook's {len(rules)} rule conditions on each ticket event")
    print("all three engines agree on the matching rules for 3,000 of 3,000 sample events")
    ours = _time("baton", baton, events)
    others = {"rule-engine": _time("rule-engine", peer, events),
              "business-rules": _time("business-rules", business, events)}  # fmt: skip
    fastest = max(others, key=lambda k: others[k])
    print(f"  baton / {fastest} (the faster peer): {ours / others[fastest]:.1f}x")
