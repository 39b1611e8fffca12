"""Quality simulator of the demo EV-parts plant: process parameters -> defects found at inspection.

The plant casts aluminium (A380-like) parts on two high-pressure die-casting cells (DC-1, DC-2),
machines them on three CNC centres (CNC-1..CNC-3), solution-treats and ages them in one furnace line
(HT-1, T6 temper) and inspects everything at INS-1 (X-ray, CMM, hardness, visual). Products: motor
housings, battery trays (large, thin-walled: the hardest to cast) and inverter housings.

Physics, simplified but with the right signs and magnitudes:
- die casting: gas porosity rises with melt temperature (hydrogen solubility roughly doubles per
  ~50 C) and with short cycle times (incomplete solidification under pressure); shrinkage porosity
  rises when intensification pressure is low; cold shuts appear when the die or melt is too cold or
  the shot is slow. DC-2 has a worn thermal-control unit: its die temperature wanders more.
- CNC: dimensional error grows with tool wear (quadratically past ~150 min), spindle vibration and
  coolant temperature (thermal growth of the spindle); surface-finish defects grow with feed per
  revolution and tool wear. CNC-3 is the oldest centre: higher spindle vibration.
- heat treatment: Brinell hardness after T6 follows solution temperature, quench delay (precipitates
  lost while the part cools in air) and ageing temperature/time; out of 73-97 HB is a defect;
  distortion rises with solution temperature and quench severity on thin-walled trays.
- inspection finds a defect with 97% probability (misses are labelled `none`).

Every record carries the true per-type probabilities, so benchmarks can report the Bayes log-loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PRODUCTS = ("motor_housing", "battery_tray", "inverter_housing")
PROCESSES = ("die_casting", "cnc_machining", "heat_treatment")
MACHINES = {
    "die_casting": ("DC-1", "DC-2"),
    "cnc_machining": ("CNC-1", "CNC-2", "CNC-3"),
    "heat_treatment": ("HT-1",),
}
FEATURES = {
    "die_casting": ("melt_temperature_c", "die_temperature_c", "injection_pressure_mpa", "cycle_time_s",
                    "shot_velocity_m_s"),
    "cnc_machining": ("spindle_speed_rpm", "feed_rate_mm_min", "tool_wear_min", "spindle_vibration_mm_s",
                      "coolant_temperature_c"),
    "heat_treatment": ("solution_temperature_c", "soak_time_min", "quench_delay_s", "aging_temperature_c",
                       "aging_time_min"),
}
DEFECT_TYPES = ("none", "porosity", "cold_shut", "dimensional", "surface_finish", "hardness_out_of_spec",
                "distortion")
DETECTION_RATE = 0.97
_CAST_DIFFICULTY = {"motor_housing": 0.0, "battery_tray": 0.7, "inverter_housing": 0.3}

# (mean, sd) of each parameter in normal operation; machine-specific overrides below
_NOMINAL = {
    "melt_temperature_c": (680.0, 9.0), "die_temperature_c": (220.0, 14.0), "injection_pressure_mpa": (80.0, 7.0),
    "cycle_time_s": (60.0, 5.0), "shot_velocity_m_s": (4.0, 0.4),
    "spindle_speed_rpm": (9000.0, 700.0), "feed_rate_mm_min": (1500.0, 140.0), "tool_wear_min": (120.0, 70.0),
    "spindle_vibration_mm_s": (2.0, 0.4), "coolant_temperature_c": (24.0, 2.0),
    "solution_temperature_c": (540.0, 4.0), "soak_time_min": (360.0, 30.0), "quench_delay_s": (10.0, 3.0),
    "aging_temperature_c": (160.0, 4.0), "aging_time_min": (240.0, 25.0),
}
_MACHINE_OVERRIDES = {
    "DC-2": {"die_temperature_c": (215.0, 24.0), "melt_temperature_c": (686.0, 11.0)},
    "CNC-3": {"spindle_vibration_mm_s": (3.0, 0.6), "tool_wear_min": (150.0, 80.0)},
}


def nominal_parameters(process: str, machine_id: str | None = None) -> dict[str, tuple[float, float]]:
    """(mean, sd) of each parameter of a process in normal operation on a machine."""
    overrides = _MACHINE_OVERRIDES.get(machine_id or "", {})
    return {name: overrides.get(name, _NOMINAL[name]) for name in FEATURES[process]}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def normal_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))


def die_casting_hazards(p: dict[str, np.ndarray], difficulty: np.ndarray) -> dict[str, np.ndarray]:
    """P(porosity), P(cold shut) of one casting from its parameters (log-odds linear in the physics)."""
    gas = 0.045 * (p["melt_temperature_c"] - 680.0)  # hydrogen pick-up rises with melt temperature
    shrink = 0.12 * np.maximum(78.0 - p["injection_pressure_mpa"], 0.0)  # feeding under low pressure
    solidify = 0.25 * np.maximum(57.0 - p["cycle_time_s"], 0.0)  # ejected before full solidification
    porosity = _sigmoid(-4.3 + gas + shrink + solidify + difficulty)
    cold = (0.07 * np.maximum(205.0 - p["die_temperature_c"], 0.0)
            + 0.04 * np.maximum(670.0 - p["melt_temperature_c"], 0.0))
    cold_shut = _sigmoid(-4.6 + cold + 1.2 * np.maximum(3.6 - p["shot_velocity_m_s"], 0.0) + 0.5 * difficulty)
    return {"porosity": porosity, "cold_shut": cold_shut}


def cnc_hazards(p: dict[str, np.ndarray], difficulty: np.ndarray) -> dict[str, np.ndarray]:
    """P(dimensional), P(surface finish) of one machined part."""
    wear = p["tool_wear_min"] / 100.0
    thermal = 0.25 * (p["coolant_temperature_c"] - 24.0)
    vibration = 1.1 * (p["spindle_vibration_mm_s"] - 2.0)
    dimensional = _sigmoid(-5.0 + 0.45 * wear**2 + vibration + thermal + 0.3 * difficulty)
    feed_per_rev = p["feed_rate_mm_min"] / p["spindle_speed_rpm"]  # mm per revolution
    finish = _sigmoid(-4.2 + 18.0 * (feed_per_rev - 0.167) + 0.5 * wear)
    return {"dimensional": dimensional, "surface_finish": finish}


def brinell_hardness(p: dict[str, np.ndarray]) -> np.ndarray:
    """Expected T6 hardness (HB) from solution, quench and ageing conditions."""
    solution = 0.9 * (p["solution_temperature_c"] - 540.0) + 0.02 * (p["soak_time_min"] - 360.0)
    quench = -1.1 * (p["quench_delay_s"] - 10.0)
    ageing = 0.7 * (p["aging_temperature_c"] - 160.0) + 0.04 * (p["aging_time_min"] - 240.0)
    return 85.0 + solution + quench + ageing


def heat_treatment_hazards(p: dict[str, np.ndarray], difficulty: np.ndarray) -> dict[str, np.ndarray]:
    """P(hardness out of 73-97 HB) (part-to-part sd 2 HB), P(distortion)."""
    mean = brinell_hardness(p)
    sd = 2.0
    out_of_spec = normal_cdf((73.0 - mean) / sd) + 1.0 - normal_cdf((97.0 - mean) / sd)
    distortion = _sigmoid(-4.5 + 0.12 * (p["solution_temperature_c"] - 540.0) + 1.4 * difficulty
                          - 0.08 * (p["quench_delay_s"] - 10.0))
    return {"hardness_out_of_spec": np.clip(out_of_spec, 1e-6, 1 - 1e-6), "distortion": distortion}


@dataclass(frozen=True)
class QualityData:
    """Simulated inspection records; `parameters[name]` is NaN where the record's process lacks it."""

    product: np.ndarray  # [N] product names
    process: np.ndarray  # [N] process names
    machine: np.ndarray  # [N] machine ids
    parameters: dict[str, np.ndarray]  # name -> [N]
    label: np.ndarray  # [N] index into DEFECT_TYPES, as found at inspection
    true_probabilities: np.ndarray  # [N, len(DEFECT_TYPES)] of the label as inspected


