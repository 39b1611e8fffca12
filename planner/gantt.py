"""A Gantt chart of a schedule (PNG via matplotlib), with off-shift and maintenance time shaded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the chart is written to a file
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from planner.calendar import availability_by_machine, unavailable_intervals
from planner.domain import PlanRequest
from planner.risk import capacity_reserves
from planner.solution import ScheduledOperation

HOURS_PER_DAY = 24


def draw_gantt(request: PlanRequest, assignments: list[ScheduledOperation], path: str | Path, title: str = "") -> Path:
    """Write the chart to `path` (PNG); one row per machine, one colour per product family, late orders outlined."""
    machines = request.factory.machines
    products = {p.id: p for p in request.factory.products}
    families = sorted({p.family or p.id for p in products.values()})
    colours = {f: plt.get_cmap("tab10")(i % 10) for i, f in enumerate(families)}
    late = _late_orders(request, assignments)
    end = max((a.end for a in assignments), default=60)
    figure, axes = plt.subplots(figsize=(16, 0.55 * len(machines) + 2.2))
    reserves = capacity_reserves(request, availability_by_machine(request))
    for row, machine in enumerate(machines):
        for window in reserves.get(machine.id, []):
            if window.start < end:
                axes.broken_barh([(window.start / 60, (min(window.end, end) - window.start) / 60)], (row - 0.4, 0.8),
                                 facecolors="#fde2c8", edgecolor="#f0a868", hatch="..", linewidth=0)
        for window in unavailable_intervals(machine, request):
            if window.start < end:
                axes.broken_barh([(window.start / 60, (min(window.end, end) - window.start) / 60)], (row - 0.4, 0.8),
                                 facecolors="#dddddd", hatch="//" if window.reason != "off shift" else None,
                                 edgecolor="#bbbbbb", linewidth=0)
        for placed in (a for a in assignments if a.machine_id == machine.id):
            family = products[placed.product_id].family or placed.product_id
            axes.broken_barh([(placed.start / 60, (placed.end - placed.start) / 60)], (row - 0.35, 0.7),
                             facecolors=colours[family], edgecolor="red" if placed.order_id in late else "black",
                             linewidth=1.6 if placed.order_id in late else 0.4)
    axes.set_yticks(range(len(machines)), [f"{m.id}  ({m.work_center})" for m in machines])
    axes.invert_yaxis()
    _day_axis(axes, request, end)
    handles = [Patch(facecolor=colours[f], label=f) for f in families]
    handles += [Patch(facecolor="#dddddd", label="off shift / maintenance (hatched)"),
                Patch(facecolor="#fde2c8", edgecolor="#f0a868", hatch="..", label="risk reserve"),
                Patch(facecolor="white", edgecolor="red", label="late order")]
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(handles), fontsize=8)
    axes.set_title(title or f"{request.factory.name}: schedule of {len(request.orders)} orders")
    figure.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target


def _late_orders(request: PlanRequest, assignments: list[ScheduledOperation]) -> set[str]:
    due = {o.id: o.due for o in request.orders}
    return {a.order_id for a in assignments if a.end > due[a.order_id]}


def _day_axis(axes: plt.Axes, request: PlanRequest, end: int) -> None:
    local = request.options.plan_start + timedelta(minutes=request.factory.utc_offset_minutes)
    days = int(end // (HOURS_PER_DAY * 60)) + 1
    axes.set_xticks([d * HOURS_PER_DAY for d in range(days + 1)],
                    [(local + timedelta(days=d)).strftime("%a %d %b") for d in range(days + 1)], fontsize=8)
    axes.set_xlim(0, end / 60)
    axes.set_xlabel("plan time (local date at plan-start time of day)")
    axes.grid(axis="x", color="#999999", linewidth=0.3)
