"""Time-to-failure risk from a plant's own telemetry and event history (docs/PLANT-DATA-RISK.md).

Modules, in the order data flows:

- `history`: the `telemetry`, `events` and `machines` templates, read and checked (file, row, column of
  every problem) into one `PlantHistory`; the rule that drops maintenance rows repeating a failure.
- `features`: window features at a prediction time from the history up to that time only.
- `labels`: prediction times on a fixed grid, the next failure after each, censoring.
- `hazard`: the discrete-time hazard model (LightGBM on person-period rows, calibrated on a later period)
  and its cumulative failure-probability curve at any horizon.
- `baselines`: the fleet's Kaplan-Meier curve, a per-machine constant hazard, gradient boosting per horizon.
- `direct`: one calibrated classifier per anchor horizon, joined monotonically (the asked horizons first);
  `blend`: the hazard and direct curves mixed with a weight per horizon chosen on validation;
  `selection`: the champion / challenger rule (one machine-clustered standard error) that chooses the
  blend's weights and the served curve;
  `components`: per-component curves where failure events name components.
- `anomaly`: robust z-scores against the plant's own normal operation, with the sensors that drive them.
- `evaluation`: Brier, AUPRC, concordance and reliability curves on a held-out period or set of machines.
- `pipeline`: training end to end and the choice of what is served; `artifact`: the model folder.
- `train`, `predict`: the command-line entry points; `predictor`: predictions at given times (also what the
  gRPC service calls, through `predict_machines`).
- `simulated`: a small fleet for tests; `demo_history`: the demo plant's own simulated history and the
  command that trains its shipped model (forecaster/weights/plant_risk_demo/).

No gRPC here.
"""

from forecaster.plantrisk.history import PlantHistory, load_history

__all__ = ["PlantHistory", "load_history"]
