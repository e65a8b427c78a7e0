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
intervals and a second; then the judge goes on either way (a target that went away is told by
the evidence's holes, not here).
"""

from __future__ import annotations

import time

import httpx

from slogate.errors import SlogateError
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import Place

POLL_S = 0.05
SOURCES = "|".join(place.value for place in Place)
OLDEST_LATEST_SAMPLE = f'min(timestamp(up{{source=~"{SOURCES}"}}))'
# Prometheus stamps a sample with the scrape's start, in milliseconds: a scrape that reached
# the target just after the moment asked for may carry a stamp up to this much before it
TIMESTAMP_SLACK_S = 0.002


def await_final_samples(client: PrometheusClient, since: float, scrape_s: float) -> bool:
    """Wait until every judged target has a sample stamped at or after `since` (unix s);
    True when they had, False when the wait ended first (at most 2 scrapes + 1 s)."""
    deadline = time.monotonic() + 2 * scrape_s + 1
    while True:
        try:
            oldest = client.vector(OLDEST_LATEST_SAMPLE, time.time())
        except (SlogateError, httpx.HTTPError):
            oldest = []
        if oldest and oldest[0].value >= since - TIMESTAMP_SLACK_S:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
