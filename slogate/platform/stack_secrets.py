"""A stack's secrets: the admin token and the Redis password, one file each (mode 0600) in
the stack's folder (mode 0700).

    .slogate/stacks/NAME/admin-token      bearer token of the service's fault hooks
                                          (`/admin/faults`) and of the supervisor's control API
    .slogate/stacks/NAME/redis-password   the stack's Redis `requirepass`

`slogate up` creates each (random) when its file does not exist yet; everything that reaches a
hook, the control API or Redis reads the same file. The edge blocks `/admin` from outside, so
only a caller on this machine that can read the file can inject faults.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from slogate.errors import InfrastructureError
from slogate.platform.state import ensure_stack_dir, stack_dir

ADMIN_TOKEN = "admin-token"  # noqa: S105 (a file name, not a secret)
REDIS_PASSWORD = "redis-password"  # noqa: S105 (a file name, not a secret)


def secret_path(stack: str, name: str) -> Path:
    """Where stack `stack` keeps its secret `name` (ADMIN_TOKEN, REDIS_PASSWORD)."""
    return stack_dir(stack) / name


def ensure_secret(stack: str, name: str) -> str:
    """The stack's secret `name`, created (0600, random) when the file does not exist yet."""
    ensure_stack_dir(stack)
    path = secret_path(stack, name)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret(stack, name)
    value = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    return value


def read_secret(stack: str, name: str) -> str:
    """The stack's secret `name`; an error naming the file when there is none."""
    path = secret_path(stack, name)
    try:
        value = path.read_text().strip()
    except FileNotFoundError:
        raise InfrastructureError(
            f"{path} does not exist: the stack was not started by this slogate "
            f"(restart it: slogate down --stack {stack} && slogate up --stack {stack})"
        ) from None
    if not value:
        raise InfrastructureError(f"{path} is empty; delete it and restart the stack")
    return value


def admin_headers(stack: str) -> dict[str, str]:
    """The Authorization header of the fault hooks and the supervisor's control API."""
    return {"Authorization": f"Bearer {read_secret(stack, ADMIN_TOKEN)}"}
