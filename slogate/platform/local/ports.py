"""Ports of a stack: pinned by the user or chosen free, then reserved until the stack stops.

A reservation is a socket bound with SO_REUSEADDR that never listens. While it is open the
kernel does not hand that port to anyone else who asks for a free one, yet the child process
(redis-server, haproxy, prometheus, uvicorn: all set SO_REUSEADDR) can still bind and listen
on it. So there is no window between choosing a port and the child binding it, and a replica
that restarts finds its port still free.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from slogate.config import PortsConfig
from slogate.errors import PortInUseError
from slogate.host.ports import port_in_use, reserve


@dataclass
class StackPorts:
    """Every port of one stack, with the reservations that hold them."""

    edge: int
    edge_metrics: int
    prometheus: int
    redis: int
    supervisor: int
    client_metrics: int
    replicas: list[int]
    fault_proxy_api: int | None = None  # toxiproxy-server's API (`faults: toxiproxy`)
    fault_proxies: list[int] = field(default_factory=list)  # its proxy in front of replica i
    _held: list[socket.socket] = field(default_factory=list, repr=False)

    def named(self) -> dict[str, int]:
        """Each port with the part it belongs to."""
        ports = {
            "edge": self.edge,
            "edge_metrics": self.edge_metrics,
            "prometheus": self.prometheus,
            "redis": self.redis,
            "supervisor": self.supervisor,
            "client_metrics": self.client_metrics,
        }
        ports.update({f"replica-{i}": port for i, port in enumerate(self.replicas)})
        if self.fault_proxy_api is not None:
            ports["fault_proxy_api"] = self.fault_proxy_api
        ports.update({f"fault-proxy-{i}": port for i, port in enumerate(self.fault_proxies)})
        return ports

    def reserve_fault_proxies(self) -> None:
        """Free ports for toxiproxy-server's API and one proxy per replica, held like the rest."""
        socks = [reserve(0) for _ in range(len(self.replicas) + 1)]
        self._held.extend(socks)
        api, *proxies = (int(sock.getsockname()[1]) for sock in socks)
        self.fault_proxy_api, self.fault_proxies = api, proxies

    def release(self) -> None:
        """Close the reservations (when the stack stops)."""
        for sock in self._held:
            sock.close()
        self._held.clear()


def check_pinned_ports(config: PortsConfig, replicas: int) -> None:
    """PortInUseError for the first pinned port that is taken (nothing is started)."""
    for what, port in _pinned(config, replicas):
        if port_in_use(port):
            raise PortInUseError(port, what, _pinned_by(what))


def _pinned_by(what: str) -> str:
    """Where the user pins this port: the slogate.yaml key and the `slogate up` flag."""
    key = "replicas_base" if what.startswith("replica-") else what
    return f"`ports.{key}` in slogate.yaml or `--{key.replace('_', '-')}-port`"


def _pinned(config: PortsConfig, replicas: int) -> list[tuple[str, int]]:
    pinned = [
        (name, value)
        for name, value in config.model_dump().items()
        if name != "replicas_base" and value is not None
    ]
    if config.replicas_base is not None:
        pinned += [(f"replica-{i}", config.replicas_base + i) for i in range(replicas)]
    return pinned


def allocate_ports(config: PortsConfig, replicas: int) -> StackPorts:
    """Reserve the pinned ports (PortInUseError if taken) and free ones for the rest."""
    held: list[socket.socket] = []
    chosen: dict[str, int] = {}
    try:
        for what, port in _pinned(config, replicas):
            if port in chosen.values():
                raise PortInUseError(port, f"{what} (pinned twice in slogate.yaml)")
            if port_in_use(port):
                raise PortInUseError(port, what, _pinned_by(what))
            held.append(reserve(port))
            chosen[what] = port
        names = [*PortsConfig.model_fields.keys(), *(f"replica-{i}" for i in range(replicas))]
        for what in names:
            if what == "replicas_base" or what in chosen:
                continue
            sock = reserve(0)
            held.append(sock)
            chosen[what] = int(sock.getsockname()[1])
    except BaseException:
        for sock in held:
            sock.close()
        raise
    return StackPorts(
        edge=chosen["edge"],
        edge_metrics=chosen["edge_metrics"],
        prometheus=chosen["prometheus"],
        redis=chosen["redis"],
        supervisor=chosen["supervisor"],
        client_metrics=chosen["client_metrics"],
        replicas=[chosen[f"replica-{i}"] for i in range(replicas)],
        _held=held,
    )
