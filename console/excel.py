"""Excel and CSV files in: reading sheets, checking cells row by row, the orders template; shared workbook helpers.

Templates (docs/CONSOLE.md describes every column): an orders sheet here, and a master-data workbook with the
sheets `plant`, `calendars`, `machines`, `maintenance`, `products` and `routings` (`console.master_data`). A
CSV file holds one sheet (its kind is given, or taken from the file name). Reading never stops at the first
problem: every row problem is collected with its sheet, row number (as Excel shows it) and column, and nothing
is returned as usable while any problem remains.

Times: a cell holding a date-time without a zone (Excel's own date cells, or text like `2026-03-05 14:00`) is the
plant's local time (`plant.utc_offset_hours`); text with a zone (`2026-03-05T05:00:00Z`, `+09:00`) is taken as
written.

This module reads files into sheets, converts cells (collecting problems), reads and writes the orders
template, and holds the workbook helpers that `console.master_data` and `console.dispatch` share.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from prodplan.v1 import planning_service_pb2 as pb

ORDER_COLUMNS = ("order_id", "product_id", "quantity", "due_time", "release_time", "weight", "customer")
MASTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "plant": ("name", "utc_offset_hours"),
    "calendars": ("calendar_id", "shift_name", "start", "length_hours", "working_days"),
    "machines": ("machine_id", "name", "work_center", "calendar_id"),
    "maintenance": ("machine_id", "start", "end", "reason"),
    "products": ("product_id", "name", "family", "scrap_cost"),
    "routings": ("product_id", "step", "operation_id", "operation_name", "machine_id", "setup_minutes",
                 "run_minutes_per_unit"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "orders": ("order_id", "product_id", "quantity", "due_time"),
    "plant": ("name",),
    "calendars": ("calendar_id", "start", "length_hours"),
    "machines": ("machine_id",),
    "maintenance": ("machine_id", "start", "end"),
    "products": ("product_id",),
    "routings": ("product_id", "step", "operation_id", "machine_id", "run_minutes_per_unit"),
}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_ROWS = 20000
"""Most data rows read from one sheet (the service's own limit on orders is lower)."""

Cell = str | int | float | datetime | date | time | None


class UnreadableFileError(ValueError):
    """The file cannot be read at all (not an Excel/CSV file, no header); the message says why."""


@dataclass(frozen=True)
class RowProblem:
    """One problem in one row of an imported sheet; `row` is the row number Excel shows (header = 1)."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet} row {self.row}" if self.row else self.sheet
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class Sheet:
    """The data rows of one sheet as {column: cell}, with the Excel row number of each."""

    name: str
    rows: list[tuple[int, dict[str, Cell]]]


# ------------------------------------------------------------------------------------------------
# Reading files
# ------------------------------------------------------------------------------------------------


def read_sheets(data: bytes, filename: str, kind: str = "") -> dict[str, Sheet]:
    """All sheets of an .xlsx file, or the one sheet of a .csv file (named `kind` or after the file)."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        name = kind or re.sub(r"\.csv$", "", lower.rsplit("/", 1)[-1])
        return {name: _csv_sheet(data, name)}
    if lower.endswith((".xlsx", ".xlsm")):
        return _xlsx_sheets(data)
    raise UnreadableFileError(f"{filename}: expected an .xlsx or .csv file")


def _csv_sheet(data: bytes, name: str) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFileError(f"{name}: a CSV file must be UTF-8 (Excel: 'CSV UTF-8')") from None
    reader = csv.reader(io.StringIO(text))
    table = [[cell.strip() for cell in line] for line in reader]
    return _sheet_from_table(name, [[c or None for c in line] for line in table])


def _xlsx_sheets(data: bytes) -> dict[str, Sheet]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError or its own errors for a broken file
        raise UnreadableFileError(f"not a readable Excel workbook ({type(error).__name__})") from None
    sheets = {}
    for sheet in book.worksheets:
        table = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
        sheets[sheet.title.strip().lower()] = _sheet_from_table(sheet.title.strip().lower(), table)
    book.close()
    return sheets


def _sheet_from_table(name: str, table: list[list[Cell]]) -> Sheet:
    if not table:
        return Sheet(name, [])
    header = [str(cell).strip().lower().replace(" ", "_") if cell is not None else "" for cell in table[0]]
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        rows.append((number, {column: value for column, value in zip(header, values, strict=False) if column}))
    return Sheet(name, rows)


# ------------------------------------------------------------------------------------------------
# Cell conversions: each returns the value or appends a RowProblem and returns None
# ------------------------------------------------------------------------------------------------


class Rows:
    """Cell readers for one sheet that collect problems instead of raising."""

    def __init__(self, sheet: Sheet, utc_offset: timedelta, problems: list[RowProblem]) -> None:
        self.sheet = sheet
        self.utc_offset = utc_offset
        self.problems = problems

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.sheet.name, row, column, message))

    def check_header(self) -> bool:
        present = set().union(*(set(values) for _, values in self.sheet.rows)) if self.sheet.rows else set()
        missing = [c for c in REQUIRED.get(self.sheet.name, ()) if c not in present]
        for column in missing:
            self.problem(1, column, "required column is missing")
        return not missing

    def text(self, row: int, values: dict[str, Cell], column: str, required: bool = False) -> str | None:
        value = values.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(row, column, "is required")
            return None if required else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if column.endswith("_id") and len(text) > 64:
            self.problem(row, column, "ids have at most 64 characters")
            return None
        return text

    def number(self, row: int, values: dict[str, Cell], column: str, *, required: bool = False,
               minimum: float | None = None, above: float | None = None, integer: bool = False) -> float | None:
        value = values.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(row, column, "is required")
            return None
        try:
            number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.problem(row, column, f"{value!r} is not a number")
            return None
        if not math.isfinite(number):
            self.problem(row, column, "must be a finite number")
        elif integer and not number.is_integer():
            self.problem(row, column, f"{value!r} is not a whole number")
        elif minimum is not None and number < minimum:
            self.problem(row, column, f"must be at least {minimum:g}")
        elif above is not None and number <= above:
            self.problem(row, column, f"must be more than {above:g}")
        else:
            return number
        return None

    def time(self, row: int, values: dict[str, Cell], column: str, required: bool = False) -> datetime | None:
        value = values.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(row, column, "is required")
            return None
        parsed = parse_time(value, self.utc_offset)
        if parsed is None:
            self.problem(row, column, f"{value!r} is not a date and time (e.g. 2026-03-05 14:00)")
        return parsed

    def clock(self, row: int, values: dict[str, Cell], column: str) -> timedelta | None:
        value = values.get(column)
        if isinstance(value, datetime | time):
            return timedelta(hours=value.hour, minutes=value.minute)
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value)) if value is not None else None
        if match is None or int(match[1]) > 24 or int(match[2]) > 59:
            self.problem(row, column, f"{value!r} is not a time of day (e.g. 06:00)")
            return None
        return timedelta(hours=int(match[1]), minutes=int(match[2]))


