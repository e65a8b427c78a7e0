"""Which platform a stack runs on when its state file is missing: a stack folder holding the
Kubernetes record (`kubernetes.json`, written before `up` applies anything) is a Kubernetes
stack, so `down` after an `up` that died before writing state deletes what it created (the
whole path against the real control plane: tests/k8s/test_kubernetes_unknown_outcomes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.errors import UsageError
from slogate.platform.registry import platform_of_stack
from slogate.platform.state import ensure_stack_dir
from tests.support.cli import slogate_home


def test_a_folder_with_the_kubernetes_record_is_a_kubernetes_stack(tmp_path: Path) -> None:
    with slogate_home(tmp_path):
        (ensure_stack_dir("died") / "kubernetes.json").write_text("{}")
        assert platform_of_stack("died").name == "kubernetes"
        assert platform_of_stack("died", "kubernetes").name == "kubernetes"
        with pytest.raises(UsageError, match="stack 'died' runs on platform 'kubernetes', not"):
            platform_of_stack("died", "local")
        ensure_stack_dir("empty")
        assert platform_of_stack("empty").name == "local"
        assert platform_of_stack("empty", "kubernetes").name == "kubernetes"
