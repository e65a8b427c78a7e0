"""Weakened copies of the reference target: its app with something put in front of every
/api/ request (health probes and /metrics pass untouched). A wrapper run as a module, not a
flag of the reference service: `serve_wrapped(before_api)` patches `create_app` and serves
exactly as `python -m target_service` does."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

import target_service.main as application
from target_service.__main__ import main

ASGIApp = Callable[..., Any]
# wraps one /api/ request: gets the app's call (scope, receive, send already bound)
BeforeApi = Callable[[Callable[[], Awaitable[None]]], Awaitable[None]]


def wrapped(
    create_app: Callable[..., ASGIApp], around_api: Callable[[], BeforeApi]
) -> Callable[..., ASGIApp]:
    """`create_app` whose app runs every /api/ request through `around_api()` (one per app)."""

    def create(*args: Any, **kwargs: Any) -> ASGIApp:
        app = create_app(*args, **kwargs)
        around = around_api()

        async def wrapped_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http" or not scope["path"].startswith("/api/"):
                await app(scope, receive, send)
                return
            await around(lambda: app(scope, receive, send))

        return wrapped_app

    return create


def serve_wrapped(around_api: Callable[[], BeforeApi]) -> None:
    """Serve the reference target with `around_api` in front of its API; exits with it."""
    application.create_app = wrapped(application.create_app, around_api)  # type: ignore[assignment]
    sys.exit(main())
