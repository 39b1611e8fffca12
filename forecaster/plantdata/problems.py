"""What is wrong with a plant's file: every problem with its file, row and column, in one error.

Rows are counted as the user sees them in a spreadsheet: the header is row 1, the first record row 2
(Parquet files, which have no header line, are counted the same way so both formats report alike).
`row` is None for a problem of the whole file or column (a missing or duplicated column) and `column`
is None for a problem of a whole row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MAX_LISTED = 200
"""At most this many problems are listed in the message (all are kept in `PlantDataError.problems`)."""


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be used."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PlantDataError(ValueError):
    """The plant's data cannot be used; `problems` lists every reason found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or ""))
        shown = "\n".join(f"  {p}" for p in self.problems[:MAX_LISTED])
        more = len(self.problems) - MAX_LISTED
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the plant data:\n{shown}{tail}")

    def report(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self.problems]


def display_path(path: Path) -> str:
    """The file name as the user gave it (no absolute path of the server's disk)."""
    return path.name


def row_numbers(count: int) -> list[int]:
    """Row numbers of `count` records as the user sees them (header = row 1)."""
    return list(range(2, count + 2))


def rows_text(rows: list[int], limit: int = 10) -> str:
    """'rows 2, 5, 9' (with '... (+N more)' past `limit`), for warnings about many rows."""
    shown = ", ".join(str(r) for r in rows[:limit])
    return f"rows {shown}" + (f" ... (+{len(rows) - limit} more)" if len(rows) > limit else "")
