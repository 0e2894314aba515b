// tunecycle dashboard: the page's own script (no libraries).  It reads the JSON API with GET
// requests only, draws the charts on <canvas>, and follows a study by asking for the trials
// changed after its cursor every 1.5 s.  Data from the store is put on the page as text
// (textContent), never as HTML.
"use strict";

const POLL_MS = 1500;
const LIST_POLL_MS = 2500;
const STATES = ["complete", "pruned", "failed", "running", "waiting"];
const COLORS = {
  complete: "#2f6fdf", pruned: "#e08a1e", failed: "#c83737", running: "#2e9b5d",
  waiting: "#8a8fa0", best: "#1d2330", front: "#d62728", dominated: "#8fb8e0",
  infeasible: "#8c8c8c",
};
const SORTABLE = { number: "#", state: "state", value: "value",
                   datetime_start: "started", datetime_complete: "finished" };

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

function fmtTime(iso) { return iso ? iso.replace("T", " ") : ""; }

function fmtDuration(s) {
  if (s === null || s === undefined) return "";
  if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + " s";
  if (s < 3600) return (s / 60).toFixed(1) + " min";
  return (s / 3600).toFixed(2) + " h";
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

function setLive(ok, text) {
  const live = $("live");
  live.className = "live " + (ok ? "ok" : "down");
  live.textContent = text;
}

function now() { return new Date().toLocaleTimeString(); }

function studyApi(name, what) { return `/api/studies/${encodeURIComponent(name)}/${what}`; }

// -- the list of studies ---------------------------------------------------------------------
async function showList() {
  $("list-view").hidden = false;
  document.title = "studies · tunecycle dashboard";
  const refresh = async () => {
    try {
      const data = await getJSON("/api/studies");
      renderStudies(data.studies);
      setLive(true, `live · ${data.studies.length} studies · updated ${now()}`);
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
    const link = el("a", s.name);
    link.href = "/studies/" + encodeURIComponent(s.name);
    const name = el("td");
    name.appendChild(link);
    tr.appendChild(name);
    tr.appendChild(el("td", (s.directions || [s.direction]).join(", ")));
    tr.appendChild(el("td", s.n_trials, "num"));
    for (const st of ["complete", "pruned", "failed", "running", "waiting"]) {
      tr.appendChild(el("td", s.counts[st], "num"));
    }
    tr.appendChild(el("td", fmt(s.best_value), "num"));
    tr.appendChild(el("td", fmtTime(s.datetime_start)));
    return tr;
  });
  body.replaceChildren(...rows);
  $("no-studies").hidden = studies.length > 0;
  $("studies").hidden = studies.length === 0;
}

// -- one study -------------------------------------------------------------------------------
const study = {
  name: "",
  direction: "minimize",
  cursor: 0,
  number: [], state: [], value: [],        // every trial, for the history chart
  directions: ["minimize"], names: ["value"],  // one per objective
  values: [], feasible: [],                // several objectives: every trial's values
  pareto: null,                            // several objectives: front and hypervolume steps
  xObj: 0, yObj: 1,                        // the objectives on the front chart's axes
  page: { offset: 0, limit: 50, sort: "number", order: "desc", states: new Set(STATES),
          valueMin: "", valueMax: "" },
  total: 0,
  trials: [],                              // the rows on the current page
  fresh: new Set(),                        // numbers changed by the last poll (highlighted)
  pageToken: 0,
  pollTimer: null,
};

async function showStudy(name) {
  study.name = name;
  $("study-view").hidden = false;
  $("study-name").textContent = name;
  document.title = `${name} · tunecycle dashboard`;
  buildFilters();
  window.addEventListener("resize", scheduleDraw);
  await startStudy();
}

function multi() { return study.directions.length > 1; }

async function startStudy() {
  clearTimeout(study.pollTimer);
  try {
    await loadSummary();  // first: it says how many objectives the study has
    // two reads side by side; following the changes starts from the older of the two
    // cursors, so nothing written meanwhile is missed (a change seen twice is harmless)
    const [pts, pageCursor] = await Promise.all(
      [getJSON(studyApi(study.name, "points")), loadPage()]);
    study.cursor = Math.min(pts.cursor, pageCursor === null ? pts.cursor : pageCursor);
    study.number = pts.number; study.state = pts.state; study.value = pts.value;
    study.values = pts.values || []; study.feasible = pts.feasible || [];
    if (multi()) await loadPareto();
    study.summaryStale = true;  // it was read without a cursor: refresh it at the first poll
    $("study-error").hidden = true;
    setLive(true, `live · updated ${now()}`);
    scheduleDraw();
  } catch (e) {
    showStudyError(e);
  }
  study.pollTimer = setTimeout(poll, POLL_MS);
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
    const ch = await getJSON(studyApi(study.name, "changes") + `?since=${study.cursor}`);
    if (ch.reset) {  // the study was deleted and made again under this name
      await startStudy();
      return;
    }
    study.cursor = ch.cursor;
    if (ch.trials.length) {
      study.fresh = new Set(ch.trials.map((t) => t.number));
      for (const t of ch.trials) putPoint(t);
      study.summaryStale = false;
      await Promise.all([loadSummary(), loadPage(), multi() ? loadPareto() : null]);
      scheduleDraw();
    } else if (study.summaryStale) {
      study.summaryStale = false;
      await loadSummary();
    }
    $("study-error").hidden = true;
    setLive(true, `live · updated ${now()}`);
    if (ch.more) again = 0;
  } catch (e) {
    if (e.status === 404) showStudyError(e);
    else setLive(false, `cannot reach the server (${e.message}); retrying`);
    again = POLL_MS * 2;
  }
  study.pollTimer = setTimeout(poll, again);
}

