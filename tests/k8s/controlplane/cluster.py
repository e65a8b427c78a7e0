"""A real Kubernetes control plane on loopback, with kwok simulating three nodes.

Started in this order, each waited for on its own signal (never a sleep):
etcd (`/health`), kube-apiserver (`/readyz`), kube-controller-manager and kube-scheduler (each
holds its leader-election Lease), kwok (the three Nodes report Ready). Every port is picked
free at start; a component that loses a port race is started again on another port.

The API server runs RBAC authorisation (`Node,RBAC`), the PodSecurity and
ValidatingAdmissionPolicy admission plugins, and signs service-account tokens. Pods are
simulated: kwok marks them Running and Ready once they are bound; no container runs.
"""

from __future__ import annotations

import functools
import json
import shutil
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.k8s.controlplane.binaries import REPO, Binaries
from tests.k8s.controlplane.pki import CertificateAuthority, KeyPair, service_account_keys
from tests.k8s.controlplane.processes import Component, ComponentExited, start_component
from tests.support.waiting import free_port

KWOK_STAGES = REPO / "tools" / "kwok" / "stages.yaml"
# kwok's own CRD (from sigs.k8s.io/kwok v0.8.0, kustomize/crd/bases): a ClusterPortForward
# object tells kwok, serving as the nodes' kubelet, where a pod's port really is
KWOK_PORT_FORWARD_CRD = REPO / "tools" / "kwok" / "clusterportforwards-crd.yaml"
ZONES = ("zone-a", "zone-b", "zone-c")
SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16"
HTTP_TIMEOUT_S = 5.0
ETCD_READY_S = 30.0
APISERVER_READY_S = 90.0
CONTROLLERS_READY_S = 60.0
NODES_READY_S = 60.0
PORT_ATTEMPTS = 3
ADMISSION_PLUGINS = "NodeRestriction,PodSecurity,ValidatingAdmissionPolicy"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Identity:
    """A client certificate's user and group, and the kubeconfig file written for it."""

    stem: str
    user: str
    group: str | None


ADMIN = Identity("admin", "slogate-admin", "system:masters")
CONTROLLER_MANAGER = Identity("controller-manager", "system:kube-controller-manager", None)
SCHEDULER = Identity("scheduler", "system:kube-scheduler", None)
KWOK = Identity("kwok", "kwok-controller", "system:masters")


class ControlPlaneError(RuntimeError):
    """The control plane did not come up; the message names the component and its log."""


