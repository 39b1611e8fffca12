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

class Objective(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBJECTIVE_UNSPECIFIED: _ClassVar[Objective]
    OBJECTIVE_WEIGHTED_TARDINESS: _ClassVar[Objective]
    OBJECTIVE_MAKESPAN: _ClassVar[Objective]

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
OBJECTIVE_UNSPECIFIED: Objective
OBJECTIVE_WEIGHTED_TARDINESS: Objective
OBJECTIVE_MAKESPAN: Objective
PLAN_STATUS_UNSPECIFIED: PlanStatus
PLAN_STATUS_OPTIMAL: PlanStatus
PLAN_STATUS_FEASIBLE: PlanStatus
PLAN_STATUS_INFEASIBLE: PlanStatus
PLAN_STATUS_NO_SOLUTION_IN_TIME: PlanStatus
PLAN_STATUS_ERROR: PlanStatus

class CreatePlanRequest(_message.Message):
    __slots__ = ("request_id", "factory", "orders", "options")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    factory: Factory
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    options: PlanOptions
    def __init__(self, request_id: _Optional[str] = ..., factory: _Optional[_Union[Factory, _Mapping]] = ..., orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., options: _Optional[_Union[PlanOptions, _Mapping]] = ...) -> None: ...

class CreatePlanResponse(_message.Message):
    __slots__ = ("plan_id", "plan")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    plan: Plan
    def __init__(self, plan_id: _Optional[str] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class Factory(_message.Message):
    __slots__ = ("name", "utc_offset", "calendars", "machines", "products")
    NAME_FIELD_NUMBER: _ClassVar[int]
    UTC_OFFSET_FIELD_NUMBER: _ClassVar[int]
    CALENDARS_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    utc_offset: _duration_pb2.Duration
    calendars: _containers.RepeatedCompositeFieldContainer[ShiftCalendar]
    machines: _containers.RepeatedCompositeFieldContainer[Machine]
    products: _containers.RepeatedCompositeFieldContainer[Product]
    def __init__(self, name: _Optional[str] = ..., utc_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., calendars: _Optional[_Iterable[_Union[ShiftCalendar, _Mapping]]] = ..., machines: _Optional[_Iterable[_Union[Machine, _Mapping]]] = ..., products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("id", "name", "work_center", "calendar_id", "maintenance_windows")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORK_CENTER_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_ID_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    work_center: str
    calendar_id: str
    maintenance_windows: _containers.RepeatedCompositeFieldContainer[TimeWindow]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., work_center: _Optional[str] = ..., calendar_id: _Optional[str] = ..., maintenance_windows: _Optional[_Iterable[_Union[TimeWindow, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("id", "name", "family", "routing")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    family: str
    routing: _containers.RepeatedCompositeFieldContainer[Operation]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., family: _Optional[str] = ..., routing: _Optional[_Iterable[_Union[Operation, _Mapping]]] = ...) -> None: ...

class Operation(_message.Message):
    __slots__ = ("id", "name", "eligible_machines", "setup_time", "run_time_per_unit")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_MACHINES_FIELD_NUMBER: _ClassVar[int]
    SETUP_TIME_FIELD_NUMBER: _ClassVar[int]
    RUN_TIME_PER_UNIT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    eligible_machines: _containers.RepeatedCompositeFieldContainer[EligibleMachine]
    setup_time: _duration_pb2.Duration
    run_time_per_unit: _duration_pb2.Duration
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., eligible_machines: _Optional[_Iterable[_Union[EligibleMachine, _Mapping]]] = ..., setup_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., run_time_per_unit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("id", "product_id", "quantity", "release_time", "due_time", "weight", "customer")
    ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    RELEASE_TIME_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    id: str
    product_id: str
    quantity: int
    release_time: _timestamp_pb2.Timestamp
    due_time: _timestamp_pb2.Timestamp
    weight: float
    customer: str
    def __init__(self, id: _Optional[str] = ..., product_id: _Optional[str] = ..., quantity: _Optional[int] = ..., release_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., weight: _Optional[float] = ..., customer: _Optional[str] = ...) -> None: ...

class PlanOptions(_message.Message):
    __slots__ = ("plan_start", "horizon", "objective", "time_limit", "num_workers", "random_seed", "locale")
    PLAN_START_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    NUM_WORKERS_FIELD_NUMBER: _ClassVar[int]
    RANDOM_SEED_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    plan_start: _timestamp_pb2.Timestamp
    horizon: _duration_pb2.Duration
    objective: Objective
    time_limit: _duration_pb2.Duration
    num_workers: int
    random_seed: int
    locale: str
    def __init__(self, plan_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., horizon: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., objective: _Optional[_Union[Objective, str]] = ..., time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., num_workers: _Optional[int] = ..., random_seed: _Optional[int] = ..., locale: _Optional[str] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("status", "plan_start", "horizon_end", "assignments", "kpis", "statistics", "infeasibility_reasons", "order_results")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLAN_START_FIELD_NUMBER: _ClassVar[int]
    HORIZON_END_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    INFEASIBILITY_REASONS_FIELD_NUMBER: _ClassVar[int]
    ORDER_RESULTS_FIELD_NUMBER: _ClassVar[int]
    status: PlanStatus
    plan_start: _timestamp_pb2.Timestamp
    horizon_end: _timestamp_pb2.Timestamp
    assignments: _containers.RepeatedCompositeFieldContainer[Assignment]
    kpis: Kpis
    statistics: SolveStatistics
    infeasibility_reasons: _containers.RepeatedScalarFieldContainer[str]
    order_results: _containers.RepeatedCompositeFieldContainer[OrderResult]
    def __init__(self, status: _Optional[_Union[PlanStatus, str]] = ..., plan_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., horizon_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., assignments: _Optional[_Iterable[_Union[Assignment, _Mapping]]] = ..., kpis: _Optional[_Union[Kpis, _Mapping]] = ..., statistics: _Optional[_Union[SolveStatistics, _Mapping]] = ..., infeasibility_reasons: _Optional[_Iterable[str]] = ..., order_results: _Optional[_Iterable[_Union[OrderResult, _Mapping]]] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("order_id", "product_id", "operation_id", "operation_index", "machine_id", "start", "end", "quantity", "setup_time")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_INDEX_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SETUP_TIME_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    product_id: str
    operation_id: str
    operation_index: int
    machine_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    quantity: int
    setup_time: _duration_pb2.Duration
    def __init__(self, order_id: _Optional[str] = ..., product_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., operation_index: _Optional[int] = ..., machine_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., quantity: _Optional[int] = ..., setup_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("on_time_rate", "late_orders", "total_tardiness", "weighted_tardiness_minutes", "makespan", "machine_utilization")
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    LATE_ORDERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TARDINESS_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_TARDINESS_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MAKESPAN_FIELD_NUMBER: _ClassVar[int]
    MACHINE_UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    on_time_rate: float
    late_orders: int
    total_tardiness: _duration_pb2.Duration
    weighted_tardiness_minutes: float
    makespan: _duration_pb2.Duration
    machine_utilization: _containers.RepeatedCompositeFieldContainer[MachineUtilization]
    def __init__(self, on_time_rate: _Optional[float] = ..., late_orders: _Optional[int] = ..., total_tardiness: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., weighted_tardiness_minutes: _Optional[float] = ..., makespan: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., machine_utilization: _Optional[_Iterable[_Union[MachineUtilization, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("solver", "solver_version", "objective", "best_bound", "gap", "wall_time", "time_limit", "num_workers", "random_seed", "operations", "alternatives", "notes")
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
    def __init__(self, solver: _Optional[str] = ..., solver_version: _Optional[str] = ..., objective: _Optional[float] = ..., best_bound: _Optional[float] = ..., gap: _Optional[float] = ..., wall_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., num_workers: _Optional[int] = ..., random_seed: _Optional[int] = ..., operations: _Optional[int] = ..., alternatives: _Optional[int] = ..., notes: _Optional[str] = ...) -> None: ...
