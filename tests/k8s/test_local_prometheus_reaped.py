"""The Prometheus a Kubernetes stack runs on this machine, started detached (`slogate up`) and
stopped by its recorded pid (`down`), is reaped by a waiter thread of the process that started
it: no zombie, no "subprocess N is still running". Prometheus is a multi-threaded Go binary,
whose leader may show as a zombie while its other threads still exit; a single poll after the
stop (what was done before) could miss it. The real `prometheus` binary; the in-cluster
Prometheus it federates is a closed port (its federation is tested by
test_kubernetes_port_forward.py). The race itself is held open deterministically in
tests/host/test_detached_children.py."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

import psutil

from slogate.config import parse_config
from slogate.platform.kubernetes.local_prometheus import (
    start_local_prometheus,
    stop_local_prometheus,
)
from tests.support.waiting import free_port, wait_until


def test_a_detached_local_prometheus_stopped_by_pid_is_reaped(tmp_path: Path) -> None:
    config = parse_config({"platform": "kubernetes"}, str(tmp_path / "slogate.yaml"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        part = start_local_prometheus(
            config, "k8s", tmp_path, free_port(), f"http://127.0.0.1:{free_port()}", True
        )
        assert part.process is not None
        pid = part.process.pid
        gc.collect()  # `up` returned: nothing but the waiter holds the Popen
        assert stop_local_prometheus([part], None) == [pid]
        wait_until(lambda: not psutil.pid_exists(pid), 10, what="it to be reaped")
        gc.collect()
    assert [str(w.message) for w in caught] == []
