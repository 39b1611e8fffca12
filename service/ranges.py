"""Every timestamp, duration and number of a request within a range the planner can compute with.

Checked on the whole message by reflection, before anything is mapped: a timestamp in year 1 or 9999,
a duration of 10^12 s, or a weight of 1e300 would otherwise overflow datetime arithmetic or reach
CP-SAT as a coefficient it cannot hold, and come back as UNKNOWN instead of INVALID_ARGUMENT. What
each field means is still checked by the domain's validation; this only keeps values computable.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from google.protobuf import duration_pb2, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from service.errors import FieldViolation, InvalidArgumentError

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_DURATION_S = 10 * 366 * 24 * 3600
"""Ten years: longer than any horizon, shift, repair or lag a plant plans with."""
MAX_NUMBER = 1e9
"""The largest magnitude of any other number (a weight, a cost per minute, a quantity, a seed)."""
LIMITS = {
    "prodplan.v1.Order.quantity": 10_000_000,
    "prodplan.v1.Order.weight": 1e6,
    "prodplan.v1.PlanOptions.late_cost_per_minute": 1e6,
    "prodplan.v1.PlanOptions.risk_penalty_weight": 1e6,
}
"""Tighter limits where a value multiplies others in the objective (weight x cost x minutes)."""

_NUMBERS = {FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_INT64,
            FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_UINT32,
            FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SINT32}


PLANT_DATA = frozenset({"plant_data", "base.plant_data"})
"""The numbers of plant data (sensor readings, process parameters, histories) are checked by the
forecasters' own validation, which reports them together with every other problem of the plant data;
its timestamps and durations are checked here like all others."""


def check_ranges(message: Message, numbers_elsewhere: frozenset[str] = PLANT_DATA) -> None:
    """Raise InvalidArgumentError naming every value out of range (API field paths), if any; below the
    paths in `numbers_elsewhere` only timestamps and durations are checked."""
    problems = out_of_range(message, numbers_elsewhere=numbers_elsewhere)
    if problems:
        raise InvalidArgumentError(problems, "the request has values out of range")


def out_of_range(message: Message, path: str = "", numbers_elsewhere: frozenset[str] = frozenset(),
                 numbers: bool = True) -> list[FieldViolation]:
    """Field violations for every timestamp, duration or (with `numbers`) scalar number of `message` out
    of range."""
    if isinstance(message, timestamp_pb2.Timestamp):
        return _timestamp(message, path)
    if isinstance(message, duration_pb2.Duration):
        return _duration(message, path)
    problems: list[FieldViolation] = []
    for field, value in message.ListFields():
        where = f"{path}.{field.name}" if path else field.name
        inner = numbers and where not in numbers_elsewhere
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            entry = field.message_type
            if entry is not None and entry.GetOptions().map_entry:
                if inner:
                    problems += [p for key, item in value.items() for p in _map_value(entry, item, f"{where}.{key}")]
            elif field.is_repeated:
                for index, item in enumerate(value):
                    problems += out_of_range(item, f"{where}[{index}]", numbers_elsewhere, inner)
            else:
                problems += out_of_range(value, where, numbers_elsewhere, inner)
        elif numbers and field.type in _NUMBERS and not field.is_repeated:
            problems += _number(field, value, where)
    return problems


def _map_value(entry: Descriptor, item: Any, where: str) -> list[FieldViolation]:
    value_field = entry.fields_by_name["value"]
    if value_field.type == FieldDescriptor.TYPE_MESSAGE:
        return out_of_range(item, where)
    if value_field.type in _NUMBERS:
        return _number(value_field, item, where)
    return []


def _number(field: FieldDescriptor, value: float, where: str) -> list[FieldViolation]:
    """Repeated numbers (histories, quantile values) are checked by the domain with NumPy; a scalar here."""
    limit = LIMITS.get(field.full_name, MAX_NUMBER)
    if isinstance(value, float) and not math.isfinite(value):
        return [FieldViolation(where, f"must be a finite number, got {value}")]
    if abs(value) > limit:
        return [FieldViolation(where, f"must be at most {limit:g} in magnitude, got {value:g}")]
    return []


def _timestamp(stamp: timestamp_pb2.Timestamp, where: str) -> list[FieldViolation]:
    low, high = int(EARLIEST.timestamp()), int(LATEST.timestamp())
    if not low <= stamp.seconds < high or not 0 <= stamp.nanos < 1_000_000_000:
        return [FieldViolation(where, f"must be a time between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC), "
                                      f"got {stamp.seconds} s since 1970 and {stamp.nanos} ns")]
    return []


def _duration(span: duration_pb2.Duration, where: str) -> list[FieldViolation]:
    if abs(span.seconds) > MAX_DURATION_S or abs(span.nanos) >= 1_000_000_000 or (
            span.seconds and span.nanos and (span.seconds > 0) != (span.nanos > 0)):
        return [FieldViolation(where, f"must be a duration of at most {MAX_DURATION_S // 86400} days with "
                                      f"consistent seconds and nanos, got {span.seconds} s and {span.nanos} ns")]
    return []
