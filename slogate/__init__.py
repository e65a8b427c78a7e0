"""slogate: a reliability test harness.

It brings a service up, drives traffic at it with Locust, breaks it on purpose with Chaos
Toolkit experiments and asks Prometheus whether the service kept its SLOs.
"""

__version__ = "0.1.0"
