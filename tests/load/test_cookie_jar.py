"""The open model's lean cookie jar behaves exactly as the standard library's: the same
conversation with a real HTTP server (a cookie set, sent back, then expired) through a real
client (urllib's cookie processor, which calls the jar the way geventhttpclient does)."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from slogate.load.cookie_jar import LeanCookieJar

# path -> the cookie header it answers with, name and value (None: sets no cookie); header
# names are case-insensitive, and a server may send them in lower case
SET_COOKIE = {
    "/plain": None,
    "/login": ("Set-Cookie", "session=s1; Path=/"),
    "/logout": ("set-cookie", "session=gone; Path=/; Max-Age=0"),
}
CONVERSATION = ["/plain", "/plain", "/login", "/plain", "/plain", "/logout", "/plain"]


class CookieHandler(BaseHTTPRequestHandler):
    """Answers with the Cookie header it received, setting the path's cookie if any."""

    def do_GET(self) -> None:
        body = (self.headers.get("Cookie") or "-").encode()
        self.send_response(200)
        cookie = SET_COOKIE[self.path]
        if cookie is not None:
            self.send_header(*cookie)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def cookie_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CookieHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def converse(url: str, jar: CookieJar) -> tuple[list[str], list[str]]:
    """The Cookie header the server saw for each request, and the jar's cookies after each."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    seen, held = [], []
    for path in CONVERSATION:
        with opener.open(url + path, timeout=5) as response:
            seen.append(response.read().decode())
        held.append(";".join(f"{cookie.name}={cookie.value}" for cookie in jar))
    return seen, held


def test_the_lean_jar_sends_and_keeps_what_the_standard_jar_does(cookie_server):
    lean = converse(cookie_server, LeanCookieJar())
    assert lean == converse(cookie_server, CookieJar())
    seen, held = lean
    # nothing sent before the login; its cookie on every request after it until the logout
    assert seen == ["-", "-", "-", "session=s1", "session=s1", "session=s1", "-"]
    assert held == ["", "", "session=s1", "session=s1", "session=s1", "", ""]
