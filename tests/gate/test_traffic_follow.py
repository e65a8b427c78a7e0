"""How a gate follows its load generator's status file (`slogate.gate.traffic._follow`).

The generator writes `status.json` once a second; the gate reads it every 0.2 s. The stand-in
generator here is a real child process that writes the file as the generator does (atomically,
with its own elapsed time), every half second to keep the test short, at a steady 100 starts a
second: no Locust, because what is tested is the gate's reading of the file, not the load.
"""

from __future__ import annotations

import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from slogate.gate.traffic import TrafficContext, TrafficOutcome, _follow
from slogate.load.status import LoadStatus

RATE = 100
WRITES = 4
EVERY_S = 0.5
WRITER = f"""
import json, os, sys, time
folder = sys.argv[1]
began = time.time()
for k in range(1, {WRITES} + 1):
    time.sleep(max(0.0, began + {EVERY_S} * k - time.time()))
    status = {{"elapsed_s": {EVERY_S} * k, "duration_s": {WRITES * EVERY_S},
              "starts": int({RATE * EVERY_S} * k), "completed": int({RATE * EVERY_S} * k)}}
    with open(os.path.join(folder, "status.tmp"), "w") as out:
        json.dump(status, out)
    os.replace(os.path.join(folder, "status.tmp"), os.path.join(folder, "status.json"))
time.sleep(0.5)
"""


def test_each_status_is_seen_once_with_its_own_elapsed_time(tmp_path: Path) -> None:
    """Before, every poll handed on the last status with the poll's elapsed time: counts as
    of one second with the time of a later one, so a rate between two polls read 0/s (the
    progress line of every gate said `rate 0.0/s`)."""
    seen: list[LoadStatus] = []
    context = TrafficContext(
        plan=cast(Any, SimpleNamespace(duration_s=WRITES * EVERY_S)),
        stack="follow",
        run_id="follow",
        run_dir=tmp_path,
        ledger=cast(Any, None),  # no experiment: the ledger is not read
        on_status=seen.append,
    )
    outcome = TrafficOutcome(load_dir=tmp_path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)])
    try:
        _follow(context, outcome, cast(Any, writer))
    finally:
        writer.wait(timeout=30)
    assert outcome.problems == []
    assert [status.elapsed_s for status in seen] == [EVERY_S * k for k in range(1, WRITES + 1)]
    rates = [
        (later.starts - earlier.starts) / (later.elapsed_s - earlier.elapsed_s)
        for earlier, later in pairwise(seen)
    ]
    assert rates == [RATE] * (WRITES - 1)
