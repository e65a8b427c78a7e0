"""The client's latency figures for the report, from the load run's folder: per route from
Locust's `locust_stats.csv`, over all routes from the HDR percentiles in `summary.json`."""

from __future__ import annotations

import csv
from pathlib import Path

from slogate.load.results import LoadSummary
from slogate.report.model import RouteLatency

STATS_CSV = "locust_stats.csv"
ALL_ROUTES = "all routes"


def _number(row: dict[str, str], column: str) -> float | None:
    try:
        return float(row[column])
    except (KeyError, ValueError):
        return None


def locust_route_latency(stats_csv: Path) -> list[RouteLatency]:
    """One row per route of Locust's statistics (its `Aggregated` row as `all routes`); none
    when the file is missing or unreadable."""
    try:
        with stats_csv.open(newline="") as stream:
            rows = list(csv.DictReader(stream))
    except OSError:
        return []
    found = []
    for row in rows:
        requests = _number(row, "Request Count")
        if requests is None:
            continue
        aggregated = row.get("Name") == "Aggregated" and not row.get("Type")
        failures = _number(row, "Failure Count")
        found.append(
            RouteLatency(
                route=ALL_ROUTES if aggregated else f"{row.get('Type', '')} {row.get('Name', '')}",
                source="locust",
                timing="service",
                requests=int(requests),
                failures=None if failures is None else int(failures),
                p50_ms=_number(row, "50%"),
                p95_ms=_number(row, "95%"),
                p99_ms=_number(row, "99%"),
                max_ms=_number(row, "Max Response Time"),
            )
        )
    return found


def client_latency(summary: LoadSummary | None, load_dir: Path) -> list[RouteLatency]:
    """The exact figures over all routes (both timings), then Locust's per route."""
    exact = []
    if summary is not None:
        for timing, row in summary.latency.items():
            if row.count:
                exact.append(
                    RouteLatency(
                        route=ALL_ROUTES, source="hdr", timing=timing, requests=row.count,
                        p50_ms=row.p50_ms, p95_ms=row.p95_ms, p99_ms=row.p99_ms,
                        max_ms=row.max_ms,
                    )
                )  # fmt: skip
    return exact + locust_route_latency(load_dir / STATS_CSV)
