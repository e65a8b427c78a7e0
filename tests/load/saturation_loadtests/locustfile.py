"""The load benchmark's locustfile (one GET action, the open model), reused as is: importing
it registers its listeners and gives Locust its `OpenModelUser`."""

from benchmarks.load_bench_files.locustfile import OpenModelUser

__all__ = ["OpenModelUser"]
