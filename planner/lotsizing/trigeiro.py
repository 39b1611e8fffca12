"""Reader for Trigeiro, Thomas & McClain (1989) capacitated lot-sizing files (the F, G and X sets).

This module owns turning one benchmark file into a `LotSizingInstance`: one resource, no backlog,
zero initial stock, yield 1, so that the objective is setup plus holding cost as in the literature.

Layout: line 1 `items periods`; line 2 unused; line 3 the capacity per period (one value, or one per
period); one line per item `time_per_unit holding_cost setup_time setup_cost`; then the demand, one
line per period and one column per item. Files with more than 15 items wrap the demand into blocks of
15 columns (all periods for items 1-15, then all periods for items 16-30, ...). Whatever follows the
demand (the X files' text footer) is ignored, and so are extra tokens at the end of a demand line
(G73 has one), with a log message.
"""

from __future__ import annotations

import logging
from pathlib import Path

from planner.lotsizing.model import LotSizingInstance, LotSizingItem, LotSizingOperation, LotSizingResource

logger = logging.getLogger(__name__)

BLOCK_WIDTH = 15
RESOURCE_ID = "capacity"


class TrigeiroFormatError(ValueError):
    """The file does not follow the Trigeiro layout; the message says where it departs from it."""


def read_trigeiro(path: str | Path) -> LotSizingInstance:
    """Read one Trigeiro file (`*.DAT`, `X*`) into a single-resource lot-sizing instance."""
    path = Path(path)
    return parse_trigeiro(path.read_text(encoding="ascii", errors="replace"), name=path.stem)


def parse_trigeiro(text: str, name: str = "trigeiro") -> LotSizingInstance:
    """Parse the text of a Trigeiro file; see the module docstring for the layout."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if len(lines) < 3:
        raise TrigeiroFormatError(f"{name}: expected at least 3 non-empty lines, found {len(lines)}")
    items, periods = (_integer(token, name, 1) for token in lines[0][:2])
    capacity = _capacity(lines[2], periods, name)
    item_rows = [_numbers(line[:4], name, 4 + k) for k, line in enumerate(lines[3:3 + items])]
    if len(item_rows) != items or any(len(row) != 4 for row in item_rows):
        raise TrigeiroFormatError(f"{name}: expected {items} item lines of 4 numbers after the capacity")
    demand = _demand(lines[3 + items:], items, periods, name)
    resource = LotSizingResource(resource_id=RESOURCE_ID, capacity_minutes=capacity)
    return LotSizingInstance(
        name=name,
        bucket_count=periods,
        resources=[resource],
        items=[
            LotSizingItem(
                item_id=f"item-{k + 1}",
                demand=demand[k],
                operations=[LotSizingOperation(resource_id=RESOURCE_ID, minutes_per_unit=time_per_unit,
                                               setup_minutes=setup_time)],
                holding_cost=holding_cost,
                setup_cost=setup_cost,
            )
            for k, (time_per_unit, holding_cost, setup_time, setup_cost) in enumerate(item_rows)
        ],
    )


def _capacity(tokens: list[str], periods: int, name: str) -> list[float]:
    values = _numbers(tokens, name, 3)
    if len(values) >= periods:
        return values[:periods]
    return [values[0]] * periods


def _demand(lines: list[list[str]], items: int, periods: int, name: str) -> list[list[float]]:
    """Demand per item and period, reading blocks of up to 15 columns until the footer."""
    numeric = []
    for line in lines:
        if not _is_number(line[0]):
            break
        numeric.append(line)
    one_block = len(numeric) >= periods and len(numeric[0]) >= items and len(numeric) < 2 * periods
    widths = [items] if one_block else [min(BLOCK_WIDTH, items - start) for start in range(0, items, BLOCK_WIDTH)]
    if len(numeric) < periods * len(widths):
        raise TrigeiroFormatError(f"{name}: expected {periods * len(widths)} demand lines, "
                                  f"found {len(numeric)}")
    demand: list[list[float]] = [[] for _ in range(items)]
    first_item = 0
    for block, width in enumerate(widths):
        for period in range(periods):
            tokens = numeric[block * periods + period]
            if len(tokens) < width:
                raise TrigeiroFormatError(f"{name}: demand line for period {period + 1} (block {block + 1}) "
                                          f"has {len(tokens)} values, expected {width}")
            if len(tokens) > width:
                logger.info("%s: ignoring %d extra token(s) on demand line for period %d (block %d)",
                            name, len(tokens) - width, period + 1, block + 1)
            for offset, value in enumerate(_numbers(tokens[:width], name, 0)):
                demand[first_item + offset].append(value)
        first_item += width
    return demand


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _numbers(tokens: list[str], name: str, line_number: int) -> list[float]:
    try:
        return [float(token) for token in tokens]
    except ValueError as error:
        raise TrigeiroFormatError(f"{name}: non-numeric value near line {line_number}: {error}") from None


def _integer(token: str, name: str, line_number: int) -> int:
    value = _numbers([token], name, line_number)[0]
    if value != int(value) or value < 1:
        raise TrigeiroFormatError(f"{name}: line {line_number} must hold positive whole numbers")
    return int(value)
