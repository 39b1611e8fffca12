"""The server's log format: one line per record with its level, logger, request id and message."""

from __future__ import annotations

import logging

from service.interceptors import RequestIdFilter


def configure_logging(level: str, replica: int | None = None) -> None:
    """Log to stderr at `level`; a replica's lines also carry `replica=K`."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    where = "" if replica is None else f" replica={replica}"
    handler.setFormatter(logging.Formatter(
        f"%(asctime)s level=%(levelname)s{where} logger=%(name)s request_id=%(request_id)s msg=%(message)s"
    ))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
