"""One machine's time in the dispatching start (`planner.scheduling.dispatching`): its working windows and the work
booked on it so far, and the earliest start at which an operation fits (first fit: gaps left earlier may be filled
later); an operation that may pause (`planner.scheduling.rules.pausing`) holds the machine until its work is done in
working time. The batch, resource, people, die, stock and changeover timelines wrap it.
"""

from __future__ import annotations

import bisect
import itertools

from planner.calendar import Interval
from planner.scheduling.rules.pausing import clock_end
from planner.scheduling.tasks import Alternative


class MachineTimeline:
    """Busy intervals of one machine inside its working windows, for first-fit insertion."""

    def __init__(self, windows: list[Interval]) -> None:
        self.windows = windows
        self._window_ends = [end for _, end in windows]
        self.busy: list[Interval] = []

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        if lot is not None and lot.may_pause:
            return self._earliest_pausing(ready, lot)
        # The windows that end before `ready` cannot hold the work: skip them at once (scanning them from the first
        # took a quarter of a dispatching pass at 2,000 plant-grade orders, 59 days of shifts per machine). The
        # pass asks 23,000 times, about two windows and five busy intervals each: plain comparisons, not max().
        busy, windows = self.busy, self.windows
        count = len(busy)
        for position in range(bisect.bisect_left(self._window_ends, ready), len(windows)):
            window_start, window_end = windows[position]
            start = window_start if window_start > ready else ready
            if window_end - start < duration:
                continue
            index = bisect.bisect_left(busy, (start, start))
            if index > 0 and busy[index - 1][1] > start:
                start = busy[index - 1][1]
            while start + duration <= window_end:
                if index >= count or busy[index][0] >= start + duration:
                    return start
                if busy[index][1] > start:
                    start = busy[index][1]
                index += 1
        return None

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        bisect.insort(self.busy, (start, self.end(lot, start, duration)))

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.busy.remove((start, self.end(lot, start, duration)))

    def end(self, lot: Alternative | None, start: int, duration: int) -> int:
        """The end of work started at `start`: a pausing lot's work resumes after each gap in the windows."""
        if lot is None or not lot.may_pause:
            return start + duration
        end = clock_end(start, duration, lot.setup, self.windows)
        return end if end is not None else start + duration

    def _earliest_pausing(self, ready: int, lot: Alternative) -> int | None:
        """First start from `ready` in working time, the setup inside its window, from which the lot's work,
        pauses included, meets no busy interval (`planner.scheduling.rules.pausing`)."""
        floor = ready
        for window_start, window_end in itertools.islice(self.windows, bisect.bisect_left(self._window_ends, ready),
                                                         None):
            start = max(window_start, floor)
            while start + max(lot.setup, 1) <= window_end:
                end = clock_end(start, lot.duration, lot.setup, self.windows)
                if end is None:
                    return None  # later starts end later still
                index = max(bisect.bisect_left(self.busy, (start, start)) - 1, 0)
                clash = next((b for b in self.busy[index:] if b[0] < end and b[1] > start), None)
                if clash is None:
                    return start
                start = floor = clash[1]
        return None
