"""A web UI session is judged over the union of the intervals in which load ran.

A real Prometheus over backfilled data holds two loads of 40 s with 60 idle seconds between
them (Locust's Stop pauses a session; Start resumes it): the reference load serves 100 req/s
without errors, the weakened one answers 3 % of its requests with a 5xx. The session judge
must count both intervals and nothing between them (its totals are the sum of `slogate check`'s
over each interval), judge throughput over the 80 s with load rather than the 140 s span,
PASS the reference alone and FAIL the session once the weakened interval is in it.
"""

from __future__ import annotations

import pytest

from slogate.load.live_slo import tab_rows
from slogate.load.session import LoadInterval, Session
from slogate.load.session_verdicts import SessionJudge, _throughput_not_judged
from slogate.slo.evaluate import Window, evaluate_spec, exit_code_of
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import SLOSpec
from slogate.slo.stats import Verdict
from tests.slo.backfill import SeriesData, backfilled_prometheus
from tests.slo.known_data import base_time

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slo-prometheus")]

LOADS = {"reference": (10, 50, 0), "weakened": (110, 150, 3)}  # start, end (t0 + s), 5xx/s
RATE = 100  # requests/s answered 2xx, and arrivals/s offered, in both loads
SETTLE_S = 3.0
SPEC = SLOSpec.model_validate(
    {
        "apiVersion": "slogate.dev/v1",
        "kind": "SLO",
        "metadata": {"name": "session"},
        "spec": {
            "service": "session",
            "objectives": [
                {"name": "error-rate-under-1pct", "sli": "availability", "target": 0.99,
                 "measured_at": ["server", "client"]},
                {"name": "served-what-was-offered", "sli": "throughput",
                 "min_share_of_offered": 0.95, "measured_at": ["server"]},
                {"name": "throughput-500rps", "sli": "throughput", "min_rps": 500,
                 "measured_at": ["server"]},
            ],
        },
    }
)  # fmt: skip


def _loaded(i: int, per_second: float, which: tuple[str, ...] = tuple(LOADS)) -> float:
    """A counter's value at t0 + i: `per_second` while the loads `which` ran, flat between."""
    return float(sum(per_second * min(max(i - LOADS[n][0], 0), LOADS[n][1] - LOADS[n][0])
                     for n in which))  # fmt: skip


def _data(t0: int) -> SeriesData:
    data = SeriesData()
    for source in ("server", "client"):
        labels = {"source": source, "method": "GET", "route": "/api/v1/organisations"}
        data.counter("http_requests_total", {**labels, "status_class": "2xx"}, t0,
                     lambda i: _loaded(i, RATE), 170)  # fmt: skip
        data.counter("http_requests_total", {**labels, "status_class": "5xx"}, t0,
                     lambda i: _loaded(i, 3, ("weakened",)), 170)  # fmt: skip
    data.counter("request_starts_total", {"source": "client"}, t0, lambda i: _loaded(i, RATE), 170)
    data.counter("request_starts_missed_total", {"source": "client"}, t0, lambda i: 0.0, 170)
    return data


@pytest.fixture(scope="module")
def prometheus():
    t0 = base_time()
    with backfilled_prometheus(_data(t0)) as server, PrometheusClient(server.url) as client:
        yield client, t0


def _session(t0: int, *names: str) -> Session:
    return Session(
        intervals=[LoadInterval(start=t0 + LOADS[n][0], end=t0 + LOADS[n][1]) for n in names]
    )


def _judge(client: PrometheusClient, session: Session, now: float) -> dict[tuple[str, str], object]:
    judge = SessionJudge(SPEC, scrape_interval_s=1.0)
    results = judge.judge(client, session.load_ran(now), session.counted(now, SETTLE_S))
    return {(r.objective, r.place): r for r in results}


