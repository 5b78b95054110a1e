/**
 * Generic key commands meeting lists, hashes, sets and sorted sets, against redis-server byte for
 * byte in RESP2 and RESP3: TYPE, OBJECT ENCODING across the size limits, COPY (deep), RENAME,
 * MOVE, SCAN TYPE, DEL/UNLINK of big collections, expiry, and WRONGTYPE across families.
 * Replies in hash order (SMEMBERS, HGETALL, ...) are compared sorted.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseReply, type RespClient } from "./support/resp_client.ts";
import { hashOrderInsensitive, sendBig } from "./support/collection_commands.ts";
import { type Command, describe, type ServerPair, withPair } from "./support/servers.ts";

const compareBoth = (pair: ServerPair, commands: Command[]) =>
  pair.compareBoth(commands, { normalize: hashOrderInsensitive });

/** `count` distinct arguments made by `make`, for building big collections in few commands. */
function many(count: number, make: (i: number) => string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(...make(i));
  return out;
}

/** One key of each type. */
const ONE_OF_EACH: Command[] = [
  ["SET", "string", "v"],
  ["RPUSH", "list", "a", "b"],
  ["HSET", "hash", "f", "v"],
  ["SADD", "set", "m"],
  ["ZADD", "zset", "1", "m"],
];

Deno.test("collections generic: TYPE", async () => {
  await withPair(async (pair) => {
    await compareBoth(pair, [
      ...ONE_OF_EACH,
      ...["string", "list", "hash", "set", "zset", "missing"].map((key) => ["TYPE", key]),
      ["RPOP", "list"],
      ["RPOP", "list"],
      ["TYPE", "list"],
      ["HDEL", "hash", "f"],
      ["SREM", "set", "m"],
      ["ZREM", "zset", "m"],
      ["TYPE", "hash"],
      ["TYPE", "set"],
      ["TYPE", "zset"],
      ["DBSIZE"],
    ]);
  });
});

