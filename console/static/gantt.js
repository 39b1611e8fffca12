// Gantt chart by machine as SVG: zoom (wheel, buttons) and pan (drag), colour by order, customer or lateness;
// shifts shaded, maintenance hatched, machines with a policy action marked, furnace loads framed with the recipe
// changeover before each hatched in the frame's colour, material waits on the machine rows and one row per secondary resource (held against capacity; red where it is short). Plain DOM.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const ROW_H = 26, LABEL_W = 90, AXIS_H = 28;
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759",
                 "#86bcb6", "#d37295", "#a0cbe8", "#ffbe7d", "#8cd17d", "#b6992d", "#499894", "#79706e"];

function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function hashColour(key) {
  let h = 0;
  for (const ch of String(key)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

function latenessColour(minutes) {
  if (!minutes) return "#59a14f";
  const share = Math.min(1, minutes / (3 * 24 * 60));  // three days late or more: the deepest red
  const light = Math.round(70 - 35 * share);
  return `hsl(2, 75%, ${light}%)`;
}

// Working time of a weekly calendar between t0 and t1 (ms), as [start, end) pairs in UTC ms.
function shiftSpans(calendar, offsetMs, t0, t1) {
  if (!calendar) return [];
  const days = new Set((calendar.workingDays || []).map(dayNumber));
  if (!days.size) [1, 2, 3, 4, 5].forEach((d) => days.add(d));
  const spans = [];
  const dayMs = 86400000;
  let day = Math.floor((t0 + offsetMs) / dayMs) * dayMs - dayMs;  // local midnight, one day early
  for (; day < t1 + offsetMs; day += dayMs) {
    const weekday = ((new Date(day).getUTCDay() + 6) % 7) + 1;
    if (!days.has(weekday)) continue;
    for (const shift of calendar.shifts || []) {
      const start = day + seconds(shift.start) * 1000 - offsetMs;
      spans.push([start, start + seconds(shift.length) * 1000, shift.name || ""]);
    }
  }
  return spans;
}

function dayNumber(name) {
  return ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    .indexOf(String(name).replace("DAY_OF_WEEK_", "")) + 1;
}

function seconds(duration) {
  return duration ? parseFloat(String(duration).replace("s", "")) : 0;
}

// Units of a secondary resource held against what it has at each moment, over [t0, t1): segments {start, end, used,
// capacity, holders}, only where something is held or the resource is off shift (capacity 0). Capacity follows the
// resource's calendar (0 between its shifts) and its per-shift capacities; unset capacity is 1 (a die).
function resourceProfile(resource, holds, calendar, offsetMs, t0, t1) {
  const mine = holds.filter((x) => x.resourceId === resource.id).map((x) => ({start: Date.parse(x.start), end: Date.parse(x.end),
    units: x.quantity || 1, label: `${x.orderId} ${x.operationId}${x.setupOnly ? " (setup)" : ""}`}));
  const spans = calendar ? shiftSpans(calendar, offsetMs, t0, t1) : [];
  const points = new Set([t0, t1, ...mine.flatMap((x) => [x.start, x.end]), ...spans.flatMap(([s, e]) => [s, e])]);
  const sorted = [...points].filter((t) => t >= t0 && t <= t1).sort((a, b) => a - b);
  const base = resource.capacity === undefined ? 1 : resource.capacity;
  const byShift = Object.fromEntries((resource.shiftCapacities || []).map((c) => [c.shift, c.capacity || 0]));
  const segments = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i], end = sorted[i + 1], mid = (start + end) / 2;
    const holders = mine.filter((x) => x.start <= mid && mid < x.end);
    const used = holders.reduce((n, x) => n + x.units, 0);
    const shift = calendar ? spans.find(([s, e]) => s <= mid && mid < e) : null;
    const capacity = !calendar ? base : !shift ? 0 : (shift[2] in byShift ? byShift[shift[2]] : base);
    if (used || !capacity) segments.push({start, end, used, capacity, holders: holders.map((x) => x.label)});
  }
  return segments;
}

