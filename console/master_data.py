"""The master-data workbook: plant, calendars, machines, maintenance, products and routings, in and out.

Reading collects every row problem (sheet, row, column) like `console.excel` does for orders; a sheet left out
keeps the base factory's part, so a planner can import only the machines or only the routings.
"""

from __future__ import annotations

from datetime import timedelta

from google.protobuf.duration_pb2 import Duration
from openpyxl import Workbook

from console.excel import (
    DAY_NAMES,
    MASTER_COLUMNS,
    Cell,
    RowProblem,
    Rows,
    Sheet,
    append_row,
    fit_widths,
    header_row,
    local_time,
    to_duration,
    to_timestamp,
    workbook_bytes,
)
from prodplan.v1 import planning_service_pb2 as pb


def parse_master_data(sheets: dict[str, Sheet], base: pb.Factory) -> tuple[pb.Factory, list[RowProblem]]:
    """A factory from the master-data sheets; a sheet that is absent keeps `base`'s part (plant name and
    offset, calendars, machines with their maintenance, products with their routings)."""
    factory = pb.Factory()
    factory.CopyFrom(base)
    problems: list[RowProblem] = []
    if "plant" in sheets:
        _plant(sheets["plant"], factory, problems)
    offset = timedelta(seconds=factory.utc_offset.seconds)
    if "calendars" in sheets:
        del factory.calendars[:]
        factory.calendars.extend(_calendars(Rows(sheets["calendars"], offset, problems)))
    if "machines" in sheets:
        old_windows = {m.id: list(m.maintenance_windows) for m in factory.machines}
        del factory.machines[:]
        for machine in _machines(Rows(sheets["machines"], offset, problems)):
            machine.maintenance_windows.extend(old_windows.get(machine.id, []))
            factory.machines.append(machine)
    if "maintenance" in sheets:
        _maintenance(Rows(sheets["maintenance"], offset, problems), factory)
    if "products" in sheets or "routings" in sheets:
        _products(sheets, offset, factory, problems)
    _cross_check(factory, problems)
    return factory, problems


def _plant(sheet: Sheet, factory: pb.Factory, problems: list[RowProblem]) -> None:
    """The `plant` sheet: rows of (name, utc_offset_hours); the first row counts."""
    rows = Rows(sheet, timedelta(0), problems)
    if not rows.check_header() or not sheet.rows:
        return
    number, values = sheet.rows[0]
    factory.name = rows.text(number, values, "name", required=True) or factory.name
    offset = rows.number(number, values, "utc_offset_hours", minimum=-14)
    if offset is not None and offset > 14:
        rows.problem(number, "utc_offset_hours", "must be at most 14")
    elif offset is not None:
        factory.utc_offset.CopyFrom(Duration(seconds=round(offset * 3600)))


def _calendars(rows: Rows) -> list[pb.ShiftCalendar]:
    """One row per shift; rows with the same calendar_id make one calendar (working days from its first row)."""
    if not rows.check_header():
        return []
    calendars: dict[str, pb.ShiftCalendar] = {}
    for number, values in rows.sheet.rows:
        calendar_id = rows.text(number, values, "calendar_id", required=True)
        start = rows.clock(number, values, "start")
        length = rows.number(number, values, "length_hours", required=True, above=0)
        if length is not None and length > 24:
            rows.problem(number, "length_hours", "must be at most 24")
            length = None
        days = _working_days(rows, number, values)
        if calendar_id is None or start is None or length is None or days is None:
            continue
        calendar = calendars.setdefault(calendar_id, pb.ShiftCalendar(id=calendar_id))
        if not calendar.working_days:
            calendar.working_days.extend(days)  # type: ignore[arg-type]  # DayOfWeek values
        calendar.shifts.append(pb.Shift(name=rows.text(number, values, "shift_name") or "",
                                        start=Duration(seconds=int(start.total_seconds())),
                                        length=Duration(seconds=round(length * 3600))))
    return list(calendars.values())