Deno.test("collections generic: OBJECT ENCODING at and across the size limits", async () => {
  await withPair(async (pair) => {
    const long64 = "x".repeat(64);
    const long65 = "x".repeat(65);
    await compareBoth(pair, [
      ["RPUSH", "list", "a"],
      ["OBJECT", "ENCODING", "list"],
      ["RPUSH", "list", ...many(1000, (i) => [String(i)]), long65.repeat(200)],
      ["OBJECT", "ENCODING", "list"],
      // Hashes: 512 entries and 64-byte values stay listpack.
      ["HSET", "h512", ...many(512, (i) => [`f${i}`, "v"])],
      ["OBJECT", "ENCODING", "h512"],
      ["HSET", "h512", "f511", "changed"],
      ["OBJECT", "ENCODING", "h512"],
      ["HSET", "h512", "f512", "v"],
      ["OBJECT", "ENCODING", "h512"],
      ["HDEL", "h512", "f512", "f511", "f510"],
      ["OBJECT", "ENCODING", "h512"],
      ["HSET", "hv", "f", long64],
      ["OBJECT", "ENCODING", "hv"],
      ["HSET", "hv", "g", long65],
      ["OBJECT", "ENCODING", "hv"],
      ["HSET", "hf", long65, "v"],
      ["OBJECT", "ENCODING", "hf"],
      ["HSETNX", "hn", "f", long65],
      ["OBJECT", "ENCODING", "hn"],
      ["HSET", "hi", "f", "1"],
      ["HINCRBY", "hi", "f", "99999999999"],
      ["HINCRBYFLOAT", "hi", "g", "1.5"],
      ["OBJECT", "ENCODING", "hi"],
      // Sets: up to 512 integers are an intset; anything else a hashtable.
      ["SADD", "s512", ...many(512, (i) => [String(i - 100)])],
      ["OBJECT", "ENCODING", "s512"],
      ["SADD", "s512", "511"],
      ["OBJECT", "ENCODING", "s512"],
      ["SADD", "s512", "100000"],
      ["OBJECT", "ENCODING", "s512"],
      ["SREM", "s512", "100000", "0", "1"],
      ["OBJECT", "ENCODING", "s512"],
      ["SADD", "sw", "1", "2"],
      ["OBJECT", "ENCODING", "sw"],
      ["SADD", "sw", "word"],
      ["OBJECT", "ENCODING", "sw"],
      ...[
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "01",
        "-0",
        "+1",
        " 1",
      ]
        .flatMap((member, i): Command[] => [
          ["SADD", `sint${i}`, "5", member],
          ["OBJECT", "ENCODING", `sint${i}`],
        ]),
      // Sorted sets: 128 entries and 64-byte members stay listpack.
      ["ZADD", "z128", ...many(128, (i) => [String(i), `m${i}`])],
      ["OBJECT", "ENCODING", "z128"],
      ["ZADD", "z128", "5", "m5"],
      ["OBJECT", "ENCODING", "z128"],
      ["ZADD", "z128", "1", "m128"],
      ["OBJECT", "ENCODING", "z128"],
      ["ZREM", "z128", "m1", "m2", "m3"],
      ["OBJECT", "ENCODING", "z128"],
      ["ZADD", "zbig", ...many(129, (i) => [String(i), `m${i}`])],
      ["OBJECT", "ENCODING", "zbig"],
      ["ZADD", "zv", "1", long64],
      ["OBJECT", "ENCODING", "zv"],
      ["ZADD", "zv", "2", long65],
      ["OBJECT", "ENCODING", "zv"],
      ["ZINCRBY", "zi", "1", long65],
      ["OBJECT", "ENCODING", "zi"],
      // Copies and renames keep the encoding.
      ["COPY", "h512", "h512copy"],
      ["OBJECT", "ENCODING", "h512copy"],
      ["COPY", "hv", "hvcopy"],
      ["OBJECT", "ENCODING", "hvcopy"],
      ["COPY", "sw", "swcopy"],
      ["OBJECT", "ENCODING", "swcopy"],
      ["COPY", "s512", "s512copy"],
      ["OBJECT", "ENCODING", "s512copy"],
      ["COPY", "z128", "z128copy"],
      ["OBJECT", "ENCODING", "z128copy"],
      ["RENAME", "zv", "zv2"],
      ["OBJECT", "ENCODING", "zv2"],
      // The limits are parameters.
      ["CONFIG", "SET", "hash-max-listpack-entries", "2"],
      ["CONFIG", "SET", "hash-max-ziplist-value", "4"],
      ["CONFIG", "SET", "set-max-intset-entries", "2"],
      ["CONFIG", "SET", "zset-max-listpack-entries", "2"],
      ["CONFIG", "SET", "zset-max-ziplist-value", "4"],
      ["HSET", "ch", "a", "1", "b", "2"],
      ["OBJECT", "ENCODING", "ch"],
      ["HSET", "ch", "c", "3"],
      ["OBJECT", "ENCODING", "ch"],
      ["HSET", "cv", "a", "12345"],
      ["OBJECT", "ENCODING", "cv"],
      ["SADD", "cs", "1", "2"],
      ["OBJECT", "ENCODING", "cs"],
      ["SADD", "cs", "3"],
      ["OBJECT", "ENCODING", "cs"],
      ["ZADD", "cz", "1", "a", "2", "b"],
      ["OBJECT", "ENCODING", "cz"],
      ["ZADD", "cz", "3", "c"],
      ["OBJECT", "ENCODING", "cz"],
      ["ZADD", "czv", "1", "abcde"],
      ["OBJECT", "ENCODING", "czv"],
      ["CONFIG", "SET", "hash-max-listpack-entries", "0"],
      ["CONFIG", "SET", "zset-max-listpack-entries", "0"],
      ["HSET", "zero", "a", "1"],
      ["OBJECT", "ENCODING", "zero"],
      ["ZADD", "zzero", "1", "a"],
      ["OBJECT", "ENCODING", "zzero"],
      ["CONFIG", "SET", "hash-max-listpack-entries", "512"],
      ["CONFIG", "SET", "hash-max-listpack-value", "64"],
      ["CONFIG", "SET", "set-max-intset-entries", "512"],
      ["CONFIG", "SET", "zset-max-listpack-entries", "128"],
      ["CONFIG", "SET", "zset-max-listpack-value", "64"],
    ]);
  });
});

