// What-if on a plan: scenario forms (ScenarioDelta JSON), CompareScenarios side by side, keep or discard a scenario,
// a typed fix applied in one click, and the service level as a plan option solved again. Uses app.js's helpers.
"use strict";

// ---------------------------------------------------------------------------------------------- what-if

const DELTA_KINDS = ["rush_order", "machine_down", "overtime", "demand_change", "quantity_change", "due_date_change",
                     "cancel_order", "assign_machine", "risk_policy"];

// A request cannot hold extra working time on given days (calendars are weekly patterns): a scenario with it stays a
// stored comparison. Every other change, an operation pinned to a machine included, can be kept as a new plan.
const NOT_KEEPABLE = ["extraWorkingTime", "extraResourceCapacity"];

function deltaForm(ctx, kind) {
  const {factory, request, offsetMs} = ctx;
  const start = Date.parse((ctx.plan.planStart) || new Date().toISOString());
  const machineSelect = () => h("select", {name: "machine"}, (factory.machines || []).map((m) => h("option", {value: m.id}, m.id)));
  const orderSelect = () => h("select", {name: "order"}, (request.orders || []).map((o) => h("option", {value: o.id}, o.id)));
  const productSelect = (all) => h("select", {name: "product"}, all ? h("option", {value: ""}, T("all_products")) : null,
                                   (factory.products || []).map((p) => h("option", {value: p.id}, p.id)));
  const when = (name, ms) => h("input", {type: "datetime-local", name, value: toLocalInput(ms, offsetMs)});
  const num = (name, value, step) => h("input", {type: "number", name, value, step: step || "1"});
  const fields = {
    rush_order: () => [[T("order"), h("input", {name: "id", value: "RUSH-1"})], [T("product"), productSelect(false)],
                       [T("quantity"), num("quantity", 20)], [T("due"), when("due", start + 2 * 86400e3)],
                       [T("customer"), h("input", {name: "customer", value: ""})], [T("weight"), num("weight", 5, "0.1")]],
    machine_down: () => [[T("machine"), machineSelect()], [T("from"), when("from", start + 86400e3)], [T("hours_for"), num("hours", 8, "0.5")]],
    overtime: () => [[T("machine"), machineSelect()], [T("from"), when("from", start + 86400e3 - 4 * 3600e3)], [T("hours_for"), num("hours", 4, "0.5")],
                     [T("on_days"), num("days", 1)]],
    demand_change: () => [[T("product"), productSelect(true)], [T("percent"), num("percent", 20)]],
    quantity_change: () => [[T("order"), orderSelect()], [T("quantity"), num("quantity", 10)]],
    due_date_change: () => [[T("order"), orderSelect()], [T("due"), when("due", start + 3 * 86400e3)]],
    cancel_order: () => [[T("order"), orderSelect()]],
    assign_machine: () => assignFields(ctx),
    risk_policy: () => [[T("policy"), h("select", {name: "policy"}, ["RISK_POLICY_UNSPECIFIED", "RISK_POLICY_EXPECTED_CAPACITY",
      "RISK_POLICY_CHANCE_RESERVE", "RISK_POLICY_PREVENTIVE_MAINTENANCE", "RISK_POLICY_RISK_PENALTY"].map((p) => h("option", {value: p}, T(p))))]],
  };
  return fields[kind]().map(([label, input]) => h("label", {}, label, input));
}

function readDelta(kind, form, offsetMs) {
  const v = (name) => form.querySelector(`[name=${name}]`).value;
  const window = (name) => { const from = Date.parse(fromLocalInput(v("from"), offsetMs));
    return {start: new Date(from).toISOString(), end: new Date(from + parseFloat(v("hours")) * 3600e3).toISOString(), reason: name}; };
  switch (kind) {
    case "rush_order": return {addOrder: {id: v("id"), productId: v("product"), quantity: String(parseInt(v("quantity"), 10)),
      dueTime: fromLocalInput(v("due"), offsetMs), customer: v("customer"), weight: parseFloat(v("weight"))}};
    case "machine_down": return {machineDown: {machineId: v("machine"), window: window(T("machine_down"))}};
    case "overtime": {  // the same hours on `days` consecutive days: a night shift for a week is seven windows
      const one = window(T("overtime")), day = 86400e3;
      return Array.from({length: Math.max(1, parseInt(v("days"), 10) || 1)}, (_, i) => ({extraWorkingTime: {machineId: v("machine"),
        window: {...one, start: new Date(Date.parse(one.start) + i * day).toISOString(), end: new Date(Date.parse(one.end) + i * day).toISOString()}}}));
    }
    case "demand_change": return {demandScale: {productId: v("product"), factor: 1 + parseFloat(v("percent")) / 100}};
    case "quantity_change": return {changeQuantity: {orderId: v("order"), quantity: String(parseInt(v("quantity"), 10))}};
    case "due_date_change": return {changeDueDate: {orderId: v("order"), newDueTime: fromLocalInput(v("due"), offsetMs)}};
    case "cancel_order": return {cancelOrderId: v("order")};
    case "assign_machine": return {assignMachine: {orderId: v("order"), operationId: v("operation"), machineId: v("machine")}};
    case "risk_policy": return {riskPolicy: v("policy")};
  }
  return null;
}

