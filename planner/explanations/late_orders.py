"""Why each late order is late, and what would fix it, in words a shop-floor planner reads (en, ko).

For a late order, in this order of precedence:
1. WORK_IN_PROGRESS: its operation running at plan start ends, and its shortest processing and
   minimum time lags after it end, after the due time; fix: agree the earliest finish.
2. TIME_LAG: release plus shortest processing meets the due time, but not with the minimum time lags
   between its operations added; fix: shorten the longest lag where the process allows, or agree a date.
   Also (under 5) when the operation that waited longest was held back by its successor's maximum lag
   (it ends exactly that lag before the successor starts); fix: overtime on the successor's machine.
3. DUE_DATE_INFEASIBLE: even alone on an empty plant (same calendars, maintenance and reserves) it
   would finish after its due time; fix: agree the earliest possible date, or add working time.
4. RELEASE_TOO_LATE: its release plus its shortest processing already passes the due time.
5. Otherwise the operation that waited longest between becoming ready and starting is where the
   order lost its time. What the machine did while the order waited decides the reason:
   MAINTENANCE_OR_RISK when maintenance, a preventive task or a risk reserve took most of it (fix:
   move it), else BOTTLENECK_CONTENTION, naming the orders the machine ran first (fix: overtime on
   that machine on that day, the hours rounded up from the time lost); on a batch machine that ran no
   other load for most of the wait, BATCH_LOAD: the lot waited for its load to fill (fix: start the load
   without the later lots); RESOURCE_SHORTAGE when a secondary resource it needs (setters, a die) had no
   room for most of the wait (fix: one more of it over that time); SKILL_SHORTAGE when fewer people with a skill
   it needs were free than it needs for most of the wait (fix: one more person with that skill); MATERIAL_WAIT
   when the stock of a material or in-house component it takes did not cover it for most of the wait (fix: the
   date it would have to arrive, and how much, for the order to be on time); DIE_IN_USE when its machine was free
   but the die it runs with was held on another machine for most of the wait (fix: a second die, or the other lots
   later).
   Before BATCH_LOAD, RECIPE_CHANGEOVER: the batch machine changed recipe right before the lot's load for most
   of the wait (fix: fewer changeovers, or that one done before plan start).
Overtime is proposed up to a night shift (8 h) a day; more lost time becomes a night shift over
several days. Estimated effects are upper bounds on the lateness a fix can remove: they are not
re-solved. `planner.explanations.fixes` adds typed fixes (scenario deltas) to each explanation and, with
`PlanOptions.verify_fixes_seconds`, replaces this text and estimate by the first fix that re-solving
showed to help, with its measured effect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from planner.calendar import Interval, available_intervals, unavailable_intervals
from planner.domain import NO_MACHINE, Objective, PlanRequest
from planner.risk import capacity_reserves
from planner.scheduling.dispatching import dispatch, hint_objective
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.die_mounts import die_waits
from planner.scheduling.rules.materials import MaterialWait, component_ids, material_waits
from planner.scheduling.rules.oven_rules import with_changeovers
from planner.scheduling.rules.resources import shortage
from planner.scheduling.rules.skills import by_resource
from planner.scheduling.rules.staffing import skill_shortage
from planner.scheduling.rules.time_lags import minimum_lag_total
from planner.scheduling.rules.transfer_batches import transfer_delay
from planner.scheduling.tasks import Job
from planner.solution import LateOrderExplanation, OrderResult, ScheduledMaintenance, ScheduledOperation

MAX_OVERTIME_MINUTES_PER_DAY = 8 * 60

TEXT = {
    "en": {
        "due": "Order {order} cannot meet its due time even on an empty plant: its {ops} operations need "
               "{work} of processing inside the shifts, so the earliest finish is {earliest}.",
        "due_fix": "Agree {earliest} with {customer}, or add working time (overtime or an extra shift) on {machine}.",
        "release": "Order {order} is released at {release} and needs at least {work} of processing, "
                   "which already ends after its due time {due}.",
        "release_fix": "Release it {hours} earlier (materials or upstream parts), which would save up to {saves}.",
        "maintenance": "Order {order} waited {wait} for {machine} because of {what}.",
        "maintenance_fix": "Move {what_short} on {machine} after {after}: the order could finish up to {saves} "
                           "earlier.",
        "contention": "Order {order} waited {wait} for bottleneck machine {machine}, which ran {ahead} first.",
        "contention_fix": "+{hours} overtime on {machine} on {day} would let it finish about {saves} earlier.",
        "contention_fix_days": "A night shift (+{hours} a day) on {machine} for {days} days from {day} would let it "
                               "finish about {saves} earlier.",
        "customer": "the customer",
        "wip": "Order {order} is in progress: {operation} runs on {machine} until {ends}, and the {work} of "
               "processing{lags} after it ends after its due time {due} at the earliest.",
        "wip_lags": " and {lags} of time lags",
        "wip_fix": "Agree {earliest} with {customer}.",
        "lag": "Order {order} must wait {lags} between its operations ({detail}) on top of {work} of processing "
               "from {ready}, so it cannot finish by its due time {due}.",
        "lag_detail": "{operation} at least {lag} after {previous}",
        "lag_fix": "Shorten the wait before {operation} ({lag}) where the process allows it (forced cooling), which "
                   "would save up to {saves}, or agree a later date with {customer}.",
        "max_lag": "Order {order} waited {wait} before {operation} on {machine}: {next} must start within {lag} "
                   "after it, and {next_machine} ran {ahead} first.",
        "max_lag_fix": "+{hours} overtime on {next_machine} on {day} would let {next}, and {operation} before it, "
                       "start earlier.",
        "batch": "Order {order} waited {wait} for a {recipe} load on {machine} to fill: the load started {start} "
                 "with {others} ({fill} full).",
        "batch_fix": "Start a {recipe} load on {machine} when the lot is ready ({ready}) without waiting for {others}: "
                     "the order could finish up to {saves} earlier, at a lower furnace fill.",
        "changeover": "Order {order} waited {wait} for the {previous} -> {recipe} changeover on {machine}: the "
                      "furnace changed recipe for {minutes} before its {recipe} load at {start}.",
        "changeover_fix": "Run the {recipe} lots on {machine} next to its other {recipe} loads (or this load before "
                          "the {previous} one), so that the furnace changes recipe less often: the order could "
                          "finish up to {saves} earlier.",
        "changeover_initial_fix": "Have {machine} changed over from {previous} to {recipe} before plan start: the "
                                  "order could finish up to {saves} earlier.",
        "resource": "Order {order} waited {wait} before {operation} on {machine} for {resource}: all of it was busy "
                    "from {from_} ({ahead}).",
        "resource_fix": "One more {resource} from {from_} to {to} would let {operation} start up to {saves} earlier.",
        "resource_manual": "Order {order} waited {wait} before {operation} (manual work) for {resource}: all of it was "
                           "busy or off shift from {from_} ({ahead}).",
        "manual": "manual work",
        "die": "Order {order} waited {wait} before {operation} on {machine} for die {die}, held on {holder} "
               "({ahead}).",
        "die_fix": "A second {die}, or {holder}'s lots with it moved later, would let {operation} start up to {saves} "
                   "earlier.",
        "skill": "Order {order} waited {wait} before {operation}{where} for {person} with skill '{skill}': from "
                 "{from_}, {free} of the {needed} people it needs were free (the others worked on {ahead} or were "
                 "off shift).",
        "skill_fix": "One more person with skill '{skill}' from {from_} to {to} (trained, or lent by another line) "
                     "would let {operation} start up to {saves} earlier.",
        "material": "Order {order} was ready for {operation} at {ready} but waited {wait} for {material}: the stock "
                    "covered the {quantity} it takes only from {available}.",
        "material_fix": "{material} would have to arrive by {needed} ({quantity} more, e.g. an expedited receipt) "
                        "{effect}.",
        "component_fix": "Component {material} would have to be made by {needed} ({quantity} more: start its order "
                         "earlier) {effect}.",
        "material_on_time": "for the order to be on time",
        "material_saves": "to save up to {saves} of the lateness",
        "produced": " It came from {producer_operation} of order {producer_order}, which put it into stock when it "
                    "ended.",
        "produced_fix": "{producer_operation} of order {producer_order} would have to end by {needed} ({quantity} of "
                        "{material} in stock then, or that much more from stock or a receipt) {effect}.",
    },
    "ko": {
        "due": "주문 {order}은(는) 빈 공장에서도 납기를 맞출 수 없습니다. 공정 {ops}개에 근무시간 기준 {work}의 "
               "가공이 필요하여 가장 빠른 완료 시점은 {earliest}입니다.",
        "due_fix": "{customer}와(과) 납기를 {earliest}(으)로 조정하거나 {machine}에 작업시간(잔업 또는 추가 교대)을 "
                   "늘리십시오.",
        "release": "주문 {order}은(는) {release}에 투입되며 최소 {work}의 가공이 필요하여 이미 납기 {due}를 넘깁니다.",
        "release_fix": "{hours} 일찍 투입하면(자재 또는 선행 부품 확보) 최대 {saves} 단축됩니다.",
        "maintenance": "주문 {order}은(는) {machine}의 {what} 때문에 {wait} 대기했습니다.",
        "maintenance_fix": "{machine}의 {what_short}을(를) {after} 이후로 옮기면 최대 {saves} 빨리 완료할 수 있습니다.",
        "contention": "주문 {order}은(는) 병목 설비 {machine}에서 {wait} 대기했습니다. 그동안 {ahead} 주문이 먼저 "
                      "가공되었습니다.",
        "contention_fix": "{day} {machine}에 잔업 {hours}을 추가하면 약 {saves} 빨리 완료됩니다.",
        "contention_fix_days": "{day}부터 {days}일간 {machine}에 야간 교대(하루 {hours})를 추가하면 약 {saves} 빨리 "
                               "완료됩니다.",
        "customer": "고객",
        "wip": "주문 {order}은(는) 진행 중입니다. {operation}이(가) {machine}에서 {ends}까지 가공되며, 그 뒤의 가공 "
               "{work}{lags}을(를) 더하면 가장 빨라도 납기 {due}를 넘깁니다.",
        "wip_lags": "와(과) 공정 간 대기 {lags}",
        "wip_fix": "{customer}와(과) 납기를 {earliest}(으)로 조정하십시오.",
        "lag": "주문 {order}은(는) {ready}부터 가공 {work} 외에 공정 사이 대기 {lags}({detail})가 필요하여 납기 "
               "{due}까지 완료할 수 없습니다.",
        "lag_detail": "{previous} 후 최소 {lag} 뒤 {operation}",
        "lag_fix": "공정상 가능하면 {operation} 전 대기({lag})를 줄이십시오(강제 냉각). 최대 {saves} 단축되며, 아니면 "
                   "{customer}와(과) 납기를 조정하십시오.",
        "max_lag": "주문 {order}은(는) {machine}의 {operation} 전에 {wait} 대기했습니다. {next}은(는) 그 뒤 {lag} 안에 "
                   "시작해야 하는데 {next_machine}에서 {ahead} 주문이 먼저 가공되었습니다.",
        "max_lag_fix": "{day} {next_machine}에 잔업 {hours}을 추가하면 {next}와(과) 그 앞의 {operation}을(를) 더 일찍 "
                       "시작할 수 있습니다.",
        "batch": "주문 {order}은(는) {machine}의 {recipe} 장입이 채워지기를 {wait} 기다렸습니다. 장입은 {start}에 "
                 "{others} 주문과 함께 시작했습니다(적재율 {fill}).",
        "batch_fix": "{ready}에 {machine}에서 {others}을(를) 기다리지 않고 {recipe} 장입을 시작하면 최대 {saves} 빨리 "
                     "완료할 수 있습니다(적재율은 낮아집니다).",
        "changeover": "주문 {order}은(는) {machine}의 {previous} -> {recipe} 레시피 전환을 {wait} 기다렸습니다. "
                      "설비가 {start}의 {recipe} 장입 전에 {minutes} 동안 레시피를 전환했습니다.",
        "changeover_fix": "{machine}의 {recipe} 작업을 다른 {recipe} 장입과 묶거나 이 장입을 {previous} 장입보다 먼저 "
                          "하여 레시피 전환을 줄이면 최대 {saves} 빨리 완료할 수 있습니다.",
        "changeover_initial_fix": "계획 시작 전에 {machine}을(를) {previous}에서 {recipe}(으)로 전환해 두면 최대 "
                                  "{saves} 빨리 완료할 수 있습니다.",
        "resource": "주문 {order}은(는) {machine}의 {operation} 전에 {resource}을(를) {wait} 기다렸습니다. {from_}부터 "
                    "모두 사용 중이었습니다({ahead}).",
        "resource_fix": "{from_}부터 {to}까지 {resource} 1명(개)을 추가하면 {operation}을(를) 최대 {saves} 일찍 "
                        "시작할 수 있습니다.",
        "resource_manual": "주문 {order}은(는) {operation}(수작업) 전에 {resource}을(를) {wait} 기다렸습니다. "
                           "{from_}부터 모두 사용 중이거나 근무 시간이 아니었습니다({ahead}).",
        "manual": "수작업",
        "die": "주문 {order}은(는) {machine}의 {operation} 전에 금형 {die}을(를) {wait} 기다렸습니다. "
               "금형은 {holder}에 장착되어 있었습니다({ahead}).",
        "die_fix": "금형 {die}을(를) 하나 더 마련하거나 {holder}에서 그 금형을 쓰는 작업을 뒤로 미루면 "
                   "{operation}을(를) 최대 {saves} 일찍 시작할 수 있습니다.",
        "skill": "주문 {order}은(는) {operation}{where} 전에 '{skill}' 기술을 가진 {person}을(를) {wait} 기다렸습니다. "
                 "{from_}부터 필요한 {needed}명 중 {free}명만 가능했습니다(나머지는 {ahead} 작업 중이거나 근무 시간 "
                 "외).",
        "skill_fix": "{from_}부터 {to}까지 '{skill}' 기술을 가진 인원 1명을 추가하면(교육 또는 다른 라인에서 지원) "
                     "{operation}을(를) 최대 {saves} 일찍 시작할 수 있습니다.",
        "material": "주문 {order}은(는) {ready}에 {operation} 준비가 되었지만 {material}을(를) {wait} 기다렸습니다. "
                    "필요한 {quantity}이(가) {available}에야 재고로 확보되었습니다.",
        "material_fix": "{material}이(가) {needed}까지 입고되어야 합니다({quantity} 추가, 예: 입고 앞당기기). "
                        "그러면 {effect}.",
        "component_fix": "부품 {material}을(를) {needed}까지 만들어야 합니다({quantity} 추가: 해당 주문을 앞당겨 "
                         "시작). 그러면 {effect}.",
        "material_on_time": "주문을 납기 내에 완료할 수 있습니다",
        "material_saves": "지연을 최대 {saves} 줄일 수 있습니다",
        "produced": " 이 재고는 주문 {producer_order}의 {producer_operation}이(가) 끝나면서 입고한 것입니다.",
        "produced_fix": "주문 {producer_order}의 {producer_operation}이(가) {needed}까지 끝나야 합니다(그때 {material} "
                        "{quantity} 확보, 또는 재고나 입고로 그만큼 추가). 그러면 {effect}.",
    },
}


def _hours(minutes: float, locale: str) -> str:
    value = f"{minutes / 60:.1f}".rstrip("0").rstrip(".")
    return f"{value}시간" if locale == "ko" else f"{value} h"


def local_time(request: PlanRequest, minute: int) -> str:
    """Local plant time of a plan minute in the request's locale: 'Wed 04 Mar 10:00' or '03월 04일 10:00'."""
    moment: datetime = request.options.plan_start + timedelta(minutes=minute + request.factory.utc_offset_minutes)
    if request.options.locale == "ko":
        return moment.strftime("%m월 %d일 %H:%M")
    return moment.strftime("%a %d %b %H:%M")


