"""The search as it runs: the next step, the step run and judged, the reports rewritten after
every step (an interrupted search keeps what it measured), the conclusion at the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from slogate.capacity.report import write_reports
from slogate.capacity.search import Conclusion, SearchPlan, Step, conclude, next_step
from slogate.capacity.step import StackTarget, StepRecord, run_step
from slogate.slo.spec import SLOSpec


def run_search(
    target: StackTarget, spec: SLOSpec, plan: SearchPlan, warmup_s: float, folder: Path,
    required_rps: float, say: Callable[[str], None],
) -> tuple[list[StepRecord], Conclusion]:  # fmt: skip
    records: list[StepRecord] = []
    steps: list[Step] = []
    while (step := next_step(plan, steps)) is not None:
        say(f"step {len(steps) + 1}: {step.rate:.1f} req/s for {step.duration_s:g} s")
        run_dir = folder / f"step-{len(steps) + 1:02d}-{step.rate:.0f}rps"
        record = run_step(target, spec, step.rate, step.duration_s, warmup_s, run_dir)
        records.append(record)
        steps.append(Step(record.rate, record.duration_s, record.outcome, record.broken))
        say(f"  {record.outcome}" + (f": {', '.join(record.broken)}" if record.broken else ""))
        write_reports(folder, records, None, required_rps)
    found = conclude(plan, steps, required_rps)
    write_reports(folder, records, found, required_rps)
    return records, found
