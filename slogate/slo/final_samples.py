"""Waiting, after a load, for Prometheus' samples of its last counts.

Counts reach Prometheus at scrapes: a request answered at T is in the server's and the edge's
counters from T on, and in the load generator's from its final hand-over (its results are
written then); a scrape that starts at or after that moment reads them. The load generator's
client metrics stay up until one such scrape of them was answered
(`slogate.load.metrics_endpoint`), but the replicas and the edge are scraped at their own
offsets, up to a scrape interval later. A judge that asks Prometheus sooner counts the last
requests at the client and not at the server. So before judging, `await_final_samples`
waits until every judged target (`up{source=~"server|client|edge"}`) has a sample taken at
or after that moment, polling Prometheus (each query with a timeout) for at most two scrape
intervals and a second; then the judge goes on either way. A target whose latest sample is two
scrapes older than that moment went away before it (a killed pod) and is not waited for: the
evidence's holes tell of it, not this wait. The moment is the load generator's clock and the
stamps Prometheus' (on Kubernetes, federated: the cluster's): a clock skew between the two
makes the wait end early or late, never hang.
"""

from __future__ import annotations

import time

import httpx

from slogate.errors import SlogateError
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import Place

POLL_S = 0.05
SOURCES = "|".join(place.value for place in Place)
# a series whose latest sample is this many scrapes older than the moment waited for stopped
# before it (a replaced pod: federated samples keep their own stamps and get no staleness
# marker, so its series stays visible for 5 minutes): nothing to wait for
GONE_AFTER_SCRAPES = 2
# Prometheus stamps a sample with the scrape's start, in milliseconds: a scrape that reached
# the target just after the moment asked for may carry a stamp up to this much before it
TIMESTAMP_SLACK_S = 0.002


def await_final_samples(client: PrometheusClient, since: float, scrape_s: float) -> bool:
    """Wait until every judged target has a sample stamped at or after `since` (unix s);
    True when they had, False when the wait ended first (at most 2 scrapes + 1 s)."""
    deadline = time.monotonic() + 2 * scrape_s + 1
    live_since = since - GONE_AFTER_SCRAPES * scrape_s
    oldest_latest = f'min(timestamp(up{{source=~"{SOURCES}"}}) > {live_since:.3f})'
    while True:
        try:
            oldest = client.vector(oldest_latest, time.time())
            answered = True
        except (SlogateError, httpx.HTTPError):
            oldest, answered = [], False
        if answered and (not oldest or oldest[0].value >= since - TIMESTAMP_SLACK_S):
            return True  # every live target sampled since (or none is live: nothing to wait for)
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
