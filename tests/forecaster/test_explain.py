"""Integrated gradients: completeness (attributions sum to f(x) - f(baseline)), and the sentences."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from forecaster.explain import explain_row, integrated_gradients, sentence_en, sentence_ko
from forecaster.types import Contribution

torch.manual_seed(0)
_NET = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1), torch.nn.Sigmoid())


def _fn(x: torch.Tensor) -> torch.Tensor:
    return _NET(x).squeeze(1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=4, max_size=4), st.lists(st.floats(-1, 1), min_size=4, max_size=4))
def test_completeness(point: list[float], base: list[float]) -> None:
    x = torch.tensor([point])
    baseline = torch.tensor(base)
    attributions = integrated_gradients(_fn, x, baseline, steps=128)
    with torch.no_grad():
        difference = float(_fn(x) - _fn(baseline[None]))
    assert abs(float(attributions.sum()) - difference) < 1e-3 + 1e-2 * abs(difference)


def test_linear_model_attribution_is_exact() -> None:
    weights = torch.tensor([2.0, -1.0, 0.5])
    attributions = integrated_gradients(lambda x: x @ weights, torch.tensor([[1.0, 2.0, 3.0]]), torch.zeros(3), steps=4)
    assert torch.allclose(attributions, torch.tensor([[2.0, -2.0, 1.5]]))


def test_sentences_in_english_and_korean() -> None:
    contribution = Contribution("torque_nm", 60.0, 2.1, 0.12)
    assert sentence_en(contribution, "failure") == "spindle torque 2.1 sd above normal raises failure risk"
    assert sentence_ko(contribution, "failure") == "스핀들 토크가 정상보다 2.1 표준편차 높아 고장 위험을 높입니다"
    lowered = Contribution("die_temperature_c", 190.0, -1.5, -0.02)
    assert sentence_en(lowered, "defect") == "die temperature 1.5 sd below normal lowers defect risk"
    assert sentence_ko(lowered, "defect").startswith("금형 온도가 정상보다 1.5 표준편차 낮아")


def test_explain_row_ranks_by_absolute_attribution_within_allowed() -> None:
    explanation = explain_row(["a", "b", "c"], np.array([1.0, 2.0, 3.0]), np.array([0.1, 2.0, -1.0]),
                              np.array([0.01, -0.3, 0.2]), "failure", top=2, allowed=["b", "c"])
    assert [c.feature for c in explanation.contributions] == ["b", "c"]
    assert "lowers failure risk" in explanation.text_en
