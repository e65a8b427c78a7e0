"""A gate's verdict pushed to a Prometheus Pushgateway (`slogate run GATE --pushgateway URL`),
so scheduled drills can be graphed and alerted on like any other job.

One group per gate (`/metrics/job/slogate/gate/GATE`), replaced by each push (PUT), so an
objective a gate no longer judges disappears with the next run. The metrics:

    slogate_gate_verdict{gate, verdict}                 1 for the run's outcome, 0 for the others
                                                        (pass, fail, inconclusive, bad_input,
                                                        infrastructure_failure, interrupted)
    slogate_gate_exit_code{gate}                        the run's exit code
    slogate_gate_partial{gate}                          1 when the report is partial
    slogate_gate_last_run_timestamp_seconds{gate}       when the run ended (alert when it is old:
                                                        a drill that did not run pushes nothing)
    slogate_gate_duration_seconds{gate}
    slogate_objective_verdict{gate, phase, objective, place, gating, verdict}
                                                        1 for each result's verdict, 0 for the
                                                        other two

The push has a timeout; its failure is the caller's to report and never changes the verdict.
"""

from __future__ import annotations

import urllib.error
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import push_to_gateway

from slogate.errors import ExitCode
from slogate.report.model import RunReport, RunStatus
from slogate.slo.stats import Verdict

PUSH_TIMEOUT_S = 10.0
JOB = "slogate"
GATE_VERDICTS = {
    ExitCode.OK: "pass",
    ExitCode.BREACHED: "fail",
    ExitCode.INCONCLUSIVE: "inconclusive",
    ExitCode.USAGE: "bad_input",
    ExitCode.INFRASTRUCTURE: "infrastructure_failure",
    ExitCode.INTERRUPTED: "interrupted",
}


@dataclass(frozen=True)
class PushOutcome:
    """Whether the push was accepted; `detail` says where to, or why not."""

    ok: bool
    detail: str


def verdict_registry(report: RunReport) -> CollectorRegistry:
    """The report's verdicts as metrics (see the module's docstring)."""
    registry = CollectorRegistry()
    gate = report.gate
    verdict = Gauge(
        "slogate_gate_verdict", "The gate's outcome: 1 for the run's, 0 for the others",
        ["gate", "verdict"], registry=registry,
    )  # fmt: skip
    for code, name in GATE_VERDICTS.items():
        verdict.labels(gate, name).set(1 if report.exit_code == code else 0)
    single = {
        "slogate_gate_exit_code": ("The gate run's exit code", float(report.exit_code)),
        "slogate_gate_partial": (
            "1 when the run did not finish (partial report)",
            1.0 if report.status is RunStatus.PARTIAL else 0.0,
        ),
        "slogate_gate_last_run_timestamp_seconds": ("When the gate run ended", report.ended_at),
        "slogate_gate_duration_seconds": ("How long the gate run took", report.duration_s),
    }
    for name, (documentation, value) in single.items():
        Gauge(name, documentation, ["gate"], registry=registry).labels(gate).set(value)
    objective = Gauge(
        "slogate_objective_verdict",
        "Each judged objective's verdict per phase and place: 1 for its verdict, 0 for the others",
        ["gate", "phase", "objective", "place", "gating", "verdict"], registry=registry,
    )  # fmt: skip
    for phase, result in report.phase_results():
        gating = "true" if result.gating else "false"
        for state in Verdict:
            labels = (gate, phase, result.objective, result.place, gating, state.value)
            objective.labels(*labels).set(1 if result.verdict is state else 0)
    return registry


def push_verdict(url: str, report: RunReport, timeout_s: float = PUSH_TIMEOUT_S) -> PushOutcome:
    """PUT the report's metrics to the Pushgateway at `url` (group job=slogate, gate=GATE)."""
    try:
        push_to_gateway(
            url.rstrip("/"),
            job=JOB,
            registry=verdict_registry(report),
            grouping_key={"gate": report.gate},
            timeout=timeout_s,
        )
    except (urllib.error.URLError, OSError, ValueError) as error:
        return PushOutcome(ok=False, detail=f"pushing the verdict to {url} failed: {error}")
    return PushOutcome(ok=True, detail=f"verdict pushed to {url} (job {JOB}, gate {report.gate})")
