"""Training a plant's defect model from its own records, end to end, and choosing what is served.

    records -> split by time (70/15/15) -> schema from the training period -> weighted examples
    -> candidates: base rate, gradient boosting (LightGBM), network, network+gbm blend
    -> each calibrated on validation -> chosen on validation (weighted multi-class log-loss)
    -> scored on the held-back test period -> model folder written (temporary folder, then renamed)

The base rate and gradient boosting are candidates like the network, so the served model is never
worse on validation than the best baseline: when the network loses, a baseline is served and the
report says so.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from forecaster.artifacts import data_hash
from forecaster.plantdata.artifact import check_destination, write_model_folder
from forecaster.plantdata.baselines import BaseRate, BoostingSettings, GradientBoosting
from forecaster.plantdata.calibration import Calibration, fit_calibration
from forecaster.plantdata.evaluation import class_log_loss, scores
from forecaster.plantdata.network import NETWORK_SETTINGS, PlantNetwork
from forecaster.plantdata.pretrained import MIN_OVERLAP, load_template_network, overlap, transfer
from forecaster.plantdata.problems import PlantDataError, Problem
from forecaster.plantdata.progress import ProgressCallback, ProgressEvent, ignore_progress
from forecaster.plantdata.records import InspectionRecords, load_records
from forecaster.plantdata.report import build_report, period_warnings
from forecaster.plantdata.schema import ColumnSchema, fit_schema, gbm_inputs
from forecaster.plantdata.split import Examples, TimeSplit, split_by_time, weighted_examples
from forecaster.plantdata.template import PlantTemplate, load_template
from forecaster.tabular import TabularSettings

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1.0.0"
BLEND_WEIGHTS = tuple(round(0.1 * i, 1) for i in range(1, 10))
"""Network weights tried for the network+gbm blend (0 and 1 are the pure candidates)."""
BASELINES = ("base_rate", "gbm")


@dataclass(frozen=True)
class PlantTrainSettings:
    """Settings of one training run (recorded in the report)."""

    seed: int = 0
    network: TabularSettings = NETWORK_SETTINGS
    boosting: BoostingSettings = field(default_factory=BoostingSettings)
    device: str = "cpu"
    pretrained: bool = True
    """Also fine-tune the shipped template network when the plant's columns are the template's; the better
    of it and the network trained from scratch (on validation) is the `network` candidate."""
    network_threads: int = 1
    """torch CPU threads while the network trains. Its layers are 64 wide, too small to split: on the shared
    2-core development machine, under load, one training step took 11 ms with one thread and 152 ms with two."""


@dataclass
class Candidate:
    """One candidate's calibrated probabilities per example, its calibration and its scores."""

    name: str
    calibration: Calibration
    validation: np.ndarray
    test: np.ndarray
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    blend_weight: float | None = None


@dataclass
class TrainedPlantModel:
    """Everything a model folder holds (see forecaster.plantdata.artifact)."""

    version: str
    schema: ColumnSchema
    served: Candidate
    base_rate: BaseRate
    boosting: GradientBoosting
    network: PlantNetwork
    report: dict[str, Any]


def calibrated_candidate(name: str, raw_validation: np.ndarray, raw_test: np.ndarray, validation: Examples,
               test: Examples) -> Candidate:
    calibration = fit_calibration(raw_validation, validation)
    candidate = Candidate(name, calibration, calibration.apply(raw_validation), calibration.apply(raw_test))
    candidate.scores = {"validation": scores(candidate.validation, validation), "test": scores(candidate.test, test)}
    logger.info("%s: validation log-loss %.5f, test AUPRC %.4f Brier %.5f", name,
                candidate.scores["validation"]["class_log_loss"], candidate.scores["test"]["auprc"],
                candidate.scores["test"]["brier"])
    return candidate


