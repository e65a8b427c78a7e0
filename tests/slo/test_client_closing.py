"""Closing the Prometheus client while queries hang, and Ctrl-C during an evaluation.

The peer is a real local socket that accepts connections (the kernel's backlog) and never
answers: a Prometheus that hangs. Nothing is faked.

What is shown: close() waits for the queries in flight (each bounded by the client's timeout)
and then refuses every later query at once without opening a new connection pool; Ctrl-C
during an evaluation of several objectives returns only when no objective thread is left.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from slogate.slo.evaluate import Evaluator, Window
from slogate.slo.prometheus import PrometheusAuth, PrometheusClient, PrometheusUnavailable
from slogate.slo.spec import load_spec
from tests.support.cli import REPO
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow
TIMEOUT_S = 1.0


@pytest.fixture
def silent_url() -> Iterator[str]:
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def _objective_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("slo-objective")]


def test_closing_ends_the_queries_in_flight_and_refuses_later_ones(silent_url: str) -> None:
    client = PrometheusClient(silent_url, PrometheusAuth(timeout_s=TIMEOUT_S))
    errors: list[BaseException] = []

    def batch() -> None:
        try:
            client.vectors([("up", 0.0)] * 8)
        except PrometheusUnavailable as error:
            errors.append(error)

    querying = threading.Thread(target=batch)
    querying.start()
    wait_until(lambda: client.queries >= 4, timeout=5, what="four queries in flight")
    client.close()
    querying.join(timeout=3 * TIMEOUT_S)
    assert not querying.is_alive()
    assert client.queries == 4  # the four queued queries were dropped, not sent
    assert len(errors) == 1
    before = time.monotonic()
    for query in (lambda: client.vector("up", 0.0), lambda: client.vectors([("up", 0.0)] * 2)):
        with pytest.raises(PrometheusUnavailable, match="is closed"):
            query()
    assert time.monotonic() - before < 0.1
    assert client._client is None and client._pool is None  # nothing left open


def _interrupt_when_querying(client: PrometheusClient, done: threading.Event) -> None:
    """SIGINT this process once the evaluation has queries hanging at the silent peer (an
    event, not a delay: a loaded machine may start the evaluation late)."""
    while not done.is_set():
        if client.queries >= 1:
            os.kill(os.getpid(), signal.SIGINT)
            return
        time.sleep(0.01)


def test_ctrl_c_during_an_evaluation_leaves_no_objective_running(silent_url: str) -> None:
    spec = load_spec(REPO / "slo/target-service.yaml")
    pairs = sum(len(o.measured_at) for o in spec.spec.objectives)
    assert pairs > 4  # more objectives than run at once: some are queued at the interrupt
    now = time.time()
    window = Window(start=now - 120, end=now)
    with PrometheusClient(silent_url, PrometheusAuth(timeout_s=TIMEOUT_S)) as client:
        evaluator = Evaluator(client=client, window=window, scrape_interval_s=1.0)
        in_flight = threading.Event()  # set once queries hang: the interrupt comes mid-way
        interrupt = threading.Thread(target=_interrupt_when_querying, args=(client, in_flight))
        interrupt.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                evaluator.evaluate(spec)
        finally:
            in_flight.set()
            interrupt.join(timeout=10)
        assert _objective_threads() == []
        queries = client.queries
    assert client.queries == queries  # nothing ran on after the client closed
