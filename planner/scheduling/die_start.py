"""The dispatching start with dies mounted on machines (`planner.scheduling.rules.dies`).

The start (`planner.scheduling.dispatching`) places one operation at a time in the first gap of working time where
it fits. A die operation's place also decides its die change: it needs none where the die operation before it on
the machine ran with the same die (or, first there, where the die was mounted at plan start) and the die has not
been used elsewhere since; elsewhere a change of the die's mount time goes in front of it, as part of its setup (the
machine and the setters its setup needs are held from the change's start). `DieState` books the die operations
placed so far, and `DieTimeline` finds the earliest start for a die operation that leaves every booked one valid:
the die is free there (not changed, running or kept mounted on another machine), the next die operation on the
machine keeps its die only if it is the same one, and the die's next use on another machine has a change booked.
So die operations may fill gaps left earlier, as every other operation does.

Die campaigns (`campaign_first`): by priority alone the start alternates the dies on a cell whenever the priorities
of their lots alternate, and every switch is a change of the mount time (45 min in the demo plant) that no later
lot can use. A die-casting planner runs a die's lots as a campaign instead: before the cell is changed over to the
next die, a ready lot that needs the die mounted there is cast first, when that does not make the lot that wanted
the change late. The operation with the best priority (the "first" lot) gives way to a "campaign" lot when:

- the first lot needs a die and would get a die change on the machine where it ends earliest;
- the campaign lot needs the die mounted there before that change, runs on that machine without a change, and
  starts no later than the change would (the cell does not wait for it);
- the first lot stays on time: its latest end without lateness (due minus the shortest work after this operation)
  is not before its end pushed back by the campaign lot's run.

Among several campaign lots (looked for among the CAMPAIGN_LOOKAHEAD best priorities) the one with the best priority
goes; the first lot goes back to the queue. `best_dispatch` tries each priority rule with and without campaigns.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from planner.domain import PlanRequest, Resource
from planner.scheduling.rules.batching import Timeline
from planner.scheduling.rules.die_mounts import die_needed, dies_of, has_dies, initial_mounts
from planner.scheduling.tasks import Alternative, Task


@dataclass(frozen=True)
class DieRun:
    """A die operation the start placed: its run, its die and machine, and the change booked in front."""

    start: int
    end: int
    die: str
    machine_id: str
    mount: int
    """The die change's length right before the run (0: the die stays mounted)."""

    @property
    def held_from(self) -> int:
        return self.start - self.mount


