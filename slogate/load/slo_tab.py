"""The SLO tab of Locust's web UI. IMPORTS GEVENT, LOCUST AND FLASK.

`slogate load PROFILE --ui` gives Locust this file as a second locustfile beside the user's
(`-f loadtests/locustfile.py,.../slo_tab.py`), so the user's locustfile stays as it is. It
defines no user class. In the main (or master) process it

- records the intervals in which load ran (`test_start` to `test_stop`: Locust's Stop
  pauses a session, it does not end it) in the session folder's `session.json`;
- adds the "SLOs" tab through the template data Locust 2.47's UI renders (`extended_tabs`,
  `extended_tables`) and fills it on every `/stats/requests` poll (`extended_stats`) with the
  rows slogate writes to `slo-live.json`. No Prometheus query runs here: slogate judges the
  objectives in its own process, so the dispatcher's event loop never waits on one;
- serves `/slogate/finish` (linked from the "Download Data" tab): a page whose button ends
  the session; slogate then stops Locust and writes the report;
- with `--web-login`, checks the login form against `--web-credentials` (`user:password`).
"""

from __future__ import annotations

import hmac
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Response, redirect, request, session, url_for
from flask_login import UserMixin, login_user  # type: ignore[import-untyped]
from locust import events
from locust.runners import WorkerRunner

from slogate.load.session import Session, read_live_rows, write_session

TAB = "slo"
FINISH_PATH = "/slogate/finish"
COLUMNS = [  # one word each: the UI camel-cases keys
    ("objective", "Objective"),
    ("place", "At"),
    ("session", "Session so far"),
    ("burn", "Burn rate"),
    ("budget", "Budget left"),
    ("minute", "Last minute"),
    ("why", "Evidence"),
]
FINISH_PAGE = """<!doctype html><html><head><title>Finish the session</title></head><body>
<h1>Finish the session</h1><p>Stops the load, judges every objective over the intervals in
which load ran, writes report.json, report.html and summary.md into {folder}, and ends
<code>slogate load</code> with the verdict's exit code.</p>
<form method="post"><button type="submit" id="finish">Finish and write the report</button></form>
</body></html>"""
FINISHED_PAGE = """<!doctype html><html><head><title>Session finished</title></head><body>
<h1 id="finished">Session finished</h1><p>slogate is writing the report into {folder}.</p>
</body></html>"""


class _Operator(UserMixin):  # type: ignore[misc]
    def __init__(self, name: str) -> None:
        self.id = name


def _add_options(parser: Any, **_: Any) -> None:
    parser.add_argument("--session-dir", default="", include_in_web_ui=False)
    parser.add_argument("--web-credentials", default="", include_in_web_ui=False)


class SessionTab:
    """The session's intervals and the tab, in the main or master process."""

    def __init__(self, environment: Any, folder: Path) -> None:
        self.environment = environment
        self.folder = folder
        self.session = Session()
        write_session(folder, self.session)

    def started(self, **_: Any) -> None:
        self.session.started(time.time())
        write_session(self.folder, self.session)

    def stopped(self, **_: Any) -> None:
        self.session.stopped(time.time())
        write_session(self.folder, self.session)

    def finish(self) -> None:
        runner = self.environment.runner
        if runner is not None:
            runner.stop()  # fires test_stop: the running interval ends
        self.session.stopped(time.time())
        self.session.finished = True
        write_session(self.folder, self.session)

    def install(self, web_ui: Any) -> None:
        web_ui.template_args.update(
            extended_tabs=[{"title": "SLOs", "key": TAB}],
            extended_tables=[
                {"key": TAB, "structure": [{"key": k, "title": t} for k, t in COLUMNS]}
            ],
            extended_csv_files=[
                {"href": "." + FINISH_PATH, "title": "Finish the session: write the SLO report"}
            ],
        )
        app = web_ui.app

        def add_slo_rows(response: Response) -> Response:
            if request.path.endswith("/stats/requests") and response.is_json:
                document = response.get_json()
                document["extended_stats"] = [{"key": TAB, "data": read_live_rows(self.folder)}]
                response.set_data(app.json.dumps(document))
            return response

        app.after_request(add_slo_rows)

        def finish_page() -> str:
            if request.method == "POST":
                self.finish()
                return FINISHED_PAGE.format(folder=self.folder)
            return FINISH_PAGE.format(folder=self.folder)

        app.add_url_rule(
            FINISH_PATH,
            "slogate_finish",
            web_ui.auth_required_if_enabled(finish_page),
            methods=["GET", "POST"],
        )


def install_login(web_ui: Any, credentials: Path) -> None:
    """Locust's login page, checked against the `user:password` in `credentials`."""
    user, _, password = credentials.read_text().strip().partition(":")
    app = web_ui.app
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    web_ui.login_manager.user_loader(lambda name: _Operator(name) if name == user else None)
    web_ui.auth_args = {"username_password_callback": "./login_submit"}

    def login_submit() -> Any:
        given_user = request.form.get("username", "")
        given_password = request.form.get("password", "")
        if hmac.compare_digest(given_user, user) and hmac.compare_digest(given_password, password):
            login_user(_Operator(user))
            return redirect(url_for("locust.index"))
        session["auth_error"] = "Invalid username or password"
        return redirect(url_for("locust.login"))

    app.add_url_rule("/login_submit", "slogate_login", login_submit, methods=["POST"])


def _on_init(environment: Any, web_ui: Any = None, **_: Any) -> None:
    options = environment.parsed_options
    if isinstance(environment.runner, WorkerRunner) or not options or not options.session_dir:
        return
    tab = SessionTab(environment, Path(options.session_dir))
    environment.events.test_start.add_listener(tab.started)
    environment.events.test_stop.add_listener(tab.stopped)
    environment.events.quitting.add_listener(tab.stopped)
    if web_ui is not None:
        tab.install(web_ui)
        if options.web_login and options.web_credentials:
            install_login(web_ui, Path(options.web_credentials))


events.init_command_line_parser.add_listener(_add_options)  # type: ignore[no-untyped-call]
events.init.add_listener(_on_init)  # type: ignore[no-untyped-call]
