"""A gate resolved against its files: the profile, the SLO spec, experiments and planned phases."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from slogate.chaos.fault_modes import check_actions_fit, check_fault_mode
from slogate.chaos.validation import validate_experiment
from slogate.config import GateConfig, SlogateConfig
from slogate.errors import ConfigError, UsageError
from slogate.load.profiles import Profile, find_profile
from slogate.slo.spec import Objective, SLOSpec, load_spec


@dataclass(frozen=True)
class PlannedPhase:
    """A phase as planned, in seconds after the load starts."""

    name: str
    start_s: float
    end_s: float
    objectives: tuple[str, ...]
    experiment: str | None = None

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


@dataclass
class GatePlan:
    """Everything `slogate run` needs before it starts anything."""

    name: str
    gate: GateConfig
    config: SlogateConfig
    profile: Profile
    spec: SLOSpec
    slo_path: Path
    experiments: list[Path]
    loadtests_dir: Path
    phases: list[PlannedPhase] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.profile.total_duration_s

    def planned_requests(self, start_s: float, end_s: float) -> float:
        """Request starts the profile schedules between two offsets."""
        total, at = 0.0, 0.0
        for stage in self.profile.resolved_stages():
            low, high = max(at, start_s), min(at + stage.duration_s, end_s)
            if high > low:
                total += (high - low) * stage.rate
            at += stage.duration_s
        return total

    def stack_config(self) -> SlogateConfig:
        """slogate.yaml as the gate's stack runs it (the gate's `replicas` over the service's)."""
        if self.gate.replicas is None:
            return self.config
        service = self.config.service.model_copy(update={"replicas": self.gate.replicas})
        return self.config.model_copy(update={"service": service})

    def objective(self, name: str) -> Objective:
        for objective in self.spec.spec.objectives:
            if objective.name == name:
                return objective
        raise KeyError(name)


def _resolve(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def _experiment_path(base: Path, name: str, where: str, source: str, faults: str) -> Path:
    """The experiment's file, validated (Chaos Toolkit's checks, slogate's arguments, and
    its actions against the stack's fault mode)."""
    for candidate in (_resolve(base, name), base / "experiments" / f"{name}.yaml"):
        if candidate.is_file():
            try:
                check_actions_fit(validate_experiment(candidate), candidate, faults)
            except ConfigError as error:
                raise ConfigError(source, where, str(error)) from None
            return candidate.resolve()
    raise ConfigError(source, where, f"experiment {name!r} not found (a file or experiments/NAME)")


def plan_gate(config: SlogateConfig, name: str, loadtests_dir: Path | None = None) -> GatePlan:
    """Resolve gate `name`; ConfigError / UsageError naming the field when something is off."""
    source = config.source or "slogate.yaml"
    if name not in config.gates:
        known = ", ".join(sorted(config.gates)) or "none (add a `gates:` section)"
        raise UsageError(f"no gate named {name!r} in {source}; gates: {known}")
    gate = config.gates[name]
    base = config.base_dir
    here = f"gates.{name}"
    loadtests = loadtests_dir or base / "loadtests"
    named_at = (source, f"{here}.load.profile")
    profile = find_profile(gate.load.profile, loadtests, named_at=named_at).with_overrides(
        gate.load.rate, gate.load.duration_s
    )
    slo_path = _resolve(base, gate.slo)
    spec = load_spec(slo_path)
    names = {o.name for o in spec.spec.objectives}
    known = ", ".join(sorted(names))
    for phase, chosen in gate.objectives.by_phase().items():
        for objective in chosen:
            if objective not in names:
                raise ConfigError(
                    source, f"{here}.objectives.{phase}",
                    f"objective {objective!r} is not in {slo_path}; known: {known}",
                )  # fmt: skip
    if not any(gate.objectives.by_phase().values()):
        raise ConfigError(source, f"{here}.objectives", "at least one objective in some phase")
    if gate.time_to_recover is not None and gate.time_to_recover.objective not in names:
        raise ConfigError(source, f"{here}.time_to_recover.objective", f"one of {known}")
    for platform in sorted({config.platform, gate.platform}):
        check_fault_mode(config.faults, platform, source)
    experiments = [
        _experiment_path(
            base, e.experiment, f"{here}.experiments[{i}].experiment", source, config.faults
        )
        for i, e in enumerate(gate.experiments)
    ]
    plan = GatePlan(name, gate, config, profile, spec, slo_path, experiments, loadtests)
    plan.phases = planned_phases(plan, source)
    return plan


def planned_phases(plan: GatePlan, source: str) -> list[PlannedPhase]:
    """Warm-up, baseline, one fault phase per experiment, recovery (offsets from load start)."""
    gate, here = plan.gate, f"gates.{plan.name}"
    duration = plan.duration_s
    objectives = gate.objectives
    if gate.warmup_s >= duration:
        raise ConfigError(source, f"{here}.warmup_s", f"shorter than the load ({duration:g} s)")
    phases = [PlannedPhase("warm-up", 0.0, gate.warmup_s, ())]
    experiments = sorted(
        zip(gate.experiments, plan.experiments, strict=True), key=lambda e: e[0].at_s
    )
    first = experiments[0][0].at_s if experiments else duration
    if first < gate.warmup_s:
        raise ConfigError(
            source, f"{here}.experiments[0].at_s", f"at or after the warm-up ({gate.warmup_s:g} s)"
        )
    phases.append(PlannedPhase("baseline", gate.warmup_s, first, tuple(objectives.baseline)))
    previous_end = first
    seen: set[str] = set()
    for index, (experiment, path) in enumerate(experiments):
        if path.stem in seen:  # phases, ledger faults and reports are keyed by experiment
            raise ConfigError(
                source, f"{here}.experiments[{index}].experiment",
                f"{path.stem!r} once per gate (it is already listed); to repeat a fault, "
                "copy the experiment under another name",
            )  # fmt: skip
        seen.add(path.stem)
        if experiment.at_s < previous_end and index:
            raise ConfigError(
                source, f"{here}.experiments[{index}].at_s",
                f"after the previous fault ends ({previous_end:g} s); faults do not overlap",
            )  # fmt: skip
        end = experiment.at_s + experiment.fault_s
        phases.append(
            PlannedPhase("fault", experiment.at_s, end, tuple(objectives.fault), path.stem)
        )
        previous_end = end
    if experiments:
        needed = previous_end + gate.recovery_s
        if needed > duration + 1e-9:
            raise ConfigError(
                source, f"{here}.load.duration_s",
                f"at least {needed:g} s (last fault ends at {previous_end:g} s, then "
                f"recovery_s {gate.recovery_s:g} s); the load lasts {duration:g} s",
            )  # fmt: skip
        phases.append(PlannedPhase("recovery", previous_end, duration, tuple(objectives.recovery)))
    return phases
