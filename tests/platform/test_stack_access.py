"""Who may touch a stack: one real stack (tiny service) probed as a hostile local user would.

- the edge denies /admin however the path is spelled (encoded, doubled slashes, dot segments,
  upper case), answering 403 or 400 before any replica sees it;
- the supervisor's control API needs the stack's admin token (only /status and /metrics are
  open), and a refused request changes nothing;
- Prometheus' lifecycle API is off; slogate reloads it through its supervisor (SIGHUP);
- Redis needs the stack's password, which no command line shows;
- the stack's folder and secrets are its owner's only.
"""

from __future__ import annotations

import http.client
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from slogate.platform.state import StackState
from tests.platform.conftest import Slogate, marked_processes, tiny_config, write_config
from tests.support.cli import slogate_env, slogate_home

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stack-access")]

STACK = "guarded"


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slogate]:
    """One tiny stack (one replica) for every test of this module; down afterwards."""
    folder = tmp_path_factory.mktemp("access")
    home = folder / "home"
    env = {**slogate_env(home), "SLOGATE_TEST_MARK": str(folder)}
    write_config(folder, tiny_config(folder, service={"replicas": 1}))
    slogate = Slogate(home=home, cwd=folder, env=env)
    try:
        started = slogate.process("up", "--stack", STACK)
        assert started.returncode == 0, started.stdout + started.stderr
        yield slogate
    finally:
        slogate.cli("down", "--stack", STACK)
        for process in marked_processes(folder):  # never leave a process behind
            process.kill()


@pytest.fixture
def state(runner: Slogate) -> StackState:
    current = runner.state(STACK)
    assert current is not None
    return current


def stack_folder(runner: Slogate) -> Path:
    return runner.home / "stacks" / STACK


def token_headers(runner: Slogate) -> dict[str, str]:
    token = (stack_folder(runner) / "admin-token").read_text().strip()
    return {"Authorization": f"Bearer {token}"}


def raw_get(url: str, target: str, token: str | None = None) -> tuple[int, str]:
    """GET with the request target sent exactly as given (httpx would normalise it)."""
    parsed = httpx.URL(url)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    connection = http.client.HTTPConnection(parsed.host, parsed.port, timeout=5)
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


# -- the edge ------------------------------------------------------------------------------

ADMIN_SPELLINGS = [
    ("/admin/faults", 403),
    ("/%61dmin/faults", 403),
    ("/%61%64%6d%69%6e/faults", 403),
    ("/ADMIN/faults", 403),
    ("/%41dmin/faults", 403),
    ("/admin%2ffaults", 403),
    ("/admin%00", 403),
    ("//admin/faults", 400),
    ("///admin", 400),
    ("/./admin/faults", 400),
    ("/%2e/admin/faults", 400),
    ("/api/../admin/faults", 400),
    ("/api/%2e%2e/admin/faults", 400),
    ("/api/%2E%2E%2fadmin/faults", 400),
    ("/api/..", 400),
    ("/%5cadmin/faults", 400),
    ("/%61dmin/faults%zz", 400),
]


def test_the_edge_denies_admin_in_every_spelling(state: StackState) -> None:
    replica = state.part("replica-0").url or ""
    # the replica itself decodes the path: without the edge's rule, /%61dmin reaches /admin
    assert raw_get(replica, "/%61dmin/faults") == (200, "admin reached")
    answers = {target: raw_get(state.edge_url or "", target) for target, _ in ADMIN_SPELLINGS}
    assert {target: status for target, (status, _) in answers.items()} == dict(ADMIN_SPELLINGS)
    assert [target for target, (_, body) in answers.items() if "admin reached" in body] == []


@pytest.mark.parametrize(
    "target", ["/api/hello", "/api/a..b/c", "/api/.hidden", "/api/hello?next=/../admin"]
)
def test_the_edge_still_routes_ordinary_paths(state: StackState, target: str) -> None:
    status, body = raw_get(state.edge_url or "", target)
    assert (status, body) == (200, '{"replica": "0"}')


# -- the supervisor's control API --------------------------------------------------------------

