"""The SLO checker: SLO specs, PromQL, statistics, verdicts, outputs and alert rules.

spec.py        the `slo/*.yaml` format (pydantic models, `load_spec`)
promql.py      selectors and queries for built-in and custom SLIs (pure)
counting.py    reset-aware counter deltas from raw samples (pure)
stats.py       Clopper–Pearson bounds, required samples, verdicts, quantiles, budgets (pure)
prometheus.py  a small HTTP client with timeouts and auth
evaluate.py    objectives x places -> results with evidence
rules.py       recording rules, burn-rate alerts and the target's operational alerts
"""
