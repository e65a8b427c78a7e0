"""Time from `slogate up` to a ready stack, split by part (median of several runs).

Run: .venv/bin/python -m benchmarks.platform_up_bench [--runs 5] [--replicas 3]

Each run starts the default service (target_service, 3 replicas) on free ports in a temporary
SLOGATE_HOME, records when each part was started and ready (the supervisor's progress events),
asks Prometheus for the timestamp of its first scraped sample, then brings the stack down.
The `slogate up` CLI wall time (a subprocess, interpreter start and imports included) is
measured on separate runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from slogate.config import parse_config
from slogate.platform.base import StackEvent
from slogate.platform.local.launcher import start_detached
from slogate.platform.local.stack import down_stack

REPO = Path(__file__).resolve().parents[1]


def _config(directory: Path, replicas: int) -> Path:
    path = directory / "slogate.yaml"
    path.write_text(
        f"service:\n  working_dir: {REPO}\n  replicas: {replicas}\n"
        "  env: {TARGET_SHUTDOWN_DELAY_S: '0', TARGET_LOG_LEVEL: warning}\n"
    )
    return path


def _first_sample_at(prometheus_url: str) -> float:
    response = httpx.get(
        f"{prometheus_url}/api/v1/query", params={"query": "up[5m]"}, timeout=5
    ).json()
    return min(float(v[0]) for series in response["data"]["result"] for v in series["values"])


def one_run(directory: Path, replicas: int) -> dict[str, float]:
    config_path = _config(directory, replicas)
    config = parse_config(yaml.safe_load(config_path.read_text()), str(config_path))
    events: list[StackEvent] = []
    started = time.time()
    t0 = time.monotonic()
    state = start_detached(config, "bench", events.append)
    ready = time.monotonic() - t0
    try:
        first_sample = _first_sample_at(state.prometheus_url or "") - started
    finally:
        down_stack("bench")
    ready_at = {e.part: e.t for e in events if e.phase == "ready"}
    replica_ready = max(t for part, t in ready_at.items() if part.startswith("replica-"))
    return {
        "prometheus ready (HTTP)": ready_at["prometheus"],
        "redis ready": ready_at["redis"],
        "all replicas ready": replica_ready,
        "edge ready (all servers UP)": ready_at["edge"],
        "prometheus first scrape": first_sample,
        "prometheus sample from every target": ready_at["prometheus-first-samples"],
        "`up` returned (in-process)": ready,
        "ready minus first scrape": ready - first_sample,
    }


def cli_run(directory: Path, replicas: int) -> float:
    _config(directory, replicas)
    env = {**os.environ, "SLOGATE_HOME": str(directory / "home")}
    command = [sys.executable, "-m", "slogate"]
    t0 = time.monotonic()
    result = subprocess.run(
        [*command, "up", "--stack", "cli"], cwd=directory, env=env, capture_output=True, timeout=180
    )
    elapsed = time.monotonic() - t0
    subprocess.run([*command, "down", "--stack", "cli"], cwd=directory, env=env, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"slogate up failed: {result.stderr.decode()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="platform_up_bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--replicas", type=int, default=3)
    args = parser.parse_args(argv)
    runs: list[dict[str, float]] = []
    cli: list[float] = []
    with tempfile.TemporaryDirectory(prefix="slogate-bench-") as tmp:
        directory = Path(tmp)
        os.environ["SLOGATE_HOME"] = str(directory / "home")
        for _ in range(args.runs):
            runs.append(one_run(directory, args.replicas))
        for _ in range(max(1, args.runs // 2)):
            cli.append(cli_run(directory, args.replicas))
    print(f"slogate up to ready, target_service x{args.replicas}, {args.runs} runs (seconds)")
    print(f"{'phase':<40} {'median':>7} {'min':>7} {'max':>7}")
    for key in runs[0]:
        values = [run[key] for run in runs]
        print(f"{key:<40} {statistics.median(values):7.2f} {min(values):7.2f} {max(values):7.2f}")
    print(
        f"{'`slogate up` CLI wall time':<40} {statistics.median(cli):7.2f} "
        f"{min(cli):7.2f} {max(cli):7.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
