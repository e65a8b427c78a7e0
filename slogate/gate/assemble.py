"""The run report from the run's evidence and its decision (pure: builds, writes nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slogate.gate.decide import Decision
from slogate.gate.detection import detection_figures
from slogate.gate.evidence import RunEvidence
from slogate.gate.plan import GatePlan
from slogate.report.model import Environment, FaultWindow, PhaseName, PhaseSpan, RunReport


@dataclass(frozen=True)
class RunIdentity:
    """Which run this is."""

    run_id: str
    stack: str
    started_at: float


def traffic_spans(plan: GatePlan, evidence: RunEvidence) -> list[PhaseSpan]:
    """Warm-up and the judged windows, for the report's timeline."""
    load = evidence.load
    if load is None or load.started_at is None:
        return []
    end = load.ended_at if load.ended_at is not None else load.started_at
    warm_end = min(load.started_at + plan.gate.warmup_s, end)
    spans = [PhaseSpan(name=PhaseName.WARM_UP, start=load.started_at, end=warm_end)]
    spans += [
        PhaseSpan(name=w.label, start=w.window.start, end=w.window.end) for w in evidence.windows
    ]
    return spans


def config_snapshot(plan: GatePlan, stack: str) -> dict[str, Any]:
    return {
        "gate": plan.name,
        "stack": stack,
        "definition": plan.gate.model_dump(mode="json"),
        "load_profile": plan.profile.model_dump(mode="json"),
        "slo_file": str(plan.slo_path),
        "platform": plan.gate.platform,
        "replicas": plan.gate.replicas or plan.config.service.replicas,
        "edge_retries": plan.config.edge.retries,
    }


def assemble_report(
    plan: GatePlan,
    run: RunIdentity,
    evidence: RunEvidence,
    decision: Decision,
    steps: list[PhaseSpan],
    environment: Environment,
    now: float,
) -> RunReport:
    """`steps` are the run's own phases (set-up, load, evaluation, ...) as they went."""
    timeline = sorted(
        [span.model_copy() for span in steps] + traffic_spans(plan, evidence),
        key=lambda span: span.start,
    )
    measured = evidence.measurements
    return RunReport(
        run_id=run.run_id, gate=plan.name, status=decision.status,
        partial_reason=decision.partial_reason, exit_code=decision.exit_code,
        started_at=run.started_at, ended_at=max(now, run.started_at),
        config=config_snapshot(plan, run.stack), slo=plan.spec, timeline=timeline,
        faults=[FaultWindow.from_fault(f) for f in evidence.faults],
        phases=decision.phases, detection=detection_figures(plan),
        client_server=measured.client_server if measured else [],
        recoveries=measured.recoveries if measured else [],
        series=measured.series if measured else [],
        journals=[experiment.brief for experiment in evidence.experiments],
        client_latency=list(evidence.load.latency) if evidence.load else [],
        environment=environment, notes=decision.notes,
    )  # fmt: skip
