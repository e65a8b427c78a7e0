"""The engine's three never-rules, read from the source (imports and child command lines):

1. nothing below the face imports or runs `slogate.cli` as a library (only `slogate/cli/` and
   `slogate/__main__.py`, the program's entry, name it);
2. report/ imports no platform;
3. nothing outside a platform's folder (`slogate/platform/local/`, `slogate/platform/kubernetes/`)
   imports it, except the platform registry.

No allow-list beyond these: a new module that breaks a rule fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "slogate"
REGISTRY = PACKAGE / "platform" / "registry.py"
CODE_NAMING_CLI = re.compile(r"\bfrom slogate\.cli\b[\w.]* import\b|\bimport slogate\.cli\b")
MODULE_CLI = re.compile(r"slogate\.cli(\.\w+)*")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    """Every module `path` imports (absolute names), also inside functions."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _cli_in_strings(path: Path) -> list[str]:
    """Strings that run the CLI as a library: `python -c "from slogate.cli import main"` or
    `-m slogate.cli` (a docstring that mentions the package is not one)."""
    tree = ast.parse(path.read_text(), str(path))
    texts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    return [
        text
        for text in texts
        if isinstance(text, str)
        and (CODE_NAMING_CLI.search(text) or MODULE_CLI.fullmatch(text.strip()))
    ]


def _under(path: Path, *parts: str) -> bool:
    return path.is_relative_to(PACKAGE.joinpath(*parts))


def _named(names: list[str], package: str) -> list[str]:
    return [name for name in names if name == package or name.startswith(package + ".")]


def test_the_rules_see_imports_and_command_lines(tmp_path: Path) -> None:
    """The readers themselves: an import in a function and a `python -c` string both count."""
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n    from slogate.platform.local import stack\n"
        "COMMAND = ['python', '-c', 'from slogate.cli import main; main()']\n"
        '"""The CLI lives in slogate.cli; this docstring runs nothing."""\n'
    )
    assert _named(_imports(module), "slogate.platform.local") == [
        "slogate.platform.local",
        "slogate.platform.local.stack",
    ]
    assert _cli_in_strings(module) == ["from slogate.cli import main; main()"]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_below_the_face_uses_the_cli(path: Path) -> None:
    if _under(path, "cli") or path == PACKAGE / "__main__.py":
        return
    assert _named(_imports(path), "slogate.cli") == []
    assert _cli_in_strings(path) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_report_imports_no_platform(path: Path) -> None:
    if not _under(path, "report"):
        return
    assert _named(_imports(path), "slogate.platform") == []


IMPLEMENTATIONS = ("local", "kubernetes")


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_registry_imports_a_platform(path: Path, implementation: str) -> None:
    if _under(path, "platform", implementation) or path == REGISTRY:
        return
    assert _named(_imports(path), f"slogate.platform.{implementation}") == []
