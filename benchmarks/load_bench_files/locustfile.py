"""One endpoint, for the load benchmark: the open model with a single GET action."""

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

from slogate.load.actions import Action, PreparedRequest
from slogate.load.openmodel import OpenModel, add_arguments

ACTIONS = [Action("GET", "/bench", 1, lambda rng: PreparedRequest("/bench"))]
MODEL = None


@events.init_command_line_parser.add_listener
def _arguments(parser, **_kwargs):
    add_arguments(parser)


@events.init.add_listener
def _install(environment, **_kwargs):
    global MODEL
    MODEL = OpenModel(environment, ACTIONS)
    MODEL.install()


class OpenModelUser(FastHttpUser):
    wait_time = between(0, 0)

    @task
    def run_profile(self):
        MODEL.dispatch(self.host)
        raise StopUser()
