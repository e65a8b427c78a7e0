"""Locust FastHttpUser paced to a fixed total rate (closed loop, `constant_throughput` per
user): the reference for the open model's cost at the same rate. BENCH_USER_RATE is each
user's requests per second."""

import os

from locust import FastHttpUser, constant_throughput, task


class PacedUser(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("BENCH_USER_RATE", "1")))

    @task
    def bench(self):
        self.client.get("/bench")
