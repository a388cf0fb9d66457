"""The anomaly tests on hand-made weekly series: a flat history raises nothing, a
spike does, and too few weeks or too little support is said, not hidden."""

from __future__ import annotations

import math

import pytest

from baton.reports.anomaly import (
    DEFAULT,
    Settings,
    WeekCount,
    beta_binomial_sf,
    binomial_sf,
    examine,
    negative_binomial_sf,
    over_dispersion,
    poisson_sf,
    rate_test,
    volume_test,
)
from baton.reports.anomaly import Test as Which


def weeks(*pairs: tuple[int, int]) -> list[WeekCount]:
    return [WeekCount(f"2026-W{30 + i:02d}", hits, cases) for i, (hits, cases) in enumerate(pairs)]


FLAT = weeks(*[(9, 30)] * 8)


def test_a_flat_history_and_an_ordinary_week_raise_no_flag():
    volume, rate = examine(WeekCount("2026-W38", 10, 31), FLAT)

    assert not volume.flagged and not rate.flagged
    assert volume.unavailable is None and rate.unavailable is None
    assert volume.usual == 9
    assert volume.spread == 9  # a flat history varies less than Poisson: the Poisson spread is used
    assert rate.usual == pytest.approx((72 + 0.5) / (240 + 1))


def test_a_spike_in_volume_is_flagged_with_its_p_value():
    volume, rate = examine(WeekCount("2026-W38", 47, 150), FLAT)

    assert volume.flagged
    assert volume.p_value == pytest.approx(poisson_sf(47, 9.0))
    assert volume.p_value < DEFAULT.alpha
    # as many more cases came in: the share escalated did not move
    assert not rate.flagged


def test_a_jump_in_the_rate_is_flagged_by_the_rate_test():
    volume, rate = examine(WeekCount("2026-W38", 20, 30), FLAT)

    assert rate.flagged and rate.test is Which.RATE
    assert rate.observed == pytest.approx(20 / 30)
    assert rate.p_value == pytest.approx(binomial_sf(20, 30, rate.usual))
    # 20 against a usual 9 is not yet extreme for the volume test (p = 0.0011): the rate test sees it
    assert not volume.flagged and volume.p_value == pytest.approx(0.00106, abs=1e-5)


def test_only_rises_are_flagged():
    volume, rate = examine(WeekCount("2026-W38", 0, 30), FLAT)

    assert not volume.flagged and not rate.flagged
    assert volume.p_value == 1.0


def test_too_few_weeks_of_history_makes_both_tests_unavailable():
    volume, rate = examine(WeekCount("2026-W38", 40, 50), weeks((9, 30), (8, 30), (10, 30)))

    for verdict in (volume, rate):
        assert not verdict.flagged
        assert verdict.p_value is None
        assert verdict.unavailable == "4 previous weeks of history needed, 3 available"


def test_too_little_support_makes_each_test_unavailable():
    rare = weeks(*[(0, 3), (1, 4), (0, 2), (0, 5), (1, 3), (0, 2)])

    volume, rate = examine(WeekCount("2026-W38", 6, 8), rare)

    assert volume.unavailable == "too little support: usually 0.3 a week, under 1"
    assert rate.unavailable == "too little support: 8 case(s) this week, under 10"
    assert not volume.flagged and not rate.flagged
    small_history = rate_test(WeekCount("2026-W38", 6, 12), rare)
    assert small_history.unavailable == "too little support: 19 case(s) in the previous weeks, under 30"


def test_only_the_last_history_weeks_count():
    old_spike = weeks((90, 100), *[(9, 30)] * 8)

    assert volume_test(WeekCount("2026-W39", 10, 30), old_spike).usual == 9


def test_a_bursty_history_widens_the_volume_test_so_an_ordinary_burst_is_not_an_alarm():
    bursty = weeks(*[(c, 40) for c in (2, 14, 3, 15, 2, 16, 4, 12)])
    this = WeekCount("2026-W38", 20, 40)

    plain = volume_test(this, bursty, Settings(overdispersed=False))
    wide = volume_test(this, bursty)

    assert plain.flagged  # Poisson with mean 8.5 finds 20 extreme
    assert not wide.flagged  # the segment's own spread says 20 happens
    assert wide.spread is not None and wide.spread > wide.usual  # type: ignore[operator]


