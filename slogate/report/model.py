"""The run report: what `reports/<run-id>/report.json` holds (the source of truth).

Everything else in the run folder (report.html, junit.xml, summary.md) is rendered from this
model, so `slogate report RUN_ID` can re-render it and `slogate compare` can read two runs.

    RunReport
    ├── status, partial_reason, exit_code     complete | partial (and why)
    ├── config, slo                           snapshots of the gate's config and its SLO spec
    ├── timeline                              phases: set-up, warm-up, baseline, fault, recovery
    ├── faults                                fault windows from the ledger
    ├── phases[].results                      per-phase per-objective verdicts with evidence
    ├── detection                             the smallest breach each judged objective
    │                                         detects, computed before the run
    ├── client_server                         client vs server vs edge counts per window
    ├── recoveries                            time to recover per fault
    ├── series                                time series for the charts ([t, value] points)
    ├── journals                              Chaos Toolkit journals in brief
    ├── client_latency                        the client's exact (HDR) and per-route figures
    └── environment                           versions, platform, host cores
"""

from __future__ import annotations

import re
import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from slogate.chaos.ledger import Fault, FaultEvent
from slogate.errors import ExitCode
from slogate.slo.evaluate import ObjectiveResult, Window
from slogate.slo.power import DETECTION_POWER
from slogate.slo.spec import SLOSpec
from slogate.slo.stats import Verdict

SCHEMA_VERSION = 1
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[a-z0-9][a-z0-9_.-]*$")
GATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def new_run_id(gate: str, now: float | None = None) -> str:
    """`20261128T141503Z-smoke`: sorts by start time (UTC) and names the gate."""
    if not GATE_NAME.match(gate):
        raise ValueError(f"gate name {gate!r}: lower-case letters, digits, '.', '_' or '-'")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    return f"{stamp}-{gate}"


class RunStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"


class PhaseName(StrEnum):
    """The phases a gate run goes through; fault phases may carry a suffix (`fault:pod-kill`)."""

    SET_UP = "set-up"
    WARM_UP = "warm-up"
    BASELINE = "baseline"
    FAULT = "fault"
    RECOVERY = "recovery"
    EVALUATION = "evaluation"
    REPORT = "report"
    TEAR_DOWN = "tear-down"


class PhaseSpan(BaseModel):
    """One phase of the timeline, in unix seconds; `end` None when it never finished."""

    name: str
    start: float
    end: float | None = None


class FaultWindow(BaseModel):
    """A fault as the report shows it: what, where, and when it was active."""

    fault_id: str
    kind: str
    target: str
    state: FaultEvent
    intended: float
    applied: float | None = None
    ended: float | None = None

    @classmethod
    def from_fault(cls, fault: Fault) -> FaultWindow:
        return cls(
            fault_id=fault.fault_id,
            kind=fault.kind,
            target=fault.target,
            state=fault.state,
            intended=fault.intended_at,
            applied=fault.applied_at,
            ended=fault.ended_at,
        )

    def span(self, run_end: float) -> tuple[float, float]:
        """Start and end for shading: applied (else intended) until ended (else the run's end)."""
        start = self.applied if self.applied is not None else self.intended
        return start, self.ended if self.ended is not None else run_end


class PhaseResults(BaseModel):
    """The verdicts of every objective that applies in one phase."""

    phase: str
    window: Window
    results: list[ObjectiveResult] = Field(default_factory=list)


