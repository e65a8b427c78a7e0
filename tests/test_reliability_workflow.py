""".github/workflows/reliability-gate.yml: pip cache, JUnit annotations, the reports uploaded,
and a reusable form (`workflow_call`) whose inputs reach `slogate run` options that exist.

GitHub Actions cannot run on this machine: the workflow is checked as a document, and the
command it runs against the CLI (`slogate run --help`, and a run refused before anything
starts for the `--slo` it passes)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from slogate.report.store import JUNIT_XML
from tests.support.cli import REPO, run_cli

WORKFLOW = REPO / ".github" / "workflows" / "reliability-gate.yml"
CALL_INPUTS = {
    "gate": "smoke",
    "config": "slogate.yaml",
    "slo": "",
    "working-directory": ".",
    "python-version": "3.11",
    "setup-command": "",
    "slogate-repository": "",
    "slogate-ref": "main",
}


def _workflow() -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads `on` as true
    return document


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _workflow()["jobs"]["gate"]["steps"]
    return steps


def _step(uses_or_name: str) -> dict[str, Any]:
    found = [
        s
        for s in _steps()
        if s.get("uses", "").startswith(uses_or_name) or s.get("name") == uses_or_name
    ]
    assert len(found) == 1, [s.get("uses") or s.get("name") for s in _steps()]
    return found[0]


def test_the_reusable_form_takes_gate_config_slo_folder_and_python():
    triggers = _workflow()["on"]
    assert set(triggers) == {"pull_request", "schedule", "workflow_dispatch", "workflow_call"}
    inputs = triggers["workflow_call"]["inputs"]
    assert {name: spec["default"] for name, spec in inputs.items()} == CALL_INPUTS
    assert all(spec["type"] == "string" and spec["description"] for spec in inputs.values())


def test_every_input_is_used_and_every_env_the_commands_read_is_set():
    text = WORKFLOW.read_text()
    for name in CALL_INPUTS:
        assert f"inputs.{name}" in text, name
    job = _workflow()["jobs"]["gate"]
    scripts = " ".join(step.get("run", "") for step in job["steps"])
    for variable in set(re.findall(r"\$([A-Z_]+)\b", scripts)) - {"GITHUB_STEP_SUMMARY"}:
        assert variable in job["env"], variable
    assert job["defaults"]["run"]["working-directory"] == "${{ inputs.working-directory || '.' }}"


def test_pip_is_cached_by_the_pyproject():
    python = _step("actions/setup-python@")["with"]
    assert python["cache"] == "pip"
    assert python["cache-dependency-path"].endswith("'pyproject.toml' }}")
    assert "'.slogate-src/pyproject.toml'" in python["cache-dependency-path"]
    assert python["python-version"] == "${{ inputs.python-version || '3.11' }}"


def test_junit_annotations_and_the_reports_whatever_the_verdict():
    junit = _step("mikepenz/action-junit-report@")
    assert re.fullmatch(r"mikepenz/action-junit-report@v\d+", junit["uses"])  # a version tag
    assert junit["if"] == "always()"
    assert junit["with"]["report_paths"].endswith(f"/reports/*/{JUNIT_XML}")
    assert junit["with"]["annotate_only"] is True
    upload = _step("actions/upload-artifact@")
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "${{ inputs.working-directory || '.' }}/reports/"


def test_the_gate_step_runs_options_that_slogate_run_has():
    script = _step("slogate run ${{ env.GATE }}")["run"]
    words = shlex.split(script.replace("(", " ").replace(")", " ").replace(";", " "))
    options = {word for word in words if word.startswith("--")}
    assert options == {"--config", "--reports-dir", "--slo"}
    assert 'slogate "${args[@]}"' in script and "args=(run " in script
    help_text = run_cli("run", "--help")
    assert help_text.exit_code == 0
    for option in options:
        assert re.search(rf"^\s+{option}\b", help_text.stdout, re.M), option
    assert "--reports-dir reports" in script  # where the summary, junit and upload steps look


def test_slo_names_the_file_a_run_judges_by(tmp_path: Path):
    bad = tmp_path / "my-slo.yaml"
    bad.write_text("objectives: [oops\n")
    reports = tmp_path / "reports"
    done = run_cli(
        "run", "smoke", "--config", str(REPO / "slogate.yaml"), "--slo", str(bad),
        "--reports-dir", str(reports), env={"SLOGATE_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert done.exit_code == 2, done.stdout + done.stderr
    assert str(bad) in done.stderr and "Traceback" not in done.stderr
    assert not reports.exists() and not (tmp_path / "home").exists()  # nothing started
    missing = run_cli("run", "smoke", "--slo", str(tmp_path / "none.yaml"))
    assert missing.exit_code == 2 and "none.yaml" in missing.stderr
