"""`PlanStore`: the awaitable face of the plan store, for the grpc.aio servicers.

Every call runs the blocking `SyncPlanStore` method in a worker thread (`asyncio.to_thread`), so a
database round trip or an fsync never stalls the event loop. Semantics are those of `SyncPlanStore`.
Each call of a traced RPC is a span `store.<operation>` (service/tracing.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from service.store.records import DEFAULT_TENANT, PlanRecord
from service.store.sql_store import RecordPage, SyncPlanStore
from service.tracing import span


class PlanStore:
    """Async plan store; `sync` is the blocking store underneath (for scripts and tests)."""

    def __init__(self, sync: SyncPlanStore) -> None:
        self._sync = sync

    @property
    def sync(self) -> SyncPlanStore:
        return self._sync

    @property
    def backend_name(self) -> str:
        return self._sync.backend_name

    async def save(self, record: PlanRecord) -> None:
        """Store atomically; raises DuplicateRequestError / DuplicatePlanIdError (nothing written)."""
        with span("store.save", **{"db.system": self.backend_name, "prodplan.kind": record.kind}):
            await asyncio.to_thread(self._sync.save, record)

    async def get(self, plan_id: str, tenant: str | None = None) -> PlanRecord | None:
        with span("store.get", **{"db.system": self.backend_name}):
            return await asyncio.to_thread(self._sync.get, plan_id, tenant)

    async def find_by_request_id(self, request_id: str, kind: str, tenant: str = DEFAULT_TENANT) -> PlanRecord | None:
        with span("store.find_by_request_id", **{"db.system": self.backend_name, "prodplan.kind": kind}):
            return await asyncio.to_thread(self._sync.find_by_request_id, request_id, kind, tenant)

    async def list(
        self,
        kind: str | None = None,
        status: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int = 50,
        page_token: str = "",
        tenant: str | None = None,
    ) -> RecordPage:
        with span("store.list", **{"db.system": self.backend_name}):
            return await asyncio.to_thread(
                self._sync.list, kind, status, created_after, created_before, page_size, page_token, tenant
            )

    async def delete(self, plan_id: str, tenant: str | None = None) -> bool:
        with span("store.delete", **{"db.system": self.backend_name}):
            return await asyncio.to_thread(self._sync.delete, plan_id, tenant)

    async def delete_created_before(self, cutoff: datetime) -> int:
        with span("store.delete_created_before", **{"db.system": self.backend_name}):
            return await asyncio.to_thread(self._sync.delete_created_before, cutoff)

    async def mark_failed(self, plan_id: str, reason: str) -> bool:
        with span("store.mark_failed", **{"db.system": self.backend_name}):
            return await asyncio.to_thread(self._sync.mark_failed, plan_id, reason)

    async def close(self) -> None:
        await asyncio.to_thread(self._sync.close)

    async def __aenter__(self) -> PlanStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
