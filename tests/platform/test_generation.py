"""Generated configs: HAProxy's and Prometheus' own checkers accept them; the contract's
directives, jobs and labels are there; replicas get their port, label and Redis URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from slogate.config import EdgeRetries, SlogateConfig, parse_config
from slogate.host.binaries import find_binary
from slogate.platform.local import haproxy, prometheus, redis
from slogate.platform.local.replicas import replica_launch
from slogate.platform.prometheus_server import prometheus_command, write_prometheus_config


def _edge(tmp_path: Path, retries: EdgeRetries = "ingress") -> str:
    settings = haproxy.EdgeSettings(
        port=18080,
        metrics_port=18081,
        replica_ports=[19000, 19001, 19002],
        readiness_path="/health/readiness",
        check_interval_ms=250,
        socket_path=tmp_path / "haproxy.sock",
        retries=retries,
    )
    return haproxy.haproxy_config(settings)


@pytest.mark.parametrize("retries", ["ingress", "none"])
def test_haproxy_config_is_valid_for_haproxy(tmp_path: Path, retries: EdgeRetries) -> None:
    config = tmp_path / "haproxy.cfg"
    config.write_text(_edge(tmp_path, retries))
    result = subprocess.run(
        [find_binary("haproxy").path, "-c", "-f", str(config)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_haproxy_config_has_the_edge_contract(tmp_path: Path) -> None:
    text = _edge(tmp_path)
    for line in (
        "frontend api",
        "backend service",
        "option httpchk GET /health/readiness",
        "http-check expect status 200",
        "retries 3",
        "retry-on all-retryable-errors",
        "option redispatch",
        "http-request set-var(txn.decoded_path) path,url_dec,lower",
        "http-request deny deny_status 403 if { var(txn.decoded_path) -m beg /admin }",
        "http-request use-service prometheus-exporter if { path /metrics }",
        "inter 250ms fastinter 250ms downinter 250ms fall 1 rise 1",
        f"stats socket {tmp_path / 'haproxy.sock'} mode 600 level admin",
        "server replica-0 127.0.0.1:19000 check",
        "server replica-2 127.0.0.1:19002 check",
        "http-request disable-l7-retry unless { method GET HEAD PUT DELETE OPTIONS }",
    ):
        assert line in text, line


def test_an_edge_without_retries_is_a_plain_service(tmp_path: Path) -> None:
    """`edge.retries: none`: no retry, no redispatch (a cut request reaches the client)."""
    text = _edge(tmp_path, "none")
    assert "    retries 0\n    retry-on none\n    no option redispatch\n" in text
    assert "retries 3" not in text and "all-retryable-errors" not in text
    assert "option redispatch 1" not in text


def test_the_stack_takes_the_retry_policy_from_slogate_yaml() -> None:
    config = parse_config({"edge": {"retries": "none"}}, "slogate.yaml")
    assert config.edge.retries == "none"
    assert parse_config({}, "slogate.yaml").edge.retries == "ingress"


def test_runtime_socket_moves_to_tmp_when_the_path_is_too_long(tmp_path: Path) -> None:
    long_dir = tmp_path / ("x" * 120)
    path = haproxy.runtime_socket_path(long_dir)
    assert len(str(path)) < 80
    assert path == haproxy.runtime_socket_path(long_dir)  # stable
    assert haproxy.runtime_socket_path(Path("/r")) == Path("/r/haproxy.sock")


def _prometheus(tmp_path: Path) -> dict:
    targets = prometheus.ScrapeTargets(
        replica_ports=[19000, 19001],
        edge_metrics_port=18081,
        supervisor_port=18082,
        client_metrics_port=18083,
        metrics_path="/metrics",
    )
    return prometheus.prometheus_config(targets, tmp_path, 1.0, "default")


def test_prometheus_config_is_valid_for_promtool(tmp_path: Path) -> None:
    path = tmp_path / "prometheus.yml"
    write_prometheus_config(_prometheus(tmp_path), path)
    (tmp_path / "rules" / "slo.yml").write_text(
        "groups:\n- name: g\n  rules:\n  - record: x:up\n    expr: up\n"
    )
    result = subprocess.run(
        ["promtool", "check", "config", str(path)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_prometheus_config_has_the_scrape_contract(tmp_path: Path) -> None:
    config = _prometheus(tmp_path)
    assert config["global"]["scrape_interval"] == "1000ms"
    assert config["global"]["evaluation_interval"] == "1000ms"
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"service", "edge", "supervisor", "client"}
    service = jobs["service"]["static_configs"]
    assert [c["labels"] for c in service] == [
        {"replica": "0", "source": "server"},
        {"replica": "1", "source": "server"},
    ]
    assert [c["targets"] for c in service] == [["127.0.0.1:19000"], ["127.0.0.1:19001"]]
    assert jobs["edge"]["static_configs"][0]["labels"] == {"source": "edge"}
    assert jobs["client"]["static_configs"][0] == {
        "targets": ["127.0.0.1:18083"],
        "labels": {"source": "client"},
    }
    rules = tmp_path / "rules"
    assert config["rule_files"] == [str(rules / "*.yml"), str(rules / "*.yaml")]
    assert yaml.safe_load(yaml.safe_dump(config)) == config


def test_replica_launch_of_the_default_service() -> None:
    launch = replica_launch(SlogateConfig(), 2, 19002, "redis://127.0.0.1:6390/0", "tok")
    assert launch.name == "replica-2"
    assert launch.command == [sys.executable, "-m", "target_service"]
    assert launch.env == {
        "TARGET_PORT": "19002",
        "TARGET_HOST": "127.0.0.1",
        "TARGET_REDIS_URL": "redis://127.0.0.1:6390/0",
        "TARGET_REPLICA": "2",
        "TARGET_ADMIN_ENABLED": "true",
        "TARGET_ADMIN_TOKEN": "tok",
    }


def test_replica_launch_of_a_service_given_by_config(tmp_path: Path) -> None:
    config = parse_config(
        {
            "service": {
                "command": ["{python}", "app.py", "--listen={host}:{port}"],
                "port_env": None,
                "host_env": None,
                "redis_url_env": "CACHE",
                "replica_env": None,
                "admin_enabled_env": None,
                "admin_token_env": "ADMIN",
                "working_dir": "svc",
                "env": {"NAME": "r{replica}"},
            }
        },
        str(tmp_path / "slogate.yaml"),
    )
    launch = replica_launch(config, 1, 19001, "redis://127.0.0.1:1/0", "secret")
    assert launch.command == [sys.executable, "app.py", "--listen=127.0.0.1:19001"]
    assert launch.env == {"CACHE": "redis://127.0.0.1:1/0", "ADMIN": "secret", "NAME": "r1"}
    assert launch.cwd == (tmp_path / "svc").resolve()


def test_redis_gets_its_password_from_a_private_config_file(tmp_path: Path) -> None:
    config = redis.write_redis_config(tmp_path / "redis.conf", 16379, tmp_path / "data dir", "p/w")
    assert config.stat().st_mode & 0o777 == 0o600
    assert 'requirepass "p/w"' in config.read_text().splitlines()
    assert f'dir "{tmp_path / "data dir"}"' in config.read_text().splitlines()
    assert redis.redis_command("/usr/bin/redis-server", config) == [
        "/usr/bin/redis-server",
        str(config),
    ]
    assert redis.redis_url(16379, "p/w:@") == "redis://:p%2Fw%3A%40@127.0.0.1:16379/0"


def test_prometheus_runs_without_its_lifecycle_api(tmp_path: Path) -> None:
    command = prometheus_command("prometheus", tmp_path / "p.yml", tmp_path, 9090)
    assert not [flag for flag in command if "lifecycle" in flag]
