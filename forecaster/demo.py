"""Example inputs for the demo EV-parts plant (die casting, CNC machining, heat treatment, inspection).

Demand histories are three years of monthly shipments with trend and seasonality, generated from a
fixed seed; process parameters and telemetry are drawn around each machine's normal operation with a
few deliberate problems (DC-2 running a cold die, CNC-3 with a worn tool, a hot heat-treatment load),
so the demo's explanations have something to say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecaster.simulator import FEATURES, nominal_parameters
from forecaster.types import DemandHistory, MachineTelemetry, ProcessRecord, TelemetrySample

PRODUCTS = {"motor_housing": 1800.0, "battery_tray": 950.0, "inverter_housing": 1300.0}
"""Demo products and their mean monthly demand (units per month)."""
MACHINES = {"DC-1": "die_casting", "DC-2": "die_casting", "CNC-1": "cnc_machining", "CNC-2": "cnc_machining",
            "CNC-3": "cnc_machining", "HT-1": "heat_treatment", "INS-1": "inspection"}


@dataclass(frozen=True)
class DemoInputs:
    demand: list[DemandHistory]
    process_records: list[ProcessRecord]
    telemetry: list[MachineTelemetry]


def demo_demand(months: int = 36, seed: int = 7) -> list[DemandHistory]:
    """Monthly demand with growth (EV ramp-up), a summer dip and year-end peak, and noise."""
    rng = np.random.default_rng(seed)
    season = 1.0 + 0.12 * np.cos(2 * np.pi * (np.arange(months) - 11) / 12)
    histories = []
    for k, (product, level) in enumerate(PRODUCTS.items()):
        growth = (1.0 + 0.01 * (k + 1)) ** np.arange(months)
        values = level * growth * season * rng.lognormal(0.0, 0.06, months)
        histories.append(DemandHistory(product, tuple(round(float(v)) for v in values), season_length=12))
    return histories


def _record(item: str, product: str, machine: str, process: str, shifts: dict[str, float]) -> ProcessRecord:
    parameters = {name: round(mean + shifts.get(name, 0.0) * sd, 2)
                  for name, (mean, sd) in nominal_parameters(process, machine).items()}
    return ProcessRecord(item, product, machine, process, parameters)


def demo_process_records() -> list[ProcessRecord]:
    """One lot per product on every production machine; a few lots with a parameter off normal."""
    problems = {("DC-2", "battery_tray"): {"die_temperature_c": -1.8, "injection_pressure_mpa": -1.2},
                ("CNC-3", "motor_housing"): {"tool_wear_min": 1.5},
                ("HT-1", "inverter_housing"): {"solution_temperature_c": 2.5}}
    records = []
    for machine, process in MACHINES.items():
        if process not in FEATURES:
            continue
        for product in PRODUCTS:
            shifts = problems.get((machine, product), {})
            records.append(_record(f"{machine}/{product}", product, machine, process, shifts))
    return records


def demo_telemetry() -> list[MachineTelemetry]:
    """AI4I-style telemetry per machine; CNC-3 has a worn tool under high torque, DC-2 runs hot."""
    def sample(air: float, gap: float, speed: float, torque: float, wear: float) -> TelemetrySample:
        return TelemetrySample(air, air + gap, speed, torque, wear)

    readings = {
        "DC-1": (sample(300.1, 10.1, 1520, 39.0, 40), "M", 120.0),
        "DC-2": (sample(301.8, 8.4, 1370, 47.0, 95), "H", 410.0),
        "CNC-1": (sample(299.6, 10.0, 1610, 35.5, 60), "L", 80.0),
        "CNC-2": (sample(300.0, 9.8, 1480, 41.0, 130), "M", 260.0),
        "CNC-3": (sample(300.4, 10.3, 1420, 58.0, 205), "M", 610.0),
        "HT-1": (sample(302.0, 10.6, 1500, 38.0, 20), "L", 50.0),
        "INS-1": (sample(298.9, 10.2, 1550, 30.0, 10), "L", 30.0),
    }
    machines = []
    for machine_id, (current, duty, hours) in readings.items():
        history = tuple(TelemetrySample(current.air_temperature_k - 0.1 * k, current.process_temperature_k - 0.1 * k,
                                        current.rotational_speed_rpm + 5 * k, current.torque_nm - 0.2 * k,
                                        max(current.tool_wear_min - 2 * k, 0.0)) for k in range(3, 0, -1))
        machines.append(MachineTelemetry(machine_id, current, hours_since_maintenance=hours, duty_class=duty,
                                         utilization=0.85, history=history))
    return machines


def demo_inputs() -> DemoInputs:
    """Everything the demo needs to call the three forecasters for the EV-parts plant."""
    return DemoInputs(demo_demand(), demo_process_records(), demo_telemetry())
