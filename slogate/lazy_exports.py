"""A package's public names, imported from their modules when first asked for (PEP 562).

`slogate.load`, `slogate.slo` and `slogate.report` re-export names from their modules.
Importing them all with the package made every importer pay for every module: the Locust
process reaches the open model through `slogate.load` (the engine's runner, results and UI
session cost it about 0.4 s of start-up), and `slogate load` reaches a selector's syntax
through `slogate.slo` (the evaluation and its Prometheus client, about 0.2 s) and the
evidence rows through `slogate.report` (the comparison and the writers). Type checkers see
the names through each package's `if TYPE_CHECKING:` imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, module_of: Mapping[str, str]) -> Callable[[str], Any]:
    """The package's `__getattr__`: `module_of` maps each public name to its module's name
    inside the package."""

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
