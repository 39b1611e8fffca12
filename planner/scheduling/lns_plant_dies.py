"""Die changes in the time-window search under the plant rules (`planner.scheduling.lns_plant`).

Whether a casting needs a die change depends on what its cell ran before, which a time window does not see. Die
operations therefore never move in that search, so the die on each machine at every moment, and every change, stay
as in the start; a sub-model gets each change in its window as a fixed job of its own (`WindowDies.change_jobs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from planner.domain import PlanRequest
from planner.scheduling.rules.die_mounts import die_changes, die_needed, dies_of, has_dies
from planner.scheduling.tasks import Job
from planner.solution import ScheduledOperation

Placed = dict[tuple[str, int], ScheduledOperation]
"""The incumbent: every operation as scheduled, by (order id, operation index)."""
CHANGE_MARK = "~die-change@"
"""Joins an operation's order id and index into the id of its die change's job in a sub-model (`WindowDies`)."""


@dataclass
class WindowDies:
    """The incumbent's die changes (`planner.scheduling.rules.dies`). Die operations never move in this search, so
    the die on each machine at every moment, and every change, stay as in the start; a sub-model gets each change
    as a fixed job of its own (`change_jobs`: the cell, the die and the setter held over the change, as CP-SAT's die
    rule holds them), under a request without mount times (no die rule of its own: it would see only the
    sub-model's operations, not who used a die before the window). Not as part of its operation: that moved the
    casting's ingot draw to the change's start, before the truck the start had waited for, and 57 of 67 windows at
    2,000 orders were infeasible."""

    operations: set[tuple[str, int]] = field(default_factory=set)
    dies: frozenset[str] = frozenset()
    mounts: dict[tuple[str, int], int] = field(default_factory=dict)
    """Minutes from the start of the die change before each operation that has one to the operation's start."""

    @classmethod
    def of(cls, request: PlanRequest, jobs: list[Job], placed: Placed) -> WindowDies:
        if not has_dies(request):
            return cls()
        dies = dies_of(request)
        operations = {(task.order_id, task.index) for job in jobs for task in job.tasks
                      if any(die_needed(a, dies) for a in task.alternatives)}
        # From the change's start to the operation's (a change need not end right at the operation's start)
        mounts = {(key := (c.order_id, c.operation_index)): placed[key].start - c.start
                  for c in die_changes(request, list(placed.values()), jobs)}
        return cls(operations, frozenset(dies), mounts)

    def busy_from(self, key: tuple[str, int], op: ScheduledOperation) -> int:
        """When the operation takes its machine: at its die change, if it has one."""
        return op.start - self.mounts.get(key, 0)

    def without_mounts(self, request: PlanRequest) -> PlanRequest:
        if not self.operations:
            return request
        factory = request.factory
        return request.model_copy(update={"factory": factory.model_copy(update={
            "resources": [r.model_copy(update={"mount_minutes": 0}) for r in factory.resources],
            "machines": [m.model_copy(update={"mounted_die": None}) for m in factory.machines]})})

    def change_jobs(self, job: Job, placed: Placed, horizon: int) -> list[Job]:
        """Each die change of the job's operations as a job of its own: one task on the operation's cell over the
        change, holding the die and what the operation holds for its setup (a setter), taking no stock and making
        nothing, never late (due at the horizon). Its order id is CHANGE_MARK after the operation's."""
        changes = []
        for task in job.tasks:
            key = (task.order_id, task.index)
            mount = self.mounts.get(key, 0)
            alternative = task.placed_on(placed[key]) if mount else None
            if alternative is None:
                continue
            order_id = f"{task.order_id}{CHANGE_MARK}{task.index}"
            change = replace(alternative, duration=mount, setup=mount, processed=0, consumes=(), batch_load=0.0,
                             may_pause=False, needs=tuple(n for n in alternative.needs if n.setup_only
                                                          or n.resource_id in self.dies))
            changes.append(Job(order=job.order.model_copy(update={
                "id": order_id, "release": 0, "due": horizon, "work_in_progress": None, "lot_splits": []}),
                tasks=(replace(task, order_id=order_id, quantity=0, alternatives=(change,), min_lag=0, max_lag=None,
                               running=False, transfer_batch=None, predecessors=None, produces=()),)))
        return changes
