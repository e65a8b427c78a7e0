"""The open model, run inside the Locust process. IMPORTS GEVENT AND LOCUST.

Only a locustfile imports this module, through `slogate.locust` (Locust always runs in a
subprocess); the engine and pytest never do, so gevent's monkey-patching never reaches them.

One dispatcher per Locust process (the single process, or each worker) walks its share of
the profile's seeded schedule and starts each request at its intended time from a bounded
pool of long-lived worker greenlets (`slogate.load.dispatcher`), whether or not earlier
responses have come back. An arrival due while the pool is full is *missed*; a start that
begins more than `late_after_ms` after its intended time is *late*. Each request's latency
is recorded as service time and as time from its intended start. Every second each process
hands its counts to the aggregate (directly, or as a custom message to the master), which
serves the client metrics, writes `status.json`, and at the end `tally.json` into the run
folder.
"""

from __future__ import annotations

import atexit
import logging
import os
import random
import socket
import time
from functools import partial
from pathlib import Path
from typing import Any

import gevent
import psutil
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from slogate.host.prompt_exit import exit_now
from slogate.load.actions import Action, ActionMix, routes_of
from slogate.load.arrival_feed import ArrivalFeed, Claim
from slogate.load.cookie_jar import LeanCookieJar
from slogate.load.dispatcher import Dispatcher
from slogate.load.metrics_endpoint import MetricsEndpoint
from slogate.load.profiles import Profile, find_profile
from slogate.load.run_files import RunFiles
from slogate.load.saturation import MONITOR_LAG_SATURATED_S, SaturationWatch, Window
from slogate.load.schedule import iter_arrival_times, worker_share
from slogate.load.tally import Tally, TallyDocument

log = logging.getLogger("slogate.openmodel")

TALLY_MESSAGE = "slogate_tally"
DONE_MESSAGE = "slogate_done"
HOLD_POLL_S = 0.02
MONITOR_INTERVAL_S = 1.0
# the request context that marks the open model's own requests (one object, not one a request)
OPEN_MODEL_CONTEXT = {"slogate_open_model": True}
NO_CONTEXT: dict[str, Any] = {}


def transport_error_kind(error: BaseException | None) -> str:
    """refused | reset | timeout | other, for an exception that left no HTTP answer."""
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, ConnectionResetError | BrokenPipeError):
        return "reset"
    if isinstance(error, TimeoutError | socket.timeout | gevent.Timeout):
        return "timeout"
    return "other"


