"""Locust distributed on Kubernetes: `slogate load PROFILE --platform kubernetes --workers N`.

The folder `kubernetes.locust` (k8s/locust/: master and worker Deployments, the master's
Service) is built with kustomize and applied into the stack's namespace with three things
slogate sets: the ConfigMap `locust-loadtests` holding the loadtests folder slogate would run
locally (the locustfile, profiles.yaml and profiles/*.yaml), each container's arguments (the
same command lines as a local run, from `locust_commands`, with the master reached through its
Service), and N worker replicas. A hash of the folder and the command lines on the pod
templates rolls the pods when either changes. Objects are recorded in the stack's
kubernetes.json before they are created (record.py), so `slogate down` deletes them with the
rest. Applying waits for both Deployments to roll out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from slogate.config import SlogateConfig
from slogate.errors import ConfigError, UsageError
from slogate.load.runner import LoadPlan, LocustPlacement, locust_commands
from slogate.platform.kubernetes.access_review import require_rights
from slogate.platform.kubernetes.apply import Resources, apply_manifests, resources_ref
from slogate.platform.kubernetes.cluster import Api, api_client
from slogate.platform.kubernetes.manifests import Manifest, kustomize_build
from slogate.platform.kubernetes.record import ClusterRecord, ObjectRef, save_record
from slogate.platform.kubernetes.rollout import wait_for_rollouts

LOADTESTS_CONFIGMAP = "locust-loadtests"
MASTER = "locust-master"
WORKER = "locust-worker"
MOUNT = Path("/loadtests")
MASTER_PORT = 5557
WEB_PORT = 8089
CLIENT_METRICS_PORT = 9646
CONFIGMAP_LIMIT_BYTES = 1_000_000  # the API server refuses a ConfigMap over 1 MiB
HASH_ANNOTATION = "slogate.io/load-hash"


@dataclass(frozen=True)
class LoadDeployment:
    """What `deploy_load` applied."""

    namespace: str
    workers: int
    objects: list[ObjectRef]


def loadtests_files(loadtests: Path) -> dict[str, str]:
    """The loadtests folder as ConfigMap data: key -> text. Keys cannot hold a '/', so
    profiles/NAME.yaml becomes `profiles--NAME.yaml` (mounted back at its path)."""
    if not (loadtests / "locustfile.py").is_file():
        raise UsageError(f"{loadtests / 'locustfile.py'} not found: run slogate from the project")
    files = sorted(p for p in loadtests.iterdir() if p.suffix in {".py", ".yaml"} and p.is_file())
    data = {p.name: p.read_text() for p in files}
    profiles = loadtests / "profiles"
    if profiles.is_dir():
        data |= {f"profiles--{p.name}": p.read_text() for p in sorted(profiles.glob("*.yaml"))}
    size = sum(len(key) + len(text.encode()) for key, text in data.items())
    if size > CONFIGMAP_LIMIT_BYTES:
        raise ConfigError(
            str(loadtests), "", f"holds {size:,} bytes of .py and .yaml files; a ConfigMap "
            f"takes at most {CONFIGMAP_LIMIT_BYTES:,}: move data files out of the folder"
        )  # fmt: skip
    return data


def _mount_path(key: str) -> str:
    return key.replace("--", "/", 1) if key.startswith("profiles--") else key


def cluster_commands(plan: LoadPlan) -> tuple[list[str], list[str]]:
    """The master's and a worker's command lines for `plan` (its paths are the pod's)."""
    placement = LocustPlacement(
        locust=("locust",),
        bind_host="0.0.0.0",  # the pod's own addresses: the Service reaches it
        master_host=MASTER,
        master_port=MASTER_PORT,
        autostart_web_port=WEB_PORT,
    )
    commands = locust_commands(plan, placement=placement)
    return commands[0], commands[1]


def pod_plan(plan: LoadPlan) -> LoadPlan:
    """`plan` as the pods run it: the ConfigMap's files, the run folder on the pod's /tmp."""
    return LoadPlan(
        profile=plan.profile,
        host=plan.host,
        run_dir=Path("/tmp/run"),  # noqa: S108 (the pod's emptyDir)
        locustfile=MOUNT / "locustfile.py",
        loadtests_dir=MOUNT,
        workers=max(1, plan.workers),
        client_metrics_port=CLIENT_METRICS_PORT,
        overrides=plan.overrides,
    )


def load_manifests(config: SlogateConfig, plan: LoadPlan, namespace: str) -> list[Manifest]:
    """The Locust folder's objects for `plan`, in `namespace`, with the ConfigMap first."""
    folder = (config.base_dir / config.kubernetes.locust).resolve()
    if not (folder / "kustomization.yaml").is_file():
        raise ConfigError(
            config.source or "slogate.yaml",
            "kubernetes.locust",
            f"{folder} has no kustomization.yaml; point it at k8s/locust or a copy of it",
        )
    in_pod = pod_plan(plan)
    data = loadtests_files(plan.loadtests_dir)
    master, worker = cluster_commands(in_pod)
    digest = hashlib.sha256(json.dumps([data, master, worker]).encode()).hexdigest()[:16]
    configmap: Manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": LOADTESTS_CONFIGMAP,
            "labels": {"app.kubernetes.io/name": "locust", "app.kubernetes.io/part-of": "slogate"},
        },
        "data": data,
    }
    manifests = [configmap, *kustomize_build(config, folder)]
    for manifest in manifests:
        manifest["metadata"]["namespace"] = namespace
        if manifest["kind"] == "Deployment":
            _configure(manifest, folder, master, worker, in_pod.workers, data, digest)
    return manifests


