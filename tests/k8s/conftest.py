"""The control plane the control-plane tests share: one per session, in one xdist group.

`make test` builds it first (scripts/build-control-plane.sh); run without the build, these
fixtures fail with a message naming the build command. `make test-quick` (-m "not slow")
never starts it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.k8s.applied import Applied, apply_k8s
from tests.k8s.controlplane.binaries import BinariesMissing, find_binaries
from tests.k8s.controlplane.cluster import ControlPlane, ControlPlaneError, running_control_plane
from tests.k8s.controlplane.kubectl import Kubectl


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    try:
        binaries = find_binaries()
    except BinariesMissing as error:
        pytest.fail(str(error), pytrace=False)
    workdir = tmp_path_factory.mktemp("control-plane")
    try:
        with running_control_plane(binaries, workdir) as plane:
            yield plane
    except ControlPlaneError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def kubectl(control_plane: ControlPlane) -> Kubectl:
    """kubectl as the administrator (system:masters)."""
    return Kubectl(
        control_plane.binaries.kubectl,
        control_plane.kubeconfig,
        control_plane.workdir / "kubectl-cache",
    )


@pytest.fixture(scope="session")
def deployed(kubectl: Kubectl) -> Applied:
    """k8s/, both drills and the Pushgateway, applied and rolled out (applied.apply_k8s)."""
    return apply_k8s(kubectl)
