"""Do the fixes hold? The first fix offered for each late order, applied and solved again from scratch.

Usage:
    python -m benchmarks.fixes [--time-limit 16] [--verify 8] [--orders 3] [--out docs/results/fixes.json]

Plants: the demo plant, two of its what-if scenarios (order quantities +15 %, a rush order),
generated plants (the demo factory with other random order books), the plant-grade demo
(`planner/demo_plant.py`: furnace loads, dies, setters and inspectors by shift, materials) and generated
plant-grade plants (its factory and stories with other random order books; `--select plant-grade` runs the three
plant-grade plans). For each plant the
plan is made with `verify_fixes_seconds`; then, for the latest late orders whose first fix was verified, the fix is
applied through the scenario engine and the plan is solved again from scratch (no hint, no
verification) with the same time limit and seed. Recorded: whether that made the order less late
(against its original due time, also for a new agreed date), the minutes it removed, the extra working
hours, the plan's weighted lateness (original weights) before and after, and the share of candidate
fixes that verification dropped. An order that verification reached (it tried candidates) without a verified
first fix is counted too, as not helped (`reached_without_fix`, `improved_share_of_reached`), beside the first
fixes that a new agreed date (DUE_DATE) is, which remove no lateness.
The plan "before" and the from-scratch "after" get the same main solve time: the plan is made with the time
limit plus the verification budget (`--time-limit` + `--verify`), of which the verification takes `--verify`,
and every re-solve has `--time-limit` with verification off.
Today's fix (before typed fixes) for the same order is measured the same way where it adds working time:
overtime rounded up to hours on the machine where the order waited, or night shifts (8 h a day) for
more than 8 h.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from benchmarks.common import format_table, machine, versions, write_json
from planner.demo_factory import DAY, demo_orders, demo_request
from planner.demo_plant import plant_grade_request, story_orders
from planner.domain import Order, PlanRequest
from planner.explanations.fixes import longest_wait, overtime_windows, verification_budget
from planner.plan import create_plan
from planner.replanning.deltas import AddOrder, DemandScale, ExtraWorkingTime, ScenarioDelta
from planner.replanning.scenarios import apply_deltas
from planner.solution import Fix, LateOrderExplanation, PlanResult

GENERATED_SEEDS = (11, 12)
GENERATED_ORDERS = 70
PLANT_GRADE_SEEDS = (21, 22)
"""Order books of the generated plant-grade plans: the demo's 80 orders drawn again with these seeds."""


def plants(time_limit: float, verify: float) -> list[tuple[str, PlanRequest]]:
    """The demo, two what-ifs of it, generated order books on the demo factory and the plant-grade demo; each with
    the time limit plus the verification budget, so that its main solve gets `time_limit` as a re-solve does."""
    base = demo_request(time_limit_seconds=time_limit + verify, num_workers=1)
    base = base.model_copy(update={"options": base.options.model_copy(update={"verify_fixes_seconds": verify})})
    rush = Order(id="SO-99001", product_id="MH-800", quantity=60, release=DAY, due=3 * DAY + 16 * 60, weight=3.0,
                 customer="Hyundai Mobis")
    found = [("demo", base), ("demo, quantities +15 %", apply_deltas(base, [DemandScale(factor=1.15)])),
             ("demo, rush order", apply_deltas(base, [AddOrder(order=rush)]))]
    for seed in GENERATED_SEEDS:
        found.append((f"generated (seed {seed}, {GENERATED_ORDERS} orders)",
                      base.model_copy(update={"orders": demo_orders(count=GENERATED_ORDERS, seed=seed)})))
    grade = plant_grade_request(time_limit_seconds=time_limit + verify, num_workers=1)
    grade = grade.model_copy(update={"options": grade.options.model_copy(update={"verify_fixes_seconds": verify})})
    found.append(("plant-grade demo", grade))
    for seed in PLANT_GRADE_SEEDS:
        found.append((f"plant-grade generated (seed {seed})", grade.model_copy(update={
            "request_id": f"plant-grade-{seed}", "orders": [*demo_orders(seed=seed), *story_orders()]})))
    return found


