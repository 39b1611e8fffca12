"""Remaining-life CNN (C-MAPSS protocol) on tiny synthetic run-to-failure units: shapes, cuts, no test leakage."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from forecaster.rul import (
    SENSOR_COLUMNS,
    RulCNN,
    RulSettings,
    every_cut,
    last_windows,
    main,
    predict_rul,
    scaler,
    train_rul,
    training_windows,
    unit_features,
    validate_rul,
)

TINY = RulSettings(window=6, rul_cap=20.0, smoothing=0.05, baseline_cycles=0, age_channel=False, filters=3, kernel=3,
                   members=2, batch_size=64, epochs=2)


def _units(count: int = 8, seed: int = 0) -> np.ndarray:
    """C-MAPSS-shaped rows [unit, cycle, 3 settings, 21 sensors]; the varying sensors drift towards failure."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit in range(1, count + 1):
        life = int(rng.integers(25, 40))
        for cycle in range(1, life + 1):
            row = np.zeros(26)
            row[:2] = unit, cycle
            row[list(SENSOR_COLUMNS)] = cycle / life + rng.normal(0.0, 0.05, len(SENSOR_COLUMNS))
            rows.append(row)
    return np.array(rows)


def test_every_cut_is_the_last_window_of_the_truncated_unit_with_its_true_remaining_life() -> None:
    rows = _units(2)
    bounds = scaler(rows)
    windows, truth = every_cut(rows, bounds, replace(TINY, rul_cap=5.0))
    lives = [int((rows[:, 0] == unit).sum()) for unit in (1, 2)]
    assert len(truth) == sum(life - TINY.window + 1 for life in lives)
    assert truth.max() == max(lives) - TINY.window  # uncapped, unlike the training target
    first = rows[rows[:, 0] == 1]
    for cut, observed in enumerate(range(TINY.window, lives[0] + 1)):  # unit 1's cuts come first
        assert np.allclose(windows[cut], last_windows(first[:observed], bounds, TINY)[0])
        assert truth[cut] == lives[0] - observed


def test_baseline_channels_see_no_cycle_after_the_cut() -> None:
    rows = _units(1)
    settings = replace(TINY, baseline_cycles=TINY.window)
    bounds = scaler(rows)
    windows, _ = every_cut(rows, bounds, settings)
    assert windows.shape[2] == 2 * len(SENSOR_COLUMNS)
    for cut, observed in enumerate(range(TINY.window, len(rows) + 1)):
        assert np.allclose(windows[cut], last_windows(rows[:observed], bounds, settings)[0])
    with pytest.raises(ValueError, match="baseline_cycles"):
        replace(TINY, baseline_cycles=TINY.window + 1)


def test_age_channel_is_the_cycle_number_and_follows_the_baseline_channels() -> None:
    rows = _units(2)
    settings = replace(TINY, baseline_cycles=TINY.window, age_channel=True)
    bounds = scaler(rows)
    windows, _ = every_cut(rows, bounds, settings)
    assert windows.shape[2] == 2 * len(SENSOR_COLUMNS) + 1
    first_life = int((rows[:, 0] == 1).sum())
    for cut, observed in enumerate(range(TINY.window, first_life + 1)):
        assert np.allclose(windows[cut, :, -1], np.arange(observed - TINY.window + 1, observed + 1) / 100.0)
    without = every_cut(rows, bounds, replace(settings, age_channel=False))[0]
    assert np.array_equal(windows[:, :, :-1], without)
    nets, bounds, _ = train_rul(rows, settings, torch.device("cpu"))
    assert predict_rul(nets, last_windows(rows, bounds, settings), settings.rul_cap).shape == (2,)


def test_smoothing_is_causal_and_one_means_none() -> None:
    rows = _units(1)
    bounds = scaler(rows)
    raw = unit_features(rows, bounds, 1.0)
    assert raw.min() >= -1.0 and raw.max() <= 1.0
    smoothed = unit_features(rows, bounds, 0.3)
    changed = rows.copy()
    changed[-1, list(SENSOR_COLUMNS)] += 5.0
    assert np.allclose(unit_features(changed, bounds, 0.3)[:-1], smoothed[:-1])
    assert smoothed[1:].std(axis=0).mean() < raw[1:].std(axis=0).mean()


def test_debiased_smoothing_is_a_causal_weighted_mean_of_all_cycles_so_far() -> None:
    rows = _units(1)
    bounds = scaler(rows)
    raw = unit_features(rows, bounds, 1.0)
    debiased = unit_features(rows, bounds, 0.2, debias=True)
    for cycle in (0, 1, 7, len(rows) - 1):
        weights = 0.8 ** np.arange(cycle, -1, -1)
        assert np.allclose(debiased[cycle], weights @ raw[: cycle + 1] / weights.sum(), atol=1e-5)
    changed = rows.copy()
    changed[-1, list(SENSOR_COLUMNS)] += 5.0
    assert np.allclose(unit_features(changed, bounds, 0.2, debias=True)[:-1], debiased[:-1])


