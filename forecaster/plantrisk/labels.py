"""Prediction times, what happened after each, and right-censoring.

Prediction times ("landmarks") lie on a fleet-wide grid of `step` hours, within each machine's telemetry.
After a landmark at t the machine is followed until its next failure or until it is censored: the end of
its record (the later of its last telemetry row and its last event) or the end of the period the
landmark belongs to, whichever comes first, so training labels never read the validation or test period.
A machine that never fails contributes only survival; a failure after the censoring time is not seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecaster.plantrisk.features import hours
from forecaster.plantrisk.history import PlantHistory


@dataclass(frozen=True)
class Landmarks:
    """[L] prediction times: machine, time (hours since 1970), next failure (inf when none is seen before
    censoring), censoring time (hours)."""

    machine: np.ndarray
    time: np.ndarray
    next_failure: np.ndarray
    censor: np.ndarray

    def __len__(self) -> int:
        return len(self.time)

    def subset(self, mask: np.ndarray) -> Landmarks:
        return Landmarks(self.machine[mask], self.time[mask], self.next_failure[mask], self.censor[mask])

    def censored_at(self, end: np.ndarray | float) -> Landmarks:
        """The same landmarks followed no later than `end` (failures after it become unseen)."""
        censor = np.minimum(self.censor, end)
        return Landmarks(self.machine, self.time, np.where(self.next_failure <= censor, self.next_failure, np.inf),
                         censor)

    def label(self, horizon: float) -> tuple[np.ndarray, np.ndarray]:
        """(failed within `horizon` hours, known): unknown when censored before the horizon without failing."""
        failed = self.next_failure <= self.time + horizon
        return failed.astype(float), failed | (self.time + horizon <= self.censor)

    def duration(self) -> tuple[np.ndarray, np.ndarray]:
        """(hours to the next failure or censoring, failure observed) for the concordance index."""
        observed = np.isfinite(self.next_failure)
        return np.where(observed, self.next_failure, self.censor) - self.time, observed


def machine_spans(history: PlantHistory) -> pd.DataFrame:
    """Per machine: first and last telemetry time and end of record (hours)."""
    telemetry = history.telemetry.assign(hours=hours(history.telemetry["time"]))
    spans = telemetry.groupby("machine")["hours"].agg(first="min", last="max")
    if len(history.events):
        last_event = history.events.assign(hours=hours(history.events["time"])).groupby("machine")["hours"].max()
        spans["end"] = np.fmax(spans["last"], last_event.reindex(spans.index).to_numpy())
    else:
        spans["end"] = spans["last"]
    return spans


def failure_times(history: PlantHistory) -> dict[str, np.ndarray]:
    """Sorted failure times (hours) per machine; several rows of one breakdown (components) count once."""
    failures = history.failures
    return {str(m): np.unique(hours(g["time"])) for m, g in failures.groupby("machine")}


def next_failures(machines: np.ndarray, times: np.ndarray, failures: dict[str, np.ndarray]) -> np.ndarray:
    """[L] the first failure strictly after each time (inf when none)."""
    out = np.full(len(times), np.inf)
    for machine in pd.unique(machines):
        own = failures.get(str(machine))
        if own is None or not len(own):
            continue
        rows = np.flatnonzero(machines == machine)
        index = np.searchsorted(own, times[rows], side="right")
        found = index < len(own)
        out[rows[found]] = own[index[found]]
    return out


def landmarks(history: PlantHistory, step_hours: float, min_history_hours: float | None = None) -> Landmarks:
    """Grid times from one step after each machine's first telemetry row to its last one."""
    spans = machine_spans(history)
    warmup = step_hours if min_history_hours is None else min_history_hours
    machines, times = [], []
    for machine, span in spans.iterrows():
        start = np.ceil((span["first"] + warmup) / step_hours) * step_hours
        grid = np.arange(start, span["last"] + 1e-9, step_hours)
        machines.append(np.full(len(grid), str(machine), dtype=object))
        times.append(grid)
    machine = np.concatenate(machines) if machines else np.zeros(0, dtype=object)
    time = np.concatenate(times) if times else np.zeros(0)
    censor = spans["end"].reindex(machine).to_numpy(dtype=float) if len(machine) else np.zeros(0)
    failed = next_failures(machine, time, failure_times(history))
    return Landmarks(machine, time, np.where(failed <= censor, failed, np.inf), censor)
