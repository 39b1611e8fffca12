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
      t: {gantt: T("gantt"), shift: T("shift"), customer: T("customer"), late_by: T("late_by"), policy_marked: T("policy_marked"), batch_load: T("batch_load")}});
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
    holder);
}

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

// ---------------------------------------------------------------------------------------------- what-if

const DELTA_KINDS = ["rush_order", "machine_down", "overtime", "demand_change", "quantity_change", "due_date_change",
                     "cancel_order", "risk_policy"];

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
    case "risk_policy": return {riskPolicy: v("policy")};
  }
  return null;
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
  const renderLists = () => {
    pendingList.replaceChildren(...pending.map((d) => h("li", {}, describeDelta(d))));
    list.replaceChildren(...scenarios.map((s) => h("li", {}, h("strong", {}, s.name), ": ", s.deltas.map(describeDelta).join("; "))));
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
    await runComparison(ctx, scenarios.splice(0), output, parseFloat(timeLimit.value));
    renderLists();
  }}, T("run_compare"));
  ctx.whatIf = {kindSelect, fields, renderFields, pending, renderLists, nameInput, output, run, timeLimit};
  return h("div", {},
    h("div", {class: "form-grid"}, h("label", {}, T("change_kind"), kindSelect), h("label", {}, T("scenario_name"), nameInput),
      h("label", {}, T("time_limit_s"), timeLimit)),
    fields, h("p", {class: "actions"}, add, addScenario, run),
    h("div", {class: "columns"}, h("div", {}, h("h3", {}, T("changes")), pendingList), h("div", {}, h("h3", {}, T("scenarios")), list)),
    output);
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

async function runComparison(ctx, scenarios, output, limit) {
  const progress = progressBox(T("comparing", {n: scenarios.length + 1}));
  output.replaceChildren(progress.box);
  try {
    const comparison = await api("POST", `/api/plans/${ctx.planId}/compare`, {scenarios, time_limit_s: limit, locale: state.locale});
    output.replaceChildren(comparisonBlock(ctx, comparison, scenarios, limit));
  } catch (error) {
    output.replaceChildren(errorBox(error));
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
    deltasOf[r.name] ? keepOrDiscard(ctx, r.name, deltasOf[r.name], limit) : null));
  return h("div", {id: "comparison-result"},
    h("p", {class: "muted"}, `${T("comparison")} ${(comparison.comparisonId || "").slice(0, 8)}`),
    table([T("kpi"), ...head], rows, {class: "kpi-table", id: "compare-table"}), ...details);
}

function keepOrDiscard(ctx, name, deltas, limit) {
  const area = h("div", {class: "keep-area"});
  const keep = h("button", {class: "keep-scenario", onclick: async () => {
    const progress = progressBox(T("solving"));
    area.replaceChildren(progress.box);
    try {
      const result = await streamed(`/api/plans/${ctx.planId}/keep`, {deltas, time_limit_s: limit, locale: state.locale}, progress.update);
      location.hash = `#/plan/${result.planId}`;
    } catch (error) { area.replaceChildren(errorBox(error), discard); } finally { progress.done(); }
  }}, T("keep"));
  const discard = h("button", {class: "secondary discard-scenario", onclick: () => {
    area.closest(".scenario-result").replaceChildren(h("p", {class: "muted"}, T("discarded", {name})));
  }}, T("discard"));
  area.append(keep, " ", discard);
  return area;
}

// ---------------------------------------------------------------------------------------------- re-plan

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
    fields.replaceChildren(...inputs);
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
    const progress = progressBox(T("replanning"));
    output.replaceChildren(progress.box);
    try {
      const result = await api("POST", `/api/plans/${ctx.planId}/replan`, {disruptions: [disruption], frozen_window_min: parseFloat(frozen.value),
                                                                          time_limit_s: parseFloat(limit.value)});
      output.replaceChildren(replanResult(ctx, result));
    } catch (error) { output.replaceChildren(errorBox(error)); } finally { progress.done(); }
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
