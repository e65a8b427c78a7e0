"""Exit codes from verdicts (pure)."""

from __future__ import annotations

import pytest

from slogate.errors import ExitCode
from slogate.slo.evaluate import Evidence, ObjectiveResult, exit_code_of
from slogate.slo.stats import Verdict

P, F, N = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE


def result(verdict: Verdict, gating: bool = True, name: str = "o") -> ObjectiveResult:
    return ObjectiveResult(
        objective=name, sli="availability", place="server", gating=gating, verdict=verdict,
        reason=f"{verdict.value} because", evidence=Evidence(queries=["sum(x)"]),
    )  # fmt: skip


CODES = [
    ("all pass", [P, P], ExitCode.OK),
    ("a breach beats an inconclusive neighbour", [P, N, F], ExitCode.BREACHED),
    ("inconclusive is never OK", [P, N], ExitCode.INCONCLUSIVE),
    ("nothing to judge", [], ExitCode.OK),
]


@pytest.mark.parametrize(("verdicts", "code"), [c[1:] for c in CODES], ids=[c[0] for c in CODES])
def test_exit_code_of(verdicts, code):
    assert exit_code_of([result(v) for v in verdicts]) is code


def test_non_gating_results_never_set_the_exit_code():
    assert (
        exit_code_of(
            [
                result(P),
                result(F, gating=False),
                result(N, gating=False),
            ]
        )
        is ExitCode.OK
    )
