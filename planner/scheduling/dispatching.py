"""A fast initial schedule from dispatching rules, used as the CP-SAT solution hint.

Serial schedule generation: repeatedly take the ready operation (its predecessor placed) with the
best priority and put it on the eligible machine where it ends earliest, in the first gap of that
machine's working time that fits it (gaps left earlier may be filled later). Plant rules: an
operation running at plan start (work in progress) is placed first, at minute 0 on its machine; an
operation becomes ready its minimum time lag after its predecessor ends, or, taking transfer
batches, its transfer delay (on each machine) after its predecessor starts; operations linked by
maximum time lags are placed together as a chain, started later until every link holds (or the chain
gives up); in a precedence graph the tasks are placed in topological order, each ready once every
predecessor's minimum lag is over, and a start that breaks a graph's maximum lag is dropped (CP-SAT then
starts without one: `planner.scheduling.rules.precedence`); on a batch machine a lot joins the earliest load
of its recipe that starts once it is ready and has room, or opens a new load (with recipe changeovers: after the
machine's last load, its changeover right before it) (`planner.scheduling.rules.batching`); an operation that
consumes materials starts once the stock covers it
(`planner.scheduling.rules.materials`), and what an operation produces enters stock at its end, waking the operations
that waited for it (in a precedence graph a later ready task that finds its stock goes first:
`planner.scheduling.rules.stock`); a die operation goes where every die operation placed keeps its die or change,
with its own die change in front where it needs one, and a lot of the die still mounted may go before a change
(die campaigns: `planner.scheduling.die_start`); an operation that may pause starts in
working time with its setup inside that stretch and holds its machine until its work is done in working time
(`planner.scheduling.rules.pausing`); on a machine with family changeovers a lot goes where the changeover from
the lot before it and the one to the lot after it fit (`planner.scheduling.rules.changeovers.ChangeoverTimeline`).
Several priority rules are tried and the schedule with the best
objective wins; this costs milliseconds and gives CP-SAT a complete, valid start, so short time limits
still give good plans.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from planner.calendar import Interval
from planner.domain import NO_MACHINE, Machine, Objective, PlanRequest
from planner.scheduling.die_start import Candidate, DieState, DieTimeline, campaign_first, die_state
from planner.scheduling.machine_timeline import MachineTimeline
from planner.scheduling.model import Hint
from planner.scheduling.priority_rules import FIRST_RULE, MAKESPAN_RULES, TARDINESS_RULES, Priority
from planner.scheduling.rules.batching import LoadTimeline, Timeline
from planner.scheduling.rules.changeovers import changeover_timelines
from planner.scheduling.rules.die_mounts import has_dies
from planner.scheduling.rules.materials import (
    MaterialStock,
    MaterialTimeline,
    component_ids,
    fixed_supply,
    has_materials,
    scaled_supply,
    starved,
)
from planner.scheduling.rules.oven_rules import needs_model_start
from planner.scheduling.rules.pausing import clock_end
from planner.scheduling.rules.precedence import has_graph_max_lags
from planner.scheduling.rules.resources import (
    ManualWork,
    ResourceTimeline,
    ResourceUse,
    Segment,
    capacity_profiles,
    has_resources,
)
from planner.scheduling.rules.sequence import dispatch_blockers
from planner.scheduling.rules.skills import has_skills
from planner.scheduling.rules.staffing import PeopleLedger, PeopleTimeline
from planner.scheduling.rules.transfer_batches import transfer_delay
from planner.scheduling.tasks import Alternative, Job, Task


@dataclass
class _Ready:
    job: int
    position: int
    ready_at: int
    previous: tuple[Alternative, int] | None = None
    """Where and when the job's previous task was placed."""
    release: int = 0
    placed: dict[int, tuple[Alternative, int]] | None = None
    """Precedence graph: where and when each placed task of the job (by routing index) runs."""
    end: Callable[[Alternative, int], int] = lambda alternative, start: start + alternative.duration
    """Where a task started on an alternative ends (later than start + duration when it pauses)."""

    def earliest(self, task: Task) -> Callable[[Alternative], int]:
        """When the task may start on each of its machines: `ready_at`, or for a task taking transfer
        batches, its transfer delay after the previous task's start (which depends on both machines)."""
        previous, batch = self.previous, task.transfer_batch
        if previous is None or batch is None:
            return lambda _: self.ready_at
        return lambda alternative: previous[1] + transfer_delay(previous[0], alternative, batch)

    def advance(self, job: Job, placed: list[tuple[Alternative, int]]) -> None:
        """Past the placed tasks: the next one is ready after its minimum lag, or its first transfer batch."""
        if self.placed is not None:
            self.placed.update((t.index, choice) for t, choice in
                               zip(job.tasks[self.position:], placed, strict=False))
        self.position += len(placed)
        self.previous = placed[-1]
        if self.position < len(job.tasks):
            task = job.tasks[self.position]
            alternative, start = self.previous
            self.ready_at = self.end(alternative, start) + task.min_lag
            if task.predecessors is not None and self.placed is not None:
                # A graph: ready once every placed predecessor's lag is over (topological order: all are placed).
                self.ready_at = max([self.release, *(link.delay(self.placed[link.before][1], self.end(
                    *self.placed[link.before])) for link in task.predecessors if link.before in self.placed)])
            if task.transfer_batch is not None:
                self.ready_at = min(self.earliest(task)(a) for a in task.alternatives)


