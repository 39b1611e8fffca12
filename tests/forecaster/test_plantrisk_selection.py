"""The champion / challenger rule that chooses the blend's weights and the served curve (selection.py).

A challenger replaces the champion only when its validation Brier score is lower by more than one
machine-clustered standard error and it ranks at least as well: a binding and a non-binding pair of tiny
periods for each condition, the standard error against the textbook formula, and hypothesis properties
(a curve never replaces itself; relabelling machines or reordering rows changes nothing).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecaster.plantrisk.labels import Landmarks
from forecaster.plantrisk.selection import choose, clustered_mean_difference, compare


def _period(machines: int, per_machine: int, failing: list[bool]) -> Landmarks:
    """`per_machine` prediction times of each machine, 10 h apart; a failing machine fails 5 h after each
    (its next failure always within 24 h), the others are followed for 1000 h without failing."""
    machine = np.repeat([f"M{i}" for i in range(machines)], per_machine).astype(object)
    time = np.tile(np.arange(per_machine) * 10.0, machines)
    fails = np.repeat(failing, per_machine)
    return Landmarks(machine, time, np.where(fails, time + 5.0, np.inf), np.full(len(time), 1e4))


def _curves(period: Landmarks, at_failing: np.ndarray, at_other: np.ndarray) -> np.ndarray:
    label, _ = period.label(24.0)
    return np.where(label == 1.0, at_failing, at_other)[:, None]


def test_a_challenger_better_on_every_machine_replaces_the_champion() -> None:
    period = _period(12, 5, [i % 3 == 0 for i in range(12)])
    champion = _curves(period, np.full(60, 0.6), np.full(60, 0.3))
    challenger = _curves(period, np.full(60, 0.8), np.full(60, 0.1))  # same ranking, sharper
    result = compare(period, challenger, champion, [24.0])
    assert result.brier_margin < 0 and result.clusters == 12 and result.ranks_as_well
    assert result.replaces
    assert choose(period, {"direct": champion, "hazard": challenger}, "direct", [24.0])[0] == "hazard"


def test_a_challenger_better_only_by_noise_does_not_replace_the_champion() -> None:
    period = _period(12, 5, [i % 3 == 0 for i in range(12)])
    rng = np.random.default_rng(3)
    champion = _curves(period, np.full(60, 0.6), np.full(60, 0.3))
    # better on some machines, worse on others: a small mean gain, well inside one standard error
    shift = np.repeat(rng.choice([-0.15, 0.14], size=12), 5)
    challenger = _curves(period, 0.6 + shift, 0.3 - shift)
    result = compare(period, challenger, champion, [24.0])
    assert result.brier_margin > -result.standard_error
    assert not result.replaces
    assert choose(period, {"direct": champion, "hazard": challenger}, "direct", [24.0])[0] == "direct"


def test_a_challenger_that_ranks_worse_does_not_replace_the_champion_even_with_a_lower_brier() -> None:
    period = _period(12, 5, [i % 3 == 0 for i in range(12)])
    # the champion ranks perfectly but is badly calibrated; the challenger is calibrated but mis-ranks one machine
    champion = _curves(period, np.full(60, 0.9), np.full(60, 0.7))
    challenger = _curves(period, np.full(60, 0.9), np.full(60, 0.02))
    challenger[5:10, 0] = 0.95  # machine M1 (not failing) above every failing time
    result = compare(period, challenger, champion, [24.0])
    assert result.brier_margin < -result.standard_error and not result.ranks_as_well
    assert not result.replaces
    fixed = challenger.copy()
    fixed[5:10, 0] = 0.02
    assert compare(period, fixed, champion, [24.0]).replaces


def test_one_machine_is_never_evidence() -> None:
    period = _period(1, 30, [True])
    champion = np.full((30, 1), 0.2)
    result = compare(period, np.full((30, 1), 0.99), champion, [24.0])
    assert result.clusters == 1 and result.standard_error == float("inf") and not result.replaces


def test_the_standard_error_is_the_textbook_one_with_one_row_per_machine() -> None:
    values = np.array([0.3, -0.1, 0.25, 0.05, -0.2, 0.4])
    mean, error, clusters = clustered_mean_difference([values], [np.array(list("abcdef"), dtype=object)])
    assert clusters == 6
    assert mean == pytest.approx(values.mean())
    assert error == pytest.approx(values.std(ddof=1) / np.sqrt(len(values)))


def test_rows_of_one_machine_count_as_one_cluster() -> None:
    values = np.array([0.3, 0.3, 0.3, -0.1, -0.1, -0.1])
    groups = np.array(["a", "a", "a", "b", "b", "b"], dtype=object)
    mean, error, clusters = clustered_mean_difference([values], [groups])
    assert clusters == 2 and mean == pytest.approx(0.1)
    # two clusters with contributions 0.15 and -0.05: sqrt(2 * ((0.15 - 0.05)^2 + (-0.05 - 0.05)^2))
    assert error == pytest.approx(np.sqrt(2 * (0.1**2 + 0.1**2)))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), machines=st.integers(2, 6), per_machine=st.integers(1, 6))
def test_a_curve_never_replaces_itself_and_labels_and_order_do_not_matter(data: st.DataObject, machines: int,
                                                                          per_machine: int) -> None:
    failing = data.draw(st.lists(st.booleans(), min_size=machines, max_size=machines))
    period = _period(machines, per_machine, failing)
    size = machines * per_machine
    champion = data.draw(arrays(np.float64, (size, 1), elements=st.floats(0.0, 1.0)))
    challenger = data.draw(arrays(np.float64, (size, 1), elements=st.floats(0.0, 1.0)))
    assert not compare(period, champion, champion, [24.0]).replaces
    result = compare(period, challenger, champion, [24.0])
    order = np.random.default_rng(data.draw(st.integers(0, 99))).permutation(size)
    renamed = Landmarks(np.array([f"X-{m}" for m in period.machine[order]], dtype=object), period.time[order],
                        period.next_failure[order], period.censor[order])
    again = compare(renamed, challenger[order], champion[order], [24.0])
    assert again.brier_margin == pytest.approx(result.brier_margin, abs=1e-12)
    assert again.standard_error == pytest.approx(result.standard_error, rel=1e-9, abs=1e-12)
    assert again.replaces == result.replaces
