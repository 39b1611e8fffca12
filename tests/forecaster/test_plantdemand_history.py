"""The demand-history template (forecaster.plantdemand.history): every kind of problem reported with its
file, row and column, the period inferred or given, CSV and Parquet alike."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecaster.plantdata import PlantDataError
from forecaster.plantdemand.history import load_history, shift_periods


def write(tmp_path: Path, text: str, name: str = "history.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def monthly(series: str = "A", months: int = 6, start: str = "2025-01-01") -> str:
    dates = pd.date_range(start, periods=months, freq="MS")
    return "".join(f"{series},{d.date().isoformat()},{k % 3}\n" for k, d in enumerate(dates))


def problems(path: Path, period: str | None = None) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(PlantDataError) as caught:
        load_history(path, period)
    return [(p.row, p.column, p.message) for p in caught.value.problems]


def test_good_history_loads_sorted_with_its_period(tmp_path: Path) -> None:
    rows = (monthly("B") + monthly("A")).replace("\n", ",note\n")
    path = write(tmp_path, "series_id,period,quantity,comment\n" + rows)
    history = load_history(path)
    assert history.period == "month" and history.season_length == 12
    assert list(history.series()) == ["B", "A"]  # file order of the series
    assert history.frame["quantity"].tolist()[:3] == [0.0, 1.0, 2.0]
    assert any("comment" in w for w in history.warnings)


@pytest.mark.parametrize(("dates", "period"), [
    (pd.date_range("2025-01-06", periods=6, freq="D"), "day"),
    (pd.date_range("2025-01-06", periods=6, freq="7D"), "week"),
    (pd.date_range("2025-01-01", periods=6, freq="MS"), "month"),
])
def test_the_period_is_inferred_from_the_spacing_of_the_dates(tmp_path: Path, dates: pd.DatetimeIndex,
                                                               period: str) -> None:
    text = "series_id,period,quantity\n" + "".join(f"A,{d.date().isoformat()},1\n" for d in dates)
    assert load_history(write(tmp_path, text)).period == period


def test_a_given_period_is_checked_against_the_dates(tmp_path: Path) -> None:
    path = write(tmp_path, "series_id,period,quantity\n" + monthly())
    assert load_history(path, "month").period == "month"
    found = problems(path, "day")  # monthly dates read as days: every month has missing days
    assert found and all(column == "period" and "missing" in message for _, column, message in found)


def test_bad_cells_are_reported_by_row_and_column(tmp_path: Path) -> None:
    text = ("series_id,period,quantity\n"
            "A,2025-01-01,3\n"
            "A,2025-13-01,1\n"       # row 3: not a date
            "A,2025-03-01,-2\n"      # row 4: negative
            "A,2025-04-01,lots\n"    # row 5: not a number
            ",2025-05-01,1\n"        # row 6: empty id
            "A,2025-06-01,\n")       # row 7: empty quantity
    found = problems(write(tmp_path, text))
    assert [(row, column) for row, column, _ in found] == [(3, "period"), (4, "quantity"), (5, "quantity"),
                                                           (6, "series_id"), (7, "quantity")]
    assert "not an ISO date" in found[0][2] and "negative" in found[1][2] and "not a number" in found[2][2]


def test_duplicates_and_gaps_name_the_row_after_them(tmp_path: Path) -> None:
    text = ("series_id,period,quantity\n"
            "A,2025-01-01,1\nA,2025-02-01,1\nA,2025-02-01,2\n"   # row 4 repeats February
            "A,2025-05-01,1\nA,2025-06-01,1\n")                  # row 5: March and April missing
    found = problems(write(tmp_path, text))
    assert found[0][:2] == (4, "period") and "twice (also row 3)" in found[0][2]
    assert found[1][:2] == (5, "period") and "2 month(s) missing" in found[1][2] and "write 0" in found[1][2]


def test_dates_off_the_period_grid(tmp_path: Path) -> None:
    text = "series_id,period,quantity\nA,2025-01-01,1\nA,2025-02-01,1\nA,2025-03-15,1\nA,2025-04-01,1\n"
    assert problems(write(tmp_path, text), "month") == [
        (4, "period", "'2025-03-15' is not the first day of a month (monthly periods are written as their first day)")]
    weeks = "series_id,period,quantity\n" + "".join(f"A,{d},1\n" for d in
                                                    ("2025-01-06", "2025-01-13", "2025-01-21", "2025-01-27"))
    found = problems(write(tmp_path, weeks, "weeks.csv"), "week")
    assert found[0][:2] == (4, "period") and "Monday" in found[0][2]


def test_missing_columns_short_series_and_structural_problems(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "series_id,date,qty\nA,2025-01-01,1\n")) == [
        (None, "period", "required column is missing"), (None, "quantity", "required column is missing")]
    short = "series_id,period,quantity\n" + monthly("A", 2) + monthly("B", 6)
    assert problems(write(tmp_path, short, "short.csv")) == [
        (2, "series_id", "series 'A' has 2 period(s); at least 4 are needed to forecast it")]
    found = problems(write(tmp_path, "series_id,period,quantity,quantity\nA,2025-01-01,1,1\nA,2025-02-01,1\n",
                           "broken.csv"))
    assert (1, "quantity") in [(row, column) for row, column, _ in found]  # duplicated header
    assert (3, None) in [(row, column) for row, column, _ in found]  # wrong number of fields


def test_csv_and_parquet_read_alike(tmp_path: Path) -> None:
    text = "series_id,period,quantity\n" + monthly("A") + monthly("B")
    csv = load_history(write(tmp_path, text))
    frame = pd.read_csv(tmp_path / "history.csv")
    frame["period"] = pd.to_datetime(frame["period"])
    frame.to_parquet(tmp_path / "history.parquet", index=False)
    parquet = load_history(tmp_path / "history.parquet")
    pd.testing.assert_frame_equal(csv.frame, parquet.frame)
    assert parquet.period == "month"


def test_forecast_periods_follow_the_last_one() -> None:
    assert [d.date().isoformat() for d in shift_periods(pd.Timestamp("2025-11-01"), "month", 3)] == [
        "2025-12-01", "2026-01-01", "2026-02-01"]
    assert shift_periods(pd.Timestamp("2025-01-06"), "week", 1) == [pd.Timestamp("2025-01-13")]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = ("series_id,period,quantity\n" + monthly("A", 5).replace("2025-03-01,2", "2025-03-01,-2")
            + "B,2025-01-01,1\nB,2025-02-01,x\nB,2025-05-01,1\nB,2025-06-01,1\n")
    found = problems(write(tmp_path, text))
    assert [(row, column) for row, column, _ in found] == [(4, "quantity"), (8, "quantity"), (9, "period")]
