// Re-plan after a disruption (breakdown, rush order, scrapped lot): Replan, what moved and why, accept or discard.
"use strict";

// ---------------------------------------------------------------------------------------------- re-plan

// Where the service's field violations of a Replan request (disruptions[0].rush_order.quantity) are shown in the form.
const REPLAN_FIELDS = {"machine_breakdown.machine_id": "machine", "machine_breakdown.start": "from",
  "machine_breakdown.expected_repair_end": "hours", "rush_order.id": "id", "rush_order.product_id": "product",
  "rush_order.quantity": "quantity", "rush_order.due_time": "due", "rush_order.weight": "weight",
  "rush_order.customer": "customer", "scrapped_lot.order_id": "order", "scrapped_lot.scrapped_quantity": "scrapped"};

function replanBlock(ctx) {
  const kinds = ["breakdown", "rush_order", "scrapped_lot"];
  const kindSelect = h("select", {id: "disruption-kind"}, kinds.map((k) => h("option", {value: k}, T(`event_${k}`))));
  const fields = h("div", {class: "form-grid", id: "disruption-fields"});
  const start = Date.parse(ctx.plan.planStart || new Date().toISOString());
  const orders = (ctx.request.orders || []);
  const renderFields = () => {
    const k = kindSelect.value;
    const inputs = k === "breakdown" ? deltaForm(ctx, "machine_down")
      : k === "rush_order" ? deltaForm(ctx, "rush_order")
      : [h("label", {}, T("order"), h("select", {name: "order"}, orders.map((o) => h("option", {value: o.id}, o.id)))),
         h("label", {}, T("scrapped_units"), h("input", {type: "number", name: "scrapped", value: "5"}))];
    // a breakdown says when it happened; a rush order or a scrapped lot is re-planned from the time given here
    const at = k === "breakdown" ? null
      : h("label", {}, T("replan_at"), h("input", {type: "datetime-local", name: "replan_at", value: toLocalInput(start + 86400e3, ctx.offsetMs)}));
    fields.replaceChildren(...inputs, ...(at ? [at] : []));
    const from = fields.querySelector("[name=from]");
    if (from) from.value = toLocalInput(start + 86400e3, ctx.offsetMs);
  };
  kindSelect.addEventListener("change", renderFields);
  renderFields();
  const frozen = h("input", {id: "frozen-window", type: "number", value: "60", min: "0"});
  const limit = h("input", {id: "replan-time-limit", type: "number", min: "1",
                            value: String(secondsOf(ctx.request.options && ctx.request.options.timeLimit) || 10)});
  const output = h("div", {id: "replan-result"});
  const run = h("button", {id: "run-replan", onclick: async () => {
    const k = kindSelect.value, v = (n) => fields.querySelector(`[name=${n}]`).value;
    let disruption;
    if (k === "breakdown") {
      const from = Date.parse(fromLocalInput(v("from"), ctx.offsetMs));
      disruption = {machineBreakdown: {machineId: v("machine"), start: new Date(from).toISOString(),
                                       expectedRepairEnd: new Date(from + parseFloat(v("hours")) * 3600e3).toISOString()}};
    } else if (k === "rush_order") {
      disruption = {rushOrder: readDelta("rush_order", fields, ctx.offsetMs).addOrder};
    } else {
      disruption = {scrappedLot: {orderId: v("order"), scrappedQuantity: String(parseInt(v("scrapped"), 10))}};
    }
    clearFieldErrors(fields);
    const progress = progressBox(T("replanning"));
    output.replaceChildren(progress.box);
    try {
      const result = await api("POST", `/api/plans/${ctx.planId}/replan`, {disruptions: [disruption], frozen_window_min: parseFloat(frozen.value),
        time_limit_s: parseFloat(limit.value), replan_time: k === "breakdown" ? undefined : fromLocalInput(v("replan_at"), ctx.offsetMs)});
      output.replaceChildren(replanResult(ctx, result));
    } catch (error) {
      output.replaceChildren(errorBox(error));
      markFields(fields, error.violations, REPLAN_FIELDS);
    } finally { progress.done(); }
  }}, T("run_replan"));
  return h("div", {}, h("div", {class: "form-grid"}, h("label", {}, T("event"), kindSelect), h("label", {}, T("frozen_window_min"), frozen),
                                            h("label", {}, T("time_limit_s"), limit)),
           fields, h("p", {}, run), output);
}

function replanResult(ctx, result) {
  const fmt = ctx.fmt, changes = result.changes || [];
  const rows = changes.slice(0, 200).map((c) => [c.orderId, c.operationId, T(`change_${c.change}`) || c.change,
    c.oldMachineId === c.newMachineId || !c.newMachineId ? (c.oldMachineId || c.newMachineId || "") : `${c.oldMachineId || "–"} → ${c.newMachineId || "–"}`,
    c.oldStart ? fmt(Date.parse(c.oldStart)) : "–", c.newStart ? fmt(Date.parse(c.newStart)) : "–", c.reason || ""]);
  const accept = h("button", {id: "accept-replan", onclick: () => { location.hash = `#/plan/${result.planId}`; }}, T("accept"));
  const discard = h("button", {class: "secondary", id: "discard-replan", onclick: async () => {
    await api("DELETE", `/api/plans/${result.planId}`);
    discard.closest("#replan-result").replaceChildren(h("p", {class: "muted"}, T("replan_discarded")));
  }}, T("discard"));
  return h("div", {id: "replan-outcome"},
    h("p", {class: "summary"}, result.summary || ""),
    h("p", {}, T("unchanged_ops", {n: result.unchangedOperations || 0, changed: changes.length})),
    kpiTable([[T("before"), ctx.plan.kpis || {}], [T("after"), (result.plan || {}).kpis || {}]]),
    changes.length ? table([T("order"), T("operation"), T("change"), T("machine"), T("old_start"), T("new_start"), T("why")], rows, {id: "changes-table"}) : null,
    (result.maintenanceChanges || []).length ? table([T("machine"), T("change"), T("why")], result.maintenanceChanges.map((m) => [m.machineId, m.change, m.reason])) : null,
    h("p", {class: "actions"}, accept, " ", discard));
}

