"""The console's strings in English and Korean (`en.json`, `ko.json`: the same keys, tests check it)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES = ("en", "ko")
"""The console's languages; the same codes go to the service's `PlanOptions.locale`."""


@cache
def strings(locale: str) -> dict[str, str]:
    """The strings of `locale` (one of LOCALES), key -> text; `{name}` marks a value the page fills in."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; expected one of {', '.join(LOCALES)}")
    data: dict[str, str] = json.loads((Path(__file__).parent / f"{locale}.json").read_text(encoding="utf-8"))
    return data
