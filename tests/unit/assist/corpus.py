"""Training texts for the assist tests: the demo scenarios signed by each contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from baton.assist.classify import Example
from baton.demo.scenarios import CONTACTS, SCENARIOS

TRAINED_AT = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def scenario_examples() -> list[Example]:
    """Each scenario's subject and body, signed by each contact: 90 tickets, one an hour."""
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    examples = []
    for n, contact in enumerate(CONTACTS):
        for m, (scenario, _) in enumerate(SCENARIOS):
            text = f"{scenario.subject}\n{scenario.body}\n\n— {contact}"
            severity = scenario.severities[n % len(scenario.severities)][0]
            at = start + timedelta(hours=n * len(SCENARIOS) + m)
            examples.append(Example(text, scenario.category, severity, at))
    return examples