def _configure(
    deployment: Manifest,
    folder: Path,
    master: list[str],
    worker: list[str],
    workers: int,
    data: dict[str, str],
    digest: str,
) -> None:
    name = deployment["metadata"]["name"]
    if name not in {MASTER, WORKER}:
        return
    template = deployment["spec"]["template"]
    template["metadata"].setdefault("annotations", {})[HASH_ANNOTATION] = digest
    pod = template["spec"]
    containers = pod["containers"]
    if len(containers) != 1:
        raise ConfigError(str(folder / "kustomization.yaml"), name, "needs exactly one container")
    command = master if name == MASTER else worker
    containers[0]["command"], containers[0]["args"] = command[:1], command[1:]
    for volume in pod.get("volumes", []):
        if volume.get("configMap", {}).get("name") == LOADTESTS_CONFIGMAP:
            volume["configMap"]["items"] = [{"key": k, "path": _mount_path(k)} for k in data]
    if name == WORKER:
        deployment["spec"]["replicas"] = workers


def deploy_load(
    config: SlogateConfig,
    stack: str,
    record: ClusterRecord,
    plan: LoadPlan,
    on_ready: Callable[[ObjectRef], None],
) -> LoadDeployment:
    """Apply the Locust objects for `plan` into the stack's namespace (each one it creates
    recorded first) and wait for the master and the workers to roll out."""
    namespace = record.access.namespace
    manifests = load_manifests(config, plan, namespace)
    api = Api(api_client(record.access))
    try:
        resources = Resources(api)
        require_rights(
            api, record.access, [resources_ref(resources, m, namespace) for m in manifests]
        )

        def created(ref: ObjectRef) -> None:
            record.created.append(ref)
            save_record(stack, record)

        applied = apply_manifests(api, manifests, namespace, on_created=created)
        deployments = [ref for ref in applied if ref.kind == "Deployment"]
        timeout = config.kubernetes.rollout_timeout_s
        wait_for_rollouts(api, deployments, timeout, on_ready=on_ready)
    finally:
        api.close()
    return LoadDeployment(namespace=namespace, workers=max(1, plan.workers), objects=applied)
