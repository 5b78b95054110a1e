/**
 * Differential tests of the HyperLogLog commands against redis-server 7.0.15, in RESP2 and
 * RESP3: replies and stored bytes (GET) must match, including sparse→dense promotion and the
 * cached cardinality; HLL values move between the servers through GET/SET both ways; random
 * inputs of up to 100k elements count and merge the same; corrupt values are refused the same.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type Command, pairTests } from "./support/servers.ts";
import { runDiff, runDiffBoth } from "./support/collection_diff.ts";
import { compareNotificationsBoth } from "./support/notifications.ts";
import { prng, seedFrom } from "./support/random.ts";
import type { RespClient } from "./support/resp_client.ts";

const test = pairTests("hyperloglog");

function elements(prefix: string, count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${start + i}`);
}

/** The header of an HLL value: magic, encoding, 3 unused bytes, 8 cache bytes. */
function header(encoding: number, cache = "\0".repeat(8)): string {
  return "HYLL" + String.fromCharCode(encoding) + "\0\0\0" + cache;
}

test("PFADD, PFCOUNT, PFMERGE: replies, bytes, promotion, counters", async (pair) => {
  await runDiffBoth(pair, [
    ["PFADD", "h"],
    ["GET", "h"],
    ["PFADD", "h"],
    ["PFCOUNT", "h"],
    ["GET", "h"],
    ["OBJECT", "ENCODING", "h"],
    ["PFADD", "h", "a", "b", "c", "a"],
    ["PFADD", "h", "a"],
    ["GET", "h"],
    ["PFCOUNT", "h"],
    ["PFCOUNT", "h"],
    ["GET", "h"],
    ["PFDEBUG", "DECODE", "h"],
    ["PFADD", "h", ...elements("e", 300)],
    ["PFDEBUG", "ENCODING", "h"],
    ["GET", "h"],
    ["PFADD", "h", ...elements("f", 2000)],
    ["PFDEBUG", "ENCODING", "h"],
    ["GET", "h"],
    ["PFCOUNT", "h"],
    ["PFADD", "h", "one-more"],
    ["PFADD", "h", "x1", "x2"],
    ["PFADD", "h", ...elements("g", 50)],
    ["GET", "h"],
    ["PFCOUNT", "h"],
    ["PFCOUNT", "nokey"],
    ["PFADD", "s1", ...elements("e", 40)],
    ["PFADD", "s2", ...elements("e", 80, 20)],
    ["PFCOUNT", "s1", "s2"],
    ["PFCOUNT", "s1", "nokey", "s2", "h"],
    ["PFCOUNT", "nokey", "nokey2"],
    ["PFMERGE", "m", "s1", "s2"],
    ["GET", "m"],
    ["PFCOUNT", "m"],
    ["PFMERGE", "m", "h"],
    ["PFDEBUG", "ENCODING", "m"],
    ["GET", "m"],
    ["PFMERGE", "s1", "s2", "nokey"],
    ["GET", "s1"],
    ["PFMERGE", "new"],
    ["GET", "new"],
    ["PFMERGE", "new2", "nokey"],
    ["GET", "new2"],
    ["SET", "x", "1", "EX", "100"],
    ["PFMERGE", "s1", "x"],
    ["PFCOUNT", "s1", "x"],
  ]);
});

test("errors: wrong type, not an HLL, arity, PFDEBUG", async (pair) => {
  await runDiffBoth(pair, [
    ["RPUSH", "l", "a"],
    ["SET", "str", "not an hll at all"],
    ["SET", "int", "12345678901234567"],
    ["PFADD", "l", "a"],
    ["PFADD", "str", "a"],
    ["PFADD", "int"],
    ["PFCOUNT", "l"],
    ["PFCOUNT", "str"],
    ["PFCOUNT", "nokey", "l"],
    ["PFCOUNT", "nokey", "str"],
    ["PFMERGE", "d", "l"],
    ["PFMERGE", "d", "str"],
    ["PFMERGE", "str", "nokey"],
    ["PFMERGE", "l"],
    ["EXISTS", "d"],
    ["PFADD"],
    ["PFCOUNT"],
    ["PFMERGE"],
    ["PFDEBUG", "GETREG"],
    ["PFDEBUG", "GETREG", "a", "b"],
    ["PFSELFTEST", "x"],
    ["PFDEBUG", "GETREG", "nokey"],
    ["PFDEBUG", "bogus", "nokey"],
    ["PFDEBUG", "bogus", "l"],
    ["PFDEBUG", "bogus", "str"],
    ["PFADD", "h", "a", "b"],
    ["PFDEBUG", "bogus", "h"],
    ["PFDEBUG", "ENCODING", "h"],
    ["PFDEBUG", "decode", "h"],
    ["PFDEBUG", "TODENSE", "h"],
    ["PFDEBUG", "TODENSE", "h"],
    ["PFDEBUG", "ENCODING", "h"],
    ["PFDEBUG", "DECODE", "h"],
    ["GET", "h"],
    ["PFADD", "h2", "q"],
    ["PFDEBUG", "GETREG", "h2"],
    ["PFDEBUG", "ENCODING", "h2"],
    ["GET", "h2"],
    ["PFSELFTEST"],
  ]);
});

