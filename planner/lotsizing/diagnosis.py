"""Why a lot-sizing instance has no plan, in a planner's words (items, buckets, resources).

This module owns the infeasibility explanations. Two layers:

- `proven_conflicts`: cheap counting arguments checked before any solve. Each message is a proof on
  its own (e.g. cumulative demand that may not be late needs more minutes than the resource has up to
  that bucket), so the solve is skipped when one holds.
- `diagnose_infeasibility`: after HiGHS proved infeasibility, an elastic copy of the model may buy
  missing capacity minutes at cost 1 each; the cheapest purchase names the resource-buckets that
  would have to grow (one way to repair the plan, not the only one).

Bucket numbers in messages are 0-based indices into the instance's per-bucket lists.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from planner.lotsizing.backend import run_highs
from planner.lotsizing.formulation import PreparedData, build_model, uncapacitated_max_gross
from planner.lotsizing.model import LotSizingOptions

# Minutes or units below this are rounding noise, not a conflict worth naming.
_TOLERANCE = 1e-6
_MAX_NAMED = 5


def proven_conflicts(data: PreparedData) -> list[str]:
    """Conflicts that make the instance infeasible whatever the lots are (empty list: none found)."""
    return _items_never_producible(data) + _cumulative_capacity_conflicts(data)


def _items_never_producible(data: PreparedData) -> list[str]:
    """An on-time item whose setup fits into no bucket up to the first bucket it is needed by."""
    reasons = []
    reachable = data.loads.completion_possible(data.n_items)
    for i in np.flatnonzero(~data.backlog_allowed):
        needed = np.flatnonzero(data.requirement[i] > _TOLERANCE)
        if needed.size == 0:
            continue
        first = int(needed[0])
        if not (data.max_gross[i, : first + 1] > _TOLERANCE).any():
            why = ("its lead time reaches before bucket 0" if not reachable[i, : first + 1].any()
                   else "its setup does not fit into the capacity (plus overtime)")
            reasons.append(
                f"item '{data.item_ids[i]}' needs {data.requirement[i, first]:g} units by bucket {first} "
                f"but {why} of any bucket 0..{first}"
            )
    return reasons


def _cumulative_capacity_conflicts(data: PreparedData) -> list[str]:
    """Per resource: minutes that on-time items need by bucket t exceed the minutes available in 0..t.

    Needed minutes count each item's cumulative requirement as gross units (divided by yield) and at
    least one setup per item that needs anything; items that may be late are left out.
    """
    reasons = []
    for r, resource_id in enumerate(data.resource_ids):
        users = np.flatnonzero(data.uses[:, r] & ~data.backlog_allowed)
        if users.size == 0:
            continue
        gross = data.requirement[users] / data.yield_rate[users, None]  # [k, T] cumulative
        load = gross * data.minutes_per_unit[users, r][:, None]
        load += (gross > _TOLERANCE) * data.setup_minutes[users, r][:, None]
        needed = load.sum(axis=0)
        available = np.cumsum(data.capacity[r] + data.overtime_cap[r])
        short = np.flatnonzero(needed > available + _TOLERANCE * np.maximum(1.0, available))
        if short.size == 0:
            continue
        t = int(short[0])
        loaded = [k for k in np.argsort(-load[:, t]) if load[k, t] > 0]
        names = ", ".join(f"'{data.item_ids[users[k]]}'" for k in loaded[:_MAX_NAMED])
        more = f" and {len(loaded) - _MAX_NAMED} more" if len(loaded) > _MAX_NAMED else ""
        reasons.append(
            f"resource '{resource_id}': cumulative demand of items that may not be late ({names}{more}) "
            f"needs at least {needed[t]:.6g} minutes by bucket {t} (processing plus one setup each), but "
            f"buckets 0..{t} offer only {available[t]:.6g} minutes including overtime"
        )
    return reasons


def diagnose_infeasibility(data: PreparedData, options: LotSizingOptions, time_limit: float) -> list[str]:
    """Explain an infeasibility HiGHS proved: the least capacity that would have to be added, and where."""
    generic = ("no plan meets every capacity, setup-time, safety-stock and no-backlog rule at once "
               "(proven by HiGHS)")
    if time_limit <= 0:
        return [generic]
    # Capacity may be bought here, so a setup longer than the bucket is no reason to forbid a lot (a lead
    # time that reaches before bucket 0, or the lead-time lot limit, still is). The
    # aggregated formulation suffices: only feasibility matters, not a tight cost bound.
    elastic_data = dataclasses.replace(
        data, max_gross=np.minimum(uncapacitated_max_gross(data.demand, data.safety_stock, data.yield_rate,
                                                           data.backlog_allowed), data.lot_limit))
    model = build_model(elastic_data, "aggregated", elastic=True)
    outcome = run_highs(model, options, time_limit)
    if outcome.col_value is None or model.variables.shortfall is None:
        return [generic]
    shortfall = outcome.col_value[model.variables.shortfall]
    reasons = [generic + "; the least extra capacity that would make it feasible:"]
    for r, resource_id in enumerate(data.resource_ids):
        buckets = np.flatnonzero(shortfall[r] > _TOLERANCE * np.maximum(1.0, data.capacity[r]))
        if buckets.size:
            parts = ", ".join(f"{shortfall[r, t]:.6g} minutes in bucket {t}" for t in buckets)
            reasons.append(f"resource '{resource_id}' lacks {parts}")
    return reasons
