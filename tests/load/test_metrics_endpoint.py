"""The client metrics endpoint stays up after the load until a scrape has read the final values,
and no longer: one scrape that started once the lingering began, answered in full.

Runs the real endpoint (gevent's WSGI server, prometheus_client) in a subprocess, because it
imports gevent and slogate's test process never does; the script scrapes it over a real
socket from another greenlet, so the order of what the endpoint sees is fixed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from slogate.host.ports import free_port
from tests.support.cli import REPO

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import gevent, gevent.socket
    from slogate.load.metrics_endpoint import MetricsEndpoint
    from slogate.load.tally import Tally

    PORT = int(sys.argv[1])

    def scrape():
        with gevent.socket.create_connection(("127.0.0.1", PORT), timeout=5) as sock:
            sock.sendall(b"GET /metrics HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        return answer

    unscraped = MetricsEndpoint(Tally)
    alone = gevent.spawn(unscraped.linger, 10)
    alone.join(timeout=2)

    endpoint = MetricsEndpoint(Tally)
    endpoint.serve("127.0.0.1", PORT)
    before = scrape()  # before the load's end: read values that may not be final
    waiting = gevent.spawn(endpoint.linger, 10)
    gevent.sleep(0.3)  # no scrape since the lingering began
    waited = not waiting.ready()
    after = scrape()
    waiting.join(timeout=5)
    print(json.dumps({
        "unscraped_returned": alone.ready(),
        "waited_for_a_scrape": waited,
        "returned_after_it": waiting.ready(),
        "scrapes": endpoint.scrapes,
        "served_up_to": endpoint.served_up_to,
        "status_lines": [a.split(b"\\r\\n")[0].decode() for a in (before, after)],
        "served_the_tally": b"request_starts_total" in after,
    }))
    """
)


def test_the_endpoint_lingers_until_one_scrape_after_the_end_was_answered() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(free_port())], cwd=REPO, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {
        "unscraped_returned": True,  # nobody scrapes it: nothing to wait for
        "waited_for_a_scrape": True,
        "returned_after_it": True,  # one scrape, not two
        "scrapes": 2,
        "served_up_to": 2,
        "status_lines": ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"],
        "served_the_tally": True,
    }
