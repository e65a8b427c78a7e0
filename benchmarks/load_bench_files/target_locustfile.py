"""The reference service's organisation list, for the vegeta benchmark: one GET action."""

from slogate.locust import Action, PreparedRequest, open_model_user

PATH = "/api/v1/organisations?limit=1"
ACTIONS = [Action("GET", "/api/v1/organisations", 1, lambda rng: PreparedRequest(PATH))]
OpenModelUser = open_model_user(ACTIONS)
