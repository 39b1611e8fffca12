"""Plain-text views of API responses for the demo: what a planner reads on the terminal."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from google.protobuf import timestamp_pb2

from planner.domain import PlanRequest
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import planning_service_pb2 as pb
from service.mapping import to_datetime

SHOWN_LATE_ORDERS = 5
SHOWN_CHANGES = 8
SHOWN_LOADS = 8
SHOWN_WAITS = 6
PLANT_RULE_REASONS = ("BATCH_LOAD", "RECIPE_CHANGEOVER", "RESOURCE_SHORTAGE", "MATERIAL_WAIT", "DIE_IN_USE",
                      "SKILL_SHORTAGE", "TIME_LAG", "WORK_IN_PROGRESS")
"""Lateness reasons that name a plant rule (a furnace load or its changeover, a resource, a material, a lag, work in
progress)."""


def _hours(span: object) -> float:
    return span.ToTimedelta().total_seconds() / 3600  # type: ignore[attr-defined]


def _when(request: PlanRequest, stamp: timestamp_pb2.Timestamp) -> str:
    local = timedelta(minutes=request.factory.utc_offset_minutes)
    return (to_datetime(stamp) + local).strftime("%a %d %b %H:%M")


def forecast_tables(demand: fpb.ForecastDemandResponse, quality: fpb.PredictYieldResponse,
                    risk: fpb.AssessEquipmentRiskResponse) -> str:
    """The three forecasts as a planner reads them, with the model versions and the reasons."""
    lines = [f"Demand forecast (make-to-stock, units per month; {demand.model_version}):"]
    for forecast in demand.forecasts:
        bands = {round(q.level, 2): q.values for q in forecast.quantiles}
        months = "  ".join(f"{bands[0.5][m]:.0f} [{bands[0.1][m]:.0f}-{bands[0.9][m]:.0f}]"
                           for m in range(len(bands[0.5])))
        season = " ".join(f"{s:.2f}" for s in forecast.seasonal_pattern[:6])
        lines.append(f"  {forecast.series_id:<7} median [80 % band] next months: {months}; seasonal index {season}")
    lines += ["", f"Yield per product and machine (lowest first; {quality.model_version}):"]
    explained = {(p.product, p.machine_id): p for p in quality.predictions}
    for entry in sorted(quality.by_product_machine, key=lambda e: e.expected_yield)[:6]:
        reason = explained[(entry.product, entry.machine_id)].explanation.text_en
        lines.append(f"  {entry.product:<6} on {entry.machine_id:<6} {entry.expected_yield:6.1%}  {reason}")
    lines += ["", f"Equipment risk (next 7 days; {risk.model_version}):", f"  {risk.model_description}"]
    for machine in sorted(risk.machines, key=lambda m: -m.buckets[-1].cumulative_failure_probability)[:5]:
        lines.append(f"  {machine.machine_id:<6} {machine.buckets[-1].cumulative_failure_probability:5.0%} within "
                     f"a week, anomaly {machine.anomaly_score:.2f}  {machine.explanation.text_en}")
    return "\n".join(lines)


def plan_summary(plan: pb.Plan, request: PlanRequest) -> str:
    """Status, KPIs, late orders with reasons and fixes, each machine's sequence."""
    stats, kpis = plan.statistics, plan.kpis
    lines = [
        f"Plan for {request.factory.name}: {len(plan.order_results)} jobs ({len(request.orders)} orders), "
        f"{len(request.factory.machines)} machines",
        f"  status {pb.PlanStatus.Name(plan.status)}, cost {stats.objective:,.0f} (bound {stats.best_bound:,.0f}) in "
        f"{stats.wall_time.ToTimedelta().total_seconds():.1f} s, {stats.num_workers} CP-SAT workers [{stats.notes}]",
        f"  on time {kpis.on_time_rate:.0%} ({kpis.late_orders} late, fill rate {kpis.fill_rate:.0%}), lateness "
        f"{_hours(kpis.total_tardiness):.1f} h, makespan {_hours(kpis.makespan) / 24:.1f} days",
        f"  processed {kpis.processed_units:,} units, expected scrap {kpis.expected_scrap_units:,.0f} "
        f"({kpis.expected_defect_rate:.1%}), risk exposure {kpis.risk_exposure_hours:.1f} h",
        "", f"Late orders ({len(plan.late_orders)}; the {min(SHOWN_LATE_ORDERS, len(plan.late_orders))} latest):",
    ]
    for late in plan.late_orders[:SHOWN_LATE_ORDERS]:
        lines += [f"  {late.order_id} [{late.reason_code}] {late.reason}", f"      fix: {late.fix}"]
    if not plan.late_orders:
        lines.append("  none")
    lines += ["", "Machines (utilization, then sequence of jobs):"]
    sequence: dict[str, list[str]] = defaultdict(list)
    for a in plan.assignments:
        sequence[a.machine_id].append(a.order_id.removeprefix("SO-"))
    for u in kpis.machine_utilization:
        shown = " ".join(sequence[u.machine_id][:12]) + (" ..." if len(sequence[u.machine_id]) > 12 else "")
        lines.append(f"  {u.machine_id:<6} {u.utilization:>4.0%}  {shown}")
    lines += [f"  ! {reason}" for reason in plan.infeasibility_reasons]
    return "\n".join(lines)


