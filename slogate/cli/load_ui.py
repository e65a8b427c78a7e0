"""`slogate load PROFILE --ui`: the web UI options, the session, its verdict table."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import click

from slogate.cli.slo_table import print_table
from slogate.errors import ExitCode, UsageError
from slogate.host.ports import free_port
from slogate.load.runner import LoadPlan, WebUI
from slogate.load.session_report import SessionFacts
from slogate.load.session_verdicts import SessionJudge
from slogate.load.ui_session import UISession, run_ui
from slogate.load.web_access import (
    check_credentials,
    generated_login,
    require_login_beyond_loopback,
)
from slogate.platform.state import require_state, slogate_home
from slogate.slo.evaluate import CheckReport
from slogate.slo.spec import load_spec, parse_duration

LOOPBACK = "127.0.0.1"
WEB_LOGINS = "web-logins"  # under SLOGATE_HOME: generated passwords, while a session runs


@dataclass(frozen=True)
class WebOptions:
    host: str
    port: int | None
    login: bool
    credentials: Path | None
    run_time_s: float | None


def web_options(
    ui: bool,
    host: str,
    port: int | None,
    login: bool,
    credentials: Path | None,
    run_time: str | None,
) -> WebOptions | None:
    """The --ui options checked (exit 2 on bad ones); None without --ui."""
    given = {
        "--web-host": host != LOOPBACK,
        "--web-port": port is not None,
        "--web-login": login,
        "--web-credentials": credentials is not None,
        "--run-time": run_time is not None,
    }
    if not ui:
        used = [name for name, present in given.items() if present]
        if used:
            raise UsageError(f"{', '.join(used)} only apply to the web UI: add --ui")
        return None
    if credentials is not None and not login:
        raise UsageError("--web-credentials is the login of --web-login: add --web-login")
    require_login_beyond_loopback(host, login)
    seconds = None
    if run_time is not None:
        try:
            seconds = parse_duration(run_time)
        except ValueError as error:
            raise UsageError(f"--run-time: {error}") from None
    checked = check_credentials(credentials) if credentials is not None else None
    return WebOptions(host, port, login, checked, seconds)


def ui_command(plan: LoadPlan, web: WebOptions, stack: str | None, slo_file: Path) -> ExitCode:
    """Serve the UI until the session ends; print its verdicts; the verdict's exit code."""
    spec = load_spec(slo_file)
    state = require_state(stack) if stack is not None else None
    prometheus_url = state.prometheus_url if state is not None else None
    scrape = (state.scrape_interval_s if state else None) or spec.scrape_interval_s
    facts = SessionFacts(
        profile=plan.profile.name,
        slo_file=slo_file,
        host=plan.host,
        stack=stack,
        prometheus_url=prometheus_url,
        started_at=time.time(),
    )
    with ExitStack() as login:
        credentials = web.credentials
        if web.login and credentials is None:
            logins = slogate_home() / WEB_LOGINS
            credentials, user = login.enter_context(generated_login(logins, plan.run_dir.name))
            click.echo(f"web login: user {user}, password in {credentials} (until it ends)")
        ui = WebUI(web.host, web.port or free_port(), plan.run_dir, credentials)
        session = UISession(plan, ui, SessionJudge(spec, scrape), facts, web.run_time_s)
        report, folder = run_ui(session, lambda url: click.echo(f"Locust web UI: {url}"))
    phase = report.phases[0]
    print_table(
        CheckReport(
            slo=spec.metadata.name,
            prometheus_url=prometheus_url or "-",
            window=phase.window,
            scrape_interval_s=scrape,
            results=phase.results,
        )
    )
    click.echo(f"report: {folder / 'report.html'}")
    return report.exit_code
