/**
 * Redeno against redis-server with redis-benchmark, interleaved so that machine noise hits both
 * (string tests, plus list, set, hash and sorted-set tests at -c 50; PUBLISH with 50 subscribers
 * and MULTI/SET/INCR/EXEC groups at -c 50 -P 1 and -P 16), persistence (SET with an everysec
 * AOF, the time to load one RDB file, SET/GET p99 while BGSAVE runs), then memory per key after
 * a million SETs and memory per element of a million-element hash, set and sorted set.
 *
 *   deno task bench                # 3 rounds, full sizes (about 5-7 minutes)
 *   deno task bench --quick        # 1 round, small sizes (well under a minute)
 *   deno task bench --rounds 5
 *
 * Every server this starts is killed by its PID when the run ends, fails or is interrupted.
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Options {
  quick: boolean;
  rounds: number;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log("Usage: deno task bench [--quick] [--rounds N]");
    Deno.exit(0);
  }
  const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    throw new Error(`--rounds takes a whole number from 1 to 20, not '${values.rounds}'`);
  }
  return { quick: values.quick, rounds };
}

/** A server process we started, addressed by its PID. */
interface Server {
  name: string;
  port: number;
  pid: number;
  child: Deno.ChildProcess;
  /** What it wrote to stderr, for the error when it does not start. */
  stderr: { text: string };
}

const started = new Set<Server>();

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Sends one inline command on a fresh connection and returns the first reply (as text). */
async function command(port: number, line: string, timeoutMs = 5_000): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.write(new TextEncoder().encode(`${line}\r\n`));
    const buffer = new Uint8Array(1 << 20);
    let text = "";
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
      if (isComplete(text)) break;
    }
    return text;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}

/** Enough to know a simple, integer or bulk reply has fully arrived. */
function isComplete(text: string): boolean {
  const lineEnd = text.indexOf("\r\n");
  if (lineEnd < 0) return false;
  if (text[0] !== "$") return true;
  const length = Number(text.slice(1, lineEnd));
  return length < 0 || text.length >= lineEnd + 2 + length + 2;
}

async function waitUntilUp(server: Server): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await command(server.port, "PING", 1_000)).startsWith("+PONG")) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${server.name} did not start on ${server.port}: ${server.stderr.text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Keeps reading a child's stderr (so it never blocks on a full pipe) into a string. */
function drain(child: Deno.ChildProcess): { text: string } {
  const sink = { text: "" };
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) sink.text += decoder.decode(chunk, { stream: true });
  })().catch(() => {});
  return sink;
}

/** Starts redis-server without persistence; `extra` flags come last and override. */
async function startRedisServer(extra: string[] = []): Promise<Server> {
  const port = freePort();
  const child = new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--loglevel",
      "warning",
      ...extra,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const server = { name: "redis-server", port, pid: child.pid, child, stderr: drain(child) };
  started.add(server);
  await waitUntilUp(server);
  return server;
}

/**
 * Starts Redeno from main.ts. Without `files` it may not touch the disk (persistence off, as
 * `--allow-net` alone gives); with it, it may read and write (for the persistence rows).
 */
async function startRedeno(extra: string[] = [], files = false): Promise<Server> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      ...(files ? ["--allow-read", "--allow-write"] : []),
      "main.ts",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      ...extra,
    ],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const server = { name: "redeno", port, pid: child.pid, child, stderr: drain(child) };
  started.add(server);
  await waitUntilUp(server);
  return server;
}

async function stop(server: Server): Promise<void> {
  if (!started.delete(server)) return;
  try {
    server.child.kill("SIGKILL");
  } catch {
    // already gone
  }
  await server.child.status;
}

async function stopAll(): Promise<void> {
  await Promise.all([...started].map(stop));
}

interface BenchResult {
  /** p99 latency (ms) by test name, from redis-benchmark's CSV. */
  p99?: Map<string, number>;
  /** ops/s by redis-benchmark's test name (PING_INLINE, SET, MSET (10 keys), ...). */
  rps: Map<string, number>;
  error?: string;
}

