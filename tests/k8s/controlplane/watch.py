"""Watching the API server: every change is seen, none is sampled."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

CONNECT_TIMEOUT_S = 5.0


def listed(
    client: httpx.Client, path: str, params: dict[str, str]
) -> tuple[list[dict[str, Any]], str]:
    """A list's items and its resourceVersion, to watch from exactly that point on."""
    response = client.get(path, params=params)
    response.raise_for_status()
    body = response.json()
    return list(body["items"]), str(body["metadata"]["resourceVersion"])


def watch_until(
    client: httpx.Client,
    path: str,
    params: dict[str, str],
    resource_version: str,
    done: Callable[[str, dict[str, Any]], bool],
    timeout: float,
) -> None:
    """Feed each watch event (type, object) from `resource_version` on to `done` until it
    returns True; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout} s watching {path} {params}")
        query = params | {
            "watch": "1",
            "resourceVersion": resource_version,
            "timeoutSeconds": str(max(1, int(remaining))),
            "allowWatchBookmarks": "true",
        }
        read_timeout = httpx.Timeout(CONNECT_TIMEOUT_S, read=remaining + CONNECT_TIMEOUT_S)
        with client.stream("GET", path, params=query, timeout=read_timeout) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.strip():
                    continue
                event = json.loads(line)
                if event["type"] == "ERROR":
                    raise AssertionError(f"watch on {path} failed: {event['object']}")
                resource_version = event["object"]["metadata"]["resourceVersion"]
                if event["type"] != "BOOKMARK" and done(event["type"], event["object"]):
                    return
                if time.monotonic() > deadline:
                    break
