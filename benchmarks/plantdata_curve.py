"""Learning curve of a plant's defect model: does the pretrained template network earn its name?

For each development set, the training period is cut to its most recent 200, 500, 1,000, 3,000 and all
records (validation and test periods unchanged, so every point is scored on the same later parts), and
in the same run, from the same records:

- `gbm`: gradient boosting (LightGBM), the baseline a data scientist tries first;
- `scratch`: the plant network trained from random weights;
- `pretrained`: the template network (forecaster.plantdata.pretrained) fine-tuned on the plant's records,
  where the plant's columns are the template's (otherwise "not applicable", and the report says so);
- `base_rate`: per product-machine class rates.

Each is calibrated on the validation period and scored on the test period (AUPRC, Brier, log-loss and ECE
of P(any defect)), exactly as the training pipeline scores its candidates. Called by
`python -m benchmarks.plantdata` (skip with `--no-learning-curve`); PNG in docs/results/.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from forecaster.plantdata.baselines import BaseRate, BoostingSettings, GradientBoosting
from forecaster.plantdata.network import PlantNetwork
from forecaster.plantdata.pipeline import calibrated_candidate
from forecaster.plantdata.pretrained import MIN_OVERLAP, TemplateNetwork, overlap, transfer
from forecaster.plantdata.records import load_records
from forecaster.plantdata.schema import fit_schema
from forecaster.plantdata.split import split_by_time, weighted_examples
from forecaster.plantdata.template import PlantTemplate, load_template

logger = logging.getLogger(__name__)

SIZES = (200, 500, 1000, 3000)
"""Training records per point; `all` (the whole training period) is added to each set."""
CANDIDATES = ("base_rate", "gbm", "scratch", "pretrained")


def learning_curve(records_path: Path, template_path: Path | None, template_network: TemplateNetwork | None,
                   seed: int, threads: int, sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    """Test scores of every candidate at every training size, for one plant's records."""
    template = load_template(template_path) if template_path is not None else PlantTemplate()
    records = load_records(records_path, template)
    frame = records.frame
    split = split_by_time(frame["time"], records.file)
    available = len(split.train)
    points: list[dict[str, Any]] = []
    applicable: str | None = None
    for size in [s for s in sizes if s < available] + [available]:
        rows = split.train[-size:]  # the most recent records: what a plant that started recording late has
        schema, _ = fit_schema(records, rows, template)
        if len(schema.classes) < 2:
            points.append({"records": size, "skipped": "no defect among these records"})
            continue
        train = weighted_examples(frame, rows, schema.classes)
        validation = weighted_examples(frame, split.validation, schema.classes)
        test = weighted_examples(frame, split.test, schema.classes)
        raw: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        base_rate = BaseRate(len(schema.classes)).fit(frame, train, validation)
        boosting = GradientBoosting(schema, BoostingSettings(threads=threads)).fit(frame, train, validation, seed)
        scratch = PlantNetwork(schema)
        scratch.fit(frame, train, validation, torch.device("cpu"), seed)
        for name, model in (("base_rate", base_rate), ("gbm", boosting), ("scratch", scratch)):
            raw[name] = model.probabilities(frame, validation.row), model.probabilities(frame, test.row)
        known = overlap(template_network, schema) if template_network is not None else 0.0
        point: dict[str, Any] = {"records": size, "parameters_known_by_template": round(known, 3)}
        if template_network is not None and known >= MIN_OVERLAP:
            moved = transfer(template_network, schema)
            moved.network.fit(frame, train, validation, torch.device("cpu"), seed, initialise=moved.initialise)
            raw["pretrained"] = (moved.network.probabilities(frame, validation.row),
                                 moved.network.probabilities(frame, test.row))
            point["transfer"] = moved.report
        else:
            applicable = (f"not applicable: the template network knows {known:.0%} of this plant's numeric "
                          f"parameters (at least {MIN_OVERLAP:.0%} needed)")
        point["test"] = {name: calibrated_candidate(name, v, t, validation, test).scores["test"]
                         for name, (v, t) in raw.items()}
        points.append(point)
        logger.info("learning curve %s, %d records: %s", records_path.name, size,
                    {n: round(s["auprc"], 4) for n, s in point["test"].items()})
    return {"training_records_available": available, "pretrained": applicable or "fine-tuned template network",
            "points": points, "verdict": _verdict(points)}


def _verdict(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Per size: which candidate has the best test Brier, and whether the pretrained network beat scratch."""
    verdict = {}
    for point in points:
        test = point.get("test")
        if not test:
            continue
        best = min(test, key=lambda name: test[name]["brier"])
        entry: dict[str, Any] = {"best_brier": best}
        if "pretrained" in test:
            entry["pretrained_beats_scratch_brier"] = test["pretrained"]["brier"] < test["scratch"]["brier"]
            entry["pretrained_beats_scratch_auprc"] = test["pretrained"]["auprc"] > test["scratch"]["auprc"]
        verdict[str(point["records"])] = entry
    return verdict


def plot(curves: dict[str, dict[str, Any]], path: Path) -> None:
    """One row per set: test AUPRC and Brier against training records (log scale), one line per candidate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(curves), 2, figsize=(9, 2.8 * len(curves)), squeeze=False)
    for row, (name, curve) in enumerate(curves.items()):
        points = [p for p in curve["points"] if "test" in p]
        for column, metric in enumerate(("auprc", "brier")):
            axis = axes[row][column]
            for candidate in CANDIDATES:
                xs = [p["records"] for p in points if candidate in p["test"]]
                ys = [p["test"][candidate][metric] for p in points if candidate in p["test"]]
                if xs:
                    axis.plot(xs, ys, marker="o", label=candidate)
            axis.set_xscale("log")
            axis.minorticks_off()
            sizes = [p["records"] for p in points]
            axis.set_xticks(sizes, [str(size) for size in sizes], fontsize=7)
            axis.set_title(f"{name}: test {metric.upper() if metric == 'auprc' else 'Brier'}")
            axis.set_xlabel("training records")
            axis.grid(alpha=0.3)
        axes[row][0].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
