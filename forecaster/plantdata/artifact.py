"""The model folder of a plant's defect model: JSON + safetensors + LightGBM's text model, never pickle.

    model.json          format, version, column schema, served candidate and its calibration, base-rate
                        table, sha256 of every other file
    report.json         the evaluation report (also inside model.json)
    network.safetensors / network.json   the network (forecaster.artifacts format)
    gbm.txt             LightGBM's own text model

The folder is written under a temporary name beside `out` and renamed into place at the end, so a run
that fails leaves nothing; an existing model folder at `out` is replaced only once the new one is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecaster.artifacts import ArtifactError
from forecaster.plantdata.baselines import BaseRate, GradientBoosting
from forecaster.plantdata.calibration import Calibration
from forecaster.plantdata.network import PlantNetwork
from forecaster.plantdata.schema import ColumnSchema

if TYPE_CHECKING:
    from forecaster.plantdata.pipeline import TrainedPlantModel

FORMAT = "prodplan-plant-defect-model"
FORMAT_VERSION = 1
MODEL_FILE, REPORT_FILE, GBM_FILE = "model.json", "report.json", "gbm.txt"
NETWORK_FILES = ("network.safetensors", "network.json")


def check_destination(out: Path) -> None:
    """Refuse, before any work, to write over a folder that is neither empty nor a model folder."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MODEL_FILE).is_file())):
        raise FileExistsError(f"{out} exists and is not a model folder; choose a new or empty folder")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def _write_files(folder: Path, model: TrainedPlantModel) -> None:
    model.boosting.save(folder / GBM_FILE)
    model.network.save(folder, model.version, {"data_hash": model.version.split("+")[-1]},
                       model.report["candidates"]["network"]["test"])
    _write_json(folder / REPORT_FILE, model.report)
    files = {name: _sha256(folder / name) for name in (GBM_FILE, *NETWORK_FILES, REPORT_FILE)}
    _write_json(folder / MODEL_FILE, {
        "format": FORMAT, "format_version": FORMAT_VERSION, "version": model.version,
        "schema": model.schema.to_json(),
        "served": {"name": model.served.name, "blend_weight": model.served.blend_weight,
                   "calibration": model.served.calibration.to_json(),
                   "candidate_calibrations": {name: candidate["calibration"]
                                              for name, candidate in model.report["candidates"].items()}},
        "base_rate": model.base_rate.to_json(), "files": files, "report": model.report})


def write_model_folder(out: Path, model: TrainedPlantModel) -> Path:
    """Write the model folder atomically (temporary folder, then rename)."""
    check_destination(out)
    return write_folder_atomically(out, lambda staging: _write_files(staging, model))


def write_folder_atomically(out: Path, write: Callable[[Path], None]) -> Path:
    """Let `write` fill a staging folder beside `out`, then swap it in for `out` with renames: a failure
    at any point leaves `out` as it was (or absent) and no staging folder behind. Every plant model
    folder (defects, demand, risk) is written this way."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    retired = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
        write(staging)
        if out.exists():
            os.replace(out, retired)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return out


def read_verified_description(folder: Path, model_file: str, form: str, form_version: int) -> dict[str, Any]:
    """A model folder's description (`model_file`, JSON) after checking its format and the checksum of
    every file it lists; ArtifactError naming what is wrong."""
    path = folder / model_file
    try:
        meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(path, f"cannot be read as a model description ({error})") from None
    if meta.get("format") != form or meta.get("format_version") != form_version:
        raise ArtifactError(path, f"not a {form} version {form_version} folder")
    for name, digest in meta.get("files", {}).items():
        if not (folder / name).is_file() or _sha256(folder / name) != digest:
            raise ArtifactError(folder / name, "missing or its checksum does not match model.json")
    return meta


@dataclass
class PlantModel:
    """A model folder read back: the schema and what the served candidate needs."""

    version: str
    schema: ColumnSchema
    served: str
    blend_weight: float | None
    calibration: Calibration
    candidate_calibrations: dict[str, Calibration]
    base_rate: BaseRate
    boosting: GradientBoosting
    network: PlantNetwork
    report: dict[str, Any]


def read_model_folder(folder: Path) -> PlantModel:
    """Read and verify a model folder (checksums of every file); raises ArtifactError naming what is wrong."""
    meta = read_verified_description(folder, MODEL_FILE, FORMAT, FORMAT_VERSION)
    schema = ColumnSchema.from_json(meta["schema"])
    served = meta["served"]
    return PlantModel(
        version=meta["version"], schema=schema, served=served["name"], blend_weight=served["blend_weight"],
        calibration=Calibration(**served["calibration"]),
        candidate_calibrations={name: Calibration(**c) for name, c in served["candidate_calibrations"].items()},
        base_rate=BaseRate.from_json(len(schema.classes), meta["base_rate"]),
        boosting=GradientBoosting.load(folder / GBM_FILE, schema), network=PlantNetwork.load(folder, schema),
        report=meta["report"])
