"""The Prometheus beside the load generator that a Kubernetes stack with traffic gets: on this
machine beside its forwards, or in the drill's pod (in_cluster.py).

The in-cluster Prometheus cannot scrape the load generator, which runs here. So `up` starts a
Prometheus here (the local platform's binary, on a free port) that

- scrapes the load generator's client metrics endpoint (job "client", `source="client"`, as
  the local stack's Prometheus does: the label the SLO queries select the client on), and
- federates the in-cluster Prometheus through its port-forward, or in a pod at its cluster
  DNS name, `prometheus.NAMESPACE.svc:PORT` (`/federate` with `match[]` =
  `kubernetes.federate`, the target's jobs; `honor_labels`, so each series keeps its job,
  `source="server"`, replica and pod). It federates every half scrape interval: a sample the
  in-cluster Prometheus took stays its latest for one interval, so two federations in that
  interval fetch every one (at one each, the two schedules' jitter could skip a sample and
  leave a two-interval gap, which the gate reads as a hole in its evidence).

SLO queries, chaos probes and reports ask this one (the state's `prometheus_url`), so the
client's objectives are measurable on Kubernetes, from this machine and in a drill alike. It
is started as soon as the in-cluster Prometheus' URL is known (its forward runs, or its DNS
name is read; its first scrape comes about 5 s after its start: that wait overlaps the
readiness checks), recorded in the state file and `kubernetes.json` with its start time
like the forwards, and stopped with them: `slogate up`'s outlives the command, a gate's dies
with it; `down`, a failed `up` and Ctrl-C stop it. A thread of the process that started it
waits for it, so whoever stops it (by pid too: a multi-threaded Go binary's leader can be
reaped only once its threads have exited) it leaves no zombie.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from slogate.config import SlogateConfig
from slogate.errors import InfrastructureError
from slogate.host.binaries import find_binary
from slogate.host.ports import HOST, free_port
from slogate.host.processes import (
    reap_in_background,
    record,
    spawn,
    stop_process,
    stop_recorded,
)
from slogate.platform.kubernetes.record import ClusterRecord
from slogate.platform.prometheus_server import (
    CLIENT_JOB,
    client_scrape_job,
    global_settings,
    has_sample_from_every_target,
    prometheus_command,
    scrape_duration,
    write_prometheus_config,
)
from slogate.platform.state import PartState, StackState

__all__ = [
    "LOCAL_PROMETHEUS",
    "federating_config",
    "has_local_prometheus",
    "start_local_prometheus",
    "stop_local_prometheus",
    "wait_for_first_samples",
]

LOCAL_PROMETHEUS = "prometheus-local"  # the part's name in the state file
KIND = "prometheus"
FEDERATE_JOB = "federate"
START_ATTEMPTS = 3  # a free port taken by someone else before Prometheus bound it: another
READY_TIMEOUT_S = 30.0
FIRST_SAMPLES_TIMEOUT_S = 30.0
STOP_GRACE_S = 10.0
POLL_S = 0.05
HTTP_TIMEOUT_S = 2.0


def federating_config(
    client_metrics_port: int, cluster: str, match: list[str], interval_s: float, stack: str
) -> dict[str, Any]:
    """The config: the client's scrape job and the federation of `cluster` (host:port of the
    in-cluster Prometheus' forward) for the series `match` selects."""
    federate_s = interval_s / 2
    return {
        "global": global_settings(interval_s, stack),
        "scrape_configs": [
            client_scrape_job(client_metrics_port),
            {
                "job_name": FEDERATE_JOB,
                "honor_labels": True,
                "metrics_path": "/federate",
                "params": {"match[]": list(match)},
                "scrape_interval": scrape_duration(federate_s),
                # the whole interval: a federation cut short closes its connection through
                # kubectl's tunnel, and a cancelled tunnel connection can stall the forward
                # (kubernetes/kubectl#1620)
                "scrape_timeout": scrape_duration(federate_s),
                "static_configs": [{"targets": [cluster]}],
            },
        ],
    }