def _day(request: PlanRequest, minute: int) -> str:
    moment = request.options.plan_start + timedelta(minutes=minute + request.factory.utc_offset_minutes)
    return moment.strftime("%m월 %d일") if request.options.locale == "ko" else moment.strftime("%a %d %b")


def explain_late_orders(
    request: PlanRequest, jobs: Sequence[Job], available: dict[str, list[Interval]],
    assignments: Sequence[ScheduledOperation], results: Sequence[OrderResult],
    maintenance: Sequence[ScheduledMaintenance] = (),
) -> list[LateOrderExplanation]:
    """One explanation per late order, latest first."""
    by_id = {job.order.id: job for job in jobs}
    placed = {(a.order_id, a.operation_index): a for a in assignments}
    waits: dict[tuple[str, int], MaterialWait] = {}
    for found in material_waits(request, jobs, assignments) if any(not r.on_time for r in results) else []:
        key = (found.order_id, found.operation_index)
        if key not in waits or found.minutes > waits[key].minutes:
            waits[key] = found  # the material it waited for longest
    explanations = []
    for result in sorted((r for r in results if not r.on_time), key=lambda r: -r.tardiness):
        job = by_id[result.order_id]
        explanations.append(
            _work_in_progress_late(request, job, result)
            or _time_lags_too_long(request, job, result)
            or _due_date_infeasible(request, job, available, result)
            or _release_too_late(request, job, result)
            or _waiting(request, job, placed, assignments, maintenance, result, waits, jobs)
        )
    return explanations


