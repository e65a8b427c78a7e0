"""The client latency table of the report (summary.md and report.html): the exact HDR
figures over all routes and Locust's per route, beside the objectives' bucket estimates."""

from __future__ import annotations

from slogate.report.model import RouteLatency, RunReport

HEADER = ["route", "source", "timing", "requests", "failures", "p50 ms", "p95 ms", "p99 ms",
          "max ms"]  # fmt: skip
SOURCE = {"hdr": "HDR (exact)", "locust": "Locust (~2 digits)"}
INTRO = (
    "Client latency: exact over all routes from the load generator's HDR histograms, and per "
    "route from Locust's own statistics (rounded to about 2 significant digits); the "
    "objectives' p95/p99 above are estimates from Prometheus' buckets."
)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.4g}"


def latency_cells(row: RouteLatency) -> list[str]:
    failures = "–" if row.failures is None else f"{row.failures:,}"
    return [
        row.route, SOURCE.get(row.source, row.source), row.timing, f"{row.requests:,}", failures,
        _ms(row.p50_ms), _ms(row.p95_ms), _ms(row.p99_ms), _ms(row.max_ms),
    ]  # fmt: skip


def latency_markdown(report: RunReport) -> list[str]:
    """The table as Markdown lines (none without figures)."""
    if not report.client_latency:
        return []
    lines = ["", INTRO, "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(latency_cells(r)) + " |" for r in report.client_latency]
    return lines