def test_windows_targets_and_short_unit_padding() -> None:
    rows = _units()
    bounds = scaler(rows)
    windows, targets = training_windows(rows, bounds, TINY)
    assert windows.shape[1:] == (TINY.window, len(SENSOR_COLUMNS))
    assert targets.max() == TINY.rul_cap and targets.min() == 0.0
    short = rows[(rows[:, 0] == 1) & (rows[:, 1] <= 3)]
    padded = last_windows(short, bounds, TINY)
    assert padded.shape == (1, TINY.window, len(SENSOR_COLUMNS))
    assert np.allclose(padded[0, : TINY.window - 3], padded[0, 0])


def test_training_is_deterministic_and_predictions_stay_in_range() -> None:
    torch.set_num_threads(1)
    rows = _units()
    nets, bounds, results = train_rul(rows, TINY, torch.device("cpu"))
    again, _, _ = train_rul(rows, TINY, torch.device("cpu"))
    windows = last_windows(rows, bounds, TINY)
    predicted = predict_rul(nets, windows, TINY.rul_cap)
    assert predicted.shape == (8,) and np.all((predicted >= 0) & (predicted <= TINY.rul_cap))
    assert np.allclose(predicted, predict_rul(again, windows, TINY.rul_cap))
    assert len(nets) == TINY.members and all(len(r.history) == TINY.epochs for r in results)


def test_validation_trains_without_the_held_out_units(monkeypatch: pytest.MonkeyPatch) -> None:
    import forecaster.rul as rul

    seen: list[set[float]] = []
    original = rul.train_rul

    def spy(train: np.ndarray, *args: object, **kwargs: object) -> object:
        seen.append(set(np.unique(train[:, 0])))
        return original(train, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rul, "train_rul", spy)
    rows = _units()
    result = validate_rul(rows, TINY, torch.device("cpu"), folds=4, only_folds=(0, 1))
    units = np.random.default_rng(0).permutation(np.unique(rows[:, 0]))
    assert [s.isdisjoint(units[fold::4]) for fold, s in enumerate(seen)] == [True, True]
    held_out = np.isin(rows[:, 0], units[[0, 1, 4, 5]])
    assert result["cuts"] == held_out.sum() - 4 * (TINY.window - 1)
    assert result["cuts_near_failure"] == result["cuts"]  # tiny units: every cut is within 150 cycles
    assert np.isfinite(result["rmse_near_failure"]) and set(result["rmse_near_failure_by_fold"]) == {0, 1}


def test_validation_cli_reads_only_the_training_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cmapss-FD001"
    folder.mkdir()
    np.savetxt(folder / "train_FD001.txt", _units())  # no test_FD001.txt / RUL_FD001.txt: reading them would fail
    settings = json.dumps({"window": 6, "baseline_cycles": 6, "rul_cap": 20.0, "filters": 3, "kernel": 3, "members": 1,
                           "epochs": 1})
    assert main(["--data-dir", str(tmp_path), "--only-folds", "0", "--settings", settings]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["folds_run"] == [0] and report["settings"]["epochs"] == 1


def test_xavier_initialisation_zeroes_biases_and_unknown_inits_are_refused() -> None:
    settings = replace(TINY, init="xavier_normal", lr_drop_epoch=1, weight_decay=0.0)
    torch.manual_seed(0)
    net = RulCNN(window=6, filters=3, kernel=3)
    last = net.head[2]
    assert isinstance(last, torch.nn.Linear)
    before = last.weight.detach().clone()
    layers = [m for m in net.xavier_normal_().modules() if isinstance(m, torch.nn.Conv1d | torch.nn.Linear)]
    assert len(layers) == 7 and all(m.bias is not None and float(m.bias.detach().abs().max()) == 0.0 for m in layers)
    assert not torch.equal(before, last.weight)
    _, _, results = train_rul(_units(), settings, torch.device("cpu"))
    rates = [r.learning_rate for r in results[0].history]
    assert rates == pytest.approx([TINY.learning_rate, TINY.learning_rate * 0.1])
    with pytest.raises(ValueError, match="init"):
        RulSettings(init="he")


@pytest.mark.parametrize(("settings", "device", "message"), [
    ('{"epochs": 10, "lr_drop_epoch": 10}', "cpu", "lr_drop_epoch must lie in 1..9"),
    ('{"epochs": 0}', "cpu", "epochs must be at least 1"),
    ('{"epoch": 10}', "cpu", "unknown settings ['epoch']"),
    ('[1, 2]', "cpu", "expected a JSON object"),
    ("{not json", "cpu", "--settings"),
    ("{}", "tpu", "--device"),
])
def test_validation_cli_names_bad_settings_and_devices(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       settings: str, device: str, message: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--data-dir", str(tmp_path), "--settings", settings, "--device", device])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
