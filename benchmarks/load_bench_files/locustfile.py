"""One endpoint, for the load benchmark: the open model with a single GET action."""

from slogate.locust import Action, PreparedRequest, open_model_user

ACTIONS = [Action("GET", "/bench", 1, lambda rng: PreparedRequest("/bench"))]
OpenModelUser = open_model_user(ACTIONS)
