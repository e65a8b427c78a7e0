"""`slogate.yaml`: what a team changes to gate its own service.

The file is optional; without it slogate gates the reference `target_service` with three
replicas on free ports. Every key is documented in the repository's `slogate.yaml`. Unknown
keys and bad values are errors that name the file, the key and what was expected
(`ConfigError`, exit 2).

`gates:` names the gates `slogate run GATE` runs (GateConfig: load, chaos at offsets, SLO
file, the objectives of each phase, warm-up, recovery and client/server tolerance).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from slogate.errors import ConfigError, UsageError
from slogate.slo.selector_syntax import SELECTOR
from slogate.yaml_files import read_yaml

DEFAULT_CONFIG_FILE = "slogate.yaml"
PLACEHOLDERS = ("python", "port", "replica", "redis_url", "host", "admin_token")
DEFAULT_COMMAND = ["{python}", "-m", "target_service"]
# target_service's data set, modest: 20 organisations (its own defaults for clinics and staff)
TARGET_SEED_COMMAND = ["{python}", "-m", "target_service", "seed", "--organisations", "20"]
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceConfig(_Section):
    """How to start one replica of the service under test and how to probe it.

    `command` and `env` values may use the placeholders {python} (this interpreter),
    {port}, {host}, {replica} (0..N-1), {redis_url} and {admin_token}.
    """

    command: list[str] = Field(default_factory=lambda: list(DEFAULT_COMMAND), min_length=1)
    seed_command: list[str] | None = Field(
        default_factory=lambda: list(TARGET_SEED_COMMAND),
        min_length=1,
        description="loads the data set once the stack is ready (`slogate up`, `slogate run`); "
        "unset: target_service's seed when `command` is the default, else none; null: none",
    )
    working_dir: str | None = Field(
        default=None, description="folder to start it in, relative to slogate.yaml's folder"
    )
    port_env: str | None = Field(default="TARGET_PORT", description="variable holding its port")
    host_env: str | None = "TARGET_HOST"
    redis_url_env: str | None = "TARGET_REDIS_URL"
    replica_env: str | None = "TARGET_REPLICA"
    admin_enabled_env: str | None = Field(
        default="TARGET_ADMIN_ENABLED", description="set to 'true' (fault hooks on, behind a token)"
    )
    admin_token_env: str | None = Field(
        default="TARGET_ADMIN_TOKEN", description="gets the stack's random admin token"
    )
    readiness_path: str = "/health/readiness"
    metrics_path: str = "/metrics"
    replicas: int = Field(default=3, ge=1, le=32)
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("readiness_path", "metrics_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must be an absolute URL path starting with '/'")
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_seed(cls, data: Any) -> Any:
        """Unset seed_command: target_service's seed for the default command, else none."""
        if isinstance(data, dict) and "seed_command" not in data:
            default = data.get("command", DEFAULT_COMMAND) == DEFAULT_COMMAND
            data = {**data, "seed_command": list(TARGET_SEED_COMMAND) if default else None}
        return data

    @field_validator("command", "seed_command")
    @classmethod
    def _known_placeholders(cls, value: list[str] | None) -> list[str] | None:
        for argument in value or []:
            for name in _PLACEHOLDER.findall(argument):
                if name not in PLACEHOLDERS:
                    raise ValueError(
                        f"unknown placeholder {{{name}}} in {argument!r}; "
                        f"known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
                    )
        return value


class PortsConfig(_Section):
    """Pinned ports. Unset ports are chosen free at `up` (so stacks can run side by side)."""

    edge: int | None = Field(default=None, ge=1, le=65535)
    edge_metrics: int | None = Field(default=None, ge=1, le=65535)
    prometheus: int | None = Field(default=None, ge=1, le=65535)
    redis: int | None = Field(default=None, ge=1, le=65535)
    supervisor: int | None = Field(default=None, ge=1, le=65535)
    client_metrics: int | None = Field(default=None, ge=1, le=65535)
    replicas_base: int | None = Field(
        default=None, ge=1, le=65535, description="replica i listens on replicas_base + i"
    )


