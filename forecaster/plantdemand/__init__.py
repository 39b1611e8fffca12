"""Demand models from a plant's own history: template, split by time, baselines, choice per demand class.

The data contract is documented in docs/PLANT-DATA.md (section "Demand history"). Modules, in the order
data flows:

- `history`: reading and checking the demand-history template (file, row, column of every problem).
- `intermittent`: Syntetos-Boylan demand classes, Croston-SBA and TSB.
- `methods`: every forecasting method (baselines and ours), batched, with its quantiles.
- `evaluation`: the split by time and MASE / scaled pinball / coverage.
- `pipeline`: training end to end, choosing the served method per demand class; `artifact`: the model folder.
- `predictor`: forecasts for a history file.

It reuses `forecaster.plantdata`'s problem report and table reader; no gRPC here.
"""

from forecaster.plantdemand.history import DemandHistories, load_history

__all__ = ["DemandHistories", "load_history"]
