"""A real Prometheus over known data: series backfilled with promtool, then served.

`promtool tsdb create-blocks-from openmetrics` writes blocks straight into a fresh data folder;
Prometheus 2.42 loads them at start. Data lies in the past (hours ago, within retention), so the
blocks never overlap the head.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.waiting import free_port, wait_until

Labels = dict[str, str]


@dataclass
class SeriesData:
    """Counter/gauge series to backfill: {(family, type): {sample name+labels: [(t, v)]}}."""

    families: dict[tuple[str, str], dict[str, list[tuple[float, float]]]] = field(
        default_factory=dict
    )

    def add(
        self,
        family: str,
        kind: str,
        sample_name: str,
        labels: Labels,
        points: list[tuple[float, float]],
    ) -> None:
        rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        key = f"{sample_name}{{{rendered}}}"
        self.families.setdefault((family, kind), {}).setdefault(key, []).extend(points)

    def counter(
        self, name: str, labels: Labels, t0: float, values: Callable[[int], float], n: int
    ) -> None:
        """`name` ends in _total; values(i) is the value at t0 + i seconds."""
        family = name.removesuffix("_total")
        self.add(family, "counter", name, labels, [(t0 + i, values(i)) for i in range(n)])

    def histogram(
        self,
        name: str,
        labels: Labels,
        t0: float,
        buckets: list[float],
        cumulative: Callable[[int, float], float],
        n: int,
    ) -> None:
        """cumulative(i, le) is the bucket count at t0 + i (le = inf for +Inf)."""
        for le in [*buckets, float("inf")]:
            le_text = "+Inf" if le == float("inf") else repr(float(le))
            points = [(t0 + i, cumulative(i, le)) for i in range(n)]
            self.add(name, "histogram", f"{name}_bucket", {**labels, "le": le_text}, points)
        self.add(
            name,
            "histogram",
            f"{name}_count",
            labels,
            [(t0 + i, cumulative(i, float("inf"))) for i in range(n)],
        )

    def gauge(self, name: str, labels: Labels, points: list[tuple[float, float]]) -> None:
        self.add(name, "gauge", name, labels, points)

    def openmetrics(self) -> str:
        lines = []
        for (family, kind), series in self.families.items():
            lines.append(f"# TYPE {family} {kind}")
            for key, points in series.items():
                lines.extend(f"{key} {_number(value)} {t:.3f}" for t, value in sorted(points))
        lines.append("# EOF")
        return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return "NaN" if math.isnan(value) else f"{value:.17g}"


@dataclass
class BackfilledPrometheus:
    url: str
    process: subprocess.Popen[bytes]


def _write_config(path: Path) -> None:
    path.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs: []\n"
    )


@contextmanager
def backfilled_prometheus(data: SeriesData) -> Iterator[BackfilledPrometheus]:
    """Prometheus on a free port over `data`; stopped afterwards, even when the test fails."""
    with tempfile.TemporaryDirectory(prefix="slogate-om-") as folder:
        path = Path(folder) / "data.om"
        path.write_text(data.openmetrics())
        with prometheus_over_openmetrics(path) as server:
            yield server


@contextmanager
def prometheus_over_openmetrics(openmetrics: Path) -> Iterator[BackfilledPrometheus]:
    """Backfill the OpenMetrics file `openmetrics` and serve it; stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="slogate-prom-") as folder:
        root = Path(folder)
        storage = root / "tsdb"
        subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(openmetrics),
             str(storage)],
            check=True,
            capture_output=True,
            timeout=600,
        )  # fmt: skip
        config = root / "prometheus.yml"
        _write_config(config)
        port = free_port()
        log = (root / "prometheus.log").open("wb")
        process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={storage}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=30d",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(
                lambda: httpx.get(f"{url}/-/ready", timeout=1).status_code == 200,
                timeout=60,
                what="prometheus ready",
            )
            yield BackfilledPrometheus(url=url, process=process)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
            log.close()
