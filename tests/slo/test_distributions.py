"""slogate's beta quantile and binomial survival function are scipy.stats' own, bit for bit:
they call the ufuncs scipy.stats calls, without importing scipy.stats (its import is most of a
gate's start-up). Compared over the arguments verdicts and power figures use, and beyond."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta, binom

from slogate.slo.distributions import beta_ppf, binom_sf
from slogate.slo.power import min_detectable_share, worst_power
from slogate.slo.stats import lower_bound, required_requests, upper_bound


@pytest.mark.parametrize("q", [0.05, 0.95, 0.5, 1e-6, 1 - 1e-9])
def test_beta_quantiles_equal_scipy_stats(q: float) -> None:
    rng = np.random.default_rng(7)
    bad = rng.integers(0, 50_000, 4_000)
    total = bad + rng.integers(0, 200_000, 4_000)
    a, b = bad + 1.0, (total - bad) + 1.0
    assert np.array_equal(beta_ppf(q, a, b), beta.ppf(q, a, b))
    small_a, small_b = rng.integers(1, 40, 2_000), rng.integers(1, 40, 2_000)
    assert np.array_equal(beta_ppf(q, small_a, small_b), beta.ppf(q, small_a, small_b))
    assert beta_ppf(q, 3, 2_997) == beta.ppf(q, 3, 2_997)  # scalars too


def test_binomial_survival_equals_scipy_stats() -> None:
    rng = np.random.default_rng(11)
    n = rng.integers(1, 100_000, 5_000)
    k = (n * rng.random(5_000)).astype(np.int64)  # 0 <= k < n, as power asks
    for p in (0.001, 0.003, 0.02, 0.5, 0.999, 1.0, 0.0):
        assert np.array_equal(binom_sf(k, n, p), binom.sf(k, n, p)), p


def test_bounds_and_power_figures_are_the_recorded_ones() -> None:
    """Figures computed through scipy.stats before the change (2d13c08), to the last bit: a
    different import path must not move a verdict or a pre-flight figure by one ulp."""
    assert lower_bound(12, 3_000) == 0.002309641092834512
    assert upper_bound(3, 3_000) == 0.0025825051382936544
    assert required_requests(0.999) == 2_995
    assert required_requests(0.99, bad=3) == 773
    assert worst_power(4_965, 6_736, 0.003, 0.001) == 0.9269702672949054
    assert min_detectable_share(4_965, 6_736, 0.001) == 0.00285974046587944
