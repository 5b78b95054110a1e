/**
 * The HTTP side port: `/metrics` parsed by a strict exposition-format parser (and by an npm
 * parser as a second opinion), `/api/stats` for the dashboard, and the port's life cycle.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
// A second opinion only this test needs (move it to deno.json's imports if others want it).
// deno-lint-ignore no-import-prefix
import parsePrometheusTextFormat from "npm:parse-prometheus-text-format@1.1.1";
import { LatencyHistogram } from "../src/commands/latency_histogram.ts";
import type { RedenoServer } from "../src/server/server.ts";
import { cumulativeCounts, percentileUsec, type StatsSnapshot } from "../src/server/observer.ts";
import { RespClient } from "./support/resp_client.ts";
import { freePort, startRedeno, waitFor } from "./support/servers.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/**
 * Parses Prometheus text format 0.0.4 and rejects anything a scraper could choke on: bad names,
 * bad escapes, samples outside their family or before its TYPE, a family split in two,
 * duplicate series, counters without `_total`, and histograms whose buckets are not cumulative.
 */
function parseExposition(text: string): Map<string, Family> {
  ok(text.endsWith("\n"), "exposition ends with a line feed");
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | null = null;
  const lines = text.slice(0, -1).split("\n");
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      ok(match, `comment is HELP or TYPE: ${where}`);
      const [, keyword, name, rest] = match;
      ok(METRIC_NAME.test(name), `metric name: ${where}`);
      let family = families.get(name);
      if (family === undefined) {
        family = { name, type: "", help: "", samples: [] };
        families.set(name, family);
      } else {
        ok(family === current, `family ${name} is not split: ${where}`);
      }
      if (keyword === "HELP") {
        ok(family.help === "", `one HELP: ${where}`);
        ok(!/\\[^\\n]/.test(rest.replace(/\\\\/g, "")), `HELP escapes: ${where}`);
        family.help = rest;
      } else {
        ok(family.type === "" && family.samples.length === 0, `TYPE once, first: ${where}`);
        ok(TYPES.has(rest), `type: ${where}`);
        family.type = rest;
      }
      current = family;
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    ok(match, `sample line: ${where}`);
    const [, name, , labelText, valueText] = match;
    const labels = parseLabels(labelText ?? "", where);
    ok(
      /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN)$/.test(valueText),
      `value: ${where}`,
    );
    const value = valueText === "+Inf"
      ? Infinity
      : valueText === "-Inf"
      ? -Infinity
      : Number(valueText);
    ok(current !== null, `sample after a TYPE: ${where}`);
    const family: Family = current;
    const suffix = name.slice(family.name.length);
    ok(name.startsWith(family.name), `sample belongs to ${family.name}: ${where}`);
    if (family.type === "histogram") {
      ok(["_bucket", "_sum", "_count"].includes(suffix), `histogram suffix: ${where}`);
      ok(suffix === "_bucket" ? "le" in labels : !("le" in labels), `le only on buckets: ${where}`);
    } else {
      ok(suffix === "", `sample name is the family's: ${where}`);
    }
    if (family.type === "counter") {
      ok(name.endsWith("_total"), `counter ends in _total: ${where}`);
      ok(value >= 0, `counter is not negative: ${where}`);
    }
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`)}}`;
    ok(!series.has(key), `series appears once: ${where}`);
    series.add(key);
    family.samples.push({ name, labels, value });
  }
  for (const family of families.values()) {
    ok(family.type !== "" && family.help !== "", `${family.name} has HELP and TYPE`);
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== "") {
    const match = /^([^=]+)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/.exec(rest);
    ok(match, `labels: ${where}`);
    const [whole, name, escaped] = match;
    ok(LABEL_NAME.test(name) && !name.startsWith("__"), `label name ${name}: ${where}`);
    ok(!(name in labels), `label ${name} once: ${where}`);
    labels[name] = escaped.replace(/\\(\\|"|n)/g, (_, c) => c === "n" ? "\n" : c);
    rest = rest.slice(whole.length);
  }
  return labels;
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le: _, ...rest } = sample.labels;
    const key = JSON.stringify(rest);
    groups.set(key, [...groups.get(key) ?? [], sample]);
  }
  for (const [key, samples] of groups) {
    const buckets = samples.filter((s) => s.name.endsWith("_bucket"));
    const count = samples.find((s) => s.name.endsWith("_count"));
    ok(count && samples.some((s) => s.name.endsWith("_sum")), `${family.name}${key} sum, count`);
    const edges = buckets.map((s) => s.labels.le === "+Inf" ? Infinity : Number(s.labels.le));
    ok(edges.at(-1) === Infinity, `${family.name}${key} ends at +Inf`);
    for (let i = 1; i < buckets.length; i++) {
      ok(edges[i] > edges[i - 1], `${family.name}${key} le increases`);
      ok(buckets[i].value >= buckets[i - 1].value, `${family.name}${key} buckets are cumulative`);
    }
    assertEquals(buckets.at(-1)!.value, count.value, `${family.name}${key} +Inf equals count`);
  }
}

