"""Plan store pieces that need no database: record validation, page tokens and sizes, store URLs."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from service.store import MAX_PAGE_SIZE, PlanRecord, backends, open_sync_store
from service.store.backends import SqliteBackend, _switch_to_wal, backend_for
from service.store.paging import (
    ListFilter,
    PageKey,
    clamp_page_size,
    decode_page_token,
    encode_page_token,
    from_micros,
    to_micros,
)
from service.store.records import StoreError


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": "schedule"}, "kind must be one of"),
        ({"status": ""}, "status must not be empty"),
        ({"plan_id": "plan-1"}, "plan_id must be a UUID"),
        ({"created_at": datetime(2026, 3, 2)}, "timezone-aware"),
        ({"request": "not bytes"}, "request must be bytes"),
        ({"summary": [1, 2]}, "summary must be a dict"),
    ],
)
def test_invalid_records_are_refused(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        PlanRecord(**({"kind": "plan", "status": "OK"} | fields))  # type: ignore[arg-type]


def test_created_at_is_kept_in_utc_to_the_microsecond() -> None:
    local = datetime(2026, 3, 2, 9, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=9)))
    stored = PlanRecord(kind="plan", status="OK", created_at=local)
    assert stored.created_at == local and stored.created_at.tzinfo == UTC
    assert from_micros(to_micros(local)) == local
    assert from_micros(to_micros(datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC))).microsecond == 1


def test_page_tokens_round_trip_and_page_sizes_are_clamped() -> None:
    filters = ListFilter(kind="plan")
    key = PageKey(created_micros=1_772_431_200_000_000, plan_id="2b1d7f7e-0000-4000-8000-000000000000")
    assert decode_page_token(encode_page_token(key, filters), filters) == key
    assert decode_page_token("", filters) is None
    assert (clamp_page_size(0), clamp_page_size(1), clamp_page_size(10_000)) == (50, 1, MAX_PAGE_SIZE)


def test_store_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = backend_for("sqlite:///nested/dir/plans.db")
    absolute = backend_for(f"sqlite:///{tmp_path}/abs.db")
    plain = backend_for(str(tmp_path / "plain.db"))
    assert isinstance(relative, SqliteBackend) and relative.path == "nested/dir/plans.db"
    assert isinstance(absolute, SqliteBackend) and absolute.path == f"{tmp_path}/abs.db"
    assert isinstance(plain, SqliteBackend) and plain.path.endswith("plain.db")
    for backend in (relative, absolute, plain):
        backend.close()
    with open_sync_store("sqlite://") as in_memory:  # one connection: one in-memory database
        in_memory.save(saved := PlanRecord(kind="plan", status="OK"))
        assert in_memory.get(saved.plan_id) == saved
    with pytest.raises(ValueError, match="unsupported") as raised:
        backend_for("mysql://planner:s3cret@db/plans")
    assert "s3cret" not in str(raised.value)
    with pytest.raises(ValueError, match="empty"):
        backend_for("")


def test_store_imports_neither_grpc_nor_generated_code() -> None:
    code = (
        "import sys, service.store\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('grpc', 'prodplan', 'psycopg', 'google')]\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


class _LockedAtFirst:
    """A connection whose `PRAGMA journal_mode=WAL` meets a lock `locked_times` times, then succeeds."""

    def __init__(self, locked_times: int, error: str = "database is locked") -> None:
        self.calls, self.locked_times, self.error, self.closed = 0, locked_times, error, False

    def execute(self, sql: str) -> sqlite3.Cursor:
        assert sql == "PRAGMA journal_mode=WAL"
        self.calls += 1
        if self.calls <= self.locked_times:
            raise sqlite3.OperationalError(self.error)
        return sqlite3.connect(":memory:").execute("SELECT 'wal'")

    def close(self) -> None:
        self.closed = True


def test_switching_to_wal_waits_out_a_concurrent_switch() -> None:
    """Replicas opening a new SQLite store together: SQLite may answer the WAL switch with "database
    is locked" at once, without its busy timeout; the switch is retried instead of failing start-up."""
    connection = _LockedAtFirst(locked_times=3)
    assert _switch_to_wal(connection, "plans.db") == "wal"  # type: ignore[arg-type]
    assert connection.calls == 4 and not connection.closed


@pytest.mark.parametrize(("locked_times", "error"), [(10_000, "database is locked"), (1, "disk I/O error")])
def test_a_lasting_lock_or_another_error_names_the_store(monkeypatch: pytest.MonkeyPatch, locked_times: int,
                                                         error: str) -> None:
    monkeypatch.setattr(backends, "BUSY_TIMEOUT_S", 0.05)
    connection = _LockedAtFirst(locked_times, error)
    with pytest.raises(StoreError, match=f"cannot open the plan store 'plans.db': {error}"):
        _switch_to_wal(connection, "plans.db")  # type: ignore[arg-type]
    assert connection.closed
