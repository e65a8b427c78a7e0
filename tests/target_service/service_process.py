"""Start a real `python -m target_service` process on a free port, wait for it, stop it.

Usable from any test (the local platform's tests too):

    with running_service(redis.url, env={"TARGET_ADMIN_ENABLED": "true", ...}) as service:
        httpx.get(service.url + "/health/readiness", timeout=5)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.waiting import free_port

ADMIN_TOKEN = "test-admin-token-0123456789"
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ServiceProcess:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    admin_token: str | None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def is_ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health/readiness", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 20) -> float:
        """Poll readiness until 200; the seconds it took. Fails with the service's log."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"target_service exited with {self.process.returncode}:\n{self.log()}"
                )
            if self.is_ready():
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"target_service not ready after {timeout} s:\n{self.log()}")

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM and wait for the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """Stop whatever state it is in: SIGTERM, then SIGKILL after 10 s."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def service_env(
    redis_url: str, port: int, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_")}
    env.update(
        {
            "TARGET_HOST": "127.0.0.1",
            "TARGET_PORT": str(port),
            "TARGET_REDIS_URL": redis_url,
            "TARGET_SHUTDOWN_DELAY_S": "0",
            "TARGET_LOG_LEVEL": "info",
            "PYTHONPATH": str(REPO_ROOT),
        }
    )
    env.update(extra or {})
    return env


def start_service(
    redis_url: str, env: Mapping[str, str] | None = None, log_dir: Path | None = None
) -> ServiceProcess:
    """Spawn the service (not waiting for it)."""
    port = free_port()
    directory = log_dir or Path(tempfile.mkdtemp(prefix="target-service-"))
    log_path = directory / f"target_service-{port}.log"
    full_env = service_env(redis_url, port, env)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "target_service"],
            env=full_env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    token = full_env.get("TARGET_ADMIN_TOKEN")
    return ServiceProcess(port=port, process=process, log_path=log_path, admin_token=token)


@contextmanager
def running_service(
    redis_url: str, env: Mapping[str, str] | None = None, ready_timeout: float = 20
) -> Iterator[ServiceProcess]:
    """A ready service; stopped afterwards even if the test fails. Retries a lost port race."""
    for attempt in range(3):
        service = start_service(redis_url, env)
        try:
            service.wait_ready(ready_timeout)
        except AssertionError:
            service.stop()
            if attempt == 2 or "address already in use" not in service.log():
                raise
            continue
        try:
            yield service
        finally:
            service.stop()
        return


def admin_env(**extra: str) -> dict[str, str]:
    """Env for a service whose fault hooks are on, with the test token."""
    return {"TARGET_ADMIN_ENABLED": "true", "TARGET_ADMIN_TOKEN": ADMIN_TOKEN, **extra}
