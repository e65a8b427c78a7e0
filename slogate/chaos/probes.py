"""Chaos Toolkit probes: is the service keeping its SLOs, are its replicas ready.

The SLO probes ask the stack's Prometheus through slogate's SLO checker (raw counter deltas,
exact binomial bounds), so "no data", too short a window or too few requests is never a pass:
they return True only on a PASS verdict, and log why otherwise. Use them with
`tolerance: true`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from chaoslib.exceptions import ActivityFailed
from chaoslib.types import Configuration, Secrets

from slogate.chaos.backends import backend_for
from slogate.chaos.verdict_wait import judge_until_decided
from slogate.errors import SlogateError
from slogate.slo import promql
from slogate.slo.counting import count_counters
from slogate.slo.evaluate import Evaluator, ObjectiveResult, Window
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import Place, load_spec
from slogate.slo.stats import Verdict

__all__ = [
    "active_fault_count",
    "all_replicas_ready",
    "edge_absorbed_no_failures",
    "objective_holds",
    "reads_served",
    "replica_restart_count",
]

logger = logging.getLogger("chaostoolkit")


def _prometheus(configuration: Configuration) -> tuple[str, float]:
    state = backend_for(configuration).state
    if not state.prometheus_url:
        raise ActivityFailed(f"stack {state.stack!r} has no Prometheus URL in its state file")
    return state.prometheus_url, state.scrape_interval_s


def _place(place: str | None) -> Place | None:
    if place is None:
        return None
    try:
        return Place(place)
    except ValueError:
        known = ", ".join(p.value for p in Place)
        raise ActivityFailed(f"unknown place {place!r}; known: {known}") from None


def objective_holds(
    slo_file: str,
    objective: str,
    last_s: float = 15.0,
    place: str | None = None,
    wait_s: float | None = None,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> bool:
    """True when `objective` of `slo_file` is PASS over the last `last_s` seconds.

    Evaluated at `place` (server, client, edge) or at every place the objective names.
    INCONCLUSIVE (no data, too few requests, Prometheus unreachable) is not a pass, but it is
    not a verdict yet either: the window keeps its start and is judged once more `wait_s`
    seconds later (default: `last_s`; slogate/chaos/verdict_wait.py). A FAIL returns at once.
    """
    try:
        spec = load_spec(Path(slo_file))
    except SlogateError as error:
        raise ActivityFailed(str(error)) from None
    chosen = next((o for o in spec.spec.objectives if o.name == objective), None)
    if chosen is None:
        names = ", ".join(o.name for o in spec.spec.objectives)
        raise ActivityFailed(f"{slo_file} has no objective {objective!r}; it has: {names}")
    wanted = _place(place)
    places = [wanted] if wanted is not None else list(chosen.measured_at)
    url, scrape_interval_s = _prometheus(configuration)
    start = time.time() - last_s
    with PrometheusClient(url) as client:

        def judge(end: float) -> list[ObjectiveResult]:
            evaluator = Evaluator(
                client=client,
                window=Window(start=start, end=end),
                scrape_interval_s=scrape_interval_s,
                period_s=spec.period_s,
            )
            return [evaluator.evaluate_one(spec, chosen, p) for p in places]

        results, waited = judge_until_decided(judge, wait_s=last_s if wait_s is None else wait_s)
    for result in results:
        logger.info(
            "objective %s at %s over the last %g s: %s (%s)",
            result.objective,
            result.place,
            last_s + waited,
            result.verdict.value,
            result.reason,
        )
    return all(result.verdict is Verdict.PASS for result in results)


def reads_served(
    min_share: float = 0.95,
    last_s: float = 20.0,
    place: str = "client",
    min_requests: int = 50,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> bool:
    """True when at least `min_share` of API reads (GET) succeeded over the last `last_s` s.

    A degraded service keeps serving reads (from its fallbacks) while a dependency is down;
    one that goes dark does not. Fewer than `min_requests` reads is no evidence: False.
    """
    where = _place(place)
    assert where is not None
    if where is Place.EDGE:
        raise ActivityFailed("reads_served: the edge has no per-method counts; use server/client")
    matcher = promql.DEFAULT_PLACE_MATCHERS[where]
    reads = ['method="GET"']
    total_selector = promql.with_matchers(promql.requests_selector(where, matcher), reads)
    bad_selector = promql.with_matchers(promql.errors_selector(where, matcher), reads)
    url, _ = _prometheus(configuration)
    now = time.time()
    try:
        with PrometheusClient(url) as client:
            total = count_counters(client, total_selector, now - last_s, now)
            bad = count_counters(client, bad_selector, now - last_s, now)
    except SlogateError as error:
        logger.warning("reads_served: no evidence: %s", error)
        return False
    if total.nan or bad.nan or not total.present or total.total < min_requests:
        logger.warning(
            "reads_served: no evidence: %s reads counted at %s over %g s (need %d)",
            round(total.total),
            place,
            last_s,
            min_requests,
        )
        return False
    share = 1 - bad.total / total.total
    logger.info(
        "reads_served: %.2f%% of %d reads served at %s over the last %g s (need %.2f%%)",
        share * 100,
        round(total.total),
        place,
        last_s,
        min_share * 100,
    )
    return share >= min_share


def all_replicas_ready(configuration: Configuration = None, secrets: Secrets = None) -> bool:
    """True when every replica answers its readiness probe with 200."""
    backend = backend_for(configuration)
    not_ready = [r.name for r in backend.replicas() if not backend.replica_ready(r)]
    if not_ready:
        logger.warning("replicas not ready: %s", ", ".join(not_ready))
    return not not_ready


def replica_restart_count(
    replica: str = "replica-0", configuration: Configuration = None, secrets: Secrets = None
) -> int:
    """How often the supervisor restarted `replica` after it died (deletes not counted)."""
    return backend_for(configuration).part_status(replica).restarts


def active_fault_count(configuration: Configuration = None, secrets: Secrets = None) -> int:
    """Faults in force on the replicas' fault hooks plus the supervisor's active faults."""
    return backend_for(configuration).active_faults()


def edge_absorbed_no_failures(
    last_s: float = 20.0,
    max_absorbed: int = 0,
    min_requests: int = 50,
    configuration: Configuration = None,
    secrets: Secrets = None,
) -> bool:
    """True when the edge retried, redispatched and saw cut responses at most `max_absorbed`
    times each over the last `last_s` seconds, while it forwarded at least `min_requests`
    requests.

    Clients alone under-count failures: the edge replays cut idempotent requests elsewhere
    (ANCHORS.md, pod kill), so a replica that drops its in-flight requests can leave the
    clients' error rate clean. HAProxy's `haproxy_backend_retry_warnings_total`,
    `haproxy_backend_redispatch_warnings_total` and `haproxy_backend_response_errors_total`
    (backend "service", scraped with source="edge"; promql.EDGE_ABSORBED, the counters of the
    SLI edge_absorbed) count what it absorbed, reset-aware. No edge series, a NaN or fewer
    than `min_requests` forwarded requests is no evidence: False.

    Local platform only: on Kubernetes the edge is the cluster's Service (kube-proxy), which
    neither retries nor exports per-request counters, so there is nothing to read; use the
    clients' error rate there.
    """
    if last_s <= 0 or max_absorbed < 0 or min_requests < 1:
        raise ActivityFailed(
            "edge_absorbed_no_failures: last_s must be > 0, max_absorbed >= 0 and "
            f"min_requests >= 1 (got {last_s}, {max_absorbed}, {min_requests})"
        )
    url, _ = _prometheus(configuration)
    edge = promql.DEFAULT_PLACE_MATCHERS[Place.EDGE]
    now = time.time()
    try:
        with PrometheusClient(url) as client:
            counts = {
                metric: count_counters(
                    client, promql.edge_backend_selector(metric, edge), now - last_s, now
                )
                for metric in (*promql.EDGE_ABSORBED, promql.EDGE_FORWARDED)
            }
    except SlogateError as error:
        logger.warning("edge_absorbed_no_failures: no evidence: %s", error)
        return False
    missing = [m for m, c in counts.items() if c.nan or not c.present]
    if missing:
        logger.warning(
            "edge_absorbed_no_failures: no evidence: no usable %s at the edge over %g s",
            ", ".join(missing),
            last_s,
        )
        return False
    forwarded = round(counts[promql.EDGE_FORWARDED].total)
    if forwarded < min_requests:
        logger.warning(
            "edge_absorbed_no_failures: no evidence: the edge forwarded %d requests over %g s "
            "(need %d)",
            forwarded,
            last_s,
            min_requests,
        )
        return False
    retries, redispatches, cut = (round(counts[m].total) for m in promql.EDGE_ABSORBED)
    logger.info(
        "edge_absorbed_no_failures: over the last %g s the edge forwarded %d requests, "
        "retried %d, redispatched %d and saw %d cut responses (at most %d each)",
        last_s,
        forwarded,
        retries,
        redispatches,
        cut,
        max_absorbed,
    )
    return max(retries, redispatches, cut) <= max_absorbed