def dispatch(jobs: list[Job], available: dict[str, list[Interval]], rule: Priority,
             batch_capacity: Mapping[str, float] | None = None,
             resources: Mapping[str, list[Segment]] | None = None,
             supply: Mapping[str, Sequence[tuple[int, float]]] | None = None,
             components: frozenset[str] = frozenset(), staff: PlanRequest | None = None,
             dies: PlanRequest | None = None, sequence: PlanRequest | None = None,
             changeovers: PlanRequest | None = None, ovens: Mapping[str, Machine] | None = None,
             die_campaigns: bool = True) -> Hint | None:
    """One schedule by one rule; None when some operation finds no place before the horizon ends (or a
    chain of maximum time lags finds none that holds). `batch_capacity` (machine id -> capacity) names the
    batch machines, whose lots join loads (`planner.scheduling.rules.batching.LoadTimeline`); `resources` (resource id
    -> capacity profile) the secondary resources operations wait for (`planner.scheduling.rules.resources`); `supply`
    (stock item -> fixed supply) the materials they take at their start, and `components` the products whose
    orders add to that stock when they complete (`planner.scheduling.rules.materials`): an operation whose component
    is not made yet waits until some order of it completes. With `staff` (the request), operations that need people
    by skill wait until each unit has a different free person (`planner.scheduling.rules.staffing.PeopleTimeline`).
    With `sequence` (the request), the later operation of a sequence rule waits until the earlier one is placed,
    and on the rule's machine until it ends (`planner.scheduling.rules.sequence`; the first task of a max-lag chain)."""
    jobs = list(jobs)  # a graph job's tasks may be reordered below (`_fed_first`); the caller's list stays
    batch_capacity = batch_capacity or {}
    timelines: dict[str, Timeline] = {
        m: LoadTimeline(MachineTimeline(w), batch_capacity[m], (ovens or {}).get(m)) if m in batch_capacity
        else MachineTimeline(w)
        for m, w in available.items()}
    timelines[NO_MACHINE] = ManualWork()  # manual work: only its resources hold it back
    if resources:
        use = ResourceUse(dict(resources))
        timelines = {m: ResourceTimeline(timeline, use) for m, timeline in timelines.items()}
    if staff is not None:
        ledger = PeopleLedger(staff)
        timelines = {m: PeopleTimeline(timeline, staff, ledger) for m, timeline in timelines.items()}
    die_book = die_state(dies) if dies is not None else None
    if die_book is not None:  # die operations keep their die's order and book their die changes
        timelines = {m: DieTimeline(timeline, m, die_book) if m != NO_MACHINE else timeline
                     for m, timeline in timelines.items()}
    stock = MaterialStock(supply) if supply is not None else None
    if stock is not None:
        timelines = {m: MaterialTimeline(timeline, stock) for m, timeline in timelines.items()}
    if changeovers is not None:  # with `changeovers` (the request), family changeovers between lots on a machine
        timelines = changeover_timelines(changeovers, timelines, jobs, clock_ends(available))
    starving: list[_Ready] = []  # waiting for a component order to complete
    blockers = dispatch_blockers(sequence, jobs) if sequence is not None else {}
    blocked: dict[tuple[str, int], list[_Ready]] = {}  # waiting for the earlier task of a sequence rule
    ends: dict[tuple[str, int], tuple[str, int]] = {}  # placed task -> (machine, end)
    finish = [0] * len(jobs)
    remaining = [[sum(t.shortest for t in job.tasks[i:]) for i in range(len(job.tasks))] for job in jobs]
    placed: Hint = {}
    ready = []
    end = clock_ends(available)
    for j, job in enumerate(jobs):
        entry = _Ready(j, 0, max(job.order.release, 0), release=max(job.order.release, 0),
                       placed={} if job.tasks and job.tasks[0].predecessors is not None else None, end=end)
        if job.tasks and job.tasks[0].running:  # work in progress keeps its machine from plan start
            running = job.tasks[0]
            only = running.alternatives[0]
            timelines[only.machine_id].reserve(0, only.duration, only)  # with the resources it holds
            placed[(running.order_id, running.index)] = (only.key, 0)  # its machine, and its mode if any
            if stock is not None:  # what it produces enters stock when it ends (`planner.scheduling.rules.stock`)
                for stock_id, amount in running.produces:
                    stock.add(stock_id, end(only, 0), amount)
            entry = _Ready(j, 0, 0, release=entry.release, placed=entry.placed, end=end)
            entry.advance(job, [(only, 0)])
        if entry.position < len(job.tasks):
            ready.append(entry)
        elif stock is not None and job.order.product_id in components:  # only its running operation was left
            stock.add(job.order.product_id, job.tasks[0].alternatives[0].duration, scaled_supply(job.order.quantity))

    def key(entry: _Ready) -> tuple[float, int]:
        # A ready operation's priority only changes when its job advances, so a heap keyed by (priority, job)
        # picks what min() over the ready list would (ties to the earlier job) in log time: 2,000 orders
        # took 35 s with the scan.
        return rule(jobs[entry.job], jobs[entry.job].tasks[entry.position], entry.ready_at,
                    remaining[entry.job][entry.position]), entry.job

    queue = [(key(entry), entry) for entry in ready]
    heapq.heapify(queue)
    while queue:
        best_key, best = heapq.heappop(queue)
        if die_book is not None and die_campaigns:  # a lot of the die still mounted goes before a die change
            best = _die_campaign((best_key, best), queue, die_book, timelines, jobs, remaining)
        job = jobs[best.job]
        chain = _max_lag_chain(job, best.position)
        latest = None
        first = job.tasks[best.position]
        if first.max_lag is not None:  # after a running operation, which cannot move
            latest = best.ready_at - first.min_lag + first.max_lag
        if stock is not None and starved(first, stock, best.ready_at):
            fed = _fed_first(job, best, stock, end)
            if fed is not None:  # a precedence graph: a ready task that finds its stock goes first
                jobs[best.job], best.ready_at = fed
                remaining[best.job] = [sum(t.shortest for t in fed[0].tasks[i:]) for i in range(len(fed[0].tasks))]
                heapq.heappush(queue, (key(best), best))
                continue
            starving.append(best)
            continue
        waits = [b for t in chain for _, b in blockers.get((t.order_id, t.index), []) if b not in ends]
        if waits:
            blocked.setdefault(waits[0], []).append(best)
            continue
        floors = {m: ends[b][1] for m, b in blockers.get((first.order_id, first.index), []) if ends[b][0] == m}
        choices = _place_chain(chain, timelines, _after_rules(best.earliest(first), floors), latest, end)
        if choices is None:
            return None
        for task, (alternative, start) in zip(chain, choices, strict=True):
            placed[(task.order_id, task.index)] = (alternative.key, start)  # machine, and mode where there are modes
            finished = end(alternative, start)  # once: a pausing lot's end walks its machine's working time
            finish[best.job] = max(finish[best.job], finished)
            ends[(task.order_id, task.index)] = (alternative.machine_id, finished)
            for entry in blocked.pop((task.order_id, task.index), []):
                heapq.heappush(queue, (key(entry), entry))
            if stock is not None and task.produces:  # its output enters stock at its end: wake who waited for it
                for stock_id, amount in task.produces:
                    stock.add(stock_id, finished, amount)
                for entry in starving:
                    heapq.heappush(queue, (key(entry), entry))
                starving.clear()
        best.advance(job, choices)
        if best.position < len(job.tasks):
            heapq.heappush(queue, (key(best), best))
        elif stock is not None and job.order.product_id in components:  # a component order is done: in stock
            stock.add(job.order.product_id, finish[best.job], scaled_supply(job.order.quantity))
            for entry in starving:
                heapq.heappush(queue, (key(entry), entry))
            starving.clear()
    return None if starving or blocked else placed


