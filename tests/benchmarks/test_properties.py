"""Property: any small job-shop gets a schedule that passes the checker and is no shorter than the
trivial lower bounds (busiest machine, longest job)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.instances import ShopInstance, to_plan_request
from planner.checker import check_plan
from planner.plan import create_plan


@st.composite
def job_shops(draw: st.DrawFn) -> ShopInstance:
    machines = draw(st.integers(1, 4))
    jobs = draw(st.integers(1, 5))
    routings = []
    for _ in range(jobs):
        order = draw(st.permutations(range(machines)))
        length = draw(st.integers(1, machines))
        routings.append(tuple(((m, draw(st.integers(1, 20))),) for m in order[:length]))
    return ShopInstance("random", machines, tuple(routings))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(job_shops())
def test_random_job_shops_are_scheduled_validly_and_above_the_lower_bounds(instance: ShopInstance) -> None:
    request = to_plan_request(instance, time_limit_seconds=1.0, num_workers=1)
    plan = create_plan(request)
    assert plan.status.has_solution
    assert check_plan(request, plan) == []
    load = {m: 0 for m in range(instance.num_machines)}
    for job in instance.jobs:
        for ((machine, duration),) in job:
            load[machine] += duration
    longest_job = max(sum(d for ((_, d),) in job) for job in instance.jobs)
    assert plan.kpis is not None
    assert plan.kpis.makespan_minutes >= max(max(load.values()), longest_job)
    assert plan.stats.best_bound >= max(max(load.values()), longest_job) or plan.stats.gap == 0
