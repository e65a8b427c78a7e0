"""An SLO probe waits for evidence on INCONCLUSIVE, never on FAIL (pure: a scripted judge over
a fake clock, since the point is the waiting rule; the live experiments run it for real)."""

from __future__ import annotations

from slogate.chaos.verdict_wait import judge_until_decided
from slogate.slo.evaluate import ObjectiveResult
from slogate.slo.stats import Verdict

P, F, U = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE  # U: undecided


class Script:
    """Answers the verdicts in order, one list per judgement; records the window ends."""

    def __init__(self, *rounds: list[Verdict]) -> None:
        self.rounds = list(rounds)
        self.ends: list[float] = []
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def judge(self, end: float) -> list[ObjectiveResult]:
        self.ends.append(end)
        verdicts = self.rounds.pop(0)
        return [
            ObjectiveResult(objective="o", sli="error_rate", place=f"p{i}", gating=True,
                            verdict=v, reason=v.value)
            for i, v in enumerate(verdicts)
        ]  # fmt: skip


def run(script: Script, wait_s: float = 8.0) -> tuple[list[Verdict], float]:
    results, waited = judge_until_decided(
        script.judge, wait_s=wait_s, step_s=1.0, clock=script.clock, sleep=script.sleep
    )
    return [r.verdict for r in results], waited


def test_a_pass_is_judged_once() -> None:
    script = Script([P])
    assert run(script) == ([P], 0.0)
    assert script.ends == [1000.0]


def test_a_fail_is_final_at_once_even_beside_an_inconclusive_place() -> None:
    script = Script([U, F])
    assert run(script) == ([U, F], 0.0)
    assert len(script.ends) == 1


def test_too_few_requests_wait_for_more_with_the_window_end_following_the_clock() -> None:
    """One stray error among 400 requests is INCONCLUSIVE; three scrapes later it is not."""
    script = Script([U], [U], [U], [P])
    assert run(script) == ([P], 3.0)
    assert script.ends == [1000.0, 1001.0, 1002.0, 1003.0]


def test_evidence_that_turns_into_a_breach_fails() -> None:
    script = Script([U], [F])
    assert run(script) == ([F], 1.0)


def test_still_inconclusive_after_wait_s_stays_inconclusive() -> None:
    script = Script(*([U] for _ in range(20)))
    verdicts, waited = run(script, wait_s=5.0)
    assert verdicts == [U] and waited == 5.0
    assert len(script.ends) == 6


def test_no_wait_judges_once() -> None:
    script = Script([U], [P])
    assert run(script, wait_s=0.0) == ([U], 0.0)