test("corrupt and odd values are refused or counted as Redis does", async (pair) => {
  const sparseBody = "\x7f\xff"; // XZERO covering all 16384 registers
  const dense = header(0) + "\0".repeat(12288);
  const values: Record<string, string> = {
    short: "HYLL\x01",
    magic: "HYLX" + header(1).slice(4) + sparseBody,
    encoding2: header(2) + sparseBody,
    denseShort: header(0) + "\0".repeat(100),
    denseLong: dense + "\0",
    dense,
    denseHigh: header(0) + "\xff".repeat(12288),
    noOpcodes: header(1),
    tooMany: header(1) + sparseBody + "\x80",
    tooFew: header(1) + "\x7f\xfe",
    loneXzero: header(1) + "\x7f\xfe\x40",
    valPastEnd: header(1) + "\x7f\xfd\x83",
    cachedBig: header(1, "\xff\xff\xff\xff\xff\xff\xff\x7f") + sparseBody,
    cachedHuge: header(1, "\x01\x00\x00\x00\x00\x00\x40\x00") + sparseBody,
    cachedStale: header(1, "\x05\x00\x00\x00\x00\x00\x00\x80") + sparseBody,
    unusedBytes: "HYLL\x01abc" + "\0".repeat(8) + sparseBody,
    xzeroSmall: header(1) + "\x40\x00\x7f\xfe",
  };
  const steps: Command[] = [];
  for (const [key, value] of Object.entries(values)) {
    steps.push(
      ["SET", key, value],
      ["PFCOUNT", key],
      ["PFCOUNT", key, "nokey"],
      ["PFADD", key, "a", "b", "c"],
      ["GET", key],
      ["PFCOUNT", key],
      ["PFMERGE", `m-${key}`, key],
      ["GET", `m-${key}`],
      ["PFDEBUG", "DECODE", key],
      ["PFDEBUG", "ENCODING", key],
      ["SET", key, value],
      ["PFDEBUG", "TODENSE", key],
      ["SET", key, value],
      ["PFMERGE", key, "nokey"],
      ["GET", key],
    );
  }
  await runDiffBoth(pair, steps);
});

test("mutated HLL values never crash and match Redis", async (pair) => {
  const random = prng(seedFrom("HLL_CORRUPT_SEED"));
  const int = (n: number) => Math.floor(random() * n);
  const [ours, theirs] = await pair.connect();
  try {
    await theirs.call("PFADD", "sparse", ...elements("s", 60));
    await theirs.call("PFADD", "dense", ...elements("d", 3000));
    const sources = [
      await theirs.call("GET", "sparse") as string,
      await theirs.call("GET", "dense") as string,
    ];
    const steps: Command[] = [];
    for (let i = 0; i < 150; i++) {
      let value = sources[int(2)];
      const edits = 1 + int(4);
      for (let e = 0; e < edits; e++) {
        const at = int(value.length);
        const kind = int(3);
        const byte = String.fromCharCode(int(256));
        if (kind === 0) value = value.slice(0, at) + byte + value.slice(at + 1);
        else if (kind === 1) value = value.slice(0, at) + value.slice(at + 1);
        else value = value.slice(0, at) + byte + value.slice(at);
      }
      // Keep the header plausible most of the time so the opcodes get exercised.
      if (int(4) !== 0) value = sources[0].slice(0, 16) + value.slice(16);
      steps.push(
        ["SET", "v", value],
        ["PFCOUNT", "v"],
        ["PFCOUNT", "v", "sparse"],
        ["PFADD", "v", `a${i}`, `b${i}`, `c${i}`],
        ["GET", "v"],
        ["PFMERGE", "v", "sparse"],
        ["GET", "v"],
      );
    }
    ours.close();
    theirs.close();
    await runDiff(pair, [
      ["SET", "sparse", sources[0]],
      ["SET", "dense", sources[1]],
      ...steps,
    ], { resp: 2 });
  } finally {
    ours.close();
    theirs.close();
  }
});

/** Sends one command to both servers and asserts equal raw replies. */
async function same(ours: RespClient, theirs: RespClient, ...argv: string[]): Promise<string> {
  const [a, b] = await Promise.all([ours.raw(...argv), theirs.raw(...argv)]);
  assertEquals(a, b, `reply to ${JSON.stringify(argv.map((x) => x.slice(0, 40)))}`);
  return a;
}

