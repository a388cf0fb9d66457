"""Is this week's escalation volume or rate of a segment (a category, a customer
tier, a severity) out of line with the segment's own previous weeks? Pure
functions over weekly counts, standard library only.

Two one-sided tests (only rises are flagged), each at ``alpha`` = 0.001:

- **volume**: this week's count ``x`` against the previous weeks' counts. The
  expected count is their mean; their spread is their sample variance, at least
  the mean (a Poisson spread). ``p = P(X >= x)`` for a negative binomial with that
  mean and variance (a Poisson when the history varies no more than Poisson).
  Needs an expected count of at least 1 a week.
- **rate**: this week's ``x`` escalated of ``n`` cases against the previous weeks'
  pooled rate, ``(sum x + 0.5) / (sum n + 1)``; their week-to-week spread beyond the
  binomial's sets a beta-binomial's over-dispersion ``rho`` (method of moments; a
  binomial when there is none). ``p = P(X >= x)`` of ``n``. Needs 10 cases this
  week and 30 in the previous weeks.

Both need at least 4 of the previous 8 weeks inside the history; otherwise the
verdict says why it is unavailable, never "no anomaly". Letting the spread come
from the segment's own history keeps a naturally bursty segment from raising an
alarm every week, which a plain Poisson or binomial test does on real logs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Test(StrEnum):
    VOLUME = "volume"
    RATE = "rate"


@dataclass(frozen=True)
class Settings:
    history_weeks: int = 8
    min_weeks: int = 4
    alpha: float = 0.001
    min_usual: float = 1.0
    """Volume test: the least expected count a week."""
    min_cases: int = 10
    """Rate test: the least cases this week."""
    min_history_cases: int = 30
    """Rate test: the least cases over the previous weeks."""
    overdispersed: bool = True
    """Take the spread from the history (False: plain Poisson and binomial tests, for comparison)."""

    def describe(self, test: Test) -> str:
        common = (
            f"flagged at p < {self.alpha:g} (one-sided: only rises); needs {self.min_weeks} of the previous "
            f"{self.history_weeks} weeks inside the history"
        )
        if test is Test.VOLUME:
            model = (
                f"a negative binomial with the mean and variance of the previous {self.history_weeks} weeks' "
                "counts (Poisson if they vary less)"
                if self.overdispersed
                else f"a Poisson with the mean of the previous {self.history_weeks} weeks' counts"
            )
            return (
                f"volume test: this week's count against {model}; {common} "
                f"and an expected count of at least {self.min_usual:g} a week"
            )
        model = (
            f"a beta-binomial with the pooled rate and week-to-week over-dispersion of the previous "
            f"{self.history_weeks} weeks (binomial if none)"
            if self.overdispersed
            else f"a binomial with the pooled rate of the previous {self.history_weeks} weeks"
        )
        return (
            f"rate test: this week's escalated of its cases against {model}; "
            f"{common}, {self.min_cases} cases this week and {self.min_history_cases} before"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "history_weeks": self.history_weeks,
            "min_weeks": self.min_weeks,
            "alpha": self.alpha,
            "min_usual": self.min_usual,
            "min_cases": self.min_cases,
            "min_history_cases": self.min_history_cases,
            "overdispersed": self.overdispersed,
            "tests": {t.value: self.describe(t) for t in Test},
        }


DEFAULT = Settings()


@dataclass(frozen=True)
class WeekCount:
    """One week of a segment: ``hits`` escalated (or reassigned) of ``cases``."""

    week: str
    hits: int
    cases: int


@dataclass(frozen=True)
class Verdict:
    test: Test
    observed: float
    """This week's count (volume) or rate (rate)."""
    usual: float | None = None
    """The expected count or the pooled rate of the previous weeks."""
    spread: float | None = None
    """The variance used (volume) or the over-dispersion rho (rate)."""
    p_value: float | None = None
    alpha: float = DEFAULT.alpha
    unavailable: str | None = None

    @property
    def flagged(self) -> bool:
        return self.p_value is not None and self.p_value < self.alpha

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test.value,
            "observed": self.observed,
            "usual": self.usual,
            "spread": self.spread,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "flagged": self.flagged,
            "unavailable": self.unavailable,
        }


def _short_history(history: Sequence[WeekCount], settings: Settings) -> str | None:
    if len(history) < settings.min_weeks:
        return f"{settings.min_weeks} previous weeks of history needed, {len(history)} available"
    return None


def volume_test(this: WeekCount, history: Sequence[WeekCount], settings: Settings = DEFAULT) -> Verdict:
    history = history[-settings.history_weeks :]
    short = _short_history(history, settings)
    if short:
        return Verdict(Test.VOLUME, this.hits, alpha=settings.alpha, unavailable=short)
    counts = [w.hits for w in history]
    mean = sum(counts) / len(counts)
    if mean < settings.min_usual:
        return Verdict(
            Test.VOLUME,
            this.hits,
            usual=mean,
            alpha=settings.alpha,
            unavailable=f"too little support: usually {mean:.1f} a week, under {settings.min_usual:g}",
        )
    variance = max(mean, sum((c - mean) ** 2 for c in counts) / (len(counts) - 1)) if settings.overdispersed else mean
    p = negative_binomial_sf(this.hits, mean, variance)
    return Verdict(Test.VOLUME, this.hits, mean, variance, p, settings.alpha)


