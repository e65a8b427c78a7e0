"""The stack's admin token for the service's fault hooks (`/admin/faults`).

`slogate up` creates one random token per stack in `.slogate/stacks/NAME/admin-token` (mode
0600) and starts every replica with the admin API enabled and that token; slogate's chaos
activities read it from the same file. The edge blocks `/admin` from outside, so only a caller
on this machine with the file can inject faults, and only on the replicas directly.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from slogate.errors import InfrastructureError
from slogate.platform.state import stack_dir

TOKEN_FILE = "admin-token"  # noqa: S105 (a file name, not a secret)


def admin_token_path(stack: str) -> Path:
    """Where stack `stack` keeps its admin token."""
    return stack_dir(stack) / TOKEN_FILE


def ensure_admin_token(stack: str) -> str:
    """The stack's token, created (0600, random) when the file does not exist yet."""
    path = admin_token_path(stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_admin_token(stack)
    token = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token)
    return token


def read_admin_token(stack: str) -> str:
    """The stack's token; an error naming the file when there is none."""
    path = admin_token_path(stack)
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        raise InfrastructureError(
            f"{path} does not exist: the stack was not started by this slogate "
            f"(restart it: slogate down --stack {stack} && slogate up --stack {stack})"
        ) from None
    if not token:
        raise InfrastructureError(f"{path} is empty; delete it and restart the stack")
    return token
