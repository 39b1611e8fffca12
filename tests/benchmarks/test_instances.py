"""The benchmark readers: published files parse, sloppy whitespace is fine, malformed input names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.instances import InstanceFormatError, best_known, read_fjsp, read_jobshop, to_plan_request
from planner.validation import find_violations

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"
FT06 = SHARED / "jobshop" / "FisherThompson1963" / "ft06.txt"
MK01 = SHARED / "fjsp" / "Brandimarte1993" / "mk01.txt"
needs_shared = pytest.mark.skipif(not FT06.is_file(), reason="shared benchmark data not present")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_jobshop_reader_tolerates_blank_lines_and_trailing_whitespace(tmp_path: Path) -> None:
    path = _write(tmp_path, "tiny.txt", "\n2 2  \n\n0 3 1 2   \n1 4 0 1\t\n\n")
    instance = read_jobshop(path)
    assert instance.name == "tiny"
    assert instance.num_machines == 2
    assert instance.jobs == ((((0, 3),), ((1, 2),)), (((1, 4),), ((0, 1),)))


def test_fjsp_reader_numbers_machines_from_zero(tmp_path: Path) -> None:
    path = _write(tmp_path, "flex.fjs", "2 2 1.5\n2 2 1 3 2 5 1 2 4\n\n1 1 1 2 \n")
    instance = read_fjsp(path)
    assert instance.jobs == ((((0, 3), (1, 5)), ((1, 4),)), (((0, 2),),))


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("2 2\n0 3 1\n1 4 0 1\n", 2),  # odd number of values
        ("2 2\n0 3 1 2\n1 4 x 1\n", 3),  # not an integer
        ("2 2\n0 3 5 2\n1 4 0 1\n", 2),  # machine out of range
        ("3 2\n0 3 1 2\n1 4 0 1\n", 1),  # header announces more jobs
    ],
)
def test_malformed_jobshop_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    path = _write(tmp_path, "bad.txt", text)
    with pytest.raises(InstanceFormatError, match=rf"bad\.txt:{line}:"):
        read_jobshop(path)


def test_malformed_fjsp_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.fjs", "1 2 1\n2 1 1 3 2 1\n")  # second operation cut short
    with pytest.raises(InstanceFormatError, match=r"bad\.fjs:2:.*middle of an operation"):
        read_fjsp(path)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InstanceFormatError, match="empty"):
        read_jobshop(_write(tmp_path, "empty.txt", "\n \n"))


@needs_shared
def test_published_files_parse_and_find_their_bounds() -> None:
    ft06 = read_jobshop(FT06)
    assert (len(ft06.jobs), ft06.num_machines, ft06.num_operations) == (6, 6, 36)
    assert best_known(FT06) == {"instance": "ft06", "size": "6 x 6", "family": "ft", "status": "closed",
                                "lower_bound": 55, "upper_bound": 55}
    mk01 = read_fjsp(MK01)
    assert (len(mk01.jobs), mk01.num_machines) == (10, 6)
    assert best_known(MK01)["upper_bound"] == 40  # type: ignore[index]


@needs_shared
def test_every_published_jobshop_becomes_a_valid_request() -> None:
    for path in sorted((SHARED / "jobshop").glob("*/*.txt")) + sorted((SHARED / "fjsp").glob("*/*.txt")):
        instance = read_fjsp(path) if "fjsp" in path.parts else read_jobshop(path)
        request = to_plan_request(instance, time_limit_seconds=1, num_workers=1)
        assert find_violations(request) == [], path.name
