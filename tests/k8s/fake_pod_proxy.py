"""A FAKE Kubernetes API server that serves only what the fault hooks need: the target's pods
and their pod proxy. It stands in for the real one where the real one cannot do the job here:
the test control plane's pods are simulated by kwok and run no container, so a real pod-proxy
call can never reach a target. This fake forwards the proxy calls to real target_service
processes instead, and behaves as the API server does where it matters:

- it authenticates the caller by its bearer token (401 otherwise) and then drops the
  Authorization header before proxying (kube-apiserver's authentication filter does this);
- a pod that does not exist answers 404 (a Status object), as does its proxy.

Every request it received is kept in `requests` (method, path, headers in lower case, JSON
body).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.http_thread import serving

FORWARD_TIMEOUT_S = 10.0
CONTEXT = "fake-cluster"
PORT = 8000


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeApiServer:
    namespace: str
    token: str
    backends: dict[str, str] = field(default_factory=dict)  # pod name -> target URL
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    def pod(self, name: str) -> dict[str, Any]:
        return {
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": {"containers": [{"name": "target-service", "ports": [
                {"name": "http", "containerPort": PORT, "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
        }  # fmt: skip

    def write_kubeconfig(self, path: Path) -> Path:
        document = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": CONTEXT, "cluster": {"server": self.url}}],
            "users": [{"name": CONTEXT, "user": {"token": self.token}}],
            "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
            "current-context": CONTEXT,
        }
        path.write_text(yaml.safe_dump(document))
        return path

    # -- answering ---------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        headers = {name.lower(): value for name, value in headers.items()}
        self.requests.append(Received(method, path, headers, json.loads(body) if body else None))
        if headers.get("authorization") != f"Bearer {self.token}":
            return _status(401, "Unauthorized")
        prefix = f"/api/v1/namespaces/{self.namespace}/pods"
        route = path.split("?", 1)[0]
        if method == "GET" and route == prefix:
            return 200, json.dumps({"items": [self.pod(name) for name in self.backends]}).encode()
        if not route.startswith(prefix + "/"):
            return _status(404, f"the fake serves only {prefix}")
        name, _, rest = route[len(prefix) + 1 :].partition("/")
        pod, _, port = name.partition(":")
        if pod not in self.backends:
            return _status(404, f'pods "{pod}" not found')
        if not rest:
            return 200, json.dumps(self.pod(pod)).encode()
        if not rest.startswith("proxy/") or port != str(PORT):
            return _status(400, f"not a proxy path to port {PORT}: {path}")
        forwarded = {k: v for k, v in headers.items() if k.lower() not in {"authorization", "host"}}
        response = httpx.request(
            method, f"{self.backends[pod]}/{rest[len('proxy/'):]}", content=body,
            headers=forwarded, timeout=FORWARD_TIMEOUT_S,
        )  # fmt: skip
        return response.status_code, response.content


def _status(code: int, message: str) -> tuple[int, bytes]:
    status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message}
    return code, json.dumps({**status, "code": code}).encode()


@contextmanager
def fake_api_server(namespace: str, token: str) -> Iterator[FakeApiServer]:
    """The fake, on a free loopback port (bound before it is handed out), stopped after."""
    fake = FakeApiServer(namespace=namespace, token=token)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            code, payload = fake.answer(self.command, self.path, dict(self.headers), body)
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield fake
