"""`slogate status`: each part of a stack, its port, readiness, restarts and active faults."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import httpx
from rich.console import Console
from rich.table import Table

from slogate.cli._stack_options import stack_option
from slogate.errors import ExitCode
from slogate.platform.local import haproxy
from slogate.platform.local.readiness import http_ok, redis_answers
from slogate.platform.state import PartState, StackState, require_state


def _supervisor_view(state: StackState) -> dict[str, Any] | None:
    if state.supervisor_url is None:
        return None
    try:
        response = httpx.get(f"{state.supervisor_url}/status", timeout=2.0)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result
    except (httpx.HTTPError, ValueError):
        return None


def _ready(part: PartState, readiness_path: str, edge: dict[str, str]) -> str:
    if part.port is None:
        return "-"
    if part.kind == "redis":
        return "yes" if redis_answers(part.port) else "no"
    if part.kind == "replica":
        direct = http_ok(f"{part.url}{readiness_path}")
        return ("yes" if direct else "no") + (
            f" (edge: {edge[part.name]})" if part.name in edge else ""
        )
    if part.kind == "prometheus":
        return "yes" if http_ok(f"{part.url}/-/ready") else "no"
    if part.kind == "supervisor":
        return "yes" if http_ok(f"{part.url}/metrics") else "no"
    return "yes" if http_ok(f"http://127.0.0.1:{part.extra.get('metrics_port')}/metrics") else "no"


def part_rows(state: StackState, readiness_path: str = "/health/readiness") -> list[dict[str, Any]]:
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
    rows = []
    for part in state.parts:
        live = supervised.get(part.name, {})
        rows.append(
            {
                "part": part.name,
                "port": part.port,
                "pid": live.get("pid") or (part.process.pid if part.process else None),
                "running": live.get(
                    "running", part.process is not None and part.process.is_running()
                ),
                "ready": _ready(part, readiness_path, edge_status),
                "restarts": live.get("restarts", "?" if view is None else 0),
                "faults": ", ".join(
                    f"{f['action']} ({f['expires_at'] - f['applied_at']:.0f} s, id {f['id']})"
                    for f in faults
                    if f["part"] == part.name
                ),
            }
        )
    return rows


@click.command("status")
@stack_option
def status(stack: str) -> ExitCode:
    """Show each part, its port, readiness, restart count and active faults."""
    state = require_state(stack)
    rows = part_rows(state)
    supervisor = next((p.process for p in state.parts if p.kind == "supervisor"), None)
    supervisor_alive = supervisor is not None and supervisor.is_running()
    columns = ["part", "port", "pid", "running", "ready", "restarts", "faults"]
    if sys.stdout.isatty():
        table = Table(
            title=f"stack {stack!r}  edge {state.edge_url}  prometheus {state.prometheus_url}"
        )
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(row[c]) if row[c] is not None else "-" for c in columns))
        Console().print(table)
    else:
        click.echo(f"stack {stack} edge={state.edge_url} prometheus={state.prometheus_url}")
        for row in rows:
            click.echo(
                " ".join(f"{c}={row[c] if row[c] not in (None, '') else '-'}" for c in columns)
            )
    if not supervisor_alive:
        click.echo(
            f"the supervisor of stack {stack!r} is not running, so nothing restarts its parts: "
            f"clean up with `slogate down --stack {stack}`, then `slogate up --stack {stack}`",
            err=True,
        )
        return ExitCode.INFRASTRUCTURE
    return ExitCode.OK
