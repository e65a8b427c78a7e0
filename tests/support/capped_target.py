"""The reference target with a concurrency cap built in: a weakened service that cannot hold
a gate's rate. `python -m tests.support.capped_target` serves target_service exactly as
`python -m target_service` does, except that each replica admits one API request at a time
and holds it CAPPED_HOLD_S seconds (default 0.04) before handling it: at most 1 / 0.04 = 25
requests per second per replica, the rest queue in front of the app, as in front of a full
worker pool. A sleep, not a busy loop, so it caps one replica without taking the CPU the
load generator and the other replicas need."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

from tests.support.api_wrapper import BeforeApi, serve_wrapped

HOLD_S = float(os.environ.get("CAPPED_HOLD_S", "0.04"))


def one_at_a_time() -> BeforeApi:
    """Admit one /api/ request at a time, each held HOLD_S first."""
    gate = asyncio.Semaphore(1)

    async def around(handle: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await asyncio.sleep(HOLD_S)
            await handle()

    return around


if __name__ == "__main__":
    serve_wrapped(one_at_a_time)
