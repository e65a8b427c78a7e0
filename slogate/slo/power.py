"""How small a breach a share objective can see: power of the exact test the evaluator runs.

The evaluator calls a window FAIL when the lower Clopper–Pearson bound of its bad share is
above the allowed share (stats.py). With `total` requests that takes at least
`failing_bad(total)` bad ones, so against a true bad share p the chance of a FAIL (the power)
is P(Binomial(total, p) >= failing_bad(total)).

Power is not monotone in the number of requests: each time one more request raises the bad
count a FAIL needs, the power drops (at 99.9 % against a true 0.3 %: 3,240 requests ~85 %,
3,300 ~77 %, 5,000 ~93 %). A run never knows its exact count in advance, so the figures here
are worst cases over a range of totals: the smallest bad share detected with the wanted power
at *every* total in the range. Within a range the worst totals are the lower end and the
first total of each new `failing_bad` (the "teeth"); only those are evaluated.

    failing_bad(total, allowed)                      fewest bad requests that FAIL
    worst_power(low, high, share, allowed)           the lowest power over [low, high]
    min_detectable_share(low, high, allowed, power)  the smallest share detected at every total

All functions are pure. numpy and scipy are imported where they are used (start-up time of
the command line, see stats.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slogate.slo.distributions import beta_ppf, binom_sf
from slogate.slo.stats import CONFIDENCE, lower_bound

if TYPE_CHECKING:
    import numpy as np

DETECTION_POWER = 0.90
_SHARE_TOLERANCE = 1e-5  # relative precision of min_detectable_share


def failing_bad(total: int, allowed: float, confidence: float = CONFIDENCE) -> int | None:
    """The fewest bad requests out of `total` that FAIL (None: not even all of them)."""
    if total <= 0 or lower_bound(total, total, confidence) <= allowed:
        return None
    low, high = 1, total  # the lower bound grows with the bad count: bisect
    while low < high:
        middle = (low + high) // 2
        if lower_bound(middle, total, confidence) > allowed:
            high = middle
        else:
            low = middle + 1
    return low


def _first_totals(
    bads: np.ndarray, low: int, high: int, allowed: float, confidence: float
) -> np.ndarray:
    """For each bad count k: the smallest total in [low, high] at which k bad ones no longer
    FAIL (the lower bound falls as the total grows), found by vectorised bisection."""
    import numpy as np

    lows = np.full(bads.shape, low, dtype=np.int64)
    highs = np.full(bads.shape, high, dtype=np.int64)
    while np.any(lows < highs):
        middle = (lows + highs) // 2
        with np.errstate(invalid="ignore"):
            bounds = beta_ppf(1.0 - confidence, bads, np.maximum(middle - bads + 1, 1))
        fails = (middle < bads) | (bounds > allowed)  # k bad of fewer than k: not yet
        lows = np.where(fails & (lows < highs), middle + 1, lows)
        highs = np.where(~fails & (lows < highs), middle, highs)
    return lows


def _worst_totals(
    low: int, high: int, allowed: float, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """The totals where power dips in [low, high] and the bad count a FAIL needs at each."""
    import numpy as np

    first = failing_bad(low, allowed, confidence)
    last = failing_bad(high, allowed, confidence)
    if last is None:  # not even all-bad fails at the top: nothing can be detected
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    if first is None:
        first = 1
    # a tooth starts where k - 1 bad ones stop failing, i.e. a FAIL starts needing k
    needed = np.arange(first + 1, last + 1, dtype=np.int64)
    starts = _first_totals(needed - 1, low, high, allowed, confidence)
    totals = np.concatenate(([low], starts))
    bads = np.concatenate(([first], needed))
    keep = bads <= totals
    return totals[keep], bads[keep]


def _power(totals: np.ndarray, bads: np.ndarray, share: float) -> float:
    import numpy as np

    return float(np.min(binom_sf(bads - 1, totals, share))) if totals.size else 0.0


def worst_power(
    low: int, high: int, share: float, allowed: float, confidence: float = CONFIDENCE
) -> float:
    """The lowest chance of a FAIL over every total in [low, high] when a share `share` of
    requests is bad (0.0 when some total in the range cannot FAIL at all)."""
    if not 1 <= low <= high:
        raise ValueError(f"totals must satisfy 1 <= low <= high (low={low}, high={high})")
    if failing_bad(low, allowed, confidence) is None:
        return 0.0
    return _power(*_worst_totals(low, high, allowed, confidence), share)


def min_detectable_share(
    low: int,
    high: int,
    allowed: float,
    power: float = DETECTION_POWER,
    confidence: float = CONFIDENCE,
) -> float | None:
    """The smallest true bad share FAILed with at least `power` at every total in
    [low, high]; None when even a share of 1 is not (too few requests to ever FAIL)."""
    if not 0.0 < allowed < 1.0:
        raise ValueError(f"allowed share must be between 0 and 1 (got {allowed})")
    if worst_power(low, high, 1.0, allowed, confidence) < power:
        return None
    totals, bads = _worst_totals(low, high, allowed, confidence)
    lo, hi = allowed, 1.0  # power at the allowed share itself is at most 1 - confidence
    while hi - lo > _SHARE_TOLERANCE * hi:
        middle = (lo + hi) / 2
        if _power(totals, bads, middle) >= power:
            hi = middle
        else:
            lo = middle
    return hi
