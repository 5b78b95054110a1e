/**
 * SLOWLOG, LATENCY, MONITOR and INFO errorstats/latencystats against redis-server 7.0.15. Times,
 * durations and client ports differ between the servers and are masked; everything else —
 * ids, argument truncation, reply shapes, error texts — must match byte for byte.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import type { RespClient } from "./support/resp_client.ts";
import { type Command, ServerPair, waitFor } from "./support/servers.ts";

/** Every command is slow enough for the log on both servers, so both log the same ones. */
async function startLoggingPair(): Promise<ServerPair> {
  return await ServerPair.start(
    { "slowlog-log-slower-than": "0" },
    ["--slowlog-log-slower-than", "0"],
  );
}

/**
 * Masks unix times, durations and client addresses, and entry ids: redis-server logged its
 * readiness PING before the test began, so its ids run one ahead.
 */
function maskTimes(raw: string): string {
  return raw
    .replace(/\*6\r\n:\d+\r\n:\d{10}\r\n:\d+\r\n/g, "*6\r\n:ID\r\n:TIME\r\n:USEC\r\n")
    .replace(/\$\d+\r\n127\.0\.0\.1:\d+\r\n/g, "ADDR\r\n");
}

const longArg = "x".repeat(200);
const manyArgs = Array.from({ length: 40 }, (_, i) => String(i));

Deno.test("observability: SLOWLOG records, truncates and answers as Redis", async () => {
  const pair = await startLoggingPair();
  try {
    const commands: Command[] = [
      ["SLOWLOG", "RESET"],
      ["SET", longArg, "v"],
      ["RPUSH", "list", ...manyArgs],
      ["CLIENT", "SETNAME", "logger"],
      ["GET", "missing"],
      ["SLOWLOG", "LEN"],
      ["SLOWLOG", "GET", "3"],
      ["SLOWLOG", "GET", "-1"],
      ["SLOWLOG", "GET", "0"],
      ["SLOWLOG", "GET", "-2"],
      ["SLOWLOG", "GET", "x"],
      ["SLOWLOG", "GET", "1", "2"],
      ["SLOWLOG", "LEN", "x"],
      ["SLOWLOG", "RESET", "x"],
      ["SLOWLOG", "nosuch"],
      ["SLOWLOG"],
      ["CONFIG", "SET", "slowlog-max-len", "2"],
      ["SLOWLOG", "LEN"],
      ["SLOWLOG", "GET"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "-1"],
      ["GET", "missing"],
      ["SLOWLOG", "LEN"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "0"],
      ["CONFIG", "SET", "slowlog-max-len", "128"],
    ];
    await pair.compareBoth(commands, { normalize: maskTimes });
  } finally {
    await pair.close();
  }
});

Deno.test("observability: SLOWLOG and LATENCY HELP are arrays of status lines", async () => {
  const pair = await ServerPair.start();
  try {
    // The wording is ours; the shape (status lines, first line) is Redis's.
    await pair.compareBoth([["SLOWLOG", "HELP"], ["LATENCY", "HELP"]], {
      normalize: (raw) => {
        const lines = raw.split("\r\n");
        return `${lines[1]}|${lines.slice(2).every((l) => l === "" || l[0] === "+")}`;
      },
    });
  } finally {
    await pair.close();
  }
});

Deno.test("observability: LATENCY subcommands without spikes, and their errors", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["LATENCY", "LATEST"],
      ["LATENCY", "HISTORY", "command"],
      ["LATENCY", "HISTORY"],
      ["LATENCY", "RESET"],
      ["LATENCY", "RESET", "command", "nosuch"],
      ["LATENCY", "GRAPH", "command"],
      ["LATENCY", "GRAPH"],
      ["LATENCY", "HISTOGRAM", "nosuch"],
      ["LATENCY", "DOCTOR", "x"],
      ["LATENCY", "nosuch"],
      ["LATENCY"],
      ["CONFIG", "GET", "latency-monitor-threshold"],
      ["CONFIG", "SET", "latency-monitor-threshold", "-1"],
      ["CONFIG", "GET", "latency-tracking"],
      ["CONFIG", "GET", "latency-tracking-info-percentiles"],
    ]);
  } finally {
    await pair.close();
  }
});