// options: {machines, calendars, assignments, batchLoads, maintenance, start, end, offsetMs, colourBy, orders, policyMachines,
//           resources, resourceHolds, materialWaits, t (strings), format (ms -> label)}
class Gantt {
  constructor(container, options) {
    this.container = container;
    this.options = options;
    this.t0 = options.start;
    this.t1 = options.end;
    // resources with holds get a row each under the machines: what is held against what there is
    this.resourceRows = (options.resources || []).filter((r) => (options.resourceHolds || []).some((x) => x.resourceId === r.id))
      .map((r) => ({resource: r, segments: resourceProfile(r, options.resourceHolds, options.calendars[r.calendarId],
                                                           options.offsetMs, options.start, options.end)}));
    this.svg = svgEl("svg", {class: "gantt", role: "img", "aria-label": options.t.gantt});
    container.replaceChildren(this.svg);
    this.bindEvents();
    this.render();
  }

  width() { return Math.max(600, this.container.clientWidth || 900); }

  x(ms) { return LABEL_W + (ms - this.t0) / (this.t1 - this.t0) * (this.width() - LABEL_W - 10); }

  zoom(factor, atX) {
    const w = this.width();
    const at = atX === undefined ? (LABEL_W + w) / 2 : atX;
    const pivot = this.t0 + (at - LABEL_W) / (w - LABEL_W - 10) * (this.t1 - this.t0);
    const span = Math.max(30 * 60000, (this.t1 - this.t0) * factor);
    this.t0 = pivot - (pivot - this.t0) * span / (this.t1 - this.t0);
    this.t1 = this.t0 + span;
    this.render();
  }

  pan(pixels) {
    const shift = pixels / (this.width() - LABEL_W - 10) * (this.t1 - this.t0);
    this.t0 -= shift; this.t1 -= shift;
    this.render();
  }

  reset() { this.t0 = this.options.start; this.t1 = this.options.end; this.render(); }

