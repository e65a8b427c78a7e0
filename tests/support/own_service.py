"""A project folder that gates someone else's service (tests/support/micrometer_service.py)
with content only: slogate.yaml, an SLO file naming the service's own metrics, and
loadtests/README.md's example locustfile as written there. No engine code, no null keys."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.cli import REPO
from tests.support.stopping import terminate
from tests.support.waiting import free_port, wait_until

SERVICE_COMMAND = [
    "{python}", "-m", "uvicorn", "tests.support.micrometer_service:app",
    "--host", "{host}", "--port", "{port}", "--no-access-log", "--log-level", "warning",
]  # fmt: skip
SERVICE = {
    "command": SERVICE_COMMAND,
    "working_dir": str(REPO),
    "readiness_path": "/actuator/health",
    "metrics_path": "/actuator/prometheus",
}
# The service's metrics as Micrometer names them (docs/examples/slo-spring-boot.yaml), with
# objectives a short gate can decide: 99 % needs 299 requests, 95 % needs 59.
METRICS = {
    "requests": "http_server_requests_seconds_count",
    "duration": "http_server_requests_seconds",
    "route_label": "uri",
    "routes": "/api/.*",
    "status_label": "status",
    "errors": "5..",
    "buckets": [0.1, 0.5, 1.0],
}
SLO: dict[str, Any] = {
    "apiVersion": "slogate.dev/v1",
    "kind": "SLO",
    "metadata": {"name": "items"},
    "spec": {
        "service": "items",
        "metrics": METRICS,
        "objectives": [
            {"name": "availability", "sli": "availability", "target": 0.99,
             "measured_at": ["server", "client", "edge"]},
            {"name": "p95-under-500ms", "sli": "latency", "threshold": 0.5, "target": 0.95,
             "measured_at": ["server", "client"]},
        ],
    },
}  # fmt: skip
PROFILES = {"profiles": {"steady": {"rate": 60, "duration_s": 14, "arrivals": "uniform"}}}
GATE = {
    "load": {"profile": "steady"},
    "warmup_s": 3,
    "slo": "slo/items.yaml",
    "objectives": {"baseline": ["availability", "p95-under-500ms"]},
}


def readme_locustfile() -> str:
    """The example locustfile of loadtests/README.md, verbatim."""
    text = (REPO / "loadtests" / "README.md").read_text()
    after = text.split("The smallest one for your own service:", 1)[1]
    match = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert match, "loadtests/README.md lost its example locustfile"
    return match.group(1)


def write_project(folder: Path, env: dict[str, str] | None = None, **slo: Any) -> Path:
    """The project in `folder` (the service weakened by `env`, the SLO spec updated by
    `slo`); the path of its slogate.yaml."""
    (folder / "loadtests").mkdir(parents=True)
    (folder / "slo").mkdir()
    (folder / "loadtests" / "locustfile.py").write_text(readme_locustfile())
    (folder / "loadtests" / "profiles.yaml").write_text(yaml.safe_dump(PROFILES))
    spec = {**SLO, "spec": {**SLO["spec"], **slo}}
    (folder / "slo" / "items.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    service = {**SERVICE, "env": dict(env or {})}
    config = {"service": service, "gates": {"own-smoke": GATE}}
    path = folder / "slogate.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@contextmanager
def running_items_service(log: Path) -> Iterator[str]:
    """One uvicorn process of the service on a free port (its URL); stopped afterwards."""
    port = free_port()
    command = [
        arg.format(python=sys.executable, host="127.0.0.1", port=port) for arg in SERVICE_COMMAND
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the service exited: {log.read_text(errors='replace')}")
        try:
            return httpx.get(url + "/actuator/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(ready, 30, interval=0.05, what="the items service ready")
        yield url
    finally:
        terminate(process)
