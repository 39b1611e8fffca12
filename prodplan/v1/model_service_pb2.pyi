import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModelKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_KIND_UNSPECIFIED: _ClassVar[ModelKind]
    MODEL_KIND_DEFECT: _ClassVar[ModelKind]
    MODEL_KIND_DEMAND: _ClassVar[ModelKind]
    MODEL_KIND_RISK: _ClassVar[ModelKind]

class TrainingPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRAINING_PHASE_UNSPECIFIED: _ClassVar[TrainingPhase]
    TRAINING_PHASE_VALIDATING: _ClassVar[TrainingPhase]
    TRAINING_PHASE_FITTING: _ClassVar[TrainingPhase]
    TRAINING_PHASE_EPOCH: _ClassVar[TrainingPhase]
    TRAINING_PHASE_EVALUATING: _ClassVar[TrainingPhase]
    TRAINING_PHASE_REGISTERING: _ClassVar[TrainingPhase]
    TRAINING_PHASE_DONE: _ClassVar[TrainingPhase]
MODEL_KIND_UNSPECIFIED: ModelKind
MODEL_KIND_DEFECT: ModelKind
MODEL_KIND_DEMAND: ModelKind
MODEL_KIND_RISK: ModelKind
TRAINING_PHASE_UNSPECIFIED: TrainingPhase
TRAINING_PHASE_VALIDATING: TrainingPhase
TRAINING_PHASE_FITTING: TrainingPhase
TRAINING_PHASE_EPOCH: TrainingPhase
TRAINING_PHASE_EVALUATING: TrainingPhase
TRAINING_PHASE_REGISTERING: TrainingPhase
TRAINING_PHASE_DONE: TrainingPhase

class UploadedFile(_message.Message):
    __slots__ = ("name", "content")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    content: bytes
    def __init__(self, name: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class TrainingOptions(_message.Message):
    __slots__ = ("seed", "max_epochs", "max_trees")
    SEED_FIELD_NUMBER: _ClassVar[int]
    MAX_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    MAX_TREES_FIELD_NUMBER: _ClassVar[int]
    seed: int
    max_epochs: int
    max_trees: int
    def __init__(self, seed: _Optional[int] = ..., max_epochs: _Optional[int] = ..., max_trees: _Optional[int] = ...) -> None: ...

class TrainModelRequest(_message.Message):
    __slots__ = ("plant_id", "kind", "records", "template", "history", "telemetry", "events", "machines", "options", "activate")
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ACTIVATE_FIELD_NUMBER: _ClassVar[int]
    plant_id: str
    kind: ModelKind
    records: UploadedFile
    template: UploadedFile
    history: UploadedFile
    telemetry: UploadedFile
    events: UploadedFile
    machines: UploadedFile
    options: TrainingOptions
    activate: bool
    def __init__(self, plant_id: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ..., records: _Optional[_Union[UploadedFile, _Mapping]] = ..., template: _Optional[_Union[UploadedFile, _Mapping]] = ..., history: _Optional[_Union[UploadedFile, _Mapping]] = ..., telemetry: _Optional[_Union[UploadedFile, _Mapping]] = ..., events: _Optional[_Union[UploadedFile, _Mapping]] = ..., machines: _Optional[_Union[UploadedFile, _Mapping]] = ..., options: _Optional[_Union[TrainingOptions, _Mapping]] = ..., activate: _Optional[bool] = ...) -> None: ...

class TrainModelResponse(_message.Message):
    __slots__ = ("phase", "message", "candidate", "epoch", "validation_score", "result", "report_json")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_SCORE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    phase: TrainingPhase
    message: str
    candidate: str
    epoch: int
    validation_score: float
    result: ModelInfo
    report_json: str
    def __init__(self, phase: _Optional[_Union[TrainingPhase, str]] = ..., message: _Optional[str] = ..., candidate: _Optional[str] = ..., epoch: _Optional[int] = ..., validation_score: _Optional[float] = ..., result: _Optional[_Union[ModelInfo, _Mapping]] = ..., report_json: _Optional[str] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("plant_id", "kind", "version", "model_version", "artifact_version", "created", "active", "served", "metrics", "baseline_served", "warnings")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SERVED_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    BASELINE_SERVED_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    plant_id: str
    kind: ModelKind
    version: str
    model_version: str
    artifact_version: str
    created: _timestamp_pb2.Timestamp
    active: bool
    served: str
    metrics: _containers.ScalarMap[str, float]
    baseline_served: bool
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, plant_id: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ..., version: _Optional[str] = ..., model_version: _Optional[str] = ..., artifact_version: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active: _Optional[bool] = ..., served: _Optional[str] = ..., metrics: _Optional[_Mapping[str, float]] = ..., baseline_served: _Optional[bool] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("plant_id", "kind")
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    plant_id: str
    kind: ModelKind
    def __init__(self, plant_id: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    def __init__(self, models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ...) -> None: ...

class ActivateModelRequest(_message.Message):
    __slots__ = ("plant_id", "kind", "version")
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plant_id: str
    kind: ModelKind
    version: str
    def __init__(self, plant_id: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ..., version: _Optional[str] = ...) -> None: ...

class ActivateModelResponse(_message.Message):
    __slots__ = ("model", "previous_version")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    model: ModelInfo
    previous_version: str
    def __init__(self, model: _Optional[_Union[ModelInfo, _Mapping]] = ..., previous_version: _Optional[str] = ...) -> None: ...

class RollbackModelRequest(_message.Message):
    __slots__ = ("plant_id", "kind")
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    plant_id: str
    kind: ModelKind
    def __init__(self, plant_id: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ...) -> None: ...

class RollbackModelResponse(_message.Message):
    __slots__ = ("model", "rolled_back_version")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ROLLED_BACK_VERSION_FIELD_NUMBER: _ClassVar[int]
    model: ModelInfo
    rolled_back_version: str
    def __init__(self, model: _Optional[_Union[ModelInfo, _Mapping]] = ..., rolled_back_version: _Optional[str] = ...) -> None: ...
