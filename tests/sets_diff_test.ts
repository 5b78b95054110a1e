/**
 * Differential tests of the set commands against redis-server 7.0.15, in RESP2 and RESP3:
 * replies byte for byte where Redis's order is known (intsets list members ascending), else as
 * sorted multisets; SPOP and SRANDMEMBER by their properties; and the dirty and keyspace
 * hit/miss counters.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type Command, pairTests } from "./support/servers.ts";
import { ORDER_FREE, runDiff, runDiffBoth } from "./support/collection_diff.ts";
import { prng, seedFrom } from "./support/random.ts";
import { parseReply, type RespClient, type RespValue } from "./support/resp_client.ts";

const BINARY = "\x00\xff\r\n\x80bin";

const test = pairTests("sets");

/** `SADD key <prefix>start ... <prefix>(start+count-1)`. */
function saddMany(key: string, count: number, prefix = "", start = 0): Command {
  const argv: Command = ["SADD", key];
  for (let i = start; i < start + count; i++) argv.push(`${prefix}${i}`);
  return argv;
}

test("add, remove, count, membership; wrong type and arity", async (pair) => {
  await runDiffBoth(pair, [
    ["SADD", "s", "a", "b", "c", "a"],
    ["SADD", "s", "b", "d"],
    ["SCARD", "s"],
    ["SCARD", "nokey"],
    ["SISMEMBER", "s", "a"],
    ["SISMEMBER", "s", "z"],
    ["SISMEMBER", "nokey", "a"],
    ["SMISMEMBER", "s", "a", "z", "d", "a"],
    ["SMISMEMBER", "nokey", "a", "b"],
    ["SMEMBERS", "nokey"],
    ["SREM", "s", "a", "z", "a"],
    ["SREM", "nokey", "a"],
    ["SCARD", "s"],
    ["SREM", "s", "b", "c", "d", "b"],
    ["EXISTS", "s"],
    ["SADD", "n", "3", "1", "2", "-5", "10", "-10", "0"],
    ["SMEMBERS", "n"],
    ["OBJECT", "ENCODING", "n"],
    ["SADD", "n", "9223372036854775807", "-9223372036854775808"],
    ["SMEMBERS", "n"],
    ["TYPE", "n"],
    ["SET", "str", "x"],
    ["SADD", "str", "a"],
    ["SREM", "str", "a"],
    ["SCARD", "str"],
    ["SISMEMBER", "str", "a"],
    ["SMISMEMBER", "str", "a"],
    ["SMEMBERS", "str"],
    ["SPOP", "str"],
    ["SPOP", "str", "1"],
    ["SPOP", "str", "x"],
    ["SRANDMEMBER", "str"],
    ["SRANDMEMBER", "str", "1"],
    ["SRANDMEMBER", "str", "x"],
    ["SMOVE", "str", "n", "1"],
    ["SMOVE", "n", "str", "1"],
    ["SMOVE", "nokey", "str", "1"],
    ["SINTER", "n", "str"],
    ["SINTER", "nokey", "str"],
    ["SINTERCARD", "2", "n", "str"],
    ["SINTERSTORE", "d", "n", "str"],
    ["SUNION", "n", "str"],
    ["SUNIONSTORE", "d", "nokey", "str"],
    ["SDIFF", "n", "str"],
    ["SDIFF", "nokey", "str"],
    ["SDIFFSTORE", "d", "n", "str"],
    ["SSCAN", "str", "0"],
    ["SSCAN", "str", "x"],
    ["SINTERSTORE", "str", "n"],
    ["TYPE", "str"],
    ["SADD", "s"],
    ["SREM", "s"],
    ["SISMEMBER", "s"],
    ["SMOVE", "a", "b"],
    ["SINTERCARD", "1"],
    ["SSCAN", "s"],
  ]);
});

