"""Training throughput (samples/s) and time to a target validation loss, on the CPU and on the GPU if present.

    python -m benchmarks.training --json out/training.json

Each model is trained through its production training function with a fixed, small epoch budget:
demand (one DemandNet member on M3 training parts, validation = last h of each training series),
defect (plant simulator) and risk (AI4I 2020). Targets are fixed validation losses (scaled pinball
for demand, cross-entropy for the classifiers) chosen to be reachable within the budget on the CPU.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import format_table, machine, versions, write_json
from forecaster.training import TrainResult

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "manufacturing"
TARGETS = {"demand": 0.066, "defect": 0.30, "risk": 0.09}


def demand(device: torch.device, epochs: int) -> TrainResult:
    from forecaster.demand_training import DemandTrainSettings, load_training_series, train_member

    settings = DemandTrainSettings(max_epochs=epochs, patience=epochs)
    _, result = train_member(settings, load_training_series(settings.collections), 0, device, False)
    return result


def defect(device: torch.device, epochs: int) -> TrainResult:
    from forecaster.defect import INPUT_NAMES, encode_simulated, normal_statistics
    from forecaster.defect_training import DEFECT_SETTINGS
    from forecaster.simulator import DEFECT_TYPES, simulate
    from forecaster.tabular import TabularNet, stratified_split, train_tabular

    data = simulate(20_000, 0)
    features = encode_simulated(data, normal_statistics(data), 0)
    train, validation, _ = stratified_split(data.label, 0.15, 0.15, 0)
    net = TabularNet(len(INPUT_NAMES), len(DEFECT_TYPES), hidden=DEFECT_SETTINGS.hidden)
    settings = replace(DEFECT_SETTINGS, max_epochs=epochs, patience=epochs)
    return train_tabular(net, (features[train], data.label[train]), (features[validation], data.label[validation]),
                         settings, device)


def risk(device: torch.device, epochs: int, data_dir: Path) -> TrainResult:
    from forecaster.data.manufacturing import load_ai4i
    from forecaster.risk import RiskNet
    from forecaster.risk_training import RISK_SETTINGS, ai4i_split
    from forecaster.tabular import train_tabular

    split = ai4i_split(load_ai4i(data_dir))
    net = RiskNet(hidden=RISK_SETTINGS.hidden)  # one member of the shipped 5-member ensemble
    derived = net.physics(torch.from_numpy(split.features[split.train].astype("float32")))
    net.derived_mean.copy_(derived.mean(dim=0))
    net.derived_std.copy_(derived.std(dim=0))
    settings = replace(RISK_SETTINGS, max_epochs=epochs, patience=epochs)
    return train_tabular(net, (split.features[split.train], split.labels[split.train]),
                         (split.features[split.validation], split.labels[split.validation]), settings, device)


def run(epochs: dict[str, int], data_dir: Path) -> dict[str, Any]:
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    jobs = {"demand": lambda d: demand(d, epochs["demand"]), "defect": lambda d: defect(d, epochs["defect"]),
            "risk": lambda d: risk(d, epochs["risk"], data_dir)}
    results: dict[str, Any] = {}
    for name, job in jobs.items():
        for device in devices:
            started = time.perf_counter()
            result = job(device)
            results[f"{name}/{device.type}"] = {
                "samples_per_s": result.samples_per_s, "epochs": len(result.history),
                "best_val_loss": result.best_val_loss, "target_val_loss": TARGETS[name],
                "time_to_target_s": result.time_to_val_loss(TARGETS[name]),
                "train_wall_s": result.history[-1].elapsed_s, "total_wall_s": time.perf_counter() - started,
                "bf16_autocast": device.type == "cuda"}
    return {"runs": results, "parameters": {"epochs": epochs, "threads": torch.get_num_threads(),
                                            "targets": TARGETS, "data_dir": str(data_dir)},
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "versions": versions(), "machine": machine()}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--demand-epochs", type=int, default=10)
    parser.add_argument("--defect-epochs", type=int, default=15)
    parser.add_argument("--risk-epochs", type=int, default=40)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    epochs = {"demand": args.demand_epochs, "defect": args.defect_epochs, "risk": args.risk_epochs}
    result = run(epochs, args.data_dir)
    rows = [[name, r["samples_per_s"], r["epochs"], r["best_val_loss"], r["target_val_loss"], r["time_to_target_s"],
             r["train_wall_s"]] for name, r in result["runs"].items()]
    print(format_table(["model/device", "samples/s", "epochs", "best_val", "target", "to_target_s", "wall_s"], rows))
    print("parameters:", result["parameters"], "gpu:", result["gpu"])
    print("versions:", result["versions"])
    print("machine:", result["machine"])
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
