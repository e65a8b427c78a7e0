"""Platforms that bring the service under test up and down (local processes, Kubernetes)."""