@dataclass
class DieState:
    """The die operations the start has placed, by start, per machine and per die."""

    dies: Mapping[str, Resource]
    mounted: Mapping[str, str]
    """Machine id -> the die on it at plan start."""
    on_machine: dict[str, list[DieRun]] = field(default_factory=lambda: defaultdict(list))
    of_die: dict[str, list[DieRun]] = field(default_factory=lambda: defaultdict(list))
    _die_of: dict[tuple[str, int], str | None] = field(default_factory=dict)
    _changed: dict[tuple[int, int], tuple[Alternative, Alternative]] = field(default_factory=dict)
    _runs_here: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    """(machine id, die) -> the runs of the die booked on the machine."""

    def with_change(self, lot: Alternative, mount: int) -> Alternative:
        """The lot with its die change in front: longer by the mount time, which counts as setup (setters held).
        Made once per lot and mount time: a start pass asks for it about once per die operation and machine tried
        (9,870 times at 2,000 plant-grade orders, where copying the lot each time took 8 % of the pass). Found by
        the lot's identity, which the entry keeps alive: hashing its fields took 3 % of the pass."""
        key = (id(lot), mount)
        if key not in self._changed:
            self._changed[key] = (lot, replace(lot, duration=lot.duration + mount, setup=lot.setup + mount))
        return self._changed[key][1]

    def has_run(self, machine_id: str, die: str) -> bool:
        """Whether a run of the die is booked on the machine (by a count: scanning the machine's runs on every
        earliest start of a die operation took 3 % of a start pass at 2,000 plant-grade orders)."""
        return self._runs_here[(machine_id, die)] > 0

    def die_of(self, task: Task) -> str | None:
        """The die the task runs with (the same on every alternative: validation says so)."""
        key = (task.order_id, task.index)
        if key not in self._die_of:
            self._die_of[key] = die_needed(task.alternatives[0], self.dies)
        return self._die_of[key]

    def before(self, runs: Sequence[DieRun], start: int) -> DieRun | None:
        """The last of `runs` (by start) that starts before `start`."""
        index = bisect.bisect_left(runs, start, key=lambda run: run.start)
        return runs[index - 1] if index else None

    def after(self, runs: Sequence[DieRun], start: int) -> DieRun | None:
        """The first of `runs` (by start) that starts at `start` or later."""
        index = bisect.bisect_left(runs, start, key=lambda run: run.start)
        return runs[index] if index < len(runs) else None

    def mounted_at(self, machine_id: str, start: int) -> str | None:
        """The die on the machine just before `start` (the last one mounted there before it)."""
        previous = self.before(self.on_machine[machine_id], start)
        return previous.die if previous is not None else self.mounted.get(machine_id)

    def keeps(self, machine_id: str, die: str, start: int) -> bool:
        """A run of `die` on the machine at `start` needs no change: the die is mounted there then, and its last
        use before (if any) was there (`planner.scheduling.rules.die_mounts.die_changes` says the same)."""
        if self.mounted_at(machine_id, start) != die:
            return False
        last_use = self.before(self.of_die[die], start)
        return last_use is None or last_use.machine_id == machine_id

    def blocked_until(self, machine_id: str, die: str, start: int, duration: int, mount: int) -> int | None:
        """None when a run of `die` on the machine at `start` (with a change of `mount` in front) leaves every booked
        run valid; else a time before which no such run is: the end of what it clashes with."""
        held_from, end = start - mount, start + duration
        for run in self.of_die[die]:  # the die is changed or running elsewhere then
            if run.held_from < end and held_from < run.end:
                return run.end
        next_here = self.after(self.on_machine[machine_id], start)
        if next_here is not None and next_here.mount == 0 and next_here.die != die:
            return next_here.end  # it keeps its die from the run before it: nothing else may come between
        next_use = self.after(self.of_die[die], start)
        if next_use is not None and next_use.mount == 0 and next_use.machine_id != machine_id:
            return next_use.end  # the die stays mounted there until then
        return None

    def book(self, run: DieRun) -> None:
        bisect.insort(self.on_machine[run.machine_id], run, key=lambda r: r.start)
        bisect.insort(self.of_die[run.die], run, key=lambda r: r.start)
        self._runs_here[(run.machine_id, run.die)] += 1

    def unbook(self, run: DieRun) -> None:
        self.on_machine[run.machine_id].remove(run)
        self.of_die[run.die].remove(run)
        self._runs_here[(run.machine_id, run.die)] -= 1


class DieTimeline:
    """A machine in the dispatching start whose operations may need a die: a die operation goes to the earliest
    start that keeps every booked die operation valid (`DieState.blocked_until`), with its die change in front
    where it needs one (the machine and the setters its setup needs held from the change's start)."""

    def __init__(self, machine: Timeline, machine_id: str, state: DieState) -> None:
        self.machine = machine
        self.machine_id = machine_id
        self.state = state
        self._booked: dict[int, DieRun] = {}

    def _die(self, lot: Alternative | None) -> str | None:
        return die_needed(lot, self.state.dies) if lot is not None else None

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        die = self._die(lot)
        if die is None or lot is None:
            return self.machine.earliest_start(ready, duration, lot)
        mount = self.state.dies[die].mount_minutes
        floor = max(ready, 0)
        may_keep = self.state.mounted.get(self.machine_id) == die or self.state.has_run(self.machine_id, die)
        while True:
            kept = self.machine.earliest_start(floor, duration, lot) if may_keep else None
            changed = self.machine.earliest_start(max(floor - mount, 0), duration + mount,
                                                  self.state.with_change(lot, mount))
            if changed is not None:
                changed += mount
            if kept is not None and self.state.keeps(self.machine_id, die, kept) and (
                    changed is None or kept <= changed) and self._blocked(die, kept, duration, 0) is None:
                return kept
            if changed is None:
                return None
            blocked = self._blocked(die, changed, duration, mount)
            if blocked is None:
                return changed
            floor = max(blocked, floor + 1)

    def _blocked(self, die: str, start: int, duration: int, mount: int) -> int | None:
        return self.state.blocked_until(self.machine_id, die, start, duration, mount)

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        die = self._die(lot)
        if die is None or lot is None:
            self.machine.reserve(start, duration, lot)
            return
        keeps = self.state.keeps(self.machine_id, die, start) and self._blocked(die, start, duration, 0) is None
        mount = 0 if keeps else self.state.dies[die].mount_minutes
        self.machine.reserve(start - mount, duration + mount, self.state.with_change(lot, mount) if mount else lot)
        run = DieRun(start, start + duration, die, self.machine_id, mount)
        self._booked[start] = run
        self.state.book(run)

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        die = self._die(lot)
        if die is None or lot is None:
            self.machine.release(start, duration, lot)
            return
        run = self._booked.pop(start)
        self.machine.release(start - run.mount, duration + run.mount,
                             self.state.with_change(lot, run.mount) if run.mount else lot)
        self.state.unbook(run)


