"""The one-line outcome of a run, shared by the HTML, Markdown and terminal outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from slogate.errors import ExitCode
from slogate.report.model import RunReport, RunStatus
from slogate.slo.stats import Verdict

T = TypeVar("T")

OUTCOME = {
    ExitCode.OK: "PASS",
    ExitCode.BREACHED: "FAIL",
    ExitCode.USAGE: "BAD INPUT",
    ExitCode.INCONCLUSIVE: "INCONCLUSIVE",
    ExitCode.INFRASTRUCTURE: "INFRASTRUCTURE FAILURE",
    ExitCode.INTERRUPTED: "INTERRUPTED",
}
# CSS class of the outcome banner
TONE = {
    ExitCode.OK: "pass",
    ExitCode.BREACHED: "fail",
    ExitCode.USAGE: "error",
    ExitCode.INCONCLUSIVE: "inconclusive",
    ExitCode.INFRASTRUCTURE: "error",
    ExitCode.INTERRUPTED: "inconclusive",
}


def outcome(report: RunReport) -> str:
    """`PASS`, `FAIL`, ... with `(partial: why)` when the run did not finish."""
    text = OUTCOME[report.exit_code]
    if report.status is RunStatus.PARTIAL:
        text += f" (partial: {report.partial_reason})"
    return text


def counts_line(report: RunReport) -> str:
    """`12 gating objectives: 10 PASS, 1 FAIL, 1 INCONCLUSIVE`."""
    counts = report.verdict_counts()
    total = sum(counts.values())
    parts = ", ".join(f"{n} {verdict.value}" for verdict, n in counts.items() if n)
    return f"{total} gating verdicts: {parts or 'none'}"


EDGE_RETRIES = {
    "ingress": "the edge retries failed idempotent requests on another replica, like an ingress",
    "none": "the edge retries nothing, like a plain Kubernetes Service",
}


def edge_line(report: RunReport) -> str | None:
    """`edge retries: none (the edge retries nothing, ...)`; None for reports without it."""
    retries = report.config.get("edge_retries")
    if retries is None:
        return None
    return f"edge retries: {retries} ({EDGE_RETRIES.get(str(retries), 'unknown policy')})"


def failing_first(results: list[T], verdict_of: Callable[[T], tuple[Verdict, bool]]) -> list[T]:
    """Gating FAILs first, then gating INCONCLUSIVEs, then PASSes, then what does not gate;
    otherwise in their own order (phase by phase). `verdict_of` gives (verdict, gating)."""

    def rank(item: T) -> int:
        verdict, gating = verdict_of(item)
        if not gating:
            return 3
        return {Verdict.FAIL: 0, Verdict.INCONCLUSIVE: 1, Verdict.PASS: 2}[verdict]

    return sorted(results, key=rank)