def _format(request: PlanRequest, key: str, **values: object) -> str:
    return TEXT[request.options.locale][key].format(**values)


def _due_date_infeasible(request: PlanRequest, job: Job, available: dict[str, list[Interval]],
                         result: OrderResult) -> LateOrderExplanation | None:
    alone = request.model_copy(update={"options": request.options.model_copy(
        update={"objective": Objective.MAKESPAN})})
    hint = dispatch([job], available, lambda *_: 0.0)
    if hint is None:
        return None
    earliest = int(hint_objective(alone, [job], hint, available))
    if earliest <= job.order.due:
        return None
    longest = max(job.tasks, key=lambda t: t.shortest)
    machine = min(longest.alternatives, key=lambda a: a.duration).machine_id
    values = {"order": job.order.id, "ops": len(job.tasks), "work": _hours(job.min_work, request.options.locale),
              "earliest": local_time(request, earliest),
              "machine": TEXT[request.options.locale]["manual"] if machine == NO_MACHINE else machine,
              "customer": job.order.customer or TEXT[request.options.locale]["customer"]}
    return LateOrderExplanation(
        order_id=job.order.id, minutes_late=result.tardiness, reason_code="DUE_DATE_INFEASIBLE",
        reason=_format(request, "due", **values), machine_id=machine, fix=_format(request, "due_fix", **values),
        fix_saves_minutes=min(result.tardiness, earliest - job.order.due),
    )


