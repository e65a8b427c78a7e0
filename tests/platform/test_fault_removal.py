"""Rolling back a supervisor fault needs the stack's admin token, like any control-API call: a
real control server (in this process) answers the rollback with and without it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from slogate.chaos.ledger import Fault, FaultEvent, Rollback
from slogate.config import SlogateConfig
from slogate.platform.base import FaultNotRemoved
from slogate.platform.local.control import serve_control
from slogate.platform.local.fault_removal import remove_local_fault
from slogate.platform.local.supervisor import Supervisor
from slogate.platform.stack_secrets import ADMIN_TOKEN, ensure_secret, secret_path
from tests.support.cli import slogate_home
from tests.support.waiting import free_port

STACK = "removal"


@pytest.fixture
def control_url(tmp_path: Path) -> Iterator[str]:
    """A control server behind the stack's token (SLOGATE_HOME in tmp_path while it runs)."""
    with slogate_home(tmp_path):
        token = ensure_secret(STACK, ADMIN_TOKEN)
        port = free_port()
        supervisor = Supervisor(SlogateConfig().timings, stack=STACK)
        server = serve_control(supervisor, port, token)
        done = threading.Event()
        loop = threading.Thread(target=lambda: _serve_until(supervisor, done), daemon=True)
        loop.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            done.set()
            loop.join(timeout=5)
            server.shutdown()
            server.server_close()


def _serve_until(supervisor: Supervisor, done: threading.Event) -> None:
    """The supervisor's loop (it runs the control API's calls), as the daemon turns it."""
    while not done.is_set():
        supervisor.tick(0.05)


def _fault(url: str, injector_id: str | None) -> Fault:
    now = time.time()
    return Fault(
        fault_id="f1", run_id="run-1", kind="redis_hang", target="redis",
        state=FaultEvent.APPLIED, intended_at=now, applied_at=now, ended_at=None,
        expires_at=now + 60,
        rollback=Rollback(via="supervisor_fault", url=url, injector_id=injector_id,
                          detail={"part": "redis"}),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("injector_id", "outcome"),
    [("0123456789ab", "removed"), (None, "already gone at the injector")],
    ids=["by-id", "by-part"],
)
def test_rollback_sends_the_stack_token(
    control_url: str, injector_id: str | None, outcome: str
) -> None:
    # the supervisor answers (no such fault: it ended), it does not refuse
    assert remove_local_fault(STACK, _fault(control_url, injector_id)) == outcome


@pytest.mark.parametrize("token", ["stale-token", None], ids=["stale", "missing"])
def test_rollback_without_the_token_is_reported(control_url: str, token: str | None) -> None:
    path = secret_path(STACK, ADMIN_TOKEN)
    if token is None:
        path.unlink()
    else:
        path.write_text(token)
    with pytest.raises(FaultNotRemoved, match=r"answered 401 \(the stack's admin token"):
        remove_local_fault(STACK, _fault(control_url, "0123456789ab"))
