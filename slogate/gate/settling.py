"""When a fault phase really ends, and how long it must last to be judged.

A replica kill or restart disrupts from the first fault applied until every replica serves
again: the ledger's fault ends when the supervisor restarts a killed replica or a restarted
one answers ready, but the edge routes to it only once its health check sees it (UP), and
Prometheus learns that a scrape later. So a fault phase with replica faults lasts at least
until the first scrape, at or after the ledger's end of those faults, where the edge reports
every server of its backend UP (`haproxy_server_status{state="UP"}`, evidence Prometheus
already has), plus one scrape interval. When the edge never gets there before the load ends,
the phase lasts until the load ends.

A fault phase shorter than its objectives need is then extended to the larger of 4 scrape
intervals, the time the planned rate takes to supply the requests a PASS needs
(`required_requests`, plus one scrape interval for scrape alignment) and, for a gate with
`detect: Nx`, the time in which the phase detects that burn with the promised power (the
pre-flight's figure, gate/detection.py); the recovery phase starts that much later. Every
change is a note in the report: a short phase is never silently inconclusive.

    edge_all_up_at   asks Prometheus (raw samples of the edge's server states)
    all_up_from, needed_seconds, extend_fault_phases   pure
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from slogate.chaos.ledger import Fault
from slogate.gate.detection import is_share, seconds_to_detect
from slogate.gate.phases import PhaseWindow
from slogate.gate.plan import GatePlan
from slogate.slo import promql
from slogate.slo.evaluate import MIN_SCRAPE_INTERVALS, Window
from slogate.slo.power import DETECTION_POWER
from slogate.slo.prometheus import PrometheusClient, RangeSeries
from slogate.slo.spec import Objective
from slogate.slo.stats import required_requests

# ledger kinds that take a replica out (its replacement must be ready and UP at the edge)
REPLICA_DISRUPTIONS = frozenset({"replica_kill", "replica_delete", "replica_restart"})
EDGE_SERVER_UP = promql.selector(
    "haproxy_server_status", 'source="edge"', promql.EDGE_BACKEND, 'state="UP"'
)


@dataclass(frozen=True)
class Need:
    """How long a phase must last to be judged, and why."""

    seconds: float
    why: str


def replicas_back_from(window: Window, faults: Sequence[Fault]) -> float | None:
    """When the last replica kill or restart applied inside `window` ended in the ledger
    (the window's end for one still open); None when there was none."""
    ends = [
        f.ended_at if f.ended_at is not None else window.end
        for f in faults
        if f.kind in REPLICA_DISRUPTIONS
        and window.start <= (f.applied_at or f.intended_at) <= window.end
    ]
    return max(ends) if ends else None


def all_up_from(servers: Sequence[RangeSeries], after: float) -> float | None:
    """The first sample time at or after `after` when every server's latest sample says UP
    (1); None when there is no such time (or no server)."""
    if not servers:
        return None
    ordered = [sorted(server.samples) for server in servers]
    for t in sorted({t for samples in ordered for t, _ in samples if t >= after}):
        latest = [[value for at, value in samples if at <= t] for samples in ordered]
        if all(values and values[-1] == 1 for values in latest):
            return t
    return None


def edge_all_up_at(
    client: PrometheusClient, after: float, until: float, scrape_s: float
) -> float | None:
    """When the edge was first seen with every replica UP at or after `after` (by `until`)."""
    span = max(until - after, 0.0) + 2 * scrape_s
    servers = client.matrix(f"{EDGE_SERVER_UP}[{promql.duration(span)}]", until)
    return all_up_from(servers, after)


def needed_seconds(plan: GatePlan, phase: PhaseWindow, offset_s: float, scrape_s: float) -> Need:
    """The shortest judgeable length of `phase` (starting `offset_s` after the load started):
    4 scrape intervals, or longer when a gating share objective needs more requests than the
    planned rate supplies in that time (then plus one scrape interval)."""
    shortest = MIN_SCRAPE_INTERVALS * scrape_s
    need = Need(shortest, f"{MIN_SCRAPE_INTERVALS} scrape intervals")
    remaining = plan.duration_s - offset_s
    rate = plan.planned_requests(offset_s, plan.duration_s) / remaining if remaining > 0 else 0.0
    for name in phase.objectives:
        objective = plan.objective(name)
        if objective.target is None or not objective.is_gating() or rate <= 0:
            continue
        required = required_requests(objective.target)
        # plus one scrape: counts are read at scrapes, which need not align with the window
        seconds = math.ceil((required / rate + scrape_s) * 10) / 10
        if seconds > need.seconds:
            why = f"the {required:,} requests a PASS of {name} needs at {rate:g} req/s"
            need = Need(seconds, why)
        detect = _seconds_to_detect(plan, objective, rate, scrape_s)
        if detect is not None and detect > need.seconds:
            why = (
                f"the requests in which {name} detects the gate's `detect: "
                f"{plan.gate.detect:g}x` with {DETECTION_POWER * 100:.0f} % power at {rate:g} req/s"
            )
            need = Need(float(detect), why)
    return need


def _seconds_to_detect(
    plan: GatePlan, objective: Objective, rate: float, scrape_s: float
) -> int | None:
    """How long a phase must last for the gate's `detect:` promise to hold (None: no such
    promise for this objective)."""
    burn = plan.gate.detect
    if burn is None or not is_share(objective) or burn * objective.allowed_bad_share >= 1:
        return None
    allowed = objective.allowed_bad_share
    return seconds_to_detect(rate, scrape_s, burn * allowed, allowed)


def extend_fault_phases(
    windows: Sequence[PhaseWindow],
    settled_at: Mapping[str, float | None],
    needs: Mapping[str, Need],
    load_end: float,
    scrape_s: float,
) -> tuple[list[PhaseWindow], list[str]]:
    """The windows with each fault phase ended where its replicas were back (`settled_at`,
    by label: when the edge saw every replica UP; None: never) plus one scrape, then
    lengthened to its need; the next phase starts where the previous one now ends. Notes say
    what changed."""
    result: list[PhaseWindow] = []
    notes: list[str] = []
    floor = -math.inf  # where the previous phase now ends
    for index, phase in enumerate(windows):
        start = max(phase.window.start, floor)
        end = max(phase.window.end, start)
        if phase.in_fault:
            following = [w.window.start for w in windows[index + 1 :] if w.in_fault]
            limit = (
                (following[0], "the next fault started")
                if following
                else (load_end, "the load ended")
            )
            settled = settled_at.get(phase.label, -math.inf)  # absent: no replica to wait for
            over, end, said = _fault_end(phase, start, end, settled, needs, limit, scrape_s)
            notes += said
            if over < end:
                phase = replace(phase, faults_over=over)
        if (start, end) != (phase.window.start, phase.window.end):
            phase = replace(phase, window=Window(start=start, end=end))
        result.append(phase)
        floor = end if phase.in_fault else floor
    return result, notes


def _fault_end(
    phase: PhaseWindow,
    start: float,
    end: float,
    settled: float | None,
    needs: Mapping[str, Need],
    limit: tuple[float, str],
    scrape_s: float,
) -> tuple[float, float, list[str]]:
    """When one fault phase's disruption was over, where the phase ends (later when its
    objectives need more requests), and the notes saying why it moved."""
    notes = []
    label, (latest, what) = phase.label, limit
    if settled is None:
        end = latest
        notes.append(
            f"{label}: the edge did not see every replica UP again before {what}; the phase "
            "lasts until then"
        )
    elif settled + scrape_s > end:
        end = min(settled + scrape_s, latest)
        notes.append(
            f"{label}: lasts {end - start:.1f} s, until every replica was ready and UP at the "
            f"edge again plus one scrape ({end - phase.window.end:.1f} s longer than the "
            "ledger's faults)"
        )
    over, need = end, needs.get(label)
    if need is not None and end - start < need.seconds:
        extended = min(start + need.seconds, latest)
        notes.append(
            f"{label}: its faults were over after {end - start:.1f} s, shorter than its "
            f"objectives need; extended to {extended - start:.1f} s ({need.why}); the next "
            "phase starts that much later"
        )
        end = extended
    return over, end, notes


def settle_fault_phases(
    plan: GatePlan,
    client: PrometheusClient,
    windows: Sequence[PhaseWindow],
    faults: Sequence[Fault],
    load_start: float,
    load_end: float,
    scrape_s: float,
    edge: bool = True,
) -> tuple[list[PhaseWindow], list[str]]:
    """Every fault phase ended where the evidence says its faults were over (see above).
    Without an `edge` (a platform that has none) a phase ends where the ledger's faults end."""
    settled: dict[str, float | None] = {}
    needs: dict[str, Need] = {}
    for phase in windows:
        if not phase.in_fault:
            continue
        back = replicas_back_from(phase.window, faults)
        if back is not None and edge:
            settled[phase.label] = edge_all_up_at(client, back, load_end, scrape_s)
        needs[phase.label] = needed_seconds(plan, phase, phase.window.start - load_start, scrape_s)
    return extend_fault_phases(windows, settled, needs, load_end, scrape_s)