def predictions_summary(plan: pb.Plan) -> str:
    """The predictions used and what each became, what they changed, and the bottleneck table."""
    versions = ", ".join(f"{k} {v}" for k, v in sorted(plan.model_versions.items())) or "supplied by the caller"
    lines = [f"Predictions used ({len(plan.predictions_used)}; models: {versions}):"]
    risky = [u for u in plan.predictions_used if u.kind == "RISK"]
    worst_yields = sorted((u for u in plan.predictions_used if u.kind == "YIELD"), key=lambda u: u.value)[:4]
    demand = [u for u in plan.predictions_used if u.kind == "DEMAND"]
    for use in [*worst_yields, *risky, *demand]:
        lines.append(f"  {use.kind:<6} {use.machine_id or '-':<6} {use.product_id or '-':<6} {use.value}\n"
                     f"{'':23}-> {use.became}")
        if use.kind == "RISK":  # which model, and which sensors drive the machine's anomaly score
            lines.append(f"{'':23}   from {use.source}")
    lines += [f"  vs. a plan ignoring {e.ignored.lower()}: {e.summary}" for e in plan.prediction_effects]
    if plan.HasField("lot_plan"):
        lot = plan.lot_plan
        lines += ["", f"Lot plan: {pb.PlanStatus.Name(lot.status)}, cost {lot.objective:,.0f} (bound "
                      f"{lot.best_bound:,.0f}), {lot.buckets} buckets, built in "
                      f"{lot.build_time.ToTimedelta().total_seconds():.2f} s, solved in "
                      f"{lot.solve_time.ToTimedelta().total_seconds():.2f} s; {len(lot.lots)} forecast lots scheduled"]
        lines += [f"  ! {p}" for p in lot.realisation_problems]
    lines += ["", "Bottlenecks (what one more hour of capacity is worth):"]
    lines += [f"  {b.sentence}" for b in plan.bottlenecks] or ["  none: no capacity limit binds in the lot plan"]
    return "\n".join(lines)


