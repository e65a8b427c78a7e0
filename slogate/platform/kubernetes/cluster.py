"""The cluster a stack runs on: a kubeconfig, a context, a namespace, and an API client with
a timeout on every call.

Errors become slogate's (see slogate/errors.py): a kubeconfig or context that does not exist,
or a right the user lacks, is bad input (exit 2: nothing was applied); an API server that does
not answer is an infrastructure failure (exit 4). Each message names the object and the fix.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as kubeconfig
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from pydantic import BaseModel, ConfigDict

from slogate.config import SlogateConfig
from slogate.errors import ConfigError, InfrastructureError, SlogateError, UsageError

REQUEST_TIMEOUT_S = 10.0
_DEFAULT_KUBECONFIG = "~/.kube/config"


class ClusterAccess(BaseModel):
    """Which cluster and namespace: written at `up`, read by every later command."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kubeconfig: str
    context: str
    namespace: str


def _kubeconfig_path(config: SlogateConfig) -> Path:
    configured = config.kubernetes.kubeconfig
    if configured:
        path = (config.base_dir / Path(configured).expanduser()).resolve()
        where = "kubernetes.kubeconfig"
    else:
        first = (os.environ.get("KUBECONFIG") or _DEFAULT_KUBECONFIG).split(os.pathsep)[0]
        path = Path(first).expanduser().resolve()
        where = "kubernetes.kubeconfig (unset: $KUBECONFIG, else ~/.kube/config)"
    if not path.is_file():
        raise ConfigError(
            config.source or "slogate.yaml",
            where,
            f"kubeconfig {path} does not exist; set kubernetes.kubeconfig to your cluster's "
            "kubeconfig file",
        )
    return path


def resolve_access(config: SlogateConfig) -> ClusterAccess:
    """The kubeconfig, context and namespace of `config`, checked against the kubeconfig."""
    path = _kubeconfig_path(config)
    source = config.source or "slogate.yaml"
    try:
        contexts, current = kubeconfig.list_kube_config_contexts(config_file=str(path))
    except (ConfigException, ValueError, OSError) as error:
        raise ConfigError(str(path), "", f"not a usable kubeconfig ({error})") from None
    names = [str(context["name"]) for context in contexts or []]
    wanted = config.kubernetes.context or (str(current["name"]) if current else None)
    if wanted is None or wanted not in names:
        raise ConfigError(
            source,
            "kubernetes.context",
            f"context {wanted!r} is not in {path} (it has: {', '.join(names) or 'none'}); "
            "set kubernetes.context to one of them",
        )
    return ClusterAccess(
        kubeconfig=str(path), context=wanted, namespace=config.kubernetes.namespace
    )


def api_client(access: ClusterAccess) -> k8s.ApiClient:
    """An API client for the access' context (its own configuration, not the global one)."""
    try:
        client: k8s.ApiClient = kubeconfig.new_client_from_config(
            config_file=access.kubeconfig, context=access.context
        )
    except (ConfigException, ValueError, OSError) as error:
        raise UsageError(
            f"kubeconfig {access.kubeconfig}, context {access.context!r}: {error}; "
            "fix the kubeconfig or set kubernetes.context"
        ) from None
    return client


def failure(error: Exception, action: str, fix: str = "") -> SlogateError:
    """The slogate error for a failed call: `action` says what was attempted on which object."""
    if isinstance(error, ApiException):
        reason = _reason(error)
        if error.status in (401, 403):
            hint = fix or "grant the kubeconfig's user that right (RBAC) or use another context"
            return UsageError(f"{action} was forbidden: {reason}; {hint}")
        if error.status in (400, 404, 409, 422):
            return UsageError(f"{action} was refused ({error.status}): {reason}{_then(fix)}")
        return InfrastructureError(f"{action} failed ({error.status}): {reason}{_then(fix)}")
    return InfrastructureError(
        f"{action}: the API server does not answer ({error}); start the cluster, or set "
        "kubernetes.context to one that is up"
    )


def _then(fix: str) -> str:
    return f"; {fix}" if fix else ""


def _reason(error: ApiException) -> str:
    try:
        body = json.loads(error.body or "")
    except (TypeError, ValueError):
        return str(error.reason or error.body or "").strip()
    return str(body.get("message") or error.reason or "").strip()


TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, OSError)


@dataclass
class Api:
    """JSON calls to one API server, each with a timeout; errors as ApiException or a
    transport error (see `failure`)."""

    client: k8s.ApiClient

    @property
    def server(self) -> str:
        return str(self.client.configuration.host)

    def call(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            headers["Content-Type"] = content_type
        method, url, headers, body, _ = self.client.param_serialize(
            method=method,
            resource_path=path,
            query_params=list((query or {}).items()),
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self.client.call_api(
            method, url, header_params=headers, body=body, _request_timeout=REQUEST_TIMEOUT_S
        )
        data = response.read()
        if not 200 <= response.status < 300:
            raise ApiException(http_resp=response)
        if not data:
            return {}
        decoded: dict[str, Any] = json.loads(data)
        return decoded

    def get_or_none(self, path: str) -> dict[str, Any] | None:
        try:
            return self.call("GET", path)
        except ApiException as error:
            if error.status == 404:
                return None
            raise

    def check_reachable(self, access: ClusterAccess) -> str:
        """The server's version; an error naming the context when it does not answer."""
        try:
            version = self.call("GET", "/version")
        except (ApiException, *TRANSPORT_ERRORS) as error:
            raise failure(error, f"context {access.context!r} ({self.server})") from None
        return str(version.get("gitVersion", "?"))

    def close(self) -> None:
        self.client.close()
