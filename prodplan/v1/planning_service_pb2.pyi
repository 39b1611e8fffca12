import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from prodplan.v1 import forecast_service_pb2 as _forecast_service_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DayOfWeek(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DAY_OF_WEEK_UNSPECIFIED: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_MONDAY: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_TUESDAY: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_WEDNESDAY: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_THURSDAY: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_FRIDAY: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_SATURDAY: _ClassVar[DayOfWeek]
    DAY_OF_WEEK_SUNDAY: _ClassVar[DayOfWeek]

class PrecedenceRelation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRECEDENCE_RELATION_UNSPECIFIED: _ClassVar[PrecedenceRelation]
    PRECEDENCE_RELATION_END_TO_START: _ClassVar[PrecedenceRelation]
    PRECEDENCE_RELATION_START_TO_START: _ClassVar[PrecedenceRelation]

class Objective(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBJECTIVE_UNSPECIFIED: _ClassVar[Objective]
    OBJECTIVE_WEIGHTED_TARDINESS: _ClassVar[Objective]
    OBJECTIVE_MAKESPAN: _ClassVar[Objective]
    OBJECTIVE_BATCH_COST: _ClassVar[Objective]

class RiskPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_POLICY_UNSPECIFIED: _ClassVar[RiskPolicy]
    RISK_POLICY_EXPECTED_CAPACITY: _ClassVar[RiskPolicy]
    RISK_POLICY_CHANCE_RESERVE: _ClassVar[RiskPolicy]
    RISK_POLICY_PREVENTIVE_MAINTENANCE: _ClassVar[RiskPolicy]
    RISK_POLICY_RISK_PENALTY: _ClassVar[RiskPolicy]

class PlanStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_STATUS_UNSPECIFIED: _ClassVar[PlanStatus]
    PLAN_STATUS_OPTIMAL: _ClassVar[PlanStatus]
    PLAN_STATUS_FEASIBLE: _ClassVar[PlanStatus]
    PLAN_STATUS_INFEASIBLE: _ClassVar[PlanStatus]
    PLAN_STATUS_NO_SOLUTION_IN_TIME: _ClassVar[PlanStatus]
    PLAN_STATUS_ERROR: _ClassVar[PlanStatus]
DAY_OF_WEEK_UNSPECIFIED: DayOfWeek
DAY_OF_WEEK_MONDAY: DayOfWeek
DAY_OF_WEEK_TUESDAY: DayOfWeek
DAY_OF_WEEK_WEDNESDAY: DayOfWeek
DAY_OF_WEEK_THURSDAY: DayOfWeek
DAY_OF_WEEK_FRIDAY: DayOfWeek
DAY_OF_WEEK_SATURDAY: DayOfWeek
DAY_OF_WEEK_SUNDAY: DayOfWeek
PRECEDENCE_RELATION_UNSPECIFIED: PrecedenceRelation
PRECEDENCE_RELATION_END_TO_START: PrecedenceRelation
PRECEDENCE_RELATION_START_TO_START: PrecedenceRelation
OBJECTIVE_UNSPECIFIED: Objective
OBJECTIVE_WEIGHTED_TARDINESS: Objective
OBJECTIVE_MAKESPAN: Objective
OBJECTIVE_BATCH_COST: Objective
RISK_POLICY_UNSPECIFIED: RiskPolicy
RISK_POLICY_EXPECTED_CAPACITY: RiskPolicy
RISK_POLICY_CHANCE_RESERVE: RiskPolicy
RISK_POLICY_PREVENTIVE_MAINTENANCE: RiskPolicy
RISK_POLICY_RISK_PENALTY: RiskPolicy
PLAN_STATUS_UNSPECIFIED: PlanStatus
PLAN_STATUS_OPTIMAL: PlanStatus
PLAN_STATUS_FEASIBLE: PlanStatus
PLAN_STATUS_INFEASIBLE: PlanStatus
PLAN_STATUS_NO_SOLUTION_IN_TIME: PlanStatus
PLAN_STATUS_ERROR: PlanStatus

class CreatePlanRequest(_message.Message):
    __slots__ = ("request_id", "factory", "orders", "options", "yields", "machine_risks", "demand_forecasts", "plant_data", "sequence_rules")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    YIELDS_FIELD_NUMBER: _ClassVar[int]
    MACHINE_RISKS_FIELD_NUMBER: _ClassVar[int]
    DEMAND_FORECASTS_FIELD_NUMBER: _ClassVar[int]
    PLANT_DATA_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_RULES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    factory: Factory
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    options: PlanOptions
    yields: _containers.RepeatedCompositeFieldContainer[YieldEstimate]
    machine_risks: _containers.RepeatedCompositeFieldContainer[MachineRisk]
    demand_forecasts: _containers.RepeatedCompositeFieldContainer[DemandForecast]
    plant_data: PlantData
    sequence_rules: _containers.RepeatedCompositeFieldContainer[SequenceRule]
    def __init__(self, request_id: _Optional[str] = ..., factory: _Optional[_Union[Factory, _Mapping]] = ..., orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., options: _Optional[_Union[PlanOptions, _Mapping]] = ..., yields: _Optional[_Iterable[_Union[YieldEstimate, _Mapping]]] = ..., machine_risks: _Optional[_Iterable[_Union[MachineRisk, _Mapping]]] = ..., demand_forecasts: _Optional[_Iterable[_Union[DemandForecast, _Mapping]]] = ..., plant_data: _Optional[_Union[PlantData, _Mapping]] = ..., sequence_rules: _Optional[_Iterable[_Union[SequenceRule, _Mapping]]] = ...) -> None: ...

class SequenceRule(_message.Message):
    __slots__ = ("machine_id", "before_order_id", "before_operation_id", "after_order_id", "after_operation_id")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    before_order_id: str
    before_operation_id: str
    after_order_id: str
    after_operation_id: str
    def __init__(self, machine_id: _Optional[str] = ..., before_order_id: _Optional[str] = ..., before_operation_id: _Optional[str] = ..., after_order_id: _Optional[str] = ..., after_operation_id: _Optional[str] = ...) -> None: ...

class PlantData(_message.Message):
    __slots__ = ("quality", "telemetry", "demand", "mean_time_to_repair", "plant_id")
    class MeanTimeToRepairEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _duration_pb2.Duration
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_FIELD_NUMBER: _ClassVar[int]
    DEMAND_FIELD_NUMBER: _ClassVar[int]
    MEAN_TIME_TO_REPAIR_FIELD_NUMBER: _ClassVar[int]
    PLANT_ID_FIELD_NUMBER: _ClassVar[int]
    quality: _forecast_service_pb2.PredictYieldRequest
    telemetry: _forecast_service_pb2.AssessEquipmentRiskRequest
    demand: _forecast_service_pb2.ForecastDemandRequest
    mean_time_to_repair: _containers.MessageMap[str, _duration_pb2.Duration]
    plant_id: str
    def __init__(self, quality: _Optional[_Union[_forecast_service_pb2.PredictYieldRequest, _Mapping]] = ..., telemetry: _Optional[_Union[_forecast_service_pb2.AssessEquipmentRiskRequest, _Mapping]] = ..., demand: _Optional[_Union[_forecast_service_pb2.ForecastDemandRequest, _Mapping]] = ..., mean_time_to_repair: _Optional[_Mapping[str, _duration_pb2.Duration]] = ..., plant_id: _Optional[str] = ...) -> None: ...

class DemandForecast(_message.Message):
    __slots__ = ("product_id", "bucket", "quantiles", "source")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    bucket: int
    quantiles: _containers.RepeatedCompositeFieldContainer[QuantileValue]
    source: str
    def __init__(self, product_id: _Optional[str] = ..., bucket: _Optional[int] = ..., quantiles: _Optional[_Iterable[_Union[QuantileValue, _Mapping]]] = ..., source: _Optional[str] = ...) -> None: ...

class QuantileValue(_message.Message):
    __slots__ = ("level", "value")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    level: float
    value: float
    def __init__(self, level: _Optional[float] = ..., value: _Optional[float] = ...) -> None: ...

class CreatePlanResponse(_message.Message):
    __slots__ = ("plan_id", "plan")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    plan: Plan
    def __init__(self, plan_id: _Optional[str] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class Factory(_message.Message):
    __slots__ = ("name", "utc_offset", "calendars", "machines", "products", "changeovers", "resources", "materials")
    NAME_FIELD_NUMBER: _ClassVar[int]
    UTC_OFFSET_FIELD_NUMBER: _ClassVar[int]
    CALENDARS_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    CHANGEOVERS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    name: str
    utc_offset: _duration_pb2.Duration
    calendars: _containers.RepeatedCompositeFieldContainer[ShiftCalendar]
    machines: _containers.RepeatedCompositeFieldContainer[Machine]
    products: _containers.RepeatedCompositeFieldContainer[Product]
    changeovers: _containers.RepeatedCompositeFieldContainer[FamilyChangeover]
    resources: _containers.RepeatedCompositeFieldContainer[Resource]
    materials: _containers.RepeatedCompositeFieldContainer[Material]
    def __init__(self, name: _Optional[str] = ..., utc_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., calendars: _Optional[_Iterable[_Union[ShiftCalendar, _Mapping]]] = ..., machines: _Optional[_Iterable[_Union[Machine, _Mapping]]] = ..., products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ..., changeovers: _Optional[_Iterable[_Union[FamilyChangeover, _Mapping]]] = ..., resources: _Optional[_Iterable[_Union[Resource, _Mapping]]] = ..., materials: _Optional[_Iterable[_Union[Material, _Mapping]]] = ...) -> None: ...

class Material(_message.Message):
    __slots__ = ("id", "name", "unit", "on_hand", "receipts")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ON_HAND_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    unit: str
    on_hand: float
    receipts: _containers.RepeatedCompositeFieldContainer[MaterialReceipt]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., unit: _Optional[str] = ..., on_hand: _Optional[float] = ..., receipts: _Optional[_Iterable[_Union[MaterialReceipt, _Mapping]]] = ...) -> None: ...

class MaterialReceipt(_message.Message):
    __slots__ = ("time", "quantity")
    TIME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    quantity: float
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., quantity: _Optional[float] = ...) -> None: ...

class MaterialUse(_message.Message):
    __slots__ = ("material_id", "quantity_per_unit")
    MATERIAL_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    material_id: str
    quantity_per_unit: float
    def __init__(self, material_id: _Optional[str] = ..., quantity_per_unit: _Optional[float] = ...) -> None: ...

class MaterialOutput(_message.Message):
    __slots__ = ("material_id", "quantity_per_unit")
    MATERIAL_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    material_id: str
    quantity_per_unit: float
    def __init__(self, material_id: _Optional[str] = ..., quantity_per_unit: _Optional[float] = ...) -> None: ...

class Resource(_message.Message):
    __slots__ = ("id", "name", "capacity", "calendar_id", "shift_capacities", "skills", "mount_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_CAPACITIES_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    MOUNT_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    capacity: int
    calendar_id: str
    shift_capacities: _containers.RepeatedCompositeFieldContainer[ShiftCapacity]
    skills: _containers.RepeatedScalarFieldContainer[str]
    mount_time: _duration_pb2.Duration
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., capacity: _Optional[int] = ..., calendar_id: _Optional[str] = ..., shift_capacities: _Optional[_Iterable[_Union[ShiftCapacity, _Mapping]]] = ..., skills: _Optional[_Iterable[str]] = ..., mount_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ShiftCapacity(_message.Message):
    __slots__ = ("shift", "capacity")
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    shift: str
    capacity: int
    def __init__(self, shift: _Optional[str] = ..., capacity: _Optional[int] = ...) -> None: ...

class ResourceNeed(_message.Message):
    __slots__ = ("resource_id", "quantity", "setup_only", "skill")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SETUP_ONLY_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    quantity: int
    setup_only: bool
    skill: str
    def __init__(self, resource_id: _Optional[str] = ..., quantity: _Optional[int] = ..., setup_only: _Optional[bool] = ..., skill: _Optional[str] = ...) -> None: ...

class FamilyChangeover(_message.Message):
    __slots__ = ("from_family", "to_family", "changeover_time", "machine_id")
    FROM_FAMILY_FIELD_NUMBER: _ClassVar[int]
    TO_FAMILY_FIELD_NUMBER: _ClassVar[int]
    CHANGEOVER_TIME_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    from_family: str
    to_family: str
    changeover_time: _duration_pb2.Duration
    machine_id: str
    def __init__(self, from_family: _Optional[str] = ..., to_family: _Optional[str] = ..., changeover_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., machine_id: _Optional[str] = ...) -> None: ...

class YieldEstimate(_message.Message):
    __slots__ = ("product_id", "machine_id", "yield_rate", "source")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    YIELD_RATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    machine_id: str
    yield_rate: float
    source: str
    def __init__(self, product_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., yield_rate: _Optional[float] = ..., source: _Optional[str] = ...) -> None: ...

class MachineRisk(_message.Message):
    __slots__ = ("machine_id", "curve", "mean_time_to_repair", "source")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    CURVE_FIELD_NUMBER: _ClassVar[int]
    MEAN_TIME_TO_REPAIR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    curve: _containers.RepeatedCompositeFieldContainer[RiskPoint]
    mean_time_to_repair: _duration_pb2.Duration
    source: str
    def __init__(self, machine_id: _Optional[str] = ..., curve: _Optional[_Iterable[_Union[RiskPoint, _Mapping]]] = ..., mean_time_to_repair: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class RiskPoint(_message.Message):
    __slots__ = ("time", "failure_probability")
    TIME_FIELD_NUMBER: _ClassVar[int]
    FAILURE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    failure_probability: float
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failure_probability: _Optional[float] = ...) -> None: ...

class ShiftCalendar(_message.Message):
    __slots__ = ("id", "shifts", "working_days")
    ID_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    id: str
    shifts: _containers.RepeatedCompositeFieldContainer[Shift]
    working_days: _containers.RepeatedScalarFieldContainer[DayOfWeek]
    def __init__(self, id: _Optional[str] = ..., shifts: _Optional[_Iterable[_Union[Shift, _Mapping]]] = ..., working_days: _Optional[_Iterable[_Union[DayOfWeek, str]]] = ...) -> None: ...

class Shift(_message.Message):
    __slots__ = ("name", "start", "length")
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    name: str
    start: _duration_pb2.Duration
    length: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., start: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., length: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Machine(_message.Message):
    __slots__ = ("id", "name", "work_center", "calendar_id", "maintenance_windows", "batch_capacity", "recipes", "operations_may_pause", "mounted_die", "batch_min_load", "recipe_changeovers", "initial_recipe")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORK_CENTER_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_ID_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    BATCH_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    RECIPES_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_MAY_PAUSE_FIELD_NUMBER: _ClassVar[int]
    MOUNTED_DIE_FIELD_NUMBER: _ClassVar[int]
    BATCH_MIN_LOAD_FIELD_NUMBER: _ClassVar[int]
    RECIPE_CHANGEOVERS_FIELD_NUMBER: _ClassVar[int]
    INITIAL_RECIPE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    work_center: str
    calendar_id: str
    maintenance_windows: _containers.RepeatedCompositeFieldContainer[TimeWindow]
    batch_capacity: float
    recipes: _containers.RepeatedCompositeFieldContainer[BatchRecipe]
    operations_may_pause: bool
    mounted_die: str
    batch_min_load: float
    recipe_changeovers: _containers.RepeatedCompositeFieldContainer[RecipeChangeover]
    initial_recipe: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., work_center: _Optional[str] = ..., calendar_id: _Optional[str] = ..., maintenance_windows: _Optional[_Iterable[_Union[TimeWindow, _Mapping]]] = ..., batch_capacity: _Optional[float] = ..., recipes: _Optional[_Iterable[_Union[BatchRecipe, _Mapping]]] = ..., operations_may_pause: _Optional[bool] = ..., mounted_die: _Optional[str] = ..., batch_min_load: _Optional[float] = ..., recipe_changeovers: _Optional[_Iterable[_Union[RecipeChangeover, _Mapping]]] = ..., initial_recipe: _Optional[str] = ...) -> None: ...

class RecipeChangeover(_message.Message):
    __slots__ = ("from_recipe", "to_recipe", "changeover_time", "cost")
    FROM_RECIPE_FIELD_NUMBER: _ClassVar[int]
    TO_RECIPE_FIELD_NUMBER: _ClassVar[int]
    CHANGEOVER_TIME_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    from_recipe: str
    to_recipe: str
    changeover_time: _duration_pb2.Duration
    cost: float
    def __init__(self, from_recipe: _Optional[str] = ..., to_recipe: _Optional[str] = ..., changeover_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cost: _Optional[float] = ...) -> None: ...

class BatchRecipe(_message.Message):
    __slots__ = ("id", "name", "cycle_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CYCLE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    cycle_time: _duration_pb2.Duration
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., cycle_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class TimeWindow(_message.Message):
    __slots__ = ("start", "end", "reason")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class Product(_message.Message):
    __slots__ = ("id", "name", "family", "routing", "scrap_cost")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FIELD_NUMBER: _ClassVar[int]
    SCRAP_COST_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    family: str
    routing: _containers.RepeatedCompositeFieldContainer[Operation]
    scrap_cost: float
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., family: _Optional[str] = ..., routing: _Optional[_Iterable[_Union[Operation, _Mapping]]] = ..., scrap_cost: _Optional[float] = ...) -> None: ...

class Operation(_message.Message):
    __slots__ = ("id", "name", "eligible_machines", "setup_time", "run_time_per_unit", "min_lag", "max_lag", "transfer_batch_units", "recipe", "batch_load_per_unit", "resources", "predecessors", "materials", "may_pause", "modes", "produces", "lot_split", "batch_min_time", "batch_max_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_MACHINES_FIELD_NUMBER: _ClassVar[int]
    SETUP_TIME_FIELD_NUMBER: _ClassVar[int]
    RUN_TIME_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    MIN_LAG_FIELD_NUMBER: _ClassVar[int]
    MAX_LAG_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_BATCH_UNITS_FIELD_NUMBER: _ClassVar[int]
    RECIPE_FIELD_NUMBER: _ClassVar[int]
    BATCH_LOAD_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    PREDECESSORS_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    MAY_PAUSE_FIELD_NUMBER: _ClassVar[int]
    MODES_FIELD_NUMBER: _ClassVar[int]
    PRODUCES_FIELD_NUMBER: _ClassVar[int]
    LOT_SPLIT_FIELD_NUMBER: _ClassVar[int]
    BATCH_MIN_TIME_FIELD_NUMBER: _ClassVar[int]
    BATCH_MAX_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    eligible_machines: _containers.RepeatedCompositeFieldContainer[EligibleMachine]
    setup_time: _duration_pb2.Duration
    run_time_per_unit: _duration_pb2.Duration
    min_lag: _duration_pb2.Duration
    max_lag: _duration_pb2.Duration
    transfer_batch_units: int
    recipe: str
    batch_load_per_unit: float
    resources: _containers.RepeatedCompositeFieldContainer[ResourceNeed]
    predecessors: _containers.RepeatedCompositeFieldContainer[Predecessor]
    materials: _containers.RepeatedCompositeFieldContainer[MaterialUse]
    may_pause: bool
    modes: _containers.RepeatedCompositeFieldContainer[OperationMode]
    produces: _containers.RepeatedCompositeFieldContainer[MaterialOutput]
    lot_split: LotSplit
    batch_min_time: _duration_pb2.Duration
    batch_max_time: _duration_pb2.Duration
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., eligible_machines: _Optional[_Iterable[_Union[EligibleMachine, _Mapping]]] = ..., setup_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., run_time_per_unit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., min_lag: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_lag: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., transfer_batch_units: _Optional[int] = ..., recipe: _Optional[str] = ..., batch_load_per_unit: _Optional[float] = ..., resources: _Optional[_Iterable[_Union[ResourceNeed, _Mapping]]] = ..., predecessors: _Optional[_Iterable[_Union[Predecessor, _Mapping]]] = ..., materials: _Optional[_Iterable[_Union[MaterialUse, _Mapping]]] = ..., may_pause: _Optional[bool] = ..., modes: _Optional[_Iterable[_Union[OperationMode, _Mapping]]] = ..., produces: _Optional[_Iterable[_Union[MaterialOutput, _Mapping]]] = ..., lot_split: _Optional[_Union[LotSplit, _Mapping]] = ..., batch_min_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., batch_max_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class LotSplit(_message.Message):
    __slots__ = ("max_sublots", "min_sublot_units")
    MAX_SUBLOTS_FIELD_NUMBER: _ClassVar[int]
    MIN_SUBLOT_UNITS_FIELD_NUMBER: _ClassVar[int]
    max_sublots: int
    min_sublot_units: int
    def __init__(self, max_sublots: _Optional[int] = ..., min_sublot_units: _Optional[int] = ...) -> None: ...

class OrderLotSplit(_message.Message):
    __slots__ = ("operation_id", "max_sublots", "min_sublot_units")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SUBLOTS_FIELD_NUMBER: _ClassVar[int]
    MIN_SUBLOT_UNITS_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    max_sublots: int
    min_sublot_units: int
    def __init__(self, operation_id: _Optional[str] = ..., max_sublots: _Optional[int] = ..., min_sublot_units: _Optional[int] = ...) -> None: ...

class OperationMode(_message.Message):
    __slots__ = ("id", "name", "machine_id", "setup_time", "run_time_per_unit", "resources", "materials")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    SETUP_TIME_FIELD_NUMBER: _ClassVar[int]
    RUN_TIME_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    machine_id: str
    setup_time: _duration_pb2.Duration
    run_time_per_unit: _duration_pb2.Duration
    resources: _containers.RepeatedCompositeFieldContainer[ResourceNeed]
    materials: _containers.RepeatedCompositeFieldContainer[MaterialUse]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., machine_id: _Optional[str] = ..., setup_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., run_time_per_unit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., resources: _Optional[_Iterable[_Union[ResourceNeed, _Mapping]]] = ..., materials: _Optional[_Iterable[_Union[MaterialUse, _Mapping]]] = ...) -> None: ...

class Predecessor(_message.Message):
    __slots__ = ("operation_id", "relation", "min_lag", "max_lag")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    MIN_LAG_FIELD_NUMBER: _ClassVar[int]
    MAX_LAG_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    relation: PrecedenceRelation
    min_lag: _duration_pb2.Duration
    max_lag: _duration_pb2.Duration
    def __init__(self, operation_id: _Optional[str] = ..., relation: _Optional[_Union[PrecedenceRelation, str]] = ..., min_lag: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_lag: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class EligibleMachine(_message.Message):
    __slots__ = ("machine_id", "setup_time", "run_time_per_unit")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    SETUP_TIME_FIELD_NUMBER: _ClassVar[int]
    RUN_TIME_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    setup_time: _duration_pb2.Duration
    run_time_per_unit: _duration_pb2.Duration
    def __init__(self, machine_id: _Optional[str] = ..., setup_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., run_time_per_unit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "product_id", "quantity", "release_time", "due_time", "weight", "customer", "work_in_progress", "lot_splits")
    ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    RELEASE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    WORK_IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    LOT_SPLITS_FIELD_NUMBER: _ClassVar[int]
    id: str
    product_id: str
    quantity: int
    release_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    weight: float
    customer: str
    work_in_progress: WorkInProgress
    lot_splits: _containers.RepeatedCompositeFieldContainer[OrderLotSplit]
    def __init__(self, id: _Optional[str] = ..., product_id: _Optional[str] = ..., quantity: _Optional[int] = ..., release_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., weight: _Optional[float] = ..., customer: _Optional[str] = ..., work_in_progress: _Optional[_Union[WorkInProgress, _Mapping]] = ..., lot_splits: _Optional[_Iterable[_Union[OrderLotSplit, _Mapping]]] = ...) -> None: ...

class WorkInProgress(_message.Message):
    __slots__ = ("done_operation_ids", "running")
    DONE_OPERATION_IDS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    done_operation_ids: _containers.RepeatedScalarFieldContainer[str]
    running: RunningOperation
    def __init__(self, done_operation_ids: _Optional[_Iterable[str]] = ..., running: _Optional[_Union[RunningOperation, _Mapping]] = ...) -> None: ...

class RunningOperation(_message.Message):
    __slots__ = ("operation_id", "machine_id", "started", "remaining")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    machine_id: str
    started: _timestamp_pb2.Timestamp
    remaining: _duration_pb2.Duration
    def __init__(self, operation_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., started: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., remaining: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class PlanOptions(_message.Message):
    __slots__ = ("plan_start", "horizon", "objective", "time_limit", "num_workers", "random_seed", "locale", "risk_policy", "risk_alpha", "maintenance_threshold", "maintenance_duration", "risk_penalty_weight", "risk_bucket", "max_expected_defect_rate", "late_cost_per_minute", "skip_prediction_effects", "lot_sizing", "lot_bucket", "service_level", "detailed_lot_buckets", "holding_cost_per_unit", "setup_cost", "verify_fixes_time", "skip_lot_lead_times", "batch_run_cost_per_minute", "late_order_cost")
    PLAN_START_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    NUM_WORKERS_FIELD_NUMBER: _ClassVar[int]
    RANDOM_SEED_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    RISK_POLICY_FIELD_NUMBER: _ClassVar[int]
    RISK_ALPHA_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_DURATION_FIELD_NUMBER: _ClassVar[int]
    RISK_PENALTY_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    RISK_BUCKET_FIELD_NUMBER: _ClassVar[int]
    MAX_EXPECTED_DEFECT_RATE_FIELD_NUMBER: _ClassVar[int]
    LATE_COST_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    SKIP_PREDICTION_EFFECTS_FIELD_NUMBER: _ClassVar[int]
    LOT_SIZING_FIELD_NUMBER: _ClassVar[int]
    LOT_BUCKET_FIELD_NUMBER: _ClassVar[int]
    SERVICE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    DETAILED_LOT_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    HOLDING_COST_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    SETUP_COST_FIELD_NUMBER: _ClassVar[int]
    VERIFY_FIXES_TIME_FIELD_NUMBER: _ClassVar[int]
    SKIP_LOT_LEAD_TIMES_FIELD_NUMBER: _ClassVar[int]
    BATCH_RUN_COST_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    LATE_ORDER_COST_FIELD_NUMBER: _ClassVar[int]
    plan_start: _timestamp_pb2.Timestamp
    horizon: _duration_pb2.Duration
    objective: Objective
    time_limit: _duration_pb2.Duration
    num_workers: int
    random_seed: int
    locale: str
    risk_policy: RiskPolicy
    risk_alpha: float
    maintenance_threshold: float
    maintenance_duration: _duration_pb2.Duration
    risk_penalty_weight: float
    risk_bucket: _duration_pb2.Duration
    max_expected_defect_rate: float
    late_cost_per_minute: float
    skip_prediction_effects: bool
    lot_sizing: bool
    lot_bucket: _duration_pb2.Duration
    service_level: float
    detailed_lot_buckets: int
    holding_cost_per_unit: float
    setup_cost: float
    verify_fixes_time: _duration_pb2.Duration
    skip_lot_lead_times: bool
    batch_run_cost_per_minute: float
    late_order_cost: float
    def __init__(self, plan_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., horizon: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., objective: _Optional[_Union[Objective, str]] = ..., time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., num_workers: _Optional[int] = ..., random_seed: _Optional[int] = ..., locale: _Optional[str] = ..., risk_policy: _Optional[_Union[RiskPolicy, str]] = ..., risk_alpha: _Optional[float] = ..., maintenance_threshold: _Optional[float] = ..., maintenance_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., risk_penalty_weight: _Optional[float] = ..., risk_bucket: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_expected_defect_rate: _Optional[float] = ..., late_cost_per_minute: _Optional[float] = ..., skip_prediction_effects: _Optional[bool] = ..., lot_sizing: _Optional[bool] = ..., lot_bucket: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., service_level: _Optional[float] = ..., detailed_lot_buckets: _Optional[int] = ..., holding_cost_per_unit: _Optional[float] = ..., setup_cost: _Optional[float] = ..., verify_fixes_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., skip_lot_lead_times: _Optional[bool] = ..., batch_run_cost_per_minute: _Optional[float] = ..., late_order_cost: _Optional[float] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("status", "plan_start", "horizon_end", "assignments", "kpis", "statistics", "infeasibility_reasons", "order_results", "maintenance", "late_orders", "policy_actions", "prediction_effects", "lot_plan", "bottlenecks", "predictions_used", "model_versions", "batch_loads", "resource_holds", "material_waits", "material_shortages", "material_wait_total", "die_changes")
    class ModelVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLAN_START_FIELD_NUMBER: _ClassVar[int]
    HORIZON_END_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    INFEASIBILITY_REASONS_FIELD_NUMBER: _ClassVar[int]
    ORDER_RESULTS_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_FIELD_NUMBER: _ClassVar[int]
    LATE_ORDERS_FIELD_NUMBER: _ClassVar[int]
    POLICY_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_EFFECTS_FIELD_NUMBER: _ClassVar[int]
    LOT_PLAN_FIELD_NUMBER: _ClassVar[int]
    BOTTLENECKS_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_USED_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    BATCH_LOADS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_HOLDS_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_WAITS_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_SHORTAGES_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_WAIT_TOTAL_FIELD_NUMBER: _ClassVar[int]
    DIE_CHANGES_FIELD_NUMBER: _ClassVar[int]
    status: PlanStatus
    plan_start: _timestamp_pb2.Timestamp
    horizon_end: _timestamp_pb2.Timestamp
    assignments: _containers.RepeatedCompositeFieldContainer[Assignment]
    kpis: Kpis
    statistics: SolveStatistics
    infeasibility_reasons: _containers.RepeatedScalarFieldContainer[str]
    order_results: _containers.RepeatedCompositeFieldContainer[OrderResult]
    maintenance: _containers.RepeatedCompositeFieldContainer[ScheduledMaintenance]
    late_orders: _containers.RepeatedCompositeFieldContainer[LateOrderExplanation]
    policy_actions: _containers.RepeatedCompositeFieldContainer[PolicyAction]
    prediction_effects: _containers.RepeatedCompositeFieldContainer[PredictionEffect]
    lot_plan: LotPlan
    bottlenecks: _containers.RepeatedCompositeFieldContainer[Bottleneck]
    predictions_used: _containers.RepeatedCompositeFieldContainer[PredictionUsed]
    model_versions: _containers.ScalarMap[str, str]
    batch_loads: _containers.RepeatedCompositeFieldContainer[BatchLoad]
    resource_holds: _containers.RepeatedCompositeFieldContainer[ResourceHold]
    material_waits: _containers.RepeatedCompositeFieldContainer[MaterialWait]
    material_shortages: _containers.RepeatedCompositeFieldContainer[MaterialShortage]
    material_wait_total: _duration_pb2.Duration
    die_changes: _containers.RepeatedCompositeFieldContainer[DieChange]
    def __init__(self, status: _Optional[_Union[PlanStatus, str]] = ..., plan_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., horizon_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., assignments: _Optional[_Iterable[_Union[Assignment, _Mapping]]] = ..., kpis: _Optional[_Union[Kpis, _Mapping]] = ..., statistics: _Optional[_Union[SolveStatistics, _Mapping]] = ..., infeasibility_reasons: _Optional[_Iterable[str]] = ..., order_results: _Optional[_Iterable[_Union[OrderResult, _Mapping]]] = ..., maintenance: _Optional[_Iterable[_Union[ScheduledMaintenance, _Mapping]]] = ..., late_orders: _Optional[_Iterable[_Union[LateOrderExplanation, _Mapping]]] = ..., policy_actions: _Optional[_Iterable[_Union[PolicyAction, _Mapping]]] = ..., prediction_effects: _Optional[_Iterable[_Union[PredictionEffect, _Mapping]]] = ..., lot_plan: _Optional[_Union[LotPlan, _Mapping]] = ..., bottlenecks: _Optional[_Iterable[_Union[Bottleneck, _Mapping]]] = ..., predictions_used: _Optional[_Iterable[_Union[PredictionUsed, _Mapping]]] = ..., model_versions: _Optional[_Mapping[str, str]] = ..., batch_loads: _Optional[_Iterable[_Union[BatchLoad, _Mapping]]] = ..., resource_holds: _Optional[_Iterable[_Union[ResourceHold, _Mapping]]] = ..., material_waits: _Optional[_Iterable[_Union[MaterialWait, _Mapping]]] = ..., material_shortages: _Optional[_Iterable[_Union[MaterialShortage, _Mapping]]] = ..., material_wait_total: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., die_changes: _Optional[_Iterable[_Union[DieChange, _Mapping]]] = ...) -> None: ...

class MaterialWait(_message.Message):
    __slots__ = ("order_id", "operation_id", "operation_index", "material_id", "ready", "available", "start", "quantity", "wait")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_INDEX_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_ID_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    operation_id: str
    operation_index: int
    material_id: str
    ready: _timestamp_pb2.Timestamp
    available: _timestamp_pb2.Timestamp
    start: _timestamp_pb2.Timestamp
    quantity: float
    wait: _duration_pb2.Duration
    def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., operation_index: _Optional[int] = ..., material_id: _Optional[str] = ..., ready: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., available: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., quantity: _Optional[float] = ..., wait: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class MaterialShortage(_message.Message):
    __slots__ = ("material_id", "needed", "available", "shortfall", "latest_arrival")
    MATERIAL_ID_FIELD_NUMBER: _ClassVar[int]
    NEEDED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    SHORTFALL_FIELD_NUMBER: _ClassVar[int]
    LATEST_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    material_id: str
    needed: float
    available: float
    shortfall: float
    latest_arrival: _timestamp_pb2.Timestamp
    def __init__(self, material_id: _Optional[str] = ..., needed: _Optional[float] = ..., available: _Optional[float] = ..., shortfall: _Optional[float] = ..., latest_arrival: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResourceHold(_message.Message):
    __slots__ = ("resource_id", "order_id", "operation_id", "start", "end", "quantity", "setup_only")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SETUP_ONLY_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    order_id: str
    operation_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    quantity: int
    setup_only: bool
    def __init__(self, resource_id: _Optional[str] = ..., order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., quantity: _Optional[int] = ..., setup_only: _Optional[bool] = ...) -> None: ...

class BatchLoad(_message.Message):
    __slots__ = ("machine_id", "recipe", "start", "end", "order_ids", "load", "capacity", "fill", "changeover_from_recipe", "changeover_time", "changeover_cost")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPE_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    FILL_FIELD_NUMBER: _ClassVar[int]
    CHANGEOVER_FROM_RECIPE_FIELD_NUMBER: _ClassVar[int]
    CHANGEOVER_TIME_FIELD_NUMBER: _ClassVar[int]
    CHANGEOVER_COST_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    recipe: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    order_ids: _containers.RepeatedScalarFieldContainer[str]
    load: float
    capacity: float
    fill: float
    changeover_from_recipe: str
    changeover_time: _duration_pb2.Duration
    changeover_cost: float
    def __init__(self, machine_id: _Optional[str] = ..., recipe: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_ids: _Optional[_Iterable[str]] = ..., load: _Optional[float] = ..., capacity: _Optional[float] = ..., fill: _Optional[float] = ..., changeover_from_recipe: _Optional[str] = ..., changeover_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., changeover_cost: _Optional[float] = ...) -> None: ...

class DieChange(_message.Message):
    __slots__ = ("machine_id", "die_id", "start", "end", "order_id", "operation_id", "replaced_die_id")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    DIE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    REPLACED_DIE_ID_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    die_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    order_id: str
    operation_id: str
    replaced_die_id: str
    def __init__(self, machine_id: _Optional[str] = ..., die_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., replaced_die_id: _Optional[str] = ...) -> None: ...

class PredictionUsed(_message.Message):
    __slots__ = ("kind", "machine_id", "product_id", "value", "source", "became")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    BECAME_FIELD_NUMBER: _ClassVar[int]
    kind: str
    machine_id: str
    product_id: str
    value: str
    source: str
    became: str
    def __init__(self, kind: _Optional[str] = ..., machine_id: _Optional[str] = ..., product_id: _Optional[str] = ..., value: _Optional[str] = ..., source: _Optional[str] = ..., became: _Optional[str] = ...) -> None: ...

class LotPlan(_message.Message):
    __slots__ = ("status", "bucket", "buckets", "objective", "best_bound", "gap", "build_time", "solve_time", "products", "lots", "realisation_problems", "reasons")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    BEST_BOUND_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    BUILD_TIME_FIELD_NUMBER: _ClassVar[int]
    SOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    REALISATION_PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    status: PlanStatus
    bucket: _duration_pb2.Duration
    buckets: int
    objective: float
    best_bound: float
    gap: float
    build_time: _duration_pb2.Duration
    solve_time: _duration_pb2.Duration
    products: _containers.RepeatedCompositeFieldContainer[ProductLots]
    lots: _containers.RepeatedCompositeFieldContainer[Order]
    realisation_problems: _containers.RepeatedScalarFieldContainer[str]
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, status: _Optional[_Union[PlanStatus, str]] = ..., bucket: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., buckets: _Optional[int] = ..., objective: _Optional[float] = ..., best_bound: _Optional[float] = ..., gap: _Optional[float] = ..., build_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., solve_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., products: _Optional[_Iterable[_Union[ProductLots, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., realisation_problems: _Optional[_Iterable[str]] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class ProductLots(_message.Message):
    __slots__ = ("product_id", "production", "inventory", "backlog")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCTION_FIELD_NUMBER: _ClassVar[int]
    INVENTORY_FIELD_NUMBER: _ClassVar[int]
    BACKLOG_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    production: _containers.RepeatedScalarFieldContainer[float]
    inventory: _containers.RepeatedScalarFieldContainer[float]
    backlog: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, product_id: _Optional[str] = ..., production: _Optional[_Iterable[float]] = ..., inventory: _Optional[_Iterable[float]] = ..., backlog: _Optional[_Iterable[float]] = ...) -> None: ...

class Bottleneck(_message.Message):
    __slots__ = ("work_center", "bucket", "bucket_start", "saves_per_hour", "utilization", "sentence", "extra_hour")
    WORK_CENTER_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    BUCKET_START_FIELD_NUMBER: _ClassVar[int]
    SAVES_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    SENTENCE_FIELD_NUMBER: _ClassVar[int]
    EXTRA_HOUR_FIELD_NUMBER: _ClassVar[int]
    work_center: str
    bucket: int
    bucket_start: _timestamp_pb2.Timestamp
    saves_per_hour: float
    utilization: float
    sentence: str
    extra_hour: ScenarioDelta
    def __init__(self, work_center: _Optional[str] = ..., bucket: _Optional[int] = ..., bucket_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., saves_per_hour: _Optional[float] = ..., utilization: _Optional[float] = ..., sentence: _Optional[str] = ..., extra_hour: _Optional[_Union[ScenarioDelta, _Mapping]] = ...) -> None: ...

class ScheduledMaintenance(_message.Message):
    __slots__ = ("machine_id", "start", "end", "latest_start", "reason")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    LATEST_START_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    latest_start: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, machine_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., latest_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class LateOrderExplanation(_message.Message):
    __slots__ = ("order_id", "lateness", "reason_code", "reason", "machine_id", "orders_ahead", "fix", "fix_saves", "fixes", "fixes_dropped")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LATENESS_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDERS_AHEAD_FIELD_NUMBER: _ClassVar[int]
    FIX_FIELD_NUMBER: _ClassVar[int]
    FIX_SAVES_FIELD_NUMBER: _ClassVar[int]
    FIXES_FIELD_NUMBER: _ClassVar[int]
    FIXES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    lateness: _duration_pb2.Duration
    reason_code: str
    reason: str
    machine_id: str
    orders_ahead: _containers.RepeatedScalarFieldContainer[str]
    fix: str
    fix_saves: _duration_pb2.Duration
    fixes: _containers.RepeatedCompositeFieldContainer[Fix]
    fixes_dropped: int
    def __init__(self, order_id: _Optional[str] = ..., lateness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., reason_code: _Optional[str] = ..., reason: _Optional[str] = ..., machine_id: _Optional[str] = ..., orders_ahead: _Optional[_Iterable[str]] = ..., fix: _Optional[str] = ..., fix_saves: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., fixes: _Optional[_Iterable[_Union[Fix, _Mapping]]] = ..., fixes_dropped: _Optional[int] = ...) -> None: ...

class Fix(_message.Message):
    __slots__ = ("kind", "text", "changes", "extra_working_time", "moved", "order_lateness_before", "order_lateness_after", "weighted_lateness_before", "weighted_lateness_after", "lateness_pushed", "verified", "whole_plan_verified")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    EXTRA_WORKING_TIME_FIELD_NUMBER: _ClassVar[int]
    MOVED_FIELD_NUMBER: _ClassVar[int]
    ORDER_LATENESS_BEFORE_FIELD_NUMBER: _ClassVar[int]
    ORDER_LATENESS_AFTER_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_LATENESS_BEFORE_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_LATENESS_AFTER_FIELD_NUMBER: _ClassVar[int]
    LATENESS_PUSHED_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    WHOLE_PLAN_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    text: str
    changes: _containers.RepeatedCompositeFieldContainer[ScenarioDelta]
    extra_working_time: _duration_pb2.Duration
    moved: _duration_pb2.Duration
    order_lateness_before: _duration_pb2.Duration
    order_lateness_after: _duration_pb2.Duration
    weighted_lateness_before: float
    weighted_lateness_after: float
    lateness_pushed: float
    verified: bool
    whole_plan_verified: bool
    def __init__(self, kind: _Optional[str] = ..., text: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[ScenarioDelta, _Mapping]]] = ..., extra_working_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., moved: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., order_lateness_before: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., order_lateness_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., weighted_lateness_before: _Optional[float] = ..., weighted_lateness_after: _Optional[float] = ..., lateness_pushed: _Optional[float] = ..., verified: _Optional[bool] = ..., whole_plan_verified: _Optional[bool] = ...) -> None: ...

class PolicyAction(_message.Message):
    __slots__ = ("policy", "machine_id", "product_id", "detail")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    policy: str
    machine_id: str
    product_id: str
    detail: str
    def __init__(self, policy: _Optional[str] = ..., machine_id: _Optional[str] = ..., product_id: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class PredictionEffect(_message.Message):
    __slots__ = ("ignored", "kpis_with", "kpis_without", "summary", "moved_operations")
    IGNORED_FIELD_NUMBER: _ClassVar[int]
    KPIS_WITH_FIELD_NUMBER: _ClassVar[int]
    KPIS_WITHOUT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    MOVED_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    ignored: str
    kpis_with: Kpis
    kpis_without: Kpis
    summary: str
    moved_operations: int
    def __init__(self, ignored: _Optional[str] = ..., kpis_with: _Optional[_Union[Kpis, _Mapping]] = ..., kpis_without: _Optional[_Union[Kpis, _Mapping]] = ..., summary: _Optional[str] = ..., moved_operations: _Optional[int] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("order_id", "product_id", "operation_id", "operation_index", "machine_id", "start", "end", "quantity", "setup_time", "processed_quantity", "expected_scrap", "mode_id", "people", "sublot_index", "sublot_count")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_INDEX_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SETUP_TIME_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_SCRAP_FIELD_NUMBER: _ClassVar[int]
    MODE_ID_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    SUBLOT_INDEX_FIELD_NUMBER: _ClassVar[int]
    SUBLOT_COUNT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    product_id: str
    operation_id: str
    operation_index: int
    machine_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    quantity: int
    setup_time: _duration_pb2.Duration
    processed_quantity: int
    expected_scrap: float
    mode_id: str
    people: _containers.RepeatedCompositeFieldContainer[StaffAssignment]
    sublot_index: int
    sublot_count: int
    def __init__(self, order_id: _Optional[str] = ..., product_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., operation_index: _Optional[int] = ..., machine_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., quantity: _Optional[int] = ..., setup_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., processed_quantity: _Optional[int] = ..., expected_scrap: _Optional[float] = ..., mode_id: _Optional[str] = ..., people: _Optional[_Iterable[_Union[StaffAssignment, _Mapping]]] = ..., sublot_index: _Optional[int] = ..., sublot_count: _Optional[int] = ...) -> None: ...

class StaffAssignment(_message.Message):
    __slots__ = ("person_id", "skill")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    skill: str
    def __init__(self, person_id: _Optional[str] = ..., skill: _Optional[str] = ...) -> None: ...

class OrderResult(_message.Message):
    __slots__ = ("order_id", "completion_time", "due_time", "tardiness", "on_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    TARDINESS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    completion_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    tardiness: _duration_pb2.Duration
    on_time: bool
    def __init__(self, order_id: _Optional[str] = ..., completion_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tardiness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., on_time: _Optional[bool] = ...) -> None: ...

class Kpis(_message.Message):
    __slots__ = ("on_time_rate", "late_orders", "total_tardiness", "weighted_tardiness_minutes", "makespan", "machine_utilization", "fill_rate", "processed_units", "expected_scrap_units", "expected_defect_rate", "risk_exposure_hours", "changeover_time", "costs", "average_batch_fill", "die_changes", "die_change_time", "split_operations", "sublots", "recipe_changeover_time", "recipe_changeovers")
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    LATE_ORDERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TARDINESS_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_TARDINESS_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MAKESPAN_FIELD_NUMBER: _ClassVar[int]
    MACHINE_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    FILL_RATE_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_UNITS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_SCRAP_UNITS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DEFECT_RATE_FIELD_NUMBER: _ClassVar[int]
    RISK_EXPOSURE_HOURS_FIELD_NUMBER: _ClassVar[int]
    CHANGEOVER_TIME_FIELD_NUMBER: _ClassVar[int]
    COSTS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_BATCH_FILL_FIELD_NUMBER: _ClassVar[int]
    DIE_CHANGES_FIELD_NUMBER: _ClassVar[int]
    DIE_CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    SPLIT_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    SUBLOTS_FIELD_NUMBER: _ClassVar[int]
    RECIPE_CHANGEOVER_TIME_FIELD_NUMBER: _ClassVar[int]
    RECIPE_CHANGEOVERS_FIELD_NUMBER: _ClassVar[int]
    on_time_rate: float
    late_orders: int
    total_tardiness: _duration_pb2.Duration
    weighted_tardiness_minutes: float
    makespan: _duration_pb2.Duration
    machine_utilization: _containers.RepeatedCompositeFieldContainer[MachineUtilization]
    fill_rate: float
    processed_units: int
    expected_scrap_units: float
    expected_defect_rate: float
    risk_exposure_hours: float
    changeover_time: _duration_pb2.Duration
    costs: CostBreakdown
    average_batch_fill: float
    die_changes: int
    die_change_time: _duration_pb2.Duration
    split_operations: int
    sublots: int
    recipe_changeover_time: _duration_pb2.Duration
    recipe_changeovers: int
    def __init__(self, on_time_rate: _Optional[float] = ..., late_orders: _Optional[int] = ..., total_tardiness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., weighted_tardiness_minutes: _Optional[float] = ..., makespan: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., machine_utilization: _Optional[_Iterable[_Union[MachineUtilization, _Mapping]]] = ..., fill_rate: _Optional[float] = ..., processed_units: _Optional[int] = ..., expected_scrap_units: _Optional[float] = ..., expected_defect_rate: _Optional[float] = ..., risk_exposure_hours: _Optional[float] = ..., changeover_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., costs: _Optional[_Union[CostBreakdown, _Mapping]] = ..., average_batch_fill: _Optional[float] = ..., die_changes: _Optional[int] = ..., die_change_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., split_operations: _Optional[int] = ..., sublots: _Optional[int] = ..., recipe_changeover_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., recipe_changeovers: _Optional[int] = ...) -> None: ...

class CostBreakdown(_message.Message):
    __slots__ = ("lateness", "scrap", "risk_penalty", "total")
    LATENESS_FIELD_NUMBER: _ClassVar[int]
    SCRAP_FIELD_NUMBER: _ClassVar[int]
    RISK_PENALTY_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    lateness: float
    scrap: float
    risk_penalty: float
    total: float
    def __init__(self, lateness: _Optional[float] = ..., scrap: _Optional[float] = ..., risk_penalty: _Optional[float] = ..., total: _Optional[float] = ...) -> None: ...

class MachineUtilization(_message.Message):
    __slots__ = ("machine_id", "utilization", "busy_time", "available_time", "operations")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    BUSY_TIME_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    utilization: float
    busy_time: _duration_pb2.Duration
    available_time: _duration_pb2.Duration
    operations: int
    def __init__(self, machine_id: _Optional[str] = ..., utilization: _Optional[float] = ..., busy_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., available_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., operations: _Optional[int] = ...) -> None: ...

class SolveStatistics(_message.Message):
    __slots__ = ("solver", "solver_version", "objective", "best_bound", "gap", "wall_time", "time_limit", "num_workers", "random_seed", "operations", "alternatives", "notes", "phases")
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    SOLVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    BEST_BOUND_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    WALL_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    NUM_WORKERS_FIELD_NUMBER: _ClassVar[int]
    RANDOM_SEED_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVES_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    solver: str
    solver_version: str
    objective: float
    best_bound: float
    gap: float
    wall_time: _duration_pb2.Duration
    time_limit: _duration_pb2.Duration
    num_workers: int
    random_seed: int
    operations: int
    alternatives: int
    notes: str
    phases: _containers.RepeatedCompositeFieldContainer[PhaseTime]
    def __init__(self, solver: _Optional[str] = ..., solver_version: _Optional[str] = ..., objective: _Optional[float] = ..., best_bound: _Optional[float] = ..., gap: _Optional[float] = ..., wall_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., num_workers: _Optional[int] = ..., random_seed: _Optional[int] = ..., operations: _Optional[int] = ..., alternatives: _Optional[int] = ..., notes: _Optional[str] = ..., phases: _Optional[_Iterable[_Union[PhaseTime, _Mapping]]] = ...) -> None: ...

class PhaseTime(_message.Message):
    __slots__ = ("name", "duration", "start")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    name: str
    duration: _duration_pb2.Duration
    start: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StreamPlanResponse(_message.Message):
    __slots__ = ("progress", "result")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    progress: SolveProgress
    result: CreatePlanResponse
    def __init__(self, progress: _Optional[_Union[SolveProgress, _Mapping]] = ..., result: _Optional[_Union[CreatePlanResponse, _Mapping]] = ...) -> None: ...

class SolveProgress(_message.Message):
    __slots__ = ("objective", "best_bound", "gap", "elapsed")
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    BEST_BOUND_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    objective: float
    best_bound: float
    gap: float
    elapsed: _duration_pb2.Duration
    def __init__(self, objective: _Optional[float] = ..., best_bound: _Optional[float] = ..., gap: _Optional[float] = ..., elapsed: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class DeletePlanRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class DeletePlanResponse(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class GetPlanResponse(_message.Message):
    __slots__ = ("plan_id", "kind", "create_time", "request", "plan", "parent_plan_id", "comparison")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PARENT_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    kind: str
    create_time: _timestamp_pb2.Timestamp
    request: CreatePlanRequest
    plan: Plan
    parent_plan_id: str
    comparison: CompareScenariosResponse
    def __init__(self, plan_id: _Optional[str] = ..., kind: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request: _Optional[_Union[CreatePlanRequest, _Mapping]] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ..., parent_plan_id: _Optional[str] = ..., comparison: _Optional[_Union[CompareScenariosResponse, _Mapping]] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "kind", "status", "created_after", "created_before")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    kind: str
    status: str
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., created_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans", "next_page_token")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[PlanSummary]
    next_page_token: str
    def __init__(self, plans: _Optional[_Iterable[_Union[PlanSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PlanSummary(_message.Message):
    __slots__ = ("plan_id", "kind", "status", "create_time", "request_id", "parent_plan_id", "orders", "on_time_rate", "objective")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    kind: str
    status: str
    create_time: _timestamp_pb2.Timestamp
    request_id: str
    parent_plan_id: str
    orders: int
    on_time_rate: float
    objective: float
    def __init__(self, plan_id: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ..., parent_plan_id: _Optional[str] = ..., orders: _Optional[int] = ..., on_time_rate: _Optional[float] = ..., objective: _Optional[float] = ...) -> None: ...

class ReplanRequest(_message.Message):
    __slots__ = ("plan_id", "disruptions", "replan_time", "frozen_window", "move_cost", "machine_change_cost", "time_limit", "request_id")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    DISRUPTIONS_FIELD_NUMBER: _ClassVar[int]
    REPLAN_TIME_FIELD_NUMBER: _ClassVar[int]
    FROZEN_WINDOW_FIELD_NUMBER: _ClassVar[int]
    MOVE_COST_FIELD_NUMBER: _ClassVar[int]
    MACHINE_CHANGE_COST_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    disruptions: _containers.RepeatedCompositeFieldContainer[Disruption]
    replan_time: _timestamp_pb2.Timestamp
    frozen_window: _duration_pb2.Duration
    move_cost: float
    machine_change_cost: float
    time_limit: _duration_pb2.Duration
    request_id: str
    def __init__(self, plan_id: _Optional[str] = ..., disruptions: _Optional[_Iterable[_Union[Disruption, _Mapping]]] = ..., replan_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., frozen_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., move_cost: _Optional[float] = ..., machine_change_cost: _Optional[float] = ..., time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class Disruption(_message.Message):
    __slots__ = ("machine_breakdown", "rush_order", "scrapped_lot", "due_date_change")
    MACHINE_BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    RUSH_ORDER_FIELD_NUMBER: _ClassVar[int]
    SCRAPPED_LOT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    machine_breakdown: MachineBreakdown
    rush_order: Order
    scrapped_lot: ScrappedLot
    due_date_change: DueDateChange
    def __init__(self, machine_breakdown: _Optional[_Union[MachineBreakdown, _Mapping]] = ..., rush_order: _Optional[_Union[Order, _Mapping]] = ..., scrapped_lot: _Optional[_Union[ScrappedLot, _Mapping]] = ..., due_date_change: _Optional[_Union[DueDateChange, _Mapping]] = ...) -> None: ...

class MachineBreakdown(_message.Message):
    __slots__ = ("machine_id", "start", "expected_repair_end")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REPAIR_END_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    start: _timestamp_pb2.Timestamp
    expected_repair_end: _timestamp_pb2.Timestamp
    def __init__(self, machine_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expected_repair_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ScrappedLot(_message.Message):
    __slots__ = ("order_id", "scrapped_quantity")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SCRAPPED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    scrapped_quantity: int
    def __init__(self, order_id: _Optional[str] = ..., scrapped_quantity: _Optional[int] = ...) -> None: ...

class DueDateChange(_message.Message):
    __slots__ = ("order_id", "new_due_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    new_due_time: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., new_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReplanResponse(_message.Message):
    __slots__ = ("plan_id", "parent_plan_id", "plan", "changes", "unchanged_operations", "summary", "maintenance_changes")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_CHANGES_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    parent_plan_id: str
    plan: Plan
    changes: _containers.RepeatedCompositeFieldContainer[PlanChange]
    unchanged_operations: int
    summary: str
    maintenance_changes: _containers.RepeatedCompositeFieldContainer[MaintenanceChange]
    def __init__(self, plan_id: _Optional[str] = ..., parent_plan_id: _Optional[str] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[PlanChange, _Mapping]]] = ..., unchanged_operations: _Optional[int] = ..., summary: _Optional[str] = ..., maintenance_changes: _Optional[_Iterable[_Union[MaintenanceChange, _Mapping]]] = ...) -> None: ...

class MaintenanceChange(_message.Message):
    __slots__ = ("machine_id", "change", "old_start", "new_start", "reason")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    OLD_START_FIELD_NUMBER: _ClassVar[int]
    NEW_START_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    change: str
    old_start: _timestamp_pb2.Timestamp
    new_start: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, machine_id: _Optional[str] = ..., change: _Optional[str] = ..., old_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., new_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class PlanChange(_message.Message):
    __slots__ = ("order_id", "operation_id", "operation_index", "change", "old_machine_id", "new_machine_id", "old_start", "new_start", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_INDEX_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    OLD_MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    OLD_START_FIELD_NUMBER: _ClassVar[int]
    NEW_START_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    operation_id: str
    operation_index: int
    change: str
    old_machine_id: str
    new_machine_id: str
    old_start: _timestamp_pb2.Timestamp
    new_start: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., operation_index: _Optional[int] = ..., change: _Optional[str] = ..., old_machine_id: _Optional[str] = ..., new_machine_id: _Optional[str] = ..., old_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., new_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CompareScenariosRequest(_message.Message):
    __slots__ = ("request_id", "base", "scenarios")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    base: CreatePlanRequest
    scenarios: _containers.RepeatedCompositeFieldContainer[Scenario]
    def __init__(self, request_id: _Optional[str] = ..., base: _Optional[_Union[CreatePlanRequest, _Mapping]] = ..., scenarios: _Optional[_Iterable[_Union[Scenario, _Mapping]]] = ...) -> None: ...

class Scenario(_message.Message):
    __slots__ = ("name", "description", "deltas")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DELTAS_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    deltas: _containers.RepeatedCompositeFieldContainer[ScenarioDelta]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., deltas: _Optional[_Iterable[_Union[ScenarioDelta, _Mapping]]] = ...) -> None: ...

class ScenarioDelta(_message.Message):
    __slots__ = ("add_order", "cancel_order_id", "change_quantity", "change_due_date", "machine_down", "extra_working_time", "demand_scale", "risk_policy", "yield_override", "change_release", "change_weight", "move_maintenance", "assign_machine", "run_before", "split_lot", "extra_resource_capacity")
    ADD_ORDER_FIELD_NUMBER: _ClassVar[int]
    CANCEL_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    CHANGE_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    MACHINE_DOWN_FIELD_NUMBER: _ClassVar[int]
    EXTRA_WORKING_TIME_FIELD_NUMBER: _ClassVar[int]
    DEMAND_SCALE_FIELD_NUMBER: _ClassVar[int]
    RISK_POLICY_FIELD_NUMBER: _ClassVar[int]
    YIELD_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_RELEASE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    MOVE_MAINTENANCE_FIELD_NUMBER: _ClassVar[int]
    ASSIGN_MACHINE_FIELD_NUMBER: _ClassVar[int]
    RUN_BEFORE_FIELD_NUMBER: _ClassVar[int]
    SPLIT_LOT_FIELD_NUMBER: _ClassVar[int]
    EXTRA_RESOURCE_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    add_order: Order
    cancel_order_id: str
    change_quantity: QuantityChange
    change_due_date: DueDateChange
    machine_down: MachineDown
    extra_working_time: ExtraWorkingTime
    demand_scale: DemandScale
    risk_policy: RiskPolicy
    yield_override: YieldEstimate
    change_release: ReleaseChange
    change_weight: WeightChange
    move_maintenance: MaintenanceMove
    assign_machine: MachineAssignment
    run_before: SequenceRule
    split_lot: SplitLot
    extra_resource_capacity: ResourceCapacityChange
    def __init__(self, add_order: _Optional[_Union[Order, _Mapping]] = ..., cancel_order_id: _Optional[str] = ..., change_quantity: _Optional[_Union[QuantityChange, _Mapping]] = ..., change_due_date: _Optional[_Union[DueDateChange, _Mapping]] = ..., machine_down: _Optional[_Union[MachineDown, _Mapping]] = ..., extra_working_time: _Optional[_Union[ExtraWorkingTime, _Mapping]] = ..., demand_scale: _Optional[_Union[DemandScale, _Mapping]] = ..., risk_policy: _Optional[_Union[RiskPolicy, str]] = ..., yield_override: _Optional[_Union[YieldEstimate, _Mapping]] = ..., change_release: _Optional[_Union[ReleaseChange, _Mapping]] = ..., change_weight: _Optional[_Union[WeightChange, _Mapping]] = ..., move_maintenance: _Optional[_Union[MaintenanceMove, _Mapping]] = ..., assign_machine: _Optional[_Union[MachineAssignment, _Mapping]] = ..., run_before: _Optional[_Union[SequenceRule, _Mapping]] = ..., split_lot: _Optional[_Union[SplitLot, _Mapping]] = ..., extra_resource_capacity: _Optional[_Union[ResourceCapacityChange, _Mapping]] = ...) -> None: ...

class ResourceCapacityChange(_message.Message):
    __slots__ = ("resource_id", "window", "extra_units")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    EXTRA_UNITS_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    window: TimeWindow
    extra_units: int
    def __init__(self, resource_id: _Optional[str] = ..., window: _Optional[_Union[TimeWindow, _Mapping]] = ..., extra_units: _Optional[int] = ...) -> None: ...

class SplitLot(_message.Message):
    __slots__ = ("order_id", "operation_id", "max_sublots", "min_sublot_units")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SUBLOTS_FIELD_NUMBER: _ClassVar[int]
    MIN_SUBLOT_UNITS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    operation_id: str
    max_sublots: int
    min_sublot_units: int
    def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., max_sublots: _Optional[int] = ..., min_sublot_units: _Optional[int] = ...) -> None: ...

class MachineAssignment(_message.Message):
    __slots__ = ("order_id", "operation_id", "machine_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    operation_id: str
    machine_id: str
    def __init__(self, order_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., machine_id: _Optional[str] = ...) -> None: ...

class ReleaseChange(_message.Message):
    __slots__ = ("order_id", "new_release_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_RELEASE_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    new_release_time: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., new_release_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WeightChange(_message.Message):
    __slots__ = ("order_id", "weight")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    weight: float
    def __init__(self, order_id: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class MaintenanceMove(_message.Message):
    __slots__ = ("machine_id", "window_start", "new_start")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    NEW_START_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    window_start: _timestamp_pb2.Timestamp
    new_start: _timestamp_pb2.Timestamp
    def __init__(self, machine_id: _Optional[str] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., new_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QuantityChange(_message.Message):
    __slots__ = ("order_id", "quantity")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    quantity: int
    def __init__(self, order_id: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class MachineDown(_message.Message):
    __slots__ = ("machine_id", "window")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    window: TimeWindow
    def __init__(self, machine_id: _Optional[str] = ..., window: _Optional[_Union[TimeWindow, _Mapping]] = ...) -> None: ...

class ExtraWorkingTime(_message.Message):
    __slots__ = ("machine_id", "window")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    window: TimeWindow
    def __init__(self, machine_id: _Optional[str] = ..., window: _Optional[_Union[TimeWindow, _Mapping]] = ...) -> None: ...

class DemandScale(_message.Message):
    __slots__ = ("product_id", "factor")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    factor: float
    def __init__(self, product_id: _Optional[str] = ..., factor: _Optional[float] = ...) -> None: ...

class CompareScenariosResponse(_message.Message):
    __slots__ = ("comparison_id", "results")
    COMPARISON_ID_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    comparison_id: str
    results: _containers.RepeatedCompositeFieldContainer[ScenarioResult]
    def __init__(self, comparison_id: _Optional[str] = ..., results: _Optional[_Iterable[_Union[ScenarioResult, _Mapping]]] = ...) -> None: ...

class ScenarioResult(_message.Message):
    __slots__ = ("name", "status", "kpis", "bottleneck_machine_id", "bottleneck_utilization", "orders_became_late", "orders_became_on_time", "load_changes", "plan", "infeasibility_reasons", "lot_changes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    BOTTLENECK_MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    BOTTLENECK_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    ORDERS_BECAME_LATE_FIELD_NUMBER: _ClassVar[int]
    ORDERS_BECAME_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    LOAD_CHANGES_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    INFEASIBILITY_REASONS_FIELD_NUMBER: _ClassVar[int]
    LOT_CHANGES_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: PlanStatus
    kpis: Kpis
    bottleneck_machine_id: str
    bottleneck_utilization: float
    orders_became_late: _containers.RepeatedScalarFieldContainer[str]
    orders_became_on_time: _containers.RepeatedScalarFieldContainer[str]
    load_changes: _containers.RepeatedCompositeFieldContainer[MachineLoadChange]
    plan: Plan
    infeasibility_reasons: _containers.RepeatedScalarFieldContainer[str]
    lot_changes: _containers.RepeatedCompositeFieldContainer[LotChange]
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[PlanStatus, str]] = ..., kpis: _Optional[_Union[Kpis, _Mapping]] = ..., bottleneck_machine_id: _Optional[str] = ..., bottleneck_utilization: _Optional[float] = ..., orders_became_late: _Optional[_Iterable[str]] = ..., orders_became_on_time: _Optional[_Iterable[str]] = ..., load_changes: _Optional[_Iterable[_Union[MachineLoadChange, _Mapping]]] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ..., infeasibility_reasons: _Optional[_Iterable[str]] = ..., lot_changes: _Optional[_Iterable[_Union[LotChange, _Mapping]]] = ...) -> None: ...

class LotChange(_message.Message):
    __slots__ = ("product_id", "bucket", "production_change")
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    PRODUCTION_CHANGE_FIELD_NUMBER: _ClassVar[int]
    product_id: str
    bucket: int
    production_change: float
    def __init__(self, product_id: _Optional[str] = ..., bucket: _Optional[int] = ..., production_change: _Optional[float] = ...) -> None: ...

class MachineLoadChange(_message.Message):
    __slots__ = ("machine_id", "busy_time_change")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSY_TIME_CHANGE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    busy_time_change: _duration_pb2.Duration
    def __init__(self, machine_id: _Optional[str] = ..., busy_time_change: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