def comparison_table(response: pb.CompareScenariosResponse) -> str:
    header = (f"{'scenario':<36}{'status':>10}{'on time':>9}{'late':>6}{'lateness h':>12}{'cost':>10}"
              f"{'scrap':>8}{'risk h':>8}{'bottleneck':>18}")
    lines = ["What-if comparison:", header, "-" * len(header)]
    for r in response.results:
        k = r.kpis
        status = pb.PlanStatus.Name(r.status).removeprefix("PLAN_STATUS_")
        lines.append(f"{r.name[:35]:<36}{status:>10}{k.on_time_rate:>9.0%}{k.late_orders:>6}"
                     f"{_hours(k.total_tardiness):>12.1f}{k.costs.total:>10,.0f}{k.expected_scrap_units:>8.0f}"
                     f"{k.risk_exposure_hours:>8.1f}{r.bottleneck_machine_id:>10} {r.bottleneck_utilization:>5.0%}")
    for r in response.results[1:]:
        moved = ", ".join(f"{c.machine_id} {_hours(c.busy_time_change):+.1f} h" for c in r.load_changes[:4])
        late = ", ".join(r.orders_became_late[:4]) or "-"
        lots = ", ".join(f"{c.product_id} day {c.bucket + 1} {c.production_change:+.0f}" for c in r.lot_changes[:3])
        lines.append(f"  {r.name}: became late {late}; load moved {moved or '-'}" + (f"; lots moved {lots}" if lots
                                                                                         else ""))
    return "\n".join(lines)


def replan_summary(response: pb.ReplanResponse, request: PlanRequest) -> str:
    lines = ["Re-plan after the breakdown:", f"  {response.summary}",
             f"  {response.unchanged_operations} operations unchanged, {len(response.changes)} changed:"]
    for change in response.changes[:SHOWN_CHANGES]:
        where = (f"{change.old_machine_id} {_when(request, change.old_start)}" if change.old_machine_id else "new")
        lines.append(f"    {change.order_id}/{change.operation_id} {change.change}: {where} -> "
                     f"{change.new_machine_id} {_when(request, change.new_start)} ({change.reason})")
    if len(response.changes) > SHOWN_CHANGES:
        lines.append(f"    ... and {len(response.changes) - SHOWN_CHANGES} more")
    for task in response.maintenance_changes:
        before = _when(request, task.old_start) if task.HasField("old_start") else "new"
        after = _when(request, task.new_start) if task.HasField("new_start") else "removed"
        lines.append(f"    maintenance of {task.machine_id} {task.change}: {before} -> {after} ({task.reason})")
    return "\n".join(lines)


def plant_rules_summary(plan: pb.Plan, request: PlanRequest) -> str:
    """What the plant rules did in the plan: furnace loads with their recipe changeovers, die changes, resource use,
    material waits, work in progress, and the late orders whose reason is one of them."""
    loads = sorted(plan.batch_loads, key=lambda load: (load.start.ToDatetime(), load.machine_id))
    average = sum(load.fill for load in loads) / len(loads) if loads else 0.0
    lines = [f"Furnace loads ({len(loads)}, average fill {average:.0%}; the first {min(SHOWN_LOADS, len(loads))}):"]
    for load in loads[:SHOWN_LOADS]:
        lines.append(f"  {load.machine_id:<5} {load.recipe:<5} {_when(request, load.start)} - "
                     f"{_when(request, load.end)}  {load.load:6,.0f} of {load.capacity:,.0f}  fill {load.fill:4.0%}  "
                     f"{', '.join(load.order_ids)}")
    lines += _changeovers(plan, request, loads)
    lines += ["", "Resource use (holds, hours held; setup-only holds are set-ups):"]
    lines += [f"  {line}" for line in _resource_use(plan)] or ["  none"]
    total = plan.material_wait_total.ToTimedelta().total_seconds() / 3600
    waits = sorted(plan.material_waits, key=lambda w: -w.wait.ToTimedelta())
    lines += ["", f"Material waits ({len(waits)}, {total:.1f} h in all; the longest {min(SHOWN_WAITS, len(waits))}):"]
    for wait in waits[:SHOWN_WAITS]:
        lines.append(f"  {wait.order_id}/{wait.operation_id} waited {_hours(wait.wait):.1f} h for {wait.quantity:,.0f} "
                     f"{_unit(request, wait.material_id)}{wait.material_id}: ready {_when(request, wait.ready)}, "
                     f"in stock {_when(request, wait.available)}")
    lines += [f"  ! {s.material_id}: {s.shortfall:,.0f} short" for s in plan.material_shortages]
    lines += ["", "Work in progress at plan start, continued:"]
    lines += [f"  {line}" for line in _work_in_progress(plan, request)] or ["  none"]
    named = [late for late in plan.late_orders if late.reason_code in PLANT_RULE_REASONS]
    lines += ["", f"Late orders held back by a plant rule ({len(named)}):"]
    for late in named:
        lines += [f"  {late.order_id} [{late.reason_code}] {late.reason}", f"      fix: {late.fix}"]
    return "\n".join(lines)


