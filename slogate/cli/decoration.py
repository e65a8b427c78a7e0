"""Verdicts on a terminal: colour and a mark (✓ PASS, ✗ FAIL, ? INCONCLUSIVE) when the output
is a terminal and NO_COLOR is unset (https://no-color.org); the plain words in CI logs and
pipes, so a log stays greppable."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from slogate.slo.stats import Verdict

MARK = {Verdict.PASS: "✓", Verdict.FAIL: "✗", Verdict.INCONCLUSIVE: "?"}
COLOUR = {Verdict.PASS: "green", Verdict.FAIL: "red", Verdict.INCONCLUSIVE: "yellow"}


def decorated(stream: TextIO | None = None) -> bool:
    """True when `stream` (stdout) is a terminal and NO_COLOR is unset or empty."""
    target = stream if stream is not None else sys.stdout
    return target.isatty() and not os.environ.get("NO_COLOR")


def verdict_word(verdict: Verdict, decorate: bool) -> str:
    """`✗ FAIL` on a terminal, `FAIL` otherwise (no colour: callers style it)."""
    return f"{MARK[verdict]} {verdict.value}" if decorate else verdict.value