def resolve(base: PlanRequest, changes: Sequence[ScenarioDelta]) -> PlanResult:
    """The changes applied, solved from scratch with the base's main solve time and seed (no fix verification)."""
    changed = apply_deltas(base, list(changes))
    options = changed.options
    return create_plan(changed.model_copy(update={"options": options.model_copy(update={
        "verify_fixes_seconds": 0.0,
        "time_limit_seconds": options.time_limit_seconds - verification_budget(changed)})}))


def tardiness(request: PlanRequest, plan: PlanResult, order_id: str) -> int:
    """The order's minutes late against its due time in `request` (a DUE_DATE fix moves it in the plan)."""
    due = next(o.due for o in request.orders if o.id == order_id)
    return next((max(0, r.completion - due) for r in plan.order_results if r.order_id == order_id), 0)


def weighted_lateness(request: PlanRequest, plan: PlanResult) -> float:
    """The plan's weighted lateness with the request's own weights (a PRIORITY fix changes one in the plan)."""
    weights = {o.id: o.weight for o in request.orders}
    return sum(weights.get(r.order_id, 0.0) * r.tardiness for r in plan.order_results)


def todays_fix(request: PlanRequest, plan: PlanResult, late: LateOrderExplanation) -> list[ExtraWorkingTime]:
    """The overtime the explanation proposed before typed fixes: the time lost rounded up to hours, as one
    day's overtime up to 8 h, else a night shift (8 h) on as many days as needed; [] where it proposed none."""
    waited = longest_wait(request, plan.assignments, late.order_id)
    if waited is None or late.reason_code != "BOTTLENECK_CONTENTION":
        return []
    operation, ready = waited
    overtime = max(60, math.ceil(min(operation.start - ready, late.minutes_late) / 60) * 60)
    minutes = overtime if overtime <= 480 else math.ceil(overtime / 480) * 480
    return [ExtraWorkingTime(machine_id=operation.machine_id, window=w)
            for w in overtime_windows(request, operation.machine_id, ready, minutes)]