function putPoint(t) {
  while (study.number.length <= t.number) {
    study.number.push(study.number.length); study.state.push(null); study.value.push(null);
    study.values.push(null); study.feasible.push(null);
  }
  study.state[t.number] = t.state;
  study.value[t.number] = t.value;
  study.values[t.number] = t.values;
  study.feasible[t.number] = t.feasible;
}

async function loadPareto() {
  study.pareto = await getJSON(studyApi(study.name, "pareto"));
  const p = study.pareto;
  $("best-value").textContent = p.front.length;
  const ref = p.reference === null ? "" : "reference point " +
    study.names.map((n, i) => `${n}=${fmt(p.reference[i])}`).join(", ");
  $("hv-note").textContent = `(${ref}${ref ? "; " : ""}${p.n_infeasible} of ${p.n_complete} complete trials infeasible)`;
  scheduleDraw();
}

function setObjectives(s) {
  const names = s.metric_names || (s.directions.length > 1
    ? s.directions.map((d, i) => "values_" + i) : ["value"]);
  const changed = names.join("\u0000") !== study.names.join("\u0000");
  study.directions = s.directions || [s.direction];
  study.names = names;
  const several = multi();
  $("front-figure").hidden = !several;
  $("hv-figure").hidden = !several;
  $("history-figure").hidden = several;
  for (const e of document.querySelectorAll(".value-filter")) e.hidden = several;
  $("best-label").textContent = several ? "Pareto front (trials)" : "best value";
  $("direction-label").textContent = several ? "directions" : "direction";
  if (several && changed) {
    for (const [id, key] of [["front-x", "xObj"], ["front-y", "yObj"]]) {
      const select = $(id);
      select.replaceChildren(...names.map((n, i) => {
        const o = el("option", `${n} (${study.directions[i]})`);
        o.value = i;
        return o;
      }));
      select.value = study[key];
      select.onchange = () => { study[key] = parseInt(select.value, 10); scheduleDraw(); };
    }
  }
}

async function loadSummary() {
  const s = await getJSON(studyApi(study.name, "summary"));
  study.direction = s.direction;
  setObjectives(s);
  $("trial-count").textContent = s.n_trials;
  if (!multi()) $("best-value").textContent = s.best_value === null ? "–" : fmt(s.best_value);
  else if (study.pareto) $("best-value").textContent = study.pareto.front.length;
  $("direction").textContent = study.directions.join(", ");
  const box = $("state-counts");
  box.replaceChildren(...STATES.map((st) => {
    const span = el("span");
    span.appendChild(el("span", st, "state " + st));
    span.appendChild(document.createTextNode(" " + s.counts[st]));
    span.id = "count-" + st;
    return span;
  }));
}

