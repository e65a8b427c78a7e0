"""What a capacity search judges, with which load, against which rate: from a gate of
slogate.yaml (`slogate capacity GATE`) or from the command line's --slo and --profile.

With a GATE: the gate's profile, its warm-up, its SLO file narrowed to the objectives the gate
names (in any phase; a step judges their gating availability and latency objectives), the
required rate from the throughput objectives among them, and the gate's stack settings (the
search brings that stack up itself). Without: the SLO file's every objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slogate.capacity.step import constant_profile
from slogate.config import SlogateConfig
from slogate.errors import UsageError
from slogate.gate.plan import plan_gate
from slogate.load.profiles import Profile, find_profile
from slogate.slo.spec import SLOSpec, load_spec


@dataclass(frozen=True)
class CapacitySetup:
    spec: SLOSpec  # the objectives that count (a step judges their gating share objectives)
    profile: Profile  # one constant rate; each step overrides its rate and duration
    loadtests: Path
    warmup_s: float
    required_rps: float
    stack_config: SlogateConfig | None = None  # a GATE: the stack the search brings up
    seed: bool = False


def required_rate(spec: SLOSpec, require: float | None) -> float:
    """--require, else the highest `min_rps` of the spec's throughput objectives."""
    if require is not None:
        return require
    rates = [o.min_rps for o in spec.spec.objectives if o.min_rps is not None]
    if not rates:
        raise UsageError(
            f"{spec.metadata.name}: no throughput objective with min_rps; give --require R"
        )
    return max(rates)


def from_options(
    slo_file: Path, profile: str, loadtests: Path, warmup_s: float, require: float | None
) -> CapacitySetup:
    spec = load_spec(slo_file)
    required = required_rate(spec, require)
    chosen = constant_profile(find_profile(profile, loadtests))
    return CapacitySetup(spec, chosen, loadtests, warmup_s, required)


def from_gate(
    config: SlogateConfig, gate: str, warmup_s: float | None, require: float | None
) -> CapacitySetup:
    plan = plan_gate(config, gate)
    named = {name for names in plan.gate.objectives.by_phase().values() for name in names}
    spec = plan.spec.only(lambda o: o.name in named)
    if require is None and not any(o.min_rps is not None for o in spec.spec.objectives):
        raise UsageError(
            f"gate {gate!r} names no throughput objective with min_rps; give --require R"
        )
    return CapacitySetup(
        spec=spec,
        profile=constant_profile(plan.profile),
        loadtests=plan.loadtests_dir,
        warmup_s=plan.gate.warmup_s if warmup_s is None else warmup_s,
        required_rps=required_rate(spec, require),
        stack_config=plan.stack_config(),
        seed=plan.gate.seed,
    )
