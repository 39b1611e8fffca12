"""`SyncPlanStore`: the blocking plan store over one backend: migrate, save, get, find, list, mark failed.

Idempotency: a partial unique index on (kind, request_id) for non-empty request ids of records
that did not fail. `save` inserts with ON CONFLICT DO NOTHING on that index, so of two concurrent
saves with the same key exactly one writes and the other raises `DuplicateRequestError` carrying
the winner's plan_id (on PostgreSQL the loser's INSERT waits for the winner's commit; on SQLite
writers are serialized). A FAILED record never holds the key: a client may retry after a failure.

Every write is one transaction (plan row + payload row); on any error nothing is written.

A database that cannot do the work (disk full or failing, a lock held too long, a lost PostgreSQL
connection) raises StoreError (UNAVAILABLE for clients, never OK for a plan that was not stored);
what may succeed on a fresh connection is retried first, a save too: plan ids are fresh, so a clash
with the record's own id on a retry means an earlier attempt was committed after all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from service.store.backends import DEFAULT_POOL_SIZE, Backend, Session, backend_for
from service.store.paging import (
    ListFilter,
    PageKey,
    clamp_page_size,
    decode_page_token,
    encode_page_token,
    from_micros,
    to_micros,
)
from service.store.records import (
    DEFAULT_TENANT,
    FAILED,
    DuplicatePlanIdError,
    DuplicateRequestError,
    PlanRecord,
    StoreError,
    from_json,
    to_json,
    utc_now,
)
from service.store.schema import (
    IDEMPOTENCY_PREDICATE,
    LATEST_VERSION,
    SCHEMA_VERSION_DDL,
    migration_statements,
)

logger = logging.getLogger(__name__)

_META_COLUMNS = (
    "p.plan_id, p.kind, p.request_id, p.status, p.created_at_us, p.failure_reason, p.parent_plan_id, "
    "p.summary, p.model_versions, p.solver_parameters, p.tenant"
)
_INSERT_PLAN = (
    "INSERT INTO plans (plan_id, kind, request_id, status, created_at_us, failure_reason, parent_plan_id, "
    "summary, model_versions, solver_parameters, tenant) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    f"ON CONFLICT (tenant, kind, request_id) WHERE {IDEMPOTENCY_PREDICATE} DO NOTHING"
)
RETRY_DELAYS_S = (0.1, 0.5, 1.5)
"""Waits before each retry of an operation whose database connection was lost."""
T = TypeVar("T")
RecordPage = tuple[list[PlanRecord], str]
"""One page of `list()`: records without blobs, and the next page's token ("" after the last page)."""

_SELECT_WITH_BLOBS = (
    f"SELECT {_META_COLUMNS}, b.request, b.response FROM plans p JOIN plan_payloads b ON b.plan_id = p.plan_id"
)


