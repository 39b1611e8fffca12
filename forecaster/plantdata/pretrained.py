"""The pretrained part of a plant's defect network: the manufacturing template's network, and its transfer.

The shipped template network (forecaster/weights/plant_defect_template/) is a PlantNetwork trained on a
fleet of simulated plants of the demo plant's kind (die casting, CNC machining, T6 heat treatment), each
with its own operating points and defect propensities (forecaster.simulator.PlantVariation), never on the
demo plant itself. A plant whose records name the template's process parameters (the names of
examples/plant-data/plant_template.yaml) starts its network from it:

- inputs are matched by name (process parameters and their levels; never product or machine
  identities, which name other things in another plant): a matched input keeps the template's weights and the template's
  standardisation (so "melt temperature above 700 C" keeps meaning what it meant in the fleet);
  an input the template does not know starts with zero weights and the plant's own standardisation;
- the hidden layers are copied; output units are matched by defect type (a defect type the template
  does not know starts fresh);
- then the whole network is trained on the plant's records (fine-tuning), with early stopping on the
  plant's own validation period like any candidate.

Whether it helps is decided per plant, on validation, like everything else: the fine-tuned network is
one more candidate beside the network trained from scratch and the baselines. Plants whose columns the
template does not know (fewer than `MIN_OVERLAP` of their numeric parameters) do not get it at all.
`python -m benchmarks.plantdata --learning-curve` measures both against gradient boosting with 200,
500, 1,000, 3,000 and all records (docs/PLANT-DATA.md).
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from forecaster.plantdata.network import NETWORK_SETTINGS, Initialiser, PlantNetwork
from forecaster.plantdata.records import load_records
from forecaster.plantdata.schema import IDENTITY_COLUMNS, ColumnSchema, fit_schema
from forecaster.plantdata.simulated import simulated_records
from forecaster.plantdata.split import split_by_time, weighted_examples
from forecaster.plantdata.template import load_template
from forecaster.simulator import PlantVariation
from forecaster.tabular import TabularNet, TabularSettings

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "weights" / "plant_defect_template"
TEMPLATE_FILE = ROOT / "examples" / "plant-data" / "plant_template.yaml"
SCHEMA_FILE = "schema.json"
FLEET_PLANTS = 8
FLEET_RECORDS_PER_PROCESS = 3000
MIN_OVERLAP = 0.5
"""Share of a plant's numeric parameters the template must know for the fine-tuned candidate to be tried."""
IDENTITY_PREFIXES = tuple(f"{column}=" for column in IDENTITY_COLUMNS)
"""Product and machine one-hots are never transferred: another plant's DC-1 is not the fleet's DC-1."""
FINE_TUNE_LEARNING_RATE_SHARE = 0.25
"""Fine-tuning starts from trained weights: a quarter of the from-scratch learning rate, else the same settings
(the template's width and depth)."""


@dataclass(frozen=True)
class TemplateNetwork:
    """The pretrained network with the schema it was trained under."""

    network: PlantNetwork
    version: str

    @property
    def schema(self) -> ColumnSchema:
        return self.network.schema


