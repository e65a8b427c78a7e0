"""Load generation: profiles, the seeded arrival schedule, the Locust runner and its results.

Modules that the engine (and pytest) imports never import gevent or locust:
`profiles`, `schedule`, `tally`, `results`, `runner`, `progress`. Locust always runs in a
subprocess; the modules only its locustfile imports (`openmodel`, `client_metrics`) may
import gevent and say so in their docstrings.
"""
