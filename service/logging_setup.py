"""The server's log format: one line per record with its level, logger, request id and message, as
`key=value` text (the default) or as one JSON object per line (`PRODPLAN_LOG_FORMAT=json`, for log
collectors)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from service.interceptors import RequestIdFilter
from service.tracing import current_ids

LOG_FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, request_id, message, and the
    replica, the exception and the trace_id and span_id of a traced call (service/tracing.py) when there
    are any."""

    def __init__(self, replica: int | None = None) -> None:
        super().__init__()
        self._replica = replica

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if self._replica is not None:
            entry["replica"] = self._replica
        if (ids := current_ids()) is not None:
            entry["trace_id"], entry["span_id"] = ids
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, replica: int | None = None, log_format: str = "text") -> None:
    """Log to stderr at `level` in `log_format` (text or json); a replica's lines also carry its number."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter(replica))
    else:
        where = "" if replica is None else f" replica={replica}"
        handler.setFormatter(logging.Formatter(
            f"%(asctime)s level=%(levelname)s{where} logger=%(name)s request_id=%(request_id)s msg=%(message)s"
        ))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
