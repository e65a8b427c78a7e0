"""Wall time of `slogate run smoke`, split into set-up, load, evaluation, report and tear-down
(median of several runs), and the harness's own overhead: everything but the load window.

Run: .venv/bin/python -m benchmarks.gate_bench [--runs 3] [--gate smoke]

Each run is the real CLI in a subprocess (interpreter start and imports included) with a
temporary SLOGATE_HOME and reports folder; the split comes from the run's report.json timeline
(set-up = sweep + stack up + seeding, with the load generator's start overlapping it; load =
from releasing the held load generator to its exit, i.e. the profile's duration plus its drain
and the metrics linger; evaluation; report; tear-down).
Overhead = wall time - the profile's planned load duration.
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
from pathlib import Path

from slogate.config import load_config
from slogate.gate.plan import plan_gate

PARTS = ("set-up", "load", "evaluation", "report", "tear-down")


def one_run(gate: str, folder: Path) -> dict[str, float]:
    env = {**os.environ, "SLOGATE_HOME": str(folder / "home")}
    command = [sys.executable, "-m", "slogate", "run", gate]
    command += ["--reports-dir", str(folder / "reports")]
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1, 3):  # a verdict was reached (timing is what counts here)
        raise SystemExit(f"slogate run {gate} exited {done.returncode}:\n{done.stdout[-2000:]}")
    (report_file,) = (folder / "reports").glob("*/report.json")
    report = json.loads(report_file.read_text())
    spans = {s["name"]: s["end"] - s["start"] for s in report["timeline"] if s["end"] is not None}
    figures = {part: spans.get(part, 0.0) for part in PARTS}
    figures["wall"] = wall
    figures["exit_code"] = done.returncode
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gate_bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--gate", default="smoke")
    args = parser.parse_args(argv)
    planned = plan_gate(load_config(), args.gate).duration_s
    runs = []
    for index in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="gate-bench-") as folder:
            runs.append(one_run(args.gate, Path(folder)))
        print(
            f"run {index + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in runs[-1].items()),
            flush=True,
        )
    median = {key: statistics.median(run[key] for run in runs) for key in (*PARTS, "wall")}
    overhead = statistics.median(run["wall"] - planned for run in runs)
    print(f"\nslogate run {args.gate}: median of {args.runs} runs (planned load {planned:g} s)")
    print("| part | median s |\n|---|---|")
    for key, value in median.items():
        print(f"| {key} | {value:.2f} |")
    print(f"| harness overhead (wall - planned load) | {overhead:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
