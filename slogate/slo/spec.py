"""The SLO spec format (`slo/*.yaml`), in the spirit of OpenSLO and slo-generator.

    apiVersion: slogate.dev/v1
    kind: SLO
    metadata: {name: target-service}
    spec:
      service: target_service
      period: 30d                      # the objective's period (alert rules)
      scrape_interval: 1s              # used when no stack state says otherwise
      metrics:                         # the server's metric names (service_metrics.py);
        requests: http_requests_total  # these are the defaults (target_service's)
        routes: "/api/.*"
      slis:                            # custom SLIs (built-ins need no entry)
        checkout:
          good: 'orders_total{outcome="ok"}'
          total: 'orders_total'
      objectives:
        - name: availability
          sli: availability            # built-in or a key of `slis`
          target: 0.999                # share of good requests
          measured_at: [server, client, edge]
        - name: p95-under-500ms
          sli: latency
          threshold: 0.5               # seconds; must equal a bucket boundary
          target: 0.95
          measured_at: [server, client]
        - name: edge-absorbed-nothing
          sli: edge_absorbed           # requests the edge retried, redispatched or saw cut
          max_count: 0                 # a count, not a share
          measured_at: [edge]

`load_spec` returns a validated `SLOSpec` or raises `ConfigError` naming the file, the path to
the field (`spec.objectives[2].threshold`) and what was expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from slogate.errors import ConfigError
from slogate.slo.selector_syntax import SELECTOR
from slogate.slo.service_metrics import TARGET_LATENCY_BUCKETS, ServiceMetrics
from slogate.yaml_files import read_yaml

# The target's event-loop lag histogram buckets (event_loop_lag_seconds).
TARGET_LAG_BUCKETS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
)  # fmt: skip

DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus-style duration (`500ms`, `5m`, `30d`); ValueError otherwise."""
    match = DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 500ms, 30s, 5m, 1h or 30d")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class Place(StrEnum):
    """Where an SLI is measured."""

    SERVER = "server"
    CLIENT = "client"
    EDGE = "edge"


class BuiltinSLI(StrEnum):
    """SLIs slogate knows for the target's metric contract."""

    AVAILABILITY = "availability"
    LATENCY = "latency"
    THROUGHPUT = "throughput"
    EVENT_LOOP_LAG = "event_loop_lag"
    STARTUP = "startup"
    EDGE_ABSORBED = "edge_absorbed"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomSLI(Strict):
    """A ratio SLI from counters: good/total, or bad/total (one of good or bad).

    Each is an instant-vector selector of counters (not an expression): slogate counts them
    with reset-aware raw deltas. A latency-like custom SLI names a histogram instead.
    """

    good: str | None = Field(default=None, description="selector of good-event counters")
    bad: str | None = Field(default=None, description="selector of bad-event counters")
    total: str | None = Field(default=None, description="selector of all-event counters")
    histogram: str | None = Field(
        default=None, description="histogram selector without _bucket, e.g. 'x_seconds{job=\"a\"}'"
    )
    buckets: list[float] = Field(default_factory=list, description="the histogram's `le` bounds")

    @field_validator("good", "bad", "total", "histogram")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is not None and (not SELECTOR.fullmatch(value) or value.strip() == "{}"):
            raise ValueError(
                "a counter selector like 'metric_total{label=\"value\"}' (no functions: "
                "slogate counts raw reset-aware deltas itself)"
            )
        return value


