"""The sentences of typed fixes (`planner.explanations.fixes`), in English and Korean.

A verified fix says what to change and then only what re-solving measured: the order's lateness
before and after, the plan's weighted lateness before and after, and the lateness pushed onto
other orders when there was any. An unverified candidate says that it was not verified.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.domain import PlanRequest
from planner.explanations.fix_candidates import CREW_REASON
from planner.explanations.late_orders import local_time
from planner.replanning.deltas import (
    AssignMachine,
    ChangeDueDate,
    ChangeRelease,
    ChangeWeight,
    ExtraWorkingTime,
    MoveMaintenance,
    ResourceCapacityChange,
    RunBefore,
    SplitLot,
)
from planner.solution import Fix, LateOrderExplanation

TEXT = {
    "en": {
        "SEQUENCE": "Run {operation} of {order} ahead of {ahead} on {machine} (a sequence rule; no extra working "
                    "time).",
        "MACHINE": "Run {operation} of {order} on {machine} instead of {old}{ahead_text} (no extra working time).",
        "ahead": ", ahead of {ahead} there",
        "SPLIT_LOT": "Split the lot of {operation} of {order} into up to {parts} sub-lots of at least {minimum} "
                     "units across {machines} (no extra working time).",
        "PRIORITY": "Run {order} ahead of the orders that went first: raise its weight from {old:g} to {new:g} "
                    "(no extra working time).",
        "EARLIER_RELEASE": "Release {order} {moved} earlier, at {time} (material or upstream parts ready by then).",
        "MOVE_MAINTENANCE": "Move the {what} on {machine} from {old} to {time}.",
        "OVERTIME": "Add {extra} of overtime on {machine}: {windows}.",
        "RESOURCE_CAPACITY": "Add {units} more {resource} from {start} to {end} ({extra} of extra staff time).",
        "CREW": "Add {units} {resource} for those hours ({extra} of extra staff time): {windows}.",
        "DUE_DATE": "Agree {time} with {customer}: the plan finishes {order} by then.",
        "customer": "the customer",
        "material_not_ours": "The order waits for {materials}: an earlier receipt would help, but the date is the "
                             "supplier's, not the plan's to change.",
        "measured": "Re-solved with this change, {order} is {after_text} instead of {before} late, and the plan's "
                    "weighted lateness goes from {weighted_before:,.0f} to {weighted_after:,.0f} min{pushed_text}.",
        "on_time": "on time",
        "late": "{after} late",
        "pushed": " (other orders take {pushed:,.0f} weighted min more)",
        "not_verified": "(Not verified by re-solving.)",
        "none_helped": "None of the {tried} fixes tried (sequence, other machine, split lot, earlier release, "
                       "maintenance, more staff, overtime, priority) made the "
                       "order less late without making the plan worse when the plan was re-solved.",
    },
    "ko": {
        "SEQUENCE": "{machine}에서 {order}의 {operation} 공정을 {ahead}보다 먼저 가공하십시오(순서 규칙, 추가 작업시간 "
                    "없음).",
        "MACHINE": "{order}의 {operation} 공정을 {old} 대신 {machine}에서{ahead_text} 가공하십시오"
                   "(추가 작업시간 없음).",
        "ahead": " {ahead}보다 먼저",
        "SPLIT_LOT": "{order}의 {operation} 공정 로트를 {machines}에 최대 {parts}개의 소로트(각 {minimum}개 이상)로 "
                     "나누어 가공하십시오(추가 작업시간 없음).",
        "PRIORITY": "{order}을(를) 먼저 가공된 주문보다 앞당기십시오: 가중치를 {old:g}에서 {new:g}(으)로 올립니다"
                    "(추가 작업시간 없음).",
        "EARLIER_RELEASE": "{order}을(를) {moved} 일찍, {time}에 투입하십시오(그때까지 자재 또는 선행 부품 확보).",
        "MOVE_MAINTENANCE": "{machine}의 {what}을(를) {old}에서 {time}(으)로 옮기십시오.",
        "OVERTIME": "{machine}에 잔업 {extra}을(를) 추가하십시오: {windows}.",
        "RESOURCE_CAPACITY": "{start}부터 {end}까지 {resource}을(를) {units}명(개) 추가하십시오(추가 인원 작업시간 "
                             "{extra}).",
        "CREW": "그 시간에 {resource} {units}명(개)을 추가하십시오(추가 인원 작업시간 {extra}): {windows}.",
        "DUE_DATE": "{customer}와(과) 납기를 {time}(으)로 조정하십시오: 계획상 {order}은(는) 그때까지 완료됩니다.",
        "customer": "고객",
        "material_not_ours": "이 주문은 {materials} 입고를 기다립니다: 더 이른 입고가 도움이 되지만, 입고일은 "
                             "계획이 아니라 공급사가 정합니다.",
        "measured": "이 변경을 적용해 다시 풀면 {order}은(는) {before} 지연 대신 {after_text}이며, 계획의 가중 지연은 "
                    "{weighted_before:,.0f}분에서 {weighted_after:,.0f}분이 됩니다{pushed_text}.",
        "on_time": "납기 준수",
        "late": "{after} 지연",
        "pushed": "(다른 주문의 가중 지연 {pushed:,.0f}분 증가)",
        "not_verified": "(다시 풀어 검증하지 않았습니다.)",
        "none_helped": "시도한 {tried}개 개선안(순서 변경, 다른 설비, 로트 분할, 조기 투입, 정비 이동, 인원 추가, "
                       "잔업, 우선순위) 중 다시 풀었을 때 "
                       "계획을 악화시키지 않고 주문의 지연을 줄인 것이 없습니다.",
    },
}

DURATION_KEYS = ("extra", "moved", "before", "after")


def hours(minutes: float, locale: str) -> str:
    """'2.5 h' or '2.5시간'."""
    value = f"{minutes / 60:.1f}".rstrip("0").rstrip(".")
    return f"{value}시간" if locale == "ko" else f"{value} h"


def describe(request: PlanRequest, key: str, **values: object) -> str:
    """The sentence `key` in the request's locale; minutes under DURATION_KEYS are written as hours."""
    locale = request.options.locale if request.options.locale in TEXT else "en"
    text = TEXT[locale]
    shown = {k: hours(float(v), locale) if k in DURATION_KEYS and isinstance(v, int | float) else v
             for k, v in values.items()}
    if key == "measured":
        after = float(values["after"])  # type: ignore[arg-type]
        shown["after_text"] = text["on_time"] if after <= 0 else text["late"].format(after=shown["after"])
        pushed = float(values["pushed"])  # type: ignore[arg-type]
        shown["pushed_text"] = text["pushed"].format(pushed=pushed) if pushed > 0 else ""
    if key == "MACHINE":
        shown["ahead_text"] = text["ahead"].format(ahead=values["ahead"]) if values.get("ahead") else ""
    if not shown.get("customer"):
        shown["customer"] = text["customer"]
    return text[key].format(**shown)


