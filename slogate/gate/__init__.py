"""`slogate run GATE`: one command from nothing to a verdict and a report.

plan.py         the gate resolved: profile, SLO spec, experiments, planned phases
preflight.py    can the planned load demonstrate each objective? (exit 2 otherwise)
traffic.py      load in a subprocess, chaos experiments at their offsets, abort on breach
phases.py       phase windows from the load's span and the ledger's faults (pure)
verdicts.py     per-phase SLO evaluation, client vs server, time to recover
series.py       time series for the report's charts
evidence.py     the run's evidence gathered once (RunEvidence); Prometheus asked once
decide.py       the verdict: exit code, status and notes from the evidence (pure)
assemble.py     the RunReport from the evidence and the decision (pure)
environment.py  versions, platform, cores (the report renders them)
history.py      the stack's ledger and logs into the report; its folder removed
progress.py     what the gate tells the face while it runs
eta.py          the whole run's ETA: planned load, the gate's last measured stages (pure)
orchestrator.py the thin sequence of phases

The stack itself comes from the gate's platform (slogate.platform: a session that is up for
this run only); the gate knows the Platform protocol, never an implementation.
"""

__all__ = ["GateOptions", "GateRun", "run_gate"]


def __getattr__(name: str) -> object:
    # the orchestrator imports scipy (via the SLO statistics): only when asked for
    if name in __all__:
        from slogate.gate import orchestrator

        return getattr(orchestrator, name)
    raise AttributeError(name)
