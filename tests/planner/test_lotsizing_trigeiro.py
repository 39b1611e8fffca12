"""Published Trigeiro instances through the reader, the LP relaxations and the full solve.

Literature optimum used: G53 = 74634 (setup + holding cost; Trigeiro, Thomas & McClain 1989 set).
"""

from __future__ import annotations

import pytest

from planner.lotsizing import (
    LotSizingOptions,
    TrigeiroFormatError,
    parse_trigeiro,
    read_trigeiro,
    solve_lp_relaxation,
)
from planner.status import SolveStatus
from tests.planner.conftest_lotsizing import TRIGEIRO, solve_checked

FG, X = TRIGEIRO / "trigeiro-FG", TRIGEIRO / "trigeiro-X"
needs_data = pytest.mark.skipif(not FG.is_dir(), reason="shared Trigeiro benchmarks not present")


@needs_data
def test_reader_unwraps_blocks_of_fifteen_and_skips_the_stray_token() -> None:
    instance = read_trigeiro(FG / "G73.DAT")
    assert (instance.bucket_count, len(instance.items)) == (30, 24)
    # Item 16 opens the second block; its first-period demand is the first value of that block.
    assert instance.items[15].demand[0] == 86.0
    assert instance.items[23].demand[0] == 96.0
    assert instance.items[14].demand[-1] == 93.0


@needs_data
def test_reader_handles_the_x_footer_and_item_lines() -> None:
    instance = read_trigeiro(X / "X11117A")
    assert (instance.bucket_count, len(instance.items)) == (20, 10)
    assert instance.resources[0].capacity_minutes == [1332.0] * 20
    first = instance.items[0]
    assert (first.holding_cost, first.setup_cost, first.operations[0].setup_minutes) == (0.8, 37.0, 17.0)
    assert first.demand[3] == 113.0 and first.backlog_cost is None


def test_reader_reports_short_files() -> None:
    with pytest.raises(TrigeiroFormatError, match="demand lines"):
        parse_trigeiro("2 3\n1\n100\n1 1 10 100\n1 1 10 100\n5 5\n5 5\n")


@needs_data
def test_facility_location_lp_bound_beats_the_plain_one_on_g53() -> None:
    instance = read_trigeiro(FG / "G53.DAT")
    tight = solve_lp_relaxation(instance, "facility_location")
    plain = solve_lp_relaxation(instance, "aggregated")
    assert tight is not None and plain is not None
    assert tight >= plain
    assert tight >= 0.98 * 74634  # the plain LP bound is about a third of the optimum


@needs_data
@pytest.mark.slow
def test_g53_reaches_its_literature_optimum() -> None:
    instance = read_trigeiro(FG / "G53.DAT")
    result = solve_checked(instance, LotSizingOptions(time_limit_seconds=240, threads=2, relative_gap=1e-6))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(74634, abs=0.5)
    assert result.best_bound == pytest.approx(74634, abs=0.5)


@needs_data
def test_small_x_instance_is_proven_optimal_with_a_valid_plan() -> None:
    instance = read_trigeiro(X / "X11117A")
    result = solve_checked(instance, LotSizingOptions(time_limit_seconds=60, threads=2, relative_gap=1e-6))
    assert result.status == SolveStatus.OPTIMAL
    assert result.gap is not None and result.gap <= 1e-6
    assert result.build_seconds < result.solve_seconds + 1.0
