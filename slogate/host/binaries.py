"""The system binaries the local platform runs, and the Debian packages that provide them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from slogate.errors import MissingDependencyError
from slogate.platform.base import DoctorCheck

# binary -> Debian package
PACKAGES: dict[str, str] = {
    "prometheus": "prometheus",
    "haproxy": "haproxy",
    "redis-server": "redis-server",
}
# Debian installs haproxy in /usr/sbin, which a normal user's PATH may lack.
_EXTRA_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")
_VERSION = re.compile(r"(?:version |v=)v?(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)


@dataclass(frozen=True)
class Binary:
    name: str
    path: str
    package: str


def find_binary(name: str) -> Binary:
    """The binary `name` on PATH (or in an sbin folder), else MissingDependencyError."""
    package = PACKAGES.get(name, name)
    path = shutil.which(name)
    if path is None:
        extra = os.pathsep.join(d for d in _EXTRA_DIRS if os.path.isdir(d))
        path = shutil.which(name, path=extra) if name == "haproxy" else None
    if path is None:
        raise MissingDependencyError(name, package)
    return Binary(name=name, path=path, package=package)


def require_binaries() -> dict[str, Binary]:
    """All binaries of the local platform; the first missing one raises."""
    return {name: find_binary(name) for name in PACKAGES}


def binary_version(binary: Binary) -> str | None:
    """The version the binary reports, or None when it does not say."""
    flag = "-v" if binary.name == "haproxy" else "--version"
    try:
        result = subprocess.run(
            [binary.path, flag], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(result.stdout + result.stderr)
    return match.group(1) if match else None


def binary_check(name: str) -> DoctorCheck:
    """`slogate doctor`'s line for one binary: its version and path, or how to install it."""
    try:
        binary = find_binary(name)
    except MissingDependencyError as missing:
        detail = f"{name:<13} install: sudo apt-get install -y {missing.package}"
        return DoctorCheck(ok=False, status="missing", detail=detail)
    detail = f"{name:<13} {binary_version(binary) or '?':<10} {binary.path}"
    return DoctorCheck(ok=True, status="ok", detail=detail)
