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
import sys
from collections.abc import Callable
from typing import Any

import target_service.main as application
from target_service.__main__ import main

HOLD_S = float(os.environ.get("CAPPED_HOLD_S", "0.04"))

ASGIApp = Callable[..., Any]


def capped(create_app: Callable[..., ASGIApp]) -> Callable[..., ASGIApp]:
    """`create_app` whose app admits one /api/ request at a time, each held HOLD_S first."""

    def create(*args: Any, **kwargs: Any) -> ASGIApp:
        app = create_app(*args, **kwargs)
        one_at_a_time = asyncio.Semaphore(1)

        async def capped_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http" or not scope["path"].startswith("/api/"):
                await app(scope, receive, send)
                return
            async with one_at_a_time:
                await asyncio.sleep(HOLD_S)
                await app(scope, receive, send)

        return capped_app

    return create


if __name__ == "__main__":
    application.create_app = capped(application.create_app)  # type: ignore[assignment]
    sys.exit(main())