class TimingsConfig(_Section):
    """Intervals and timeouts of the local platform."""

    scrape_interval_s: float = Field(default=1.0, gt=0, le=60)
    health_check_interval_ms: int = Field(default=250, ge=50, le=10_000)
    restart_backoff_base_s: float = Field(default=1.0, ge=0, le=300)
    restart_backoff_cap_s: float = Field(default=30.0, ge=0, le=3600)
    restart_backoff_reset_s: float = Field(
        default=60.0, gt=0, description="running this long resets the back-off"
    )
    grace_period_s: float = Field(
        default=30.0, ge=0, le=3600, description="SIGTERM to SIGKILL when a replica is deleted"
    )
    stop_timeout_s: float = Field(default=5.0, ge=0, le=600, description="`down`: TERM to KILL")
    ready_timeout_s: float = Field(default=60.0, gt=0, le=3600)


_SERVICE_PORT = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?:([a-z0-9-]{1,15}|[0-9]{1,5})$"


class KubernetesConfig(_Section):
    """Where the Kubernetes platform deploys (`platform: kubernetes`).

    `traffic: false` is for a cluster whose pods run no container (kwok, the test control
    plane): slogate then applies, waits for rollouts and runs chaos, and skips every step that
    needs a pod to answer (port-forwards, Prometheus readiness, seeding). With `traffic: true`
    `up` port-forwards the target's, Prometheus' and Redis' Services to loopback.
    """

    kubeconfig: str | None = Field(
        default=None, description="kubeconfig file; unset: $KUBECONFIG, else ~/.kube/config"
    )
    context: str | None = Field(default=None, description="unset: the kubeconfig's current one")
    namespace: str = Field(
        default="slogate",
        pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
        description="the namespace the kustomize root deploys into",
    )
    kustomize: str = Field(default="k8s", description="kustomize root, relative to slogate.yaml")
    locust: str = Field(
        default="k8s/locust",
        description="`slogate load --platform kubernetes`: the Locust master and workers' "
        "kustomize folder, relative to slogate.yaml",
    )
    kubectl: str = Field(
        default="kubectl", description="the kubectl that builds the kustomize root (v1.27+)"
    )
    rollout_timeout_s: float = Field(default=180.0, gt=0, le=3600)
    traffic: bool = True
    target_deployment: str = "target-service"
    target_selector: str = "app.kubernetes.io/name=target-service"
    target_port: str = Field(
        default="http",
        pattern=r"^([a-z0-9-]{1,15}|[0-9]{1,5})$",
        description="the target container's port (name or number) its fault hooks answer on, "
        "reached through the API server's pod proxy",
    )
    redis_deployment: str = "redis"
    target_service: str = Field(
        default="target-service:http",
        pattern=_SERVICE_PORT,
        description="SERVICE:PORT the load reaches, port-forwarded (PORT: name or number)",
    )
    prometheus_service: str = Field(
        default="prometheus:http", pattern=_SERVICE_PORT, description="the in-cluster Prometheus"
    )
    redis_service: str = Field(
        default="redis:redis", pattern=_SERVICE_PORT, description="the seed command writes here"
    )
    attach: bool = Field(
        default=False,
        description="gate the target Deployment already deployed (a drill): no apply, no "
        "delete, no seeding; `up` checks it exists and is ready",
    )
    in_cluster: bool | None = Field(
        default=None,
        description="slogate runs in a pod: the API through the pod's service-account token, "
        "the Services by cluster DNS, no port-forwards; null: detected "
        "($KUBERNETES_SERVICE_HOST and the mounted token) when no kubeconfig is given "
        "(kubernetes.kubeconfig, context, $KUBECONFIG, ~/.kube/config); never with kind",
    )
    chaos_service_account: str | None = Field(
        default="slogate-chaos",
        description="chaos acts with this ServiceAccount's token (k8s/chaos/); null: as the "
        "kubeconfig's user",
    )
    federate: list[str] = Field(
        default=['{job="service"}'],
        min_length=1,
        description="with traffic: the series of the in-cluster Prometheus (`match[]` "
        "selectors: the target's jobs) a Prometheus on this machine federates beside the load "
        "generator's client metrics",
    )

    @field_validator("federate")
    @classmethod
    def _selectors(cls, value: list[str]) -> list[str]:
        for selector in value:
            if not SELECTOR.fullmatch(selector):
                raise ValueError(
                    f"{selector!r} is not a PromQL series selector; write e.g. "
                    "'{job=\"service\"}'"
                )
        return value


