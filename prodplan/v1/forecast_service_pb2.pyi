import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProcessType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROCESS_TYPE_UNSPECIFIED: _ClassVar[ProcessType]
    PROCESS_TYPE_DIE_CASTING: _ClassVar[ProcessType]
    PROCESS_TYPE_CNC_MACHINING: _ClassVar[ProcessType]
    PROCESS_TYPE_HEAT_TREATMENT: _ClassVar[ProcessType]

class DutyClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DUTY_CLASS_UNSPECIFIED: _ClassVar[DutyClass]
    DUTY_CLASS_LOW: _ClassVar[DutyClass]
    DUTY_CLASS_MEDIUM: _ClassVar[DutyClass]
    DUTY_CLASS_HIGH: _ClassVar[DutyClass]

class RiskModelSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_MODEL_SOURCE_UNSPECIFIED: _ClassVar[RiskModelSource]
    RISK_MODEL_SOURCE_SHIPPED_DEFAULT: _ClassVar[RiskModelSource]
    RISK_MODEL_SOURCE_PLANT: _ClassVar[RiskModelSource]
PROCESS_TYPE_UNSPECIFIED: ProcessType
PROCESS_TYPE_DIE_CASTING: ProcessType
PROCESS_TYPE_CNC_MACHINING: ProcessType
PROCESS_TYPE_HEAT_TREATMENT: ProcessType
DUTY_CLASS_UNSPECIFIED: DutyClass
DUTY_CLASS_LOW: DutyClass
DUTY_CLASS_MEDIUM: DutyClass
DUTY_CLASS_HIGH: DutyClass
RISK_MODEL_SOURCE_UNSPECIFIED: RiskModelSource
RISK_MODEL_SOURCE_SHIPPED_DEFAULT: RiskModelSource
RISK_MODEL_SOURCE_PLANT: RiskModelSource

class ForecastDemandRequest(_message.Message):
    __slots__ = ("series", "horizon", "quantiles", "plant_id")
    SERIES_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedCompositeFieldContainer[DemandSeries]
    horizon: int
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    plant_id: str
    def __init__(self, series: _Optional[_Iterable[_Union[DemandSeries, _Mapping]]] = ..., horizon: _Optional[int] = ..., quantiles: _Optional[_Iterable[float]] = ..., plant_id: _Optional[str] = ...) -> None: ...

class DemandSeries(_message.Message):
    __slots__ = ("series_id", "history", "season_length", "period", "history_start")
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    SEASON_LENGTH_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    HISTORY_START_FIELD_NUMBER: _ClassVar[int]
    series_id: str
    history: _containers.RepeatedScalarFieldContainer[float]
    season_length: int
    period: _duration_pb2.Duration
    history_start: _timestamp_pb2.Timestamp
    def __init__(self, series_id: _Optional[str] = ..., history: _Optional[_Iterable[float]] = ..., season_length: _Optional[int] = ..., period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., history_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ForecastDemandResponse(_message.Message):
    __slots__ = ("forecasts", "model_version", "plant_id")
    FORECASTS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    forecasts: _containers.RepeatedCompositeFieldContainer[DemandSeriesForecast]
    model_version: str
    plant_id: str
    def __init__(self, forecasts: _Optional[_Iterable[_Union[DemandSeriesForecast, _Mapping]]] = ..., model_version: _Optional[str] = ..., plant_id: _Optional[str] = ...) -> None: ...

class DemandSeriesForecast(_message.Message):
    __slots__ = ("series_id", "quantiles", "seasonal_pattern", "forecast_start", "method", "demand_class")
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    SEASONAL_PATTERN_FIELD_NUMBER: _ClassVar[int]
    FORECAST_START_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    DEMAND_CLASS_FIELD_NUMBER: _ClassVar[int]
    series_id: str
    quantiles: _containers.RepeatedCompositeFieldContainer[QuantilePath]
    seasonal_pattern: _containers.RepeatedScalarFieldContainer[float]
    forecast_start: _timestamp_pb2.Timestamp
    method: str
    demand_class: str
    def __init__(self, series_id: _Optional[str] = ..., quantiles: _Optional[_Iterable[_Union[QuantilePath, _Mapping]]] = ..., seasonal_pattern: _Optional[_Iterable[float]] = ..., forecast_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., method: _Optional[str] = ..., demand_class: _Optional[str] = ...) -> None: ...

class QuantilePath(_message.Message):
    __slots__ = ("level", "values")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    level: float
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, level: _Optional[float] = ..., values: _Optional[_Iterable[float]] = ...) -> None: ...

