"""For test_a_generator_bound_search_exits_3_saying_so only: one GET of a path under /admin,
which the stack's HAProxy edge denies itself (403, a client's fault, not an error) without a
replica doing any work, so the edge answers far faster than one Locust process can ask."""

from slogate.locust import Action, PreparedRequest, open_model_user

ACTIONS = [Action("GET", "/admin/denied", 1, lambda rng: PreparedRequest("/admin/denied"))]
OpenModelUser = open_model_user(ACTIONS)
