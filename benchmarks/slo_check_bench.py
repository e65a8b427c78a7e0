"""Time to evaluate every objective of slo/target-service.yaml over a 1 h window of 1 s data.

    .venv/bin/python -m benchmarks.slo_check_bench [--runs 5] [--replicas 3] [--routes 4]
                                                   [--before DIR]

Data: the target's metric contract, backfilled with `promtool tsdb create-blocks-from
openmetrics` into a real Prometheus 2.42 (1 h at 1 s, ending 2 h ago): per replica and route,
4 status classes of counters and latency histograms (12 buckets); the client's counters and
histograms (service and intended timing); the edge's counters; event-loop lag; start-up gauges.
One replica restarts half-way (every one of its series resets, so the raw-sample path runs).

Reported: median wall time of `evaluate_spec` over the 1 h window (fresh client each run),
queries per evaluation; side by side, the time to fetch every raw sample of the server's
latency buckets (the naive way to count reset-aware deltas) to show what the hybrid saves.

With `--before DIR` (an older checkout, e.g. a `git worktree` of an earlier commit) each run
also evaluates with that tree's code, in a child process against the same Prometheus,
alternating which tree goes first; both trees are timed in children (imports not timed) and
the median of the per-run ratios is printed, and whether both trees gave the same results
(everything but the PromQL text). The load average (1 min) is printed with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from slogate.slo.evaluate import Window, evaluate_spec
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.service_metrics import TARGET_LATENCY_BUCKETS
from slogate.slo.spec import TARGET_LAG_BUCKETS, load_spec
from tests.slo.backfill import prometheus_over_openmetrics

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "slo" / "target-service.yaml"
HOUR = 3600
ROUTES = [
    ("GET", "/api/v1/organisations"),
    ("GET", "/api/v1/organisations/{organisation_id}"),
    ("POST", "/api/v1/clinics"),
    ("GET", "/api/v1/assignments"),
    ("PUT", "/api/v1/assignments/{assignment_id}"),
    ("GET", "/api/v1/clinics/{clinic_id}"),
]
# share of a second's requests at or under each bucket (the rest above 10 s: none)
LATENCY_SHARE = [0.2, 0.45, 0.7, 0.85, 0.93, 0.97, 0.99, 1.0, 1.0, 1.0, 1.0]
PER_SECOND = {"2xx": 45, "3xx": 0, "4xx": 1, "5xx": 0}


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def write_openmetrics(path: Path, t0: int, replicas: int, routes: int) -> int:
    """Write the data set; the number of series."""
    restart = HOUR // 2
    series = 0
    with path.open("w") as out:

        def emit(name: str, labels: str, value_at) -> None:  # type: ignore[no-untyped-def]
            nonlocal series
            series += 1
            out.writelines(f"{name}{labels} {value_at(i)} {t0 + i}\n" for i in range(HOUR + 1))

        out.write("# TYPE http_requests counter\n")
        for replica in range(replicas):
            reset_at = restart if replica == replicas - 1 else None

            def since_start(i: int, reset_at: int | None = reset_at) -> int:
                return i if reset_at is None or i < reset_at else i - reset_at + 1

            for method, route in ROUTES[:routes]:
                for klass, rate in PER_SECOND.items():
                    labels = _labels(
                        source="server",
                        replica=str(replica),
                        method=method,
                        route=route,
                        status_class=klass,
                    )
                    emit("http_requests_total", labels, lambda i, r=rate: r * since_start(i))
        for method, route in ROUTES[:routes]:
            for klass, rate in {"2xx": 135, "4xx": 3, "5xx": 0, "transport": 0}.items():
                labels = _labels(source="client", method=method, route=route, status_class=klass)
                emit("http_requests_total", labels, lambda i, r=rate: r * i)
        out.write("# TYPE haproxy_frontend_http_requests counter\n")
        emit(
            "haproxy_frontend_http_requests_total",
            _labels(source="edge", proxy="api"),
            lambda i: 138 * routes * i,
        )
        out.write("# TYPE haproxy_frontend_http_responses counter\n")
        for code, rate in {"2xx": 135, "4xx": 3, "5xx": 0}.items():
            emit(
                "haproxy_frontend_http_responses_total",
                _labels(source="edge", proxy="api", code=code),
                lambda i, r=rate: r * routes * i,
            )
        out.write("# TYPE http_request_duration_seconds histogram\n")
        bounds = [*(repr(b) for b in TARGET_LATENCY_BUCKETS), "+Inf"]
        shares = [*LATENCY_SHARE, 1.0]
        for replica in range(replicas):
            reset_at = restart if replica == replicas - 1 else None
            for method, route in ROUTES[:routes]:
                for klass, rate in PER_SECOND.items():
                    for le, share in zip(bounds, shares, strict=True):
                        per_second = round(rate * share)
                        labels = _labels(
                            source="server",
                            replica=str(replica),
                            method=method,
                            route=route,
                            status_class=klass,
                            le=le,
                        )

                        def value(i: int, p: int = per_second, r: int | None = reset_at) -> int:
                            return p * (i if r is None or i < r else i - r + 1)

                        emit("http_request_duration_seconds_bucket", labels, value)
        for method, route in ROUTES[:routes]:
            for klass, rate in {"2xx": 135, "4xx": 3}.items():
                for timing in ("service", "intended"):
                    for le, share in zip(bounds, shares, strict=True):
                        labels = _labels(
                            source="client",
                            method=method,
                            route=route,
                            status_class=klass,
                            timing=timing,
                            le=le,
                        )
                        per_second = round(rate * share)
                        emit(
                            "http_request_duration_seconds_bucket",
                            labels,
                            lambda i, p=per_second: p * i,
                        )
        out.write("# TYPE event_loop_lag_seconds histogram\n")
        lag_bounds = [*(repr(b) for b in TARGET_LAG_BUCKETS), "+Inf"]
        for replica in range(replicas):
            for le in lag_bounds:
                per_second = 0 if le in ("0.001", "0.0025", "0.005") else 10
                emit(
                    "event_loop_lag_seconds_bucket",
                    _labels(source="server", replica=str(replica), le=le),
                    lambda i, p=per_second: p * i,
                )
        out.write("# TYPE process_startup_duration_seconds gauge\n")
        for replica in range(replicas):
            emit(
                "process_startup_duration_seconds",
                _labels(source="server", replica=str(replica)),
                lambda i: 1.5,
            )
        out.write("# EOF\n")
    return series


def time_raw_fetch(url: str, end: float) -> float:
    query = 'http_request_duration_seconds_bucket{source="server",route=~"/api/.*"}[3900s]'
    started = time.perf_counter()
    response = httpx.post(f"{url}/api/v1/query", data={"query": query, "time": end}, timeout=300)
    response.raise_for_status()
    response.json()
    return time.perf_counter() - started


# one evaluation in a child process, through the API both old and new trees have
CHILD = """
import json, sys, time
from slogate.slo.evaluate import Window, evaluate_spec
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import load_spec
from slogate.slo.stats import upper_bound
upper_bound(0, 10)  # scipy imported before timing (a newer tree imports it lazily)
spec = load_spec(sys.argv[1])
window = Window(start=float(sys.argv[3]), end=float(sys.argv[4]))
with PrometheusClient(sys.argv[2]) as client:
    started, cpu = time.perf_counter(), time.process_time()
    results = evaluate_spec(spec, client, window)
    print(time.perf_counter() - started, time.process_time() - cpu, client.queries)
