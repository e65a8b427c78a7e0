"""An SLO file names its service's request metrics (`spec.metrics`): the built-in SLIs, the
rules `slogate rules` writes and the validation follow those names; the defaults are
target_service's, so the shipped file's queries are unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.errors import ConfigError
from slogate.slo import promql
from slogate.slo.rules import operational_rules, promtool_problems, slo_rules, write_rule_files
from slogate.slo.service_metrics import ServiceMetrics
from slogate.slo.spec import Place, load_spec, validate_spec
from tests.support.cli import REPO, run_cli

SPRING = REPO / "docs" / "examples" / "slo-spring-boot.yaml"
NESTJS = REPO / "docs" / "examples" / "slo-nestjs.yaml"
SHIPPED = REPO / "slo" / "target-service.yaml"
SERVER = 'source="server"'


def _spring() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPRING.read_text())
    return document


def test_the_defaults_are_target_services_names() -> None:
    metrics = load_spec(SHIPPED).spec.metrics
    assert promql.requests_selector(Place.SERVER, SERVER, metrics) == (
        'http_requests_total{source="server",route=~"/api/.*"}'
    )
    assert promql.errors_selector(Place.SERVER, SERVER, metrics) == (
        'http_requests_total{source="server",route=~"/api/.*",status_class="5xx"}'
    )
    assert promql.latency_buckets_selector(Place.SERVER, SERVER, "intended", metrics) == (
        'http_request_duration_seconds_bucket{source="server",route=~"/api/.*"}'
    )


# (example file, requests, errors, buckets) at the server
EXAMPLES = {
    "spring-boot": (
        SPRING,
        'http_server_requests_seconds_count{source="server",uri=~"/api/.*"}',
        'http_server_requests_seconds_count{source="server",uri=~"/api/.*",status=~"5.."}',
        'http_server_requests_seconds_bucket{source="server",uri=~"/api/.*"}',
    ),
    "nestjs": (
        NESTJS,
        'http_request_duration_seconds_count{source="server",route=~"/api/.*"}',
        'http_request_duration_seconds_count{source="server",route=~"/api/.*",status_code=~"5.."}',
        'http_request_duration_seconds_bucket{source="server",route=~"/api/.*"}',
    ),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_documented_examples_select_their_frameworks_series(name: str) -> None:
    path, requests, errors, buckets = EXAMPLES[name]
    metrics = load_spec(path).spec.metrics
    assert promql.requests_selector(Place.SERVER, SERVER, metrics) == requests
    assert promql.errors_selector(Place.SERVER, SERVER, metrics) == errors
    assert promql.latency_buckets_selector(Place.SERVER, SERVER, "intended", metrics) == buckets
    # the client's series are the load generator's own, its routes chosen by the same regex
    client = promql.requests_selector(Place.CLIENT, 'source="client"', metrics)
    assert client == 'http_requests_total{source="client",route=~"/api/.*"}'
    assert path.name in (REPO / "docs" / "own-service.md").read_text()


def test_a_selector_with_its_own_matchers_keeps_them() -> None:
    document = _spring()
    document["spec"]["metrics"]["requests"] = (
        'http_server_requests_seconds_count{application="shop"}'
    )
    metrics = validate_spec(document, "x.yaml").spec.metrics
    assert promql.requests_selector(Place.SERVER, SERVER, metrics) == (
        'http_server_requests_seconds_count{application="shop",source="server",uri=~"/api/.*"}'
    )


def test_rules_use_the_services_names_and_pass_promtool(tmp_path: Path) -> None:
    spec = load_spec(SPRING)
    paths = write_rule_files(spec, tmp_path)
    assert promtool_problems(paths) is None
    text = "\n".join(p.read_text() for p in paths)
    assert "http_server_requests_seconds_count{" in text
    assert 'http_server_requests_seconds_bucket{source="server",uri=~"/api/.*",le=~"0\\\\.5"}' in (
        text
    )
    # the server's request series carry only the labels the scrape configuration sets
    # (source) and the service's own: never target_service's names
    request_selectors = [
        block
        for rules in (slo_rules(spec), operational_rules(metrics=spec.spec.metrics))
        for group in rules["groups"]
        for rule in group["rules"]
        for block in re.findall(r"[a-z_:]+\{[^{}]*source=\"server\"[^{}]*\}", rule["expr"])
        if "request" in block
    ]
    assert len(request_selectors) > 10
    for block in request_selectors:
        assert block.startswith("http_server_requests_seconds_"), block
        assert "status_class" not in block and "route=" not in block, block


Mutation = Callable[[dict[str, Any]], None]


def _set(**fields: Any) -> Mutation:
    return lambda d: d["spec"]["metrics"].update(fields)


def _threshold(value: float) -> Mutation:
    return lambda d: d["spec"]["objectives"][1].update(threshold=value)


# (scenario, mutation of the Spring example, field named, words in the message)
BAD: dict[str, tuple[Mutation, str, str]] = {
    "unknown key": (
        _set(counter="x"), "spec.metrics.counter", "the keys are requests, duration, route_label"
    ),
    "bad routes regex": (_set(routes="/api/(["), "spec.metrics.routes", "a regular expression"),
    "bad errors regex": (_set(errors="5**"), "spec.metrics.errors", "a regular expression"),
    "a function, not a selector": (
        _set(requests="rate(x_count[5m])"), "spec.metrics.requests", "no functions"
    ),
    "a selector choosing the place": (
        _set(requests='x_count{source="server"}'), "spec.metrics.requests", "no matcher on source"
    ),
    "the bucket series": (
        _set(duration="http_server_requests_seconds_bucket"),
        "spec.metrics.duration",
        "without _bucket",
    ),
    "a relabelled label": (_set(route_label="pod"), "spec.metrics.route_label", "scrape config"),
    "not a label name": (_set(status_label="status-code"), "spec.metrics.status_label", "label"),
    "buckets out of order": (_set(buckets=[0.5, 0.1]), "spec.metrics.buckets", "ascending"),
    "a threshold between the service's buckets": (
        _threshold(0.25), "spec.objectives[1].threshold", "add a bucket at the threshold"
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_metrics_are_refused_naming_the_field(name: str) -> None:
    mutate, field, words = BAD[name]
    document = _spring()
    mutate(document)
    with pytest.raises(ConfigError) as raised:
        validate_spec(document, "orders.yaml")
    message = str(raised.value)
    assert "orders.yaml" in message and field in message and words in message, message


def test_a_threshold_between_buckets_may_be_interpolated() -> None:
    document = _spring()
    document["spec"]["objectives"][1].update(threshold=0.25, interpolate=True)
    assert validate_spec(document, "orders.yaml").spec.objectives[1].interpolate


def test_check_refuses_a_bad_metrics_block_with_exit_2(tmp_path: Path) -> None:
    document = _spring()
    document["spec"]["metrics"]["routes"] = "/api/(["
    path = tmp_path / "orders.yaml"
    path.write_text(yaml.safe_dump(document))
    result = run_cli("check", str(path), "--prometheus", "http://127.0.0.1:9")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert str(path) in result.stderr and "spec.metrics.routes" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_docs_show_the_defaults_and_the_example_files() -> None:
    """docs/own-service.md's metrics blocks: the defaults, then NestJS's and Spring's files."""
    text = (REPO / "docs" / "own-service.md").read_text()
    blocks = [
        yaml.safe_load(block)
        for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
        if "metrics:" in block
    ]
    found = [block.get("spec", block)["metrics"] for block in blocks]
    defaults = ServiceMetrics().model_dump(mode="json")
    assert found[0] == defaults
    for shown, path in zip(found[1:], (NESTJS, SPRING), strict=True):
        assert shown == yaml.safe_load(path.read_text())["spec"]["metrics"], path