def _work_in_progress_late(request: PlanRequest, job: Job, result: OrderResult) -> LateOrderExplanation | None:
    """The running operation plus the shortest work and minimum lags after it already pass the due time."""
    if not job.tasks or not job.tasks[0].running:
        return None
    running = job.tasks[0]
    earliest = job.min_work + minimum_lag_total(job)
    if earliest <= job.order.due:
        return None
    locale = request.options.locale
    lags = minimum_lag_total(job)
    values = {"order": job.order.id, "operation": running.operation_id, "machine": running.alternatives[0].machine_id,
              "ends": local_time(request, running.shortest), "work": _hours(job.min_work - running.shortest, locale),
              "lags": _format(request, "wip_lags", lags=_hours(lags, locale)) if lags else "",
              "due": local_time(request, job.order.due), "earliest": local_time(request, earliest),
              "customer": job.order.customer or TEXT[locale]["customer"]}
    return LateOrderExplanation(
        order_id=job.order.id, minutes_late=result.tardiness, reason_code="WORK_IN_PROGRESS",
        reason=_format(request, "wip", **values), machine_id=running.alternatives[0].machine_id,
        fix=_format(request, "wip_fix", **values),
    )


def _time_lags_too_long(request: PlanRequest, job: Job, result: OrderResult) -> LateOrderExplanation | None:
    """Release plus shortest work meets the due time, but not with the minimum time lags added."""
    ready = max(job.order.release, 0)
    lags = minimum_lag_total(job)
    if not lags or ready + job.min_work + lags <= job.order.due:
        return None
    locale = request.options.locale
    lagged = [(before, after) for before, after in pairwise(job.tasks) if after.min_lag]
    longest = max(lagged, key=lambda pair: pair[1].min_lag)[1]
    saves = min(longest.min_lag, ready + job.min_work + lags - job.order.due, result.tardiness)
    detail = "; ".join(_format(request, "lag_detail", operation=after.operation_id, previous=before.operation_id,
                               lag=_hours(after.min_lag, locale)) for before, after in lagged)
    values = {"order": job.order.id, "lags": _hours(lags, locale), "detail": detail,
              "work": _hours(job.min_work, locale), "ready": local_time(request, ready),
              "due": local_time(request, job.order.due), "operation": longest.operation_id,
              "lag": _hours(longest.min_lag, locale), "saves": _hours(saves, locale),
              "customer": job.order.customer or TEXT[locale]["customer"]}
    return LateOrderExplanation(
        order_id=job.order.id, minutes_late=result.tardiness, reason_code="TIME_LAG",
        reason=_format(request, "lag", **values), fix=_format(request, "lag_fix", **values), fix_saves_minutes=saves,
    )