def _die_campaign(best: tuple[tuple[float, int], _Ready], queue: list[tuple[tuple[float, int], _Ready]],
                  state: DieState, timelines: Mapping[str, Timeline], jobs: list[Job],
                  remaining: list[list[int]]) -> _Ready:
    """The popped `best`, or the queued lot that runs the die mounted on its machine first
    (`planner.scheduling.die_start`); `best` then goes back to the queue."""
    def candidate(entry: _Ready) -> Candidate:
        job, task = jobs[entry.job], jobs[entry.job].tasks[entry.position]
        return Candidate(task, entry.earliest(task), job.order.due - remaining[entry.job][entry.position]
                         + task.shortest)
    def queued() -> Iterator[tuple[Task, Callable[[], Candidate]]]:
        queue.sort()  # by priority (a sorted list is a heap); only when a change is in question
        for _, entry in queue:
            yield jobs[entry.job].tasks[entry.position], functools.partial(candidate, entry)
    position = campaign_first(state, timelines, candidate(best[1]), queued())
    if position is None:
        return best[1]
    _, chosen = queue.pop(position)  # still sorted, so still a heap
    heapq.heappush(queue, best)
    return chosen


def _fed_first(job: Job, entry: _Ready, stock: MaterialStock,
               end: Callable[[Alternative, int], int]) -> tuple[Job, int] | None:
    """In a precedence graph, the job with the first later task that is ready (every predecessor placed) and finds
    its stock moved to the entry's position (still a topological order), and when it may start; None when there is
    none or the job is a chain. So a task waiting for what a later task of its own job produces does not stop the
    job (`planner.scheduling.rules.stock`)."""
    if entry.placed is None:
        return None
    for position in range(entry.position + 1, len(job.tasks)):
        task = job.tasks[position]
        if task.predecessors is None or any(link.before not in entry.placed for link in task.predecessors):
            continue
        ready = max([entry.release, *(link.delay(entry.placed[link.before][1], end(*entry.placed[link.before]))
                                      for link in task.predecessors)])
        if not starved(task, stock, ready):
            tasks = list(job.tasks)
            tasks.insert(entry.position, tasks.pop(position))
            return Job(order=job.order, tasks=tuple(tasks)), ready
    return None


