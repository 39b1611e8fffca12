"""Fix-and-optimize: a second thread that improves the MIP's incumbent while HiGHS searches for the bound.

This module owns `Incumbents` (the best plan found so far, shared between HiGHS' callbacks and the
improving thread) and `fix_and_optimize`, the improving loop. HiGHS' branch-and-bound on these models
runs on one core; the loop uses another. It takes the best plan, frees the setup decisions of a window
of consecutive buckets, fixes every other setup to the plan's value, and solves that small MIP with
the plan as its start and its cost as the cutoff. A window that gives a cheaper plan replaces it.
Windows slide by half their width; a full pass without gain widens them by two buckets, so the
neighbourhood grows towards the whole model (Helber & Sahling 2010 describe the method for
multi-level lot sizing).

When HiGHS has no plan after `CONSTRUCT_AFTER_SECONDS` (tight capacity with setup times can keep it
from finding any within a minute), the thread first builds one by relax-and-fix: windows of
`CONSTRUCT_WINDOW_BUCKETS` buckets with integer setups, the setups of earlier buckets fixed to what the
previous windows chose and those of later buckets relaxed to [0, 1], advancing by
`CONSTRUCT_STEP_BUCKETS`. It stops as soon as HiGHS hands over a plan.

The main MIP keeps its own search and bound; the caller returns the cheaper of the two plans. HiGHS
1.12 takes a user solution only before its root node, so improved plans cannot prune its tree; the
caller stops the MIP instead once the shared plan meets its dual bound.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
from highspy.highs import HighsCallbackEvent

from planner.lotsizing.formulation import FloatArray, IntArray, SparseProblem, configured_highs
from planner.lotsizing.model import LotSizingOptions

logger = logging.getLogger(__name__)

# Measured on Trigeiro X (10 items x 20 buckets, 2-core machine): 5-bucket windows with at most 3 s
# per window improved the 60 s plans of the tight classes by 0.3-1.3 %; wider first windows spent
# most of the budget in single sub-MIPs.
FIRST_WINDOW_BUCKETS = 5
WINDOW_GROWTH_BUCKETS = 2
SUB_MIP_SECONDS = 3.0
# Relax-and-fix when HiGHS has no plan after this long: on Trigeiro X it has one within a second where it
# finds one at all; X11429C and X11429D had none after 60 s, and relax-and-fix with 6-bucket windows
# advancing by 3 found plans 3.1 % and 3.5 % above HiGHS' bound in about 28 s.
CONSTRUCT_AFTER_SECONDS = 2.0
CONSTRUCT_WINDOW_BUCKETS = 6
CONSTRUCT_STEP_BUCKETS = 3
CONSTRUCT_STEP_SECONDS = 5.0
CONSTRUCT_STEP_GAP = 1e-3
# Waiting for the main MIP's first plan is polled this often.
_POLL_SECONDS = 0.05


@dataclass
class Incumbents:
    """The cheapest plan seen so far (column values and cost), safe to update from any thread."""

    values: FloatArray | None = None
    objective: float = float("inf")
    improvements: int = 0  # plans that the improving thread found (not HiGHS)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def offer(self, values: FloatArray, objective: float, from_improver: bool = False) -> bool:
        """Keep the plan if it is cheaper than the best one; says whether it was kept."""
        with self._lock:
            if objective >= self.objective - 1e-9 * max(1.0, abs(self.objective)):
                return False
            self.values, self.objective = values, objective
            self.improvements += int(from_improver)
            return True

    def best(self) -> tuple[FloatArray | None, float]:
        with self._lock:
            return self.values, self.objective


def fix_and_optimize(problem: SparseProblem, setup_columns: IntArray, incumbents: Incumbents,
                     options: LotSizingOptions, deadline: float, stop: threading.Event) -> None:
    """Improve `incumbents` by window sub-MIPs until `stop` is set or `deadline` (perf_counter) passes.

    `setup_columns` is [item, bucket]. Every sub-MIP is the full model with some setup columns fixed,
    so each plan it returns is feasible for the full model.
    """
    buckets = setup_columns.shape[1]
    waiting_since = time.perf_counter()
    while incumbents.best()[0] is None:
        if stop.wait(_POLL_SECONDS) or time.perf_counter() >= deadline:
            return
        if time.perf_counter() - waiting_since >= CONSTRUCT_AFTER_SECONDS:
            relax_and_fix(problem, setup_columns, incumbents, options, deadline, stop)
            if incumbents.best()[0] is None:
                return  # relax-and-fix found nothing: leave the time to HiGHS
    width = min(FIRST_WINDOW_BUCKETS, buckets)
    while True:
        gained = False
        for start in window_starts(buckets, width):
            remaining = deadline - time.perf_counter()
            if stop.is_set() or remaining <= 0.05:
                return
            values, objective = incumbents.best()
            assert values is not None
            free = np.zeros(setup_columns.shape, dtype=bool)
            free[:, start:start + width] = True
            found = _solve_window(problem, setup_columns[~free], values, objective, options,
                                  min(SUB_MIP_SECONDS, remaining), stop)
            if found is not None and incumbents.offer(found[0], found[1], from_improver=True):
                logger.debug("fix-and-optimize: buckets %d-%d give %.6g", start, start + width - 1, found[1])
                gained = True
        if not gained:
            if width >= buckets:
                return  # the whole model was solved from the best plan without gain
            width = min(width + WINDOW_GROWTH_BUCKETS, buckets)


def relax_and_fix(problem: SparseProblem, setup_columns: IntArray, incumbents: Incumbents,
                  options: LotSizingOptions, deadline: float, stop: threading.Event) -> None:
    """Build a first plan window by window (see the module text) and offer it; gives up on a window without
    a plan, and stops once `incumbents` has a plan from elsewhere."""
    buckets = setup_columns.shape[1]
    chosen = np.zeros(setup_columns.shape)
    start = 0
    while True:
        remaining = deadline - time.perf_counter()
        if stop.is_set() or remaining <= 0.05 or incumbents.best()[0] is not None:
            return
        end = min(start + CONSTRUCT_WINDOW_BUCKETS, buckets)
        highs = _highs(options, min(CONSTRUCT_STEP_SECONDS, remaining), stop)
        highs.setOptionValue("mip_rel_gap", max(options.relative_gap, CONSTRUCT_STEP_GAP))
        problem.load_into(highs)
        later = setup_columns[:, end:].ravel()
        if later.size:
            highs.changeColsIntegrality(later.size, later.astype(np.int32), np.zeros(later.size, np.int32))
        done = setup_columns[:, :start].ravel()
        if done.size:
            values = chosen[:, :start].ravel()
            highs.changeColsBounds(done.size, done.astype(np.int32), values, values)
        highs.run()
        info = highs.getInfo()
        if info.primal_solution_status != highspy.kSolutionStatusFeasible:
            logger.info("relax-and-fix: no plan for buckets %d-%d", start, end - 1)
            return
        solution = np.asarray(highs.getSolution().col_value)
        if end == buckets:
            incumbents.offer(solution, float(info.objective_function_value), from_improver=True)
            return
        fixed_until = min(start + CONSTRUCT_STEP_BUCKETS, buckets)
        chosen[:, start:fixed_until] = np.round(solution[setup_columns[:, start:fixed_until]])
        start = fixed_until


def _highs(options: LotSizingOptions, time_limit: float, stop: threading.Event) -> highspy.Highs:
    """A quiet HiGHS instance with the options' tolerances and threads that a set `stop` interrupts, so
    the caller is not held up once the main MIP has ended."""
    highs = configured_highs(options, time_limit)

    def stop_requested(event: HighsCallbackEvent) -> None:
        if stop.is_set():
            event.interrupt()

    highs.cbMipInterrupt.subscribe(stop_requested)
    return highs


def window_starts(buckets: int, width: int) -> list[int]:
    """First buckets of the windows of one pass: steps of half the width, the last window ending at the
    last bucket."""
    step = max(1, width // 2)
    starts = list(range(0, max(buckets - width, 0) + 1, step))
    if starts[-1] + width < buckets:
        starts.append(buckets - width)
    return starts


def _solve_window(problem: SparseProblem, fixed: IntArray, values: FloatArray, objective: float,
                  options: LotSizingOptions, time_limit: float,
                  stop: threading.Event) -> tuple[FloatArray, float] | None:
    """The model with `fixed` setup columns held at the plan's values; its plan if HiGHS found one."""
    highs = _highs(options, time_limit, stop)
    # Only plans cheaper than the incumbent are of use; HiGHS prunes everything else.
    highs.setOptionValue("objective_bound", objective)
    problem.load_into(highs)
    setups = np.round(values[fixed])
    highs.changeColsBounds(fixed.size, fixed.astype(np.int32), setups, setups)
    start = highspy.HighsSolution()
    start.col_value = values.tolist()
    start.value_valid = True
    highs.setSolution(start)
    highs.run()
    info = highs.getInfo()
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return None
    return np.asarray(highs.getSolution().col_value), float(info.objective_function_value)
