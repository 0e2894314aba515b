// tunecycle dashboard: the page's own script, over the vendored uPlot (static/vendor/).
//
// Data comes from a *source*: the server's JSON API (GET only; the page follows a study by
// asking for the trials changed after its cursor every 1.5 s), or a JSON document embedded in
// the page (<script type="application/json" id="tunecycle-data">, as the HTML report writes
// it).  Every view is drawn from the study's dataset (every trial, columnar) kept in the page.
// The view's state (view, objective, axes, pair, brushes, table sort and filters, open trial)
// lives in the URL's hash, so a link shows what its sender saw.  Text from the store goes on
// the page as text (textContent or canvas text), never as HTML.
"use strict";

(function () {
const POLL_MS = 1500;
const LIST_POLL_MS = 2500;
const STATES = ["complete", "pruned", "failed", "running", "waiting"];
const THEME_KEY = "tunecycle-theme";

// -- small helpers -------------------------------------------------------------------------
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function fmt(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return (a !== 0 && (a < 1e-4 || a >= 1e6)) ? v.toExponential(4) : String(+v.toPrecision(6));
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function pad2(n) { return String(n).padStart(2, "0"); }

function fmtEpoch(s) {
  if (s === null || s === undefined) return "";
  const d = new Date(s * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
         `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

function fmtDuration(s) {
  if (s === null || s === undefined) return "";
  if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + " s";
  if (s < 3600) return (s / 60).toFixed(1) + " min";
  return (s / 3600).toFixed(2) + " h";
}

function now() { return new Date().toLocaleTimeString(); }

function setLive(ok, text) {
  const live = $("live");
  if (!live) return;
  live.className = "live " + (ok ? "ok" : "down");
  live.textContent = text;
}

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) {
    const err = new Error((body && body.error) || `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

// -- data sources ----------------------------------------------------------------------------
// Both answer the same questions; the embedded one has no changes (it is a snapshot).
function apiSource() {
  const api = (name, what) => `/api/studies/${encodeURIComponent(name)}/${what}`;
  return {
    live: true,
    studies: () => getJSON("/api/studies"),
    summary: (name) => getJSON(api(name, "summary")),
    dataset: (name) => getJSON(api(name, "dataset")),
    changes: (name, since) => getJSON(api(name, "changes") + `?since=${since}`),
    pareto: (name) => getJSON(api(name, "pareto")),
    importance: (name, obj) => getJSON(api(name, `importance?objective=${obj}`)),
    trial: (name, number) => getJSON(api(name, `trial/${number}`)),
    points: (name) => getJSON(api(name, "points")),
  };
}

function embeddedSource(doc) {
  return {
    live: false,
    studies: async () => ({ studies: [doc.summary] }),
    summary: async () => doc.summary,
    dataset: async () => doc.dataset,
    changes: null,
    pareto: async () => doc.pareto,
    importance: async (name, obj) => (doc.importance && doc.importance[obj]) ||
      { names: [], importances: [], error: "not in this report" },
    trial: async (name, number) => {
      const t = (doc.trials || {})[number];
      if (t) return t;
      const row = S.byNumber.get(number);
      if (!row) throw new Error(`trial ${number} is not in this report`);
      return rowAsTrial(row);
    },
    points: null,
  };
}

// -- colours ----------------------------------------------------------------------------------
function C() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    fg: v("--fg"), muted: v("--muted"), line: v("--line"), grid: v("--grid"), card: v("--card"),
    complete: v("--complete"), pruned: v("--pruned"), failed: v("--failed"),
    running: v("--running"), waiting: v("--waiting"), best: v("--best"), front: v("--front"),
    dominated: v("--dominated"), infeasible: v("--infeasible"), dim: v("--dim"),
  };
}

const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function ramp(t) {  // 0: the best end, 1: the worst end (dark purple to yellow; reversed in the dark theme)
  t = Math.min(1, Math.max(0, t));
  if (document.documentElement.dataset.theme === "dark") t = 1 - t;
  const x = t * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return `rgb(${Math.round(a[0] + (b[0] - a[0]) * f)},${Math.round(a[1] + (b[1] - a[1]) * f)},${Math.round(a[2] + (b[2] - a[2]) * f)})`;
}
const SERIES = ["#2f6fdf", "#d62728", "#2ca02c", "#9467bd", "#e08a1e", "#17becf", "#8c564b", "#e377c2"];

// -- the page's state, kept in the hash --------------------------------------------------------
const S = {
  src: null, name: "", rows: [], byNumber: new Map(), params: [], cursor: 0, curvePoints: 64,
  directions: ["minimize"], names: ["value"], summary: null, pareto: null, importance: {},
  view: "history", obj: 0, opts: {}, brushes: {}, trial: null, fresh: new Set(),
  table: { sort: "number", order: "desc", states: new Set(STATES), vmin: "", vmax: "",
           cols: {}, offset: 0, limit: 50 },
  pollTimer: null, plot: null, embedded: false,
};

function multi() { return S.directions.length > 1; }

function readHash() {
  const h = new URLSearchParams(window.location.hash.slice(1));
  const get = (k, d) => (h.has(k) ? h.get(k) : d);
  S.view = get("view", null);
  S.obj = Math.max(0, parseInt(get("obj", "0"), 10) || 0);
  S.opts = {
    log: get("log", "0") === "1", x: get("x", "number"), best: get("best", "1") === "1",
    pair: h.has("pair") ? h.get("pair").split(",") : null, param: get("param", null),
    timeline: get("timeline", null), fx: parseInt(get("fx", "0"), 10) || 0,
    fy: parseInt(get("fy", "1"), 10) || 1, curves: get("curves", "all"),
  };
  S.brushes = {};
  for (const b of h.getAll("brush")) {
    const at = b.lastIndexOf(":"), at2 = b.lastIndexOf(":", at - 1);
    if (at2 < 0) continue;
    const lo = parseFloat(b.slice(at2 + 1, at)), hi = parseFloat(b.slice(at + 1));
    if (Number.isFinite(lo) && Number.isFinite(hi)) S.brushes[b.slice(0, at2)] = [Math.min(lo, hi), Math.max(lo, hi)];
  }
  const t = S.table;
  t.sort = get("sort", "number"); t.order = get("order", "desc");
  t.states = new Set(h.has("states") ? h.get("states").split(",").filter(Boolean) : STATES);
  t.vmin = get("vmin", ""); t.vmax = get("vmax", "");
  t.cols = {};
  for (const [k, v] of h) if (k.startsWith("f.")) t.cols[k.slice(2)] = v;
  t.limit = parseInt(get("rows", "50"), 10) || 50;
  t.offset = Math.max(0, (parseInt(get("page", "1"), 10) - 1) * t.limit) || 0;
  const n = parseInt(get("trial", ""), 10);
  S.trial = Number.isFinite(n) ? n : null;
}

function writeHash(push) {
  const h = new URLSearchParams();
  if (S.view && S.view !== (multi() ? "pareto" : "history")) h.set("view", S.view);
  if (S.obj) h.set("obj", S.obj);
  const o = S.opts;
  if (o.log) h.set("log", "1");
  if (o.x !== "number") h.set("x", o.x);
  if (!o.best) h.set("best", "0");
  if (o.pair) h.set("pair", o.pair.join(","));
  if (o.param) h.set("param", o.param);
  if (o.timeline) h.set("timeline", o.timeline);
  if (o.fx) h.set("fx", o.fx);
  if (o.fy !== 1) h.set("fy", o.fy);
  if (o.curves !== "all") h.set("curves", o.curves);
  for (const [k, [lo, hi]] of Object.entries(S.brushes)) h.append("brush", `${k}:${+lo.toFixed(4)}:${+hi.toFixed(4)}`);
  const t = S.table;
  if (t.sort !== "number") h.set("sort", t.sort);
  if (t.order !== "desc") h.set("order", t.order);
  if (t.states.size !== STATES.length) h.set("states", [...t.states].join(","));
  if (t.vmin) h.set("vmin", t.vmin);
  if (t.vmax) h.set("vmax", t.vmax);
  for (const [k, v] of Object.entries(t.cols)) if (v) h.set("f." + k, v);
  if (t.limit !== 50) h.set("rows", t.limit);
  if (t.offset) h.set("page", Math.floor(t.offset / t.limit) + 1);
  if (S.trial !== null) h.set("trial", S.trial);
  const text = h.toString();
  const url = window.location.pathname + window.location.search + (text ? "#" + text : "");
  if (url === window.location.pathname + window.location.search + window.location.hash) return;
  try {
    if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  } catch (e) { /* a page without a URL of its own (the report's frame): the state stays here */ }
}

// -- the dataset: every trial as a row ---------------------------------------------------------
function rowsFromDataset(d) {
  const rows = [];
  for (let i = 0; i < d.n; i++) {
    const params = {};
    for (const p of d.params) if (p.values[i] !== null) params[p.name] = p.values[i];
    rows.push({
      number: d.number[i], state: d.state[i], value: d.value[i],
      values: d.values ? d.values[i] : null, start: d.start[i], end: d.end[i],
      owner: d.owners[d.owner[i]] || "", reason: d.fail_reason[i], retryOf: d.retry_of[i],
      feasible: d.feasible[i], nSteps: d.n_steps[i], steps: d.steps[i], inter: d.inter[i], params,
    });
  }
  return rows;
}

function thin(steps, values, most) {  // as the server's dataset.thin
  const n = steps.length;
  if (n <= most) return [steps, values];
  const keep = new Set([0, n - 1]);
  let lo = -1, hi = -1;
  for (let i = 0; i < n; i++) {
    if (values[i] === null) continue;
    if (lo < 0 || values[i] < values[lo]) lo = i;
    if (hi < 0 || values[i] > values[hi]) hi = i;
  }
  if (lo >= 0) { keep.add(lo); keep.add(hi); }
  const spare = Math.max(0, most - keep.size);
  for (let j = 0; j < spare; j++) keep.add(Math.round(j * (n - 1) / Math.max(1, spare - 1)));
  const chosen = [...keep].sort((a, b) => a - b).slice(0, Math.max(most, 4));
  return [chosen.map((i) => steps[i]), chosen.map((i) => values[i])];
}

function rowFromTrial(t) {
  const steps = t.intermediate.map((p) => p[0]), vals = t.intermediate.map((p) => p[1]);
  const [s, v] = thin(steps, vals, S.curvePoints);
  return {
    number: t.number, state: t.state, value: t.value, values: multi() ? t.values : null,
    start: t.start_epoch, end: t.end_epoch, owner: t.owner || "", reason: t.fail_reason,
    retryOf: t.retry_of, feasible: t.constraints ? t.feasible : null, nSteps: steps.length,
    steps: steps.length ? s : null, inter: steps.length ? v : null, params: t.params,
  };
}

function rowAsTrial(r) {  // the embedded source's trial page: what the dataset holds
  return {
    number: r.number, state: r.state, value: r.value, values: r.values, params: r.params,
    intermediate: (r.steps || []).map((s, i) => [s, r.inter[i]]), user_attrs: {},
    start_epoch: r.start, end_epoch: r.end, duration_s: r.end && r.start ? r.end - r.start : null,
    fail_reason: r.reason, owner: r.owner, retry_of: r.retryOf, feasible: r.feasible,
    constraints: null, distributions: {}, retried_by: [], thinned: r.nSteps > (r.steps || []).length,
  };
}

function putRow(row) {
  const old = S.byNumber.get(row.number);
  if (old) Object.assign(old, row);
  else {
    S.byNumber.set(row.number, row);
    S.rows.push(row);
    if (S.rows.length > 1 && S.rows[S.rows.length - 2].number > row.number) S.rows.sort((a, b) => a.number - b.number);
  }
  for (const [name, v] of Object.entries(row.params)) {
    let p = S.params.find((q) => q.name === name);
    if (!p) {
      p = typeof v === "number" ? { name, kind: "float", low: v, high: v, log: false }
                                : { name, kind: "categorical", choices: [] };
      S.params.push(p);
    }
    if (p.kind === "categorical") { if (!p.choices.includes(v)) p.choices.push(v); }
    else if (typeof v === "number") { p.low = Math.min(p.low, v); p.high = Math.max(p.high, v); }
  }
}

// the objective shown: the value, or one of several
function val(r, k) {
  const i = k === undefined ? S.obj : k;
  const v = multi() ? (r.values ? r.values[i] : null) : r.value;
  return v === undefined ? null : v;
}
function dirOf(k) { return S.directions[k === undefined ? S.obj : k] || "minimize"; }
function objName(k) { return S.names[k === undefined ? S.obj : k] || "value"; }
function finished(r) { return (r.state === "complete" || r.state === "pruned") && val(r) !== null; }
function complete(r) { return r.state === "complete" && val(r) !== null; }

// a parameter on a [0, 1] axis, as tunecycle.viz places it
function unitOf(p, v) {
  if (v === undefined || v === null) return null;
  if (p.kind === "categorical") {
    const i = p.choices.indexOf(v);
    return i < 0 ? null : (i + 0.5) / p.choices.length;
  }
  let lo = p.low, hi = p.high, x = v;
  if (p.log && lo > 0 && x > 0) { lo = Math.log10(lo); hi = Math.log10(hi); x = Math.log10(x); }
  return hi > lo ? (x - lo) / (hi - lo) : 0.5;
}
function fromUnit(p, u) {
  if (p.kind === "categorical") return p.choices[Math.min(p.choices.length - 1, Math.max(0, Math.floor(u * p.choices.length)))];
  let lo = p.low, hi = p.high;
  if (p.log && lo > 0) return Math.pow(10, Math.log10(lo) + u * (Math.log10(hi) - Math.log10(lo)));
  return lo + u * (hi - lo);
}

// -- the list of studies, and comparing several ---------------------------------------------------
const compare = { names: [], data: {}, timer: null };

async function showList() {
  $("list-view").hidden = false;
  document.title = "studies · tunecycle dashboard";
  const h = new URLSearchParams(window.location.hash.slice(1));
  compare.names = h.getAll("compare");
  $("compare-go").addEventListener("click", () => {
    const ticked = [...document.querySelectorAll("#studies input.pick:checked")].map((c) => c.value);
    const q = new URLSearchParams();
    for (const n of ticked) q.append("compare", n);
    history.replaceState(null, "", "/#" + q.toString());
    compare.names = ticked;
    loadCompare();
  });
  $("compare-log").addEventListener("change", drawCompare);
  $("compare-points").addEventListener("change", drawCompare);
  const refresh = async () => {
    try {
      const data = await S.src.studies();
      renderStudies(data.studies);
      setLive(true, `live · ${data.studies.length} studies · updated ${now()}`);
      if (compare.names.length) await loadCompare();
    } catch (e) {
      setLive(false, `cannot reach the server (${e.message}); retrying`);
    }
    setTimeout(refresh, LIST_POLL_MS);
  };
  await refresh();
}

function renderStudies(studies) {
  const body = $("studies").tBodies[0];
  const rows = studies.map((s) => {
    const tr = el("tr");
    const pick = el("input", null, "pick");
    pick.type = "checkbox"; pick.value = s.name; pick.checked = compare.names.includes(s.name);
    pick.addEventListener("change", ticked);
    const c = el("td"); c.appendChild(pick); tr.appendChild(c);
    const link = el("a", s.name);
    link.href = "/studies/" + encodeURIComponent(s.name);
    const name = el("td");
    name.appendChild(link);
    tr.appendChild(name);
    tr.appendChild(el("td", (s.directions || [s.direction]).join(", ")));
    tr.appendChild(el("td", s.n_trials, "num"));
    for (const st of STATES) tr.appendChild(el("td", s.counts[st], "num"));
    tr.appendChild(el("td", fmt(s.best_value), "num"));
    tr.appendChild(el("td", (s.datetime_start || "").replace("T", " ")));
    return tr;
  });
  body.replaceChildren(...rows);
  $("no-studies").hidden = studies.length > 0;
  $("studies").hidden = studies.length === 0;
  ticked();
}

function ticked() {
  $("compare-go").disabled = document.querySelectorAll("#studies input.pick:checked").length < 2;
}

async function loadCompare() {
  if (compare.names.length < 2) { $("compare-figure").hidden = true; return; }
  $("compare-figure").hidden = false;
  const got = await Promise.all(compare.names.map((n) => S.src.points(n).catch((e) => ({ error: e.message }))));
  const dirs = {};
  const list = await S.src.studies();
  for (const s of list.studies) dirs[s.name] = s.directions || [s.direction];
  compare.data = {};
  compare.names.forEach((n, i) => { if (!got[i].error) compare.data[n] = { ...got[i], direction: (dirs[n] || ["minimize"])[0] }; });
  drawCompare();
}

function drawCompare() {
  const c = C(), lines = [], pts = [];
  let x1 = 1, y0 = Infinity, y1 = -Infinity;
  const log = $("compare-log").checked, withPoints = $("compare-points").checked;
  const notes = [];
  compare.names.forEach((name, k) => {
    const d = compare.data[name];
    if (!d) { notes.push(`${name}: not found`); return; }
    const color = SERIES[k % SERIES.length], line = [];
    let best = null;
    const better = d.direction === "maximize" ? (a, b) => a > b : (a, b) => a < b;
    for (let i = 0; i < d.number.length; i++) {
      let v = d.value[i];
      if (v === null && d.values && d.values[i]) v = d.values[i][0];
      if (d.state[i] !== "complete" || v === null || (log && v <= 0)) continue;
      pts.push({ x: d.number[i], y: v, color, study: name, number: d.number[i] });
      if (best === null || better(v, best)) { best = v; line.push([d.number[i], v]); }
      x1 = Math.max(x1, d.number[i]); y0 = Math.min(y0, v); y1 = Math.max(y1, v);
    }
    if (line.length) line.push([d.number[d.number.length - 1], best]);
    lines.push({ name, color, line });
  });
  $("compare-note").textContent = notes.join("; ");
  const legend = lines.map((l) => {
    const item = el("span", l.name, "legend-item");
    const sw = el("span", null, "swatch"); sw.style.background = l.color;
    item.prepend(sw);
    return item;
  });
  if (!Number.isFinite(y0)) { emptyChart($("compare-chart"), "no complete trials in these studies"); return; }
  xyPlot($("compare-chart"), {
    x: { label: "trial number", lo: 0, hi: x1 }, y: { label: "objective value (the first)", lo: y0, hi: y1, log },
    draw(ctx, X, Y) {
      if (withPoints) for (const p of pts) dot(ctx, X(p.x), Y(p.y), 2.2, p.color, 0.35);
      for (const l of lines) stepLine(ctx, X, Y, l.line, l.color, 2);
    },
    pick: pts, text: (p) => [p.study, `trial ${p.number}`, `value ${fmt(p.y)}`],
    onPick: (p) => { window.location.href = "/studies/" + encodeURIComponent(p.study) + "#trial=" + p.number; },
    legend,
  });
}

// -- one study ---------------------------------------------------------------------------------
async function showStudy(name) {
  S.name = name;
  $("study-view").hidden = false;
  $("study-name").textContent = name;
  document.title = `${name} · tunecycle dashboard`;
  readHash();
  buildFilters();
  let resizing = null;
  window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(renderView, 150); });
  window.addEventListener("hashchange", () => { readHash(); syncFilters(); renderAll(); });
  await startStudy();
}

async function startStudy() {
  clearTimeout(S.pollTimer);
  try {
    const [summary, data] = await Promise.all([S.src.summary(S.name), S.src.dataset(S.name)]);
    applySummary(summary);
    S.cursor = data.cursor || 0;
    S.curvePoints = data.curve_points || 64;
    S.params = data.params.map((p) => { const { values, ...meta } = p; return meta; });
    S.rows = rowsFromDataset(data);
    S.byNumber = new Map(S.rows.map((r) => [r.number, r]));
    S.importance = {};
    if (multi()) S.pareto = await S.src.pareto(S.name);
    $("study-error").hidden = true;
    if (S.src.live) setLive(true, `live · updated ${now()}`);
    else setLive(true, "a snapshot (the report)");
    renderAll();
  } catch (e) {
    showStudyError(e);
  }
  if (S.src.live) S.pollTimer = setTimeout(poll, POLL_MS);
}

function showStudyError(e) {
  if (e.status === 404) {
    $("study-error").textContent = e.message + " (the page keeps looking for it)";
    $("study-error").hidden = false;
    setLive(true, `study not found · ${now()}`);
  } else {
    setLive(false, `cannot reach the server (${e.message}); retrying`);
  }
}

async function poll() {
  let again = POLL_MS;
  try {
    if (!S.rows.length && !S.summary) { await startStudy(); return; }
    const ch = await S.src.changes(S.name, S.cursor);
    if (ch.reset) { await startStudy(); return; }
    S.cursor = ch.cursor;
    if (ch.trials.length) {
      S.fresh = new Set(ch.trials.map((t) => t.number));
      for (const t of ch.trials) putRow(rowFromTrial(t));
      const [summary, pareto] = await Promise.all([S.src.summary(S.name), multi() ? S.src.pareto(S.name) : null]);
      applySummary(summary);
      if (pareto) S.pareto = pareto;
      renderAll();
    }
    $("study-error").hidden = true;
    setLive(true, `live · updated ${now()}`);
    if (ch.more) again = 0;
  } catch (e) {
    if (e.status === 404) showStudyError(e);
    else setLive(false, `cannot reach the server (${e.message}); retrying`);
    again = POLL_MS * 2;
  }
  S.pollTimer = setTimeout(poll, again);
}

function applySummary(s) {
  S.summary = s;
  S.directions = s.directions && s.directions.length ? s.directions : [s.direction];
  S.names = multi() ? (s.metric_names || S.directions.map((_, i) => `values_${i}`)) : [(s.metric_names || ["value"])[0]];
  if (S.obj >= S.directions.length) S.obj = 0;
  $("trial-count").textContent = s.n_trials;
  if (multi()) {
    $("best-label").textContent = "on the Pareto front";
    $("best-value").textContent = S.pareto ? S.pareto.front.length : "–";
    $("direction-label").textContent = "directions";
    $("direction").textContent = S.directions.join(", ");
  } else {
    $("best-value").textContent = s.best_value === null ? "–" : fmt(s.best_value);
    $("direction").textContent = s.direction;
  }
  const box = $("state-counts");
  box.replaceChildren(...STATES.map((st) => {
    const span = el("span");
    span.appendChild(el("span", st, "state " + st));
    span.appendChild(document.createTextNode(" " + s.counts[st]));
    return span;
  }));
}

function renderAll() {
  if (multi() && S.pareto) $("best-value").textContent = S.pareto.front.length;
  renderTabs();
  renderView();
  renderTable();
  renderDetail();
  // for benchmarks/dashboard.py: when the first complete drawing ended (ms since navigation)
  if (S.firstRenderMs === undefined) S.firstRenderMs = performance.now();
}

// -- the views --------------------------------------------------------------------------------
function viewList() {
  const v = [];
  if (multi()) v.push(["pareto", "Pareto front"], ["hypervolume", "hypervolume"]);
  v.push(["history", "history"], ["intermediate", "intermediate values"], ["parallel", "parallel coordinates"],
         ["slice", "slice"], ["contour", "contour"], ["rank", "rank"], ["edf", "EDF"],
         ["importance", "importance"], ["timeline", "timeline"]);
  return v;
}

function renderTabs() {
  const views = viewList();
  if (!views.some(([k]) => k === S.view)) S.view = multi() ? "pareto" : "history";
  $("view-tabs").replaceChildren(...views.map(([key, label]) => {
    const b = el("button", label, key === S.view ? "tab active" : "tab");
    b.type = "button"; b.dataset.view = key;
    b.addEventListener("click", () => { S.view = key; writeHash(); renderTabs(); renderView(); });
    return b;
  }));
}

function control(label, node) {
  const l = el("label", label + " ", "axis-pick");
  l.appendChild(node);
  return l;
}
function checkbox(id, checked, onChange) {
  const c = el("input"); c.type = "checkbox"; c.id = id; c.checked = checked;
  c.addEventListener("change", () => { onChange(c.checked); writeHash(); renderView(); });
  return c;
}
function select(id, options, value, onChange) {
  const s = el("select"); s.id = id;
  for (const [v, label] of options) { const o = el("option", label); o.value = v; s.appendChild(o); }
  s.value = String(value);
  s.addEventListener("change", () => { onChange(s.value); writeHash(); renderView(); });
  return s;
}
function objectiveControl() {
  if (!multi()) return [];
  return [control("objective", select("pick-objective", S.names.map((n, i) => [i, n]), S.obj,
    (v) => { S.obj = parseInt(v, 10); }))];
}
function paramOptions() { return S.params.map((p) => [p.name, p.name]); }
function pair() {
  const names = S.params.map((p) => p.name);
  let [a, b] = S.opts.pair || [];
  if (!names.includes(a)) a = names[0];
  if (!names.includes(b) || b === a) b = names.find((n) => n !== a);
  return [a, b];
}
function pairControls() {
  const [a, b] = pair();
  return [control("x", select("pick-x", paramOptions(), a, (v) => { S.opts.pair = [v, pair()[1]]; })),
          control("y", select("pick-y", paramOptions(), b, (v) => { S.opts.pair = [pair()[0], v]; }))];
}

const VIEWS = {};

function renderView() {
  if ($("study-view").hidden) return;
  const view = VIEWS[S.view];
  const chart = $("view-chart");
  $("view-note").textContent = "";
  $("view-help").textContent = view.help || "";
  $("view-title").textContent = view.title;
  $("view-controls").replaceChildren(...(view.controls ? view.controls() : []));
  for (const k of ["points", "lines", "kept"]) delete chart.dataset[k];
  chart.dataset.view = S.view;
  const t0 = performance.now();
  try {
    view.draw(chart);
    S.renderMs = performance.now() - t0;  // read by benchmarks/dashboard.py
  } catch (e) {
    emptyChart(chart, "this view could not be drawn: " + e.message);
    console.error(e);
  }
}

VIEWS.history = {
  title: "Objective value by trial",
  help: "drag: zoom (x and y) · wheel: zoom · shift+drag: pan · double-click: everything · click a point: its trial",
  controls: () => [...objectiveControl(),
    control("x", select("pick-xaxis", [["number", "trial number"], ["time", "time finished"]], S.opts.x, (v) => { S.opts.x = v; })),
    control("log y", checkbox("log-y", S.opts.log, (v) => { S.opts.log = v; })),
    control("best so far", checkbox("best-line", S.opts.best, (v) => { S.opts.best = v; }))],
  draw(chart) {
    const c = C(), byTime = S.opts.x === "time", log = S.opts.log;
    const pts = [];
    let dropped = 0;
    for (const r of S.rows) {
      if (!finished(r)) continue;
      const y = val(r);
      if (log && !(y > 0)) { dropped++; continue; }
      const x = byTime ? r.end : r.number;
      if (x === null || x === undefined) continue;
      pts.push({ x, y, row: r });
    }
    if (dropped) $("view-note").textContent = `(${dropped} values ≤ 0 not shown on the log scale)`;
    if (!pts.length) { emptyChart(chart, "no complete or pruned trials yet"); return; }
    if (byTime) pts.sort((p, q) => p.x - q.x);
    const line = bestLine(pts.filter((p) => p.row.state === "complete"), dirOf());
    const [x0, x1] = extent(pts.map((p) => p.x)), [y0, y1] = extent(pts.map((p) => p.y));
    const r = pts.length > 5000 ? 1.6 : pts.length > 1000 ? 2.2 : 3.2;
    xyPlot(chart, {
      x: { label: byTime ? "time the trial finished" : "trial number", lo: x0, hi: x1, time: byTime, ints: !byTime },
      y: { label: objName() + ` (${dirOf()})`, lo: y0, hi: y1, log },
      draw(ctx, X, Y) {
        dots(ctx, X, Y, pts.filter((p) => p.row.state === "pruned"), r, c.pruned, 0.75);
        dots(ctx, X, Y, pts.filter((p) => p.row.state === "complete"), r, c.complete, pts.length > 5000 ? 0.5 : 0.8);
        if (S.opts.best && line.length) stepLine(ctx, X, Y, [...line, [x1, line[line.length - 1][1]]], c.best, 2);
      },
      pick: pts, text: (p) => trialText(p.row), onPick: (p) => openTrial(p.row.number),
      legend: legendItems([["complete", c.complete], ["pruned", c.pruned], ["best so far", c.best]]),
    });
  },
};

VIEWS.intermediate = {
  title: "Intermediate values of every trial",
  help: "each trial's reported values by step (thinned to at most the dataset's points per trial; a trial's page has every step); × marks where a pruned trial stopped",
  controls: () => [control("show", select("pick-curves", [["all", "every trial"], ["pruned", "pruned only"], ["complete", "complete only"], ["table", "trials matching the table's filters"]], S.opts.curves, (v) => { S.opts.curves = v; })),
    control("log y", checkbox("log-y", S.opts.log, (v) => { S.opts.log = v; }))],
  draw(chart) {
    const c = C(), log = S.opts.log, mode = S.opts.curves;
    const keep = mode === "table" ? new Set(filteredRows().map((r) => r.number)) : null;
    const curves = S.rows.filter((r) => r.steps && (mode === "all" || mode === r.state || (keep && keep.has(r.number))));
    const pts = [];
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const r of curves) {
      for (let i = 0; i < r.steps.length; i++) {
        const v = r.inter[i];
        if (v === null || (log && !(v > 0))) continue;
        x0 = Math.min(x0, r.steps[i]); x1 = Math.max(x1, r.steps[i]); y0 = Math.min(y0, v); y1 = Math.max(y1, v);
        pts.push({ x: r.steps[i], y: v, row: r });
      }
    }
    $("view-note").textContent = `(${curves.length} trials)`;
    if (!pts.length) { emptyChart(chart, "no trial reported intermediate values yet"); return; }
    const alpha = curves.length > 2000 ? 0.15 : curves.length > 300 ? 0.35 : 0.75;
    xyPlot(chart, {
      x: { label: "step", lo: x0, hi: Math.max(x1, x0 + 1), ints: true }, y: { label: "reported value", lo: y0, hi: y1, log },
      draw(ctx, X, Y) {
        for (const st of ["complete", "failed", "running", "waiting", "pruned"]) {
          ctx.strokeStyle = c[st]; ctx.globalAlpha = alpha;
          ctx.lineWidth = curves.length > 1000 ? 1 : 1.2 * devicePixelRatio;  // 1: the fast hairline
          ctx.beginPath();
          let inPath = 0;  // stroked in small batches: one huge self-crossing path is slow to fill
          for (const r of curves) {
            if (r.state !== st) continue;
            if (++inPath % 25 === 0) { ctx.stroke(); ctx.beginPath(); }
            let on = false;
            for (let i = 0; i < r.steps.length; i++) {
              const v = r.inter[i];
              if (v === null || (log && !(v > 0))) { on = false; continue; }
              const x = X(r.steps[i]), y = Y(v);
              if (on) ctx.lineTo(x, y); else { ctx.moveTo(x, y); on = true; }
            }
          }
          ctx.stroke();
        }
        ctx.globalAlpha = 0.9; ctx.strokeStyle = c.pruned; ctx.lineWidth = 1.5 * devicePixelRatio;
        ctx.beginPath();
        const k = 3.5 * devicePixelRatio;
        for (const r of curves) {
          if (r.state !== "pruned") continue;
          const i = r.steps.length - 1;
          if (r.inter[i] === null) continue;
          const x = X(r.steps[i]), y = Y(r.inter[i]);
          ctx.moveTo(x - k, y - k); ctx.lineTo(x + k, y + k); ctx.moveTo(x - k, y + k); ctx.lineTo(x + k, y - k);
        }
        ctx.stroke(); ctx.globalAlpha = 1;
      },
      pick: pts, text: (p) => [`trial ${p.row.number} (${p.row.state})`, `step ${p.x}: ${fmt(p.y)}`],
      onPick: (p) => openTrial(p.row.number),
      legend: legendItems(["complete", "pruned", "failed", "running"].map((s) => [s, c[s]])),
    });
  },
};

