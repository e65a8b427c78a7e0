"""`slogate load PROFILE --ui`: Locust's web UI with the SLO tab, until the session ends.

The session ends when the operator finishes it in the UI (`/slogate/finish`), when
`--run-time` has passed since the UI came up, on Ctrl-C/SIGTERM, or when Locust dies. Then
the Locust group is stopped and the report is written, judged over the intervals in which load
ran; Ctrl-C still ends with exit 130 (`Interrupted`, raised after the report is written).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from slogate.errors import InfrastructureError, Interrupted, PortInUseError
from slogate.host.ports import port_in_use
from slogate.load.live_slo import LiveSLO
from slogate.load.runner import (
    STARTUP_ALLOWANCE_S,
    LoadPlan,
    WebUI,
    check_target,
    locust_commands,
    locust_processes,
    log_tail,
    sigterm_as_interrupt,
)
from slogate.load.session import read_session
from slogate.load.session_report import SessionFacts, write_session_report
from slogate.load.session_verdicts import SessionJudge
from slogate.report.model import RunReport

FINISH_POLL_S = 0.2


@dataclass(frozen=True)
class UISession:
    plan: LoadPlan
    ui: WebUI
    judge: SessionJudge
    facts: SessionFacts
    run_time_s: float | None = None


def _answers(url: str) -> bool:
    """The UI serves its page (or, with a login, redirects to it)."""
    try:
        return httpx.get(url, timeout=2).status_code in (200, 302)
    except httpx.HTTPError:
        return False


def run_ui(ui_session: UISession, on_url: Callable[[str], None]) -> tuple[RunReport, Path]:
    """Serve the UI until the session ends; the report and the folder it was written to.

    Raises Interrupted (after writing the report) on Ctrl-C/SIGTERM and InfrastructureError
    (after writing it) when Locust dies on its own.
    """
    plan, ui = ui_session.plan, ui_session.ui
    if plan.client_metrics_port and port_in_use(plan.client_metrics_port):
        raise PortInUseError(plan.client_metrics_port, "the load generator's client metrics")
    if port_in_use(ui.port):
        raise PortInUseError(ui.port, "the web UI (--web-port)")
    check_target(plan.host)
    interrupted = died = False
    with sigterm_as_interrupt(), locust_processes(plan, locust_commands(plan, ui)) as main:
        try:
            deadline = time.monotonic() + STARTUP_ALLOWANCE_S
            while not _answers(ui.url):
                if main.poll() is not None or time.monotonic() > deadline:
                    raise InfrastructureError(
                        "the Locust web UI did not start:\n" + log_tail(plan.run_dir)
                    )
                time.sleep(0.2)
            on_url(ui.url)
            ends = time.monotonic() + (ui_session.run_time_s or float("inf"))
            with LiveSLO(ui_session.judge, ui_session.facts.prometheus_url, ui.session_dir):
                while not read_session(ui.session_dir).finished and time.monotonic() < ends:
                    if main.poll() is not None:
                        died = True
                        break
                    time.sleep(FINISH_POLL_S)
        except KeyboardInterrupt:
            interrupted = True
    session = read_session(ui.session_dir)
    session.stopped(time.time())  # an interval a killed Locust left open
    facts = ui_session.facts
    if interrupted:
        facts = replace(facts, interrupted=True)
    report, _ = write_session_report(ui_session.judge, facts, session, plan.run_dir)
    if interrupted:
        raise Interrupted(f"interrupted; the session's report is in {plan.run_dir}")
    if died:
        raise InfrastructureError(
            f"Locust ended on its own (the session's report is in {plan.run_dir}); its log "
            "ends with:\n" + log_tail(plan.run_dir)
        )
    return report, plan.run_dir