def _working_days(rows: Rows, number: int, values: dict[str, Cell]) -> list[int] | None:
    """'Mon-Sat', 'Mon,Wed,Fri' or empty (Monday to Friday) as DayOfWeek values."""
    text = (rows.text(number, values, "working_days") or "mon-fri").lower().replace(" ", "")
    days: list[int] = []
    for part in text.split(","):
        ends = part.split("-")
        if not all(end[:3] in DAY_NAMES for end in ends) or len(ends) > 2:
            rows.problem(number, "working_days", f"{part!r} is not a day or range of days (e.g. Mon-Sat)")
            return None
        first, last = DAY_NAMES.index(ends[0][:3]), DAY_NAMES.index(ends[-1][:3])
        days += [day + 1 for day in range(first, last + 1) if day + 1 not in days]
    return days


def _machines(rows: Rows) -> list[pb.Machine]:
    if not rows.check_header():
        return []
    machines: list[pb.Machine] = []
    seen: dict[str, int] = {}
    for number, values in rows.sheet.rows:
        machine_id = rows.text(number, values, "machine_id", required=True)
        if machine_id is None:
            continue
        if machine_id in seen:
            rows.problem(number, "machine_id", f"duplicate machine id {machine_id!r} (also row {seen[machine_id]})")
            continue
        seen[machine_id] = number
        machines.append(pb.Machine(id=machine_id, name=rows.text(number, values, "name") or "",
                                   work_center=rows.text(number, values, "work_center") or "",
                                   calendar_id=rows.text(number, values, "calendar_id") or ""))
    return machines


def _maintenance(rows: Rows, factory: pb.Factory) -> None:
    """Replaces every machine's maintenance windows with the sheet's."""
    if not rows.check_header():
        return
    machines = {m.id: m for m in factory.machines}
    for machine in machines.values():
        del machine.maintenance_windows[:]
    for number, values in rows.sheet.rows:
        machine_id = rows.text(number, values, "machine_id", required=True)
        start = rows.time(number, values, "start", required=True)
        end = rows.time(number, values, "end", required=True)
        if machine_id is not None and machine_id not in machines:
            rows.problem(number, "machine_id", f"unknown machine {machine_id!r}")
            continue
        if start is not None and end is not None and end <= start:
            rows.problem(number, "end", "must be after start")
            continue
        if machine_id is None or start is None or end is None:
            continue
        machines[machine_id].maintenance_windows.append(pb.TimeWindow(
            start=to_timestamp(start), end=to_timestamp(end), reason=rows.text(number, values, "reason") or ""))


def _products(sheets: dict[str, Sheet], offset: timedelta, factory: pb.Factory, problems: list[RowProblem]) -> None:
    """Products from `products` (or the base's), their routings from `routings` (or the base's)."""
    products = {p.id: p for p in factory.products}
    if "products" in sheets:
        rows = Rows(sheets["products"], offset, problems)
        old = products
        products = {}
        if rows.check_header():
            for number, values in rows.sheet.rows:
                product_id = rows.text(number, values, "product_id", required=True)
                scrap = rows.number(number, values, "scrap_cost", minimum=0)
                if product_id is None:
                    continue
                if product_id in products:
                    rows.problem(number, "product_id", f"duplicate product id {product_id!r}")
                    continue
                product = pb.Product(id=product_id, name=rows.text(number, values, "name") or "",
                                     family=rows.text(number, values, "family") or "", scrap_cost=scrap or 0.0)
                if product_id in old:
                    product.routing.extend(old[product_id].routing)
                products[product_id] = product
    if "routings" in sheets:
        _routings(Rows(sheets["routings"], offset, problems), products)
    del factory.products[:]
    factory.products.extend(products.values())