rows = [r.model_dump(mode="json") for r in results]
for row in rows:
    row["evidence"].pop("queries")  # the PromQL may differ between trees, nothing else
print(json.dumps(rows, sort_keys=True))
"""


@dataclass
class Sample:
    wall: float  # seconds
    client_cpu: float  # the evaluating process, every thread
    server_cpu: float  # Prometheus
    queries: int
    results: str  # every result as JSON, without its queries


def time_in_child(tree: Path, url: str, window: Window, prometheus: psutil.Process) -> Sample:
    """One `evaluate_spec` with `tree`'s code (imports not timed): wall and CPU seconds."""
    server = sum(prometheus.cpu_times()[:2])
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(SPEC), url, str(window.start), str(window.end)],
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    server = sum(prometheus.cpu_times()[:2]) - server
    timing, results = done.stdout.splitlines()[-2:]
    wall, client_cpu, queries = timing.split()
    return Sample(float(wall), float(client_cpu), server, int(queries), results)


def compare_trees(before: Path, url: str, pid: int, window: Window, runs: int) -> None:
    """Old and new code side by side, alternating which goes first. CPU seconds (client and
    Prometheus) are reported beside wall time: on a shared, busy machine they move much less."""
    prometheus = psutil.Process(pid)
    samples: dict[str, list[Sample]] = {"before": [], "after": []}
    load = os.getloadavg()[0]
    for run in range(runs):
        order = [("before", before), ("after", REPO)]
        for name, tree in order if run % 2 == 0 else order[::-1]:
            samples[name].append(time_in_child(tree, url, window, prometheus))
    print(f"side by side, load average (1 min) {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    for name, runs_of in samples.items():
        print(
            f"  {name}: wall median {statistics.median(s.wall for s in runs_of) * 1000:.0f} ms "
            f"({', '.join(f'{s.wall * 1000:.0f}' for s in runs_of)}); CPU median client "
            f"{statistics.median(s.client_cpu for s in runs_of) * 1000:.0f} ms, Prometheus "
            f"{statistics.median(s.server_cpu for s in runs_of) * 1000:.0f} ms; "
            f"{runs_of[0].queries} queries"
        )
    identical = {s.results for runs_of in samples.values() for s in runs_of}
    print(f"  results (all but the PromQL) identical in every run: {len(identical) == 1}")
    for what in ("wall", "client_cpu", "server_cpu"):
        ratios = [
            getattr(a, what) / getattr(b, what)
            for a, b in zip(samples["after"], samples["before"], strict=True)
        ]
        print(f"  after / before, {what}: median of pairs {statistics.median(ratios):.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--routes", type=int, default=4)
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    args = parser.parse_args(argv)
    spec = load_spec(SPEC)
    t0 = (int(time.time()) // 3600) * 3600 - 3 * HOUR
    window = Window(start=t0, end=t0 + HOUR)
    with tempfile.TemporaryDirectory(prefix="slogate-bench-") as folder:
        path = Path(folder) / "data.om"
        started = time.perf_counter()
        series = write_openmetrics(path, t0, args.replicas, args.routes)
        generated = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        with prometheus_over_openmetrics(path) as prometheus:
            backfilled = time.perf_counter() - started
            path.unlink()
            durations, raw = [], []
            queries = 0
            verdicts: dict[str, str] = {}
            for _ in range(args.runs):
                with PrometheusClient(prometheus.url) as client:
                    started = time.perf_counter()
                    results = evaluate_spec(spec, client, window)
                    durations.append(time.perf_counter() - started)
                    queries = client.queries
                verdicts = {f"{r.objective}@{r.place}": r.verdict.value for r in results}
                raw.append(time_raw_fetch(prometheus.url, window.end))
            if args.before is not None:
                compare_trees(
                    args.before, prometheus.url, prometheus.process.pid, window, args.runs
                )
    samples = series * (HOUR + 1)
    print(
        f"data: {series} series x {HOUR + 1} samples = {samples:,} samples ({size_mb:.0f} MB "
        f"OpenMetrics, written in {generated:.1f} s; backfill + start {backfilled:.1f} s)"
    )
    print(
        f"evaluate all objectives of {SPEC.name} over 1 h: median "
        f"{statistics.median(durations) * 1000:.0f} ms over {args.runs} runs "
        f"(min {min(durations) * 1000:.0f}, max {max(durations) * 1000:.0f}); "
        f"{queries} queries"
    )
    print(
        f"fetching every raw sample of the server latency buckets alone: median "
        f"{statistics.median(raw) * 1000:.0f} ms "
        f"({statistics.median(raw) / statistics.median(durations):.1f}x the whole check)"
    )
    print("verdicts: " + ", ".join(f"{k}={v}" for k, v in verdicts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
