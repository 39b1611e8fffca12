"""The plant-data loader and template: every kind of problem is reported with its file, row and column,
CSV and Parquet read alike, templates are validated like requests (forecaster.plantdata)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecaster.plantdata import PlantDataError, Problem, load_template
from forecaster.plantdata.records import load_records
from forecaster.plantdata.template import PlantTemplate

HEADER = "time,product,machine,defect,temp_c,mode"
GOOD_ROWS = [
    "2026-03-02T08:00:00+09:00,A,M1,,180.5,x",
    "2026-03-02T09:00:00Z,A,M2,porosity,181.0,y",
    "2026-03-02T10:00:00+09:00,B,M1,ok,179.0,x",
]


def _write(tmp_path: Path, lines: list[str], name: str = "records.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _problems(path: Path, **kwargs: object) -> list[Problem]:
    with pytest.raises(PlantDataError) as caught:
        load_records(path, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def _only(problems: list[Problem], row: int | None, column: str | None, words: str) -> None:
    assert [(p.row, p.column) for p in problems] == [(row, column)], problems
    assert words in problems[0].message
    assert problems[0].file == "records.csv"


def test_good_records_load_with_kinds_utc_times_and_row_numbers(tmp_path: Path) -> None:
    records = load_records(_write(tmp_path, [HEADER, *GOOD_ROWS]))
    assert records.numeric == ["temp_c"] and records.categorical == ["mode"]
    assert records.rows.tolist() == [2, 3, 4]
    assert records.frame["defect"].tolist() == ["ok", "porosity", "ok"]
    assert str(records.frame["time"].dt.tz) == "UTC"
    assert records.frame["time"].iloc[0] == pd.Timestamp("2026-03-01T23:00:00Z")


def test_unparseable_time_is_reported_with_row_and_column(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, "2026-02-30T10:00:00Z,B,M1,,179.0,x"]
    _only(_problems(_write(tmp_path, [HEADER, *rows])), 5, "time", "not an ISO 8601 time")


def test_time_without_offset_needs_a_timezone(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, "2026-03-02T11:00:00,B,M1,,179.0,x"]
    path = _write(tmp_path, [HEADER, *rows])
    _only(_problems(path), 5, "time", "no UTC offset")
    local = load_records(path, PlantTemplate(timezone="Asia/Seoul"))
    assert local.frame["time"].iloc[3] == pd.Timestamp("2026-03-02T02:00:00Z")


def test_missing_required_column_is_reported_by_name(tmp_path: Path) -> None:
    lines = [line.rsplit(",", 3)[0] + "," + line.rsplit(",", 2)[1] for line in [HEADER, *GOOD_ROWS]]
    problems = _problems(_write(tmp_path, [line.replace(",defect", "") for line in lines]))
    assert ("defect", "required column is missing") in [(p.column, p.message) for p in problems]


def test_non_number_in_a_numeric_column_names_its_row(tmp_path: Path) -> None:
    rows = [f"2026-03-0{d}T08:00:00Z,A,M1,,{180 + d},x" for d in range(1, 10)] * 2
    rows.append("2026-03-09T09:00:00Z,A,M1,,hot,x")
    problems = _problems(_write(tmp_path, [HEADER, *rows]))
    _only(problems, 20, "temp_c", "'hot' is not a number")


def test_template_can_declare_a_column_numeric(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, "2026-03-02T11:00:00Z,B,M1,,warm,x"]
    path = _write(tmp_path, [HEADER, *rows])
    guessed = load_records(path)  # most values are numbers, but not 90 %
    assert guessed.categorical == ["temp_c", "mode"]
    assert guessed.warnings == ["column 'temp_c' read as categorical: most values are numbers but not 90% (rows 5 "
                                "are not); declare `kind: numeric` in the template to have those rows reported instead"]
    template = PlantTemplate.model_validate({"columns": {"temp_c": {"kind": "numeric"}}})
    _only(_problems(path, template=template), 5, "temp_c", "'warm' is not a number")


def test_duplicated_header_is_reported_on_row_one(tmp_path: Path) -> None:
    lines = [HEADER + ",temp_c"] + [row + ",1.0" for row in GOOD_ROWS]
    _only(_problems(_write(tmp_path, lines)), 1, "temp_c", "more than once")


def test_row_with_wrong_number_of_fields(tmp_path: Path) -> None:
    _only(_problems(_write(tmp_path, [HEADER, *GOOD_ROWS, "2026-03-02T11:00:00Z,B,M1"])), 5, None, "has 3 fields")


def test_empty_product_and_machine(tmp_path: Path) -> None:
    problems = _problems(_write(tmp_path, [HEADER, *GOOD_ROWS, "2026-03-02T11:00:00Z, ,,,1.0,x"]))
    assert {(p.row, p.column) for p in problems} == {(5, "product"), (5, "machine")}


@pytest.mark.parametrize(("quantity", "defective", "defect", "words"), [
    ("10", "11", "porosity", "more than the row's quantity"),
    ("10", "2", "", "name the defect type"),
    ("10", "0", "porosity", "no defective parts in a row that names a defect type"),
    ("2.5", "0", "", "whole number of parts of at least 1"),
    ("10", "-1", "porosity", "whole number of parts of at least 0"),
])
def test_inconsistent_lot_quantities(tmp_path: Path, quantity: str, defective: str, defect: str, words: str) -> None:
    header = "time,product,machine,defect,quantity,defective_quantity"
    rows = ["2026-03-02T08:00:00Z,A,M1,,5,0", f"2026-03-02T09:00:00Z,A,M1,{defect},{quantity},{defective}"]
    problems = _problems(_write(tmp_path, [header, *rows]))
    assert any(p.row == 3 and words in p.message for p in problems), problems
    assert all(p.row == 3 for p in problems)


def test_defective_quantity_needs_quantity(tmp_path: Path) -> None:
    header = "time,product,machine,defect,defective_quantity"
    _only(_problems(_write(tmp_path, [header, "2026-03-02T08:00:00Z,A,M1,porosity,1"])), None,
          "defective_quantity", "needs a quantity column")


def test_lot_rows_become_good_and_defective_parts(tmp_path: Path) -> None:
    header = "time,product,machine,defect,quantity,defective_quantity"
    rows = ["2026-03-02T08:00:00Z,A,M1,ok,5,", "2026-03-02T09:00:00Z,A,M1,porosity,10,3",
            "2026-03-02T10:00:00Z,A,M1,cold_shut,4,"]
    frame = load_records(_write(tmp_path, [header, *rows])).frame
    assert frame["quantity"].tolist() == [5, 10, 4]
    assert frame["defective_quantity"].tolist() == [0, 3, 4]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    rows = ["not a time,A,M1,,1.0,x", "2026-03-02T09:00:00Z,,M2,porosity,2.0,y", *GOOD_ROWS]
    problems = _problems(_write(tmp_path, [HEADER + ",mode", *[r + ",z" for r in rows]]))
    assert {(p.row, p.column) for p in problems} == {(1, "mode"), (2, "time"), (3, "product")}
    assert "records.csv, row 2, column 'time'" in str(PlantDataError(problems))


def test_csv_and_parquet_give_the_same_records_and_the_same_report(tmp_path: Path) -> None:
    frame = pd.read_csv(_write(tmp_path, [HEADER, *GOOD_ROWS]), dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "records.parquet", index=False)
    from_csv, from_parquet = load_records(tmp_path / "records.csv"), load_records(tmp_path / "records.parquet")
    pd.testing.assert_frame_equal(from_csv.frame, from_parquet.frame)
    assert from_csv.rows.tolist() == from_parquet.rows.tolist()
    bad = pd.concat([frame, frame.iloc[[0]].assign(time="yesterday")], ignore_index=True)
    bad.to_csv(tmp_path / "bad.csv", index=False)
    bad.to_parquet(tmp_path / "bad.parquet", index=False)
    reports = [[(p.row, p.column, p.message) for p in _problems(tmp_path / f"bad.{kind}")]
               for kind in ("csv", "parquet")]
    assert reports[0] == reports[1] == [(5, "time", "time 'yesterday' is not an ISO 8601 time")]


def test_typed_parquet_columns_read_like_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"time": pd.to_datetime(["2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z"], utc=True),
                          "product": ["A", "B"], "machine": ["M1", "M1"], "defect": [None, "porosity"],
                          "temp_c": [180.5, np.nan]})
    frame.to_parquet(tmp_path / "typed.parquet", index=False)
    records = load_records(tmp_path / "typed.parquet")
    assert records.numeric == ["temp_c"] and records.frame["defect"].tolist() == ["ok", "porosity"]
    assert records.frame["time"].tolist() == frame["time"].tolist()


def test_ignored_and_id_like_columns_are_dropped_with_warnings(tmp_path: Path) -> None:
    rows = [f"2026-03-02T08:{m:02d}:00Z,A,M1,,{180 + m % 3},SN-{m}" for m in range(60)]
    path = _write(tmp_path, ["time,product,machine,defect,temp_c,serial", *rows])
    records = load_records(path)
    assert records.parameters == ["temp_c"] and "look like serial numbers" in records.warnings[0]
    quiet = load_records(path, PlantTemplate(ignore=["serial", "lot_id"]))
    assert quiet.parameters == ["temp_c"] and quiet.warnings == [
        "column 'lot_id' is listed under `ignore` in the template but is not in the file"]


def test_values_outside_the_normal_range_are_a_warning(tmp_path: Path) -> None:
    template = PlantTemplate.model_validate({"columns": {"temp_c": {"normal": [179.5, 180.8]}}})
    records = load_records(_write(tmp_path, [HEADER, *GOOD_ROWS]), template)
    assert records.warnings == ["column 'temp_c': 2 values outside the normal range [179.5, 180.8] (rows 3, 4)"]


def test_prediction_needs_the_models_columns_but_not_time_or_defect(tmp_path: Path) -> None:
    path = _write(tmp_path, ["product,machine,mode", "A,M1,x"])
    _only(_problems(path, purpose="predict", kinds={"temp_c": "numeric", "mode": "categorical"}), None, "temp_c",
          "column used by the model is missing")
    assert load_records(path, purpose="predict", kinds={"mode": "categorical"}).categorical == ["mode"]


def test_template_from_yaml_and_json(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "plant-data" / "plant_template.yaml"
    template = load_template(example)
    assert template.timezone == "Asia/Seoul" and template.display_name("die_temperature_c", "ko") == "금형 온도"
    assert template.display_name("unknown_column") == "unknown_column"
    (tmp_path / "t.json").write_text('{"ignore": ["serial"], "columns": {"t": {"unit": "°C"}}}', encoding="utf-8")
    assert load_template(tmp_path / "t.json").columns["t"].unit == "°C"


def test_template_problems_are_all_reported_with_their_key(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "timezone: Mars/Olympus\ncolour: red\ncolumns:\n  t: {normal: [5, 1]}\n  mode: {kind: text}\n",
        encoding="utf-8")
    with pytest.raises(PlantDataError) as caught:
        load_template(tmp_path / "t.yaml")
    where = {p.column: p.message for p in caught.value.problems}
    assert set(where) == {"timezone", "colour", "columns.t", "columns.mode.kind"}, where
    assert "unknown time zone" in where["timezone"] and "must be below" in where["columns.t"]
    assert all(p.file == "t.yaml" for p in caught.value.problems)


def test_template_syntax_error_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("plant: x\ncolumns: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlantDataError) as caught:
        load_template(tmp_path / "t.yaml")
    assert caught.value.problems[0].row is not None and "not valid YAML" in caught.value.problems[0].message


def test_template_rejects_ignoring_a_record_column() -> None:
    with pytest.raises(PlantDataError):
        from forecaster.plantdata.template import parse_template

        parse_template({"ignore": ["defect"]}, "t.yaml")


_CELL = st.text(alphabet=st.sampled_from("0123456789.-eaZ: T+"), max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_CELL, st.sampled_from(["A", "", "B"]), _CELL), min_size=1, max_size=12))
def test_loader_either_loads_or_names_only_real_cells(tmp_path: Path, cells: list[tuple[str, str, str]]) -> None:
    """Any file: either every row loads (times parse, numbers are numbers), or every reported problem points
    at a row of the file and a column of its header, and the rows it names are really wrong."""
    lines = ["time,product,machine,defect,temp_c"] + [f"{t},{p},M1,,{v}" for t, p, v in cells]
    path = _write(tmp_path, lines)
    try:
        records = load_records(path, PlantTemplate.model_validate({"columns": {"temp_c": {"kind": "numeric"}}}))
    except PlantDataError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file == "records.csv"
            assert problem.column in {"time", "product", "temp_c"}
            assert problem.row is not None and 2 <= problem.row <= len(cells) + 1
            _, product, value = cells[problem.row - 2]
            if problem.column == "product":
                assert product == ""
            if problem.column == "temp_c":
                assert not np.isfinite(float(pd.to_numeric(value.strip(), errors="coerce")))  # NaN, or 1e400
        return
    assert len(records.frame) == len(cells)
    assert records.frame["time"].notna().all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 60)), min_size=1, max_size=10))
def test_lot_quantities_load_exactly_when_consistent(tmp_path: Path, lots: list[tuple[int, int]]) -> None:
    lines = ["time,product,machine,defect,quantity,defective_quantity"] + [
        f"2026-03-02T08:{i:02d}:00Z,A,M1,{'porosity' if d else 'ok'},{q},{d}" for i, (q, d) in enumerate(lots)]
    path = _write(tmp_path, lines)
    bad_rows = {i + 2 for i, (q, d) in enumerate(lots) if d > q}
    if bad_rows:
        assert {p.row for p in _problems(path)} == bad_rows
    else:
        frame = load_records(path).frame
        assert frame["defective_quantity"].tolist() == [d for _, d in lots]


def test_integer_levels_with_gaps_read_the_same_from_parquet_and_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame({"time": ["2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"],
                          "product": ["A", "A", "B"], "machine": ["M1", "M1", "M2"], "defect": ["", "", "porosity"],
                          "mould": [3, None, 12]})
    frame.to_parquet(tmp_path / "r.parquet", index=False)
    frame.astype({"mould": "Int64"}).to_csv(tmp_path / "r.csv", index=False)
    template = PlantTemplate.model_validate({"columns": {"mould": {"kind": "categorical"}}})
    levels = [load_records(tmp_path / f"r.{kind}", template).frame["mould"].tolist() for kind in ("csv", "parquet")]
    assert levels[0] == levels[1] == ["3", "", "12"]


def test_a_plants_column_names_are_kept_as_written(tmp_path: Path) -> None:
    lines = ["time,product,machine,defect,Die #,Torque [Nm],금형 온도"] + [
        f"2026-03-02T08:0{i}:00Z,A,M1,,D{i % 2},{40 + i},{200 + i}" for i in range(5)]
    records = load_records(_write(tmp_path, lines))
    assert records.numeric == ["Torque [Nm]", "금형 온도"] and records.categorical == ["Die #"]
