"""Customer sentiment: VADER, with a support lexicon laid over it.

VADER alone misses the words customers use when support fails them: its lexicon
lacks 'outage', 'down', 'asap', 'refund', 'escalate', 'lawyer', 'slow', scores
'urgent' as positive and "I can't log in" as neutral. The overlay fixes those."""

from __future__ import annotations

from functools import cache
from typing import Any

SUPPORT_LEXICON: dict[str, float] = {
    "outage": -2.4,
    "down": -1.6,
    "asap": -1.2,
    "urgent": -1.3,
    "urgently": -1.3,
    "refund": -1.2,
    "escalate": -1.5,
    "lawyer": -2.5,
    "legal": -1.4,
    "slow": -1.5,
    "broken": -2.2,
    "unacceptable": -2.8,
    "again": -0.6,
    "still": -0.6,
    "cancel": -1.8,
    "churn": -2.0,
    "frustrated": -2.3,
    "frustrating": -2.3,
    "can't": -1.2,
    "cannot": -1.2,
    "unable": -1.4,
    "stuck": -1.6,
    "timeout": -1.5,
    "timeouts": -1.5,
    "blocking": -1.8,
    "blocked": -1.8,
    "charged": -0.8,
}


@cache
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(SUPPORT_LEXICON)
    return analyzer


def score(text: str) -> float:
    """VADER's compound score, -1 (most negative) to 1 (most positive)."""
    if not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text[:5_000])["compound"])
