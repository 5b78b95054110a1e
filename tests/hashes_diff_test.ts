/**
 * Differential tests of the hash commands against redis-server 7.0.15, in RESP2 and RESP3:
 * replies byte for byte (listpack hashes keep Redis's order), hash-table-ordered replies as
 * sorted multisets, HRANDFIELD by its properties, and the dirty and hit/miss counters.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type Command, pairTests } from "./support/servers.ts";
import { callBoth, ORDER_FREE, runDiff, runDiffBoth } from "./support/collection_diff.ts";
import { prng, seedFrom } from "./support/random.ts";
import type { RespValue } from "./support/resp_client.ts";

const BINARY = "\x00\xff\r\n\x80bin";

const test = pairTests("hashes");

/** `HSET key f0 v0 f1 v1 ...` with `count` fields from `start`. */
function hsetMany(key: string, count: number, start = 0, value = "v"): Command {
  const argv: Command = ["HSET", key];
  for (let i = start; i < start + count; i++) argv.push(`f${i}`, `${value}${i}`);
  return argv;
}

test("set, get, delete and counting; wrong arity and wrong type", async (pair) => {
  await runDiffBoth(pair, [
    ["HSET", "h", "a", "1", "b", "2"],
    ["HSET", "h", "a", "10", "c", "3"],
    ["HSET", "h", "a"],
    ["HSET", "h", "a", "1", "b"],
    ["HMSET", "h", "d", "4", "e", "5"],
    ["HMSET", "h", "d"],
    ["HMSET", "h", "d", "4", "e"],
    ["HGET", "h", "a"],
    ["HGET", "h", "zz"],
    ["HGET", "nokey", "a"],
    ["HMGET", "h", "a", "zz", "b", "a"],
    ["HMGET", "nokey", "a", "b"],
    ["HGETALL", "h"],
    ["HKEYS", "h"],
    ["HVALS", "h"],
    ["HGETALL", "nokey"],
    ["HKEYS", "nokey"],
    ["HVALS", "nokey"],
    ["HLEN", "h"],
    ["HLEN", "nokey"],
    ["HSTRLEN", "h", "a"],
    ["HSTRLEN", "h", "zz"],
    ["HSTRLEN", "nokey", "a"],
    ["HEXISTS", "h", "a"],
    ["HEXISTS", "h", "zz"],
    ["HEXISTS", "nokey", "a"],
    ["HSETNX", "h", "a", "new"],
    ["HSETNX", "h", "z", "new"],
    ["HSETNX", "fresh", "f", "v"],
    ["HGETALL", "fresh"],
    ["HDEL", "h", "a", "a", "zz", "b"],
    ["HDEL", "nokey", "a"],
    ["HGETALL", "h"],
    ["HDEL", "fresh", "f"],
    ["EXISTS", "fresh"],
    ["HDEL", "h", "c", "d", "e", "z", "c"],
    ["EXISTS", "h"],
    ["TYPE", "h"],
    ["HSET", "h", "x", "1"],
    ["TYPE", "h"],
    ["SET", "str", "x"],
    ["HSET", "str", "a", "1"],
    ["HSETNX", "str", "a", "1"],
    ["HMSET", "str", "a", "1"],
    ["HGET", "str", "a"],
    ["HMGET", "str", "a"],
    ["HDEL", "str", "a"],
    ["HLEN", "str"],
    ["HSTRLEN", "str", "a"],
    ["HEXISTS", "str", "a"],
    ["HKEYS", "str"],
    ["HVALS", "str"],
    ["HGETALL", "str"],
    ["HINCRBY", "str", "a", "1"],
    ["HINCRBY", "str", "a", "x"],
    ["HINCRBYFLOAT", "str", "a", "1"],
    ["HINCRBYFLOAT", "str", "a", "x"],
    ["HRANDFIELD", "str"],
    ["HRANDFIELD", "str", "1"],
    ["HRANDFIELD", "str", "0"],
    ["HRANDFIELD", "str", "x"],
    ["HSCAN", "str", "0"],
    ["HSCAN", "str", "x"],
    ["HSCAN", "str", "0", "bogus"],
    ["HGET", "h"],
    ["HLEN"],
    ["HSETNX", "h", "a"],
    ["HINCRBY", "h", "a"],
    ["HSCAN", "h"],
  ]);
});

