"""In-cluster mode and `--attach`, the parts that need no cluster: when slogate believes it
runs in a pod, the kubeconfig it writes from the pod's mounted token, the Service URLs by
cluster DNS, and the reach mode the platform declares. The mounted service-account folder is a
temporary folder here (this machine runs no pod): the files in it are what a kubelet mounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kubernetes import client as k8s

from slogate.config import SlogateConfig, with_attach
from slogate.errors import ConfigError, ExitCode, UsageError
from slogate.platform.kubernetes import in_cluster as module
from slogate.platform.kubernetes.cluster import Api
from slogate.platform.kubernetes.in_cluster import (
    in_cluster,
    service_url,
    write_in_cluster_kubeconfig,
)
from slogate.platform.kubernetes.reach import reach_mode
from slogate.platform.registry import platform_for
from tests.support.cli import run_cli

POD_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


@pytest.fixture
def account_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the kubelet would mount the token; empty until a test fills it."""
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    monkeypatch.setattr(module, "SERVICE_ACCOUNT_DIR", folder)
    monkeypatch.setenv("SLOGATE_HOME", str(tmp_path / "home"))
    return folder


def mounted(folder: Path) -> None:
    (folder / "token").write_text("a-token")
    (folder / "ca.crt").write_text("a-ca")
    (folder / "namespace").write_text("slogate")


def kubernetes(**settings: object) -> SlogateConfig:
    return SlogateConfig.model_validate({"platform": "kubernetes", "kubernetes": settings})


@pytest.mark.parametrize(
    ("setting", "env", "token", "expected"),
    [
        (None, POD_ENV, True, True),  # a pod with its token mounted
        (None, {}, True, False),  # no API server address: not a pod
        (None, POD_ENV, False, False),  # automountServiceAccountToken: false
        (False, POD_ENV, True, False),  # told not to
        (True, {}, False, True),  # told to (writing its kubeconfig then says what is missing)
    ],
)
def test_in_cluster_is_the_setting_or_else_detected_as_the_kubernetes_client_does(
    account_dir: Path, setting: bool | None, env: dict[str, str], token: bool, expected: bool
) -> None:
    if token:
        mounted(account_dir)
    config = kubernetes(in_cluster=setting)
    assert in_cluster(config, env) is expected


def pod_env(home: Path, **extra: str) -> dict[str, str]:
    return {**POD_ENV, "HOME": str(home), **extra}


@pytest.mark.parametrize(
    ("platform", "settings", "extra", "expected"),
    [
        ("kubernetes", {}, {}, True),  # a pod given no kubeconfig: its own cluster
        ("kubernetes", {"kubeconfig": "ci-cluster.yaml"}, {}, False),
        ("kubernetes", {"context": "staging"}, {}, False),
        ("kubernetes", {}, {"KUBECONFIG": "/ci/kubeconfig"}, False),
        ("kind", {}, {}, False),  # kind's cluster is on this machine, never the pod's
        ("kind", {"in_cluster": True}, {}, False),
        ("kubernetes", {"kubeconfig": "ci-cluster.yaml", "in_cluster": True}, {}, True),
    ],
)
def test_a_pod_given_a_kubeconfig_acts_on_that_cluster_not_its_own(
    account_dir: Path,
    tmp_path: Path,
    platform: str,
    settings: dict[str, object],
    extra: dict[str, str],
    expected: bool,
) -> None:
    """A CI runner that is itself a pod (ARC, GitLab's Kubernetes executor) with
    `kubernetes.kubeconfig`, `context` or `$KUBECONFIG` set: like the `kubernetes` client's
    `load_config`, the kubeconfig wins; only `in_cluster: true` forces the pod's own."""
    mounted(account_dir)
    config = SlogateConfig.model_validate({"platform": platform, "kubernetes": settings})
    assert in_cluster(config, pod_env(tmp_path, **extra)) is expected


