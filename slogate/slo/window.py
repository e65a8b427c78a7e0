"""The window of a check: `--last 5m`, or `--since/--until` as RFC 3339 or relative (pure)."""

from __future__ import annotations

from datetime import datetime

from slogate.errors import UsageError
from slogate.slo.evaluate import Window
from slogate.slo.spec import parse_duration

FUTURE_SLACK_S = 1.0  # clocks of the caller and of Prometheus' host may differ a little


def parse_instant(text: str, now: float, option: str) -> float:
    """Unix seconds from RFC 3339 (`2026-01-02T03:04:05Z`), `now`, or a relative `15m` / `-15m`."""
    value = text.strip()
    if value == "now":
        return now
    try:
        return now - parse_duration(value.removeprefix("-"))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected RFC 3339 (2026-01-02T03:04:05Z), 'now' or a "
            "duration ago (15m)"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"{option} {text!r}: give a time zone (Z or +01:00)")
    return moment.timestamp()


def resolve_window(
    now: float, last: str | None = None, since: str | None = None, until: str | None = None
) -> Window:
    """The window the options describe (default: the last 5 minutes)."""
    if last is not None and (since is not None or until is not None):
        raise UsageError("--last cannot be combined with --since/--until")
    if last is not None or since is None:
        try:
            seconds = parse_duration(last or "5m")
        except ValueError as error:
            raise UsageError(f"--last: {error}") from None
        if seconds <= 0:
            raise UsageError(f"--last {last}: give a window longer than 0 (e.g. 5m)")
        return Window(start=now - seconds, end=now)
    start = parse_instant(since, now, "--since")
    end = parse_instant(until, now, "--until") if until is not None else now
    for option, moment in (("--since", start), ("--until", end)):
        if moment > now + FUTURE_SLACK_S:
            raise UsageError(
                f"{option}: {moment - now:.0f} s in the future; a window must have happened "
                "(give a time before now)"
            )
    if end <= start:
        raise UsageError(f"--until must be after --since (got a window of {end - start:g} s)")
    return Window(start=start, end=end)
