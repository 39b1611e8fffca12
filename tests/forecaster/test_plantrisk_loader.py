"""The risk templates' loader: every problem named by file, row and column; the maintenance-leak rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecaster.plantdata.problems import PlantDataError
from forecaster.plantrisk.history import load_history


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _where(error: PlantDataError) -> set[tuple[str, int | None, str | None]]:
    return {(p.file, p.row, p.column) for p in error.problems}


def test_every_problem_of_every_file_is_named_by_file_row_and_column(tmp_path: Path) -> None:
    telemetry = _write(tmp_path / "telemetry.csv", (
        "time,machine,temperature,vibration\n"
        "2026-01-01T00:00:00Z,M1,60.1,1.0\n"
        "2026-01-01T01:00:00Z,M1,hot,1.1\n"          # row 3: not a number
        "yesterday,M1,60.3,1.2\n"                    # row 4: not a time
        "2026-01-01T03:00:00Z,,60.4,1.3\n"            # row 5: no machine
        "2026-01-01T04:00:00Z,M1,60.5\n"))            # row 6: too few fields
    events = _write(tmp_path / "events.csv", (
        "time,machine,event,component\n"
        "2026-01-01T02:00:00Z,M1,failure,spindle\n"
        "2026-01-01T03:00:00Z,M1,,\n"))               # row 3: empty event
    machines = _write(tmp_path / "machines.csv", "machine,model\nM1,A\nM1,B\n")  # row 3: repeated machine
    with pytest.raises(PlantDataError) as raised:
        load_history(telemetry, events, machines)
    where = _where(raised.value)
    assert ("telemetry.csv", 3, "temperature") in where
    assert ("telemetry.csv", 4, "time") in where
    assert ("telemetry.csv", 5, "machine") in where
    assert ("telemetry.csv", 6, None) in where
    assert ("events.csv", 3, "event") in where
    assert ("machines.csv", 3, None) in where


def test_missing_columns_and_repeated_times_are_reported(tmp_path: Path) -> None:
    telemetry = _write(tmp_path / "t.csv", "time,machine,speed\n2026-01-01T00:00:00Z,M1,1\n2026-01-01T00:00:00Z,M1,2\n")
    events = _write(tmp_path / "e.csv", "time,machine\n2026-01-01T00:00:00Z,M1\n")
    with pytest.raises(PlantDataError) as raised:
        load_history(telemetry, events)
    where = _where(raised.value)
    assert ("t.csv", 3, None) in where  # same machine and time as row 2
    assert ("e.csv", 1, "event") in where
    assert "same machine and time as row 2" in str(raised.value)


def test_time_without_offset_needs_a_timezone(tmp_path: Path) -> None:
    telemetry = _write(tmp_path / "t.csv", "time,machine,speed\n2026-01-01 06:00:00,M1,1\n")
    with pytest.raises(PlantDataError) as raised:
        load_history(telemetry, timezone=None)
    assert ("t.csv", 2, "time") in _where(raised.value)
    history = load_history(telemetry, timezone="Asia/Seoul")
    assert history.telemetry["time"].iat[0] == pd.Timestamp("2025-12-31T21:00:00Z")


def test_parquet_reads_like_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame({"time": pd.to_datetime(["2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"], utc=True),
                          "machine": ["M1", "M1"], "speed": [1.5, None]})
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    from_parquet = load_history(tmp_path / "t.parquet").telemetry
    from_csv = load_history(tmp_path / "t.csv").telemetry
    pd.testing.assert_frame_equal(from_parquet, from_csv)
    assert from_csv["speed"].isna().iat[1]  # an empty sensor cell is a gap, not a problem


def test_maintenance_repeating_a_failure_is_not_maintenance(tmp_path: Path) -> None:
    telemetry = _write(tmp_path / "t.csv", "time,machine,speed\n2026-01-01T00:00:00Z,M1,1\n")
    events = _write(tmp_path / "e.csv", (
        "time,machine,event,component\n"
        "2026-01-05T06:00:00Z,M1,failure,comp2\n"
        "2026-01-05T06:00:00Z,M1,maintenance,comp2\n"    # the repair of that failure: dropped
        "2026-01-05T06:00:00Z,M1,maintenance,comp1\n"    # same day, other component: kept
        "2026-01-05T14:00:00Z,M2,maintenance,comp2\n"    # other machine: kept
        "2026-01-06T06:00:00Z,M1,maintenance,comp2\n"    # next day: kept
        "2026-01-05T09:00:00Z,M1,maintenance,\n"        # later that day, no component named: dropped
        "2026-01-05T01:00:00Z,M1,maintenance,comp2\n"))  # earlier that day: planned, kept
    history = load_history(telemetry, events)
    kept = history.events[history.events["event"] == "maintenance"]
    assert sorted(zip(kept["machine"], kept["component"], kept["time"].dt.day, strict=True)) == [
        ("M1", "comp1", 5), ("M1", "comp2", 5), ("M1", "comp2", 6), ("M2", "comp2", 5)]
    assert any("repeat a failure" in w for w in history.warnings)
