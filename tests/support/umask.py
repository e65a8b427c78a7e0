"""The process's umask set for a block (file-mode tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """Set the umask to `mask` inside the block, the previous one after it."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)