// "Run it on another machine": the order, one operation of its product's routing and one of that operation's machines.
function assignFields(ctx) {
  const orders = ctx.request.orders || [], products = ctx.factory.products || [];
  const order = h("select", {name: "order"}, orders.map((o) => h("option", {value: o.id}, o.id)));
  const operation = h("select", {name: "operation"}), machine = h("select", {name: "machine"});
  const routing = () => ((products.find((p) => p.id === (orders.find((o) => o.id === order.value) || {}).productId) || {}).routing || []);
  const fillMachines = () => {
    const op = routing().find((x) => x.id === operation.value) || {};
    machine.replaceChildren(...(op.eligibleMachines || []).map((m) => h("option", {value: m.machineId}, m.machineId)));
  };
  const fillOperations = () => {
    operation.replaceChildren(...routing().map((x) => h("option", {value: x.id}, `${x.id} ${x.name || ""}`)));
    fillMachines();
  };
  order.addEventListener("change", fillOperations);
  operation.addEventListener("change", fillMachines);
  fillOperations();
  return [[T("order"), order], [T("operation"), operation], [T("machine"), machine]];
}

function describeDelta(d) {
  const key = Object.keys(d)[0], value = d[key];
  if (typeof value !== "object") return `${T(`delta_${key}`)}: ${value}`;
  const parts = Object.entries(value).map(([k, x]) => (typeof x === "object" ? `${k} ${x.start || ""}…${x.end || ""}` : `${k} ${x}`));
  return `${T(`delta_${key}`)}: ${parts.join(", ")}`;
}

function whatIf(ctx) {
  const scenarios = [];
  const list = h("ol", {id: "scenario-list"});
  const output = h("div", {id: "whatif-result"});
  const kindSelect = h("select", {id: "delta-kind"}, DELTA_KINDS.map((k) => h("option", {value: k}, T(`form_${k}`))));
  const fields = h("div", {class: "form-grid", id: "delta-fields"});
  const nameInput = h("input", {id: "scenario-name", value: T("scenario") + " 1"});
  const timeLimit = h("input", {id: "whatif-time-limit", type: "number", min: "1", value: String(secondsOf(ctx.request.options && ctx.request.options.timeLimit) || 5)});
  const pending = [];
  const pendingList = h("ul", {id: "pending-deltas"});
  const renderFields = () => fields.replaceChildren(...deltaForm(ctx, kindSelect.value));
  kindSelect.addEventListener("change", renderFields);
  renderFields();
  // violations of a refused comparison stand next to the change they name (scenarios[i].deltas[j]...); a change can
  // be removed and the scenario run again
  const renderLists = (violations) => {
    pendingList.replaceChildren(...pending.map((d) => h("li", {}, describeDelta(d))));
    list.replaceChildren(...scenarios.map((s, i) => h("li", {class: "scenario"}, h("strong", {}, s.name),
      violationsAt(violations, `scenarios[${i}].name`),
      h("ul", {}, s.deltas.map((d, j) => {
        const own = violationsAt(violations, `scenarios[${i}].deltas[${j}]`);
        return h("li", {class: own.length ? "invalid delta" : "delta"}, describeDelta(d), " ",
          h("button", {class: "small secondary remove-delta", title: T("remove"), onclick: () => {
            s.deltas.splice(j, 1);
            if (!s.deltas.length) scenarios.splice(i, 1);
            renderLists();
          }}, "×"), own);
      })))));
  };
  const add = h("button", {id: "add-delta", class: "secondary", onclick: () => { pending.push(...[readDelta(kindSelect.value, fields, ctx.offsetMs)].flat()); renderLists(); }}, T("add_change"));
  const addScenario = h("button", {id: "add-scenario", class: "secondary", onclick: () => {
    if (!pending.length) return;
    scenarios.push({name: nameInput.value || `${T("scenario")} ${scenarios.length + 1}`, deltas: pending.splice(0)});
    nameInput.value = `${T("scenario")} ${scenarios.length + 1}`;
    renderLists();
  }}, T("add_scenario"));
  const run = h("button", {id: "run-compare", onclick: async () => {
    if (pending.length) addScenario.click();
    if (!scenarios.length) return;
    const taken = scenarios.splice(0);
    const error = await runComparison(ctx, taken, output, parseFloat(timeLimit.value));
    if (error && (error.violations || []).length) scenarios.push(...taken);  // keep them to correct
    renderLists(error && error.violations);
  }}, T("run_compare"));
  ctx.whatIf = {kindSelect, fields, renderFields, pending, renderLists, nameInput, output, run, timeLimit};
  return h("div", {},
    h("div", {class: "form-grid"}, h("label", {}, T("change_kind"), kindSelect), h("label", {}, T("scenario_name"), nameInput),
      h("label", {}, T("time_limit_s"), timeLimit)),
    fields, h("p", {class: "actions"}, add, addScenario, run),
    h("div", {class: "columns"}, h("div", {}, h("h3", {}, T("changes")), pendingList), h("div", {}, h("h3", {}, T("scenarios")), list)),
    output, serviceLevelBlock(ctx));
}