class PredictYieldRequest(_message.Message):
    __slots__ = ("items", "plant_id")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[YieldItem]
    plant_id: str
    def __init__(self, items: _Optional[_Iterable[_Union[YieldItem, _Mapping]]] = ..., plant_id: _Optional[str] = ...) -> None: ...

class YieldItem(_message.Message):
    __slots__ = ("item_id", "product", "machine_id", "process", "parameters", "categorical_parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class CategoricalParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    PROCESS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    CATEGORICAL_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    product: str
    machine_id: str
    process: ProcessType
    parameters: _containers.ScalarMap[str, float]
    categorical_parameters: _containers.ScalarMap[str, str]
    def __init__(self, item_id: _Optional[str] = ..., product: _Optional[str] = ..., machine_id: _Optional[str] = ..., process: _Optional[_Union[ProcessType, str]] = ..., parameters: _Optional[_Mapping[str, float]] = ..., categorical_parameters: _Optional[_Mapping[str, str]] = ...) -> None: ...

class PredictYieldResponse(_message.Message):
    __slots__ = ("predictions", "by_product_machine", "model_version", "plant_id", "artifact_version")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    BY_PRODUCT_MACHINE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_VERSION_FIELD_NUMBER: _ClassVar[int]
    predictions: _containers.RepeatedCompositeFieldContainer[YieldPrediction]
    by_product_machine: _containers.RepeatedCompositeFieldContainer[ProductMachineYield]
    model_version: str
    plant_id: str
    artifact_version: str
    def __init__(self, predictions: _Optional[_Iterable[_Union[YieldPrediction, _Mapping]]] = ..., by_product_machine: _Optional[_Iterable[_Union[ProductMachineYield, _Mapping]]] = ..., model_version: _Optional[str] = ..., plant_id: _Optional[str] = ..., artifact_version: _Optional[str] = ...) -> None: ...

class YieldPrediction(_message.Message):
    __slots__ = ("item_id", "product", "machine_id", "defect_probability", "defect_types", "expected_yield", "explanation", "unseen")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    DEFECT_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DEFECT_TYPES_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_YIELD_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    product: str
    machine_id: str
    defect_probability: float
    defect_types: _containers.RepeatedCompositeFieldContainer[DefectTypeProbability]
    expected_yield: float
    explanation: PredictionExplanation
    unseen: str
    def __init__(self, item_id: _Optional[str] = ..., product: _Optional[str] = ..., machine_id: _Optional[str] = ..., defect_probability: _Optional[float] = ..., defect_types: _Optional[_Iterable[_Union[DefectTypeProbability, _Mapping]]] = ..., expected_yield: _Optional[float] = ..., explanation: _Optional[_Union[PredictionExplanation, _Mapping]] = ..., unseen: _Optional[str] = ...) -> None: ...

class DefectTypeProbability(_message.Message):
    __slots__ = ("defect_type", "probability")
    DEFECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    defect_type: str
    probability: float
    def __init__(self, defect_type: _Optional[str] = ..., probability: _Optional[float] = ...) -> None: ...

class ProductMachineYield(_message.Message):
    __slots__ = ("product", "machine_id", "expected_yield", "items")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_YIELD_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    product: str
    machine_id: str
    expected_yield: float
    items: int
    def __init__(self, product: _Optional[str] = ..., machine_id: _Optional[str] = ..., expected_yield: _Optional[float] = ..., items: _Optional[int] = ...) -> None: ...

class AssessEquipmentRiskRequest(_message.Message):
    __slots__ = ("machines", "bucket", "bucket_count", "horizon_start", "plant_id", "plant_telemetry", "plant_events", "plant_machines")
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    BUCKET_COUNT_FIELD_NUMBER: _ClassVar[int]
    HORIZON_START_FIELD_NUMBER: _ClassVar[int]
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    PLANT_TELEMETRY_FIELD_NUMBER: _ClassVar[int]
    PLANT_EVENTS_FIELD_NUMBER: _ClassVar[int]
    PLANT_MACHINES_FIELD_NUMBER: _ClassVar[int]
    machines: _containers.RepeatedCompositeFieldContainer[MachineTelemetry]
    bucket: _duration_pb2.Duration
    bucket_count: int
    horizon_start: _timestamp_pb2.Timestamp
    plant_id: str
    plant_telemetry: _containers.RepeatedCompositeFieldContainer[PlantTelemetryRow]
    plant_events: _containers.RepeatedCompositeFieldContainer[PlantEvent]
    plant_machines: _containers.RepeatedCompositeFieldContainer[PlantMachine]
    def __init__(self, machines: _Optional[_Iterable[_Union[MachineTelemetry, _Mapping]]] = ..., bucket: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., bucket_count: _Optional[int] = ..., horizon_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., plant_id: _Optional[str] = ..., plant_telemetry: _Optional[_Iterable[_Union[PlantTelemetryRow, _Mapping]]] = ..., plant_events: _Optional[_Iterable[_Union[PlantEvent, _Mapping]]] = ..., plant_machines: _Optional[_Iterable[_Union[PlantMachine, _Mapping]]] = ...) -> None: ...

class PlantTelemetryRow(_message.Message):
    __slots__ = ("machine_id", "time", "sensors")
    class SensorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    SENSORS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    time: _timestamp_pb2.Timestamp
    sensors: _containers.ScalarMap[str, float]
    def __init__(self, machine_id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sensors: _Optional[_Mapping[str, float]] = ...) -> None: ...

class PlantEvent(_message.Message):
    __slots__ = ("machine_id", "time", "event", "component")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    time: _timestamp_pb2.Timestamp
    event: str
    component: str
    def __init__(self, machine_id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event: _Optional[str] = ..., component: _Optional[str] = ...) -> None: ...

class PlantMachine(_message.Message):
    __slots__ = ("machine_id", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, machine_id: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class MachineTelemetry(_message.Message):
    __slots__ = ("machine_id", "current", "history", "time_since_maintenance", "duty_class", "utilization", "tool_wear_rate_min_per_h", "tool_change_wear_min")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    TIME_SINCE_MAINTENANCE_FIELD_NUMBER: _ClassVar[int]
    DUTY_CLASS_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    TOOL_WEAR_RATE_MIN_PER_H_FIELD_NUMBER: _ClassVar[int]
    TOOL_CHANGE_WEAR_MIN_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    current: TelemetrySample
    history: _containers.RepeatedCompositeFieldContainer[TelemetrySample]
    time_since_maintenance: _duration_pb2.Duration
    duty_class: DutyClass
    utilization: float
    tool_wear_rate_min_per_h: float
    tool_change_wear_min: float
    def __init__(self, machine_id: _Optional[str] = ..., current: _Optional[_Union[TelemetrySample, _Mapping]] = ..., history: _Optional[_Iterable[_Union[TelemetrySample, _Mapping]]] = ..., time_since_maintenance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., duty_class: _Optional[_Union[DutyClass, str]] = ..., utilization: _Optional[float] = ..., tool_wear_rate_min_per_h: _Optional[float] = ..., tool_change_wear_min: _Optional[float] = ...) -> None: ...

class TelemetrySample(_message.Message):
    __slots__ = ("time", "air_temperature_k", "process_temperature_k", "rotational_speed_rpm", "torque_nm", "tool_wear_min")
    TIME_FIELD_NUMBER: _ClassVar[int]
    AIR_TEMPERATURE_K_FIELD_NUMBER: _ClassVar[int]
    PROCESS_TEMPERATURE_K_FIELD_NUMBER: _ClassVar[int]
    ROTATIONAL_SPEED_RPM_FIELD_NUMBER: _ClassVar[int]
    TORQUE_NM_FIELD_NUMBER: _ClassVar[int]
    TOOL_WEAR_MIN_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    air_temperature_k: float
    process_temperature_k: float
    rotational_speed_rpm: float
    torque_nm: float
    tool_wear_min: float
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., air_temperature_k: _Optional[float] = ..., process_temperature_k: _Optional[float] = ..., rotational_speed_rpm: _Optional[float] = ..., torque_nm: _Optional[float] = ..., tool_wear_min: _Optional[float] = ...) -> None: ...

class AssessEquipmentRiskResponse(_message.Message):
    __slots__ = ("machines", "model_version", "plant_id", "artifact_version", "model_source", "model_description", "prediction_time", "served")
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_VERSION_FIELD_NUMBER: _ClassVar[int]
    MODEL_SOURCE_FIELD_NUMBER: _ClassVar[int]
    MODEL_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_TIME_FIELD_NUMBER: _ClassVar[int]
    SERVED_FIELD_NUMBER: _ClassVar[int]
    machines: _containers.RepeatedCompositeFieldContainer[EquipmentRisk]
    model_version: str
    plant_id: str
    artifact_version: str
    model_source: RiskModelSource
    model_description: str
    prediction_time: _timestamp_pb2.Timestamp
    served: str
    def __init__(self, machines: _Optional[_Iterable[_Union[EquipmentRisk, _Mapping]]] = ..., model_version: _Optional[str] = ..., plant_id: _Optional[str] = ..., artifact_version: _Optional[str] = ..., model_source: _Optional[_Union[RiskModelSource, str]] = ..., model_description: _Optional[str] = ..., prediction_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., served: _Optional[str] = ...) -> None: ...

class EquipmentRisk(_message.Message):
    __slots__ = ("machine_id", "buckets", "current_failure_probability", "reference_window", "anomaly_score", "explanation", "time_since_maintenance", "unseen_machine")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FAILURE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_WINDOW_FIELD_NUMBER: _ClassVar[int]
    ANOMALY_SCORE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    TIME_SINCE_MAINTENANCE_FIELD_NUMBER: _ClassVar[int]
    UNSEEN_MACHINE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    buckets: _containers.RepeatedCompositeFieldContainer[RiskBucket]
    current_failure_probability: float
    reference_window: _duration_pb2.Duration
    anomaly_score: float
    explanation: PredictionExplanation
    time_since_maintenance: _duration_pb2.Duration
    unseen_machine: bool
    def __init__(self, machine_id: _Optional[str] = ..., buckets: _Optional[_Iterable[_Union[RiskBucket, _Mapping]]] = ..., current_failure_probability: _Optional[float] = ..., reference_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., anomaly_score: _Optional[float] = ..., explanation: _Optional[_Union[PredictionExplanation, _Mapping]] = ..., time_since_maintenance: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., unseen_machine: _Optional[bool] = ...) -> None: ...

class RiskBucket(_message.Message):
    __slots__ = ("start_offset", "start", "end", "failure_probability", "cumulative_failure_probability")
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    FAILURE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    CUMULATIVE_FAILURE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    start_offset: _duration_pb2.Duration
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    failure_probability: float
    cumulative_failure_probability: float
    def __init__(self, start_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failure_probability: _Optional[float] = ..., cumulative_failure_probability: _Optional[float] = ...) -> None: ...

class PredictionExplanation(_message.Message):
    __slots__ = ("contributions", "text_en", "text_ko")
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    TEXT_EN_FIELD_NUMBER: _ClassVar[int]
    TEXT_KO_FIELD_NUMBER: _ClassVar[int]
    contributions: _containers.RepeatedCompositeFieldContainer[FeatureContribution]
    text_en: str
    text_ko: str
    def __init__(self, contributions: _Optional[_Iterable[_Union[FeatureContribution, _Mapping]]] = ..., text_en: _Optional[str] = ..., text_ko: _Optional[str] = ...) -> None: ...

class FeatureContribution(_message.Message):
    __slots__ = ("feature", "value", "deviation_sd", "attribution")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    DEVIATION_SD_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    feature: str
    value: float
    deviation_sd: float
    attribution: float
    def __init__(self, feature: _Optional[str] = ..., value: _Optional[float] = ..., deviation_sd: _Optional[float] = ..., attribution: _Optional[float] = ...) -> None: ...
