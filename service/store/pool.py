"""A small thread-safe connection pool shared by both backends (psycopg_pool is not a dependency).

Each database call checks a connection out for its whole duration, so a connection is never
used by two threads at once; idle connections are reused newest first. A connection that the
backend reports unusable (closed, or broken by a lost server) is dropped instead of returned.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from service.store.records import StoreError

logger = logging.getLogger(__name__)

Conn = TypeVar("Conn")


class ConnectionPool(Generic[Conn]):
    """At most `max_size` connections, created on demand; callers wait up to `timeout_s` for a free one."""

    def __init__(
        self,
        connect: Callable[[], Conn],
        close: Callable[[Conn], None],
        usable: Callable[[Conn], bool],
        max_size: int,
        timeout_s: float,
    ) -> None:
        if max_size < 1:
            raise ValueError(f"pool size must be at least 1, got {max_size}")
        self._connect = connect
        self._close = close
        self._usable = usable
        self._timeout_s = timeout_s
        self._slots = threading.BoundedSemaphore(max_size)
        self._idle: list[Conn] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[Conn]:
        if not self._slots.acquire(timeout=self._timeout_s):
            raise StoreError(f"no database connection became free within {self._timeout_s:g} s")
        try:
            connection = self._take()
            try:
                yield connection
            finally:
                self._give_back(connection)
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close idle connections now; connections in use are closed when they come back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            self._close_quietly(connection)

    def _take(self) -> Conn:
        with self._lock:
            if self._closed:
                raise StoreError("the plan store is closed")
            while self._idle:
                connection = self._idle.pop()
                if self._usable(connection):
                    return connection
                self._close_quietly(connection)
        return self._connect()

    def _give_back(self, connection: Conn) -> None:
        with self._lock:
            if not self._closed and self._usable(connection):
                self._idle.append(connection)
                return
        self._close_quietly(connection)

    def _close_quietly(self, connection: Conn) -> None:
        try:
            self._close(connection)
        except Exception:  # a connection that fails to close is gone either way
            logger.debug("closing a database connection failed", exc_info=True)
