"""Chaos: slogate's Chaos Toolkit extension (actions, probes), the fault ledger and rollback."""
