"""Operations that pause: work that stops over breaks, nights and maintenance and resumes afterwards.

Hard: an operation that may pause (`Operation.may_pause`, else its machine's `operations_may_pause`; never a load
of a batch machine, never work in progress or manual work) starts in working time and ends when its work time
has been done in the working stretches of its machine, however many pauses lie between. Its interval on the
machine covers the pauses: the lot stays mounted overnight, so nothing else runs there meanwhile. Its setup
does not pause: it is done in the stretch the operation starts in (a half-mounted die is not left overnight).

Model (per machine alternative, in *working-time coordinates*): with the machine's working stretches
`[a_k, b_k)` and `C_k` the working minutes before stretch k, the working-time position of a clock minute t in
stretch k is `t - O_k` with the offset `O_k = a_k - C_k` (the non-working time before the stretch). Two integer
variables pick the stretch the operation starts in (`k_s`) and the one it ends in (`k_e`); `AddElement` reads
`a`, `b` and `O` of both, and (enforced by the alternative's presence)

    a[k_s] <= start,  start + max(setup, 1) <= b[k_s],  a[k_e] < end <= b[k_e],
    end - O[k_e] = start - O[k_s] + work          (work time between start and end = the work)

so the interval's length on the clock is the work plus the non-working time crossed. This costs six element
constraints over the number of stretches (tens for a horizon of weeks with two shifts a day), not over the
minutes of the horizon, so it scales to the demo plant (tens of machines, hundreds of operations). The pausing
intervals share a NoOverlap with the machine's other work but not with its off-shift blocks, which the other
work keeps in a NoOverlap of its own (`planner.scheduling.model`).

The dispatching start does not pause operations (it places each in one stretch, which is also a valid pausing
placement, or gives no start); the local search of `scheduling.search` and the LNS are off when anything may pause.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from ortools.sat.python import cp_model

from planner.calendar import Interval
from planner.domain import Machine, Operation, OperationMode, PlanRequest
from planner.solution import ScheduledOperation


def may_pause(operation: Operation, machine: Machine) -> bool:
    """Whether the operation may pause on this machine: its own flag, else the machine's default; never in a
    load of a batch machine (a furnace cycle runs through), nor while it holds a secondary resource for its whole
    run (validation rejects `may_pause` there; the machine's default does not apply)."""
    if machine.is_batch or any(not need.setup_only for need in operation.resources):
        return False  # a load runs through; an operator held for the whole run goes home with the shift
    return operation.may_pause if operation.may_pause is not None else machine.operations_may_pause


def mode_may_pause(operation: Operation, mode: OperationMode, machine: Machine | None) -> bool:
    """Whether the operation may pause in this mode (`planner.scheduling.rules.modes`): as `may_pause` on the mode's
    machine, with the mode's resources in place of the operation's; a manual mode (no machine) never pauses."""
    if machine is None or machine.is_batch or any(not need.setup_only for need in mode.resources):
        return False
    return operation.may_pause if operation.may_pause is not None else machine.operations_may_pause


def has_pausing(request: PlanRequest) -> bool:
    """True when some operation may pause on some eligible machine, or in some mode."""
    machines = {m.id: m for m in request.factory.machines}
    return any(may_pause(op, machines[e.machine_id]) for p in request.factory.products for op in p.routing
               for e in op.eligible_machines if e.machine_id in machines) or any(
        mode_may_pause(op, mode, machines.get(mode.machine_id)) for p in request.factory.products for op in p.routing
        for mode in op.modes)


def clock_end(start: int, work: int, setup: int, stretches: Sequence[Interval]) -> int | None:
    """The minute a pausing operation started at `start` ends: after `work` minutes in the working `stretches`
    (sorted, disjoint). None when it cannot: it starts outside working time, its setup does not fit into the
    stretch it starts in, or its work is not done before the last stretch ends."""
    first = next((k for k, (a, b) in enumerate(stretches) if a <= start < b), None)
    if first is None or start + setup > stretches[first][1]:
        return None
    remaining = work
    for a, b in stretches[first:]:
        begin = max(a, start)
        if remaining <= b - begin:
            return begin + remaining
        remaining -= b - begin
    return None


def working_minutes(start: int, end: int, stretches: Sequence[Interval]) -> int:
    """Minutes of [start, end) inside the working stretches (the work a pausing operation does there)."""
    return sum(max(0, min(b, end) - max(a, start)) for a, b in stretches)


class WorkingTime:
    """`working_minutes` for many intervals on one machine: the working minutes before each stretch, summed once,
    and a binary search per moment (the KPIs' utilization summed every stretch for each operation: 0.25 s of a
    plan of 2,000 plant-grade orders, 59 days of shifts per machine). Stretches that are not sorted and disjoint
    (the calendars' are) are summed one by one, as `working_minutes` does."""

    def __init__(self, stretches: Sequence[Interval]) -> None:
        self._stretches = stretches
        self._plain = any(a > b for a, b in stretches) or any(
            first[1] > second[0] for first, second in pairwise(stretches))
        self._starts = [a for a, _ in stretches]
        self._before = [0]  # working minutes before stretch k, and after the last one
        for a, b in stretches:
            self._before.append(self._before[-1] + b - a)

    def before(self, moment: int) -> int:
        """Working minutes before `moment`."""
        k = bisect.bisect_right(self._starts, moment) - 1
        if k < 0:
            return 0
        a, b = self._stretches[k]
        return self._before[k] + min(moment, b) - a

    def between(self, start: int, end: int) -> int:
        """Minutes of [start, end) inside the working stretches: `working_minutes(start, end, stretches)`."""
        if self._plain:
            return working_minutes(start, end, self._stretches)
        return max(0, self.before(end) - self.before(start))


@dataclass
class PauseVars:
    """The auxiliary variables of one pausing interval, kept so that a start schedule can hint all of them:
    without their hint CP-SAT must repair half the hint before it has a first solution."""

    stretches: list[Interval]
    offsets: list[int]
    starts_in: cp_model.IntVar
    ends_in: cp_model.IntVar
    size: cp_model.IntVar
    values: dict[str, cp_model.IntVar] = field(default_factory=dict)


PausingHints = dict[tuple[str, int, str], PauseVars]
"""(order id, operation index, alternative key) -> the variables of its pausing interval there (the key is the machine
id, with the mode where the operation has modes: `planner.scheduling.tasks.Alternative.key`)."""


def hint_pause(model: cp_model.CpModel, pause: PauseVars, start: int, end: int) -> None:
    """Hint the stretch indices, the element values and the clock length of a placement [start, end) that
    respects the rule (as `clock_end` computes it); a placement outside working time gets no hint."""
    first = next((k for k, (a, b) in enumerate(pause.stretches) if a <= start < b), None)
    last = next((k for k, (a, b) in enumerate(pause.stretches) if a < end <= b), None)
    if first is None or last is None:
        return
    model.add_hint(pause.starts_in, first)
    model.add_hint(pause.ends_in, last)
    model.add_hint(pause.size, end - start)
    for side, index in (("s", first), ("e", last)):
        for key, value in (("a", pause.stretches[index][0]), ("b", pause.stretches[index][1]),
                           ("o", pause.offsets[index])):
            model.add_hint(pause.values[key + side], value)


def pausing_interval(model: cp_model.CpModel, name: str, start: cp_model.IntVar, end: cp_model.IntVar,
                     present: cp_model.IntVar | bool, work: int, setup: int, stretches: Sequence[Interval],
                     horizon: int, keep: list[PauseVars] | None = None) -> cp_model.IntervalVar:
    """Hard: the operation's interval on one machine when it may pause there (see the module docstring): from a
    start in working time to the end of its work in working time, its setup inside the first stretch. `keep`
    receives its auxiliary variables, for the hint (`hint_pause`)."""
    usable = [(a, b) for a, b in stretches if b > a and a < horizon]
    if not usable:  # no working time at all: the alternative cannot be chosen
        if isinstance(present, bool):
            model.add_bool_or([])  # its only machine never works: no plan
        else:
            model.add(present == 0)
        usable = [(0, 0)]
    begins = [a for a, _ in usable]
    ends = [b for _, b in usable]
    offsets, worked = [], 0
    for a, b in usable:
        offsets.append(a - worked)
        worked += b - a
    last = len(usable) - 1
    starts_in = model.new_int_var(0, last, f"pause_first[{name}]")
    ends_in = model.new_int_var(0, last, f"pause_last[{name}]")
    low = min(offsets)
    high = max(offsets)
    values: dict[str, cp_model.IntVar] = {}
    for side, index in (("s", starts_in), ("e", ends_in)):
        for key, table, lo, hi in (("a", begins, 0, max(begins)), ("b", ends, 0, max(ends)),
                                   ("o", offsets, low, high)):
            var = model.new_int_var(lo, hi, f"pause_{key}{side}[{name}]")
            model.add_element(index, table, var)
            values[key + side] = var
    size = model.new_int_var(work, max(horizon, work), f"pause_len[{name}]")
    constraints = [
        start >= values["as"],
        start + max(setup, 1) <= values["bs"],
        end >= values["ae"] + 1,
        end <= values["be"],
        end - values["oe"] == start - values["os"] + work,
        ends_in >= starts_in,
    ]
    for constraint in constraints:
        added = model.add(constraint)
        if not isinstance(present, bool):
            added.only_enforce_if(present)
    if keep is not None:
        keep.append(PauseVars(list(usable), offsets, starts_in, ends_in, size, values))
    if isinstance(present, bool):
        return model.new_interval_var(start, size, end, f"run[{name}]")
    return model.new_optional_interval_var(start, size, end, present, f"run[{name}]")


def pause_problem(label: str, machine_id: str, start: int, end: int, work: int, setup: int,
                  stretches: Sequence[Interval]) -> str | None:
    """What is wrong with a pausing operation placed on [start, end), in plain words (None when nothing)."""
    expected = clock_end(start, work, setup, stretches)
    if expected is None:
        return (f"{label} on {machine_id}: cannot pause and resume from {start}: it starts outside working time, "
                f"its {setup}-min setup does not fit into the working stretch it starts in, or its {work} min of "
                "work do not end in working time")
    if expected != end:
        return (f"{label} on {machine_id}: works {working_minutes(start, end, stretches)} min in working time "
                f"between {start} and {end}, needs {work} (pausing over non-working time), so it ends at {expected}")
    return None


def pausing_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """(field, reason) for each pausing flag that cannot hold: on a batch machine or with a recipe (a load runs
    through), on manual work (no machine's working time to pause over), with a resource held for the whole run;
    and transfer batches next to work that may pause."""
    found = [(f"factory.machines[{m_index}].operations_may_pause",
              "a batch machine's load runs through its cycle: its operations cannot pause")
             for m_index, machine in enumerate(request.factory.machines)
             if machine.is_batch and machine.operations_may_pause]
    machines = {m.id: m for m in request.factory.machines}

    def pauses(operation: Operation) -> bool:
        return any(may_pause(operation, machines[e.machine_id]) for e in operation.eligible_machines
                   if e.machine_id in machines) or any(mode_may_pause(operation, mode, machines.get(mode.machine_id))
                                                       for mode in operation.modes)

    for p_index, product in enumerate(request.factory.products):
        for o_index, operation in enumerate(product.routing):
            previous = product.routing[o_index - 1] if o_index > 0 else None
            if operation.transfer_batch_units is not None and (
                    pauses(operation) or (previous is not None and pauses(previous))):
                found.append((f"factory.products[{p_index}].routing[{o_index}].transfer_batch_units",
                              "not with an operation that may pause, this one or the one before it: the batches' "
                              "hand-over times assume work without pauses"))
            if not operation.may_pause:
                continue
            field = f"factory.products[{p_index}].routing[{o_index}].may_pause"
            if operation.recipe is not None:
                found.append((field, "an operation with a recipe runs in a batch load, which cannot pause"))
            elif operation.is_manual:
                found.append((field, "manual work has no machine's working time to pause over"))
            elif any(not need.setup_only for need in operation.resources):
                found.append((field, "an operation that holds a resource for its whole run cannot pause (the "
                                     "resource's shift need not resume with the machine's)"))
    return found


def pausing_start_holds(request: PlanRequest, placed: ScheduledOperation, stretches: Sequence[Interval]) -> bool | None:
    """Re-planning: whether a released operation that may pause can keep its start on its machine (it starts in
    working time with its setup there, and its work is done before the working time ends); None when it does
    not pause there, so the one-stretch rule applies."""
    machine = next((m for m in request.factory.machines if m.id == placed.machine_id), None)
    product = next((p for p in request.factory.products if p.id == placed.product_id), None)
    if machine is None or product is None or placed.operation_index >= len(product.routing):
        return None
    operation = product.routing[placed.operation_index]
    # An older stored plan may lack the processed units: from the good ones and the yield, as `scheduling.tasks` does.
    processed = placed.processed_quantity or math.ceil(
        placed.quantity / request.yield_rate(product.id, machine.id) - 1e-9)
    mode = operation.mode(placed.mode_id) if placed.mode_id else None
    if mode is not None:  # in its mode (`planner.scheduling.rules.modes`)
        if mode.machine_id != machine.id or not mode_may_pause(operation, mode, machine):
            return None
        return clock_end(placed.start, mode.processing_minutes(processed), mode.setup_minutes, stretches) is not None
    option = next((e for e in operation.eligible_machines if e.machine_id == machine.id), None)
    if option is None or not may_pause(operation, machine):
        return None
    work = operation.processing_minutes(option, processed)
    return clock_end(placed.start, work, operation.setup_on(option), stretches) is not None
