// The planners' console: a single page over the console's JSON API (itself a gRPC client of prodplan).
// Routes: #/ plans, #/import new plan from Excel/CSV, #/plan/<id> a plan with what-if, fixes and re-plan.
"use strict";

const state = {locale: localStorage.getItem("locale") || "en", t: {}, draft: null};
const $ = (sel, root) => (root || document).querySelector(sel);
// replaceChildren without the empty parts (null, false) that conditional sections leave
const fill = (el, ...children) => el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));

// ---------------------------------------------------------------------------------------------- helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "html") el.innerHTML = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const T = (key, vars) => {
  let text = state.t[key] || key;
  for (const [k, v] of Object.entries(vars || {})) text = text.replace(`{${k}}`, v);
  return text;
};

class ApiError extends Error {
  constructor(body) { super(body.error.message); this.code = body.error.code; this.violations = body.error.violations || []; }
}

async function api(method, path, body) {
  const response = await fetch(path, {method, headers: body ? {"content-type": "application/json"} : {},
                                      body: body ? JSON.stringify(body) : undefined});
  const data = await response.json();
  if (!response.ok) throw new ApiError(data);
  return data;
}

// POST returning NDJSON: calls onProgress for each progress line, returns the result line.
async function streamed(path, body, onProgress) {
  const response = await fetch(path, {method: "POST", headers: {"content-type": "application/json"},
                                      body: JSON.stringify(body)});
  if (!response.headers.get("content-type").includes("ndjson")) throw new ApiError(await response.json());
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", result = null;
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (line.progress) onProgress(line.progress);
      if (line.error) throw new ApiError(line);
      if (line.result) result = line.result;
    }
  }
  return result;
}

const secondsOf = (d) => (d ? parseFloat(String(d).replace("s", "")) : 0);
const minutes = (d) => Math.round(secondsOf(d) / 60);
const pct = (x) => `${((x || 0) * 100).toFixed(1)} %`;
function hoursText(d) {
  const m = minutes(d);
  return m >= 120 ? `${(m / 60).toFixed(1)} ${T("hours")}` : `${m} ${T("min")}`;
}

