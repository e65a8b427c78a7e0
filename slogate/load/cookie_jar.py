"""The open model's cookie jar: the standard library's `CookieJar`, minus the work it does
for nothing. Pure (no gevent, no Locust), so it is tested without them.

Every request the HTTP client sends asks the jar to add a `Cookie` header and hands it the
answer to extract cookies from. With an empty jar and answers that set none (an API under
load, typically) `CookieJar` still takes its lock, stamps the time, walks its (empty) domains,
clears expired cookies and looks for `Set-Cookie` headers: about a tenth of the load
generator's CPU per request at capacity (`benchmarks/README.md`). `LeanCookieJar` skips
exactly that work and nothing else: with cookies in the jar, or an answer that sets one, it
does what `CookieJar` does.
"""

from __future__ import annotations

from http.cookiejar import CookieJar
from typing import Any


class LeanCookieJar(CookieJar):
    """A `CookieJar` that does nothing when it holds no cookie or an answer sets none."""

    def add_cookie_header(self, request: Any) -> None:
        if self._cookies:  # type: ignore[attr-defined]  # empty: CookieJar would add nothing
            super().add_cookie_header(request)

    def extract_cookies(self, response: Any, request: Any) -> None:
        headers = response.info()  # what CookieJar.make_cookies reads (names in any case)
        if "Set-Cookie" in headers or "Set-Cookie2" in headers:
            super().extract_cookies(response, request)