  bindEvents() {
    this.svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const box = this.svg.getBoundingClientRect();
      this.zoom(event.deltaY > 0 ? 1.25 : 0.8, event.clientX - box.left);
    }, {passive: false});
    let dragX = null;
    this.svg.addEventListener("mousedown", (event) => { dragX = event.clientX; this.svg.classList.add("dragging"); });
    window.addEventListener("mouseup", () => { dragX = null; this.svg.classList.remove("dragging"); });
    this.svg.addEventListener("mousemove", (event) => {
      if (dragX === null) return;
      this.pan(event.clientX - dragX);
      dragX = event.clientX;
    });
  }

  colour(a) {
    const {colourBy, orders} = this.options;
    const order = orders[a.orderId] || {};
    if (colourBy === "customer") return hashColour(order.customer || "-");
    if (colourBy === "lateness") return latenessColour(order.tardinessMin || 0);
    return hashColour(a.orderId);
  }

  render() {
    const o = this.options, svg = this.svg, w = this.width();
    const height = AXIS_H + (o.machines.length + this.resourceRows.length) * ROW_H + 4;
    svg.setAttribute("width", w); svg.setAttribute("height", height);
    svg.setAttribute("viewBox", `0 0 ${w} ${height}`);
    svg.replaceChildren();
    const defs = svgEl("defs", {}, svg);
    const hatch = svgEl("pattern", {id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
                                   patternTransform: "rotate(45)"}, defs);
    svgEl("rect", {width: 6, height: 6, fill: "#d9d9d9"}, hatch);
    svgEl("line", {x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#7f7f7f", "stroke-width": 2}, hatch);
    const changing = svgEl("pattern", {id: "changeover-hatch", width: 5, height: 5, patternUnits: "userSpaceOnUse",
                                      patternTransform: "rotate(-45)"}, defs);
    svgEl("rect", {width: 5, height: 5, fill: "#efe9f7"}, changing);
    svgEl("line", {x1: 0, y1: 0, x2: 0, y2: 5, stroke: "#5b3f8c", "stroke-width": 1.5}, changing);
    const clip = svgEl("clipPath", {id: "plot"}, defs);
    svgEl("rect", {x: LABEL_W, y: 0, width: w - LABEL_W, height}, clip);
    this.renderAxis(svg, w, height);
    const plot = svgEl("g", {"clip-path": "url(#plot)"}, svg);
    const row = Object.fromEntries(o.machines.map((m, i) => [m.id, i]));
    o.machines.forEach((m, i) => {
      const y = AXIS_H + i * ROW_H;
      const label = svgEl("text", {x: 4, y: y + ROW_H * 0.65, class: "machine-label"}, svg);
      label.textContent = (o.policyMachines.has(m.id) ? "⚑ " : "") + m.id;
      if (o.policyMachines.has(m.id)) label.appendChild(svgEl("title", {})).textContent = o.t.policy_marked;
      svgEl("line", {x1: LABEL_W, x2: w, y1: y + ROW_H, y2: y + ROW_H, class: "row-line"}, svg);
      for (const [s, e, name] of shiftSpans(o.calendars[m.calendarId], o.offsetMs, this.t0, this.t1)) {
        const rect = svgEl("rect", {x: this.x(s), y: y + 1, width: Math.max(0, this.x(e) - this.x(s)),
                                    height: ROW_H - 2, class: "shift"}, plot);
        svgEl("title", {}, rect).textContent = `${o.t.shift} ${name}`;
      }
    });
    for (const w_ of o.maintenance) {
      if (!(w_.machineId in row)) continue;
      const y = AXIS_H + row[w_.machineId] * ROW_H;
      const rect = svgEl("rect", {x: this.x(w_.start), y: y + 2, width: Math.max(1, this.x(w_.end) - this.x(w_.start)),
                                  height: ROW_H - 4, fill: "url(#hatch)", class: "maintenance"}, plot);
      svgEl("title", {}, rect).textContent = `${w_.label}: ${o.format(w_.start)} – ${o.format(w_.end)}`;
    }
    for (const load of o.batchLoads || []) {  // furnace loads: lots of one recipe that start and end together
      if (!(load.machineId in row)) continue;
      const y = AXIS_H + row[load.machineId] * ROW_H, s = Date.parse(load.start), e = Date.parse(load.end);
      const rect = svgEl("rect", {x: this.x(s), y: y + 1, width: Math.max(1, this.x(e) - this.x(s)), height: ROW_H - 2,
                                  class: "batch-load"}, plot);
      svgEl("title", {}, rect).textContent = `${o.t.batch_load} ${load.recipe}: ${(load.orderIds || []).join(", ")} ` +
        `(${Math.round((load.fill || 0) * 100)} %) ${o.format(s)} – ${o.format(e)}`;
      this.renderChangeover(plot, load, y, s);
    }
    this.renderResources(svg, plot, w);
    this.renderMaterialWaits(plot, row);
    for (const a of o.assignments) {
      if (!(a.machineId in row)) continue;
      const s = Date.parse(a.start), e = Date.parse(a.end);
      if (e < this.t0 || s > this.t1) continue;
      const y = AXIS_H + row[a.machineId] * ROW_H;
      const x0 = this.x(s), width = Math.max(1, this.x(e) - x0);
      const g = svgEl("g", {class: "op", "data-order": a.orderId}, plot);
      svgEl("rect", {x: x0, y: y + 4, width, height: ROW_H - 8, rx: 2, fill: this.colour(a)}, g);
      if (width > 46) {
        const text = svgEl("text", {x: x0 + 3, y: y + ROW_H * 0.62, class: "op-label"}, g);
        text.textContent = a.orderId;
      }
      const order = o.orders[a.orderId] || {};
      svgEl("title", {}, g).textContent =
        `${a.orderId} ${a.operationId} (${a.productId}) ${o.format(s)} – ${o.format(e)}` +
        (order.customer ? `\n${o.t.customer}: ${order.customer}` : "") +
        (order.tardinessMin ? `\n${o.t.late_by} ${Math.round(order.tardinessMin)} min` : "");
    }
  }

  // One row per secondary resource: a bar as high as the share held, red where a pool is all held (an operation that
  // needs it then must wait: the resource is short), grey where the resource is off shift.
  renderResources(svg, plot, w) {
    const o = this.options;
    this.resourceRows.forEach(({resource, segments}, i) => {
      const y = AXIS_H + (o.machines.length + i) * ROW_H;
      const label = svgEl("text", {x: 4, y: y + ROW_H * 0.65, class: "machine-label resource-label"}, svg);
      label.textContent = `◆ ${resource.id}`;
      svgEl("title", {}, label).textContent = `${o.t.resource} ${resource.name || resource.id}`;
      svgEl("line", {x1: LABEL_W, x2: w, y1: y + ROW_H, y2: y + ROW_H, class: "row-line"}, svg);
      for (const seg of segments) {
        if (seg.end < this.t0 || seg.start > this.t1) continue;
        const x0 = this.x(seg.start), width = Math.max(1, this.x(seg.end) - x0);
        // short: a pool (setters) with every unit held, or more held than there is; a die (capacity 1) in use is not
        // a shortage by itself, it exists once
        const full = seg.used > seg.capacity || (seg.used === seg.capacity && seg.capacity > 1);
        const share = seg.used ? Math.min(1, seg.used / Math.max(1, seg.capacity)) : 1;
        const height = (ROW_H - 6) * share;
        const cls = !seg.used ? "resource-off" : full ? "resource-full" : "resource-used";
        const rect = svgEl("rect", {x: x0, y: y + ROW_H - 3 - height, width, height, class: cls,
                                    "data-resource": resource.id}, plot);
        svgEl("title", {}, rect).textContent = !seg.used ? `${resource.id}: ${o.t.resource_off} ${o.format(seg.start)} – ${o.format(seg.end)}`
          : `${resource.id}: ${seg.used} / ${seg.capacity} ${o.t.resource_held} (${seg.holders.join(", ")}) ` +
            `${o.format(seg.start)} – ${o.format(seg.end)}${full ? `\n${o.t.resource_full}` : ""}`;
      }
    });
  }

  // The recipe changeover right before a furnace load (BatchLoad.changeoverFromRecipe): the furnace heats up, cools
  // down or is purged then, hatched in the load frame's colour.
  renderChangeover(plot, load, y, loadStart) {
    const o = this.options, minutes = seconds(load.changeoverTime) / 60;
    if (!load.changeoverFromRecipe || !minutes) return;
    const s = loadStart - minutes * 60000;
    const rect = svgEl("rect", {x: this.x(s), y: y + 2, width: Math.max(2, this.x(loadStart) - this.x(s)), height: ROW_H - 4,
                                fill: "url(#changeover-hatch)", stroke: "#5b3f8c", "stroke-width": 1,
                                class: "recipe-changeover", "data-machine": load.machineId}, plot);
    svgEl("title", {}, rect).textContent = `${o.t.recipe_changeover} ${load.changeoverFromRecipe} → ${load.recipe}: ` +
      `${Math.round(minutes)} min ${o.format(s)} – ${o.format(loadStart)}` +
      (load.changeoverCost ? ` (${o.t.recipe_changeover_cost} ${load.changeoverCost})` : "");
  }

  // Operations that were ready before their material was in stock: the wait drawn on the operation's machine row.
  renderMaterialWaits(plot, row) {
    const o = this.options;
    for (const wait of o.materialWaits || []) {
      if (!(wait.machineId in row) || !wait.waitMs) continue;
      const s = Date.parse(wait.ready), e = s + wait.waitMs;
      if (e < this.t0 || s > this.t1) continue;
      const y = AXIS_H + row[wait.machineId] * ROW_H;
      const rect = svgEl("rect", {x: this.x(s), y: y + 2, width: Math.max(2, this.x(e) - this.x(s)), height: ROW_H - 4,
                                  class: "material-wait", "data-order": wait.orderId}, plot);
      svgEl("title", {}, rect).textContent = `${wait.orderId} ${wait.operationId}: ${o.t.material_wait} ${wait.materialId} ` +
        `(${wait.quantity} ${wait.unit || ""}) ${o.format(s)} – ${o.format(e)}`;
    }
  }

  renderAxis(svg, w, height) {
    const span = this.t1 - this.t0;
    const steps = [3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3];
    const step = steps.find((s) => span / s <= (w - LABEL_W) / 70) || steps[steps.length - 1];
    const offset = this.options.offsetMs;
    for (let t = Math.ceil((this.t0 + offset) / step) * step - offset; t <= this.t1; t += step) {
      const x = this.x(t);
      svgEl("line", {x1: x, x2: x, y1: AXIS_H - 6, y2: height, class: "grid"}, svg);
      const label = svgEl("text", {x: x + 2, y: AXIS_H - 10, class: "axis-label"}, svg);
      label.textContent = this.options.format(t);
    }
  }
}

window.Gantt = Gantt;
