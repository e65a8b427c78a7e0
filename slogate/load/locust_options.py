"""The open model's Locust command-line (and web UI) options; no gevent, no locust import."""

from __future__ import annotations

from typing import Any

from slogate.load.profiles import DEFAULT_LOADTESTS


def add_arguments(parser: Any) -> None:
    """Locust command-line (and web UI) options of the open model."""
    group = parser  # Locust's parser understands include_in_web_ui (its groups do not)
    group.add_argument("--load-profile", default="smoke", help="slogate load profile name")
    group.add_argument("--loadtests-dir", default=str(DEFAULT_LOADTESTS), include_in_web_ui=False)
    group.add_argument("--profile-rate", type=float, default=0.0, help="override rate (0: none)")
    group.add_argument("--profile-duration", type=float, default=0.0, help="override (0: none)")
    group.add_argument("--profile-seed", type=int, default=-1, help="override seed (-1: none)")
    group.add_argument("--run-dir", default="", include_in_web_ui=False)
    group.add_argument("--client-metrics-port", type=int, default=0, include_in_web_ui=False)
    group.add_argument("--client-metrics-host", default="127.0.0.1", include_in_web_ui=False)
    group.add_argument("--metrics-linger", type=float, default=10.0, include_in_web_ui=False)
    group.add_argument("--worker-count", type=int, default=1, include_in_web_ui=False)
    group.add_argument("--start-when-file", default="", include_in_web_ui=False)
