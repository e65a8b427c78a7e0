"""`faults: toxiproxy` without a running stack: the setting, the edge's config (HAProxy's own
checker), slogate's faults as toxics, where the binary is found, and the build script's
lookup. The running parts are in test_fault_proxy.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from chaoslib.exceptions import ActivityFailed

from slogate.config import parse_config
from slogate.errors import ConfigError, UsageError
from slogate.host.binaries import find_binary
from slogate.platform.local import haproxy, toxiproxy
from slogate.platform.local.toxics import toxic_for
from tests.support.cli import REPO


def test_faults_default_to_the_services_own_hooks() -> None:
    assert parse_config({}, "slogate.yaml").faults == "hooks"
    assert parse_config({"faults": "toxiproxy"}, "slogate.yaml").faults == "toxiproxy"


def test_an_unknown_fault_injector_names_the_key_and_the_choices() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"faults": "chaos-mesh"}, "slogate.yaml")
    message = str(error.value)
    assert "slogate.yaml" in message and "faults" in message
    assert "'hooks'" in message and "'toxiproxy'" in message


def _edge(tmp_path: Path) -> str:
    settings = haproxy.EdgeSettings(
        port=18080,
        metrics_port=18081,
        replica_ports=[19000, 19001, 19002],
        readiness_path="/health/readiness",
        check_interval_ms=250,
        socket_path=tmp_path / "haproxy.sock",
        traffic_ports=[19100, 19101, 19102],
    )
    return haproxy.haproxy_config(settings)


def test_the_edge_sends_traffic_through_the_proxies_and_checks_to_the_replicas(
    tmp_path: Path,
) -> None:
    text = _edge(tmp_path)
    for i in range(3):
        assert f"server replica-{i} 127.0.0.1:191{i:02d} check port 190{i:02d}\n" in text
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    result = subprocess.run(
        [find_binary("haproxy").path, "-c", "-f", str(config)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


TOXICS: dict[str, tuple[dict[str, Any], dict[str, Any], list[str]]] = {
    "fixed latency": (
        {"kind": "latency", "fixed_ms": 300, "routes": "/api/", "ratio": 1.0},
        {"type": "latency", "stream": "downstream", "toxicity": 1.0,
         "attributes": {"latency": 300, "jitter": 0}},
        [],
    ),
    "normal latency, a share, one route": (
        {"kind": "latency", "mean_ms": 150, "stddev_ms": 50, "routes": "/api/x", "ratio": 0.5},
        {"type": "latency", "stream": "downstream", "toxicity": 0.5,
         "attributes": {"latency": 150, "jitter": 50}},
        ["routes '/api/x' ignored", "share of TCP connections"],
    ),
    "errors": (
        {"kind": "errors", "ratio": 0.2, "status": 500, "routes": "/api/"},
        {"type": "reset_peer", "stream": "upstream", "toxicity": 0.2,
         "attributes": {"timeout": 0}},
        ["share of TCP connections", "connection resets, not HTTP 500", "retry"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("scenario", TOXICS)
def test_slogate_faults_become_toxics_with_what_differs_said(scenario: str) -> None:
    spec, expected, said = TOXICS[scenario]
    toxic, notes = toxic_for(spec)
    assert toxic == expected
    assert len(notes) == len(said) - ("retry" in said)
    for words in said:
        assert any(words in note for note in notes), (words, notes)


def test_a_fault_toxiproxy_cannot_make_names_the_setting() -> None:
    with pytest.raises(ActivityFailed, match="faults: toxiproxy"):
        toxic_for({"kind": "readiness", "ratio": 1.0})


def test_a_toxics_name_carries_its_expiry() -> None:
    name = toxiproxy.expiring_name(1_800_000_000.25)
    assert name.startswith("slogate-") and name.endswith("-until-1800000000250")


def _fake_build(cache: Path, version: str, complete: bool) -> Path:
    binary = cache / f"toxiproxy-{version}-0123456789ab" / "bin" / toxiproxy.BINARY
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    if complete:
        (binary.parents[1] / "complete").touch()
    return binary


def test_the_binary_is_found_in_the_build_cache_once_its_build_completed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("SLOGATE_K8S_CACHE", str(tmp_path / "cache"))
    _fake_build(tmp_path / "cache", toxiproxy.VERSION, complete=False)
    with pytest.raises(UsageError) as error:
        toxiproxy.find_toxiproxy()
    assert "scripts/build-control-plane.sh toxiproxy" in str(error.value)
    assert "faults: toxiproxy" in str(error.value)
    built = _fake_build(tmp_path / "cache" / "other", toxiproxy.VERSION, complete=True)
    monkeypatch.setenv("SLOGATE_K8S_CACHE", str(built.parents[2]))
    assert toxiproxy.find_toxiproxy() == str(built)


def test_the_pinned_version_is_the_one_the_build_script_builds() -> None:
    go_mod = (REPO / "tools" / "toxiproxy" / "go.mod").read_text()
    assert f"github.com/Shopify/toxiproxy/v2 {toxiproxy.VERSION}" in go_mod
    result = subprocess.run(
        [str(REPO / "scripts" / "build-control-plane.sh"), "--print", "toxiproxy"],
        capture_output=True, text=True, timeout=30, check=False,
        env={**os.environ, "SLOGATE_K8S_CACHE": "/nonexistent/slogate-cache"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "missing: toxiproxy" in result.stderr
    assert "scripts/build-control-plane.sh toxiproxy" in result.stderr
    unknown = subprocess.run(
        [str(REPO / "scripts" / "build-control-plane.sh"), "--print", "nonsense"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert unknown.returncode == 2 and "NAME" in unknown.stderr
