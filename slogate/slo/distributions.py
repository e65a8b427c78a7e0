"""The two distribution functions verdicts and power figures need: the beta quantile (for
Clopper–Pearson bounds) and the binomial survival function.

They call the same boost-based ufuncs of `scipy.special` that `scipy.stats.beta.ppf` and
`scipy.stats.binom.sf` call for arguments inside their support, with the same clipping, so
every figure is bit-identical (tests/slo/test_distributions.py compares them over grids).
`import scipy.stats` costs about 2.5 times `import scipy.special` (about 0.6 s of a gate's
start-up on this machine, before any part starts), and `slogate run` needs a bound in its
pre-flight. The import happens at the first call, not with this module (see stats.py).
"""

from __future__ import annotations

from typing import Any


def beta_ppf(q: Any, a: Any, b: Any) -> Any:
    """`scipy.stats.beta.ppf(q, a, b)` for 0 < q < 1 and a, b > 0 (NaN outside)."""
    from scipy.special import _ufuncs

    return _ufuncs._beta_ppf(q, a, b)


def binom_sf(k: Any, n: Any, p: Any) -> Any:
    """`scipy.stats.binom.sf(k, n, p)` for integer 0 <= k < n and 0 <= p <= 1."""
    import numpy as np
    from scipy.special import _ufuncs

    return np.clip(_ufuncs._binom_sf(np.floor(k), n, p), 0, 1)