test("binary-safe members", async (pair) => {
  await runDiffBoth(pair, [
    ["SADD", "b", BINARY, "", "\x00"],
    ["SISMEMBER", "b", BINARY],
    ["SMISMEMBER", "b", "", "\x00", "x"],
    ["SMEMBERS", "b"],
    ["SMOVE", "b", "c", BINARY],
    ["SMEMBERS", "c"],
    ["SSCAN", "b", "0", "MATCH", "\x00*"],
    ["SREM", "b", ""],
    ["SMEMBERS", "b"],
  ], { unordered: new Set(["smembers"]) });
});

test("SMOVE: every case, dirty counts included", async (pair) => {
  await runDiffBoth(pair, [
    ["SADD", "a", "1", "2", "x"],
    ["SADD", "b", "2", "3"],
    ["SMOVE", "a", "b", "1"],
    ["SMOVE", "a", "b", "2"],
    ["SMOVE", "a", "b", "zz"],
    ["SMOVE", "a", "a", "x"],
    ["SMOVE", "a", "a", "zz"],
    ["SMOVE", "nokey", "b", "1"],
    ["SMOVE", "a", "new", "x"],
    ["EXISTS", "a"],
    ["SMEMBERS", "new"],
    ["OBJECT", "ENCODING", "new"],
    ["SMEMBERS", "b"],
    ["SMOVE", "b", "new2", "3"],
    ["OBJECT", "ENCODING", "new2"],
  ]);
});

test("SINTER, SUNION, SDIFF, their STORE forms and SINTERCARD", async (pair) => {
  const steps: Command[] = [
    ["SADD", "i1", "1", "2", "3", "4", "5"],
    ["SADD", "i2", "4", "5", "6", "3"],
    ["SADD", "i3", "5", "3", "100"],
    ["SADD", "m1", "a", "b", "1", "2"],
    ["SADD", "m2", "b", "c", "2"],
    ["SET", "str", "x"],
    ["SINTER", "i1", "i2"],
    ["SINTER", "i1", "i2", "i3"],
    ["SINTER", "i1", "nokey"],
    ["SINTER", "i1", "i1"],
    ["SINTER", "i1", "m1"],
    ["SINTER", "m1", "m2"],
    ["SINTER", "nokey", "str"],
    ["SUNION", "i1", "i2", "i3"],
    ["SUNION", "i1", "nokey"],
    ["SUNION", "nokey"],
    ["SUNION", "i1", "m1"],
    ["SDIFF", "i1", "i2"],
    ["SDIFF", "i1", "i2", "i3"],
    ["SDIFF", "i1", "i1"],
    ["SDIFF", "i1", "i2", "i1"],
    ["SDIFF", "i1", "nokey"],
    ["SDIFF", "nokey", "i1"],
    ["SDIFF", "m1", "m2"],
    ["SDIFF", "m1", "i1"],
    ["SINTERSTORE", "d", "i1", "i2"],
    ["SMEMBERS", "d"],
    ["OBJECT", "ENCODING", "d"],
    ["SINTERSTORE", "d", "m1", "m2"],
    ["SMEMBERS", "d"],
    ["OBJECT", "ENCODING", "d"],
    ["SINTERSTORE", "d", "i1", "nokey"],
    ["EXISTS", "d"],
    ["SINTERSTORE", "d", "i1", "nokey"],
    ["SET", "d", "x"],
    ["SINTERSTORE", "d", "i1", "m2"],
    ["SMEMBERS", "d"],
    ["SET", "d", "x"],
    ["EXPIRE", "d", "100"],
    ["SUNIONSTORE", "d", "i1", "i3"],
    ["TTL", "d"],
    ["SMEMBERS", "d"],
    ["OBJECT", "ENCODING", "d"],
    ["SUNIONSTORE", "d", "m1", "i1"],
    ["OBJECT", "ENCODING", "d"],
    ["SUNIONSTORE", "d", "nokey"],
    ["EXISTS", "d"],
    ["SDIFFSTORE", "d", "i1", "i2"],
    ["SMEMBERS", "d"],
    ["SDIFFSTORE", "d", "m1", "m2"],
    ["OBJECT", "ENCODING", "d"],
    ["SMEMBERS", "d"],
    ["SDIFFSTORE", "d", "m1", "m1"],
    ["EXISTS", "d"],
    ["SDIFFSTORE", "i1", "i1", "i2"],
    ["SMEMBERS", "i1"],
    ["SINTERCARD", "2", "i1", "i2"],
    ["SINTERCARD", "3", "i1", "i2", "i3"],
    ["SINTERCARD", "2", "i1", "nokey"],
    ["SINTERCARD", "1", "i2", "LIMIT", "2"],
    ["SINTERCARD", "1", "i2", "limit", "0"],
    ["SINTERCARD", "1", "i2", "LIMIT", "100", "LIMIT", "1"],
    ["SINTERCARD", "0", "i1"],
    ["SINTERCARD", "-1", "i1"],
    ["SINTERCARD", "x", "i1"],
    ["SINTERCARD", "3", "i1", "i2"],
    ["SINTERCARD", "1", "i1", "LIMIT"],
    ["SINTERCARD", "1", "i1", "LIMIT", "-1"],
    ["SINTERCARD", "1", "i1", "LIMIT", "x"],
    ["SINTERCARD", "1", "i1", "bogus"],
    ["SINTERCARD", "1", "str"],
    ["COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"],
    ["COMMAND", "GETKEYS", "SINTERSTORE", "d", "a", "b"],
  ];
  await runDiffBoth(pair, steps, { unordered: new Set(["sinter", "sunion", "sdiff", "smembers"]) });
  // Where every set is an intset, Redis's order is ascending and must match exactly.
  await runDiffBoth(pair, steps.filter((step) => !step.some((arg) => /^m\d$/.test(String(arg)))));
});

