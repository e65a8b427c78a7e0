"""A realistic, deterministic data set for load tests: organisations, clinics, staff."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from target_service.domain.models import (
    AssignmentCreate,
    ClinicCreate,
    OrganisationCreate,
    StaffRole,
)
from target_service.domain.store import ASSIGNMENTS, CLINICS, ORGANISATIONS, ClinicStore

_ORG_WORDS = ("Northern", "Riverside", "Harbour", "Valley", "Lakeside", "Summit", "Meadow", "Coast")
_ORG_KINDS = ("Health", "Care Group", "Medical Network", "Clinics", "Healthcare")
_COUNTRIES = ("NL", "BE", "DE", "FR", "GB", "IE", "DK", "SE")
_CITIES = ("Utrecht", "Ghent", "Leipzig", "Lyon", "Leeds", "Cork", "Aarhus", "Malmö", "Delft")
_CLINIC_KINDS = ("Family Practice", "Dental Clinic", "Physiotherapy", "Walk-in Centre", "Pharmacy")
_FIRST = ("Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Greta", "Hugo", "Iris", "Jonas")
_LAST = ("de Vries", "Peeters", "Müller", "Martin", "Smith", "Murphy", "Jensen", "Berg")
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_BATCH = 64


@dataclass(frozen=True)
class SeedPlan:
    organisations: int
    clinics_per_organisation: int
    staff_per_clinic: int
    seed: int


@dataclass(frozen=True)
class SeedSummary:
    organisations: int
    clinics: int
    assignments: int


async def seed(store: ClinicStore, plan: SeedPlan) -> SeedSummary:
    """Load the data set; the same plan gives the same ids and records (re-running is safe)."""
    rng = random.Random(plan.seed)
    sequence = 0

    def next_id_and_time() -> tuple[uuid.UUID, datetime]:
        nonlocal sequence
        sequence += 1
        return uuid.UUID(int=rng.getrandbits(128), version=4), _EPOCH + timedelta(seconds=sequence)

    pending: list[Awaitable[object]] = []
    counts = [0, 0, 0]

    async def flush() -> None:
        await asyncio.gather(*pending)
        pending.clear()

    for _ in range(plan.organisations):
        org_id, at = next_id_and_time()
        name = f"{rng.choice(_ORG_WORDS)} {rng.choice(_ORG_KINDS)} {org_id.hex[:4].upper()}"
        organisation = OrganisationCreate(name=name, country=rng.choice(_COUNTRIES))
        await store.create(ORGANISATIONS, organisation, record_id=org_id, at=at)
        counts[0] += 1
        for _ in range(plan.clinics_per_organisation):
            clinic_id, at = next_id_and_time()
            city = rng.choice(_CITIES)
            clinic = ClinicCreate(
                organisation_id=org_id,
                name=f"{city} {rng.choice(_CLINIC_KINDS)}",
                city=city,
                capacity=rng.randint(20, 400),
            )
            await store.create(CLINICS, clinic, record_id=clinic_id, at=at)
            counts[1] += 1
            for _ in range(plan.staff_per_clinic):
                assignment_id, at = next_id_and_time()
                assignment = AssignmentCreate(
                    clinic_id=clinic_id,
                    staff_name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                    role=rng.choice(list(StaffRole)),
                    weekly_hours=rng.choice((8, 16, 24, 32, 36, 40)),
                )
                pending.append(
                    store.create(ASSIGNMENTS, assignment, record_id=assignment_id, at=at)
                )
                counts[2] += 1
                if len(pending) >= _BATCH:
                    await flush()
            await flush()
    return SeedSummary(*counts)
