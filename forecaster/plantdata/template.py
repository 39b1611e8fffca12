"""The optional per-plant template: units, display names, columns to ignore, normal ranges, time zone.

A template is YAML or JSON, validated like a request: unknown keys, a normal range whose low end is
not below its high end, an unknown time zone or a column both ignored and described are errors, and
every error is reported at once with the file and the path of the key (`columns.melt_temp.normal`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from forecaster.plantdata.problems import PlantDataError, Problem, display_path

RESERVED_COLUMNS = ("time", "product", "machine", "defect", "quantity", "defective_quantity")


class DisplayName(BaseModel):
    """How a column or defect type is shown to people, in English and Korean."""

    model_config = ConfigDict(extra="forbid")
    en: str | None = Field(None, description="English display name")
    ko: str | None = Field(None, description="Korean display name")


class ColumnSpec(BaseModel):
    """What the plant says about one process-parameter column."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["numeric", "categorical"] | None = Field(
        None, description="numeric or categorical; unset: numeric when most values parse as numbers")
    unit: str | None = Field(None, description="unit of a numeric column, e.g. '°C', 'MPa'")
    name: DisplayName = Field(default_factory=DisplayName, description="display names (en, ko)")
    normal: tuple[float, float] | None = Field(None, description="normal operating range [low, high]")

    @model_validator(mode="after")
    def _range_fits_kind(self) -> ColumnSpec:
        if self.normal is not None:
            if self.kind == "categorical":
                raise ValueError("a categorical column has no normal range")
            if not self.normal[0] < self.normal[1]:
                raise ValueError(f"normal range low end {self.normal[0]} must be below its high end {self.normal[1]}")
        return self


class PlantTemplate(BaseModel):
    """A plant's description of its inspection records (every field optional)."""

    model_config = ConfigDict(extra="forbid")
    plant: str | None = Field(None, description="plant name, shown in reports")
    timezone: str | None = Field(
        None, description="IANA time zone (e.g. Asia/Seoul) for times written without a UTC offset")
    ignore: list[str] = Field(default_factory=list, description="columns to drop: serial numbers, ids, free text")
    columns: dict[str, ColumnSpec] = Field(default_factory=dict, description="process-parameter columns")
    defects: dict[str, DisplayName] = Field(default_factory=dict, description="display names of defect types")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Asia/Seoul')") from None
        return value

    @model_validator(mode="after")
    def _columns_consistent(self) -> PlantTemplate:
        both = sorted(set(self.ignore) & set(self.columns))
        if both:
            raise ValueError(f"columns {both} are both ignored and described")
        reserved = sorted((set(self.ignore) | set(self.columns)) & set(RESERVED_COLUMNS))
        if reserved:
            raise ValueError(f"columns {reserved} are part of the record format and cannot be ignored or described")
        return self

    def display_name(self, column: str, language: str = "en") -> str:
        """The column's display name in `language` (en, ko), else the plant's own column name."""
        spec = self.columns.get(column)
        name = getattr(spec.name, language, None) if spec is not None else None
        return name or column


def _problems_from_validation(file: str, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or None
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(Problem(file, None, path, message))
    return problems


def parse_template(content: Any, file: str) -> PlantTemplate:
    """Validate an already-parsed template (a mapping); raises PlantDataError naming every problem."""
    if content is None:
        return PlantTemplate()
    if not isinstance(content, dict):
        raise PlantDataError([Problem(file, None, None, "a template must be a mapping of keys to values")])
    try:
        return PlantTemplate.model_validate(content)
    except ValidationError as error:
        raise PlantDataError(_problems_from_validation(file, error)) from None


def load_template(path: Path) -> PlantTemplate:
    """Read a YAML (.yaml, .yml) or JSON (.json) template file and validate it."""
    file = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PlantDataError([Problem(file, None, None, f"cannot be read ({error})")]) from None
    try:
        content = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise PlantDataError([Problem(file, error.lineno, None, f"not valid JSON: {error.msg}")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or error
        raise PlantDataError([Problem(file, line, None, f"not valid YAML: {reason}")]) from None
    return parse_template(content, file)
