"""Cross-cutting parts of the service: settings, lifecycle, metrics, resilience, faults."""
