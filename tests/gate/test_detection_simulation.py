"""The pre-flight's minimum detectable violation against a simulation: binomial draws of bad
requests, each judged by the real evaluator (slogate.slo.evaluate.Evaluator: counting,
Clopper–Pearson bounds, verdict).

Prometheus is faked at the HTTP transport (httpx.MockTransport answering the evaluator's
instant queries with one counter per draw): a real Prometheus cannot hold thousands of
independent windows in the seconds a unit test has; tests/slo/test_check_prometheus.py checks
the same queries against a real one.

Margin: each estimate is the share of FAILs in DRAWS draws, with a standard error of at most
sqrt(0.9 x 0.1 / 2,000) = 0.0067 near 90 %; MARGIN = 0.025 is about 3.7 standard errors.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import numpy as np
import pytest
from scipy.stats import binom

from slogate.config import load_config
from slogate.gate.detection import detection_figures
from slogate.gate.plan import plan_gate
from slogate.report.model import Detection
from slogate.slo.evaluate import Evaluator, Window
from slogate.slo.power import failing_bad
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import Place, load_spec
from slogate.slo.stats import Verdict
from tests.support.cli import REPO

DRAWS = 2000
MARGIN = 0.025
WINDOW = Window(start=1_800_000_000.0, end=1_800_000_027.0)


class CountingPrometheus:
    """Answers the evaluator's counting queries for one window: the target's two series,
    `status_class` 2xx and 5xx, are 0 at the window's start and `total - bad` and `bad` at its
    end, never reset and never NaN (the reset check answers 0, the NaN check nothing; the
    error selector reads the 5xx one only)."""

    def __init__(self) -> None:
        self.total = 0
        self.bad = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        query, at = form["query"][0], float(form["time"][0])
        values = {"2xx": self.total - self.bad, "5xx": self.bad}
        if 'status_class="5xx"' in query:
            del values["2xx"]
        if query.startswith("0 * sum_over_time("):  # the NaN check: no series has a NaN
            values = {}
        elif query.startswith("resets(") or at == WINDOW.start:
            values = dict.fromkeys(values, 0)
        result = [
            {"metric": {"source": "server", "status_class": status}, "value": [at, str(value)]}
            for status, value in values.items()
        ]
        body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        return httpx.Response(200, content=json.dumps(body))


def fail_share(total: int, share: float, seed: int) -> float:
    """The share of DRAWS windows of `total` requests, each bad with `share`, that the real
    evaluator judges FAIL on the server's availability."""
    spec = load_spec(REPO / "slo/target-service.yaml")
    objective = next(o for o in spec.spec.objectives if o.name == "availability")
    prometheus = CountingPrometheus()
    transport = httpx.MockTransport(prometheus)
    draws = [int(bad) for bad in np.random.default_rng(seed).binomial(total, share, DRAWS)]
    verdicts: dict[int, Verdict] = {}  # a window's verdict depends only on its counts
    with PrometheusClient("http://prometheus.invalid", transport=transport) as client:
        for bad in sorted(set(draws)):
            prometheus.total, prometheus.bad = total, bad
            evaluator = Evaluator(client=client, window=WINDOW, scrape_interval_s=1.0)
            result = evaluator.evaluate_one(spec, objective, Place.SERVER)
            assert (result.evidence.total, result.evidence.bad) == (total, bad)
            verdicts[bad] = result.verdict
    return sum(verdicts[bad] is Verdict.FAIL for bad in draws) / DRAWS


def smoke_availability() -> Detection:
    """The shipped smoke gate's baseline availability figure, as the pre-flight prints it."""
    plan = plan_gate(load_config(REPO / "slogate.yaml"), "smoke", REPO / "loadtests")
    return next(f for f in detection_figures(plan) if f.objective == "availability")


def weakest_total(figure: Detection) -> int:
    """The total of the figure's range where the power at its share is lowest."""
    assert figure.requests_low is not None and figure.requests_high is not None
    assert figure.min_detectable_share is not None and figure.allowed_bad_share is not None
    share, allowed = figure.min_detectable_share, figure.allowed_bad_share
    totals = np.arange(figure.requests_low, figure.requests_high + 1)
    needed = np.array([failing_bad(int(n), allowed) for n in totals])
    return int(totals[np.argmin(binom.sf(needed - 1, totals, share))])


def test_the_smoke_gates_figure_matches_the_simulation() -> None:
    figure = smoke_availability()
    assert figure.min_detectable_share == pytest.approx(0.00286, abs=1e-5)
    share = figure.min_detectable_share
    assert share is not None
    weakest = weakest_total(figure)
    # at the range's weakest total the simulated power is the promised 90 %, within the margin
    assert fail_share(weakest, share, seed=1) == pytest.approx(0.90, abs=MARGIN)
    # everywhere else in the range it is at least that
    for total, seed in ((figure.requests_low, 2), (figure.requests_high, 3)):
        assert total is not None
        assert fail_share(total, share, seed) >= 0.90 - MARGIN
    # and a breach two thirds that size is not detected 90 % of the time at the weakest total:
    # the figure is the smallest, not merely a safe one
    assert fail_share(weakest, share * 2 / 3, seed=4) < 0.90 - MARGIN
