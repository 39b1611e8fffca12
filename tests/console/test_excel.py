"""Excel/CSV in and out (console/excel.py): row problems are named, templates read back what they wrote, and the
dispatch lists hold every operation of its machine once, in start order, grouped by shift."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from console import dispatch, excel, master_data
from prodplan.v1 import planning_service_pb2 as pb

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "create_plan.json"
KST = timedelta(hours=9)


def demo_request() -> pb.CreatePlanRequest:
    return json_format.ParseDict(json.loads(EXAMPLE.read_text()), pb.CreatePlanRequest())


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER: list[Any] = ["order_id", "product_id", "quantity", "due_time", "release_time", "weight", "customer"]


def test_orders_from_excel_with_local_times() -> None:
    data = workbook({"orders": [HEADER, ["SO-1", "MH-800", 40, datetime(2026, 3, 5, 14, 0), None, 2, "Hyundai"],
                                ["SO-2", "SUB-F", "12", "2026-03-06T05:00:00Z", "2026-03-02 08:00", None, None]]})
    orders, problems = excel.parse_orders(excel.read_sheets(data, "orders.xlsx"), KST)
    assert problems == []
    assert [o.id for o in orders] == ["SO-1", "SO-2"]
    assert orders[0].due_time.ToDatetime(tzinfo=UTC) == datetime(2026, 3, 5, 5, 0, tzinfo=UTC)  # 14:00 KST
    assert not orders[0].HasField("release_time")
    assert orders[0].weight == pytest.approx(2.0) and orders[0].customer == "Hyundai"
    assert orders[1].quantity == 12 and orders[1].weight == pytest.approx(1.0)
    assert orders[1].release_time.ToDatetime(tzinfo=UTC) == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)


def test_every_row_problem_is_named_and_nothing_is_returned() -> None:
    rows = [HEADER,
            ["SO-1", "MH-800", -5, "2026-03-05 14:00"],              # row 2: negative quantity
            ["SO-2", None, 10, "tomorrow"],                          # row 3: no product, bad due
            ["SO-3", "MH-800", 2.5, "2026-03-05 14:00", "2026-03-06 00:00"],  # row 4: fraction, due before release
            ["SO-1", "MH-800", 10, "2026-03-05 14:00", None, 0],     # row 5: duplicate id, weight 0
            ["SO-5", "MH-800", "ten", "2026-03-05 14:00"]]            # row 6: not a number
    orders, problems = excel.parse_orders(excel.read_sheets(workbook({"orders": rows}), "o.xlsx"), KST)
    assert orders == []
    found = {(p.row, p.column) for p in problems}
    assert {(2, "quantity"), (3, "product_id"), (3, "due_time"), (4, "quantity"), (4, "due_time"),
            (5, "weight"), (6, "quantity")} <= found
    assert all(p.sheet == "orders" for p in problems)
    assert any("not a number" in p.message for p in problems if p.row == 6)
    assert "orders row 3, due_time" in str(next(p for p in problems if (p.row, p.column) == (3, "due_time")))


def test_duplicate_ids_name_both_rows() -> None:
    rows = [HEADER, ["SO-1", "MH-800", 5, "2026-03-05 14:00"], ["SO-1", "MH-800", 6, "2026-03-05 14:00"]]
    _, problems = excel.parse_orders(excel.read_sheets(workbook({"orders": rows}), "o.xlsx"), KST)
    assert [(p.row, p.column) for p in problems] == [(3, "order_id")]
    assert "row 2" in problems[0].message


def test_missing_columns_and_unreadable_files() -> None:
    _, problems = excel.parse_orders(excel.read_sheets(b"order_id,quantity\nSO-1,5\n", "orders.csv"), KST)
    assert {(p.row, p.column) for p in problems} == {(1, "product_id"), (1, "due_time")}
    with pytest.raises(excel.UnreadableFileError, match=r"xlsx or \.csv"):
        excel.read_sheets(b"...", "orders.txt")
    with pytest.raises(excel.UnreadableFileError, match="not a readable Excel workbook"):
        excel.read_sheets(b"not a zip", "orders.xlsx")
    with pytest.raises(excel.UnreadableFileError, match="UTF-8"):
        excel.read_sheets("order_id\nSÖ".encode("latin-1"), "orders.csv")


def test_csv_orders_read_like_excel() -> None:
    text = "order_id,product_id,quantity,due_time,customer\nSO-9,MH-800,7,2026-03-05 14:00,Kia\n"
    orders, problems = excel.parse_orders(excel.read_sheets(text.encode("utf-8-sig"), "orders.csv"), KST)
    assert problems == [] and orders[0].customer == "Kia" and orders[0].quantity == 7


order_rows = st.lists(st.tuples(
    st.integers(1, 10_000),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)).map(lambda d: d.replace(
        second=0, microsecond=0)),
    st.floats(0.1, 50).map(lambda w: round(w, 3)),
    st.text("abcXYZ 한국", max_size=12).map(str.strip),
), min_size=1, max_size=15)


@settings(max_examples=40, deadline=None)
@given(order_rows)
def test_orders_template_reads_back_what_it_wrote(rows: list[tuple[int, datetime, float, str]]) -> None:
    orders = []
    for index, (quantity, due, weight, customer) in enumerate(rows):
        stamp = (due - KST).replace(tzinfo=UTC)
        order = pb.Order(id=f"SO-{index}", product_id="MH-800", quantity=quantity, weight=weight, customer=customer)
        order.due_time.FromDatetime(stamp)
        orders.append(order)
    read, problems = excel.parse_orders(excel.read_sheets(excel.orders_workbook(orders, KST), "o.xlsx"), KST)
    assert problems == []
    assert [(o.id, o.quantity, o.due_time.seconds, o.customer) for o in read] == \
        [(o.id, o.quantity, o.due_time.seconds, o.customer) for o in orders]
    assert [o.weight for o in read] == pytest.approx([o.weight for o in orders])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                          st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6)), min_size=4, max_size=4))
def test_any_bad_cells_give_named_problems_never_an_exception(cells: list[object]) -> None:
    quantity, due, weight, order_id = cells
    data = workbook({"orders": [HEADER, [order_id, "MH-800", quantity, due, None, weight]]})
    orders, problems = excel.parse_orders(excel.read_sheets(data, "o.xlsx"), KST)
    assert bool(orders) != bool(problems)
    assert all(p.row == 2 and p.column in HEADER for p in problems)


def test_master_data_template_round_trip_keeps_the_factory() -> None:
    factory = demo_request().factory
    sheets = excel.read_sheets(master_data.master_workbook(factory), "master.xlsx")
    read, problems = master_data.parse_master_data(sheets, pb.Factory())
    assert problems == []
    assert read.name == factory.name and read.utc_offset.seconds == factory.utc_offset.seconds
    assert [m.id for m in read.machines] == [m.id for m in factory.machines]
    assert [(m.calendar_id, len(m.maintenance_windows)) for m in read.machines] == \
        [(m.calendar_id, len(m.maintenance_windows)) for m in factory.machines]
    for mine, theirs in zip(read.products, factory.products, strict=True):
        assert [o.id for o in mine.routing] == [o.id for o in theirs.routing]
        assert [[e.machine_id for e in o.eligible_machines] for o in mine.routing] == \
            [[e.machine_id for e in o.eligible_machines] for o in theirs.routing]
    assert {c.id: len(c.shifts) for c in read.calendars} == {c.id: len(c.shifts) for c in factory.calendars}
    assert {c.id: list(c.working_days) for c in read.calendars} == \
        {c.id: list(c.working_days) for c in factory.calendars}


def test_master_data_problems_are_named_per_sheet() -> None:
    data = workbook({
        "machines": [["machine_id", "name", "work_center", "calendar_id"], ["M1", "", "", "no-such"], ["M1"]],
        "calendars": [["calendar_id", "shift_name", "start", "length_hours", "working_days"],
                      ["day", "early", "25:00", 8, "Mon-Fri"], ["day", "late", "14:00", 30, "Mon-Funday"]],
        "routings": [["product_id", "step", "operation_id", "operation_name", "machine_id", "setup_minutes",
                      "run_minutes_per_unit"],
                     ["P9", 1, "OP10", "", "M1", 10, 2], ["MH-800", 1, "OP10", "", "M1", -1, 0]],
    })
    _, problems = master_data.parse_master_data(excel.read_sheets(data, "master.xlsx"), demo_request().factory)
    found = {(p.sheet, p.row, p.column) for p in problems}
    assert {("machines", 3, "machine_id"), ("calendars", 2, "start"), ("calendars", 3, "length_hours"),
            ("calendars", 3, "working_days"), ("routings", 2, "product_id"), ("routings", 3, "setup_minutes"),
            ("routings", 3, "run_minutes_per_unit"), ("machines", 0, "calendar_id")} <= found


def test_dispatch_lists_hold_each_operation_once_by_machine_and_shift() -> None:
    request = demo_request()
    plan = pb.Plan()
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 09:00 KST: the early shift (06:00-14:00)
    order = request.orders[0]
    for index, (machine, begin_h, length_h) in enumerate([("CNC-1", 0, 2), ("CNC-1", 3, 1), ("CNC-1", 6, 2),
                                                          ("HT-1", 1, 5)]):
        assignment = plan.assignments.add(order_id=order.id, product_id=order.product_id, operation_id=f"OP{index}",
                                          machine_id=machine, quantity=order.quantity)
        assignment.start.FromDatetime(start + timedelta(hours=begin_h))
        assignment.end.FromDatetime(start + timedelta(hours=begin_h + length_h))
    book = load_workbook(io.BytesIO(dispatch.dispatch_workbook(request, plan, "plan-1")))
    assert book.sheetnames[0] == "summary"
    assert set(book.sheetnames[1:]) == {m.id for m in request.factory.machines}
    cnc = book["CNC-1"]
    rows = [list(r) for r in cnc.iter_rows(min_row=3, values_only=True)]
    shift_rows = [r[0] for r in rows if isinstance(r[0], str)]
    # CNC-1 works two shifts (early 06-14, late 14-22 KST): 09:00 and 12:00 are early, 15:00 is late
    assert len(shift_rows) == 2 and "early" in shift_rows[0] and "late" in shift_rows[1]
    operations = [r for r in rows if isinstance(r[0], int)]
    assert [r[4] for r in operations] == ["OP0", "OP1", "OP2"]
    assert [r[0] for r in operations] == [1, 2, 1]  # the sequence restarts in each shift
    assert operations[0][5] == datetime(2026, 3, 2, 9, 0)  # plant local time
    assert cnc.print_title_rows == "$1:$2"
    summary = {r[0]: r[2] for r in book["summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["CNC-1"] == 3 and summary["HT-1"] == 1 and summary["DC-1"] == 0


def test_shift_of_a_night_shift_past_midnight() -> None:
    calendar = pb.ShiftCalendar(id="night", working_days=[pb.DAY_OF_WEEK_MONDAY])
    calendar.shifts.add(name="night", start={"seconds": 22 * 3600}, length={"seconds": 8 * 3600})
    assert dispatch.shift_of(datetime(2026, 3, 3, 2, 0), calendar) == (datetime(2026, 3, 2, 22, 0), "night")
    assert dispatch.shift_of(datetime(2026, 3, 3, 23, 0), calendar) == (datetime(2026, 3, 3), "")  # Tuesday: none
