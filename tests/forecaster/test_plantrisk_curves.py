"""The served curve and the per-component curves of a plant's risk model.

Whatever the features and horizons, every servable candidate and every component curve is a cumulative
failure probability (in [0, 1], non-decreasing in the horizon; hypothesis); the monotone join keeps the
values at the plant's own horizons; the blend's weights are chosen per horizon on the validation period;
component curves are fitted where failures name components, scored in the report, written to the model
folder and predicted with a `component` column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecaster.plantrisk.artifact import read_model_folder, write_model_folder
from forecaster.plantrisk.blend import WEIGHTS
from forecaster.plantrisk.components import MACHINE, candidate_components, product_of_components
from forecaster.plantrisk.direct import join_anchors, monotone_anchors
from forecaster.plantrisk.features import build_features
from forecaster.plantrisk.history import PlantHistory, history_from_frames
from forecaster.plantrisk.labels import landmarks
from forecaster.plantrisk.pipeline import SERVABLE, RiskSettings, TrainedRiskModel, curves_for, train_risk_model
from forecaster.plantrisk.predictor import OUTPUT_COLUMNS, predict
from forecaster.plantrisk.simulated import simulated_fleet

HORIZONS = (24.0, 72.0)
COMPONENTS = ("pump", "spindle")


def _fleet_with_two_components() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The simulated fleet with its breakdowns (and the repair logged with each) alternately on two components."""
    telemetry, events, machines = simulated_fleet(machines=8, days=60, seed=11)
    failures = events.index[events["event"] == "failure"]
    for number, row in enumerate(failures):
        component = COMPONENTS[number % 2]
        same = (events["time"] == events.at[row, "time"]) & (events["machine"] == events.at[row, "machine"])
        events.loc[same & events["event"].isin(["failure", "maintenance"]), "component"] = component
    return telemetry, events, machines.set_index("machine")


@pytest.fixture(scope="module")
def fitted() -> tuple[TrainedRiskModel, pd.DataFrame, pd.DataFrame]:
    telemetry, events, machines = _fleet_with_two_components()
    history = history_from_frames(telemetry, events, machines)
    model = train_risk_model(history, RiskSettings(max_horizon_hours=72.0, horizons=HORIZONS, threads=1,
                                                   max_trees=80))
    return model, telemetry, events


