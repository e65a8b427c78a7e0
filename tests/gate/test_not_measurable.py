"""Objectives a platform cannot measure are reported as not measurable, never dropped and
never gating: the platform's declared capability (`cannot_measure`), the split of the real
SLO file's objectives, their verdicts over a real (backfilled) Prometheus, and every report
format (report.json, summary.md, the HTML report, junit.xml with a skipped case)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from slogate.errors import ExitCode
from slogate.gate.measurable import in_spec_order, split_places, unmeasured_places
from slogate.platform.registry import platform_for
from slogate.platform.state import StackState, save_state
from slogate.report.model import PhaseResults
from slogate.report.writer import write_report
from slogate.slo.evaluate import ObjectiveResult, Window, evaluate_spec, exit_code_of
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import SLOSpec, load_spec
from slogate.slo.stats import Verdict
from tests.report.scenarios import passing_pod_kill
from tests.slo.known_data import WINDOW, known_prometheus
from tests.support.cli import REPO, run_cli, slogate_home

SLO_FILE = REPO / "slo" / "target-service.yaml"


@pytest.fixture(scope="module")
def spec() -> SLOSpec:
    return load_spec(SLO_FILE)


@pytest.fixture(scope="module")
def kubernetes() -> dict[str, str]:
    return unmeasured_places(platform_for("kubernetes"))


def pairs(spec: SLOSpec) -> list[tuple[str, str]]:
    return [(o.name, p.value) for o in spec.spec.objectives for p in o.measured_at]


def test_each_platform_declares_what_it_cannot_measure(kubernetes: dict[str, str]) -> None:
    assert unmeasured_places(platform_for("local")) == {}
    assert set(kubernetes) == {"edge", "client"}
    assert "no edge on Kubernetes" in kubernetes["edge"]
    assert "no Prometheus scrapes the load generator" in kubernetes["client"]


def test_every_objective_and_place_of_the_slo_file_is_kept_or_reported(
    spec: SLOSpec, kubernetes: dict[str, str]
) -> None:
    narrowed, missing = split_places(spec, kubernetes)
    assert all(place == "server" for _, place in pairs(narrowed))
    # what the edge absorbed has no place left: judged nowhere, reported as not measurable
    assert "edge-absorbed-nothing" not in {o.name for o in narrowed.spec.objectives}
    assert ("edge-absorbed-nothing", "edge") in {(r.objective, r.place) for r in missing}
    # nothing dropped: every (objective, place) is either still judged or reported
    kept = pairs(narrowed) + [(r.objective, r.place) for r in missing]
    assert sorted(kept) == sorted(pairs(spec))
    for result in missing:
        assert (result.gating, result.measurable, result.verdict) == (
            False, False, Verdict.INCONCLUSIVE,
        )  # fmt: skip
        assert result.reason == f"not measurable on this platform: {kubernetes[result.place]}"
    # a platform that measures everywhere leaves the spec as it is
    assert split_places(spec, {}) == (spec, [])


@pytest.fixture(scope="module")
def prometheus() -> Iterator[tuple[str, int]]:
    with known_prometheus() as server:
        yield server


@pytest.mark.slow
@pytest.mark.xdist_group("slo-prometheus")
def test_the_server_verdicts_are_those_of_the_whole_file_and_the_rest_not_measurable(
    spec: SLOSpec, kubernetes: dict[str, str], prometheus: tuple[str, int]
) -> None:
    """Over known data with server, client and edge series: the narrowed spec's verdicts at
    the server are exactly the whole file's, and the client's and edge's verdicts the local
    platform would give are replaced by not measurable, in the file's order."""
    url, t0 = prometheus
    window = Window(start=t0 + WINDOW[0], end=t0 + WINDOW[1])
    narrowed, missing = split_places(spec, kubernetes)
    with PrometheusClient(url) as client:
        everywhere = evaluate_spec(spec, client, window, 1.0)
        results = in_spec_order(spec, evaluate_spec(narrowed, client, window, 1.0) + missing)
    assert [(r.objective, r.place) for r in results] == [(r.objective, r.place) for r in everywhere]
    for mine, whole in zip(results, everywhere, strict=True):
        if mine.place == "server":
            assert mine == whole
        else:
            assert not mine.measurable and whole.measurable
    assert any(r.place == "client" and r.verdict is Verdict.PASS for r in everywhere)


