"""Resident memory of the server over a run, sampled in a greenlet, and its growth after warm-up."""

from __future__ import annotations

import statistics
import time

import gevent

from loadtests.server import serving_rss_mb, tree_rss_mb

WINDOW_S = 30.0
"""Growth compares the median of the first this-many seconds after warm-up with that of the last ones."""


def growth_pct(samples: list[dict[str, float]], warmup_s: float, window_s: float = WINDOW_S,
               key: str = "rss_mb") -> float | None:
    """Relative growth of `key` from just after warm-up to the end of the run, in %; None if too few samples."""
    after = [s for s in samples if s["t_s"] >= warmup_s and s.get(key) is not None]
    if len(after) < 2:
        return None
    first = [s[key] for s in after if s["t_s"] < after[0]["t_s"] + window_s]
    last = [s[key] for s in after if s["t_s"] > after[-1]["t_s"] - window_s]
    if len(first) + len(last) > len(after):  # a short run: windows overlap, compare first and last samples
        first, last = [after[0][key]], [after[-1][key]]
    base = statistics.median(first)
    return round((statistics.median(last) - base) / base * 100, 2) if base else None


class MemorySampler:
    """Every `interval_s`: {"t_s", "rss_mb" (the serving processes: the server, or its replicas and their
    supervisor), "tree_rss_mb" (with the solver processes)}."""

    def __init__(self, pid: int, interval_s: float, warmup_s: float) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.warmup_s = warmup_s
        self.samples: list[dict[str, float]] = []
        self._started = time.monotonic()
        self._greenlet = gevent.spawn(self._run)

    def _sample(self) -> None:
        own, tree = serving_rss_mb(self.pid), tree_rss_mb(self.pid)
        if own is not None and tree is not None:
            self.samples.append({"t_s": round(time.monotonic() - self._started, 1), "rss_mb": round(own, 1),
                                 "tree_rss_mb": round(tree, 1)})

    def _run(self) -> None:
        while True:
            self._sample()
            gevent.sleep(self.interval_s)

    def stop(self) -> None:
        self._greenlet.kill()
        self._sample()

    def growth_pct(self) -> float | None:
        return growth_pct(self.samples, self.warmup_s)