// Plant local time: offsetMs from the factory's utcOffset.
function formatter(offsetMs) {
  const days = (state.t.weekdays || "Sun,Mon,Tue,Wed,Thu,Fri,Sat").split(",");
  return (ms) => {
    const d = new Date(ms + offsetMs);
    const two = (n) => String(n).padStart(2, "0");
    return `${days[d.getUTCDay()]} ${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  };
}
function toLocalInput(ms, offsetMs) { return new Date(ms + offsetMs).toISOString().slice(0, 16); }
function fromLocalInput(value, offsetMs) { return new Date(Date.parse(value + ":00Z") - offsetMs).toISOString(); }

function errorBox(error) {
  const box = h("div", {class: "error", role: "alert"}, h("strong", {}, `${T("error")}: `),
                error.code ? `${error.code} – ` : "", error.message);
  if (error.violations && error.violations.length) {
    box.append(h("ul", {class: "violations"},
                 error.violations.map((v) => h("li", {}, h("code", {}, v.field || "–"), " ", v.description))));
  }
  return box;
}

// Each violation next to the form field it names: `names` maps a field path, or how a path ends (`rush_order.quantity`),
// to the name of an input inside `container`. The error box above keeps the whole list.
function markFields(container, violations, names) {
  const keys = Object.keys(names).sort((a, b) => b.length - a.length);
  for (const v of violations || []) {
    const path = v.field || "", key = keys.find((k) => path === k || path.endsWith(`.${k}`));
    const input = key ? container.querySelector(`[name="${names[key]}"]`) : null;
    if (!input) continue;
    const label = input.closest("label") || input.parentNode;
    label.classList.add("field-error");
    label.append(h("div", {class: "violation"}, v.description));
  }
}

function clearFieldErrors(container) {
  container.querySelectorAll(".field-error").forEach((el) => el.classList.remove("field-error"));
  container.querySelectorAll("label > .violation").forEach((el) => el.remove());
}

function table(headers, rows, attrs) {
  return h("table", attrs || {}, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
           h("tbody", {}, rows.map((r) => (r instanceof Node ? r : h("tr", {}, r.map((c) => h("td", {}, c)))))));
}

function progressBox(label) {
  const started = Date.now();
  const text = h("span", {class: "progress-text"}, label);
  const detail = h("span", {class: "progress-detail"});
  const box = h("div", {class: "progress", role: "status"}, h("span", {class: "spinner"}), text, " ", detail);
  const timer = setInterval(() => { text.textContent = `${label} ${((Date.now() - started) / 1000).toFixed(0)} s`; }, 500);
  return {box, done: () => clearInterval(timer),
          update: (p) => { detail.textContent = T("progress_line", {objective: Math.round(p.objective || 0),
                                                                    gap: pct(p.gap), elapsed: secondsOf(p.elapsed).toFixed(1)}); }};
}

// ---------------------------------------------------------------------------------------------- shell

async function loadStrings() {
  state.t = await api("GET", `/api/i18n/${state.locale}`);
  document.documentElement.lang = state.locale;
  document.title = T("title");
  $("#brand").textContent = T("title");
  $("#nav-plans").textContent = T("plans");
  $("#nav-import").textContent = T("import_new");
  $("#locale").value = state.locale;
}

let routeSeq = 0;

// Each page renders into a detached element that replaces the page only if no later navigation started meanwhile
// (a slow plan list must not overwrite the import page the planner already opened).
async function route() {
  const main = $("#main"), view = h("div", {class: "view"}), token = ++routeSeq;
  const [, page, id] = location.hash.split("/");
  main.replaceChildren(h("p", {class: "muted"}, T("loading")));
  try {
    if (page === "plan" && id) await renderPlan(view, decodeURIComponent(id));
    else if (page === "import") await renderImport(view);
    else await renderPlans(view);
  } catch (error) {
    view.replaceChildren(errorBox(error));
  }
  if (token === routeSeq) main.replaceChildren(...view.childNodes);
}

// ---------------------------------------------------------------------------------------------- plans list

async function renderPlans(main) {
  const listed = await api("GET", "/api/plans");
  const plans = listed.plans || [];
  const rows = plans.map((p) => h("tr", {},
    h("td", {}, h("a", {href: `#/plan/${p.planId}`, class: "plan-link"}, p.planId.slice(0, 8))),
    h("td", {}, T(`kind_${p.kind}`)), h("td", {}, T(p.status) || p.status),
    h("td", {}, new Date(p.createTime).toLocaleString(state.locale === "ko" ? "ko-KR" : "en-GB")),
    h("td", {}, p.orders || 0), h("td", {}, pct(p.onTimeRate)), h("td", {}, Math.round(p.objective || 0)),
    h("td", {}, p.parentPlanId ? h("a", {href: `#/plan/${p.parentPlanId}`}, p.parentPlanId.slice(0, 8)) : "")));
  fill(main,
    h("h1", {}, T("plans")),
    h("p", {}, h("a", {href: "#/import", class: "button"}, T("import_new"))),
    plans.length ? table([T("plan"), T("kind"), T("status"), T("created"), T("orders"), T("on_time_rate"),
                          T("objective"), T("parent")], rows, {id: "plans-table"})
                 : h("p", {class: "muted"}, T("no_plans")));
}

// ---------------------------------------------------------------------------------------------- import

