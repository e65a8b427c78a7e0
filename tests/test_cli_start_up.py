"""The command line starts without the heavy numerical stack: scipy and numpy are imported only
by the statistics that need them (a bound, a power figure), never by `import slogate.cli` nor by
building every command (what `slogate --help` does). Checked in a fresh interpreter through
`sys.modules`, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.cli import REPO

HEAVY = ("scipy", "numpy")


def _heavy_modules_after(code: str) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60,
        check=True,
    )  # fmt: skip
    return sorted({name.split(".")[0] for name in json.loads(done.stdout)} & set(HEAVY))


@pytest.mark.parametrize(
    "code",
    [
        "import slogate.cli",
        "import slogate.cli as c\nfor name in c.COMMANDS: c.cli.get_command(None, name)",
    ],
    ids=["import", "every-command"],
)
def test_the_cli_does_not_import_scipy_or_numpy(code: str) -> None:
    assert _heavy_modules_after(code) == []


def test_a_bound_still_imports_scipy_when_it_is_computed() -> None:
    # the lazy import is where the work is: the probe is not vacuous
    code = "from slogate.slo.stats import upper_bound\nupper_bound(0, 3000)"
    assert _heavy_modules_after(code) == ["numpy", "scipy"]
