"""Open-model dispatch designs in bare gevent: CPU per arrival, side by side.

    .venv/bin/python -m benchmarks.dispatch_bench [--runs 5] [--rate 2000] [--arrivals 6000]

Each design starts `--arrivals` jobs at uniform intended times (`--rate` per second); a job
is a 1 ms `gevent.sleep`, standing in for a request's wait on the network, so only the cost
of getting each job started on time is compared (no HTTP, no tally):

- `sleep_and_spawn`: one dispatcher sleeps until each arrival, then spawns a greenlet into a
  bounded pool (slogate's open model up to issue 15);
- `spawn_later`: one greenlet per arrival, started by its own timer (`gevent.spawn_later`);
- `workers`: long-lived workers each claim the next arrival and sleep until its time
  themselves, a new worker only when none is free (`slogate.load.dispatcher`).

Every design runs in its own child process pinned to core 0 (gevent never enters this
process); the order rotates between runs. Prints CPU µs per arrival per run, then each figure's
median (min, max).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

from benchmarks.load_cpu_bench import print_medians

DESIGNS = ("sleep_and_spawn", "spawn_later", "workers")
JOB_S = 0.001
EARLY_START_S = 0.0005


def _child(design: str, rate: float, arrivals: int) -> dict[str, float]:
    import gevent
    import gevent.pool

    def job() -> None:
        gevent.sleep(JOB_S)

    def sleep_and_spawn(origin: float) -> None:
        pool = gevent.pool.Pool(1000)
        for k in range(arrivals):
            delay = origin + k / rate - time.perf_counter()
            if delay > EARLY_START_S:
                gevent.sleep(delay - EARLY_START_S / 2)
            pool.spawn(job)
        pool.join()

    def spawn_later(origin: float) -> None:
        started = []
        for k in range(arrivals):
            delay = max(0.0, origin + k / rate - time.perf_counter())
            started.append(gevent.spawn_later(delay, job))
            if k % 64 == 0:
                gevent.sleep(0)  # let the first ones run while the rest are being set
        gevent.joinall(started)

    def workers(origin: float) -> None:
        feed = iter(range(arrivals))
        group = gevent.pool.Group()
        busy = [0]

        def work() -> None:
            for k in feed:
                delay = origin + k / rate - time.perf_counter()
                if delay > EARLY_START_S:
                    gevent.sleep(delay - EARLY_START_S / 2)
                busy[0] += 1
                if busy[0] == len(group):
                    group.spawn(work)
                job()
                busy[0] -= 1

        group.spawn(work)
        group.join()

    run: Callable[[float], None] = {
        "sleep_and_spawn": sleep_and_spawn,
        "spawn_later": spawn_later,
        "workers": workers,
    }[design]
    cpu, wall = time.process_time(), time.perf_counter()
    run(wall)
    return {
        "cpu_us_per_arrival": (time.process_time() - cpu) / arrivals * 1e6,
        "wall_s": time.perf_counter() - wall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dispatch_bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--arrivals", type=int, default=6000)
    parser.add_argument("--child", choices=DESIGNS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.rate, args.arrivals)))
        return 0
    runs = []
    for index in range(args.runs):
        run = {"load_average_start": os.getloadavg()[0]}
        for design in DESIGNS[index % 3 :] + DESIGNS[: index % 3]:
            command = ["taskset", "-c", "0", sys.executable, "-m", "benchmarks.dispatch_bench"]
            command += ["--child", design, "--rate", str(args.rate)]
            command += ["--arrivals", str(args.arrivals)]
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            run[f"{design}_cpu_us"] = json.loads(done.stdout)["cpu_us_per_arrival"]
        run["workers_over_sleep_and_spawn"] = run["workers_cpu_us"] / run["sleep_and_spawn_cpu_us"]
        runs.append(run)
        print(f"run {index + 1}: " + json.dumps({k: round(v, 3) for k, v in run.items()}))
    print_medians(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
