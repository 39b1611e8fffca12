"""The model folder of a plant's demand model: JSON only (every method refits to the history it is given at
prediction, and the pretrained network is the shipped artifact, named by its version), never pickle.

    model.json    format, version, period, season length, horizon, the method served for each demand class,
                  the shipped network version it relies on, sha256 of report.json, the report
    report.json   the evaluation report

Written under a temporary name beside `out` and renamed into place at the end, as the defect model folder
(`forecaster.plantdata.artifact`): a run that fails leaves nothing, and an existing model folder at `out`
is replaced only once the new one is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forecaster.artifacts import ArtifactError
from forecaster.plantdata.artifact import check_destination
from forecaster.plantdemand.history import PERIODS
from forecaster.plantdemand.intermittent import CLASSES
from forecaster.plantdemand.methods import SERVABLE

FORMAT = "prodplan-plant-demand-model"
FORMAT_VERSION = 1
MODEL_FILE, REPORT_FILE = "model.json", "report.json"


@dataclass(frozen=True)
class DemandPlantModel:
    """What prediction needs: the method for each demand class, the period and the version."""

    version: str
    period: str | None  # None: any (the shipped model)
    served: dict[str, str]  # demand class -> method
    network_version: str | None = None
    report: dict[str, Any] | None = None

    def method_for(self, demand_class: str) -> str:
        return self.served[demand_class]


def _dumps(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n"


def write_model_folder(out: Path, model: DemandPlantModel) -> Path:
    """Write the model folder atomically (temporary folder, then rename)."""
    check_destination(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    retired = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    report = _dumps(model.report or {})
    try:
        staging.mkdir()
        (staging / REPORT_FILE).write_text(report, encoding="utf-8")
        (staging / MODEL_FILE).write_text(_dumps({
            "format": FORMAT, "format_version": FORMAT_VERSION, "version": model.version, "period": model.period,
            "served": model.served, "network_version": model.network_version,
            "files": {REPORT_FILE: hashlib.sha256(report.encode()).hexdigest()}, "report": model.report}),
            encoding="utf-8")
        if out.exists():
            os.replace(out, retired)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return out


def read_model_folder(folder: Path) -> DemandPlantModel:
    """Read and check a model folder; raises ArtifactError naming what is wrong."""
    path = folder / MODEL_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(path, f"cannot be read as a model description ({error})") from None
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(path, f"not a {FORMAT} version {FORMAT_VERSION} folder")
    for name, digest in meta.get("files", {}).items():
        if not (folder / name).is_file() or hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
            raise ArtifactError(folder / name, "missing or its checksum does not match model.json")
    served = meta.get("served")
    if (not isinstance(served, dict) or set(served) != set(CLASSES) or not set(served.values()) <= set(SERVABLE)
            or meta.get("period") not in PERIODS):
        raise ArtifactError(path, "served methods or period are not valid")
    return DemandPlantModel(version=meta["version"], period=meta["period"], served=served,
                            network_version=meta.get("network_version"), report=meta.get("report"))