def fleet_records(plants: int = FLEET_PLANTS, records_per_process: int = FLEET_RECORDS_PER_PROCESS,
                  seed: int = 1000) -> pd.DataFrame:
    """Records of `plants` simulated plants of the demo plant's kind (each its own PlantVariation), in
    time order; the seeds are far from the demo's, which uses the simulator without a variation."""
    frames = [simulated_records(records_per_process, seed + i, plant=PlantVariation.random(seed + i))
              for i in range(plants)]
    frame = pd.concat(frames, ignore_index=True)
    order = np.argsort(pd.to_datetime(frame["time"]).to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def pretrain(out: Path, plants: int = FLEET_PLANTS, records_per_process: int = FLEET_RECORDS_PER_PROCESS,
             seed: int = 1000, show_progress: bool = False) -> dict[str, Any]:
    """Train the template network on the fleet and write it to `out` (network artifact + schema)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fleet.csv"
        fleet_records(plants, records_per_process, seed).to_csv(path, index=False)
        records = load_records(path, load_template(TEMPLATE_FILE))
    split = split_by_time(records.frame["time"], records.file)
    schema, _ = fit_schema(records, split.train, load_template(TEMPLATE_FILE))
    train = weighted_examples(records.frame, split.train, schema.classes)
    validation = weighted_examples(records.frame, split.validation, schema.classes)
    network = PlantNetwork(schema, NETWORK_SETTINGS)
    result = network.fit(records.frame, train, validation, torch.device("cpu"), seed, show_progress)
    version = f"plant-defect-template-1.0.0+{plants}x{records_per_process}"
    training = {"data": f"forecaster.plantdata.pretrained.fleet_records({plants}, {records_per_process}, seed={seed})",
                "best_epoch": result.best_epoch, "records": len(records.frame)}
    out.mkdir(parents=True, exist_ok=True)
    network.save(out, version, training, {"validation_log_loss": result.best_val_loss})
    (out / SCHEMA_FILE).write_text(json.dumps(schema.to_json(), indent=1), encoding="utf-8")
    return {"version": version, **training, "validation_log_loss": result.best_val_loss}


def load_template_network(folder: Path = TEMPLATE_DIR) -> TemplateNetwork | None:
    """The shipped template network, or None where it is absent (then no fine-tuned candidate)."""
    if not (folder / SCHEMA_FILE).is_file():
        return None
    schema = ColumnSchema.from_json(json.loads((folder / SCHEMA_FILE).read_text(encoding="utf-8")))
    network = PlantNetwork.load(folder, schema)
    version = json.loads((folder / "network.json").read_text(encoding="utf-8"))["version"]
    return TemplateNetwork(network, version)


def overlap(template: TemplateNetwork, schema: ColumnSchema) -> float:
    """Share of the plant's numeric parameters that the template network knows by name."""
    if not schema.numeric:
        return 0.0
    known = set(template.schema.numeric)
    return sum(column in known for column in schema.numeric) / len(schema.numeric)


def _linear_layers(net: TabularNet) -> list[torch.nn.Linear]:
    return [module for module in net.body if isinstance(module, torch.nn.Linear)]


@dataclass(frozen=True)
class Transfer:
    """A fresh network for the plant's schema, the initialiser that starts it from the template (pass it to
    PlantNetwork.fit), and what was matched."""

    network: PlantNetwork
    initialise: Initialiser
    report: dict[str, Any]


def transfer(template: TemplateNetwork, schema: ColumnSchema, settings: TabularSettings = NETWORK_SETTINGS
             ) -> Transfer:
    """A network for `schema` whose initialiser copies the template's weights by input and class name;
    trained with `settings` (epochs, patience...) at a lower learning rate, in the template's shape."""
    source = template.network.net
    source_inputs = {name: i for i, name in enumerate(template.schema.network_features)}
    source_classes = {name: i for i, name in enumerate(template.schema.classes)}
    target_inputs = schema.network_features
    matched = [(j, source_inputs[name]) for j, name in enumerate(target_inputs)
               if name in source_inputs and not name.startswith(IDENTITY_PREFIXES)]
    classes = [(j, source_classes[name]) for j, name in enumerate(schema.classes) if name in source_classes]
    shape = template.network.settings
    network = PlantNetwork(schema, replace(settings, hidden=shape.hidden, layers=shape.layers,
                                           learning_rate=settings.learning_rate * FINE_TUNE_LEARNING_RATE_SHARE))

    @torch.no_grad()
    def initialise(net: TabularNet, _inputs: np.ndarray) -> None:
        first, first_source = _linear_layers(net)[0], _linear_layers(source)[0]
        first.weight.zero_()
        for j, i in matched:
            first.weight[:, j] = first_source.weight[:, i]
            net.input_mean[j] = source.input_mean[i]
            net.input_std[j] = source.input_std[i]
        first.bias.copy_(first_source.bias)
        for layer, layer_source in zip(_linear_layers(net)[1:], _linear_layers(source)[1:], strict=True):
            layer.load_state_dict(layer_source.state_dict())
        for j, i in classes:
            net.out.weight[j] = source.out.weight[i]
            net.out.bias[j] = source.out.bias[i]

    report = {"template": template.version, "inputs_matched": len(matched), "inputs": len(target_inputs),
              "classes_matched": len(classes), "classes": len(schema.classes),
              "parameters_known": round(overlap(template, schema), 3)}
    return Transfer(network, initialise, report)
