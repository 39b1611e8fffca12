"""Operation modes (`Operation.modes`): alternative ways to run an operation, exactly one of which is chosen.

A mode has its own machine (or none: manual work), its own setup and run time, its own secondary resources and
its own materials: a housing deburred on the robot cell by one operator in 20 min, or by hand by two in 45 min; a
fast heat-up that takes twice the gas. This is the multi-mode resource-constrained project scheduling problem
(MRCPSP) in the plant's words: renewable resources are `Factory.resources`, non-renewable ones are materials with
on-hand stock, consumed at the mode's start. An operation without modes keeps its eligible machines (each an
alternative with the operation's own resources and materials), so requests without modes are unchanged.

Each mode is one `planner.scheduling.tasks.Alternative` with its `mode_id`; alternatives are told apart by their `key`
(`alternative_key`: the machine id alone without modes, else machine and mode), which is what the CP-SAT model's
presence literals, the dispatching start's hints and `Task.alternative` use, so two modes on one machine (or two
manual modes) are two alternatives. The chosen mode is `ScheduledOperation.mode_id` (`Assignment.mode_id`).

CP-SAT model: the operation's start and end are shared by its modes; one presence literal per mode, exactly one
true (`scheduling.model`); a mode on a machine is an optional interval in that machine's NoOverlap, a manual mode
only fixes the end; each mode's resource needs are optional fixed-size intervals in the resources' Cumulatives
(`mode_demands`, called from `planner.scheduling.rules.resources`); each mode's materials are events of the
materials' reservoirs, active with the mode (`planner.scheduling.rules.materials`), and `mode_material_budget` adds
the redundant knapsack "what the chosen modes take is at most all supply", which propagates at once where the
reservoir only fails late. The checker re-derives the chosen mode's duration, holds and consumption from the
request (`planner.checker`, `holds_of`, `stock_problems`). The dispatching start tries every mode of an operation
and takes the one that ends first with its resources and materials there; the local search and the LNS are off
with modes (`planner.scheduling.lns.decomposable`, `planner.scheduling.model._sequencing_rules_only`).

With the other rules: family changeovers hold between consecutive lots on a machine whatever modes put them there
(`planner.scheduling.rules.changeovers` groups a task's modes by machine; a manual mode takes none), and transfer
batches hand units on into and out of an operation with modes, the delay worked out for each pair of modes
(`planner.scheduling.rules.transfer_batches`, keyed by `Alternative.key`); the checker re-derives both from the
chosen modes' times. A mode on a machine pauses over its non-working time where the operation may pause there
(`planner.scheduling.rules.pausing.mode_may_pause`: the operation's `may_pause`, else the machine's default; never a
manual mode or one holding a resource for its whole run), each mode its own pausing interval. An operation reported
running runs in its one mode on the reported machine (`running_mode`), holding that mode's resources for its remaining
minutes; a machine with several of its modes is refused, as the MES report names no mode. A mode may need people by
skill (`planner.scheduling.rules.skills`): its people are chosen only when the mode is, over its run or its own setup;
the dispatching start and the checker read the chosen mode's `skill_needs` as any operation's.

Not supported with modes (INVALID_ARGUMENT, `mode_violations`): eligible machines, resources or materials on the
operation itself (they go in its modes), recipes and batch machines, a mode that consumes an in-house component, lot
sizing, and an operation reported running on a machine with several of its modes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import NO_MACHINE, MaterialUse, Operation, OperationMode, PlanRequest, ResourceNeed
from planner.scheduling.rules.pausing import mode_may_pause

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.tasks import Task

MODE_SEPARATOR = "|"
"""Between machine and mode in an alternative's key."""


def alternative_key(machine_id: str, mode_id: str = "") -> str:
    """How a task's alternatives are told apart: the machine id alone without modes (as before modes existed), else
    machine and mode, so two modes on one machine or two manual modes stay two alternatives."""
    return f"{machine_id}{MODE_SEPARATOR}{mode_id}" if mode_id else machine_id