function pageQuery() {
  const p = study.page;
  const q = new URLSearchParams({ offset: p.offset, limit: p.limit, sort: p.sort, order: p.order });
  if (p.states.size < STATES.length) q.set("state", [...p.states].join(","));
  if (p.valueMin !== "") q.set("value_min", p.valueMin);
  if (p.valueMax !== "") q.set("value_max", p.valueMax);
  return q.toString();
}

// loads the table's page; returns the cursor it was read at (null when nothing was asked)
async function loadPage() {
  const token = ++study.pageToken;
  let cursor = null;
  if (study.page.states.size === 0) {  // nothing selected: nothing to ask for
    study.total = 0; study.trials = [];
  } else {
    const data = await getJSON(studyApi(study.name, "trials") + "?" + pageQuery());
    if (token !== study.pageToken) return data.cursor;  // a newer request was made meanwhile
    cursor = data.cursor;
    study.total = data.total;
    study.trials = data.trials;
    if (study.page.offset > 0 && study.page.offset >= data.total) {
      study.page.offset = Math.max(0, (Math.ceil(data.total / study.page.limit) - 1) * study.page.limit);
      const again = await loadPage();
      return again === null ? cursor : Math.min(cursor, again);
    }
  }
  renderTrials();
  scheduleDraw();
  return cursor;
}

function renderTrials() {
  const trials = study.trials;
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const withReason = trials.some((t) => t.fail_reason);
  const constrained = trials.some((t) => t.constraints);
  const several = multi();
  const head = $("trials").tHead.rows[0];
  const objectives = several ? study.names.map((n, i) => ["objective:" + i, n]) : [["value", "value"]];
  const cols = [
    ["number", "#"], ["state", "state"], ...objectives,
    ...(constrained ? [["feasible", "feasible"]] : []), ["datetime_start", "started"],
    ["datetime_complete", "finished"], ["duration", "duration"],
    ...params.map((p) => ["param:" + p, p]),
  ];
  if (withReason) cols.push(["reason", "reason"]);
  head.replaceChildren(...cols.map(([key, label]) => {
    const th = el("th", label);
    if (SORTABLE[key]) {
      th.classList.add("sortable");
      th.dataset.sort = key;
      th.title = "sort by " + label;
      if (study.page.sort === key) th.classList.add("sorted-" + study.page.order);
      th.addEventListener("click", () => sortBy(key));
    }
    if (key === "number" || key === "value" || key === "duration" || key.startsWith("objective:")) {
      th.classList.add("num");
    }
    return th;
  }));
  const rows = trials.map((t) => {
    const tr = el("tr");
    tr.dataset.number = t.number;
    if (study.fresh.has(t.number)) tr.className = "fresh";
    tr.appendChild(el("td", t.number, "num"));
    const st = el("td");
    st.appendChild(el("span", t.state, "state " + t.state));
    tr.appendChild(st);
    if (several) {
      for (let i = 0; i < study.names.length; i++) {
        tr.appendChild(el("td", t.values ? fmt(t.values[i]) : "", "num"));
      }
    } else {
      tr.appendChild(el("td", fmt(t.value), "num"));
    }
    if (constrained) {
      const done = t.state === "complete";
      tr.appendChild(el("td", t.constraints && done ? (t.feasible ? "yes" : "no") : "",
                        t.feasible === false ? "infeasible" : ""));
    }
    tr.appendChild(el("td", fmtTime(t.datetime_start)));
    tr.appendChild(el("td", fmtTime(t.datetime_complete)));
    tr.appendChild(el("td", fmtDuration(t.duration_s), "num"));
    for (const p of params) tr.appendChild(el("td", p in t.params ? fmt(t.params[p]) : ""));
    if (withReason) tr.appendChild(el("td", t.fail_reason || "", "reason"));
    return tr;
  });
  $("trials").tBodies[0].replaceChildren(...rows);
  const p = study.page;
  const pages = Math.max(1, Math.ceil(study.total / p.limit));
  const at = Math.floor(p.offset / p.limit) + 1;
  $("page-info").textContent = study.total === 0
    ? "no trials match"
    : `trials ${p.offset + 1}–${p.offset + trials.length} of ${study.total} (page ${at} of ${pages})`;
  $("first-page").disabled = $("prev-page").disabled = p.offset === 0;
  $("next-page").disabled = $("last-page").disabled = p.offset + p.limit >= study.total;
  setTimeout(() => { for (const r of document.querySelectorAll("tr.fresh")) r.className = ""; }, 50);
}

