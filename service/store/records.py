"""What the plan store keeps: the `PlanRecord` row, its kinds and statuses, and the store's exceptions.

A record is stored exactly as given: `request` and `response` are opaque bytes (the servicer
serializes its protos; this package never imports generated code), the three small dicts are
stored as JSON. Validation here runs before any database work, so a bad record writes nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, get_args

PlanKind = Literal["plan", "comparison", "replan"]
PLAN_KINDS: tuple[str, ...] = get_args(PlanKind)

DEFAULT_TENANT = "default"
"""The tenant of records stored without one (a server without authentication, and records from before
tenancy)."""
FAILED = "FAILED"
"""Status of a record whose solve failed; `failure_reason` says why and `response` is empty."""

JsonDict = dict[str, Any]


class StoreError(Exception):
    """Base class of the plan store's own errors."""


class DuplicateRequestError(StoreError):
    """A non-failed record with the same (kind, request_id) is already stored; nothing was written."""

    def __init__(self, kind: str, request_id: str, existing_plan_id: str) -> None:
        self.kind = kind
        self.request_id = request_id
        self.existing_plan_id = existing_plan_id
        super().__init__(f"{kind} request {request_id!r} is already stored as plan {existing_plan_id}")


class DuplicatePlanIdError(StoreError):
    """A record with this plan_id is already stored; nothing was written."""

    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id
        super().__init__(f"plan {plan_id} is already stored")


def new_plan_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class PlanRecord:
    """One stored plan, scenario comparison or replan, with the request that produced it.

    Records returned by `list()` carry empty `request` and `response` (fetch the blobs with `get()`).
    """

    kind: str
    status: str
    request: bytes = b""
    response: bytes = b""
    request_id: str = ""
    failure_reason: str = ""
    parent_plan_id: str = ""
    summary: JsonDict = field(default_factory=dict)
    model_versions: JsonDict = field(default_factory=dict)
    solver_parameters: JsonDict = field(default_factory=dict)
    plan_id: str = field(default_factory=new_plan_id)
    created_at: datetime = field(default_factory=utc_now)
    tenant: str = DEFAULT_TENANT

    def __post_init__(self) -> None:
        problems = _record_problems(self)
        if problems:
            raise ValueError("invalid plan record: " + "; ".join(problems))
        # One instant, one representation: UTC, whole microseconds (what both databases keep).
        object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))

    @classmethod
    def failed(cls, *, kind: str, request: bytes, reason: str, **fields: Any) -> PlanRecord:
        """A record of a solve that failed: status FAILED, empty response, `reason` kept for the operator."""
        return cls(kind=kind, status=FAILED, request=request, response=b"", failure_reason=reason, **fields)

    @property
    def is_failed(self) -> bool:
        return self.status == FAILED

    def without_blobs(self) -> PlanRecord:
        return replace(self, request=b"", response=b"")


def _record_problems(record: PlanRecord) -> list[str]:
    problems: list[str] = []
    if not isinstance(record.tenant, str) or not record.tenant:
        problems.append("tenant must be a non-empty string")
    if record.kind not in PLAN_KINDS:
        problems.append(f"kind must be one of {', '.join(PLAN_KINDS)}, not {record.kind!r}")
    if not record.status:
        problems.append("status must not be empty")
    try:
        uuid.UUID(record.plan_id)
    except (ValueError, TypeError, AttributeError):
        problems.append(f"plan_id must be a UUID string, not {record.plan_id!r}")
    if not isinstance(record.created_at, datetime) or record.created_at.utcoffset() is None:
        problems.append("created_at must be a timezone-aware datetime")
    for name in ("request", "response"):
        if not isinstance(getattr(record, name), bytes):
            problems.append(f"{name} must be bytes (the serialized proto)")
    for name in ("summary", "model_versions", "solver_parameters"):
        if not isinstance(getattr(record, name), Mapping):
            problems.append(f"{name} must be a dict")
    return problems


def to_json(name: str, value: Mapping[str, Any]) -> str:
    """Compact, key-sorted JSON; NaN/Infinity and non-JSON values are refused (PostgreSQL JSONB refuses them too)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} is not plain JSON: {error}") from error


def from_json(value: str | Mapping[str, Any] | None) -> JsonDict:
    """SQLite hands back JSON text, PostgreSQL an already parsed JSONB value."""
    if value is None:
        return {}
    if isinstance(value, str):
        parsed = json.loads(value)
        return dict(parsed) if isinstance(parsed, dict) else {}
    return dict(value)
