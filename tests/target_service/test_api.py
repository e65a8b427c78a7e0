"""The REST API against a real service process and a real Redis."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

pytestmark = pytest.mark.slow

MISSING_ID = "7f3c2a10-5d4e-4b6a-9c8d-0123456789ab"


def make_organisation(client: httpx.Client, name: str = "Riverside Health") -> dict:
    response = client.post("/api/v1/organisations", json={"name": name, "country": "NL"})
    assert response.status_code == 201, response.text
    return response.json()


def make_clinic(client: httpx.Client, organisation_id: str, name: str = "Delft Dental") -> dict:
    body = {"organisation_id": organisation_id, "name": name, "city": "Delft", "capacity": 40}
    response = client.post("/api/v1/clinics", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_organisation_create_read_list_delete(client: httpx.Client) -> None:
    created = make_organisation(client, "  Harbour Care  ")
    assert created["name"] == "Harbour Care"
    assert created["country"] == "NL"
    uuid.UUID(created["id"])

    read = client.get(f"/api/v1/organisations/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created

    listed = client.get("/api/v1/organisations", params={"limit": 200}).json()
    assert created in listed["items"]
    assert listed["total"] >= 1

    assert client.delete(f"/api/v1/organisations/{created['id']}").status_code == 204
    assert client.get(f"/api/v1/organisations/{created['id']}").status_code == 404
    assert client.delete(f"/api/v1/organisations/{created['id']}").status_code == 404


def test_list_is_paginated_newest_first(client: httpx.Client) -> None:
    organisation = make_organisation(client)
    clinics = [make_clinic(client, organisation["id"], f"Clinic {i}") for i in range(5)]
    params = {"organisation_id": organisation["id"], "offset": 1, "limit": 2}
    page = client.get("/api/v1/clinics", params=params).json()
    assert page["total"] == 5
    assert (page["offset"], page["limit"]) == (1, 2)
    assert [c["name"] for c in page["items"]] == ["Clinic 3", "Clinic 2"]
    assert [c["id"] for c in page["items"]] == [clinics[3]["id"], clinics[2]["id"]]


def test_children_need_a_parent_and_block_its_delete(client: httpx.Client) -> None:
    missing = str(uuid.uuid4())
    body = {"organisation_id": missing, "name": "Orphan", "city": "Cork", "capacity": 5}
    orphan = client.post("/api/v1/clinics", json=body)
    assert orphan.status_code == 404
    assert missing in orphan.json()["detail"]

    organisation = make_organisation(client)
    clinic = make_clinic(client, organisation["id"])
    assignment = client.post(
        "/api/v1/assignments",
        json={
            "clinic_id": clinic["id"],
            "staff_name": "Iris Berg",
            "role": "nurse",
            "weekly_hours": 32,
        },
    )
    assert assignment.status_code == 201, assignment.text
    assert client.delete(f"/api/v1/clinics/{clinic['id']}").status_code == 409
    assert client.delete(f"/api/v1/organisations/{organisation['id']}").status_code == 409

    listed = client.get("/api/v1/assignments", params={"clinic_id": clinic["id"]}).json()
    assert [a["staff_name"] for a in listed["items"]] == ["Iris Berg"]
    assert client.delete(f"/api/v1/assignments/{assignment.json()['id']}").status_code == 204
    assert client.delete(f"/api/v1/clinics/{clinic['id']}").status_code == 204
    assert client.delete(f"/api/v1/organisations/{organisation['id']}").status_code == 204


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/organisations", {"name": "", "country": "NL"}, "name"),
        ("/api/v1/organisations", {"name": "   ", "country": "NL"}, "name"),
        ("/api/v1/organisations", {"name": "A", "country": "nl"}, "country"),
        ("/api/v1/organisations", {"name": "A", "country": "NL", "extra": 1}, "extra"),
        ("/api/v1/organisations", {"name": "x" * 121, "country": "NL"}, "name"),
        (
            "/api/v1/clinics",
            {"organisation_id": "not-a-uuid", "name": "A", "city": "B", "capacity": 1},
            "organisation_id",
        ),
        (
            "/api/v1/clinics",
            {"organisation_id": MISSING_ID, "name": "A", "city": "B", "capacity": 0},
            "capacity",
        ),
        (
            "/api/v1/assignments",
            {"clinic_id": MISSING_ID, "staff_name": "A", "role": "chef", "weekly_hours": 8},
            "role",
        ),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: httpx.Client, path: str, body: dict, field: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert field in [str(part) for problem in response.json()["detail"] for part in problem["loc"]]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/v1/organisations/not-a-uuid", 422),
        ("GET", "/api/v1/organisations?limit=0", 422),
        ("GET", "/api/v1/organisations?limit=201", 422),
        ("GET", "/api/v1/organisations?offset=-1", 422),
        ("GET", f"/api/v1/clinics/{MISSING_ID}", 404),
        ("PUT", "/api/v1/organisations", 405),
        ("GET", "/api/v1/nowhere", 404),
    ],
)
def test_bad_requests_are_4xx(client: httpx.Client, method: str, path: str, expected: int) -> None:
    assert client.request(method, path).status_code == expected


def test_malformed_json_is_422(client: httpx.Client) -> None:
    response = client.post(
        "/api/v1/organisations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_openapi_schema_lists_the_api(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/organisations/{organisation_id}" in paths
    assert set(paths["/api/v1/clinics"]) == {"get", "post"}


# Blank to Python's `\s` but not to ECMAScript's (the JSON Schema regex dialect): a
# schema-driven client (schemathesis found "\u0085", which pydantic strips) must read a name
# made of them as invalid too.
PYTHON_ONLY_BLANKS = ["\x1c", "\x1d", "\x1e", "\x1f", "\x85"]


@pytest.mark.parametrize(
    "blank", PYTHON_ONLY_BLANKS, ids=[f"U+{ord(c):04X}" for c in PYTHON_ONLY_BLANKS]
)
def test_a_blank_name_is_invalid_to_the_schema_and_to_the_service(
    client: httpx.Client, blank: str
) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    pattern = schemas["OrganisationCreate"]["properties"]["name"]["pattern"]
    assert re.search(pattern, blank) is None  # the published schema says: not a name
    assert re.search(pattern, f"{blank}Clinic{blank}") is not None
    response = client.post("/api/v1/organisations", json={"name": blank, "country": "DE"})
    assert response.status_code == 422
    accepted = client.post("/api/v1/organisations", json={"name": f"{blank}Acme", "country": "DE"})
    assert accepted.status_code == 201 and accepted.json()["name"].endswith("Acme")