class KindConfig(_Section):
    """The kind cluster of `platform: kind`: created (or reused) at `up`, the target's image
    built and loaded into it, then the `kubernetes:` settings apply (their kubeconfig and
    context are the cluster's)."""

    cluster_config: str = Field(
        default="k8s/kind/cluster.yaml", description="kind's cluster file, relative to slogate.yaml"
    )
    name: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$",
        description="the cluster's name; null: the `name:` of cluster_config, else slogate",
    )
    image: str = Field(default="slogate/target-service:dev", description="the target's image")
    dockerfile: str = Field(
        default="target_service/Dockerfile", description="builds the image (context: this folder)"
    )
    kind: str = Field(default="kind", description="the kind executable")
    docker: str = Field(default="docker", description="the docker executable")
    create_timeout_s: float = Field(default=300.0, gt=0, le=3600)
    build_timeout_s: float = Field(default=900.0, gt=0, le=7200)


EdgeRetries = Literal["ingress", "none"]


class EdgeConfig(_Section):
    """The edge in front of the replicas (HAProxy on the local platform)."""

    retries: EdgeRetries = Field(
        default="ingress",
        description="ingress: retry failed idempotent requests on another replica (retries, "
        "retry-on all-retryable-errors, redispatch), like an ingress; none: retry nothing, "
        "like a plain Kubernetes Service",
    )


FaultInjection = Literal["hooks", "toxiproxy"]


class GateLoad(_Section):
    """The load of a gate: a profile of loadtests/, optionally with its rate and length changed."""

    profile: str = Field(description="a profile of loadtests/profiles.yaml")
    rate: float | None = Field(default=None, gt=0, le=100_000, description="req/s override")
    duration_s: float | None = Field(
        default=None, gt=0, le=86_400, description="whole load: warm-up + phases + recovery"
    )


class GateExperiment(_Section):
    """A chaos experiment and when it starts, in seconds after the load started."""

    experiment: str = Field(description="a file, or a name under experiments/")
    at_s: float = Field(ge=0, description="offset from the start of the load")
    fault_s: float = Field(gt=0, le=3600, description="how long its fault lasts (for planning)")
    steady_state: bool = Field(
        default=False, description="also run the experiment's steady-state hypothesis"
    )


class PhaseObjectives(_Section):
    """Names of the SLO file's objectives judged in each phase."""

    baseline: list[str] = Field(default_factory=list)
    fault: list[str] = Field(default_factory=list)
    recovery: list[str] = Field(default_factory=list)

    def by_phase(self) -> dict[str, list[str]]:
        return {"baseline": self.baseline, "fault": self.fault, "recovery": self.recovery}


class TimeToRecover(_Section):
    """After each fault: the SLI back within this objective over a sustained window."""

    objective: str = Field(description="an availability or latency objective of the SLO file")
    place: Literal["server", "client", "edge"] = "client"
    sustained_s: float = Field(default=10.0, ge=4, le=600)
    within_s: float | None = Field(
        default=None, gt=0, description="objective: recovered within this many seconds"
    )