test("values exchanged with Redis through GET/SET count the same, both ways", async (pair) => {
  const [ours, theirs] = await pair.connect();
  try {
    for (const client of [ours, theirs]) await client.raw("FLUSHALL");
    for (
      const [size, key] of [[5, "small"], [200, "mid"], [5000, "big"], [60000, "huge"]] as const
    ) {
      const added = elements(`${key}-`, size);
      for (let i = 0; i < added.length; i += 1000) {
        const batch = added.slice(i, i + 1000);
        await theirs.call("PFADD", `r-${key}`, ...batch);
        await ours.call("PFADD", `o-${key}`, ...batch);
      }
      const fromRedis = await theirs.call("GET", `r-${key}`) as string;
      const fromOurs = await ours.call("GET", `o-${key}`) as string;
      assertEquals(fromOurs, fromRedis, `bytes of an HLL of ${size}`);
      // Redis's value into Redeno and ours into Redis.
      await ours.call("SET", `r-${key}`, fromRedis);
      await theirs.call("SET", `o-${key}`, fromOurs);
      await same(ours, theirs, "PFCOUNT", `r-${key}`);
      await same(ours, theirs, "PFCOUNT", `o-${key}`);
      await same(ours, theirs, "PFADD", `r-${key}`, "extra1", "extra2");
      await same(ours, theirs, "GET", `r-${key}`);
      await same(ours, theirs, "PFCOUNT", `r-${key}`, `o-${key}`);
      await same(ours, theirs, "PFMERGE", `m-${key}`, `r-${key}`, `o-${key}`);
      await same(ours, theirs, "GET", `m-${key}`);
    }
  } finally {
    ours.close();
    theirs.close();
  }
});

test("random inputs up to 100k elements: PFCOUNT and PFMERGE equal Redis's", async (pair) => {
  const random = prng(seedFrom("HLL_RANDOM_SEED"));
  const [ours, theirs] = await pair.connect();
  try {
    for (const client of [ours, theirs]) await client.raw("FLUSHALL");
    const sizes = [1, 17, 90, 700, 2500, 9000, 30000, 100000];
    const keys: string[] = [];
    for (const size of sizes) {
      const key = `k${size}`;
      keys.push(key);
      let batch: string[] = [];
      for (let i = 0; i < size; i++) {
        // Random binary-safe elements, some repeated.
        const length = 1 + Math.floor(random() * 12);
        let element = "";
        for (let j = 0; j < length; j++) {
          element += String.fromCharCode(Math.floor(random() * (random() < 0.5 ? 256 : 10)) + 0);
        }
        batch.push(element);
        if (batch.length === 2000 || i === size - 1) {
          await same(ours, theirs, "PFADD", key, ...batch);
          batch = [];
        }
      }
      await same(ours, theirs, "PFCOUNT", key);
      await same(ours, theirs, "GET", key);
    }
    await same(ours, theirs, "PFCOUNT", ...keys);
    await same(ours, theirs, "PFCOUNT", keys[2], keys[4]);
    await same(ours, theirs, "PFMERGE", "all", ...keys);
    await same(ours, theirs, "GET", "all");
    await same(ours, theirs, "PFCOUNT", "all");
    await same(ours, theirs, "PFMERGE", keys[1], keys[2], keys[3]);
    await same(ours, theirs, "GET", keys[1]);
  } finally {
    ours.close();
    theirs.close();
  }
});

test("hll-sparse-max-bytes decides when a sparse HLL turns dense", async (pair) => {
  const [ours, theirs] = await pair.connect();
  try {
    await same(ours, theirs, "CONFIG", "GET", "hll-sparse-max-bytes");
    for (const limit of ["0", "40", "1kb", "20000"]) {
      await same(ours, theirs, "CONFIG", "SET", "hll-sparse-max-bytes", limit);
      await same(ours, theirs, "CONFIG", "GET", "hll-sparse-max-bytes");
      await same(ours, theirs, "DEL", "h", "m");
      for (let i = 0; i < 40; i++) {
        await same(ours, theirs, "PFADD", "h", ...elements(`${limit}-${i}-`, 1 + i * 5));
        await same(ours, theirs, "PFDEBUG", "ENCODING", "h");
      }
      await same(ours, theirs, "GET", "h");
      await same(ours, theirs, "PFMERGE", "m", "h");
      await same(ours, theirs, "GET", "m");
    }
    await same(ours, theirs, "CONFIG", "SET", "hll-sparse-max-bytes", "3000");
  } finally {
    ours.close();
    theirs.close();
  }
});

test("keyspace notifications", async (pair) => {
  await compareNotificationsBoth(pair, [
    ["PFADD", "h", "a"],
    ["PFADD", "h", "a"],
    ["PFADD", "h2"],
    ["PFCOUNT", "h"],
    ["PFCOUNT", "h", "missing"],
    ["PFMERGE", "m", "h", "h2"],
    ["PFMERGE", "m"],
    ["PFDEBUG", "TODENSE", "m"],
  ]);
});
