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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forecaster.artifacts import ArtifactError
from forecaster.plantdata.artifact import check_destination, read_verified_description, write_folder_atomically
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
    report = _dumps(model.report or {})

    def write(staging: Path) -> None:
        (staging / REPORT_FILE).write_text(report, encoding="utf-8")
        (staging / MODEL_FILE).write_text(_dumps({
            "format": FORMAT, "format_version": FORMAT_VERSION, "version": model.version, "period": model.period,
            "served": model.served, "network_version": model.network_version,
            "files": {REPORT_FILE: hashlib.sha256(report.encode()).hexdigest()}, "report": model.report}),
            encoding="utf-8")

    return write_folder_atomically(out, write)


def read_model_folder(folder: Path) -> DemandPlantModel:
    """Read and check a model folder; raises ArtifactError naming what is wrong."""
    path = folder / MODEL_FILE
    meta = read_verified_description(folder, MODEL_FILE, FORMAT, FORMAT_VERSION)
    served = meta.get("served")
    if (not isinstance(served, dict) or set(served) != set(CLASSES) or not set(served.values()) <= set(SERVABLE)
            or meta.get("period") not in PERIODS):
        raise ArtifactError(path, "served methods or period are not valid")
    return DemandPlantModel(version=meta["version"], period=meta["period"], served=served,
                            network_version=meta.get("network_version"), report=meta.get("report"))
