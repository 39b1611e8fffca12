"""Equipment failure risk over the plan's buckets and an anomaly score, from machine telemetry.

Failure model: an ensemble of 5 tabular classifiers (seeds) on the AI4I 2020 signals (air and process temperature,
rotational speed, torque, tool wear, duty class) plus physics features computed inside the graph
(temperature gap for heat dissipation, mechanical power, tool wear x torque for overstrain), trained on
AI4I and temperature-calibrated on a validation split.

From probability to a risk curve: AI4I rows have no time axis, so one row is read as one reference
window of `window_hours` of operation (default 8 h, one shift; recorded in the artifact). The hazard
per operating hour is lambda = -ln(1 - p) / window_hours; tool wear is projected forward at the machine's
wear rate, so risk accelerates for worn tools, and restarts from 0 at each tool change (the machine's
`tool_change_wear_min`, 200 min unless set); P(fail by t) = 1 - exp(-integral of lambda x utilization).
`hours_since_maintenance` is carried through to the planner but is not a model input (AI4I has no such
signal). Anomaly score: an autoencoder trained on normal rows only; its reconstruction error is turned
into the share of normal validation rows with a smaller error (0..1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from forecaster.artifacts import WEIGHTS_DIR, load_artifact, load_into
from forecaster.explain import explain_row, integrated_gradients_from
from forecaster.tabular import ServingEnsemble, TabularNet
from forecaster.types import InputProblem, MachineTelemetry, RiskCurve, TelemetrySample, raise_if_any

SIGNALS = ("air_temperature_k", "process_temperature_k", "rotational_speed_rpm", "torque_nm", "tool_wear_min")
DUTY_CLASSES = ("L", "M", "H")
INPUT_NAMES = (*SIGNALS, *(f"duty={d}" for d in DUTY_CLASSES))
TOOL_WEAR_MAX_MIN = 253.0
"""Largest tool wear in AI4I; projections are capped here rather than extrapolated."""
MAX_MACHINES = 10_000
MAX_BUCKETS = 1_000
MAX_CURVE_POINTS = 200_000
MAX_TELEMETRY_HISTORY = 10_000
"""Most history samples per machine."""
"""Most machines x buckets in one call: the response carries a probability pair per machine and bucket
(the forward rows do not grow with the buckets; see `curve_rows_bound`)."""
CHUNK_ROWS = 32_768
"""Forward rows per pass: larger calls (and batches of calls) run in chunks of machines, which bounds
memory without changing any result (each machine's curve depends only on its own telemetry)."""
_PLAUSIBLE = {"air_temperature_k": (250.0, 350.0), "process_temperature_k": (250.0, 400.0),
              "rotational_speed_rpm": (0.0, 10_000.0), "torque_nm": (0.0, 500.0), "tool_wear_min": (0.0, 10_000.0)}


class RiskNet(TabularNet):
    """TabularNet whose derived inputs are AI4I physics: temperature gap [K], power [kW], overstrain.

    Args:
        hidden, layers, dropout: see TabularNet (inputs and classes are fixed: INPUT_NAMES, 2).
    """

    derived_mean: torch.Tensor
    derived_std: torch.Tensor

    def __init__(self, hidden: int = 64, layers: int = 2, dropout: float = 0.1) -> None:
        super().__init__(len(INPUT_NAMES), 2, hidden=hidden, layers=layers, dropout=dropout, derived_features=3)
        self.register_buffer("derived_mean", torch.zeros(3))
        self.register_buffer("derived_std", torch.ones(3))

    def physics(self, raw: torch.Tensor) -> torch.Tensor:
        # [B, F] physical units -> [B, 3]: process-air gap (K), power (kW), tool wear x torque (1e3 min Nm)
        gap = raw[:, 1] - raw[:, 0]
        power = raw[:, 3] * raw[:, 2] * (2.0 * math.pi / 60.0) / 1000.0
        strain = raw[:, 4] * raw[:, 3] / 1000.0
        return torch.stack([gap, power, strain], dim=1)

    def derive(self, z: torch.Tensor) -> torch.Tensor:
        raw = z * self.input_std + self.input_mean  # [B, F]
        return (self.physics(raw) - self.derived_mean) / self.derived_std

    def derive_vjp(self, z: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
        """upstream [B, 3] x d derive / d z, written out from `physics` (equal to autograd in a test)."""
        raw = z * self.input_std + self.input_mean  # [B, F]
        gap, power, strain = (upstream / self.derived_std).unbind(dim=1)
        per_rpm_nm = 2.0 * math.pi / 60.0 / 1000.0
        on_raw = torch.zeros_like(z)
        on_raw[:, 0] = -gap
        on_raw[:, 1] = gap
        on_raw[:, 2] = power * raw[:, 3] * per_rpm_nm
        on_raw[:, 3] = power * raw[:, 2] * per_rpm_nm + strain * raw[:, 4] / 1000.0
        on_raw[:, 4] = strain * raw[:, 3] / 1000.0
        return on_raw * self.input_std


class RiskEnsemble(nn.Module):
    """RiskNets trained with different seeds; the ensemble's probability is the members' mean.

    Args:
        members: number of RiskNet members.
        hidden, layers, dropout: see RiskNet.
    """

    def __init__(self, members: int = 5, hidden: int = 64, layers: int = 2, dropout: float = 0.1) -> None:
        super().__init__()
        self.members = nn.ModuleList(RiskNet(hidden, layers, dropout) for _ in range(members))

    def first(self) -> RiskNet:
        member = self.members[0]
        assert isinstance(member, RiskNet)
        return member

    def standardise(self, raw: torch.Tensor) -> torch.Tensor:
        return self.first().standardise(raw)  # members share the normalisation of the training split

    def physics(self, raw: torch.Tensor) -> torch.Tensor:
        return self.first().physics(raw)

    def logits_from_z(self, z: torch.Tensor) -> torch.Tensor:
        # [B, F] -> [B, 2] log of the members' mean probabilities (softmax of it is that mean)
        probabilities = torch.stack([F.softmax(m.logits_from_z(z), dim=1) for m in self.members
                                     if isinstance(m, RiskNet)]).mean(dim=0)
        return torch.log(probabilities.clamp_min(1e-12))

    def serving(self) -> ServingEnsemble:
        """The members prepared for serving (same probabilities, shared work done once)."""
        return ServingEnsemble([m for m in self.members if isinstance(m, RiskNet)])

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        return self.logits_from_z(self.standardise(raw))


class AnomalyAutoencoder(nn.Module):
    """Autoencoder on z-scored signals of normal operation.

    Args:
        inputs: number of signals.
        hidden: width of the encoder/decoder layer.
        code: bottleneck width.
    """

    error_quantiles: torch.Tensor

    def __init__(self, inputs: int = len(SIGNALS) + 3, hidden: int = 32, code: int = 3) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(inputs, hidden), nn.GELU(), nn.Linear(hidden, code))
        self.decoder = nn.Sequential(nn.Linear(code, hidden), nn.GELU(), nn.Linear(hidden, inputs))
        self.register_buffer("error_quantiles", torch.linspace(0.0, 1.0, 101))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # [B, F] -> [B] mean squared reconstruction error
        return ((self.decoder(self.encoder(z)) - z) ** 2).mean(dim=1)

    def score(self, errors: torch.Tensor) -> torch.Tensor:
        """Reconstruction errors [B] -> share of normal validation rows with a smaller error [B]."""
        grid = self.error_quantiles
        position = torch.searchsorted(grid, errors.contiguous())
        return (position.float() / len(grid)).clamp(0.0, 1.0)


@dataclass
class RiskModel:
    """The loaded failure ensemble (`serving`: the same members, lighter to run) and anomaly model."""

    net: RiskEnsemble
    anomaly: AnomalyAutoencoder
    version: str
    window_hours: float
    serving: ServingEnsemble


def load_risk_model(directory: Path = WEIGHTS_DIR, name: str = "risk") -> RiskModel:
    artifact = load_artifact(name, directory)
    net = RiskEnsemble(**artifact.config)
    load_into(net, artifact, name, directory)
    anomaly_artifact = load_artifact(f"{name}_anomaly", directory)
    anomaly = AnomalyAutoencoder(**anomaly_artifact.config)
    load_into(anomaly, anomaly_artifact, f"{name}_anomaly", directory)
    return RiskModel(net=net.eval(), anomaly=anomaly.eval(), version=artifact.version,
                     window_hours=float(artifact.metadata["window_hours"]), serving=net.serving())


def encode(samples: Sequence[TelemetrySample], duty_classes: Sequence[str]) -> np.ndarray:
    """Rows [N, len(INPUT_NAMES)] in physical units plus the duty-class one-hot."""
    signals = [[getattr(s, name) for name in SIGNALS] for s in samples]
    duty = [[float(d == c) for c in DUTY_CLASSES] for d in duty_classes]
    return np.hstack([np.array(signals, dtype=float).reshape(-1, len(SIGNALS)),
                      np.array(duty, dtype=float).reshape(-1, len(DUTY_CLASSES))])


def _sample_problems(sample: TelemetrySample, path: str) -> list[InputProblem]:
    problems = []
    for name in SIGNALS:
        value = getattr(sample, name)
        low, high = _PLAUSIBLE[name]
        if not math.isfinite(value):
            problems.append(InputProblem(f"{path}.{name}", f"must be a finite number, got {value}"))
        elif not low <= value <= high:
            problems.append(InputProblem(f"{path}.{name}", f"must be between {low} and {high}, got {value}"))
    return problems


def validate_telemetry(machines: Sequence[MachineTelemetry], bucket_hours: float, n_buckets: int) -> None:
    """Raise ForecastInputError listing every problem (`machines[i].current.torque_nm`, `bucket_hours`...)."""
    problems: list[InputProblem] = []
    if not machines:
        problems.append(InputProblem("machines", "at least one machine is required"))
    if len(machines) > MAX_MACHINES:
        problems.append(InputProblem("machines", f"at most {MAX_MACHINES} machines per call, got {len(machines)}"))
    if not (math.isfinite(bucket_hours) and 0 < bucket_hours <= 24 * 31):
        problems.append(InputProblem("bucket_hours", f"must be in (0, 744] hours, got {bucket_hours}"))
    if not 1 <= n_buckets <= MAX_BUCKETS:
        problems.append(InputProblem("n_buckets", f"must be between 1 and {MAX_BUCKETS}, got {n_buckets}"))
    elif len(machines) * n_buckets > MAX_CURVE_POINTS:
        problems.append(InputProblem("machines", f"machines x buckets must be at most {MAX_CURVE_POINTS}, got "
                                     f"{len(machines)} x {n_buckets}; split the call"))
    for i, machine in enumerate(machines):
        path = f"machines[{i}]"
        if not machine.machine_id:
            problems.append(InputProblem(f"{path}.machine_id", "must not be empty"))
        if machine.duty_class not in DUTY_CLASSES:
            problems.append(InputProblem(f"{path}.duty_class",
                                         f"must be one of {DUTY_CLASSES}, got {machine.duty_class!r}"))
        if not (math.isfinite(machine.utilization) and 0 <= machine.utilization <= 1):
            problems.append(InputProblem(f"{path}.utilization", f"must be in [0, 1], got {machine.utilization}"))
        wear_rate = machine.tool_wear_rate_min_per_h
        if not (math.isfinite(wear_rate) and 0 <= wear_rate <= 60):
            problems.append(InputProblem(f"{path}.tool_wear_rate_min_per_h",
                                         f"must be in [0, 60] minutes per hour, got {wear_rate}"))
        change = machine.tool_change_wear_min
        most = _PLAUSIBLE["tool_wear_min"][1]
        if not (math.isfinite(change) and 0 < change <= most):
            problems.append(InputProblem(f"{path}.tool_change_wear_min",
                                         f"must be in (0, {most:,.0f}] minutes, got {change}"))
        problems += _sample_problems(machine.current, f"{path}.current")
        if len(machine.history) > MAX_TELEMETRY_HISTORY:
            problems.append(InputProblem(f"{path}.history", f"at most {MAX_TELEMETRY_HISTORY} samples per machine, "
                                                            f"got {len(machine.history)}"))
            continue
        for j, sample in enumerate(machine.history):
            problems += _sample_problems(sample, f"{path}.history[{j}]")
    raise_if_any(problems)


def failure_probability(net: RiskEnsemble, raw: np.ndarray) -> np.ndarray:
    """P(failure within one reference window) for rows [N, F] in physical units -> [N]."""
    with torch.no_grad():
        return F.softmax(net(torch.from_numpy(raw.astype(np.float32))), dim=1)[:, 1].double().numpy()


def _failure_probabilities(model: RiskModel, raw: np.ndarray) -> np.ndarray:
    """failure_probability through the serving view of the members: rows [N, F] in physical units -> [N]."""
    with torch.no_grad():
        z = model.serving.standardise(torch.from_numpy(raw.astype(np.float32)))
        return model.serving.probabilities(z)[:, 1].double().numpy()


WEAR_STEP_MIN = 8.0
"""Largest tool-wear increase (minutes) over one piece of the wear grid a risk curve is integrated on."""


def curve_rows_bound(n_buckets: int) -> int:
    """Most forward rows one machine's curve can need (see `risk_curves`), for chunking: the knots and
    midpoints of the wear grid, the steady and the current reading. It does not grow with the buckets."""
    del n_buckets  # the exposure at every bucket end is read off the same grid
    return 2 * math.ceil(TOOL_WEAR_MAX_MIN / WEAR_STEP_MIN) + 3


@dataclass(frozen=True)
class _WearPaths:
    """Each machine's projected tool wear, in the unrolled coordinate u = start + rate x clock hours.

    With tool changes the wear is u mod `high` (a new tool at every change); without, min(u, `high`),
    the cap. The hazard depends on time only through the wear, so it is integrated once over the wear
    grid [`low`, `high`] and read off for any u."""

    start: np.ndarray  # [M] wear at the start of the horizon (0 where a change is due now)
    rate: np.ndarray  # [M] wear minutes per clock hour (wear rate x utilization)
    periodic: np.ndarray  # [M] bool: the projection changes tools
    low: np.ndarray  # [M] grid start: 0 with tool changes, else the start wear
    high: np.ndarray  # [M] grid end: the change wear, or the cap (AI4I's largest wear or the start beyond it)


def _wear_paths(machines: Sequence[MachineTelemetry], current_wear: np.ndarray) -> _WearPaths:
    utilization = np.array([m.utilization for m in machines])
    rate = np.array([m.tool_wear_rate_min_per_h for m in machines]) * utilization
    change = np.array([m.tool_change_wear_min for m in machines])
    # a change beyond AI4I's largest wear is never reached: wear is capped there rather than extrapolated
    changed = change <= TOOL_WEAR_MAX_MIN
    start = np.where(changed & (current_wear >= change), 0.0, current_wear)
    periodic = changed & (rate > 0)
    low = np.where(periodic, 0.0, start)
    high = np.where(periodic, change, np.where(rate > 0, np.maximum(TOOL_WEAR_MAX_MIN, start), start))
    return _WearPaths(start=start, rate=rate, periodic=periodic, low=low, high=high)


def _quadratic_integral(share: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights of (start, midpoint, end) values in the integral over [0, share] of a piece (length 1) of the
    quadratic through them; at share = 1 they are Simpson's 1/6, 4/6, 1/6."""
    s2, s3 = share**2, share**3
    return 2 * s3 / 3 - 1.5 * s2 + share, -4 * s3 / 3 + 2 * s2, 2 * s3 / 3 - 0.5 * s2


def risk_curves(model: RiskModel, machines: Sequence[MachineTelemetry], bucket_hours: float, n_buckets: int,
                base: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cumulative [M, B], per-bucket conditional [M, B], current [M]) failure probabilities, one batch.

    The hazard depends on time only through the projected tool wear (`_WearPaths`): it grows at the
    machine's wear rate x utilization, restarts from 0 at every tool change and never exceeds AI4I's
    largest wear. So the hazard is evaluated once, at the knots and midpoints of a wear grid with pieces
    of at most WEAR_STEP_MIN minutes, and the exposure up to any time is read off it: whole tool lives
    times one life's integral (Simpson on every piece), plus the integral of the quadratic through the
    piece's three values up to the wear reached, plus the capped hazard for time spent at the cap. The
    forward rows do not depend on the buckets or the number of tool changes, and a machine's rows depend
    only on its own telemetry. `base` is the machines' encoded current readings when the caller has them.
    """
    if base is None:
        base = encode([m.current for m in machines], [m.duty_class for m in machines])  # [M, F]
    count, wear_column = len(machines), SIGNALS.index("tool_wear_min")
    utilization = np.array([m.utilization for m in machines])  # [M]
    paths = _wear_paths(machines, base[:, wear_column])
    pieces = np.where(paths.high > paths.low, np.ceil((paths.high - paths.low) / WEAR_STEP_MIN), 0).astype(int)
    width = (paths.high - paths.low) / np.maximum(pieces, 1)  # [M] wear minutes per grid piece
    # grid points per machine: knots 0..n at even positions, midpoints at odd ones (2n + 1 points)
    points = 2 * pieces + 1
    point_machine = np.repeat(np.arange(count), points)
    first = np.cumsum(points) - points  # [M] index of each machine's first grid point
    position = np.arange(len(point_machine)) - first[point_machine]
    rows = base[point_machine].copy()
    rows[:, wear_column] = paths.low[point_machine] + position * width[point_machine] / 2
    steady = base.copy()
    steady[:, wear_column] = paths.high  # the capped wear, or the constant one where the tool does not wear
    every = _failure_probabilities(model, np.vstack([rows, steady, base]))
    hazard = -np.log1p(-np.clip(every, 0.0, 1 - 1e-9)) / model.window_hours  # per operating hour
    grid, steady_hazard, current = hazard[: len(rows)], hazard[len(rows) : -count], every[-count:]
    # integral of the hazard over wear from the grid start to each knot (Simpson per piece)
    knot_of_piece = np.repeat(first, pieces) + 2 * (np.arange(pieces.sum()) - np.repeat(np.cumsum(pieces) - pieces,
                                                                                         pieces))
    simpson = (grid[knot_of_piece] + 4 * grid[knot_of_piece + 1] + grid[knot_of_piece + 2]) / 6
    knots = np.concatenate([[0.0], np.cumsum(simpson * np.repeat(width, pieces))])
    offset = np.cumsum(pieces) - pieces  # [M] each machine's first piece
    # the wear reached at the start and at every bucket end, in the unrolled coordinate [M, B + 1]
    unrolled = paths.start[:, None] + paths.rate[:, None] * (np.arange(n_buckets + 1) * bucket_hours)[None, :]
    period = np.where(paths.periodic, paths.high, 1.0)[:, None]  # one tool life (periodic machines only)
    lives = np.where(paths.periodic[:, None], np.floor(unrolled / period), 0.0)  # completed tool lives
    reached = np.where(paths.periodic[:, None], unrolled - lives * period, np.minimum(unrolled, paths.high[:, None]))
    beyond = np.where(paths.periodic[:, None], 0.0, np.maximum(unrolled - paths.high[:, None], 0.0))  # at the cap
    piece = np.clip(np.floor((reached - paths.low[:, None]) / np.maximum(width, 1e-12)[:, None]), 0,
                    np.maximum(pieces - 1, 0)[:, None]).astype(int)
    share = np.clip((reached - paths.low[:, None]) / np.maximum(width, 1e-12)[:, None] - piece, 0.0, 1.0)
    start_point = first[:, None] + 2 * piece
    in_grid = (pieces > 0)[:, None]
    weights = _quadratic_integral(share)
    partial = sum(w * grid[np.where(in_grid, start_point + k, 0)] for k, w in enumerate(weights)) * width[:, None]
    before = knots[offset[:, None] + piece] - knots[offset][:, None]
    one_life = (knots[offset + pieces] - knots[offset])[:, None]
    integral = lives * one_life + np.where(in_grid, before + partial, 0.0) + steady_hazard[:, None] * beyond
    wearing = paths.rate > 0
    exposure = np.where(wearing[:, None], np.diff(integral, axis=1) / np.where(wearing, paths.rate, 1.0)[:, None],
                        steady_hazard[:, None] * bucket_hours) * utilization[:, None]  # [M, B]
    cumulative = 1.0 - np.exp(-np.cumsum(exposure, axis=1))  # [M, B]
    return cumulative, 1.0 - np.exp(-exposure), current


def anomaly_scores(model: RiskModel, machines: Sequence[MachineTelemetry]) -> np.ndarray:
    """Anomaly score per machine from its current reading and history (mean reconstruction error)."""
    samples = [s for m in machines for s in (*m.history, m.current)]
    duty = [m.duty_class for m in machines for _ in range(len(m.history) + 1)]
    with torch.no_grad():
        z = model.net.standardise(torch.from_numpy(encode(samples, duty).astype(np.float32)))
        errors = model.anomaly(z).numpy()  # [N]
    counts = np.array([len(m.history) + 1 for m in machines])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    per_machine = np.add.reduceat(errors, starts) / counts  # each machine's mean error
    return model.anomaly.score(torch.from_numpy(per_machine.astype(np.float32))).double().numpy()


def assess_equipment_risk(
    model: RiskModel, machines: Sequence[MachineTelemetry], bucket_hours: float, n_buckets: int, top: int = 3
) -> list[RiskCurve]:
    """Risk curve, anomaly score and explanation per machine; raises ForecastInputError on bad input."""
    validate_telemetry(machines, bucket_hours, n_buckets)
    return assess_validated(model, machines, bucket_hours, n_buckets, top)


def assess_validated(
    model: RiskModel, machines: Sequence[MachineTelemetry], bucket_hours: float, n_buckets: int, top: int = 3
) -> list[RiskCurve]:
    """assess_equipment_risk for machines already checked by validate_telemetry. Each machine's result
    depends only on its own telemetry, so machines of several requests can share one call; a call
    runs in chunks of at most CHUNK_ROWS forward rows."""
    per_chunk = max(1, CHUNK_ROWS // curve_rows_bound(n_buckets))
    if len(machines) > per_chunk:
        return [curve for start in range(0, len(machines), per_chunk)
                for curve in assess_validated(model, machines[start : start + per_chunk], bucket_hours, n_buckets, top)]
    raw = encode([m.current for m in machines], [m.duty_class for m in machines])
    cumulative, per_bucket, current = risk_curves(model, machines, bucket_hours, n_buckets, base=raw)
    anomaly = anomaly_scores(model, machines)
    z = model.serving.standardise(torch.from_numpy(raw.astype(np.float32)))

    def failure_gradient(inputs: torch.Tensor) -> torch.Tensor:
        return model.serving.probability_gradient(inputs, 1)[1]

    attributions = integrated_gradients_from(failure_gradient, z, torch.zeros(z.shape[1])).numpy()
    curves = []
    for k, machine in enumerate(machines):
        explanation = explain_row(INPUT_NAMES, raw[k], z[k].numpy(), attributions[k], "failure", top=top,
                                  allowed=SIGNALS)
        curves.append(RiskCurve(
            machine_id=machine.machine_id, bucket_hours=bucket_hours,
            cumulative_failure_probability=tuple(float(v) for v in cumulative[k]),
            bucket_failure_probability=tuple(float(v) for v in per_bucket[k]),
            current_failure_probability=float(current[k]), anomaly_score=float(anomaly[k]),
            explanation=explanation, model_version=model.version,
        ))
    return curves
