"""The load users and their traffic mix.

Three kinds of client, as they would hit a plant's deployment:

- `HealthCheckUser` (always exactly one): `grpc.health.v1.Health/Check` at a steady rate, the
  transport floor every other figure is read against.
- MES polling users: `ForecastDemand` and `AssessEquipmentRisk`, each user at a fixed rate
  (`mes_rate` calls per second), the bulk of the calls.
- Planner users: `CreatePlan` on small and medium requests and an occasional `CompareScenarios`,
  with a think time between calls (zero: back-to-back callers, the worst case).

`user_classes` builds the classes for one run from a `TrafficConfig` (weights per task, rates, think
time), so profiles and command-line flags change the mix without code.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import gevent
from grpc_health.v1 import health_pb2, health_pb2_grpc
from locust import User, between, constant_throughput
from locust.env import Environment

from loadtests.grpc_user import GrpcUser
from loadtests.payloads import Payloads
from prodplan.v1 import forecast_service_pb2_grpc, planning_service_pb2_grpc

BASELINE = "grpc.health.v1.Health/Check"
MES_TASKS = ("ForecastDemand", "AssessEquipmentRisk")
PLANNER_TASKS = ("CreatePlanSmall", "CreatePlanMedium", "CompareScenarios")


@dataclass
class TrafficConfig:
    """The mix of one run.

    Args:
        weights: relative weight of each task (MES_TASKS within an MES user, PLANNER_TASKS within a planner);
            0 leaves a task out.
        mes_weight / planner_weight: how the users beyond the baseline user split between MES and planner
            users (Locust user-class weights); 0 leaves that kind out.
        mes_rate: calls per second of one MES user (Locust `constant_throughput`).
        planner_wait_s: (min, max) think time of a planner between calls, seconds.
        baseline_rate: health checks per second of the baseline user.
        plan_timeout_s / forecast_timeout_s: RPC deadlines the clients set.
        honor_retry_hint: after a RESOURCE_EXHAUSTED answer a user waits the RetryInfo delay the server
            sent before its next call, as a well-behaved ERP/MES client does; False makes refused users
            retry at once (a refusal flood: the adversarial case).
        random_poll_phase: each MES user first waits a random part of its polling period (seeded, so runs
            repeat), as independent pollers fall at unrelated points of the period. False: each polls from
            its spawn time, so with a spawn rate that divides the polling rate (25 users/s, 10 calls/s) the
            users bunch into a few phases and fire together: 4-5 calls in the same instant, every 20 ms.
        phase_seed: seed of those random phases.
    """

    weights: dict[str, int] = field(default_factory=lambda: {
        "ForecastDemand": 1, "AssessEquipmentRisk": 1, "CreatePlanSmall": 6, "CreatePlanMedium": 3,
        "CompareScenarios": 1})
    mes_weight: int = 4
    planner_weight: int = 1
    mes_rate: float = 2.0
    planner_wait_s: tuple[float, float] = (1.0, 3.0)
    baseline_rate: float = 10.0
    plan_timeout_s: float = 120.0
    forecast_timeout_s: float = 10.0
    honor_retry_hint: bool = True
    random_poll_phase: bool = True
    phase_seed: int = 0


class HealthCheckUser(GrpcUser):
    """The baseline: standard health checks on the same server, in the same run."""

    abstract = True

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def check(self) -> None:
        self.call(self.health.Check, health_pb2.HealthCheckRequest(service=""), timeout=5)


def _health_task(user: HealthCheckUser) -> None:
    user.check()


class ProdplanUser(GrpcUser):
    """A client of ForecastService and PlanningService; its tasks come from `user_classes`."""

    abstract = True
    payloads: ClassVar[Payloads]
    traffic: ClassVar[TrafficConfig]

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.planning = planning_service_pb2_grpc.PlanningServiceStub(self.channel)
        self.forecasting = forecast_service_pb2_grpc.ForecastServiceStub(self.channel)

    def on_refusal(self, delay_s: float) -> None:
        """Wait the server's retry hint (cooperatively: Locust runs users on gevent) when so configured."""
        if self.traffic.honor_retry_hint and delay_s > 0:
            gevent.sleep(delay_s)


