"""Reading a plant's demand history (CSV or Parquet) and checking it: the demand-history template.

Columns (docs/PLANT-DATA.md): `series_id` (the plant's product or SKU code), `period` (ISO date of the
period's first day) and `quantity` (demand in that period, a number >= 0). Other columns are ignored with
a warning. The period (day, week or month) is inferred from the spacing of the dates, or given.

Every problem that makes the file unusable is collected with its file, row and column and raised at once
as a `PlantDataError` (the same report as for inspection records): an unparseable date, a quantity that is
empty, not a number or negative, a duplicated period, a gap in a series (write 0 for a period without
demand), a date off the period grid (a monthly date that is not the 1st, a weekly date on another weekday).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.plantdata.problems import PlantDataError, Problem, display_path
from forecaster.plantdata.records import MISSING_TOKENS, read_table

REQUIRED = ("series_id", "period", "quantity")
PERIODS = ("day", "week", "month")
SEASON_LENGTHS = {"day": 7, "week": 52, "month": 12}
"""Periods in one seasonal cycle for each kind of period."""
MIN_PERIODS = 4
"""A series needs at least this many periods to be forecast (the pretrained network's minimum context)."""
_DAYS_APART = {1: "day", 7: "week"}


@dataclass
class DemandHistories:
    """Validated demand histories: one row per series and period, sorted by series and period."""

    file: str
    period: str
    frame: pd.DataFrame  # series_id (str), period (Timestamp, naive date), quantity (float), row (int)
    warnings: list[str] = field(default_factory=list)

    @property
    def season_length(self) -> int:
        return SEASON_LENGTHS[self.period]

    def series(self) -> dict[str, pd.DataFrame]:
        """Each series' rows in period order, by series id (in the order the ids first appear)."""
        return {str(name): group for name, group in self.frame.groupby("series_id", sort=False)}

    @property
    def last_period(self) -> pd.Timestamp:
        return pd.Timestamp(self.frame["period"].max())


def period_index(dates: pd.Series, period: str) -> np.ndarray:
    """Consecutive integers for consecutive periods (months since year 0, weeks or days since 1970)."""
    if period == "month":
        return (dates.dt.year * 12 + dates.dt.month - 1).to_numpy(dtype=np.int64)
    days = (dates - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=np.int64)
    return days // 7 if period == "week" else days


def shift_periods(start: pd.Timestamp, period: str, steps: int) -> list[pd.Timestamp]:
    """The `steps` period starts after `start`."""
    if period == "month":
        return [start + pd.DateOffset(months=k) for k in range(1, steps + 1)]
    days = 7 if period == "week" else 1
    return [start + pd.Timedelta(days=days * k) for k in range(1, steps + 1)]


def infer_period(frame: pd.DataFrame) -> str | None:
    """day, week or month from the most common spacing of consecutive dates within a series; None when no
    series has two dates."""
    gaps = frame.sort_values(["series_id", "period"]).groupby("series_id")["period"].diff().dropna().dt.days
    gaps = gaps[gaps > 0]
    if gaps.empty:
        return None
    typical = int(gaps.mode().min())
    if 28 <= typical <= 31:
        return "month"
    return _DAYS_APART.get(typical, "day" if typical < 7 else "week" if typical < 28 else "month")


def _cells(frame: pd.DataFrame, rows: np.ndarray, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    series_id = frame["series_id"].str.strip()
    for i in np.flatnonzero(series_id.str.lower().isin(MISSING_TOKENS).to_numpy()):
        problems.append(Problem(file, int(rows[i]), "series_id", "series_id is empty"))
    text = frame["period"].str.strip()
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # a date with an offset: the plant's local date is meant
        parsed = parsed.dt.tz_localize(None)
    plausible = parsed.notna() & (parsed.dt.year >= 1900) & (parsed.dt.year <= 2200)
    has_time = plausible & (parsed != parsed.dt.normalize())
    for i in np.flatnonzero((~plausible).to_numpy()):
        problems.append(Problem(file, int(rows[i]), "period", f"{text.iloc[i]!r} is not an ISO date (e.g. 2026-03-01)"))
    for i in np.flatnonzero(has_time.to_numpy()):
        problems.append(Problem(file, int(rows[i]), "period", f"{text.iloc[i]!r} has a time of day: give the date of "
                                                               "the period's first day"))
    quantity_text = frame["quantity"].str.strip()
    missing = quantity_text.str.lower().isin(MISSING_TOKENS)
    quantity = pd.to_numeric(quantity_text.where(~missing), errors="coerce").astype(float)
    quantity = quantity.where(np.isfinite(quantity))
    for i in np.flatnonzero(missing.to_numpy()):
        problems.append(Problem(file, int(rows[i]), "quantity", "quantity is empty: write 0 for no demand"))
    for i in np.flatnonzero((quantity.isna() & ~missing).to_numpy()):
        problems.append(Problem(file, int(rows[i]), "quantity", f"{quantity_text.iloc[i]!r} is not a number"))
    for i in np.flatnonzero((quantity < 0).to_numpy()):
        problems.append(Problem(file, int(rows[i]), "quantity", f"{quantity_text.iloc[i]!r} is negative: demand "
                                                                 "is a quantity of 0 or more"))
    clean = pd.DataFrame({"series_id": series_id, "period": parsed.where(plausible & ~has_time).dt.normalize(),
                          "quantity": quantity, "row": rows})
    return clean, problems


def _grid(frame: pd.DataFrame, period: str, file: str) -> list[Problem]:
    """Dates off the period grid: monthly dates not on the 1st, weekly dates on another weekday."""
    problems = []
    if period == "month":
        off = frame["period"].dt.day != 1
        message = "is not the first day of a month (monthly periods are written as their first day)"
    elif period == "week":
        weekday = int(frame["period"].dt.day_of_week.mode().min())
        off = frame["period"].dt.day_of_week != weekday
        name = pd.Timestamp("2024-01-01") + pd.Timedelta(days=weekday)
        message = f"is not a {name.day_name()}, the weekday the file's weeks start on"
    else:
        return []
    for _, row in frame[off].iterrows():
        problems.append(Problem(file, int(row["row"]), "period", f"{row['period'].date().isoformat()!r} {message}"))
    return problems


def _sequence(frame: pd.DataFrame, period: str, file: str) -> list[Problem]:
    """Duplicated periods and gaps within each series."""
    problems = []
    ordered = frame.assign(index=period_index(frame["period"], period)).sort_values(["series_id", "index", "row"])
    for series_id, group in ordered.groupby("series_id", sort=False):
        index, rows, dates = group["index"].to_numpy(), group["row"].to_numpy(), group["period"].dt.date.to_numpy()
        for k in range(1, len(group)):
            step = index[k] - index[k - 1]
            if step == 0:
                problems.append(Problem(file, int(rows[k]), "period", (
                    f"series {series_id!r} has period {dates[k].isoformat()} twice (also row {rows[k - 1]})")))
            elif step > 1:
                problems.append(Problem(file, int(rows[k]), "period", (
                    f"series {series_id!r}: {step - 1} {period}(s) missing between {dates[k - 1].isoformat()} (row "
                    f"{rows[k - 1]}) and {dates[k].isoformat()}; write 0 for a period without demand")))
    return problems


def load_history(path: Path, period: str | None = None) -> DemandHistories:
    """Read and validate a demand-history file; raises PlantDataError listing every problem.

    Args:
        path: a CSV file, or Parquet when the name ends in .parquet or .pq.
        period: day, week or month; None infers it from the dates.
    """
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    file = display_path(path)
    table, rows, problems = read_table(path)
    problems += [Problem(file, None, name, "required column is missing") for name in REQUIRED if name not in table]
    if problems:
        raise PlantDataError(problems)
    if len(table) == 0:
        raise PlantDataError([Problem(file, None, None, "the file has no rows")])
    warnings = [f"column {name!r} is not part of the demand-history template and was ignored"
                for name in table.columns if name not in REQUIRED]
    frame, problems = _cells(table, rows, file)
    if any(p.column in ("series_id", "period") for p in problems):
        raise PlantDataError(problems)  # gaps would follow from the rows whose place is unknown: not yet judged
    period = period or infer_period(frame)
    if period is None:
        raise PlantDataError([*problems, Problem(file, None, "period", "cannot infer the period (day, week or month): "
                                                                       "no series has two dates; give it (--period)")])
    problems += _grid(frame, period, file) or _sequence(frame, period, file)
    short = frame.groupby("series_id")["row"].agg(["size", "min"])
    problems += [Problem(file, int(first), "series_id", f"series {name!r} has {size} period(s); at least {MIN_PERIODS} "
                                                        "are needed to forecast it")
                 for name, (size, first) in short[short["size"] < MIN_PERIODS].iterrows()]
    if problems:
        raise PlantDataError(problems)
    order = pd.unique(table["series_id"].str.strip())
    frame["series_id"] = pd.Categorical(frame["series_id"], categories=order, ordered=True)
    frame = frame.sort_values(["series_id", "period"], kind="stable").reset_index(drop=True)
    frame["series_id"] = frame["series_id"].astype(str)
    return DemandHistories(file=file, period=period, frame=frame, warnings=warnings)