def has_modes(request: PlanRequest) -> bool:
    return any(op.modes for product in request.factory.products for op in product.routing)


def running_mode(operation: Operation, machine_id: str) -> OperationMode | None:
    """The mode an operation the MES reports running on `machine_id` runs in: its one mode on that machine (empty: its
    one manual mode). None without modes, or when no mode or several modes run there (`running_mode_problem`)."""
    found = [mode for mode in operation.modes if mode.machine_id == machine_id]
    return found[0] if len(found) == 1 else None


def running_mode_problem(operation: Operation, machine_id: str) -> str | None:
    """Why the MES report "running on `machine_id`" names no mode of an operation with modes (None: it names one)."""
    found = [mode.id for mode in operation.modes if mode.machine_id == machine_id]
    where = f"machine '{machine_id}'" if machine_id != NO_MACHINE else "no machine (manual work)"
    if not found:
        return f"operation '{operation.id}' has no mode on {where}"
    if len(found) > 1:
        return (f"operation '{operation.id}' has {len(found)} modes on {where} ({', '.join(found)}): which one runs "
                "is not known (not supported yet)")
    return None


def uses_of(operation: Operation, mode_id: str) -> list[MaterialUse]:
    """What each processed unit consumes: the chosen mode's materials, or the operation's own without modes."""
    mode = operation.mode(mode_id) if mode_id else None
    return mode.materials if mode is not None else operation.materials


def least_mode_uses(operation: Operation, task: Task) -> dict[str, float]:
    """Per material, the least any mode of the task takes (0 where some mode takes none): a sound lower bound on what
    the task consumes, for the shortage pre-check of `planner.scheduling.rules.materials.shortages`."""
    if not task.has_modes:
        return {}
    least: dict[str, float] = {}
    for material_id in {use.material_id for mode in operation.modes for use in mode.materials}:
        least[material_id] = min(sum(use.quantity_per_unit * a.processed for use in uses_of(operation, a.mode_id)
                                     if use.material_id == material_id) for a in task.alternatives)
    return {material_id: amount for material_id, amount in least.items() if amount > 0}


def mode_demands(model: cp_model.CpModel, variables: TaskVars) -> Iterator[tuple[str, cp_model.IntervalVar, int]]:
    """(resource id, interval, units) for every need of every mode of a task: an interval of the mode's duration
    (or its setup, for a setup-only need) from the task's start, present when the mode is chosen."""
    task = variables.task
    for alternative in task.alternatives:
        present = variables.presence[alternative.key]
        for need in alternative.needs:
            length = alternative.setup if need.setup_only else alternative.duration
            if length <= 0:
                continue
            name = f"{need.resource_id}[{task.order_id}/{task.index}@{alternative.key}]"
            interval = (model.new_fixed_size_interval_var(variables.start, length, name) if present is True else
                        model.new_optional_fixed_size_interval_var(variables.start, length, present, name))
            yield need.resource_id, interval, need.quantity


