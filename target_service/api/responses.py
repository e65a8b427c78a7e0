"""Answers shared by the API routers: problem bodies and the stale-data header."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from target_service.core.redis_gateway import ReadResult
from target_service.domain.models import Problem

STALE_HEADER = "X-Fallback"
STALE_VALUE = "last-known-value"

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not found"}}
BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body could not be parsed"}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "Still has children"}
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Problem,
        "description": "The data store is unavailable and no last known value exists",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}


def record_response(result: ReadResult[str]) -> Response:
    """A stored record as it is: it was validated against the model when written, so reads
    skip parsing and re-serialising it (the biggest share of a read's CPU time)."""
    response = Response(result.value, media_type="application/json")
    mark_stale(response, result.stale)
    return response


def page_response(result: ReadResult[tuple[int, list[str]]], offset: int, limit: int) -> Response:
    """A `Page` assembled from stored records (see `record_response`)."""
    total, items = result.value
    body = f'{{"items":[{",".join(items)}],"total":{total},"offset":{offset},"limit":{limit}}}'
    response = Response(body, media_type="application/json")
    mark_stale(response, result.stale)
    return response


def mark_stale(response: Response, stale: bool) -> None:
    """Tell the client the body is the last known value, served while Redis is unavailable."""
    if stale:
        response.headers[STALE_HEADER] = STALE_VALUE