/** Runs redis-benchmark once; a failing test (e.g. a command Redeno lacks) gives an error. */
async function redisBenchmark(
  port: number,
  args: string[],
  timeoutMs: number,
): Promise<BenchResult> {
  const child = new Deno.Command("redis-benchmark", {
    args: ["-h", "127.0.0.1", "-p", String(port), "--csv", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  const output = await child.output();
  clearTimeout(timer);
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  const rps = new Map<string, number>();
  const p99 = new Map<string, number>();
  for (const line of stdout.split("\n")) {
    const match = /^"([^"]+)","([0-9.]+)"/.exec(line);
    if (match && match[1] !== "test") {
      rps.set(match[1], Number(match[2]));
      // Columns: test, rps, avg, min, p50, p95, p99, max.
      const p99Column = line.split(",")[6]?.replaceAll('"', "");
      if (p99Column !== undefined) p99.set(match[1], Number(p99Column));
    }
  }
  const serverError = /Error from server: .*/.exec(stdout + stderr)?.[0];
  if (!output.success || serverError || rps.size === 0) {
    const reason = serverError ?? (output.code === 0 ? "no result" : `exit ${output.code}`);
    return { rps: new Map(), error: reason };
  }
  return { rps, p99 };
}

/**
 * One redis-benchmark test and how many requests it gets (`-n`): a built-in test by its `-t` name,
 * or a custom command line (`__rand_int__` takes values below `random`, redis-benchmark's `-r`).
 */
interface Test {
  name: string;
  requests: number;
  command?: string[];
  random?: number;
}

interface Config {
  clients: number;
  pipeline: number;
  tests: Test[];
}

const STRING_TESTS = ["ping", "set", "get", "incr", "mset"];

/**
 * The collection tests, with requests relative to a string test's: LRANGE_100 replies 100
 * elements (and redis-benchmark first runs as many LPUSHes to fill the list), so it gets fewer.
 */
const COLLECTION_TESTS: Array<[string, number]> = [
  ["lpush", 0.5],
  ["rpush", 0.5],
  ["lpop", 0.5],
  ["rpop", 0.5],
  ["sadd", 0.5],
  ["hset", 0.5],
  ["spop", 0.5],
  ["zadd", 0.5],
  ["zpopmin", 0.5],
  ["lrange_100", 0.1],
];

/** The script of the EVALSHA row, loaded into both servers before the runs. */
const INCR_SCRIPT = "return redis.call('incr', KEYS[1])";
const INCR_SCRIPT_SHA = createHash("sha1").update(INCR_SCRIPT).digest("hex");

/** Commands of the later types, as custom redis-benchmark command lines. */
const TYPE_TESTS: Test[] = [
  { name: "evalsha", requests: 0, command: ["evalsha", INCR_SCRIPT_SHA, "1", "bench:counter"] },
  { name: "xadd", requests: 0, command: ["xadd", "bench:stream", "*", "field", "value"] },
  { name: "pfadd", requests: 0, command: ["pfadd", "bench:hll", "__rand_int__"], random: 1e6 },
  {
    name: "geoadd",
    requests: 0,
    command: ["geoadd", "bench:geo", "13.361389", "38.115556", "m:__rand_int__"],
    random: 1e5,
  },
];

/**
 * The string tests with `requests` each, plus (optionally) the collection and type tests scaled
 * from it.
 */
function tests(requests: number, withCollections: boolean): Test[] {
  const list: Test[] = STRING_TESTS.map((name) => ({ name, requests }));
  if (withCollections) {
    for (const [name, share] of COLLECTION_TESTS) {
      list.push({ name, requests: Math.round(requests * share) });
    }
    for (const test of TYPE_TESTS) list.push({ ...test, requests: Math.round(requests * 0.5) });
  }
  return list;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function formatOps(value: number | undefined): string {
  return value === undefined ? "n/a" : Math.round(value).toLocaleString("en-US");
}

async function throughput(options: Options): Promise<void> {
  const scale = options.quick ? 0.1 : 1;
  const configs: Config[] = [
    { clients: 50, pipeline: 1, tests: tests(Math.round(100_000 * scale), true) },
    { clients: 50, pipeline: 16, tests: tests(Math.round(1_000_000 * scale), true) },
    { clients: 1, pipeline: 1, tests: tests(Math.round(30_000 * scale), false) },
  ];
  const redis = await startRedisServer();
  const redeno = await startRedeno();
  for (const server of [redis, redeno]) {
    await command(server.port, `SCRIPT LOAD "${INCR_SCRIPT}"`);
  }
  // results[config][server][row name] = ops/s of each round; a test can give several rows.
  const results = configs.map(() => ({
    redis: new Map<string, number[]>(),
    redeno: new Map<string, number[]>(),
    order: [] as string[],
    /** -n of the test that gave each row. */
    requests: new Map<string, number>(),
    /** Tests that failed, by server: `redeno:lpush` → the error. */
    errors: new Map<string, string>(),
  }));
  for (let round = 1; round <= options.rounds; round++) {
    console.log(`round ${round}/${options.rounds}`);
    for (const [i, config] of configs.entries()) {
      for (const { name: test, requests, command, random } of config.tests) {
        const args = [
          "-c",
          String(config.clients),
          "-P",
          String(config.pipeline),
          "-n",
          String(requests),
          ...(random ? ["-r", String(random)] : []),
          ...(command ?? ["-t", test]),
        ];
        // Alternate who goes first, so neither always runs on a warmer (or hotter) machine.
        const pair = round % 2 ? [redis, redeno] : [redeno, redis];
        for (const server of pair) {
          const result = await redisBenchmark(server.port, args, 120_000);
          const key = server === redis ? "redis" : "redeno";
          if (result.error) {
            results[i].errors.set(`${key}:${test}`, result.error);
            continue;
          }
          for (const [name, rps] of result.rps) {
            if (!results[i].order.includes(name)) results[i].order.push(name);
            results[i].requests.set(name, requests);
            const list = results[i][key].get(name) ?? [];
            list.push(rps);
            results[i][key].set(name, list);
          }
        }
      }
    }
  }
  try {
    printThroughput(options, configs, results);
    await pubsubAndTransactions(options, redis, redeno);
  } finally {
    await Promise.all([stop(redis), stop(redeno)]);
  }
}

function printThroughput(
  options: Options,
  configs: Config[],
  results: Array<{
    redis: Map<string, number[]>;
    redeno: Map<string, number[]>;
    order: string[];
    requests: Map<string, number>;
    errors: Map<string, string>;
  }>,
): void {
  for (const [i, config] of configs.entries()) {
    const { order, errors, requests } = results[i];
    console.log(`\n### -c ${config.clients} -P ${config.pipeline} (median of ${options.rounds})\n`);
    console.log("| test | -n | Redis ops/s | Redeno ops/s | ratio |");
    console.log("|---|---:|---:|---:|---:|");
    const names = [...order];
    // A test that failed on a server still gets a row, with the error.
    const failedTest = new Map<string, string>();
    for (const { name: test, requests: n } of config.tests) {
      const error = errors.get(`redeno:${test}`) ?? errors.get(`redis:${test}`);
      if (error === undefined) continue;
      const row = names.find((name) => name.toLowerCase().startsWith(test)) ?? test.toUpperCase();
      if (!names.includes(row)) names.push(row);
      if (!requests.has(row)) requests.set(row, n);
      failedTest.set(row, test);
    }
    for (const name of names) {
      const ours = results[i].redeno.get(name);
      const theirs = results[i].redis.get(name);
      const a = ours ? median(ours) : undefined;
      const b = theirs ? median(theirs) : undefined;
      const ratio = a !== undefined && b !== undefined ? (a / b).toFixed(2) : "n/a";
      const test = failedTest.get(name);
      const note = ours ? "" : ` (${(test && errors.get(`redeno:${test}`)) ?? "failed"})`;
      const n = formatOps(requests.get(name));
      console.log(`| ${name} | ${n} | ${formatOps(b)} | ${formatOps(a)}${note} | ${ratio} |`);
    }
  }
}

/** The channel and payload of the PUBLISH benchmark. */
const PUBLISH_CHANNEL = "bench:channel";
const PUBLISH_PAYLOAD = "x".repeat(32);
const SUBSCRIBERS = 50;

/**
 * Raw subscriber connections: each SUBSCRIBEs to one channel, waits for the confirmation, then
 * only reads (and discards) what arrives, counting bytes, until closed.
 */
class SubscriberPool {
  #conns: Deno.TcpConn[] = [];
  #loops: Promise<void>[] = [];
  bytes = 0;

  static async open(port: number, count: number, channel: string): Promise<SubscriberPool> {
    const pool = new SubscriberPool();
    const confirmation = `*3\r\n$9\r\nsubscribe\r\n$${channel.length}\r\n${channel}\r\n:1\r\n`;
    const request = new TextEncoder().encode(
      `*2\r\n$9\r\nSUBSCRIBE\r\n$${channel.length}\r\n${channel}\r\n`,
    );
    // Anything not confirmed in time is closed, which ends its wait with an error.
    const timer = setTimeout(() => pool.#closeConns(), 10_000);
    try {
      for (let i = 0; i < count; i++) {
        pool.#conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      }
      await Promise.all(pool.#conns.map(async (conn) => {
        await conn.write(request);
        const buffer = new Uint8Array(confirmation.length);
        for (let got = 0; got < buffer.length;) {
          const n = await conn.read(buffer.subarray(got));
          if (n === null) throw new Error("subscriber closed before its confirmation");
          got += n;
        }
        const text = new TextDecoder().decode(buffer);
        if (text !== confirmation) throw new Error(`SUBSCRIBE: ${JSON.stringify(text)}`);
      }));
    } catch (error) {
      pool.#closeConns();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    pool.#loops = pool.#conns.map(async (conn) => {
      const buffer = new Uint8Array(256 * 1024);
      try {
        for (;;) {
          const n = await conn.read(buffer);
          if (n === null) return;
          pool.bytes += n;
        }
      } catch {
        // closed by close()
      }
    });
    return pool;
  }

  #closeConns(): void {
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  async close(): Promise<void> {
    this.#closeConns();
    await Promise.all(this.#loops);
  }
}

/** `redis-benchmark ... PUBLISH` while `SUBSCRIBERS` connections listen on the channel. */
async function publishBenchmark(
  server: Server,
  clients: number,
  pipeline: number,
  requests: number,
): Promise<BenchResult> {
  const pool = await SubscriberPool.open(server.port, SUBSCRIBERS, PUBLISH_CHANNEL);
  try {
    // Every subscriber must be counted as a receiver, or the numbers mean nothing.
    const reply = await command(server.port, `PUBLISH ${PUBLISH_CHANNEL} check`);
    if (reply !== `:${SUBSCRIBERS}\r\n`) {
      return { rps: new Map(), error: `PUBLISH check replied ${JSON.stringify(reply)}` };
    }
    const args = ["-c", String(clients), "-P", String(pipeline), "-n", String(requests)];
    const result = await redisBenchmark(
      server.port,
      [...args, "PUBLISH", PUBLISH_CHANNEL, PUBLISH_PAYLOAD],
      120_000,
    );
    if (!result.error && pool.bytes === 0) return { rps: new Map(), error: "nothing delivered" };
    return result;
  } finally {
    await pool.close();
  }
}

/**
 * A MULTI/EXEC load: `clients` connections each send groups of MULTI, SET, INCR, EXEC,
 * `pipeline` groups per write, for `seconds`; returns transactions (EXECs) per second.
 * redis-benchmark sends one command per request, so it cannot do this itself.
 */
async function multiBenchmark(
  port: number,
  clients: number,
  pipeline: number,
  seconds: number,
): Promise<BenchResult> {
  const conns: Deno.TcpConn[] = [];
  // Closing every socket ends any wait, should a server stop answering.
  const watchdog = setTimeout(() => closeAll(), seconds * 1000 + 30_000);
  function closeAll(): void {
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }
  try {
    for (let i = 0; i < clients; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.setNoDelay(true);
      conns.push(conn);
    }
    const started = performance.now();
    const end = started + seconds * 1000;
    const counts = await Promise.all(conns.map(async (conn, c) => {
      const key = `tx:${c}`;
      const group = `*1\r\n$5\r\nMULTI\r\n` +
        `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$5\r\nvalue\r\n` +
        `*2\r\n$4\r\nINCR\r\n$${key.length + 2}\r\n${key}:n\r\n` +
        `*1\r\n$4\r\nEXEC\r\n`;
      const bytes = new TextEncoder().encode(group.repeat(pipeline));
      // +OK, +QUEUED, +QUEUED, then *2 +OK :n: six lines per transaction.
      const linesPerBatch = 6 * pipeline;
      const buffer = new Uint8Array(64 * 1024);
      let transactions = 0;
      let atLineStart = true;
      while (performance.now() < end) {
        for (let written = 0; written < bytes.length;) {
          written += await conn.write(bytes.subarray(written));
        }
        for (let lines = 0; lines < linesPerBatch;) {
          const n = await conn.read(buffer);
          if (n === null) throw new Error(`connection closed after ${transactions} transactions`);
          for (let i = 0; i < n; i++) {
            if (atLineStart && buffer[i] === 45) { // '-': an error reply
              throw new Error(new TextDecoder().decode(buffer.subarray(i, n)).split("\r\n")[0]);
            }
            atLineStart = buffer[i] === 10;
            if (atLineStart) lines++;
          }
        }
        transactions += pipeline;
      }
      return transactions;
    }));
    const elapsed = (performance.now() - started) / 1000;
    const total = counts.reduce((a, b) => a + b, 0);
    return { rps: new Map([["MULTI SET INCR EXEC", total / elapsed]]) };
  } catch (error) {
    return { rps: new Map(), error: (error as Error).message };
  } finally {
    clearTimeout(watchdog);
    closeAll();
  }
}

/** PUBLISH with subscribers and MULTI/EXEC groups, at -c 50 -P 1 and -P 16, on both servers. */
async function pubsubAndTransactions(
  options: Options,
  redis: Server,
  redeno: Server,
): Promise<void> {
  const scale = options.quick ? 0.1 : 1;
  const seconds = options.quick ? 1 : 3;
  interface Row {
    name: string;
    amount: string;
    run: (server: Server) => Promise<BenchResult>;
  }
  const rows: Row[] = [];
  for (const [pipeline, requests] of [[1, 50_000], [16, 200_000]]) {
    const n = Math.round(requests * scale);
    rows.push({
      name: `PUBLISH, ${SUBSCRIBERS} subscribers, -P ${pipeline}`,
      amount: formatOps(n),
      run: (server) => publishBenchmark(server, 50, pipeline, n),
    });
  }
  for (const pipeline of [1, 16]) {
    rows.push({
      name: `MULTI+SET+INCR+EXEC (tx/s), -P ${pipeline}`,
      amount: `${seconds} s`,
      run: (server) => multiBenchmark(server.port, 50, pipeline, seconds),
    });
  }
  const results = rows.map(() => ({ redis: [] as number[], redeno: [] as number[], error: "" }));
  for (let round = 1; round <= options.rounds; round++) {
    console.log(`\npub/sub and transactions, round ${round}/${options.rounds}`);
    for (const [i, row] of rows.entries()) {
      const pair = round % 2 ? [redis, redeno] : [redeno, redis];
      for (const server of pair) {
        const result = await row.run(server);
        const key = server === redis ? "redis" : "redeno";
        if (result.error) {
          results[i].error ||= `${key}: ${result.error}`;
          continue;
        }
        results[i][key].push([...result.rps.values()][0]);
      }
    }
  }
  console.log(
    `\n### PUBLISH to ${SUBSCRIBERS} subscribers (redis-benchmark) and MULTI/EXEC groups ` +
      `(a load generator in this script), -c 50 (median of ${options.rounds})\n`,
  );
  console.log("| test | -n | Redis ops/s | Redeno ops/s | ratio |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [i, row] of rows.entries()) {
    const { redis: theirs, redeno: ours, error } = results[i];
    const a = ours.length ? median(ours) : undefined;
    const b = theirs.length ? median(theirs) : undefined;
    const ratio = a !== undefined && b !== undefined ? (a / b).toFixed(2) : "n/a";
    const note = error ? ` (${error})` : "";
    console.log(
      `| ${row.name} | ${row.amount} | ${formatOps(b)} | ${formatOps(a)}${note} | ${ratio} |`,
    );
  }
}

/** VmRSS of `pid`. Read with `cat`: Deno grants other processes' /proc files only with -A. */
async function rssBytes(pid: number): Promise<number> {
  const output = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(new TextDecoder().decode(output.stdout));
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

async function dbsize(server: Server): Promise<number | undefined> {
  const reply = await command(server.port, "DBSIZE");
  const match = /^:(\d+)\r\n/.exec(reply);
  return match ? Number(match[1]) : undefined;
}

async function memory(options: Options): Promise<void> {
  const keyspace = options.quick ? 100_000 : 1_000_000;
  const requests = keyspace * 3; // with -r, about 95 % of the keyspace ends up set
  const expectedKeys = Math.round(keyspace * (1 - Math.exp(-requests / keyspace)));
  console.log(
    `\n### Memory: ${requests.toLocaleString("en-US")} SETs of 16-byte values over ` +
      `${keyspace.toLocaleString("en-US")} random keys\n`,
  );
  console.log("| server | empty RSS | full RSS | keys | bytes per key |");
  console.log("|---|---:|---:|---:|---:|");
  const perKey = new Map<string, number>();
  for (const start of [startRedisServer, startRedeno]) {
    const server = await start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const empty = await rssBytes(server.pid);
      const result = await redisBenchmark(server.port, [
        "-c",
        "50",
        "-P",
        "16",
        "-t",
        "set",
        "-d",
        "16",
        "-r",
        String(keyspace),
        "-n",
        String(requests),
      ], 300_000);
      if (result.error) throw new Error(`${server.name}: SET load failed: ${result.error}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const full = await rssBytes(server.pid);
      const counted = await dbsize(server);
      const keys = counted ?? expectedKeys;
      const bytes = (full - empty) / keys;
      perKey.set(server.name, bytes);
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
      const keyNote = counted === undefined ? " (DBSIZE failed; expected count)" : "";
      console.log(
        `| ${server.name} | ${mb(empty)} | ${mb(full)} | ` +
          `${keys.toLocaleString("en-US")}${keyNote} | ${bytes.toFixed(0)} |`,
      );
    } finally {
      await stop(server);
    }
  }
  const ratio = perKey.get("redeno")! / perKey.get("redis-server")!;
  console.log(`\nRedeno uses ${ratio.toFixed(2)}× Redis's memory per key.`);
}

/** How to build one big collection: the command, and the arguments for element `i`. */
interface CollectionLoad {
  type: string;
  command: string;
  element: (i: number) => string;
}

const COLLECTION_LOADS: CollectionLoad[] = [
  { type: "hash", command: "HSET", element: (i) => `field:${i} value:${i}` },
  { type: "set", command: "SADD", element: (i) => `member:${i}` },
  { type: "zset", command: "ZADD", element: (i) => `${i} member:${i}` },
];

/**
 * Adds elements 0..count-1 to one key with `perCommand` elements per command, all commands
 * written back to back (pipelined) while a reader counts the one-line replies.
 */
async function loadCollection(
  port: number,
  load: CollectionLoad,
  count: number,
  perCommand = 1000,
): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const commands = Math.ceil(count / perCommand);
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    let replies = 0;
    let atLineStart = true;
    while (replies < commands) {
      const n = await conn.read(buffer);
      if (n === null) {
        throw new Error(`${load.command}: connection closed after ${replies} replies`);
      }
      for (let i = 0; i < n; i++) {
        if (atLineStart && buffer[i] === 45) { // '-': an error reply
          throw new Error(
            `${load.command} failed: ${new TextDecoder().decode(buffer.subarray(i, n))}`,
          );
        }
        atLineStart = buffer[i] === 10;
        if (atLineStart) replies++;
      }
    }
  })();
  reading.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  try {
    const encoder = new TextEncoder();
    for (let c = 0; c < commands; c++) {
      const words = [load.command, `big${load.type}`];
      for (let i = c * perCommand; i < Math.min(count, (c + 1) * perCommand); i++) {
        words.push(...load.element(i).split(" "));
      }
      let text = `*${words.length}\r\n`;
      for (const word of words) text += `$${word.length}\r\n${word}\r\n`;
      const bytes = encoder.encode(text);
      for (let written = 0; written < bytes.length;) {
        written += await conn.write(bytes.subarray(written));
      }
    }
    await reading;
  } finally {
    conn.close();
  }
}

/** Memory per element of a hash, a set and a sorted set of a million elements each. */
async function collectionMemory(options: Options): Promise<void> {
  const count = options.quick ? 100_000 : 1_000_000;
  console.log(
    `\n### Memory: one hash, set and sorted set of ${count.toLocaleString("en-US")} elements ` +
      "each (a fresh server per collection)\n",
  );
  console.log("| type | Redis bytes/element | Redeno bytes/element | ratio |");
  console.log("|---|---:|---:|---:|");
  for (const load of COLLECTION_LOADS) {
    const perElement = new Map<string, number>();
    for (const start of [startRedisServer, startRedeno]) {
      const server = await start();
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const empty = await rssBytes(server.pid);
        await loadCollection(server.port, load, count);
        await new Promise((resolve) => setTimeout(resolve, 500));
        perElement.set(server.name, (await rssBytes(server.pid) - empty) / count);
      } finally {
        await stop(server);
      }
    }
    const redis = perElement.get("redis-server")!;
    const redeno = perElement.get("redeno")!;
    console.log(
      `| ${load.type} (${load.command}) | ${redis.toFixed(0)} | ${redeno.toFixed(0)} | ` +
        `${(redeno / redis).toFixed(2)} |`,
    );
  }
}

/** Sends `command` until the server's reply contains `until`, polling every 20 ms. */
async function pollUntil(port: number, command_: string, until: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!(await command(port, command_, 30_000)).includes(until)) {
    if (Date.now() > deadline) throw new Error(`'${command_}' never gave '${until}'`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Milliseconds from starting a server to its first PONG (loading answers -LOADING). */
async function startupMs(start: () => Promise<Server>): Promise<[number, Server]> {
  const started = performance.now();
  const server = await start();
  return [performance.now() - started, server];
}

/**
 * Persistence rows: SET with `appendonly yes` and `appendfsync everysec` on both servers; the
 * time each takes to load the same RDB of many keys (minus its empty start-up); and SET/GET p99
 * latency while BGSAVE runs back to back over that data, against the same run without BGSAVE.
 */
async function persistence(options: Options): Promise<void> {
  const keys = options.quick ? 100_000 : 1_000_000;
  const requests = options.quick ? 20_000 : 200_000;
  const dir = await Deno.makeTempDir({ prefix: "redeno-bench-" });
  try {
    // 1. appendfsync everysec.
    const aof = ["--appendonly", "yes", "--appendfsync", "everysec"];
    await Deno.mkdir(`${dir}/aof-redis`);
    await Deno.mkdir(`${dir}/aof-redeno`);
    const redis = await startRedisServer([...aof, "--dir", `${dir}/aof-redis`]);
    const redeno = await startRedeno([...aof, "--dir", `${dir}/aof-redeno`], true);
    const sets = { redis: [] as number[], redeno: [] as number[] };
    for (let round = 1; round <= options.rounds; round++) {
      for (const [name, server] of [["redis", redis], ["redeno", redeno]] as const) {
        const result = await redisBenchmark(
          server.port,
          ["-c", "50", "-P", "1", "-n", String(requests), "-t", "set"],
          300_000,
        );
        const rps = result.rps.get("SET");
        if (rps !== undefined) sets[name].push(rps);
      }
    }
    await Promise.all([stop(redis), stop(redeno)]);
    console.log("\n## Persistence\n");
    console.log("| test | redis-server | redeno | ratio |\n| --- | ---: | ---: | ---: |");
    const [a, b] = [median(sets.redeno), median(sets.redis)];
    console.log(
      `| SET, appendonly yes, appendfsync everysec (ops/s) | ${formatOps(b)} | ${formatOps(a)} | ${
        (a / b).toFixed(2)
      } |`,
    );

    // 2. Loading the same RDB file.
    await Deno.mkdir(`${dir}/rdb`);
    const maker = await startRedisServer(["--dir", `${dir}/rdb`, "--enable-debug-command", "yes"]);
    await command(maker.port, `DEBUG POPULATE ${keys}`, 120_000);
    await command(maker.port, "SAVE", 120_000);
    await stop(maker);
    const loadFlags = ["--dir", `${dir}/rdb`, "--save", ""];
    await Deno.mkdir(`${dir}/empty`);
    const emptyFlags = ["--dir", `${dir}/empty`, "--save", ""];
    const [redisEmpty, r0] = await startupMs(() => startRedisServer(emptyFlags));
    await stop(r0);
    const [redisLoad, r1] = await startupMs(() => startRedisServer(loadFlags));
    const [redenoEmpty, d0] = await startupMs(() => startRedeno(emptyFlags, true));
    await stop(d0);
    const [redenoLoad, d1] = await startupMs(() => startRedeno(loadFlags, true));
    const loadRedis = redisLoad - redisEmpty;
    const loadRedeno = redenoLoad - redenoEmpty;
    console.log(
      `| loading an RDB of ${keys.toLocaleString("en-US")} keys (s, lower is better) | ${
        (loadRedis / 1000).toFixed(2)
      } | ${(loadRedeno / 1000).toFixed(2)} | ${(loadRedis / loadRedeno).toFixed(2)} |`,
    );

    // 3. p99 of SET/GET while BGSAVE runs back to back, against the same run without it.
    const p99 = async (server: Server, withSaves: boolean): Promise<[number, number]> => {
      let saving = withSaves;
      const saves = (async () => {
        while (saving) {
          await command(server.port, "BGSAVE", 30_000);
          await pollUntil(server.port, "INFO persistence", "rdb_bgsave_in_progress:0");
        }
      })();
      const result = await redisBenchmark(
        server.port,
        ["-c", "50", "-n", String(requests), "-t", "set,get", "--precision", "3"],
        300_000,
      );
      saving = false;
      await saves;
      return [result.p99?.get("SET") ?? NaN, result.p99?.get("GET") ?? NaN];
    };
    for (const [name, server] of [["redis-server", r1], ["redeno", d1]] as const) {
      const [setIdle, getIdle] = await p99(server, false);
      const [setSaving, getSaving] = await p99(server, true);
      console.log(
        `| ${name}: SET/GET p99 without → with BGSAVE running (ms) | | | ${setIdle} / ${getIdle} → ${setSaving} / ${getSaving} |`,
      );
    }
    await Promise.all([stop(r1), stop(d1)]);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(Deno.args);
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    return 2;
  }
  const interrupted = () => {
    stopAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);
  try {
    console.log(
      `Redeno vs redis-server, ${options.rounds} round(s)${options.quick ? ", quick" : ""}; ` +
        `deno ${Deno.version.deno}`,
    );
    await throughput(options);
    await persistence(options);
    await memory(options);
    await collectionMemory(options);
    return 0;
  } catch (error) {
    console.error(`bench: ${(error as Error).stack ?? error}`);
    return 1;
  } finally {
    await stopAll();
    Deno.removeSignalListener("SIGINT", interrupted);
    Deno.removeSignalListener("SIGTERM", interrupted);
  }
}

if (import.meta.main) Deno.exit(await main());