/** The value of one series, or undefined when the scrape does not have it. */
function valueOf(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.get(name) ??
    families.get(name.replace(/_(bucket|sum|count)$/, ""));
  return family?.samples.find((sample) =>
    sample.name === name &&
    Object.keys(labels).length === Object.keys(sample.labels).length &&
    Object.entries(labels).every(([k, v]) => sample.labels[k] === v)
  )?.value;
}

async function scrape(server: RedenoServer): Promise<{ text: string; contentType: string }> {
  const response = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
  assertEquals(response.status, 200);
  return { text: await response.text(), contentType: response.headers.get("content-type") ?? "" };
}

async function getJson(server: RedenoServer, path: string): Promise<StatsSnapshot> {
  const response = await fetch(`http://127.0.0.1:${server.httpPort}${path}`);
  assertEquals(response.status, 200);
  return await response.json();
}

Deno.test("http: /metrics is strict exposition format and moves with what clients do", async () => {
  await using server = await startRedeno({ "http-port": String(freePort()) });
  ok(server.httpPort > 0 && server.httpPort !== server.port);
  const before = parseExposition((await scrape(server)).text);
  const setsBefore = valueOf(before, "redeno_commands_total", { cmd: "set" }) ?? 0;

  const client = await RespClient.connect(server.port);
  try {
    for (let i = 0; i < 25; i++) await client.raw("SET", `key:${i}`, "value");
    await client.raw("SET", "ttl", "x", "EX", "100");
    await client.raw("RPUSH", "list", "a", "b");
    await client.raw("INCR", "list"); // WRONGTYPE
    await client.raw("GET"); // arity: a rejected call
    await client.raw("SELECT", "5");
    for (let i = 0; i < 4; i++) await client.raw("SET", `other:${i}`, "value");
    await client.raw("CONFIG", "GET", "maxmemory");
    const { text, contentType } = await scrape(server);
    assertEquals(contentType, "text/plain; version=0.0.4; charset=utf-8");
    const after = parseExposition(text);

    assertEquals(valueOf(after, "redeno_commands_total", { cmd: "set" }), setsBefore + 30);
    assertEquals(valueOf(after, "redeno_commands_total", { cmd: "config|get" }), 1);
    assertEquals(
      valueOf(after, "redeno_commands_failed_total", { cmd: "incr" }),
      server.commands.lookup("incr")!.failedCalls,
    );
    assertEquals(valueOf(after, "redeno_commands_rejected_total", { cmd: "get" }), 1);
    assertEquals(valueOf(after, "redeno_errors_total", { code: "WRONGTYPE" }), 1);
    assertEquals(valueOf(after, "redeno_db_keys", { db: "0" }), 27);
    assertEquals(valueOf(after, "redeno_db_keys_expiring", { db: "0" }), 1);
    assertEquals(valueOf(after, "redeno_db_keys", { db: "5" }), 4);
    assertEquals(valueOf(after, "redeno_db_keys", { db: "1" }), undefined); // empty dbs left out
    assertEquals(valueOf(after, "redeno_connected_clients"), 1);
    assertEquals(valueOf(after, "redeno_blocked_clients"), 0);
    ok(valueOf(after, "redeno_connections_received_total")! >= 1);
    ok(
      valueOf(after, "redeno_commands_processed_total")! >=
        valueOf(before, "redeno_commands_processed_total")! + 35,
    );
    ok(valueOf(after, "redeno_net_input_bytes_total")! > 0);
    ok(valueOf(after, "redeno_net_output_bytes_total")! > 0);
    ok(valueOf(after, "redeno_memory_used_bytes")! > 0);
    ok(valueOf(after, "redeno_memory_rss_bytes")! > 0);
    assertEquals(valueOf(after, "redeno_evicted_keys_total"), 0);
    assertEquals(valueOf(after, "redeno_expired_keys_total"), 0);
    assertEquals(valueOf(after, "redeno_rdb_changes_since_last_save"), server.stats.dirty);
    assertEquals(valueOf(after, "redeno_rdb_last_bgsave_ok"), 1);
    // The histogram counts every SET (none blocked) and its buckets are in seconds.
    const setCalls = valueOf(after, "redeno_commands_total", { cmd: "set" })!;
    assertEquals(
      valueOf(after, "redeno_command_duration_seconds_count", { cmd: "set" }),
      setCalls,
    );
    assertEquals(
      valueOf(after, "redeno_command_duration_seconds_bucket", { cmd: "set", le: "+Inf" }),
      setCalls,
    );
    ok(valueOf(after, "redeno_command_duration_seconds_bucket", { cmd: "set", le: "1.073741824" }));
    ok(valueOf(after, "redeno_command_duration_seconds_sum", { cmd: "set" })! < 1);

    // A second opinion from an independent parser.
    const parsed = parsePrometheusTextFormat(text) as Array<{
      name: string;
      type: string;
      metrics: Array<{ labels?: Record<string, string>; buckets?: Record<string, string> }>;
    }>;
    assertEquals(parsed.map((family) => family.name).sort(), [...after.keys()].sort());
    const counter = parsed.find((family) => family.name === "redeno_commands_total");
    assertEquals(counter?.type, "COUNTER");
    ok(counter.metrics.some((metric) => metric.labels?.cmd === "set"));
    // (This parser drops a histogram's labels and so merges its series: check the buckets.)
    const histogram = parsed.find((family) => family.name === "redeno_command_duration_seconds");
    assertEquals(histogram?.type, "HISTOGRAM");
    ok(histogram.metrics.every((metric) => Object.keys(metric.buckets!).length === 22));
  } finally {
    client.close();
  }
});