Deno.test("observability: LATENCY HISTOGRAM has Redis's shape", async () => {
  const pair = await ServerPair.start();
  try {
    // Buckets depend on timing: compare the structure with the rows and counts masked.
    const maskBuckets = (raw: string) =>
      raw.replace(/(histogram_usec\r\n)[*%](\d+)\r\n((:\d+\r\n)+)/g, "$1ROWS\r\n")
        .replace(/:\d+\r\n/g, ":N\r\n");
    await pair.compareBoth([
      ["SET", "k", "v"],
      ["GET", "k"],
      ["CONFIG", "GET", "port"],
      ["LATENCY", "HISTOGRAM", "set"],
      ["LATENCY", "HISTOGRAM", "config|get", "nosuch"],
    ], {
      normalize: (raw, command) => {
        if (command[0] !== "LATENCY") return "";
        // One bucket per command when every call is fast: calls 1, one histogram row.
        return maskBuckets(raw);
      },
    });
  } finally {
    await pair.close();
  }
});

Deno.test("observability: the latency monitor records slow commands", async () => {
  const pair = await ServerPair.start(
    { "enable-debug-command": "yes" },
    ["--enable-debug-command", "yes"],
  );
  try {
    const [ours, theirs] = await pair.connect();
    try {
      for (const client of [ours, theirs]) {
        await client.raw("CONFIG", "SET", "latency-monitor-threshold", "5");
        await client.raw("DEBUG", "SLEEP", "0.02");
        await client.raw("DEBUG", "SLEEP", "0.03");
      }
      // Same second: one sample holding the larger spike.
      const shapes = await Promise.all([ours, theirs].map(async (client) => {
        const latest = await client.call("LATENCY", "LATEST") as unknown[][];
        const history = await client.call("LATENCY", "HISTORY", "command") as unknown[][];
        const graph = await client.raw("LATENCY", "GRAPH", "command");
        return { latest, history, graph };
      }));
      for (const { latest, history, graph } of shapes) {
        assertEquals(latest.length, 1);
        assertEquals(latest[0][0], "command");
        assertEquals(latest[0].length, 4);
        const [, , last, max] = latest[0] as number[];
        assertEquals(last >= 30 && max >= 30, true);
        assertEquals(history.length >= 1 && history.length <= 2, true);
        assertMatch(
          graph,
          /^\$\d+\r\ncommand - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n/,
        );
      }
      // The graph's drawing rows (after the header) agree when the samples agree.
      const rows = (graph: string) => graph.split("\n").slice(2, 6).join("\n");
      if (shapes[0].history.length === shapes[1].history.length) {
        assertEquals(rows(shapes[0].graph), rows(shapes[1].graph));
      }
      for (const client of [ours, theirs]) {
        assertEquals(await client.raw("LATENCY", "RESET"), ":1\r\n");
        assertEquals(await client.raw("LATENCY", "LATEST"), "*0\r\n");
      }
    } finally {
      ours.close();
      theirs.close();
    }
  } finally {
    await pair.close();
  }
});

Deno.test("observability: INFO errorstats counts errors by code as Redis", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["CONFIG", "RESETSTAT"],
      ["NOSUCH"],
      ["GET"],
      ["SET", "s", "v"],
      ["LPUSH", "s", "x"],
      ["INCR", "s"],
      ["EXEC"],
      ["INFO", "errorstats"],
      ["CONFIG", "RESETSTAT"],
      ["INFO", "errorstats"],
    ], { normalize: (raw) => raw.replace(/^\$\d+/, "$N") });
  } finally {
    await pair.close();
  }
});