GUARDED_ROUTES = [
    ("POST", "/faults", {"part": "redis", "action": "stop", "ttl_s": 3600}),
    ("POST", "/faults", {"part": "replica-0", "action": "kill", "ttl_s": 3600}),
    ("GET", "/faults", None),
    ("DELETE", "/faults/0123456789ab", None),
    ("POST", "/parts/replica-0/delete", None),
    ("POST", "/parts/prometheus/reload", None),
    ("POST", "/nowhere", None),
]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-the-token"}, {"Authorization": "Basic c2xvZ2F0ZQ=="}],
    ids=["no-token", "wrong-token", "basic-auth"],
)
def test_the_control_api_refuses_callers_without_the_token(
    runner: Slogate, state: StackState, headers: dict[str, str]
) -> None:
    pids = {p.name: p.process.pid for p in state.parts if p.process is not None}
    with httpx.Client(base_url=state.supervisor_url or "", headers=headers, timeout=5) as client:
        answers = [
            client.request(method, path, json=body).status_code
            for method, path, body in GUARDED_ROUTES
        ]
        assert answers == [401] * len(GUARDED_ROUTES)
        status = client.get("/status")
        assert status.status_code == 200  # open on loopback, like /metrics (Prometheus scrapes)
        assert client.get("/metrics").status_code == 200
    assert status.json()["faults"] == []
    running = {p["name"]: p["pid"] for p in status.json()["parts"]}
    assert {name: running[name] for name in pids if name != "supervisor"} == {
        name: pid for name, pid in pids.items() if name != "supervisor"
    }
    redis_pid = pids["redis"]
    assert psutil.Process(redis_pid).status() != psutil.STATUS_STOPPED


def test_the_control_api_obeys_the_token(runner: Slogate, state: StackState) -> None:
    headers = token_headers(runner)
    with httpx.Client(base_url=state.supervisor_url or "", headers=headers, timeout=5) as client:
        assert client.get("/faults").status_code == 200
        unknown = client.delete("/faults/0123456789ab")
        assert (unknown.status_code, unknown.json()) == (
            400,
            {"error": "no fault with id '0123456789ab'"},
        )
        edge = client.post("/parts/edge/reload")
        assert edge.status_code == 400 and "does not reload on SIGHUP" in edge.json()["error"]


# -- Prometheus ------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["/-/reload", "/-/quit"])
def test_prometheus_lifecycle_api_is_off(state: StackState, endpoint: str) -> None:
    answer = httpx.post(f"{state.prometheus_url}{endpoint}", timeout=5)
    assert answer.status_code == 403
    assert "Lifecycle API is not enabled" in answer.text
    assert httpx.get(f"{state.prometheus_url}/-/ready", timeout=5).status_code == 200


def test_prometheus_reloads_its_rules_through_the_supervisor(
    runner: Slogate, state: StackState
) -> None:
    from slogate.platform.local.prometheus import reload_prometheus

    rules_dir = Path(str(state.part("prometheus").extra["rules_dir"]))
    (rules_dir / "access.yml").write_text(
        "groups:\n- name: access\n  rules:\n  - record: access:up\n    expr: sum(up)\n"
    )
    try:
        with slogate_home(runner.home):
            reload_prometheus(state)
        groups = httpx.get(f"{state.prometheus_url}/api/v1/rules", timeout=5).json()
        assert [g["name"] for g in groups["data"]["groups"]] == ["access"]
    finally:
        (rules_dir / "access.yml").unlink()


# -- Redis -----------------------------------------------------------------------------------


def test_redis_needs_the_stack_password(runner: Slogate, state: StackState) -> None:
    port = state.part("redis").port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as anonymous:
        anonymous.sendall(b"SET who anyone\r\n")
        assert anonymous.recv(256) == b"-NOAUTH Authentication required.\r\n"
    password = (stack_folder(runner) / "redis-password").read_text().strip()
    assert len(password) >= 32
    owner = redis.Redis.from_url(
        f"redis://:{password}@127.0.0.1:{port}/0", socket_timeout=5, decode_responses=True
    )
    try:
        assert owner.ping() is True
    finally:
        owner.close()
    # no command line shows it (ps lists every user's)
    redis_process = state.part("redis").process
    assert redis_process is not None
    assert password not in " ".join(psutil.Process(redis_process.pid).cmdline())
    assert password not in " ".join(redis_process.command)
    # `slogate status` reaches Redis with it
    status = runner.cli("status", "--stack", STACK)
    assert status.exit_code == 0, status.stderr
    redis_row = next(line for line in status.stdout.splitlines() if "part=redis " in line)
    assert "ready=yes" in redis_row


# -- files -----------------------------------------------------------------------------------


def test_the_stack_folder_and_secrets_are_private(runner: Slogate, state: StackState) -> None:
    folder = stack_folder(runner)
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in (folder, folder / "admin-token", folder / "redis-password")
    }
    assert modes == {STACK: 0o700, "admin-token": 0o600, "redis-password": 0o600}
    redis_conf = Path(state.run_dir) / "redis.conf"
    assert stat.S_IMODE(redis_conf.stat().st_mode) == 0o600
