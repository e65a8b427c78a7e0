"""The SLO checker: SLO specs, PromQL, statistics, verdicts and alert rules.

spec.py        the `slo/*.yaml` format (pydantic models, `load_spec`)
promql.py      selectors and queries for built-in and custom SLIs (pure)
counting.py    reset-aware counter deltas from raw samples (pure)
stats.py       Clopper–Pearson bounds, required samples, verdicts, quantiles, budgets (pure)
prometheus.py  a small HTTP client with timeouts and auth
evaluate.py    objectives x places -> results with evidence (`CheckReport`)
window.py      the window of `slogate check` (--last, --since, --until)
rules.py       recording rules, burn-rate alerts and the target's operational alerts

The checker prints nothing: report/ turns results into files, cli/ draws them.

The names below are imported when first asked for (slogate/lazy_exports.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slogate.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from slogate.slo.evaluate import (
        CheckReport,
        ObjectiveResult,
        Window,
        evaluate_spec,
        exit_code_of,
    )
    from slogate.slo.prometheus import PrometheusAuth, PrometheusClient, PrometheusUnavailable
    from slogate.slo.rules import write_rule_files
    from slogate.slo.spec import Objective, Place, SLOSpec, load_spec
    from slogate.slo.stats import Verdict

_MODULE_OF = {
    "CheckReport": "evaluate",
    "Objective": "spec",
    "ObjectiveResult": "evaluate",
    "Place": "spec",
    "PrometheusAuth": "prometheus",
    "PrometheusClient": "prometheus",
    "PrometheusUnavailable": "prometheus",
    "SLOSpec": "spec",
    "Verdict": "stats",
    "Window": "evaluate",
    "evaluate_spec": "evaluate",
    "exit_code_of": "evaluate",
    "load_spec": "spec",
    "write_rule_files": "rules",
}

__all__ = [
    "CheckReport",
    "Objective",
    "ObjectiveResult",
    "Place",
    "PrometheusAuth",
    "PrometheusClient",
    "PrometheusUnavailable",
    "SLOSpec",
    "Verdict",
    "Window",
    "evaluate_spec",
    "exit_code_of",
    "load_spec",
    "write_rule_files",
]

__getattr__ = lazy_exports(__name__, _MODULE_OF)