test("SPOP and SRANDMEMBER: argument errors and replies that are not random", async (pair) => {
  await runDiffBoth(pair, [
    ["SPOP", "nokey"],
    ["SPOP", "nokey", "3"],
    ["SPOP", "nokey", "0"],
    ["SPOP", "nokey", "-1"],
    ["SPOP", "nokey", "x"],
    ["SPOP", "nokey", "1", "2"],
    ["SRANDMEMBER", "nokey"],
    ["SRANDMEMBER", "nokey", "3"],
    ["SRANDMEMBER", "nokey", "-3"],
    ["SRANDMEMBER", "nokey", "x"],
    ["SRANDMEMBER", "nokey", "1", "2"],
    ["SADD", "s", "5", "1", "3"],
    ["SPOP", "s", "0"],
    ["SPOP", "s", "-1"],
    ["SPOP", "s", "x"],
    ["SRANDMEMBER", "s", "0"],
    ["SRANDMEMBER", "s", "3"],
    ["SRANDMEMBER", "s", "100"],
    ["SRANDMEMBER", "s", "-9223372036854775808"],
    ["SRANDMEMBER", "s", "9223372036854775808"],
    ["SPOP", "s", "9223372036854775807"],
    ["EXISTS", "s"],
    ["SADD", "s", "5", "1", "3"],
    ["SPOP", "s", "3"],
    ["SADD", "one", "x"],
    ["SPOP", "one"],
    ["EXISTS", "one"],
    ["SADD", "one", "x"],
    ["SPOP", "one", "1"],
    ["EXISTS", "one"],
  ]);
});

/** The members of a reply, with its RESP type checked. */
function members(reply: RespValue, resp: number, asSet: boolean, raw: string): string[] {
  assert(Array.isArray(reply), `array reply, got ${JSON.stringify(reply)}`);
  if (resp === 3) assertEquals(raw[0], asSet ? "~" : "*");
  else assertEquals(raw[0], "*");
  return reply as string[];
}

