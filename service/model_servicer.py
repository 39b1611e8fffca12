"""ModelService: train, list, activate and roll back a plant's own models (thin: map in, registry, map out).

Every call works in the caller's tenant (service/auth.py); another tenant's plant is NOT_FOUND. Errors
are raised as the domain's exceptions and mapped to status codes by service/interceptors.py; rollback
with nothing to return to is answered FAILED_PRECONDITION here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from forecaster.plantdata.progress import ProgressEvent
from prodplan.v1 import model_service_pb2 as pb
from prodplan.v1 import model_service_pb2_grpc as pb_grpc
from service.errors import FieldViolation, InvalidArgumentError
from service.model_registry import ModelRegistry, NothingToRollBackError, RegisteredModel
from service.model_serving import current_tenant
from service.model_training import KIND_NAMES, Trainer, checked_job

_KIND_ENUMS = {name: number for number, name in KIND_NAMES.items()}
_PHASES = {"validating": pb.TRAINING_PHASE_VALIDATING, "fitting": pb.TRAINING_PHASE_FITTING,
           "epoch": pb.TRAINING_PHASE_EPOCH, "evaluating": pb.TRAINING_PHASE_EVALUATING}


def model_info(model: RegisteredModel, active: bool) -> pb.ModelInfo:
    info = pb.ModelInfo(plant_id=model.plant_id, kind=_KIND_ENUMS[model.kind], version=model.version,
                        model_version=model.model_version, artifact_version=model.artifact_version, active=active,
                        served=model.served, metrics=model.metrics, baseline_served=model.baseline_served,
                        warnings=model.warnings)
    info.created.FromDatetime(model.created)
    return info


def _progress(event: ProgressEvent) -> pb.TrainModelResponse:
    message = pb.TrainModelResponse(phase=_PHASES.get(event.phase, pb.TRAINING_PHASE_UNSPECIFIED),
                                    message=event.message, candidate=event.candidate, epoch=event.epoch)
    if event.phase == "epoch":
        message.validation_score = event.validation_score
    return message


def _kind(value: pb.ModelKind, field_path: str = "kind") -> str:
    kind = KIND_NAMES.get(value)
    if kind is None:
        raise InvalidArgumentError([FieldViolation(field_path, "must be MODEL_KIND_DEFECT, MODEL_KIND_DEMAND or "
                                                               "MODEL_KIND_RISK")])
    return kind


class ModelServicer(pb_grpc.ModelServiceServicer):
    """ModelService over one registry.

    Args:
        registry: the plants' model versions and active pointers.
    """

    def __init__(self, registry: ModelRegistry) -> None:
        self._registry = registry
        self._trainer = Trainer(registry)

    async def TrainModel(  # noqa: N802 (gRPC method name)
        self, request: pb.TrainModelRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.TrainModelResponse]:
        job = checked_job(request, current_tenant())
        async for step in self._trainer.run(job):
            if isinstance(step, ProgressEvent):
                yield _progress(step)
            else:
                yield pb.TrainModelResponse(
                    phase=pb.TRAINING_PHASE_DONE, result=model_info(step, job.activate),
                    message=f"registered {step.model_version} (serves {step.served})"
                            + (", now active" if job.activate else ""),
                    report_json=(step.model_folder / "report.json").read_text(encoding="utf-8"))

    async def ListModels(  # noqa: N802
        self, request: pb.ListModelsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListModelsResponse:
        tenant = current_tenant()
        kind = None if request.kind == pb.MODEL_KIND_UNSPECIFIED else _kind(request.kind)
        models = self._registry.models(tenant, request.plant_id, kind)
        active = {m.kind: self._registry.active_version(tenant, request.plant_id, m.kind) for m in models}
        return pb.ListModelsResponse(models=[model_info(m, active[m.kind] == m.version) for m in models])

    async def ActivateModel(  # noqa: N802
        self, request: pb.ActivateModelRequest, context: grpc.aio.ServicerContext
    ) -> pb.ActivateModelResponse:
        model, previous = self._registry.activate(current_tenant(), request.plant_id, _kind(request.kind),
                                                  request.version)
        return pb.ActivateModelResponse(model=model_info(model, True), previous_version=previous or "")

    async def RollbackModel(  # noqa: N802
        self, request: pb.RollbackModelRequest, context: grpc.aio.ServicerContext
    ) -> pb.RollbackModelResponse:
        try:
            model, rolled_back = self._registry.rollback(current_tenant(), request.plant_id, _kind(request.kind))
        except NothingToRollBackError as error:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
            raise  # abort raises; this keeps the type checker informed
        return pb.RollbackModelResponse(model=model_info(model, True), rolled_back_version=rolled_back)

