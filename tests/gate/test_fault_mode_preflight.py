"""A gate's experiments checked against the stack's fault mode before anything starts: pure,
no processes. `slogate validate` and `slogate run` (its pre-flight, plan_gate) exit 2 naming
the experiment file, the activity and the fix; the shipped experiments that fit still plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.config import load_config
from slogate.errors import ConfigError
from slogate.gate.plan import plan_gate
from tests.support.cli import REPO, run_cli

READINESS_OFF: dict[str, Any] = {
    "version": "1.0.0",
    "title": "readiness-off",
    "description": "one replica's readiness turned off through the service's hooks",
    "method": [
        {
            "type": "action",
            "name": "readiness-off",
            "provider": {
                "type": "http",
                "url": "http://127.0.0.1:8001/admin/faults",
                "method": "POST",
                "arguments": {"kind": "readiness_off", "ttl_s": 10},
            },
        }
    ],
}


def _project(tmp_path: Path, experiment: str, **settings: Any) -> Path:
    for name in ("loadtests", "slo"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "experiments").mkdir()
    for shipped in ("network-partition", "latency-injection", "pod-kill"):
        (tmp_path / "experiments" / f"{shipped}.yaml").symlink_to(
            REPO / "experiments" / f"{shipped}.yaml"
        )
    (tmp_path / "experiments" / "readiness-off.yaml").write_text(yaml.safe_dump(READINESS_OFF))
    gate = {
        "load": {"profile": "smoke", "rate": 60, "duration_s": 60},
        "experiments": [{"experiment": experiment, "at_s": 20, "fault_s": 15}],
        "objectives": {"fault": ["error-rate-under-1pct"]},
    }
    path = tmp_path / "slogate.yaml"
    path.write_text(yaml.safe_dump({**settings, "gates": {"g": gate}}))
    return path


CASES = [  # (name, experiment, settings, the message's parts; None: it plans)
    (
        "hooks-url-with-toxiproxy", "readiness-off", {"faults": "toxiproxy"},
        ["readiness-off.yaml", "method[0] (readiness-off)", "/admin/faults", "faults: hooks"],
    ),
    (
        "partition-without-fault-proxy", "network-partition", {},
        ["network-partition.yaml", "method[0] (cut-off-one-replica)", "partition_replicas",
         "set `faults: toxiproxy`"],
    ),
    (
        "toxiproxy-on-kubernetes", "latency-injection",
        {"faults": "toxiproxy", "platform": "kubernetes"},
        ["slogate.yaml", "faults", "only on the local platform", "remove `faults: toxiproxy`"],
    ),
    ("partition-with-toxiproxy", "network-partition", {"faults": "toxiproxy"}, None),
    ("latency-with-toxiproxy", "latency-injection", {"faults": "toxiproxy"}, None),
    ("readiness-through-hooks", "readiness-off", {}, None),
    ("pod-kill-on-kubernetes", "pod-kill", {"platform": "kubernetes"}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("experiment", "settings", "said"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_experiments_are_checked_against_the_fault_mode(
    tmp_path: Path, experiment: str, settings: dict[str, Any], said: list[str] | None
) -> None:
    path = _project(tmp_path, experiment, **settings)
    config = load_config(path)
    if said is None:
        assert plan_gate(config, "g").experiments[0].stem == experiment
        return
    with pytest.raises(ConfigError) as raised:
        plan_gate(config, "g")
    for part in said:
        assert part in str(raised.value)
    result = run_cli("validate", "--config", str(path))
    assert result.exit_code == 2, result.stdout
    for part in said:
        assert part in result.stderr
