"""Chaos: slogate's Chaos Toolkit extension, the fault ledger and rollback.

actions.py      activities experiments call (terminate_replicas, inject_latency, ...)
probes.py       probes experiments call (objective_holds, all_replicas_ready, ...)
backends/       the stack's ChaosBackend, from its platform (slogate.platform)
target.py       which stack, run and experiment an activity acts for
ledger.py       the append-only fault ledger (intent before apply)
rollback.py     open faults removed from the ledger alone
journal.py      Chaos Toolkit's journal read into a verdict
runner.py       `slogate chaos`: sweep, background load, `chaos run`, clean-up, verdict

Experiments name the activity modules (`slogate.chaos.actions`, `slogate.chaos.probes`);
nothing is re-exported here.
"""

__all__: list[str] = []
