"""Settings from environment variables (prefix `TARGET_`), read once at start-up.

A bad value is reported as `InvalidSettings`, whose message names the variable and the fix.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "TARGET_"


class InvalidSettings(Exception):
    """Raised when an environment variable holds a value the service cannot start with."""


class Settings(BaseSettings):
    """Everything the service can be told at start-up; each field is `TARGET_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    replica: str = Field(default="0", min_length=1, max_length=64)
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    access_log: bool = False

    redis_url: str = Field(default="redis://127.0.0.1:6379/0", pattern=r"^rediss?://")
    redis_pool_size: int = Field(default=64, ge=1, le=10_000)
    redis_timeout_s: float = Field(default=1.0, gt=0, le=60)
    redis_connect_timeout_s: float = Field(default=0.5, gt=0, le=60)
    redis_pool_timeout_s: float = Field(default=1.0, gt=0, le=60)

    read_retries: int = Field(default=2, ge=0, le=10)
    retry_base_delay_s: float = Field(default=0.02, ge=0, le=10)
    retry_max_delay_s: float = Field(default=0.5, ge=0, le=60)

    breaker_failure_threshold: int = Field(default=5, ge=1, le=10_000)
    breaker_reset_timeout_s: float = Field(default=5.0, gt=0, le=3600)
    fallback_cache_size: int = Field(default=10_000, ge=0, le=10_000_000)

    shutdown_delay_s: float = Field(default=3.0, ge=0, le=3600)
    drain_timeout_s: float = Field(default=30.0, ge=0, le=3600)

    admin_enabled: bool = False
    admin_token: str | None = None

    metrics_enabled: bool = True
    lag_sample_interval_s: float = Field(default=0.1, gt=0, le=60)
    gauge_refresh_s: float = Field(default=2.0, gt=0, le=3600)

    @model_validator(mode="after")
    def admin_token_when_enabled(self) -> Self:
        if self.admin_enabled and not self.admin_token:
            raise ValueError(
                "TARGET_ADMIN_TOKEN must be set (a secret string) when TARGET_ADMIN_ENABLED is true"
            )
        return self


def load_settings() -> Settings:
    """Read the settings from the environment; raise `InvalidSettings` naming the variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise InvalidSettings(describe_validation_error(error)) from None


def describe_validation_error(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"])
        name = f"{ENV_PREFIX}{field.upper()}" if field else "configuration"
        message = problem["msg"].removeprefix("Value error, ")
        if field:
            lines.append(f"{name}={problem.get('input')!r} is invalid: {message}")
        else:  # a check across several variables: the message names them
            lines.append(message)
    return "; ".join(lines)
