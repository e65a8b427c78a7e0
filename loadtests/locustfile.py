"""User journeys over the seeded clinic network (`python -m target_service seed`).

Run through slogate (`slogate load PROFILE`), which starts Locust in a subprocess:

- `OpenModelUser` runs the chosen profile as an open model: one dispatcher per Locust
  process starts each request at its scheduled time, picking the request from the weighted
  mix in ACTIONS (browse organisations, open a clinic, create and remove assignments).
- `BrowsingUser` and `SchedulingUser` are the same journeys as closed-loop users, for
  exploring in the web UI (`slogate load PROFILE --ui`, user classes selectable).

Request names are the service's route templates, so statistics group per route. Adapt the
journeys and weights to your service; keep the route templates equal to the server's.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from collections import deque

from locust import FastHttpUser, between, task

from slogate.locust import Action, PreparedRequest, open_model_user

API = "/api/v1"
ROLES = ("physician", "nurse", "pharmacist", "receptionist", "technician")
NAMES = ("Anna de Vries", "Bram Peeters", "Eva Müller", "Finn Murphy", "Iris Jensen")


class SeededData:
    """Ids of the seeded data set, discovered once per process, and assignments we created."""

    def __init__(self) -> None:
        self.organisations: list[str] = []
        self.clinics: list[str] = []
        self.created: deque[str] = deque(maxlen=10_000)

    def discover(self, host: str) -> None:
        if self.clinics:
            return
        self.organisations = self._ids(host, f"{API}/organisations", "?limit=200")
        self.clinics = self._ids(host, f"{API}/clinics", "?limit=200")
        if not self.organisations or not self.clinics:
            raise RuntimeError(
                f"no seeded data at {host}: seed it first with `TARGET_REDIS_URL="
                "redis://127.0.0.1:PORT/0 python -m target_service seed` (PORT: the redis "
                "line of `slogate status`; `slogate up` and `slogate run` seed by themselves "
                "unless told --no-seed)"
            )

    @staticmethod
    def _ids(host: str, route: str, query: str) -> list[str]:
        """Ids from a list route; counted in the client metrics (the server counts it too)."""
        started, status = time.perf_counter(), 0
        try:
            with urllib.request.urlopen(host.rstrip("/") + route + query, timeout=10) as answer:
                status = answer.status
                return [item["id"] for item in json.load(answer)["items"]]
        except urllib.error.HTTPError as error:
            status = error.code
            raise
        finally:
            model = OpenModelUser.model
            if model is not None:
                seconds = time.perf_counter() - started
                error_kind = None if status else "other"
                model.recorder.record_response(
                    "GET", route, status, seconds, seconds, 0, error_kind, scheduled=False
                )

    def remember_assignment(self, status: int, body: bytes) -> None:
        self.created.append(json.loads(body)["id"])

    # request builders for ACTIONS ---------------------------------------------------------

    def browse_organisations(self, rng: random.Random) -> PreparedRequest:
        return PreparedRequest(f"{API}/organisations?offset={rng.randrange(0, 20)}&limit=20")

    def open_organisation(self, rng: random.Random) -> PreparedRequest:
        return PreparedRequest(f"{API}/organisations/{rng.choice(self.organisations)}")

    def list_clinics(self, rng: random.Random) -> PreparedRequest:
        organisation = rng.choice(self.organisations)
        return PreparedRequest(f"{API}/clinics?organisation_id={organisation}&limit=20")

    def open_clinic(self, rng: random.Random) -> PreparedRequest:
        return PreparedRequest(f"{API}/clinics/{rng.choice(self.clinics)}")

    def list_assignments(self, rng: random.Random) -> PreparedRequest:
        return PreparedRequest(f"{API}/assignments?clinic_id={rng.choice(self.clinics)}&limit=20")

    def create_assignment(self, rng: random.Random) -> PreparedRequest:
        body = {
            "clinic_id": rng.choice(self.clinics),
            "staff_name": rng.choice(NAMES),
            "role": rng.choice(ROLES),
            "weekly_hours": rng.randint(8, 40),
        }
        return PreparedRequest(f"{API}/assignments", body)

    def remove_assignment(self, rng: random.Random) -> PreparedRequest | None:
        if not self.created:
            return None
        return PreparedRequest(f"{API}/assignments/{self.created.popleft()}")


DATA = SeededData()

# The open-model request mix: weights are shares of all request starts.
ACTIONS = [
    Action("GET", f"{API}/organisations", 20, DATA.browse_organisations),
    Action("GET", f"{API}/organisations/{{organisation_id}}", 15, DATA.open_organisation),
    Action("GET", f"{API}/clinics", 15, DATA.list_clinics),
    Action("GET", f"{API}/clinics/{{clinic_id}}", 25, DATA.open_clinic),
    Action("GET", f"{API}/assignments", 10, DATA.list_assignments),
    Action("POST", f"{API}/assignments", 8, DATA.create_assignment, DATA.remember_assignment),
    Action(
        "DELETE",
        f"{API}/assignments/{{assignment_id}}",
        7,
        DATA.remove_assignment,
        fallback=f"{API}/assignments",
    ),
]


def discover_seeded_data(host):
    """Before the first scheduled request: the ids the actions draw from."""
    try:
        DATA.discover(host)
    except Exception as error:
        raise RuntimeError(f"cannot discover the seeded data at {host}: {error}") from None


# Runs the selected profile as an open model (slogate starts this class).
OpenModelUser = open_model_user(ACTIONS, prepare=discover_seeded_data)


class _JourneyUser(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)

    def on_start(self):
        DATA.discover(self.host)
        self.rng = random.Random()

    def _get(self, prepared, route):
        return self.client.get(prepared.path, name=route)


class BrowsingUser(_JourneyUser):
    """Browse organisations, open one, list its clinics, open a clinic."""

    weight = 3

    @task
    def browse(self):
        self._get(DATA.browse_organisations(self.rng), f"{API}/organisations")
        self._get(DATA.open_organisation(self.rng), f"{API}/organisations/{{organisation_id}}")
        self._get(DATA.list_clinics(self.rng), f"{API}/clinics")
        self._get(DATA.open_clinic(self.rng), f"{API}/clinics/{{clinic_id}}")


class SchedulingUser(_JourneyUser):
    """Open a clinic, assign a member of staff, list the clinic's staff, remove the assignment."""

    weight = 1

    @task
    def schedule(self):
        self._get(DATA.open_clinic(self.rng), f"{API}/clinics/{{clinic_id}}")
        create = DATA.create_assignment(self.rng)
        answer = self.client.post(create.path, json=create.body, name=f"{API}/assignments")
        self._get(DATA.list_assignments(self.rng), f"{API}/assignments")
        if answer.status_code == 201:
            assignment = json.loads(answer.content)["id"]
            self.client.delete(
                f"{API}/assignments/{assignment}", name=f"{API}/assignments/{{assignment_id}}"
            )
