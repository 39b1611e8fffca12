"""Generate (or check) the committed Python code for proto/prodplan/v1.

`python -m service.codegen --write` regenerates prodplan/v1/*_pb2*.py(i); `--check` fails when
regenerating would change any committed file, so the contract and the code cannot drift apart.
"""

from __future__ import annotations

import argparse
import filecmp
import logging
import sys
import tempfile
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
PACKAGE_DIR = Path("prodplan") / "v1"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def generate(out_dir: Path) -> list[Path]:
    """Run protoc on every .proto under proto/prodplan/v1 into out_dir; return the generated files."""
    sources = sorted((PROTO_ROOT / PACKAGE_DIR).glob("*.proto"))
    if not sources:
        raise FileNotFoundError(f"no .proto files under {PROTO_ROOT / PACKAGE_DIR}")
    well_known = str(resources.files("grpc_tools") / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(str(s.relative_to(PROTO_ROOT)) for s in sources),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))
    return sorted(p for p in (out_dir / PACKAGE_DIR).iterdir() if p.name.endswith(GENERATED_SUFFIXES))


def committed_files() -> list[Path]:
    return sorted(p for p in (ROOT / PACKAGE_DIR).iterdir() if p.name.endswith(GENERATED_SUFFIXES))


def check() -> list[str]:
    """Differences between the committed generated code and a fresh generation (empty when current)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = {p.name: p for p in generate(Path(tmp))}
        committed = {p.name: p for p in committed_files()}
        problems = [f"missing: {PACKAGE_DIR / n}" for n in sorted(fresh.keys() - committed.keys())]
        problems += [f"stale (no .proto source): {PACKAGE_DIR / n}" for n in sorted(committed.keys() - fresh.keys())]
        problems += [
            f"out of date: {PACKAGE_DIR / n}"
            for n in sorted(fresh.keys() & committed.keys())
            if not filecmp.cmp(fresh[n], committed[n], shallow=False)
        ]
    return problems


def write() -> list[Path]:
    for old in committed_files():
        old.unlink()
    return generate(ROOT)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate prodplan/v1 from proto/")
    mode.add_argument("--check", action="store_true", help="fail if regenerating would change anything")
    args = parser.parse_args(argv)
    if args.write:
        for path in write():
            logger.info("generated %s", path.relative_to(ROOT))
        return 0
    problems = check()
    for problem in problems:
        logger.error("%s", problem)
    if problems:
        logger.error("generated code is not current: run `make gen` and commit the result")
        return 1
    logger.info("generated code in %s is current", PACKAGE_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
