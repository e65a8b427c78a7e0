"""target_service/Dockerfile, checked by reading it (no Docker engine here).

Parses the instructions (continuations joined, comments dropped) and checks the properties the
image promises: multi-stage with a venv built in the first stage, python:3.11-slim at run time,
a non-root numeric user matching the Kubernetes securityContext, nothing written outside /tmp,
a HEALTHCHECK on /health/liveness with Python, port 8000, `python -m target_service`.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import json
import shlex
import sys
import tomllib
from dataclasses import dataclass
from typing import Any

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.k8s.manifests import REPO, all_documents

DOCKERFILE = REPO / "target_service" / "Dockerfile"
REQUIREMENTS = REPO / "target_service" / "requirements.txt"


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON array form of CMD / ENTRYPOINT / HEALTHCHECK CMD."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = text[text.index("CMD") + 3 :]
        value = json.loads(text)
        assert isinstance(value, list), f"{self.keyword} should use the exec (JSON) form"
        return [str(part) for part in value]

    def flags(self) -> dict[str, str]:
        return dict(
            token[2:].split("=", 1)
            for token in shlex.split(self.arguments)
            if token.startswith("--") and "=" in token
        )


def parse_dockerfile(text: str) -> list[Instruction]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "the Dockerfile ends inside a line continuation"
    instructions = []
    stage = -1
    for line in lines:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(stage, keyword, arguments.strip()))
    return instructions


INSTRUCTIONS = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
LAST_STAGE = max(i.stage for i in INSTRUCTIONS)
RUNTIME = [i for i in INSTRUCTIONS if i.stage == LAST_STAGE]
BUILD_ARGS = dict(
    i.arguments.split("=", 1) for i in INSTRUCTIONS if i.keyword == "ARG" and "=" in i.arguments
)


def only(keyword: str, instructions: list[Instruction] = RUNTIME) -> Instruction:
    found = [i for i in instructions if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword} in the runtime stage, found {len(found)}"
    return found[0]


def image_of(stage_from: Instruction) -> tuple[str, str | None]:
    """(image with build args resolved, stage name)."""
    parts = stage_from.arguments.split()
    image: str = parts[0]
    for name, default in BUILD_ARGS.items():
        image = image.replace("${" + name + "}", default).replace("$" + name, default)
    stage = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
    return image, stage


def env_of(instructions: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "ENV":
            for token in shlex.split(instruction.arguments):
                key, _, value = token.partition("=")
                env[key] = value
    return env


def test_multi_stage_slim_runtime_with_the_builders_venv() -> None:
    stages = [i for i in INSTRUCTIONS if i.keyword == "FROM"]
    assert len(stages) >= 2
    _, builder_name = image_of(stages[0])
    runtime_image, _ = image_of(stages[-1])
    assert builder_name
    assert runtime_image.startswith("python:3.11-slim"), runtime_image
    copies = [i for i in RUNTIME if i.keyword == "COPY" and "from" in i.flags()]
    assert [c.flags()["from"] for c in copies] == [builder_name]
    assert copies[0].arguments.split()[-2:] == ["/opt/venv", "/opt/venv"]
    builder_runs = " ".join(
        i.arguments for i in INSTRUCTIONS if i.stage == 0 and i.keyword == "RUN"
    )
    assert "python -m venv /opt/venv" in builder_runs
    assert "-r target_service/requirements.txt" in builder_runs
    assert "--no-deps ." in builder_runs
    assert "compileall" in builder_runs, "bytecode compiled at build time: no writes at run time"
    assert env_of(RUNTIME)["PATH"].startswith("/opt/venv/bin:")


def test_runs_as_the_non_root_user_kubernetes_expects() -> None:
    user = only("USER").arguments
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, "numeric, so runAsNonRoot can verify it"
    assert gid.isdigit() and int(gid) != 0
    keywords = [i.keyword for i in RUNTIME]
    assert keywords.index("USER") < keywords.index("CMD")
    (deployment,) = [
        d for d in all_documents() if d.kind == "Deployment" and d.name == "target-service"
    ]
    pod_context = deployment.body["spec"]["template"]["spec"]["securityContext"]
    assert (pod_context["runAsUser"], pod_context["runAsGroup"]) == (int(uid), int(gid))


def test_writes_nothing_outside_tmp() -> None:
    env = env_of(RUNTIME)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["HOME"] == "/tmp"
    assert env["TMPDIR"] == "/tmp"
    assert only("WORKDIR").arguments == "/tmp"
    assert not [i for i in INSTRUCTIONS if i.keyword == "VOLUME"]


def test_listens_on_all_interfaces_on_the_exposed_port() -> None:
    env = env_of(RUNTIME)
    assert env["TARGET_HOST"] == "0.0.0.0"
    assert only("EXPOSE").arguments == env["TARGET_PORT"] == "8000"


def test_healthcheck_asks_liveness_with_python() -> None:
    healthcheck = only("HEALTHCHECK")
    command = healthcheck.exec_form()
    assert command[:2] == ["python", "-c"]
    assert "/health/liveness" in command[2]
    assert "timeout=" in command[2], "every network call has a timeout"
    ast.parse(command[2])
    flags = healthcheck.flags()
    assert {"interval", "timeout", "retries"} <= set(flags)


def test_starts_the_service_module() -> None:
    assert only("CMD").exec_form() == ["python", "-m", "target_service"]
    assert not [i for i in RUNTIME if i.keyword == "ENTRYPOINT"]


def dockerignore_patterns() -> list[str]:
    path = REPO / ".dockerignore"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def copied_sources(instructions: list[Instruction]) -> list[str]:
    """The build-context paths a Dockerfile's COPY instructions read (not COPY --from)."""
    return [
        part
        for i in instructions
        if i.keyword == "COPY" and "from" not in i.flags()
        for part in shlex.split(i.arguments)[:-1]
        if not part.startswith("--")
    ]