def _max_lag_chain(job: Job, position: int) -> list[Task]:
    """The task at `position` and the ones after it that must start within a maximum lag of their predecessor."""
    end = position + 1
    while end < len(job.tasks) and job.tasks[end].max_lag is not None:
        end += 1
    return list(job.tasks[position:end])


def clock_ends(available: Mapping[str, list[Interval]]) -> Callable[[Alternative, int], int]:
    """Where a task started on an alternative ends: start + duration, or for one that pauses, once its work is
    done in the machine's working time (`planner.scheduling.rules.pausing`)."""
    def end(alternative: Alternative, start: int) -> int:
        if not alternative.may_pause:
            return start + alternative.duration
        finished = clock_end(start, alternative.duration, alternative.setup, available.get(alternative.machine_id, []))
        return finished if finished is not None else start + alternative.duration
    return end


def _place_chain(chain: list[Task], timelines: dict[str, Timeline], ready: Callable[[Alternative], int],
                 latest: int | None,
                 end: Callable[[Alternative, int], int] = lambda a, start: start + a.duration,
                 ) -> list[tuple[Alternative, int]] | None:
    """Place the chain's tasks one after the other, each on its earliest-ending machine after its minimum lag.
    Where a task would start after its maximum lag, the whole chain starts later by the excess and is placed
    again (the start only grows, so this ends at the horizon at the latest). The reservations stay when the
    chain holds; None when it cannot hold or the first task would start after `latest`."""
    earliest = min(ready(a) for a in chain[0].alternatives)
    while latest is None or earliest <= latest:
        choices: list[tuple[Alternative, int]] = []
        excess = 0
        for task in chain:
            if choices:
                after = end(*choices[-1]) + task.min_lag
                choice = _best_machine(task.alternatives, timelines, _not_before(_anywhere, after))
            else:
                choice = _best_machine(task.alternatives, timelines, _not_before(ready, earliest))
            if choice is None:
                break
            if choices and task.max_lag is not None:
                excess = choice[1] - (end(*choices[-1]) + task.max_lag)
                if excess > 0:
                    break
            timelines[choice[0].machine_id].reserve(choice[1], choice[0].duration, choice[0])
            choices.append(choice)
        if len(choices) == len(chain) and (latest is None or choices[0][1] <= latest):
            return choices
        for alternative, start in choices:
            timelines[alternative.machine_id].release(start, alternative.duration, alternative)
        if excess <= 0:
            return None
        earliest = choices[0][1] + excess
    return None


