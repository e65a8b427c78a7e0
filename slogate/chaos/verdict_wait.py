"""An SLO probe's verdict waits for evidence, not for luck.

A steady-state probe judges the last few seconds of traffic. When those seconds hold too few
requests to demonstrate the objective (one stray error among 400 requests needs 473 to show
an error rate under 1 %), INCONCLUSIVE is a lack of evidence, not a breach: the probe keeps
the window's start, lets its end follow the clock scrape by scrape, and judges again, for at
most `wait_s` more seconds. A FAIL is final at once; a PASS too. Whatever is still
INCONCLUSIVE after `wait_s` stays INCONCLUSIVE, which is not a pass.
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
    step_s: float,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[ObjectiveResult], float]:
    """The results at the first window end where nothing is INCONCLUSIVE, or after `wait_s`.

    Returns the results and the seconds waited beyond the first judgement.
    """
    first = clock()
    end = first
    while True:
        results = judge(end)
        waited = end - first
        decided = all(r.verdict is not Verdict.INCONCLUSIVE for r in results)
        failed = any(r.verdict is Verdict.FAIL for r in results)
        if decided or failed or waited + step_s > wait_s:
            return results, waited
        sleep(step_s)
        end = clock()