test("SPOP and SRANDMEMBER: membership, distinctness, repeats, counts and shape", async (pair) => {
  for (const resp of [2, 3]) {
    const clients = await pair.connect();
    try {
      for (const [index, client] of clients.entries()) {
        await client.raw("FLUSHALL");
        await client.raw("HELLO", String(resp));
        const universe = (key: string) => {
          const n = key === "ints" ? 300 : 1000;
          return new Set(Array.from({ length: n }, (_, i) => key === "ints" ? `${i}` : `m${i}`));
        };
        await client.raw(...saddMany("ints", 300));
        await client.raw(...saddMany("strs", 1000, "m"));
        for (const key of ["ints", "strs"]) {
          const all = universe(key);
          const size = all.size;
          for (const count of [1, 5, size / 2, size - 1, size, size + 10, -3, -(size * 2)]) {
            const raw = await client.raw("SRANDMEMBER", key, String(count));
            const picked = members(parseReply(raw), resp, false, raw);
            assertEquals(picked.length, count < 0 ? -count : Math.min(count, size));
            for (const member of picked) assert(all.has(member), `${member} in ${key}`);
            if (count > 0) assertEquals(new Set(picked).size, picked.length);
            if (count < -size) assert(new Set(picked).size < picked.length);
          }
          // SPOP with counts that take the one-by-one path and the rebuild path.
          const remaining = new Set(all);
          for (const count of [1, 3, Math.floor(size / 2), size - 10]) {
            if (count > remaining.size) break;
            const raw = await client.raw("SPOP", key, String(count));
            const popped = members(parseReply(raw), resp, true, raw);
            assertEquals(popped.length, count);
            for (const member of popped) assert(remaining.delete(member), `popped ${member} once`);
            const card = await client.call("SCARD", key);
            assertEquals(card, remaining.size, index === 0 ? "redeno" : "redis");
            const encoding = await client.call("OBJECT", "ENCODING", key);
            assertEquals(encoding, key === "ints" ? "intset" : "hashtable");
          }
          const rest = await client.call("SMEMBERS", key) as string[];
          assertEquals(new Set(rest), remaining);
          const single = await client.call("SPOP", key);
          assert(remaining.delete(single as string));
          const raw = await client.raw("SPOP", key, String(size));
          assertEquals(new Set(members(parseReply(raw), resp, true, raw)), remaining);
          assertEquals(await client.call("EXISTS", key), 0);
        }
      }
    } finally {
      clients.forEach((client) => client.close());
    }
  }
});

test("SPOP with a count: dirty grows by the members removed", async (pair) => {
  await runDiffBoth(pair, [
    saddMany("s", 20),
    ["SPOP", "s", "3"],
    ["SPOP", "s", "15"],
    ["SCARD", "s"],
    ["SPOP", "s", "10"],
    saddMany("t", 20, "x", 10),
    ["SPOP", "t", "19"],
    ["SCARD", "t"],
    ["SPOP", "t"],
    ["EXISTS", "t"],
  ], { shapeOnly: new Set(["spop"]) });
});

