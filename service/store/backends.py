"""Database backends of the plan store: SQLite (embedded, the default) and PostgreSQL (shared by replicas).

A backend knows how to connect, how to open a read or a write transaction, and how its driver
reports a unique-key violation; the SQL itself lives in `sql_store.py` and is written once with
`?` placeholders (converted to `%s` for psycopg).

SQLite durability: WAL journal (readers never block the writer), `synchronous=FULL` (a commit is
on disk when `save` returns, even across power loss), a busy timeout for writers from other
threads and processes, and `BEGIN IMMEDIATE` so a write transaction takes the write lock up front.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from service.store.pool import ConnectionPool
from service.store.records import StoreError
from service.store.schema import POSTGRES_TYPES, SQLITE_TYPES, ColumnTypes

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 4
BUSY_TIMEOUT_S = 10.0
_MIGRATION_LOCK_KEY = 0x70726F64706C616E  # "prodplan": advisory lock id for schema migrations


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Session(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...


class Backend(Protocol):
    name: str
    types: ColumnTypes

    def reading(self) -> AbstractContextManager[Session]: ...

    def writing(self) -> AbstractContextManager[Session]: ...

    def lock_for_migration(self, session: Session) -> None: ...

    def is_unique_violation(self, error: Exception) -> bool: ...

    def is_unavailable(self, error: Exception) -> bool:
        """The database could not do the work (disk full or failing, locked too long, connection lost)."""
        ...

    def is_retryable(self, error: Exception) -> bool:
        """An unavailable database that may answer a moment later, on another connection."""
        ...

    def close(self) -> None: ...


class _SqliteSession:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._connection.execute(sql, tuple(params))


def _switch_to_wal(connection: sqlite3.Connection, path: str) -> str:
    """`PRAGMA journal_mode=WAL`, retried while another connection holds the lock: SQLite answers
    "database is locked" at once, without its busy handler, when several connections switch a new
    database to WAL at the same moment (replicas starting together). Returns the journal mode."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            return str(connection.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + delay > deadline:
                connection.close()
                raise StoreError(f"cannot open the plan store {path!r}: {error}") from error
        time.sleep(delay)
        delay = min(2 * delay, 0.1)


class SqliteBackend:
    """One database file; a pool of connections (each used by one thread at a time)."""

    name = "sqlite"
    types = SQLITE_TYPES

    def __init__(self, path: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.path = path
        in_memory = path == ":memory:"
        if not in_memory:
            Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        # Each connection to ":memory:" would be its own empty database: keep exactly one.
        self._pool: ConnectionPool[sqlite3.Connection] = ConnectionPool(
            self._connect, sqlite3.Connection.close, lambda _: True, 1 if in_memory else pool_size, BUSY_TIMEOUT_S
        )

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.OperationalError as error:
            raise StoreError(f"cannot open the plan store {self.path!r}: {error}") from error
        journal = _switch_to_wal(connection, self.path)
        if journal.lower() != "wal" and self.path != ":memory:":
            logger.warning("plan store %s: WAL journal refused (journal_mode=%s)", self.path, journal)
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._pool.connection() as connection:
            yield _SqliteSession(connection)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        with self._pool.connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteSession(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            try:
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    def lock_for_migration(self, session: Session) -> None:
        """Nothing to add: BEGIN IMMEDIATE already holds the database's single write lock."""

    def is_unique_violation(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)

    def is_unavailable(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.OperationalError)

    def is_retryable(self, error: Exception) -> bool:
        """Never: a lock is already waited for (busy timeout), and a full or failing disk does not heal at once."""
        return False

    def close(self) -> None:
        self._pool.close()


class _PostgresSession:
    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        # The store's SQL never contains a literal '?' or '%', so this swap is safe.
        return self._connection.execute(sql.replace("?", "%s"), tuple(params))


class PostgresBackend:
    """A PostgreSQL database (libpq URL); connections in autocommit, writes in explicit transactions."""

    name = "postgresql"
    types = POSTGRES_TYPES

    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        try:
            import psycopg
        except ImportError as error:  # psycopg is only needed for PostgreSQL deployments
            raise StoreError("a postgresql:// plan store needs psycopg 3: pip install 'psycopg[binary]'") from error
        self._psycopg = psycopg
        self.url = url
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            self._connect, psycopg.Connection.close, self._usable, pool_size, BUSY_TIMEOUT_S
        )

    def _connect(self) -> psycopg.Connection[Any]:
        given = self._psycopg.conninfo.conninfo_to_dict(self.url)
        extra: dict[str, Any] = {} if "connect_timeout" in given else {"connect_timeout": 10}
        try:
            return self._psycopg.connect(self.url, autocommit=True, **extra)
        except self._psycopg.OperationalError as error:
            raise StoreError(f"cannot connect to the plan store at {redacted(self.url)}: {error}") from error

    @staticmethod
    def _usable(connection: psycopg.Connection[Any]) -> bool:
        return not connection.closed and not connection.broken

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._pool.connection() as connection:
            yield _PostgresSession(connection)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        with self._pool.connection() as connection, connection.transaction():
            yield _PostgresSession(connection)

    def lock_for_migration(self, session: Session) -> None:
        session.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK_KEY,))

    def is_unique_violation(self, error: Exception) -> bool:
        return isinstance(error, self._psycopg.errors.UniqueViolation)

    def is_unavailable(self, error: Exception) -> bool:
        return isinstance(error, self._psycopg.OperationalError | self._psycopg.InterfaceError)

    def is_retryable(self, error: Exception) -> bool:
        """A lost connection: the pool drops it (broken) and the next attempt gets a fresh one."""
        return self.is_unavailable(error)

    def close(self) -> None:
        self._pool.close()


def redacted(url: str) -> str:
    """The store's URL (or libpq key=value string) without its password, for messages and logs: in the
    user information (`user:secret@host`) and as a parameter (`?password=secret`, `password=secret`)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if sep and at and ":" in credentials:
        url = f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
    return re.sub(r"(?i)(\bpassword\s*=\s*)('[^']*'|[^&\s]*)", r"\1***", url)


def backend_for(url_or_path: str, pool_size: int = DEFAULT_POOL_SIZE) -> Backend:
    """`postgresql://...` / `postgres://...`, `sqlite:///relative.db`, `sqlite:////abs.db`, or a plain file path."""
    if url_or_path.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(url_or_path, pool_size)
    if url_or_path.startswith("sqlite://"):
        path = url_or_path.removeprefix("sqlite://")
        return SqliteBackend(path.removeprefix("/") or ":memory:", pool_size)
    if "://" in url_or_path:
        raise ValueError(
            f"unsupported plan store URL {redacted(url_or_path)!r}: use a file path, sqlite:/// or postgresql://"
        )
    if not url_or_path:
        raise ValueError("the plan store location is empty")
    return SqliteBackend(url_or_path, pool_size)