class GateConfig(_Section):
    """One gate of `slogate run GATE`."""

    description: str = ""
    platform: Literal["local", "kubernetes", "kind"] = "local"
    replicas: int | None = Field(default=None, ge=1, le=32, description="overrides service")
    load: GateLoad
    slo: str = Field(default="slo/target-service.yaml", description="relative to slogate.yaml")
    experiments: list[GateExperiment] = Field(default_factory=list)
    objectives: PhaseObjectives
    time_to_recover: TimeToRecover | None = None
    warmup_s: float = Field(default=5.0, ge=0, le=3600, description="load before judging")
    recovery_s: float = Field(
        default=15.0, ge=0, le=3600, description="load kept after the last fault ends"
    )
    client_server_tolerance: float = Field(
        default=0.05, ge=0, le=1, description="relative difference of counts outside faults"
    )
    seed: bool = Field(
        default=True, description="run service.seed_command before the load (if it has one)"
    )
    detect: float | None = Field(
        default=None,
        description="budget-burn multiple (`3x`) every judged share objective must detect "
        "with 90 % power; the pre-flight refuses a gate that cannot",
    )

    @field_validator("detect", mode="before")
    @classmethod
    def _burn_multiple(cls, value: Any) -> Any:
        """`3x`, `3` or 3 -> 3.0; anything else, or a multiple not above 1, is an error."""
        if value is None:
            return None
        text = str(value).strip().lower().removesuffix("x").strip()
        try:
            multiple = float(text)
        except ValueError:
            multiple = float("nan")
        if isinstance(value, bool) or not multiple > 1 or multiple == float("inf"):
            raise ValueError(
                "a budget-burn multiple above 1, e.g. `detect: 3x` (a breach burning the "
                "error budget three times as fast as allowed)"
            )
        return multiple


class SlogateConfig(_Section):
    """The whole `slogate.yaml`."""

    platform: Literal["local", "kubernetes", "kind"] = "local"
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    kubernetes: KubernetesConfig = Field(default_factory=KubernetesConfig)
    kind: KindConfig = Field(default_factory=KindConfig)
    ports: PortsConfig = Field(default_factory=PortsConfig)
    timings: TimingsConfig = Field(default_factory=TimingsConfig)
    edge: EdgeConfig = Field(default_factory=EdgeConfig)
    faults: FaultInjection = Field(
        default="hooks",
        description="how latency and errors are injected locally: hooks, the service's own "
        "/admin/faults (target_service has them); toxiproxy, a Toxiproxy proxy in front of "
        "each replica, for a service without them",
    )
    gates: dict[str, GateConfig] = Field(default_factory=dict)
    source: str | None = Field(default=None, exclude=True, description="the file it came from")

    @property
    def base_dir(self) -> Path:
        """The folder relative paths are resolved from (the config file's folder or cwd)."""
        return Path(self.source).parent if self.source else Path.cwd()


def _field_path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_config(data: Any, source: str) -> SlogateConfig:
    """Validate already-parsed YAML; the first error becomes a ConfigError."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, "", f"expected a mapping at the top level, got {type(data)}")
    try:
        config = SlogateConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = _field_path(tuple(first["loc"]))
        if first["type"] == "extra_forbidden":
            expected = "unknown key (check its spelling against the documented slogate.yaml)"
        else:
            expected = f"{first['msg']} (got {first.get('input')!r})"
        raise ConfigError(source, field, expected) from error
    return config.model_copy(update={"source": source})


def load_config(path: str | Path | None = None) -> SlogateConfig:
    """Load `path`, or `./slogate.yaml` when it exists, or the defaults."""
    if path is None:
        candidate = Path(DEFAULT_CONFIG_FILE)
        if not candidate.exists():
            return SlogateConfig()
        path = candidate
    file = Path(path).resolve()
    return parse_config(read_yaml(file), str(file))


def expand(template: str, values: dict[str, str]) -> str:
    """Replace {placeholders} in a command argument or env value."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def with_attach(config: SlogateConfig) -> SlogateConfig:
    """`config` with `kubernetes.attach` on (`--attach`); a UsageError off `platform:
    kubernetes` (only there is a service already deployed to gate)."""
    if config.platform != "kubernetes":
        raise UsageError(
            f"--attach gates a Deployment already on a cluster: it needs --platform kubernetes "
            f"(the platform is {config.platform!r})"
        )
    attached = config.kubernetes.model_copy(update={"attach": True})
    return config.model_copy(update={"kubernetes": attached})