def _after_rules(ready: Callable[[Alternative], int], floors: Mapping[str, int]) -> Callable[[Alternative], int]:
    """`ready`, and on a machine of a sequence rule not before the rule's earlier task ends there."""
    if not floors:
        return ready
    return lambda alternative: max(ready(alternative), floors.get(alternative.machine_id, 0))


def _anywhere(alternative: Alternative) -> int:
    return 0


def _not_before(ready: Callable[[Alternative], int], floor: int) -> Callable[[Alternative], int]:
    return lambda alternative: max(ready(alternative), floor)


def _best_machine(
    alternatives: tuple[Alternative, ...], timelines: dict[str, Timeline], ready: Callable[[Alternative], int]
) -> tuple[Alternative, int] | None:
    best: tuple[Alternative, int] | None = None
    for alternative in alternatives:
        start = timelines[alternative.machine_id].earliest_start(ready(alternative), alternative.duration, alternative)
        if start is not None and (best is None or start + alternative.duration < best[1] + best[0].duration):
            best = (alternative, start)
    return best


def hint_objective(request: PlanRequest, jobs: list[Job], hint: Hint,
                   available: Mapping[str, list[Interval]] | None = None) -> float:
    """The objective a complete hint achieves (weighted tardiness or makespan, in minutes); with the machines'
    working time `available`, operations that pause end once their work is done there."""
    completion = order_completions(jobs, hint, available)
    if request.options.objective == Objective.MAKESPAN:
        return float(max(completion.values(), default=0))
    return sum(job.order.weight * max(0, completion[job.order.id] - job.order.due) for job in jobs)


def order_completions(jobs: list[Job], hint: Hint, available: Mapping[str, list[Interval]] | None = None
                      ) -> dict[str, int]:
    """Order id -> when its last operation ends in the complete hint (pauses included with `available`)."""
    end = clock_ends(available or {})
    completion = {}
    for job in jobs:
        ends = []
        for task in job.tasks:  # every task: in a precedence graph the last one listed need not end last
            machine_id, start = hint[(task.order_id, task.index)]
            alternative = task.alternative(machine_id)
            assert alternative is not None
            ends.append(end(alternative, start))
        completion[job.order.id] = max(ends, default=0)
    return completion


CAMPAIGN_PASS_FACTOR = 3.0
"""A pass with die campaigns takes about this many times one without (720 plant-grade orders, load 12: 0.9-2.5 s
against 0.3-0.8 s): the estimate `best_dispatch` uses with `seconds` before it has timed one."""


@dataclass(frozen=True)
class Pass:
    """One dispatching pass: a priority rule, with or without die campaigns (`planner.scheduling.die_start`)."""

    rule: Priority
    campaigns: bool