def over_dispersion(history: Sequence[WeekCount], rate: float) -> float:
    """Beta-binomial rho from the week-to-week spread of the rates beyond the
    binomial's (method of moments), 0 when there is none, at most 0.5."""
    weeks = [w for w in history if w.cases > 0]
    if len(weeks) < 2 or not 0 < rate < 1:
        return 0.0
    pooled = sum(w.hits for w in weeks) / sum(w.cases for w in weeks)
    observed = sum((w.hits / w.cases - pooled) ** 2 for w in weeks) / (len(weeks) - 1)
    binomial = sum(rate * (1 - rate) / w.cases for w in weeks) / len(weeks)
    shrink = sum((w.cases - 1) / w.cases for w in weeks) / len(weeks)
    if shrink <= 0:
        return 0.0
    return min(0.5, max(0.0, (observed - binomial) / (rate * (1 - rate) * shrink)))


def rate_test(this: WeekCount, history: Sequence[WeekCount], settings: Settings = DEFAULT) -> Verdict:
    history = history[-settings.history_weeks :]
    observed = this.hits / this.cases if this.cases else 0.0
    short = _short_history(history, settings)
    if short:
        return Verdict(Test.RATE, observed, alpha=settings.alpha, unavailable=short)
    before = sum(w.cases for w in history)
    rate = (sum(w.hits for w in history) + 0.5) / (before + 1)
    if this.cases < settings.min_cases:
        why = f"too little support: {this.cases} case(s) this week, under {settings.min_cases}"
        return Verdict(Test.RATE, observed, usual=rate, alpha=settings.alpha, unavailable=why)
    if before < settings.min_history_cases:
        why = f"too little support: {before} case(s) in the previous weeks, under {settings.min_history_cases}"
        return Verdict(Test.RATE, observed, usual=rate, alpha=settings.alpha, unavailable=why)
    rho = over_dispersion(history, rate) if settings.overdispersed else 0.0
    p = beta_binomial_sf(this.hits, this.cases, rate, rho)
    return Verdict(Test.RATE, observed, rate, rho, p, settings.alpha)


def examine(this: WeekCount, history: Sequence[WeekCount], settings: Settings = DEFAULT) -> tuple[Verdict, Verdict]:
    return volume_test(this, history, settings), rate_test(this, history, settings)


# Upper tails P(X >= x), summed in log space from the probability mass functions.


def _tail(log_pmf: Callable[[int], float], x: int, mode: int, last: int | None) -> float:
    """``P(X >= x)`` of a unimodal distribution on 0..last (None: unbounded)."""
    if x <= 0:
        return 1.0
    if last is not None and x > last:
        return 0.0
    if x <= mode:
        below = sum(math.exp(log_pmf(k)) for k in range(x))
        return min(1.0, max(0.0, 1.0 - below))
    total, k = 0.0, x
    while last is None or k <= last:
        term = math.exp(log_pmf(k))
        total += term
        if term <= total * 1e-17:
            break
        k += 1
    return min(1.0, total)


def poisson_sf(x: int, mean: float) -> float:
    if mean <= 0:
        return 0.0 if x > 0 else 1.0
    log_mean = math.log(mean)
    return _tail(lambda k: k * log_mean - mean - math.lgamma(k + 1), x, math.floor(mean), None)


def negative_binomial_sf(x: int, mean: float, variance: float) -> float:
    """Mean ``mean``, variance ``variance`` (a Poisson when it is not above the mean)."""
    if variance <= mean * (1 + 1e-9):
        return poisson_sf(x, mean)
    size = mean * mean / (variance - mean)
    success = size / (size + mean)
    log_s, log_f, base = math.log(success), math.log1p(-success), math.lgamma(size)

    def log_pmf(k: int) -> float:
        return math.lgamma(k + size) - base - math.lgamma(k + 1) + size * log_s + k * log_f

    mode = math.floor((size - 1) * (1 - success) / success) if size > 1 else 0
    return _tail(log_pmf, x, mode, None)


def binomial_sf(x: int, n: int, rate: float) -> float:
    if rate <= 0:
        return 0.0 if x > 0 else 1.0
    if rate >= 1:
        return 1.0 if x <= n else 0.0
    log_r, log_q = math.log(rate), math.log1p(-rate)

    def log_pmf(k: int) -> float:
        return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_r + (n - k) * log_q

    return _tail(log_pmf, x, math.floor((n + 1) * rate), n)


def beta_binomial_sf(x: int, n: int, rate: float, rho: float) -> float:
    """``n`` trials, mean rate ``rate``, intra-class correlation ``rho`` (0: binomial).

    Summed over every k from x to n: a beta-binomial need not be unimodal."""
    if rho <= 0 or not 0 < rate < 1:
        return binomial_sf(x, n, rate)
    if x <= 0:
        return 1.0
    if x > n:
        return 0.0
    scale = 1 / rho - 1
    a, b = rate * scale, (1 - rate) * scale
    norm = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)

    def log_pmf(k: int) -> float:
        choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        return choose + math.lgamma(k + a) + math.lgamma(n - k + b) - math.lgamma(n + a + b) - norm

    upper = sum(math.exp(log_pmf(k)) for k in range(x, n + 1))
    return min(1.0, upper)