class OpenModel:
    """The open model of one Locust process (and the aggregate, on the master or alone)."""

    def __init__(self, environment: Environment, actions: list[Action]) -> None:
        self.environment = environment
        self.actions = actions
        self.mix = ActionMix(actions)
        self.recorder = Tally()
        self.aggregate = Tally()
        for tally in (self.recorder, self.aggregate):
            tally.declare_routes(routes_of(actions))
        self.saturation: dict[str, bool] = {}
        self.workers_done: set[int] = set()
        self.dispatching = False
        self.finished = False
        self.started_at: float | None = None
        self.holding = False  # waiting for --start-when-file
        self.profile: Profile | None = None
        self.error: str | None = None
        self.metrics = MetricsEndpoint(lambda: self.aggregate)
        self.dispatcher: Dispatcher | None = None  # while this process runs its schedule
        self.window_opened = 0.0  # perf_counter when the current window opened
        self.watch = SaturationWatch()
        self.process: psutil.Process | None = None
        self.exit_code: int | None = None  # Locust's, once it said it (its quit event)

    # --- set-up ------------------------------------------------------------------------------

    @property
    def options(self) -> Any:
        return self.environment.parsed_options

    @property
    def is_worker(self) -> bool:
        return isinstance(self.environment.runner, WorkerRunner)

    @property
    def is_master(self) -> bool:
        return isinstance(self.environment.runner, MasterRunner)

    def install(self) -> None:
        """Register listeners; on the master or a single process serve metrics and status."""
        events = self.environment.events
        events.request.add_listener(self._on_closed_model_request)  # type: ignore[no-untyped-call]
        events.quit.add_listener(self._on_quit)  # type: ignore[no-untyped-call]
        # registered before the handlers Locust adds after this init event, so it runs after
        # them (not after those registered earlier: see _exit_promptly)
        atexit.register(self._exit_promptly)
        if self.is_worker:
            return
        events.test_start.add_listener(self._on_test_start)  # type: ignore[no-untyped-call]
        events.quitting.add_listener(self._on_quitting)  # type: ignore[no-untyped-call]
        if self.is_master:
            runner = self.environment.runner
            assert runner is not None
            runner.register_message(TALLY_MESSAGE, self._on_tally_message)
            runner.register_message(DONE_MESSAGE, self._on_done_message)
        if self.options.client_metrics_port:
            self.metrics.serve(self.options.client_metrics_host, self.options.client_metrics_port)
        gevent.spawn(self._write_status_forever)

    def load_profile(self) -> Profile:
        options = self.options
        profile = find_profile(options.load_profile, Path(options.loadtests_dir))
        return profile.with_overrides(
            rate=options.profile_rate or None,
            duration_s=options.profile_duration or None,
            seed=None if options.profile_seed < 0 else options.profile_seed,
        )

    def _hold(self) -> None:
        """With --start-when-file, wait until that file exists: the process has started (and
        its metrics are served) while the caller finishes preparing the target."""
        go = Path(self.options.start_when_file) if self.options.start_when_file else None
        while go is not None and not go.exists():
            gevent.sleep(HOLD_POLL_S)

    def _on_test_start(self, **_: Any) -> None:
        self.holding = True
        self._hold()
        self.holding = False
        self.started_at = time.time()
        self.profile = self.load_profile()
        self.workers_done.clear()
        self.finished = False
        self.error = None

    # --- dispatching (every process that runs load) ------------------------------------------

    def dispatch(self, host: str) -> None:
        """Run this process's share of the schedule; returns when it is done."""
        if self.dispatching:
            log.warning("one open-model dispatcher per process; this extra user idles")
            gevent.sleep(10**6)
            return
        self.dispatching = True
        profile = self.profile = self.load_profile()
        worker, workers = self._worker_slot()
        rng = random.Random(f"{profile.seed}:{worker}")
        client = FastHttpSession(
            base_url=host,
            request_event=self.environment.events.request,
            user=None,
            concurrency=profile.max_in_flight,
            network_timeout=profile.request_timeout_s,
            connection_timeout=min(5.0, profile.request_timeout_s),
            max_retries=0,
        )
        client.cookiejar = client.client.cookiejar = LeanCookieJar()  # the same, for less CPU
        self.watch, self.process = SaturationWatch(), psutil.Process()
        self.process.cpu_percent(None)
        late_after = profile.late_after_ms / 1000
        schedule = iter_arrival_times(profile.resolved_stages(), profile.arrivals, profile.seed)
        feed = ArrivalFeed(
            worker_share(schedule, worker, workers),
            time.perf_counter(),
            late_after,
            self.recorder.record_missed,
        )
        self.dispatcher = dispatcher = Dispatcher(
            feed,
            profile.max_in_flight,
            partial(self._request, client, rng, late_after),  # no Python frame of its own
            self._close_overdue_window,
        )
        self.window_opened = time.perf_counter()
        monitor = gevent.spawn(self._monitor_forever)
        try:
            dispatcher.run(profile.request_timeout_s + 2, self._close_last_window)
        finally:  # also when the web UI's Stop kills this user mid-schedule
            dispatcher.stop()
            monitor.kill(block=False)
            self.dispatcher = None
            self.dispatching = False  # the web UI may start another run
        self._hand_over(final=True)

    def _close_last_window(self) -> None:
        """Judge the schedule's last part second too (called once the last arrival started)."""
        if time.perf_counter() - self.window_opened >= MONITOR_INTERVAL_S / 2:
            self._close_window()

    def abort(self, message: str) -> None:
        """End the run as failed (e.g. the target has no data): results say why."""
        log.error(message)
        if self.is_worker:
            runner = self.environment.runner
            assert runner is not None
            worker, _ = self._worker_slot()
            runner.send_message(DONE_MESSAGE, {"worker": worker, "error": message})
            return
        self.error = message
        gevent.spawn(self._finish)

    def _worker_slot(self) -> tuple[int, int]:
        if not self.is_worker:
            return 0, 1
        index = int(os.environ.get("SLOGATE_WORKER_INDEX", "-1"))
        if index < 0:
            index = getattr(self.environment.runner, "worker_index", 0)
        return index, max(1, self.options.worker_count)

    def _request(
        self,
        client: FastHttpSession,
        rng: random.Random,
        late_after: float,
        claim: Claim,
    ) -> None:
        started = time.perf_counter()
        intended, stage = claim.intended, claim.arrival.stage
        self.recorder.record_start(stage, late=started - intended > late_after)
        action = self.mix.choose(rng)
        prepared = action.prepare(rng)
        if prepared is None and action.fallback:
            action = self.mix.with_route(action.fallback)
            prepared = action.prepare(rng)
        if prepared is None:
            prepared_path, body = action.route, None
        else:
            prepared_path, body = prepared.path, prepared.body
        response = client.request(
            action.method,
            prepared_path,
            name=action.route,
            json=body,
            context=OPEN_MODEL_CONTEXT,
        )
        ended = time.perf_counter()
        status = int(response.status_code or 0)
        answered = 100 <= status < 600
        self.recorder.record_response(
            action.method,
            action.route,
            status if answered else 0,
            ended - started,
            ended - intended,
            stage,
            None if answered else transport_error_kind(getattr(response, "error", None)),
        )
        if action.after is not None and 200 <= status < 300:
            action.after(status, response.content or b"")

    def _on_closed_model_request(self, **meta: Any) -> None:
        """Requests of the closed-model journey users (UI): counted with service time only."""
        if meta.get("context", NO_CONTEXT).get("slogate_open_model"):
            return
        response = meta.get("response")
        status = int(getattr(response, "status_code", 0) or 0)
        seconds = float(meta.get("response_time") or 0) / 1000
        answered = 100 <= status < 600
        kind = None if answered else transport_error_kind(meta.get("exception"))
        self.recorder.record_response(
            meta.get("request_type", "GET"),
            meta.get("name", ""),
            status if answered else 0,
            seconds,
            seconds,
            0,
            kind,
        )
        if not self.dispatching and not self.is_worker:
            self._hand_over(final=False)

    # --- saturation and hand-over -----------------------------------------------------------

    def _monitor_forever(self) -> None:
        while True:
            gevent.sleep(MONITOR_INTERVAL_S)
            self._close_window()

    def _close_overdue_window(self) -> None:
        """Called by the dispatcher: a window the monitor should have closed long ago means
        the monitor cannot get the loop, so the dispatcher closes it (counted as late)."""
        if time.perf_counter() - self.window_opened > MONITOR_INTERVAL_S + MONITOR_LAG_SATURATED_S:
            self._close_window()

    def _close_window(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.sweep()  # arrivals due while the pool is full: missed now
            arrivals, behind = self.dispatcher.feed.take_window()
        else:
            arrivals = behind = 0
        now = time.perf_counter()
        # the recorder holds the last window only: it is handed over when a window closes
        window = Window(
            elapsed_s=now - self.window_opened,
            cpu_percent=self.process.cpu_percent(None) if self.process else 0.0,
            starts=self.recorder.total("starts"),
            late=self.recorder.total("late"),
            arrivals=arrivals,
            behind=behind,
            interval_s=MONITOR_INTERVAL_S,
        )
        self.window_opened = now
        self.recorder.saturated_now, seconds = self.watch.close(window)
        self.recorder.saturated_seconds += seconds
        if window.bad:
            log.info("generator busy: %s", window.describe())
        self._hand_over(final=False)

    def _hand_over(self, final: bool) -> None:
        saturated = self.recorder.saturated_now and not final
        delta = self.recorder.take_delta()
        delta["saturated_now"] = saturated
        if self.is_worker:
            runner = self.environment.runner
            assert runner is not None
            worker, _ = self._worker_slot()
            runner.send_message(TALLY_MESSAGE, {"worker": worker, "delta": delta})
            if final:
                runner.send_message(DONE_MESSAGE, {"worker": worker})
            return
        self._merge("local", delta)
        if final:
            gevent.spawn(self._finish)

    def _merge(self, source: str, delta: TallyDocument) -> None:
        self.aggregate.merge(delta)
        self.saturation[source] = bool(delta.get("saturated_now"))
        self.aggregate.saturated_now = any(self.saturation.values())

    def _on_tally_message(self, environment: Environment, msg: Any, **_: Any) -> None:
        self._merge(f"worker-{msg.data['worker']}", msg.data["delta"])

    def _on_done_message(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.workers_done.add(int(msg.data["worker"]))
        if msg.data.get("error"):
            self.error = str(msg.data["error"])
            gevent.spawn(self._finish)
        if len(self.workers_done) >= max(1, self.options.worker_count):
            gevent.spawn(self._finish)

    # --- results (master or single process) -------------------------------------------------

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self._write_results(complete=self.error is None)
        self._write_status()
        runner = self.environment.runner
        assert runner is not None
        if not self.options.headless:
            runner.stop()  # the web UI stays up for the next run
            return
        self.metrics.linger(self.options.metrics_linger)
        runner.quit()

    def _on_quit(self, exit_code: int, **_: Any) -> None:
        self.exit_code = exit_code

    def _exit_promptly(self) -> None:
        """The last atexit handler: once Locust said its exit code and closed its files, end
        the process without the interpreter's teardown (a quarter of a second that the load's
        caller waits for; slogate.host.prompt_exit)."""
        # with --processes, Locust's own handler (registered earlier, so run later) reaps the
        # processes it forked and merges their exit codes: the normal exit, then
        if self.exit_code is not None and not getattr(self.options, "processes", None):
            logging.shutdown()  # Locust's log file (its own atexit handler would come later)
            exit_now(self.exit_code)

    def _on_quitting(self, **_: Any) -> None:
        if not self.finished:
            self._write_results(complete=False)
            self._write_status()

    def _write_results(self, complete: bool) -> None:
        workers = max(1, self.options.worker_count) if self.is_master else 1
        RunFiles(self.options.run_dir).write_tally(
            self.aggregate, self.profile, self.started_at, complete, self.error, workers
        )

    def _write_status_forever(self) -> None:
        while True:
            gevent.sleep(1.0)
            self._write_status()

    def _write_status(self) -> None:
        if self.holding:
            return  # no progress yet, and a status would start the reader's clock too early
        files = RunFiles(self.options.run_dir)
        files.write_status(self.aggregate, self.profile, self.started_at, self.finished)
