"""The harness image (root Dockerfile, slogate/slogate:dev) and the drill CronJobs that run it,
checked by reading them (no Docker engine here).

The local-stack drill (k8s/drill/local-stack/) runs `slogate run GATE` on the local platform
inside its pod, so the image must carry the local platform's binaries and the gate inputs, run
as the CronJob's non-root user, and write only where the CronJob mounts writable volumes (its
root file system is read-only). The drill of the deployed service (k8s/drill/cronjob.yaml) runs
the same image as the chaos ServiceAccount, with `--platform kubernetes`.
"""

from __future__ import annotations

import shlex
from pathlib import PurePosixPath
from typing import Any

import pytest
import yaml

from slogate.host.binaries import PACKAGES
from tests.k8s.applied import NAMESPACE
from tests.k8s.manifests import REPO, all_documents
from tests.k8s.test_dockerfile import (
    Instruction,
    assert_reaches_the_build_context,
    copied_sources,
    parse_dockerfile,
)
from tests.support.cli import run_cli

DOCKERFILE = REPO / "Dockerfile"
INSTRUCTIONS = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
LAST_STAGE = max(i.stage for i in INSTRUCTIONS)
RUNTIME = [i for i in INSTRUCTIONS if i.stage == LAST_STAGE]
IMAGE = "slogate/slogate:dev"


def _only(keyword: str) -> Instruction:
    found = [i for i in RUNTIME if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword} in the runtime stage, found {len(found)}"
    return found[0]


def _env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in RUNTIME:
        if instruction.keyword == "ENV":
            for token in shlex.split(instruction.arguments):
                key, _, value = token.partition("=")
                env[key] = value
    return env


LOCAL_STACK = "slogate-drill-local-stack"
DEPLOYED = "slogate-drill"
BOTH = pytest.mark.parametrize("drill", [LOCAL_STACK, DEPLOYED])


def _cronjob(name: str = LOCAL_STACK) -> dict[str, Any]:
    (cronjob,) = [d for d in all_documents() if d.kind == "CronJob" and d.name == name]
    return cronjob.body


def _pod(name: str = LOCAL_STACK) -> dict[str, Any]:
    pod: dict[str, Any] = _cronjob(name)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pod


def _container(name: str = LOCAL_STACK) -> dict[str, Any]:
    (container,) = _pod(name)["containers"]
    assert isinstance(container, dict)
    return container


def test_multi_stage_with_the_builders_venv_and_a_slim_runtime() -> None:
    stages = [i for i in INSTRUCTIONS if i.keyword == "FROM"]
    assert len(stages) >= 2
    builder = stages[0].arguments.split()[-1]
    copies = [i for i in RUNTIME if i.keyword == "COPY" and "from" in i.flags()]
    assert [c.flags()["from"] for c in copies] == [builder]
    assert copies[0].arguments.split()[-2:] == ["/opt/venv", "/opt/venv"]
    runs = " ".join(i.arguments for i in INSTRUCTIONS if i.stage == 0 and i.keyword == "RUN")
    assert "pip install --require-virtualenv -c constraints.txt ." in runs, "pinned dependencies"
    assert "compileall" in runs, "bytecode compiled at build time: no writes at run time"
    assert _env()["PATH"].startswith("/opt/venv/bin:")


def test_carries_the_local_platforms_binaries() -> None:
    runs = [i.arguments for i in RUNTIME if i.keyword == "RUN"]
    installs = [run for run in runs if "apt-get install" in run]
    assert installs, "the runtime stage installs the local platform's binaries"
    words = set(shlex.split(" ".join(installs).replace("&&", " ")))
    assert set(PACKAGES.values()) <= words
    assert "--no-install-recommends" in words and "/var/lib/apt/lists/*" in words
    config = yaml.safe_load((REPO / "slogate.yaml").read_text(encoding="utf-8"))
    assert config.get("platform", "local") == "local", "the drill image runs the local platform"


def test_the_gate_inputs_are_the_working_directory() -> None:
    workdir = PurePosixPath(_only("WORKDIR").arguments)
    destinations = {
        PurePosixPath(shlex.split(i.arguments)[-1])
        for i in RUNTIME
        if i.keyword == "COPY" and "from" not in i.flags()
    }
    for name in ("slogate.yaml", "loadtests", "experiments", "slo"):
        assert workdir / name in destinations, f"{name} is not copied into {workdir}"
    assert (REPO / "loadtests" / "locustfile.py").is_file()


