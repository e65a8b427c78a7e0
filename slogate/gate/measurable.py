"""Objectives a platform cannot measure: reported as such, never dropped and never gating.

A platform declares the places whose SLIs do not exist on it (`Platform.cannot_measure`: on
Kubernetes the edge, whose HAProxy counters are absent because a Service routes, and the
client, when no Prometheus on this machine scrapes the load generator). A gate, and
`slogate check` of a stack, judge every objective at the places they can measure and report
each (objective, place) they cannot as INCONCLUSIVE, not gating, `measurable: false`, with
the platform's reason: summary.md, the HTML report and the terminal say "not measurable",
junit.xml marks the case skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from slogate.platform.base import Platform
from slogate.platform.state import StackState
from slogate.slo.evaluate import ObjectiveResult
from slogate.slo.spec import Place, SLOSpec
from slogate.slo.stats import Verdict

NOT_MEASURABLE = "not measurable"
Unmeasured = Mapping[str, str]  # place -> why the platform cannot measure it


def split_places(spec: SLOSpec, unmeasured: Unmeasured) -> tuple[SLOSpec, list[ObjectiveResult]]:
    """`spec` narrowed to the places that can be measured (an objective left with none goes),
    and a not-measurable result for every (objective, place) that cannot."""
    kept = []
    missing = []
    for objective in spec.spec.objectives:
        places = [p for p in objective.measured_at if p.value not in unmeasured]
        missing += [
            ObjectiveResult(
                objective=objective.name,
                sli=objective.sli,
                place=place.value,
                gating=False,
                verdict=Verdict.INCONCLUSIVE,
                reason=f"{NOT_MEASURABLE} on this platform: {unmeasured[place.value]}",
                measurable=False,
            )
            for place in objective.measured_at
            if place.value in unmeasured
        ]
        if places:
            kept.append(objective.model_copy(update={"measured_at": places}))
    narrowed = spec.model_copy(update={"spec": spec.spec.model_copy(update={"objectives": kept})})
    return narrowed, missing


def in_spec_order(spec: SLOSpec, results: list[ObjectiveResult]) -> list[ObjectiveResult]:
    """`results` in the order of the spec's objectives and each one's places."""
    order = {
        (o.name, p.value): (i, j)
        for i, o in enumerate(spec.spec.objectives)
        for j, p in enumerate(o.measured_at)
    }
    return sorted(results, key=lambda r: order.get((r.objective, r.place), (len(order), 0)))


def unmeasured_places(platform: Platform, state: StackState | None = None) -> dict[str, str]:
    """The places whose SLIs `platform` does not have for a stack in `state`, and why (its
    declared capability)."""
    why = {place.value: platform.cannot_measure(place.value, state) for place in Place}
    return {place: reason for place, reason in why.items() if reason is not None}