// The violations whose field starts with `prefix`, each as a line naming the rest of the field path.
function violationsAt(violations, prefix) {
  return (violations || []).filter((v) => v.field === prefix || (v.field || "").startsWith(`${prefix}.`))
    .map((v) => h("div", {class: "violation"}, h("code", {}, v.field), " ", v.description));
}

// The service level is a plan option, not a scenario change (CompareScenarios has no delta for it): the plan's request
// is solved again with the new level as a new stored plan, compared with this one, then opened or discarded.
function serviceLevelBlock(ctx) {
  const request = ctx.request, current = (request.options || {}).serviceLevel || 0.9;
  const input = h("input", {id: "service-level", name: "service_level", type: "number", min: "0.5", max: "0.999", step: "0.01",
                            value: Math.min(0.99, current + 0.05).toFixed(2)});
  const field = h("label", {}, T("service_level"), input);
  const forecasts = (request.demandForecasts || []).length || (request.plantData && request.plantData.demand);
  const output = h("div", {id: "service-level-result"});
  const run = h("button", {id: "run-service-level", class: "secondary", onclick: async () => {
    clearFieldErrors(field.parentNode);
    const level = parseFloat(input.value), progress = progressBox(T("solving"));
    output.replaceChildren(progress.box);
    try {
      const result = await streamed(`/api/plans/${ctx.planId}/keep`, {deltas: [], service_level: level, locale: state.locale,
        time_limit_s: parseFloat(ctx.whatIf.timeLimit.value)}, progress.update);
      const open = h("button", {id: "open-service-level", onclick: () => { location.hash = `#/plan/${result.planId}`; }}, T("open_plan"));
      const discard = h("button", {class: "secondary", onclick: async () => {
        await api("DELETE", `/api/plans/${result.planId}`);
        output.replaceChildren(h("p", {class: "muted"}, T("discarded", {name: `${T("service_level")} ${pct(level)}`})));
      }}, T("discard"));
      output.replaceChildren(kpiTable([[`${T("this_plan")} (${pct(current)})`, ctx.plan.kpis || {}],
                                       [`${T("service_level")} ${pct(level)}`, result.kpis || {}]]),
                             h("p", {class: "actions"}, open, " ", discard));
    } catch (error) {
      output.replaceChildren(errorBox(error));
      markFields(field.parentNode, error.violations, {service_level: "service_level", "options.service_level": "service_level"});
    } finally { progress.done(); }
  }}, T("solve_service_level"));
  return h("div", {class: "service-level", id: "service-level-form"}, h("h3", {}, T("form_service_level")),
    h("p", {class: "muted"}, T("service_level_help", {current: pct(current)})),
    forecasts ? null : h("p", {class: "note", id: "service-level-note"}, T("service_level_no_forecasts")),
    h("div", {class: "form-grid"}, field), h("p", {}, run), output);
}

// Without a typed fix: open the what-if form with what the explanation names (its machine gets overtime).
function prefillWhatIf(ctx, e) {
  const w = ctx.whatIf;
  w.kindSelect.value = e.machineId ? "overtime" : "due_date_change";
  w.renderFields();
  const machine = w.fields.querySelector("[name=machine]");
  if (machine && e.machineId) machine.value = e.machineId;
  const from = w.fields.querySelector("[name=from]");
  if (from && w.kindSelect.value === "overtime") {  // a night shift from 22:00 (plant time) on the first plan day
    const day = Date.parse(ctx.plan.planStart) + ctx.offsetMs;
    from.value = toLocalInput(day - (day % 86400e3) + 22 * 3600e3 - ctx.offsetMs, ctx.offsetMs);
    w.fields.querySelector("[name=hours]").value = "8";
  }
  const order = w.fields.querySelector("[name=order]");
  if (order) order.value = e.orderId;
  w.nameInput.value = `${T("fix_for")} ${e.orderId}`;
  w.output.replaceChildren(h("p", {class: "note"}, T("fix_text_only", {fix: e.fix || ""})));
  document.getElementById("whatif").scrollIntoView();
}