def forecast_demand(user: ProdplanUser) -> None:
    user.call(user.forecasting.ForecastDemand, user.payloads.forecast_demand, user.traffic.forecast_timeout_s)


def assess_equipment_risk(user: ProdplanUser) -> None:
    user.call(user.forecasting.AssessEquipmentRisk, user.payloads.equipment_risk, user.traffic.forecast_timeout_s)


def create_plan_small(user: ProdplanUser) -> None:
    user.call(user.planning.CreatePlan, user.payloads.small_plan, user.traffic.plan_timeout_s)


def create_plan_medium(user: ProdplanUser) -> None:
    user.call(user.planning.CreatePlan, user.payloads.medium_plan, user.traffic.plan_timeout_s)


def compare_scenarios(user: ProdplanUser) -> None:
    user.call(user.planning.CompareScenarios, user.payloads.compare, user.traffic.plan_timeout_s)


TASKS: dict[str, Callable[[ProdplanUser], None]] = {
    "ForecastDemand": forecast_demand, "AssessEquipmentRisk": assess_equipment_risk,
    "CreatePlanSmall": create_plan_small, "CreatePlanMedium": create_plan_medium,
    "CompareScenarios": compare_scenarios,
}


def _wait_zero(_user: Any) -> float:
    return 0.0


class MesPollingUser(ProdplanUser):
    """An MES poller: one call every 1 / `mes_rate` seconds on a fixed schedule, from a random point of the
    period when so configured. (Locust's `constant_throughput` keeps each user's pacing tied to its
    spawn time, so a random first wait alone would be undone at the second call.) A call that overruns
    the period moves the schedule on rather than bunching the calls that follow."""

    abstract = True
    phases: ClassVar[random.Random]

    def on_start(self) -> None:
        period = 1.0 / self.traffic.mes_rate
        if self.traffic.random_poll_phase:
            gevent.sleep(self.phases.uniform(0.0, period))
        self._next_poll = time.perf_counter()

    def wait_time(self) -> float:
        now = time.perf_counter()
        self._next_poll = max(self._next_poll + 1.0 / self.traffic.mes_rate, now)
        return self._next_poll - now


def user_classes(traffic: TrafficConfig, payloads: Payloads) -> list[type[User]]:
    """The baseline user (exactly one) and the MES / planner user classes the config asks for."""
    unknown = set(traffic.weights) - set(TASKS)
    if unknown:
        raise ValueError(f"unknown tasks {sorted(unknown)}; known: {sorted(TASKS)}")
    classes: list[type[User]] = [type("HealthCheck", (HealthCheckUser,), {
        "fixed_count": 1, "tasks": [_health_task], "wait_time": constant_throughput(traffic.baseline_rate)})]
    shared = {"payloads": payloads, "traffic": traffic}
    mes = {TASKS[name]: weight for name in MES_TASKS if (weight := traffic.weights.get(name, 0)) > 0}
    if mes and traffic.mes_weight > 0:
        if traffic.mes_rate <= 0:
            raise ValueError(f"mes_rate must be positive, got {traffic.mes_rate}")
        classes.append(type("MesPolling", (MesPollingUser,), {
            **shared, "phases": random.Random(traffic.phase_seed),
            "tasks": mes, "weight": traffic.mes_weight}))
    planner = {TASKS[name]: weight for name in PLANNER_TASKS if (weight := traffic.weights.get(name, 0)) > 0}
    if planner and traffic.planner_weight > 0:
        low, high = traffic.planner_wait_s
        wait = _wait_zero if high <= 0 else between(low, high)
        classes.append(type("Planner", (ProdplanUser,), {
            **shared, "tasks": planner, "weight": traffic.planner_weight, "wait_time": wait}))
    return classes