VIEWS.parallel = {
  title: "Parallel coordinates",
  help: "the complete trials; drag along an axis to keep those in that range (the table below lists the same trials); click an axis to clear its range; colour: the objective (purple: better, yellow: worse; the other way round in the dark theme)",
  controls: () => [...objectiveControl(), (() => {
    const b = el("button", "clear ranges"); b.type = "button"; b.id = "clear-brushes";
    b.addEventListener("click", () => { S.brushes = {}; S.table.offset = 0; writeHash(); renderView(); renderTable(); });
    return b;
  })()],
  draw(chart) { parallel(chart); },
};

VIEWS.slice = {
  title: "Slice: the objective against one parameter",
  help: "colour: trial number (yellow: early, purple: late; the other way round in the dark theme) · drag: zoom · click a point: its trial",
  controls: () => [...objectiveControl(),
    control("parameter", select("pick-param", paramOptions(), sliceParam(), (v) => { S.opts.param = v; })),
    control("log y", checkbox("log-y", S.opts.log, (v) => { S.opts.log = v; }))],
  draw(chart) {
    const name = sliceParam();
    if (!name) { emptyChart(chart, "the trials have no parameters"); return; }
    const p = S.params.find((q) => q.name === name), log = S.opts.log;
    const pts = [];
    for (const r of S.rows) {
      if (!complete(r) || !(name in r.params) || (log && !(val(r) > 0))) continue;
      const x = axisValue(p, r.params[name], r.number);
      if (x === null) continue;
      pts.push({ x, y: val(r), row: r });
    }
    if (!pts.length) { emptyChart(chart, "no complete trial has this parameter yet"); return; }
    const [y0, y1] = extent(pts.map((q) => q.y)), n = S.rows.length || 1;
    xyPlot(chart, {
      x: axisSpec(p), y: { label: objName(), lo: y0, hi: y1, log },
      draw(ctx, X, Y) { for (const q of pts) dot(ctx, X(q.x), Y(q.y), pts.length > 3000 ? 2 : 3.2, ramp(1 - q.row.number / n), 0.8); },
      pick: pts, text: (q) => trialText(q.row), onPick: (q) => openTrial(q.row.number),
    });
  },
};

