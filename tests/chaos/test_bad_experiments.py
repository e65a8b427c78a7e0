"""Bad experiments are bad input (exit 2, the file and the field named) before anything starts:
in a gate's pre-flight (`slogate validate`, `slogate run`) and in `slogate chaos`. No stack is
up in these tests: validation must refuse before the stack is even looked for."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from slogate.chaos.runner import ChaosPlan, run_chaos
from slogate.chaos.validation import validate_experiment
from slogate.config import load_config
from slogate.errors import ConfigError, ExitCode, SlogateError, UsageError
from slogate.gate.plan import plan_gate
from tests.support.cli import REPO
from tests.support.experiments import slogate_action

VALID = yaml.safe_load((REPO / "experiments" / "latency-injection.yaml").read_text())


def _with(**changes: object) -> str:
    document = {**VALID, **changes}
    return yaml.safe_dump({k: v for k, v in document.items() if v is not None})


def _latency(**arguments: object) -> list[dict[str, object]]:
    arguments = {"fixed_ms": 150, "ttl_s": 30, **arguments}
    return [slogate_action("add-latency", "inject_latency", **arguments)]


# name -> (file text, what the message must say)
BAD_EXPERIMENTS = {
    "malformed YAML": ("title: [unclosed\n", "line 2, column 1: not valid YAML"),
    "not a mapping": ("- just\n- a list\n", "a Chaos Toolkit experiment (a mapping)"),
    "no method": (_with(method=None), "an experiment requires a method"),
    "no title": (_with(title=None), "experiment requires a title"),
    "an unknown function": (
        _with(method=[slogate_action("x", "no_such_action")]),
        "does not expose a function called 'no_such_action'",
    ),
    "a ttl that is not a number": (
        _with(method=_latency(ttl_s="ten")),
        "method[0].provider.arguments.ttl_s: expected a number, got 'ten'",
    ),
    "a count that is not whole": (
        _with(method=[slogate_action("kill", "terminate_replicas", count=1.5)]),
        "method[0].provider.arguments.count: expected a whole number or null, got 1.5",
    ),
}  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("loadtests", "slo"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "experiments").mkdir()
    return tmp_path


def _gate_config(project: Path) -> Path:
    gate = {
        "load": {"profile": "smoke", "rate": 60, "duration_s": 40},
        "experiments": [{"experiment": "broken", "at_s": 10, "fault_s": 10}],
        "objectives": {"baseline": ["error-rate-under-1pct"]},
    }
    path = project / "slogate.yaml"
    path.write_text(yaml.safe_dump({"gates": {"with-broken": gate}}))
    return path


@pytest.mark.parametrize("name", sorted(BAD_EXPERIMENTS))
def test_a_gate_naming_a_bad_experiment_is_refused_at_planning(project: Path, name: str) -> None:
    text, said = BAD_EXPERIMENTS[name]
    broken = project / "experiments" / "broken.yaml"
    broken.write_text(text)
    config = load_config(_gate_config(project))
    with pytest.raises(ConfigError) as caught:
        plan_gate(config, "with-broken")
    message = str(caught.value)
    assert message.startswith(
        f"{project / 'slogate.yaml'}: gates.with-broken.experiments[0].experiment:"
    )
    assert str(broken) in message and said in message
    assert caught.value.exit_code is ExitCode.USAGE


@pytest.mark.parametrize("name", sorted(BAD_EXPERIMENTS))
def test_slogate_chaos_refuses_a_bad_experiment_before_looking_for_the_stack(
    project: Path, name: str
) -> None:
    text, said = BAD_EXPERIMENTS[name]
    broken = project / "experiments" / "broken.yaml"
    broken.write_text(text)
    plan = ChaosPlan(broken, "nowhere", "run-1", project / "run", None)
    with pytest.raises(SlogateError) as caught:
        run_chaos(plan, lambda line: None)
    assert caught.value.exit_code is ExitCode.USAGE
    assert str(broken) in str(caught.value) and said in str(caught.value)
    assert not (project / "run").exists()  # nothing started, nothing written


def test_an_unknown_background_load_is_refused_before_it_starts(project: Path) -> None:
    plan = ChaosPlan(
        REPO / "experiments" / "pod-kill.yaml", "nowhere", "run-1", project / "run",
        "nosuchprofile", loadtests_dir=project / "loadtests",
    )  # fmt: skip
    with pytest.raises(UsageError) as caught:
        run_chaos(plan, lambda line: None)
    assert str(caught.value).startswith("--load nosuchprofile: unknown load profile")
    assert "smoke" in str(caught.value)  # the known ones are named


def test_every_shipped_experiment_is_valid() -> None:
    """Every experiment file and every one a shipped gate names passes the same validation."""
    for path in sorted((REPO / "experiments").glob("*.yaml")):
        assert validate_experiment(path)["method"], path
    config = load_config(REPO / "slogate.yaml")
    for name, gate in config.gates.items():
        plan = plan_gate(config, name, REPO / "loadtests")
        assert [p.stem for p in plan.experiments] == [
            Path(e.experiment).stem for e in gate.experiments
        ], name
