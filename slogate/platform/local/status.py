"""What `slogate status` shows of a local stack: each part, asked directly and through its
supervisor (restarts, faults) and the edge (what HAProxy thinks of each replica)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from slogate.errors import InfrastructureError
from slogate.host.ports import HOST
from slogate.platform.base import PartRow
from slogate.platform.local import haproxy, toxiproxy
from slogate.platform.local.readiness import http_ok, redis_answers
from slogate.platform.local.redis import stack_redis
from slogate.platform.state import PartState, StackState

HTTP_TIMEOUT_S = 2.0


def _supervisor_view(state: StackState) -> dict[str, Any] | None:
    if state.supervisor_url is None:
        return None
    try:
        response = httpx.get(f"{state.supervisor_url}/status", timeout=HTTP_TIMEOUT_S)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result
    except (httpx.HTTPError, ValueError):
        return None


def _redis_ready(state: StackState) -> str:
    try:
        access = stack_redis(state)
    except InfrastructureError as error:
        return f"unknown ({error})"
    return "yes" if redis_answers(access.port, access.password) else "no"


def _ready(state: StackState, part: PartState, readiness_path: str, edge: dict[str, str]) -> str:
    if part.port is None:
        return "-"
    if part.kind == "redis":
        return _redis_ready(state)
    if part.kind == "replica":
        direct = http_ok(f"{part.url}{readiness_path}")
        return ("yes" if direct else "no") + (
            f" (edge: {edge[part.name]})" if part.name in edge else ""
        )
    if part.kind == "prometheus":
        return "yes" if http_ok(f"{part.url}/-/ready") else "no"
    if part.kind == "supervisor":
        return "yes" if http_ok(f"{part.url}/metrics") else "no"
    if part.kind == "fault-proxy":
        return "yes" if http_ok(f"{part.url}/version") else "no"
    return "yes" if http_ok(f"http://{HOST}:{part.extra.get('metrics_port')}/metrics") else "no"


def part_rows(state: StackState, readiness_path: str) -> list[PartRow]:
    """One row per part, as `slogate status` shows it."""
    view = _supervisor_view(state)
    supervised = {p["name"]: p for p in view["parts"]} if view else {}
    faults = view["faults"] if view else []
    edge_status: dict[str, str] = {}
    try:
        socket_path = Path(str(state.part("edge").extra.get("runtime_socket", "")))
        edge_status = haproxy.server_status(socket_path)
    except (KeyError, OSError):
        pass
    toxics = _toxics(state)
    rows = []
    for part in state.parts:
        live = supervised.get(part.name, {})
        rows.append(
            PartRow(
                part=part.name,
                port=part.port,
                pid=live.get("pid") or (part.process.pid if part.process else None),
                running=live.get("running", part.process is not None and part.process.is_running()),
                ready=_ready(state, part, readiness_path, edge_status),
                restarts=live.get("restarts", "?" if view is None else 0),
                faults=", ".join(
                    [
                        f"{f['action']} ({f['expires_at'] - f['applied_at']:.0f} s, id {f['id']})"
                        for f in faults
                        if f["part"] == part.name
                    ]
                    + toxics.get(part.name, [])
                ),
            )
        )
    return rows


def _toxics(state: StackState) -> dict[str, list[str]]:
    """Each replica's Toxiproxy toxics (`faults: toxiproxy`), as `type toxic (name)`."""
    url = next((p.url for p in state.parts_of_kind("fault-proxy")), None)
    if url is None:
        return {}
    try:
        found = toxiproxy.proxies(url)
    except (httpx.HTTPError, ValueError):
        return {}
    return {
        name: [f"{t['type']} toxic ({t['name']})" for t in proxy.get("toxics") or []]
        for name, proxy in found.items()
    }


def supervisor_alive(state: StackState) -> bool:
    supervisor = next((p.process for p in state.parts if p.kind == "supervisor"), None)
    return supervisor is not None and supervisor.is_running()
