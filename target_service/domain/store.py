"""The clinic network in Redis.

Layout (every key under the `cn:` prefix, so `reset` removes only this service's data):
  cn:{kind}:{id}            the record, as JSON
  cn:{kind}:index           sorted set of all ids of a kind, scored by creation time
  cn:{parent}:{id}:{kind}   sorted set of a parent's children (clinics of an organisation,
                            assignments of a clinic)
Creates and deletes are Lua scripts, so a child is never created under a missing parent and a
parent with children is never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel
from redis.asyncio import Redis

from target_service.core.redis_gateway import ReadResult, RedisGateway
from target_service.domain.models import (
    Assignment,
    AssignmentCreate,
    Clinic,
    ClinicCreate,
    Organisation,
    OrganisationCreate,
)

PREFIX = "cn:"
REDIS_OPERATIONS = ("get", "list", "create", "delete", "count")

_CREATE = """
if KEYS[1] ~= '' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
if KEYS[4] ~= '' then redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3]) end
return 1
"""
_DELETE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if KEYS[2] ~= '' and redis.call('ZCARD', KEYS[2]) > 0 then return -1 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if KEYS[4] ~= '' then redis.call('ZREM', KEYS[4], ARGV[1]) end
return 1
"""

M = TypeVar("M", bound=BaseModel)
C = TypeVar("C", bound=BaseModel)


class NotFound(Exception):
    """The record (or the parent named in a create) does not exist."""


class HasChildren(Exception):
    """A delete was refused: the record still has children (clinics, assignments)."""


@dataclass(frozen=True)
class Kind(Generic[C, M]):
    name: str
    model: type[M]
    parent: str | None = None
    parent_field: str | None = None
    child: str | None = None

    def key(self, record_id: UUID | str) -> str:
        return f"{PREFIX}{self.name}:{record_id}"

    @property
    def index(self) -> str:
        return f"{PREFIX}{self.name}:index"

    def children_of(self, parent_id: UUID | str) -> str:
        return f"{PREFIX}{self.parent}:{parent_id}:{self.name}"

    def child_index(self, record_id: UUID | str) -> str:
        return f"{PREFIX}{self.name}:{record_id}:{self.child}" if self.child else ""


ORGANISATIONS: Kind[OrganisationCreate, Organisation] = Kind(
    "organisation", Organisation, child="clinic"
)
CLINICS: Kind[ClinicCreate, Clinic] = Kind(
    "clinic", Clinic, parent="organisation", parent_field="organisation_id", child="assignment"
)
ASSIGNMENTS: Kind[AssignmentCreate, Assignment] = Kind(
    "assignment", Assignment, parent="clinic", parent_field="clinic_id"
)
KINDS: tuple[Kind[Any, Any], ...] = (ORGANISATIONS, CLINICS, ASSIGNMENTS)


@dataclass(frozen=True)
class Counts:
    organisations: int
    clinics: int
    assignments: int


class ClinicStore:
    """Create, read, list and delete the clinic network's records."""

    def __init__(self, gateway: RedisGateway) -> None:
        self._gateway = gateway

    async def create(
        self, kind: Kind[C, M], data: C, record_id: UUID | None = None, at: datetime | None = None
    ) -> M:
        created_at = at or datetime.now(UTC)
        record = kind.model.model_validate(
            {**data.model_dump(), "id": record_id or uuid4(), "created_at": created_at}
        )
        record_key = kind.key(record.id)  # type: ignore[attr-defined]
        parent_id = getattr(data, kind.parent_field) if kind.parent_field else None
        parent_key = f"{PREFIX}{kind.parent}:{parent_id}" if parent_id else ""
        siblings = kind.children_of(parent_id) if parent_id else ""

        async def call(redis: Redis) -> int:
            return int(
                await redis.eval(
                    _CREATE,
                    4,
                    parent_key,
                    record_key,
                    kind.index,
                    siblings,
                    record.model_dump_json(),
                    created_at.timestamp(),
                    str(record.id),  # type: ignore[attr-defined]
                )
            )

        if await self._gateway.write("create", call) == 0:
            raise NotFound(f"{kind.parent} {parent_id} not found")
        return record

    async def get_json(self, kind: Kind[C, M], record_id: UUID) -> ReadResult[str]:
        """The record as stored (JSON of `kind.model`, validated when written)."""
        key = kind.key(record_id)

        async def call(redis: Redis) -> str | None:
            value = await redis.get(key)
            return None if value is None else str(value)

        result = await self._gateway.read("get", key, call)
        if result.value is None:
            raise NotFound(f"{kind.name} {record_id} not found")
        return ReadResult(result.value, stale=result.stale)

    async def get(self, kind: Kind[C, M], record_id: UUID) -> ReadResult[M]:
        result = await self.get_json(kind, record_id)
        return ReadResult(kind.model.model_validate_json(result.value), stale=result.stale)

    async def list_json(
        self, kind: Kind[C, M], offset: int, limit: int, parent_id: UUID | None = None
    ) -> ReadResult[tuple[int, list[str]]]:
        """One page, newest first: the total and the records as stored (JSON)."""
        index = kind.children_of(parent_id) if parent_id else kind.index

        async def call(redis: Redis) -> tuple[int, list[str]]:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.zcard(index)
                pipe.zrevrange(index, offset, offset + limit - 1)
                total, ids = await pipe.execute()
            if not ids:
                return int(total), []
            values = await redis.mget([kind.key(i) for i in ids])
            return int(total), [str(v) for v in values if v is not None]

        return await self._gateway.read("list", f"list:{index}:{offset}:{limit}", call)

    async def delete(self, kind: Kind[C, M], record_id: UUID) -> None:
        current = await self.get(kind, record_id)
        if current.stale:
            raise NotFound(f"{kind.name} {record_id} not found")
        parent_id = getattr(current.value, kind.parent_field) if kind.parent_field else None
        siblings = kind.children_of(parent_id) if parent_id else ""
        key = kind.key(record_id)

        async def call(redis: Redis) -> int:
            return int(
                await redis.eval(
                    _DELETE, 4, key, kind.child_index(record_id), kind.index, siblings,
                    str(record_id),
                )
            )  # fmt: skip

        outcome = await self._gateway.write("delete", call)
        if outcome == 0:
            raise NotFound(f"{kind.name} {record_id} not found")
        if outcome == -1:
            raise HasChildren(f"{kind.name} {record_id} still has {kind.child}s; delete them first")
        self._gateway.cache.forget(key)

    async def counts(self) -> Counts:
        async def call(redis: Redis) -> list[int]:
            async with redis.pipeline(transaction=False) as pipe:
                for kind in KINDS:
                    pipe.zcard(kind.index)
                return [int(n) for n in await pipe.execute()]

        result = await self._gateway.read("count", "counts", call)
        organisations, clinics, assignments = result.value
        return Counts(organisations, clinics, assignments)

    async def reset(self) -> int:
        """Delete every key of this service; the number deleted."""
        deleted = 0
        client = self._gateway.client
        batch: list[str] = []
        async for key in client.scan_iter(match=f"{PREFIX}*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += int(await client.unlink(*batch))
                batch.clear()
        if batch:
            deleted += int(await client.unlink(*batch))
        return deleted
