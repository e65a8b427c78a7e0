"""`slogate run GATE`: one command from nothing to a verdict and a report.

plan.py        the gate resolved: profile, SLO spec, experiments, planned phases
preflight.py   can the planned load demonstrate each objective? (exit 2 otherwise)
signals.py     Ctrl-C / SIGTERM: the first interrupts, later ones are ignored
platform.py    the stack, in this process: up, supervised by a thread, always down
seeding.py     the data set (`python -m target_service seed`), in the background
startup.py     seeding and the load generator's start overlap the stack's start-up
traffic.py     load in a subprocess, chaos experiments at their offsets, abort on breach
progress.py    phase, elapsed/remaining, rate, errors, p95, active faults
windows.py     phase windows from the timeline and the ledger's fault windows
verdicts.py    per-phase SLO evaluation, client vs server, time to recover
series.py      time series for the report's charts
orchestrator.py the thin sequence of phases
"""
