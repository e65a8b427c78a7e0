"""summary.md of a run: short enough for a CI job summary ($GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

from datetime import UTC, datetime

from slogate.report.evidence import markdown_row
from slogate.report.headline import counts_line, edge_line, failing_first, outcome
from slogate.report.latency import latency_markdown
from slogate.report.model import RunReport
from slogate.slo.evaluate import ObjectiveResult
from slogate.slo.stats import Verdict

ICON = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.INCONCLUSIVE: "⚠️"}


def _verdict(pair: tuple[str, ObjectiveResult]) -> tuple[Verdict, bool]:
    return pair[1].verdict, pair[1].gating


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _detection(report: RunReport) -> list[str]:
    """What each judged objective could detect (computed before the run)."""
    if not report.detection:
        return []
    powers = " / ".join(sorted({f"{figure.power * 100:.0f} %" for figure in report.detection}))
    header = f"| phase | objective | smallest breach detected ({powers} power) |"
    lines = ["", header, "|---|---|---|"]
    for figure in report.detection:
        text = figure.describe() + figure.power_text()
        if figure.meets_requirement is not None and figure.required_burn is not None:
            met = "met" if figure.meets_requirement else "NOT met"
            text += f"; detect: {figure.required_burn:g}x {met}"
        lines.append(f"| {figure.phase} | {figure.objective} | {text} |")
    return lines


def _reconciliation(report: RunReport) -> list[str]:
    """Client vs edge vs server counts per window, the tolerance's basis and remarks."""
    if not report.client_server:
        return []
    lines = [
        "",
        "| phase | client req / err | edge req / err | server req / err | difference | "
        "tolerance | remark |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in report.client_server:
        difference = c.total_difference
        lines.append(
            f"| {c.phase}{' (fault)' if c.in_fault else ''} "
            f"| {_count(c.client_total)} / {_count(c.client_errors)} "
            f"| {_count(c.edge_total)} / {_count(c.edge_errors)} "
            f"| {_count(c.server_total)} / {_count(c.server_errors)} "
            f"| {'–' if difference is None else f'{difference:.2%}'} "
            f"| {c.tolerance_basis()} | {c.remark()} |"
        )
    return lines


def to_markdown(report: RunReport, html_name: str = "report.html") -> str:
    lines = [
        f"## slogate `{report.gate}`: {outcome(report)} (exit {int(report.exit_code)})",
        "",
        f"Run `{report.run_id}`, {_when(report.started_at)}, {report.duration_s:.0f} s. "
        f"{counts_line(report)}.",
        "",
    ]
    edge = edge_line(report)
    if edge:
        lines += [f"{edge[0].upper()}{edge[1:]}.", ""]
    if report.partial_reason:
        lines += [f"> **Partial run**: {report.partial_reason}. Results below are incomplete.", ""]
    lines += [f"- {note}" for note in report.notes]
    if report.notes:
        lines.append("")
    lines += [
        "| | phase | objective | at | verdict | evidence | budget | quantiles |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for phase, result in failing_first(report.phase_results(), _verdict):
        lines.append(markdown_row(result, ICON[result.verdict], phase))
    if report.recoveries:
        lines += ["", "| fault | objective | time to recover | verdict |", "|---|---|---|---|"]
        for recovery in report.recoveries:
            seconds = recovery.seconds
            took = "not recovered" if seconds is None else f"{seconds:.1f} s"
            verdict = recovery.verdict.value if recovery.verdict else ""
            lines.append(f"| {recovery.kind} | {recovery.objective or ''} | {took} | {verdict} |")
    unseen = [
        (c.phase, c.errors_server_never_saw) for c in report.client_server
        if c.errors_server_never_saw
    ]  # fmt: skip
    if unseen:
        lines.append("")
        for phase, count in unseen:
            lines.append(f"- {phase}: {count:,} client errors the server never saw")
    lines += latency_markdown(report) + _detection(report) + _reconciliation(report)
    lines += ["", f"Full report: `{html_name}` in the run folder `reports/{report.run_id}/`."]
    return "\n".join(lines) + "\n"