def describe_fix(request: PlanRequest, explanation: LateOrderExplanation, fix: Fix, from_machine: str = "") -> str:
    """The fix's sentence: what to change (a fix topped up with overtime names the overtime too), then what
    re-solving measured (or that it was not verified); `from_machine`: where the plan ran the operation a
    MACHINE fix moves."""
    overtime = [d for d in fix.changes if isinstance(d, ExtraWorkingTime)]
    by_machine = {m: sorted((d for d in overtime if d.machine_id == m), key=lambda d: d.window.start)
                  for m in dict.fromkeys(d.machine_id for d in overtime)}
    sentences = [describe(request, "OVERTIME", machine=machine_id, windows=_windows(request, windows),
                          extra=sum(d.window.end - d.window.start for d in windows))
                 for machine_id, windows in by_machine.items()]  # one per machine a top-up added time on
    sentences += _crew_sentences(request, fix)
    if fix.kind != "OVERTIME":
        sentences.insert(0, describe(request, fix.kind, **_change_values(request, explanation, fix, from_machine)))
    if fix.kind == "DUE_DATE" and (bought := bought_materials(request, explanation)):
        sentences.append(describe(request, "material_not_ours", materials=", ".join(bought)))
    change = " ".join(sentences)
    return change + " " + (
        describe(request, "measured", order=explanation.order_id, before=fix.order_lateness_before,
                 after=fix.order_lateness_after, weighted_before=fix.weighted_lateness_before,
                 weighted_after=fix.weighted_lateness_after, pushed=fix.lateness_pushed)
        if fix.verified else describe(request, "not_verified"))


