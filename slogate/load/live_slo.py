"""The SLO tab's rows, refreshed every few seconds while a web UI session runs.

A plain thread in the `slogate load --ui` process (not in Locust's: that one runs the
dispatcher on gevent's single loop, where a blocking query or the statistics behind a verdict
would delay scheduled starts) judges the session so far and its last minute
(`SessionJudge`), with a timeout on every Prometheus query, and writes the rows to
`slo-live.json`; the tab inside Locust only reads that file. Measured: a refresh of
slo/target-service.yaml (11 objective-places, session and last minute: 52 queries) costs this
process about 0.23 s of CPU; its wall time is Prometheus' (1-6 s on a 2-core machine at a load
average of 12-17).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from slogate.load.session import read_session, write_live_rows
from slogate.load.session_verdicts import NOT_APPLICABLE, SessionJudge, unjudged
from slogate.slo.evaluate import ObjectiveResult, Window
from slogate.slo.prometheus import PrometheusAuth, PrometheusClient
from slogate.slo.union import WindowUnion

REFRESH_S = 5.0
LAST_MINUTE_S = 60.0
QUERY_TIMEOUT_S = 5.0


def rfc3339(ts: float) -> str:
    """To the millisecond, so `slogate check --since/--until` can count the same window."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def verdict_text(result: ObjectiveResult) -> str:
    return "n/a" if result.reason.startswith(NOT_APPLICABLE) else result.verdict.value


def _budget(result: ObjectiveResult) -> tuple[str, str]:
    budget = result.evidence.budget
    if budget is None:
        return "–", "–"
    return f"{budget.burn_rate:.2f}x", f"{budget.remaining:.0%}"


def tab_rows(
    session: list[ObjectiveResult],
    minute: list[ObjectiveResult],
    counted: WindowUnion | None,
    now: float,
) -> list[dict[str, str]]:
    """A header row (the session's load and window), then one row per objective and place."""
    if counted is None:
        what, window = "no load yet", "start a run: the verdicts appear here"
    else:
        what = f"load in {len(counted.parts)} interval(s)"
        window = "counted " + ", ".join(
            f"{rfc3339(p.start)} to {rfc3339(p.end)}" for p in counted.parts
        )
    header = {key: "" for key in ("place", "burn", "budget", "minute")}
    header |= {
        "objective": "(session)",
        "session": what,
        "why": f"{window}; updated {rfc3339(now)}; finish: Download Data tab",
    }
    rows = [header]
    for result, last in zip(session, minute, strict=True):
        burn, left = _budget(result)
        why = result.reason
        if last.verdict != result.verdict and last.reason != result.reason:
            why += f" | last minute: {last.reason}"
        rows.append(
            {
                "objective": result.objective + ("" if result.gating else " (not gating)"),
                "place": result.place,
                "session": verdict_text(result),
                "burn": burn,
                "budget": left,
                "minute": verdict_text(last),
                "why": why,
            }
        )
    return rows


@dataclass
class LiveSLO:
    """Refreshes `slo-live.json` in `folder` every REFRESH_S seconds (or twice as long as the
    last refresh took) until stopped."""

    judge: SessionJudge
    prometheus_url: str | None
    folder: Path
    refresh_s: float = REFRESH_S

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slo-live", daemon=True)

    def __enter__(self) -> LiveSLO:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=QUERY_TIMEOUT_S * 4)

    def _run(self) -> None:
        client = None
        if self.prometheus_url is not None:
            auth = PrometheusAuth(timeout_s=QUERY_TIMEOUT_S)
            client = PrometheusClient(self.prometheus_url, auth)
        try:
            while not self._stop.is_set():
                began = time.monotonic()
                try:
                    self.refresh(client)
                except Exception as error:  # the tab says so; the next refresh tries again
                    failed = {"objective": "(session)", "why": f"refresh failed: {error!r}"}
                    write_live_rows(self.folder, [failed], time.time())
                # a slow Prometheus (a busy machine) is asked at most half the time
                self._stop.wait(max(self.refresh_s, 2 * (time.monotonic() - began)))
        finally:
            if client is not None:
                client.close()

    def refresh(self, client: PrometheusClient | None) -> None:
        now = time.time()
        session = read_session(self.folder)
        ran, counted = session.load_ran(now), session.counted(now, self.judge.settle_s)
        if client is None:
            reason = "no Prometheus: run the UI against a stack (--stack) to judge the SLOs"
            overall = minute = unjudged(self.judge.spec, reason)
        else:
            overall = self.judge.judge(client, ran, counted)
            last = Window(start=now - LAST_MINUTE_S, end=now)
            minute = self.judge.judge(
                client, ran and ran.overlap(last), counted and counted.overlap(last)
            )
        write_live_rows(self.folder, tab_rows(overall, minute, counted, now), now)
