"""Load generator: requests/s per core, slogate's open model (Locust) vs wrk, and the latency
slogate adds to what wrk sees at the same rate.

    .venv/bin/python -m benchmarks.load_bench [--runs 3] [--duration 6]

A bare ASGI app (uvicorn, one process) runs pinned to core 1; the generator (wrk, or
`slogate load` and thus its Locust subprocess) to core 0. Per run, side by side:

1. capacity: wrk closed-loop (1 thread, 32 connections), Locust FastHttpUser bare (32 users,
   no wait; and 256 users, the open model's concurrency below) and `slogate load` offered far
   more than it can start (30,000/s), with an in-flight pool of 256 and of 32; slogate's
   figure is its completions per second of the run (requests/s per load-generator core),
   including the work of scheduling and counting every arrival;
2. added latency: wrk throttled (Lua `delay`) to a moderate rate, then slogate at the rate
   wrk achieved; slogate's service-time percentiles minus wrk's.

Figures are medians over --runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
FILES = Path(__file__).resolve().parent / "load_bench_files"
MODERATE_CONNECTIONS = 10
MODERATE_DELAY_MS = 10  # about 1,000 req/s with 10 connections


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def bare_target() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            *("taskset", "-c", "1", sys.executable, "-m", "uvicorn", "bare_app:app"),
            *("--port", str(port), "--no-access-log", "--log-level", "warning"),
        ],
        cwd=FILES,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/bench", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("bare target did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _unit_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, duration: int, connections: int, delay_ms: int | None = None) -> dict[str, Any]:
    command = ["taskset", "-c", "0", "wrk", "-t1", f"-c{connections}", f"-d{duration}s"]
    command += ["--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if delay_ms is not None:
            script.write(f"function delay()\n  return {delay_ms}\nend\n")
    if delay_ms is not None:
        command += ["-s", script.name]
    output = subprocess.run(
        [*command, url + "/bench"], capture_output=True, text=True, timeout=duration + 30
    ).stdout
    Path(script.name).unlink()
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise SystemExit(
            f"wrk printed no rate (is wrk installed? make bench installs it):\n{output}"
        )
    rate = float(found.group(1))
    percentiles = {
        p: _unit_ms(v, u) for p, v, u in re.findall(r"\s(50|90|99)%\s+([\d.]+)(us|ms|s)", output)
    }
    return {"rate": rate, "p50_ms": percentiles["50"], "p99_ms": percentiles["99"]}


def slogate(url: str, rate: float, duration: int, max_in_flight: int, work: Path) -> dict[str, Any]:
    loadtests = work / "loadtests"
    loadtests.mkdir(parents=True, exist_ok=True)
    (loadtests / "locustfile.py").write_text((FILES / "locustfile.py").read_text())
    profile = {
        "bench": {
            "rate": rate,
            "duration_s": duration,
            "arrivals": "uniform",
            "max_in_flight": max_in_flight,
            "request_timeout_s": 10,
        }
    }
    (loadtests / "profiles.yaml").write_text(json.dumps({"profiles": profile}))
    run_dir = work / f"run-{time.monotonic_ns()}"
    command = ["taskset", "-c", "0", sys.executable, "-m", "slogate"]
    command += ["load", "bench", "--host", url, "--loadtests", str(loadtests)]
    command += ["--run-dir", str(run_dir)]
    subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=duration + 120)
    summary = json.loads((run_dir / "summary.json").read_text())
    tally = json.loads((run_dir / "tally.json").read_text())
    elapsed = tally["ended_at"] - tally["started_at"]
    return {
        "rate": summary["completed"] / elapsed,
        "started_rate": summary["achieved_rate"],
        "p50_ms": summary["latency"]["service"]["p50_ms"],
        "p99_ms": summary["latency"]["service"]["p99_ms"],
        "late_share": summary["late_share"],
        "saturated": summary["saturated"],
    }


def bare_locust(url: str, duration: int, work: Path, users: int = 32) -> float:
    """Requests/s of Locust FastHttpUser, `users` users, no wait, no slogate (closed loop)."""
    prefix = work / f"bare-{time.monotonic_ns()}"
    command = ["taskset", "-c", "0", sys.executable, "-m", "locust"]
    command += ["-f", str(FILES / "bare_locustfile.py"), "--headless"]
    command += ["-u", str(users), "-r", str(users)]
    command += ["-t", f"{duration}s", "--host", url, "--csv", str(prefix), "--only-summary"]
    subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    rows = Path(f"{prefix}_stats.csv").read_text().splitlines()
    header = rows[0].split(",")
    aggregated = next(row for row in rows if ",Aggregated," in row).split(",")
    return float(aggregated[header.index("Requests/s")])


def one_run(url: str, duration: int, work: Path) -> dict[str, Any]:
    wrk_max = wrk(url, duration, 32)
    locust_bare = bare_locust(url, duration, work)
    locust_bare_256 = bare_locust(url, duration, work, 256)  # slogate's concurrency below
    slogate_max = slogate(url, 30_000, duration, 256, work)
    # the same concurrency as bare Locust's 32 users: 256 in flight make the one-process
    # target answer slower and the generator hold 8x the connections, which costs it CPU per
    # request that is not the open model's bookkeeping
    slogate_32 = slogate(url, 30_000, duration, 32, work)
    wrk_moderate = wrk(url, duration, MODERATE_CONNECTIONS, MODERATE_DELAY_MS)
    slogate_moderate = slogate(url, round(wrk_moderate["rate"]), duration, 1000, work)
    return {
        "wrk_rps": wrk_max["rate"],
        "slogate_rps": slogate_max["rate"],
        "ratio": slogate_max["rate"] / wrk_max["rate"],
        "locust_bare_rps": locust_bare,
        "locust_bare_ratio": locust_bare / wrk_max["rate"],
        "slogate_vs_locust_bare": slogate_max["rate"] / locust_bare,
        "locust_bare_256_rps": locust_bare_256,
        "slogate_vs_locust_bare_256": slogate_max["rate"] / locust_bare_256,
        "slogate_32_rps": slogate_32["rate"],
        "slogate_32_vs_locust_bare": slogate_32["rate"] / locust_bare,
        "moderate_rate": wrk_moderate["rate"],
        "slogate_moderate_rate": slogate_moderate["started_rate"],
        "wrk_p50_ms": wrk_moderate["p50_ms"],
        "wrk_p99_ms": wrk_moderate["p99_ms"],
        "slogate_p50_ms": slogate_moderate["p50_ms"],
        "slogate_p99_ms": slogate_moderate["p99_ms"],
        "added_p50_ms": slogate_moderate["p50_ms"] - wrk_moderate["p50_ms"],
        "added_p99_ms": slogate_moderate["p99_ms"] - wrk_moderate["p99_ms"],
        "slogate_moderate_late_share": slogate_moderate["late_share"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load_bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=6)
    args = parser.parse_args(argv)
    runs = []
    with bare_target() as url, tempfile.TemporaryDirectory(prefix="load-bench-") as work:
        for index in range(args.runs):
            load_start = os.getloadavg()[0]
            runs.append(one_run(url, args.duration, Path(work)))
            runs[-1]["load_average_start"] = load_start
            runs[-1]["load_average_end"] = os.getloadavg()[0]
            print(f"run {index + 1}: " + json.dumps({k: round(v, 3) for k, v in runs[-1].items()}))
    medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print("medians: " + json.dumps({k: round(v, 3) for k, v in medians.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