@pytest.mark.slow
@pytest.mark.xdist_group("slo-prometheus")
@pytest.mark.parametrize("platform", ["kubernetes", "local"])
def test_check_of_a_stack_reports_what_its_platform_cannot_measure(
    platform: str, spec: SLOSpec, prometheus: tuple[str, int], tmp_path: Path
) -> None:
    """`slogate check --stack S` over known data: on a Kubernetes stack (no Prometheus on
    this machine: no client, no edge) those places are reported not measurable and not
    gating, the server's verdicts are those of the whole file, and the exit code is the
    server's; the same data under a local stack is judged everywhere (the control)."""
    url, t0 = prometheus
    save = StackState(stack="s", platform=platform, started_at=t0, run_dir=str(tmp_path),
                      prometheus_url=url)  # fmt: skip
    since, until = (datetime.fromtimestamp(t0 + s, UTC).isoformat() for s in WINDOW)
    out = tmp_path / "check.json"
    with slogate_home(tmp_path / "home"):
        save_state(save)
        result = run_cli(
            "check", str(SLO_FILE), "--stack", "s", "--since", since, "--until", until,
            "--json", str(out),
        )  # fmt: skip
    assert "Traceback" not in result.stderr
    saved = json.loads(out.read_text())
    places = {(r["objective"], r["place"]): r for r in saved["results"]}
    assert sorted(places) == sorted(pairs(spec))  # nothing dropped
    window = Window(start=t0 + WINDOW[0], end=t0 + WINDOW[1])
    with PrometheusClient(url) as client:
        everywhere = {(r.objective, r.place): r for r in evaluate_spec(spec, client, window, 1.0)}
    unmeasured = unmeasured_places(platform_for(platform), save)
    for key, reported in places.items():
        if key[1] in unmeasured:
            assert (reported["measurable"], reported["gating"]) == (False, False)
            assert reported["reason"].startswith("not measurable on this platform")
        else:
            assert reported["measurable"] and reported["verdict"] == everywhere[key].verdict
    assert set(unmeasured) == ({"edge", "client"} if platform == "kubernetes" else set())
    judged = [r for key, r in everywhere.items() if key[1] not in unmeasured]
    assert result.exit_code == saved["exit_code"] == exit_code_of(judged)
    if platform == "kubernetes":
        assert "not measurable" in result.stdout


def kubernetes_pod_kill(kubernetes: dict[str, str]) -> tuple[list[ObjectiveResult], ...]:
    """The pod-kill scenario's phases as Kubernetes would report them."""
    report = passing_pod_kill()
    phases = []
    for phase in report.phases:
        kept = [r for r in phase.results if r.place not in kubernetes]
        gone = {r.objective for r in phase.results if r.place in kubernetes}
        _, missing = split_places(report.slo.only(lambda o, gone=gone: o.name in gone), kubernetes)
        phases.append(in_spec_order(report.slo, kept + missing))
    return tuple(phases)


def test_reports_say_not_measurable_and_do_not_gate_on_it(
    tmp_path: Path, kubernetes: dict[str, str]
) -> None:
    report = passing_pod_kill()
    phases = [
        PhaseResults(phase=p.phase, window=p.window, results=results)
        for p, results in zip(report.phases, kubernetes_pod_kill(kubernetes), strict=True)
    ]
    report = report.model_copy(update={"phases": phases})
    paths = write_report(report, tmp_path)
    unmeasurable = [r for p in phases for r in p.results if not r.measurable]
    assert unmeasurable and report.exit_code is ExitCode.OK

    saved = json.loads(paths["report.json"].read_text())
    flags = [r["measurable"] for p in saved["phases"] for r in p["results"]]
    assert flags.count(False) == len(unmeasurable)

    summary = paths["summary.md"].read_text()
    edge_row = "| baseline | availability | edge | not measurable | not measurable on this platform"
    assert edge_row in summary

    html = paths["report.html"].read_text()
    assert html.count('<span class="verdict unmeasurable">not measurable</span>') == len(
        unmeasurable
    )

    suites = ET.fromstring(paths["junit.xml"].read_text())
    skipped = [case for case in suites.iter("testcase") if case.find("skipped") is not None]
    assert len(skipped) == len(unmeasurable)
    for case in skipped:
        assert case.find("failure") is None and case.find("error") is None
        message = case.find("skipped").get("message")  # type: ignore[union-attr]
        assert message is not None and message.startswith("not measurable on this platform")
    baseline = next(s for s in suites if s.get("name", "").endswith(".baseline"))
    assert baseline.get("skipped") == str(sum(not r.measurable for r in phases[0].results))
