/**
 * Long protocol fuzzing against Redeno as a child process: many connections send random and
 * mutated RESP — valid prefixes with bad lengths, huge counts like *2147483647, deep nesting,
 * binary noise, inline garbage — batched many frames per write, while slowloris senders dribble
 * commands a byte at a time and a well-behaved client keeps checking its replies. The server
 * must never crash, must answer correctly throughout, and its RSS must stay under a bound.
 *
 * `FUZZ_FRAMES` sets how many frames to send (default 1 000 000); `FUZZ_SEED` replays a run.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  encodeCommand,
  looksLikeCrash,
  prng,
  RawConn,
  RedenoProcess,
  residentBytes,
  seedFrom,
} from "./e2e_support.ts";

/** RSS the server must stay under (it levels off near 320 MiB; V8 grows its heap under load). */
const RSS_BOUND = 768 * 1024 * 1024;

/** Commands that run and answer (or fail) without blocking, and touch a bounded keyspace. */
const COMMANDS: string[][] = [
  ["PING"],
  ["ECHO", "a\0b\r\n\xff"],
  ["SET", "k1", "v"],
  ["GET", "k1"],
  ["INCR", "n"],
  ["DEL", "k2"],
  ["MSET", "a", "1", "b", "2"],
  ["MGET", "a", "b", "c"],
  ["APPEND", "a", "xyz"],
  ["GETRANGE", "a", "0", "-1"],
  ["LPUSH", "l", "x"],
  ["LTRIM", "l", "0", "9"],
  ["HSET", "h", "f", "v"],
  ["SADD", "s", "m"],
  ["ZADD", "z", "1", "m"],
  ["EXPIRE", "a", "100"],
  ["TYPE", "l"],
  ["SELECT", "1"],
  ["SET"],
  ["NOSUCHCOMMAND", "x"],
  ["CLIENT", "SETNAME", "fuzz"],
];

