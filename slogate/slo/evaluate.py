"""Evaluate an SLO spec over a window: every objective at every place it is measured.

Each result is PASS, FAIL or INCONCLUSIVE with the evidence that decided it (counts, bounds, the
PromQL that produced them). INCONCLUSIVE, never PASS, when Prometheus is unreachable or errors,
the total series is missing or NaN, the window is shorter than 4 scrape intervals, or there are
too few requests to decide. Non-gating objectives are reported but never set the exit code.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from slogate.errors import ExitCode, InconclusiveError, combine_exit_codes
from slogate.slo import promql
from slogate.slo.counting import Count, count_counters
from slogate.slo.prometheus import PrometheusClient, PrometheusUnavailable
from slogate.slo.service_metrics import status_values_problem
from slogate.slo.spec import CustomSLI, Objective, Place, SLOSpec
from slogate.slo.stats import (
    Verdict,
    error_budget,
    good_at_or_under,
    lower_bound,
    quantile_from_buckets,
    required_requests,
    share_verdict,
    upper_bound,
)

MIN_SCRAPE_INTERVALS = 4
CONCURRENT_OBJECTIVES = 4  # objectives evaluated at once (each sends its queries in batches)
REPORTED_QUANTILES = (0.5, 0.95, 0.99)


class Window(BaseModel):
    """[start, end] in unix seconds."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def overlap(self, other: Window) -> Window | None:
        """The part of this window that `other` covers; None when they do not overlap."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Window(start=start, end=end) if end > start else None


class QuantileEvidence(BaseModel):
    lower: float
    upper: float | None = Field(description="None when the quantile is in the +Inf bucket")
    estimate: float


class BudgetEvidence(BaseModel):
    allowed_bad: float
    consumed: float
    remaining: float
    burn_rate: float
    period_consumed: float | None = None


class Evidence(BaseModel):
    """What decided a verdict."""

    total: int | None = None
    bad: int | None = None
    observed_bad_share: float | None = None
    allowed_bad_share: float | None = None
    upper_bound: float | None = None
    lower_bound: float | None = None
    required_requests: int | None = None
    rate_rps: float | None = None
    value: float | None = None
    threshold: float | None = None
    interpolated: bool = False
    quantiles: dict[str, QuantileEvidence] = Field(default_factory=dict)
    budget: BudgetEvidence | None = None
    series: int | None = None
    reset_series: int | None = None
    queries: list[str] = Field(default_factory=list)


class ObjectiveResult(BaseModel):
    objective: str
    sli: str
    place: str
    gating: bool
    verdict: Verdict
    reason: str
    evidence: Evidence = Field(default_factory=Evidence)
    measurable: bool = Field(
        default=True, description="false: the platform has no such SLI (never gating)"
    )


class CheckReport(BaseModel):
    """The outcome of `slogate check`."""

    slo: str
    prometheus_url: str
    window: Window
    scrape_interval_s: float
    results: list[ObjectiveResult]

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_of(self.results)


def exit_code_of(results: list[ObjectiveResult]) -> ExitCode:
    """OK, BREACHED or INCONCLUSIVE from the gating results (none gating: OK)."""
    codes = {
        Verdict.PASS: ExitCode.OK,
        Verdict.FAIL: ExitCode.BREACHED,
        Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
    }
    return combine_exit_codes([codes[r.verdict] for r in results if r.gating])


@dataclass
class Evaluator:
    """Asks Prometheus for one window; counts are cached across objectives."""

    client: PrometheusClient
    window: Window
    scrape_interval_s: float = 1.0
    period_s: float | None = None
    offered_rps: float | None = None
    load_window: Window | None = None  # when the load ran: throughput is judged inside it
    place_matchers: dict[Place, str] = field(
        default_factory=lambda: dict(promql.DEFAULT_PLACE_MATCHERS)
    )
    _counts: dict[tuple[str, float, float], Future[Count]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _unavailable: str | None = None

    def count(
        self, series: str, group_by: str | None = None, window: Window | None = None
    ) -> Count:
        """`series` counted over `window` (default: the evaluator's), once per evaluator
        whatever `group_by` (the groups are summed from the per-series deltas): an objective
        asking for a count another one is fetching waits for that answer."""
        span = window or self.window
        key = (series, span.start, span.end)
        with self._lock:
            pending = self._counts.get(key)
            if pending is None:
                if self._unavailable is not None:
                    raise PrometheusUnavailable(self._unavailable)
                owned: Future[Count] = Future()
                self._counts[key] = owned
        if pending is not None:
            counted: Count = pending.result()
            return counted.grouped(group_by)
        try:
            owned.set_result(count_counters(self.client, series, span.start, span.end))
        except BaseException as error:
            if isinstance(error, PrometheusUnavailable):
                self._unavailable = str(error)
            owned.set_exception(error)
            raise
        return owned.result().grouped(group_by)

    def evaluate(self, spec: SLOSpec) -> list[ObjectiveResult]:
        """Every objective at every place; up to CONCURRENT_OBJECTIVES at once (their queries
        are independent), the results in the spec's order."""
        pairs = [(o, p) for o in spec.spec.objectives for p in o.measured_at]
        if len(pairs) <= 1:
            return [self.evaluate_one(spec, o, p) for o, p in pairs]
        pool = ThreadPoolExecutor(min(CONCURRENT_OBJECTIVES, len(pairs)), "slo-objective")
        # histograms first (a series per bucket: the longest chains of queries), so the
        # lighter objectives fill the cores while those wait for Prometheus
        order = sorted(range(len(pairs)), key=lambda i: not _reads_buckets(spec, pairs[i][0]))
        try:
            futures = {i: pool.submit(self.evaluate_one, spec, *pairs[i]) for i in order}
            results = [futures[i].result() for i in range(len(pairs))]
        except BaseException:
            # Ctrl-C: the objectives not yet started are dropped; the running ones are waited
            # for (each query has the client's timeout), so none outlives its client
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return results

    def evaluate_one(self, spec: SLOSpec, objective: Objective, place: Place) -> ObjectiveResult:
        result = ObjectiveResult(
            objective=objective.name,
            sli=objective.sli,
            place=place.value,
            gating=objective.is_gating(),
            verdict=Verdict.INCONCLUSIVE,
            reason="",
        )
        shortest = MIN_SCRAPE_INTERVALS * self.scrape_interval_s
        if self.window.seconds < shortest:
            result.reason = (
                f"window of {self.window.seconds:g} s is shorter than {MIN_SCRAPE_INTERVALS} "
                f"scrape intervals ({shortest:g} s)"
            )
            return result
        kind = promql.objective_kind(objective, set(spec.spec.slis))
        try:
            if kind in ("availability", "custom") and not _is_histogram(spec, objective):
                self._ratio(spec, objective, place, result)
            elif kind in ("latency", "event_loop_lag", "custom"):
                self._latency(spec, objective, place, result)
            elif kind == "throughput":
                self._throughput(spec, objective, place, result)
            elif kind == "edge_absorbed":
                self._absorbed(objective, place, result)
            else:
                self._startup(objective, place, result)
        except InconclusiveError as error:
            result.verdict = Verdict.INCONCLUSIVE
            result.reason = str(error)
        return result

    # --- availability and custom ratios -------------------------------------------------
    def _ratio(
        self, spec: SLOSpec, objective: Objective, place: Place, result: ObjectiveResult
    ) -> None:
        custom = spec.spec.slis.get(objective.sli)
        matcher = self.place_matchers.get(place, "")
        if custom is None:
            total_sel = promql.requests_selector(place, matcher, spec.spec.metrics)
            bad_sel: str | None = promql.errors_selector(place, matcher, spec.spec.metrics)
            good_sel = None
        else:
            assert custom.total is not None
            total_sel, bad_sel, good_sel = custom.total, custom.bad, custom.good
        # the server's statuses are the service's own: its status label must hold them
        status_label = spec.spec.metrics.status_label
        by_status = custom is None and place is Place.SERVER
        total_count = self.count(total_sel, group_by=status_label if by_status else None)
        total = self._present(total_count, total_sel, result)
        if total is None:
            return
        if by_status and (
            problem := status_values_problem(spec.spec.metrics, set(total_count.by_group))
        ):
            result.reason = f"errors not countable: {problem}"
            return
        if bad_sel is not None:
            bad_count = self.count(bad_sel)
            result.evidence.queries += bad_count.queries
            if bad_count.nan:
                result.reason = f"no data: NaN samples in {bad_sel}"
                return
            bad = round(bad_count.total)  # an absent error series means 0 errors
        else:
            assert good_sel is not None
            good_count = self.count(good_sel)
            result.evidence.queries += good_count.queries
            if good_count.nan:
                result.reason = f"no data: NaN samples in {good_sel}"
                return
            bad = total - round(good_count.total)
        self._share(objective, total, bad, result, what="errors")

    # --- latency shares from histograms ---------------------------------------------------
    def _latency(
        self, spec: SLOSpec, objective: Objective, place: Place, result: ObjectiveResult
    ) -> None:
        matcher = self.place_matchers.get(place, "")
        custom = spec.spec.slis.get(objective.sli)
        if custom is not None:
            assert custom.histogram is not None
            series = promql.histogram_buckets_selector(custom.histogram)
        elif objective.sli == "event_loop_lag":
            series = promql.lag_buckets_selector(matcher)
        else:
            series = promql.latency_buckets_selector(
                place, matcher, objective.client_timing, spec.spec.metrics
            )
        count = self.count(series, group_by="le")
        if self._present(count, series, result) is None:
            return
        buckets: dict[float, float] = {}
        for le, value in count.by_group.items():
            bound = float(le)
            buckets[bound] = buckets.get(bound, 0.0) + value
        if math.inf not in buckets:
            result.reason = f'no data: {series} has no le="+Inf" bucket'
            return
        total = round(buckets[math.inf])
        assert objective.threshold is not None
        good, exact = good_at_or_under(objective.threshold, buckets)
        if not exact and not objective.interpolate:
            result.reason = (
                f"no le={objective.threshold:g} bucket in the service's histogram "
                f"({_declared_buckets(objective, place, custom is not None)} says there is; "
                f"it has {sorted(b for b in buckets if b != math.inf)}): declare the real "
                "buckets, or set interpolate: true to estimate it"
            )
            return
        bad = total - math.floor(good + 1e-9)  # interpolation never rounds in the SLO's favour
        result.evidence.threshold = objective.threshold
        result.evidence.interpolated = not exact
        for q in REPORTED_QUANTILES:
            quantile = quantile_from_buckets(q, buckets)
            if quantile is not None:
                result.evidence.quantiles[f"p{q * 100:g}"] = QuantileEvidence(
                    lower=quantile.lower,
                    upper=None if math.isinf(quantile.upper) else quantile.upper,
                    estimate=quantile.estimate,
                )
        self._share(objective, total, bad, result, what=f"slower than {objective.threshold:g} s")
        if not exact:
            result.reason += " (threshold interpolated inside its bucket: an estimate)"

    # --- shared verdict logic for binomial shares -----------------------------------------
    def _share(
        self, objective: Objective, total: int, bad: int, result: ObjectiveResult, what: str
    ) -> None:
        evidence = result.evidence
        allowed = objective.allowed_bad_share
        evidence.total, evidence.bad, evidence.allowed_bad_share = total, bad, allowed
        assert objective.target is not None
        evidence.required_requests = required_requests(objective.target)
        if total == 0:
            result.reason = "no requests in the window"
            return
        if bad < 0 or bad > total:
            result.reason = f"inconsistent counts: {bad} {what} of {total}"
            return
        evidence.observed_bad_share = bad / total
        evidence.upper_bound = upper_bound(bad, total)
        evidence.lower_bound = lower_bound(bad, total)
        budget = error_budget(bad, total, allowed, self.window.seconds, self.period_s)
        if budget is not None:
            evidence.budget = BudgetEvidence(
                allowed_bad=budget.allowed_bad,
                consumed=budget.consumed,
                remaining=budget.remaining,
                burn_rate=budget.burn_rate,
                period_consumed=budget.period_consumed,
            )
        result.verdict = share_verdict(bad, total, allowed)
        summary = (
            f"{bad:,} {what} of {total:,} ({bad / total:.4%}); 95 % bound "
            f"[{evidence.lower_bound:.4%}, {evidence.upper_bound:.4%}] vs allowed {allowed:.4%}"
        )
        if result.verdict is Verdict.INCONCLUSIVE:
            needed = required_requests(objective.target, bad)
            if total < needed:
                summary = f"too few requests: {total:,} of {needed:,} needed; " + summary
            else:
                summary = "bound straddles the objective; " + summary
        result.reason = summary

    # --- throughput -----------------------------------------------------------------------
    def _throughput(
        self, spec: SLOSpec, objective: Objective, place: Place, result: ObjectiveResult
    ) -> None:
        """Requests per second over the part of the window the load ran in, never idle time."""
        judged, where = self._load_span(result)
        if judged is None:
            return
        matcher = self.place_matchers.get(place, "")
        series = promql.requests_selector(place, matcher, spec.spec.metrics)
        total = self._present(self.count(series, window=judged), series, result)
        if total is None:
            return
        rate = total / judged.seconds
        result.evidence.total, result.evidence.rate_rps = total, rate
        if objective.min_rps is not None:
            needed = objective.min_rps
        else:
            assert objective.min_share_of_offered is not None
            if self.offered_rps is None:
                result.reason = "no offered rate known (run through a gate or pass --offered-rps)"
                return
            needed = objective.min_share_of_offered * self.offered_rps
        result.evidence.threshold = needed
        result.verdict = Verdict.PASS if rate >= needed else Verdict.FAIL
        result.reason = f"{rate:,.1f} req/s over {where} (objective >= {needed:g})"

    def _load_span(self, result: ObjectiveResult) -> tuple[Window | None, str]:
        """The window throughput is judged over, and how to say it; (None, "") and the reason
        on `result` when the load did not run long enough inside the window."""
        if self.load_window is None:
            return self.window, f"{self.window.seconds:g} s"
        judged = self.window.overlap(self.load_window)
        if judged is None:
            result.reason = "the load did not run in the window"
            return None, ""
        shortest = MIN_SCRAPE_INTERVALS * self.scrape_interval_s
        if judged.seconds < shortest:
            result.reason = (
                f"the load ran {judged.seconds:.1f} s in the window, shorter than "
                f"{MIN_SCRAPE_INTERVALS} scrape intervals ({shortest:g} s)"
            )
            return None, ""
        return judged, f"the {judged.seconds:.1f} s the load ran in the window"

    # --- requests the edge absorbed (a count with a maximum) -------------------------------
    def _absorbed(self, objective: Objective, place: Place, result: ObjectiveResult) -> None:
        """Retries, redispatches and cut responses at the edge's backend, at most max_count.

        A count, not a share: a handful of cut requests among thousands would never reach
        significance, and a zero-downtime claim means none needed rescuing.
        """
        matcher = self.place_matchers.get(place, "")
        forwarded_sel = promql.edge_backend_selector(promql.EDGE_FORWARDED, matcher)
        forwarded = self._present(self.count(forwarded_sel), forwarded_sel, result)
        if forwarded is None:
            return
        counted: dict[str, int] = {}
        for metric in promql.EDGE_ABSORBED:
            series = promql.edge_backend_selector(metric, matcher)
            count = self.count(series)
            result.evidence.queries += count.queries
            if count.nan or not count.present:
                result.reason = f"no data: no usable {series} in the window"
                return
            counted[metric] = round(count.total)
        absorbed = sum(counted.values())
        assert objective.max_count is not None
        evidence = result.evidence
        evidence.total, evidence.bad, evidence.threshold = forwarded, absorbed, objective.max_count
        if forwarded == 0:
            result.reason = "no requests forwarded by the edge in the window"
            return
        result.verdict = Verdict.PASS if absorbed <= objective.max_count else Verdict.FAIL
        result.reason = (
            f"the edge absorbed {absorbed:,} of {forwarded:,} forwarded requests "
            f"({counted[promql.EDGE_RETRIES]:,} retries, "
            f"{counted[promql.EDGE_REDISPATCHES]:,} redispatches, "
            f"{counted[promql.EDGE_CUT_RESPONSES]:,} cut responses); "
            f"allowed at most {objective.max_count:,}"
        )

    # --- startup ----------------------------------------------------------------------------
    def _startup(self, objective: Objective, place: Place, result: ObjectiveResult) -> None:
        matcher = self.place_matchers.get(place, "")
        query = promql.startup_query(matcher, self.window.seconds)
        result.evidence.queries.append(query)
        samples = self.client.vector(query, self.window.end)
        if not samples or math.isnan(samples[0].value):
            result.reason = "no data: no replica reported process_startup_duration_seconds"
            return
        value = samples[0].value
        assert objective.threshold is not None
        result.evidence.value, result.evidence.threshold = value, objective.threshold
        result.verdict = Verdict.PASS if value <= objective.threshold else Verdict.FAIL
        result.reason = f"slowest start-up {value:.3f} s (objective <= {objective.threshold:g} s)"

    def _present(self, count: Count, series: str, result: ObjectiveResult) -> int | None:
        """The counted total, or None (and the reason) when the series is missing or NaN."""
        result.evidence.queries += count.queries
        result.evidence.series, result.evidence.reset_series = count.series, count.reset_series
        if count.nan:
            result.reason = f"no data: NaN samples in {series}"
            return None
        if not count.present:
            result.reason = f"no data: no series matches {series} in the window"
            return None
        return round(count.total)


def _declared_buckets(objective: Objective, place: Place, custom: bool) -> str:
    """Where a latency objective's buckets were declared (checked against at validation)."""
    if custom:
        return f"spec.slis.{objective.sli}.buckets"
    if objective.sli == "event_loop_lag":
        return "the target's event-loop lag buckets"
    if place is Place.SERVER:
        return "spec.metrics.buckets"
    return "the load generator's buckets"


def _reads_buckets(spec: SLOSpec, objective: Objective) -> bool:
    """Whether `objective` is counted from a histogram's buckets."""
    kind = promql.objective_kind(objective, set(spec.spec.slis))
    return kind in ("latency", "event_loop_lag") or _is_histogram(spec, objective)


def _is_histogram(spec: SLOSpec, objective: Objective) -> bool:
    custom: CustomSLI | None = spec.spec.slis.get(objective.sli)
    return custom is not None and custom.histogram is not None


def evaluate_spec(
    spec: SLOSpec,
    client: PrometheusClient,
    window: Window,
    scrape_interval_s: float | None = None,
    offered_rps: float | None = None,
    load_window: Window | None = None,
) -> list[ObjectiveResult]:
    """Every objective of `spec` at every place, over `window` (throughput over the part of it
    inside `load_window`, when the load's window is known)."""
    evaluator = Evaluator(
        client=client,
        window=window,
        scrape_interval_s=scrape_interval_s or spec.scrape_interval_s,
        period_s=spec.period_s,
        offered_rps=offered_rps,
        load_window=load_window,
    )
    return evaluator.evaluate(spec)
