"""The model folder of a plant's risk model: JSON + LightGBM's text model, never pickle.

    model.json     format, version, feature spec, hazard settings and calibration, Kaplan-Meier curve,
                   constant hazards, anomaly medians and scales, which candidate is served, the report,
                   sha256 of every other file
    hazard.txt     the hazard model (LightGBM's own text format)
    anchor_<h>h.txt   the direct classifiers at the anchor horizons (LightGBM text)
    component<i>_anchor_<h>h.txt   the classifiers of component i's curve, where components are fitted
    report.json    the evaluation report (also inside model.json)

Written under a temporary name beside `out` and renamed into place at the end, so a run that fails
leaves nothing; an existing model folder at `out` is replaced only once the new one is complete.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from forecaster.plantdata.artifact import read_verified_description, write_folder_atomically
from forecaster.plantrisk.anomaly import AnomalyModel
from forecaster.plantrisk.baselines import ConstantHazard, KaplanMeier
from forecaster.plantrisk.blend import HorizonBlend
from forecaster.plantrisk.components import ComponentCurves
from forecaster.plantrisk.direct import AnchoredCurve
from forecaster.plantrisk.features import FeatureSpec
from forecaster.plantrisk.hazard import HazardModel
from forecaster.plantrisk.pipeline import TrainedRiskModel

FORMAT, FORMAT_VERSION = "prodplan-plant-risk-model", 1
MODEL_FILE, HAZARD_FILE, REPORT_FILE = "model.json", "hazard.txt", "report.json"


def check_destination(out: Path) -> None:
    """Refuse, before any work, to write over a folder that is neither empty nor a risk model folder."""
    if not out.exists():
        return
    if not out.is_dir() or (any(out.iterdir()) and not _is_risk_folder(out)):
        raise FileExistsError(f"{out} exists and is not a risk model folder; choose a new or empty folder")


def _is_risk_folder(folder: Path) -> bool:
    try:
        return bool(json.loads((folder / MODEL_FILE).read_text(encoding="utf-8")).get("format") == FORMAT)
    except (OSError, ValueError):
        return False


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_model_folder(out: Path, model: TrainedRiskModel) -> Path:
    """Write the folder atomically (temporary folder, then rename)."""
    check_destination(out)

    def write(staging: Path) -> None:
        model.hazard.save(staging / HAZARD_FILE)
        anchor_files = model.direct.save(staging)
        if model.components is not None:
            anchor_files += model.components.save(staging)
        _write_json(staging / REPORT_FILE, model.report)
        _write_json(staging / MODEL_FILE, {
            "format": FORMAT, "format_version": FORMAT_VERSION, "version": model.version, "served": model.served,
            "features": model.spec.to_json(), "hazard": model.hazard.to_json(),
            "direct": model.direct.to_json(), **({"blend": model.blend.to_json()} if model.blend else {}),
            **({"components": model.components.to_json()} if model.components else {}),
            "kaplan_meier": model.kaplan_meier.to_json(), "constant_hazard": model.constant_hazard.to_json(),
            "anomaly": model.anomaly.to_json(),
            "files": {name: _sha256(staging / name) for name in (HAZARD_FILE, REPORT_FILE, *anchor_files)},
            "report": model.report})

    return write_folder_atomically(out, write)


def read_model_folder(folder: Path) -> TrainedRiskModel:
    """Read and verify a model folder (checksums); raises ArtifactError naming what is wrong."""
    meta = read_verified_description(folder, MODEL_FILE, FORMAT, FORMAT_VERSION)
    return TrainedRiskModel(
        version=meta["version"], spec=FeatureSpec.from_json(meta["features"]),
        hazard=HazardModel.load(folder / HAZARD_FILE, meta["hazard"]),
        direct=AnchoredCurve.load(folder, meta["direct"]),
        kaplan_meier=KaplanMeier.from_json(meta["kaplan_meier"]),
        constant_hazard=ConstantHazard.from_json(meta["constant_hazard"]),
        anomaly=AnomalyModel.from_json(meta["anomaly"]), served=meta["served"], report=meta["report"],
        blend=HorizonBlend.from_json(meta["blend"]) if "blend" in meta else None,
        components=ComponentCurves.load(folder, meta["components"]) if "components" in meta else None)
