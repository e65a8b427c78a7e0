"""Wall time of `slogate run smoke`, split into set-up, load, evaluation, report and tear-down
(median of several runs), and the harness's own overhead: everything but the load window.

Run: .venv/bin/python -m benchmarks.gate_bench [--runs 3] [--gate smoke] [--before DIR]

Each run is the real CLI in a subprocess (interpreter start and imports included) with a
temporary SLOGATE_HOME and reports folder; the split comes from the run's report.json timeline
(set-up = sweep + stack up + seeding, with the load generator's start overlapping it; load =
from releasing the held load generator to its exit, i.e. the profile's duration plus its drain
and the metrics linger; evaluation; report; tear-down).
Overhead = wall time - the profile's planned load duration.

With `--before DIR` (an older checkout) each run is a pair, that tree's CLI and this one's,
alternating which goes first; the medians of both and of the per-pair overhead ratio are
printed, with the load average (1 min) at the start and end.
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
# finer rows, from the same timeline: the process's own start before set-up (interpreter,
# imports, planning, pre-flight), the held generator's release to its first request, the
# load span's tail after the planned load (drain, metrics linger, Locust and `slogate load`
# exiting), and the process's end after tear-down
DETAIL = ("start-up", "release to first request", "load tail", "exit")
REPO = Path(__file__).resolve().parents[1]


def one_run(gate: str, folder: Path, planned: float, tree: Path = REPO) -> dict[str, float]:
    env = {**os.environ, "SLOGATE_HOME": str(folder / "home"), "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "slogate", "run", gate]
    command += ["--reports-dir", str(folder / "reports")]
    started, spawned = time.perf_counter(), time.time()
    done = subprocess.run(
        command, env=env, cwd=tree, capture_output=True, text=True, timeout=600, check=False
    )
    wall = time.perf_counter() - started
    ended = spawned + wall
    if done.returncode not in (0, 1, 3):  # a verdict was reached (timing is what counts here)
        raise SystemExit(f"slogate run {gate} exited {done.returncode}:\n{done.stdout[-2000:]}")
    (report_file,) = (folder / "reports").glob("*/report.json")
    report = json.loads(report_file.read_text())
    spans = {s["name"]: s["end"] - s["start"] for s in report["timeline"] if s["end"] is not None}
    figures = {part: spans.get(part, 0.0) for part in PARTS}
    starts = {s["name"]: s["start"] for s in report["timeline"]}
    ends = {s["name"]: s["end"] for s in report["timeline"] if s["end"] is not None}
    figures["start-up"] = starts["set-up"] - spawned
    figures["release to first request"] = starts["warm-up"] - starts["load"]
    figures["load tail"] = ends["load"] - (starts["warm-up"] + planned)
    figures["exit"] = ended - ends["tear-down"]
    figures["wall"] = wall
    figures["exit_code"] = done.returncode
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gate_bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--gate", default="smoke")
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    args = parser.parse_args(argv)
    planned = plan_gate(load_config(REPO / "slogate.yaml"), args.gate).duration_s
    if args.before is not None:
        return compare_trees(args.gate, args.before, planned, args.runs)
    runs = []
    load = os.getloadavg()[0]
    for index in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="gate-bench-") as folder:
            runs.append(one_run(args.gate, Path(folder), planned))
        print(
            f"run {index + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in runs[-1].items()),
            flush=True,
        )
    median = {key: statistics.median(run[key] for run in runs) for key in (*PARTS, *DETAIL, "wall")}
    overhead = statistics.median(run["wall"] - planned for run in runs)
    print(
        f"\nslogate run {args.gate}: median of {args.runs} runs (planned load {planned:g} s), "
        f"load average (1 min) {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    print("| part | median s |\n|---|---|")
    for key, value in median.items():
        print(f"| {key} | {value:.2f} |")
    print(f"| harness overhead (wall - planned load) | {overhead:.2f} |")
    return 0


def compare_trees(gate: str, before: Path, planned: float, runs: int) -> int:
    """Pairs of runs, the older tree's CLI and this one's, alternating which goes first."""
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    load = os.getloadavg()[0]
    for index in range(runs):
        order = [("before", before), ("after", REPO)]
        for name, tree in order if index % 2 == 0 else order[::-1]:
            with tempfile.TemporaryDirectory(prefix="gate-bench-") as folder:
                results[name].append(one_run(gate, Path(folder), planned, tree))
            figures = ", ".join(f"{k} {v:.2f}" for k, v in results[name][-1].items())
            print(f"pair {index + 1} {name}: {figures}", flush=True)
    print(f"\nload average (1 min) {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print(f"slogate run {gate}, {runs} pairs (planned load {planned:g} s)")
    print("| part | before, median s | after, median s |\n|---|---|---|")
    for key in (*PARTS, *DETAIL, "wall"):
        b, a = (statistics.median(run[key] for run in results[n]) for n in ("before", "after"))
        print(f"| {key} | {b:.2f} | {a:.2f} |")
    overheads = {n: [run["wall"] - planned for run in results[n]] for n in results}
    b, a = (statistics.median(overheads[n]) for n in ("before", "after"))
    print(f"| harness overhead (wall - planned load) | {b:.2f} | {a:.2f} |")
    ratios = [x / y for x, y in zip(overheads["after"], overheads["before"], strict=True)]
    print(f"overhead after / before, median of pairs: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