@settings(max_examples=200, deadline=None)
@given(data=st.data(), rows=st.integers(1, 4), count=st.integers(1, 6))
def test_the_monotone_join_keeps_the_asked_horizons_and_is_a_valid_curve(data: st.DataObject, rows: int,
                                                                         count: int) -> None:
    anchors = sorted(data.draw(st.sets(st.integers(1, 400), min_size=count, max_size=count)))
    priority = data.draw(st.lists(st.sampled_from(anchors), unique=True))
    raw = data.draw(arrays(np.float64, (rows, count), elements=st.floats(0.0, 1.0)))
    values = monotone_anchors(raw, [float(a) for a in anchors], [float(a) for a in priority])
    assert np.all((values >= 0.0) & (values <= 1.0)) and np.all(np.diff(values, axis=1) >= 0.0)
    kept = [j for j, a in enumerate(anchors) if a in priority]
    # at the asked horizons: the raw values, raised only by an earlier asked horizon's value
    assert values[:, kept] == pytest.approx(np.maximum.accumulate(raw[:, kept], axis=1))
    grid = np.sort(np.concatenate([np.linspace(0.0, 800.0, 37), np.asarray(anchors, dtype=float)]))
    curve = join_anchors(values, [float(a) for a in anchors], grid)
    assert np.all((curve >= 0.0) & (curve <= 1.0)) and np.all(np.diff(curve, axis=1) >= -1e-12)
    at_anchors = join_anchors(values, [float(a) for a in anchors], np.asarray(anchors, dtype=float))
    assert at_anchors == pytest.approx(np.minimum(values, 1 - 1e-6), abs=1e-9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_curve_is_a_cumulative_failure_probability(fitted: tuple[TrainedRiskModel, pd.DataFrame, pd.DataFrame],
                                                         data: st.DataObject) -> None:
    model, _, _ = fitted
    held = model.held_out["test"]
    index = data.draw(st.integers(0, len(held.times) - 1))
    features = build_features(model_history(fitted), model.spec, held.times.machine[[index]],
                              held.times.time[[index]])
    scale = data.draw(st.floats(0.0, 3.0))
    noise = data.draw(arrays(np.float64, features.shape, elements=st.floats(-1.0, 1.0)))
    features = features + scale * noise * np.nan_to_num(np.abs(features), nan=1.0)  # off the training range too
    horizons = np.sort(np.asarray(data.draw(st.lists(st.floats(0.0, 2000.0), min_size=2, max_size=12))))
    curves = [curves_for(model, name, model_history(fitted), held.times.subset(np.arange(len(held.times)) == index),
                         features, horizons) for name in SERVABLE]
    assert model.components is not None
    curves += list(model.components.cumulative(features, horizons))
    for curve in curves:
        assert np.all((curve >= 0.0) & (curve <= 1.0))
        assert np.all(np.diff(curve, axis=1) >= -1e-12)


def model_history(fitted: tuple[TrainedRiskModel, pd.DataFrame, pd.DataFrame]) -> PlantHistory:
    _, telemetry, events = fitted
    return history_from_frames(telemetry, events)


def test_blend_weights_are_chosen_per_horizon_on_validation(
        fitted: tuple[TrainedRiskModel, pd.DataFrame, pd.DataFrame]) -> None:
    model, _, _ = fitted
    assert model.blend is not None and set(model.blend.chosen) <= {f"{h:g}" for h in HORIZONS}
    assert model.blend.chosen and all(w in WEIGHTS for w in model.blend.weights)
    validation = model.report["validation"]
    for horizon, weight in model.blend.chosen.items():
        # w = 0 (the direct curve) is the champion; another weight only where it wins by more than one standard
        # error on validation and ranks as well, and then it is the best of those that do
        evidence = model.blend.evidence.get(horizon, {})
        if weight == 0.0:
            assert not any(e["replaces"] for e in evidence.values())
        else:
            assert evidence[f"{weight:g}"]["replaces"]
            assert evidence[f"{weight:g}"]["brier_margin"] == min(
                e["brier_margin"] for e in evidence.values() if e["replaces"])
        # the blend does at least as well as the direct curve on validation (up to the monotone join)
        blend = validation["blend"]["horizons"][horizon]["brier"]
        assert blend <= validation["direct"]["horizons"][horizon]["brier"] + 1e-3
    selection = model.report["selection"]
    champion = selection["champion"]
    assert champion == ("direct" if all(w == 0.0 for w in model.blend.weights) else "blend")
    replacing = {n for n, c in selection["challengers"].items() if c["replaces"]}
    assert model.served in replacing or (not replacing and model.served == champion)
    assert model.served in SERVABLE


def test_component_curves_are_fitted_scored_saved_and_predicted(
        fitted: tuple[TrainedRiskModel, pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    model, telemetry, events = fitted
    assert model.components is not None and model.components.names == list(COMPONENTS)
    report = model.report["components"]
    assert report["names"] == list(COMPONENTS)
    for name in COMPONENTS:
        scores = report["test"][name]["horizons"]["72"]
        assert scores["times"] > 0 and 0.0 <= scores["brier"] <= 1.0
    assert set(report["test"]["product_of_components"]["horizons"]) == {"24", "72"}

    folder = write_model_folder(tmp_path / "model", model)
    loaded = read_model_folder(folder)
    assert loaded.components is not None and loaded.components.names == list(COMPONENTS)
    at = pd.DataFrame({"machine": ["M1", "M3"], "time": [pd.Timestamp("2026-02-10T08:00Z")] * 2})
    history = history_from_frames(telemetry, events)
    table = predict(loaded, history, at, [24.0, 168.0])
    assert tuple(table.columns) == OUTPUT_COLUMNS and len(table) == 2 * 2 * 3
    assert list(table["component"][:6]) == [MACHINE, *COMPONENTS] * 2
    assert list(table["horizon_hours"][:6]) == [24.0] * 3 + [168.0] * 3
    assert table.equals(predict(model, history, at, [24.0, 168.0]))  # the folder predicts what was trained
    for (_, _), rows in table.groupby(["machine", "component"]):
        assert rows["failure_probability"].is_monotonic_increasing
    assert table["failure_probability"].between(0.0, 1.0).all()


def test_the_product_of_component_curves_is_at_least_each_component() -> None:
    curves = np.array([[[0.1, 0.3]], [[0.2, 0.5]]])  # [C=2, Q=1, H=2]
    product = product_of_components(curves)
    assert product[0] == pytest.approx([1 - 0.9 * 0.8, 1 - 0.7 * 0.5])
    assert np.all(product >= curves.max(axis=0))


def test_max_trees_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_trees"):
        RiskSettings(max_trees=0)


def test_components_that_never_share_a_machine_get_no_curves() -> None:
    """Binding: each machine fails on one component only (one per machine type), so every component curve would
    repeat its machines' own curve: none is fitted. Non-binding: the same failures alternating between the two
    components on every machine: both qualify."""
    telemetry, events, _ = simulated_fleet(machines=8, days=60, seed=11)
    train = landmarks(history_from_frames(telemetry, events), 6.0)
    per_type = events.copy()
    kind = per_type["machine"].map(lambda m: COMPONENTS[int(str(m)[1:]) % 2])
    per_type.loc[per_type["event"].isin(["failure", "maintenance"]), "component"] = kind
    assert candidate_components(history_from_frames(telemetry, per_type), train) == []
    alternating = _fleet_with_two_components()[1]
    assert candidate_components(history_from_frames(telemetry, alternating), train) == list(COMPONENTS)
