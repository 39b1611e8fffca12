"""Baselines, period split, anomaly explanation and the direct curve, on small hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecaster.plantrisk.anomaly import AnomalyModel
from forecaster.plantrisk.baselines import ConstantHazard, KaplanMeier, renewal_spells
from forecaster.plantrisk.features import FeatureSpec
from forecaster.plantrisk.labels import Landmarks
from forecaster.plantrisk.pipeline import RiskSettings, split_periods


def test_kaplan_meier_matches_the_hand_computed_curve() -> None:
    # failures at 2, 4 (two), censored at 3 and 5: S(2) = 4/5, S(4) = 4/5 * (1 - 2/3) = 4/15
    curve = KaplanMeier.fit(np.array([2.0, 3.0, 4.0, 4.0, 5.0]), np.array([True, False, True, True, False]))
    assert curve.at(np.array([1.0, 2.0, 3.5, 4.0, 9.0])) == pytest.approx([1.0, 0.8, 0.8, 4 / 15, 4 / 15])
    # conditional on having survived to age 3: P(failure by 4) = 1 - (4/15) / (4/5) = 2/3
    assert curve.cumulative(np.array([3.0]), np.array([1.0]))[0, 0] == pytest.approx(2 / 3)


def test_a_machine_that_never_fails_only_adds_exposure() -> None:
    first_seen = {"quiet": 0.0, "busy": 0.0}
    failures = {"busy": np.array([100.0, 300.0])}
    until = {"quiet": 1000.0, "busy": 1000.0}
    durations, observed = renewal_spells(first_seen, failures, until)
    assert sorted(durations[observed]) == [100.0, 200.0]  # busy's two spells end in failures
    assert sorted(durations[~observed]) == [700.0, 1000.0]  # busy's last spell and all of quiet: censored
    rates = ConstantHazard.fit(first_seen, failures, until)
    assert rates.fleet_rate == pytest.approx(2 / 2000)
    assert rates.rates["quiet"] < rates.fleet_rate < rates.rates["busy"]
    assert rates.cumulative(np.array(["new"], dtype=object), np.array([24.0]))[0, 0] == pytest.approx(
        1 - np.exp(-24 * rates.fleet_rate))


def test_time_split_never_lets_training_labels_read_a_later_period() -> None:
    times = np.arange(0.0, 100.0, 1.0)
    landmarks = Landmarks(np.full(100, "M1", dtype=object), times, np.full(100, 95.0), np.full(100, 100.0))
    spans = pd.DataFrame({"first": [0.0], "last": [99.0], "end": [100.0]}, index=["M1"])
    periods = split_periods(landmarks, spans, RiskSettings())
    start = periods.validation.time.min()
    assert periods.train.time.max() < start <= periods.validation.time.max() < periods.test.time.min()
    assert np.all(periods.train.censor <= start) and np.isinf(periods.train.next_failure).all()
    assert np.all(periods.validation.censor <= periods.test.time.min())
    assert periods.train_until["M1"] <= start  # baselines are fitted on the training period only


def test_anomaly_names_the_sensors_that_drive_it_in_english_and_korean() -> None:
    spec = FeatureSpec(["heat", "shake"], [6.0, 24.0, 72.0], [24.0, 168.0], [], [], [], {})
    rng = np.random.default_rng(0)
    normal = rng.normal(0.0, 1.0, (500, len(spec.names())))
    model = AnomalyModel.fit(spec, normal)
    odd = np.zeros((2, len(spec.names())))
    odd[1, spec.names().index("shake:mean_24h")] = 6.0  # the middle window: a machine idle for the shortest
    # one (a night, a Sunday) must not look normal for lack of readings
    score, english, korean = model.score(odd)
    assert score[0] < 0.5 < 0.99 < score[1] <= 1.0
    assert english[0] == "no sensor is far from its normal range"
    assert english[1].startswith("shake ") and "above normal" in english[1] and "heat" not in english[1]
    assert korean[1].startswith("shake 정상보다 ") and korean[1].endswith("표준편차 높음")
    assert AnomalyModel.from_json(model.to_json()).score(odd)[0] == pytest.approx(score)
