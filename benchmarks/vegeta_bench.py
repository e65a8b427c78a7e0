"""Open-model reference: vegeta and slogate's open model at the same fixed rates, side by side.

    .venv/bin/python -m benchmarks.vegeta_bench [--runs 5] [--duration 8] [--rates 200,500]

vegeta (v12.13.0, built by `make bench` from its Go module: tools/vegeta/) is an open-model
generator: `vegeta attack -rate R/s -duration D` starts R requests a second whatever the
answers. The target is the reference service (one `target_service` process and its Redis,
pinned to core 1, seeded; `GET /api/v1/organisations?limit=1`); each generator is pinned to
core 0. Per run and rate, both generators in turn (the order alternates between runs):

- accuracy: requests started ÷ (R x D) (vegeta: its request count; slogate: its starts);
- client latency p50/p95 (vegeta: its report, from sending to the answer; slogate: service
  time, the same span, and time from the intended start);
- server latency p50/p95 over the same span, from the target's own histogram (the delta of
  `http_request_duration_seconds` of the route, interpolated inside its buckets).

Figures are medians and ranges over --runs, with the 1-minute load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.target_service_bench import REPO, redis_server, running_service, seed
from slogate.slo.stats import quantile_from_buckets

FILES = Path(__file__).resolve().parent / "load_bench_files"
ROUTE = "/api/v1/organisations"
GENERATOR_CORE = "0"
TARGET_CORE = "1"


def vegeta_binary() -> Path | None:
    """The cached vegeta (scripts/build-control-plane.sh vegeta), or None when not built."""
    listed = subprocess.run(
        [str(REPO / "scripts" / "build-control-plane.sh"), "--print", "vegeta"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    for line in listed.stdout.splitlines():
        name, _, folder = line.partition(" ")
        if name == "vegeta" and (Path(folder) / "vegeta").is_file():
            return Path(folder) / "vegeta"
    return None


def vegeta_figures(report: dict[str, Any], rate: float, duration_s: float) -> dict[str, float]:
    """Figures from `vegeta report -type=json` of an attack at `rate` for `duration_s`.

    vegeta writes latencies in nanoseconds, `rate` as requests per second between its first
    and last request, `success` as the share of 2xx/3xx answers."""
    latencies = report["latencies"]
    return {
        "accuracy": report["requests"] / (rate * duration_s),
        "rate": report["rate"],
        "p50_ms": latencies["50th"] / 1e6,
        "p95_ms": latencies["95th"] / 1e6,
        "p99_ms": latencies["99th"] / 1e6,
        "success": report["success"],
    }


def run_vegeta(binary: Path, url: str, rate: float, duration_s: int, work: Path) -> dict[str, Any]:
    targets = work / "targets.txt"
    targets.write_text(f"GET {url}{ROUTE}?limit=1\n")
    results = work / f"vegeta-{time.monotonic_ns()}.bin"
    attack = [
        *("taskset", "-c", GENERATOR_CORE, str(binary), "attack"),
        *(f"-rate={rate:g}/1s", f"-duration={duration_s}s", "-timeout=10s"),
        *(f"-targets={targets}", f"-output={results}"),
    ]
    subprocess.run(attack, check=True, capture_output=True, timeout=duration_s + 60)
    report = subprocess.run(
        [str(binary), "report", "-type=json", str(results)],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    results.unlink()
    return vegeta_figures(json.loads(report), rate, duration_s)


def run_slogate(url: str, rate: float, duration_s: int, work: Path) -> dict[str, Any]:
    loadtests = work / "loadtests"
    loadtests.mkdir(parents=True, exist_ok=True)
    (loadtests / "locustfile.py").write_text((FILES / "target_locustfile.py").read_text())
    profile = {
        "bench": {
            "rate": rate,
            "duration_s": duration_s,
            "arrivals": "uniform",  # vegeta's pacing: evenly spaced starts
            "max_in_flight": 1000,
            "request_timeout_s": 10,
        }
    }
    (loadtests / "profiles.yaml").write_text(json.dumps({"profiles": profile}))
    run_dir = work / f"run-{time.monotonic_ns()}"
    command = ["taskset", "-c", GENERATOR_CORE, sys.executable, "-m", "slogate", "load", "bench"]
    command += ["--host", url, "--loadtests", str(loadtests), "--run-dir", str(run_dir)]
    subprocess.run(command, cwd=REPO, capture_output=True, timeout=duration_s + 120)
    summary = json.loads((run_dir / "summary.json").read_text())
    service, intended = summary["latency"]["service"], summary["latency"]["intended"]
    return {
        "accuracy": summary["starts"] / (rate * duration_s),
        "rate": summary["achieved_rate"],
        "p50_ms": service["p50_ms"],
        "p95_ms": service["p95_ms"],
        "p99_ms": service["p99_ms"],
        "intended_p95_ms": intended["p95_ms"],
        "success": 1 - (summary["error_ratio"] or 0.0),
        "late_share": summary["late_share"],
    }


def route_buckets(metrics_text: str) -> dict[float, float]:
    """Cumulative {le: count} of the route's request-duration histogram, every status summed."""
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        if family.name != "http_request_duration_seconds":
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket") and sample.labels.get("route") == ROUTE:
                le = float(sample.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + sample.value
    return buckets


def server_figures(before: dict[float, float], after: dict[float, float]) -> dict[str, float]:
    """Server p50/p95 (ms) and request count between two readings of `route_buckets`."""
    delta = {le: after[le] - before.get(le, 0.0) for le in after}
    figures = {"count": delta.get(float("inf"), 0.0)}
    for name, q in (("p50_ms", 0.5), ("p95_ms", 0.95)):
        quantile = quantile_from_buckets(q, delta) if delta else None
        figures[name] = quantile.estimate * 1000 if quantile is not None else float("nan")
    return figures


def measured(generator: Callable[[], dict[str, Any]], url: str) -> dict[str, Any]:
    """One generator run, with the server's histogram read before and after."""

    def read() -> dict[float, float]:
        return route_buckets(httpx.get(f"{url}/metrics", timeout=10).text)

    before = read()
    figures = generator()
    server = server_figures(before, read())
    return {**figures, **{f"server_{k}": v for k, v in server.items()}}


def summarise(rows: list[dict[str, Any]]) -> dict[str, str]:
    """`median (min-max)` of every figure over the runs."""
    return {
        key: f"{statistics.median(v):.3f} ({min(v):.3f}-{max(v):.3f})"
        for key in rows[0]
        for v in [[row[key] for row in rows if row[key] is not None]]
        if v
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vegeta_bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rates", default="200,500")
    args = parser.parse_args(argv)
    binary = vegeta_binary()
    if binary is None:
        print("vegeta is not built: scripts/build-control-plane.sh vegeta (make bench does it)")
        return 0
    rates = [float(r) for r in args.rates.split(",")]
    rows: dict[tuple[str, float], list[dict[str, Any]]] = {}
    load_before = os.getloadavg()[0]
    with (
        redis_server() as redis_url,
        running_service(redis_url, TARGET_CORE) as service,
        tempfile.TemporaryDirectory(prefix="vegeta-bench-") as folder,
    ):
        seed(redis_url)
        work = Path(folder)
        for run in range(args.runs):
            for rate in rates:
                generators = {
                    "vegeta": partial(run_vegeta, binary, service.url, rate, args.duration, work),
                    "slogate": partial(run_slogate, service.url, rate, args.duration, work),
                }
                names = list(generators) if run % 2 == 0 else list(generators)[::-1]
                for name in names:
                    row = measured(generators[name], service.url)
                    rows.setdefault((name, rate), []).append(row)
                    shown = {k: round(v, 3) for k, v in row.items() if v is not None}
                    print(f"run {run + 1} {name} {rate:g}/s: {json.dumps(shown)}", flush=True)
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    for (name, rate), runs in sorted(rows.items(), key=lambda item: (item[0][1], item[0][0])):
        print(f"{name} at {rate:g}/s, median (min-max) of {len(runs)}:")
        for key, text in summarise(runs).items():
            print(f"  {key}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
