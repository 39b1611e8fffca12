"""Plant-scale benchmark: the demo plant copied k times, a month of orders, CreatePlan's time limit kept.

    python -m benchmarks.scale                       # the plant-grade plant: 240, 720, 2,000 orders; 1 s and 60 s
    python -m benchmarks.scale --plant simple        # the simple demo plant, as before the plant rules
    python -m benchmarks.scale --sizes 240 --time-limit 10 --json out/scale.json --markdown out/SCALE.md

With `--plant grade` (the default) each size is `planner.demo_plant_scaled.scaled_plant_request`: the plant-grade
demo (`planner.demo_plant`: furnace loads, setters, inspectors and dies, ingot and bearings with receipts, cooling
lags, pausing, the subassembly, work in progress) copied `ceil(orders / 89)` times, at most 9, each copy with its
own products, resources, materials and stories, orders drawn at the demo's load. With `--plant simple` each size is
a request built like the demo's (`planner.demo_factory`), only bigger: the demo plant (11 machines) is copied
`ceil(orders / 80)` times, at most 9 (99 machines), each copy with its own products (eligible only on its own
machines), and orders drawn like the demo's at the demo's load per machine (80 orders a copy over the demo's 21-day
horizon); where a copy gets more than 80 orders, its release days, due dates and horizon stretch by orders / 80.
Every plan goes through `create_plan` (the CreatePlan path), is judged by the solver-independent checker, and is
measured for wall time against its limit, the first complete plan (the progress callback's first report), weighted
tardiness and the time per phase (`PlanResult.phases`).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from pathlib import Path
from typing import Any

from benchmarks.common import format_table, machine, versions, write_json
from planner.checker import check_schedule
from planner.demo_factory import CUSTOMERS, DAY, PLAN_START, demo_factory
from planner.demo_plant_scaled import scaled_plant_request
from planner.domain import Factory, Order, PlanOptions, PlanRequest
from planner.plan import create_plan
from planner.scheduling import lns, lns_plant, tardiness_search
from planner.timings import total_by_name
from service.garbage import settle_garbage_collector

DEMO_ORDERS = 80
"""Orders of one demo plant over its 21-day horizon: the load per machine every copy keeps."""
DEMO_HORIZON_DAYS = 21
MAX_COPIES = 9
DEFAULT_SIZES = (240, 720, 2000)
DEFAULT_LIMITS = (1.0, 60.0)
TARGET_GAIN = 0.2
"""Issue 21: the long limit's plan at least 20 % below the short limit's in weighted tardiness."""
RELEASE_DAYS = (0, 0, 0, 1, 1, 2, 2, 3, 4, 7, 8, 9)
"""Release days of the demo's orders (its first 9 working days); stretched with the horizon."""


def copies_for(orders: int) -> int:
    """Plant copies for `orders`: one per 80 orders, at most 9 (then the horizon stretches instead)."""
    return max(1, min(MAX_COPIES, math.ceil(orders / DEMO_ORDERS)))


def scaled_factory(copies: int) -> Factory:
    """The demo plant `copies` times: machines and products suffixed `-P1`, `-P2`, ..., calendars shared."""
    demo = demo_factory()
    machines, products = [], []
    for copy in range(1, copies + 1):
        suffix = f"-P{copy}"
        machines += [m.model_copy(update={"id": m.id + suffix}) for m in demo.machines]
        for product in demo.products:
            routing = [op.model_copy(update={"eligible_machines": [
                e.model_copy(update={"machine_id": e.machine_id + suffix}) for e in op.eligible_machines]})
                for op in product.routing]
            products.append(product.model_copy(update={"id": product.id + suffix, "routing": routing}))
    return demo.model_copy(update={"name": f"{demo.name} x{copies}", "machines": machines, "products": products})


def _due_on_working_day(day: int) -> int:
    """22:00 local on that day, moved to Monday when it is a Sunday (as the demo's due dates)."""
    if day % 7 == 6:
        day += 1
    return day * DAY + 16 * 60


