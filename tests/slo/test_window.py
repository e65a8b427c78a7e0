"""The check window from --last / --since / --until (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slogate.errors import UsageError
from slogate.slo.window import resolve_window

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()

GOOD = [
    ("default: last 5 minutes", {}, (NOW - 300, NOW)),
    ("--last 1h", {"last": "1h"}, (NOW - 3600, NOW)),
    ("relative --since", {"since": "15m"}, (NOW - 900, NOW)),
    ("relative with a minus", {"since": "-15m", "until": "-5m"}, (NOW - 900, NOW - 300)),
    ("RFC 3339", {"since": "2026-01-02T02:04:05Z", "until": "2026-01-02T03:00:00+00:00"},
     (NOW - 3600, NOW - 245)),
    ("until now", {"since": "10s", "until": "now"}, (NOW - 10, NOW)),
]  # fmt: skip


@pytest.mark.parametrize(("options", "expected"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_resolve_window(options, expected):
    window = resolve_window(NOW, **options)
    assert (window.start, window.end) == pytest.approx(expected)


BAD = [
    ("--last with --since", {"last": "5m", "since": "10m"}, "cannot be combined"),
    ("not a time", {"since": "yesterday"}, "RFC 3339"),
    ("no time zone", {"since": "2026-01-02T02:04:05"}, "time zone"),
    ("end before start", {"since": "5m", "until": "10m"}, "after --since"),
    ("bad --last", {"last": "five minutes"}, "--last"),
    ("an empty --last", {"last": "0s"}, "--last 0s: give a window longer than 0"),
    ("--until in the future", {"since": "5m", "until": "2026-01-02T04:00:00Z"},
     r"--until: 3355 s in the future"),
    ("--since in the future", {"since": "2026-01-03T00:00:00Z"}, "--since: .* in the future"),
]  # fmt: skip


@pytest.mark.parametrize(("options", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_windows_are_usage_errors(options, message):
    with pytest.raises(UsageError, match=message):
        resolve_window(NOW, **options)
