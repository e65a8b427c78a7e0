"""Every result `evaluate_spec` gives over the known data, recorded, to show a faster check
decides exactly as before.

    .venv/bin/python -m tests.slo.known_results > tests/slo/recorded/known_results.json

re-records them (it backfills its own Prometheus). The file was recorded with commit ee0944f,
before `slogate check` was made faster (issue 15); `tests/slo/test_check_prometheus.py`
compares every verdict, reason and piece of evidence with it, all but the PromQL text (which
the speed-up changed).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from slogate.slo.evaluate import Window, evaluate_spec
from slogate.slo.prometheus import PrometheusClient
from slogate.slo.spec import load_spec
from tests.slo.known_data import CUSTOM_SPEC, SPEC, known_prometheus

RECORDED = Path(__file__).parent / "recorded" / "known_results.json"
# windows relative to t0: the checked one, all the data, around the restart, two hours back
# (the long counter's resets and gap), ending in its gap
WINDOWS = [(100, 500), (0, 599), (150, 320), (-7100, 500), (-2800, -1500)]


def known_results(url: str, t0: int) -> dict[str, list[dict[str, Any]]]:
    """{"SPEC START END": [each result as JSON, without its queries]} over both specs."""
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, text in (("known", SPEC), ("custom", CUSTOM_SPEC)):
            path = Path(folder) / f"{name}.yaml"
            path.write_text(text)
            for start, end in WINDOWS:
                window = Window(start=t0 + start, end=t0 + end)
                with PrometheusClient(url) as client:
                    evaluated = evaluate_spec(load_spec(path), client, window)
                rows = []
                for result in evaluated:
                    row = result.model_dump(mode="json")
                    row["evidence"].pop("queries")
                    rows.append(row)
                results[f"{name} {start} {end}"] = rows
    return results


if __name__ == "__main__":
    with known_prometheus() as (url, t0):
        print(json.dumps(known_results(url, t0), indent=1, sort_keys=True))