def assert_reaches_the_build_context(source: str) -> None:
    """`source` exists in the repository and no .dockerignore pattern excludes it."""
    assert (REPO / source).exists(), f"COPY {source}: no such path in the repository"
    for pattern in dockerignore_patterns():
        assert not fnmatch.fnmatch(source.rstrip("/"), pattern.rstrip("/")), (
            f"COPY {source} is excluded by .dockerignore pattern {pattern!r}"
        )


@pytest.mark.parametrize("source", copied_sources(INSTRUCTIONS))
def test_copied_sources_exist_and_reach_the_build_context(source: str) -> None:
    assert_reaches_the_build_context(source)


# ---- the image's pinned dependencies agree with pyproject.toml and the service's imports


def pinned_requirements() -> list[Requirement]:
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def test_pins_satisfy_pyproject_ranges() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    ranges = {
        canonicalize_name(r.name): r for r in map(Requirement, pyproject["project"]["dependencies"])
    }
    for pin in pinned_requirements():
        name = canonicalize_name(pin.name)
        assert name in ranges, f"{pin.name} is pinned for the image but not in pyproject.toml"
        (spec,) = pin.specifier
        assert spec.operator == "==", f"{pin}: pin an exact version"
        assert ranges[name].specifier.contains(spec.version), f"{pin} outside {ranges[name]}"
        assert pin.extras == ranges[name].extras, f"{pin}: extras differ from pyproject.toml"


def installed_closure(requirements: list[Requirement]) -> set[str]:
    """Distribution names the requirements install, following installed metadata."""
    seen: set[str] = set()
    pending = [(r.name, frozenset(r.extras)) for r in requirements]
    while pending:
        name, extras = pending.pop()
        key = canonicalize_name(name)
        if key in seen and not extras:
            continue
        seen.add(key)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in requires:
            requirement = Requirement(line)
            marker = requirement.marker
            environments: list[dict[str, Any]] = [
                {**default_environment(), "extra": e} for e in extras | {""}
            ]
            if marker is None or any(marker.evaluate(env) for env in environments):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return seen


def third_party_imports() -> set[str]:
    modules: set[str] = set()
    for path in (REPO / "target_service").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"target_service", "__future__"}


def test_every_import_of_the_service_is_installed_in_the_image() -> None:
    providers = importlib.metadata.packages_distributions()
    in_image = installed_closure(pinned_requirements())
    missing: dict[str, list[str]] = {}
    for module in sorted(third_party_imports()):
        distributions = {canonicalize_name(d) for d in providers.get(module, [])}
        if not distributions & in_image:
            missing[module] = sorted(distributions) or ["(not installed at all)"]
    assert not missing, (
        f"target_service imports modules the image does not install: {missing}; "
        "add them to target_service/requirements.txt"
    )
    assert {"fastapi", "redis", "prometheus_client", "pydantic_settings"} <= third_party_imports()