class CountComparison(BaseModel):
    """Client vs server vs edge request and error counts over one window (reconciliation).

    Outside faults the client and server totals must agree within `tolerance`, which is the
    sum of its two parts when they are known: `outside_traffic_tolerance` (the gate's
    client_server_tolerance: requests the server and edge count that the load generator did
    not send, e.g. an independent probe) and `scrape_tolerance` (two scrape intervals of
    traffic over the larger count: each side is scraped at its own moment).
    """

    phase: str
    window: Window
    in_fault: bool
    client_total: int | None
    client_errors: int | None
    server_total: int | None
    server_errors: int | None
    edge_total: int | None = None
    edge_errors: int | None = None
    tolerance: float = Field(description="relative difference of totals allowed outside faults")
    outside_traffic_tolerance: float | None = None
    scrape_tolerance: float | None = None
    not_compared: str | None = Field(
        default=None, description="why client and server totals could not be compared"
    )

    @property
    def total_difference(self) -> float | None:
        """|client - server| / max(client, server), or None when a count is missing."""
        if self.client_total is None or self.server_total is None:
            return None
        largest = max(self.client_total, self.server_total)
        return 0.0 if largest == 0 else abs(self.client_total - self.server_total) / largest

    @property
    def agrees(self) -> bool | None:
        """Within tolerance (None when a count is missing)."""
        difference = self.total_difference
        return None if difference is None else difference <= self.tolerance

    @property
    def errors_server_never_saw(self) -> int | None:
        """Client errors beyond the server's (transport failures, refused connections)."""
        if self.client_errors is None or self.server_errors is None:
            return None
        return max(0, self.client_errors - self.server_errors)

    @property
    def errors_edge_retried(self) -> int | None:
        """Server errors neither the client nor the edge saw: the edge retried them on
        another replica. None unless the client and edge saw far fewer (at most half)."""
        if self.server_errors is None or self.client_errors is None:
            return None
        seen = max(self.client_errors, self.edge_errors or 0)
        if self.server_errors == 0 or seen * 2 > self.server_errors:
            return None
        return self.server_errors - seen

    def tolerance_basis(self) -> str:
        """`5 % outside traffic + 0.6 % scrape alignment` (or the total when parts unknown)."""
        if self.outside_traffic_tolerance is None or self.scrape_tolerance is None:
            return f"{self.tolerance * 100:.3g} %"
        return (
            f"{self.outside_traffic_tolerance * 100:.3g} % outside traffic + "
            f"{self.scrape_tolerance * 100:.2g} % scrape alignment"
        )

    def remark(self) -> str:
        """What the counts say beyond agreeing: retried errors, errors the server never saw."""
        remarks = []
        if self.not_compared is not None:
            remarks.append(f"client and server counts not compared: {self.not_compared}")
        retried = self.errors_edge_retried
        if retried:
            remarks.append(
                f"the edge retried {retried:,} of the server's {self.server_errors:,} errors on "
                f"another replica: the client saw {self.client_errors:,}, the edge "
                f"{self.edge_errors if self.edge_errors is not None else '-'}; client and edge "
                "SLIs show what a client behind a retrying edge sees, the server's what the "
                "service did"
            )
        unseen = self.errors_server_never_saw
        if unseen:
            remarks.append(f"{unseen:,} client errors the server never saw")
        if not self.in_fault and self.agrees is False:
            remarks.append("client and server disagree beyond the tolerance (harness problem)")
        return "; ".join(remarks)


class Detection(BaseModel):
    """The smallest breach one objective of one phase detects with `power`, before the run.

    Computed from the planned requests of the phase (a range: see gate/detection.py); the same
    at every place the objective is measured (they count the same requests). Objectives that
    are not binomial shares of requests (throughput, start-up, time to recover, ...) are
    `applicable` False: "n/a".
    """

    phase: str
    objective: str
    sli: str
    applicable: bool = True
    allowed_bad_share: float | None = None
    threshold: float | None = Field(default=None, description="latency: seconds")
    planned_requests: float | None = None
    requests_low: int | None = None
    requests_high: int | None = None
    power: float = DETECTION_POWER
    min_detectable_share: float | None = Field(
        default=None, description="None with applicable: too few requests to ever FAIL"
    )
    required_burn: float | None = Field(default=None, description="the gate's `detect:`")

    @property
    def burn_multiple(self) -> float | None:
        """The smallest detected share as a multiple of the allowed share (budget burn)."""
        if self.min_detectable_share is None or not self.allowed_bad_share:
            return None
        return self.min_detectable_share / self.allowed_bad_share

    @property
    def meets_requirement(self) -> bool | None:
        """Whether it detects the gate's `detect:` burn (None without one, or n/a)."""
        if self.required_burn is None or not self.applicable:
            return None
        burn = self.burn_multiple
        return burn is not None and burn <= self.required_burn * (1 + 1e-9)

    def what(self) -> str:
        """What a breach of it is: `an error rate`, `a share slower than 0.5 s`."""
        if self.sli == "availability":
            return "an error rate"
        return f"a share slower than {self.threshold:g} s" if self.threshold else "a bad share"

    def describe(self) -> str:
        """`detects an error rate of 0.45 % or worse (4.5x budget burn)`, or why not."""
        if not self.applicable:
            return "n/a (not a share of requests)"
        share, burn = self.min_detectable_share, self.burn_multiple
        if share is None or burn is None:
            return "detects nothing: too few requests for any breach to FAIL"
        return f"detects {self.what()} of {share * 100:.3g} % or worse ({burn:.1f}x budget burn)"

    def power_text(self) -> str:
        """` with 90 % power over 4,906-6,975 requests` ('' when n/a)."""
        if not self.applicable or self.requests_low is None:
            return ""
        high = self.requests_high or self.requests_low
        return f" with {self.power * 100:.0f} % power over {self.requests_low:,}-{high:,} requests"

    def line(self) -> str:
        """`baseline: availability: detects ... with 90 % power over 4,906-6,975 requests`."""
        text = f"{self.phase}: {self.objective}: {self.describe()}{self.power_text()}"
        if self.meets_requirement is False and self.required_burn is not None:
            text += f"; short of the gate's detect: {self.required_burn:g}x"
        return text


