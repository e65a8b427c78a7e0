"""The verdicts of a web UI session: every objective of the SLO file over the union of the
intervals in which load ran (or its part in the last minute), as a gate judges them
(`slogate.slo.evaluate`, through `UnionEvaluator`), with one difference for throughput.

A hand-driven session offers the rate its operator chose, so a throughput objective is judged
against the offered rate, the open model's scheduled arrivals (started plus missed) per second
of load: `min_share_of_offered` as usual; `min_rps` only when the session offered at least
that much. Otherwise, and when no offered rate is known (closed-loop users), it is "n/a":
INCONCLUSIVE and not gating, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from slogate.slo import promql
from slogate.slo.evaluate import ObjectiveResult
from slogate.slo.prometheus import PrometheusClient, PrometheusUnavailable
from slogate.slo.spec import Objective, Place, SLOSpec
from slogate.slo.stats import Verdict
from slogate.slo.union import UnionEvaluator, WindowUnion

NOT_APPLICABLE = "n/a: "
ARRIVALS = ("request_starts_total", "request_starts_missed_total")
HAND_OVER_S = 1.0  # the open model hands its counts to the metrics every second


def _result(objective: Objective, place: Place, reason: str, gating: bool) -> ObjectiveResult:
    return ObjectiveResult(
        objective=objective.name,
        sli=objective.sli,
        place=place.value,
        gating=gating,
        verdict=Verdict.INCONCLUSIVE,
        reason=reason,
    )


def unjudged(spec: SLOSpec, reason: str) -> list[ObjectiveResult]:
    """Every objective at every place INCONCLUSIVE for `reason` (no load, no Prometheus)."""
    return [
        _result(o, place, reason, o.is_gating())
        for o in spec.spec.objectives
        for place in o.measured_at
    ]


def offered_rate(evaluator: UnionEvaluator, ran: WindowUnion) -> float | None:
    """The open model's scheduled arrivals (all of them: counted with their settling time)
    per second of load; None without any."""
    matcher = promql.DEFAULT_PLACE_MATCHERS[Place.CLIENT]
    try:
        arrivals = sum(evaluator.count(promql.selector(name, matcher)).total for name in ARRIVALS)
    except PrometheusUnavailable:
        return None
    return arrivals / ran.seconds if arrivals > 0 and ran.seconds > 0 else None


def _throughput_not_judged(objective: Objective, offered: float | None) -> str | None:
    if offered is None:
        return (
            NOT_APPLICABLE + "no offered rate (closed-loop users, or no open-model load): "
            "throughput is judged against the rate an open-model profile offers"
        )
    if objective.min_rps is not None and offered < objective.min_rps:
        return (
            NOT_APPLICABLE + f"the session offered {offered:,.1f} req/s, under the objective's "
            f"{objective.min_rps:g}; offer at least that to judge it"
        )
    return None


@dataclass
class SessionJudge:
    """Judges a session's SLO file over the intervals in which its load ran."""

    spec: SLOSpec
    scrape_interval_s: float

    @property
    def settle_s(self) -> float:
        """How long after the load the last requests' counts may take to reach Prometheus:
        the load generator hands its counts over every second; two scrapes then read them."""
        return HAND_OVER_S + 2 * self.scrape_interval_s

    def judge(
        self, client: PrometheusClient, ran: WindowUnion | None, counted: WindowUnion | None
    ) -> list[ObjectiveResult]:
        """Counts over `counted` (the intervals with their settling time), throughput over
        `ran` (the intervals themselves), like a gate's phases and its load window."""
        if ran is None or counted is None:
            return unjudged(self.spec, "no load ran in this window")
        evaluator = UnionEvaluator(
            client=client,
            window=counted,
            scrape_interval_s=self.scrape_interval_s,
            period_s=self.spec.period_s,
            load_window=ran,
        )
        evaluator.offered_rps = offered_rate(evaluator, ran)
        custom = set(self.spec.spec.slis)
        results = []
        for objective in self.spec.spec.objectives:
            for place in objective.measured_at:
                reason = None
                if promql.objective_kind(objective, custom) == "throughput":
                    reason = _throughput_not_judged(objective, evaluator.offered_rps)
                if reason is not None:
                    results.append(_result(objective, place, reason, gating=False))
                else:
                    results.append(evaluator.evaluate_one(self.spec, objective, place))
        return results
