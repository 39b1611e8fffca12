"""Remaining-life CNN (C-MAPSS protocol) on tiny synthetic run-to-failure units: shapes, cuts, no test leakage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from forecaster.rul import (
    SENSOR_COLUMNS,
    RulSettings,
    last_windows,
    main,
    predict_rul,
    scaler,
    train_rul,
    training_windows,
    truncated_units,
    unit_features,
    validate_rul,
)

TINY = RulSettings(window=6, rul_cap=20.0, filters=3, kernel=3, members=2, batch_size=64, epochs=2)


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


def test_truncated_units_are_prefixes_with_their_true_remaining_life() -> None:
    rows = _units()
    cut_rows, truth = truncated_units(rows, cuts_per_unit=3, seed=1, min_cycles=5)
    assert len(truth) == 3 * 8
    assert np.array_equal(np.unique(cut_rows[:, 0]), np.arange(1, len(truth) + 1))
    lives = {unit: int((rows[:, 0] == unit).sum()) for unit in range(1, 9)}
    for cut in range(1, len(truth) + 1):
        piece = cut_rows[cut_rows[:, 0] == cut]
        source = 1 + (cut - 1) // 3
        assert len(piece) >= 5
        assert np.array_equal(piece[:, 1:], rows[rows[:, 0] == source][: len(piece), 1:])
        assert truth[cut - 1] == lives[source] - len(piece)


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
    result = validate_rul(rows, TINY, torch.device("cpu"), folds=4, only_folds=(0, 1), cuts_per_unit=2)
    units = np.random.default_rng(0).permutation(np.unique(rows[:, 0]))
    assert [s.isdisjoint(units[fold::4]) for fold, s in enumerate(seen)] == [True, True]
    assert result["cuts"] == 2 * 2 * 2 and np.isfinite(result["rmse"])


def test_validation_cli_reads_only_the_training_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cmapss-FD001"
    folder.mkdir()
    np.savetxt(folder / "train_FD001.txt", _units())  # no test_FD001.txt / RUL_FD001.txt: reading them would fail
    settings = json.dumps({"window": 6, "rul_cap": 20.0, "filters": 3, "kernel": 3, "members": 1, "epochs": 1})
    assert main(["--data-dir", str(tmp_path), "--settings", settings]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["cuts"] == 2 * 10 and report["settings"]["epochs"] == 1