def test_the_session_counts_both_intervals_and_nothing_between(prometheus):
    client, t0 = prometheus
    session = _session(t0, "reference", "weakened")
    results = _judge(client, session, now=t0 + 170)
    # slogate check over each interval on its own (with the same settling time)
    per_interval = [
        evaluate_spec(SPEC, client, Window(start=t0 + a, end=t0 + b + SETTLE_S))
        for a, b, _ in LOADS.values()
    ]
    for place in ("server", "client"):
        union = results["error-rate-under-1pct", place]
        parts = [next(r for r in found if r.objective == "error-rate-under-1pct"
                      and r.place == place) for found in per_interval]  # fmt: skip
        assert union.evidence.total == sum(p.evidence.total for p in parts) == 2 * 40 * RATE + 120
        assert union.evidence.bad == sum(p.evidence.bad for p in parts) == 120
    # served per second of load (80 s), not per second of the 140 s span (58 req/s)
    served = results["served-what-was-offered", "server"]
    assert served.verdict is Verdict.PASS, served.reason
    assert served.evidence.rate_rps == pytest.approx((2 * 40 * RATE + 120) / 80)
    assert "over the 80.0 s the load ran" in served.reason
    assert served.evidence.threshold == pytest.approx(0.95 * RATE)  # the offered 100 req/s


def test_the_weakened_interval_fails_the_session_the_reference_alone_passes(prometheus):
    client, t0 = prometheus
    alone = _judge(client, _session(t0, "reference"), now=t0 + 170)
    both = _judge(client, _session(t0, "reference", "weakened"), now=t0 + 170)
    for place in ("server", "client"):
        assert alone["error-rate-under-1pct", place].verdict is Verdict.PASS
        assert both["error-rate-under-1pct", place].verdict is Verdict.FAIL
    assert int(exit_code_of(list(alone.values()))) == 0
    assert int(exit_code_of(list(both.values()))) == 1


def test_a_throughput_the_session_did_not_offer_is_not_applicable(prometheus):
    client, t0 = prometheus
    result = _judge(client, _session(t0, "reference"), now=t0 + 170)["throughput-500rps", "server"]
    assert (result.verdict, result.gating) == (Verdict.INCONCLUSIVE, False)
    assert result.reason == (
        "n/a: the session offered 100.0 req/s, under the objective's 500; offer at least "
        "that to judge it"
    )
    closed_loop = _throughput_not_judged(SPEC.spec.objectives[1], None)
    assert closed_loop is not None and closed_loop.startswith("n/a: no offered rate")


def test_no_load_yet_is_inconclusive_and_the_tab_says_so(prometheus):
    client, t0 = prometheus
    results = _judge(client, Session(), now=t0 + 170)
    assert {r.verdict for r in results.values()} == {Verdict.INCONCLUSIVE}
    assert {r.reason for r in results.values()} == {"no load ran in this window"}
    rows = tab_rows(list(results.values()), list(results.values()), None, t0 + 170)
    assert rows[0]["session"] == "no load yet"
    assert [row["session"] for row in rows[1:]] == ["INCONCLUSIVE"] * 4


def test_the_tab_shows_verdicts_burn_and_budget(prometheus):
    client, t0 = prometheus
    session = _session(t0, "reference", "weakened")
    overall = list(_judge(client, session, now=t0 + 170).values())
    minute = list(_judge(client, _session(t0, "weakened"), now=t0 + 170).values())
    rows = tab_rows(overall, minute, session.counted(t0 + 170, SETTLE_S), t0 + 170)
    assert rows[0]["session"] == "load in 2 interval(s)"
    by_key = {(row["objective"], row["place"]): row for row in rows[1:]}
    server = by_key["error-rate-under-1pct", "server"]
    # 120 errors of 8,120: 1.48 % against 1 % allowed
    assert (server["session"], server["minute"]) == ("FAIL", "FAIL")
    assert server["burn"] == "1.48x"
    assert server["budget"] == "-48%"
    assert by_key["throughput-500rps (not gating)", "server"]["session"] == "n/a"
