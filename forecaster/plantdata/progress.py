"""Progress of a training run, for whoever watches it (the CLI's log, ModelService's stream).

A run calls `progress(event)` at each phase and after each network epoch; the callback may raise to stop
the run (ModelService does when its caller went away), and nothing is written then.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a training run.

    Args:
        phase: `validating`, `fitting`, `epoch` or `evaluating`.
        message: a line a person can read.
        candidate: the candidate being fitted (`base_rate`, `gbm`, `network`), or "".
        epoch: the network epoch that finished, from 1 (phase `epoch`), else 0.
        validation_score: that epoch's validation loss (weighted multi-class log-loss), else NaN.
    """

    phase: str
    message: str
    candidate: str = ""
    epoch: int = 0
    validation_score: float = math.nan


ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(event: ProgressEvent) -> None:
    """The default callback: nothing is reported."""
