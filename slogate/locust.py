"""What a locustfile imports: the request mix of the open model and the user class that runs
it. IMPORTS GEVENT AND LOCUST: only a locustfile imports this module (slogate always runs
Locust in a subprocess, so gevent's monkey-patching never reaches the engine).

A whole locustfile::

    from slogate.locust import Action, PreparedRequest, open_model_user


    def open_item(rng):
        return PreparedRequest(f"/api/items/{rng.randrange(1, 100)}")


    ACTIONS = [  # method, route template (the server's), weight, request builder
        Action("GET", "/api/items", 3, lambda rng: PreparedRequest("/api/items?limit=20")),
        Action("GET", "/api/items/{item_id}", 1, open_item),
    ]
    OpenModelUser = open_model_user(ACTIONS)

`slogate load PROFILE` and `slogate run GATE` start the user class named `OpenModelUser`.
Each Locust process runs one: it walks the process's share of the profile's seeded schedule
and starts each request at its intended time, drawn from ACTIONS by weight. An action's
`route` is the template every statistic groups by (keep it equal to the server's); its
`prepare(rng)` builds the concrete path and JSON body (None: use the `fallback` action), and
`after(status, body)`, when given, sees each 2xx answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

from slogate.load.actions import Action, PreparedRequest
from slogate.load.locust_options import add_arguments
from slogate.load.openmodel import OpenModel

__all__ = ["Action", "OpenModel", "OpenModelUserBase", "PreparedRequest", "open_model_user"]


class OpenModelUserBase(FastHttpUser):
    """The kind of class `open_model_user` returns (abstract: Locust never runs this one)."""

    abstract = True
    wait_time = between(0, 0)
    model: ClassVar[OpenModel | None] = None  # this process's open model, once Locust is up


def open_model_user(
    actions: list[Action], prepare: Callable[[str], None] | None = None
) -> type[OpenModelUserBase]:
    """Install the open model of `actions` in this Locust process (its command-line options
    and listeners) and return the user class that runs it; assign that to `OpenModelUser`.

    `prepare(host)` runs in each process before its first scheduled request (e.g. to discover
    ids in the target's data); when it raises, the run ends as failed with the error's text.
    """

    class _OpenModelUser(OpenModelUserBase):
        """Runs the selected profile as an open model (one per Locust process is enough)."""

        abstract = False

        @task
        def run_profile(self) -> None:
            model, host = type(self).model, self.host
            assert model is not None and host is not None, "Locust sets both before users run"
            if prepare is not None:
                try:
                    prepare(host)
                except Exception as error:
                    model.abort(str(error))
                    raise StopUser() from None
            model.dispatch(host)
            raise StopUser()

    def add_options(parser: Any, **_: Any) -> None:
        add_arguments(parser)

    def install(environment: Any, **_: Any) -> None:
        _OpenModelUser.model = OpenModel(environment, actions)
        _OpenModelUser.model.install()

    _OpenModelUser.__name__ = _OpenModelUser.__qualname__ = "OpenModelUser"
    events.init_command_line_parser.add_listener(add_options)  # type: ignore[no-untyped-call]
    events.init.add_listener(install)  # type: ignore[no-untyped-call]
    return _OpenModelUser
