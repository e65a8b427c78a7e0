"""A small Prometheus HTTP API client: instant queries with timeouts and auth.

`vectors` sends a batch of independent instant queries at once (at most
MAX_CONCURRENT_QUERIES in flight, each with the client's timeout): the counting queries of a
window are independent, and Prometheus answers them on several cores. `vectors_every` asks
for one expression's instant vectors at evenly spaced times in one range query (one request
and one answer with each series' labels once, instead of one instant query per time);
`gather` runs any such calls at once.

Works against Prometheus, Thanos, Mimir or a managed Prometheus (bearer token, basic auth, a CA
file, extra headers). Failures raise `PrometheusUnavailable` (unreachable, timed out) or
`PrometheusQueryFailed` (an HTTP or PromQL error); both are InconclusiveError: a missing answer
is never a pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from slogate.errors import InconclusiveError, UsageError

MAX_CONCURRENT_QUERIES = 4
T = TypeVar("T")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PrometheusUnavailable(InconclusiveError):
    """Prometheus could not be reached or did not answer in time."""


class PrometheusQueryFailed(InconclusiveError):
    """Prometheus answered with an error (HTTP status, bad PromQL, unexpected payload)."""


def require_prometheus_url(url: str, where: str) -> str:
    """`url` when it is an http(s) URL with a host; UsageError naming `where` otherwise."""
    parsed = httpx.URL(url) if "://" in url else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(
            f"{where} {url!r}: expected an http(s) URL of a Prometheus-compatible API, "
            "e.g. http://127.0.0.1:9090"
        )
    return url


class PrometheusAuth(BaseModel):
    """How to reach a Prometheus-compatible API (the `prometheus:` section of a config)."""

    model_config = ConfigDict(extra="forbid")

    bearer_token: str | None = None
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    insecure_skip_verify: bool = False
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = Field(default=10.0, gt=0)


@dataclass(frozen=True)
class InstantSample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class RangeSeries:
    labels: dict[str, str]
    samples: list[tuple[float, float]] = field(default_factory=list)


def _rfc3339(unix_ms: int) -> str:
    """`unix_ms` as an RFC 3339 UTC time with milliseconds (integer arithmetic: exact)."""
    moment = EPOCH + timedelta(milliseconds=unix_ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _value(raw: Any) -> float:
    return float(raw)  # Prometheus encodes "NaN", "+Inf" as strings; float() reads them


class PrometheusClient:
    """Instant queries against `base_url` (`http://host:9090`, or a Thanos/Mimir prefix)."""

    def __init__(
        self,
        base_url: str,
        auth: PrometheusAuth | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth or PrometheusAuth()
        self.transport = transport  # None: the network (another transport: tests, proxies)
        self.queries = 0
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    def _refuse_when_closed(self) -> None:
        """A query after close() (an objective still running after Ctrl-C) fails at once
        instead of opening a new connection pool nobody closes."""
        if self._closed:
            raise PrometheusUnavailable(f"the client of Prometheus at {self.base_url} is closed")

    def _http(self) -> httpx.Client:
        with self._lock:  # the batch threads share one client (httpx's pool is thread-safe)
            self._refuse_when_closed()
            if self._client is None:
                auth = self.auth
                headers = dict(auth.headers)
                if auth.bearer_token:
                    headers["Authorization"] = f"Bearer {auth.bearer_token}"
                basic = (auth.username, auth.password or "") if auth.username else None
                verify: bool | str = auth.ca_file or not auth.insecure_skip_verify
                if httpx.URL(self.base_url).scheme == "http":
                    # no TLS on a plain-http URL (redirects are not followed): skip loading
                    # the CA bundle, about 40 ms of CPU per client
                    verify = False
                self._client = httpx.Client(
                    base_url=self.base_url,
                    headers=headers,
                    auth=basic,
                    verify=verify,
                    timeout=httpx.Timeout(auth.timeout_s),
                    transport=self.transport,
                )
            return self._client

    def close(self) -> None:
        """Wait for the queries in flight (each has the timeout), then close; for good."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _query(self, expr: str, time: float) -> dict[str, Any]:
        return self._ask("/api/v1/query", expr, {"time": f"{time:.3f}"})

    def _ask(self, path: str, expr: str, params: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            self.queries += 1
        try:
            response = self._http().post(path, data={"query": expr, **params})
        except httpx.TimeoutException as error:
            raise PrometheusUnavailable(
                f"Prometheus at {self.base_url} did not answer within {self.auth.timeout_s} s"
            ) from error
        except httpx.HTTPError as error:
            raise PrometheusUnavailable(
                f"Prometheus at {self.base_url} is unreachable ({type(error).__name__}: {error})"
            ) from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            detail = body.get("error") if isinstance(body, dict) else response.text[:200]
            raise PrometheusQueryFailed(
                f"Prometheus at {self.base_url} answered HTTP {response.status_code} "
                f"to {expr!r}: {detail}"
            )
        if body.get("status") != "success":
            raise PrometheusQueryFailed(f"Prometheus rejected {expr!r}: {body.get('error')}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise PrometheusQueryFailed(f"Prometheus returned no data object for {expr!r}")
        return data

    def vector(self, expr: str, time: float) -> list[InstantSample]:
        """An instant query returning an instant vector (or a scalar, as one unlabelled sample)."""
        data = self._query(expr, time)
        kind = data.get("resultType")
        if kind == "scalar":
            return [InstantSample({}, _value(data["result"][1]))]
        if kind != "vector":
            raise PrometheusQueryFailed(f"expected a vector from {expr!r}, got {kind}")
        return [
            InstantSample(dict(item["metric"]), _value(item["value"][1])) for item in data["result"]
        ]

    def vectors(self, batch: Sequence[tuple[str, float]]) -> list[list[InstantSample]]:
        """Instant queries `(expr, time)` sent concurrently; the answers in the batch's order.

        The first failure is raised (after every query of the batch has ended: each has the
        client's timeout).
        """
        return self.gather([partial(self.vector, expr, time) for expr, time in batch])

    def vectors_every(
        self, expr: str, first_ms: int, last_ms: int, step_ms: int
    ) -> list[list[InstantSample]]:
        """`expr`'s instant vectors at first_ms, first_ms + step_ms, ... last_ms (unix
        milliseconds; last_ms on that grid) from one range query: the same answers as an
        instant query at each of those times (Prometheus evaluates a range query as such)."""
        if step_ms <= 0 or last_ms < first_ms or (last_ms - first_ms) % step_ms:
            raise ValueError(f"{last_ms} is not on the grid of {step_ms} ms from {first_ms}")
        # RFC 3339 times and a duration in ms: Prometheus reads those exactly (a float in
        # seconds goes through binary fractions and may come out a millisecond early)
        params = {"start": _rfc3339(first_ms), "end": _rfc3339(last_ms), "step": f"{step_ms}ms"}
        data = self._ask("/api/v1/query_range", expr, params)
        if data.get("resultType") != "matrix":
            raise PrometheusQueryFailed(
                f"expected a matrix from the range query {expr!r}, got {data.get('resultType')}"
            )
        steps: list[list[InstantSample]] = [[] for _ in range((last_ms - first_ms) // step_ms + 1)]
        for item in data["result"]:
            labels = dict(item["metric"])
            for timestamp, value in item.get("values", []):
                offset = round(float(timestamp) * 1000) - first_ms
                if offset % step_ms or not 0 <= offset <= last_ms - first_ms:
                    raise PrometheusQueryFailed(
                        f"the range query {expr!r} answered at {timestamp}, off its grid"
                    )
                steps[offset // step_ms].append(InstantSample(labels, _value(value)))
        return steps

    def gather(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        """`calls` (each sending queries through this client) run concurrently, at most
        MAX_CONCURRENT_QUERIES at once; their answers in order. The first failure is raised
        once every call has ended (each query has the client's timeout)."""
        if len(calls) <= 1:
            return [call() for call in calls]
        with self._lock:
            self._refuse_when_closed()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    MAX_CONCURRENT_QUERIES, thread_name_prefix="prometheus-query"
                )
            pool = self._pool
        futures = [pool.submit(call) for call in calls]
        first: BaseException | None = None
        for future in futures:  # each ends (or is dropped by close()) before any is raised
            try:
                error = future.exception()
            except CancelledError:  # dropped by close()
                error = PrometheusUnavailable(
                    f"the client of Prometheus at {self.base_url} was closed during the batch"
                )
            first = first or error
        if first is not None:
            raise first
        return [future.result() for future in futures]

    def matrix(self, expr: str, time: float) -> list[RangeSeries]:
        """An instant query of a range selector (`x[5m]`): every raw sample, per series."""
        data = self._query(expr, time)
        if data.get("resultType") != "matrix":
            raise PrometheusQueryFailed(
                f"expected a matrix from {expr!r}, got {data.get('resultType')}"
            )
        return [
            RangeSeries(
                dict(item["metric"]), [(float(t), _value(v)) for t, v in item.get("values", [])]
            )
            for item in data["result"]
        ]