def _release_too_late(request: PlanRequest, job: Job, result: OrderResult) -> LateOrderExplanation | None:
    release = max(job.order.release, 0)
    if release + job.min_work <= job.order.due:
        return None
    needed = release + job.min_work - job.order.due
    locale = request.options.locale
    values = {"order": job.order.id, "release": local_time(request, release), "work": _hours(job.min_work, locale),
              "due": local_time(request, job.order.due), "hours": _hours(math.ceil(needed / 60) * 60, locale),
              "saves": _hours(min(needed, result.tardiness), locale)}
    return LateOrderExplanation(
        order_id=job.order.id, minutes_late=result.tardiness, reason_code="RELEASE_TOO_LATE",
        reason=_format(request, "release", **values), fix=_format(request, "release_fix", **values),
        fix_saves_minutes=min(needed, result.tardiness),
    )


def _waiting(request: PlanRequest, job: Job, placed: dict[tuple[str, int], ScheduledOperation],
             assignments: Sequence[ScheduledOperation], maintenance: Sequence[ScheduledMaintenance],
             result: OrderResult,
             material_waits_by_operation: dict[tuple[str, int], MaterialWait] | None = None,
             jobs: Sequence[Job] | None = None) -> LateOrderExplanation:
    ready = max(job.order.release, 0)
    worst: tuple[int, ScheduledOperation, int] | None = None
    for position, task in enumerate(job.tasks):
        ready += task.min_lag  # waiting out a minimum time lag is not waiting for the machine
        op = placed[(job.order.id, task.index)]
        if task.predecessors is not None:  # a precedence graph: ready once every predecessor's minimum lag is over
            ready = max([max(job.order.release, 0), *(link.delay(before.start, before.end) for link in task.predecessors
                         if (before := placed.get((job.order.id, link.before))) is not None)])
        if task.transfer_batch is not None and position:  # ready at its first transfer batch
            before = placed[(job.order.id, job.tasks[position - 1].index)]
            first, second = job.tasks[position - 1].placed_on(before), task.placed_on(op)  # machine and mode
            if first is not None and second is not None:
                ready = before.start + transfer_delay(first, second, task.transfer_batch)
        if worst is None or op.start - ready > worst[0]:
            worst = (op.start - ready, op, ready)
        ready = op.end
    assert worst is not None
    wait, op, became_ready = worst
    held = _held_back_by_maximum_lag(request, job, placed, assignments, worst, result)
    if held is not None:
        return held
    if op.machine_id != NO_MACHINE:  # manual work has no machine to be down or to fill a load
        blocked = _planned_downtime(request, op.machine_id, maintenance)
        downtime = _overlap(blocked, became_ready, op.start)
        if downtime and downtime[0][1] * 2 >= max(wait, 1):
            return _maintenance_explanation(request, job, op, wait, downtime, result)
        changing = _waited_for_changeover(request, op, wait, became_ready, assignments, result)
        if changing is not None:
            return changing
        filling = _waited_for_load(request, op, wait, became_ready, assignments, result)
        if filling is not None:
            return filling
    starved = _waited_for_material(request, op, wait, result, material_waits_by_operation or {})
    if starved is not None:
        return starved
    short = _waited_for_skill(request, op, wait, became_ready, assignments, result)
    if short is not None:
        return short
    short = _waited_for_die(request, op, wait, became_ready, assignments, result, jobs)
    if short is not None:
        return short
    short = _waited_for_resource(request, op, wait, became_ready, assignments, result)
    if short is not None:
        return short
    ahead = sorted((a for a in assignments if a.machine_id == op.machine_id and a.start < op.start
                    and a.end > became_ready and a.order_id != job.order.id), key=lambda a: a.start)
    return _contention_explanation(request, job, op, wait, became_ready, [a.order_id for a in ahead], result)


def _held_back_by_maximum_lag(request: PlanRequest, job: Job, placed: dict[tuple[str, int], ScheduledOperation],
                              assignments: Sequence[ScheduledOperation], worst: tuple[int, ScheduledOperation, int],
                              result: OrderResult) -> LateOrderExplanation | None:
    """TIME_LAG when the operation that waited longest ends exactly its successor's maximum lag before the
    successor starts: it could not start earlier unless the successor's machine took the lot earlier."""
    wait, op, became_ready = worst
    position = next(i for i, task in enumerate(job.tasks) if task.index == op.operation_index)
    successor = job.tasks[position + 1] if position + 1 < len(job.tasks) else None
    if wait <= 0 or successor is None or successor.max_lag is None:
        return None
    follow = placed[(job.order.id, successor.index)]
    if follow.start - op.end < successor.max_lag:
        return None
    ahead = [a.order_id for a in sorted(assignments, key=lambda a: a.start) if a.machine_id == follow.machine_id
             and a.start < follow.start and a.end > became_ready and a.order_id != job.order.id]
    locale = request.options.locale
    overtime = min(max(60, math.ceil(min(wait, result.tardiness) / 60) * 60), MAX_OVERTIME_MINUTES_PER_DAY)
    values = {"order": job.order.id, "wait": _hours(wait, locale), "operation": op.operation_id,
              "machine": op.machine_id, "next": successor.operation_id, "next_machine": follow.machine_id,
              "lag": _hours(successor.max_lag, locale), "ahead": ", ".join(ahead[:5]) or "-",
              "hours": _hours(overtime, locale), "day": _day(request, became_ready)}
    return LateOrderExplanation(
        order_id=job.order.id, minutes_late=result.tardiness, reason_code="TIME_LAG",
        reason=_format(request, "max_lag", **values), machine_id=follow.machine_id, orders_ahead=ahead,
        fix=_format(request, "max_lag_fix", **values), fix_saves_minutes=min(overtime, result.tardiness),
    )