async function renderImport(main) {
  const listed = await api("GET", "/api/plans?kind=plan");
  const bases = listed.plans || [];
  const draft = state.draft = {basePlanId: bases.length ? bases[0].planId : "", factory: null, orders: [], rows: {}};
  const baseSelect = h("select", {id: "base-plan"}, bases.map((p) => h("option", {value: p.planId},
    `${p.planId.slice(0, 8)} (${p.orders} ${T("orders")})`)));
  const problems = h("div", {id: "import-problems"});
  const preview = h("div", {id: "orders-preview"});
  const solve = h("div", {id: "solve-area"});
  const timeLimit = h("input", {id: "time-limit", type: "number", min: "1", max: "600", value: "5"});
  const verifyFixes = h("input", {id: "verify-fixes", type: "number", min: "0", max: "300", value: "0"});
  const createButton = h("button", {id: "create-plan", disabled: true}, T("create_plan"));

  async function upload(kind, input) {
    const file = input.files[0];
    if (!file) return;
    problems.replaceChildren();
    const query = new URLSearchParams({kind, filename: file.name});
    if (draft.factory) query.set("utc_offset_s", String(secondsOf(draft.factory.utcOffset)));
    else if (draft.basePlanId) query.set("base_plan_id", draft.basePlanId);
    if (kind === "master" && draft.basePlanId) query.set("base_plan_id", draft.basePlanId);
    const response = await fetch(`/api/import?${query}`, {method: "POST", body: await file.arrayBuffer()});
    const data = await response.json();
    if (!response.ok) { problems.replaceChildren(errorBox(new ApiError(data))); return; }
    if (data.problems.length) {
      problems.replaceChildren(h("h3", {}, T("row_problems", {n: data.problems.length})),
        table([T("sheet"), T("row"), T("column"), T("problem")],
              data.problems.map((p) => [p.sheet, p.row || "", p.column, p.message]), {id: "problems-table"}));
    }
    if (kind === "master") {
      if (!data.problems.length) { draft.factory = data.factory; problems.replaceChildren(h("p", {class: "ok"}, T("master_loaded", {machines: (data.factory.machines || []).length, products: (data.factory.products || []).length}))); }
    } else {
      draft.orders = data.orders; draft.rows = data.rows;
      renderPreview();
    }
    createButton.disabled = !(draft.orders.length && (draft.factory || draft.basePlanId));
  }

  function renderPreview(violations) {
    const byRow = {};
    for (const v of violations || []) {
      const m = /^orders\[(\d+)\]\.?(\w*)/.exec(v.field);
      if (m) (byRow[m[1]] = byRow[m[1]] || []).push(v);
    }
    const columns = ["id", "productId", "quantity", "dueTime", "releaseTime", "customer"];
    const rows = draft.orders.map((o, i) => {
      const problems = byRow[i] || [];
      return h("tr", {class: problems.length ? "invalid" : ""},
        h("td", {}, draft.rows[o.id] || ""),
        columns.map((c) => {
          const hit = problems.filter((v) => v.field.endsWith(`.${snake(c)}`) || (c === "id" && v.field === `orders[${i}]`));
          return h("td", {class: hit.length ? "field-error" : ""}, o[c] === undefined ? "" : String(o[c]),
                   hit.map((v) => h("div", {class: "violation"}, v.description)));
        }));
    });
    preview.replaceChildren(h("h3", {}, T("orders_read", {n: draft.orders.length})),
      table([T("row"), T("order"), T("product"), T("quantity"), T("due"), T("release"), T("customer")], rows,
            {id: "preview-table"}));
  }

  createButton.addEventListener("click", async () => {
    createButton.disabled = true;
    let factory = draft.factory, options = {timeLimit: `${timeLimit.value}s`, numWorkers: 2};
    if (parseFloat(verifyFixes.value) > 0) options.verifyFixesTime = `${verifyFixes.value}s`;
    if (!factory || draft.basePlanId) {
      const base = await api("GET", `/api/plans/${draft.basePlanId}`);
      factory = factory || base.request.factory;
      options = {...base.request.options, ...options};
      delete options.planStart;  // the new orders decide where the plan starts
      delete options.horizon;
    }
    const progress = progressBox(T("solving"));
    solve.replaceChildren(progress.box);
    try {
      const result = await streamed("/api/plans", {request: {factory, orders: draft.orders, options},
                                                  locale: state.locale}, progress.update);
      location.hash = `#/plan/${result.planId}`;
    } catch (error) {
      solve.replaceChildren(errorBox(error));
      renderPreview(error.violations);
    } finally { progress.done(); createButton.disabled = false; }
  });

  baseSelect.addEventListener("change", () => { draft.basePlanId = baseSelect.value; });
  const ordersInput = h("input", {type: "file", id: "orders-file", accept: ".xlsx,.csv",
                                  onchange: (e) => upload("orders", e.target)});
  const masterInput = h("input", {type: "file", id: "master-file", accept: ".xlsx,.csv",
                                  onchange: (e) => upload("master", e.target)});
  fill(main,
    h("h1", {}, T("import_new")),
    h("p", {class: "muted"}, T("import_help")),
    h("div", {class: "form-grid"},
      h("label", {}, T("master_from_plan"), baseSelect),
      h("label", {}, T("master_file"), masterInput),
      h("label", {}, T("orders_file"), ordersInput),
      h("label", {}, T("time_limit_s"), timeLimit),
      h("label", {}, T("verify_fixes_s"), verifyFixes)),
    bases.length ? h("p", {}, T("templates"), " ",
      h("a", {href: `/api/plans/${bases[0].planId}/export/orders`}, T("orders_template")), " · ",
      h("a", {href: `/api/plans/${bases[0].planId}/export/master`}, T("master_template"))) : null,
    problems, preview, h("p", {}, createButton), solve);
}