class ControlPlane:
    """etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok in `workdir`.

    `start()` brings everything up and writes `kubeconfig` (the administrator's); `stop()`
    stops what was started, newest first, and is safe to call more than once.
    """

    def __init__(self, binaries: Binaries, workdir: Path) -> None:
        self.binaries = binaries
        self.workdir = workdir
        self.pki = workdir / "pki"
        self.logs = workdir / "logs"
        self.kubeconfig = workdir / "kubeconfig"
        self.server = ""
        self.components: list[Component] = []
        self.start_seconds: dict[str, float] = {}
        self._ca: CertificateAuthority | None = None
        self._admin: KeyPair | None = None
        self.kubelet_port = 0

    # -- start -------------------------------------------------------------------------

    def start(self, progress: Progress = lambda _message: None) -> None:
        for folder in (self.pki, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        self._ca = CertificateAuthority.create(self.pki)
        serving = self._ca.serving("apiserver")
        service_accounts = service_account_keys(self.pki)
        self._admin = self._ca.client(ADMIN.stem, ADMIN.user, ADMIN.group)
        self._timed("certificates", began)

        progress("starting etcd")
        etcd_url = self._start_on_free_port("etcd", self._start_etcd, self._etcd_ready)
        progress("starting kube-apiserver")
        self.server = self._start_on_free_port(
            "kube-apiserver",
            lambda port: self._start_apiserver(port, etcd_url, serving, service_accounts),
            self._apiserver_ready,
        )
        for identity in (ADMIN, CONTROLLER_MANAGER, SCHEDULER, KWOK):
            self._write_kubeconfig(identity)
        self.kubeconfig = self._kubeconfig_path(ADMIN)

        progress("starting kube-controller-manager and kube-scheduler")
        began = time.monotonic()
        self._start_controller_manager(service_accounts)
        self._start_scheduler()
        self._wait(
            "kube-controller-manager and kube-scheduler",
            lambda: (
                self._holds_lease("kube-controller-manager") and self._holds_lease("kube-scheduler")
            ),
            CONTROLLERS_READY_S,
        )
        self._timed("controllers", began)

        progress("starting kwok and its three nodes")
        began = time.monotonic()
        self._install_port_forward_crd()
        self._start_kwok()
        for index, zone in enumerate(ZONES):
            self._create_node(f"kwok-node-{index}", zone)
        self._wait("three Ready kwok nodes", self._nodes_ready, NODES_READY_S)
        self._timed("nodes", began)

    def _timed(self, step: str, began: float) -> None:
        self.start_seconds[step] = round(time.monotonic() - began, 2)

    def _start_on_free_port(
        self, name: str, start: Callable[[int], str], ready: Callable[[str], bool]
    ) -> str:
        """Start a component on a free port, again on another one if it lost the port."""
        began = time.monotonic()
        for _attempt in range(PORT_ATTEMPTS):
            url = start(free_port())
            component = self.components[-1]
            try:
                self._wait(name, functools.partial(ready, url), _ready_timeout(name))
            except ControlPlaneError:
                if component.process.poll() is not None and "address already in use" in (
                    component.log_tail(200)
                ):
                    component.stop()
                    self.components.remove(component)
                    continue
                raise
            self._timed(name, began)
            return url
        raise ControlPlaneError(f"{name} lost a port race {PORT_ATTEMPTS} times; see its log")

    def _start(self, name: str, argv: list[str]) -> Component:
        component = start_component(name, argv, self.logs / f"{name}.log")
        self.components.append(component)
        return component

    def _wait(self, what: str, ready: Callable[[], Any], timeout: float) -> None:
        """Poll `ready` until true; fail naming `what` (and a dead component's log)."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                for component in self.components:
                    component.check_alive()
                if ready():
                    return
            except ComponentExited as error:
                raise ControlPlaneError(str(error)) from error
            except (httpx.HTTPError, OSError, ValueError, KeyError) as error:
                last_error = error
            time.sleep(0.1)
        raise ControlPlaneError(
            f"timed out after {timeout:.0f} s waiting for {what} (last error: {last_error}); "
            f"logs in {self.logs}"
        )

    # -- etcd ---------------------------------------------------------------------------

    def _start_etcd(self, client_port: int) -> str:
        peer = f"http://127.0.0.1:{free_port()}"
        url = f"http://127.0.0.1:{client_port}"
        self._start(
            "etcd",
            [
                str(self.binaries.etcd),
                "--name=slogate",
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls={url}",
                f"--advertise-client-urls={url}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=slogate={peer}",
                "--unsafe-no-fsync=true",  # a throw-away store: durability buys nothing here
                "--log-level=warn",
            ],
        )
        return url

    @staticmethod
    def _etcd_ready(url: str) -> bool:
        response = httpx.get(f"{url}/health", timeout=HTTP_TIMEOUT_S)
        return response.status_code == 200 and response.json().get("health") == "true"

    # -- kube-apiserver -----------------------------------------------------------------

    def _start_apiserver(
        self, port: int, etcd_url: str, serving: KeyPair, service_accounts: KeyPair
    ) -> str:
        assert self._ca is not None
        self._start(
            "kube-apiserver",
            [
                str(self.binaries.kube_apiserver),
                f"--etcd-servers={etcd_url}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                f"--tls-cert-file={serving.cert}",
                f"--tls-private-key-file={serving.key}",
                f"--client-ca-file={self._ca.cert}",
                f"--cert-dir={self.workdir / 'apiserver'}",
                "--authorization-mode=Node,RBAC",
                f"--enable-admission-plugins={ADMISSION_PLUGINS}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={service_accounts.cert}",
                f"--service-account-signing-key-file={service_accounts.key}",
                f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
                # Loopback may not be an Endpoints address: leave the `kubernetes` Service
                # without endpoints instead of logging a rejected write every 10 s.
                "--endpoint-reconciler-type=none",
                # kwok answers as every node's kubelet on loopback (port-forward, pod proxy)
                "--kubelet-preferred-address-types=InternalIP",
                "--profiling=false",
            ],
        )
        return f"https://127.0.0.1:{port}"

    def _client(self, server: str | None = None) -> httpx.Client:
        assert self._ca is not None and self._admin is not None
        context = ssl.create_default_context(cafile=str(self._ca.cert))
        context.load_cert_chain(str(self._admin.cert), str(self._admin.key))
        return httpx.Client(base_url=server or self.server, verify=context, timeout=HTTP_TIMEOUT_S)

    def _apiserver_ready(self, url: str) -> bool:
        with self._client(url) as client:
            return client.get("/readyz").status_code == 200

    def api(self) -> httpx.Client:
        """An HTTP client for the API server as the administrator (close it after use)."""
        return self._client()

    # -- kubeconfigs --------------------------------------------------------------------

    def _kubeconfig_path(self, identity: Identity) -> Path:
        return self.workdir / ("kubeconfig" if identity is ADMIN else f"{identity.stem}.kubeconfig")

    def _write_kubeconfig(self, identity: Identity) -> Path:
        assert self._ca is not None
        pair = (
            self._admin
            if identity is ADMIN
            else self._ca.client(identity.stem, identity.user, identity.group)
        )
        assert pair is not None
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "slogate",
                    "cluster": {"server": self.server, "certificate-authority": str(self._ca.cert)},
                }
            ],
            "users": [
                {
                    "name": identity.user,
                    "user": {"client-certificate": str(pair.cert), "client-key": str(pair.key)},
                }
            ],
            "contexts": [
                {"name": "slogate", "context": {"cluster": "slogate", "user": identity.user}}
            ],
            "current-context": "slogate",
        }
        path = self._kubeconfig_path(identity)
        path.write_text(json.dumps(config, indent=2))  # JSON is YAML
        path.chmod(0o600)
        return path

    # -- controllers --------------------------------------------------------------------

    def _start_controller_manager(self, service_accounts: KeyPair) -> None:
        assert self._ca is not None
        kubeconfig = self._kubeconfig_path(CONTROLLER_MANAGER)
        self._start(
            "kube-controller-manager",
            [
                str(self.binaries.kube_controller_manager),
                f"--kubeconfig={kubeconfig}",
                f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}",
                "--secure-port=0",  # no metrics endpoint: one port fewer to race for
                "--use-service-account-credentials=true",
                f"--service-account-private-key-file={service_accounts.key}",
                f"--root-ca-file={self._ca.cert}",
                f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
                "--leader-elect=true",
            ],
        )

    def _start_scheduler(self) -> None:
        kubeconfig = self._kubeconfig_path(SCHEDULER)
        self._start(
            "kube-scheduler",
            [
                str(self.binaries.kube_scheduler),
                f"--kubeconfig={kubeconfig}",
                f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}",
                "--secure-port=0",
                "--leader-elect=true",
            ],
        )

    def _holds_lease(self, name: str) -> bool:
        with self._client() as client:
            response = client.get(
                f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{name}"
            )
        if response.status_code != 200:
            return False
        return bool(response.json()["spec"].get("holderIdentity"))

    # -- kwok and its nodes -------------------------------------------------------------

    def _install_port_forward_crd(self) -> None:
        crd = yaml.safe_load(KWOK_PORT_FORWARD_CRD.read_text())
        with self._client() as client:
            response = client.post(
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd
            )
        if response.status_code != 201:
            raise ControlPlaneError(
                f"creating kwok's ClusterPortForward CRD failed: {response.status_code} "
                f"{response.text}"
            )
        self._wait("kwok's ClusterPortForward CRD", self._port_forward_crd_established, 30.0)

    def _port_forward_crd_established(self) -> bool:
        name = "clusterportforwards.kwok.x-k8s.io"
        with self._client() as client:
            status = client.get(
                f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
            ).json()["status"]
        return any(
            c["type"] == "Established" and c["status"] == "True"
            for c in status.get("conditions") or []
        )

    def _start_kwok(self) -> None:
        # kwok serves the kubelet API of its nodes on one loopback port (the nodes' InternalIP
        # and kubelet port): the API server's port-forwards and pod proxy reach it there
        self.kubelet_port = free_port()
        self._start(
            "kwok",
            [
                str(self.binaries.kwok),
                f"--kubeconfig={self._kubeconfig_path(KWOK)}",
                f"--config={KWOK_STAGES}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--node-lease-duration-seconds=40",
                "--cidr=10.244.0.0/16",
                "--node-ip=127.0.0.1",
                f"--node-port={self.kubelet_port}",
                f"--server-address=127.0.0.1:{self.kubelet_port}",
                "--enable-crds=ClusterPortForward",
            ],
        )

    def _create_node(self, name: str, zone: str) -> None:
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "annotations": {"kwok.x-k8s.io/node": "fake"},
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": zone,
                    "type": "kwok",
                },
            },
            "status": {
                "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            },
        }
        with self._client() as client:
            response = client.post("/api/v1/nodes", json=node)
        if response.status_code != 201:
            raise ControlPlaneError(
                f"creating node {name} failed: {response.status_code} {response.text}"
            )

    def _nodes_ready(self) -> bool:
        with self._client() as client:
            nodes = client.get("/api/v1/nodes", params={"labelSelector": "type=kwok"}).json()
        ready = [
            node
            for node in nodes["items"]
            if any(
                condition["type"] == "Ready" and condition["status"] == "True"
                for condition in node.get("status", {}).get("conditions", [])
            )
        ]
        return len(ready) == len(ZONES)

    @contextmanager
    def paused(self, name: str) -> Iterator[None]:
        """Hold one component still for the block (SIGSTOP, then SIGCONT, also on error).
        Pausing kwok is a kubelet whose pods take a while to start: no pod turns Ready and
        no deleted pod goes away until the block ends."""
        (component,) = [c for c in self.components if c.name == name]
        component.pause()
        try:
            yield
        finally:
            component.resume()

    # -- stop ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every component, newest first (kwok before the API server before etcd)."""
        errors = []
        for component in reversed(self.components):
            try:
                component.stop()
            except Exception as error:  # stop the rest whatever happens to one
                errors.append(f"{component.name}: {error}")
        self.components.clear()
        if errors:
            raise ControlPlaneError("stopping the control plane: " + "; ".join(errors))


def _ready_timeout(name: str) -> float:
    return ETCD_READY_S if name == "etcd" else APISERVER_READY_S


@contextmanager
def running_control_plane(
    binaries: Binaries, workdir: Path, progress: Progress = lambda _message: None
) -> Iterator[ControlPlane]:
    """A started control plane, stopped on leaving (also on Ctrl-C or an error in start)."""
    plane = ControlPlane(binaries, workdir)
    try:
        plane.start(progress)
        yield plane
    finally:
        plane.stop()


def remove_workdir(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