class SyncPlanStore:
    """Blocking plan store; safe to share between threads (each call checks out its own connection)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._migrate()

    @property
    def backend_name(self) -> str:
        return self._backend.name

    def _migrate(self) -> None:
        with self._backend.writing() as session:
            self._backend.lock_for_migration(session)
            session.execute(SCHEMA_VERSION_DDL)
            current = session.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
            if current > LATEST_VERSION:
                logger.warning("plan store schema is at version %d, newer than this code's %d", current, LATEST_VERSION)
            for version in range(current + 1, LATEST_VERSION + 1):
                for statement in migration_statements(version, self._backend.types):
                    session.execute(statement)
                session.execute(
                    "INSERT INTO schema_version (version, applied_at_us) VALUES (?, ?)",
                    (version, to_micros(utc_now())),
                )
                logger.info("plan store (%s): applied schema migration %d", self._backend.name, version)

    def schema_version(self) -> int:
        with self._backend.reading() as session:
            return int(session.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    def save(self, record: PlanRecord) -> None:
        """Store `record` atomically.

        Raises `DuplicateRequestError` (with the stored plan_id) when a non-failed record of the same
        kind and request_id exists, `DuplicatePlanIdError` when the plan_id is taken; nothing is written then.
        """
        plan_row = _plan_row(record)  # JSON problems surface here, before any database work
        attempts = 0

        def insert() -> None:
            nonlocal attempts
            attempts += 1
            try:
                with self._backend.writing() as session:
                    if session.execute(_INSERT_PLAN, plan_row).rowcount == 0:
                        raise DuplicateRequestError(record.kind, record.request_id, self._holder(session, record))
                    self._insert_payload(session, record)
            except DuplicateRequestError as duplicate:
                if attempts > 1 and duplicate.existing_plan_id == record.plan_id:
                    return  # an earlier attempt was committed before its connection was lost
                raise
            except Exception as error:
                if self._backend.is_unique_violation(error):
                    if attempts > 1 and self.get(record.plan_id) is not None:
                        return
                    raise DuplicatePlanIdError(record.plan_id) from error
                raise

        self._guarded(f"store {record.kind} {record.plan_id}", insert)
        logger.debug("stored %s %s (%s)", record.kind, record.plan_id, record.status)

    def _insert_payload(self, session: Session, record: PlanRecord) -> None:
        session.execute(
            "INSERT INTO plan_payloads (plan_id, request, response) VALUES (?, ?, ?)",
            (record.plan_id, record.request, record.response),
        )

    @staticmethod
    def _holder(session: Session, record: PlanRecord) -> str:
        row = session.execute(
            f"SELECT plan_id FROM plans WHERE tenant = ? AND kind = ? AND request_id = ? AND {IDEMPOTENCY_PREDICATE}",
            (record.tenant, record.kind, record.request_id),
        ).fetchone()
        return str(row[0]) if row else ""

    def get(self, plan_id: str, tenant: str | None = None) -> PlanRecord | None:
        """The record with its request and response, or None (also when it belongs to another `tenant`
        than the one given)."""
        def read() -> Any:
            with self._backend.reading() as session:
                if tenant is None:
                    return session.execute(f"{_SELECT_WITH_BLOBS} WHERE p.plan_id = ?", (plan_id,)).fetchone()
                return session.execute(f"{_SELECT_WITH_BLOBS} WHERE p.plan_id = ? AND p.tenant = ?",
                                       (plan_id, tenant)).fetchone()

        row = self._guarded(f"read plan {plan_id}", read)
        return _record(row, with_blobs=True) if row else None

    def find_by_request_id(self, request_id: str, kind: str, tenant: str = DEFAULT_TENANT) -> PlanRecord | None:
        """The non-failed record the tenant stored for this client request id (idempotency), or None."""
        if not request_id:
            return None

        def read() -> Any:
            with self._backend.reading() as session:
                return session.execute(
                    f"{_SELECT_WITH_BLOBS} WHERE p.tenant = ? AND p.kind = ? AND p.request_id = ? AND p.status <> ?",
                    (tenant, kind, request_id, FAILED),
                ).fetchone()

        row = self._guarded(f"look up request {request_id}", read)
        return _record(row, with_blobs=True) if row else None

    def list(
        self,
        kind: str | None = None,
        status: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int = 50,
        page_token: str = "",
        tenant: str | None = None,
    ) -> RecordPage:
        """One page of records without blobs, newest first, and the token of the next page ("" at the end).

        `created_after <= created_at < created_before`; page_size 0 means 50, above 500 means 500;
        a malformed token, or one issued for other filters, raises ValueError.
        """
        filters = ListFilter(kind, status, created_after, created_before, tenant)
        size = clamp_page_size(page_size)
        where, params = _where(filters, decode_page_token(page_token, filters))
        sql = f"SELECT {_META_COLUMNS} FROM plans p{where} ORDER BY p.created_at_us DESC, p.plan_id ASC LIMIT ?"
        def read() -> list[Any]:
            with self._backend.reading() as session:
                return session.execute(sql, [*params, size + 1]).fetchall()

        rows = self._guarded("list plans", read)
        records = [_record(row, with_blobs=False) for row in rows[:size]]
        if len(rows) <= size:
            return records, ""
        last = records[-1]
        return records, encode_page_token(PageKey(to_micros(last.created_at), last.plan_id), filters)

    def mark_failed(self, plan_id: str, reason: str) -> bool:
        """Turn a stored record into a FAILED one with `reason` (response dropped); False if there is none.

        Its request_id stops counting for idempotency, so the client's retry is solved again.
        """
        def update() -> int:
            with self._backend.writing() as session:
                updated: int = session.execute(
                    "UPDATE plans SET status = ?, failure_reason = ? WHERE plan_id = ?", (FAILED, reason, plan_id)
                ).rowcount
                session.execute("UPDATE plan_payloads SET response = ? WHERE plan_id = ?", (b"", plan_id))
                return updated

        return self._guarded(f"mark plan {plan_id} failed", update) > 0

    def delete(self, plan_id: str, tenant: str | None = None) -> bool:
        """Delete a record and its payload (of `tenant` only, when given); False if there is none. Re-plans
        and comparisons that name it as their parent keep their own records."""
        def remove() -> int:
            with self._backend.writing() as session:
                if tenant is None:
                    return int(session.execute("DELETE FROM plans WHERE plan_id = ?", (plan_id,)).rowcount)
                return int(session.execute("DELETE FROM plans WHERE plan_id = ? AND tenant = ?",
                                           (plan_id, tenant)).rowcount)

        return self._guarded(f"delete plan {plan_id}", remove) > 0

    def delete_created_before(self, cutoff: datetime, batch: int = 500) -> int:
        """Retention: delete every record created before `cutoff`, in transactions of at most `batch`
        records (a long purge never holds the write lock for long); returns how many were deleted."""
        deleted = 0
        while True:
            def remove_batch() -> int:
                with self._backend.writing() as session:
                    return int(session.execute(
                        "DELETE FROM plans WHERE plan_id IN (SELECT plan_id FROM plans WHERE created_at_us < ? "
                        "ORDER BY created_at_us LIMIT ?)", (to_micros(cutoff), batch)).rowcount)

            removed = self._guarded("delete old plans", remove_batch)
            deleted += removed
            if removed < batch:
                return deleted

    def _guarded(self, what: str, operation: Callable[[], T]) -> T:
        """Run `operation`; retry it while the backend calls the failure retryable, then raise StoreError
        for a database that cannot do the work. Other errors (the store's own, bugs) pass unchanged."""
        for delay in (*RETRY_DELAYS_S, None):
            try:
                return operation()
            except StoreError:
                raise
            except Exception as error:
                if not self._backend.is_unavailable(error):
                    raise
                if delay is None or not self._backend.is_retryable(error):
                    raise StoreError(f"could not {what}: {type(error).__name__}: {error}") from error
                logger.warning("plan store: could not %s (%s); retrying in %.1f s", what, error, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> SyncPlanStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _plan_row(record: PlanRecord) -> tuple[Any, ...]:
    return (
        record.plan_id,
        record.kind,
        record.request_id,
        record.status,
        to_micros(record.created_at),
        record.failure_reason,
        record.parent_plan_id,
        to_json("summary", record.summary),
        to_json("model_versions", record.model_versions),
        to_json("solver_parameters", record.solver_parameters),
        record.tenant,
    )


def _where(filters: ListFilter, after: PageKey | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if filters.tenant is not None:
        clauses.append("p.tenant = ?")
        params.append(filters.tenant)
    if filters.kind is not None:
        clauses.append("p.kind = ?")
        params.append(filters.kind)
    if filters.status is not None:
        clauses.append("p.status = ?")
        params.append(filters.status)
    if filters.created_after is not None:
        clauses.append("p.created_at_us >= ?")
        params.append(to_micros(filters.created_after))
    if filters.created_before is not None:
        clauses.append("p.created_at_us < ?")
        params.append(to_micros(filters.created_before))
    if after is not None:
        # Strictly after the last key in (created_at DESC, plan_id ASC) order.
        clauses.append("(p.created_at_us < ? OR (p.created_at_us = ? AND p.plan_id > ?))")
        params += [after.created_micros, after.created_micros, after.plan_id]
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _record(row: Sequence[Any], with_blobs: bool) -> PlanRecord:
    return PlanRecord(
        plan_id=row[0],
        kind=row[1],
        request_id=row[2],
        status=row[3],
        created_at=from_micros(int(row[4])),
        failure_reason=row[5],
        parent_plan_id=row[6],
        summary=from_json(row[7]),
        model_versions=from_json(row[8]),
        solver_parameters=from_json(row[9]),
        tenant=row[10],
        request=bytes(row[11]) if with_blobs else b"",
        response=bytes(row[12]) if with_blobs else b"",
    )


def open_sync_store(url_or_path: str, pool_size: int = DEFAULT_POOL_SIZE) -> SyncPlanStore:
    """The blocking store (tests, scripts, CLIs); the servicer uses `open_store` and awaits."""
    return SyncPlanStore(backend_for(url_or_path, pool_size))
