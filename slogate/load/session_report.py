"""The report of a web UI session: report.json, report.html, junit.xml and summary.md in the
session's results folder, every objective judged over the union of the intervals in which
load ran (`SessionJudge`), one timeline span per interval."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from slogate.errors import ExitCode, combine_exit_codes
from slogate.gate.environment import collect_environment
from slogate.gate.series import chart_series
from slogate.load.session import Session
from slogate.load.session_verdicts import SessionJudge, unjudged
from slogate.report.model import RUN_ID, PhaseResults, PhaseSpan, RunReport, RunStatus, new_run_id
from slogate.report.writer import write_report
from slogate.slo.evaluate import Window, exit_code_of
from slogate.slo.prometheus import PrometheusClient

SESSION_PHASE = "session"


@dataclass(frozen=True)
class SessionFacts:
    """What the report says about the session besides its verdicts."""

    profile: str
    slo_file: Path
    host: str
    stack: str | None
    prometheus_url: str | None
    started_at: float
    interrupted: bool = False  # Ctrl-C or SIGTERM rather than the UI's finish


def session_report(
    judge: SessionJudge, facts: SessionFacts, session: Session, folder: Path
) -> RunReport:
    """The report; its run id is the folder's name when that is one (`reports/<run-id>/`)."""
    now = time.time()
    ran, counted = session.load_ran(now), session.counted(now, judge.settle_s)
    notes = []
    if facts.prometheus_url is None:
        results = unjudged(judge.spec, "no Prometheus: the session ran against --host, no stack")
        series = []
    else:
        with PrometheusClient(facts.prometheus_url) as client:
            results = judge.judge(client, ran, counted)
            series = chart_series(client, ran.start, ran.end) if ran else []
    if ran is None or counted is None:
        notes.append("no load ran in this session")
    else:
        notes.append(
            f"judged over the {len(ran.parts)} interval(s) in which load ran (the timeline's "
            f"`load` spans, {ran.seconds:.1f} s; throughput over these), their counts each "
            f"until {judge.settle_s:g} s later (the last answers' scrapes): "
            + ", ".join(f"{p.start:.3f}-{p.end:.3f}" for p in counted.parts)
            + " (unix s); idle time between them is not judged"
        )
    code = exit_code_of(results)
    if facts.interrupted:
        code = combine_exit_codes([code, ExitCode.INTERRUPTED])
    window = Window(start=counted.start, end=counted.end) if counted else Window(start=now, end=now)
    return RunReport(
        run_id=folder.name
        if RUN_ID.match(folder.name)
        else new_run_id(f"ui-{facts.profile}".lower(), facts.started_at),
        gate=f"ui-{facts.profile}",
        status=RunStatus.PARTIAL if facts.interrupted else RunStatus.COMPLETE,
        partial_reason="interrupted (Ctrl-C or SIGTERM)" if facts.interrupted else None,
        exit_code=code,
        started_at=facts.started_at,
        ended_at=max(now, facts.started_at),
        config={
            "profile": facts.profile,
            "slo_file": str(facts.slo_file),
            "host": facts.host,
            "stack": facts.stack,
            "intervals": [i.model_dump() for i in session.intervals],
        },
        slo=judge.spec,
        timeline=[PhaseSpan(name="load", start=p.start, end=p.end) for p in ran.parts]
        if ran
        else [],
        phases=[PhaseResults(phase=SESSION_PHASE, window=window, results=results)],
        series=series,
        environment=collect_environment({}),
        notes=notes,
    )


def write_session_report(
    judge: SessionJudge, facts: SessionFacts, session: Session, folder: Path
) -> tuple[RunReport, dict[str, Path]]:
    report = session_report(judge, facts, session, folder)
    return report, write_report(report, folder)