class Objective(Strict):
    """One objective: what share (or rate, or duration) an SLI must meet, and where."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    sli: str
    description: str = ""
    target: float | None = Field(default=None, gt=0, lt=1, description="good share, e.g. 0.999")
    threshold: float | None = Field(default=None, gt=0, description="seconds (latency, startup)")
    interpolate: bool = False
    min_rps: float | None = Field(default=None, gt=0, description="throughput: requests/s")
    min_share_of_offered: float | None = Field(default=None, gt=0, le=1)
    max_count: int | None = Field(
        default=None, ge=0, description="edge_absorbed: the most absorbed requests allowed"
    )
    measured_at: list[Place] = Field(default_factory=lambda: [Place.SERVER], min_length=1)
    client_timing: Literal["service", "intended"] = "intended"
    gating: bool | None = Field(
        default=None, description="a non-gating objective is reported but never sets the exit code"
    )

    def is_gating(self) -> bool:
        """Gating unless said otherwise; event-loop lag is reported only by default."""
        if self.gating is not None:
            return self.gating
        return self.sli != BuiltinSLI.EVENT_LOOP_LAG

    @property
    def allowed_bad_share(self) -> float:
        """1 - target (ratio and latency objectives)."""
        assert self.target is not None
        return 1.0 - self.target


class Metadata(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str = ""
    labels: dict[str, str] = Field(default_factory=dict)


class Spec(Strict):
    service: str
    period: str = "30d"
    scrape_interval: str = "1s"
    metrics: ServiceMetrics = Field(
        default_factory=ServiceMetrics, description="the server's request metric names"
    )
    slis: dict[str, CustomSLI] = Field(default_factory=dict)
    objectives: list[Objective] = Field(min_length=1)

    @field_validator("period", "scrape_interval")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class SLOSpec(Strict):
    """A whole `slo/*.yaml` document."""

    apiVersion: Literal["slogate.dev/v1"]
    kind: Literal["SLO"]
    metadata: Metadata
    spec: Spec

    @property
    def period_s(self) -> float:
        return parse_duration(self.spec.period)

    @property
    def scrape_interval_s(self) -> float:
        return parse_duration(self.spec.scrape_interval)

    def only(self, keep: Callable[[Objective], bool]) -> SLOSpec:
        """This spec with only the objectives `keep` chooses, in their order (what a phase or
        a capacity step judges); not validated again, so it may have none."""
        chosen = [o for o in self.spec.objectives if keep(o)]
        return self.model_copy(update={"spec": self.spec.model_copy(update={"objectives": chosen})})


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _check_objective(spec: SLOSpec, index: int, objective: Objective, path: str) -> None:
    here = f"spec.objectives[{index}]"

    def fail(field: str, expected: str) -> ConfigError:
        return ConfigError(path, f"{here}.{field}" if field else here, expected)

    custom = spec.spec.slis.get(objective.sli)
    builtins = {b.value for b in BuiltinSLI}
    if custom is None and objective.sli not in builtins:
        known = sorted(builtins | set(spec.spec.slis))
        raise fail("sli", f"one of {', '.join(known)} (got {objective.sli!r})")
    kind = objective.sli if custom is None else "custom"
    places = set(objective.measured_at)
    if len(places) != len(objective.measured_at):
        raise fail("measured_at", "each place at most once")
    if kind in ("latency", "event_loop_lag", "startup") and Place.EDGE in places:
        raise fail(
            "measured_at",
            "server or client: HAProxy's exporter has no latency histogram, so the edge can "
            "only measure availability and throughput",
        )
    if kind in ("event_loop_lag", "startup") and places != {Place.SERVER}:
        raise fail("measured_at", f"[server]: {kind} is a server-side measurement")
    if kind == "custom" and len(places) != 1:
        raise fail("measured_at", "one place: a custom SLI has one set of selectors")
    if kind in ("availability", "latency", "event_loop_lag", "custom") and objective.target is None:
        raise fail("target", "a good share between 0 and 1, e.g. 0.999")
    if kind == "throughput" and (objective.min_rps is None) == (
        objective.min_share_of_offered is None
    ):
        raise fail("min_rps", "exactly one of min_rps or min_share_of_offered")
    if kind == "edge_absorbed":
        if places != {Place.EDGE}:
            raise fail("measured_at", "[edge]: only the edge sees the requests it absorbed")
        if objective.max_count is None:
            raise fail("max_count", "the most absorbed requests allowed (0: zero downtime)")
        if objective.target is not None:
            raise fail("target", "no target: edge_absorbed is a count (use max_count)")
    elif objective.max_count is not None:
        raise fail("max_count", f"only for sli edge_absorbed (this objective's sli is {kind})")
    if kind == "startup" and objective.threshold is None:
        raise fail("threshold", "the longest start-up allowed, in seconds")
    buckets: tuple[float, ...] | None = None
    if kind == "latency":
        # the server's histogram is the service's own; the client's is slogate's
        if Place.SERVER in places:
            _check_threshold(
                objective, spec.spec.metrics.buckets, "the server's (spec.metrics.buckets)", fail
            )
        buckets = TARGET_LATENCY_BUCKETS if Place.CLIENT in places else None
    elif kind == "event_loop_lag":
        buckets = TARGET_LAG_BUCKETS
    elif custom is not None and custom.histogram is not None:
        buckets = tuple(custom.buckets)
        if not buckets:
            raise ConfigError(
                path, f"spec.slis.{objective.sli}.buckets", "the histogram's le bounds"
            )
    if (
        custom is not None
        and custom.histogram is None
        and (custom.total is None or (custom.good is None) == (custom.bad is None))
    ):
        raise ConfigError(
            path, f"spec.slis.{objective.sli}", "total and exactly one of good or bad"
        )
    if buckets is not None:
        where = "the load generator's" if kind == "latency" else "the histogram's"
        _check_threshold(objective, buckets, where, fail)


def _check_threshold(
    objective: Objective,
    buckets: tuple[float, ...],
    where: str,
    fail: Callable[[str, str], ConfigError],
) -> None:
    """A latency threshold must be a bound of `buckets` (`where`'s) unless interpolated."""
    if objective.threshold is None:
        raise fail("threshold", f"seconds, one of the bucket bounds {list(buckets)} ({where})")
    exact = any(math.isclose(objective.threshold, b, rel_tol=1e-9) for b in buckets)
    if not exact and not objective.interpolate:
        raise fail(
            "threshold",
            f"one of the bucket bounds {list(buckets)} ({where}; got {objective.threshold}): "
            "add a bucket at "
            "the threshold to the service's histogram, or set interpolate: true to estimate "
            "it (the verdict is then flagged)",
        )


def validate_spec(data: Any, path: str) -> SLOSpec:
    """Validate parsed YAML; ConfigError naming the first bad field."""
    try:
        spec = SLOSpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = _location(tuple(first["loc"]))
        message = first["msg"]
        if first["type"] == "extra_forbidden" and first["loc"][:2] == ("spec", "metrics"):
            known = ", ".join(ServiceMetrics.model_fields)
            message = f"not a key of spec.metrics (remove it; the keys are {known})"
        raise ConfigError(path, field or "(document)", message) from None
    names = [objective.name for objective in spec.spec.objectives]
    for index, objective in enumerate(spec.spec.objectives):
        if objective.name in names[:index]:
            raise ConfigError(path, f"spec.objectives[{index}].name", "a unique name")
        _check_objective(spec, index, objective, path)
    return spec


def load_spec(path: str | Path) -> SLOSpec:
    """Read and validate an SLO file."""
    where = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(where, "(document)", "a mapping with apiVersion, kind, metadata, spec")
    return validate_spec(data, where)
