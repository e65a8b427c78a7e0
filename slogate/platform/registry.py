"""Which platform serves a stack: keyed by `platform:` in slogate.yaml and the state file.

The only module outside a platform's folder that imports one (local/, kubernetes/).
Implementations are imported when first asked for, so a command that needs none pays nothing.
"""

from __future__ import annotations

from slogate.errors import ConfigError, UsageError
from slogate.platform.base import Platform
from slogate.platform.state import load_state

PLATFORMS = ("local", "kubernetes", "kind")
DEFAULT_PLATFORM = "local"
# a ledger fault's Rollback.via -> the platform that can remove it
_VIAS = {
    "target_fault": "local",
    "supervisor_fault": "local",
    "toxiproxy": "local",
    "kubernetes_scale": "kubernetes",
    "kubernetes_pod_proxy": "kubernetes",
    "chaos_mesh": "kubernetes",
}


# module -> the Python package that provides it (slogate's dependencies, what `make setup` installs)
_PACKAGES = {
    "chaoslib": "chaostoolkit-lib",
    "chaosk8s": "chaostoolkit-kubernetes",
    "kubernetes": "kubernetes",
}


def platform_for(name: str) -> Platform:
    """The platform called `name` (UsageError naming the known ones otherwise, or the Python
    package it cannot import and the fix)."""
    try:
        return _import_platform(name)
    except ImportError as error:
        module = (error.name or "").split(".")[0]
        if not module or module == "slogate":
            raise  # a bug of slogate's own, not a missing package
        package = _PACKAGES.get(module, module)
        raise UsageError(
            f"platform {name!r} needs the Python package {package} (module {module!r}), which "
            f"cannot be imported ({error}); install slogate's Python packages: make setup"
        ) from None


def _import_platform(name: str) -> Platform:
    if name == "local":
        from slogate.platform.local.platform import LocalPlatform

        return LocalPlatform()
    if name == "kubernetes":
        from slogate.platform.kubernetes.platform import KubernetesPlatform

        return KubernetesPlatform()
    if name == "kind":
        from slogate.platform.kubernetes.kind import KindPlatform

        return KindPlatform()
    known = ", ".join(PLATFORMS)
    raise UsageError(
        f"platform {name!r} is not known (known: {known}); set `platform:` in slogate.yaml"
    )


def _recorded_platform(stack: str) -> str | None:
    """The platform whose own record is in the stack's folder: an `up` that died before it
    wrote the state file leaves one (kind: kind.json, the cluster; Kubernetes: kubernetes.json,
    the objects to delete)."""
    from slogate.platform.kubernetes.kind_cluster import has_kind_record
    from slogate.platform.kubernetes.record import has_record

    if has_kind_record(stack):
        return "kind"
    return "kubernetes" if has_record(stack) else None


def platform_of_stack(stack: str, named: str | None = None) -> Platform:
    """The platform of a stack: the one its state file names, else the one whose record is in
    its folder, else `named` (a --platform flag), else the default. A UsageError when `named`
    contradicts the state file or the record."""
    try:
        state = load_state(stack)
    except ConfigError:
        state = None
    running = state.platform if state is not None else _recorded_platform(stack)
    if named is not None and running is not None and named != running:
        raise UsageError(
            f"stack {stack!r} runs on platform {running!r}, not {named!r}: drop --platform, "
            "or pick another --stack"
        )
    return platform_for(running or named or DEFAULT_PLATFORM)


def platform_for_via(via: str) -> Platform | None:
    """The platform that removes faults recorded with `via` (None: no platform here can)."""
    name = _VIAS.get(via)
    return None if name is None else platform_for(name)
