"""Load profiles: the named, declarative shapes of an open-model load test.

Profiles live in `loadtests/profiles.yaml` (a `profiles:` mapping) and in any
`loadtests/profiles/*.yaml` file of the same form, so a team adds its own without editing
the shipped ones. A profile has either one `rate` over `duration_s` or a list of `stages`,
each with its own duration and rate (steps, spikes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from slogate.errors import ConfigError, UsageError
from slogate.yaml_files import read_yaml

DEFAULT_LOADTESTS = Path("loadtests")


class Stage(BaseModel):
    """A stretch of constant arrival rate."""

    model_config = ConfigDict(extra="forbid")

    duration_s: float = Field(gt=0, le=86_400, description="length of the stage in seconds")
    rate: float = Field(gt=0, le=100_000, description="request starts per second")


class BreakWhen(BaseModel):
    """Objectives that mark a stage as broken (for the breaking point of a stepped profile)."""

    model_config = ConfigDict(extra="forbid")

    p95_ms: float | None = Field(default=None, gt=0)
    error_ratio: float | None = Field(default=None, ge=0, le=1)


class Profile(BaseModel):
    """One named load profile (see loadtests/profiles.yaml for the fields)."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str = ""
    duration_s: float | None = Field(default=None, gt=0, le=86_400)
    rate: float | None = Field(default=None, gt=0, le=100_000)
    stages: list[Stage] | None = None
    arrivals: Literal["uniform", "poisson"] = "uniform"
    seed: int = 1
    max_in_flight: int = Field(default=1000, ge=1, le=20_000)
    late_after_ms: float = Field(default=10.0, gt=0)
    request_timeout_s: float = Field(default=10.0, gt=0, le=300)
    break_when: BreakWhen | None = None

    @model_validator(mode="after")
    def _rate_or_stages(self) -> Profile:
        constant = self.rate is not None or self.duration_s is not None
        if self.stages is not None and constant:
            raise ValueError("give either `rate` and `duration_s`, or `stages`, not both")
        if self.stages is None and (self.rate is None or self.duration_s is None):
            raise ValueError("give `rate` and `duration_s` (or a list of `stages`)")
        if self.stages is not None and not self.stages:
            raise ValueError("`stages` needs at least one stage")
        return self

    def resolved_stages(self) -> list[Stage]:
        """The profile as stages (a constant profile is one stage)."""
        if self.stages is not None:
            return list(self.stages)
        assert self.rate is not None and self.duration_s is not None
        return [Stage(duration_s=self.duration_s, rate=self.rate)]

    @property
    def total_duration_s(self) -> float:
        return sum(stage.duration_s for stage in self.resolved_stages())

    @property
    def peak_rate(self) -> float:
        return max(stage.rate for stage in self.resolved_stages())

    @property
    def planned_requests(self) -> float:
        """Expected number of request starts (exact for uniform arrivals)."""
        return sum(stage.rate * stage.duration_s for stage in self.resolved_stages())

    def with_overrides(
        self, rate: float | None = None, duration_s: float | None = None, seed: int | None = None
    ) -> Profile:
        """A copy with `--rate`, `--duration`, `--seed` applied.

        On a staged profile `rate` scales every stage so the peak equals it, and `duration_s`
        scales every stage's length so they add up to it (the shape is kept).
        """
        if rate is not None and rate <= 0:
            raise UsageError(f"--rate must be positive, got {rate}")
        if duration_s is not None and duration_s <= 0:
            raise UsageError(f"--duration must be positive, got {duration_s}")
        update: dict[str, object] = {}
        if seed is not None:
            update["seed"] = seed
        if self.stages is None:
            if rate is not None:
                update["rate"] = rate
            if duration_s is not None:
                update["duration_s"] = duration_s
        else:
            rate_factor = rate / self.peak_rate if rate is not None else 1.0
            time_factor = duration_s / self.total_duration_s if duration_s is not None else 1.0
            update["stages"] = [
                Stage(duration_s=s.duration_s * time_factor, rate=s.rate * rate_factor)
                for s in self.stages
            ]
        return self.model_copy(update=update)


def profile_files(loadtests: Path = DEFAULT_LOADTESTS) -> list[Path]:
    """`loadtests/profiles.yaml` and `loadtests/profiles/*.yaml` that exist, in order."""
    files = [loadtests / "profiles.yaml"] if (loadtests / "profiles.yaml").is_file() else []
    folder = loadtests / "profiles"
    if folder.is_dir():
        files += sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    return files


def _field_path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location)


def load_profile_file(path: Path) -> dict[str, Profile]:
    """The profiles of one file; a ConfigError naming the file and field when invalid."""
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("profiles"), dict):
        raise ConfigError(str(path), "profiles", "expected a mapping `profiles: {NAME: {...}}`")
    profiles: dict[str, Profile] = {}
    for name, body in document["profiles"].items():
        if not isinstance(body, dict):
            raise ConfigError(str(path), f"profiles.{name}", "expected a mapping of fields")
        try:
            profiles[str(name)] = Profile.model_validate({**body, "name": str(name)})
        except ValidationError as error:
            first = error.errors()[0]
            field = _field_path(("profiles", str(name), *first["loc"]))
            raise ConfigError(str(path), field, first["msg"]) from None
    return profiles


def load_profiles(files: list[Path]) -> dict[str, Profile]:
    """All profiles of `files`; a name defined twice is an error naming both files."""
    profiles: dict[str, Profile] = {}
    origin: dict[str, Path] = {}
    for path in files:
        for name, profile in load_profile_file(path).items():
            if name in profiles:
                raise ConfigError(
                    str(path), f"profiles.{name}", f"profile already defined in {origin[name]}"
                )
            profiles[name] = profile
            origin[name] = path
    return profiles


def find_profile(
    name: str,
    loadtests: Path = DEFAULT_LOADTESTS,
    extra_file: Path | None = None,
    named_at: tuple[str, str] | None = None,
) -> Profile:
    """The profile called `name` from the loadtests folder (and `extra_file`, if given).

    `named_at` (file, field), e.g. (slogate.yaml, "gates.smoke.load.profile"): where the name
    was given; errors then name that file and field (ConfigError) instead of the command line.
    """
    files = profile_files(loadtests)
    if extra_file is not None:
        files.append(extra_file)
    folder = loadtests.resolve()
    if not files:
        missing = f"no profiles found in {folder}: expected profiles.yaml or profiles/*.yaml there"
        if named_at is not None:
            source, field = named_at
            raise ConfigError(source, field, f"{missing} (the loadtests/ folder next to {source})")
        raise UsageError(f"{missing} (pass --loadtests FOLDER, or run slogate where loadtests/ is)")
    profiles = load_profiles(files)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        unknown = f"unknown load profile {name!r}; known profiles: {known} (in {folder})"
        if named_at is not None:
            raise ConfigError(*named_at, unknown)
        raise UsageError(unknown)
    return profiles[name]
