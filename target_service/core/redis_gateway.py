"""Every Redis call goes through here: bounded pool, timeouts, retries, breaker, fallback.

Reads (idempotent) are retried with exponential back-off and jitter; writes are not.
Both go through the circuit breaker. When a read cannot be answered (breaker open, or every
attempt failed), the last value read for the same key in this process is served instead
(stale), or `DependencyUnavailable` is raised, which the API answers with 503 + Retry-After.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import BusyLoadingError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from target_service.core.breaker import CircuitBreaker, CircuitState
from target_service.core.config import Settings
from target_service.core.faults import FaultBoard
from target_service.core.metrics import REDIS_DEPENDENCY, ServiceMetrics
from target_service.core.retry import backoff_delay

logger = logging.getLogger("target_service")

T = TypeVar("T")
Call = Callable[[Redis], Awaitable[T]]

DEPENDENCY_FAILURES = (
    RedisConnectionError,
    RedisTimeoutError,
    BusyLoadingError,
    TimeoutError,
    OSError,
)


class DependencyUnavailable(Exception):
    """Redis cannot answer and there is no fallback; try again after `retry_after_s`."""

    def __init__(self, operation: str, retry_after_s: float) -> None:
        super().__init__(f"redis unavailable for {operation}")
        self.operation = operation
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class ReadResult(Generic[T]):
    value: T
    stale: bool = False


class FallbackCache:
    """Last value read per key, least recently used evicted beyond `capacity`."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._values: OrderedDict[str, Any] = OrderedDict()

    def put(self, key: str, value: Any) -> None:
        if self.capacity == 0:
            return
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.capacity:
            self._values.popitem(last=False)

    def get(self, key: str) -> tuple[bool, Any]:
        if key in self._values:
            return True, self._values[key]
        return False, None

    def forget(self, key: str) -> None:
        self._values.pop(key, None)


class RedisGateway:
    def __init__(self, settings: Settings, metrics: ServiceMetrics, faults: FaultBoard) -> None:
        self._settings = settings
        self._metrics = metrics
        self._faults = faults
        self._record_metrics = settings.metrics_enabled
        self.breaker = CircuitBreaker(
            settings.breaker_failure_threshold, settings.breaker_reset_timeout_s
        )
        breaker = self.breaker
        metrics.breaker_state.labels(REDIS_DEPENDENCY).set_function(lambda: float(breaker.state))
        self.cache = FallbackCache(settings.fallback_cache_size)
        self._client: Redis | None = None

    @property
    def client(self) -> Redis:
        if self._client is None:
            raise RuntimeError("RedisGateway.open() was not called")
        return self._client

    def open(self) -> None:
        """Create the pool (connections are made lazily, on first use)."""
        pool = BlockingConnectionPool.from_url(
            self._settings.redis_url,
            max_connections=self._settings.redis_pool_size,
            timeout=self._settings.redis_pool_timeout_s,
            socket_timeout=self._settings.redis_timeout_s,
            socket_connect_timeout=self._settings.redis_connect_timeout_s,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
            decode_responses=True,
        )
        self._client = Redis(connection_pool=pool)

    async def close(self) -> None:
        """Close the pool within `redis_timeout_s`, whatever state Redis is in.

        A dead or hung Redis must not hold up a shutdown: the wait is bounded, and a close
        that fails or runs out of time is logged, not raised (the sockets are closed anyway;
        only the wait for Redis to acknowledge is given up).
        """
        client, self._client = self._client, None
        if client is None:
            return
        timeout_s = self._settings.redis_timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                await client.aclose(close_connection_pool=True)
        except DEPENDENCY_FAILURES as error:
            logger.warning(
                "Redis pool not closed cleanly within %.1f s (%s); connections dropped",
                timeout_s,
                type(error).__name__,
            )

    async def read(self, operation: str, key: str, call: Call[T]) -> ReadResult[T]:
        """An idempotent read: retried, and served from the last known value if Redis fails."""
        attempt = 0
        while True:
            try:
                value = await self._attempt(operation, call)
            except DependencyUnavailable:
                break
            except DEPENDENCY_FAILURES:
                if attempt >= self._settings.read_retries:
                    break
                if self.breaker.state is CircuitState.OPEN:
                    break
                await asyncio.sleep(
                    backoff_delay(
                        attempt,
                        self._settings.retry_base_delay_s,
                        self._settings.retry_max_delay_s,
                    )
                )
                attempt += 1
                continue
            self.cache.put(key, value)
            return ReadResult(value)
        found, cached = self.cache.get(key)
        if found:
            self._metrics.redis_operations.labels(operation, "fallback").inc()
            return ReadResult(cached, stale=True)
        raise DependencyUnavailable(operation, self._retry_after_s())

    async def write(self, operation: str, call: Call[T]) -> T:
        """A write: one attempt through the breaker; no fallback."""
        try:
            return await self._attempt(operation, call)
        except DEPENDENCY_FAILURES:
            raise DependencyUnavailable(operation, self._retry_after_s()) from None

    async def ping(self, timeout_s: float) -> float:
        """Round trip of a PING in seconds; outside the breaker (readiness must not trip it)."""
        started = time.perf_counter()
        async with asyncio.timeout(timeout_s):
            await self.client.ping()
        return time.perf_counter() - started

    async def _attempt(self, operation: str, call: Call[T]) -> T:
        if not self.breaker.allow():
            self._metrics.redis_operations.labels(operation, "rejected").inc()
            raise DependencyUnavailable(operation, self._retry_after_s())
        started = time.perf_counter()
        outcome = "error"
        try:
            async with asyncio.timeout(self._settings.redis_timeout_s):
                delay = self._faults.redis_delay_s()
                if delay:
                    await asyncio.sleep(delay)
                value = await call(self.client)
            outcome = "ok"
            self.breaker.record_success()
            return value
        except DEPENDENCY_FAILURES as error:
            if isinstance(error, TimeoutError | RedisTimeoutError):
                outcome = "timeout"
            self.breaker.record_failure()
            raise
        except BaseException:
            self.breaker.abandon()
            raise
        finally:
            if self._record_metrics:
                self._metrics.redis_operations.labels(operation, outcome).inc()
                elapsed = time.perf_counter() - started
                self._metrics.redis_duration.labels(operation).observe(elapsed)

    def _retry_after_s(self) -> float:
        return max(1.0, self.breaker.retry_after_s())
