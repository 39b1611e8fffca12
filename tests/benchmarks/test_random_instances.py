"""Random shop instances are read back by the published-format readers with the requested shape."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.instances import read_fjsp, read_jobshop
from benchmarks.random_instances import fjsp_text, jobshop_text, main

_FOLDER = tempfile.TemporaryDirectory(prefix="random-instances-")


def written(text: str) -> Path:
    """The text in a file of the module's temporary folder (hypothesis cannot use pytest's tmp_path)."""
    path = Path(_FOLDER.name) / f"instance-{abs(hash(text))}.txt"
    path.write_text(text)
    return path


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12), st.integers(1, 8), st.integers(0, 10_000))
def test_jobshop_files_read_back_with_every_machine_once_per_job(jobs: int, machines: int, seed: int) -> None:
    shop = read_jobshop(written(jobshop_text(jobs, machines, seed)))
    assert len(shop.jobs) == jobs
    for job in shop.jobs:
        assert sorted(alternatives[0][0] for alternatives in job) == list(range(machines))
        assert all(1 <= alternatives[0][1] <= 99 for alternatives in job)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 10), st.integers(1, 6), st.integers(1, 8), st.integers(1, 4), st.integers(0, 10_000))
def test_fjsp_files_read_back_with_distinct_eligible_machines(jobs: int, operations: int, machines: int,
                                                              alternatives: int, seed: int) -> None:
    shop = read_fjsp(written(fjsp_text(jobs, operations, machines, alternatives, seed)))
    assert len(shop.jobs) == jobs
    for job in shop.jobs:
        assert len(job) == operations
        for options in job:
            eligible = [machine for machine, _ in options]
            assert 1 <= len(eligible) <= min(alternatives, machines)
            assert len(set(eligible)) == len(eligible) and all(0 <= m < machines for m in eligible)


def test_same_seed_gives_the_same_file_and_bad_sizes_are_refused(tmp_path: Path) -> None:
    assert jobshop_text(5, 4, 7) == jobshop_text(5, 4, 7) != jobshop_text(5, 4, 8)
    assert main(["jobshop", str(tmp_path / "a.txt"), "--jobs", "3", "--machines", "2", "--seed", "1"]) == 0
    assert (tmp_path / "a.txt").read_text() == jobshop_text(3, 2, 1)
    with pytest.raises(SystemExit):
        main(["fjsp", str(tmp_path / "b.txt"), "--jobs", "0", "--machines", "2"])