VIEWS.contour = {
  title: "Contour: the objective over two parameters",
  help: "the surface is interpolated between the trials (inverse distance, on the parameters' own scales); dots: complete trials · click a point: its trial",
  controls: () => [...objectiveControl(), ...pairControls()],
  draw(chart) { pairView(chart, true); },
};

VIEWS.rank = {
  title: "Rank: two parameters, coloured by the objective's rank",
  help: "purple: the best trials, yellow: the worst (the other way round in the dark theme) · click a point: its trial",
  controls: () => [...objectiveControl(), ...pairControls()],
  draw(chart) { pairView(chart, false); },
};

VIEWS.edf = {
  title: "Empirical distribution of the objective",
  help: "the share of complete trials whose value is at most x",
  controls: () => [...objectiveControl(), control("log x", checkbox("log-y", S.opts.log, (v) => { S.opts.log = v; }))],
  draw(chart) {
    const c = C(), log = S.opts.log;
    const vs = S.rows.filter(complete).map((r) => val(r)).filter((v) => !log || v > 0).sort((a, b) => a - b);
    if (!vs.length) { emptyChart(chart, "no complete trials yet"); return; }
    const line = vs.map((v, i) => [v, (i + 1) / vs.length]);
    const pts = line.map(([x, y]) => ({ x, y }));
    xyPlot(chart, {
      x: { label: objName(), lo: vs[0], hi: vs[vs.length - 1], log }, y: { label: "share of complete trials", lo: 0, hi: 1 },
      draw(ctx, X, Y) { stepLine(ctx, X, Y, [[vs[0], 0], ...line], c.complete, 2); },
      pick: pts, text: (p) => [`value ≤ ${fmt(p.x)}`, `${(p.y * 100).toFixed(1)}% of ${vs.length}`],
    });
  },
};

