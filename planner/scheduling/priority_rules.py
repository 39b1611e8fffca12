"""Priority rules of the dispatching start (`planner.scheduling.dispatching`): which ready operation goes next.

A rule maps (job, task, the task's ready time, the job's remaining work from this task) to a key; the smallest key
goes first. `best_dispatch` runs a pass per rule and keeps the best schedule, so a rule only has to be the best one
on some kind of plant: the due-date and slack rules where few orders are late, the two weighted rules below where a
deep backlog makes most orders late whatever goes first (weighted tardiness then rewards finishing heavy orders
first, as weighted shortest processing time does, more than keeping due-date order).
"""

from __future__ import annotations

from collections.abc import Callable

from planner.scheduling.tasks import Job, Task

Priority = Callable[[Job, Task, int, int], float]
"""(job, task, ready time, remaining work of the job from this task) -> key; smaller goes first."""


def _edd(job: Job, task: Task, ready: int, remaining: int) -> float:
    return job.order.due


def _min_slack(job: Job, task: Task, ready: int, remaining: int) -> float:
    return (job.order.due - ready - remaining) / job.order.weight


def _weighted_slack_per_work(job: Job, task: Task, ready: int, remaining: int) -> float:
    return (job.order.due - remaining) / (job.order.weight * max(remaining, 1))


def _most_work_remaining(job: Job, task: Task, ready: int, remaining: int) -> float:
    return -remaining


def _earliest_ready(job: Job, task: Task, ready: int, remaining: int) -> float:
    return ready + 1e-6 * job.order.due


def _weighted_modified_due_date(job: Job, task: Task, ready: int, remaining: int) -> float:
    """The later of the order's projected completion (its remaining work from now, no waiting) and its due date,
    per unit of weight, from plan start: an order that will be late anyway goes by its weighted completion (the
    cost of a late minute is its weight), one still on time by its due date, the heavier first."""
    return max(ready + remaining, job.order.due) / job.order.weight


def _release_and_weighted_flow(job: Job, task: Task, ready: int, remaining: int) -> float:
    """As `_weighted_modified_due_date`, but only the time since the order's release is weighed: its release plus
    its projected time in the shop (to completion or due date) per unit of weight. Orders released later keep more
    of their release order than under the rule above, which measures from plan start."""
    release = max(job.order.release, 0)
    return release + (max(ready + remaining, job.order.due) - release) / job.order.weight


TARDINESS_RULES: tuple[Priority, ...] = (_min_slack, _edd, _weighted_slack_per_work, _earliest_ready,
                                         _weighted_modified_due_date, _release_and_weighted_flow)
"""In this order where every pass runs (ties go to the earlier rule); with a budget `FIRST_RULE` goes first. The
last two: at 2,000 plant-grade orders (seed 0, no die campaigns) 12.9 and 14.9 million weighted minutes against
17.3 million for due dates and 21.2 million for slack (seeds 1 and 2: 12.9 / 13.1 against 17.4 / 18.0 million for
due dates);
at 1,200 orders (seed 1) 2.4 and 2.2 against 2.6 million; at 240 and 720 orders due dates stay best (39,304 and
91,278 against 101,935 and 307,448 for the first of them). Measured 2026-12-05, docs/SCALE.md."""
FIRST_RULE: Priority = _edd
"""The pass a plant-scale request's first plan gets (`dispatching.best_pass` with a budget; at 2,000 plant-grade
orders a 1 s limit has time for one). Due dates: the best rule at 240 and 720 plant-grade orders (38,253-39,304 and
91,278 weighted minutes against 394,586-644,597 for slack, which went first before) and within 35 % of the best at
2,000 (17.3 against 12.9 million for `_weighted_modified_due_date`, which is far behind it at 720: 307,448)."""
MAKESPAN_RULES: tuple[Priority, ...] = (_most_work_remaining, _earliest_ready, _min_slack)
