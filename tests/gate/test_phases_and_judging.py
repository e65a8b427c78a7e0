"""Phase windows, client-vs-server comparison and time to recover, as pure functions over
named scenarios (the Prometheus-facing halves are exercised by the gate's end-to-end runs)."""

from __future__ import annotations

import pytest

from slogate.chaos.ledger import Fault, FaultEvent, Rollback
from slogate.config import PhaseObjectives
from slogate.gate.phases import ExperimentSpan, PhaseWindow, fault_label, phase_windows
from slogate.gate.verdicts import compare_counts, first_recovery, judge_recovery
from slogate.report.model import Recovery
from slogate.slo.evaluate import Window
from slogate.slo.stats import Verdict

T0 = 1_800_000_000.0
OBJECTIVES = PhaseObjectives(baseline=["availability"], fault=["errors"], recovery=["p95"])


def fault(experiment: str | None, intended: float, applied: float | None, ended: float | None):
    return Fault(
        fault_id=f"f{intended:g}", run_id="r", kind="replica_kill", target="replica-0",
        state=FaultEvent.ROLLED_BACK if ended else FaultEvent.APPLIED, intended_at=intended,
        applied_at=applied, ended_at=ended, expires_at=intended + 60, rollback=None,
        experiment=experiment,
    )  # fmt: skip


def labels(windows: list[PhaseWindow]) -> list[tuple[str, float, float]]:
    return [(w.label, w.window.start - T0, w.window.end - T0) for w in windows]


KILL = ExperimentSpan("0-pod-kill", "pod-kill", T0 + 20, T0 + 30)
LATER = ExperimentSpan("1-latency", "latency", T0 + 24, T0 + 50)

WINDOW_SCENARIOS = {
    "no chaos: one baseline after the warm-up": ([], [], [("baseline", 5, 60)]),
    "a fault from the ledger, matched by id": (
        [KILL], [fault("0-pod-kill", T0 + 21, T0 + 21.5, T0 + 24.5)],
        [("baseline", 5, 21.5), ("fault:pod-kill", 21.5, 24.5), ("recovery", 24.5, 60)],
    ),
    "another experiment's fault at the same moment is not ours": (
        [KILL, LATER],
        [fault("0-pod-kill", T0 + 21, T0 + 21.5, T0 + 24.5),
         fault("1-latency", T0 + 21, T0 + 25, T0 + 45)],
        [("baseline", 5, 21.5), ("fault:pod-kill", 21.5, 24.5), ("fault:latency", 25, 45),
         ("recovery", 45, 60)],
    ),
    "a self-healing fault without ledger entries: the experiment's span": (
        [KILL], [fault(None, T0 + 21, T0 + 21, T0 + 22)],
        [("baseline", 5, 20), ("fault:pod-kill", 20, 30), ("recovery", 30, 60)],
    ),
    "a fault still open when the load ended is clipped": (
        [KILL], [fault("0-pod-kill", T0 + 21, None, None)],
        [("baseline", 5, 21), ("fault:pod-kill", 21, 30), ("recovery", 30, 60)],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WINDOW_SCENARIOS))
def test_phase_windows(name: str) -> None:
    experiments, faults, expected = WINDOW_SCENARIOS[name]
    windows = phase_windows(T0, T0 + 60, 5.0, OBJECTIVES, experiments, faults)
    assert labels(windows) == expected
    assert [w.objectives for w in windows] == [
        {"baseline": ("availability",), "fault": ("errors",), "recovery": ("p95",)}[w.kind]
        for w in windows
    ]


def test_no_windows_without_a_load() -> None:
    assert phase_windows(None, None, 5.0, OBJECTIVES, [KILL], []) == []
    assert phase_windows(T0, None, 5.0, OBJECTIVES, [], []) == []


def test_a_run_cut_short_in_its_warm_up_has_an_empty_baseline() -> None:
    assert labels(phase_windows(T0, T0 + 3, 5.0, OBJECTIVES, [], [])) == [("baseline", 3, 3)]


def network_chaos(applied: float, ttl_s: float, rolled_back: float) -> Fault:
    delay = fault("1-latency", T0 + applied - 0.5, T0 + applied, T0 + rolled_back)
    return delay.model_copy(update={
        "kind": "network_delay", "expires_at": T0 + applied + ttl_s,
        "rollback": Rollback(via="chaos_mesh", ttl_at_injector=False),
    })  # fmt: skip