def _routings(rows: Rows, products: dict[str, pb.Product]) -> None:
    """One row per (operation, eligible machine); the operation's order is `step`; the first row of an
    operation sets its default setup and run times, later rows with other times become machine overrides."""
    if not rows.check_header():
        return
    steps: dict[str, dict[int, pb.Operation]] = {}
    for number, values in rows.sheet.rows:
        product_id = rows.text(number, values, "product_id", required=True)
        step = rows.number(number, values, "step", required=True, minimum=1, integer=True)
        operation_id = rows.text(number, values, "operation_id", required=True)
        machine_id = rows.text(number, values, "machine_id", required=True)
        setup = rows.number(number, values, "setup_minutes", minimum=0) or 0.0
        run = rows.number(number, values, "run_minutes_per_unit", required=True, above=0)
        if product_id is not None and product_id not in products:
            rows.problem(number, "product_id", f"unknown product {product_id!r} (not in the products sheet)")
            continue
        if None in (product_id, step, operation_id, machine_id, run):
            continue
        assert product_id is not None and step is not None and run is not None
        operation = steps.setdefault(product_id, {}).get(int(step))
        if operation is None:
            operation = pb.Operation(id=operation_id, name=rows.text(number, values, "operation_name") or "",
                                     setup_time=to_duration(setup), run_time_per_unit=to_duration(run))
            steps[product_id][int(step)] = operation
        elif operation.id != operation_id:
            rows.problem(number, "operation_id", f"step {int(step)} of {product_id} is already {operation.id!r}")
            continue
        eligible = pb.EligibleMachine(machine_id=machine_id)
        if to_duration(setup) != operation.setup_time:
            eligible.setup_time.CopyFrom(to_duration(setup))
        if to_duration(run) != operation.run_time_per_unit:
            eligible.run_time_per_unit.CopyFrom(to_duration(run))
        operation.eligible_machines.append(eligible)
    for product_id, operations in steps.items():
        del products[product_id].routing[:]
        products[product_id].routing.extend(operations[step] for step in sorted(operations))


def _cross_check(factory: pb.Factory, problems: list[RowProblem]) -> None:
    """References between sheets: machine calendars and routing machines must exist."""
    calendars = {c.id for c in factory.calendars}
    machines = {m.id for m in factory.machines}
    for machine in factory.machines:
        if machine.calendar_id and machine.calendar_id not in calendars:
            problems.append(RowProblem("machines", 0, "calendar_id",
                                       f"machine {machine.id}: unknown calendar {machine.calendar_id!r}"))
    for product in factory.products:
        for operation in product.routing:
            for eligible in operation.eligible_machines:
                if eligible.machine_id not in machines:
                    problems.append(RowProblem("routings", 0, "machine_id", f"{product.id} {operation.id}: "
                                               f"unknown machine {eligible.machine_id!r}"))


def master_workbook(factory: pb.Factory) -> bytes:
    """The master-data template filled with `factory`, as .xlsx bytes (what parse_master_data reads back)."""
    offset = timedelta(seconds=factory.utc_offset.seconds)
    book = Workbook()
    sheets = {name: book.create_sheet(name) for name in MASTER_COLUMNS}
    book.remove(book.worksheets[0])
    for name, sheet in sheets.items():
        header_row(sheet, MASTER_COLUMNS[name])
    append_row(sheets["plant"], [factory.name, offset.total_seconds() / 3600])
    for calendar in factory.calendars:
        days = _days_text(list(calendar.working_days))
        for shift in calendar.shifts:
            start = shift.start.seconds // 60
            append_row(sheets["calendars"], [calendar.id, shift.name, f"{start // 60:02d}:{start % 60:02d}",
                                        shift.length.seconds / 3600, days])
    for machine in factory.machines:
        append_row(sheets["machines"], [machine.id, machine.name, machine.work_center, machine.calendar_id or None])
        for window in machine.maintenance_windows:
            append_row(sheets["maintenance"], [machine.id, local_time(window.start, offset),
                                               local_time(window.end, offset), window.reason or None])
    for product in factory.products:
        append_row(sheets["products"], [product.id, product.name, product.family, product.scrap_cost])
        for step, operation in enumerate(product.routing, start=1):
            for eligible in operation.eligible_machines:
                setup = eligible.setup_time if eligible.HasField("setup_time") else operation.setup_time
                run = eligible.run_time_per_unit if eligible.HasField("run_time_per_unit") \
                    else operation.run_time_per_unit
                append_row(sheets["routings"], [product.id, step, operation.id, operation.name or None,
                                           eligible.machine_id, setup.seconds / 60, run.seconds / 60])
    for sheet in sheets.values():
        fit_widths(sheet)
    return workbook_bytes(book)


def _days_text(days: list[int]) -> str:
    if not days:
        return "Mon-Fri"
    days = sorted(days)
    if days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0] - 1].title()}-{DAY_NAMES[days[-1] - 1].title()}"
    return ",".join(DAY_NAMES[d - 1].title() for d in days)
