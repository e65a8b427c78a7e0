"""The starter project `slogate init` writes for a service: slogate.yaml (the service and one
gate), an SLO file naming the service's metrics, a locustfile and its profiles.

`starter_files(Starter(...))` returns {relative path: text} and writes nothing; the face
refuses to overwrite and writes them. The gate is sized so the pre-flight accepts it: its
baseline lasts long enough for 1.25x the requests the availability objective needs at the
chosen rate (99.9 % at 50 req/s: 75 s after a 3 s warm-up).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from slogate.errors import UsageError
from slogate.slo.service_metrics import DEFAULT_METRICS
from slogate.slo.stats import required_requests

WARMUP_S = 3.0
MARGIN = 1.25  # requests planned over those a PASS needs (the plan is +-10 %)
MIN_LOAD_S = 10.0

# How common frameworks name their request metrics (docs/own-service.md; the defaults are
# prometheus_client's as target_service uses it).
FRAMEWORKS: dict[str, dict[str, Any]] = {
    "prometheus-client": DEFAULT_METRICS.model_dump(mode="json"),
    "prom-client": {
        "requests": "http_request_duration_seconds_count",
        "duration": "http_request_duration_seconds",
        "route_label": "route",
        "status_label": "status_code",
        "errors": "5..",
        "buckets": [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    },
    "micrometer": {
        "requests": "http_server_requests_seconds_count",
        "duration": "http_server_requests_seconds",
        "route_label": "uri",
        "status_label": "status",
        "errors": "5..",
        "buckets": [0.1, 0.5, 1.0],
    },
}
_PATH = re.compile(r"^/[^\s]*$")


@dataclass(frozen=True)
class Starter:
    """What `slogate init` was told about the service."""

    name: str
    command: list[str]
    health_path: str
    metrics_path: str
    routes: list[str] = field(default_factory=lambda: ["/api/"])
    api_prefix: str = "/api/"
    framework: str = "prometheus-client"
    port_env: str | None = None
    rate: float = 50.0
    availability: float = 0.999

    def check(self) -> None:
        """UsageError naming the flag when something cannot make a working project."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", self.name):
            raise UsageError(f"--name {self.name!r}: lower-case letters, digits, - _ . only")
        for flag, path in (("--health", self.health_path), ("--metrics", self.metrics_path)):
            if not _PATH.match(path):
                raise UsageError(f"{flag} {path!r}: a URL path starting with /")
        for route in self.routes:
            if not _PATH.match(route) or not route.startswith(self.api_prefix):
                raise UsageError(
                    f"--route {route!r}: a path under the API prefix {self.api_prefix!r} "
                    "(--api-prefix), which the SLO counts"
                )
        if "{port}" not in " ".join(self.command) and self.port_env is None:
            raise UsageError(
                "--command: the service must learn its port: put {port} in the command "
                "(and {host}), or name the variable it reads with --port-env"
            )
        if not 0 < self.availability < 1:
            raise UsageError(f"--availability {self.availability:g}: a share, e.g. 0.999")


def load_seconds(rate: float, availability: float) -> float:
    """How long the starter gate's load lasts: warm-up plus 1.25x the requests needed."""
    needed = required_requests(availability) * MARGIN / rate
    return max(MIN_LOAD_S, math.ceil(WARMUP_S + needed))


def _yaml(header: str, data: dict[str, Any]) -> str:
    return header + yaml.safe_dump(data, sort_keys=False, width=100)


def _config(starter: Starter) -> str:
    service: dict[str, Any] = {
        "command": starter.command,
        "readiness_path": starter.health_path,
        "metrics_path": starter.metrics_path,
        "replicas": 3,
    }
    if starter.port_env is not None:
        service["port_env"] = starter.port_env
    gate = {
        "description": "Steady load, no chaos: availability and p95 latency hold.",
        "load": {"profile": "smoke"},
        "warmup_s": WARMUP_S,
        "slo": f"slo/{starter.name}.yaml",
        "objectives": {"baseline": ["availability", "p95-under-500ms"]},
    }
    header = (
        f"# slogate.yaml for {starter.name}, written by `slogate init`. Every key is documented\n"
        "# in slogate's own slogate.yaml; `slogate validate` checks this file.\n"
    )
    return _yaml(header, {"service": service, "gates": {"smoke": gate}})


def _slo(starter: Starter) -> str:
    metrics = {**FRAMEWORKS[starter.framework], "routes": f"{re.escape(starter.api_prefix)}.*"}
    spec = {
        "apiVersion": "slogate.dev/v1",
        "kind": "SLO",
        "metadata": {"name": starter.name},
        "spec": {
            "service": starter.name,
            "metrics": metrics,
            "objectives": [
                {"name": "availability", "sli": "availability", "target": starter.availability,
                 "measured_at": ["server", "client", "edge"]},
                {"name": "p95-under-500ms", "sli": "latency", "threshold": 0.5, "target": 0.95,
                 "measured_at": ["server", "client"]},
            ],
        },
    }  # fmt: skip
    header = (
        f"# {starter.name}'s SLOs (written by `slogate init`; docs/own-service.md). spec.metrics\n"
        f"# names the service's request metrics ({starter.framework}'s names): check them\n"
        f"# against {starter.metrics_path}.\n"
    )
    return _yaml(header, spec)


def _profiles(starter: Starter) -> str:
    duration = load_seconds(starter.rate, starter.availability)
    profile = {
        "description": f"{starter.rate:g} req/s for {duration:g} s: enough requests for the "
        f"{starter.availability:g} availability objective after the warm-up.",
        "rate": starter.rate,
        "duration_s": duration,
        "arrivals": "uniform",
        "seed": 1,
    }
    header = "# Load profiles (loadtests/README.md).\n"
    return _yaml(header, {"profiles": {"smoke": profile}})


def _locustfile(starter: Starter) -> str:
    actions = "\n".join(
        f'    Action("GET", {route!r}, 1, lambda rng: PreparedRequest({route!r})),'
        for route in starter.routes
    )
    return (
        f'"""The request mix for {starter.name} (written by `slogate init`; add your\n'
        'requests: loadtests/README.md)."""\n\n'
        "from slogate.locust import Action, PreparedRequest, open_model_user\n\n"
        "ACTIONS = [  # method, route template (the server's), weight, request builder\n"
        f"{actions}\n]\n"
        "OpenModelUser = open_model_user(ACTIONS)\n"
    )


def starter_files(starter: Starter) -> dict[str, str]:
    """{path relative to the project folder: text} of the starter project."""
    starter.check()
    return {
        "slogate.yaml": _config(starter),
        f"slo/{starter.name}.yaml": _slo(starter),
        "loadtests/locustfile.py": _locustfile(starter),
        "loadtests/profiles.yaml": _profiles(starter),
    }
