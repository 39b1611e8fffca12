"""Named load profiles: the traffic mix, the users, how long, and the phases a run goes through.

- default: a plant's everyday mix: MES polling forecasts, planners creating small and medium plans, a
  scenario comparison now and then.
- forecast: ForecastService throughput and tail latency at a fixed offered rate (MES polling only).
- plan: CreatePlan (small) latency for one caller, then for `--users - 1` concurrent back-to-back
  callers, with the share of each call spent outside the solver.
- overload: CreatePlan callers at the concurrency limit, then at twice the limit: refusals must be
  RESOURCE_EXHAUSTED and fast, accepted calls must keep their latency.
- soak: the everyday mix for 10 minutes while the server's resident memory is sampled.

Every profile has one baseline user (health checks) on top of its other users; `--users` counts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from loadtests.users import TrafficConfig

PhasePlan = list[tuple[str, int, float]]
"""(phase name, total users in the phase, share of the run's duration)."""


@dataclass(frozen=True)
class Profile:
    name: str
    traffic: TrafficConfig
    users: Callable[[int], int]
    """Default total users (baseline user included), from the server's concurrency limit."""
    duration_s: float
    warmup_s: float
    phases: Callable[[int, int], PhasePlan]
    """(users, concurrency limit) -> the phases."""
    memory_interval_s: float = 5.0
    spawn_rate: float = 10.0
    notes: list[str] = field(default_factory=list)


def _single(users: int, _limit: int) -> PhasePlan:
    return [("main", users, 1.0)]


def _plan_phases(users: int, _limit: int) -> PhasePlan:
    return [("sequential", 2, 1 / 3), ("concurrent", users, 2 / 3)]


def _overload_phases(users: int, limit: int) -> PhasePlan:
    return [("at-limit", limit + 1, 0.5), ("overload", users, 0.5)]


_ONLY_SMALL_PLANS = {"CreatePlanSmall": 1}

PROFILES: dict[str, Profile] = {
    "default": Profile("default", TrafficConfig(), users=lambda _limit: 20, duration_s=60, warmup_s=5,
                       phases=_single),
    "forecast": Profile("forecast", TrafficConfig(weights={"ForecastDemand": 1, "AssessEquipmentRisk": 1},
                                                  planner_weight=0, mes_rate=10.0),
                        users=lambda _limit: 26, duration_s=60, warmup_s=5, phases=_single, spawn_rate=25),
    "plan": Profile("plan", TrafficConfig(weights=dict(_ONLY_SMALL_PLANS), mes_weight=0, planner_wait_s=(0.0, 0.0)),
                    users=lambda _limit: 5, duration_s=90, warmup_s=3, phases=_plan_phases),
    "overload": Profile("overload", TrafficConfig(weights=dict(_ONLY_SMALL_PLANS), mes_weight=0,
                                                  planner_wait_s=(0.0, 0.0)),
                        users=lambda limit: 2 * limit + 1, duration_s=60, warmup_s=5, phases=_overload_phases,
                        spawn_rate=50),
    "soak": Profile("soak", TrafficConfig(), users=lambda _limit: 20, duration_s=600, warmup_s=60,
                    phases=_single, memory_interval_s=10.0),
}