function sortBy(key) {
  const p = study.page;
  if (p.sort === key) p.order = p.order === "asc" ? "desc" : "asc";
  else { p.sort = key; p.order = key === "value" ? (study.direction === "maximize" ? "desc" : "asc") : "asc"; }
  p.offset = 0;
  reloadPage();
}

function reloadPage() {
  study.fresh = new Set();
  loadPage().catch((e) => {
    $("study-error").textContent = e.message;
    $("study-error").hidden = false;
  });
}

function buildFilters() {
  const box = $("state-filters");
  box.replaceChildren(...STATES.map((st) => {
    const label = el("label");
    const cb = el("input");
    cb.type = "checkbox"; cb.checked = true; cb.value = st; cb.id = "filter-" + st;
    cb.addEventListener("change", () => {
      if (cb.checked) study.page.states.add(st); else study.page.states.delete(st);
      study.page.offset = 0;
      reloadPage();
    });
    label.appendChild(cb);
    label.appendChild(document.createTextNode(" " + st));
    return label;
  }));
  let typing = null;
  for (const [id, key] of [["value-min", "valueMin"], ["value-max", "valueMax"]]) {
    $(id).addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        study.page[key] = $(id).value.trim();
        study.page.offset = 0;
        reloadPage();
      }, 300);
    });
  }
  $("page-size").addEventListener("change", () => {
    study.page.limit = parseInt($("page-size").value, 10);
    study.page.offset = 0;
    reloadPage();
  });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  const go = (offset) => { study.page.offset = Math.max(0, offset); reloadPage(); };
  $("first-page").addEventListener("click", () => go(0));
  $("prev-page").addEventListener("click", () => go(study.page.offset - study.page.limit));
  $("next-page").addEventListener("click", () => go(study.page.offset + study.page.limit));
  $("last-page").addEventListener("click",
    () => go((Math.ceil(study.total / study.page.limit) - 1) * study.page.limit));
}

// -- charts on <canvas> ----------------------------------------------------------------------
let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    if (multi()) { drawFront(); drawHypervolume(); } else drawHistory();
    drawCurves();
  });
}

function canvas2d(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 640, h = canvas.clientHeight || 300;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px system-ui, sans-serif";
  return { ctx, w, h };
}

function ticks(lo, hi, count) {
  if (!(hi > lo)) { const d = Math.abs(lo) || 1; lo -= d / 2; hi += d / 2; }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return { lo, hi, values: out };
}

// axes, grid and labels; returns the data-to-pixel maps
function frame(ctx, w, h, xr, yr, xLabel, yLabel) {
  const left = 62, right = 12, top = 28, bottom = 36;
  const pad = (r, f) => { const d = (r[1] - r[0]) * f || Math.abs(r[0]) * f || f; return [r[0] - d, r[1] + d]; };
  const xt = ticks(...pad(xr, 0.02), 6), yt = ticks(...pad(yr, 0.06), 5);
  const sx = (x) => left + (x - xt.lo) / (xt.hi - xt.lo) * (w - left - right);
  const sy = (y) => h - bottom - (y - yt.lo) / (yt.hi - yt.lo) * (h - top - bottom);
  ctx.strokeStyle = "#e6e9f0"; ctx.fillStyle = "#6b7385"; ctx.lineWidth = 1;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const v of yt.values) {
    const y = Math.round(sy(v)) + 0.5;
    if (y < top - 1 || y > h - bottom + 1) continue;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(w - right, y); ctx.stroke();
    ctx.fillText(fmt(v), left - 6, y);
  }
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const v of xt.values) {
    const x = Math.round(sx(v)) + 0.5;
    if (x < left - 1 || x > w - right + 1) continue;
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, h - bottom); ctx.stroke();
    ctx.fillText(fmt(v), x, h - bottom + 5);
  }
  ctx.strokeStyle = "#9aa1b2";
  ctx.strokeRect(left + 0.5, top + 0.5, w - left - right, h - top - bottom);
  ctx.fillStyle = "#1d2330";
  ctx.fillText(xLabel, left + (w - left - right) / 2, h - 15);
  ctx.save(); ctx.translate(13, top + (h - top - bottom) / 2); ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle"; ctx.fillText(yLabel, 0, 0); ctx.restore();
  return { sx, sy };
}