Deno.test("http: label values with quotes, backslashes and newlines are escaped", async () => {
  await using server = await startRedeno({ "http-port": String(freePort()) });
  server.countError('ODD"CODE\\WITH\nNEWLINE and the rest of the message');
  const families = parseExposition((await scrape(server)).text);
  assertEquals(valueOf(families, "redeno_errors_total", { code: 'ODD"CODE\\WITH\nNEWLINE' }), 1);
});

Deno.test("http: /api/stats has what the dashboard draws", async () => {
  await using server = await startRedeno({
    "http-port": String(freePort()),
    "slowlog-log-slower-than": "0",
  });
  const client = await RespClient.connect(server.port);
  try {
    for (let i = 0; i < 12; i++) await client.raw("SET", `s:${i}`, "v");
    await client.raw("RPUSH", "l", "a");
    await client.raw("HSET", "h", "f", "v");
    await client.raw("SADD", "set", "m");
    await client.raw("ZADD", "z", "1", "m");
    await client.raw("SET", "caf\xc3\xa9", "utf-8 key");
    await client.raw("SELECT", "2");
    await client.raw("SET", "elsewhere", "v", "PX", "100000");
    await waitFor(async () => (await getJson(server, "/api/stats")).history.samples.length >= 1);
    const stats = await getJson(server, "/api/stats");
    assertEquals(stats.keyspace, [
      {
        db: 0,
        keys: 17,
        expires: 0,
        types: { string: 13, list: 1, hash: 1, set: 1, zset: 1 },
        sampled: false,
      },
      { db: 2, keys: 1, expires: 1, types: { string: 1 }, sampled: false },
    ]);
    assertEquals(stats.clients.connected, 1);
    assertEquals(stats.server.port, server.port);
    assertEquals(stats.stats.commandsProcessed, server.stats.totalCommandsProcessed);
    ok(stats.memory.used > 0 && stats.memory.rss > 0);
    assertEquals(stats.persistence.changesSinceLastSave, server.stats.dirty);
    const set = stats.commands.find((command) => command.name === "set");
    assertEquals(set?.calls, 14);
    assertEquals(stats.commands[0].name, "set"); // the busiest first
    // Newest slow log entry first, with keys shown as text.
    assertEquals(stats.slowlog.entries[0].args, ["SET", "elsewhere", "v", "PX", "100000"]);
    ok(stats.slowlog.entries.some((entry) => entry.args[1] === "café"));
    const sample = stats.history.samples.at(-1)!;
    assertEquals(Object.keys(sample).sort(), ["clients", "memory", "ops", "p50", "p99", "t"]);
    assertEquals(stats.history.intervalSeconds, 1);
  } finally {
    client.close();
  }
});

