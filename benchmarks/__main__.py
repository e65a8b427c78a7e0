"""`python -m benchmarks`: run every benchmark module in this package (each exposes `main()`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main() -> int:
    worst = 0
    for module_info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"benchmarks.{module_info.name}")
        entry = getattr(module, "main", None)
        if entry is None:
            continue
        print(f"== benchmarks.{module_info.name}", flush=True)
        worst = max(worst, int(entry([]) or 0))
    return worst


if __name__ == "__main__":
    sys.exit(main())
