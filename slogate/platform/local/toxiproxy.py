"""Toxiproxy, the fault proxy in front of each replica (slogate.yaml `faults: toxiproxy`).

For a service without slogate's /admin/faults hooks, the local platform runs one
toxiproxy-server (built from its Go module by scripts/build-control-plane.sh) with one proxy per
replica, named like the replica, between the HAProxy edge and the replica; the edge's health
checks and Prometheus' scrapes go to the replica directly. Faults are Toxiproxy "toxics" on a
proxy (latency; connection resets for errors) or a disabled proxy (a network partition:
connections refused).

Toxiproxy has no TTL. A toxic's name carries its expiry (`slogate-<token>-until-<unix ms>`)
and the supervisor's sweep thread removes every toxic past it (toxic_sweep.py, every 0.25 s),
so a toxic ends at its TTL even when whoever added it was killed. Every call has a timeout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from slogate.errors import UsageError
from slogate.host.ports import HOST

BINARY = "toxiproxy-server"
VERSION = "v2.5.0"  # tools/toxiproxy/go.mod pins it
BUILD_COMMAND = "scripts/build-control-plane.sh toxiproxy (make setup runs it)"
HTTP_TIMEOUT_S = 2.0
_EXPIRING = re.compile(r"^slogate-[0-9a-f]+-until-(\d+)$")


def find_toxiproxy() -> str:
    """toxiproxy-server on PATH, else the one the build script put in slogate's cache."""
    found = shutil.which(BINARY)
    if found:
        return found
    cache = os.environ.get("SLOGATE_K8S_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "slogate" / "k8s"
    )
    built = sorted(
        Path(cache).glob(f"toxiproxy-{VERSION}-*/bin/{BINARY}"),
        key=lambda path: path.stat().st_mtime,
    )
    built = [path for path in built if (path.parents[1] / "complete").exists()]
    if not built:
        raise UsageError(
            f"{BINARY} ({VERSION}) was not found on PATH or in {cache}; slogate.yaml "
            f"`faults: toxiproxy` needs it: build it with {BUILD_COMMAND}, which needs Go 1.26"
        )
    return str(built[-1])


def write_proxies_config(path: Path, replica_ports: list[int], proxy_ports: list[int]) -> Path:
    """The proxies toxiproxy-server creates at start (also after a restart): replica-i listens
    on proxy port i and forwards to replica i."""
    proxies = [
        {
            "name": f"replica-{i}",
            "listen": f"{HOST}:{listen}",
            "upstream": f"{HOST}:{upstream}",
            "enabled": True,
        }
        for i, (listen, upstream) in enumerate(zip(proxy_ports, replica_ports, strict=True))
    ]
    path.write_text(json.dumps(proxies, indent=2))
    return path


def toxiproxy_command(binary: str, api_port: int, config_file: Path) -> list[str]:
    return [binary, "-host", HOST, "-port", str(api_port), "-config", str(config_file)]


def api_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def proxies(url: str) -> dict[str, Any]:
    """GET /proxies: every proxy with its toxics."""
    response = httpx.get(f"{url}/proxies", timeout=HTTP_TIMEOUT_S)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def all_proxies_listening(url: str, names: set[str]) -> bool:
    """Every named proxy exists and is enabled (toxiproxy-server is ready)."""
    try:
        found = proxies(url)
    except (httpx.HTTPError, ValueError):
        return False
    return all(found.get(name, {}).get("enabled") for name in names)


def set_enabled(url: str, proxy: str, enabled: bool) -> None:
    """Enable or disable a proxy (disabled: its listener is closed, connections refused)."""
    body = {"enabled": enabled}
    response = httpx.post(f"{url}/proxies/{proxy}", json=body, timeout=HTTP_TIMEOUT_S)
    response.raise_for_status()


def expiring_name(expires_at: float) -> str:
    """A toxic name that carries its expiry (unix s), for the supervisor's sweep."""
    return f"slogate-{uuid.uuid4().hex[:12]}-until-{int(expires_at * 1000)}"


def add_toxic(url: str, proxy: str, name: str, toxic: dict[str, Any]) -> None:
    """POST a toxic (`type`, `stream`, `toxicity`, `attributes`) under `name`."""
    response = httpx.post(
        f"{url}/proxies/{proxy}/toxics", json={**toxic, "name": name}, timeout=HTTP_TIMEOUT_S
    )
    if response.status_code != 200:
        raise httpx.HTTPStatusError(
            f"toxiproxy refused the {toxic['type']} toxic on {proxy}: "
            f"{response.status_code} {response.text[:200]}",
            request=response.request,
            response=response,
        )


def remove_toxic(url: str, proxy: str, name: str) -> bool:
    """DELETE a toxic; False when it was not there (already removed)."""
    response = httpx.delete(f"{url}/proxies/{proxy}/toxics/{name}", timeout=HTTP_TIMEOUT_S)
    if response.status_code == 404:
        return False
    response.raise_for_status()
    return True


def remove_expired_toxics(url: str, now: float | None = None) -> list[str]:
    """Remove every slogate toxic past the expiry in its name; `proxy/toxic` of each removed."""
    moment = time.time() if now is None else now
    removed = []
    for proxy, body in proxies(url).items():
        for toxic in body.get("toxics") or []:
            match = _EXPIRING.match(str(toxic.get("name", "")))
            if match and int(match.group(1)) / 1000 <= moment:
                remove_toxic(url, proxy, toxic["name"])
                removed.append(f"{proxy}/{toxic['name']}")
    return removed