function snake(name) { return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/^id$/, "id"); }

// ---------------------------------------------------------------------------------------------- a plan

async function renderPlan(main, planId) {
  const stored = await api("GET", `/api/plans/${planId}`);
  const plan = stored.plan || {}, request = stored.request || {};
  const factory = request.factory || {};
  const offsetMs = secondsOf(factory.utcOffset) * 1000;
  const fmt = formatter(offsetMs);
  const ctx = {planId, stored, plan, request, factory, offsetMs, fmt};
  const status = plan.status || "";
  fill(main,
    h("h1", {}, `${T(`kind_${stored.kind}`)} ${planId.slice(0, 8)}`, " ",
      h("span", {class: `badge ${status}`}, T(status) || status)),
    h("p", {class: "muted"}, `${factory.name || ""} · ${T("created")} ${new Date(stored.createTime).toLocaleString()}`,
      stored.parentPlanId ? h("span", {}, ` · ${T("parent")} `, h("a", {href: `#/plan/${stored.parentPlanId}`}, stored.parentPlanId.slice(0, 8))) : ""),
    h("p", {class: "actions"},
      h("a", {class: "button", id: "export-dispatch", href: `/api/plans/${planId}/export/dispatch`}, T("export_dispatch")),
      h("a", {class: "button secondary", href: `/api/plans/${planId}/export/orders`}, T("export_orders")),
      h("a", {class: "button secondary", href: `/api/plans/${planId}/export/master`}, T("export_master"))),
    (plan.infeasibilityReasons || []).length ? h("div", {class: "error"}, h("ul", {}, plan.infeasibilityReasons.map((r) => h("li", {}, r)))) : null,
    section("kpis", T("kpis"), kpiCards(plan.kpis || {}, plan.statistics)),
    section("gantt", T("gantt"), ganttBlock(ctx, plan)),
    materials(ctx) ? section("materials", T("materials"), materials(ctx)) : null,
    section("late-orders", T("late_orders"), lateOrders(ctx)),
    section("predictions", T("predictions"), predictions(ctx)),
    stored.comparison ? section("comparison", T("comparison"), comparisonBlock(ctx, stored.comparison)) : null,
    stored.kind !== "comparison" ? section("whatif", T("whatif"), whatIf(ctx)) : null,
    stored.kind !== "comparison" ? section("replan", T("replan"), replanBlock(ctx)) : null);
}

function section(id, title, ...content) {
  return h("section", {id}, h("h2", {}, title), ...content);
}

const KPI_ROWS = [
  ["on_time_rate", (k) => pct(k.onTimeRate)], ["late_orders_n", (k) => k.lateOrders || 0],
  ["total_tardiness", (k) => hoursText(k.totalTardiness)],
  ["weighted_tardiness", (k) => Math.round(k.weightedTardinessMinutes || 0)],
  ["makespan", (k) => hoursText(k.makespan)], ["fill_rate", (k) => pct(k.fillRate)],
  ["changeover", (k) => hoursText(k.changeoverTime)], ["defect_rate", (k) => pct(k.expectedDefectRate)],
  ["risk_exposure", (k) => `${(k.riskExposureHours || 0).toFixed(1)} ${T("hours")}`],
  ["cost_total", (k) => Math.round((k.costs || {}).total || 0)],
];

function kpiTable(columns, statistics) {
  const rows = KPI_ROWS.map(([key, value]) => [T(key), ...columns.map(([, k]) => value(k))]);
  if (statistics) rows.push([T("solver"), `${statistics.solver || ""} ${T("objective")} ${Math.round(statistics.objective || 0)}, ${T("gap")} ${pct(statistics.gap)}`]);
  return table([T("kpi"), ...columns.map(([name]) => name)], rows, {class: "kpi-table"});
}

