"""The load warms up while Prometheus' first scrapes are still to come; the baseline starts at
least one scrape after every target's first sample (`evidence_from`), also when those samples
come late. Pure scenarios, then a real Prometheus whose target is not up at its first scrapes."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from slogate.config import PhaseObjectives
from slogate.gate.evidence import baseline_moved
from slogate.gate.phases import ExperimentSpan, phase_windows
from slogate.gate.traffic import TrafficOutcome
from slogate.host.binaries import find_binary
from slogate.platform.local.first_samples import FirstSamples, SampleTargets
from slogate.platform.prometheus_server import prometheus_command, targets_with_samples
from tests.support.stopping import terminate
from tests.support.waiting import free_port, wait_until

T0 = 1_800_000_000.0
OBJECTIVES = PhaseObjectives(baseline=["availability"], fault=["errors"], recovery=["p95"])
KILL = ExperimentSpan("0-pod-kill", "pod-kill", T0 + 20, T0 + 30)

# (evidence_from after T0 or None, experiments, baseline (start, end) after T0)
SCENARIOS = {
    "not tracked (a cluster's gate): the warm-up's end": (None, [], (5, 60)),
    "first samples before the warm-up's end: the warm-up's end": (3.2, [], (5, 60)),
    "first samples late: one scrape after them": (7.5, [], (7.5, 60)),
    "so late that a fault comes first: an empty baseline (INCONCLUSIVE, never a PASS)": (
        25.0, [KILL], (25, 25),
    ),
    "after the load ended: an empty baseline at the load's end": (70.0, [], (60, 60)),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_baseline_starts_no_earlier_than_the_evidence(name: str) -> None:
    evidence_from, experiments, (start, end) = SCENARIOS[name]
    at = None if evidence_from is None else T0 + evidence_from
    windows = phase_windows(T0, T0 + 60, 5.0, OBJECTIVES, experiments, [], at)
    baseline = windows[0]
    assert baseline.label == "baseline"
    assert (baseline.window.start - T0, baseline.window.end - T0) == (start, end)


def test_a_baseline_moved_by_late_samples_is_said() -> None:
    outcome = TrafficOutcome(load_dir=Path("load"), load_started_at=T0, evidence_from=T0 + 4.6)
    assert baseline_moved(outcome, 3.0) == (
        "the baseline starts 1.6 s after the warm-up's end (3 s): one scrape after Prometheus "
        "had a sample from every target, 4.6 s into the load"
    )
    assert baseline_moved(outcome, 5.0) is None
    assert baseline_moved(TrafficOutcome(load_dir=Path("load"), load_started_at=T0), 3.0) is None


class _Target(ThreadingHTTPServer):
    """A scrape target that answers 503 (Prometheus records up=0) until `serving` is set."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.serving = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _Target

    def do_GET(self) -> None:
        ok = self.server.serving.is_set()
        body = b"late_requests_total 7\n" if ok else b"starting\n"
        self.send_response(200 if ok else 503)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def targets() -> Iterator[tuple[_Target, _Target]]:
    early, late = _Target(), _Target()
    early.serving.set()
    threads = [threading.Thread(target=t.serve_forever, daemon=True) for t in (early, late)]
    for thread in threads:
        thread.start()
    yield early, late
    for target in (early, late):
        target.shutdown()
        target.server_close()


def _instance(target: _Target) -> str:
    return f"127.0.0.1:{target.server_address[1]}"


def _up_at(url: str, at: float) -> dict[str, float]:
    response = httpx.get(f"{url}/api/v1/query", params={"query": "up", "time": at}, timeout=5)
    result = response.json()["data"]["result"]
    return {f"{r['metric']['job']}/{r['metric']['instance']}": float(r["value"][1]) for r in result}


@pytest.mark.slow
def test_late_first_samples_move_the_baseline_past_them(
    tmp_path: Path, targets: tuple[_Target, _Target]
) -> None:
    """Real Prometheus (1 s scrape, its ~5 s target-update throttle); its `late` target answers
    503 at its first scrapes, so its first `up` = 1 sample comes later than everything else."""
    early, late = targets
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "800ms"},
        "scrape_configs": [
            {"job_name": name, "static_configs": [{"targets": [_instance(target)]}]}
            for name, target in (("early", early), ("late", late))
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    command = prometheus_command(
        find_binary("prometheus").path, tmp_path / "prometheus.yml", tmp_path / "data", port
    )
    load_started_at = time.time()  # the load starts as Prometheus does (the worst case)
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    expected = SampleTargets(
        url=url, up=frozenset({f"early/{_instance(early)}", f"late/{_instance(late)}"}),
        any=frozenset(), log=str(tmp_path / "prometheus.log"),
    )  # fmt: skip
    waiter = FirstSamples(expected, timeout=30)
    waiter.start()
    try:
        # Prometheus has scraped both, and the late target was down: it is late
        wait_until(
            lambda: targets_with_samples(url).get(f"late/{_instance(late)}") == 0.0
            if _ready(url) else None, 30, 0.05, "the first scrapes",
        )  # fmt: skip
        assert waiter.at is None
        serving_from = time.time()
        late.serving.set()
        sampled = waiter.result()
        assert sampled >= serving_from

        windows = phase_windows(load_started_at, sampled + 30, 1.0, OBJECTIVES, [], [], sampled + 1)
        baseline = windows[0].window
        assert baseline.start == sampled + 1.0 > load_started_at + 1.0
        # at the baseline's start every target has a real sample, and it is up; at the
        # warm-up's end (where the baseline used to start) the late one had none yet
        wait_until(lambda: time.time() > baseline.start + 0.1, 10, 0.05, "the baseline's start")
        assert _up_at(url, baseline.start) == {target: 1.0 for target in expected.up}
        assert _up_at(url, load_started_at + 1.0).get(f"late/{_instance(late)}") != 1.0
    finally:
        waiter.cancel()
        terminate(process)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class _Never(SampleTargets):
    def sampled(self) -> bool:
        return False


def test_the_load_is_held_until_the_first_samples_are_a_warm_up_away() -> None:
    """The release waits for Prometheus' expected first samples minus the warm-up (so the
    baseline keeps its planned length), never longer; samples that came end the wait."""
    from slogate.platform.local.first_samples import THROTTLE_S

    targets = _Never(url="http://127.0.0.1:1", up=frozenset(), any=frozenset(), log="-")
    waiter = FirstSamples(targets, timeout=0.1)
    now = time.monotonic()
    waiter.hold_until_due(now - THROTTLE_S, scrape_s=0.1, warmup_s=0.0)  # due 0.2 s from now
    assert 0.15 <= time.monotonic() - now < 2.0
    now = time.monotonic()
    waiter.hold_until_due(now, scrape_s=1.0, warmup_s=THROTTLE_S + 2.0)  # already due
    assert time.monotonic() - now < 1.0  # not the 7 s it would wait for
    waiter.sampled.set()  # the samples came: no wait, whatever is due
    now = time.monotonic()
    waiter.hold_until_due(now, scrape_s=1.0, warmup_s=0.0)
    assert time.monotonic() - now < 1.0  # not the 7 s it would wait for
