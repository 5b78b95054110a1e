/**
 * The web dashboard served at `/`: one self-contained page (inline CSS and script, no network
 * but its own `/api/stats`), kept here as a string so a bundled or compiled Redeno still has it.
 * The page polls `/api/stats` once a second and draws its charts on canvases itself.
 * @module
 */

/** The dashboard's HTML. Everything it shows from the server goes in via `textContent`. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Redeno dashboard</title>
<style>
  :root {
    --bg: #0f1419; --panel: #171e26; --line: #263241; --text: #e6edf3; --muted: #8b98a8;
    --ops: #4cc2ff; --p50: #7ee787; --p99: #ffa657; --clients: #d2a8ff; --memory: #ff7b72;
    --string: #4cc2ff; --list: #7ee787; --hash: #ffa657; --set: #d2a8ff; --zset: #ff7b72;
    --stream: #f2cc60;
  }
  * { box-sizing: border-box; }
  body {
    margin: 0; background: var(--bg); color: var(--text);
    font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif;
  }
  header {
    display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap;
    padding: 14px 24px; border-bottom: 1px solid var(--line); background: var(--panel);
  }
  header h1 { margin: 0; font-size: 20px; letter-spacing: 0.02em; }
  header h1 span { color: var(--memory); }
  header .meta { color: var(--muted); }
  #status { margin-left: auto; color: var(--muted); }
  #status::before {
    content: ""; display: inline-block; width: 9px; height: 9px; border-radius: 50%;
    margin-right: 6px; background: var(--muted);
  }
  #status.live::before { background: var(--p50); }
  #status.down::before { background: var(--memory); }
  main { padding: 18px 24px 32px; display: grid; gap: 16px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
  .card, .panel {
    background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
  }
  .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; }
  .card .value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .card .sub { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
  .panel h2 { margin: 0 0 8px; font-size: 14px; font-weight: 600; }
  .panel h2 small { color: var(--muted); font-weight: 400; }
  .legend { display: inline-flex; gap: 12px; margin-left: 10px; font-size: 12px; color: var(--muted); }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
  canvas { width: 100%; height: 180px; display: block; }
  .tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 5px 6px; border-bottom: 1px solid var(--line); }
  th { color: var(--muted); font-weight: 500; font-size: 12px; }
  td.num, th.num { text-align: right; }
  td.args { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
  .bar { display: flex; height: 8px; border-radius: 4px; overflow: hidden; background: var(--line); min-width: 120px; }
  .types { color: var(--muted); font-size: 12px; }
  .empty { color: var(--muted); font-style: italic; }
</style>
</head>
<body>
<header>
  <h1>Re<span>deno</span></h1>
  <span class="meta" id="server-meta">connecting…</span>
  <span id="status">waiting</span>
</header>
<main>
  <section class="cards">
    <div class="card"><div class="label">Ops / s</div><div class="value" id="ops">–</div>
      <div class="sub" id="ops-total">–</div></div>
    <div class="card"><div class="label">Latency p99</div><div class="value" id="p99">–</div>
      <div class="sub" id="p50">last second, all commands</div></div>
    <div class="card"><div class="label">Clients</div><div class="value" id="clients">–</div>
      <div class="sub" id="clients-sub">–</div></div>
    <div class="card"><div class="label">Memory</div><div class="value" id="memory">–</div>
      <div class="sub" id="memory-sub">–</div></div>
    <div class="card"><div class="label">Keys</div><div class="value" id="keys">–</div>
      <div class="sub" id="keys-sub">–</div></div>
    <div class="card"><div class="label">Hit rate</div><div class="value" id="hits">–</div>
      <div class="sub" id="hits-sub">–</div></div>
    <div class="card"><div class="label">Persistence</div><div class="value" id="dirty">–</div>
      <div class="sub" id="persistence-sub">–</div></div>
  </section>
  <section class="charts">
    <div class="panel"><h2>Operations per second <small>last 5 minutes</small>
      <span class="legend"><span><i style="background:var(--ops)"></i>ops/s</span></span></h2>
      <canvas id="chart-ops"></canvas></div>
    <div class="panel"><h2>Latency <small>per second, all commands</small>
      <span class="legend"><span><i style="background:var(--p50)"></i>p50</span>
      <span><i style="background:var(--p99)"></i>p99</span></span></h2>
      <canvas id="chart-latency"></canvas></div>
    <div class="panel"><h2>Connected clients</h2><canvas id="chart-clients"></canvas></div>
    <div class="panel"><h2>Memory used</h2><canvas id="chart-memory"></canvas></div>
  </section>
  <section class="tables">
    <div class="panel"><h2>Keyspace <small id="keyspace-note"></small></h2>
      <table><thead><tr><th>db</th><th class="num">keys</th><th class="num">expires</th>
      <th>by type</th></tr></thead><tbody id="keyspace"></tbody></table></div>
    <div class="panel"><h2>Top commands</h2>
      <table><thead><tr><th>command</th><th class="num">calls</th><th class="num">ops/s</th>
      <th class="num">µs/call</th><th class="num">p99</th><th class="num">errors</th></tr></thead>
      <tbody id="commands"></tbody></table></div>
  </section>
  <section class="panel"><h2>Slow log <small id="slowlog-note"></small></h2>
    <table><thead><tr><th class="num">id</th><th>time</th><th class="num">duration</th>
    <th>command</th><th>client</th></tr></thead><tbody id="slowlog"></tbody></table></section>
</main>
<script>
"use strict";
const TYPES = ["string", "list", "hash", "set", "zset", "stream"];
const WINDOW_MS = 300000;
const $ = (id) => document.getElementById(id);
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function integer(n) { return Math.round(n).toLocaleString("en-US"); }
function bytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 2 : 1)) + " " + units[i];
}
function usec(n) {
  if (n >= 1000000) return (n / 1000000).toFixed(2) + " s";
  if (n >= 1000) return (n / 1000).toFixed(n >= 10000 ? 0 : 1) + " ms";
  return (n >= 100 ? n.toFixed(0) : n.toFixed(1)) + " µs";
}
function duration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds / 3600) % 24;
  const m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  return d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + m + "m" : m > 0 ? m + "m " + s + "s" : s + "s";
}
function setText(id, text, value) {
  const el = $(id);
  el.textContent = text;
  if (value !== undefined) el.dataset.value = String(value);
}
function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}
function fillTable(id, items, build, emptyText, columns) {
  const body = $(id);
  body.replaceChildren();
  if (items.length === 0) {
    const row = body.insertRow();
    const td = cell(row, emptyText, "empty");
    td.colSpan = columns;
    return;
  }
  for (const item of items) build(body.insertRow(), item);
}

/** A line chart of samples over the last five minutes, axes and grid included. */
function drawChart(canvas, samples, series, format) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const left = 64, right = 10, top = 8, bottom = 22;
  const plotW = width - left - right, plotH = height - top - bottom;
  const end = samples.length > 0 ? samples[samples.length - 1].t : Date.now();
  const start = end - WINDOW_MS;
  let max = 0;
  for (const s of samples) for (const line of series) max = Math.max(max, s[line.key]);
  max = 4 * niceStep(max / 4, format);
  g.font = "11px system-ui, sans-serif";
  g.fillStyle = css("--muted");
  g.strokeStyle = css("--line");
  g.lineWidth = 1;
  g.textAlign = "right";
  g.textBaseline = "middle";
  for (let i = 0; i <= 4; i++) {
    const y = top + plotH - (plotH * i) / 4;
    g.beginPath(); g.moveTo(left, Math.round(y) + 0.5); g.lineTo(left + plotW, Math.round(y) + 0.5); g.stroke();
    g.fillText(format((max * i) / 4), left - 6, y);
  }
  g.textAlign = "center";
  g.textBaseline = "top";
  for (let minute = 5; minute >= 0; minute--) {
    const x = left + plotW - (plotW * minute) / 5;
    g.fillText(minute === 0 ? "now" : "-" + minute + "m", x, top + plotH + 6);
  }
  const x = (t) => left + ((t - start) / WINDOW_MS) * plotW;
  const y = (v) => top + plotH - (v / max) * plotH;
  const visible = samples.filter((s) => s.t >= start);
  for (const line of series) {
    if (visible.length === 0) continue;
    const color = css(line.color);
    if (line.fill) {
      g.beginPath();
      g.moveTo(x(visible[0].t), top + plotH);
      for (const s of visible) g.lineTo(x(s.t), y(s[line.key]));
      g.lineTo(x(visible[visible.length - 1].t), top + plotH);
      g.closePath();
      g.globalAlpha = 0.18; g.fillStyle = color; g.fill(); g.globalAlpha = 1;
    }
    g.beginPath();
    visible.forEach((s, i) => i === 0 ? g.moveTo(x(s.t), y(s[line.key])) : g.lineTo(x(s.t), y(s[line.key])));
    g.strokeStyle = color; g.lineWidth = 2; g.lineJoin = "round"; g.stroke();
  }
}
/** A round grid step at least value: whole numbers for counts, powers of 1024 for bytes. */
function niceStep(value, format) {
  if (format === bytes) {
    const unit = Math.pow(1024, Math.max(0, Math.floor(Math.log(Math.max(value, 1)) / Math.log(1024))));
    return unit * niceStep(value / unit, integer);
  }
  if (value <= 0) return format === integer ? 1 : 0.25;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (format === integer && step === 2.5 && power < 10) continue;
    if (step * power >= value) return Math.max(step * power, format === integer ? 1 : 0);
  }
  return 10 * power;
}

