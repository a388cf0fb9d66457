"""A category and a severity suggested for a new ticket from its text.

In order: keyword hints (a phrase that names one category wins outright), then the
model trained on the desk's own resolved tickets (TF-IDF + logistic regression,
with its probability as the confidence), then the fallback: the playbook's intake
role with the fallback category, whenever the text is empty, no model is usable,
none of the text's words is known to the model (another language, say) or the
model's confidence is below the threshold. Every :class:`Suggestion` names its
source and the reason in words; :func:`suggest` never raises on any text.

The hints live here (:data:`HINTS`), not in the playbook: a ``hints`` list per
playbook category would also need the playbook loader to carry it through.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from baton.assist.model_store import Holdout, TicketModel, new_info
from baton.core.playbook import Playbook

HINTS: Mapping[str, tuple[str, ...]] = {
    "billing": ("invoice", "invoices", "charged twice", "double charge", "double charged", "duplicate charge",
                "billed twice", "refund", "credit card", "receipt", "vat"),
    "account-access": ("log in", "login", "sign in", "sso", "saml", "password", "locked out", "2fa", "mfa"),
    "data-export": ("csv export", "scheduled export", "export job", "export failed", "export is stuck"),
    "api": ("api", "rest api", "api key", "webhook", "webhooks", "rate limit", "429", "endpoint"),
    "performance": ("slow", "slowness", "timeout", "timeouts", "timed out", "takes minutes", "latency"),
    "security": ("unauthorized", "unauthorised", "hacked", "data leak", "data loss", "phishing",
                 "suspicious login", "security breach", "never created", "unknown admin"),
    "feature-request": ("feature request", "would love", "we'd love", "is it planned", "is that planned",
                        "on the roadmap"),
    "how-to": ("how do i", "how can i", "how to", "where can i", "where do i"),
}  # fmt: skip
"""Phrases (matched as whole words, any case) that point at one category."""

SEVERITY_HINTS: Mapping[str, tuple[str, ...]] = {
    "critical": ("outage", "production is down", "all users", "data loss", "hacked", "security breach"),
    "low": ("feature request", "would love", "how do i", "question", "cosmetic"),
}
"""Phrases that point at a severity, when no model suggests one."""


class Source(StrEnum):
    HINTS = "hints"
    MODEL = "model"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class ClassifierConfig:
    threshold: float = 0.5
    """The model's category probability below which the ticket falls back."""
    severity_threshold: float = 0.5
    max_chars: int = 20_000
    """Longer texts are classified on their beginning."""
    hints: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: HINTS)
    severity_hints: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: SEVERITY_HINTS)
    fallback_category: str | None = None
    """The category of a fallback; None (or unknown to the playbook): the playbook's intake category, else its first."""


@dataclass(frozen=True)
class Suggestion:
    category: str
    confidence: float
    """1.0 for a hint, the model's probability, 0.0 for a fallback."""
    source: Source
    reason: str
    severity: str | None = None
    """A suggested severity, or None when nothing supports one."""
    severity_confidence: float = 0.0
    severity_source: Source | None = None
    route_to: str | None = None
    """The role a fallback lands with (the playbook's intake role); None otherwise."""
    alternatives: tuple[tuple[str, float], ...] = ()
    """The model's three best categories with their probabilities."""


@dataclass(frozen=True)
class Example:
    """A resolved ticket to learn from."""

    text: str
    category: str
    severity: str
    created_at: datetime


def ticket_text(subject: str, body: str) -> str:
    return f"{subject}\n{body}"


# --- suggesting --------------------------------------------------------------------------


