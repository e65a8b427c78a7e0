"""The identity chaos acts as: a token of the chaos ServiceAccount (k8s/chaos/), written as a
kubeconfig in the stack's folder (0600), so every fault is subject to that account's Role and
admission policy, not to the rights of whoever ran `slogate up`.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from kubernetes.client.exceptions import ApiException

from slogate.platform.kubernetes.cluster import TRANSPORT_ERRORS, Api, api_client, failure
from slogate.platform.kubernetes.record import ClusterRecord
from slogate.platform.state import ensure_stack_dir

TOKEN_LIFETIME_S = 24 * 3600
CHAOS_KUBECONFIG = "chaos-kubeconfig"
CONTEXT = "slogate-chaos"


def write_chaos_kubeconfig(api: Api, stack: str, namespace: str, account: str) -> Path:
    """Request a token for `account` and write the kubeconfig that uses it; its path."""
    path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{account}/token"
    body = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"expirationSeconds": TOKEN_LIFETIME_S},
    }
    try:
        token = str(api.call("POST", path, body=body)["status"]["token"])
    except (ApiException, *TRANSPORT_ERRORS) as error:
        raise failure(
            error,
            f"requesting a token of ServiceAccount {account} in namespace {namespace}",
            "the kustomize root must define it (k8s/chaos/), or set "
            "kubernetes.chaos_service_account: null to run chaos as the kubeconfig's user",
        ) from None
    configuration = api.client.configuration
    cluster: dict[str, object] = {"server": configuration.host}
    if configuration.ssl_ca_cert:
        authority = Path(configuration.ssl_ca_cert).read_bytes()
        cluster["certificate-authority-data"] = base64.b64encode(authority).decode()
    if not configuration.verify_ssl:
        cluster["insecure-skip-tls-verify"] = True
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": [{"name": CONTEXT, "user": {"token": token}}],
        "contexts": [
            {
                "name": CONTEXT,
                "context": {"cluster": CONTEXT, "user": CONTEXT, "namespace": namespace},
            }
        ],
        "current-context": CONTEXT,
    }
    target = ensure_stack_dir(stack) / CHAOS_KUBECONFIG
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(json.dumps(document, indent=2))  # JSON is YAML
    return target


def chaos_api(record: ClusterRecord) -> Api:
    """The API as the chaos identity of the stack (or its kubeconfig's user)."""
    access = record.access
    if record.chaos_kubeconfig is not None:
        access = access.model_copy(
            update={"kubeconfig": record.chaos_kubeconfig, "context": CONTEXT}
        )
    return Api(api_client(access))
