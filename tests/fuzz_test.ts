/**
 * Protocol fuzzing: for a bounded time, many connections throw random and mutated RESP at the
 * server. Afterwards it must still answer on a fresh connection, have logged no error, and have
 * let go of every fuzzing connection. The seed is printed; `FUZZ_SEED=<n>` replays a run and
 * `FUZZ_MS=<n>` changes its length.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { startServer } from "../src/server/server.ts";
import { Logger } from "../src/server/log.ts";
import { encodeCommand, prng, RawConn, seedFrom } from "./e2e_support.ts";
import { waitFor } from "./support/servers.ts";

/** Commands that are safe to mangle: none can block for long, shut down or eat gigabytes. */
const VALID: string[][] = [
  ["PING"],
  ["PING", "hello"],
  ["ECHO", "a\0b\r\n"],
  ["SET", "k", "v"],
  ["SET", "k", "v", "PX", "100"],
  ["SET", "k", "v", "NX", "GET"],
  ["GET", "k"],
  ["INCR", "n"],
  ["INCRBY", "n", "-7"],
  ["DEL", "k", "n"],
  ["EXISTS", "k"],
  ["MSET", "a", "1", "b", "2"],
  ["MGET", "a", "b", "c"],
  ["APPEND", "a", "xyz"],
  ["STRLEN", "a"],
  ["EXPIRE", "a", "10"],
  ["TTL", "a"],
  ["TYPE", "a"],
  ["DBSIZE"],
  ["SELECT", "1"],
  ["GETRANGE", "a", "0", "-1"],
  ["QUIT"],
];

const NASTY: string[] = [
  "*-1\r\n",
  "*0\r\n",
  "*1\r\n$-1\r\n",
  "*1\r\n$-5\r\n",
  "*99999999999999999999\r\n",
  "*2147483648\r\n",
  "*1\r\n$2147483648\r\n",
  "*1\r\n$536870912\r\n",
  "*1048576\r\n",
  "*1\r\n$99999999\r\nabc",
  "*1\r\n:1\r\n",
  "*1\r\n+PING\r\n",
  "*1\r\n%1\r\n",
  "$4\r\nPING\r\n",
  "*\r\n",
  "*1\r\n$\r\n",
  "*1\r\n$4\r\nPINGxx",
  "*2\r\n$3\r\nGET\r\n$01\r\nk\r\n",
  "*+1\r\n",
  "*1\r\n$+4\r\nPING\r\n",
  "*1\r\n$ 4\r\nPING\r\n",
  'SET k "abc\r\n',
  "SET k 'abc\r\n",
  'SET k "a"b\r\n',
  'GET "\\x4\r\n',
  '"\r\n',
  "\r\n\r\n\n\n",
  "\0\0\0\r\n",
  "PING\rPING\r\n",
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function randomBytes(random: () => number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String.fromCharCode(Math.floor(random() * 256));
  return out;
}

/** One fuzz input: a latin1 string of bytes to send. */
function generate(random: () => number): string {
  const kind = Math.floor(random() * 7);
  switch (kind) {
    case 0:
      return randomBytes(random, 1 + Math.floor(random() * 200));
    case 1: { // a valid frame cut short
      const frame = encodeCommand(pick(random, VALID));
      return frame.slice(0, Math.floor(random() * frame.length));
    }
    case 2:
      return pick(random, NASTY);
    case 3: { // a valid frame with a few bytes flipped, inserted or deleted
      let frame = encodeCommand(pick(random, VALID));
      const edits = 1 + Math.floor(random() * 3);
      for (let i = 0; i < edits; i++) {
        const at = Math.floor(random() * frame.length);
        const op = random();
        const byte = String.fromCharCode(
          random() < 0.5 ? pick(random, [..."*$:+-%\r\n0-9\"'\\ "]).charCodeAt(0) : random() * 256,
        );
        if (op < 0.4) frame = frame.slice(0, at) + byte + frame.slice(at + 1);
        else if (op < 0.7) frame = frame.slice(0, at) + byte + frame.slice(at);
        else frame = frame.slice(0, at) + frame.slice(at + 1);
      }
      return frame;
    }
    case 4: { // an inline command, maybe with broken quoting
      const argv = pick(random, VALID).map((arg) =>
        random() < 0.3 ? `"${arg.replace(/"/g, '\\"')}` + (random() < 0.5 ? '"' : "") : arg
      );
      return argv.join(" ") + (random() < 0.8 ? "\r\n" : "\n");
    }
    case 5: { // valid commands with garbage between them
      return encodeCommand(pick(random, VALID)) + randomBytes(random, Math.floor(random() * 8)) +
        encodeCommand(pick(random, VALID));
    }
    default: { // an oversized header or inline line
      const fill = pick(random, ["9", "A", " ", '"']);
      return pick(random, ["*", "*1\r\n$", "", "SET k "]) +
        fill.repeat(60_000 + Math.floor(random() * 10_000));
    }
  }
}

Deno.test("fuzz: random and mutated RESP does not break the server", async () => {
  const seed = seedFrom("FUZZ_SEED");
  const duration = Number(Deno.env.get("FUZZ_MS") ?? 5_000);
  const logged: string[] = [];
  const server = await startServer({
    port: 0,
    bind: "127.0.0.1",
    logger: new Logger("warning", (line) => logged.push(line)),
  });
  let frames = 0;
  let connections = 0;
  try {
    const workers = Array.from({ length: 16 }, async (_, worker) => {
      const random = prng(seed + worker);
      const until = Date.now() + duration;
      for (let round = 0; round < 100_000 && Date.now() < until; round++) {
        const conn = await RawConn.connect(server.port);
        connections++;
        try {
          const count = 1 + Math.floor(random() * 6);
          for (let i = 0; i < count && !conn.closed; i++) {
            await conn.write(generate(random)).catch(() => {});
            frames++;
          }
          // Sometimes wait for the server's answer or close, sometimes hang up at once.
          if (random() < 0.5) {
            await conn.waitForClose(random() < 0.2 ? 100 : 10).catch(() => {});
          }
        } finally {
          await conn.close();
        }
      }
    });
    await Promise.all(workers);
    console.log(`fuzz: ${frames} inputs over ${connections} connections (seed ${seed})`);

    const fresh = await RawConn.connect(server.port);
    try {
      assertEquals(await fresh.call(["PING"]), "+PONG\r\n");
      assertEquals(await fresh.call(["SET", "after-fuzz", "ok"]), "+OK\r\n");
      assertEquals(await fresh.call(["GET", "after-fuzz"]), "$2\r\nok\r\n");
      // Every fuzzing connection has been let go of; only this one is left.
      await waitFor(() => server.clients.size === 1, 10_000, "fuzz connections to close");
    } finally {
      await fresh.close();
    }
    assert(logged.length === 0, `the server logged:\n${logged.join("\n")}`);
  } finally {
    await server.close();
  }
});
