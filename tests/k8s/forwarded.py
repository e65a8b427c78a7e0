"""Pods whose ports are real local processes: kwok's ClusterPortForward rule for a namespace.

The test control plane's kwok serves the nodes' kubelet API, so `kubectl port-forward` goes
through the real API server to kwok, which sends each pod port to the local port its rule
names. A real Prometheus (the control plane's build) stands in for the in-cluster one: it
scrapes a local target_service with the labels the in-cluster relabelling gives
(k8s/prometheus/configmap.yaml: source="server", replica, pod, container).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import yaml

from tests.k8s.controlplane.kubectl import Kubectl
from tests.support.waiting import free_port, wait_until

TARGET_PORT = 8000  # the target container's port (k8s/target/deployment.yaml)
PROMETHEUS_PORT = 9090
REDIS_PORT = 6379
HTTP_TIMEOUT_S = 5.0
READY_TIMEOUT_S = 30


@contextmanager
def forwarded_to(kubectl: Kubectl, namespace: str, ports: dict[int, int]) -> Iterator[None]:
    """kwok's rule for every pod of `namespace`: pod port -> local port (deleted after)."""
    rule = {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "ClusterPortForward",
        "metadata": {"name": f"forward-{namespace}"},
        "spec": {
            "selector": {"matchNamespaces": [namespace]},
            "forwards": [
                {"ports": [pod], "target": {"address": "127.0.0.1", "port": local}}
                for pod, local in ports.items()
            ],
        },
    }
    kubectl.run("apply", "-f", "-", stdin=json.dumps(rule))
    try:
        yield
    finally:
        kubectl.run("delete", "clusterportforward", f"forward-{namespace}", "--wait=false")


def forward_processes(namespace: str) -> list[psutil.Process]:
    """Every kubectl port-forward into `namespace` running on this machine."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = process.info["cmdline"] or []
        if "port-forward" in command and f"--namespace={namespace}" in command:
            found.append(process)
    return found


def local_prometheus_processes(home: Path) -> list[psutil.Process]:
    """Every Prometheus a stack under SLOGATE_HOME `home` started on this machine (its config
    file is in the stack's run folder)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = process.info["cmdline"] or []
        if command and command[0].endswith("prometheus") and str(home) in " ".join(command):
            found.append(process)
    return found


@contextmanager
def running_prometheus(binary: Path, folder: Path, target_port: int) -> Iterator[str]:
    """A real Prometheus scraping the target on `target_port` every second as the in-cluster
    one labels a target pod; its URL. Stopped on leaving."""
    labels = {"source": "server", "replica": "target-service-0", "container": "target-service"}
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": [
            {
                "job_name": "service",
                "static_configs": [{"targets": [f"127.0.0.1:{target_port}"], "labels": labels}],
            }
        ],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    with (folder / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(binary),
                f"--config.file={folder / 'prometheus.yml'}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"{url}/-/ready", timeout=HTTP_TIMEOUT_S).status_code == 200,
            READY_TIMEOUT_S, what="Prometheus ready",
        )  # fmt: skip
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