def die_state(request: PlanRequest) -> DieState | None:
    """The dispatching start's die bookkeeping, None when no operation needs a die."""
    return DieState(dies_of(request), initial_mounts(request)) if has_dies(request) else None


# --- die campaigns ---------------------------------------------------------------------------------------------------


CAMPAIGN_LOOKAHEAD = 60
"""A campaign lot is one of this many ready operations with the best priorities: the scan of the whole ready queue
for each change made a start pass quadratic in the orders (the 2,000-order scaled demo plant: 39 s for 8 passes,
11 s without campaigns); a lot further down the queue is due so much later that casting it now rarely pays."""


@dataclass(frozen=True)
class Candidate:
    """A ready operation as the start sees it: the task, when it may start on each machine, the latest end
    that keeps its order on time (due minus the shortest work after it)."""

    task: Task
    ready: Callable[[Alternative], int]
    on_time_until: float


def campaign_first(state: DieState, timelines: Mapping[str, Timeline], first: Candidate,
                   queued: Iterable[tuple[Task, Callable[[], Candidate]]]) -> int | None:
    """The position in `queued` (by priority, best first: each task, and how to see it as a candidate) of the lot
    to place before `first` so that the die mounted on `first`'s machine runs its campaign on; None when `first`
    goes now (see the module docstring)."""
    die = state.die_of(first.task)
    placed = _earliest_end(first.task, timelines, first.ready) if die is not None else None
    if die is None or placed is None:
        return None
    lot, start = placed
    machine_id = lot.machine_id
    mounted = state.mounted_at(machine_id, start)
    if mounted is None or state.keeps(machine_id, die, start):
        return None  # no change on the machine
    change_start = start - state.dies[die].mount_minutes
    for position, (task, seen) in enumerate(itertools.islice(queued, CAMPAIGN_LOOKAHEAD)):
        if task.running or state.die_of(task) != mounted:
            continue
        alternative = task.alternative(machine_id)
        if alternative is None:
            continue
        candidate = seen()
        begins = timelines[machine_id].earliest_start(candidate.ready(alternative), alternative.duration, alternative)
        if begins is None or begins > change_start or not state.keeps(machine_id, mounted, begins):
            continue
        if start + lot.duration + alternative.duration > first.on_time_until:
            continue  # the first lot would be late (or later) behind the campaign
        return position
    return None


def _earliest_end(task: Task, timelines: Mapping[str, Timeline],
                  ready: Callable[[Alternative], int]) -> tuple[Alternative, int] | None:
    """Where and when the task would start if placed now: the alternative where it ends earliest."""
    best: tuple[Alternative, int] | None = None
    for alternative in task.alternatives:
        start = timelines[alternative.machine_id].earliest_start(ready(alternative), alternative.duration, alternative)
        if start is not None and (best is None or start + alternative.duration < best[1] + best[0].duration):
            best = (alternative, start)
    return best