Deno.test("observability: INFO latencystats lists percentiles per command", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["CONFIG", "RESETSTAT"],
      ["SET", "k", "v"],
      ["INFO", "latencystats"],
      ["CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.99"],
      ["INFO", "latencystats"],
      ["CONFIG", "SET", "latency-tracking", "no"],
      ["INFO", "latencystats"],
    ], {
      // Redis lists commands in its hash table's order: compare the lines as a set.
      normalize: (raw) =>
        raw.replace(/^\$\d+/, "$N").replace(/=\d+\.\d{3}/g, "=T").split("\r\n")
          .filter((line) => !line.startsWith("latency_percentiles_usec_info")).sort().join("\r\n"),
    });
  } finally {
    await pair.close();
  }
});

/** Reads MONITOR lines until `count` have arrived (a line is one `+...\r\n` reply). */
async function monitorLines(client: RespClient, count: number): Promise<string[]> {
  let text = "";
  await waitFor(
    async () => {
      text += await client.readRaw(2000);
      return text.split("\r\n").length > count;
    },
    5000,
    "monitor lines",
  );
  return text.split("\r\n").slice(0, count);
}

Deno.test("observability: MONITOR lines match Redis's format", async () => {
  const pair = await ServerPair.start();
  try {
    const [ourMonitor, theirMonitor] = await pair.connect();
    const [ours, theirs] = await pair.connect();
    try {
      for (const monitor of [ourMonitor, theirMonitor]) {
        assertEquals(await monitor.raw("MONITOR"), "+OK\r\n");
      }
      const commands: Command[] = [
        ["MULTI"],
        ["SET", "a", 'x\ny "q" \\ \t\x01\xff'],
        ["INCR", "n"],
        ["EXEC"],
        ["SELECT", "3"],
        ["AUTH", "secret"],
        ["HELLO", "2", "AUTH", "default", "pw"],
        ["CONFIG", "GET", "port"], // admin: not shown
        ["GET", "a"],
        ["EVAL", "return redis.call('get', KEYS[1])", "1", "a"], // before its calls
      ];
      for (const client of [ours, theirs]) {
        for (const command of commands) await client.raw(...command);
      }
      const mask = (line: string) =>
        line.replace(/^\+\d{10}\.\d{6} /, "+TIME ").replace(/ 127\.0\.0\.1:\d+\]/, " ADDR]");
      const [a, b] = await Promise.all(
        [ourMonitor, theirMonitor].map(async (m) => (await monitorLines(m, 10)).map(mask)),
      );
      assertEquals(a, b);
      assertEquals(a[0], '+TIME [0 ADDR] "MULTI"');
      // MONITOR inside a transaction is refused when EXEC runs it.
      for (const client of [ours, theirs]) await client.raw("MULTI");
      const results = await Promise.all([ours, theirs].map(async (client) => {
        await client.raw("MONITOR");
        return await client.raw("EXEC");
      }));
      assertEquals(results[0], results[1]);
    } finally {
      for (const client of [ourMonitor, theirMonitor, ours, theirs]) client.close();
    }
  } finally {
    await pair.close();
  }
});

Deno.test("observability: commandstats count failed calls as Redis (written errors, EXEC)", async () => {
  const pair = await ServerPair.start();
  try {
    const pick = (raw: string) =>
      raw.split("\r\n").filter((line) => /^cmdstat_(incr|exec|lpush|get):/.test(line))
        .map((line) => line.replace(/usec=\d+,usec_per_call=[\d.]+,/, "")).sort().join("\n");
    await pair.compareBoth([
      ["CONFIG", "RESETSTAT"],
      ["LPUSH", "list", "x"],
      ["INCR", "list"],
      ["GET", "list"],
      ["GET"],
      ["MULTI"],
      ["INCR", "list"],
      ["GET", "missing"],
      ["EXEC"],
      ["INFO", "commandstats"],
    ], { normalize: (raw, command) => command[0] === "INFO" ? pick(raw) : raw });
  } finally {
    await pair.close();
  }
});
