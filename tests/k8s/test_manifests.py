"""Every manifest under k8s/ is valid, and the target's manifests keep the service's promises.

Schema: see tests/k8s/manifests.py (kubernetes-validate --strict, offline; no-schema is a
failure). Semantics: probes, ports, shutdown timing and env names agree with target_service.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.k8s.manifests import (
    K8S_DIR,
    KUBERNETES_VERSION,
    REPO,
    Document,
    Kustomization,
    all_documents,
    load_documents,
    own_model,
    validate_with_kubernetes_validate,
)

DOCUMENTS = all_documents()
API_OBJECTS = [doc for doc in DOCUMENTS if own_model(doc) is None]
OWN_FORMATS = [doc for doc in DOCUMENTS if own_model(doc) is not None]

# The health paths of the contract (../shared/ANCHORS.md); each probe has its own.
PROBE_PATHS = {
    "startupProbe": "/health/startup",
    "livenessProbe": "/health/liveness",
    "readinessProbe": "/health/readiness",
}


@pytest.fixture(scope="module")
def schema_problems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    return validate_with_kubernetes_validate(API_OBJECTS, tmp_path_factory.mktemp("k8s"))


def find(kind: str, name: str) -> dict[str, Any]:
    matches = [doc.body for doc in DOCUMENTS if doc.kind == kind and doc.name == name]
    assert len(matches) == 1, f"expected one {kind}/{name} under k8s/, found {len(matches)}"
    return matches[0]


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == name)


def container_port(spec: dict[str, Any], port: int | str) -> int:
    """The container port a probe or Service targets, resolving a port name."""
    if isinstance(port, int):
        return port
    numbers = [p["containerPort"] for p in spec.get("ports", []) if p.get("name") == port]
    assert numbers, f"no container port named {port!r} in {spec['name']}"
    return int(numbers[0])


def pre_stop_seconds(spec: dict[str, Any]) -> int:
    pre_stop = spec["lifecycle"]["preStop"]
    if "sleep" in pre_stop:
        return int(pre_stop["sleep"]["seconds"])
    command = pre_stop["exec"]["command"]
    assert command[0] == "sleep", f"preStop should be a sleep, got {command}"
    return int(command[1])


# ---- discovery and schema


def test_manifests_are_discovered() -> None:
    kinds = {(doc.kind, doc.name) for doc in DOCUMENTS}
    for expected in [
        ("Namespace", "slogate"),
        ("Deployment", "target-service"),
        ("Service", "target-service"),
        ("PodDisruptionBudget", "target-service"),
        ("HorizontalPodAutoscaler", "target-service"),
        ("ConfigMap", "target-service"),
        ("ServiceAccount", "target-service"),
        ("Deployment", "redis"),
        ("Service", "redis"),
        ("ConfigMap", "redis"),
        ("Cluster", "slogate"),
        ("Kustomization", ""),
    ]:
        assert expected in kinds


@pytest.mark.parametrize("document", API_OBJECTS, ids=lambda doc: doc.label)
def test_api_object_passes_strict_schema(
    document: Document, schema_problems: dict[str, list[str]]
) -> None:
    assert schema_problems[document.label] == []


@pytest.mark.parametrize("document", OWN_FORMATS, ids=lambda doc: doc.label)
def test_tool_config_passes_its_model(document: Document) -> None:
    model = own_model(document)
    assert model is not None
    model.model_validate(document.body)


def test_misspelt_kind_is_rejected(tmp_path: Path) -> None:
    body = find("Deployment", "target-service") | {"kind": "Deploymnet"}
    document = Document(tmp_path / "typo.yaml", 0, body)
    problems = validate_with_kubernetes_validate([document], tmp_path)[document.label]
    assert len(problems) == 1
    assert "Couldn't find schema for kind Deploymnet" in problems[0]


def test_misspelt_kustomization_kind_goes_to_the_schema_check_and_fails(tmp_path: Path) -> None:
    body = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomisation"}
    document = Document(tmp_path / "kustomization.yaml", 0, body)
    assert own_model(document) is None
    problems = validate_with_kubernetes_validate([document], tmp_path)[document.label]
    assert problems and "Couldn't find schema" in problems[0]


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    deployment = find("Deployment", "target-service")
    body = deployment | {"spec": deployment["spec"] | {"replicaz": 3}}
    document = Document(tmp_path / "extra.yaml", 0, body)
    problems = validate_with_kubernetes_validate([document], tmp_path)[document.label]
    assert len(problems) == 1
    assert problems[0].startswith("ERROR")
    assert "'replicaz' was unexpected" in problems[0]
    assert f"against version {KUBERNETES_VERSION.rsplit('.', 1)[0]}" in problems[0]


def test_unknown_field_in_kind_config_is_rejected() -> None:
    cluster = find("Cluster", "slogate")
    model = own_model(Document(Path("cluster.yaml"), 0, cluster))
    assert model is not None
    with pytest.raises(ValidationError, match="nodez"):
        model.model_validate(cluster | {"nodez": []})


def test_kind_config_needs_a_control_plane_role_it_knows() -> None:
    cluster = find("Cluster", "slogate")
    model = own_model(Document(Path("cluster.yaml"), 0, cluster))
    assert model is not None
    with pytest.raises(ValidationError, match="role"):
        model.model_validate(cluster | {"nodes": [{"role": "master"}]})


# ---- kustomize: everything is reachable with `kubectl apply -k k8s/`


def kustomizations() -> list[tuple[Path, Kustomization]]:
    return [
        (doc.path, Kustomization.model_validate(doc.body))
        for doc in DOCUMENTS
        if doc.kind == "Kustomization"
    ]


def test_kustomization_resources_exist() -> None:
    for path, kustomization in kustomizations():
        for resource in kustomization.resources:
            target = path.parent / resource
            assert target.is_file() or (target / "kustomization.yaml").is_file(), (
                f"{path.relative_to(REPO)} lists {resource!r}, which is neither a file nor a "
                "folder with a kustomization.yaml"
            )


def test_every_api_object_is_listed_in_its_folders_kustomization() -> None:
    """A manifest nobody applies is dead; a kustomization per folder lists all of its files."""
    listed = {
        (path.parent / resource).resolve()
        for path, kustomization in kustomizations()
        for resource in kustomization.resources
    }
    for document in API_OBJECTS:
        assert (document.path.parent / "kustomization.yaml").is_file(), (
            f"{document.path.relative_to(REPO)}: its folder needs a kustomization.yaml"
        )
        assert document.path.resolve() in listed, (
            f"{document.path.relative_to(REPO)} is not listed in "
            f"{(document.path.parent / 'kustomization.yaml').relative_to(REPO)}"
        )


# Kinds in k8s/ that belong to no namespace (the control-plane tests apply them for real).
CLUSTER_SCOPED = {"Namespace", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}


def test_root_kustomization_deploys_target_and_redis_in_the_namespace() -> None:
    root = Kustomization.model_validate(load_documents(K8S_DIR / "kustomization.yaml")[0].body)
    assert root.namespace == "slogate"
    assert {"namespace.yaml", "target", "redis", "chaos"} <= set(root.resources)
    for document in API_OBJECTS:
        namespace = document.body["metadata"].get("namespace")
        if document.kind in CLUSTER_SCOPED:
            assert namespace is None, document.label
        else:
            assert namespace == "slogate", document.label


# ---- the target's Deployment keeps the service's promises


def target_app() -> Any | None:
    """target_service's ASGI app, or None while target_service.main does not exist yet."""
    try:
        main = importlib.import_module("target_service.main")
    except ModuleNotFoundError as error:
        if error.name in {"target_service.main", "target_service"}:
            return None
        raise
    return main.create_app()


