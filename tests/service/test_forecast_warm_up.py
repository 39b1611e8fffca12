"""The forecast models are exercised once before the server takes calls."""

from __future__ import annotations

import pytest

import service.forecast_servicer as servicer_module
from forecaster import load_models


def test_warm_up_runs_every_model_on_the_demo_plant(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int]] = []
    for name in ("forecast_validated", "predict_validated", "assess_validated"):
        real = getattr(servicer_module, name)

        def spy(model, items, *rest, _real=real, _name=name):  # type: ignore[no-untyped-def]
            result = _real(model, items, *rest)
            calls.append((_name, len(result)))
            return result

        monkeypatch.setattr(servicer_module, name, spy)
    assert servicer_module.warm_up(load_models()) > 0.0
    assert [name for name, _ in calls] == ["forecast_validated", "predict_validated", "assess_validated"]
    assert all(count > 0 for _, count in calls)  # real demo inputs, real answers