Deno.test("http: the dashboard page, 404 and 405", async () => {
  await using server = await startRedeno({ "http-port": String(freePort()) });
  const base = `http://127.0.0.1:${server.httpPort}`;
  const page = await fetch(`${base}/`);
  assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await page.text();
  ok(html.includes("<title>Redeno dashboard</title>"));
  ok(!/\b(src|href)="?https?:/.test(html), "the page loads nothing from elsewhere");
  const missing = await fetch(`${base}/nope`);
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
  const post = await fetch(`${base}/metrics`, { method: "POST", body: "x" });
  assertEquals(post.status, 405);
  await post.body?.cancel();
});

Deno.test("http: the RESP port does not speak HTTP, and http-port cannot change at run time", async () => {
  await using server = await startRedeno({ "http-port": String(freePort()) });
  const client = await RespClient.connect(server.port);
  try {
    await client.write("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const reply = await client.readRaw();
    ok(!reply.startsWith("HTTP/"), reply);
    ok(reply.startsWith("-ERR"), reply);
  } finally {
    client.close();
  }
  const admin = await RespClient.connect(server.port);
  try {
    assertEquals(
      await admin.raw("CONFIG", "SET", "http-port", "0"),
      "-ERR CONFIG SET failed (possibly related to argument 'http-port') - " +
        "can't set immutable config\r\n",
    );
  } finally {
    admin.close();
  }
});

Deno.test("http: off by default; close releases the port; a busy port fails the start", async () => {
  await using plain = await startRedeno();
  assertEquals(plain.httpPort, 0);
  assertEquals(plain.config.get("http-port"), "0");
  assertEquals(plain.config.get("http-bind"), "127.0.0.1");

  const port = freePort();
  const server = await startRedeno({ "http-port": String(port) });
  assertEquals(server.httpPort, port);
  await (await fetch(`http://127.0.0.1:${port}/metrics`)).body?.cancel();
  await server.close();
  await rejects(() => fetch(`http://127.0.0.1:${port}/metrics`));
  const listener = Deno.listen({ hostname: "127.0.0.1", port }); // released
  try {
    await rejects(
      () => startRedeno({ "http-port": String(port) }),
      /http-port: cannot listen on 127\.0\.0\.1:\d+/,
    );
  } finally {
    listener.close();
  }
});

Deno.test("http: keys by type on a big database are counted a bounded slice per request", async () => {
  await using server = await startRedeno({ "http-port": String(freePort()) });
  for (let i = 0; i < 25_000; i++) server.set(`k${i}`, "v");
  const client = await RespClient.connect(server.port);
  try {
    await client.raw("RPUSH", "list", "x");
  } finally {
    client.close();
  }
  // Each request reads at most 10,000 keys: the first one estimates from what it saw...
  const first = (await getJson(server, "/api/stats")).keyspace[0];
  assertEquals([first.keys, first.sampled], [25_001, true]);
  ok(Math.abs((first.types.string ?? 0) - 25_001) <= 1, JSON.stringify(first.types));
  // ...and a walk finished over three requests counts every key.
  await getJson(server, "/api/stats");
  const third = (await getJson(server, "/api/stats")).keyspace[0];
  assertEquals(third.types, { string: 25_000, list: 1 });
  assertEquals(third.sampled, true);
});

Deno.test("http: histogram buckets double from 1.024 µs; percentiles interpolate inside them", () => {
  const histogram = new LatencyHistogram();
  for (let i = 0; i < 90; i++) histogram.record(1.5); // ≤ 2.048 µs
  for (let i = 0; i < 10; i++) histogram.record(100); // ≤ 131.072 µs
  const counts = [...cumulativeCounts(histogram)];
  assertEquals(counts.length, 21);
  assertEquals(counts.slice(0, 9), [0, 90, 90, 90, 90, 90, 90, 100, 100]);
  assertEquals(counts.at(-1), 100);
  const p50 = percentileUsec(cumulativeCounts(histogram), 50);
  ok(p50 > 1.024 && p50 <= 2.048, String(p50));
  const p99 = percentileUsec(cumulativeCounts(histogram), 99);
  ok(p99 > 65.536 && p99 <= 131.072, String(p99));
  assertEquals(percentileUsec(new Float64Array(21), 99), 0);
});