def serves_get(app: Any, path: str) -> bool:
    """True when a route of `app` fully matches GET `path` (included routers too)."""
    from starlette.routing import Match

    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


def target_settings_env_names() -> set[str]:
    from pydantic_settings import BaseSettings

    config = importlib.import_module("target_service.core.config")
    classes = [
        value
        for value in vars(config).values()
        if isinstance(value, type) and issubclass(value, BaseSettings) and value is not BaseSettings
    ]
    assert len(classes) == 1, f"expected one settings class in {config.__name__}: {classes}"
    settings = classes[0]
    prefix = str(settings.model_config.get("env_prefix", ""))
    names = set()
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias or field.alias
        names.add(str(alias) if isinstance(alias, str) else f"{prefix}{field_name}".upper())
    return names


TARGET = find("Deployment", "target-service")
TARGET_POD = TARGET["spec"]["template"]["spec"]
TARGET_CONTAINER = container(TARGET, "target-service")
TARGET_CONFIG = find("ConfigMap", "target-service")["data"]


@pytest.mark.parametrize(("probe", "path"), PROBE_PATHS.items())
def test_probe_points_at_the_contract_health_path(probe: str, path: str) -> None:
    get = TARGET_CONTAINER[probe]["httpGet"]
    assert get["path"] == path
    assert container_port(TARGET_CONTAINER, get["port"]) == int(TARGET_CONFIG["TARGET_PORT"])


def test_probe_paths_are_served_by_target_service() -> None:
    app = target_app()
    if app is None:
        pytest.skip("target_service.main does not exist yet; probes checked against the contract")
    for path in [*PROBE_PATHS.values(), "/metrics"]:
        assert serves_get(app, path), f"target_service does not serve GET {path}"
    assert not serves_get(app, "/health/nowhere")