function kpiCards(kpis, statistics) {
  const cards = KPI_ROWS.map(([key, value]) => h("div", {class: "kpi"}, h("div", {class: "kpi-value"}, value(kpis)),
                                                 h("div", {class: "kpi-label"}, T(key))));
  if (statistics) cards.push(h("div", {class: "kpi"}, h("div", {class: "kpi-value"}, `${pct(statistics.gap)}`),
    h("div", {class: "kpi-label"}, `${T("gap")} (${statistics.solver || ""} ${T("objective")} ${Math.round(statistics.objective || 0)})`)));
  return h("div", {class: "kpi-cards"}, cards);
}

function ordersInfo(plan, request) {
  const info = {};
  for (const o of request.orders || []) info[o.id] = {customer: o.customer, productId: o.productId};
  for (const r of plan.orderResults || []) info[r.orderId] = {...(info[r.orderId] || {}), tardinessMin: minutes(r.tardiness)};
  return info;
}

function ganttBlock(ctx, plan) {
  const {factory, offsetMs, fmt} = ctx;
  const holder = h("div", {class: "gantt-holder"});
  const assignments = plan.assignments || [];
  const times = assignments.flatMap((a) => [Date.parse(a.start), Date.parse(a.end)]);
  if (!times.length) return h("p", {class: "muted"}, T("no_assignments"));
  const maintenance = (factory.machines || []).flatMap((m) => (m.maintenanceWindows || []).map((w) => (
    {machineId: m.id, start: Date.parse(w.start), end: Date.parse(w.end), label: `${T("maintenance")} ${w.reason || ""}`})))
    .concat((plan.maintenance || []).map((m) => ({machineId: m.machineId, start: Date.parse(m.start), end: Date.parse(m.end),
                                                  label: `${T("preventive_maintenance")} ${m.reason || ""}`})));
  const select = h("select", {class: "colour-by"}, ["order", "customer", "lateness"].map((c) => h("option", {value: c}, T(`colour_${c}`))));
  let gantt;
  const draw = () => {
    gantt = new window.Gantt(holder, {
      machines: factory.machines || [], calendars: Object.fromEntries((factory.calendars || []).map((c) => [c.id, c])),
      assignments, maintenance, batchLoads: plan.batchLoads || [], start: Math.min(...times) - 3600e3, end: Math.max(...times) + 3600e3, offsetMs,
      colourBy: select.value, orders: ordersInfo(plan, ctx.request), format: fmt,
      policyMachines: new Set((plan.policyActions || []).map((p) => p.machineId).filter(Boolean)),
      resources: factory.resources || [], resourceHolds: plan.resourceHolds || [], materialWaits: waitsOnMachines(plan, factory),
      t: {gantt: T("gantt"), shift: T("shift"), customer: T("customer"), late_by: T("late_by"), policy_marked: T("policy_marked"),
          batch_load: T("batch_load"), resource: T("resource"), resource_held: T("resource_held"), resource_full: T("resource_full"),
          resource_off: T("resource_off"), material_wait: T("material_wait"), recipe_changeover: T("recipe_changeover"),
          recipe_changeover_cost: T("recipe_changeover_cost")}});
  };
  select.addEventListener("change", draw);
  setTimeout(draw, 0);
  return h("div", {},
    h("div", {class: "toolbar"}, h("label", {}, T("colour_by"), " ", select),
      h("button", {class: "small", onclick: () => gantt.zoom(0.7)}, "+"),
      h("button", {class: "small", onclick: () => gantt.zoom(1.4)}, "−"),
      h("button", {class: "small", onclick: () => gantt.pan(200)}, "◀"),
      h("button", {class: "small", onclick: () => gantt.pan(-200)}, "▶"),
      h("button", {class: "small", onclick: () => gantt.reset()}, T("reset")),
      h("span", {class: "muted"}, T("gantt_help"))),
    holder, ganttLegend(plan, factory));
}