function emptyNote(ctx, w, h, text) {
  ctx.fillStyle = "#6b7385"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
  ctx.font = "13px system-ui, sans-serif";
  ctx.fillText(text, w / 2, h / 2);
}

function legend(ctx, w, items) {
  ctx.textAlign = "left"; ctx.textBaseline = "middle"; ctx.font = "11px system-ui, sans-serif";
  let x = w - 12 - items.reduce((sum, [label]) => sum + ctx.measureText(label).width + 24, 0);
  for (const [label, color] of items) {
    ctx.fillStyle = color; ctx.fillRect(x, 6, 9, 9);
    ctx.fillStyle = "#1d2330"; ctx.fillText(label, x + 13, 11);
    x += ctx.measureText(label).width + 24;
  }
}

function drawHistory() {
  const { ctx, w, h } = canvas2d($("history-chart"));
  const n = study.number.length;
  let lo = Infinity, hi = -Infinity, shown = 0;
  for (let i = 0; i < n; i++) {
    const v = study.value[i], st = study.state[i];
    if (v === null || (st !== "complete" && st !== "pruned")) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    shown++;
  }
  if (!shown) { emptyNote(ctx, w, h, "no complete or pruned trials yet"); return; }
  const { sx, sy } = frame(ctx, w, h, [0, Math.max(1, n - 1)], [lo, hi], "trial number", "objective value");
  const r = n > 5000 ? 1.2 : n > 1000 ? 1.8 : 3;
  for (const st of ["pruned", "complete"]) {
    ctx.fillStyle = COLORS[st];
    ctx.globalAlpha = n > 5000 ? 0.5 : 0.8;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (study.state[i] !== st || study.value[i] === null) continue;
      const x = sx(i), y = sy(study.value[i]);
      ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  // best so far: a step line over complete trials in number order
  const better = study.direction === "maximize" ? (a, b) => a > b : (a, b) => a < b;
  let best = null;
  ctx.strokeStyle = COLORS.best; ctx.lineWidth = 1.6; ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const v = study.value[i];
    if (study.state[i] !== "complete" || v === null) continue;
    if (best === null) { best = v; ctx.moveTo(sx(i), sy(v)); continue; }
    if (better(v, best)) { ctx.lineTo(sx(i), sy(best)); best = v; ctx.lineTo(sx(i), sy(best)); }
  }
  if (best !== null) ctx.lineTo(sx(n - 1), sy(best));
  ctx.stroke();
  legend(ctx, w, [["complete", COLORS.complete], ["pruned", COLORS.pruned], ["best so far", COLORS.best]]);
}

// the Pareto front chart: two chosen objectives of every complete trial
function drawFront() {
  const { ctx, w, h } = canvas2d($("front-chart"));
  const a = study.xObj, b = study.yObj, k = study.directions.length;
  const onFront = new Set(study.pareto ? study.pareto.front : []);
  const pts = [];
  for (let i = 0; i < study.number.length; i++) {
    const v = study.values[i];
    if (study.state[i] !== "complete" || !v || v.length !== k || v[a] === null || v[b] === null) continue;
    pts.push({ x: v[a], y: v[b], kind: !study.feasible[i] ? "infeasible" : onFront.has(i) ? "front" : "dominated" });
  }
  if (!pts.length) { emptyNote(ctx, w, h, "no complete trials yet"); return; }
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  const arrow = (d) => (d === "maximize" ? " (maximize ↑)" : " (minimize ↓)");
  const { sx, sy } = frame(ctx, w, h, [Math.min(...xs), Math.max(...xs)], [Math.min(...ys), Math.max(...ys)],
    study.names[a] + arrow(study.directions[a]), study.names[b] + arrow(study.directions[b]));
  const front = pts.filter((p) => p.kind === "front");
  if (k === 2 && a !== b && front.length) {  // the front's step line: the edge of what it dominates
    const s0 = study.directions[a] === "maximize" ? -1 : 1, s1 = study.directions[b] === "maximize" ? -1 : 1;
    front.sort((p, q) => (s0 * p.x - s0 * q.x) || (s1 * p.y - s1 * q.y));
    ctx.strokeStyle = COLORS.front; ctx.lineWidth = 1.4; ctx.beginPath();
    ctx.moveTo(sx(front[0].x), sy(front[0].y));
    for (let j = 1; j < front.length; j++) {
      ctx.lineTo(sx(front[j].x), sy(front[j - 1].y)); ctx.lineTo(sx(front[j].x), sy(front[j].y));
    }
    ctx.stroke();
  }
  const r = pts.length > 5000 ? 1.5 : 3;
  for (const kind of ["dominated", "front"]) {
    ctx.fillStyle = COLORS[kind];
    ctx.beginPath();
    for (const p of pts) {
      if (p.kind !== kind) continue;
      const x = sx(p.x), y = sy(p.y), rr = kind === "front" ? r + 1 : r;
      ctx.moveTo(x + rr, y); ctx.arc(x, y, rr, 0, 2 * Math.PI);
    }
    ctx.fill();
  }
  ctx.strokeStyle = COLORS.infeasible; ctx.lineWidth = 1.2; ctx.beginPath();
  for (const p of pts) {
    if (p.kind !== "infeasible") continue;
    const x = sx(p.x), y = sy(p.y);
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
  }
  ctx.stroke();
  legend(ctx, w, [[`front (${front.length})`, COLORS.front], ["dominated", COLORS.dominated],
                  ["infeasible", COLORS.infeasible]]);
}