VIEWS.importance = {
  title: "Parameter importance",
  help: "fANOVA on a random forest fitted to the complete trials (tunecycle.viz.importance); computed by the server, again when the number of complete trials changes",
  controls: () => objectiveControl(),
  draw(chart) {
    const nDone = S.rows.filter(complete).length, key = S.obj;
    const got = S.importance[key];
    if (got && got.doneAt === nDone) { importanceBars(chart, got.doc); return; }
    if (!got || !got.loading) {
      S.importance[key] = { loading: true, doneAt: nDone, doc: got ? got.doc : null };
      S.src.importance(S.name, key).then((doc) => {
        S.importance[key] = { doneAt: nDone, doc };
        if (S.view === "importance") renderView();
      }).catch((e) => {
        S.importance[key] = { doneAt: nDone, doc: { names: [], importances: [], error: e.message } };
        if (S.view === "importance") renderView();
      });
    }
    if (got && got.doc) importanceBars(chart, got.doc);
    else emptyChart(chart, "computing the importances…");
  },
};

VIEWS.timeline = {
  title: "Timeline",
  help: "lanes: each worker's trials as bars from start to end · durations: each trial's duration against its start (useful with one worker) · click: the trial",
  controls: () => [control("show", select("pick-timeline", [["lanes", "worker lanes"], ["durations", "durations over time"]], timelineMode(), (v) => { S.opts.timeline = v; }))],
  draw(chart) {
    const c = C(), mode = timelineMode();
    const started = S.rows.filter((r) => r.start !== null);
    if (!started.length) { emptyChart(chart, "no trial has started yet"); return; }
    const nowS = Date.now() / 1000;
    const owners = [...new Set(started.map((r) => r.owner))];
    const end = (r) => r.end !== null ? r.end : Math.max(r.start, S.src.live ? nowS : r.start);
    const [x0] = extent(started.map((r) => r.start)), x1 = Math.max(...started.map(end));
    const states = legendItems(STATES.map((s) => [s, c[s]]));
    if (mode === "durations") {
      const pts = started.map((r) => ({ x: r.start, y: end(r) - r.start, row: r }));
      const [y0, y1] = extent(pts.map((p) => p.y));
      xyPlot(chart, {
        x: { label: "start", lo: x0, hi: x1, time: true }, y: { label: "duration (s)", lo: Math.min(0, y0), hi: y1 },
        draw(ctx, X, Y) { for (const p of pts) dot(ctx, X(p.x), Y(p.y), pts.length > 3000 ? 2 : 3, c[p.row.state], 0.8); },
        pick: pts, text: (p) => [...trialText(p.row), `duration ${fmtDuration(p.y)}`], onPick: (p) => openTrial(p.row.number),
        legend: states,
      });
      return;
    }
    const pts = started.map((r) => ({ x: r.start, y: owners.indexOf(r.owner), row: r }));
    xyPlot(chart, {
      x: { label: "time", lo: x0, hi: x1, time: true },
      y: { label: "worker", lo: -0.5, hi: owners.length - 0.5, cats: owners.map((o) => o || "unknown"), exact: true },
      draw(ctx, X, Y) {
        const h = Math.max(2, Math.min(22, (Y(0) - Y(1)) * 0.7));
        for (const p of pts) {
          ctx.fillStyle = c[p.row.state]; ctx.globalAlpha = 0.85;
          const a = X(p.row.start), b = X(end(p.row));
          ctx.fillRect(a, Y(p.y) - h / 2, Math.max(1, b - a), h);
          ctx.globalAlpha = 0.9; ctx.strokeStyle = c.card; ctx.lineWidth = 1;
          if (b - a > 3) ctx.strokeRect(a, Y(p.y) - h / 2, b - a, h);
        }
        ctx.globalAlpha = 1;
      },
      pick: pts, text: (p) => [...trialText(p.row), `worker ${p.row.owner || "unknown"}`, `duration ${fmtDuration(end(p.row) - p.row.start)}`],
      onPick: (p) => openTrial(p.row.number), legend: states,
    });
  },
};

VIEWS.pareto = {
  title: "Pareto front",
  help: "red: the feasible front of every objective; blue: dominated; grey ×: infeasible · click a point: its trial",
  controls: () => [control("x", select("front-x", S.names.map((n, i) => [i, n]), S.opts.fx, (v) => { S.opts.fx = +v; })),
                   control("y", select("front-y", S.names.map((n, i) => [i, n]), S.opts.fy, (v) => { S.opts.fy = +v; }))],
  draw(chart) {
    const c = C(), a = Math.min(S.opts.fx, S.names.length - 1), b = Math.min(S.opts.fy, S.names.length - 1);
    const onFront = new Set(S.pareto ? S.pareto.front : []);
    const pts = [];
    for (const r of S.rows) {
      if (r.state !== "complete" || !r.values || r.values[a] === null || r.values[b] === null) continue;
      pts.push({ x: r.values[a], y: r.values[b], row: r,
                 kind: r.feasible === false ? "infeasible" : onFront.has(r.number) ? "front" : "dominated" });
    }
    if (!pts.length) { emptyChart(chart, "no complete trials yet"); return; }
    const [x0, x1] = extent(pts.map((p) => p.x)), [y0, y1] = extent(pts.map((p) => p.y));
    const front = pts.filter((p) => p.kind === "front");
    const arrow = (k) => S.names[k] + (S.directions[k] === "maximize" ? " (maximize ↑)" : " (minimize ↓)");
    xyPlot(chart, {
      x: { label: arrow(a), lo: x0, hi: x1 }, y: { label: arrow(b), lo: y0, hi: y1 },
      draw(ctx, X, Y) {
        if (S.directions.length === 2 && a !== b && front.length) {
          const s0 = S.directions[a] === "maximize" ? -1 : 1, s1 = S.directions[b] === "maximize" ? -1 : 1;
          const f = [...front].sort((p, q) => (s0 * p.x - s0 * q.x) || (s1 * p.y - s1 * q.y));
          stepLine(ctx, X, Y, f.map((p) => [p.x, p.y]), c.front, 1.4, true);
        }
        dots(ctx, X, Y, pts.filter((p) => p.kind === "dominated"), 3, c.dominated, 0.9);
        dots(ctx, X, Y, front, 4.2, c.front, 1);
        crosses(ctx, X, Y, pts.filter((p) => p.kind === "infeasible"), 3.5, c.infeasible);
      },
      pick: pts, text: (p) => [...trialText(p.row), p.kind], onPick: (p) => openTrial(p.row.number),
      legend: legendItems([[`front (${front.length})`, c.front], ["dominated", c.dominated], ["infeasible", c.infeasible]]),
    });
  },
};

