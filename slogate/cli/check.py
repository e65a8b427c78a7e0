"""`slogate check SLO_FILE`: PASS, FAIL or INCONCLUSIVE per objective, from Prometheus."""

from __future__ import annotations

import time
from pathlib import Path

import click
from pydantic import ValidationError

from slogate.cli.slo_table import print_table
from slogate.errors import ConfigError, ExitCode, UsageError
from slogate.gate.measurable import Unmeasured, in_spec_order, split_places, unmeasured_places
from slogate.host.outputs import require_writable_file
from slogate.load.results import read_load_window
from slogate.platform.registry import platform_for
from slogate.platform.state import require_state
from slogate.report import check as check_files
from slogate.slo.evaluate import CheckReport, evaluate_spec
from slogate.slo.prometheus import PrometheusAuth, PrometheusClient, require_prometheus_url
from slogate.slo.spec import load_spec
from slogate.slo.window import resolve_window
from slogate.yaml_files import read_yaml


def load_prometheus_config(path: Path) -> tuple[str | None, PrometheusAuth]:
    """The `prometheus:` section of a config file: url plus PrometheusAuth fields."""
    data = read_yaml(path) or {}
    section = data.get("prometheus", {}) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ConfigError(str(path), "prometheus", "a mapping (url, bearer_token, headers, ...)")
    section = dict(section)
    url = section.pop("url", None)
    if "bearer_token_file" in section:
        token_file = Path(str(section.pop("bearer_token_file")))
        section["bearer_token"] = token_file.read_text().strip()
    try:
        return url, PrometheusAuth.model_validate(section)
    except ValidationError as error:
        first = error.errors()[0]
        field = "prometheus." + ".".join(str(p) for p in first["loc"])
        raise ConfigError(str(path), field, first["msg"]) from None


@click.command("check")
@click.argument("slo_file", type=click.Path(path_type=Path))
@click.option(
    "--stack", default="default", show_default=True, help="Stack whose Prometheus to ask."
)
@click.option("--prometheus", "prometheus_url", help="Prometheus URL (instead of the stack's).")
@click.option("--last", help="Window ending now, e.g. 5m (default 5m).")
@click.option("--since", help="Window start: RFC 3339 or a duration ago (15m).")
@click.option("--until", help="Window end: RFC 3339, 'now' or a duration ago.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write JSON here.")
@click.option("--junit", "junit_path", type=click.Path(path_type=Path), help="Write JUnit XML.")
@click.option(
    "--markdown", "markdown_path", type=click.Path(path_type=Path), help="Write Markdown."
)
@click.option(
    "--prometheus-config",
    type=click.Path(path_type=Path, exists=True),
    help="YAML with a `prometheus:` section (url, bearer_token[_file], username, password, "
    "ca_file, headers, timeout_s) for managed Prometheus, Thanos or Mimir.",
)
@click.option("--bearer-token-file", type=click.Path(path_type=Path, exists=True))
@click.option("--basic-auth", help="user:password")
@click.option("--ca-file", type=click.Path(path_type=Path, exists=True))
@click.option("--header", "headers", multiple=True, help="Extra header NAME=VALUE (repeatable).")
@click.option("--timeout", "timeout_s", type=float, help="Seconds per query (default 10).")
@click.option("--scrape-interval", type=float, help="Seconds (default: stack state or spec).")
@click.option("--offered-rps", type=float, help="Offered rate, for min_share_of_offered.")
@click.option(
    "--load-run",
    type=click.Path(path_type=Path),
    help="Results folder of a `slogate load` run: throughput is judged over the time the load "
    "ran (default window: the load's).",
)
def check(
    slo_file: Path,
    stack: str,
    prometheus_url: str | None,
    last: str | None,
    since: str | None,
    until: str | None,
    json_path: Path | None,
    junit_path: Path | None,
    markdown_path: Path | None,
    prometheus_config: Path | None,
    bearer_token_file: Path | None,
    basic_auth: str | None,
    ca_file: Path | None,
    headers: tuple[str, ...],
    timeout_s: float | None,
    scrape_interval: float | None,
    offered_rps: float | None,
    load_run: Path | None,
) -> ExitCode:
    """Check SLO_FILE's objectives over a window; exit 0 met, 1 breached, 3 inconclusive."""
    spec = load_spec(slo_file)
    load_window = read_load_window(load_run) if load_run is not None else None
    if load_window is not None and last is None and since is None and until is None:
        window = load_window
    else:
        window = resolve_window(time.time(), last=last, since=since, until=until)
    for option, path in (
        ("--json", json_path),
        ("--junit", junit_path),
        ("--markdown", markdown_path),
    ):
        if path is not None:
            require_writable_file(path, option)
    url, auth = (None, PrometheusAuth())
    if prometheus_config is not None:
        url, auth = load_prometheus_config(prometheus_config)
        if url is not None:
            require_prometheus_url(url, f"{prometheus_config}: prometheus.url")
    if prometheus_url is not None:
        url = require_prometheus_url(prometheus_url, "--prometheus")
    unmeasured: Unmeasured = {}
    if url is None:
        state = require_state(stack)
        if state.prometheus_url is None:
            raise UsageError(f"stack {stack!r} has no Prometheus; pass --prometheus URL")
        url = state.prometheus_url
        scrape_interval = scrape_interval or state.scrape_interval_s
        unmeasured = unmeasured_places(platform_for(state.platform), state)
    updates: dict[str, object] = {}
    if bearer_token_file is not None:
        updates["bearer_token"] = bearer_token_file.read_text().strip()
    if basic_auth is not None:
        user, colon, password = basic_auth.partition(":")
        if not colon:
            raise UsageError("--basic-auth: expected user:password")
        updates.update(username=user, password=password)
    if ca_file is not None:
        updates["ca_file"] = str(ca_file)
    if headers:
        extra = dict(auth.headers)
        for header in headers:
            name, equals, value = header.partition("=")
            if not equals or not name:
                raise UsageError(f"--header {header!r}: expected NAME=VALUE")
            extra[name.strip()] = value.strip()
        updates["headers"] = extra
    if timeout_s is not None:
        updates["timeout_s"] = timeout_s
    auth = auth.model_copy(update=updates)
    measurable, missing = split_places(spec, unmeasured)  # e.g. no edge on Kubernetes
    with PrometheusClient(url, auth) as client:
        results = evaluate_spec(
            measurable, client, window, scrape_interval, offered_rps, load_window
        )
    results = in_spec_order(spec, results + missing)
    report = CheckReport(
        slo=spec.metadata.name,
        prometheus_url=url,
        window=window,
        scrape_interval_s=scrape_interval or spec.scrape_interval_s,
        results=results,
    )
    print_table(report)
    for path, render in (
        (json_path, check_files.to_json),
        (junit_path, check_files.to_junit),
        (markdown_path, check_files.to_markdown),
    ):
        if path is not None:
            path.write_text(render(report))
    return report.exit_code