def start_local_prometheus(
    config: SlogateConfig,
    stack: str,
    run_dir: Path,
    client_metrics_port: int,
    cluster_url: str,
    detached: bool,
) -> PartState:
    """Start it on a free port (another when that one was taken first) and return once it is
    ready, as a part of the state file; InfrastructureError naming its log otherwise (nothing
    left running). `detached`: it outlives this process (`slogate up`)."""
    binary = find_binary("prometheus").path
    cluster = cluster_url.removeprefix("http://")
    settings = config.kubernetes
    interval = config.timings.scrape_interval_s
    config_file = run_dir / f"{LOCAL_PROMETHEUS}.yml"
    write_prometheus_config(
        federating_config(client_metrics_port, cluster, settings.federate, interval, stack),
        config_file,
    )
    data = run_dir / f"{LOCAL_PROMETHEUS}-data"
    shutil.rmtree(data, ignore_errors=True)  # a previous stack's series would answer queries
    log = run_dir / "logs" / f"{LOCAL_PROMETHEUS}.log"
    for _ in range(START_ATTEMPTS):
        port = free_port()
        command = prometheus_command(binary, config_file, data, port)
        process = spawn(command, log, death_signal=0 if detached else signal.SIGTERM)
        reap_in_background(process)  # a stop by pid (`down`, another process) leaves no zombie
        try:
            ready = _wait_ready(process, f"http://{HOST}:{port}")
        except BaseException:
            stop_process(process, STOP_GRACE_S)
            raise
        if ready:
            return PartState(
                name=LOCAL_PROMETHEUS, kind=KIND, port=port, url=f"http://{HOST}:{port}",
                process=record(process, log),
                extra={"federates": cluster, "client": f"{HOST}:{client_metrics_port}"},
            )  # fmt: skip
        stop_process(process, STOP_GRACE_S)
    raise InfrastructureError(
        f"the Prometheus on this machine that scrapes the load generator and federates the "
        f"cluster's did not become ready ({START_ATTEMPTS} attempts); see {log}"
    )


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> bool:
    """True once `/-/ready` answers 200; False when the process ended first (its port was
    taken) or the deadline passed."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(timeout=HTTP_TIMEOUT_S) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get(f"{url}/-/ready").status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(POLL_S)
    return False


def wait_for_first_samples(state: StackState, timeout_s: float = FIRST_SAMPLES_TIMEOUT_S) -> float:
    """Wait until the local Prometheus has federated the cluster's (up == 1) and scraped the
    load generator's endpoint once (any value: it listens only once the load starts); seconds
    it took. InfrastructureError naming its log otherwise."""
    part = state.part(LOCAL_PROMETHEUS)
    url = str(part.url)
    federated = {f"{FEDERATE_JOB}/{part.extra['federates']}"}
    client = {f"{CLIENT_JOB}/{part.extra['client']}"}
    began = time.monotonic()
    last = "no answer"
    while time.monotonic() - began < timeout_s:
        try:
            if has_sample_from_every_target(url, federated, client):
                return time.monotonic() - began
            last = "no sample of the federation (up == 1) or of the client yet"
        except (httpx.HTTPError, ValueError, KeyError) as error:
            last = f"{type(error).__name__}: {error}"
        time.sleep(POLL_S * 2)
    log = part.process.log if part.process is not None else state.run_dir
    raise InfrastructureError(
        f"the Prometheus on this machine ({url}) did not federate the cluster's Prometheus "
        f"({part.extra['federates']}) within {timeout_s:.0f} s (last: {last}); check "
        f"kubernetes.federate and its log {log}"
    )


def has_local_prometheus(state: StackState) -> bool:
    return any(part.name == LOCAL_PROMETHEUS for part in state.parts)


def stop_local_prometheus(parts: list[PartState], record: ClusterRecord | None) -> list[int]:
    """Stop the local Prometheus the state file's `parts` or the `record` list (only a pid
    whose start time matches); the pids seen running."""
    if record is not None and record.local_prometheus is not None:
        parts = [*parts, record.local_prometheus]
    records = [
        p.process
        for p in parts
        if p.name == LOCAL_PROMETHEUS and p.kind == KIND and p.process is not None
    ]
    return stop_recorded(records, STOP_GRACE_S)  # one started here: its waiter thread reaps it
