"""Load generator: CPU seconds per request of the Locust process, slogate's open model vs bare
Locust FastHttpUser, optionally against an older tree, interleaved.

    .venv/bin/python -m benchmarks.load_cpu_bench [--runs 5] [--duration 5] [--rate 500]
        [--before DIR] [--capacity-pool 256] [--profile FILE [--pool N]]

Wall rates move with whatever else holds the cores; the CPU a process spends per request moves
much less, so this is the figure to compare on a shared machine. The Locust process measures
itself (`load_bench_files/cpu_probe.py`, imported first by a copy of the benchmark's
locustfile: `time.process_time()` from the test's start to quitting, imports and start-up
excluded). The same bare ASGI target as `load_bench` (core 1), every generator on core 0.

Each run, in turn: bare Locust (32 users, no wait, closed loop), then for each tree (this one,
and `--before DIR`, in alternating order) `slogate load` at a fixed rate (`--rate`, uniform
arrivals, below saturation: the open model's cost at a rate it holds) and at capacity (30,000
starts/s offered, in-flight pool 256 or `--capacity-pool`: CPU per completed request, the
scheduling of missed arrivals included). Efficiency = Locust's own CPU per request / slogate's
(1.0: the open model costs what Locust itself costs): at capacity against bare Locust, at the
fixed rate against Locust paced to the same rate (32 users, `constant_throughput`), because a
generator woken for every request pays more per request than one that finds many answers at
each wake-up. The load average is printed with every run.
`--profile FILE [--pool N]` runs one fixed-rate slogate run under cProfile (in the Locust process)
and writes its stats to FILE.
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
from typing import Any

from benchmarks.load_bench import FILES, REPO, bare_target

CAPACITY_RATE = 30_000
CAPACITY_POOL = 256
USERS = 32


def _cpu_env(
    cpu_file: Path, tree: Path | None = None, profile: Path | None = None
) -> dict[str, Any]:
    env = dict(os.environ, SLOGATE_BENCH_CPU_FILE=str(cpu_file))
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    if profile is not None:
        env["SLOGATE_BENCH_PROFILE_FILE"] = str(profile)
    return env


def probed_locustfile(name: str, folder: Path) -> Path:
    """A copy of load_bench_files/NAME in `folder` that imports the CPU probe first."""
    (folder / "cpu_probe.py").write_text((FILES / "cpu_probe.py").read_text())
    locustfile = folder / name
    locustfile.write_text("import cpu_probe  # noqa: F401\n" + (FILES / name).read_text())
    return locustfile


def bare_locust_cpu(
    url: str, duration: int, work: Path, rate: float | None = None
) -> dict[str, Any]:
    """CPU µs per request of Locust FastHttpUser, 32 users, no wait (or, with `rate`, paced
    by `constant_throughput` to that many requests per second in all)."""
    prefix = work / f"bare-{time.monotonic_ns()}"
    cpu_file = prefix.with_suffix(".cpu.json")
    folder = prefix.with_suffix(".files")
    folder.mkdir()
    name = "bare_locustfile.py" if rate is None else "paced_locustfile.py"
    env = _cpu_env(cpu_file)
    if rate is not None:
        env["BENCH_USER_RATE"] = str(rate / USERS)
    command = ["taskset", "-c", "0", sys.executable, "-m", "locust"]
    command += ["-f", str(probed_locustfile(name, folder)), "--headless"]
    command += ["-u", str(USERS), "-r", str(USERS)]
    command += ["-t", f"{duration}s", "--host", url, "--csv", str(prefix), "--only-summary"]
    subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, env=env)
    rows = Path(f"{prefix}_stats.csv").read_text().splitlines()
    header = rows[0].split(",")
    aggregated = next(row for row in rows if ",Aggregated," in row).split(",")
    requests = int(aggregated[header.index("Request Count")])
    cpu = json.loads(cpu_file.read_text())["cpu_s"]
    return {"requests": requests, "cpu_us": cpu / requests * 1e6}


def slogate_cpu(
    url: str,
    rate: float,
    duration: int,
    pool: int,
    work: Path,
    tree: Path,
    profile: Path | None = None,
) -> dict[str, Any]:
    """CPU µs per completed request of `slogate load` (from `tree`) at `rate` starts/s."""
    loadtests = work / f"loadtests-{time.monotonic_ns()}"
    loadtests.mkdir(parents=True)
    probed_locustfile("locustfile.py", loadtests)
    profiles = {
        "bench": {
            "rate": rate,
            "duration_s": duration,
            "arrivals": "uniform",
            "max_in_flight": pool,
            "request_timeout_s": 10,
        }
    }
    (loadtests / "profiles.yaml").write_text(json.dumps({"profiles": profiles}))
    run_dir = loadtests / "run"
    cpu_file = loadtests / "cpu.json"
    command = ["taskset", "-c", "0", sys.executable, "-m", "slogate"]
    command += ["load", "bench", "--host", url, "--loadtests", str(loadtests)]
    command += ["--run-dir", str(run_dir)]
    subprocess.run(
        command,
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=duration + 120,
        env=_cpu_env(cpu_file, tree, profile),
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    cpu = json.loads(cpu_file.read_text())["cpu_s"]
    completed = int(summary["completed"])
    return {
        "completed": completed,
        "cpu_us": cpu / max(1, completed) * 1e6,
        "started_rate": summary["achieved_rate"],
        "late_share": summary["late_share"],
        "saturated": summary["saturated"],
    }


def one_run(url: str, args: argparse.Namespace, work: Path, index: int) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    bare = bare_locust_cpu(url, args.duration, work)
    paced = bare_locust_cpu(url, args.duration, work, args.rate)
    trees = [("after", REPO)] + ([("before", args.before)] if args.before else [])
    if index % 2:
        trees.reverse()
    run: dict[str, Any] = {"bare_cpu_us": bare["cpu_us"], "paced_cpu_us": paced["cpu_us"]}
    for name, tree in trees:
        fixed = slogate_cpu(url, args.rate, args.duration, 1000, work, tree)
        capacity = slogate_cpu(url, CAPACITY_RATE, args.duration, args.capacity_pool, work, tree)
        run[f"{name}_fixed_cpu_us"] = fixed["cpu_us"]
        run[f"{name}_fixed_efficiency"] = paced["cpu_us"] / fixed["cpu_us"]
        run[f"{name}_fixed_late_share"] = fixed["late_share"]
        run[f"{name}_fixed_saturated"] = float(fixed["saturated"])
        run[f"{name}_capacity_cpu_us"] = capacity["cpu_us"]
        run[f"{name}_capacity_efficiency"] = bare["cpu_us"] / capacity["cpu_us"]
    if args.before:
        for mode in ("fixed", "capacity"):
            run[f"{mode}_after_over_before_cpu"] = (
                run[f"after_{mode}_cpu_us"] / run[f"before_{mode}_cpu_us"]
            )
    run["load_average_start"] = load_before
    run["load_average_end"] = os.getloadavg()[0]
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load_cpu_bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    parser.add_argument("--profile", type=Path, help="cProfile one fixed-rate run to FILE")
    parser.add_argument(
        "--pool", type=int, default=1000,
        help="in-flight pool of the profiled run (CAPACITY_POOL with a capacity rate: the "
        "profile then holds the missed arrivals' bookkeeping)",
    )  # fmt: skip
    parser.add_argument(
        "--capacity-pool", type=int, default=CAPACITY_POOL,
        help="in-flight pool of the capacity runs (256; 32 compares with bare Locust's 32 "
        "users at equal concurrency)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    with bare_target() as url, tempfile.TemporaryDirectory(prefix="load-cpu-bench-") as work:
        if args.profile:
            result = slogate_cpu(
                url, args.rate, args.duration, args.pool, Path(work), REPO, args.profile
            )
            print(json.dumps(result), f"profile: {args.profile}")
            return 0
        runs = []
        for index in range(args.runs):
            runs.append(one_run(url, args, Path(work), index))
            print(f"run {index + 1}: " + json.dumps({k: round(v, 3) for k, v in runs[-1].items()}))
    print_medians(runs)
    return 0


def print_medians(runs: list[dict[str, Any]]) -> None:
    """One line per figure: its median over the runs, with the smallest and largest."""
    for key in runs[0]:
        values = sorted(run[key] for run in runs)
        print(
            f"{key}: median {statistics.median(values):.3f}"
            f" (min {values[0]:.3f}, max {values[-1]:.3f})"
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
