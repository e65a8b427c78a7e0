"""Replicas of the service under test: command line and environment of replica i."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from slogate.config import ServiceConfig, SlogateConfig, expand
from slogate.host.ports import HOST


@dataclass(frozen=True)
class ReplicaLaunch:
    """Everything needed to (re)start one replica."""

    name: str
    index: int
    port: int
    command: list[str]
    env: dict[str, str]
    cwd: Path


def replica_name(index: int) -> str:
    """The part name of replica `index` (also the HAProxy server name)."""
    return f"replica-{index}"


def replica_launch(
    config: SlogateConfig, index: int, port: int, redis_url: str, admin_token: str = ""
) -> ReplicaLaunch:
    """How to start replica `index` on `port`, connected to `redis_url`.

    With an `admin_token` the service's admin API (fault hooks) is enabled behind it.
    """
    service: ServiceConfig = config.service
    values = {
        "python": sys.executable,
        "port": str(port),
        "host": HOST,
        "replica": str(index),
        "redis_url": redis_url,
        "admin_token": admin_token,
    }
    env: dict[str, str] = {}
    for variable, value in (
        (service.port_env, str(port)),
        (service.host_env, HOST),
        (service.redis_url_env, redis_url),
        (service.replica_env, str(index)),
        (service.admin_enabled_env if admin_token else None, "true"),
        (service.admin_token_env if admin_token else None, admin_token),
    ):
        if variable:
            env[variable] = value
    env.update({key: expand(value, values) for key, value in service.env.items()})
    cwd = config.base_dir
    if service.working_dir:
        cwd = (cwd / service.working_dir).resolve()
    return ReplicaLaunch(
        name=replica_name(index),
        index=index,
        port=port,
        command=[expand(argument, values) for argument in service.command],
        env=env,
        cwd=cwd,
    )
