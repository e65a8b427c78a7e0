"""The report's "what this gate can detect" table and its client / server / edge
reconciliation: report.json, report.html and summary.md, asserted by value."""

from __future__ import annotations

import html
import re

from slogate.gate.phases import PhaseWindow
from slogate.gate.verdicts import compare_counts
from slogate.report.html import to_html
from slogate.report.model import Detection, RunReport
from slogate.report.summary import to_markdown
from slogate.slo.evaluate import Window
from slogate.slo.power import min_detectable_share
from tests.report.scenarios import START, passing_pod_kill

BASELINE = PhaseWindow("baseline", "baseline", Window(start=START, end=START + 32), ("a",))
# named as the scenario's phases are (a real run's windows and verdicts share their labels)
FAULT = PhaseWindow("fault", "fault", Window(start=START + 32, end=START + 44), ("a",), "kill")


def _counts(client: tuple[int, int], edge: tuple[int, int], server: tuple[int, int]):
    return {
        "client_total": client[0], "client_errors": client[1], "edge_total": edge[0],
        "edge_errors": edge[1], "server_total": server[0], "server_errors": server[1],
    }  # fmt: skip


def _figure(phase: str, objective: str, allowed: float, low: int, high: int) -> Detection:
    sli = "latency" if objective.startswith("p95") else "availability"
    return Detection(
        phase=phase, objective=objective, sli=sli, allowed_bad_share=allowed,
        threshold=0.5 if sli == "latency" else None, planned_requests=(low + high) / 2,
        requests_low=low, requests_high=high,
        min_detectable_share=min_detectable_share(low, high, allowed), required_burn=3.0,
    )  # fmt: skip


FIGURES = [
    _figure("baseline", "availability", 0.001, 4824, 6697),
    _figure("fault", "error-rate-under-1pct", 0.01, 1584, 2736),
    _figure("recovery", "p95-under-500ms", 0.05, 60, 90),  # too thin for 3x
    Detection(
        phase="after each fault",
        objective="time-to-recover",
        sli="time_to_recover",
        applicable=False,
    ),
]


def report() -> RunReport:
    """The pod-kill scenario with what its phases could detect, a baseline where an outside
    probe added requests at the server and edge, and a kill whose errors the edge retried
    (24 at the server, 2 at the client and the edge)."""
    # 5 % tolerance; 2 scrapes of 1 s at 180 req/s of slack
    baseline, _, _ = compare_counts(
        BASELINE, _counts((5760, 0), (5920, 0), (5920, 0)), 0.05, 180.0, 1.0
    )
    fault, note, suspect = compare_counts(
        FAULT, _counts((2160, 2), (2160, 2), (2182, 24)), 0.05, 180.0, 1.0
    )
    assert not suspect and note is not None
    assert note.startswith("fault: the edge retried 22 of the server's 24 errors")
    return passing_pod_kill().model_copy(
        update={"detection": FIGURES, "client_server": [baseline, fault],
                "notes": [note]}
    )  # fmt: skip


def rows(page: str, table_class: str) -> list[list[str]]:
    """The cells of a table's body rows as text."""
    table = page[page.index(f'<table class="{table_class}">') :]
    table = table[: table.index("</table>")]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found.append([html.unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in cells])
    return [[" ".join(words) for words in cells] for cells in found]


def test_report_json_keeps_the_figures_and_the_tolerance_basis() -> None:
    document = report()
    again = RunReport.model_validate_json(document.model_dump_json())
    assert again.detection == document.detection
    first = again.detection[0]
    assert (first.phase, first.objective, first.requests_low, first.requests_high) == (
        "baseline", "availability", 4824, 6697,
    )  # fmt: skip
    assert round(first.min_detectable_share or 0, 5) == 0.00294
    assert first.required_burn == 3.0 and first.meets_requirement
    fault = again.client_server[1]
    assert fault.errors_edge_retried == 22
    assert (fault.outside_traffic_tolerance, fault.scrape_tolerance) == (0.05, round(360 / 2182, 6))


def test_html_detection_table() -> None:
    table = rows(to_html(report()), "detection")
    assert table[0] == [
        "baseline", "availability", "an error rate of 0.294 % or worse", "2.9x",
        "4,824–6,697", "3x met",
    ]  # fmt: skip
    assert table[1] == [
        "fault", "error-rate-under-1pct", "an error rate of 1.92 % or worse", "1.9x",
        "1,584–2,736", "3x met",
    ]  # fmt: skip
    assert table[2] == [
        "recovery", "p95-under-500ms", "a share slower than 0.5 s of 16.9 % or worse", "3.4x",
        "60–90", "3x not met",
    ]  # fmt: skip
    assert table[-1] == ["after each fault", "time-to-recover", "n/a", "–", "–", "–"]


def test_html_reconciliation_table_and_the_retry_remark() -> None:
    page = to_html(report())
    baseline, fault = rows(page, "reconciliation")
    assert baseline == [
        "baseline", "5,760", "0", "5,920", "0", "5,920", "0", "2.7 %",
        "11.1 % 5 % outside traffic + 6.1 % scrape alignment", "",
    ]  # fmt: skip
    assert fault[:8] == ["fault (fault)", "2,160", "2", "2,160", "2", "2,182", "24", "1.01 %"]
    assert fault[9].startswith(
        "the edge retried 22 of the server's 24 errors on another replica: the client saw 2, "
        "the edge 2"
    )
    # beside the availability verdicts of that phase, too
    assert "the edge retried 22 errors the server counted on another replica" in page


def test_summary_has_both_tables() -> None:
    text = to_markdown(report())
    assert (
        "| baseline | availability | detects an error rate of 0.294 % or worse (2.9x budget "
        "burn) with 90 % power over 4,824-6,697 requests; detect: 3x met |" in text
    )
    assert "over 60-90 requests; detect: 3x NOT met |" in text
    assert "| after each fault | time-to-recover | n/a (not a share of requests) |" in text
    assert (
        "| baseline | 5,760 / 0 | 5,920 / 0 | 5,920 / 0 | 2.70% | 5 % outside traffic + 6.1 % "
        "scrape alignment |  |" in text
    )
    assert "| fault (fault) | 2,160 / 2 | 2,160 / 2 | 2,182 / 24 | 1.01% |" in text
    assert "- fault: the edge retried 22 of the server's 24 errors" in text
