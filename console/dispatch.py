"""Dispatch lists: a plan as one Excel sheet per machine with one block per shift, ready to print.

The machine's calendar decides the shift of each operation (by its start, in plant local time); a machine
without a calendar gets one block per day. A summary sheet comes first.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from console.excel import append_row, fit_widths, local_time, workbook_bytes
from prodplan.v1 import planning_service_pb2 as pb

DISPATCH_COLUMNS = ("seq", "order", "customer", "product", "operation", "start", "end", "setup_min", "quantity",
                    "processed", "due")


def shift_of(moment: datetime, calendar: pb.ShiftCalendar | None) -> tuple[datetime, str]:
    """The (local start, name) of the calendar shift in which `moment` (plant local, naive) falls; the day
    itself (name '') when the machine has no calendar or the moment is outside every shift."""
    if calendar is not None:
        days: set[int] = set(calendar.working_days) or {1, 2, 3, 4, 5}
        for back in (0, 1):  # a shift that started the day before may run past midnight
            day = datetime.combine(moment.date() - timedelta(days=back), datetime.min.time())
            if day.isoweekday() not in days:
                continue
            for shift in calendar.shifts:
                start = day + timedelta(seconds=shift.start.seconds)
                if start <= moment < start + timedelta(seconds=shift.length.seconds):
                    return start, shift.name or f"{start:%H:%M}"
    return datetime.combine(moment.date(), datetime.min.time()), ""


def dispatch_workbook(request: pb.CreatePlanRequest, plan: pb.Plan, plan_id: str = "") -> bytes:
    """One sheet per machine, one block per shift: the operations in start order, in plant local time."""
    factory = request.factory
    offset = timedelta(seconds=factory.utc_offset.seconds)
    calendars = {c.id: c for c in factory.calendars}
    orders = {o.id: o for o in request.orders} | {o.id: o for o in plan.lot_plan.lots}
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "summary"
    append_row(summary, [f"{factory.name}: dispatch lists", f"plan {plan_id}" if plan_id else ""])
    summary["A1"].font = Font(bold=True, size=13)
    append_row(summary, ["machine", "name", "operations", "first start", "last end"])
    for cell in summary[2]:
        cell.font = Font(bold=True)
    by_machine: dict[str, list[pb.Assignment]] = {}
    for assignment in plan.assignments:
        by_machine.setdefault(assignment.machine_id, []).append(assignment)
    for machine in factory.machines:
        work = sorted(by_machine.get(machine.id, []), key=lambda a: a.start.ToDatetime())
        append_row(summary, [machine.id, machine.name, len(work), local_time(work[0].start, offset) if work else None,
                        local_time(work[-1].end, offset) if work else None])
        _machine_sheet(book, machine, calendars.get(machine.calendar_id), work, orders, offset)
    fit_widths(summary)
    return workbook_bytes(book)


def _machine_sheet(book: Workbook, machine: pb.Machine, calendar: pb.ShiftCalendar | None,
                   work: list[pb.Assignment], orders: dict[str, pb.Order], offset: timedelta) -> None:
    sheet = book.create_sheet(_sheet_title(machine.id))
    append_row(sheet, [f"{machine.id} {machine.name}".strip(), machine.work_center])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(DISPATCH_COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    shift_fill = PatternFill("solid", fgColor="DDE6F0")
    current: tuple[datetime, str] | None = None
    sequence = 0
    for assignment in work:
        start = local_time(assignment.start, offset)
        shift = shift_of(start, calendar)
        if shift != current:
            current, sequence = shift, 0
            label = f"shift {shift[1]} {shift[0]:%a %Y-%m-%d %H:%M}" if shift[1] else f"{shift[0]:%a %Y-%m-%d}"
            append_row(sheet, [label])
            row = sheet.max_row
            for column in range(1, len(DISPATCH_COLUMNS) + 1):
                sheet.cell(row, column).fill = shift_fill
            sheet.cell(row, 1).font = Font(bold=True)
        sequence += 1
        order = orders.get(assignment.order_id)
        append_row(sheet, [
            sequence, assignment.order_id, order.customer if order else None, assignment.product_id,
            assignment.operation_id, start, local_time(assignment.end, offset),
            round(assignment.setup_time.seconds / 60), assignment.quantity,
            assignment.processed_quantity or assignment.quantity,
            local_time(order.due_time, offset) if order is not None and order.HasField("due_time") else None,
        ])
        for column in (6, 7, 11):
            sheet.cell(sheet.max_row, column).number_format = "yyyy-mm-dd hh:mm"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.freeze_panes = "A3"
    fit_widths(sheet)


def _sheet_title(machine_id: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "_", machine_id)[:31] or "machine"
