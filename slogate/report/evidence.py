"""The evidence of one objective's result as text: a JUnit message, a Markdown row, the
cells of a terminal table (pure: data in, strings out)."""

from __future__ import annotations

from slogate.slo.evaluate import ObjectiveResult


def quantiles_text(result: ObjectiveResult) -> str:
    """`p95 in (0.25, 0.5] s; ...`: the bucket bounds each quantile falls between."""
    parts = []
    for name, q in result.evidence.quantiles.items():
        upper = "+Inf" if q.upper is None else f"{q.upper:g}"
        parts.append(f"{name} in ({q.lower:g}, {upper}] s")
    return "; ".join(parts)


def budget_text(result: ObjectiveResult) -> str:
    """Error budget consumed and remaining, and the burn rate ('' without a budget)."""
    budget = result.evidence.budget
    if budget is None:
        return ""
    return (
        f"budget consumed {budget.consumed:.1%}, remaining {budget.remaining:.1%}, "
        f"burn rate {budget.burn_rate:.2f}x"
    )


def describe(result: ObjectiveResult) -> str:
    """One paragraph of evidence for a result (JUnit messages, the HTML report)."""
    lines = [f"{result.verdict.value}: {result.reason}"]
    for extra in (budget_text(result), quantiles_text(result)):
        if extra:
            lines.append(extra)
    if result.evidence.queries:
        lines.append("PromQL: " + " | ".join(result.evidence.queries))
    return "\n".join(lines)


def verdict_text(result: ObjectiveResult) -> str:
    """How a result's verdict reads: PASS, FAIL (not gating), not measurable (the platform has
    no such SLI: gate/measurable.py)."""
    if not result.measurable:
        return "not measurable"
    return result.verdict.value + ("" if result.gating else " (not gating)")


def markdown_row(result: ObjectiveResult, *leading: str) -> str:
    """A table row: leading cells, objective, at, verdict, evidence, budget, quantiles."""
    verdict = verdict_text(result)
    cells = [*leading, result.objective, result.place, verdict, result.reason]
    cells += [budget_text(result), quantiles_text(result)]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
