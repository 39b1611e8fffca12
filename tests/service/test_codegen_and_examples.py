"""Generated code and example files are current: regenerating them would change nothing."""

from __future__ import annotations

import subprocess
import sys

from service import examples


def test_generated_code_matches_the_proto_sources() -> None:
    # In a fresh interpreter: grpc_tools' protoc must not run beside already-loaded descriptors.
    result = subprocess.run([sys.executable, "-m", "service.codegen", "--check"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr + "\nrun `make gen` and commit the result"


def test_example_requests_match_the_demo_factory() -> None:
    assert examples.main(["--check"]) == 0, "run `python -m service.examples` and commit the result"