def test_a_network_chaos_fault_phase_ends_at_its_duration_not_at_a_later_rollback() -> None:
    """Chaos Mesh ends a NetworkChaos at its `duration` though the object stays until the
    rollback deletes it: the fault phase ends at the expiry, or at a rollback before it."""
    late = phase_windows(T0, T0 + 60, 5.0, OBJECTIVES, [LATER], [network_chaos(25, 10, 48)])
    assert labels(late)[1:] == [("fault:latency", 25, 35), ("recovery", 35, 60)]
    early = phase_windows(T0, T0 + 60, 5.0, OBJECTIVES, [LATER], [network_chaos(25, 30, 40)])
    assert labels(early)[1:] == [("fault:latency", 25, 40), ("recovery", 40, 60)]
    scaled = fault("1-latency", T0 + 24.5, T0 + 25, T0 + 48).model_copy(update={
        "expires_at": T0 + 35, "rollback": Rollback(via="kubernetes_scale", ttl_at_injector=False),
    })  # fmt: skip
    kept = phase_windows(T0, T0 + 60, 5.0, OBJECTIVES, [LATER], [scaled])  # nothing ends it
    assert labels(kept)[1:] == [("fault:latency", 25, 48), ("recovery", 48, 60)]


def test_the_fault_label_is_built_in_one_place() -> None:
    assert fault_label("pod-kill") == "fault:pod-kill"


BASELINE = PhaseWindow("baseline", "baseline", Window(start=T0, end=T0 + 30), ("a",))
IN_FAULT = PhaseWindow("fault:kill", "fault", Window(start=T0, end=T0 + 5), ("a",), "kill")


def counts(client: int | None, server: int | None, c_err: int = 0, s_err: int = 0):
    return {
        "client_total": client, "client_errors": c_err, "server_total": server,
        "server_errors": s_err, "edge_total": server, "edge_errors": s_err,
    }  # fmt: skip


# name -> (phase, counts, agrees, note fragment or None, harness suspect)
COMPARISONS = {
    "equal counts": (BASELINE, counts(3000, 3000), True, None, False),
    "within the scrape slack": (BASELINE, counts(3000, 3180), True, None, False),
    "beyond tolerance and slack": (BASELINE, counts(2000, 3000), False, "harness problem", True),
    "a missing count decides nothing": (BASELINE, counts(None, 3000), None, None, False),
    "errors only the client saw in a fault": (
        IN_FAULT, counts(500, 480, c_err=24, s_err=0), True, "24 client errors the server never",
        False,
    ),
    "a gap inside a fault is expected": (IN_FAULT, counts(500, 200), False, None, False),
    "the harness note says what the tolerance is made of": (
        BASELINE, counts(2000, 3000), False,
        "tolerance 8.3%: 5 % outside traffic + 3.3 % scrape alignment", True,
    ),
    "errors the edge retried are said beside the counts": (
        BASELINE, {**counts(3000, 3024, c_err=2, s_err=24), "edge_total": 3000, "edge_errors": 2},
        True, "baseline: the edge retried 22 of the server's 24 errors on another replica: the "
        "client saw 2, the edge 2", False,
    ),
    "a few more errors at the server than the client is not a retry story": (
        BASELINE, {**counts(3000, 3003, c_err=2, s_err=3), "edge_errors": 2}, True, None, False,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_client_server_comparison(name: str) -> None:
    phase, found, agrees, note, suspect = COMPARISONS[name]
    # 5 % tolerance; 2 scrapes of 1 s at 50 req/s of slack
    comparison, said, harness = compare_counts(phase, found, 0.05, 50.0, 1.0)
    assert comparison.agrees is agrees
    assert harness is suspect
    assert (said is None) == (note is None)
    if note is not None:
        assert note in (said or "")


def test_recovery_is_the_first_sustained_window_within_objective() -> None:
    back_from = T0 + 7
    start = first_recovery(T0, 10.0, T0 + 60, lambda window: window.start >= back_from)
    assert start == back_from
    assert first_recovery(T0, 10.0, T0 + 60, lambda window: False) is None
    assert first_recovery(T0, 10.0, T0 + 9, lambda window: True) is None  # no room for 10 s


@pytest.mark.parametrize(
    ("recovered_after", "load_left", "verdict"),
    [(3.0, 60.0, Verdict.PASS), (12.0, 60.0, Verdict.FAIL), (None, 60.0, Verdict.FAIL),
     (None, 15.0, Verdict.INCONCLUSIVE)],
)  # fmt: skip
def test_time_to_recover_is_judged_against_its_objective(recovered_after, load_left, verdict):
    recovery = Recovery(
        fault_id="fault:kill", kind="kill", objective="availability", fault_ended=T0,
        recovered_at=None if recovered_after is None else T0 + recovered_after, sustained_s=10,
    )  # fmt: skip
    judge_recovery(recovery, 10.0, T0 + load_left)
    assert recovery.verdict is verdict
    assert "objective: within 10 s" in recovery.reason
