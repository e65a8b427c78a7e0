"""Run the test control plane by hand: `scripts/control-plane.sh` (Ctrl-C stops it).

Prints the kubeconfig to use and keeps everything running until SIGINT or SIGTERM, then
stops every component it started and removes its folder (unless --keep).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType

from tests.k8s.controlplane.binaries import BinariesMissing, find_binaries
from tests.k8s.controlplane.cluster import ControlPlaneError, remove_workdir, running_control_plane
from tests.k8s.controlplane.processes import ComponentExited


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/control-plane.sh", description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs, etcd data)")
    options = parser.parse_args()
    try:
        binaries = find_binaries()
    except BinariesMissing as error:
        print(f"control-plane: {error}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    workdir = Path(tempfile.mkdtemp(prefix="slogate-control-plane-"))
    began = time.monotonic()
    try:
        with running_control_plane(binaries, workdir, progress=print) as plane:
            print(f"control plane ready in {time.monotonic() - began:.1f} s: {plane.server}")
            print(
                "seconds per step: " + ", ".join(f"{k} {v}" for k, v in plane.start_seconds.items())
            )
            print(f"export KUBECONFIG={plane.kubeconfig}")
            print(f"kubectl: {binaries.kubectl}   logs: {plane.logs}")
            print("Ctrl-C stops it.")
            while not stop.wait(1.0):
                for component in plane.components:
                    component.check_alive()
            print("stopping")
    except (ControlPlaneError, ComponentExited) as error:
        print(f"control-plane: {error}", file=sys.stderr)
        return 4
    finally:
        if not options.keep:
            remove_workdir(workdir)
    return 130 if stop.is_set() else 0


if __name__ == "__main__":
    sys.exit(main())
