"""The sentences of typed fixes (`planner.fixes`), in English and Korean.

A verified fix says what to change and then only what re-solving measured: the order's lateness
before and after, the plan's weighted lateness before and after, and the lateness pushed onto
other orders when there was any. An unverified candidate says that it was not verified.
"""

from __future__ import annotations

from planner.domain import PlanRequest

TEXT = {
    "en": {
        "MACHINE": "Run {operation} of {order} on {machine} instead of {old} (no extra working time).",
        "PRIORITY": "Run {order} ahead of the orders that went first: raise its weight from {old:g} to {new:g} "
                    "(no extra working time).",
        "EARLIER_RELEASE": "Release {order} {moved} earlier, at {time} (material or upstream parts ready by then).",
        "MOVE_MAINTENANCE": "Move the {what} on {machine} from {old} to {time}.",
        "OVERTIME": "Add {extra} of overtime on {machine}: {windows}.",
        "DUE_DATE": "Agree {time} with {customer}: the plan finishes {order} by then.",
        "customer": "the customer",
        "measured": "Re-solved with this change, {order} is {after_text} instead of {before} late, and the plan's "
                    "weighted lateness goes from {weighted_before:,.0f} to {weighted_after:,.0f} min{pushed_text}.",
        "on_time": "on time",
        "late": "{after} late",
        "pushed": " (other orders take {pushed:,.0f} weighted min more)",
        "not_verified": "(Not verified by re-solving.)",
        "none_helped": "None of the {tried} fixes tried (other machine, earlier release, maintenance, overtime, "
                       "priority) made the "
                       "order less late without making the plan worse when the plan was re-solved.",
    },
    "ko": {
        "MACHINE": "{order}의 {operation} 공정을 {old} 대신 {machine}에서 가공하십시오(추가 작업시간 없음).",
        "PRIORITY": "{order}을(를) 먼저 가공된 주문보다 앞당기십시오: 가중치를 {old:g}에서 {new:g}(으)로 올립니다"
                    "(추가 작업시간 없음).",
        "EARLIER_RELEASE": "{order}을(를) {moved} 일찍, {time}에 투입하십시오(그때까지 자재 또는 선행 부품 확보).",
        "MOVE_MAINTENANCE": "{machine}의 {what}을(를) {old}에서 {time}(으)로 옮기십시오.",
        "OVERTIME": "{machine}에 잔업 {extra}을(를) 추가하십시오: {windows}.",
        "DUE_DATE": "{customer}와(과) 납기를 {time}(으)로 조정하십시오: 계획상 {order}은(는) 그때까지 완료됩니다.",
        "customer": "고객",
        "measured": "이 변경을 적용해 다시 풀면 {order}은(는) {before} 지연 대신 {after_text}이며, 계획의 가중 지연은 "
                    "{weighted_before:,.0f}분에서 {weighted_after:,.0f}분이 됩니다{pushed_text}.",
        "on_time": "납기 준수",
        "late": "{after} 지연",
        "pushed": "(다른 주문의 가중 지연 {pushed:,.0f}분 증가)",
        "not_verified": "(다시 풀어 검증하지 않았습니다.)",
        "none_helped": "시도한 {tried}개 개선안(다른 설비, 조기 투입, 정비 이동, 잔업, 우선순위) 중 다시 풀었을 때 "
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
    if not shown.get("customer"):
        shown["customer"] = text["customer"]
    return text[key].format(**shown)