@pytest.mark.parametrize("source", copied_sources(INSTRUCTIONS))
def test_copied_sources_exist_and_reach_the_build_context(source: str) -> None:
    assert_reaches_the_build_context(source)


@BOTH
def test_the_cronjob_runs_this_image_as_its_user(drill: str) -> None:
    container = _container(drill)
    assert container["image"] == IMAGE
    assert f"-t {IMAGE}" in DOCKERFILE.read_text(encoding="utf-8"), "the build command names it"
    assert container["command"][:2] == ["slogate", "run"]
    uid, _, gid = _only("USER").arguments.partition(":")
    assert uid.isdigit() and int(uid) != 0 and gid.isdigit() and int(gid) != 0
    context = _pod(drill)["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"]) == (int(uid), int(gid))
    assert context["runAsNonRoot"] is True


@BOTH
def test_writes_only_where_the_cronjob_mounts_writable_volumes(drill: str) -> None:
    container = _container(drill)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    env = {**_env(), **{e["name"]: e["value"] for e in container.get("env", [])}}
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    writable = [env["HOME"], env["TMPDIR"], env["SLOGATE_HOME"]]
    command = container["command"]
    writable.append(command[command.index("--reports-dir") + 1])
    for path in writable:
        assert any(PurePosixPath(path).is_relative_to(m) for m in mounts), (
            f"{path} is written at run time but not on a mounted volume ({sorted(mounts)})"
        )
    assert not [i for i in INSTRUCTIONS if i.keyword == "VOLUME"]


def test_the_local_stack_drill_needs_no_kubernetes_api_access() -> None:
    """The local platform runs inside the pod: no token, so no kubectl in the image either."""
    assert _pod()["automountServiceAccountToken"] is False
    assert not [i for i in INSTRUCTIONS if i.keyword == "RUN" and "kubectl" in i.arguments]


def test_the_deployed_service_drill_runs_as_the_chaos_account_on_kubernetes() -> None:
    """It drills the Deployment the root deployed, as slogate-chaos (its token mounted), and
    pushes its verdict to the Pushgateway's Service; the local-stack drill pushes there too."""
    pod, container = _pod(DEPLOYED), _container(DEPLOYED)
    assert pod["serviceAccountName"] == "slogate-chaos"
    assert pod["automountServiceAccountToken"] is True
    command = container["command"]
    assert command[command.index("--platform") + 1] == "kubernetes"
    assert "--attach" in command  # the deployed Deployment: nothing applied, nothing deleted
    (account,) = [d for d in all_documents() if d.kind == "ServiceAccount"
                  and d.name == "slogate-chaos"]  # fmt: skip
    assert account.path.parent.name == "chaos"
    (service,) = [d for d in all_documents() if d.kind == "Service" and d.name == "pushgateway"]
    (port,) = service.body["spec"]["ports"]
    for drill in (DEPLOYED, LOCAL_STACK):
        env = {e["name"]: e["value"] for e in _container(drill)["env"]}
        url = f"http://pushgateway.{NAMESPACE}.svc:{port['port']}"  # cluster DNS: no kubectl
        assert env["SLOGATE_PUSHGATEWAY"] == url, drill


@BOTH
def test_each_drill_keeps_its_reports_on_its_own_claim(drill: str) -> None:
    volumes = {v["name"]: v for v in _pod(drill)["volumes"]}
    claim = volumes["reports"]["persistentVolumeClaim"]["claimName"]
    (document,) = [d for d in all_documents() if d.kind == "PersistentVolumeClaim"
                   and d.name == claim]  # fmt: skip
    cronjob = next(d for d in all_documents() if d.kind == "CronJob" and d.name == drill)
    assert document.path.parent == cronjob.path.parent, "applied by the same kustomization"


@BOTH
def test_the_drills_command_line_is_one_slogate_parses(drill: str) -> None:
    """Its options exist (`--platform`, `--reports-dir`; --help after them parses them all) and
    its GATE is a gate of the image's slogate.yaml."""
    container = _container(drill)
    env = {e["name"]: e["value"] for e in container["env"]}
    command = [word.replace("$(GATE)", env["GATE"]) for word in container["command"]]
    gates = yaml.safe_load((REPO / "slogate.yaml").read_text(encoding="utf-8"))["gates"]
    assert env["GATE"] in gates
    result = run_cli(*command[1:], "--help")
    assert result.exit_code == 0, result
