"""slogate running in a pod (a scheduled drill): the API and the Services as a pod sees them.

In-cluster (`kubernetes.in_cluster: true`, or when unset detected the way the `kubernetes`
client's `load_config` decides, kubeconfig first: no `kubernetes.kubeconfig` or `context` is
set, no `$KUBECONFIG` and no `~/.kube/config` exists, `$KUBERNETES_SERVICE_HOST` is set and
the pod's service-account token is mounted; never for `platform: kind`, whose cluster is on
this machine) the platform

- talks to the API as the pod's ServiceAccount: a kubeconfig in the stack's folder pointing at
  `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT` with the mounted CA and the token
  *file* (`tokenFile`: the client reads it at each connection, so the kubelet's rotation is
  followed), so every other module keeps working from a kubeconfig, chaostoolkit-kubernetes
  included; and chaos acts as that same account (no token request);
- reaches each Service by cluster DNS, `http://SERVICE.NAMESPACE.svc:PORT` (a named port is
  looked up on the Service), and starts no port-forward, so it needs no kubectl.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from kubernetes.client.exceptions import ApiException

from slogate.config import SlogateConfig
from slogate.errors import ConfigError
from slogate.platform.kubernetes.cluster import (
    TRANSPORT_ERRORS,
    Api,
    ClusterAccess,
    failure,
    resolve_access,
)
from slogate.platform.state import ensure_stack_dir

__all__ = [
    "IN_CLUSTER_KUBECONFIG",
    "SERVICE_ACCOUNT_DIR",
    "in_cluster",
    "service_url",
    "stack_access",
    "write_in_cluster_kubeconfig",
]

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
IN_CLUSTER_KUBECONFIG = "in-cluster-kubeconfig"
CONTEXT = "in-cluster"


def in_cluster(config: SlogateConfig, environ: Mapping[str, str] = os.environ) -> bool:
    """`kubernetes.in_cluster`, or when unset whether this process runs in a pod and was
    given no kubeconfig. A pod that names a cluster (a CI runner that is itself a pod, with
    `kubernetes.kubeconfig`, `context` or `$KUBECONFIG`) acts on that cluster, not its own."""
    if config.platform == "kind":
        return False  # the cluster kind made on this machine, through its kubeconfig
    settings = config.kubernetes
    if settings.in_cluster is not None:
        return settings.in_cluster
    if settings.kubeconfig or settings.context or environ.get("KUBECONFIG"):
        return False
    if _default_kubeconfig(environ).is_file():
        return False
    return (
        bool(environ.get("KUBERNETES_SERVICE_HOST")) and (SERVICE_ACCOUNT_DIR / "token").is_file()
    )


def _default_kubeconfig(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME")
    return (Path(home) if home else Path.home()) / ".kube" / "config"


def write_in_cluster_kubeconfig(
    config: SlogateConfig, stack: str, environ: Mapping[str, str] = os.environ
) -> Path:
    """The pod's own identity as a kubeconfig in the stack's folder (its current context
    `in-cluster`, in `kubernetes.namespace`); a ConfigError naming what is missing."""
    host = environ.get("KUBERNETES_SERVICE_HOST", "")
    port = environ.get("KUBERNETES_SERVICE_PORT", "443")
    token, authority = SERVICE_ACCOUNT_DIR / "token", SERVICE_ACCOUNT_DIR / "ca.crt"
    present = {
        "$KUBERNETES_SERVICE_HOST": bool(host),
        str(token): token.is_file(),
        str(authority): authority.is_file(),
    }
    missing = [name for name, ok in present.items() if not ok]
    if missing:
        raise ConfigError(
            config.source or "slogate.yaml",
            "kubernetes.in_cluster",
            f"true, but this is not a pod with a service-account token ({', '.join(missing)} "
            "missing); mount the token (automountServiceAccountToken: true) or set it to false",
        )
    server = f"https://{host}:{port}" if ":" not in host else f"https://[{host}]:{port}"
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {
            "server": server, "certificate-authority": str(authority)}}],
        "users": [{"name": CONTEXT, "user": {"tokenFile": str(token)}}],
        "contexts": [{"name": CONTEXT, "context": {
            "cluster": CONTEXT, "user": CONTEXT, "namespace": config.kubernetes.namespace}}],
        "current-context": CONTEXT,
    }  # fmt: skip
    path = ensure_stack_dir(stack) / IN_CLUSTER_KUBECONFIG
    path.write_text(json.dumps(document, indent=2))  # JSON is YAML; it holds no secret
    return path


def stack_access(config: SlogateConfig, stack: str) -> ClusterAccess:
    """The cluster and namespace of `config`: the pod's own when in-cluster (its kubeconfig
    written in the stack's folder), else the kubeconfig's (cluster.py)."""
    if not in_cluster(config):
        return resolve_access(config)
    path = write_in_cluster_kubeconfig(config, stack)
    return ClusterAccess(
        kubeconfig=str(path), context=CONTEXT, namespace=config.kubernetes.namespace
    )


def service_url(api: Api, namespace: str, service: str) -> str:
    """`SERVICE:PORT` (PORT a name or number) as `http://SERVICE.NAMESPACE.svc:NUMBER`; a
    named port is read from the Service (an error naming it when it has no such port)."""
    name, port = service.split(":", 1)
    if not port.isdigit():
        port = str(_port_number(api, namespace, name, port))
    return f"http://{name}.{namespace}.svc:{port}"


def _port_number(api: Api, namespace: str, name: str, port: str) -> int:
    path = f"/api/v1/namespaces/{namespace}/services/{name}"
    try:
        found = api.call("GET", path)
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(
            error,
            f"reading Service {name} in namespace {namespace} (its port {port!r})",
            "deploy it, or give its port as a number in slogate.yaml's kubernetes settings",
        ) from None
    for entry in found.get("spec", {}).get("ports", []):
        if entry.get("name") == port:
            return int(entry["port"])
    named = ", ".join(str(p.get("name")) for p in found.get("spec", {}).get("ports", []))
    raise ConfigError(
        "slogate.yaml",
        "kubernetes",
        f"Service {name} in namespace {namespace} has no port named {port!r} (it has: "
        f"{named or 'none'}); name one of them or give the number",
    )
