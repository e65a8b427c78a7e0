"""Locust FastHttpUser bare (closed loop, no wait): the reference for slogate's overhead."""

import cpu_probe  # noqa: F401  (CPU per request, see cpu_probe.py)
from locust import FastHttpUser, constant, task


class BareUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def bench(self):
        self.client.get("/bench")