def _sample_parameters(process: str, machines: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    values = {}
    for name in FEATURES[process]:
        mean = np.array([nominal_parameters(process, m)[name][0] for m in machines])
        sd = np.array([nominal_parameters(process, m)[name][1] for m in machines])
        # heavier tails than normal: process upsets happen
        values[name] = mean + sd * rng.standard_t(df=5, size=len(machines))
    if process == "cnc_machining":
        values["tool_wear_min"] = np.clip(values["tool_wear_min"], 0.0, None)
    return values


def _outcome_probabilities(hazards: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Competing defect types -> P(first-found type) with inspection misses folded into `none`."""
    probabilities = np.zeros((size, len(DEFECT_TYPES)))
    survive = np.ones(size)
    for name, hazard in hazards.items():
        probabilities[:, DEFECT_TYPES.index(name)] = survive * hazard * DETECTION_RATE
        survive = survive * (1.0 - hazard)
    probabilities[:, 0] = 1.0 - probabilities[:, 1:].sum(axis=1)
    return probabilities


@dataclass(frozen=True)
class PlantVariation:
    """Another plant of the same kind as the demo plant: the same processes and parameter names, but its own
    operating points (each parameter's mean moved by `shift` of its spread) and its own propensity to each
    defect type (each hazard multiplied by `hazard_scale`). The pretrained template network
    (forecaster.plantdata.pretrained) learns from a fleet of such plants, never from the demo plant itself."""

    shift: dict[str, float]
    hazard_scale: dict[str, float]

    @classmethod
    def random(cls, seed: int, shift_sd: float = 0.5, hazard_sd: float = 0.4) -> PlantVariation:
        rng = np.random.default_rng(10_000 + seed)
        names = [n for process in PROCESSES for n in FEATURES[process]]
        return cls({n: float(rng.normal(0.0, shift_sd)) for n in names},
                   {d: float(np.exp(rng.normal(0.0, hazard_sd))) for d in DEFECT_TYPES[1:]})


def simulate(records_per_process: int = 20_000, seed: int = 0, plant: PlantVariation | None = None) -> QualityData:
    """Simulate inspection records for every process of the demo plant (deterministic for a seed), or of
    another plant of its kind (`plant`)."""
    rng = np.random.default_rng(seed)
    parts: list[dict[str, np.ndarray]] = []
    for process in PROCESSES:
        machines = rng.choice(MACHINES[process], size=records_per_process)
        products = rng.choice(PRODUCTS, size=records_per_process, p=[0.45, 0.25, 0.30])
        params = _sample_parameters(process, machines, rng)
        if plant is not None:
            params = {n: v + plant.shift.get(n, 0.0) * _NOMINAL[n][1] for n, v in params.items()}
        difficulty = np.array([_CAST_DIFFICULTY[p] for p in products])
        hazard_model = {"die_casting": die_casting_hazards, "cnc_machining": cnc_hazards,
                        "heat_treatment": heat_treatment_hazards}[process]
        hazards = hazard_model(params, difficulty)
        if plant is not None:
            hazards = {d: np.clip(h * plant.hazard_scale.get(d, 1.0), 1e-6, 0.95) for d, h in hazards.items()}
        probabilities = _outcome_probabilities(hazards, records_per_process)
        draws = rng.random(records_per_process)[:, None]
        labels = np.minimum((draws > np.cumsum(probabilities, axis=1)).sum(axis=1), len(DEFECT_TYPES) - 1)
        parts.append({"product": products, "process": np.full(records_per_process, process), "machine": machines,
                      "label": labels, "probabilities": probabilities, **params})
    names = [n for process in PROCESSES for n in FEATURES[process]]
    return QualityData(
        product=np.concatenate([p["product"] for p in parts]),
        process=np.concatenate([p["process"] for p in parts]),
        machine=np.concatenate([p["machine"] for p in parts]),
        parameters={n: np.concatenate([p.get(n, np.full(records_per_process, np.nan)) for p in parts]) for n in names},
        label=np.concatenate([p["label"] for p in parts]),
        true_probabilities=np.concatenate([p["probabilities"] for p in parts]),
    )