def _waited_for_load(request: PlanRequest, op: ScheduledOperation, wait: int, became_ready: int,
                     assignments: Sequence[ScheduledOperation], result: OrderResult) -> LateOrderExplanation | None:
    """BATCH_LOAD: when the batch machine stood idle in working time for most of the wait, the lot waited for
    its load to fill with lots that came later (`planner.scheduling.rules.batching`)."""
    if wait <= 0 or not request.factory.machine(op.machine_id).is_batch:
        return None
    loads = [load for load in loads_of(request, assignments) if load.machine_id == op.machine_id]
    own = next((load for load in loads if load.start == op.start), None)
    others = [order_id for order_id in own.order_ids if order_id != op.order_id] if own is not None else []
    busy = sum(max(0, min(load.end, op.start) - max(load.start, became_ready)) for load in loads if load is not own)
    working = sum(max(0, min(end, op.start) - max(start, became_ready))
                  for start, end in available_intervals(request.factory.machine(op.machine_id), request))
    if own is None or not others or (working - busy) * 2 < wait:  # idle in working time for most of the wait
        return None
    locale = request.options.locale
    shown = ", ".join(others[:5]) + (f" (+{len(others) - 5})" if len(others) > 5 else "")
    saves = min(wait, result.tardiness)
    values = {"order": op.order_id, "wait": _hours(wait, locale), "recipe": own.recipe, "machine": op.machine_id,
              "start": local_time(request, own.start), "others": shown, "fill": f"{own.fill:.0%}",
              "ready": local_time(request, became_ready), "saves": _hours(saves, locale)}
    return LateOrderExplanation(
        order_id=op.order_id, minutes_late=result.tardiness, reason_code="BATCH_LOAD",
        reason=_format(request, "batch", **values), machine_id=op.machine_id, orders_ahead=others,
        fix=_format(request, "batch_fix", **values), fix_saves_minutes=saves,
    )


def _waited_for_changeover(request: PlanRequest, op: ScheduledOperation, wait: int, became_ready: int,
                           assignments: Sequence[ScheduledOperation],
                           result: OrderResult) -> LateOrderExplanation | None:
    """RECIPE_CHANGEOVER: for most of the wait, the batch machine changed recipe right before the lot's load
    (`oven_rules.with_changeovers`): the furnace heated up, cooled down or was purged while the lot stood ready.
    Only when the changeover began as soon as both the lot and the machine (after its previous load) were ready:
    a changeover that began later sat in a wait with another cause (a load filling up) and held nothing back."""
    if wait <= 0 or not request.factory.machine(op.machine_id).recipe_changeovers:
        return None
    loads = [load for load in with_changeovers(request, loads_of(request, assignments))
             if load.machine_id == op.machine_id]
    own = next((load for load in loads if load.start == op.start), None)
    if own is None or own.changeover_from is None:
        return None
    earlier = [load for load in loads if load.start < own.start]
    machine_free = earlier[-1].end if earlier else 0
    changing_from = own.start - own.changeover_minutes
    during = op.start - max(changing_from, became_ready)
    if changing_from > max(machine_free, became_ready) or during * 2 < wait:
        return None
    locale = request.options.locale
    saves = min(during, result.tardiness)
    values = {"order": op.order_id, "wait": _short(during, locale), "previous": own.changeover_from,
              "recipe": own.recipe, "machine": op.machine_id, "minutes": _short(own.changeover_minutes, locale),
              "start": local_time(request, own.start), "saves": _short(saves, locale)}
    return LateOrderExplanation(
        order_id=op.order_id, minutes_late=result.tardiness, reason_code="RECIPE_CHANGEOVER",
        reason=_format(request, "changeover", **values), machine_id=op.machine_id,
        fix=_format(request, "changeover_fix" if earlier else "changeover_initial_fix", **values),
        fix_saves_minutes=saves,
    )


def _short(minutes: int, locale: str) -> str:
    """A changeover's minutes as a planner says them: '40 min' under two hours, else in hours."""
    if minutes >= 120:
        return _hours(minutes, locale)
    return f"{minutes}분" if locale == "ko" else f"{minutes} min"


def _waited_for_material(request: PlanRequest, op: ScheduledOperation, wait: int, result: OrderResult,
                         waits: dict[tuple[str, int], MaterialWait]) -> LateOrderExplanation | None:
    """MATERIAL_WAIT: for most of the wait, the stock of a material (or in-house component) the operation takes
    did not cover it (`planner.scheduling.rules.materials`). It would have to arrive `min(material wait, lateness)`
    earlier: adding what the operation takes at that moment lets it start then, whatever the others take."""
    found = waits.get((op.order_id, op.operation_index))
    if found is None or wait <= 0 or found.minutes * 2 < wait:
        return None
    locale = request.options.locale
    saves = min(found.minutes, result.tardiness)
    needed = min(found.start, found.available) - saves
    unit = next((f" {m.unit}" for m in request.factory.materials if m.id == found.material_id and m.unit), "")
    effect = (_format(request, "material_on_time") if saves >= result.tardiness
              else _format(request, "material_saves", saves=_hours(saves, locale)))
    values = {"order": op.order_id, "operation": op.operation_id, "ready": local_time(request, found.ready),
              "wait": _hours(found.minutes, locale), "material": found.material_id,
              "quantity": f"{found.quantity:g}{unit}", "available": local_time(request, found.available),
              "needed": local_time(request, needed), "effect": effect}
    fix = "component_fix" if found.material_id in component_ids(request) else "material_fix"
    reason = _format(request, "material", **values)
    if found.producer is not None:  # the stock came from an operation's output (`planner.scheduling.rules.stock`)
        values |= {"producer_order": found.producer[0], "producer_operation": found.producer[1]}
        reason += _format(request, "produced", **values)
        fix = "produced_fix"
    return LateOrderExplanation(
        order_id=op.order_id, minutes_late=result.tardiness, reason_code="MATERIAL_WAIT",
        reason=reason, machine_id=op.machine_id,
        fix=_format(request, fix, **values), fix_saves_minutes=saves,
    )