def measure_plant(name: str, request: PlanRequest, max_orders: int) -> dict[str, Any]:
    started = time.monotonic()
    plan = create_plan(request)
    rows: list[dict[str, Any]] = []
    unfixed: list[str] = []  # reached by verification (candidates tried), no verified first fix
    for late in plan.late_orders:
        if len(rows) >= max_orders:
            break
        first: Fix | None = late.fixes[0] if late.fixes and late.fixes[0].verified else None
        if first is None:
            if late.fixes_dropped:
                unfixed.append(late.order_id)
            continue
        fixed = resolve(request, first.changes)
        ours = tardiness(request, fixed, late.order_id)
        today = todays_fix(request, plan, late)
        theirs = tardiness(request, resolve(request, today), late.order_id) if today else None
        rows.append({
            "order": late.order_id, "late_min": late.minutes_late, "kind": first.kind,
            "extra_hours": first.extra_working_minutes / 60, "verified_after_min": first.order_lateness_after,
            "whole_plan_verified": first.whole_plan_verified,
            "claim_held": late.minutes_late - ours >= first.saves_minutes,
            "from_scratch_after_min": ours, "improved": ours < late.minutes_late,
            "removed_min": late.minutes_late - ours, "fixes_offered": len(late.fixes),
            "plan_weighted_before": first.weighted_lateness_before,
            "plan_weighted_after_verified": first.weighted_lateness_after,
            "plan_weighted_after_scratch": weighted_lateness(request, fixed),
            "pushed_verified": first.lateness_pushed,
            "changes": [d.model_dump(mode="json") for d in first.changes],
            "fixes_dropped": late.fixes_dropped,
            "today_extra_hours": sum(w.window.end - w.window.start for w in today) / 60 if today else None,
            "today_removed_min": late.minutes_late - theirs if theirs is not None else None,
        })
    verified_orders = sum(1 for e in plan.late_orders if any(f.verified for f in e.fixes) or e.fixes_dropped)
    return {"plant": name, "orders": len(request.orders), "late_orders": len(plan.late_orders),
            "orders_verified": verified_orders, "reached_without_fix": unfixed,
            "dropped": sum(e.fixes_dropped for e in plan.late_orders),
            "offered_verified": sum(sum(f.verified for f in e.fixes) for e in plan.late_orders),
            "weighted_lateness": plan.kpis.weighted_tardiness_minutes if plan.kpis else None,
            "fixes": rows, "seconds": time.monotonic() - started}


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [r for plant in results for r in plant["fixes"]]
    worse = [r for r in rows if r["plan_weighted_after_scratch"] > r["plan_weighted_before"] + 1e-6]
    changes = [(r["plan_weighted_after_scratch"] - r["plan_weighted_before"]) / r["plan_weighted_before"]
               for r in rows if r["plan_weighted_before"] > 0]
    kinds = Counter(r["kind"] for r in rows)
    compared = [r for r in rows if r["today_extra_hours"] is not None]
    dropped = sum(p["dropped"] for p in results)
    tried = dropped + sum(p["offered_verified"] for p in results)
    reached = len(rows) + sum(len(p.get("reached_without_fix", [])) for p in results)
    return {
        "first_fixes": len(rows),
        "improved_share": sum(r["improved"] for r in rows) / len(rows) if rows else None,
        "orders_reached": reached,
        "improved_share_of_reached": sum(r["improved"] for r in rows) / reached if reached else None,
        "removed_min": sum(r["removed_min"] for r in rows),
        "extra_hours": sum(r["extra_hours"] for r in rows),
        "first_fix_kinds": dict(kinds),
        "improved_by_kind": {k: sum(r["improved"] for r in rows if r["kind"] == k) for k in kinds},
        "whole_plan_verified": sum(r["whole_plan_verified"] for r in rows),
        "improved_when_whole_plan_verified": sum(r["improved"] for r in rows if r["whole_plan_verified"]),
        "claim_held_from_scratch": sum(r["claim_held"] for r in rows),
        "plan_weighted_worse_from_scratch": len(worse),
        "plan_weighted_worse_share": len(worse) / len(rows) if rows else None,
        "plan_weighted_worse_by_kind": {k: sum(r["kind"] == k for r in worse) for k in kinds},
        "plan_weighted_change_median": statistics.median(changes) if changes else None,
        "plan_weighted_before_total": sum(r["plan_weighted_before"] for r in rows),
        "plan_weighted_after_scratch_total": sum(r["plan_weighted_after_scratch"] for r in rows),
        "dropped_share": dropped / tried if tried else None,
        "compared_with_today": len(compared),
        "ours_removed_min_on_compared": sum(r["removed_min"] for r in compared),
        "ours_extra_hours_on_compared": sum(r["extra_hours"] for r in compared),
        "today_removed_min": sum(r["today_removed_min"] for r in compared),
        "today_extra_hours": sum(r["today_extra_hours"] for r in compared),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=16.0,
                        help="seconds of main solve per plan and per re-solve")
    parser.add_argument("--verify", type=float, default=8.0,
                        help="verify_fixes_seconds, on top of the main solve of the plan made")
    parser.add_argument("--orders", type=int, default=3, help="late orders re-solved per plant (latest first)")
    parser.add_argument("--plants", type=int, default=None, help="how many of the plants to run (default: all)")
    parser.add_argument("--select", default="", help="only the plants whose name contains this text")
    parser.add_argument("--out", default=None, help="JSON result file")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    results = []
    every = plants(args.time_limit, args.verify)[:args.plants]
    chosen = [(name, request) for name, request in every if args.select in name]
    if not chosen:
        parser.error(f"--select {args.select!r} matches none of the plants: {', '.join(name for name, _ in every)}")
    for name, request in chosen:
        results.append(measure_plant(name, request, args.orders))
        print(f"{name}: {results[-1]['late_orders']} late orders, {len(results[-1]['fixes'])} first fixes "
              f"re-solved in {results[-1]['seconds']:.0f} s", flush=True)
    rows = [[p["plant"], r["order"], r["late_min"], r["kind"], r["extra_hours"], r["from_scratch_after_min"],
             "yes" if r["improved"] else "no", r["plan_weighted_before"], r["plan_weighted_after_scratch"],
             r["today_extra_hours"], r["today_removed_min"]]
            for p in results for r in p["fixes"]]
    print(format_table(["plant", "order", "late min", "first fix", "extra h", "late after (scratch)", "improved",
                        "plan wl before", "plan wl after (scratch)", "today's h", "today removed"], rows))
    totals = summary(results)
    print(totals)
    payload = {"benchmark": "fixes", "parameters": vars(args), "load_average_at_start": load,
               "load_average_at_end": os.getloadavg(), "machine": machine(), "versions": versions(),
               "summary": totals, "plants": results}
    write_json(args.out, payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