class PlantDispatcher:
    """What every pass over a request needs (batch capacities, resource profiles, fixed supply, the rules in force),
    derived once: `best_pass` and the iterated greedy (`planner.scheduling.redispatch`) run many passes."""

    def __init__(self, request: PlanRequest, available: dict[str, list[Interval]]) -> None:
        self.request = request
        self.available = available
        self.capacities = {m.id: m.batch_capacity for m in request.factory.machines if m.batch_capacity is not None}
        self.profiles = capacity_profiles(request) if has_resources(request) else None
        self.supply = fixed_supply(request) if has_materials(request) else None
        self.components = frozenset(component_ids(request))
        self.graph_lags = has_graph_max_lags(request)
        self.ovens = {m.id: m for m in request.factory.machines if m.recipe_changeovers}

    def run(self, jobs: list[Job], one: Pass) -> Hint | None:
        """One schedule (`dispatch`); None where it found none or broke a precedence graph's maximum lag. The jobs'
        orders are read by the rule only: a caller may hand in orders with other due dates or weights."""
        request = self.request
        hint = dispatch(jobs, self.available, one.rule, self.capacities, self.profiles, self.supply, self.components,
                        staff=request if has_skills(request) else None, dies=request if has_dies(request) else None,
                        die_campaigns=one.campaigns, sequence=request if request.sequence_rules else None,
                        changeovers=request if request.factory.changeovers else None, ovens=self.ovens)
        if hint is not None and self.graph_lags and not _graph_lags_hold(jobs, hint):
            return None  # the start does not keep a graph's maximum lags: CP-SAT starts without it
        return hint


def best_dispatch(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]],
                  seconds: float | None = None) -> Hint | None:
    """The best schedule over the objective's priority rules (`best_pass`), None when no rule found one."""
    found = best_pass(request, jobs, available, seconds)
    return found[0] if found is not None else None


def best_pass(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]],
              seconds: float | None = None) -> tuple[Hint, Pass, float] | None:
    """The best schedule over the objective's priority rules, the pass that made it and its objective (None when no
    rule found a complete one). With `seconds`, the passes without die campaigns go first (the cheap kind, each
    rule once), then those with campaigns, and once a schedule is there no pass starts that would not end within
    `seconds` by the time the last pass of its kind took (a plant-scale request's first plan comes within seconds:
    issue 21). The rule matters more than the campaigns at plant scale (2,000 plant-grade orders: 12.9 to 24.9
    million weighted minutes by rule, campaigns changing a rule's by 0-3 %; 720 orders: due dates 91,278 with and
    without, slack 644,597), and a campaign pass takes about CAMPAIGN_PASS_FACTOR times as long."""
    started = time.perf_counter()
    if needs_model_start(request):  # a minimum fill: the loads here ignore it
        return None
    rules = MAKESPAN_RULES if request.options.objective == Objective.MAKESPAN else TARDINESS_RULES
    dispatcher = PlantDispatcher(request, available)
    best: tuple[Hint, Pass, float] | None = None
    passes = [Pass(rule, campaigns) for rule, campaigns in
              itertools.product(rules, (True, False) if has_dies(request) else (True,))]
    if seconds is not None:  # every rule without campaigns first, then with them; `FIRST_RULE` first in each
        both = len(passes) > len(rules)
        passes.sort(key=lambda one: (one.campaigns and both, one.rule is not FIRST_RULE))
    took: dict[bool, float] = {}
    for one in passes:
        expected = took.get(one.campaigns, CAMPAIGN_PASS_FACTOR * took.get(False, 0.0) if one.campaigns else 0.0)
        if seconds is not None and best is not None and time.perf_counter() - started + expected > seconds:
            continue  # would not end in time (another kind of pass may)
        began = time.perf_counter()
        hint = dispatcher.run(jobs, one)
        took[one.campaigns] = time.perf_counter() - began
        value = hint_objective(request, jobs, hint, available) if hint is not None else math.inf
        if hint is not None and (best is None or value < best[2]):
            best = (hint, one, value)
    return best


def _graph_lags_hold(jobs: list[Job], hint: Hint) -> bool:
    """Whether every maximum (and negative start-to-start) lag of the jobs' precedence graphs holds in the hint;
    the serial placement keeps the minimum lags only."""
    for job in jobs:
        runs = {}
        for task in job.tasks:
            machine_id, start = hint[(task.order_id, task.index)]
            alternative = task.alternative(machine_id)
            assert alternative is not None
            runs[task.index] = (start, start + alternative.duration)
        for task in job.tasks:
            for link in task.predecessors or ():
                latest = link.latest(*runs[link.before])
                if runs[task.index][0] < link.delay(*runs[link.before]) or (
                        latest is not None and runs[task.index][0] > latest):
                    return False
    return True
