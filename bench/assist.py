"""The assist: classification throughput (tickets per second) and suggestion latency
(p50/p99: classification plus the 5 most similar resolved tickets) with 100,000
resolved tickets indexed.

The tickets are synthetic: the demo scenarios' subjects and bodies with sentences
dropped, words from other scenarios and filler mixed in, and made-up ids, names and
numbers, so that the vocabulary grows as a real desk's would. Only the speed is
measured here; how well the classifier works is measured on real data by
`baton model evaluate` (docs/assist.md)."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from baton.assist.classify import ClassifierConfig, Example, fit_model, suggest
from baton.assist.similar import ResolvedTicket, SimilarIndex
from baton.demo.scenarios import CONTACTS, CUSTOMERS, SCENARIOS
from baton.playbook import load_playbook
from baton.settings import EXAMPLE_PLAYBOOK

INDEXED = 100_000
CLASSIFIED = 10_000
QUERIES = 2_000
FILLER = [
    *("please", "urgent", "asap", "again", "still", "today", "yesterday", "morning", "team", "users", "customers"),
    *("report", "screen", "page", "error", "help", "thanks", "regards", "update", "issue", "problem", "since"),
    *("week", "month", "account", "workspace", "settings", "admin"),
]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in text.replace("?", ".").replace("!", ".").split(".") if s.strip()]


def synthetic_tickets(count: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(text, category, severity, resolution), drawn by the scenarios' weights."""
    rng = random.Random(seed)
    scenarios = [s for s, _ in SCENARIOS]
    weights = [w for _, w in SCENARIOS]
    vocabulary = sorted({w.lower().strip(",.'?!()") for s in scenarios for w in f"{s.subject} {s.body}".split()})
    out = []
    for _ in range(count):
        s = rng.choices(scenarios, weights)[0]
        kept = [x for x in _sentences(s.body) if rng.random() < 0.7] or _sentences(s.body)[:1]
        noise = rng.sample(vocabulary, 4) + rng.sample(FILLER, 3)
        ident = f"{rng.choice('ABCDEFGH')}{rng.randrange(10_000, 99_999)}"
        subject = s.subject if rng.random() < 0.6 else " ".join(rng.sample(s.subject.split(), k=3))
        text = (
            f"{subject}\n{'. '.join(kept)}. {' '.join(noise)} ref {ident}\n"
            f"— {rng.choice(CONTACTS)}, {rng.choice(CUSTOMERS)[0]}"
        )
        severity = rng.choices([n for n, _ in s.severities], [w for _, w in s.severities])[0]
        out.append((text, s.category, severity, f"{s.resolution} (case {ident})"))
    return out


PEER_QUERIES = 500
"""The peer takes ~70 ms a query: its first 500 queries, against Baton's own on the same 500."""


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if q < 100 else max(values)


def main() -> None:
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    print(f"\n## Assist: classification and similar tickets, {INDEXED:,} synthetic resolved tickets")
    started = time.perf_counter()
    history = synthetic_tickets(INDEXED, seed=7)
    fresh = synthetic_tickets(CLASSIFIED, seed=8)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    examples = [Example(t, c, s, at + timedelta(minutes=i)) for i, (t, c, s, _) in enumerate(history)]
    print(f"  built the tickets in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    model = fit_model(examples, at)
    print(f"  trained the category and severity models on {INDEXED:,} tickets in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    index = SimilarIndex.build([ResolvedTicket(i, t, r, c) for i, (t, c, _, r) in enumerate(history)])
    print(f"  indexed {len(index):,} resolved tickets in {time.perf_counter() - started:.1f} s")

    for name, config in (("model only (no hint phrases)", ClassifierConfig(hints={})), ("hints first", None)):
        started = time.perf_counter()
        for text, *_ in fresh:
            suggest(text, playbook, model, config)
        elapsed = time.perf_counter() - started
        print(f"  classify one at a time, {name}: {CLASSIFIED / elapsed:,.0f} tickets/s")
    texts = [t for t, *_ in fresh]
    started = time.perf_counter()
    model.category.predict_proba(model.vectorizer.transform(texts))
    rate = CLASSIFIED / (time.perf_counter() - started)
    print(f"  classify in one batch of {CLASSIFIED:,} (model only): {rate:,.0f} tickets/s")

    latencies = []
    for text, *_ in fresh[:QUERIES]:
        started = time.perf_counter()
        suggest(text, playbook, model)
        index.top(text, k=5)
        latencies.append((time.perf_counter() - started) * 1000)
    similar_only = []
    for text, *_ in fresh[:QUERIES]:
        started = time.perf_counter()
        index.top(text, k=5)
        similar_only.append((time.perf_counter() - started) * 1000)
    print(
        f"  suggestion latency (category + severity + 5 similar of {len(index):,}), {QUERIES:,} tickets: "
        f"p50 {_percentile(latencies, 50):.1f} ms, p99 {_percentile(latencies, 99):.1f} ms"
    )
    print(
        f"  of which the 5 similar tickets: p50 {_percentile(similar_only, 50):.1f} ms, "
        f"p99 {_percentile(similar_only, 99):.1f} ms"
    )
    _against_nearest_neighbors(index, [t for t, *_ in fresh[:PEER_QUERIES]], similar_only[:PEER_QUERIES])


def _against_nearest_neighbors(index: SimilarIndex, texts: list[str], ours: list[float]) -> None:
    """The peer: scikit-learn's NearestNeighbors (brute force, cosine) on the same vectors,
    one query at a time as a ticket page asks; same top-5 scores required."""
    from sklearn.neighbors import NearestNeighbors

    peer = NearestNeighbors(n_neighbors=5, metric="cosine", algorithm="brute").fit(index.matrix)
    latencies, same = [], 0
    for text in texts:
        started = time.perf_counter()
        distances, _ = peer.kneighbors(index.vectorizer.transform([text]))
        latencies.append((time.perf_counter() - started) * 1000)
        theirs = sorted((1 - d for d in distances[0] if d < 1 - 1e-9), reverse=True)
        mine = [score for _, score in index.top_many([text], 5)[0]]
        same += len(theirs) == len(mine) and all(abs(a - b) < 1e-4 for a, b in zip(theirs, mine, strict=True))
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    print(
        f"  peer, scikit-learn NearestNeighbors (brute, cosine) on the same vectors: p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms; Baton {p50 / _percentile(ours, 50):.1f}x faster at p50, "
        f"{p99 / _percentile(ours, 99):.1f}x at p99; same top-5 scores for {same:,} of {len(texts):,}"
    )