test("encoding: intset limits, conversions and CONFIG SET", async (pair) => {
  await runDiffBoth(pair, [
    saddMany("s", 512),
    ["OBJECT", "ENCODING", "s"],
    ["SMEMBERS", "s"],
    ["SSCAN", "s", "0", "COUNT", "1"],
    ["SADD", "s", "5"],
    ["OBJECT", "ENCODING", "s"],
    ["SADD", "s", "512"],
    ["OBJECT", "ENCODING", "s"],
    ["SREM", "s", "512", "511"],
    ["OBJECT", "ENCODING", "s"],
    ["SADD", "a", "1", "x"],
    ["OBJECT", "ENCODING", "a"],
    ["SREM", "a", "x"],
    ["OBJECT", "ENCODING", "a"],
    ["SADD", "b", "x", "1"],
    ["OBJECT", "ENCODING", "b"],
    ["SADD", "c", "01", "1"],
    ["OBJECT", "ENCODING", "c"],
    ["SADD", "d", "-0"],
    ["OBJECT", "ENCODING", "d"],
    ["SADD", "e", "9223372036854775808"],
    ["OBJECT", "ENCODING", "e"],
    ["SADD", "f", "+1"],
    ["OBJECT", "ENCODING", "f"],
    ["SADD", "g", " 1"],
    ["OBJECT", "ENCODING", "g"],
    ["SADD", "h", "1.0"],
    ["OBJECT", "ENCODING", "h"],
    ["CONFIG", "SET", "set-max-intset-entries", "3"],
    ["SADD", "i", "1", "2", "3"],
    ["OBJECT", "ENCODING", "i"],
    ["SADD", "i", "3"],
    ["OBJECT", "ENCODING", "i"],
    ["SADD", "i", "4"],
    ["OBJECT", "ENCODING", "i"],
    ["SADD", "j", "1", "2", "3"],
    ["CONFIG", "SET", "set-max-intset-entries", "1"],
    ["SADD", "j", "2"],
    ["OBJECT", "ENCODING", "j"],
    ["SUNIONSTORE", "k", "j"],
    ["OBJECT", "ENCODING", "k"],
    ["SINTERSTORE", "k2", "j", "j"],
    ["OBJECT", "ENCODING", "k2"],
    ["SADD", "j", "7"],
    ["OBJECT", "ENCODING", "j"],
    ["CONFIG", "SET", "set-max-intset-entries", "0"],
    ["SADD", "z", "1"],
    ["OBJECT", "ENCODING", "z"],
    ["SMOVE", "j", "z2", "7"],
    ["OBJECT", "ENCODING", "z2"],
    ["CONFIG", "SET", "set-max-intset-entries", "512"],
  ], { unordered: new Set(["smembers", "sinter", "sunion", "sdiff"]) });
});

test("SDIFFSTORE picks Redis's algorithm, which decides the result's encoding", async (pair) => {
  await runDiffBoth(pair, [
    ["SADD", "a", "1", "x"],
    ["SADD", "b", "x"],
    ["SADD", "c", "x", "y", "z", "w"],
    ["SDIFFSTORE", "d1", "a", "b"],
    ["OBJECT", "ENCODING", "d1"],
    ["SDIFFSTORE", "d2", "a", "c"],
    ["OBJECT", "ENCODING", "d2"],
    ["SDIFFSTORE", "d3", "a", "c", "b", "nokey"],
    ["OBJECT", "ENCODING", "d3"],
    ["SADD", "big", "1", "2", "3", "4", "5", "6", "7", "8", "9", "q"],
    ["SDIFFSTORE", "d4", "big", "b"],
    ["OBJECT", "ENCODING", "d4"],
    ["SREM", "big", "q"],
    ["SDIFFSTORE", "d5", "big", "b"],
    ["OBJECT", "ENCODING", "d5"],
    ["SDIFF", "big", "b"],
  ]);
});

test("hashtable sets: order-free replies as multisets", async (pair) => {
  await runDiffBoth(pair, [
    saddMany("big", 3000, "m"),
    saddMany("big2", 2000, "m", 1500),
    saddMany("nums", 2000),
    ["OBJECT", "ENCODING", "nums"],
    ["SCARD", "big"],
    ["SMEMBERS", "big"],
    ["SINTER", "big", "big2"],
    ["SINTERCARD", "2", "big", "big2"],
    ["SINTERCARD", "2", "big", "big2", "LIMIT", "7"],
    ["SUNION", "big", "big2", "nums"],
    ["SDIFF", "big", "big2"],
    ["SDIFF", "big2", "big"],
    ["SINTERSTORE", "d", "big", "big2"],
    ["SCARD", "d"],
    ["SUNIONSTORE", "d", "big", "nums"],
    ["SCARD", "d"],
    ["SDIFFSTORE", "d", "nums", "big"],
    ["OBJECT", "ENCODING", "d"],
    ["SMEMBERS", "nums"],
    ["SRANDMEMBER", "big", "5000"],
  ], { unordered: ORDER_FREE });
});