class Recovery(BaseModel):
    """How long after a fault ended the SLI was back within its objective (sustained)."""

    fault_id: str
    kind: str
    objective: str | None = None
    place: str | None = None
    fault_ended: float | None
    recovered_at: float | None = Field(description="None: not recovered before the run ended")
    sustained_s: float = 10.0
    verdict: Verdict | None = None
    reason: str = ""

    @property
    def seconds(self) -> float | None:
        if self.recovered_at is None or self.fault_ended is None:
            return None
        return max(0.0, self.recovered_at - self.fault_ended)


class SeriesMetric(StrEnum):
    REQUEST_RATE = "request_rate"  # requests/s
    ERROR_RATIO = "error_ratio"  # share of requests, 0..1
    LATENCY = "latency"  # seconds


class TimeSeries(BaseModel):
    """One line of a chart: points are [unix seconds, value]; None is a gap (no data)."""

    metric: SeriesMetric
    place: str = Field(description="server | client | edge")
    stat: str | None = Field(default=None, description="p50 | p95 | p99 for latency")
    query: str = ""
    points: list[tuple[float, float | None]] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.place} {self.stat}" if self.stat else self.place


class RouteLatency(BaseModel):
    """The client's latency in milliseconds: per route from Locust's own statistics
    (`locust_stats.csv`, service time, rounded to about 2 significant digits), and over all
    routes from the load generator's HDR histograms (exact, service time and from the intended
    start); beside the objectives' Prometheus bucket estimates."""

    route: str = Field(description="`GET /api/items/{id}`, or `all routes`")
    source: str = Field(description="locust (per route, rounded) | hdr (exact)")
    timing: str = Field(description="service | intended (from the scheduled start)")
    requests: int
    failures: int | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None


class ActivityBrief(BaseModel):
    name: str
    type: str = Field(description="action | probe")
    status: str
    start: float | None = None
    end: float | None = None
    error: str | None = None


class JournalBrief(BaseModel):
    """A Chaos Toolkit journal, in brief."""

    title: str
    status: str
    deviated: bool
    steady_state_met_before: bool | None = None
    steady_state_met_after: bool | None = None
    activities: list[ActivityBrief] = Field(default_factory=list)
    rollbacks: list[ActivityBrief] = Field(default_factory=list)
    path: str | None = None


class Environment(BaseModel):
    python: str
    slogate: str
    platform: str
    host_cores: int | None
    tools: dict[str, str | None] = Field(
        default_factory=dict, description="prometheus, haproxy, redis-server, locust, chaos, ..."
    )


class RunReport(BaseModel):
    """Everything one gate run produced."""

    schema_version: int = SCHEMA_VERSION
    run_id: str = Field(pattern=RUN_ID.pattern)
    gate: str
    status: RunStatus
    partial_reason: str | None = None
    exit_code: ExitCode
    started_at: float
    ended_at: float
    config: dict[str, Any] = Field(default_factory=dict)
    slo: SLOSpec | None = None
    timeline: list[PhaseSpan] = Field(default_factory=list)
    faults: list[FaultWindow] = Field(default_factory=list)
    phases: list[PhaseResults] = Field(default_factory=list)
    detection: list[Detection] = Field(default_factory=list)
    client_server: list[CountComparison] = Field(default_factory=list)
    recoveries: list[Recovery] = Field(default_factory=list)
    series: list[TimeSeries] = Field(default_factory=list)
    journals: list[JournalBrief] = Field(default_factory=list)
    client_latency: list[RouteLatency] = Field(default_factory=list)
    environment: Environment
    notes: list[str] = Field(default_factory=list, description="harness problems, warnings")

    @model_validator(mode="after")
    def _partial_has_reason(self) -> RunReport:
        if self.status is RunStatus.PARTIAL and not self.partial_reason:
            raise ValueError("a partial report needs partial_reason (e.g. 'interrupted')")
        if self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self

    @property
    def duration_s(self) -> float:
        return self.ended_at - self.started_at

    def verdict_counts(self, gating_only: bool = True) -> dict[Verdict, int]:
        counts = dict.fromkeys(Verdict, 0)
        for phase in self.phases:
            for result in phase.results:
                if result.gating or not gating_only:
                    counts[result.verdict] += 1
        return counts

    def phase_results(self) -> list[tuple[str, ObjectiveResult]]:
        """Every (phase, result) pair, in order."""
        return [(phase.phase, result) for phase in self.phases for result in phase.results]