def scaled_orders(factory: Factory, orders: int, copies: int, seed: int) -> list[Order]:
    """`orders` orders spread evenly over the copies, drawn like the demo's, release days stretched."""
    rng = random.Random(seed)
    stretch = max(1.0, orders / (copies * DEMO_ORDERS))
    by_copy: dict[str, list[str]] = {}
    for product in factory.products:
        by_copy.setdefault(product.id.rsplit("-P", 1)[1], []).append(product.id)
    copy_names = sorted(by_copy, key=int)
    drawn = []
    for index in range(orders):
        release_day = round(rng.choice(RELEASE_DAYS) * stretch)
        release = release_day * DAY + rng.choice([0, 2 * 60, 8 * 60])
        customer, weight = rng.choice(CUSTOMERS)
        drawn.append(Order(
            id=f"SO-{index + 1:05d}", product_id=rng.choice(by_copy[copy_names[index % copies]]),
            quantity=rng.choice([30, 40, 50, 60, 80, 100]), release=release,
            due=_due_on_working_day(release_day + rng.randint(2, 5)), weight=weight, customer=customer,
        ))
    return drawn


def scaled_request(orders: int, time_limit_seconds: float = 60.0, num_workers: int = 2, seed: int = 0) -> PlanRequest:
    """The benchmark request for `orders` orders (see the module docstring)."""
    copies = copies_for(orders)
    stretch = max(1.0, orders / (copies * DEMO_ORDERS))
    factory = scaled_factory(copies)
    return PlanRequest(
        request_id=f"scale-{orders}", factory=factory, orders=scaled_orders(factory, orders, copies, seed),
        options=PlanOptions(plan_start=PLAN_START, horizon_minutes=math.ceil(DEMO_HORIZON_DAYS * stretch) * DAY,
                            time_limit_seconds=time_limit_seconds, num_workers=num_workers, random_seed=seed),
    )


PLANTS = ("grade", "simple")
"""`grade`: the plant-grade demo plant scaled (the default); `simple`: the simple demo plant scaled."""


def request_for(plant: str, orders: int, time_limit: float, workers: int, seed: int) -> PlanRequest:
    if plant == "grade":
        return scaled_plant_request(orders, time_limit, workers, seed)
    return scaled_request(orders, time_limit, workers, seed)


