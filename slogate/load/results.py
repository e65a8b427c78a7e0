"""The results of a load run, read from the tally the Locust process wrote (no gevent here).

`summarise` turns `tally.json` (read back as a `TallyFile`) into a `LoadSummary`: starts
against the seeded schedule, missed and late starts, completions, errors by kind, lossless
(HDR) percentiles of service time and of time from the intended start, the saturation flag
and, for stepped profiles with `break_when`, the breaking point. `write_results` puts the
summary, a percentiles table and the encoded HDR histograms into the run folder;
`read_load_window` reads back when a run's load ran (for `slogate check --load-run`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from slogate.errors import ConfigError, UsageError
from slogate.load.profiles import Profile
from slogate.load.run_files import TallyFile
from slogate.load.schedule import iter_arrivals
from slogate.load.tally import STATUS_CLASSES, TIMINGS, Tally
from slogate.slo.evaluate import Window

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
RATE_TOLERANCE = 0.05  # starts must reach 95 % of the schedule for the load to count


class Percentiles(BaseModel):
    count: int
    p50_ms: float | None
    p90_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    p99_9_ms: float | None
    max_ms: float | None


class StageSummary(BaseModel):
    stage: int
    rate: float
    duration_s: float
    scheduled: int
    starts: int
    missed: int
    late: int
    completed: int
    errors: int
    error_ratio: float | None
    intended: Percentiles
    broken: bool = False


class BreakingPoint(BaseModel):
    """The first broken stage of a profile with `break_when` (stage None: none broke), and
    who hit a limit first: the target or the load generator."""

    stage: int | None
    rate: float | None
    limited_by: Literal["target", "load_generator"] | None
    p95_ms: float | None = None
    error_ratio: float | None = None
    missed: int | None = None


class LoadSummary(BaseModel):
    """What `slogate load` writes to summary.json."""

    profile: str
    arrivals: str
    seed: int
    workers: int
    complete: bool = Field(description="false when the run was interrupted or Locust failed")
    duration_s: float | None
    started_at: float | None = Field(
        default=None, description="unix seconds of the first scheduled start"
    )
    ended_at: float | None = Field(
        default=None, description="unix seconds when the last answer was in (results written)"
    )
    scheduled: int = Field(description="starts in the seeded schedule")
    starts: int
    missed: int
    late: int
    late_after_ms: float
    late_share: float | None
    start_share: float | None = Field(description="starts / scheduled")
    offered_rate: float = Field(description="scheduled starts per second of the profile")
    achieved_rate: float | None = Field(description="starts per second of the profile")
    completed: int
    errors: int
    error_ratio: float | None
    responses: dict[str, int] = Field(
        description="answers by status class, set-up requests (e.g. discovering ids) included"
    )
    transport_errors: dict[str, int]
    latency: dict[str, Percentiles] = Field(description="service | intended")
    saturated: bool
    saturated_seconds: int
    stages: list[StageSummary]
    breaking_point: BreakingPoint | None = None
    problems: list[str] = Field(default_factory=list)


def _percentiles(tally: Tally, timing: str, stage: int | None = None) -> Percentiles:
    histogram = tally.histogram(timing, stage)
    count = int(histogram.get_total_count())
    if not count:
        return Percentiles(
            count=0, p50_ms=None, p90_ms=None, p95_ms=None, p99_ms=None, p99_9_ms=None, max_ms=None
        )
    values = histogram.get_percentile_to_value_dict(list(PERCENTILES))
    ms = [values[p] / 1000 for p in PERCENTILES]
    return Percentiles(
        count=count,
        p50_ms=ms[0],
        p90_ms=ms[1],
        p95_ms=ms[2],
        p99_ms=ms[3],
        p99_9_ms=ms[4],
        max_ms=histogram.get_max_value() / 1000,
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def summarise(run: TallyFile, profile: Profile, workers: int) -> LoadSummary:
    """The summary of one run from its tally file and the profile it ran."""
    tally = run.tally
    stages = profile.resolved_stages()
    scheduled_by_stage = [0] * len(stages)
    for arrival in iter_arrivals(stages, profile.arrivals, profile.seed):
        scheduled_by_stage[arrival.stage] += 1
    scheduled = sum(scheduled_by_stage)
    responses = dict.fromkeys(STATUS_CLASSES, 0)
    for (_, _, klass), count in tally.requests.items():
        responses[klass] = responses.get(klass, 0) + count
    starts, completed, errors = (
        tally.total("starts"),
        tally.total("completed"),
        tally.total("errors"),
    )
    stage_rows = []
    for index, stage in enumerate(stages):
        counts = tally.stage(index)
        row = StageSummary(
            stage=index,
            rate=stage.rate,
            duration_s=stage.duration_s,
            scheduled=scheduled_by_stage[index],
            starts=counts.starts,
            missed=counts.missed,
            late=counts.late,
            completed=counts.completed,
            errors=counts.errors,
            error_ratio=_ratio(counts.errors, counts.completed),
            intended=_percentiles(tally, "intended", index),
        )
        rules = profile.break_when
        if rules is not None:
            p95 = row.intended.p95_ms
            row.broken = bool(
                (rules.p95_ms is not None and p95 is not None and p95 > rules.p95_ms)
                or (
                    rules.error_ratio is not None
                    and row.error_ratio is not None
                    and row.error_ratio > rules.error_ratio
                )
                or row.missed > 0
            )
        stage_rows.append(row)
    started_at, ended_at = run.started_at, run.ended_at
    duration = profile.total_duration_s
    summary = LoadSummary(
        profile=profile.name,
        arrivals=profile.arrivals,
        seed=profile.seed,
        workers=workers,
        complete=run.complete,
        duration_s=(ended_at - started_at) if started_at and ended_at else None,
        started_at=started_at,
        ended_at=ended_at,
        scheduled=scheduled,
        starts=starts,
        missed=tally.total("missed"),
        late=tally.total("late"),
        late_after_ms=profile.late_after_ms,
        late_share=_ratio(tally.total("late"), starts),
        start_share=_ratio(starts, scheduled),
        offered_rate=scheduled / duration,
        achieved_rate=starts / duration,
        completed=completed,
        errors=errors,
        error_ratio=_ratio(errors, completed),
        responses=responses,
        transport_errors=dict(tally.transport_errors),
        latency={timing: _percentiles(tally, timing) for timing in TIMINGS},
        saturated=tally.saturated_seconds > 0,
        saturated_seconds=tally.saturated_seconds,
        stages=stage_rows,
    )
    summary.breaking_point = _breaking_point(summary) if profile.break_when else None
    summary.problems = _problems(summary)
    if run.error:
        summary.problems.insert(0, f"the load generator stopped: {run.error}")
    return summary


def _breaking_point(summary: LoadSummary) -> BreakingPoint:
    """The first broken stage and who hit a limit first: the target or the load generator."""
    for row in summary.stages:
        if row.broken:
            generator = summary.saturated or (row.late > 0.2 * max(row.starts, 1))
            return BreakingPoint(
                stage=row.stage,
                rate=row.rate,
                limited_by="load_generator" if generator else "target",
                p95_ms=row.intended.p95_ms,
                error_ratio=row.error_ratio,
                missed=row.missed,
            )
    return BreakingPoint(stage=None, rate=None, limited_by=None)


def _problems(summary: LoadSummary) -> list[str]:
    problems = []
    if not summary.complete:
        problems.append("the run did not complete: results are partial")
    if summary.saturated:
        problems.append(
            f"the load generator was saturated for {summary.saturated_seconds} s "
            "(CPU or sustained late starts): its measurements are not trustworthy"
        )
    if summary.start_share is not None and summary.start_share < 1 - RATE_TOLERANCE:
        problems.append(
            f"only {summary.starts} of {summary.scheduled} scheduled requests started "
            f"({summary.missed} missed: in-flight pool full)"
        )
    return problems


def percentiles_table(summary: LoadSummary) -> str:
    lines = [f"{'timing':<10}{'count':>10}" + "".join(f"{f'p{p:g}':>12}" for p in PERCENTILES)]
    lines[0] += f"{'max':>12}"
    for timing, row in summary.latency.items():
        values = [row.p50_ms, row.p90_ms, row.p95_ms, row.p99_ms, row.p99_9_ms, row.max_ms]
        cells = "".join(f"{'-' if v is None else f'{v:.3f}':>12}" for v in values)
        lines.append(f"{timing:<10}{row.count:>10}{cells}")
    return "\n".join(lines) + "\n(milliseconds, HDR histograms, 3 significant digits)\n"


def write_results(run_dir: Path, tally: Tally, summary: LoadSummary) -> None:
    """summary.json, latency-percentiles.txt and the encoded HDR histograms (one per timing)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "summary.json").write_text(summary.model_dump_json(indent=2))
    (run_dir / "latency-percentiles.txt").write_text(percentiles_table(summary))
    for timing in TIMINGS:
        encoded = tally.histogram(timing).encode().decode("ascii")
        (run_dir / f"latency-{timing}.hdr").write_text(encoded + "\n")


def read_load_window(run_dir: Path) -> Window:
    """When the load of the run in `run_dir` ran, from its summary.json: from the first
    scheduled start to the last answer (exit 2 naming the file and field when it cannot say)."""
    path = run_dir / "summary.json"
    try:
        summary = LoadSummary.model_validate_json(path.read_text())
    except OSError:
        raise UsageError(
            f"--load-run {run_dir}: no summary.json there; give the results folder that "
            "`slogate load` printed (results: ...)"
        ) from None
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise ConfigError(
            str(path), field, f"a load summary written by `slogate load` ({first['msg']})"
        ) from None
    if summary.started_at is None or summary.ended_at is None:
        missing = "started_at" if summary.started_at is None else "ended_at"
        raise ConfigError(
            str(path), missing,
            "when the load ran; the load never started, or an older slogate wrote this "
            "summary: re-run `slogate load`",
        )  # fmt: skip
    return Window(start=summary.started_at, end=summary.ended_at)
