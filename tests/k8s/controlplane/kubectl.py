"""kubectl, as built with the control plane, pointed at it; every call has a timeout."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.k8s.controlplane.binaries import REPO

DEFAULT_TIMEOUT_S = 60.0


class KubectlFailed(AssertionError):
    """kubectl exited non-zero; the message quotes the command and its output."""

    def __init__(self, command: list[str], result: subprocess.CompletedProcess[str]) -> None:
        self.result = result
        super().__init__(
            f"{' '.join(command)} exited {result.returncode}\n"
            f"stdout: {result.stdout[-3000:]}\nstderr: {result.stderr[-3000:]}"
        )


@dataclass(frozen=True)
class Kubectl:
    binary: Path
    kubeconfig: Path
    cache_dir: Path
    as_user: str | None = None

    def impersonating(self, user: str) -> Kubectl:
        """The same kubectl acting as `user` (the administrator may impersonate)."""
        return Kubectl(self.binary, self.kubeconfig, self.cache_dir, as_user=user)

    def command(self, *arguments: str) -> list[str]:
        command = [
            str(self.binary),
            f"--kubeconfig={self.kubeconfig}",
            f"--cache-dir={self.cache_dir}",
            "--request-timeout=30s",
        ]
        if self.as_user:
            command.append(f"--as={self.as_user}")
        return [*command, *arguments]

    def run_unchecked(
        self, *arguments: str, stdin: str | None = None, timeout: float = DEFAULT_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*arguments),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=REPO,
        )

    def run(
        self, *arguments: str, stdin: str | None = None, timeout: float = DEFAULT_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        result = self.run_unchecked(*arguments, stdin=stdin, timeout=timeout)
        if result.returncode != 0:
            raise KubectlFailed(self.command(*arguments), result)
        return result

    def refused(self, *arguments: str, stdin: str | None = None) -> str:
        """Run a command that must fail; return its stderr (fails the test if it succeeds)."""
        result = self.run_unchecked(*arguments, stdin=stdin)
        if result.returncode == 0:
            raise AssertionError(
                f"{' '.join(self.command(*arguments))} succeeded but should have been refused\n"
                f"stdout: {result.stdout[-2000:]}"
            )
        return result.stderr

    def get(self, *arguments: str) -> dict[str, Any]:
        value = json.loads(self.run("get", *arguments, "--output=json").stdout)
        assert isinstance(value, dict)
        return value