def test_over_dispersion_is_zero_for_binomial_looking_rates_and_positive_for_wild_ones():
    steady = weeks(*[(30, 100)] * 6)
    wild = weeks((5, 100), (60, 100), (10, 100), (55, 100), (8, 100), (50, 100))

    assert over_dispersion(steady, 0.3) == 0.0
    assert 0.1 < over_dispersion(wild, 0.313) <= 0.5


def test_the_volume_test_on_a_stable_poisson_process_flags_about_as_often_as_its_level():
    # Every (history, week) drawn from Poisson(9) by inverse transform on a fixed grid:
    # the share flagged at p < 0.01 stays near 1 % (estimated variance makes it a little higher).
    settings = Settings(alpha=0.01)
    quantiles = [(i + 0.5) / 50 for i in range(50)]

    def poisson_quantile(q: float, mean: float = 9.0) -> int:
        k, total = 0, math.exp(-mean)
        while total < q:
            k += 1
            total += math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
        return k

    draws = [poisson_quantile(q) for q in quantiles]
    flagged = tested = 0
    for start in range(0, 50 - 9):
        history = weeks(*[(draws[(start + 7 * j) % 50], 40) for j in range(8)])
        for q in quantiles:
            tested += 1
            flagged += volume_test(WeekCount("now", poisson_quantile(q), 40), history, settings).flagged
    assert flagged / tested < 0.04


@pytest.mark.parametrize(("x", "mean"), [(0, 3.0), (1, 0.2), (5, 4.0), (47, 9.0), (700, 650.0), (30, 800.0)])
def test_poisson_tail_matches_scipy(x, mean):
    stats = pytest.importorskip("scipy.stats")
    assert poisson_sf(x, mean) == pytest.approx(stats.poisson.sf(x - 1, mean), rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(("x", "mean", "variance"), [(20, 8.5, 40.0), (3, 0.5, 2.0), (100, 60.0, 900.0), (5, 9, 9)])
def test_negative_binomial_tail_matches_scipy(x, mean, variance):
    stats = pytest.importorskip("scipy.stats")
    if variance <= mean:
        expected = stats.poisson.sf(x - 1, mean)
    else:
        size = mean * mean / (variance - mean)
        expected = stats.nbinom.sf(x - 1, size, size / (size + mean))
    assert negative_binomial_sf(x, mean, variance) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("x", "n", "rate", "rho"), [(20, 30, 0.3, 0.0), (7, 10, 0.2, 0.05), (300, 900, 0.3, 0.02)])
def test_binomial_and_beta_binomial_tails_match_scipy(x, n, rate, rho):
    stats = pytest.importorskip("scipy.stats")
    if rho == 0:
        expected = stats.binom.sf(x - 1, n, rate)
    else:
        scale = 1 / rho - 1
        expected = stats.betabinom.sf(x - 1, n, rate * scale, (1 - rate) * scale)
    assert beta_binomial_sf(x, n, rate, rho) == pytest.approx(expected, rel=1e-7)


def test_tails_at_their_edges():
    assert poisson_sf(0, 5.0) == 1.0
    assert poisson_sf(3, 0.0) == 0.0
    assert binomial_sf(11, 10, 0.5) == 0.0
    assert binomial_sf(10, 10, 1.0) == 1.0
    assert beta_binomial_sf(0, 10, 0.5, 0.1) == 1.0


def test_settings_describe_each_test_with_its_threshold():
    text = DEFAULT.describe(Which.VOLUME)
    assert "negative binomial" in text and "p < 0.001" in text and "at least 1 a week" in text
    assert "beta-binomial" in DEFAULT.describe(Which.RATE)
    assert "Poisson with the mean" in Settings(overdispersed=False).describe(Which.VOLUME)