def _waited_for_die(request: PlanRequest, op: ScheduledOperation, wait: int, became_ready: int,
                    assignments: Sequence[ScheduledOperation], result: OrderResult,
                    jobs: Sequence[Job] | None = None) -> LateOrderExplanation | None:
    """DIE_IN_USE: for most of the wait its machine was free but the die it runs with was held (mounted, being
    changed or running) on another machine (`planner.scheduling.rules.dies`)."""
    if wait <= 0 or op.machine_id == NO_MACHINE:
        return None
    machine_busy = sum(max(0, min(a.end, op.start) - max(a.start, became_ready)) for a in assignments
                       if a.machine_id == op.machine_id and a.order_id != op.order_id)
    held = die_waits(request, op, assignments, became_ready, jobs) if machine_busy * 2 < wait else None
    if held is None or held[2] * 2 < wait:
        return None
    die, holder, minutes_held = held
    locale = request.options.locale
    ahead = sorted({a.order_id for a in assignments if a.machine_id == holder and a.order_id != op.order_id
                    and a.start < op.start and a.end > became_ready})
    saves = min(minutes_held, result.tardiness)
    values = {"order": op.order_id, "wait": _hours(wait, locale), "operation": op.operation_id,
              "machine": op.machine_id, "die": die, "holder": holder, "ahead": ", ".join(ahead[:5]),
              "saves": _hours(saves, locale)}
    return LateOrderExplanation(
        order_id=op.order_id, minutes_late=result.tardiness, reason_code="DIE_IN_USE",
        reason=_format(request, "die", **values), machine_id=op.machine_id, orders_ahead=ahead,
        fix=_format(request, "die_fix", **values), fix_saves_minutes=saves,
    )


def _waited_for_resource(request: PlanRequest, op: ScheduledOperation, wait: int, became_ready: int,
                         assignments: Sequence[ScheduledOperation], result: OrderResult) -> LateOrderExplanation | None:
    """RESOURCE_SHORTAGE: for most of the wait, a secondary resource the operation needs had no room for it
    (`planner.scheduling.rules.resources`)."""
    routings = {p.id: p.routing for p in request.factory.products}
    needs = by_resource(routings[op.product_id][op.operation_index].resources)  # by skill: `_waited_for_skill`
    manual = op.machine_id == NO_MACHINE  # only its resources can have held manual work back
    machine_busy = 0 if manual else sum(max(0, min(a.end, op.start) - max(a.start, became_ready)) for a in assignments
                                        if a.machine_id == op.machine_id and a.order_id != op.order_id)
    # On a machine only its working time counts: setters off shift while the machine is off shift too held nothing
    # back (else every wait over a night would be a setter shortage).
    stretches = [(became_ready, op.start)] if manual else [
        (max(start, became_ready), min(end, op.start)) for start, end in
        available_intervals(request.factory.machine(op.machine_id), request) if start < op.start and end > became_ready]
    working = sum(end - start for start, end in stretches)
    if wait <= 0 or not needs or machine_busy * 2 >= working:  # the machine itself was the bottleneck
        return None
    for need in needs:
        holders = [(a, n) for a in assignments if a.order_id != op.order_id
                   for n in routings[a.product_id][a.operation_index].resources if n.resource_id == need.resource_id]
        others = [(a.start, a.start + a.setup_minutes if n.setup_only else a.end, n.quantity) for a, n in holders]
        found = [shortage(request, need.resource_id, need.quantity, others, start, end) for start, end in stretches]
        short = sum(minutes for minutes, _ in found)
        first = min((at for _, at in found if at is not None), default=None)
        if first is None or (short * 2 < working and not manual):
            continue
        locale = request.options.locale
        ahead = sorted({a.order_id for a, n in holders if a.start < op.start and
                        (a.start + a.setup_minutes if n.setup_only else a.end) > first})
        saves = min(short, result.tardiness)
        values = {"order": op.order_id, "wait": _hours(wait, locale), "operation": op.operation_id,
                  "machine": op.machine_id, "resource": need.resource_id, "from_": local_time(request, first),
                  "to": local_time(request, op.start), "ahead": ", ".join(ahead[:5]),
                  "saves": _hours(saves, locale)}
        return LateOrderExplanation(
            order_id=op.order_id, minutes_late=result.tardiness, reason_code="RESOURCE_SHORTAGE",
            reason=_format(request, "resource_manual" if manual else "resource", **values), machine_id=op.machine_id,
            orders_ahead=ahead,
            fix=_format(request, "resource_fix", **values), fix_saves_minutes=saves,
        )
    return None


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _waited_for_skill(request: PlanRequest, op: ScheduledOperation, wait: int, became_ready: int,
                      assignments: Sequence[ScheduledOperation], result: OrderResult) -> LateOrderExplanation | None:
    """SKILL_SHORTAGE: for most of the wait, fewer people who master a skill the operation needs were free than
    it needs, and its machine was not the bottleneck (`planner.scheduling.rules.skills`)."""
    machine_busy = 0 if op.machine_id == NO_MACHINE else sum(
        max(0, min(a.end, op.start) - max(a.start, became_ready)) for a in assignments
        if a.machine_id == op.machine_id and a.order_id != op.order_id)
    if wait <= 0 or machine_busy * 2 >= wait:
        return None
    found = skill_shortage(request, op, became_ready, assignments)
    if found is None or found.minutes * 2 < wait:
        return None
    locale, saves = request.options.locale, min(found.minutes, result.tardiness)
    if locale == "ko":
        person = f"{found.needed}명" if found.free == 0 else f"{found.free + 1}번째 인원"
        where = f"({_format(request, 'manual')})" if op.machine_id == NO_MACHINE else f"({op.machine_id})"
    else:
        nth = _ORDINALS[found.free] if found.free < len(_ORDINALS) else f"{found.free + 1}th"
        person = (("a person" if found.needed == 1 else f"{found.needed} people") if found.free == 0
                  else f"a {nth} person")
        where = f" ({_format(request, 'manual')})" if op.machine_id == NO_MACHINE else f" on {op.machine_id}"
    values = {"order": op.order_id, "wait": _hours(wait, locale), "operation": op.operation_id, "where": where,
              "person": person, "skill": found.skill, "from_": local_time(request, found.first),
              "to": local_time(request, op.start), "free": found.free, "needed": found.needed,
              "ahead": ", ".join(found.busy_with[:5]) or "-", "saves": _hours(saves, locale)}
    return LateOrderExplanation(
        order_id=op.order_id, minutes_late=result.tardiness, reason_code="SKILL_SHORTAGE",
        reason=_format(request, "skill", **values), machine_id=op.machine_id, orders_ahead=found.busy_with,
        fix=_format(request, "skill_fix", **values), fix_saves_minutes=saves,
    )


