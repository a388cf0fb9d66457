"""How Baton's classifications hold up on the desk's own tickets: for every resolved
ticket classified when it was opened (`TicketClassified`), whether the suggested
category is the one it was resolved under.

Two populations, never mixed: tickets whose sender named the category (an
independent check of the classifier: the agent decided without it) and tickets that
took the suggestion (there, agreement is how often nobody had to change it). Each by
source: keyword hints, the trained model, the intake fallback."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from baton.services.unit_of_work import read_only

if TYPE_CHECKING:
    from sqlalchemy import Engine

RESOLVED = ("resolved", "closed")
SENDER = "named by the sender"
TAKEN = "taken from the suggestion"


@dataclass(frozen=True)
class AgreementRow:
    population: str
    source: str
    tickets: int
    agreed: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.tickets if self.tickets else None


@dataclass(frozen=True)
class Agreement:
    since: datetime
    classified: int
    """Tickets classified at opening in the window."""
    resolved: int
    """Of those, resolved (or closed): the population measured."""
    rows: tuple[AgreementRow, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "classified": self.classified,
            "resolved": self.resolved,
            "definition": "share of resolved tickets whose category at opening, as Baton classified it, is the "
            "category they were resolved under",
            "rows": [asdict(r) | {"rate": r.rate} for r in self.rows],
        }


def agreement(engine: Engine, since: datetime) -> Agreement:
    counts: Counter[tuple[str, str]] = Counter()
    agreed: Counter[tuple[str, str]] = Counter()
    classified = resolved = 0
    with read_only(engine) as uow:
        for event, category, status in uow.tickets.classifications(since):
            classified += 1
            if status not in RESOLVED:
                continue
            resolved += 1
            key = (TAKEN if "category" in event.applied else SENDER, event.source)
            counts[key] += 1
            agreed[key] += event.category == category
    rows = tuple(AgreementRow(population, source, counts[(population, source)], agreed[(population, source)])
                 for population, source in sorted(counts))  # fmt: skip
    return Agreement(since, classified, resolved, rows)