Deno.test("collections generic: COPY is deep, keeps the TTL, honours DB and REPLACE", async () => {
  await withPair(async (pair) => {
    await compareBoth(pair, [
      ...ONE_OF_EACH,
      ["HSET", "bighash", ...many(600, (i) => [`f${i}`, `v${i}`])],
      ["SADD", "bigset", ...many(600, (i) => [`m${i}`])],
      ["SADD", "intset", "1", "2", "3"],
      ["ZADD", "bigzset", ...many(200, (i) => [String(i), `m${i}`])],
      ...["list", "hash", "set", "zset", "bighash", "bigset", "intset", "bigzset"].map((
        key,
      ): Command => ["COPY", key, `${key}_copy`]),
      ["RPUSH", "list_copy", "c"],
      ["LSET", "list_copy", "0", "changed"],
      ["LRANGE", "list", "0", "-1"],
      ["LRANGE", "list_copy", "0", "-1"],
      ["HSET", "hash_copy", "f", "changed", "g", "new"],
      ["HGETALL", "hash"],
      ["HGETALL", "hash_copy"],
      ["HSET", "bighash_copy", "f1", "changed"],
      ["HDEL", "bighash_copy", "f2"],
      ["HGET", "bighash", "f1"],
      ["HEXISTS", "bighash", "f2"],
      ["HLEN", "bighash_copy"],
      ["SADD", "set_copy", "new"],
      ["SREM", "set_copy", "m"],
      ["SMEMBERS", "set"],
      ["SMEMBERS", "set_copy"],
      ["SREM", "bigset_copy", "m1"],
      ["SISMEMBER", "bigset", "m1"],
      ["SADD", "intset_copy", "word"],
      ["OBJECT", "ENCODING", "intset"],
      ["SMEMBERS", "intset"],
      ["ZADD", "zset_copy", "5", "m", "6", "n"],
      ["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
      ["ZRANGE", "zset_copy", "0", "-1", "WITHSCORES"],
      ["ZINCRBY", "bigzset_copy", "1000", "m0"],
      ["ZSCORE", "bigzset", "m0"],
      ["ZRANGE", "bigzset", "0", "2"],
      ["ZRANGE", "bigzset_copy", "-2", "-1"],
      // TTL travels with the copy; REPLACE overwrites another type; DB targets another db.
      ["EXPIRE", "list", "1000"],
      ["COPY", "list", "withttl"],
      ["TTL", "withttl"],
      ["COPY", "hash", "string"],
      ["COPY", "hash", "string", "REPLACE"],
      ["TYPE", "string"],
      ["HGETALL", "string"],
      ["COPY", "zset", "zset", "DB", "1"],
      ["COPY", "zset", "zset", "DB", "1"],
      ["SELECT", "1"],
      ["ZADD", "zset", "9", "other"],
      ["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
      ["SELECT", "0"],
      ["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
      ["COPY", "set", "set"],
      ["COPY", "missing", "x"],
    ]);
  });
});

Deno.test("collections generic: RENAME, RENAMENX and MOVE", async () => {
  await withPair(async (pair) => {
    await compareBoth(pair, [
      ...ONE_OF_EACH,
      ["EXPIRE", "list", "500"],
      ["RENAME", "list", "list2"],
      ["TYPE", "list"],
      ["LRANGE", "list2", "0", "-1"],
      ["TTL", "list2"],
      ["RENAME", "hash", "string"],
      ["TYPE", "string"],
      ["HGET", "string", "f"],
      ["RENAMENX", "set", "zset"],
      ["RENAMENX", "set", "set2"],
      ["SMEMBERS", "set2"],
      ["RENAME", "zset", "zset"],
      ["ZSCORE", "zset", "m"],
      ["MOVE", "zset", "2"],
      ["EXISTS", "zset"],
      ["SELECT", "2"],
      ["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
      ["SADD", "set2", "other"],
      ["SELECT", "0"],
      ["MOVE", "set2", "2"],
      ["SMEMBERS", "set2"],
      ["MOVE", "list2", "3"],
      ["SELECT", "3"],
      ["TTL", "list2"],
      ["RPUSH", "list2", "c"],
      ["LRANGE", "list2", "0", "-1"],
    ]);
  });
});

/** Every key a complete SCAN with these options returns, sorted, from one server. */
async function scanAll(client: RespClient, options: string[]): Promise<string[]> {
  const found = new Set<string>();
  let cursor = "0";
  let calls = 0;
  do {
    const [next, keys] = parseReply(await client.raw("SCAN", cursor, ...options)) as [
      string,
      string[],
    ];
    for (const key of keys) found.add(key);
    cursor = next;
    if (++calls > 100_000) throw new Error("SCAN did not finish");
  } while (cursor !== "0");
  return [...found].sort();
}

Deno.test("collections generic: SCAN TYPE finds each collection type", async () => {
  await withPair(async (pair) => {
    const [ours, theirs] = await pair.connect();
    try {
      for (const client of [ours, theirs]) {
        await client.raw("FLUSHALL");
        for (let i = 0; i < 40; i++) {
          await client.raw("SET", `string:${i}`, "v");
          await client.raw("RPUSH", `list:${i}`, "a");
          await client.raw("HSET", `hash:${i}`, "f", "v");
          await client.raw("SADD", `set:${i}`, "m");
          await client.raw("ZADD", `zset:${i}`, "1", "m");
        }
      }
      for (const type of ["string", "list", "hash", "set", "zset", "LIST", "stream", "nosuch"]) {
        for (const options of [["TYPE", type], ["TYPE", type, "COUNT", "7", "MATCH", "*1*"]]) {
          const [a, b] = await Promise.all([scanAll(ours, options), scanAll(theirs, options)]);
          assertEquals(a, b, `SCAN ${options.join(" ")}`);
        }
      }
    } finally {
      ours.close();
      theirs.close();
    }
  });
});

Deno.test("collections generic: DEL and UNLINK of 100 000-element collections", async () => {
  await withPair(async (pair) => {
    const size = 100_000;
    const chunk = 10_000;
    const builds: Array<[string, string, (i: number) => string[]]> = [
      ["RPUSH", "list", (i) => [`element:${i}`]],
      ["HSET", "hash", (i) => [`field:${i}`, `value:${i}`]],
      ["SADD", "set", (i) => [`member:${i}`]],
      ["SADD", "intset", (i) => [String(i)]],
      ["ZADD", "zset", (i) => [String(i % 1000), `member:${i}`]],
    ];
    const [ours, theirs] = await pair.connect();
    try {
      for (const client of [ours, theirs]) {
        await client.raw("FLUSHALL");
        for (const [command, key, make] of builds) {
          for (let c = 0; c < size / chunk; c++) {
            await sendBig(client, [command, key, ...many(chunk, (i) => make(c * chunk + i))]);
          }
        }
      }
      const commands: Command[] = [
        ["LLEN", "list"],
        ["HLEN", "hash"],
        ["SCARD", "set"],
        ["SCARD", "intset"],
        ["ZCARD", "zset"],
        ["OBJECT", "ENCODING", "intset"],
        ["DEL", "list", "hash"],
        ["UNLINK", "set", "intset", "zset", "missing"],
        ["EXISTS", "list", "hash", "set", "intset", "zset"],
        ["DBSIZE"],
      ];
      for (const command of commands) {
        const started = performance.now();
        const [a, b] = await Promise.all([ours.raw(...command), theirs.raw(...command)]);
        assertEquals(a, b, describe(command));
        // Removing 100 000 elements is one Map going away: it must not stall the server.
        const elapsed = performance.now() - started;
        assertEquals(elapsed < 1000, true, `${describe(command)} took ${elapsed.toFixed(0)} ms`);
      }
    } finally {
      ours.close();
      theirs.close();
    }
  });
});

Deno.test("collections generic: EXPIRE, TTL and PERSIST on collections", async () => {
  await withPair(async (pair) => {
    const keys = ["list", "hash", "set", "zset"];
    await compareBoth(pair, [
      ...ONE_OF_EACH,
      ...keys.map((key): Command => ["EXPIRE", key, "100"]),
      ...keys.map((key): Command => ["TTL", key]),
      // Changing a collection keeps its TTL; emptying it removes key and TTL.
      ["RPUSH", "list", "c"],
      ["HSET", "hash", "g", "w"],
      ["SADD", "set", "n"],
      ["ZADD", "zset", "2", "n"],
      ...keys.map((key): Command => ["TTL", key]),
      ["PERSIST", "set"],
      ["TTL", "set"],
      ["ZPOPMIN", "zset", "5"],
      ["EXISTS", "zset"],
      ["ZADD", "zset", "1", "m"],
      ["TTL", "zset"],
      ["EXPIRE", "hash", "0"],
      ["EXISTS", "hash"],
      ["PEXPIRE", "list", "-1"],
      ["TYPE", "list"],
    ]);
    // A short TTL runs out on both servers.
    const [ours, theirs] = await pair.connect();
    try {
      for (const client of [ours, theirs]) {
        await client.raw("FLUSHALL");
        await client.raw("RPUSH", "l", "a");
        await client.raw("SADD", "s", "a");
        await client.raw("PEXPIRE", "l", "30");
        await client.raw("PEXPIRE", "s", "30");
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
      for (const command of [["LLEN", "l"], ["SMEMBERS", "s"], ["EXISTS", "l", "s"], ["DBSIZE"]]) {
        assertEquals(await ours.raw(...command), await theirs.raw(...command), command.join(" "));
      }
    } finally {
      ours.close();
      theirs.close();
    }
  });
});

Deno.test("collections generic: WRONGTYPE across families", async () => {
  await withPair(async (pair) => {
    // One read and one write of each family, tried on a key of every type.
    const probes: Array<(key: string) => Command> = [
      (key) => ["GET", key],
      (key) => ["APPEND", key, "x"],
      (key) => ["INCR", key],
      (key) => ["STRLEN", key],
      (key) => ["LPUSH", key, "x"],
      (key) => ["LLEN", key],
      (key) => ["LRANGE", key, "0", "-1"],
      (key) => ["LPOP", key],
      (key) => ["HSET", key, "x", "y"],
      (key) => ["HGET", key, "x"],
      (key) => ["HLEN", key],
      (key) => ["HGETALL", key],
      (key) => ["SADD", key, "x"],
      (key) => ["SCARD", key],
      (key) => ["SISMEMBER", key, "x"],
      (key) => ["SMEMBERS", key],
      (key) => ["ZADD", key, "1", "x"],
      (key) => ["ZCARD", key],
      (key) => ["ZSCORE", key, "x"],
      (key) => ["ZRANGE", key, "0", "-1"],
      (key) => ["SORT", key, "ALPHA"],
    ];
    const commands: Command[] = [];
    for (const key of ["string", "list", "hash", "set", "zset"]) {
      commands.push(["FLUSHDB"], ...ONE_OF_EACH);
      for (const probe of probes) commands.push(probe(key));
    }
    commands.push(
      ["FLUSHDB"],
      ...ONE_OF_EACH,
      ["SINTER", "set", "list"],
      ["SUNION", "missing", "zset"],
      ["SUNIONSTORE", "string", "set"],
      ["TYPE", "string"],
      ["SMOVE", "set", "hash", "m"],
      ["SMOVE", "set", "set", "m"],
      ["RPOPLPUSH", "list", "hash"],
      ["LLEN", "list"],
      ["LMOVE", "list", "zset", "LEFT", "RIGHT"],
      ["ZUNIONSTORE", "out", "2", "zset", "set"],
      ["ZRANGE", "out", "0", "-1", "WITHSCORES"],
      ["ZUNIONSTORE", "out", "2", "zset", "list"],
      ["ZINTERSTORE", "out", "2", "zset", "hash"],
      ["SET", "list", "now a string"],
      ["TYPE", "list"],
      ["GETSET", "hash", "x"],
      ["MSET", "set", "1", "zset", "2"],
      ["MGET", "set", "zset", "hash"],
    );
    await compareBoth(pair, commands);
  });
});
