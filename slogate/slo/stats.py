"""Statistics for verdicts: binomial bounds, sample sizes, quantiles from buckets, budgets.

A request is good or bad; the bad share is binomial. slogate bounds it with exact one-sided
95 % Clopper–Pearson intervals (the rule of three is its zero-error case) and decides:

    PASS          the upper bound of the bad share is within the allowed share
    FAIL          the lower bound of the bad share is above it (a demonstrated breach)
    INCONCLUSIVE  otherwise (too few requests to tell)

All functions here are pure. scipy is imported by the functions that need it
(distributions.py), not by this module: it is most of the command line's start-up time (every
command imports this module, few compute a bound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from slogate.slo.distributions import beta_ppf

CONFIDENCE = 0.95


class Verdict(StrEnum):
    PASS = "PASS"  # noqa: S105 (a verdict, not a password)
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


def upper_bound(bad: int, total: int, confidence: float = CONFIDENCE) -> float:
    """One-sided upper Clopper–Pearson bound of the bad share (1.0 when total is 0)."""
    _check_counts(bad, total)
    if bad >= total:
        return 1.0
    return float(beta_ppf(confidence, bad + 1, total - bad))


def lower_bound(bad: int, total: int, confidence: float = CONFIDENCE) -> float:
    """One-sided lower Clopper–Pearson bound of the bad share (0.0 with no bad events)."""
    _check_counts(bad, total)
    if bad == 0:
        return 0.0
    return float(beta_ppf(1.0 - confidence, bad, total - bad + 1))


def _check_counts(bad: int, total: int) -> None:
    if total < 0 or bad < 0 or bad > total:
        raise ValueError(f"counts must satisfy 0 <= bad <= total (bad={bad}, total={total})")


def share_verdict(bad: int, total: int, allowed_bad_share: float) -> Verdict:
    """PASS / FAIL / INCONCLUSIVE for `bad` of `total` against the allowed bad share."""
    if total == 0:
        return Verdict.INCONCLUSIVE
    if upper_bound(bad, total) <= allowed_bad_share:
        return Verdict.PASS
    if lower_bound(bad, total) > allowed_bad_share:
        return Verdict.FAIL
    return Verdict.INCONCLUSIVE


def required_requests(target: float, bad: int = 0, confidence: float = CONFIDENCE) -> int:
    """The fewest requests for which `bad` errors still PASS an objective of `target`.

    99.9 % with no errors: 2,995; 99.99 %: 29,956 (the rule of three: about 3 / (1 - target)).
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"target must be between 0 and 1 (got {target})")
    allowed = 1.0 - target
    if bad == 0:
        # upper bound with no errors is 1 - (1 - confidence) ** (1 / n)
        n = math.ceil(math.log(1.0 - confidence) / math.log1p(-allowed))
        while n > 1 and upper_bound(0, n - 1, confidence) <= allowed:
            n -= 1
        while upper_bound(0, n, confidence) > allowed:
            n += 1
        return n
    # the upper bound falls as n grows: bracket, then bisect
    low, high = bad + 1, max(bad + 2, required_requests(target, 0, confidence))
    while upper_bound(bad, high, confidence) > allowed:
        low, high = high, high * 2
    while low < high:
        middle = (low + high) // 2
        if upper_bound(bad, middle, confidence) <= allowed:
            high = middle
        else:
            low = middle + 1
    return high


@dataclass(frozen=True)
class Quantile:
    """A quantile read from cumulative histogram buckets.

    The true value lies in (lower, upper]; `estimate` is Prometheus' linear interpolation.
    `upper` is inf when the quantile falls in the +Inf bucket.
    """

    q: float
    lower: float
    upper: float
    estimate: float


def quantile_from_buckets(q: float, buckets: dict[float, float]) -> Quantile | None:
    """The q-quantile of cumulative `buckets` ({le: count}, +Inf included); None when empty."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be between 0 and 1 (got {q})")
    bounds = sorted(buckets)
    if not bounds or not math.isinf(bounds[-1]):
        raise ValueError("buckets must include the +Inf bucket")
    total = buckets[bounds[-1]]
    if total <= 0:
        return None
    rank = q * total
    previous_bound, previous_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return Quantile(q, previous_bound, math.inf, previous_bound)
            span = count - previous_count
            fraction = (rank - previous_count) / span if span > 0 else 1.0
            estimate = previous_bound + (bound - previous_bound) * fraction
            return Quantile(q, previous_bound, bound, estimate)
        previous_bound, previous_count = bound, count
    raise AssertionError("unreachable: the +Inf bucket holds every observation")


def good_at_or_under(threshold: float, buckets: dict[float, float]) -> tuple[float, bool]:
    """Observations at or under `threshold` and whether the count is exact (bucket `le` match).

    Without a matching bucket the count is linearly interpolated inside its bucket.
    """
    for bound, count in buckets.items():
        if math.isclose(bound, threshold, rel_tol=1e-9):
            return count, True
    bounds = sorted(buckets)
    previous_bound, previous_count = 0.0, 0.0
    for bound in bounds:
        if bound > threshold:
            if math.isinf(bound):
                return previous_count, False
            fraction = (threshold - previous_bound) / (bound - previous_bound)
            return previous_count + (buckets[bound] - previous_count) * fraction, False
        previous_bound, previous_count = bound, buckets[bound]
    return previous_count, False


@dataclass(frozen=True)
class ErrorBudget:
    """The error budget of one window: allowed bad events, consumed share, burn rate.

    `consumed` is bad / allowed (1.0 = the whole budget of the window); `remaining` is
    1 - consumed (negative when overspent); `burn_rate` is the observed bad share divided by
    the allowed one (1.0 spends the budget exactly over the objective's period);
    `period_consumed` is the share of the whole period's budget this window spent, assuming
    the same request rate over the period (burn_rate x window / period).
    """

    allowed_bad: float
    bad: int
    consumed: float
    remaining: float
    burn_rate: float
    period_consumed: float | None = None


def error_budget(
    bad: int,
    total: int,
    allowed_bad_share: float,
    window_s: float | None = None,
    period_s: float | None = None,
) -> ErrorBudget | None:
    """The window's error budget; None without requests."""
    _check_counts(bad, total)
    if total == 0:
        return None
    allowed_bad = allowed_bad_share * total
    consumed = bad / allowed_bad
    burn_rate = (bad / total) / allowed_bad_share
    period_consumed = None
    if window_s is not None and period_s:
        period_consumed = burn_rate * window_s / period_s
    return ErrorBudget(allowed_bad, bad, consumed, 1.0 - consumed, burn_rate, period_consumed)
