"""CPU seconds of this Locust process over its load, for the benchmark's CPU-per-request mode.

Imported first by the copies of the locustfiles that `benchmarks.load_cpu_bench` writes. With
`SLOGATE_BENCH_CPU_FILE` set, the process time (user + system, every thread) from the test's
start to Locust quitting is written there as JSON; with `SLOGATE_BENCH_PROFILE_FILE` also set,
that span runs under cProfile, timed by CPU time (a wall-clock profile of a gevent process
puts its idle time in `gevent.sleep`), and the stats are dumped there. Imports and start-up
are outside the span.
"""

import cProfile
import json
import os
import time
from typing import Any

from locust import events

_state: dict[str, Any] = {}


@events.test_start.add_listener
def _started(**_):
    if "cpu" in _state:
        return
    if os.environ.get("SLOGATE_BENCH_PROFILE_FILE"):
        _state["profile"] = cProfile.Profile(time.process_time)
        _state["profile"].enable()
    _state["cpu"] = time.process_time()
    _state["wall"] = time.perf_counter()


@events.quitting.add_listener
def _quitting(**_):
    target = os.environ.get("SLOGATE_BENCH_CPU_FILE")
    if "cpu" not in _state or not target:
        return
    cpu = time.process_time() - _state["cpu"]
    wall = time.perf_counter() - _state["wall"]
    if "profile" in _state:
        _state["profile"].disable()
        _state["profile"].dump_stats(os.environ["SLOGATE_BENCH_PROFILE_FILE"])
    with open(target, "w") as handle:
        json.dump({"cpu_s": cpu, "wall_s": wall}, handle)