// Material waits with the machine their operation ran on (from the assignments) and the wait in ms.
function waitsOnMachines(plan, factory) {
  const machineOf = Object.fromEntries((plan.assignments || []).map((a) => [`${a.orderId}/${a.operationId}`, a.machineId]));
  const units = Object.fromEntries((factory.materials || []).map((m) => [m.id, m.unit || ""]));
  return (plan.materialWaits || []).map((w) => ({...w, machineId: machineOf[`${w.orderId}/${w.operationId}`],
                                                 waitMs: secondsOf(w.wait) * 1000, unit: units[w.materialId] || ""}));
}

// What the chart's marks mean, for the marks this plan has.
function ganttLegend(plan, factory) {
  const item = (cls, key) => h("span", {class: "legend-item"}, h("span", {class: `swatch ${cls}`}), T(key));
  const hasMaintenance = (plan.maintenance || []).length || (factory.machines || []).some((m) => (m.maintenanceWindows || []).length);
  return h("div", {class: "legend muted", id: "gantt-legend"},
    (factory.calendars || []).length ? item("shift", "legend_shift") : null,
    hasMaintenance ? item("maintenance", "maintenance") : null,
    (plan.batchLoads || []).length ? item("batch-load", "batch_load") : null,
    (plan.batchLoads || []).some((load) => load.changeoverFromRecipe) ? h("span", {class: "legend-item"},
      h("span", {class: "swatch recipe-changeover",
                 style: "background: repeating-linear-gradient(-45deg, #efe9f7 0 3px, #5b3f8c 3px 4px)"}),
      T("recipe_changeover")) : null,
    (plan.materialWaits || []).length ? item("material-wait", "material_wait") : null,
    (plan.resourceHolds || []).length ? [item("resource-used", "legend_resource_used"), item("resource-full", "resource_full"),
                                         item("resource-off", "resource_off")] : null);
}

// Materials: operations that waited for stock (what, how much, until when) and, for an infeasible plan, what is short.
function materials(ctx) {
  const {plan, fmt} = ctx;
  const waits = waitsOnMachines(plan, ctx.factory).filter((w) => w.waitMs > 0);
  const shortages = plan.materialShortages || [];
  if (!waits.length && !shortages.length) return null;
  const time = (x) => (x ? fmt(Date.parse(x)) : "–");
  return h("div", {},
    shortages.length ? h("div", {}, h("h3", {}, T("material_shortages")),
      table([T("material"), T("needed"), T("available"), T("shortfall"), T("latest_arrival")],
            shortages.map((m) => [m.materialId, num(m.needed), num(m.available), num(m.shortfall), time(m.latestArrival)]),
            {id: "shortages-table"})) : null,
    waits.length ? h("div", {}, h("h3", {}, T("material_waits", {total: hoursText(plan.materialWaitTotal)})),
      table([T("order"), T("operation"), T("machine"), T("material"), T("quantity"), T("ready"), T("in_stock"), T("start"), T("wait")],
            waits.map((w) => [w.orderId, w.operationId, w.machineId || "", w.materialId, `${num(w.quantity)} ${w.unit}`,
                              time(w.ready), time(w.available), time(w.start), hoursText(w.wait)]), {id: "waits-table"})) : null);
}

const num = (x) => (Math.round((x || 0) * 10) / 10).toLocaleString();

// Typed fixes (LateOrderExplanation.fixes, cheapest first): each a set of ScenarioDelta JSON with its cost and,
// when verified by re-solving, its measured effect.
function typedFixes(e) {
  return (e.fixes || []).filter((f) => (f.changes || []).length);
}

function fixCost(f) {
  const parts = [];
  if (secondsOf(f.extraWorkingTime)) parts.push(`${T("extra_time")} ${hoursText(f.extraWorkingTime)}`);
  if (secondsOf(f.moved)) parts.push(`${T("moved_by")} ${hoursText(f.moved)}`);
  if (f.verified) {
    parts.push(`${T("order_late")} ${hoursText(f.orderLatenessBefore)} → ${hoursText(f.orderLatenessAfter)}`);
    parts.push(`${T("weighted_tardiness")} ${Math.round(f.weightedLatenessBefore || 0)} → ${Math.round(f.weightedLatenessAfter || 0)}`);
    if (f.latenessPushed) parts.push(`${T("pushed")} ${Math.round(f.latenessPushed)}`);
  } else parts.push(T("not_verified"));
  return parts.join(" · ");
}