def _changeovers(plan: pb.Plan, request: PlanRequest, loads: list[pb.BatchLoad]) -> list[str]:
    """The furnaces' recipe changeovers (only when the plan has any) and the casting cells' die changes."""
    kpis, lines = plan.kpis, []
    changed = [load for load in loads if load.changeover_from_recipe]
    if changed:
        lines.append(f"  recipe changeovers {kpis.recipe_changeovers}, {_hours(kpis.recipe_changeover_time):.1f} h "
                     f"in all:")
        for load in changed[:SHOWN_LOADS]:
            minutes = load.changeover_time.ToTimedelta().total_seconds() / 60
            cost = f", cost {load.changeover_cost:,.0f}" if load.changeover_cost else ""
            lines.append(f"    {load.machine_id:<5} {load.changeover_from_recipe} -> {load.recipe} {minutes:.0f} min "
                         f"before the load at {_when(request, load.start)}{cost}")
    if kpis.die_changes:
        lines.append(f"Die changes: {kpis.die_changes}, {_hours(kpis.die_change_time):.1f} h of casting-cell time")
    return lines


def _resource_use(plan: pb.Plan) -> list[str]:
    """One line per pool of people; the dies (unit resources) in one line."""
    holds: dict[str, list[pb.ResourceHold]] = defaultdict(list)
    for hold in plan.resource_holds:
        holds[hold.resource_id].append(hold)

    def hours(items: list[pb.ResourceHold]) -> float:
        return sum((h.end.ToDatetime() - h.start.ToDatetime()).total_seconds() * h.quantity for h in items) / 3600

    lines, dies = [], []
    for resource_id, items in sorted(holds.items()):
        if resource_id.startswith("die-"):
            dies.append(f"{resource_id.removeprefix('die-')} {len(items)}")
            continue
        setups = sum(h.setup_only for h in items)
        lines.append(f"{resource_id:<10} {len(items):>4} holds ({setups} set-ups), {hours(items):6.1f} h")
    if dies:
        lines.append(f"dies       {sum(len(v) for k, v in holds.items() if k.startswith('die-')):>4} lots on "
                     f"{len(dies)} dies, one cell at a time: {', '.join(dies)}")
    return lines


def _work_in_progress(plan: pb.Plan, request: PlanRequest) -> list[str]:
    """Each order the MES reported done or running at plan start: what it was, and what the plan does next."""
    planned: dict[str, list[pb.Assignment]] = defaultdict(list)
    for a in sorted(plan.assignments, key=lambda a: a.operation_index):
        planned[a.order_id].append(a)
    lines = []
    for order in request.orders:
        progress = order.work_in_progress
        if progress is None or not planned[order.id]:
            continue
        state = [f"done {', '.join(progress.done_operation_ids)}"] if progress.done_operation_ids else []
        following = planned[order.id]
        if progress.running is not None:
            running = following[0]
            state.append(f"running {running.operation_id} on {running.machine_id} until {_when(request, running.end)}")
            following = following[1:]
        then = (f"{following[0].operation_id} on {following[0].machine_id or 'no machine'} "
                f"{_when(request, following[0].start)}" if following else "nothing left")
        lines.append(f"{order.id:<9} {'; '.join(state)} -> {then}")
    return lines


def _unit(request: PlanRequest, material_id: str) -> str:
    unit = next((m.unit for m in request.factory.materials if m.id == material_id), "")
    return f"{unit} " if unit else ""
