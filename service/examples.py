"""`python -m service.examples [--check]`: write (or verify) examples/*.json from the embedded demo plants.

The files are the protobuf JSON form of real requests, for grpcurl and for clients in any
language; a test fails when they no longer match what the demo plants generate:
- create_plan.json: the simple demo factory (planner/demo_factory.py);
- compare_scenarios.json: its what-if scenarios (service/scenario_mapping.py);
- plant_resources.json: the plant-grade demo plant (planner/demo_plant.py: furnace loads, setters, inspectors
  and dies, ingot and bearing receipts, time lags, a subassembly, pausing, a transfer batch, work in progress).
The other plant-rule examples (plant_batching.json, plant_materials.json, plant_setters.json) are small
hand-made requests, each for one rule; their integration tests read them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from google.protobuf import json_format

from planner.demo_factory import demo_request
from planner.demo_plant import plant_grade_request
from service.mapping import plan_request_to_proto
from service.scenario_mapping import compare_scenarios_example

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def rendered() -> dict[str, str]:
    """File name -> JSON text of every example."""
    create_plan = plan_request_to_proto(demo_request(time_limit_seconds=5.0))
    plant_grade = plan_request_to_proto(plant_grade_request(time_limit_seconds=20.0))
    return {
        "create_plan.json": json_format.MessageToJson(create_plan, indent=2, sort_keys=False) + "\n",
        "compare_scenarios.json": json_format.MessageToJson(compare_scenarios_example(), indent=2,
                                                            sort_keys=False) + "\n",
        "plant_resources.json": json_format.MessageToJson(plant_grade, indent=2, sort_keys=False) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.examples", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a file differs instead of writing it")
    args = parser.parse_args(argv)
    stale = []
    for name, text in rendered().items():
        path = EXAMPLES / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        sys.stderr.write(f"out of date: {', '.join(stale)}; run python -m service.examples\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