def _planned_downtime(request: PlanRequest, machine_id: str,
                      maintenance: Sequence[ScheduledMaintenance]) -> list[tuple[int, int, str]]:
    """Maintenance windows, risk reserves and preventive tasks of the machine (not its off-shift time)."""
    machine = request.factory.machine(machine_id)
    windows = [(w.start, w.end, w.reason) for w in unavailable_intervals(machine, request) if w.reason != "off shift"]
    reserves = capacity_reserves(request, {machine_id: available_intervals(machine, request)})
    windows += [(w.start, w.end, w.reason) for w in reserves.get(machine_id, [])]
    windows += [(m.start, m.end, m.reason) for m in maintenance if m.machine_id == machine_id]
    return windows


def _overlap(windows: list[tuple[int, int, str]], start: int, end: int) -> list[tuple[str, int, int, int]]:
    """(reason, minutes inside [start, end), window start, window end), largest first."""
    found = [(reason, min(e, end) - max(s, start), s, e) for s, e, reason in windows if min(e, end) > max(s, start)]
    return sorted(found, key=lambda f: -f[1])


def _maintenance_explanation(request: PlanRequest, job: Job, op: ScheduledOperation, wait: int,
                             downtime: list[tuple[str, int, int, int]], result: OrderResult) -> LateOrderExplanation:
    reason, minutes, start, end = downtime[0]
    locale = request.options.locale
    values = {"order": job.order.id, "wait": _hours(wait, locale), "machine": op.machine_id,
              "what": f"{reason} ({local_time(request, start)} - {local_time(request, end)})", "what_short": reason,
              "after": local_time(request, op.end), "saves": _hours(min(minutes, result.tardiness), locale)}
    return LateOrderExplanation(
        order_id=job.order.id, minutes_late=result.tardiness, reason_code="MAINTENANCE_OR_RISK",
        reason=_format(request, "maintenance", **values), machine_id=op.machine_id,
        fix=_format(request, "maintenance_fix", **values), fix_saves_minutes=min(minutes, result.tardiness),
    )


def _contention_explanation(request: PlanRequest, job: Job, op: ScheduledOperation, wait: int, became_ready: int,
                            ahead: list[str], result: OrderResult) -> LateOrderExplanation:
    locale = request.options.locale
    lost = min(wait, result.tardiness)
    overtime = max(60, math.ceil(lost / 60) * 60)
    days = math.ceil(overtime / MAX_OVERTIME_MINUTES_PER_DAY)
    shown = ", ".join(ahead[:5]) + (f" (+{len(ahead) - 5})" if len(ahead) > 5 else "")
    machine = TEXT[locale]["manual"] if op.machine_id == NO_MACHINE else op.machine_id
    values = {"order": job.order.id, "wait": _hours(wait, locale), "machine": machine,
              "ahead": shown or "-", "day": _day(request, became_ready), "days": days,
              "hours": _hours(min(overtime, MAX_OVERTIME_MINUTES_PER_DAY), locale),
              "saves": _hours(min(overtime, result.tardiness), locale)}
    return LateOrderExplanation(
        order_id=job.order.id, minutes_late=result.tardiness, reason_code="BOTTLENECK_CONTENTION",
        reason=_format(request, "contention", **values), machine_id=op.machine_id, orders_ahead=ahead,
        fix=_format(request, "contention_fix" if days == 1 else "contention_fix_days", **values),
        fix_saves_minutes=min(overtime, result.tardiness),
    )
