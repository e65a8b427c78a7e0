"""The reference target made CPU-heavy: a weakened service whose every API request costs more
CPU. `python -m tests.support.cpu_heavy_target` serves target_service exactly as `python -m
target_service` does, except that each /api/ request first burns CPU_BURN_MS milliseconds of
the event loop thread's CPU time (default 8) in a busy loop, before the app handles it.

A busy loop, not a sleep: an async service sleeps concurrently, so a sleep adds latency but
no load and would not lower its capacity; CPU spent on the event loop does. The loop counts
the thread's CPU time (`time.thread_time`), not the wall clock, so on a busy machine the
request still costs the same CPU, however long the scheduler keeps the process waiting."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable

from tests.support.api_wrapper import BeforeApi, serve_wrapped

BURN_S = float(os.environ.get("CPU_BURN_MS", "8")) / 1000


def burn_cpu(seconds: float) -> int:
    """Spin until this thread has used `seconds` of CPU; the number of turns (kept, so the
    loop's work is not optimised away)."""
    until = time.thread_time() + seconds
    turns = 0
    while time.thread_time() < until:
        turns += 1
    return turns


def cpu_heavy() -> BeforeApi:
    async def around(handle: Callable[[], Awaitable[None]]) -> None:
        burn_cpu(BURN_S)
        await handle()

    return around


if __name__ == "__main__":
    serve_wrapped(cpu_heavy)