def test_startup_probe_allows_a_slow_start_and_liveness_waits_for_it() -> None:
    startup = TARGET_CONTAINER["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 20
    assert "initialDelaySeconds" not in TARGET_CONTAINER["livenessProbe"]


def test_termination_grace_outlasts_pre_stop_delay_and_drain() -> None:
    drain = float(TARGET_CONFIG["TARGET_DRAIN_TIMEOUT_S"])
    delay = float(TARGET_CONFIG["TARGET_SHUTDOWN_DELAY_S"])
    assert delay == 0, "on Kubernetes the preStop sleep does the shutdown delay"
    pre_stop = pre_stop_seconds(TARGET_CONTAINER)
    assert pre_stop >= 3
    assert TARGET_POD["terminationGracePeriodSeconds"] > pre_stop + delay + drain


def test_rollout_and_disruption_keep_capacity() -> None:
    replicas = TARGET["spec"]["replicas"]
    assert replicas == 3
    rolling = TARGET["spec"]["strategy"]["rollingUpdate"]
    assert rolling == {"maxUnavailable": 0, "maxSurge": 1}
    budget = find("PodDisruptionBudget", "target-service")["spec"]
    assert budget["minAvailable"] == 2
    assert budget["minAvailable"] <= replicas - 1, "a PDB that allows no eviction blocks drains"
    autoscaler = find("HorizontalPodAutoscaler", "target-service")["spec"]
    assert autoscaler["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "target-service",
    }
    assert autoscaler["minReplicas"] == replicas
    assert autoscaler["maxReplicas"] > replicas
    # every resource the HPA scales on has a request in the pod (utilisation is of requests)
    requests = TARGET_CONTAINER["resources"]["requests"]
    assert {m["resource"]["name"] for m in autoscaler["metrics"]} <= set(requests)


def test_selectors_match_the_pods() -> None:
    pod_labels = TARGET["spec"]["template"]["metadata"]["labels"]
    selectors = [
        TARGET["spec"]["selector"]["matchLabels"],
        find("Service", "target-service")["spec"]["selector"],
        find("PodDisruptionBudget", "target-service")["spec"]["selector"]["matchLabels"],
        *(c["labelSelector"]["matchLabels"] for c in TARGET_POD["topologySpreadConstraints"]),
    ]
    for selector in selectors:
        assert selector.items() <= pod_labels.items()


def test_service_target_port_is_the_container_port() -> None:
    service = find("Service", "target-service")["spec"]
    (port,) = service["ports"]
    assert container_port(TARGET_CONTAINER, port["targetPort"]) == int(TARGET_CONFIG["TARGET_PORT"])
    redis_service = find("Service", "redis")["spec"]
    (redis_port,) = redis_service["ports"]
    redis_container = container(find("Deployment", "redis"), "redis")
    assert container_port(redis_container, redis_port["targetPort"]) == 6379
    assert TARGET_CONFIG["TARGET_REDIS_URL"] == f"redis://redis:{redis_port['port']}/0"


def test_prometheus_annotations_point_at_metrics() -> None:
    annotations = TARGET["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == int(TARGET_CONFIG["TARGET_PORT"])


def test_env_names_are_settings_target_service_knows() -> None:
    """pydantic-settings ignores unknown variables: a misspelt name would be silently unused."""
    known = target_settings_env_names()
    given = set(TARGET_CONFIG) | {env["name"] for env in TARGET_CONTAINER.get("env", [])}
    assert given <= known, f"unknown to target_service.core.config: {sorted(given - known)}"
    assert TARGET_CONFIG["TARGET_HOST"] == "0.0.0.0"


def test_replica_label_comes_from_the_pod_name() -> None:
    (replica,) = [e for e in TARGET_CONTAINER["env"] if e["name"] == "TARGET_REPLICA"]
    assert replica["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"


def test_target_writes_only_to_an_empty_dir_at_tmp() -> None:
    (mount,) = TARGET_CONTAINER["volumeMounts"]
    assert mount["mountPath"] == "/tmp"
    volume = next(v for v in TARGET_POD["volumes"] if v["name"] == mount["name"])
    assert "emptyDir" in volume


def test_topology_spread_over_nodes() -> None:
    keys = {c["topologyKey"] for c in TARGET_POD["topologySpreadConstraints"]}
    assert "kubernetes.io/hostname" in keys


def pod_templates() -> list[tuple[str, dict[str, Any]]]:
    templates = []
    for document in API_OBJECTS:
        spec = document.body.get("spec", {})
        if document.kind in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            templates.append((document.label, spec["template"]["spec"]))
        elif document.kind == "CronJob":
            templates.append((document.label, spec["jobTemplate"]["spec"]["template"]["spec"]))
    return templates


@pytest.mark.parametrize(("label", "pod"), pod_templates(), ids=[t[0] for t in pod_templates()])
def test_every_workload_is_locked_down(label: str, pod: dict[str, Any]) -> None:
    """The namespace enforces the "restricted" Pod Security Standard; every pod meets it."""
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for spec in pod["containers"] + pod.get("initContainers", []):
        context = spec["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, spec["name"]
        assert context["allowPrivilegeEscalation"] is False, spec["name"]
        assert context["capabilities"]["drop"] == ["ALL"], spec["name"]
        assert {"requests", "limits"} <= set(spec["resources"]), spec["name"]
        assert not spec["image"].endswith(":latest") and ":" in spec["image"], spec["name"]
