"""A real Prometheus Pushgateway (Debian's `prometheus-pushgateway`, installed by `make setup`)
on a free loopback port, and what it holds, parsed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.stopping import terminate
from tests.support.waiting import free_port, wait_until

BINARY = "prometheus-pushgateway"
READY_TIMEOUT_S = 20
HTTP_TIMEOUT_S = 5


@dataclass
class Pushgateway:
    url: str

    def samples(self, name: str) -> dict[frozenset[tuple[str, str]], float]:
        """Every sample of metric `name` it serves: labels -> value."""
        text = httpx.get(f"{self.url}/metrics", timeout=HTTP_TIMEOUT_S).text
        return {
            frozenset(sample.labels.items()): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name
        }

    def value(self, name: str, **labels: str) -> float | None:
        """The one sample of `name` whose labels include `labels` (None: there is none)."""
        matches = [v for k, v in self.samples(name).items() if set(labels.items()) <= k]
        assert len(matches) <= 1, (name, labels, matches)
        return matches[0] if matches else None


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _start(binary: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start it on a free port; another port when that one was taken meanwhile."""
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [binary, f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started = wait_until(
            lambda: process.poll() is not None or _ready(url),  # noqa: B023 (called right here)
            READY_TIMEOUT_S, interval=0.05, what="the Pushgateway",
        )  # fmt: skip
        if started and process.poll() is None:
            return process, url
        process.wait(timeout=10)
    pytest.fail("the Pushgateway did not start on any of 3 free ports", pytrace=False)


@contextmanager
def running_pushgateway() -> Iterator[Pushgateway]:
    """The Pushgateway, stopped at the end (also when the test fails)."""
    binary = shutil.which(BINARY) or shutil.which(BINARY, path="/usr/bin")
    if binary is None:
        pytest.fail(f"{BINARY} is not installed: `make setup` installs it", pytrace=False)
    process, url = _start(binary)
    try:
        yield Pushgateway(url)
    finally:
        terminate(process)
