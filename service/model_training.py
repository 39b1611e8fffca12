"""TrainModel's work: check the request, put the uploads on disk, train in a thread, report progress.

The uploads go to a temporary folder under their own (base) names, so the loaders' problem reports name
the files as the plant knows them; every `Problem` (file, row, column) becomes a BadRequest field
violation on the upload's request field. Training runs in a worker thread (torch and LightGBM release
the interpreter lock) and registers the new version only when it finished (service/model_registry.py);
its progress events cross to the event loop through a queue. One training runs at a time per server
process; another is refused with RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import threading
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from forecaster.device import pick_device
from forecaster.plantdata.network import NETWORK_SETTINGS
from forecaster.plantdata.pipeline import PlantTrainSettings, train_from_files
from forecaster.plantdata.problems import PlantDataError, Problem
from forecaster.plantdata.progress import ProgressEvent
from forecaster.plantdemand.pipeline import train_from_files as train_demand
from forecaster.plantrisk.artifact import write_model_folder as write_risk_folder
from forecaster.plantrisk.history import load_history
from forecaster.plantrisk.pipeline import RiskSettings, train_risk_model
from prodplan.v1 import model_service_pb2 as pb
from service.errors import FieldViolation, InvalidArgumentError, OverloadedError
from service.model_registry import ModelRegistry, RegisteredModel, check_plant_id

KIND_NAMES: dict[pb.ModelKind, str] = {pb.MODEL_KIND_DEFECT: "defect", pb.MODEL_KIND_DEMAND: "demand",
                                       pb.MODEL_KIND_RISK: "risk"}
UPLOADS = {"defect": (("records", True), ("template", False)), "demand": (("history", True),),
           "risk": (("telemetry", True), ("events", True), ("machines", False))}
"""Upload fields per kind: (request field, required)."""
MAX_ROWS = 1_000_000
"""Most data rows of an inspection-records upload."""
MAX_EPOCHS, MAX_TREES = 200, 5000
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")
RETRY_TRAINING_S = 30.0


class TrainingCancelled(Exception):
    """The caller went away: the training thread stops at its next progress report."""


@dataclass(frozen=True)
class TrainingJob:
    """A checked TrainModel request."""

    tenant: str
    plant_id: str
    kind: str
    uploads: dict[str, tuple[str, bytes]]  # request field -> (file name, content)
    seed: int
    max_epochs: int
    max_trees: int
    activate: bool


def _file_name(field_name: str, upload: pb.UploadedFile) -> str:
    """The upload's base name with only harmless characters; the field name when it gives none."""
    name = _SAFE_NAME.sub("_", upload.name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return name or f"{field_name}.csv"


def checked_job(request: pb.TrainModelRequest, tenant: str) -> TrainingJob:
    """The request as a job; InvalidArgumentError naming every problem."""
    problems: list[FieldViolation] = []
    try:
        check_plant_id(request.plant_id)
    except InvalidArgumentError as error:
        problems += error.violations
    kind = KIND_NAMES.get(request.kind)
    if kind is None:
        problems.append(FieldViolation("kind", "must be MODEL_KIND_DEFECT, MODEL_KIND_DEMAND or MODEL_KIND_RISK"))
    uploads: dict[str, tuple[str, bytes]] = {}
    for field_name, required in UPLOADS.get(kind or "", ()):
        upload: pb.UploadedFile = getattr(request, field_name)
        if upload.content:
            uploads[field_name] = (_file_name(field_name, upload), upload.content)
        elif required:
            problems.append(FieldViolation(f"{field_name}.content", f"the {field_name} file is required to train a "
                                                                    f"{kind} model (and must not be empty)"))
    others = {f for fields in UPLOADS.values() for f, _ in fields} - {f for f, _ in UPLOADS.get(kind or "", ())}
    problems += [FieldViolation(f, f"is not used to train a {kind} model") for f in sorted(others)
                 if kind and getattr(request, f).content]
    options = request.options
    if options.max_epochs > MAX_EPOCHS:
        problems.append(FieldViolation("options.max_epochs", f"at most {MAX_EPOCHS}, got {options.max_epochs}"))
    if options.max_trees > MAX_TREES:
        problems.append(FieldViolation("options.max_trees", f"at most {MAX_TREES}, got {options.max_trees}"))
    if problems:
        raise InvalidArgumentError(problems, "the training request is invalid")
    assert kind is not None
    return TrainingJob(tenant, request.plant_id, kind, uploads, options.seed, options.max_epochs, options.max_trees,
                       request.activate)


def upload_violations(error: PlantDataError, job: TrainingJob) -> InvalidArgumentError:
    """The loaders' report as field violations on the upload fields: `records[row=5][column=temp_c]`."""
    by_file = {name: field_name for field_name, (name, _) in job.uploads.items()}
    main_field = UPLOADS[job.kind][0][0]

    def violation(problem: Problem) -> FieldViolation:
        field_name = by_file.get(problem.file) or (problem.file if problem.file in job.uploads else main_field)
        path = field_name + (f"[row={problem.row}]" if problem.row is not None else "")
        path += f"[column={problem.column}]" if problem.column is not None else ""
        return FieldViolation(path, str(problem))

    return InvalidArgumentError([violation(p) for p in error.problems],
                                "the uploaded files cannot be used (nothing was registered)")


def _train_into(job: TrainingJob, files: dict[str, Path], out: Path,
                progress: Callable[[ProgressEvent], None]) -> dict[str, Any]:
    """Train the job's kind from `files` into the model folder `out`; returns the evaluation report."""
    if job.kind == "defect":
        # the network trains on the GPU where the server has one (forecaster.device.pick_device), else on the CPU
        settings = PlantTrainSettings(seed=job.seed, device=str(pick_device()))
        if job.max_epochs:
            settings = replace(settings, network=replace(NETWORK_SETTINGS, max_epochs=job.max_epochs))
        if job.max_trees:
            settings = replace(settings, boosting=replace(settings.boosting, max_trees=job.max_trees))
        return train_from_files(files["records"], out, files.get("template"), settings, progress=progress,
                                max_rows=MAX_ROWS)
    progress(ProgressEvent("validating", "reading and checking " + ", ".join(p.name for p in files.values())))
    if job.kind == "demand":
        progress(ProgressEvent("fitting", "scoring every method on the validation and test windows"))
        return train_demand(files["history"], out)
    history = load_history(files["telemetry"], files.get("events"), files.get("machines"))
    progress(ProgressEvent("fitting", "fitting the hazard model and the baselines"))
    risk_settings = RiskSettings(seed=job.seed)
    if job.max_trees:  # 0: the pipeline's default, as for defect models
        risk_settings = replace(risk_settings, max_trees=job.max_trees)
    model = train_risk_model(history, risk_settings)
    write_risk_folder(out, model)
    return model.report


class Trainer:
    """Runs training jobs one at a time per process and streams their progress.

    Args:
        registry: where finished models are registered.
    """

    def __init__(self, registry: ModelRegistry) -> None:
        self.registry = registry
        self._slot = threading.BoundedSemaphore(1)

    async def run(self, job: TrainingJob) -> AsyncGenerator[ProgressEvent | RegisteredModel, None]:
        """Progress events, then the registered model (activated when the job says so)."""
        if not self._slot.acquire(blocking=False):
            raise OverloadedError("a model is being trained on this server; try again when it has finished",
                                  RETRY_TRAINING_S)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[ProgressEvent] = asyncio.Queue()
        cancelled = threading.Event()

        def report(event: ProgressEvent) -> None:
            if cancelled.is_set():
                raise TrainingCancelled("the caller cancelled the training call")
            loop.call_soon_threadsafe(queue.put_nowait, event)

        task = asyncio.ensure_future(asyncio.to_thread(self._work, job, report))
        getter: asyncio.Future[ProgressEvent] | None = None
        try:
            while not task.done() or not queue.empty():
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield getter.result()
                else:
                    getter.cancel()
            yield task.result()
        finally:
            cancelled.set()  # a run still going stops at its next progress report and registers nothing
            if getter is not None:
                getter.cancel()
            task.add_done_callback(_retrieve)

    def _work(self, job: TrainingJob, report: Callable[[ProgressEvent], None]) -> RegisteredModel:
        try:
            with tempfile.TemporaryDirectory(prefix="prodplan-upload-") as scratch:
                files: dict[str, Path] = {}
                for field_name, (name, content) in job.uploads.items():
                    path = Path(scratch) / field_name / name
                    path.parent.mkdir()
                    path.write_bytes(content)
                    files[field_name] = path
                try:
                    model = self.registry.register(job.tenant, job.plant_id, job.kind,
                                                   lambda out: _train_into(job, files, out, report))
                except PlantDataError as error:
                    raise upload_violations(error, job) from None
            if job.activate:
                model, _ = self.registry.activate(job.tenant, job.plant_id, job.kind, model.version)
            return model
        finally:
            self._slot.release()


def _retrieve(task: asyncio.Future[RegisteredModel]) -> None:
    """Collect the outcome of a run nobody waits for any more (its caller went away)."""
    if not task.cancelled():
        task.exception()
