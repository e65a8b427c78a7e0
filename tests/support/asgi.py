"""What the suite's tiny ASGI services share (no framework: each is a bare `app` served by
uvicorn): the lifespan handshake and sending one whole response."""

from __future__ import annotations

from typing import Any

Receive = Any
Send = Any


async def serve_lifespan(receive: Receive, send: Send) -> None:
    """Answer uvicorn's lifespan messages (start-up, then shut-down) until it shuts down."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def respond(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    """Send one whole response."""
    headers = [(b"content-type", content_type)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