function typeSummary(types) {
  return TYPES.filter((t) => types[t]).map((t) => t + " " + integer(types[t])).join(" · ");
}
function typeBar(types, keys) {
  const bar = document.createElement("div");
  bar.className = "bar";
  for (const t of TYPES) {
    if (!types[t]) continue;
    const part = document.createElement("span");
    part.style.width = (100 * types[t] / Math.max(1, keys)) + "%";
    part.style.background = "var(--" + t + ")";
    part.title = t + ": " + types[t];
    bar.appendChild(part);
  }
  return bar;
}

function render(stats) {
  const s = stats.stats, last = stats.history.samples[stats.history.samples.length - 1];
  setText("server-meta", "Redis " + stats.server.version + "-compatible · port " + stats.server.port +
    " · up " + duration(stats.server.uptimeSeconds));
  setText("ops", integer(s.opsPerSec), s.opsPerSec);
  setText("ops-total", integer(s.commandsProcessed) + " commands in all", s.commandsProcessed);
  setText("p99", last ? usec(last.p99) : "–", last ? last.p99 : undefined);
  setText("p50", last ? "p50 " + usec(last.p50) + " · last second, all commands" : "–");
  setText("clients", integer(stats.clients.connected), stats.clients.connected);
  setText("clients-sub", stats.clients.blocked + " blocked · " + integer(stats.clients.totalConnections) +
    " connections in all");
  setText("memory", bytes(stats.memory.used), stats.memory.used);
  setText("memory-sub", "RSS " + bytes(stats.memory.rss) +
    (stats.memory.maxmemory > 0 ? " · max " + bytes(stats.memory.maxmemory) : ""));
  let keys = 0, expires = 0;
  const byType = {};
  for (const db of stats.keyspace) {
    keys += db.keys; expires += db.expires;
    for (const t of TYPES) if (db.types[t]) byType[t] = (byType[t] || 0) + db.types[t];
  }
  setText("keys", integer(keys), keys);
  setText("keys-sub", integer(expires) + " with TTL · " + integer(s.expiredKeys) + " expired · " +
    integer(s.evictedKeys) + " evicted");
  const lookups = s.keyspaceHits + s.keyspaceMisses;
  setText("hits", lookups > 0 ? (100 * s.keyspaceHits / lookups).toFixed(1) + " %" : "–");
  setText("hits-sub", integer(s.keyspaceHits) + " hits · " + integer(s.keyspaceMisses) + " misses");
  const p = stats.persistence;
  setText("dirty", integer(p.changesSinceLastSave), p.changesSinceLastSave);
  setText("persistence-sub", "changes since last save · " +
    (p.bgsaveInProgress ? "saving…" : "last save " + new Date(p.lastSaveTime * 1000).toLocaleTimeString()) +
    (p.aofEnabled ? " · AOF on" : ""));

  const sampled = stats.keyspace.some((db) => db.sampled);
  setText("keyspace-note", sampled ? "types of big databases are estimated" : "");
  fillTable("keyspace", stats.keyspace, (row, db) => {
    row.dataset.db = String(db.db);
    cell(row, "db" + db.db);
    cell(row, integer(db.keys), "num");
    cell(row, integer(db.expires), "num");
    const td = cell(row, "");
    td.appendChild(typeBar(db.types, db.keys));
    const text = document.createElement("div");
    text.className = "types";
    text.textContent = typeSummary(db.types);
    td.appendChild(text);
  }, "no keys", 4);
  if (stats.keyspace.length > 1) {
    const row = $("keyspace").insertRow();
    row.dataset.db = "all";
    cell(row, "all");
    cell(row, integer(keys), "num");
    cell(row, integer(expires), "num");
    cell(row, typeSummary(byType), "types");
  }
  fillTable("commands", stats.commands, (row, c) => {
    cell(row, c.name);
    cell(row, integer(c.calls), "num");
    cell(row, integer(c.opsPerSec), "num");
    cell(row, c.usecPerCall.toFixed(2), "num");
    cell(row, usec(c.p99Usec), "num");
    cell(row, integer(c.failed + c.rejected), "num");
  }, "no commands yet", 6);
  setText("slowlog-note", stats.slowlog.length + " entries");
  fillTable("slowlog", stats.slowlog.entries, (row, e) => {
    cell(row, String(e.id), "num");
    cell(row, new Date(e.time * 1000).toLocaleTimeString());
    cell(row, usec(e.usec), "num");
    cell(row, e.args.join(" "), "args");
    cell(row, e.addr + (e.name ? " (" + e.name + ")" : ""));
  }, "empty", 5);

  const samples = stats.history.samples;
  drawChart($("chart-ops"), samples, [{ key: "ops", color: "--ops", fill: true }], integer);
  drawChart($("chart-latency"), samples, [
    { key: "p99", color: "--p99" },
    { key: "p50", color: "--p50" },
  ], usec);
  drawChart($("chart-clients"), samples, [{ key: "clients", color: "--clients", fill: true }], integer);
  drawChart($("chart-memory"), samples, [{ key: "memory", color: "--memory", fill: true }], bytes);
}

let polls = 0;
async function poll() {
  try {
    const response = await fetch("api/stats", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    polls++;
    const status = $("status");
    status.className = "live";
    status.textContent = "live · updated " + new Date().toLocaleTimeString();
    status.dataset.polls = String(polls);
  } catch (error) {
    const status = $("status");
    status.className = "down";
    status.textContent = "disconnected (" + error.message + "), retrying";
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
`;
