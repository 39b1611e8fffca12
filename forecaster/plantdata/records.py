"""Reading a plant's inspection records (CSV or Parquet) and checking them against the template.

Every problem that makes the file unusable is collected (file, row, column) and raised at once as a
`PlantDataError`; what is merely suspicious becomes a warning carried on the records. See
docs/PLANT-DATA.md for the contract:

- required columns `time`, `product`, `machine`, `defect` (`defect` and `time` only for training);
- `defect` empty or `ok` (any case) is a good part, anything else names the defect type;
- optional `quantity` / `defective_quantity` for lot rows;
- any other column is a process parameter: numeric when the template says so or when at least
  `NUMERIC_SHARE` of its non-empty values are numbers, otherwise categorical.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.plantdata.problems import PlantDataError, Problem, display_path, row_numbers, rows_text
from forecaster.plantdata.template import RESERVED_COLUMNS, PlantTemplate

NUMERIC_SHARE = 0.9
"""A column without a declared kind is numeric when at least this share of its non-empty values are numbers."""
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
GOOD = "ok"
YEARS = (1900, 2200)
"""Times outside these years are taken for typing errors (and would not fit pandas' nanosecond times)."""
PARQUET_SUFFIXES = (".parquet", ".pq")
_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
ID_LIKE_MIN_LEVELS = 50
"""A categorical column with more distinct values than this and than half the rows looks like an id (ignored)."""


@dataclass
class InspectionRecords:
    """Validated records: `frame` holds `time` (UTC, when present), `product`, `machine`, `defect`,
    `quantity`, `defective_quantity` and the process parameters under the plant's own names."""

    file: str
    frame: pd.DataFrame
    rows: np.ndarray  # [N] row numbers as the user sees them (header = row 1)
    numeric: list[str]
    categorical: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def parameters(self) -> list[str]:
        return self.numeric + self.categorical


def read_table(path: Path) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """The file's cells as strings ('' when empty) with their row numbers, and structural problems."""
    file = display_path(path)
    if not path.is_file():
        raise PlantDataError([Problem(file, None, None, "file not found")])
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return _read_parquet(path, file)
    return _read_csv(path, file)


def _duplicated_header(file: str, names: list[str]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for name in names:
        if name in seen:
            problems.append(Problem(file, 1, name, "column name appears more than once in the header"))
        seen.add(name)
    return problems


def _first_of_each(cells: dict[int, list[object]] | pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """The table with one column per header name (the first of repeated names; repeats are reported)."""
    keep = [i for i, name in enumerate(header) if name not in header[:i]]
    if isinstance(cells, pd.DataFrame):
        return pd.DataFrame({header[i]: cells.iloc[:, i] for i in keep})
    return pd.DataFrame({header[i]: pd.Series(cells[i], dtype=object) for i in keep}, columns=[header[i] for i in keep])


def _read_csv(path: Path, file: str) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    problems: list[Problem] = []
    cells: list[list[str]] = []
    rows: list[int] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            if not header:
                raise PlantDataError([Problem(file, 1, None, "the file is empty (no header line)")])
            first_line = reader.line_num + 1
            for record in reader:
                if record and any(cell.strip() for cell in record):
                    if len(record) != len(header):
                        problems.append(Problem(file, first_line, None,
                                                f"has {len(record)} fields, the header has {len(header)}"))
                    else:
                        cells.append(record)
                        rows.append(first_line)
                first_line = reader.line_num + 1
    except UnicodeDecodeError as error:
        raise PlantDataError([Problem(file, None, None, f"is not UTF-8 text ({error.reason})")]) from None
    except csv.Error as error:
        raise PlantDataError([Problem(file, None, None, f"is not readable CSV ({error})")]) from None
    problems += _duplicated_header(file, header)
    columns = {i: [record[i] for record in cells] for i in range(len(header))}
    return _first_of_each(columns, header), np.asarray(rows, dtype=np.int64), problems


def _as_text(series: pd.Series) -> pd.Series:
    """A Parquet column as the strings a CSV would hold (times in ISO 8601, missing as '')."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series.dtype):
        text = series.map(lambda t: t.isoformat() if not pd.isna(t) else "")
    else:
        text = series.map(_cell_text)
    return text.astype(object)


def _cell_text(value: object) -> str:
    """A Parquet cell as a CSV would write it: whole floats without '.0' (an integer column with gaps comes
    back from Parquet as floats, and a categorical level must read the same from both formats)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _read_parquet(path: Path, file: str) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise PlantDataError([Problem(file, None, None, f"is not a readable Parquet file ({error})")]) from None
    header = [str(name).strip() for name in table.column_names]
    problems = _duplicated_header(file, header)
    text = pd.DataFrame({i: _as_text(table.column(i).to_pandas()) for i in range(len(header))})
    frame = _first_of_each(text, header)
    return frame, np.asarray(row_numbers(len(frame)), dtype=np.int64), problems


def _is_missing(text: pd.Series) -> pd.Series:
    return text.str.strip().str.lower().isin(MISSING_TOKENS)


def _to_datetime(text: pd.Series, utc: bool) -> pd.Series:
    """ISO 8601 strings -> datetimes in nanoseconds; NaT for what does not parse or lies outside 1900-2200."""
    parsed = pd.to_datetime(text, utc=utc, format="ISO8601", errors="coerce")
    plausible = (parsed.dt.year >= YEARS[0]) & (parsed.dt.year <= YEARS[1])
    return parsed.where(plausible).dt.as_unit("ns")


def parse_times(text: pd.Series, rows: np.ndarray, file: str, timezone: str | None
                ) -> tuple[pd.Series, list[Problem]]:
    """ISO 8601 times -> UTC; a time without offset needs the template's `timezone`."""
    stripped = text.str.strip()
    has_offset = stripped.str.contains(_OFFSET)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if has_offset.any():
        parsed[has_offset] = _to_datetime(stripped[has_offset], utc=True)
    naive = ~has_offset & (stripped != "")
    local = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if naive.any():
        local[naive] = _to_datetime(stripped[naive], utc=False)
        if timezone is not None:
            parsed[naive] = local[naive].dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert(
                "UTC")
    problems = []
    for position in np.flatnonzero(parsed.isna().to_numpy()):
        value = stripped.iloc[position]
        if value == "":
            message = "time is empty"
        elif not has_offset.iloc[position] and timezone is None and not pd.isna(local.iloc[position]):
            message = (f"time {value!r} has no UTC offset: write e.g. 2026-03-02T08:15:00+09:00 or ...Z, "
                       "or give the plant's timezone in the template")
        else:
            message = f"time {value!r} is not an ISO 8601 time"
        problems.append(Problem(file, int(rows[position]), "time", message))
    return parsed, problems


def _numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(values with NaN for missing or unparseable cells, mask of non-missing cells that are not numbers)."""
    missing = _is_missing(text)
    values = pd.to_numeric(text.str.strip().where(~missing), errors="coerce")
    values = values.where(np.isfinite(values.astype(float)))
    return values.astype(float), values.isna() & ~missing


def _bad_cells(file: str, column: str, rows: np.ndarray, text: pd.Series, bad: pd.Series, what: str) -> list[Problem]:
    return [Problem(file, int(rows[i]), column, f"{text.iloc[i].strip()!r} {what}") for i in np.flatnonzero(bad)]


def column_kinds(frame: pd.DataFrame, parameters: list[str], template: PlantTemplate) -> dict[str, str]:
    """numeric or categorical for each parameter column (the template's word, else the majority of values)."""
    kinds: dict[str, str] = {}
    for column in parameters:
        spec = template.columns.get(column)
        if spec is not None and spec.kind is not None:
            kinds[column] = spec.kind
            continue
        values, bad = _numbers(frame[column])
        present = int(values.notna().sum() + bad.sum())
        kinds[column] = "numeric" if present and values.notna().sum() >= NUMERIC_SHARE * present else "categorical"
    return kinds


def _defects(frame: pd.DataFrame) -> pd.Series:
    if "defect" not in frame:
        return pd.Series(GOOD, index=frame.index, dtype=object)
    text = frame["defect"].str.strip()
    return text.where(~(_is_missing(text) | (text.str.lower() == GOOD)), GOOD)


def lot_quantities(frame: pd.DataFrame, defect: pd.Series, rows: np.ndarray, file: str
                   ) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """(quantity, defective_quantity) per row; a row without lot columns is one part.

    An empty `quantity` is one part; an empty `defective_quantity` is 0 for a good row and the whole
    quantity for a row that names a defect."""
    problems: list[Problem] = []
    is_defect = (defect != GOOD).to_numpy()
    quantity = np.ones(len(frame))
    if "quantity" in frame:
        values, bad = _numbers(frame["quantity"])
        problems += _bad_cells(file, "quantity", rows, frame["quantity"], bad, "is not a number")
        given = values.to_numpy()
        wrong = ~np.isnan(given) & ((given < 1) | (given != np.round(given)))
        problems += _bad_cells(file, "quantity", rows, frame["quantity"], pd.Series(wrong),
                               "is not a whole number of parts of at least 1")
        quantity = np.where(np.isnan(given) | wrong, 1.0, given)
    defective = np.where(is_defect, quantity, 0.0)
    if "defective_quantity" in frame:
        if "quantity" not in frame:
            problems.append(Problem(file, None, "defective_quantity", "needs a quantity column beside it"))
        text = frame["defective_quantity"]
        values, bad = _numbers(text)
        problems += _bad_cells(file, "defective_quantity", rows, text, bad, "is not a number")
        given = values.to_numpy()
        present = ~np.isnan(given)
        checks = (
            ((given < 0) | (given != np.round(given)), "is not a whole number of parts of at least 0"),
            (given > quantity, "is more than the row's quantity"),
            ((given > 0) & ~is_defect, "defective parts in a row whose defect is empty or ok: name the defect type"),
            ((given == 0) & is_defect, "no defective parts in a row that names a defect type"),
        )
        for mask, message in checks:
            problems += _bad_cells(file, "defective_quantity", rows, text, pd.Series(present & mask), message)
        defective = np.where(present, np.clip(given, 0, quantity), defective)
    return quantity, defective, problems


def _required(frame: pd.DataFrame, file: str, purpose: str) -> list[Problem]:
    needed = ("time", "product", "machine", "defect") if purpose == "train" else ("product", "machine")
    return [Problem(file, None, name, "required column is missing") for name in needed if name not in frame]


def _names(frame: pd.DataFrame, rows: np.ndarray, file: str) -> list[Problem]:
    problems = []
    for column in ("product", "machine"):
        if column in frame:
            empty = _is_missing(frame[column])
            problems += [Problem(file, int(rows[i]), column, f"{column} is empty") for i in np.flatnonzero(empty)]
    return problems


def _id_like(values: pd.Series) -> bool:
    levels = values.nunique()
    return bool(levels > ID_LIKE_MIN_LEVELS and levels > 0.5 * len(values))


def _parameters(frame: pd.DataFrame, rows: np.ndarray, file: str, template: PlantTemplate,
                kinds: dict[str, str], out: dict[str, pd.Series], warnings: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for column, kind in kinds.items():
        text = frame[column]
        if kind == "numeric":
            values, bad = _numbers(text)
            share = values.notna().mean()
            problems += _bad_cells(file, column, rows, text, bad,
                                   f"is not a number (numeric column: {share:.0%} of its values are numbers)")
            spec = template.columns.get(column)
            if spec is not None and spec.normal is not None:
                low, high = spec.normal
                outside = np.flatnonzero(((values < low) | (values > high)).to_numpy())
                if len(outside):
                    warnings.append(f"column {column!r}: {len(outside)} values outside the normal range "
                                    f"[{low:g}, {high:g}] ({rows_text([int(rows[i]) for i in outside])})")
            out[column] = values
        else:
            levels = text.str.strip().where(~_is_missing(text), "")
            numbers, not_numbers = _numbers(text)
            if column not in template.columns and numbers.notna().sum() > not_numbers.sum():
                rows_bad = [int(rows[i]) for i in np.flatnonzero(not_numbers)]
                warnings.append(f"column {column!r} read as categorical: most values are numbers but not "
                                f"{NUMERIC_SHARE:.0%} ({rows_text(rows_bad)} are not); declare `kind: numeric` in "
                                "the template to have those rows reported instead")
            if column not in template.columns and _id_like(levels):
                warnings.append(f"column {column!r} ignored: {levels.nunique()} distinct values in {len(levels)} rows "
                                "look like serial numbers or ids (list it under `ignore` in the template, or "
                                "declare it `kind: categorical` to keep it)")
                continue
            out[column] = levels
    return problems


def load_records(path: Path, template: PlantTemplate | None = None, purpose: str = "train",
                 kinds: dict[str, str] | None = None) -> InspectionRecords:
    """Read and validate inspection records; raises PlantDataError listing every problem.

    Args:
        path: a CSV file, or Parquet when the name ends in .parquet or .pq.
        template: the plant's template (None: an empty one).
        purpose: "train" (time, product, machine, defect required) or "predict" (product, machine).
        kinds: for prediction, the model's parameter columns and their kinds; each must be present.
    """
    template = template or PlantTemplate()
    file = display_path(path)
    frame, rows, problems = read_table(path)
    if purpose not in ("train", "predict"):
        raise ValueError(f"purpose must be 'train' or 'predict', not {purpose!r}")
    problems += _required(frame, file, purpose)
    warnings = [f"column {name!r} is listed under `{key}` in the template but is not in the file"
                for key, names in (("ignore", template.ignore), ("columns", list(template.columns)))
                for name in names if name not in frame and purpose == "train"]
    if kinds is None:
        parameters = [c for c in frame.columns if c not in (*RESERVED_COLUMNS, *template.ignore)]
        kinds = column_kinds(frame, parameters, template)
    else:
        problems += [Problem(file, None, name, "column used by the model is missing") for name in kinds
                     if name not in frame]
        kinds = {name: kind for name, kind in kinds.items() if name in frame}
    if len(frame) == 0 and not problems:
        problems.append(Problem(file, None, None, "the file has no records"))
    out: dict[str, pd.Series] = {}
    problems += _names(frame, rows, file)
    for column in ("product", "machine"):
        if column in frame:
            out[column] = frame[column].str.strip()
    if purpose == "train":  # prediction needs neither the time nor the outcome
        if "time" in frame:
            out["time"], found = parse_times(frame["time"], rows, file, template.timezone)
            problems += found
        defect = _defects(frame)
        quantity, defective, found = lot_quantities(frame, defect, rows, file)
        problems += found
        out.update(defect=defect, quantity=pd.Series(quantity, index=frame.index),
                   defective_quantity=pd.Series(defective, index=frame.index))
    problems += _parameters(frame, rows, file, template, kinds, out, warnings)
    if problems:
        raise PlantDataError(problems)
    kept = [c for c in kinds if c in out]
    return InspectionRecords(file=file, frame=pd.DataFrame(out).reset_index(drop=True), rows=rows,
                             numeric=[c for c in kept if kinds[c] == "numeric"],
                             categorical=[c for c in kept if kinds[c] == "categorical"], warnings=warnings)