def test_a_pod_with_a_kubeconfig_in_its_home_acts_on_that_cluster(
    account_dir: Path, tmp_path: Path
) -> None:
    mounted(account_dir)
    assert in_cluster(kubernetes(), pod_env(tmp_path)) is True
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text("apiVersion: v1\nkind: Config\n")
    assert in_cluster(kubernetes(), pod_env(tmp_path)) is False


def test_the_reach_mode_is_cluster_dns_in_a_pod(account_dir: Path) -> None:
    assert reach_mode(kubernetes(in_cluster=True)) == "cluster-dns"
    assert reach_mode(kubernetes(in_cluster=False)) == "port-forward"


def test_the_pods_kubeconfig_reads_the_mounted_token_file(account_dir: Path) -> None:
    mounted(account_dir)
    path = write_in_cluster_kubeconfig(kubernetes(namespace="shop"), "drill", POD_ENV)
    document = json.loads(path.read_text())
    assert document["current-context"] == "in-cluster"
    (cluster,) = document["clusters"]
    assert cluster["cluster"] == {
        "server": "https://10.96.0.1:443",
        "certificate-authority": str(account_dir / "ca.crt"),
    }
    (user,) = document["users"]
    assert user["user"] == {"tokenFile": str(account_dir / "token")}  # followed as it rotates
    assert "a-token" not in path.read_text()
    (context,) = document["contexts"]
    assert context["context"]["namespace"] == "shop"


def test_an_ipv6_api_server_address_is_bracketed(account_dir: Path) -> None:
    mounted(account_dir)
    env = {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"}
    path = write_in_cluster_kubeconfig(kubernetes(), "drill", env)
    assert json.loads(path.read_text())["clusters"][0]["cluster"]["server"] == (
        "https://[fd00::1]:6443"
    )


def test_in_cluster_without_a_mounted_token_is_bad_input_naming_what_is_missing(
    account_dir: Path,
) -> None:
    with pytest.raises(ConfigError) as raised:
        write_in_cluster_kubeconfig(kubernetes(in_cluster=True), "drill", POD_ENV)
    assert raised.value.exit_code == ExitCode.USAGE
    message = str(raised.value)
    assert "kubernetes.in_cluster" in message
    assert f"{account_dir / 'token'}, {account_dir / 'ca.crt'} missing" in message
    assert "automountServiceAccountToken: true" in message


def test_a_numbered_port_becomes_the_cluster_dns_url_without_asking_the_api() -> None:
    """The Api points at a port nothing listens on: a call would fail, none is made."""
    configuration = k8s.Configuration(host="http://127.0.0.1:9")
    api = Api(k8s.ApiClient(configuration))
    try:
        url = service_url(api, "shop", "checkout:8080")
    finally:
        api.close()
    assert url == "http://checkout.shop.svc:8080"


def test_attach_needs_the_kubernetes_platform() -> None:
    with pytest.raises(UsageError, match="--attach gates a Deployment already on a cluster"):
        with_attach(SlogateConfig())
    attached = with_attach(kubernetes())
    assert attached.kubernetes.attach is True


def test_run_attach_on_the_local_platform_exits_2_before_starting_anything(
    tmp_path: Path,
) -> None:
    result = run_cli("run", "smoke", "--attach", env={"SLOGATE_HOME": str(tmp_path)})
    assert result.exit_code == ExitCode.USAGE, result
    assert "--attach gates a Deployment already on a cluster: it needs --platform kubernetes" in (
        result.stderr
    )
    assert not (tmp_path / "stacks").exists()


def test_doctor_needs_no_kubectl_for_an_attached_drill_in_a_pod(account_dir: Path) -> None:
    config = kubernetes(attach=True, in_cluster=True, kubectl="/nonexistent/kubectl")
    kubectl, *_ = platform_for("kubernetes").doctor(config)
    assert (kubectl.ok, kubectl.status) == (True, "not needed")
    applying = kubernetes(in_cluster=True, kubectl="/nonexistent/kubectl")
    kubectl, *_ = platform_for("kubernetes").doctor(applying)
    assert (kubectl.ok, kubectl.status) == (False, "missing")