def suggest(
    text: str,
    playbook: Playbook,
    model: TicketModel | None,
    config: ClassifierConfig | None = None,
    model_problem: str | None = None,
) -> Suggestion:
    """The suggestion for one ticket text (see the module doc). ``model_problem``
    is why there is no model (from :func:`baton.assist.model_store.load_or_explain`)."""
    config = config or ClassifierConfig()
    if not text.strip():
        return _fallback(playbook, config, "the ticket has no text")
    note = ""
    if len(text) > config.max_chars:
        note = f" (classified on its first {config.max_chars:,} of {len(text):,} characters)"
        text = text[: config.max_chars]
    hinted = _hinted(text, playbook, config)
    features = _features(model, text)
    severity = _severity(model, features, text, playbook, config)
    if hinted is not None:
        category, phrases = hinted
        reason = f"the text says {', '.join(repr(p) for p in phrases)}, a hint for {category!r}{note}"
        return _with_severity(Suggestion(category, 1.0, Source.HINTS, reason), severity)
    if model is None:
        why = model_problem or "no model has been trained (`baton model train`)"
        return _with_severity(_fallback(playbook, config, f"no hint matched and {why}{note}"), severity)
    if features is None:
        why = "none of its words is in the model's vocabulary (another language, or only codes and numbers)"
        return _with_severity(_fallback(playbook, config, f"no hint matched and {why}{note}"), severity)
    ranked = _ranked(model.category, features, set(playbook.categories))
    if not ranked:
        why = "the model knows none of the playbook's categories: retrain with `baton model train`"
        return _with_severity(_fallback(playbook, config, why), severity)
    best, probability = ranked[0]
    alternatives = tuple(ranked[:3])
    if probability < config.threshold:
        why = (
            f"the model's best guess {best!r} has confidence {probability:.2f}, below the threshold {config.threshold}"
        )
        fallback = replace(_fallback(playbook, config, why + note), alternatives=alternatives)
        return _with_severity(fallback, severity)
    reason = f"the model trained on resolved tickets gives {best!r} with confidence {probability:.2f}{note}"
    return _with_severity(Suggestion(best, probability, Source.MODEL, reason, alternatives=alternatives), severity)


def _fallback(playbook: Playbook, config: ClassifierConfig, why: str) -> Suggestion:
    wanted = config.fallback_category
    category = wanted if wanted is not None and wanted in playbook.categories else playbook.fallback_category
    reason = f"{why}: left with the intake role {playbook.intake_role!r} as {category!r}"
    return Suggestion(category, 0.0, Source.FALLBACK, reason, route_to=playbook.intake_role)


def _with_severity(suggestion: Suggestion, severity: tuple[str, float, Source] | None) -> Suggestion:
    if severity is None:
        return suggestion
    name, confidence, source = severity
    return replace(suggestion, severity=name, severity_confidence=confidence, severity_source=source)


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled alternation per phrase list, cached (the lists are few and fixed)."""
    pattern = _PATTERNS.get(phrases)
    if pattern is None:
        words = sorted(phrases, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)
        _PATTERNS[phrases] = pattern
    return pattern


def matched_hints(text: str, hints: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Per category, the distinct hint phrases found in ``text`` (lower case)."""
    found: dict[str, list[str]] = {}
    for name, phrases in hints.items():
        if phrases:
            seen = dict.fromkeys(m.group(0).lower() for m in _pattern(tuple(phrases)).finditer(text))
            if seen:
                found[name] = list(seen)
    return found


def _hinted(text: str, playbook: Playbook, config: ClassifierConfig) -> tuple[str, list[str]] | None:
    """The category whose hints match most distinct phrases, if one does strictly most."""
    hints = {name: phrases for name, phrases in config.hints.items() if name in playbook.categories}
    found = matched_hints(text, hints)
    if not found:
        return None
    ranked = sorted(found.items(), key=lambda item: len(item[1]), reverse=True)
    if len(ranked) > 1 and len(ranked[0][1]) == len(ranked[1][1]):
        return None  # the hints disagree: let the model decide
    return ranked[0]


def _features(model: TicketModel | None, text: str) -> Any | None:
    """The text's TF-IDF row, or None when no model or no known word."""
    if model is None:
        return None
    row = model.vectorizer.transform([text])
    return row if row.nnz else None


def _ranked(classifier: Any, features: Any, allowed: set[str]) -> list[tuple[str, float]]:
    probabilities = classifier.predict_proba(features)[0]
    pairs = [(str(c), float(p)) for c, p in zip(classifier.classes_, probabilities, strict=True) if str(c) in allowed]
    return sorted(pairs, key=lambda pair: pair[1], reverse=True)