function lateOrders(ctx) {
  const late = ctx.plan.lateOrders || [];
  if (!late.length) return h("p", {class: "ok"}, T("no_late_orders"));
  const rows = late.map((e) => {
    const fixes = typedFixes(e);
    const offered = fixes.map((f, i) => h("li", {class: "typed-fix"},
      h("strong", {}, T(`fix_${f.kind}`) || f.kind), " ", f.text || "", h("div", {class: "muted"}, fixCost(f)),
      h("button", {class: i === 0 ? "apply-fix" : "secondary apply-other-fix",
                   onclick: () => tryScenario(ctx, `${T("fix_for")} ${e.orderId}: ${T(`fix_${f.kind}`) || f.kind}`, f.changes)},
        T("apply_fix"))));
    return h("tr", {class: "late-order", "data-order": e.orderId},
      h("td", {}, e.orderId), h("td", {}, hoursText(e.lateness)), h("td", {}, e.machineId || ""),
      h("td", {class: "reason"}, e.reason, h("div", {class: "muted"}, e.reasonCode)),
      h("td", {class: "fix"}, fixes.length ? h("ol", {class: "fixes"}, offered[0]) : (e.fix || ""),
        offered.length > 1 ? h("details", {}, h("summary", {}, T("more_fixes", {n: offered.length - 1})),
                               h("ol", {class: "fixes", start: "2"}, offered.slice(1))) : null,
        !fixes.length && e.fixSaves ? h("div", {class: "muted"}, `${T("fix_saves")} ≤ ${hoursText(e.fixSaves)}`) : null,
        e.fixesDropped ? h("div", {class: "muted"}, T("fixes_dropped", {n: e.fixesDropped})) : null),
      h("td", {}, fixes.length ? null
        : h("button", {class: "secondary fix-by-form", onclick: () => prefillWhatIf(ctx, e)}, T("fix_by_form"))));
  });
  return h("div", {}, table([T("order"), T("lateness"), T("machine"), T("reason"), T("fix"), ""], rows, {id: "late-table"}),
           bottlenecks(ctx));
}

function bottlenecks(ctx) {
  const rows = (ctx.plan.bottlenecks || []).slice(0, 10).map((b) => [b.workCenter, ctx.fmt(Date.parse(b.bucketStart)),
    pct(b.utilization), Math.round(b.savesPerHour || 0), b.sentence || "",
    b.extraHour ? h("button", {class: "secondary small", onclick: () => tryScenario(ctx, `+1 h ${b.workCenter}`, [b.extraHour])}, T("try_extra_hour")) : ""]);
  return rows.length ? h("div", {}, h("h3", {}, T("bottlenecks")),
    table([T("work_center"), T("from"), T("utilization"), T("saves_per_hour"), T("summary"), ""], rows)) : null;
}

function predictions(ctx) {
  const plan = ctx.plan;
  const used = (plan.predictionsUsed || []).map((p) => [p.kind, p.machineId || "", p.productId || "", p.value, p.source, p.became]);
  const actions = (plan.policyActions || []).map((p) => [p.policy, p.machineId || "", p.productId || "", p.detail]);
  const effects = (plan.predictionEffects || []).map((p) => [p.ignored, p.summary, p.movedOperations || 0]);
  const versions = Object.entries(plan.modelVersions || {}).map(([k, v]) => `${k} ${v}`).join(", ");
  return h("div", {},
    used.length ? table([T("kind"), T("machine"), T("product"), T("prediction"), T("source"), T("became")], used) : h("p", {class: "muted"}, T("no_predictions")),
    actions.length ? h("div", {}, h("h3", {}, T("policy_actions")), table([T("policy"), T("machine"), T("product"), T("detail")], actions)) : null,
    effects.length ? h("div", {}, h("h3", {}, T("prediction_effects")), table([T("ignored"), T("summary"), T("moved_ops")], effects)) : null,
    versions ? h("p", {class: "muted"}, `${T("model_versions")}: ${versions}`) : null);
}

// ---------------------------------------------------------------------------------------------- start

window.addEventListener("hashchange", route);
document.addEventListener("DOMContentLoaded", async () => {
  $("#locale").addEventListener("change", async (event) => {
    state.locale = event.target.value;
    localStorage.setItem("locale", state.locale);
    await loadStrings();
    await route();
  });
  await loadStrings();
  await route();
});