def mode_material_budget(model: cp_model.CpModel, request: PlanRequest,
                         tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: over the whole plan, the modes chosen take at most what stock and receipts bring of each material.

    Why the plant cares: a fast mode that burns more gas or uses a bought-in insert can be chosen only as long as the
    supply lasts (MRCPSP's non-renewable resources). The reservoir of `planner.scheduling.rules.materials` already keeps
    the stock >= 0 over time; this knapsack over the mode choices is implied by it, and lets CP-SAT see at once that
    a set of greedy modes cannot all be chosen."""
    if not has_modes(request):
        return
    # Stock counted in thousandths, supply rounded down and consumption up, like the reservoirs.
    from planner.scheduling.rules.materials import scaled_supply  # the materials rule imports this module

    supply = {m.id: scaled_supply(m.on_hand + sum(r.quantity for r in m.receipts)) for m in request.factory.materials}
    terms: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
    for job_vars in tasks:
        for variables in job_vars:
            if not variables.task.has_modes or variables.task.running:
                continue
            for alternative in variables.task.alternatives:
                present = variables.presence[alternative.key]
                for stock_id, amount in alternative.consumes:
                    if stock_id in supply and amount > 0:
                        terms[stock_id].append(amount if present is True else amount * present)
    for stock_id, used in terms.items():
        model.add(cp_model.LinearExpr.sum(used) <= supply[stock_id])


def mode_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """(field path, reason) for every problem of the operation modes."""
    found: list[tuple[str, str]] = []
    factory = request.factory
    machines = {m.id: m for m in factory.machines}
    peaks = {r.id: max([0, r.capacity, *(s.capacity for s in r.shift_capacities)]) for r in factory.resources}
    materials = {m.id for m in factory.materials}
    products = {p.id for p in factory.products}
    holders: dict[str, set[str]] = defaultdict(set)  # skill -> the people who master it
    for resource in factory.resources:
        for skill in resource.skills:
            holders[skill].add(resource.id)
    modal = False
    for p_index, product in enumerate(factory.products):
        for o_index, operation in enumerate(product.routing):
            path = f"factory.products[{p_index}].routing[{o_index}]"
            if not operation.modes:
                continue
            modal = True
            found += _operation_with_modes(operation, path, machines)
            for m_index, mode in enumerate(operation.modes):
                found += _mode_problems(mode, f"{path}.modes[{m_index}]", machines, peaks, materials, products,
                                        holders)
            found += _duplicate_ids([m.id for m in operation.modes], f"{path}.modes")
    if modal:
        found += _request_with_modes(request)
    return found


def _operation_with_modes(operation: Operation, path: str, machines: dict) -> list[tuple[str, str]]:
    """What an operation with modes must leave to its modes, and the rules modes do not combine with yet."""
    found = []
    if operation.eligible_machines:
        found.append((f"{path}.eligible_machines", "give either eligible machines or modes, not both (a mode names "
                                                   "its machine)"))
    if operation.resources:
        found.append((f"{path}.resources", "with modes, each mode lists the resources it holds"))
    if operation.materials:
        found.append((f"{path}.materials", "with modes, each mode lists the materials it consumes"))
    if operation.recipe is not None:
        found.append((f"{path}.recipe", "operations with modes do not run in batch-machine loads (not supported yet)"))
    if operation.may_pause and not any(mode_may_pause(operation, mode, machines.get(mode.machine_id))
                                       for mode in operation.modes):
        found.append((f"{path}.may_pause", "no mode of it can pause: each is manual work, on a batch machine or "
                                           "holds a resource for its whole run"))
    return found


def _mode_problems(mode: OperationMode, path: str, machines: dict, peaks: dict[str, int], materials: set[str],
                   products: set[str], holders: dict[str, set[str]]) -> list[tuple[str, str]]:
    found = []
    machine = machines.get(mode.machine_id) if mode.machine_id != NO_MACHINE else None
    if mode.machine_id != NO_MACHINE and machine is None:
        found.append((f"{path}.machine_id", f"unknown machine '{mode.machine_id}'"))
    elif machine is not None and machine.is_batch:
        found.append((f"{path}.machine_id", f"'{machine.id}' is a batch machine: modes do not run in its loads "
                                            "(not supported yet)"))
    if mode.setup_minutes < 0:
        found.append((f"{path}.setup_minutes", "must not be negative"))
    if not (math.isfinite(mode.run_minutes_per_unit) and mode.run_minutes_per_unit >= 0):
        found.append((f"{path}.run_minutes_per_unit", "must be a finite number, at least 0"))
    if mode.machine_id == NO_MACHINE and not any(not n.setup_only for n in mode.resources):
        found.append((f"{path}.resources", "a mode without a machine is manual work: it must hold a resource for its "
                                           "whole run"))
    for n_index, need in enumerate(mode.resources):
        n_path = f"{path}.resources[{n_index}]"
        if need.skill is not None:
            found += _skill_need_problems(need, n_path, mode.resources[:n_index], holders)
        elif need.resource_id not in peaks:
            found.append((f"{n_path}.resource_id", f"unknown resource '{need.resource_id}'"))
        if need.quantity <= 0:
            found.append((f"{n_path}.quantity", "must be more than 0"))
        elif need.resource_id in peaks and need.quantity > peaks[need.resource_id]:
            found.append((f"{n_path}.quantity", f"needs {need.quantity} of '{need.resource_id}', which has at most "
                                                f"{peaks[need.resource_id]}"))
    seen: set[str] = set()
    for u_index, use in enumerate(mode.materials):
        u_path = f"{path}.materials[{u_index}]"
        if use.material_id in products:
            found.append((f"{u_path}.material_id", f"'{use.material_id}' is a product: modes consume materials, "
                                                   "not in-house components (not supported yet)"))
        elif use.material_id not in materials:
            found.append((f"{u_path}.material_id", f"unknown material '{use.material_id}'"))
        if not (math.isfinite(use.quantity_per_unit) and use.quantity_per_unit > 0):
            found.append((f"{u_path}.quantity_per_unit", "must be a finite number greater than 0"))
        if use.material_id in seen:
            found.append((f"{u_path}.material_id", f"'{use.material_id}' listed twice"))
        seen.add(use.material_id)
    return found


def _skill_need_problems(need: ResourceNeed, path: str, before: Sequence[ResourceNeed],
                         holders: Mapping[str, set[str]]) -> list[tuple[str, str]]:
    """A mode's need by skill (`planner.scheduling.rules.skills`): a skill someone has, for no more people than have
    it, once per mode; and with the mode's needs by skill before it, no more different people than master one of
    their skills (the whole set: the people that cover them are all different)."""
    assert need.skill is not None
    skill = need.skill
    if need.resource_id:
        return [(f"{path}.skill", "a need names a resource or a skill, not both")]
    if not skill.strip():
        return [(f"{path}.skill", "must not be empty")]
    if any(other.skill == skill for other in before):
        return [(f"{path}.skill", f"skill '{skill}' is needed twice by the mode")]
    if not holders.get(skill):
        return [(f"{path}.skill", f"nobody has skill '{skill}'")]
    if need.quantity > len(holders[skill]):
        return [(f"{path}.quantity", f"needs {need.quantity} people with skill '{skill}', but only "
                                     f"{len(holders[skill])} have it")]
    group = [other for other in before if other.skill is not None] + [need]
    crew = set().union(*(holders.get(str(other.skill), set()) for other in group))
    wanted = sum(other.quantity for other in group)
    if len(group) > 1 and wanted > len(crew):
        return [(f"{path}.quantity", f"with the mode's needs before it, needs {wanted} different people with skills "
                                     f"{', '.join(sorted(str(o.skill) for o in group))}, but only {len(crew)} have "
                                     "one of them")]
    return []


def _duplicate_ids(ids: list[str], path: str) -> list[tuple[str, str]]:
    found = []
    for index, value in enumerate(ids):
        if not value.strip():
            found.append((f"{path}[{index}].id", "must not be empty"))
        elif MODE_SEPARATOR in value:
            found.append((f"{path}[{index}].id", f"must not contain '{MODE_SEPARATOR}'"))
        elif value in ids[:index]:
            found.append((f"{path}[{index}].id", f"duplicate mode id '{value}'"))
    return found


def _request_with_modes(request: PlanRequest) -> list[tuple[str, str]]:
    """Rules of the request that do not combine with modes yet."""
    found = []
    if request.options.lot_sizing or request.demand_forecasts:
        found.append(("options.lot_sizing", "operation modes are not supported with lot sizing (options.lot_sizing "
                                            "or demand_forecasts) yet"))
    return found