def parse_time(value: Cell, utc_offset: timedelta) -> datetime | None:
    """A cell as an aware UTC datetime: naive values are plant local time; None if it is not a date-time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone(utc_offset))
    return moment.astimezone(UTC)


def to_timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def to_duration(minutes: float) -> Duration:
    return Duration(seconds=round(minutes * 60))


# ------------------------------------------------------------------------------------------------
# Orders
# ------------------------------------------------------------------------------------------------


def parse_orders(sheets: dict[str, Sheet], utc_offset: timedelta, product_ids: set[str] | None = None
                 ) -> tuple[list[pb.Order], list[RowProblem]]:
    """Orders from the `orders` sheet (or a file's only sheet); every row problem is named (with `product_ids`,
    also a product the factory does not have). Any problem: no orders at all."""
    problems: list[RowProblem] = []
    sheet = sheets.get("orders") or (next(iter(sheets.values())) if len(sheets) == 1 else None)
    if sheet is None:
        return [], [RowProblem("orders", 0, "", "no sheet named 'orders' in the workbook")]
    sheet = Sheet("orders", sheet.rows)
    rows = Rows(sheet, utc_offset, problems)
    if not rows.check_header():
        return [], problems
    if not sheet.rows:
        return [], [RowProblem("orders", 0, "", "the sheet has no order rows")]
    orders: list[pb.Order] = []
    seen: dict[str, int] = {}
    for number, values in sheet.rows:
        order = _order(rows, number, values, product_ids)
        if order is None:
            continue
        if order.id in seen:
            rows.problem(number, "order_id", f"duplicate order id {order.id!r} (also row {seen[order.id]})")
            continue
        seen[order.id] = number
        orders.append(order)
    return (orders, problems) if not problems else ([], problems)


def _order(rows: Rows, number: int, values: dict[str, Cell], product_ids: set[str] | None) -> pb.Order | None:
    before = len(rows.problems)
    order_id = rows.text(number, values, "order_id", required=True)
    product_id = rows.text(number, values, "product_id", required=True)
    if product_ids is not None and product_id is not None and product_id not in product_ids:
        rows.problem(number, "product_id", f"unknown product {product_id!r}")
    quantity = rows.number(number, values, "quantity", required=True, above=0, integer=True)
    due = rows.time(number, values, "due_time", required=True)
    release = rows.time(number, values, "release_time")
    weight = rows.number(number, values, "weight", above=0)
    customer = rows.text(number, values, "customer") or ""
    if due is not None and release is not None and due < release:
        rows.problem(number, "due_time", "is before release_time")
    if len(rows.problems) > before or order_id is None or product_id is None or quantity is None or due is None:
        return None
    order = pb.Order(id=order_id, product_id=product_id, quantity=int(quantity), weight=weight or 1.0,
                     customer=customer, due_time=to_timestamp(due))
    if release is not None:
        order.release_time.CopyFrom(to_timestamp(release))
    return order


def orders_workbook(orders: Iterable[pb.Order], utc_offset: timedelta) -> bytes:
    """The orders template filled with `orders` (plant local times), as .xlsx bytes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "orders"
    header_row(sheet, ORDER_COLUMNS)
    for order in orders:
        append_row(sheet, [
            order.id, order.product_id, order.quantity, local_time(order.due_time, utc_offset),
            local_time(order.release_time, utc_offset) if order.HasField("release_time") else None,
            order.weight or 1.0, order.customer or None,
        ])
    fit_widths(sheet)
    return workbook_bytes(book)


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def local_time(stamp: Timestamp, offset: timedelta) -> datetime:
    """A UTC timestamp as a naive plant-local datetime (what Excel cells hold)."""
    return stamp.ToDatetime() + offset


def append_row(sheet: Worksheet, row: list[Cell]) -> None:
    """Append a row; text loses the control characters Excel cannot store (a customer name from an ERP may
    hold one)."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row])


def header_row(sheet: Worksheet, columns: Iterable[str]) -> None:
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def fit_widths(sheet: Worksheet) -> None:
    for index, column in enumerate(sheet.iter_cols(min_row=1, max_row=min(sheet.max_row, 200)), start=1):
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 40)


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