VIEWS.hypervolume = {
  title: "Hypervolume of the feasible front by trial",
  help: "measured against the reference point below (the worst feasible value of each objective plus 10% of its range)",
  draw(chart) {
    const c = C(), p = S.pareto;
    if (!p || !p.hypervolume.number.length) { emptyChart(chart, "no feasible complete trial yet"); return; }
    $("view-note").textContent = `(reference ${p.reference.map(fmt).join(", ")}; ${p.n_infeasible} infeasible of ${p.n_complete})`;
    const ns = p.hypervolume.number, vs = p.hypervolume.value;
    const last = Math.max(p.last, ns[ns.length - 1]);
    const line = ns.map((n, i) => [n, vs[i]]);
    xyPlot(chart, {
      x: { label: "trial number", lo: 0, hi: Math.max(1, last), ints: true }, y: { label: "hypervolume", lo: 0, hi: Math.max(...vs) },
      draw(ctx, X, Y) { stepLine(ctx, X, Y, [...line, [last, vs[vs.length - 1]]], c.front, 2); dots(ctx, X, Y, line.map(([x, y]) => ({ x, y })), 2.5, c.front, 1); },
      pick: line.map(([x, y]) => ({ x, y })), text: (q) => [`after trial ${q.x}`, `hypervolume ${fmt(q.y)}`],
      onPick: (q) => openTrial(q.x),
    });
  },
};

function sliceParam() {
  const names = S.params.map((p) => p.name);
  return names.includes(S.opts.param) ? S.opts.param : names[0];
}
function timelineMode() {
  if (S.opts.timeline) return S.opts.timeline;
  return new Set(S.rows.filter((r) => r.start !== null).map((r) => r.owner)).size > 1 ? "lanes" : "durations";
}

// where a parameter's value sits on a chart axis: a number, or a category's index (jittered)
function axisValue(p, v, seed) {
  if (p.kind === "categorical") {
    const i = p.choices.indexOf(v);
    if (i < 0) return null;
    return i + (((seed * 2654435761) % 1000) / 1000 - 0.5) * 0.3;
  }
  return typeof v === "number" ? v : null;
}
function axisSpec(p) {
  if (p.kind === "categorical") return { label: p.name, lo: -0.5, hi: p.choices.length - 0.5, cats: p.choices.map(fmt), exact: true };
  return { label: p.name + (p.log ? " (log)" : ""), lo: p.low, hi: p.high, log: p.log && p.low > 0, ints: p.kind === "int" };
}

function pairView(chart, surface) {
  const [a, b] = pair();
  if (!b) { emptyChart(chart, "these views need two parameters"); return; }
  const pa = S.params.find((p) => p.name === a), pb = S.params.find((p) => p.name === b);
  const rows = S.rows.filter((r) => complete(r) && a in r.params && b in r.params);
  if (!rows.length) { emptyChart(chart, "no complete trial has both parameters yet"); return; }
  const vals = rows.map((r) => val(r)), [v0, v1] = extent(vals);
  const sign = dirOf() === "maximize" ? -1 : 1;
  const order = rows.map((_, i) => i).sort((i, j) => sign * (vals[i] - vals[j]));
  const rank = new Array(rows.length);
  order.forEach((i, k) => { rank[i] = rows.length > 1 ? k / (rows.length - 1) : 0; });
  const pts = rows.map((r, i) => ({ x: axisValue(pa, r.params[a], r.number), y: axisValue(pb, r.params[b], r.number * 7 + 1), row: r, t: rank[i] }));
  let grid = null;
  if (surface && rows.length >= 3) grid = idw(rows, pa, pb, a, b, vals, 40);
  xyPlot(chart, {
    x: axisSpec(pa), y: axisSpec(pb),
    draw(ctx, X, Y) {
      if (grid) {
        const n = grid.n;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          const g = grid.z[i * n + j];
          ctx.fillStyle = ramp(sign > 0 ? (g - v0) / ((v1 - v0) || 1) : (v1 - g) / ((v1 - v0) || 1));
          const xa = X(grid.x[i]), xb = X(grid.x[i + 1]), ya = Y(grid.y[j]), yb = Y(grid.y[j + 1]);
          ctx.fillRect(Math.min(xa, xb), Math.min(ya, yb), Math.abs(xb - xa) + 1, Math.abs(yb - ya) + 1);
        }
        for (const p of pts) dot(ctx, X(p.x), Y(p.y), 2.6, "#ffffff", 0.9, "#000000");
      } else {
        for (const p of pts) dot(ctx, X(p.x), Y(p.y), pts.length > 3000 ? 2.2 : 3.5, ramp(p.t), 0.9);
      }
    },
    pick: pts, text: (p) => trialText(p.row), onPick: (p) => openTrial(p.row.number),
    legend: legendItems([[`best ${objName()}: ${fmt(sign > 0 ? v0 : v1)}`, ramp(0)], [`worst: ${fmt(sign > 0 ? v1 : v0)}`, ramp(1)]]),
  });
}

// inverse-distance weighting on the unit square of the two parameters
function idw(rows, pa, pb, a, b, vals, n) {
  const step = Math.max(1, Math.floor(rows.length / 1500));
  const us = [], vs = [], zs = [];
  for (let i = 0; i < rows.length; i += step) {
    us.push(unitOf(pa, rows[i].params[a])); vs.push(unitOf(pb, rows[i].params[b])); zs.push(vals[i]);
  }
  const edges = (p) => {
    const out = [];
    for (let i = 0; i <= n; i++) {
      const u = i / n;
      out.push(p.kind === "categorical" ? u * p.choices.length - 0.5 : fromUnit(p, u));
    }
    return out;
  };
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const cu = (i + 0.5) / n, cv = (j + 0.5) / n;
    let num = 0, den = 0, exact = null;
    for (let k = 0; k < us.length; k++) {
      const du = us[k] - cu, dv = vs[k] - cv, d2 = du * du + dv * dv;
      if (d2 < 1e-12) { exact = zs[k]; break; }
      const w = 1 / (d2 * d2);
      num += w * zs[k]; den += w;
    }
    z[i * n + j] = exact !== null ? exact : num / den;
  }
  return { n, z, x: edges(pa), y: edges(pb) };
}

function importanceBars(chart, doc) {
  destroyPlot(chart);
  if (doc.error) { emptyChart(chart, doc.error); return; }
  $("view-note").textContent = `(from ${doc.n_trials} complete trials${doc.sampled ? ", a sample" : ""})`;
  const box = el("div", null, "bars");
  chart.dataset.points = doc.names.length;
  const top = Math.max(...doc.importances, 1e-12);
  doc.names.forEach((name, i) => {
    const row = el("div", null, "bar-row");
    row.appendChild(el("span", name, "bar-name"));
    const track = el("span", null, "bar-track");
    const bar = el("span", null, "bar");
    bar.style.width = (100 * doc.importances[i] / top).toFixed(1) + "%";
    track.appendChild(bar);
    row.appendChild(track);
    row.appendChild(el("span", (100 * doc.importances[i]).toFixed(1) + "%", "bar-value"));
    box.appendChild(row);
  });
  chart.replaceChildren(box);
}

// -- parallel coordinates: our own canvas, brushing ------------------------------------------------
// One model for the chart and the table's filter: the axes (the parameters, then the objectives,
// these on the drawn trials' extent) and the trials drawn, the complete ones with every objective.
// A range on an axis keeps only drawn trials in it, so the table lists what the chart keeps.
function pcpModel() {
  const axes = S.params.map((p) => ({ key: "param:" + p.name, label: p.name, p }));
  const objs = multi() ? S.names.map((n, i) => ({ key: "objective:" + i, label: n, obj: i })) : [{ key: "objective:0", label: objName(), obj: 0 }];
  const rows = S.rows.filter((r) => r.state === "complete" && objs.every((o) => val(r, o.obj) !== null));
  for (const o of objs) {
    const [lo, hi] = extent(rows.map((r) => val(r, o.obj)));
    o.p = { name: o.label, kind: "float", low: lo, high: hi, log: false };
  }
  const all = [...axes, ...objs];
  const units = (r) => all.map((a) => a.obj !== undefined ? unitOf(a.p, val(r, a.obj)) : unitOf(a.p, r.params[a.p.name]));
  return { axes, objs, all, rows, units };
}

// do a trial's axis positions ``u`` lie in every range (``range(key)``: [lo, hi] or none)?
function inRanges(all, u, range) {
  return all.every((a, i) => {
    const b = range(a.key);
    return !b || (u[i] !== null && u[i] >= b[0] && u[i] <= b[1]);
  });
}

