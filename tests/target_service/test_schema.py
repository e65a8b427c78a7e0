"""Property-based run of the OpenAPI schema (schemathesis): no 5xx, no schema violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from target_service.core.config import Settings
from target_service.main import create_app
from tests.support.redis_server import RedisServer
from tests.target_service.service_process import ServiceProcess, running_service

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plain_service(module_redis: RedisServer) -> Iterator[ServiceProcess]:
    with running_service(module_redis.url) as running:
        yield running


def _schema_of_the_app() -> dict:
    """The schema the service serves, built in-process (no server needed at collection)."""
    return create_app(Settings(admin_enabled=False)).openapi()


schema = schemathesis.openapi.from_dict(_schema_of_the_app())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, plain_service: ServiceProcess) -> None:
    case.call_and_validate(base_url=plain_service.url, timeout=10)
