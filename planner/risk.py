"""Equipment risk -> planning constraints: the policies of ARCHITECTURE.md, solver-independent.

Input: per machine a cumulative failure-probability curve F(t) and a mean repair time (MTTR).
For a bucket [a, b) (a day by default) the chance of a breakdown inside it is p = F(b) - F(a).

- EXPECTED_CAPACITY: hold back p x MTTR minutes of the bucket's working time (the expected repair
  time), so the plan is made on expected rather than nominal capacity.
- CHANCE_RESERVE: with repair times exponential with mean MTTR, a breakdown in the bucket costs more
  than r minutes with probability p x exp(-r / MTTR); holding back r = MTTR x ln(p / (1 - alpha))
  (0 when p <= 1 - alpha) keeps the bucket's plan intact with probability >= alpha.
- PREVENTIVE_MAINTENANCE: a maintenance task of `maintenance_minutes` must start no later than the
  minute at which F reaches `maintenance_threshold`; the scheduler places it jointly with production.
  Afterwards the machine runs at its baseline risk (the lowest bucket probability on its curve).
- RISK_PENALTY: work on a machine costs p_h x order weight x minutes, p_h = F(horizon end), so
  high-priority work moves to safer machines when the cost of doing so is lower.

Held-back time is blocked at the end of each bucket's working time: the work planned earlier in
the bucket is what a breakdown would hit, and the reserve is the slack that absorbs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.calendar import Interval, complement, merge
from planner.domain import MachineRisk, PlanRequest, RiskPolicy, TimeWindow

CAPACITY_POLICIES = (RiskPolicy.EXPECTED_CAPACITY, RiskPolicy.CHANCE_RESERVE)


@dataclass(frozen=True)
class MaintenanceRequirement:
    """Hard: a preventive-maintenance task on `machine_id` that must start by `latest_start`."""

    machine_id: str
    latest_start: int
    minutes: int
    risk_at_deadline: float


def bucket_failure_probability(risk: MachineRisk, start: int, end: int) -> float:
    """Probability of a breakdown inside [start, end): F(end) - F(start), never negative."""
    return max(risk.probability_by(end) - risk.probability_by(start), 0.0)


def reserve_minutes(policy: RiskPolicy, probability: float, repair_minutes: int, alpha: float) -> int:
    """Working minutes to hold back in one bucket under a capacity policy."""
    if probability <= 0:
        return 0
    if policy == RiskPolicy.EXPECTED_CAPACITY:
        return math.ceil(probability * repair_minutes - 1e-9)
    if policy == RiskPolicy.CHANCE_RESERVE and probability > 1 - alpha:
        return math.ceil(repair_minutes * math.log(probability / (1 - alpha)) - 1e-9)
    return 0


def capacity_reserves(request: PlanRequest, available: dict[str, list[Interval]]) -> dict[str, list[TimeWindow]]:
    """Per machine, the working time held back by a capacity policy (empty for other policies)."""
    options = request.options
    if options.risk_policy not in CAPACITY_POLICIES:
        return {}
    reserves: dict[str, list[TimeWindow]] = {}
    bucket = options.risk_bucket_minutes
    for risk in request.machine_risks:
        if risk.machine_id not in available:
            continue
        windows = []
        for start in range(0, options.horizon_minutes, bucket):
            end = min(start + bucket, options.horizon_minutes)
            probability = bucket_failure_probability(risk, start, end)
            minutes = reserve_minutes(options.risk_policy, probability, risk.repair_minutes, options.risk_alpha)
            windows += _tail_of_working_time(available[risk.machine_id], start, end, minutes, probability)
        if windows:
            reserves[risk.machine_id] = windows
    return reserves


def _tail_of_working_time(working: list[Interval], start: int, end: int, minutes: int,
                          probability: float) -> list[TimeWindow]:
    """The last `minutes` of working time inside [start, end), as windows."""
    held: list[TimeWindow] = []
    for w_start, w_end in reversed(working):
        if minutes <= 0:
            break
        lo, hi = max(w_start, start), min(w_end, end)
        if hi <= lo:
            continue
        take = min(minutes, hi - lo)
        held.append(TimeWindow(start=hi - take, end=hi, reason=f"risk reserve (breakdown chance {probability:.0%})"))
        minutes -= take
    return sorted(held, key=lambda w: w.start)


def maintenance_requirements(request: PlanRequest) -> list[MaintenanceRequirement]:
    """PREVENTIVE_MAINTENANCE: one task per machine whose risk reaches the threshold inside the horizon."""
    options = request.options
    if options.risk_policy != RiskPolicy.PREVENTIVE_MAINTENANCE:
        return []
    requirements = []
    for risk in request.machine_risks:
        deadline = risk.first_minute_at(options.maintenance_threshold)
        if deadline is not None and deadline < options.horizon_minutes:
            requirements.append(MaintenanceRequirement(risk.machine_id, deadline, options.maintenance_minutes,
                                                       options.maintenance_threshold))
    return requirements


def penalty_rates(request: PlanRequest) -> dict[str, float]:
    """RISK_PENALTY: per machine the failure probability over the horizon (0 for other policies)."""
    if request.options.risk_policy != RiskPolicy.RISK_PENALTY:
        return {}
    horizon = request.options.horizon_minutes
    return {r.machine_id: r.probability_by(horizon) for r in request.machine_risks if r.probability_by(horizon) > 0}


def planning_availability(request: PlanRequest, calendar: dict[str, list[Interval]]) -> dict[str, list[Interval]]:
    """Working time the plan may use: the calendar minus the capacity reserves of the risk policy."""
    reserves = capacity_reserves(request, calendar)
    if not reserves:
        return calendar
    horizon = request.options.horizon_minutes
    usable = {}
    for machine_id, working in calendar.items():
        blocked = complement(working, horizon) + [(w.start, w.end) for w in reserves.get(machine_id, [])]
        usable[machine_id] = complement(merge(blocked), horizon)
    return usable


def risk_exposure_hours(request: PlanRequest, busy: dict[str, list[Interval]],
                        maintenance: dict[str, int] | None = None) -> float:
    """Expected hours of planned work that a breakdown would stop: over machines and buckets,
    p(bucket) x busy minutes in the bucket x min(MTTR, bucket) / bucket, i.e. the planned work that
    falls inside a repair window starting at a uniformly random time of the bucket. After a preventive
    maintenance the machine runs at its baseline: the lowest bucket probability on its curve (the curve
    rises with wear, and maintenance removes the wear)."""
    bucket = request.options.risk_bucket_minutes
    total = 0.0
    for risk in request.machine_risks:
        restart = (maintenance or {}).get(risk.machine_id)
        starts = range(0, request.options.horizon_minutes, bucket)
        baseline = min(bucket_failure_probability(risk, s, s + bucket) for s in starts)
        for start in starts:
            end = start + bucket
            load = sum(max(0, min(e, end) - max(s, start)) for s, e in busy.get(risk.machine_id, []))
            if load == 0:
                continue
            if restart is not None and start >= restart:
                probability = baseline
            else:
                probability = bucket_failure_probability(risk, start, end)
            total += probability * load * min(risk.repair_minutes, bucket) / bucket
    return total / 60