/** Inputs after which Redis closes the connection (each ends a batch). */
const FATAL: string[] = [
  "*2147483648\r\n",
  "*99999999999999999999\r\n",
  "*1\r\n$2147483648\r\n",
  "*1\r\n$-5\r\n",
  "*1\r\n:1\r\n",
  "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n$4\r\nPING\r\n",
  "*+1\r\n",
  "*1\r\n$+4\r\nPING\r\n",
  'SET k "abc\r\n',
  "\0\x01\x02\xff*\r\n",
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function noise(random: () => number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String.fromCharCode(Math.floor(random() * 256));
  return out;
}

/** A frame the server parses and answers (maybe with an error) without closing. */
function survivable(random: () => number): string {
  const kind = random();
  const argv = pick(random, COMMANDS);
  if (kind < 0.45) return encodeCommand(argv);
  if (kind < 0.6) return argv.map((arg) => arg.replace(/[\s"'\\\0]/g, "_")).join(" ") + "\r\n";
  if (kind < 0.75) { // binary noise as an argument's bytes
    return encodeCommand(["ECHO", noise(random, Math.floor(random() * 64))]);
  }
  if (kind < 0.85) return "*0\r\n*-1\r\n\r\n"; // empty and null multibulks, a blank line
  // Mutated lengths that still frame: a bulk longer than its text swallows what follows.
  const value = noise(random, 8);
  return `*2\r\n$4\r\nECHO\r\n$${8 + Math.floor(random() * 3)}\r\n${value}\r\n`;
}

/** A frame after which the server must close the connection (or wait for more bytes). */
function fatal(random: () => number): string {
  const kind = random();
  if (kind < 0.5) return pick(random, FATAL);
  if (kind < 0.7) return noise(random, 1 + Math.floor(random() * 300));
  if (kind < 0.85) { // a valid prefix with a bad length
    const frame = encodeCommand(pick(random, COMMANDS));
    return frame.replace(/\$\d+/, `$${pick(random, ["-2", "x", "", "99999999999"])}`);
  }
  // A huge declared count, then hang up before the arguments arrive.
  return pick(random, ["*2147483647\r\n", "*1048576\r\n$1\r\na\r\n", "*3\r\n$3\r\nSET\r\n"]);
}

Deno.test("fuzz (long): a million random frames, slowloris senders, a client that must be served", async () => {
  const seed = seedFrom("FUZZ_SEED");
  const target = Number(Deno.env.get("FUZZ_FRAMES") ?? 1_000_000);
  const redeno = RedenoProcess.spawn(["--port", "0", "--bind", "127.0.0.1", "--save", ""]);
  let peakRss = 0;
  let sampler: Promise<void> | undefined;
  let done = false;
  try {
    await redeno.ready();
    const port = Number(/tcp on 127\.0\.0\.1:(\d+)/.exec(redeno.stdout)?.[1]);
    assert(port > 0, redeno.stdout);
    // RSS at each tenth of the run, to show whether it levels off or keeps growing.
    const timeline: number[] = [];
    let frames = 0;
    let connections = 0;
    const sample = async () => {
      const rss = await residentBytes(redeno.pid);
      peakRss = Math.max(peakRss, rss);
      if (frames >= (timeline.length + 1) * target / 10) timeline.push(rss >> 20);
    };
    // One `ps` at a time, every 100 ms, until the fuzzers are done.
    sampler = (async () => {
      while (!done) {
        await sample();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const started = performance.now();

    // Fuzzers: each connection gets one write of many frames, most often ending in a fatal one.
    const fuzzers = Array.from({ length: 24 }, async (_, worker) => {
      const random = prng(seed + worker);
      while (frames < target) {
        const conn = await RawConn.connect(port);
        connections++;
        try {
          let batch = "";
          const count = 20 + Math.floor(random() * 200);
          for (let i = 0; i < count; i++) batch += survivable(random);
          if (random() < 0.8) batch += fatal(random);
          frames += count + 1;
          await conn.write(batch).catch(() => {});
          if (random() < 0.3) await conn.waitForClose(50).catch(() => {});
        } finally {
          await conn.close();
        }
      }
    });

    // Slowloris: complete commands a byte at a time, whose replies must still be right.
    const slow = Array.from({ length: 4 }, async (_, worker) => {
      const conn = await RawConn.connect(port);
      let rounds = 0;
      try {
        while (!done) {
          const key = `slow:${worker}`;
          const frame = encodeCommand(["INCR", key]);
          const before = conn.length;
          for (const char of frame) {
            await conn.write(char);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          rounds++;
          const expected = `:${rounds}\r\n`;
          await conn.waitForLength(before + expected.length, 30_000);
          assertEquals(conn.text().slice(before), expected);
        }
      } finally {
        await conn.close();
      }
      return rounds;
    });

    // The well-behaved client: pipelines of SET/GET pairs whose replies are checked all along.
    const checker = (async () => {
      const conn = await RawConn.connect(port);
      let checks = 0;
      try {
        while (!done) {
          let request = "";
          let expected = "";
          for (let i = 0; i < 50; i++, checks++) {
            const value = `value-${checks}`;
            request += encodeCommand(["SET", `checked:${i}`, value]) +
              encodeCommand(["GET", `checked:${i}`]);
            expected += `+OK\r\n$${value.length}\r\n${value}\r\n`;
          }
          const before = conn.length;
          await conn.write(request);
          await conn.waitForLength(before + expected.length, 30_000);
          assertEquals(conn.text().slice(before), expected);
          conn.clear();
        }
      } finally {
        await conn.close();
      }
      return checks;
    })();

    await Promise.all(fuzzers);
    done = true;
    const [checks, slowRounds] = await Promise.all([checker, Promise.all(slow)]);
    const seconds = (performance.now() - started) / 1000;
    await sampler;
    await sample();

    const fresh = await RawConn.connect(port);
    try {
      assertEquals(await fresh.call(["PING"]), "+PONG\r\n");
      const last = `value-${checks - 1}`;
      assertEquals(await fresh.call(["GET", "checked:49"]), `$${last.length}\r\n${last}\r\n`);
      const clients = await fresh.call(["INFO", "clients"]);
      assert(/connected_clients:\d+/.test(clients));
    } finally {
      await fresh.close();
    }
    console.log(
      `fuzz (long): ${frames} frames over ${connections} connections in ${seconds.toFixed(1)} s ` +
        `(${Math.round(frames / seconds)} frames/s); ${checks} checked SET/GET pairs, ` +
        `${slowRounds.reduce((a, b) => a + b, 0)} slowloris commands; ` +
        `server peak RSS ${(peakRss / 1048576).toFixed(0)} MiB, by tenths ${timeline.join(" ")} ` +
        `MiB (seed ${seed})`,
    );
    assert(frames >= target);
    assert(checks > 0 && slowRounds.every((rounds) => rounds > 0));
    assert(peakRss < RSS_BOUND, `server RSS reached ${peakRss} bytes`);
  } finally {
    done = true;
    await sampler;
    await redeno.stop();
  }
  assert(!looksLikeCrash(redeno.stdout + redeno.stderr), redeno.stdout + redeno.stderr);
});