test("binary-safe fields and values", async (pair) => {
  await runDiffBoth(pair, [
    ["HSET", BINARY, BINARY, BINARY, "", ""],
    ["HGET", BINARY, BINARY],
    ["HGET", BINARY, ""],
    ["HSTRLEN", BINARY, BINARY],
    ["HGETALL", BINARY],
    ["HMGET", BINARY, "", BINARY, "x"],
    ["HEXISTS", BINARY, ""],
    ["HSCAN", BINARY, "0"],
    ["HSCAN", BINARY, "0", "MATCH", "\x00*"],
    ["HDEL", BINARY, ""],
    ["HGETALL", BINARY],
  ]);
});

test("HINCRBY and HINCRBYFLOAT: values, errors and their order", async (pair) => {
  await runDiffBoth(pair, [
    ["HINCRBY", "h", "n", "5"],
    ["HINCRBY", "h", "n", "-7"],
    ["HINCRBY", "h", "n", "x"],
    ["HINCRBY", "h", "n", "1.5"],
    ["HINCRBY", "h", "n", ""],
    ["HINCRBY", "h", "n", "9223372036854775807"],
    ["HSET", "h", "max", "9223372036854775807", "min", "-9223372036854775808"],
    ["HINCRBY", "h", "max", "1"],
    ["HINCRBY", "h", "max", "0"],
    ["HINCRBY", "h", "min", "-1"],
    ["HINCRBY", "h", "min", "9223372036854775807"],
    ["HINCRBY", "h", "n", "9223372036854775808"],
    ["HSET", "h", "s", "abc", "sp", " 1", "plus", "+1", "zero", "01", "f", "1.5"],
    ["HINCRBY", "h", "s", "1"],
    ["HINCRBY", "h", "sp", "1"],
    ["HINCRBY", "h", "plus", "1"],
    ["HINCRBY", "h", "zero", "1"],
    ["HINCRBY", "h", "f", "1"],
    ["HINCRBY", "h", "s", "x"],
    ["HINCRBY", "nokey", "f", "x"],
    ["EXISTS", "nokey"],
    ["HINCRBYFLOAT", "h", "fl", "1.5"],
    ["HINCRBYFLOAT", "h", "fl", "0.1"],
    ["HINCRBYFLOAT", "h", "fl", "-1.6"],
    ["HINCRBYFLOAT", "h", "fl", "1e3"],
    ["HINCRBYFLOAT", "h", "fl", "0x10"],
    ["HINCRBYFLOAT", "h", "fl", "5.0e-3"],
    ["HINCRBYFLOAT", "h", "n", "1.5"],
    ["HINCRBYFLOAT", "h", "max", "1"],
    ["HINCRBYFLOAT", "h", "s", "1"],
    ["HINCRBYFLOAT", "h", "sp", "1"],
    ["HINCRBYFLOAT", "h", "plus", "1"],
    ["HINCRBYFLOAT", "h", "zero", "1"],
    ["HINCRBYFLOAT", "h", "fl", "x"],
    ["HINCRBYFLOAT", "h", "fl", "nan"],
    ["HINCRBYFLOAT", "h", "fl", "inf"],
    ["HINCRBYFLOAT", "h", "fl", "-Infinity"],
    ["HINCRBYFLOAT", "h", "fl", " 1"],
    ["HINCRBYFLOAT", "h", "fl", ""],
    ["HINCRBYFLOAT", "h", "big", "1e4932"],
    ["HINCRBYFLOAT", "h", "big", "1e4932"],
    ["HINCRBYFLOAT", "h", "big", "1e5000"],
    ["HSET", "h", "inf", "inf"],
    ["HINCRBYFLOAT", "h", "inf", "1"],
    ["HINCRBYFLOAT", "nokey", "f", "x"],
    ["HINCRBYFLOAT", "nokey", "f", "inf"],
    ["EXISTS", "nokey"],
    ["OBJECT", "ENCODING", "h"],
    ["HGETALL", "h"],
  ], { unordered: new Set(["hgetall"]) });
});