function parallel(chart) {
  destroyPlot(chart);
  const c = C();
  const { objs, all, rows, units: unitsOf } = pcpModel();
  if (!rows.length || all.length < 2) { emptyChart(chart, rows.length ? "nothing to draw: no parameters" : "no complete trials yet"); return; }
  const canvas = el("canvas", null, "pcp");
  canvas.id = "parallel-canvas";
  chart.replaceChildren(canvas);
  const W = chart.clientWidth || 900, H = 380, dpr = window.devicePixelRatio || 1;
  canvas.width = W * dpr; canvas.height = H * dpr; canvas.style.height = H + "px";
  const left = 50, right = 70, top = 40, bottom = 30;
  const ax = (i) => left + i * (W - left - right) / (all.length - 1);
  const ay = (u) => top + (1 - u) * (H - top - bottom);
  const units = rows.map(unitsOf);
  const sign = dirOf() === "maximize" ? -1 : 1;
  const oi = all.length - objs.length + (multi() ? S.obj : 0);
  const live = { key: null, from: 0, to: 0 };
  const range = (key) => key === live.key ? [Math.min(live.from, live.to), Math.max(live.from, live.to)] : S.brushes[key];
  const passes = (u) => inRanges(all, u, range);
  function draw() {
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const path = (u) => {  // a parameter a trial does not have (conditional) is passed over
      let on = false;
      for (let i = 0; i < all.length; i++) {
        if (u[i] === null) continue;
        if (on) ctx.lineTo(ax(i), ay(u[i])); else { ctx.moveTo(ax(i), ay(u[i])); on = true; }
      }
    };
    const kept = [], out = [];
    for (const u of units) (passes(u) ? kept : out).push(u);
    ctx.lineWidth = 1;
    const strokeAll = (list) => {  // in batches: one huge self-crossing path is slow to fill
      for (let k = 0; k < list.length; k += 40) {
        ctx.beginPath();
        for (const u of list.slice(k, k + 40)) path(u);
        ctx.stroke();
      }
    };
    ctx.strokeStyle = c.dim; ctx.globalAlpha = out.length > 2000 ? 0.15 : 0.4;
    strokeAll(out);
    const bins = 16, buckets = Array.from({ length: bins }, () => []);
    for (const u of kept) {
      const t = sign > 0 ? u[oi] : 1 - u[oi];
      buckets[Math.min(bins - 1, Math.floor((t === null ? 1 : t) * bins))].push(u);
    }
    ctx.globalAlpha = kept.length > 3000 ? 0.3 : kept.length > 500 ? 0.55 : 0.85;
    for (let b = bins - 1; b >= 0; b--) {
      ctx.strokeStyle = ramp((b + 0.5) / bins);
      strokeAll(buckets[b]);
    }
    ctx.globalAlpha = 1;
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "center";
    all.forEach((a, i) => {
      const x = ax(i);
      ctx.strokeStyle = c.fg; ctx.lineWidth = 1.2;
      ctx.beginPath(); ctx.moveTo(x, ay(0)); ctx.lineTo(x, ay(1)); ctx.stroke();
      ctx.fillStyle = c.fg; ctx.textBaseline = "bottom";
      ctx.fillText(a.label.length > 22 ? a.label.slice(0, 21) + "…" : a.label, x, top - 18);
      ctx.fillStyle = c.muted; ctx.textBaseline = "middle"; ctx.textAlign = "left";
      const ticks = a.p.kind === "categorical" ? a.p.choices.map((ch, k) => [(k + 0.5) / a.p.choices.length, fmt(ch)])
        : [[0, fmt(fromUnit(a.p, 0))], [0.5, fmt(fromUnit(a.p, 0.5))], [1, fmt(fromUnit(a.p, 1))]];
      for (const [u, label] of ticks.slice(0, 12)) {
        ctx.fillRect(x - 3, ay(u), 6, 1);
        ctx.fillText(label, x + 5, ay(u));
      }
      ctx.textAlign = "center";
      const b = range(a.key);
      if (b) {
        ctx.fillStyle = c.front; ctx.globalAlpha = 0.22;
        ctx.fillRect(x - 8, ay(b[1]), 16, ay(b[0]) - ay(b[1]));
        ctx.globalAlpha = 1; ctx.strokeStyle = c.front; ctx.lineWidth = 1.5;
        ctx.strokeRect(x - 8, ay(b[1]), 16, ay(b[0]) - ay(b[1]));
      }
    });
    ctx.fillStyle = c.muted; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(`${kept.length} of ${units.length} complete trials in the ranges`, left, H - 18);
    chart.dataset.lines = units.length; chart.dataset.kept = kept.length;
  }
  const unitAt = (y) => Math.min(1, Math.max(0, 1 - (y - top) / (H - top - bottom)));
  const axisAt = (x) => { for (let i = 0; i < all.length; i++) if (Math.abs(x - ax(i)) <= 14) return i; return -1; };
  let frame = 0;
  canvas.addEventListener("mousedown", (e) => {
    const r = canvas.getBoundingClientRect(), i = axisAt(e.clientX - r.left);
    if (i < 0) return;
    e.preventDefault();
    live.key = all[i].key; live.from = live.to = unitAt(e.clientY - r.top);
    const move = (m) => {
      live.to = unitAt(m.clientY - r.top);
      if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
    };
    const up = () => {
      window.removeEventListener("mousemove", move); window.removeEventListener("mouseup", up);
      const lo = Math.min(live.from, live.to), hi = Math.max(live.from, live.to), key = live.key;
      live.key = null;
      if (hi - lo < 0.01) delete S.brushes[key]; else S.brushes[key] = [lo, hi];
      S.table.offset = 0;
      writeHash(); draw(); renderTable();
    };
    window.addEventListener("mousemove", move); window.addEventListener("mouseup", up);
  });
  canvas.addEventListener("mousemove", (e) => {
    const r = canvas.getBoundingClientRect();
    canvas.style.cursor = axisAt(e.clientX - r.left) >= 0 ? "ns-resize" : "default";
  });
  draw();
}

// the numbers of the trials the parallel-coordinates ranges keep (what that chart keeps), or null
// when no range is set
function brushedNumbers() {
  if (!Object.keys(S.brushes).length) return null;
  const { all, rows, units } = pcpModel();
  const range = (key) => S.brushes[key];
  return new Set(rows.filter((r) => inRanges(all, units(r), range)).map((r) => r.number));
}

// -- charts over uPlot ------------------------------------------------------------------------------
function destroyPlot(chart) {
  if (chart._plot) { chart._plot.destroy(); chart._plot = null; }
}

function emptyChart(chart, text) {
  destroyPlot(chart);
  chart.dataset.points = 0;
  chart.replaceChildren(el("div", text, "empty"));
}

function extent(xs) {
  let lo = Infinity, hi = -Infinity;
  for (const x of xs) { if (x === null || x === undefined || !Number.isFinite(x)) continue; if (x < lo) lo = x; if (x > hi) hi = x; }
  return lo <= hi ? [lo, hi] : [0, 1];
}

function padded(a, log, exact) {
  let { lo, hi } = a;
  if (exact) return [lo, hi];
  if (log) {
    lo = Math.max(lo, 1e-300); hi = Math.max(hi, lo * 1.0001);
    const f = Math.pow(hi / lo, 0.04) || 1.1;
    return [lo / f, hi * f];
  }
  if (!(hi > lo)) { const d = Math.abs(lo) * 0.1 || 1; return [lo - d, hi + d]; }
  const d = (hi - lo) * 0.04;
  return [lo - d, hi + d];
}

const tooltip = () => $("tooltip");

// An x-y chart: uPlot's scales, axes, zoom and cursor, our drawing in its draw hook (so that
// 10,000 points or curves are one canvas pass), and hover/click on the nearest point.
function xyPlot(chart, cfg) {
  destroyPlot(chart);
  chart.replaceChildren();
  const c = C();
  const xr = padded(cfg.x, cfg.x.log, cfg.x.exact), yr = padded(cfg.y, cfg.y.log, cfg.y.exact);
  const axis = (a, scale) => {
    const spec = {
      scale, label: a.label, stroke: c.muted, font: "11px system-ui, sans-serif",
      labelFont: "12px system-ui, sans-serif", grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 },
    };
    if (scale === "y") spec.size = 64;
    if (a.cats) {
      spec.splits = (u) => { const s = u.scales[scale], out = []; for (let i = 0; i < a.cats.length; i++) if (i >= s.min && i <= s.max) out.push(i); return out; };
      spec.values = (u, splits) => splits.map((i) => a.cats[i]);
      if (scale === "y") spec.size = Math.min(180, 16 + 7 * Math.max(...a.cats.map((t) => t.length)));
    } else if (a.log) {  // 1, 2, 5 times the powers of ten in view (uPlot's own: every 1..9)
      spec.splits = (u) => {
        const s = u.scales[scale], out = [];
        for (let e = Math.floor(Math.log10(s.min)); e <= Math.ceil(Math.log10(s.max)); e++) {
          for (const m of [1, 2, 5]) { const v = m * Math.pow(10, e); if (v >= s.min && v <= s.max) out.push(+v.toPrecision(6)); }
        }
        return out;
      };
    } else if (a.ints) {
      spec.incrs = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000];
    }
    if (!a.time && !a.cats) spec.values = (u, splits) => splits.map((v) => (v === null || v === undefined ? "" : fmt(+v.toPrecision(10))));
    return spec;
  };
  const H = cfg.height || 380;
  const opts = {
    width: Math.max(300, chart.clientWidth || 900), height: H,
    scales: {
      x: { time: !!cfg.x.time, auto: false, range: xr, distr: cfg.x.log ? 3 : 1 },
      y: { auto: false, range: yr, distr: cfg.y.log ? 3 : 1 },
    },
    axes: [axis(cfg.x, "x"), axis(cfg.y, "y")],
    series: [{}, { label: "", stroke: "transparent", points: { show: false } }],
    legend: { show: false },
    cursor: { drag: { x: true, y: true, uni: 20, setScale: true }, points: { show: false },
              bind: { dblclick: () => () => null } },
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx, bb = u.bbox;
        ctx.save();
        ctx.beginPath(); ctx.rect(bb.left, bb.top, bb.width, bb.height); ctx.clip();
        cfg.draw(ctx, (v) => u.valToPos(v, "x", true), (v) => u.valToPos(v, "y", true), u);
        ctx.restore();
      }],
      setCursor: [(u) => hover(u)],
    },
  };
  const u = new uPlot(opts, [[xr[0], xr[1]], [null, null]], chart);
  chart._plot = u;
  chart.dataset.points = cfg.pick ? cfg.pick.length : 0;  // what was drawn (the tests read it)
  let hit = null;
  function hover(u2) {
    const tip = tooltip();
    const { left, top } = u2.cursor;
    if (left === undefined || left < 0 || !cfg.pick || !cfg.pick.length) { tip.hidden = true; hit = null; return; }
    let best = null, bestD = 100;  // within 10 px
    for (const p of cfg.pick) {
      const dx = u2.valToPos(p.x, "x") - left, dy = u2.valToPos(p.y, "y") - top, d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = p; }
    }
    hit = best;
    if (!best) { tip.hidden = true; u2.over.style.cursor = "crosshair"; return; }
    u2.over.style.cursor = cfg.onPick ? "pointer" : "crosshair";
    tip.replaceChildren(...cfg.text(best).map((line) => el("div", line)));
    const r = u2.over.getBoundingClientRect();
    tip.hidden = false;
    tip.style.left = Math.min(window.innerWidth - 260, r.left + left + 14) + "px";
    tip.style.top = (r.top + top + 14) + "px";
  }
  u.over.addEventListener("mouseleave", () => { tooltip().hidden = true; });
  let down = null;
  u.over.addEventListener("mousedown", (e) => { down = [e.clientX, e.clientY]; });
  u.over.addEventListener("click", (e) => {
    if (down && Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return;
    if (hit && cfg.onPick) { tooltip().hidden = true; cfg.onPick(hit); }
  });
  u.over.addEventListener("dblclick", () => {
    u.batch(() => { u.setScale("x", { min: xr[0], max: xr[1] }); u.setScale("y", { min: yr[0], max: yr[1] }); });
  });
  // wheel: zoom around the cursor; shift+drag: pan
  const zoomed = (scale, at, f, log) => {
    const s = u.scales[scale];
    if (log) {
      const a = Math.log10(s.min), b = Math.log10(s.max), m = Math.log10(at);
      return { min: Math.pow(10, m - (m - a) * f), max: Math.pow(10, m + (b - m) * f) };
    }
    return { min: at - (at - s.min) * f, max: at + (s.max - at) * f };
  };
  u.over.addEventListener("wheel", (e) => {
    e.preventDefault();
    const f = e.deltaY < 0 ? 0.85 : 1 / 0.85, { left, top } = u.cursor;
    u.batch(() => {
      u.setScale("x", zoomed("x", u.posToVal(left, "x"), f, cfg.x.log));
      u.setScale("y", zoomed("y", u.posToVal(top, "y"), f, cfg.y.log));
    });
  }, { passive: false });
  u.root.addEventListener("mousedown", (e) => {
    if (!e.shiftKey) return;
    e.stopPropagation(); e.preventDefault();
    const x0 = e.clientX, y0 = e.clientY, sx = { ...u.scales.x }, sy = { ...u.scales.y };
    const W = u.over.clientWidth, Hh = u.over.clientHeight;
    const shift = (s, d, log) => {
      if (log) { const a = Math.log10(s.min), b = Math.log10(s.max), k = d * (b - a); return { min: Math.pow(10, a - k), max: Math.pow(10, b - k) }; }
      const k = d * (s.max - s.min); return { min: s.min - k, max: s.max - k };
    };
    const move = (m) => u.batch(() => {
      u.setScale("x", shift(sx, (m.clientX - x0) / W, cfg.x.log));
      u.setScale("y", shift(sy, -(m.clientY - y0) / Hh, cfg.y.log));
    });
    const up = () => { window.removeEventListener("mousemove", move); window.removeEventListener("mouseup", up); };
    window.addEventListener("mousemove", move); window.addEventListener("mouseup", up);
  }, true);
  if (cfg.legend && cfg.legend.length) {
    const box = el("div", null, "legend");
    box.replaceChildren(...cfg.legend);
    chart.appendChild(box);
  }
  return u;
}