def bought_materials(request: PlanRequest, explanation: LateOrderExplanation) -> list[str]:
    """The bought-in materials of an order late for a material (MATERIAL_WAIT) that its routing takes: their
    receipts are the suppliers' dates, which no fix of the plan moves; [] for any other reason."""
    if explanation.reason_code != "MATERIAL_WAIT":
        return []
    order = next(o for o in request.orders if o.id == explanation.order_id)
    bought = {m.id for m in request.factory.materials}
    routing = request.factory.product(order.product_id).routing
    return list(dict.fromkeys(use.material_id for op in routing for use in op.materials if use.material_id in bought))


def _crew_sentences(request: PlanRequest, fix: Fix) -> list[str]:
    """One sentence per resource whose staff comes with the overtime (`fix_candidates.overtime_crew`)."""
    crew = [d for d in fix.changes if isinstance(d, ResourceCapacityChange) and d.window.reason == CREW_REASON]
    sentences = []
    for resource_id in dict.fromkeys(d.resource_id for d in crew):
        windows = sorted((d for d in crew if d.resource_id == resource_id), key=lambda d: d.window.start)
        sentences.append(describe(request, "CREW", resource=resource_id, units=max(d.extra_units for d in windows),
                                  windows=_windows(request, windows),
                                  extra=sum((d.window.end - d.window.start) * d.extra_units for d in windows)))
    return sentences


def _windows(request: PlanRequest, overtime: Sequence[ExtraWorkingTime | ResourceCapacityChange]) -> str:
    return ", ".join(f"{local_time(request, d.window.start)}-{local_time(request, d.window.end)[-5:]}"
                     for d in overtime)


def _change_values(request: PlanRequest, explanation: LateOrderExplanation, fix: Fix,
                   from_machine: str) -> dict[str, object]:
    order = next(o for o in request.orders if o.id == explanation.order_id)
    first = fix.changes[0]
    values: dict[str, object] = {"order": order.id, "customer": order.customer, "extra": fix.extra_working_minutes,
                                 "moved": fix.moved_minutes}
    if isinstance(first, ChangeWeight):
        values.update(old=order.weight, new=first.weight)
    elif isinstance(first, AssignMachine | RunBefore):
        operation_id = first.operation_id if isinstance(first, AssignMachine) else first.before_operation_id
        routing = request.factory.product(order.product_id).routing
        name = next((op.name or op.id for op in routing if op.id == operation_id), operation_id)
        ahead = [d.after_order_id for d in fix.changes if isinstance(d, RunBefore)]
        values.update(operation=name, machine=first.machine_id, old=from_machine or "-", ahead=", ".join(ahead))
    elif isinstance(first, SplitLot):
        routing = request.factory.product(order.product_id).routing
        routed = next(op for op in routing if op.id == first.operation_id)
        values.update(operation=routed.name or routed.id, parts=first.max_sublots, minimum=first.min_sublot_units,
                      machines=", ".join(e.machine_id for e in routed.eligible_machines))
    elif isinstance(first, ChangeRelease):
        values.update(time=local_time(request, first.release))
    elif isinstance(first, MoveMaintenance):
        window = next(w for w in request.factory.machine(first.machine_id).maintenance_windows
                      if w.start == first.window_start)
        values.update(machine=first.machine_id, what=window.reason or "maintenance",
                      old=local_time(request, first.window_start), time=local_time(request, first.new_start))
    elif isinstance(first, ExtraWorkingTime):
        values.update(machine=first.machine_id, windows=_windows(
            request, [d for d in fix.changes if isinstance(d, ExtraWorkingTime)]))
    elif isinstance(first, ResourceCapacityChange):
        values.update(units=first.extra_units, resource=first.resource_id,
                      start=local_time(request, first.window.start), end=local_time(request, first.window.end))
    elif isinstance(first, ChangeDueDate):
        values.update(time=local_time(request, first.due))
    return values
