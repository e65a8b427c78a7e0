"""A weakened copy of the reference target, built for tests: it exits at once on SIGTERM.

The reference target keeps serving through its shutdown delay after SIGTERM and then drains
its in-flight requests. This copy replaces that signal handling with an immediate exit (no
delay, no drain), like a service that never implemented a graceful shutdown: whatever it is
serving when it is told to stop is cut. It is a wrapper, not a flag of the reference service.

Run it as a replica command in slogate.yaml: `["{python}", "-m", "tests.support.abrupt_target"]`
with `working_dir` the repository (so `tests` is importable); its seed command is the
reference's (`python -m target_service seed`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from target_service.__main__ import main
from target_service.core import server

REPO = Path(__file__).resolve().parents[2]
# the `service:` section of a slogate.yaml that runs this copy instead of the reference
SERVICE: dict[str, Any] = {
    "command": ["{python}", "-m", "tests.support.abrupt_target"],
    "working_dir": str(REPO),
    "seed_command": ["{python}", "-m", "target_service", "seed", "--organisations", "20"],
}


class AbruptServer(server.GracefulServer):
    """Exits the process on the first SIGTERM or SIGINT, in-flight requests and all."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        os._exit(0)


if __name__ == "__main__":
    server.GracefulServer = AbruptServer  # type: ignore[misc]  # serve() imports it when called
    sys.exit(main())
