"""Fix-and-optimize: a second thread that improves the MIP's incumbent while HiGHS searches for the bound.

This module owns `Incumbents` (the best plan found so far, shared between HiGHS' callbacks and the
improving thread) and `fix_and_optimize`, the improving loop. HiGHS' branch-and-bound on these models
runs on one core; the loop uses another. It takes the best plan, frees the setup decisions of a window
of consecutive buckets, fixes every other setup to the plan's value, and solves that small MIP with
the plan as its start and its cost as the cutoff. A window that gives a cheaper plan replaces it.
Windows slide by half their width; a full pass without gain widens them by two buckets, so the
neighbourhood grows towards the whole model (Helber & Sahling 2010 describe the method for
multi-level lot sizing).

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

from planner.lotsizing.formulation import FloatArray, IntArray, SparseProblem
from planner.lotsizing.model import LotSizingOptions

logger = logging.getLogger(__name__)

# Measured on Trigeiro X (10 items x 20 buckets, 2-core machine): 5-bucket windows with at most 3 s
# per window improved the 60 s plans of the tight classes by 0.3-1.3 %; wider first windows spent
# most of the budget in single sub-MIPs.
FIRST_WINDOW_BUCKETS = 5
WINDOW_GROWTH_BUCKETS = 2
SUB_MIP_SECONDS = 3.0
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
    while incumbents.best()[0] is None:
        if stop.wait(_POLL_SECONDS) or time.perf_counter() >= deadline:
            return
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
    """The model with `fixed` setup columns held at the plan's values; its plan if HiGHS found one.

    A set `stop` interrupts it, so the caller is not held up once the main MIP has ended.
    """
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", time_limit)
    highs.setOptionValue("mip_rel_gap", options.relative_gap)
    highs.setOptionValue("random_seed", options.random_seed)
    # Only plans cheaper than the incumbent are of use; HiGHS prunes everything else.
    highs.setOptionValue("objective_bound", objective)
    if options.threads:
        highs.setOptionValue("threads", options.threads)
    problem.load_into(highs)
    setups = np.round(values[fixed])
    highs.changeColsBounds(fixed.size, fixed.astype(np.int32), setups, setups)
    start = highspy.HighsSolution()
    start.col_value = values.tolist()
    start.value_valid = True
    highs.setSolution(start)

    def stop_requested(event: HighsCallbackEvent) -> None:
        if stop.is_set():
            event.interrupt()

    highs.cbMipInterrupt.subscribe(stop_requested)
    highs.run()
    info = highs.getInfo()
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return None
    return np.asarray(highs.getSolution().col_value), float(info.objective_function_value)
