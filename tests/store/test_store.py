"""Contract tests of the plan store, run against SQLite (a file under tmp_path) and PostgreSQL.

The PostgreSQL variant uses $PRODPLAN_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test,
else the same as root; every store it opens lives in its own schema (prodplan_store_<run>_<n>),
dropped when the test ends. With no server answering, those tests are skipped and say why.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.store import (
    FAILED,
    LATEST_VERSION,
    DuplicatePlanIdError,
    DuplicateRequestError,
    PlanRecord,
    SyncPlanStore,
    open_store,
    open_sync_store,
)

try:
    import psycopg
except ImportError:  # only the PostgreSQL variants need it; they skip without it
    psycopg = None  # type: ignore[assignment]

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_ID = uuid.uuid4().hex[:8]
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def _postgres_candidates() -> list[str]:
    configured = os.environ.get("PRODPLAN_TEST_POSTGRES_URL")
    if configured:
        return [configured]
    return ["postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test"]


@pytest.fixture(scope="session")
def postgres_url() -> tuple[str | None, str]:
    """A base URL that answers, or None and why not."""
    if psycopg is None:
        return None, "psycopg 3 is not installed"
    problems = []
    for url in _postgres_candidates():
        try:
            with psycopg.connect(url, connect_timeout=3, autocommit=True) as connection:
                connection.execute("SELECT 1")
            return url, ""
        except psycopg.Error as error:
            problems.append(f"{url}: {str(error).strip().splitlines()[0] if str(error).strip() else error!r}")
    return None, "; ".join(problems)


@dataclass
class Target:
    """Where fresh, empty stores are made for one test; `new_url()` can be called many times."""

    backend: str
    new_url: Callable[[], str]
    opened: list[SyncPlanStore] = field(default_factory=list)

    def open(self, url: str | None = None) -> SyncPlanStore:
        store = open_sync_store(url or self.new_url())
        self.opened.append(store)
        return store


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: tuple[str | None, str]) -> Iterator[Target]:
    counter = iter(range(1_000_000))
    if request.param == "sqlite":
        made = Target("sqlite", lambda: str(tmp_path / f"plans-{next(counter)}.db"))
        yield made
        for store in made.opened:
            store.close()
        return
    base, why = postgres_url
    if base is None:
        pytest.skip(f"no PostgreSQL server answered ({why}); set PRODPLAN_TEST_POSTGRES_URL to run these")
    schemas: list[str] = []

    def new_schema_url() -> str:
        schema = f"prodplan_store_{RUN_ID}_{next(counter)}"
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        return f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"

    made = Target("postgresql", new_schema_url)
    yield made
    for store in made.opened:
        store.close()
    with psycopg.connect(base, autocommit=True) as connection:
        for schema in schemas:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def store(target: Target) -> SyncPlanStore:
    return target.open()


def record(**fields: Any) -> PlanRecord:
    values: dict[str, Any] = {"kind": "plan", "status": "PLAN_STATUS_OPTIMAL", "request": b"req", "response": b"resp"}
    return PlanRecord(**(values | fields))


def all_pages(store: SyncPlanStore, page_size: int, **filters: Any) -> list[str]:
    ids: list[str] = []
    token = ""
    while True:
        page, token = store.list(page_size=page_size, page_token=token, **filters)
        assert len(page) <= page_size
        ids += [r.plan_id for r in page]
        if not token:
            return ids


def newest_first(records: list[PlanRecord]) -> list[str]:
    return [r.plan_id for r in sorted(records, key=lambda r: (-r.created_at.timestamp(), r.plan_id))]


def test_round_trip_keeps_bytes_json_and_time(store: SyncPlanStore) -> None:
    seoul = timezone(timedelta(hours=9))
    saved = record(
        kind="replan",
        request=bytes(range(256)) * 40,
        response=b"\x00" + "계획".encode() + b"\xff",
        request_id="erp-42",
        parent_plan_id=str(uuid.uuid4()),
        summary={"on_time_rate": 0.9125, "orders": 80, "machines": 11, "objective": 26260, "note": "Gyeongju 공장"},
        model_versions={"yield": "2026.03.1", "risk": {"name": "gru", "sha": "abc"}},
        solver_parameters={"workers": 2, "time_limit_s": 15.0, "hint": True, "seed": None, "lists": [1, [2, 3]]},
        created_at=datetime(2026, 3, 2, 15, 4, 5, 123456, tzinfo=seoul),
    )
    store.save(saved)
    loaded = store.get(saved.plan_id)
    assert loaded == saved
    assert loaded is not None and loaded.created_at.tzinfo == UTC and loaded.created_at.hour == 6
    assert store.get(str(uuid.uuid4())) is None
    [listed], _ = store.list()
    assert listed == saved.without_blobs()


def test_same_request_id_is_stored_once(store: SyncPlanStore) -> None:
    first = record(request_id="req-1")
    store.save(first)
    with pytest.raises(DuplicateRequestError) as raised:
        store.save(record(request_id="req-1", response=b"another solve"))
    assert raised.value.existing_plan_id == first.plan_id
    found = store.find_by_request_id("req-1", "plan")
    assert found == first
    store.save(record(kind="comparison", request_id="req-1"))  # the key is (kind, request_id)
    store.save(record())
    store.save(record())  # an empty request id never deduplicates
    assert store.find_by_request_id("", "plan") is None
    assert len(store.list()[0]) == 4


def test_concurrent_duplicate_saves_store_one_row(store: SyncPlanStore) -> None:
    contenders = [record(request_id="same") for _ in range(8)]
    start = threading.Barrier(len(contenders))
    outcomes: dict[str, str | BaseException] = {}

    def save(candidate: PlanRecord) -> None:
        start.wait()
        try:
            store.save(candidate)
            outcomes[candidate.plan_id] = "saved"
        except BaseException as error:
            outcomes[candidate.plan_id] = error

    threads = [threading.Thread(target=save, args=(c,)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [plan_id for plan_id, outcome in outcomes.items() if outcome == "saved"]
    assert len(winners) == 1, outcomes
    losers = [o for o in outcomes.values() if o != "saved"]
    assert all(isinstance(o, DuplicateRequestError) and o.existing_plan_id == winners[0] for o in losers), losers
    page, _ = store.list()
    assert [r.plan_id for r in page] == winners


def test_failed_record_keeps_its_reason_and_frees_the_request_id(store: SyncPlanStore) -> None:
    failed = PlanRecord.failed(kind="plan", request=b"req", reason="solver process died", request_id="r")
    store.save(failed)
    loaded = store.get(failed.plan_id)
    assert loaded is not None
    assert (loaded.status, loaded.failure_reason, loaded.response) == (FAILED, "solver process died", b"")
    assert store.find_by_request_id("r", "plan") is None
    retry = record(request_id="r")
    store.save(retry)  # a retry after a failure is solved and stored
    assert store.find_by_request_id("r", "plan") == retry
    assert [r.plan_id for r in store.list(status=FAILED)[0]] == [failed.plan_id]

    assert store.mark_failed(retry.plan_id, "plan invalidated by a machine breakdown")
    marked = store.get(retry.plan_id)
    assert marked is not None and marked.is_failed and marked.response == b"" and marked.request == b"req"
    assert marked.failure_reason == "plan invalidated by a machine breakdown"
    assert store.find_by_request_id("r", "plan") is None
    assert not store.mark_failed(str(uuid.uuid4()), "nothing there")


def test_paging_with_filters_returns_each_record_once_in_order(store: SyncPlanStore) -> None:
    kinds, statuses = ["plan", "comparison", "replan"], ["PLAN_STATUS_OPTIMAL", "PLAN_STATUS_FEASIBLE", FAILED]
    saved = [
        record(kind=kinds[i % 3], status=statuses[i % 4 % 3], created_at=T0 + timedelta(seconds=i // 4))
        for i in range(120)
    ]  # four records share each timestamp: the plan_id tie-break matters
    for one in random.Random(7).sample(saved, len(saved)):
        store.save(one)
    window = (T0 + timedelta(seconds=5), T0 + timedelta(seconds=20))
    cases: list[dict[str, Any]] = [
        {},
        {"kind": "comparison"},
        {"status": FAILED},
        {"kind": "plan", "status": "PLAN_STATUS_OPTIMAL"},
        {"created_after": window[0], "created_before": window[1]},
        {"kind": "replan", "created_after": window[0]},
        {"created_before": window[0]},
    ]
    for filters in cases:
        expected = newest_first([r for r in saved if _matches(r, filters)])
        for page_size in (7, 50, 500):
            assert all_pages(store, page_size, **filters) == expected, (filters, page_size)
    page, token = store.list(page_size=0)
    assert len(page) == 50 and token


def _matches(one: PlanRecord, filters: dict[str, Any]) -> bool:
    return (
        filters.get("kind", one.kind) == one.kind
        and filters.get("status", one.status) == one.status
        and filters.get("created_after", one.created_at) <= one.created_at
        and one.created_at < filters.get("created_before", one.created_at + timedelta(seconds=1))
    )


def test_records_saved_between_pages_do_not_disturb_paging(store: SyncPlanStore) -> None:
    older = [record(created_at=T0 - timedelta(minutes=i)) for i in range(10)]
    for one in older:
        store.save(one)
    first, token = store.list(page_size=4)
    store.save(record(created_at=T0 + timedelta(hours=1)))  # newer than the first page: not repeated
    rest = all_pages_from(store, token, page_size=4)
    assert [r.plan_id for r in first] + rest == newest_first(older)


def all_pages_from(store: SyncPlanStore, token: str, page_size: int) -> list[str]:
    ids: list[str] = []
    while token:
        page, token = store.list(page_size=page_size, page_token=token)
        ids += [r.plan_id for r in page]
    return ids


@pytest.mark.parametrize("token", ["not base64 !", "e30=", "W10=", "eyJ2IjoxLCJjIjoiMSIsInAiOiJ4IiwiZiI6IiJ9", "%%%"])
def test_malformed_page_token_is_a_value_error(store: SyncPlanStore, token: str) -> None:
    with pytest.raises(ValueError, match="malformed page token"):
        store.list(page_token=token)


def test_page_token_is_bound_to_its_filters_and_bad_arguments_are_refused(store: SyncPlanStore) -> None:
    for i in range(3):
        store.save(record(created_at=T0 + timedelta(seconds=i)))
    _, token = store.list(page_size=1)
    with pytest.raises(ValueError, match="different filters"):
        store.list(page_size=1, page_token=token, kind="plan")
    with pytest.raises(ValueError, match="negative"):
        store.list(page_size=-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.list(created_after=datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="kind"):
        store.list(kind="schedule")


def test_save_that_fails_midway_writes_nothing(store: SyncPlanStore, monkeypatch: pytest.MonkeyPatch) -> None:
    doomed = record(request_id="atomic")

    def fail_after_plan_row(*_: object) -> None:
        raise RuntimeError("disk unplugged between the two inserts")

    monkeypatch.setattr(SyncPlanStore, "_insert_payload", fail_after_plan_row)
    with pytest.raises(RuntimeError, match="disk unplugged"):
        store.save(doomed)
    monkeypatch.undo()
    assert store.get(doomed.plan_id) is None
    assert store.find_by_request_id("atomic", "plan") is None
    assert store.list() == ([], "")
    store.save(doomed)  # the plan id and the request id are still free
    assert store.get(doomed.plan_id) == doomed


def test_constraint_violation_or_bad_json_writes_nothing(store: SyncPlanStore) -> None:
    original = record(request_id="a")
    store.save(original)
    with pytest.raises(DuplicatePlanIdError):
        store.save(record(plan_id=original.plan_id, request_id="b", response=b"other"))
    assert store.find_by_request_id("b", "plan") is None
    assert store.get(original.plan_id) == original
    for bad in ({"gap": float("nan")}, {"when": datetime.now(UTC)}):
        with pytest.raises(ValueError, match="summary is not plain JSON"):
            store.save(record(request_id="c", summary=bad))
    assert store.find_by_request_id("c", "plan") is None
    assert [r.plan_id for r in store.list()[0]] == [original.plan_id]


def test_reopening_loses_nothing(target: Target) -> None:
    url = target.new_url()
    first = target.open(url)
    saved = [record(request_id=f"r{i}", created_at=T0 + timedelta(seconds=i)) for i in range(5)]
    for one in saved:
        first.save(one)
    first.mark_failed(saved[0].plan_id, "superseded")
    first.close()
    reopened = target.open(url)
    assert reopened.schema_version() == LATEST_VERSION
    assert all(reopened.get(one.plan_id) is not None for one in saved)
    assert reopened.get(saved[1].plan_id) == saved[1]
    assert reopened.find_by_request_id("r4", "plan") == saved[4]
    assert all_pages(reopened, 2) == newest_first(saved)


def test_replicas_starting_together_migrate_once(target: Target) -> None:
    url = target.new_url()
    opened: list[SyncPlanStore] = []
    errors: list[BaseException] = []

    def start_replica() -> None:
        try:
            opened.append(open_sync_store(url))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start_replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    target.opened += opened
    assert not errors and len(opened) == 4
    assert {store.schema_version() for store in opened} == {LATEST_VERSION}
    opened[0].save(one := record())
    assert opened[3].get(one.plan_id) == one


def test_async_store_for_the_servicer(target: Target) -> None:
    url = target.new_url()

    async def servicer_like() -> None:
        store = open_store(url)
        async with store:
            contenders = [record(request_id="rpc-1") for _ in range(5)]
            results = await asyncio.gather(*(store.save(c) for c in contenders), return_exceptions=True)
            assert sum(result is None for result in results) == 1
            existing = await store.find_by_request_id("rpc-1", "plan")
            assert existing is not None and existing.response == b"resp"
            assert await store.get(existing.plan_id) == existing
            page, token = await store.list(kind="plan")
            assert [r.plan_id for r in page] == [existing.plan_id] and token == ""
            assert await store.mark_failed(existing.plan_id, "cancelled")

    asyncio.run(servicer_like())


def test_sqlite_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "plans.db"
    saved = record(request_id="before-crash")
    script = (
        "import os, sys\n"
        "from service.store import PlanRecord, open_sync_store\n"
        "store = open_sync_store(sys.argv[1])\n"
        f"store.save(PlanRecord(kind='plan', status='OK', request=b'q', plan_id='{saved.plan_id}', request_id='x'))\n"
        "os._exit(0)  # no close(), no checkpoint: the commit must already be durable\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO_ROOT, check=True, timeout=60)
    with open_sync_store(str(path)) as reopened:
        loaded = reopened.get(saved.plan_id)
        assert loaded is not None and loaded.request == b"q"
    import sqlite3

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


saves = st.lists(
    st.tuples(
        st.sampled_from(["plan", "comparison", "replan"]),
        st.sampled_from(["PLAN_STATUS_OPTIMAL", "PLAN_STATUS_INFEASIBLE", FAILED]),
        st.integers(0, 6),  # seconds after T0: many ties
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    saves=saves,
    page_size=st.integers(1, 8),
    kind=st.none() | st.sampled_from(["plan", "replan"]),
    after=st.none() | st.integers(0, 6),
)
def test_any_saves_are_listed_exactly_once(
    target: Target, saves: list[tuple[str, str, int]], page_size: int, kind: str | None, after: int | None
) -> None:
    store = target.open()
    saved = [record(kind=k, status=s, created_at=T0 + timedelta(seconds=t)) for k, s, t in saves]
    for one in saved:
        store.save(one)
    filters: dict[str, Any] = {"kind": kind} if kind else {}
    if after is not None:
        filters["created_after"] = T0 + timedelta(seconds=after)
    listed = all_pages(store, page_size, **filters)
    assert listed == newest_first([r for r in saved if _matches(r, filters)])
    assert len(set(listed)) == len(listed)
    store.close()
