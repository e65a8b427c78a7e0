"""Statistics behind verdicts: table-driven over named scenarios."""

from __future__ import annotations

import math

import pytest

from slogate.slo.stats import (
    Verdict,
    error_budget,
    good_at_or_under,
    lower_bound,
    quantile_from_buckets,
    required_requests,
    share_verdict,
    upper_bound,
)

INF = math.inf

# (scenario, bad, total, expected upper bound) against known values (R: binom.test, one-sided)
UPPER = [
    ("zero errors, closed form 1 - 0.05^(1/n)", 0, 3000, 1 - 0.05 ** (1 / 3000)),
    ("one in a hundred", 1, 100, 0.046560),
    ("rule of three, n = 300", 0, 300, 0.009936),
    ("all bad", 10, 10, 1.0),
    ("no requests", 0, 0, 1.0),
]


@pytest.mark.parametrize(
    ("bad", "total", "expected"), [u[1:] for u in UPPER], ids=[u[0] for u in UPPER]
)
def test_upper_bound_matches_known_values(bad, total, expected):
    assert upper_bound(bad, total) == pytest.approx(expected, abs=2e-6)


LOWER = [
    ("no errors", 0, 1000, 0.0),
    ("five in a hundred", 5, 100, 0.019906),
    ("all bad, closed form 0.05^(1/n)", 20, 20, 0.05 ** (1 / 20)),
]


@pytest.mark.parametrize(
    ("bad", "total", "expected"), [x[1:] for x in LOWER], ids=[x[0] for x in LOWER]
)
def test_lower_bound_matches_known_values(bad, total, expected):
    assert lower_bound(bad, total) == pytest.approx(expected, abs=2e-6)


def test_bounds_reject_impossible_counts():
    with pytest.raises(ValueError, match="0 <= bad <= total"):
        upper_bound(5, 3)


VERDICTS = [
    ("99.9 %: 2,995 clean requests are just enough", 0, 2995, 0.999, Verdict.PASS),
    ("99.9 %: 2,994 clean requests are one short", 0, 2994, 0.999, Verdict.INCONCLUSIVE),
    ("no requests at all", 0, 0, 0.999, Verdict.INCONCLUSIVE),
    ("clear breach: 30 errors in 10,000 at 99.9 %", 30, 10_000, 0.999, Verdict.FAIL),
    ("observed above but not proven: 2 in 1,000 at 99.9 %", 2, 1000, 0.999, Verdict.INCONCLUSIVE),
    ("1 % objective, 10 errors in 10,000", 10, 10_000, 0.99, Verdict.PASS),
    ("a small run can still fail: 5 of 10", 5, 10, 0.99, Verdict.FAIL),
]


@pytest.mark.parametrize(
    ("bad", "total", "target", "verdict"), [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS]
)
def test_share_verdict(bad, total, target, verdict):
    assert share_verdict(bad, total, 1 - target) is verdict


REQUIRED = [
    ("99.9 % (rule of three: ~3,000)", 0.999, 0, 2995),
    ("99.99 % (~30,000)", 0.9999, 0, 29956),
    ("99 %", 0.99, 0, 299),
    ("95 %", 0.95, 0, 59),
    ("99.9 % with one error allowed for", 0.999, 1, 4742),
]


@pytest.mark.parametrize(
    ("target", "bad", "expected"), [r[1:] for r in REQUIRED], ids=[r[0] for r in REQUIRED]
)
def test_required_requests_is_the_smallest_passing_count(target, bad, expected):
    n = required_requests(target, bad)
    assert n == expected
    assert share_verdict(bad, n, 1 - target) is Verdict.PASS
    assert share_verdict(bad, n - 1, 1 - target) is Verdict.INCONCLUSIVE


BUCKETS = {0.1: 50.0, 0.5: 90.0, 1.0: 99.0, INF: 100.0}
QUANTILES = [
    ("p50 on a bucket edge", 0.5, BUCKETS, (0.0, 0.1, 0.1)),
    ("p95 between 0.5 and 1", 0.95, BUCKETS, (0.5, 1.0, 0.5 + 0.5 * 5 / 9)),
    ("p99 exactly at the 1 s bucket", 0.99, BUCKETS, (0.5, 1.0, 1.0)),
    ("p999 in the +Inf bucket", 0.999, BUCKETS, (1.0, INF, 1.0)),
]


@pytest.mark.parametrize(
    ("q", "buckets", "expected"), [x[1:] for x in QUANTILES], ids=[x[0] for x in QUANTILES]
)
def test_quantile_from_buckets_reports_the_bucket_bounds(q, buckets, expected):
    quantile = quantile_from_buckets(q, buckets)
    assert quantile is not None
    assert (quantile.lower, quantile.upper) == expected[:2]
    assert quantile.estimate == pytest.approx(expected[2])


def test_quantile_of_an_empty_histogram_is_none():
    assert quantile_from_buckets(0.95, {0.1: 0.0, INF: 0.0}) is None


def test_quantile_needs_the_inf_bucket():
    with pytest.raises(ValueError, match=r"\+Inf"):
        quantile_from_buckets(0.5, {0.1: 3.0})


GOOD = [
    ("exact bucket", 0.5, (90.0, True)),
    ("interpolated inside (0.1, 0.5]", 0.3, (70.0, False)),
    ("above the last finite bucket", 20.0, (99.0, False)),
]


@pytest.mark.parametrize(("threshold", "expected"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_good_at_or_under(threshold, expected):
    good, exact = good_at_or_under(threshold, BUCKETS)
    assert (pytest.approx(good), exact) == expected


BUDGETS = [
    ("half the budget", 5, 10_000, 0.001, (10.0, 0.5, 0.5, 0.5)),
    ("overspent", 30, 10_000, 0.001, (10.0, 3.0, -2.0, 3.0)),
    ("untouched", 0, 10_000, 0.01, (100.0, 0.0, 1.0, 0.0)),
]


@pytest.mark.parametrize(
    ("bad", "total", "allowed", "expected"), [b[1:] for b in BUDGETS], ids=[b[0] for b in BUDGETS]
)
def test_error_budget(bad, total, allowed, expected):
    budget = error_budget(bad, total, allowed, window_s=3600, period_s=30 * 86400)
    assert budget is not None
    got = (budget.allowed_bad, budget.consumed, budget.remaining, budget.burn_rate)
    assert got == pytest.approx(expected)
    assert budget.period_consumed == pytest.approx(expected[3] / 720)


def test_error_budget_without_requests_is_none():
    assert error_budget(0, 0, 0.001) is None
