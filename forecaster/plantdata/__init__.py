"""Defect models from a plant's own inspection records: template, loader, training, prediction.

The data contract is documented in docs/PLANT-DATA.md. Modules, in the order data flows:

- `problems`: the error report (file, row, column of every problem) and the warnings that travel with a model.
- `template`: the optional per-plant template (units, display names, ignored columns, normal ranges).
- `records`: reading and validating inspection records (CSV or Parquet).
- `schema`: the column schema learned on the training period and how records become model inputs.
- `split`: the split by time and the weighting of lot rows.
- `candidates`: base rate, gradient boosting (LightGBM) and the network, each with its calibration.
- `evaluation`: weighted scores of P(any defect) and the evaluation report.
- `pipeline`: training end to end, choosing what is served; `artifact`: writing and reading the model folder.
- `predictor`: predictions for new records.

No gRPC here: the service maps its uploads onto these functions.
"""

from forecaster.plantdata.problems import PlantDataError, Problem
from forecaster.plantdata.template import PlantTemplate, load_template

__all__ = ["PlantDataError", "PlantTemplate", "Problem", "load_template"]