function legendItems(items) {
  return items.map(([label, color]) => {
    const item = el("span", label, "legend-item");
    const sw = el("span", null, "swatch"); sw.style.background = color;
    item.prepend(sw);
    return item;
  });
}

function dot(ctx, x, y, r, color, alpha, stroke) {
  const k = devicePixelRatio;
  ctx.globalAlpha = alpha; ctx.fillStyle = color;
  ctx.beginPath(); ctx.arc(x, y, r * k, 0, 2 * Math.PI); ctx.fill();
  if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = k; ctx.stroke(); }
  ctx.globalAlpha = 1;
}

function dots(ctx, X, Y, pts, r, color, alpha) {
  const k = devicePixelRatio * r;
  ctx.globalAlpha = alpha; ctx.fillStyle = color;
  ctx.beginPath();
  for (const p of pts) { const x = X(p.x), y = Y(p.y); ctx.moveTo(x + k, y); ctx.arc(x, y, k, 0, 2 * Math.PI); }
  ctx.fill(); ctx.globalAlpha = 1;
}

function crosses(ctx, X, Y, pts, r, color) {
  const k = devicePixelRatio * r;
  ctx.strokeStyle = color; ctx.lineWidth = 1.3 * devicePixelRatio; ctx.beginPath();
  for (const p of pts) { const x = X(p.x), y = Y(p.y); ctx.moveTo(x - k, y - k); ctx.lineTo(x + k, y + k); ctx.moveTo(x - k, y + k); ctx.lineTo(x + k, y - k); }
  ctx.stroke();
}

// a step line through [x, y] points: flat until the next point, then up or down to it
function stepLine(ctx, X, Y, line, color, width, alongY) {
  if (!line.length) return;
  ctx.strokeStyle = color; ctx.lineWidth = width * devicePixelRatio; ctx.beginPath();
  ctx.moveTo(X(line[0][0]), Y(line[0][1]));
  for (let i = 1; i < line.length; i++) {
    if (alongY) ctx.lineTo(X(line[i][0]), Y(line[i - 1][1]));
    else ctx.lineTo(X(line[i][0]), Y(line[i - 1][1]));
    ctx.lineTo(X(line[i][0]), Y(line[i][1]));
  }
  ctx.stroke();
}

function bestLine(pts, direction) {
  const better = direction === "maximize" ? (a, b) => a > b : (a, b) => a < b;
  const out = [];
  let best = null;
  for (const p of pts) if (best === null || better(p.y, best)) { best = p.y; out.push([p.x, p.y]); }
  return out;
}

function trialText(r) {
  const lines = [`trial ${r.number} (${r.state})`];
  if (multi()) lines.push(S.names.map((n, i) => `${n} ${fmt(r.values ? r.values[i] : null)}`).join(", "));
  else lines.push(`value ${fmt(r.value)}`);
  const names = Object.keys(r.params);
  for (const n of names.slice(0, 8)) lines.push(`${n} = ${fmt(r.params[n])}`);
  if (names.length > 8) lines.push(`… ${names.length - 8} more`);
  return lines;
}

// -- the trials table: every trial in the page, sorted and filtered here ---------------------------
function columns() {
  const anyFeasible = S.rows.some((r) => r.feasible !== null && r.feasible !== undefined);
  const withReason = S.rows.some((r) => r.reason);
  const objectives = multi() ? S.names.map((n, i) => ["objective:" + i, n, "num"]) : [["value", "value", "num"]];
  const cols = [["number", "#", "num"], ["state", "state", ""], ...objectives];
  if (anyFeasible) cols.push(["feasible", "feasible", ""]);
  cols.push(["start", "started", ""], ["end", "finished", ""], ["duration", "duration", "num"], ["owner", "worker", ""]);
  for (const p of S.params) cols.push(["param:" + p.name, p.name, p.kind === "categorical" ? "" : "num"]);
  if (withReason) cols.push(["reason", "reason", ""]);
  return cols;
}

function cell(r, key) {
  if (key === "number") return r.number;
  if (key === "state") return r.state;
  if (key === "value") return r.value;
  if (key.startsWith("objective:")) return r.values ? r.values[parseInt(key.slice(10), 10)] : null;
  if (key === "feasible") return r.feasible === null || r.feasible === undefined ? null : (r.feasible ? "yes" : "no");
  if (key === "start") return r.start;
  if (key === "end") return r.end;
  if (key === "duration") return r.start !== null && r.end !== null ? r.end - r.start : null;
  if (key === "owner") return r.owner || null;
  if (key.startsWith("param:")) { const v = r.params[key.slice(6)]; return v === undefined ? null : v; }
  if (key === "reason") return r.reason || null;
  return null;
}

// a column filter: "0.1..0.5", ">= 3", "< 1e-3", "= adam", or text that the value contains
function columnTest(text) {
  const t = text.trim();
  if (!t) return null;
  const range = t.match(/^(-?[\d.eE+-]+)\s*\.\.\s*(-?[\d.eE+-]+)$/);
  if (range) { const a = +range[1], b = +range[2]; return (v) => typeof v === "number" && v >= Math.min(a, b) && v <= Math.max(a, b); }
  const cmp = t.match(/^(<=|>=|<|>|=|!=)\s*(.+)$/);
  if (cmp) {
    const num = Number(cmp[2]);
    if (cmp[1] === "=" || cmp[1] === "!=") {
      const eq = (v) => v !== null && (String(v) === cmp[2].trim() || (Number.isFinite(num) && v === num));
      return cmp[1] === "=" ? eq : (v) => !eq(v);
    }
    if (!Number.isFinite(num)) return () => false;
    const f = { "<": (v) => v < num, "<=": (v) => v <= num, ">": (v) => v > num, ">=": (v) => v >= num }[cmp[1]];
    return (v) => typeof v === "number" && f(v);
  }
  const low = t.toLowerCase();
  return (v) => v !== null && String(v).toLowerCase().includes(low);
}

function filteredRows() {
  const t = S.table;
  const vmin = t.vmin === "" ? null : Number(t.vmin), vmax = t.vmax === "" ? null : Number(t.vmax);
  const tests = Object.entries(t.cols).map(([key, text]) => [key, columnTest(text)]).filter(([, f]) => f);
  const kept = brushedNumbers();
  return S.rows.filter((r) => {
    if (kept && !kept.has(r.number)) return false;
    if (!t.states.has(r.state)) return false;
    if (!multi() && (vmin !== null || vmax !== null)) {
      if (r.value === null) return false;
      if (vmin !== null && Number.isFinite(vmin) && r.value < vmin) return false;
      if (vmax !== null && Number.isFinite(vmax) && r.value > vmax) return false;
    }
    for (const [key, f] of tests) if (!f(cell(r, key))) return false;
    return true;
  });
}

function sortedRows(rows) {
  const { sort, order } = S.table, sign = order === "desc" ? -1 : 1;
  const keyed = rows.map((r) => [cell(r, sort), r]);
  keyed.sort((a, b) => {
    const x = a[0], y = b[0];
    if (x === null && y === null) return a[1].number - b[1].number;
    if (x === null) return 1;
    if (y === null) return -1;
    let d = 0;
    if (typeof x === "number" && typeof y === "number") d = x - y;
    else d = String(x).localeCompare(String(y), undefined, { numeric: true });
    return d ? sign * d : a[1].number - b[1].number;
  });
  return keyed.map((k) => k[1]);
}

function renderTable() {
  const cols = columns(), t = S.table;
  const head = $("trials").tHead.rows[0], filterRow = $("trials").tHead.rows[1];
  head.replaceChildren(...cols.map(([key, label, cls]) => {
    const th = el("th", label, "sortable " + cls);
    th.dataset.sort = key;
    th.title = "sort by " + label;
    if (t.sort === key) th.classList.add("sorted-" + t.order);
    th.addEventListener("click", () => sortBy(key));
    return th;
  }));
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.col : null;
  if (filterRow.dataset.cols !== cols.map((c) => c[0]).join("\u0000")) {
    filterRow.dataset.cols = cols.map((c) => c[0]).join("\u0000");
    filterRow.replaceChildren(...cols.map(([key]) => {
      const th = el("th");
      if (key.startsWith("param:") || key.startsWith("objective:") || key === "owner" || key === "duration" || key === "reason") {
        const input = el("input", null, "col-filter");
        input.dataset.col = key; input.placeholder = "filter"; input.size = 6; input.value = t.cols[key] || "";
        input.title = "a..b, >= x, < x, = x, or text";
        let typing = null;
        input.addEventListener("input", () => {
          clearTimeout(typing);
          typing = setTimeout(() => { t.cols[key] = input.value; t.offset = 0; writeHash(); renderTable(); }, 250);
        });
        th.appendChild(input);
      }
      return th;
    }));
  } else if (!focused) {
    for (const input of filterRow.querySelectorAll("input")) input.value = t.cols[input.dataset.col] || "";
  }
  const rows = sortedRows(filteredRows());
  if (t.offset >= rows.length) t.offset = Math.max(0, Math.floor((rows.length - 1) / t.limit) * t.limit);
  const page = rows.slice(t.offset, t.offset + t.limit);
  const trs = page.map((r) => {
    const tr = el("tr");
    tr.dataset.number = r.number;
    if (S.fresh.has(r.number)) tr.className = "fresh";
    if (S.trial === r.number) tr.classList.add("open");
    for (const [key, , cls] of cols) {
      const v = cell(r, key);
      if (key === "number") {
        const td = el("td", null, "num");
        const a = el("a", r.number); a.href = "#trial=" + r.number; a.className = "trial-link";
        a.addEventListener("click", (e) => { e.preventDefault(); openTrial(r.number); });
        td.appendChild(a); tr.appendChild(td);
      } else if (key === "state") {
        const td = el("td"); td.appendChild(el("span", r.state, "state " + r.state)); tr.appendChild(td);
      } else if (key === "start" || key === "end") tr.appendChild(el("td", fmtEpoch(v)));
      else if (key === "duration") tr.appendChild(el("td", fmtDuration(v), "num"));
      else if (key === "reason") tr.appendChild(el("td", v || "", "reason"));
      else if (key === "feasible") tr.appendChild(el("td", v || "", v === "no" ? "infeasible" : ""));
      else tr.appendChild(el("td", fmt(v), cls));
    }
    return tr;
  });
  $("trials").tBodies[0].replaceChildren(...trs);
  const pages = Math.max(1, Math.ceil(rows.length / t.limit)), at = Math.floor(t.offset / t.limit) + 1;
  $("page-info").textContent = rows.length === 0 ? "no trials match"
    : `trials ${t.offset + 1}–${t.offset + page.length} of ${rows.length} (page ${at} of ${pages})`;
  const nb = Object.keys(S.brushes).length;
  $("filter-note").textContent = (rows.length < S.rows.length ? `${rows.length} of ${S.rows.length} trials match` : "") +
    (nb ? ` · ${nb} parallel-coordinates range${nb > 1 ? "s" : ""}` : "");
  $("first-page").disabled = $("prev-page").disabled = t.offset === 0;
  $("next-page").disabled = $("last-page").disabled = t.offset + t.limit >= rows.length;
  $("value-min").disabled = $("value-max").disabled = multi();
  setTimeout(() => { for (const r of document.querySelectorAll("tr.fresh")) r.classList.remove("fresh"); }, 50);
}

