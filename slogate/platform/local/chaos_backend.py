"""The local platform's chaos backend: the supervisor's control API and the replicas' hooks.

    terminate (graceful)   POST {supervisor}/parts/{replica}/delete   (drain, SIGTERM, replace)
    terminate (kill)       POST {supervisor}/faults {"action": "kill", "ttl_s"}  (restarted at TTL)
    dependency hang/kill   POST {supervisor}/faults {"part": "redis", "action": "stop"|"kill"}
    latency, errors, ...   POST {replica}/admin/faults (bearer token; TTL at the replica)
    with a fault proxy     POST {toxiproxy}/proxies/{replica}/toxics (`faults: toxiproxy`; the
                           TTL in the toxic's name, enforced by the supervisor: toxics.py)
    partition              POST {supervisor}/faults {"part": replica, "action": "partition"}

Every fault is written to the ledger before it is applied (see platform/base.py).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import redis
from chaoslib.exceptions import ActivityFailed

from slogate.chaos.ledger import FaultLedger, Rollback
from slogate.errors import SlogateError
from slogate.host.ports import HOST
from slogate.platform.base import PartStatus
from slogate.platform.fault_recording import Applied, FaultRecorder, check_ttl
from slogate.platform.local import toxiproxy
from slogate.platform.local.redis import stack_redis
from slogate.platform.local.toxics import toxic_for
from slogate.platform.selection import select_count
from slogate.platform.stack_secrets import admin_headers
from slogate.platform.state import PartState, StackState

HTTP_TIMEOUT_S = 5.0
log = logging.getLogger("chaostoolkit")  # shown in `chaos run`'s output and log
READINESS_PATH = "/health/readiness"


def _post_fault(url: str, body: dict[str, Any], headers: dict[str, str], refused: str) -> Applied:
    """POST a fault to an injector that answers 201 with its id and expiry."""
    response = httpx.post(url, json=body, headers=headers, timeout=HTTP_TIMEOUT_S)
    if response.status_code != 201:
        raise ActivityFailed(f"{refused}: {response.status_code} {response.text[:200]}")
    fault = response.json()
    return str(fault["id"]), float(fault["expires_at"])


LOCAL_NETWORK_FAULTS = (
    "disturb_network creates a Chaos Mesh NetworkChaos, which exists only on Kubernetes; "
    "locally use inject_latency, or partition_replicas with `faults: toxiproxy`"
)


class LocalBackend:
    """Faults and probes on one local stack, recorded in its ledger under `run_id`."""

    def __init__(
        self, state: StackState, ledger: FaultLedger, run_id: str, experiment: str | None = None
    ) -> None:
        self._state = state
        self.ledger = ledger
        self.run_id = run_id
        self.experiment = experiment
        self._recorder = FaultRecorder(ledger, run_id, experiment)

    @property
    def state(self) -> StackState:
        return self._state

    # -- parts -----------------------------------------------------------------------------

    @property
    def supervisor_url(self) -> str:
        if not self.state.supervisor_url:
            raise ActivityFailed(f"stack {self.state.stack!r} has no supervisor URL (is it up?)")
        return self.state.supervisor_url

    def replicas(self) -> list[PartState]:
        replicas = [p for p in self.state.parts_of_kind("replica") if p.url]
        if not replicas:
            raise ActivityFailed(f"stack {self.state.stack!r} has no replicas in its state file")
        return replicas

    def _admin_headers(self) -> dict[str, str]:
        """The stack's token, for the replicas' fault hooks and the supervisor's control API."""
        try:
            return admin_headers(self.state.stack)
        except SlogateError as error:
            raise ActivityFailed(str(error)) from None

    # -- recording -------------------------------------------------------------------------

    def _inject(
        self, kind: str, target: str, ttl_s: float, rollback: Rollback, apply: Callable[[], Applied]
    ) -> str:
        """Intent, apply, then applied (or failed, re-raised as ActivityFailed)."""
        return self._recorder.inject(kind, target, ttl_s, rollback, apply, (httpx.HTTPError,))

    # -- supervisor ------------------------------------------------------------------------

    def _supervisor_fault(self, part: str, action: str, ttl_s: float) -> Applied:
        body = {"part": part, "action": action, "ttl_s": ttl_s}
        refused = f"the supervisor refused {action} of {part}"
        return _post_fault(f"{self.supervisor_url}/faults", body, self._admin_headers(), refused)

    def process_fault(self, part: str, action: str, ttl_s: float, kind: str) -> str:
        """A supervisor-enforced process fault (kill, term, stop) on `part`, ended at its TTL."""
        ttl_s = check_ttl(ttl_s)
        rollback = Rollback(
            via="supervisor_fault", url=self.supervisor_url, detail={"part": part, "action": action}
        )
        return self._inject(
            kind, part, ttl_s, rollback, lambda: self._supervisor_fault(part, action, ttl_s)
        )

    def disturb_network(self, spec: dict[str, Any], ttl_s: float, kind: str = "network") -> str:
        raise ActivityFailed(LOCAL_NETWORK_FAULTS)

    def cannot_run(self, activity: str) -> str | None:
        return LOCAL_NETWORK_FAULTS if activity == "disturb_network" else None

    def persist_dependency(self) -> None:
        """SAVE Redis' data set to its folder, so a restarted Redis loads it (like a Redis
        with persistence: a refusal outage must not also wipe the data)."""
        try:
            access = stack_redis(self.state)
        except SlogateError as error:
            raise ActivityFailed(str(error)) from None
        client = redis.Redis(
            host=HOST, port=access.port, password=access.password,
            socket_timeout=HTTP_TIMEOUT_S, socket_connect_timeout=HTTP_TIMEOUT_S,
        )  # fmt: skip
        try:
            client.save()
        except redis.RedisError as error:
            raise ActivityFailed(f"could not SAVE Redis before killing it: {error}") from None
        finally:
            client.close()

    @property
    def fault_proxy_url(self) -> str | None:
        """toxiproxy-server's API when the stack runs one (`faults: toxiproxy`)."""
        return next((p.url for p in self.state.parts_of_kind("fault-proxy")), None)

    def active_faults(self) -> int:
        if self.fault_proxy_url is not None:
            try:
                found = toxiproxy.proxies(self.fault_proxy_url)
            except httpx.HTTPError as error:
                raise ActivityFailed(f"toxiproxy does not answer: {error}") from None
            count = sum(len(proxy.get("toxics") or []) for proxy in found.values())
        else:
            count = sum(len(self.target_faults(replica)) for replica in self.replicas())
        return count + len(self._supervisor_status()["faults"])

    def _supervisor_status(self) -> dict[str, Any]:
        try:
            response = httpx.get(f"{self.supervisor_url}/status", timeout=HTTP_TIMEOUT_S)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise ActivityFailed(f"the supervisor does not answer: {error}") from None
        status: dict[str, Any] = response.json()
        return status

    def part_status(self, name: str) -> PartStatus:
        for part in self._supervisor_status()["parts"]:
            if part["name"] == name:
                return PartStatus.model_validate(part)
        raise ActivityFailed(f"the supervisor knows no part named {name!r}")

    def delete_replica(self, name: str, kind: str = "replica_delete") -> str:
        """Delete a replica the Kubernetes way; the supervisor replaces it by itself."""
        grace = 60.0

        def apply() -> Applied:
            url = f"{self.supervisor_url}/parts/{name}/delete"
            response = httpx.post(url, headers=self._admin_headers(), timeout=HTTP_TIMEOUT_S)
            if response.status_code != 202:
                raise ActivityFailed(
                    f"the supervisor refused to delete {name}: {response.status_code} "
                    f"{response.text[:200]}"
                )
            return None, None

        rollback = Rollback(via="none", detail={"part": name, "healed_by": "supervisor"})
        return self._inject(kind, name, grace, rollback, apply)

    def mark_healed(self, fault_id: str, kind: str, name: str) -> None:
        """Close a self-healing fault (a deleted replica the supervisor replaced)."""
        self._recorder.healed(fault_id, kind, name, "replaced and ready")

    def pick_replicas(self, count: int | None, percentage: float | None, rand: bool) -> list[str]:
        names = [p.name for p in self.replicas()]
        quantity = select_count(len(names), count, percentage)
        return random.sample(names, quantity) if rand else names[:quantity]

    # -- the target's fault hooks ------------------------------------------------------------

    def target_fault_everywhere(self, spec: dict[str, Any], ttl_s: float) -> list[str]:
        """POST the fault to every replica's /admin/faults (or its Toxiproxy proxy); ledger
        ids, one per replica."""
        ttl_s = check_ttl(ttl_s)
        if self.fault_proxy_url is not None:
            return self._toxic_everywhere(self.fault_proxy_url, spec, ttl_s)
        body = {**spec, "ttl_s": ttl_s}
        headers = self._admin_headers()
        ids = []
        for replica in self.replicas():
            url = f"{replica.url}/admin/faults"

            def apply(url: str = url, name: str = replica.name) -> Applied:
                refused = f"{name} refused the {spec['kind']} fault"
                return _post_fault(url, body, headers, refused)

            rollback = Rollback(via="target_fault", url=replica.url, detail={"part": replica.name})
            ids.append(self._inject(str(spec["kind"]), replica.name, ttl_s, rollback, apply))
        return ids

    def _toxic_everywhere(self, url: str, spec: dict[str, Any], ttl_s: float) -> list[str]:
        toxic, notes = toxic_for(spec)
        for note in notes:
            log.warning("toxiproxy: %s", note)
        ids = []
        for replica in self.replicas():
            expires_at = time.time() + ttl_s
            name = toxiproxy.expiring_name(expires_at)

            def apply(
                proxy: str = replica.name, name: str = name, at: float = expires_at
            ) -> Applied:
                toxiproxy.add_toxic(url, proxy, name, toxic)
                return name, at

            rollback = Rollback(
                via="toxiproxy", url=url, detail={"proxy": replica.name, "toxic": name}
            )
            ids.append(self._inject(str(spec["kind"]), replica.name, ttl_s, rollback, apply))
        return ids

    def target_faults(self, replica: PartState) -> list[dict[str, Any]]:
        """The faults in force on one replica (GET /admin/faults)."""
        try:
            response = httpx.get(
                f"{replica.url}/admin/faults", headers=self._admin_headers(), timeout=HTTP_TIMEOUT_S
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise ActivityFailed(f"{replica.name}'s fault hooks do not answer: {error}") from None
        faults: list[dict[str, Any]] = response.json()
        return faults

    # -- readiness ---------------------------------------------------------------------------

    def replica_ready(self, replica: PartState) -> bool:
        try:
            response = httpx.get(f"{replica.url}{READINESS_PATH}", timeout=HTTP_TIMEOUT_S)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def rolling_restart(self, ready_timeout_s: float) -> list[dict[str, Any]]:
        """Delete every replica one at a time (drain, SIGTERM, replace), the next only once
        the replacement is ready; per replica, how long it took."""
        restarted: list[dict[str, Any]] = []
        for replica in self.replicas():
            old_pid = self.part_status(replica.name).pid
            fault_id = self.delete_replica(replica.name, kind="replica_restart")
            seconds = self.wait_replaced_and_ready(replica.name, old_pid, ready_timeout_s)
            self.mark_healed(fault_id, "replica_restart", replica.name)
            restarted.append({"replica": replica.name, "ready_after_s": round(seconds, 3)})
        return restarted

    def wait_replaced_and_ready(self, name: str, old_pid: int | None, timeout_s: float) -> float:
        """Wait until `name` runs as a new process and is ready; seconds it took."""
        replica = next(p for p in self.replicas() if p.name == name)
        started = time.monotonic()
        deadline = started + timeout_s
        while time.monotonic() < deadline:
            status = self.part_status(name)
            replaced = status.pid is not None and status.pid != old_pid
            settled = replaced and status.running and not status.deleting
            if settled and self.replica_ready(replica):
                return time.monotonic() - started
            time.sleep(0.1)
        raise ActivityFailed(f"{name} was not replaced and ready within {timeout_s:g} s")
