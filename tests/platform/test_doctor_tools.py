"""`slogate doctor` checks Locust, Chaos Toolkit and chromium on every platform, and kubectl
and kind when the Kubernetes platform is configured; each missing piece names its fix.

Real executables present or absent: PATH is a folder of links to the real binaries the case
keeps, and Locust and Chaos Toolkit are absent from a real interpreter (a bare venv whose
packages are the shared venv's minus those two), never a mock of doctor's internals."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.cli import REPO, slogate_env

pytestmark = pytest.mark.slow

LOCAL_BINARIES = ("prometheus", "haproxy", "redis-server")
DOCTOR_TIMEOUT_S = 120
CACHED_KUBECTL = sorted(Path.home().glob(".cache/slogate/k8s/kubernetes-v*/bin/kubectl"))


def bin_with(folder: Path, *names: str) -> Path:
    """A PATH folder holding links to the real `names` (each must exist here)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        real = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
        assert real, f"{name} is not installed (make setup)"
        (folder / name).symlink_to(real)
    return folder


def doctor(
    tmp_path: Path, path: Path, config: dict[str, object] | None = None, python: str = ""
) -> subprocess.CompletedProcess[str]:
    """`slogate doctor` with PATH=`path` (and `config` as slogate.yaml), run by `python`."""
    config_file = tmp_path / "slogate.yaml"
    config_file.write_text(yaml.safe_dump(config or {}))
    env = {**slogate_env(tmp_path / "home"), "PATH": str(path), "PYTHONPATH": str(REPO)}
    command = [python or sys.executable, "-m", "slogate", "doctor", "--config", str(config_file)]
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=DOCTOR_TIMEOUT_S
    )


def lines_about(output: str, name: str) -> list[str]:
    return [line for line in output.splitlines() if line[9:].startswith(name + " ")]


def test_locust_chaos_toolkit_and_chromium_are_found(tmp_path: Path) -> None:
    path = bin_with(tmp_path / "bin", *LOCAL_BINARIES, "chromium")
    done = doctor(tmp_path, path)
    (locust,) = lines_about(done.stdout, "locust")
    (chaos,) = lines_about(done.stdout, "chaostoolkit")
    (chromium,) = lines_about(done.stdout, "chromium")
    assert locust.startswith("ok ") and " 2.47" in locust, done.stdout
    assert chaos.startswith("ok ") and " 1.19" in chaos, done.stdout
    assert chromium.startswith("ok ") and str(path / "chromium") in chromium, done.stdout
    assert "kubectl" not in done.stdout  # the local platform needs none


def test_chromium_missing_names_its_package_and_is_no_problem(tmp_path: Path) -> None:
    with_it = doctor(tmp_path, bin_with(tmp_path / "with", *LOCAL_BINARIES, "chromium"))
    without = doctor(tmp_path, bin_with(tmp_path / "without", *LOCAL_BINARIES))
    (chromium,) = lines_about(without.stdout, "chromium")
    assert chromium.startswith("optional ") and "sudo apt-get install -y chromium" in chromium
    assert without.returncode == with_it.returncode  # only the report check needs it
    assert without.stdout.splitlines()[-1] == with_it.stdout.splitlines()[-1]


def _interpreter_without(tmp_path: Path, *hidden: str) -> str:
    """A real interpreter with the shared venv's packages except those starting with
    `hidden` (a bare venv whose one search path links everything else)."""
    venv = tmp_path / "venv"
    subprocess.run(
        [sys._base_executable, "-m", "venv", "--without-pip", str(venv)],  # type: ignore[attr-defined]
        check=True, timeout=120,
    )  # fmt: skip
    ours = Path(next(p for p in sys.path if p.endswith("site-packages")))
    linked = tmp_path / "packages"
    linked.mkdir()
    for entry in ours.iterdir():
        if not entry.name.lower().startswith(hidden) and not entry.name.endswith(".pth"):
            (linked / entry.name).symlink_to(entry)
    (site,) = venv.glob("lib/python*/site-packages")
    (site / "shared.pth").write_text(f"{linked}\n")
    return str(venv / "bin" / "python")


def test_locust_and_chaos_toolkit_missing_name_make_setup(tmp_path: Path) -> None:
    python = _interpreter_without(tmp_path, "locust", "chaostoolkit")
    done = doctor(tmp_path, bin_with(tmp_path / "bin", *LOCAL_BINARIES, "chromium"), python=python)
    assert done.returncode == 2, done.stdout + done.stderr
    for module in ("locust", "chaostoolkit"):
        (line,) = lines_about(done.stdout, module)
        assert line.startswith("missing ") and "No module named" in line, done.stdout
        assert line.endswith("install slogate's Python packages: make setup"), line


def test_chaos_toolkit_s_library_missing_is_a_missing_piece_not_a_traceback(
    tmp_path: Path,
) -> None:
    """The platforms import chaoslib (chaostoolkit-lib): without it doctor still runs every
    other check and reports the platform as missing, with the fix."""
    python = _interpreter_without(tmp_path, "chaoslib", "chaostoolkit")
    done = doctor(tmp_path, bin_with(tmp_path / "bin", *LOCAL_BINARIES, "chromium"), python=python)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    (platform,) = lines_about(done.stdout, "platform")
    assert platform.startswith("missing ") and "Python package chaostoolkit-lib" in platform
    assert platform.endswith("install slogate's Python packages: make setup"), platform
    (locust,) = lines_about(done.stdout, "locust")
    assert locust.startswith("ok "), done.stdout  # the other checks still ran
    assert done.stdout.splitlines()[-1] == "2 problem(s) found"  # the platform, chaostoolkit


KUBERNETES = {"platform": "kubernetes", "kubernetes": {"traffic": False}}


def test_kubernetes_missing_kubectl_and_kind_name_their_fixes(tmp_path: Path) -> None:
    done = doctor(tmp_path, bin_with(tmp_path / "bin", "chromium"), KUBERNETES)
    assert done.returncode == 2, done.stdout + done.stderr
    (kubectl,) = lines_about(done.stdout, "kubectl")
    assert kubectl.startswith("missing ") and "scripts/build-control-plane.sh" in kubectl
    (kind,) = lines_about(done.stdout, "kind")
    assert kind.startswith("optional ") and "go install sigs.k8s.io/kind" in kind
    assert not lines_about(done.stdout, "prometheus")  # the local platform's are not asked


@pytest.mark.skipif(not CACHED_KUBECTL, reason="no kubectl built (scripts/build-control-plane.sh)")
def test_kubernetes_with_a_new_enough_kubectl(tmp_path: Path) -> None:
    config = {**KUBERNETES, "kubernetes": {"traffic": False, "kubectl": str(CACHED_KUBECTL[-1])}}
    done = doctor(tmp_path, bin_with(tmp_path / "bin"), config)
    (kubectl,) = lines_about(done.stdout, "kubectl")
    assert kubectl.startswith("ok ") and str(CACHED_KUBECTL[-1]) in kubectl, done.stdout
    minor = int(kubectl.split()[2].split(".")[1])
    assert minor >= 27