def _blend(network: Candidate, boosting: Candidate, validation: Examples, test: Examples) -> Candidate:
    """The network and gradient boosting averaged with the weight best on validation, then recalibrated."""
    losses = {w: class_log_loss(w * network.validation + (1 - w) * boosting.validation, validation)
              for w in BLEND_WEIGHTS}
    weight = min(losses, key=losses.__getitem__)
    blend = calibrated_candidate("network+gbm", weight * network.validation + (1 - weight) * boosting.validation,
                       weight * network.test + (1 - weight) * boosting.test, validation, test)
    blend.blend_weight = weight
    return blend


def choose_served(candidates: dict[str, Candidate]) -> Candidate:
    """The candidate with the lowest validation log-loss; on a tie, the simpler one (listed first)."""
    return min(candidates.values(), key=lambda c: c.scores["validation"]["class_log_loss"])


def _fitting(progress: ProgressCallback, candidate: str, what: str) -> None:
    progress(ProgressEvent("fitting", f"fitting {candidate}: {what}", candidate=candidate))


def _fit_candidates(records: InspectionRecords, schema: ColumnSchema, examples: dict[str, Examples],
                    settings: PlantTrainSettings, show_progress: bool, progress: ProgressCallback
                    ) -> tuple[dict[str, Candidate], BaseRate, GradientBoosting, PlantNetwork, dict[str, Any]]:
    frame, train, validation, test = records.frame, examples["train"], examples["validation"], examples["test"]
    classes = len(schema.classes)
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    _fitting(progress, "base_rate", "class rates per product-machine pair")
    base_rate = BaseRate(classes).fit(frame, train, validation)
    timings["base_rate_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    _fitting(progress, "gbm", f"LightGBM, at most {settings.boosting.max_trees} trees")
    boosting = GradientBoosting(schema, settings.boosting).fit(frame, train, validation, settings.seed, show_progress)
    timings["gbm_s"], timings["gbm_trees"] = round(time.perf_counter() - started, 2), boosting.booster.best_iteration
    started = time.perf_counter()
    _fitting(progress, "network", f"at most {settings.network.max_epochs} epochs")
    network = PlantNetwork(schema, settings.network)

    def epoch_done(epoch: int, loss: float) -> None:
        progress(ProgressEvent("epoch", f"network epoch {epoch}: validation log-loss {loss:.5f}", "network",
                               epoch, loss))

    result = network.fit(frame, train, validation, torch.device(settings.device), settings.seed, show_progress,
                         settings.network_threads, epoch_done)
    timings["network_s"], timings["network_best_epoch"] = round(time.perf_counter() - started, 2), result.best_epoch
    network, timings["network_start"] = _better_start(network, records, schema, examples, settings, show_progress,
                                                      progress)
    progress(ProgressEvent("evaluating", "calibrating and scoring every candidate on validation and test"))
    candidates = {}
    for name, model in (("base_rate", base_rate), ("gbm", boosting), ("network", network)):
        candidates[name] = calibrated_candidate(name, model.probabilities(frame, validation.row),
                                                model.probabilities(frame, test.row), validation, test)
    candidates["network+gbm"] = _blend(candidates["network"], candidates["gbm"], validation, test)
    return candidates, base_rate, boosting, network, timings


def _better_start(scratch: PlantNetwork, records: InspectionRecords, schema: ColumnSchema,
                  examples: dict[str, Examples], settings: PlantTrainSettings, show_progress: bool,
                  progress: ProgressCallback) -> tuple[PlantNetwork, dict[str, Any]]:
    """The network trained from scratch, or the template network fine-tuned on the same records when the
    plant's columns are the template's and it is better on validation (forecaster.plantdata.pretrained)."""
    template = load_template_network() if settings.pretrained else None
    known = overlap(template, schema) if template is not None else 0.0
    if template is None or known < MIN_OVERLAP:
        why = "off" if not settings.pretrained else (
            "no template network shipped" if template is None else
            f"the template network knows {known:.0%} of the plant's numeric parameters ({MIN_OVERLAP:.0%} needed)")
        return scratch, {"chosen": "scratch", "pretrained": f"not tried: {why}"}
    frame, train, validation, test = records.frame, examples["train"], examples["validation"], examples["test"]
    started = time.perf_counter()
    _fitting(progress, "pretrained", f"the template network {template.version}, fine-tuned on these records")

    def epoch_done(epoch: int, loss: float) -> None:
        progress(ProgressEvent("epoch", f"fine-tuning epoch {epoch}: validation log-loss {loss:.5f}", "pretrained",
                               epoch, loss))

    moved = transfer(template, schema, settings.network)
    result = moved.network.fit(frame, train, validation, torch.device(settings.device), settings.seed, show_progress,
                               settings.network_threads, epoch_done, moved.initialise)
    compared = {name: calibrated_candidate(name, net.probabilities(frame, validation.row),
                                           net.probabilities(frame, test.row), validation, test).scores
                for name, net in (("scratch", scratch), ("pretrained", moved.network))}
    chosen = min(compared, key=lambda name: compared[name]["validation"]["class_log_loss"])
    about = {"chosen": chosen, "transfer": moved.report, "fine_tune_s": round(time.perf_counter() - started, 2),
             "fine_tune_best_epoch": result.best_epoch, "scores": compared}
    return (moved.network if chosen == "pretrained" else scratch), about


def _no_defects(records: InspectionRecords, split: TimeSplit, schema: ColumnSchema) -> None:
    if len(schema.classes) < 2:
        raise PlantDataError([Problem(records.file, None, "defect", (
            f"no defective part in the training period (before {split.validation_start.isoformat()}): "
            "there is nothing to learn a defect model from"))])


def train_plant_model(records: InspectionRecords, template: PlantTemplate, settings: PlantTrainSettings,
                      show_progress: bool = False, progress: ProgressCallback = ignore_progress) -> TrainedPlantModel:
    """Split, fit, calibrate, choose and evaluate (nothing is written); `progress` hears each phase and epoch."""
    started = time.perf_counter()
    split = split_by_time(records.frame["time"], records.file)
    schema, warnings = fit_schema(records, split.train, template)
    _no_defects(records, split, schema)
    examples = {name: weighted_examples(records.frame, getattr(split, name), schema.classes)
                for name in ("train", "validation", "test")}
    warnings = records.warnings + warnings + period_warnings(records, split, schema, examples)
    candidates, base_rate, boosting, network, timings = _fit_candidates(records, schema, examples, settings,
                                                                        show_progress, progress)
    served = choose_served(candidates)
    fingerprint = data_hash(gbm_inputs(records.frame, schema), records.frame["defective_quantity"].to_numpy())
    version = f"defect-plant-{PIPELINE_VERSION}+{fingerprint[:8]}"
    timings["total_s"] = round(time.perf_counter() - started, 2)
    report = build_report(version, records, template, schema, split, examples, candidates, served, boosting,
                          warnings, {**asdict(settings), "timings": timings})
    return TrainedPlantModel(version, schema, served, base_rate, boosting, network, report)


def train_from_files(records_path: Path, out: Path, template_path: Path | None = None,
                     settings: PlantTrainSettings | None = None, show_progress: bool = False,
                     progress: ProgressCallback = ignore_progress, max_rows: int | None = None) -> dict[str, Any]:
    """Read, validate, train and write the model folder `out`; returns the evaluation report.

    Raises PlantDataError (every problem with file, row, column; also more than `max_rows` records) before
    anything is written; a run that fails at any point leaves no model folder behind."""
    check_destination(out)
    progress(ProgressEvent("validating", f"reading and checking {records_path.name}"))
    template = load_template(template_path) if template_path is not None else PlantTemplate()
    records = load_records(records_path, template)
    if max_rows is not None and len(records.frame) > max_rows:
        raise PlantDataError([Problem(records.file, None, None,
                                      f"has {len(records.frame)} records; at most {max_rows} are accepted")])
    model = train_plant_model(records, template, settings or PlantTrainSettings(), show_progress, progress)
    write_model_folder(out, model)
    return model.report
