"""API models (pydantic v2): what clients send and what the service answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# At least one character that is not whitespace to Python (which strips the value) nor to
# the JSON Schema regex dialect (ECMAScript, whose \s lacks U+001C-U+001F and U+0085): the
# published schema and the validation then accept the same names.
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=NOT_BLANK)
]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

T = TypeVar("T")


class StaffRole(StrEnum):
    PHYSICIAN = "physician"
    NURSE = "nurse"
    PHARMACIST = "pharmacist"
    RECEPTIONIST = "receptionist"
    TECHNICIAN = "technician"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganisationCreate(_Input):
    name: Name
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 code, e.g. 'NL'.")


class Organisation(OrganisationCreate):
    id: UUID
    created_at: datetime


class ClinicCreate(_Input):
    organisation_id: UUID
    name: Name
    city: Name
    capacity: int = Field(ge=1, le=10_000, description="Patients seen per day.")


class Clinic(ClinicCreate):
    id: UUID
    created_at: datetime


class AssignmentCreate(_Input):
    clinic_id: UUID
    staff_name: Name
    role: StaffRole
    weekly_hours: int = Field(ge=1, le=60)


class Assignment(AssignmentCreate):
    id: UUID
    created_at: datetime


class Page(BaseModel, Generic[T]):
    """One page of a list, newest first."""

    items: list[T]
    total: int = Field(ge=0)
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)


class Problem(BaseModel):
    """An error answer."""

    detail: str