async function tryScenario(ctx, name, deltas) {
  document.getElementById("whatif").scrollIntoView();
  await runComparison(ctx, [{name, deltas}], ctx.whatIf.output, parseFloat(ctx.whatIf.timeLimit.value));
}

// CompareScenarios against the plan; returns the error when the service refused it (null otherwise).
async function runComparison(ctx, scenarios, output, limit) {
  const progress = progressBox(T("comparing", {n: scenarios.length + 1}));
  output.replaceChildren(progress.box);
  try {
    const comparison = await api("POST", `/api/plans/${ctx.planId}/compare`, {scenarios, time_limit_s: limit, locale: state.locale});
    output.replaceChildren(comparisonBlock(ctx, comparison, scenarios, limit));
    return null;
  } catch (error) {
    output.replaceChildren(errorBox(error));
    return error;
  } finally { progress.done(); }
}

function comparisonBlock(ctx, comparison, scenarios, limit) {
  const results = comparison.results || [];
  const deltasOf = Object.fromEntries((scenarios || []).map((s) => [s.name, s.deltas]));
  const head = results.map((r) => (r.name === "base" ? T("base") : r.name));
  const rows = KPI_ROWS.map(([key, value]) => [T(key), ...results.map((r) => value(r.kpis || {}))]);
  rows.push([T("status"), ...results.map((r) => T(r.status) || r.status)]);
  rows.push([T("bottleneck"), ...results.map((r) => `${r.bottleneckMachineId || ""} ${pct(r.bottleneckUtilization)}`)]);
  const details = results.slice(1).map((r) => h("div", {class: "scenario-result", "data-scenario": r.name},
    h("h3", {}, r.name),
    h("p", {}, h("strong", {}, `${T("became_late")}: `), (r.ordersBecameLate || []).join(", ") || "–"),
    h("p", {}, h("strong", {}, `${T("became_on_time")}: `), (r.ordersBecameOnTime || []).join(", ") || "–"),
    (r.loadChanges || []).length ? table([T("machine"), T("load_change")], r.loadChanges.map((c) => [c.machineId, hoursText(c.busyTimeChange)])) : null,
    (r.infeasibilityReasons || []).length ? h("ul", {}, r.infeasibilityReasons.map((x) => h("li", {}, x))) : null,
    r.plan ? h("details", {}, h("summary", {}, T("scenario_gantt")), ganttBlock(ctx, r.plan)) : null,
    deltasOf[r.name] ? keepOrDiscard(ctx, r.name, deltasOf[r.name], limit, comparison.comparisonId) : null));
  return h("div", {id: "comparison-result"},
    h("p", {class: "muted"}, `${T("comparison")} ${(comparison.comparisonId || "").slice(0, 8)}`),
    table([T("kpi"), ...head], rows, {class: "kpi-table", id: "compare-table"}), ...details);
}

function keepOrDiscard(ctx, name, deltas, limit, comparisonId) {
  const area = h("div", {class: "keep-area"});
  const discard = h("button", {class: "secondary discard-scenario", onclick: () => {
    area.closest(".scenario-result").replaceChildren(h("p", {class: "muted"}, T("discarded", {name})));
  }}, T("discard"));
  const blocking = deltas.filter((d) => NOT_KEEPABLE.some((k) => k in d));
  if (blocking.length) {  // say so before anyone clicks: this scenario can only stay a stored comparison
    area.append(h("p", {class: "note cannot-keep"}, T("cannot_keep", {changes: blocking.map(describeDelta).join("; ")}), " ",
      comparisonId ? h("a", {href: `#/plan/${comparisonId}`}, T("open_comparison", {id: comparisonId.slice(0, 8)})) : null), discard);
    return area;
  }
  const keep = h("button", {class: "keep-scenario", onclick: async () => {
    const progress = progressBox(T("solving"));
    area.replaceChildren(progress.box);
    try {
      const result = await streamed(`/api/plans/${ctx.planId}/keep`, {deltas, time_limit_s: limit, locale: state.locale}, progress.update);
      location.hash = `#/plan/${result.planId}`;
    } catch (error) { area.replaceChildren(errorBox(error), discard); } finally { progress.done(); }
  }}, T("keep"));
  area.append(keep, " ", discard);
  return area;
}

