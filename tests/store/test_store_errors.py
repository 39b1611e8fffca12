"""A plan store that cannot do its work: StoreError (UNAVAILABLE for clients, with a retry hint), retries
where a fresh connection may help, never OK for a plan that was not stored, and no password in messages."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import grpc
import pytest
from conftest import ServerThread

from loadtests.retry_hint import retry_delay_s
from planner.testing import order, product, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.mapping import plan_request_to_proto
from service.settings import Settings
from service.store import PlanRecord, StoreError, SyncPlanStore
from service.store.backends import Backend, Session, SqliteBackend, redacted


class FlakyBackend:
    """The real SQLite backend, but its next `failures` writes fail like a lost connection would: before
    the transaction (`commit_first=False`) or after it was committed (the acknowledgement lost)."""

    def __init__(self, real: Backend, failures: int, retryable: bool, commit_first: bool = False) -> None:
        self._real = real
        self.failures = failures
        self._retryable = retryable
        self._commit_first = commit_first
        self.name, self.types = real.name, real.types

    def reading(self) -> AbstractContextManager[Session]:
        return self._real.reading()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        if self.failures and not self._commit_first:
            self.failures -= 1
            raise sqlite3.OperationalError("database or disk is full")
        with self._real.writing() as session:
            yield session
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("connection lost after COMMIT")

    def lock_for_migration(self, session: Session) -> None:
        self._real.lock_for_migration(session)

    def is_unique_violation(self, error: Exception) -> bool:
        return self._real.is_unique_violation(error)

    def is_unavailable(self, error: Exception) -> bool:
        return self._real.is_unavailable(error)

    def is_retryable(self, error: Exception) -> bool:
        return self._retryable and self.is_unavailable(error)

    def close(self) -> None:
        self._real.close()


def _store(tmp_path: Path, failures: int, retryable: bool, commit_first: bool = False) -> SyncPlanStore:
    return SyncPlanStore(FlakyBackend(SqliteBackend(str(tmp_path / "plans.db")), failures, retryable, commit_first))


def _record(request_id: str = "") -> PlanRecord:
    return PlanRecord(kind="plan", status="PLAN_STATUS_OPTIMAL", request_id=request_id, request=b"q", response=b"a")


def test_a_full_disk_is_a_store_error_and_nothing_is_written(tmp_path: Path) -> None:
    store = _store(tmp_path, failures=0, retryable=False)
    store._backend.failures = 1  # type: ignore[attr-defined]  # after the migration
    record = _record()
    with pytest.raises(StoreError, match=r"could not store plan .*database or disk is full"):
        store.save(record)
    assert store.get(record.plan_id) is None
    store.save(record)  # the disk has room again
    assert store.get(record.plan_id) is not None


def test_a_lost_connection_is_retried(tmp_path: Path) -> None:
    store = _store(tmp_path, failures=0, retryable=True)
    store._backend.failures = 2  # type: ignore[attr-defined]
    record = _record()
    store.save(record)
    assert store.get(record.plan_id) is not None


def test_a_retry_after_a_commit_whose_answer_was_lost_stores_the_record_once(tmp_path: Path) -> None:
    store = _store(tmp_path, failures=0, retryable=True, commit_first=True)
    store._backend.failures = 1  # type: ignore[attr-defined]
    record = _record(request_id="erp-17")
    store.save(record)  # no DuplicateRequestError / DuplicatePlanIdError from its own first attempt
    assert store.find_by_request_id("erp-17", "plan") is not None
    assert len(store.list()[0]) == 1


def test_a_connection_that_stays_lost_ends_in_a_store_error(tmp_path: Path) -> None:
    store = _store(tmp_path, failures=0, retryable=True)
    store._backend.failures = 10  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="could not store plan"):
        store.save(_record())


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://planner:s3cret@db:5432/plans", "postgresql://planner:***@db:5432/plans"),
    ("postgresql://db/plans?user=planner&password=s3cret&sslmode=require",
     "postgresql://db/plans?user=planner&password=***&sslmode=require"),
    ("host=db dbname=plans password='s e c r e t' user=planner", "host=db dbname=plans password=*** user=planner"),
    ("plans.db", "plans.db"),
])
def test_passwords_never_reach_messages(url: str, shown: str) -> None:
    assert redacted(url) == shown
    assert "s3cret" not in redacted(url) and "s e c" not in redacted(url)


def test_a_plan_that_cannot_be_stored_is_not_answered_ok(tmp_path: Path) -> None:
    server = ServerThread(Settings(solver_processes=1, db=str(tmp_path / "plans.db")))
    handle = server.start()
    try:
        sync_store = handle.running.store.sync
        flaky = FlakyBackend(sync_store._backend, failures=1, retryable=False)
        sync_store._backend = flaky
        small = request(["M1"], [product("P", ("cut", ["M1"], 1.0))], [order("O1", "P", 5, due=100)], time_limit=2.0)
        message = plan_request_to_proto(small.model_copy(update={"request_id": "erp-disk-full"}))
        with grpc.insecure_channel(handle.address) as channel:
            stub = pb_grpc.PlanningServiceStub(channel)
            with pytest.raises(grpc.RpcError) as failed:
                stub.CreatePlan(message, timeout=30)
            assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "plan store" in (failed.value.details() or "") and retry_delay_s(failed.value) > 0
            assert not stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans
            answered = stub.CreatePlan(message, timeout=30)  # the client retries with the same id
            assert stub.GetPlan(pb.GetPlanRequest(plan_id=answered.plan_id), timeout=10).plan == answered.plan
    finally:
        server.stop()


def test_a_store_from_before_tenancy_is_migrated_and_its_records_belong_to_the_default_tenant(
        tmp_path: Path) -> None:
    from service.store import schema
    from service.store.backends import SqliteBackend as Sqlite

    path = str(tmp_path / "old.db")
    old = Sqlite(path)
    with old.writing() as session:  # a store as version 1 of the schema left it, with one plan
        session.execute(schema.SCHEMA_VERSION_DDL)
        for statement in schema.migration_statements(1, old.types):
            session.execute(statement)
        session.execute("INSERT INTO schema_version (version, applied_at_us) VALUES (1, 0)")
        session.execute("INSERT INTO plans (plan_id, kind, request_id, status, created_at_us, summary, model_versions, "
                        "solver_parameters) VALUES ('0e6d5398-bf2f-4fa1-99c0-1d415fe10e16', 'plan', 'po-1', "
                        "'PLAN_STATUS_OPTIMAL', 1, '{}', '{}', '{}')")
        session.execute("INSERT INTO plan_payloads (plan_id, request, response) VALUES "
                        "('0e6d5398-bf2f-4fa1-99c0-1d415fe10e16', x'01', x'02')")
    old.close()
    store = SyncPlanStore(Sqlite(path))
    assert store.schema_version() == schema.LATEST_VERSION
    record = store.find_by_request_id("po-1", "plan")
    assert record is not None and record.tenant == "default" and record.response == b"\x02"
    assert store.find_by_request_id("po-1", "plan", tenant="ulsan") is None
    assert store.get(record.plan_id, tenant="ulsan") is None
    store.save(PlanRecord(kind="plan", status="OK", request_id="po-1", tenant="ulsan"))  # no collision
    assert [r.tenant for r in store.list(tenant="ulsan")[0]] == ["ulsan"]
    store.close()


def test_delete_and_retention(tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    from service.server import keep_for
    from service.store import PlanStore

    store = SyncPlanStore(SqliteBackend(str(tmp_path / "plans.db")))
    now = datetime.now(UTC)
    old = [PlanRecord(kind="plan", status="OK", request=b"q", created_at=now - timedelta(days=40 + i))
           for i in range(7)]
    recent = PlanRecord(kind="plan", status="OK", request=b"q", created_at=now - timedelta(days=1), tenant="ulsan")
    for record in (*old, recent):
        store.save(record)
    assert not store.delete(recent.plan_id, tenant="gyeongju")  # another tenant's: nothing happens
    assert store.delete_created_before(now - timedelta(days=43.5), batch=2) == 3  # in batches of 2
    assert store.get(old[4].plan_id) is None and store.get(old[3].plan_id) is not None

    async def retain() -> None:
        task = asyncio.get_running_loop().create_task(keep_for(PlanStore(store), timedelta(days=30), every_s=60))
        await asyncio.sleep(0.5)
        task.cancel()

    asyncio.run(retain())
    assert [r.plan_id for r in store.list()[0]] == [recent.plan_id]
    with store._backend.reading() as session:  # the payloads went with their records
        assert session.execute("SELECT COUNT(*) FROM plan_payloads").fetchone()[0] == 1
    assert store.delete(recent.plan_id, tenant="ulsan") and store.get(recent.plan_id) is None
