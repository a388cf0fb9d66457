"""The resolved tickets most like an open one: TF-IDF cosine, top k.

At desk scale (100,000 resolved tickets) a sparse matrix product answers a query
in milliseconds, so no vector database is needed. Ranking is by score, and among
equal scores the ticket given later to :meth:`SimilarIndex.build` first: pass the
tickets in the order they were resolved and the most recent of equals wins.
Tickets sharing no term with the query (score 0) are never returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

WORDS = r"(?u)\b\w\w+\b"
"""Words of two characters or more (scikit-learn's default)."""
FIELDS = r"\S+"
"""Whitespace-separated tokens, for documents built from coded fields."""
CHUNK = 512
"""Queries scored together in :meth:`SimilarIndex.top_many` (a dense CHUNK x N block)."""


@dataclass(frozen=True)
class ResolvedTicket:
    ticket_id: int | str
    text: str
    resolution: str
    category: str = ""
    resolved_by: str = ""
    """The role or group that resolved it."""


@dataclass(frozen=True)
class Match:
    ticket_id: int | str
    score: float
    """Cosine similarity of the TF-IDF vectors, 0 to 1."""
    resolution: str
    category: str
    resolved_by: str


@dataclass(frozen=True)
class TextOptions:
    token_pattern: str = WORDS
    lowercase: bool = True
    stop_words: bool = True
    """Drop English stop words: they match everything and slow every query."""
    bigrams: bool = True


class SimilarIndex:
    """Resolved tickets as TF-IDF rows; build once, query many times."""

    def __init__(self, tickets: Sequence[ResolvedTicket], vectorizer: Any, matrix: Any) -> None:
        self.tickets = tuple(tickets)
        self._vectorizer = vectorizer
        self._matrix = matrix
        self._transposed = None if matrix is None else matrix.T.tocsr()

    @classmethod
    def build(cls, tickets: Sequence[ResolvedTicket], options: TextOptions | None = None) -> SimilarIndex:
        from sklearn.feature_extraction.text import TfidfVectorizer

        options = options or TextOptions()
        vectorizer = TfidfVectorizer(
            token_pattern=options.token_pattern,
            lowercase=options.lowercase,
            stop_words="english" if options.stop_words else None,
            ngram_range=(1, 2) if options.bigrams else (1, 1),
            sublinear_tf=True,
            dtype=_float32(),
        )
        if not tickets:
            return cls((), vectorizer, None)
        try:
            matrix = vectorizer.fit_transform([t.text for t in tickets]).tocsr()
        except ValueError:  # every text empty or stop words only: an index that matches nothing
            return cls(tickets, vectorizer, None)
        return cls(tickets, vectorizer, matrix)

    def __len__(self) -> int:
        return len(self.tickets)

    @property
    def vectorizer(self) -> Any:
        """The fitted TF-IDF vectorizer (for benchmarks and tests that compare engines)."""
        return self._vectorizer

    @property
    def matrix(self) -> Any:
        """The resolved tickets' TF-IDF rows, L2-normalised (None when nothing is indexed)."""
        return self._matrix

    def top(self, text: str, k: int = 5, min_shared: int = 1) -> list[Match]:
        """The k resolved tickets most similar to ``text``, best first; with ``min_shared``,
        only those sharing at least that many terms (words or word pairs) with it. In a
        small index one shared word scores high, because it is rare there."""
        if min_shared <= 1:
            return [self._match(i, score) for i, score in self.top_many([text], k)[0]]
        terms = set(self._vectorizer.transform([text]).indices)
        ranked = self.top_many([text], max(k * 4, 20))[0]
        shared = [(i, score) for i, score in ranked if len(terms & set(self._matrix[i].indices)) >= min_shared]
        return [self._match(i, score) for i, score in shared[:k]]

    def top_many(self, texts: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """For each text, up to k (position in the index, score), best first."""
        if self._transposed is None or k < 1:
            return [[] for _ in texts]
        found: list[list[tuple[int, float]]] = []
        for start in range(0, len(texts), CHUNK):
            queries = self._vectorizer.transform(texts[start : start + CHUNK])
            scores = (queries @ self._transposed).toarray()
            found += [_best(row, k) for row in scores]
        return found

    def _match(self, position: int, score: float) -> Match:
        t = self.tickets[position]
        return Match(t.ticket_id, score, t.resolution, t.category, t.resolved_by)


def _float32() -> Any:
    import numpy

    return numpy.float32


def _best(scores: npt.NDArray[np.floating[Any]], k: int) -> list[tuple[int, float]]:
    """Positions of the k highest positive scores; ties go to the later position."""
    import numpy

    positive = int(numpy.count_nonzero(scores > 0))
    if positive == 0:
        return []
    k = min(k, positive)
    kth = numpy.partition(scores, -k)[-k]
    candidates = numpy.flatnonzero(scores >= kth)
    order = numpy.lexsort((-candidates, -scores[candidates]))[:k]
    return [(int(candidates[i]), float(scores[candidates[i]])) for i in order]