function sortBy(key) {
  const t = S.table;
  if (t.sort === key) t.order = t.order === "asc" ? "desc" : "asc";
  else {
    t.sort = key;
    const objective = key === "value" ? dirOf(0) : key.startsWith("objective:") ? dirOf(parseInt(key.slice(10), 10)) : null;
    t.order = objective === "maximize" ? "desc" : "asc";
  }
  t.offset = 0;
  S.fresh = new Set();
  writeHash();
  renderTable();
}

function buildFilters() {
  $("state-filters").replaceChildren(...STATES.map((st) => {
    const label = el("label");
    const cb = el("input");
    cb.type = "checkbox"; cb.value = st; cb.id = "filter-" + st;
    cb.addEventListener("change", () => {
      if (cb.checked) S.table.states.add(st); else S.table.states.delete(st);
      S.table.offset = 0; writeHash(); renderTable();
    });
    label.appendChild(cb);
    label.appendChild(document.createTextNode(" " + st));
    return label;
  }));
  let typing = null;
  for (const [id, key] of [["value-min", "vmin"], ["value-max", "vmax"]]) {
    $(id).addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => { S.table[key] = $(id).value.trim(); S.table.offset = 0; writeHash(); renderTable(); }, 300);
    });
  }
  $("page-size").addEventListener("change", () => {
    S.table.limit = parseInt($("page-size").value, 10); S.table.offset = 0; writeHash(); renderTable();
  });
  $("clear-filters").addEventListener("click", () => {
    S.table.states = new Set(STATES); S.table.vmin = S.table.vmax = ""; S.table.cols = {}; S.brushes = {};
    S.table.offset = 0; syncFilters(); writeHash(); renderTable(); if (S.view === "parallel") renderView();
  });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  const go = (offset) => { S.table.offset = Math.max(0, offset); writeHash(); renderTable(); };
  $("first-page").addEventListener("click", () => go(0));
  $("prev-page").addEventListener("click", () => go(S.table.offset - S.table.limit));
  $("next-page").addEventListener("click", () => go(S.table.offset + S.table.limit));
  $("last-page").addEventListener("click", () => go((Math.ceil(filteredRows().length / S.table.limit) - 1) * S.table.limit));
  $("detail-close").addEventListener("click", (e) => { e.preventDefault(); closeTrial(); });
  $("detail-prev").addEventListener("click", (e) => { e.preventDefault(); stepTrial(-1); });
  $("detail-next").addEventListener("click", (e) => { e.preventDefault(); stepTrial(1); });
  syncFilters();
}

function syncFilters() {
  for (const st of STATES) $("filter-" + st).checked = S.table.states.has(st);
  $("value-min").value = S.table.vmin; $("value-max").value = S.table.vmax;
  const size = $("page-size");
  if (![...size.options].some((o) => o.value === String(S.table.limit))) size.appendChild(el("option", S.table.limit));
  size.value = String(S.table.limit);
  const filterRow = $("trials").tHead.rows[1];
  for (const input of filterRow.querySelectorAll("input")) input.value = S.table.cols[input.dataset.col] || "";
}

// -- one trial's page --------------------------------------------------------------------------------
function openTrial(number) {
  S.trial = number;
  writeHash(true);
  renderDetail(true);
  renderTable();
}
function closeTrial() { S.trial = null; writeHash(true); renderDetail(); renderTable(); }
function stepTrial(d) {
  if (S.trial === null) return;
  const i = S.rows.findIndex((r) => r.number === S.trial);
  const next = S.rows[i + d];
  if (next) openTrial(next.number);
}

let detailToken = 0;
async function renderDetail(scroll) {
  const box = $("trial-detail");
  if (S.trial === null) { box.hidden = true; destroyPlot($("detail-chart")); return; }
  const token = ++detailToken, number = S.trial;
  let t;
  try {
    t = await S.src.trial(S.name, number);
  } catch (e) {
    if (token !== detailToken) return;
    box.hidden = false;
    $("detail-title").textContent = `Trial ${number}: ${e.message}`;
    for (const id of ["detail-facts", "detail-params", "detail-attrs"]) $(id).tBodies[0].replaceChildren();
    emptyChart($("detail-chart"), "");
    return;
  }
  if (token !== detailToken) return;
  box.hidden = false;
  $("detail-title").textContent = `Trial ${t.number}`;
  const facts = [["state", t.state]];
  if (multi()) S.names.forEach((n, i) => facts.push([n, fmt(t.values ? t.values[i] : null)]));
  else facts.push(["value", fmt(t.value)]);
  if (t.constraints) facts.push(["constraints", t.constraints.map(fmt).join(", ")], ["feasible", t.feasible ? "yes" : "no"]);
  facts.push(["started", fmtEpoch(t.start_epoch)], ["finished", fmtEpoch(t.end_epoch)], ["duration", fmtDuration(t.duration_s)],
             ["worker", t.owner || ""], ["steps reported", String(t.intermediate.length)]);
  if (t.fail_reason) facts.push(["failure", t.fail_reason]);
  const kv = (rows) => rows.map(([k, v, extra]) => {
    const tr = el("tr");
    tr.appendChild(el("th", k));
    const td = el("td", v);
    if (k === "failure") td.className = "reason";
    tr.appendChild(td);
    if (extra !== undefined) tr.appendChild(el("td", extra, "muted"));
    return tr;
  });
  const body = $("detail-facts").tBodies[0];
  body.replaceChildren(...kv(facts));
  const link = (label, n) => {
    const tr = el("tr"); tr.appendChild(el("th", label));
    const td = el("td"), a = el("a", "trial " + n); a.href = "#trial=" + n;
    a.addEventListener("click", (e) => { e.preventDefault(); openTrial(n); });
    td.appendChild(a); tr.appendChild(td); return tr;
  };
  if (t.retry_of !== null && t.retry_of !== undefined) body.appendChild(link("a retry of", t.retry_of));
  for (const n of t.retried_by || []) body.appendChild(link("retried as", n));
  $("detail-params").tBodies[0].replaceChildren(...kv(Object.entries(t.params).map(([k, v]) => [k, fmt(v), t.distributions && t.distributions[k] ? distText(t.distributions[k]) : ""])));
  const attrs = Object.entries(t.user_attrs || {});
  $("detail-attrs").hidden = !attrs.length;
  $("detail-attrs").tBodies[0].replaceChildren(...kv(attrs.map(([k, v]) => [k, fmt(v)])));
  const steps = t.intermediate.filter((p) => p[1] !== null);
  $("detail-steps").textContent = t.thinned ? "(thinned in this report)" : `(${t.intermediate.length})`;
  $("detail-curve-figure").hidden = !steps.length;
  if (steps.length) {
    const c = C(), [x0, x1] = extent(steps.map((p) => p[0])), [y0, y1] = extent(steps.map((p) => p[1]));
    const pts = steps.map(([x, y]) => ({ x, y }));
    xyPlot($("detail-chart"), {
      x: { label: "step", lo: x0, hi: Math.max(x1, x0 + 1), ints: true }, y: { label: "reported value", lo: y0, hi: y1 }, height: 260,
      draw(ctx, X, Y) {
        ctx.strokeStyle = c[t.state] || c.complete; ctx.lineWidth = 1.6 * devicePixelRatio; ctx.beginPath();
        pts.forEach((p, i) => (i ? ctx.lineTo(X(p.x), Y(p.y)) : ctx.moveTo(X(p.x), Y(p.y))));
        ctx.stroke();
        if (pts.length <= 200) dots(ctx, X, Y, pts, 2.5, c[t.state] || c.complete, 1);
      },
      pick: pts, text: (p) => [`step ${p.x}`, fmt(p.y)],
    });
  } else destroyPlot($("detail-chart"));
  if (scroll) box.scrollIntoView({ block: "nearest" });
}

function distText(d) {
  if (d.type === "categorical") return "one of " + d.choices.map(fmt).join(", ");
  return `${d.type} ${fmt(d.low)} to ${fmt(d.high)}${d.log ? ", log" : ""}${d.step ? `, step ${fmt(d.step)}` : ""}`;
}

// -- theme -------------------------------------------------------------------------------------------
function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const b = $("theme");
  if (b) b.textContent = theme === "dark" ? "light" : "dark";
}
function initTheme() {
  let saved = null;
  try { saved = localStorage.getItem(THEME_KEY); } catch (e) { saved = null; }
  const h = new URLSearchParams(window.location.hash.slice(1)).get("theme");
  const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  applyTheme(h || saved || (dark ? "dark" : "light"));
  const b = $("theme");
  if (b) b.addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    applyTheme(next);
    try { localStorage.setItem(THEME_KEY, next); } catch (e) { /* private mode */ }
    if (!$("study-view").hidden) { renderView(); if (S.trial !== null) renderDetail(); } else if (compare.names.length) drawCompare();
  });
}

// -- start -------------------------------------------------------------------------------------------
function route() {
  initTheme();
  const embedded = document.getElementById("tunecycle-data");
  if (embedded) {
    const doc = JSON.parse(embedded.textContent);
    S.src = embeddedSource(doc);
    S.embedded = true;
    document.body.classList.add("embedded");
    showStudy(doc.summary.name);
    return;
  }
  S.src = apiSource();
  const path = window.location.pathname;
  if (path.startsWith("/studies/")) showStudy(decodeURIComponent(path.slice("/studies/".length)));
  else showList();
}

window.tunecycleDashboard = { state: S, render: renderAll };
document.addEventListener("DOMContentLoaded", route);
})();
