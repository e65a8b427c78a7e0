"""slogate.yaml: defaults, and bad input named by file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.config import SlogateConfig, expand, load_config
from slogate.errors import ConfigError
from tests.support.cli import run_cli

REPO = Path(__file__).resolve().parents[2]

BAD_CONFIGS = {
    "unknown_top_level_key": ("servise:\n  replicas: 2\n", "servise", "unknown key"),
    "unknown_nested_key": ("service:\n  replicaz: 2\n", "service.replicaz", "unknown key"),
    "replicas_zero": ("service:\n  replicas: 0\n", "service.replicas", "greater than or equal"),
    "port_out_of_range": ("ports:\n  edge: 70000\n", "ports.edge", "less than or equal to 65535"),
    "relative_health_path": (
        "service:\n  readiness_path: health\n", "service.readiness_path", "starting with '/'"
    ),
    "unknown_placeholder": (
        "service:\n  command: [run, '{prot}']\n", "service.command", "unknown placeholder {prot}"
    ),
    "platform_unknown": ("platform: docker\n", "platform", "'local'"),
    "edge_retries_unknown": (
        "edge:\n  retries: always\n", "edge.retries", "'ingress' or 'none' (got 'always')"
    ),
    "not_a_mapping": ("- a\n- b\n", "", "expected a mapping"),
    "bad_yaml": ("service: [\n", "line", "not valid YAML"),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_CONFIGS)
def test_bad_config_is_named_by_file_and_key(tmp_path: Path, name: str) -> None:
    text, field, expected = BAD_CONFIGS[name]
    path = tmp_path / "slogate.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith(str(path))
    assert field in raised.value.field
    assert expected in message


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.source is None
    assert config.service.command == ["{python}", "-m", "target_service"]
    assert config.service.replicas == 3
    assert config.timings.scrape_interval_s == 1.0
    assert config.ports.edge is None


def test_repository_slogate_yaml_states_the_defaults() -> None:
    config = load_config(REPO / "slogate.yaml")
    platform_sections = {"platform", "kubernetes", "kind", "service", "ports", "timings"}
    defaults = SlogateConfig().model_dump(include=platform_sections)
    assert config.model_dump(include=platform_sections) == defaults


def test_base_dir_is_the_files_folder(tmp_path: Path) -> None:
    (tmp_path / "slogate.yaml").write_text("service:\n  replicas: 2\n")
    config = load_config(tmp_path / "slogate.yaml")
    assert config.base_dir == tmp_path.resolve()
    assert config.service.replicas == 2


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "absent.yaml")


def test_expand_fills_known_placeholders_only() -> None:
    assert expand("--port={port} {other}", {"port": "81"}) == "--port=81 {other}"


def test_a_bad_edge_retry_policy_stops_validate_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "slogate.yaml"
    path.write_text("edge:\n  retries: always\n")
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 2
    assert f"{path}: edge.retries: Input should be 'ingress' or 'none'" in result.stderr
    assert "Traceback" not in result.stderr
