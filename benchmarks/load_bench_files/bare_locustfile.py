"""Locust FastHttpUser bare (closed loop, no wait): the reference for slogate's overhead."""

from locust import FastHttpUser, constant, task


class BareUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def bench(self):
        self.client.get("/bench")
