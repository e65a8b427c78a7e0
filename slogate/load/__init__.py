"""Load generation: profiles, the seeded arrival schedule, the Locust runner and its results.

Locust always runs in a subprocess. The engine (and pytest) import only modules that never
import gevent or locust: `profiles`, `schedule`, `actions`, `tally`, `client_metrics`,
`run_files`, `results`, `runner`, `progress`. `openmodel` imports gevent and locust: only a
locustfile (inside the Locust process) imports it, as its docstring says.
"""
