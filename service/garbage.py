"""The garbage collector's settings while serving, for the server process and every solver process alike."""

from __future__ import annotations

import gc

# First-generation threshold of the garbage collector while serving (Python's default is 700): each
# forecast call allocates thousands of short-lived objects, and with the default the collector ran
# often enough to show in the tail (docs/PERFORMANCE.md). A plan at plant scale allocates hundreds of
# thousands (tasks, timelines, scheduled operations), and with the default two full collections of
# the solver process's heap took 0.15-0.33 s of a 1 s plan of 2,000 plant-grade orders (load 2.8).
GC_THRESHOLD = (50_000, 50, 100)


def settle_garbage_collector() -> None:
    """After start-up: move everything loaded so far (models, modules, the compiled searches) out of the
    collector's reach (`gc.freeze`) and collect the young generation less often. Measured with
    `loadtests.openloop` at 200 forecast calls/s: p99 117-201 ms -> 64-74 ms."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