// the hypervolume of the feasible front after each trial, as the server's steps
function drawHypervolume() {
  const { ctx, w, h } = canvas2d($("hv-chart"));
  const p = study.pareto;
  if (!p || !p.hypervolume.number.length) { emptyNote(ctx, w, h, "no feasible complete trial yet"); return; }
  const ns = p.hypervolume.number, vs = p.hypervolume.value;
  const last = Math.max(p.last, ns[ns.length - 1]);
  const { sx, sy } = frame(ctx, w, h, [0, Math.max(1, last)], [0, Math.max(...vs)], "trial number", "hypervolume");
  ctx.strokeStyle = COLORS.front; ctx.lineWidth = 1.6; ctx.beginPath();
  ctx.moveTo(sx(ns[0]), sy(vs[0]));
  for (let i = 1; i < ns.length; i++) { ctx.lineTo(sx(ns[i]), sy(vs[i - 1])); ctx.lineTo(sx(ns[i]), sy(vs[i])); }
  ctx.lineTo(sx(last), sy(vs[vs.length - 1]));
  ctx.stroke();
  ctx.fillStyle = COLORS.front;
  for (let i = 0; i < ns.length; i++) { ctx.beginPath(); ctx.arc(sx(ns[i]), sy(vs[i]), 2.5, 0, 2 * Math.PI); ctx.fill(); }
}

function drawCurves() {
  const { ctx, w, h } = canvas2d($("curves-chart"));
  const curves = study.trials.filter((t) => t.intermediate.some((p) => p[1] !== null));
  if (!curves.length) { emptyNote(ctx, w, h, "no intermediate values on this page"); return; }
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const t of curves) for (const [s, v] of t.intermediate) {
    if (v === null) continue;
    x0 = Math.min(x0, s); x1 = Math.max(x1, s); y0 = Math.min(y0, v); y1 = Math.max(y1, v);
  }
  const { sx, sy } = frame(ctx, w, h, [x0, Math.max(x1, x0 + 1)], [y0, y1], "step", "reported value");
  ctx.lineWidth = 1.3;
  for (const t of curves) {
    ctx.strokeStyle = COLORS[t.state] || "#555";
    ctx.globalAlpha = 0.75;
    ctx.beginPath();
    let started = false;
    for (const [s, v] of t.intermediate) {
      if (v === null) continue;
      if (!started) { ctx.moveTo(sx(s), sy(v)); started = true; } else ctx.lineTo(sx(s), sy(v));
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  legend(ctx, w, STATES.slice(0, 4).map((st) => [st, COLORS[st]]));
}

// -- start -----------------------------------------------------------------------------------
function route() {
  const path = window.location.pathname;
  if (path.startsWith("/studies/")) {
    showStudy(decodeURIComponent(path.slice("/studies/".length)));
  } else {
    showList();
  }
}

document.addEventListener("DOMContentLoaded", route);