test("HRANDFIELD: argument errors, empty and whole-hash replies", async (pair) => {
  await runDiffBoth(pair, [
    ["HRANDFIELD", "nokey"],
    ["HRANDFIELD", "nokey", "5"],
    ["HRANDFIELD", "nokey", "-5", "WITHVALUES"],
    ["HSET", "h", "a", "1", "b", "2", "c", "3"],
    ["HRANDFIELD", "h", "0"],
    ["HRANDFIELD", "h", "0", "WITHVALUES"],
    ["HRANDFIELD", "h", "3"],
    ["HRANDFIELD", "h", "100", "withvalues"],
    ["HRANDFIELD", "h", "x"],
    ["HRANDFIELD", "h", "x", "WITHVALUES"],
    ["HRANDFIELD", "h", "1", "WITHVALUE"],
    ["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
    ["HRANDFIELD", "h", "x", "y", "z"],
    ["HRANDFIELD", "h", "-9223372036854775808"],
    ["HRANDFIELD", "h", "-9223372036854775808", "WITHVALUES"],
    ["HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"],
    ["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
    ["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"],
    ["HRANDFIELD", "h", "9223372036854775807"],
  ]);
});

test("HRANDFIELD: membership, distinctness, repeats and reply shape", async (pair) => {
  for (const resp of [2, 3]) {
    const clients = await pair.connect();
    try {
      for (const client of clients) {
        await client.raw("FLUSHALL");
        await client.raw("HELLO", String(resp));
        await client.raw(...hsetMany("small", 20));
        await client.raw(...hsetMany("big", 1000));
      }
      for (const key of ["small", "big"]) {
        const size = key === "small" ? 20 : 1000;
        for (
          const [count, withValues] of [
            [1, false],
            [5, false],
            [15, true],
            [-50, false],
            [
              -7,
              true,
            ],
            [size, true],
            [size + 5, false],
            [size - 1, true],
          ] as Array<[number, boolean]>
        ) {
          const argv = ["HRANDFIELD", key, String(count), ...(withValues ? ["WITHVALUES"] : [])];
          for (const reply of await callBoth(clients, ...argv)) {
            checkRandomFields(reply, count, size, withValues, resp);
          }
        }
        for (const reply of await callBoth(clients, "HRANDFIELD", key)) {
          assert(typeof reply === "string" && /^f\d+$/.test(reply));
        }
      }
    } finally {
      clients.forEach((client) => client.close());
    }
  }
});

function checkRandomFields(
  reply: RespValue,
  count: number,
  size: number,
  withValues: boolean,
  resp: number,
): void {
  assert(Array.isArray(reply), `array reply, got ${reply}`);
  const pairs: Array<[string, string | undefined]> = [];
  if (withValues && resp === 3) {
    for (const item of reply) {
      assert(Array.isArray(item) && item.length === 2);
      pairs.push([item[0] as string, item[1] as string]);
    }
  } else if (withValues) {
    for (let i = 0; i < reply.length; i += 2) {
      pairs.push([reply[i] as string, reply[i + 1] as string]);
    }
  } else {
    for (const item of reply) pairs.push([item as string, undefined]);
  }
  const expected = count < 0 ? -count : Math.min(count, size);
  assertEquals(pairs.length, expected);
  for (const [field, value] of pairs) {
    assert(/^f\d+$/.test(field) && Number(field.slice(1)) < size, `field ${field}`);
    if (withValues) assertEquals(value, `v${field.slice(1)}`);
  }
  if (count > 0) assertEquals(new Set(pairs.map(([field]) => field)).size, pairs.length);
  if (count < -size) {
    assert(new Set(pairs.map(([field]) => field)).size < pairs.length, "repeats expected");
  }
}

test("encoding: listpack limits on entries and value length, and after CONFIG SET", async (pair) => {
  const long64 = "x".repeat(64);
  const long65 = "x".repeat(65);
  await runDiffBoth(pair, [
    hsetMany("h", 512),
    ["OBJECT", "ENCODING", "h"],
    ["HGETALL", "h"],
    ["HSCAN", "h", "0", "COUNT", "2"],
    ["HSET", "h", "f0", "again"],
    ["OBJECT", "ENCODING", "h"],
    ["HSET", "h", "f512", "v"],
    ["OBJECT", "ENCODING", "h"],
    ["HDEL", "h", "f512", "f511"],
    ["OBJECT", "ENCODING", "h"],
    ["HSET", "v", "a", long64],
    ["OBJECT", "ENCODING", "v"],
    ["HSET", "v", long64, "b"],
    ["OBJECT", "ENCODING", "v"],
    ["HSET", "v", "a", long65],
    ["OBJECT", "ENCODING", "v"],
    ["HSET", "w", long65, "1"],
    ["OBJECT", "ENCODING", "w"],
    ["HSET", "y", "a", "1"],
    ["HSETNX", "y", "a", long65],
    ["OBJECT", "ENCODING", "y"],
    ["HSETNX", "y", "b", long65],
    ["OBJECT", "ENCODING", "y"],
    ["HSET", "z", "a", "1"],
    ["HINCRBY", "z", long65, "1"],
    ["OBJECT", "ENCODING", "z"],
    ["HSET", "z2", "a", "1"],
    ["HINCRBYFLOAT", "z2", "a", "1".repeat(70)],
    ["OBJECT", "ENCODING", "z2"],
    ["CONFIG", "SET", "hash-max-listpack-entries", "4"],
    ["CONFIG", "SET", "hash-max-listpack-value", "3"],
    ["HSET", "c", "a", "1", "b", "2", "c", "3", "d", "4"],
    ["OBJECT", "ENCODING", "c"],
    ["HSET", "c", "e", "5"],
    ["OBJECT", "ENCODING", "c"],
    ["HSET", "d", "a", "1"],
    ["HINCRBY", "d", "a", "1000"],
    ["OBJECT", "ENCODING", "d"],
    ["HSET", "e", "a", "1"],
    ["HINCRBYFLOAT", "e", "a", "0.5"],
    ["OBJECT", "ENCODING", "e"],
    ["CONFIG", "SET", "hash-max-listpack-entries", "0"],
    ["HSET", "zero", "a", "1"],
    ["OBJECT", "ENCODING", "zero"],
    ["CONFIG", "SET", "hash-max-ziplist-entries", "128"],
    ["CONFIG", "SET", "hash-max-ziplist-value", "64"],
    ["HSET", "old", "a", "1"],
    ["OBJECT", "ENCODING", "old"],
    ["CONFIG", "SET", "hash-max-listpack-entries", "512"],
  ], { unordered: new Set(["hgetall"]) });
});

test("hashtable-encoded hashes: order-free replies as multisets", async (pair) => {
  await runDiffBoth(pair, [
    hsetMany("big", 2000),
    ["OBJECT", "ENCODING", "big"],
    ["HLEN", "big"],
    ["HGETALL", "big"],
    ["HKEYS", "big"],
    ["HVALS", "big"],
    ["HRANDFIELD", "big", "5000", "WITHVALUES"],
    ["HDEL", "big", "f1", "f2", "f3"],
    ["HMGET", "big", "f0", "f1", "f1999"],
    hsetMany("big", 100, 1950, "w"),
    ["HGETALL", "big"],
    ["HINCRBY", "big", "f10", "1"],
    ["HINCRBY", "big", "counter", "1"],
  ], { unordered: ORDER_FREE });
});

test("HSCAN: arguments, errors and listpack replies", async (pair) => {
  await runDiffBoth(pair, [
    ["HSCAN", "nokey", "0"],
    ["HSCAN", "nokey", "0", "bogus"],
    ["HSCAN", "nokey", "x"],
    hsetMany("h", 10),
    ["HSCAN", "h", "0"],
    ["HSCAN", "h", "0", "MATCH", "f1*"],
    ["HSCAN", "h", "0", "MATCH", "*"],
    ["HSCAN", "h", "0", "COUNT", "1"],
    ["HSCAN", "h", "0", "COUNT", "0"],
    ["HSCAN", "h", "0", "COUNT", "-1"],
    ["HSCAN", "h", "0", "COUNT", "x"],
    ["HSCAN", "h", "0", "MATCH"],
    ["HSCAN", "h", "0", "TYPE", "string"],
    ["HSCAN", "h", "0", "match", "f?", "count", "100", "MATCH", "f2"],
    ["HSCAN", "h", "123"],
    ["HSCAN", "h", "-1"],
    ["HSCAN", "h", " 1"],
    ["HSCAN", "h", "18446744073709551616"],
    ["HSCAN", "h", "1x"],
  ]);
});

test("HSCAN over a hashtable: a full iteration returns every field with its value", async (pair) => {
  const clients = await pair.connect();
  try {
    for (const client of clients) {
      await client.raw("FLUSHALL");
      await client.raw(...hsetMany("big", 3000));
    }
    for (const [index, client] of clients.entries()) {
      const seen = new Map<string, string>();
      let cursor = "0";
      do {
        const reply = await client.call("HSCAN", "big", cursor, "MATCH", "f1*", "COUNT", "50");
        const [next, items] = reply as [string, string[]];
        for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
        cursor = next;
      } while (cursor !== "0");
      const expected = Array.from({ length: 3000 }, (_, i) => i).filter((i) =>
        String(i).startsWith("1")
      );
      assertEquals(seen.size, expected.length, index === 0 ? "redeno" : "redis");
      for (const i of expected) assertEquals(seen.get(`f${i}`), `v${i}`);
    }
  } finally {
    clients.forEach((client) => client.close());
  }
});

test("seeded random sequences agree with Redis", async (pair) => {
  const seed = seedFrom("HASHES_SEED");
  const random = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const keys = ["h1", "h2", "h3", "s"];
  const fields = ["a", "b", "c", "d", "e", "1", "22", "x".repeat(70), "\xff\x00"];
  const values = ["1", "-5", "3.5", "v", "", "9223372036854775807", "y".repeat(70)];
  const steps: Command[] = [["SET", "s", "string"], [
    "CONFIG",
    "SET",
    "hash-max-listpack-entries",
    "6",
  ]];
  for (let i = 0; i < 400; i++) {
    const key = pick(keys);
    const field = pick(fields);
    switch (Math.floor(random() * 12)) {
      case 0:
        steps.push(["HSET", key, field, pick(values), pick(fields), pick(values)]);
        break;
      case 1:
        steps.push(["HSETNX", key, field, pick(values)]);
        break;
      case 2:
        steps.push(["HDEL", key, field, pick(fields)]);
        break;
      case 3:
        steps.push(["HINCRBY", key, field, pick(["1", "-3", "x", "100"])]);
        break;
      case 4:
        steps.push(["HINCRBYFLOAT", key, field, pick(["0.5", "-1e2", "x", "inf"])]);
        break;
      case 5:
        steps.push(["HGETALL", key], ["OBJECT", "ENCODING", key]);
        break;
      case 6:
        steps.push(["HMGET", key, field, pick(fields)]);
        break;
      case 7:
        steps.push(["HLEN", key], ["HSTRLEN", key, field], ["HEXISTS", key, field]);
        break;
      case 8:
        steps.push(["HKEYS", key], ["HVALS", key]);
        break;
      case 9:
        steps.push(["HRANDFIELD", key, "100", "WITHVALUES"]);
        break;
      case 10:
        steps.push(["HGET", key, field]);
        break;
      default:
        steps.push(["EXISTS", key], ["TYPE", key]);
    }
  }
  steps.push(["CONFIG", "SET", "hash-max-listpack-entries", "512"]);
  await runDiff(pair, steps, { resp: 3, unordered: ORDER_FREE });
  await runDiff(pair, steps, { resp: 2, unordered: ORDER_FREE });
});
