"""`slogate run GATE`: one command from nothing to a verdict and a report.

plan.py        the gate resolved: profile, SLO spec, experiments, planned phases
preflight.py   can the planned load demonstrate each objective? (exit 2 otherwise)
platform.py    the stack, in this process: up, supervised by a thread, always down
startup.py     seeding (platform/local/seeding.py) and the load generator's start overlap
               the stack's start-up
traffic.py     load in a subprocess, chaos experiments at their offsets, abort on breach
progress.py    phase, elapsed/remaining, rate, errors, p95, active faults
windows.py     phase windows from the timeline and the ledger's fault windows
verdicts.py    per-phase SLO evaluation, client vs server, time to recover
series.py      time series for the report's charts
history.py     the stack's ledger and logs into the report; its folder removed
orchestrator.py the thin sequence of phases
"""
