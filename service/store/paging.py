"""Listing: the filters of `list()`, page-size rules and the opaque keyset page token.

Records are listed newest first: ordered by (created_at DESC, plan_id ASC), which is a total
order, so keyset paging returns every matching record exactly once even when many share a
timestamp and rows are inserted between pages. The token is url-safe base64 of JSON holding the
last key returned and a fingerprint of the filters it was issued for; a token that does not
decode, or that was issued for other filters, is a `ValueError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from service.store.records import PLAN_KINDS

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
_TOKEN_VERSION = 1


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch; how both databases store `created_at` (exact, totally ordered)."""
    if moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    seconds, rest = divmod(micros, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest)


@dataclass(frozen=True)
class ListFilter:
    """Which records `list()` returns: `created_after <= created_at < created_before`, each bound optional."""

    kind: str | None = None
    status: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    tenant: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in PLAN_KINDS:
            raise ValueError(f"kind must be one of {', '.join(PLAN_KINDS)}, not {self.kind!r}")
        for bound in (self.created_after, self.created_before):
            if bound is not None:
                to_micros(bound)

    def fingerprint(self) -> str:
        """Short hash that ties a page token to the filters it was issued for."""
        parts = [
            self.kind or "",
            self.status or "",
            "" if self.created_after is None else str(to_micros(self.created_after)),
            "" if self.created_before is None else str(to_micros(self.created_before)),
        ]
        if self.tenant is not None:  # a page token of one tenant is no good to another
            parts.append(f"tenant={self.tenant}")
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PageKey:
    """The sort key of the last record on a page: the next page starts strictly after it."""

    created_micros: int
    plan_id: str


def clamp_page_size(page_size: int) -> int:
    """0 means the default (as in protobuf requests); negative is an error; above the cap is capped."""
    if page_size < 0:
        raise ValueError(f"page_size must not be negative, got {page_size}")
    return min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_page_token(key: PageKey, filters: ListFilter) -> str:
    payload = {"v": _TOKEN_VERSION, "c": key.created_micros, "p": key.plan_id, "f": filters.fingerprint()}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode("ascii")


def decode_page_token(token: str, filters: ListFilter) -> PageKey | None:
    """The key to continue after; None for the empty token (first page)."""
    if not token:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise ValueError(f"malformed page token {token[:40]!r}: it was not issued by this store") from error
    if not _well_formed(payload):
        raise ValueError(f"malformed page token {token[:40]!r}: it was not issued by this store")
    if payload["f"] != filters.fingerprint():
        raise ValueError("page token was issued for different filters; repeat the filters of the first page")
    return PageKey(created_micros=payload["c"], plan_id=payload["p"])


def _well_formed(payload: object) -> bool:
    return (
        isinstance(payload, dict)
        and payload.get("v") == _TOKEN_VERSION
        and isinstance(payload.get("c"), int)
        and not isinstance(payload.get("c"), bool)
        and isinstance(payload.get("p"), str)
        and bool(payload.get("p"))
        and isinstance(payload.get("f"), str)
    )
