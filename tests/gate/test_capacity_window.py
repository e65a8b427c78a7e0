"""A capacity step's error ratio (the curve's errors column, "errors exploded") is counted
over the window its verdicts judge: after the warm-up, to the load's last answer.

Rebuilt in a real Prometheus over backfilled client metrics, as the load generator exports
them: a service that fails a third of its requests while warming up and none after holds
(before, the curve showed its generator's whole-run error ratio: 11 %); a
weakened one, clean while warming up but failing 2 % after, breaks, with 2 % in the curve.
A step whose window Prometheus holds no client count for (its client was not scraped) is
judged on the generator's own errors: 60 % refused connections break it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from slogate.capacity.search import Outcome
from slogate.capacity.step import COUNTED_BY_GENERATOR, StepRecord, assess_step
from slogate.load.profiles import find_profile
from slogate.load.results import summarise
from slogate.load.run_files import TallyFile
from slogate.load.tally import Tally
from slogate.slo.evaluate import Window
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import load_spec
from tests.slo.backfill import SeriesData, backfilled_prometheus
from tests.slo.known_data import base_time
from tests.support.cli import REPO

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slo-prometheus")]

RATE, WARMUP_S, JUDGED_S = 150, 10, 30
# service -> (start of its load, client errors per second in the warm-up, after it), t0 + s
LOADS = {"reference": (0, 75, 0), "weakened": (100, 0, 3)}
SPEC = """\
apiVersion: slogate.dev/v1
kind: SLO
metadata: {name: step}
spec:
  service: step
  objectives:
    - {name: availability, sli: availability, target: 0.999, measured_at: [client]}
"""


def _client_metrics(t0: int) -> SeriesData:
    """The generator's client counters: RATE answers a second during each load, and its
    errors (transport failures) as LOADS says."""
    length = WARMUP_S + JUDGED_S

    def served(i: int) -> float:
        return float(sum(RATE * min(max(i - start, 0), length) for start, _, _ in LOADS.values()))

    def failed(i: int) -> float:
        total = 0
        for start, warming, after in LOADS.values():
            elapsed = min(max(i - start, 0), length)
            total += warming * min(elapsed, WARMUP_S) + after * max(elapsed - WARMUP_S, 0)
        return float(total)

    data = SeriesData()
    labels = {"source": "client", "method": "GET", "route": "/api/v1/organisations"}
    data.counter("http_requests_total", {**labels, "status_class": "2xx"}, t0, served, 160)
    data.counter("http_requests_total", {**labels, "status_class": "transport"}, t0, failed, 160)
    return data


@pytest.fixture(scope="module")
def prometheus() -> Iterator[tuple[str, int]]:
    t0 = base_time()
    with backfilled_prometheus(_client_metrics(t0)) as server:
        yield server.url, t0


def _step(
    prometheus: tuple[str, int], service: str, tmp_path: Path, unscraped: float | None = None
) -> StepRecord:
    """`service`'s step; `unscraped`: instead, a step after the backfilled series end whose
    generator counted that error ratio."""
    url, t0 = prometheus
    start, warming, _ = LOADS[service] if unscraped is None else (200, 0, 0)
    started, ended = t0 + start, t0 + start + WARMUP_S + JUDGED_S
    profile = find_profile("baseline", REPO / "loadtests").with_overrides(
        RATE, WARMUP_S + JUDGED_S, None
    )
    ran = TallyFile(Tally(), complete=True, started_at=started, ended_at=ended)
    whole_run = warming * WARMUP_S / (RATE * (WARMUP_S + JUDGED_S) + warming * WARMUP_S)
    if unscraped is not None:
        whole_run = unscraped
    summary = summarise(ran, profile, 1).model_copy(update={"error_ratio": whole_run})
    (tmp_path / "step.yaml").write_text(SPEC)
    with PrometheusClient(url) as client:
        return assess_step(
            client, load_spec(tmp_path / "step.yaml"), summary,
            Window(start=started + WARMUP_S, end=ended), 1.0, RATE, JUDGED_S, tmp_path,
        )  # fmt: skip


def test_errors_in_the_warm_up_count_in_neither_the_verdicts_nor_the_curve(
    prometheus: tuple[str, int], tmp_path: Path
) -> None:
    record = _step(prometheus, "reference", tmp_path)
    assert record.error_ratio == 0.0
    assert (record.outcome, record.broken) == (Outcome.HELD, ())
    assert record.verdicts[0].startswith("availability (client): PASS"), record.verdicts


def test_errors_after_the_warm_up_break_the_step_and_show_in_the_curve(
    prometheus: tuple[str, int], tmp_path: Path
) -> None:
    record = _step(prometheus, "weakened", tmp_path)
    assert record.error_ratio == pytest.approx(3 / (RATE + 3))
    assert (record.outcome, record.broken) == (Outcome.BROKE, ("availability (client)",))


def test_a_step_whose_client_was_not_scraped_is_judged_on_the_generators_errors(
    prometheus: tuple[str, int], tmp_path: Path
) -> None:
    """After the backfilled series end: no client count in Prometheus for the window."""
    record = _step(prometheus, "refused", tmp_path, unscraped=0.6)
    assert record.error_ratio == pytest.approx(0.6)
    assert record.error_ratio_from == COUNTED_BY_GENERATOR
    assert (record.outcome, record.broken) == (Outcome.BROKE, ("errors exploded (60%)",))
