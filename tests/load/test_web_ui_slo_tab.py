"""The SLO tab of `slogate load --ui`, seen in headless Debian chromium against a live stack.

A real stack (`slogate up`: 3 replicas, HAProxy, Redis, Prometheus) and the real UI: a run
started from the UI's form (100 req/s for 5 s) appears in the "SLOs" tab with the verdicts
`slogate check` gives over the window the tab says it counted. Then the service is weakened
(600 ms added to every request through the replicas' fault hooks), a second run is started,
and the UI's "finish" action ends the session: the report judges both runs' intervals and
not the idle time between them, p95 FAILs (it PASSed the reference run alone), and
`slogate load` exits 1, the verdict's code.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.cli import REPO, SLOGATE, close_pipes, stop_slogate
from tests.support.live_stack import live_stack
from tests.support.waiting import free_port, wait_until

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed"),
]

SLO = """\
apiVersion: slogate.dev/v1
kind: SLO
metadata: {name: ui-session}
spec:
  service: target_service
  scrape_interval: 1s
  objectives:
    - {name: error-rate-under-1pct, sli: availability, target: 0.99, measured_at: [server, client]}
    - {name: p95-under-500ms, sli: latency, threshold: 0.5, target: 0.95,
       measured_at: [server, client]}
    - {name: served-what-was-offered, sli: throughput, min_share_of_offered: 0.7,
       measured_at: [server]}
"""
SHARES = ("error-rate-under-1pct", "p95-under-500ms")
SETTLE_S = 3.0  # the judge's settling time at a 1 s scrape


def _swarm(url: str, host: str) -> None:
    started = httpx.post(
        url + "swarm",
        data={"user_count": 1, "spawn_rate": 1, "host": host, "user_classes": "OpenModelUser",
              "load_profile": "smoke", "profile_rate": 100, "profile_duration": 5,
              "profile_seed": -1},
        timeout=10,
    )  # fmt: skip
    assert started.json()["success"] is True, started.text


def _intervals(run_dir: Path) -> list[dict[str, float | None]]:
    return list(json.loads((run_dir / "session.json").read_text())["intervals"])


def _run_settled(run_dir: Path, count: int) -> bool:
    """`count` runs have ended and the tab was refreshed after their counts settled."""
    intervals = _intervals(run_dir)
    if len(intervals) < count or intervals[-1]["end"] is None:
        return False
    live = json.loads((run_dir / "slo-live.json").read_text())
    # a margin for a busy Prometheus to ingest the scrapes up to the counted window's end
    return float(live["updated_at"]) > float(intervals[-1]["end"]) + SETTLE_S + 2.0


def _tab_rows(tmp_path: Path, url: str) -> list[list[str]]:
    """The SLOs tab as chromium renders it: its table's rows as cell texts."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", f"--user-data-dir={tmp_path / 'chromium'}",
        "--virtual-time-budget=5000", "--dump-dom", url + "?tab=slo",
    ]  # fmt: skip
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert ">SLOs<" in dom.stdout  # the tab itself
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", dom.stdout):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)
        rows.append([re.sub(r"<[^>]+>", "", cell).replace("&gt;", ">") for cell in cells])
    return rows


def _check(stack_env: dict[str, str], slo: Path, since: str, until: str, out: Path) -> dict:
    done = subprocess.run(
        [*SLOGATE, "check", str(slo), "--stack", "uitab", "--since", since, "--until", until,
         "--json", str(out)],
        cwd=REPO, env=stack_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, 1, 3), done.stderr
    return {(r["objective"], r["place"]): r for r in json.loads(out.read_text())["results"]}


def _slow_down(stack, fixed_ms: int) -> None:
    headers = {"Authorization": f"Bearer {stack.token()}"}
    for replica in stack.state().parts_of_kind("replica"):
        answer = httpx.post(
            f"{replica.url}/admin/faults",
            json={"kind": "latency", "fixed_ms": fixed_ms, "ttl_s": 60},
            headers=headers,
            timeout=10,
        )
        assert answer.status_code in (200, 201), answer.text


def test_the_slo_tab_matches_check_and_finishing_writes_the_report(tmp_path):
    slo = tmp_path / "slo.yaml"
    slo.write_text(SLO)
    run_dir = tmp_path / "session"
    with live_stack(tmp_path / "home", "uitab") as stack:
        edge = stack.state().edge_url
        assert edge is not None
        process = subprocess.Popen(
            [*SLOGATE, "load", "smoke", "--ui", "--stack", "uitab", "--slo", str(slo),
             "--web-port", str(free_port()), "--run-dir", str(run_dir)],
            cwd=REPO, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("Locust web UI: http://127.0.0.1:"), line
            url = line.split(": ", 1)[1].strip()

            # the reference service: one run, seen in the tab, the same verdicts as check
            _swarm(url, edge)
            wait_until(lambda: _run_settled(run_dir, 1), timeout=60, what="the tab's refresh")
            rows = _tab_rows(tmp_path, url)
            assert rows[0] == ["Objective", "At", "Session so far", "Burn rate",
                               "Budget left", "Last minute", "Evidence"]  # fmt: skip
            header = rows[1]
            assert header[:3] == ["(session)", "", "load in 1 interval(s)"]
            since, until = re.search(r"counted (\S+) to (\S+);", header[6]).groups()
            tab = {(r[0], r[1]): r for r in rows[2:]}
            checked = _check(stack.env, slo, since, until, tmp_path / "check.json")
            for objective in SHARES:
                for place in ("server", "client"):
                    row, result = tab[objective, place], checked[objective, place]
                    assert row[2] == result["verdict"], (row, result)
                    assert row[6] == result["reason"]  # the same counts, the same evidence
                    budget = result["evidence"]["budget"]
                    assert row[3] == f"{budget['burn_rate']:.2f}x"
                    assert row[4] == f"{budget['remaining']:.0%}"
            # a machine too busy for the reference's p95 still agrees with check (above)
            assert tab["error-rate-under-1pct", "server"][2] == "PASS"
            served = tab["served-what-was-offered", "server"]
            assert served[2] == "PASS", served
            assert "req/s over the" in served[6]

            # the weakened service: a second run, then the UI's finish action
            _slow_down(stack, 600)
            _swarm(url, edge)
            wait_until(lambda: _run_settled(run_dir, 2), timeout=60, what="the second run")
            finished = httpx.post(url + "slogate/finish", timeout=10)
            assert finished.status_code == 200
            assert 'id="finished"' in finished.text
            assert process.wait(timeout=60) == 1, process.stderr.read() if process.stderr else ""
        finally:
            stop_slogate(process)
            close_pipes(process)
    report = json.loads((run_dir / "report.json").read_text())
    assert report["exit_code"] == 1
    assert report["status"] == "complete"
    loads = [span for span in report["timeline"] if span["name"] == "load"]
    assert len(loads) == 2
    gap = loads[1]["start"] - loads[0]["end"]
    assert gap > 0
    results = {(r["objective"], r["place"]): r for r in report["phases"][0]["results"]}
    for place in ("server", "client"):
        assert results["p95-under-500ms", place]["verdict"] == "FAIL"
        assert results["error-rate-under-1pct", place]["verdict"] == "PASS"
        # both runs counted: 2 x 500 scheduled requests (plus the locustfile's set-up requests)
        assert 1000 <= results["error-rate-under-1pct", place]["evidence"]["total"] <= 1010
    for name in ("report.html", "summary.md", "junit.xml"):
        assert (run_dir / name).stat().st_size > 0
    assert "p95-under-500ms" in (run_dir / "summary.md").read_text()