def _severity(
    model: TicketModel | None, features: Any | None, text: str, playbook: Playbook, config: ClassifierConfig
) -> tuple[str, float, Source] | None:
    if model is not None and model.severity is not None and features is not None:
        ranked = _ranked(model.severity, features, set(playbook.severities))
        if ranked and ranked[0][1] >= config.severity_threshold:
            return ranked[0][0], ranked[0][1], Source.MODEL
    found = matched_hints(text, {s: p for s, p in config.severity_hints.items() if s in playbook.severities})
    if found:
        most_severe = min(found, key=lambda name: playbook.severities[name].rank)
        return most_severe, 1.0, Source.HINTS
    return None


# --- training ----------------------------------------------------------------------------


class TrainingError(ValueError):
    pass


MIN_EXAMPLES = 10
CATEGORY_C = 10.0
SEVERITY_C = 1.0


def _fit(texts: Sequence[str], labels: Sequence[str], c: float, vectorizer: Any | None = None) -> tuple[Any, Any]:
    """A TF-IDF vectorizer (fitted here unless given) and a logistic regression on it. A weaker
    regularisation (higher ``c``) makes confident categories on a small desk's history; the
    severity, which agents set with more noise, converges far faster with a stronger one."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if vectorizer is None:
        vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1, max_features=200_000)
        matrix = vectorizer.fit_transform(texts)
    else:
        matrix = vectorizer.transform(texts)
    classifier = LogisticRegression(C=c, tol=1e-3, max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a near-converged fit still ranks well
        classifier.fit(matrix, list(labels))
    return vectorizer, classifier


def fit_model(examples: Sequence[Example], trained_at: datetime, holdout: Holdout | None = None) -> TicketModel:
    """Train on ``examples``; raises :class:`TrainingError` when they cannot teach anything."""
    categories = sorted({e.category for e in examples})
    if len(examples) < MIN_EXAMPLES or len(categories) < 2:
        raise TrainingError(
            f"need at least {MIN_EXAMPLES} resolved tickets in at least 2 categories to train; "
            f"found {len(examples)} in {len(categories)}"
        )
    texts = [e.text[:20_000] for e in examples]
    vectorizer, category = _fit(texts, [e.category for e in examples], CATEGORY_C)
    severities = sorted({e.severity for e in examples})
    severity = _fit(texts, [e.severity for e in examples], SEVERITY_C, vectorizer)[1] if len(severities) > 1 else None
    info = new_info(tuple(categories), tuple(severities) if severity else (), len(examples), trained_at, holdout)
    return TicketModel(vectorizer, category, severity, info)


def time_split(examples: Sequence[Example], test_share: float = 0.2) -> tuple[list[Example], list[Example]]:
    """Earlier tickets to train on, the later ``test_share`` to score: never a random split.
    Tickets created at the same instant stay on the same side."""
    ordered = sorted(examples, key=lambda e: e.created_at)
    cut = int(len(ordered) * (1 - test_share))
    while 0 < cut < len(ordered) and ordered[cut].created_at == ordered[cut - 1].created_at:
        cut += 1
    return ordered[:cut], ordered[cut:]


def holdout_accuracy(examples: Sequence[Example], trained_at: datetime, test_share: float = 0.2) -> Holdout | None:
    """The model's category accuracy on the latest tickets when trained on the earlier
    ones; None when either side is too small to say anything."""
    train, test = time_split(examples, test_share)
    if not test or len(train) < MIN_EXAMPLES or len({e.category for e in train}) < 2:
        return None
    model = fit_model(train, trained_at)
    predicted = model.category.predict(model.vectorizer.transform([e.text[:20_000] for e in test]))
    correct = sum(str(p) == e.category for p, e in zip(predicted, test, strict=True))
    return Holdout(len(train), len(test), test[0].created_at.isoformat(), correct / len(test))


def train(examples: Sequence[Example], trained_at: datetime) -> TicketModel:
    """The time-split hold-out figure, then the model trained on every example."""
    return fit_model(examples, trained_at, holdout_accuracy(examples, trained_at))