def run_one(orders: int, time_limit: float, workers: int, seed: int, plant: str = "grade") -> dict[str, Any]:
    """One CreatePlan-path solve of the size's request, measured and checked."""
    request = request_for(plant, orders, time_limit, workers, seed)
    first: list[float] = []
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    plan = create_plan(request, on_solution=lambda *_: first.append(time.perf_counter() - started) if not first
                       else None)
    wall = time.perf_counter() - started
    problems = check_schedule(request, plan.assignments) if plan.status.has_solution else ["no plan"]
    kpis = plan.kpis
    return {
        "orders": orders,
        "operations": plan.stats.operations,
        "machines": len(request.factory.machines),
        "horizon_days": request.options.horizon_minutes // DAY,
        "time_limit_seconds": time_limit,
        "wall_seconds": round(wall, 3),
        "over_limit_seconds": round(max(0.0, wall - time_limit), 3),
        "first_solution_seconds": round(first[0], 3) if first else None,
        "status": str(plan.status),
        "solver": plan.stats.solver,
        "objective": plan.stats.objective,
        "weighted_tardiness": kpis.weighted_tardiness_minutes if kpis else None,
        "late_orders": kpis.late_orders if kpis else None,
        "checker_problems": len(problems),
        "phases": {name: round(seconds, 3) for name, seconds in total_by_name(plan.phases).items()},
        "notes": plan.stats.notes,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def run(sizes: tuple[int, ...], short_limit: float, long_limit: float, workers: int, seed: int,
        plant: str = "grade") -> dict[str, Any]:
    """Every size at the short and the long limit, with the long plan's gain over the short one."""
    tardiness_search.warm_up()  # compiled once, as the service's solver pool does at start, not inside a limit
    settle_garbage_collector()  # and the garbage collector settled, as in every solver process
    rows = []
    for orders in sizes:
        short = run_one(orders, short_limit, workers, seed, plant)
        long = run_one(orders, long_limit, workers, seed, plant)
        gain = None
        if short["weighted_tardiness"] and long["weighted_tardiness"] is not None:
            gain = 1.0 - long["weighted_tardiness"] / short["weighted_tardiness"]
        rows.append({"orders": orders, "short": short, "long": long, "gain_long_over_short": gain})
    return {
        "benchmark": "scale",
        "parameters": {"plant": plant, "sizes": list(sizes), "short_limit_seconds": short_limit,
                       "long_limit_seconds": long_limit, "workers": workers, "seed": seed,
                       "lns_min_operations": lns.MIN_OPERATIONS, "plant_lns_min_operations": lns_plant.MIN_OPERATIONS},
        "versions": versions(),
        "machine": machine(),
        "results": rows,
    }


def markdown(result: dict[str, Any]) -> str:
    """The results as the generated section of docs/SCALE.md."""
    parameters = result["parameters"]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d', time.gmtime())} with `python -m benchmarks.scale "
        f"--plant {parameters.get('plant', 'simple')}` "
        f"(limits {parameters['short_limit_seconds']:g} s and {parameters['long_limit_seconds']:g} s, "
        f"{parameters['workers']} workers, seed {parameters['seed']}; ortools {result['versions'].get('ortools')}, "
        f"python {result['versions'].get('python')}; {result['machine']['cpu_count']} CPUs).",
        "",
        "| orders / operations / machines | limit | solver | status | weighted tardiness | late | wall s "
        "| first plan s | checker | load avg | phases (s) |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for row in result["results"]:
        for key in ("short", "long"):
            run_ = row[key]
            phases = ", ".join(f"{name} {seconds:.2f}" for name, seconds in run_["phases"].items())
            wt = run_["weighted_tardiness"]
            checked = "ok" if not run_["checker_problems"] else "FAILED"
            lines.append(
                f"| {run_['orders']:,} / {run_['operations']:,} / {run_['machines']} "
                f"| {run_['time_limit_seconds']:g} s | {run_['solver']} | {run_['status']} | {wt:,.0f} "
                f"| {run_['late_orders']} | {run_['wall_seconds']:.1f} | {_seconds(run_['first_solution_seconds'])} "
                f"| {checked} | {run_['load_average_before']:.1f}-{run_['load_average_after']:.1f} | {phases} |")
    lines += ["", "| orders | weighted tardiness, long limit vs short | target (>= 20 % below) |",
              "| --- | ---: | --- |"]
    for row in result["results"]:
        gain = row["gain_long_over_short"]
        met = "met" if gain is not None and gain >= TARGET_GAIN else "not met"
        lines.append(f"| {row['orders']:,} | {_percent(gain)} below | {met} |")
    return "\n".join(lines) + "\n"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"
MARKERS = {"simple": (BEGIN, END), "grade": ("<!-- scale-plant:begin -->", "<!-- scale-plant:end -->")}
"""Where each plant's generated section goes in the markdown file."""


def write_markdown(path: Path, section: str, begin: str = BEGIN, end: str = END) -> None:
    """Replace the generated section between the markers of `path` (or write the section alone)."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{begin}\n{end}\n"
    if begin not in text or end not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{begin}\n{section}{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="order counts, comma-separated")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_LIMITS[1], help="the long limit, seconds")
    parser.add_argument("--short-limit", type=float, default=DEFAULT_LIMITS[0], help="the short limit, seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plant", choices=PLANTS, default="grade", help="the plant-grade or the simple demo plant")
    parser.add_argument("--json", default=None, help="default docs/results/scale_plant.json (grade), scale.json")
    parser.add_argument("--markdown", default="docs/SCALE.md")
    args = parser.parse_args(argv)
    sizes = tuple(int(size) for size in args.sizes.split(","))
    result = run(sizes, args.short_limit, args.time_limit, args.workers, args.seed, args.plant)
    write_json(args.json or ("docs/results/scale_plant.json" if args.plant == "grade" else "docs/results/scale.json"),
               result)
    section = markdown(result)
    write_markdown(Path(args.markdown), section, *MARKERS[args.plant])
    print(section)
    for row in result["results"]:
        print(format_table(["orders", "limit", "wall", "weighted tardiness"], [
            [row["orders"], row[key]["time_limit_seconds"], row[key]["wall_seconds"], row[key]["weighted_tardiness"]]
            for key in ("short", "long")]))


if __name__ == "__main__":
    main()
