"""The public surface of load/, slo/ and report/: every name in `__all__` exists, and the
engine's load package never imports gevent or Locust (only a locustfile does)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest


@pytest.mark.parametrize("package", ["slogate.load", "slogate.slo", "slogate.report"])
def test_every_public_name_exists(package):
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []


def test_the_load_package_imports_neither_gevent_nor_locust():
    probe = (
        "import sys, slogate.load, slogate.load.status, slogate.load.runner; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gevent', 'locust')))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_locust_process_does_not_import_the_engine():
    """`slogate.locust` (what a locustfile imports) reaches the open model through this
    package without its engine modules: they cost the load generator's start-up ~0.4 s."""
    probe = (
        "import sys, slogate.locust; "
        "print(sorted(m for m in sys.modules if m in ('slogate.load.runner', "
        "'slogate.load.ui_session', 'slogate.load.results', 'slogate.slo.evaluate', "
        "'slogate.report')))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
    from slogate.load import LoadPlan, run_load  # the public names still resolve, lazily

    assert LoadPlan.__module__ == "slogate.load.runner" and callable(run_load)
