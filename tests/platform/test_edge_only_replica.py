"""The edge in front of a one-replica stack does not take its only replica out for one slow
readiness check (two in a row do); with more replicas one failed check still does.

Real HAProxy with slogate's generated config, in front of a real HTTP server on loopback
standing in for the replica: its readiness answer is held 1.5 s once (over the check
interval, which bounds a check's time), as a busy event loop near capacity holds it. The
edge generated before (`fall 1` for every stack, the weakened one here) answered the clients
503 until the next check; the only replica never stopped answering them itself.

The check interval here is 1 s (the stacks' is shorter): on a loaded 2-core machine, with the
client's thread in this same process, an ordinary check answered a few hundred ms late must
not count as a second failed check; only the deliberately slow answer misses. The client
pauses a few ms between requests for the same reason (it would otherwise hold the GIL the
replica's threads need).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from slogate.host.binaries import find_binary
from slogate.host.processes import spawn, stop_process
from slogate.platform.local import haproxy
from tests.support.http_thread import serving
from tests.support.waiting import free_port, wait_until

pytestmark = pytest.mark.slow

CHECK_INTERVAL_MS = 1000  # test-only: long enough that only the slow answer misses
SLOW_CHECK_S = 1.5  # over the interval (a check's timeout), under two (the next check)
CLIENT_PAUSE_S = 0.005


class Replica(ThreadingHTTPServer):
    """Answers every request at once, but holds its next readiness answer when asked."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.checks = 0  # readiness answers sent
        self.slow_next = threading.Event()
        self.slow_done_at: int | None = None  # the check count after the slow one

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: Replica

    def do_GET(self) -> None:
        if self.path == "/health/readiness":
            slow = self.server.slow_next.is_set()
            self.server.slow_next.clear()
            if slow:
                time.sleep(SLOW_CHECK_S)  # the fault itself: this answer comes late
            self._answer(b"ready")
            self.server.checks += 1
            if slow:
                self.server.slow_done_at = self.server.checks
            return
        self._answer(b"hello")

    def _answer(self, body: bytes) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # HAProxy gave up on a late check and closed the connection

    def log_message(self, format: str, *args: object) -> None:
        pass


def replica() -> AbstractContextManager[Replica]:
    return serving(Replica())


@contextmanager
def edge(tmp_path: Path, replica_ports: list[int], weakened: bool) -> Iterator[tuple[str, Path]]:
    """HAProxy with slogate's config for `replica_ports`; (its URL, its runtime socket)."""
    settings = haproxy.EdgeSettings(
        port=free_port(), metrics_port=free_port(), replica_ports=replica_ports,
        readiness_path="/health/readiness", check_interval_ms=CHECK_INTERVAL_MS,
        socket_path=tmp_path / "haproxy.sock",
    )  # fmt: skip
    text = haproxy.haproxy_config(settings)
    if weakened:  # what every stack got before: one failed check takes any replica out
        text = text.replace(f"fall {haproxy.ONLY_REPLICA_FALL} ", "fall 1 ")
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    process = spawn(haproxy.haproxy_command(find_binary("haproxy").path, config),
                    tmp_path / "haproxy.log")  # fmt: skip
    try:
        wait_until(
            lambda: set(haproxy.server_status(settings.socket_path).values()) == {"UP"},
            30, what="the edge to see its replicas UP",
        )  # fmt: skip
        yield f"http://127.0.0.1:{settings.port}", settings.socket_path
    finally:
        stop_process(process, 10)


def server_stats(socket_path: Path, server: str) -> dict[str, str]:
    """HAProxy's `show stat` row of one server of the backend."""
    lines = haproxy.runtime_command(socket_path, "show stat").strip().splitlines()
    header = lines[0][2:].split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
    return next(r for r in rows if r["pxname"] == haproxy.BACKEND and r["svname"] == server)


def answers_during_one_slow_check(url: str, only: Replica) -> list[int]:
    """The edge's answers to a client asking every few ms from before the slow check until
    the check after it has been answered."""
    codes: list[int] = []
    done = threading.Event()

    def ask() -> None:
        with httpx.Client(timeout=5) as client:
            while not done.wait(CLIENT_PAUSE_S):
                codes.append(client.get(f"{url}/api/hello").status_code)

    asking = threading.Thread(target=ask)
    asking.start()
    try:
        wait_until(lambda: len(codes) >= 5, 10, 0.01, "the client's first answers")
        only.slow_next.set()
        wait_until(
            lambda: only.slow_done_at is not None and only.checks >= only.slow_done_at + 1,
            10, 0.01, "the slow check and the one after it",
        )  # fmt: skip
    finally:
        done.set()
        asking.join(timeout=10)
    return codes


@pytest.mark.parametrize("weakened", [False, True], ids=["generated", "weakened-fall-1"])
def test_one_slow_check_does_not_take_out_the_only_replica(tmp_path: Path, weakened: bool) -> None:
    with replica() as only, edge(tmp_path, [only.port], weakened) as (url, socket_path):
        codes = answers_during_one_slow_check(url, only)
        stats = server_stats(socket_path, "replica-0")
    assert int(stats["chkfail"]) >= 1  # the slow check did fail (it outlasted the interval)
    if weakened:
        assert int(stats["chkdown"]) >= 1 and 503 in codes, (stats["chkdown"], set(codes))
    else:
        assert int(stats["chkdown"]) == 0, stats
        assert set(codes) == {200}, sorted(set(codes))


def test_with_more_replicas_one_failed_check_still_takes_a_replica_out(tmp_path: Path) -> None:
    with (
        replica() as first,
        replica() as second,
        edge(tmp_path, [first.port, second.port], weakened=False) as (url, socket_path),
    ):
        codes = answers_during_one_slow_check(url, first)
        stats = server_stats(socket_path, "replica-0")
    assert int(stats["chkfail"]) >= 1 and int(stats["chkdown"]) >= 1, stats
    assert set(codes) == {200}  # its requests went to the other replica