test("SSCAN: arguments, errors and intset replies", async (pair) => {
  await runDiffBoth(pair, [
    ["SSCAN", "nokey", "0"],
    ["SSCAN", "nokey", "0", "bogus"],
    ["SSCAN", "nokey", "x"],
    ["SADD", "s", "30", "-2", "7", "100", "1"],
    ["SSCAN", "s", "0"],
    ["SSCAN", "s", "0", "MATCH", "1*"],
    ["SSCAN", "s", "0", "COUNT", "1"],
    ["SSCAN", "s", "0", "COUNT", "0"],
    ["SSCAN", "s", "0", "COUNT", "x"],
    ["SSCAN", "s", "0", "MATCH"],
    ["SSCAN", "s", "0", "TYPE", "set"],
    ["SSCAN", "s", "99"],
    ["SSCAN", "s", "-1"],
  ]);
});

test("SSCAN over a hashtable: a full iteration returns every member", async (pair) => {
  const clients = await pair.connect();
  try {
    for (const client of clients) {
      await client.raw("FLUSHALL");
      await client.raw(...saddMany("big", 3000, "m"));
    }
    for (const client of clients) {
      const seen = await fullScan(client, "big", ["MATCH", "m2*", "COUNT", "30"]);
      const expected = Array.from({ length: 3000 }, (_, i) => `m${i}`).filter((m) =>
        m.startsWith("m2")
      );
      assertEquals(seen, new Set(expected));
    }
  } finally {
    clients.forEach((client) => client.close());
  }
});

async function fullScan(client: RespClient, key: string, options: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  let cursor = "0";
  do {
    const [next, items] = await client.call("SSCAN", key, cursor, ...options) as [string, string[]];
    items.forEach((item) => seen.add(item));
    cursor = next;
  } while (cursor !== "0");
  return seen;
}

test("seeded random sequences agree with Redis", async (pair) => {
  const seed = seedFrom("SETS_SEED");
  const random = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const keys = ["s1", "s2", "s3", "str"];
  const members = ["1", "2", "3", "10", "-4", "a", "b", "c", "", "\xff", "007"];
  const steps: Command[] = [["SET", "str", "x"], ["CONFIG", "SET", "set-max-intset-entries", "4"]];
  for (let i = 0; i < 400; i++) {
    const key = pick(keys);
    const other = pick(keys);
    const member = pick(members);
    switch (Math.floor(random() * 12)) {
      case 0:
        steps.push(["SADD", key, member, pick(members)]);
        break;
      case 1:
        steps.push(["SREM", key, member, pick(members)]);
        break;
      case 2:
        steps.push(["SMOVE", key, other, member]);
        break;
      case 3:
        steps.push(["SMEMBERS", key], ["OBJECT", "ENCODING", key]);
        break;
      case 4:
        steps.push(["SINTER", key, other], ["SINTERCARD", "2", key, other]);
        break;
      case 5:
        steps.push(["SUNION", key, other], ["SDIFF", key, other]);
        break;
      case 6:
        steps.push([pick(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), pick(keys), key, other]);
        break;
      case 7:
        steps.push(["SISMEMBER", key, member], ["SMISMEMBER", key, member, "a"]);
        break;
      case 8:
        steps.push(["SCARD", key], ["EXISTS", key]);
        break;
      case 9:
        steps.push(["SRANDMEMBER", key, "100"]);
        break;
      case 10:
        steps.push(["SSCAN", key, "0", "COUNT", "100"]);
        break;
      default:
        steps.push(["SPOP", key, "100"], ["TYPE", key]);
    }
  }
  steps.push(["CONFIG", "SET", "set-max-intset-entries", "512"]);
  const unordered = new Set([...ORDER_FREE, "sscan"]);
  await runDiff(pair, steps, { resp: 3, unordered });
  await runDiff(pair, steps, { resp: 2, unordered });
});
