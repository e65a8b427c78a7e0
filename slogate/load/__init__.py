"""Load generation: profiles, the seeded arrival schedule, the Locust runner and its results.

profiles.py          the `loadtests/profiles.yaml` format (`Profile`, `find_profile`)
schedule.py          the seeded arrival schedule and each worker's share of it (pure)
actions.py           `Action`, `PreparedRequest`: the request mix a locustfile declares
tally.py             exact counts and HDR histograms, merged across processes
status.py            `status.json`, the progress snapshot (`LoadStatus`, `read_status`)
run_files.py         what the Locust process writes: status.json, tally.json
results.py           the run's summary (`LoadSummary`) from its tally
runner.py            Locust in a subprocess group (`LoadPlan`, `run_load`)
ui_session.py        `run_ui`: the web UI session, until finished, with its report
slo_tab.py           the SLO tab, a second locustfile inside Locust (gevent, Flask)
session.py           the session's files: intervals with load, the tab's rows
session_verdicts.py  judging a session over the union of its load intervals
live_slo.py          the tab's rows, refreshed in a thread of slogate's own process
session_report.py    the session's report (report.json/html, junit.xml, summary.md)
web_access.py        loopback by default; a login page beyond it
saturation.py        when the load generator cannot keep its schedule
client_metrics.py    the client metrics, from a tally
locust_options.py    the open model's Locust command-line options

Locust always runs in a subprocess. Nothing here imports gevent or locust except
`openmodel` (the dispatcher) and `metrics_endpoint` (its metrics server), which run inside
the Locust process: only a locustfile imports them, through `slogate.locust`; and `slo_tab`,
which Locust loads as a locustfile of its own.

The names below are imported when first asked for (slogate/lazy_exports.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slogate.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from slogate.load.actions import Action, PreparedRequest
    from slogate.load.profiles import Profile, Stage, find_profile
    from slogate.load.results import LoadSummary
    from slogate.load.runner import LoadPlan, run_load
    from slogate.load.status import LoadStatus, read_status
    from slogate.load.ui_session import run_ui

_MODULE_OF = {
    "Action": "actions",
    "LoadPlan": "runner",
    "LoadStatus": "status",
    "LoadSummary": "results",
    "PreparedRequest": "actions",
    "Profile": "profiles",
    "Stage": "profiles",
    "find_profile": "profiles",
    "read_status": "status",
    "run_load": "runner",
    "run_ui": "ui_session",
}

__all__ = [
    "Action",
    "LoadPlan",
    "LoadStatus",
    "LoadSummary",
    "PreparedRequest",
    "Profile",
    "Stage",
    "find_profile",
    "read_status",
    "run_load",
    "run_ui",
]


__getattr__ = lazy_exports(__name__, _MODULE_OF)
