"""Per-component failure curves, where the plant's failure events name components.

A component gets its own curve when its failures are frequent enough to learn from: at least
`MIN_COMPONENT_FAILURES` distinct failure times of it in the training period, at least two components
qualify (with one, its curve would repeat the machine's), and some machine failed on two of them in the
training period (where each machine fails on one component only, each curve would repeat its machines').
Each is a direct anchored curve (`direct.AnchoredCurve`: one LightGBM classifier per anchor horizon on the
machine's window features, Platt-calibrated on the validation period, joined monotonically with the plant's
own horizons first) whose label is "this component fails within x hours". A failure of another component
does not end the follow-up: the machine is repaired and the component is still at risk (cause-specific curves).

The machine's own curve stays the one fitted directly on "any failure" (the served candidate): several
components failing at one time count as one breakdown, failures that name no component count too, and
the components of one machine are not independent, so 1 - prod(1 - component curves) is scored beside it
in the report (`product_of_components`) but is not what the planner reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecaster.plantrisk.direct import AnchoredCurve
from forecaster.plantrisk.features import hours
from forecaster.plantrisk.hazard import HazardSettings
from forecaster.plantrisk.history import PlantHistory
from forecaster.plantrisk.labels import Landmarks, next_failures

MIN_COMPONENT_FAILURES = 5
MACHINE = "any"
"""The `component` value of the machine's own curve in prediction output (a component named so is skipped)."""


def component_failure_times(history: PlantHistory, component: str) -> dict[str, np.ndarray]:
    """Sorted failure times (hours) of one component per machine."""
    failures = history.failures
    own = failures[failures["component"] == component]
    return {str(m): np.unique(hours(g["time"])) for m, g in own.groupby("machine")}


def for_component(times: Landmarks, failures: dict[str, np.ndarray]) -> Landmarks:
    """The same prediction times and censoring, followed to the next failure of one component."""
    following = next_failures(times.machine, times.time, failures)
    return Landmarks(times.machine, times.time, np.where(following <= times.censor, following, np.inf), times.censor)


def candidate_components(history: PlantHistory, train: Landmarks) -> list[str]:
    """Components with at least MIN_COMPONENT_FAILURES failures seen in the training period, if two or more
    qualify and they share a machine.

    Soft: the shared machine matters because where every machine fails on one qualifying component only (one
    component per machine type, as in the demo plant), each component's curve is its machines' own curve
    (and 0 elsewhere): it would repeat the served curve and only add files to the model folder."""
    named = history.failures["component"]
    names = [str(c) for c in pd.unique(named[named != ""]) if str(c).lower() != MACHINE]
    seen = {c: for_component(train, component_failure_times(history, c)) for c in names}
    counts = {c: int(np.isfinite(np.unique(outcomes.next_failure)).sum()) for c, outcomes in seen.items()}
    chosen = sorted(c for c, n in counts.items() if n >= MIN_COMPONENT_FAILURES)
    machines = [set(seen[c].machine[np.isfinite(seen[c].next_failure)].astype(str)) for c in chosen]
    shared = any(machines[i] & machines[j] for i in range(len(chosen)) for j in range(i + 1, len(chosen)))
    return chosen if len(chosen) >= 2 and shared else []


@dataclass
class ComponentCurves:
    """One anchored curve per component, in `names` order."""

    names: list[str]
    curves: list[AnchoredCurve]

    @classmethod
    def fit(cls, history: PlantHistory, train: tuple[Landmarks, np.ndarray], validation: tuple[Landmarks, np.ndarray],
            settings: HazardSettings, horizons: tuple[float, ...]) -> ComponentCurves | None:
        """Fit the qualifying components' curves; None when fewer than two qualify."""
        names, curves = [], []
        for component in candidate_components(history, train[0]):
            failures = component_failure_times(history, component)
            curve = AnchoredCurve.fit((for_component(train[0], failures), train[1]),
                                      (for_component(validation[0], failures), validation[1]), settings, horizons)
            if curve.anchors:
                names.append(component)
                curves.append(curve)
        return cls(names, curves) if len(names) >= 2 else None

    def cumulative(self, features: np.ndarray, horizons: np.ndarray) -> np.ndarray:
        """[Q, F] -> [C, Q, H] P(component c fails within each horizon)."""
        return np.stack([curve.cumulative(features, horizons) for curve in self.curves])

    def landmarks(self, history: PlantHistory, times: Landmarks) -> list[Landmarks]:
        """Each component's outcomes at the given prediction times (for scoring)."""
        return [for_component(times, component_failure_times(history, c)) for c in self.names]

    def save(self, folder: Path) -> list[str]:
        files = []
        for index, curve in enumerate(self.curves):
            files += curve.save(folder, prefix=f"component{index}_")
        return files

    def to_json(self) -> dict[str, Any]:
        return {"names": self.names, "curves": [curve.to_json() for curve in self.curves]}

    @classmethod
    def load(cls, folder: Path, content: dict[str, Any]) -> ComponentCurves:
        return cls([str(n) for n in content["names"]],
                   [AnchoredCurve.load(folder, c, prefix=f"component{i}_") for i, c in enumerate(content["curves"])])


def product_of_components(curves: np.ndarray) -> np.ndarray:
    """[C, Q, H] component curves -> [Q, H] 1 - prod(1 - p): the machine curve if components failed
    independently (reported beside the machine's own curve, not served)."""
    return 1.0 - np.prod(1.0 - np.clip(curves, 0.0, 1.0), axis=0)
