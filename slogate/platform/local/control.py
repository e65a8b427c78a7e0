"""The supervisor's HTTP surface on loopback: its metrics and the control API.

    GET    /metrics                 slogate_restarts_total{part}, slogate_part_up{part}, ...
    GET    /status                  parts, pids, restart counts, active faults
    POST   /parts/{name}/delete     drain at the edge, SIGTERM, SIGKILL after the grace period
    POST   /parts/{name}/reload     SIGHUP (Prometheus: reload its config and rule files)
    POST   /faults                  {"part": "redis", "action": "kill|term|stop", "ttl_s": 10}
    GET    /faults                  every fault of this stack's life (active and ended)
    DELETE /faults/{id}             end a fault before its TTL

Only GET /metrics (Prometheus scrapes it) and GET /status are open to any local caller; every
other request needs the stack's admin token as a bearer token (`Authorization: Bearer ...`,
the file `.slogate/stacks/NAME/admin-token`), as the service's fault hooks do, or it gets 401.
Errors are JSON {"error": message} with 400 (bad request), 401 (no or wrong token) or 404
(unknown path).
"""

from __future__ import annotations

import hmac
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from slogate.errors import UsageError
from slogate.host.ports import HOST
from slogate.platform.local.faults import FaultRequest
from slogate.platform.local.supervisor import Supervisor

OPEN_ROUTES = {("GET", "/metrics"), ("GET", "/status")}


class _Handler(BaseHTTPRequestHandler):
    supervisor: Supervisor
    admin_token: str
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the control API is quiet; the supervisor logs what it does

    def _send(
        self, status: int, body: bytes, content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode())

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def _authorised(self) -> bool:
        given = self.headers.get("Authorization") or ""
        expected = f"Bearer {self.admin_token}"
        return hmac.compare_digest(given.encode(), expected.encode())

    def _refuse(self) -> None:
        error = {"error": "this route needs the stack's admin token (Authorization: Bearer)"}
        self._send(401, json.dumps(error).encode(), headers={"WWW-Authenticate": "Bearer"})

    def _route(self, method: str) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        parts = path.split("/")[1:]
        sup = self.supervisor
        if (method, path) not in OPEN_ROUTES and not self._authorised():
            self._refuse()
            return
        try:
            if method == "GET" and path == "/metrics":
                self._send(200, generate_latest(sup.registry), CONTENT_TYPE_LATEST)
            elif method == "GET" and path == "/status":
                self._json(200, sup.call(sup.status))
            elif method == "GET" and path == "/faults":
                self._json(200, sup.call(lambda: [f.model_dump() for f in sup.faults]))
            elif method == "POST" and path == "/faults":
                request = FaultRequest.model_validate(self._body())
                self._json(201, sup.call(lambda: sup.apply_fault(request)).model_dump())
            elif method == "DELETE" and len(parts) == 2 and parts[0] == "faults":
                self._json(200, sup.call(lambda: sup.end_fault(parts[1])).model_dump())
            elif method == "POST" and len(parts) == 3 and parts[::2] == ["parts", "delete"]:
                self._json(202, sup.call(lambda: sup.delete(parts[1])))
            elif method == "POST" and len(parts) == 3 and parts[::2] == ["parts", "reload"]:
                self._json(202, sup.call(lambda: sup.reload(parts[1])))
            else:
                self._json(404, {"error": f"no route {method} {path}"})
        except (UsageError, ValidationError, ValueError) as error:
            self._json(400, {"error": str(error)})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


class _ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a scrape cut short by tear-down) is not an error worth a
        traceback; anything else is reported as usual."""
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)


SHUTDOWN_POLL_S = 0.05  # how soon `shutdown()` is noticed (tear-down waits for it)


def serve_control(supervisor: Supervisor, port: int, admin_token: str) -> ThreadingHTTPServer:
    """Serve the control API (behind `admin_token`) and metrics on HOST:port in a daemon
    thread."""
    handler = type("Handler", (_Handler,), {"supervisor": supervisor, "admin_token": admin_token})
    server = _ControlServer((HOST, port), handler)
    thread = threading.Thread(
        target=server.serve_forever, args=(SHUTDOWN_POLL_S,), name="control-api", daemon=True
    )
    thread.start()
    return server
