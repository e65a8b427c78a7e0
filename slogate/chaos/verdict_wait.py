"""An SLO probe's verdict waits for evidence, not for luck.

A steady-state probe judges the last few seconds of traffic. When those seconds hold too few
requests to demonstrate the objective (one stray error among 400 requests needs 473 to show
an error rate under 1 %), INCONCLUSIVE is a lack of evidence, not a breach: the probe keeps
the window's start, waits `wait_s` and judges once more over the longer window. A FAIL or a
PASS at the first look is final.

Two looks, not one per scrape: every look is a 95 % test, and stopping at the first PASS of
many looks would pass a service at the boundary more often than 5 % of the time (a look every
scrape over the shipped experiments' windows: 7.5 to 9 %). With two nested windows it stays
at 5.2 to 5.7 % (tests/chaos/test_verdict_wait.py computes both exactly).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from slogate.slo.evaluate import ObjectiveResult
from slogate.slo.stats import Verdict

Judge = Callable[[float], list[ObjectiveResult]]  # window end (epoch s) -> results


def judge_until_decided(
    judge: Judge,
    *,
    wait_s: float,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[ObjectiveResult], float]:
    """The results of the first look, or, when it is INCONCLUSIVE without a FAIL, of a second
    look `wait_s` later over the same start. Returns the results and the seconds waited."""
    first = clock()
    results = judge(first)
    undecided = any(r.verdict is Verdict.INCONCLUSIVE for r in results)
    failed = any(r.verdict is Verdict.FAIL for r in results)
    if not undecided or failed or wait_s <= 0:
        return results, 0.0
    sleep(wait_s)
    end = clock()
    return judge(end), end - first
