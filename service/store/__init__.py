"""The plan store: every plan, scenario comparison and replan, kept with its request under a plan id.

Embedded SQLite by default (one file, WAL, synchronous=FULL); PostgreSQL by URL when several
replicas share it. Requests and responses are opaque bytes: this package never imports generated
proto code; the servicer serializes. See docs/STORE.md.

    store = open_store(settings.db)           # "prodplan.db", "sqlite:///plans.db", "postgresql://..."
    await store.save(PlanRecord(kind="plan", status="PLAN_STATUS_OPTIMAL", request=..., response=...))
    record = await store.get(plan_id)
"""

from __future__ import annotations

from service.store.async_store import PlanStore
from service.store.backends import DEFAULT_POOL_SIZE, backend_for
from service.store.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from service.store.records import (
    FAILED,
    PLAN_KINDS,
    DuplicatePlanIdError,
    DuplicateRequestError,
    PlanKind,
    PlanRecord,
    StoreError,
)
from service.store.schema import LATEST_VERSION
from service.store.sql_store import RecordPage, SyncPlanStore, open_sync_store


def open_store(url_or_path: str, pool_size: int = DEFAULT_POOL_SIZE) -> PlanStore:
    """Open (creating and migrating as needed) the store at a file path, `sqlite:///...` or `postgresql://...`.

    Blocking (it connects and migrates): call it at start-up, before serving.
    """
    return PlanStore(SyncPlanStore(backend_for(url_or_path, pool_size)))


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FAILED",
    "LATEST_VERSION",
    "MAX_PAGE_SIZE",
    "PLAN_KINDS",
    "DuplicatePlanIdError",
    "DuplicateRequestError",
    "PlanKind",
    "PlanRecord",
    "PlanStore",
    "RecordPage",
    "StoreError",
    "SyncPlanStore",
    "open_store",
    "open_sync_store",
]
