/**
 * SORT and SORT_RO against redis-server, byte for byte in RESP2 and RESP3. A set's stored order
 * is its hash order, which differs between the servers: SORT ... BY nosort over a set (without
 * STORE, which sorts it anyway) is compared as a multiset.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { lookupByPattern, parseSortScore, sortKeys } from "../src/commands/sort.ts";
import { Database } from "../src/store/keyspace.ts";
import { Clock } from "../src/store/clock.ts";
import { canonicalOrder } from "./support/collection_commands.ts";
import { type Command, withPair } from "./support/servers.ts";

/** Commands whose replies are compared as multisets, with their group size. */
const unordered = new Map<Command, number>();

function anyOrder(command: Command, group = 1): Command {
  unordered.set(command, group);
  return command;
}

const normalize = (raw: string, command: Command) => {
  const group = unordered.get(command);
  return group === undefined ? raw : canonicalOrder(raw, group);
};

/** Weights and hash fields for the elements 1..12 and the words used below. */
const LOOKUPS: Command[] = [
  ["MSET", "w_3", "30", "w_1", "5", "w_2", "20", "w_10", "1", "w_-5", "7", "w_1.5", "7"],
  ["HSET", "h_3", "f", "c", "g", "3.5"],
  ["HSET", "h_1", "f", "a", "g", "-1"],
  ["HSET", "h_2", "f", "b", "g", "1e3"],
  ["HSET", "h_10", "f", "z", "g", "0x10"],
  ["SET", "n_3", "three"],
  ["SET", "n_2", "two"],
  ["SET", "h_1->", "literal arrow key"],
  ["RPUSH", "notastring_3", "x"],
];

const NUMERIC_LIST: Command = ["RPUSH", "l", "3", "1", "2", "10", "-5", "1.5"];

Deno.test("sort: lists, numeric and ALPHA, ASC/DESC and LIMIT", async () => {
  await withPair(async (pair) => {
    const commands: Command[] = [
      NUMERIC_LIST,
      ["SORT", "l"],
      ["SORT", "l", "DESC"],
      ["SORT", "l", "asc"],
      ["SORT", "l", "DESC", "ASC"],
      ["SORT", "l", "ALPHA"],
      ["SORT", "l", "ALPHA", "DESC"],
      ["SORT", "l", "LIMIT", "0", "2"],
      ["SORT", "l", "LIMIT", "2", "10"],
      ["SORT", "l", "LIMIT", "-1", "2"],
      ["SORT", "l", "LIMIT", "1", "-1"],
      ["SORT", "l", "LIMIT", "1", "0"],
      ["SORT", "l", "LIMIT", "5", "1"],
      ["SORT", "l", "LIMIT", "6", "1"],
      ["SORT", "l", "LIMIT", "100", "1"],
      ["SORT", "l", "LIMIT", "2", "9223372036854775807"],
      ["SORT", "l", "LIMIT", "9223372036854775807", "5"],
      ["SORT", "l", "LIMIT", "-9223372036854775808", "3"],
      ["SORT", "l", "LIMIT", "0", "2", "LIMIT", "3", "2", "DESC"],
      ["SORT_RO", "l", "DESC", "LIMIT", "1", "3"],
      ["SORT", "missing"],
      ["SORT", "missing", "BY", "nosort", "DESC", "LIMIT", "0", "1"],
      ["SORT_RO", "missing", "ALPHA"],
      ["RPUSH", "dup", "2", "1", "2", "1", "02", "2.0", "-0", "0"],
      ["SORT", "dup"],
      ["SORT", "dup", "DESC"],
      ["SORT", "dup", "ALPHA"],
      ["RPUSH", "words", "banana", "apple", "Cherry", "", "a b", "apple", "ä", "z"],
      ["SORT", "words"],
      ["SORT", "words", "ALPHA"],
      ["SORT", "words", "ALPHA", "DESC", "LIMIT", "1", "3"],
      ["SORT_RO", "words", "ALPHA", "LIMIT", "0", "-5"],
      ["RPUSH", "bin", "a\0b", "a\0a", "a", "a\x01", "\xff", "\x80"],
      ["SORT", "bin", "ALPHA"],
      ["SORT", "bin", "ALPHA", "DESC"],
      ["SORT", "bin", "ALPHA", "STORE", "bin_sorted"],
      ["LRANGE", "bin_sorted", "0", "-1"],
    ];
    await pair.compareBoth(commands);
  });
});

Deno.test("sort: scores are parsed as Redis's strtod call reads them", async () => {
  await withPair(async (pair) => {
    const commands: Command[] = [];
    const values = [
      "",
      " 1",
      "\t\n2",
      "0x10",
      "0X1p3",
      "inf",
      "-inf",
      "+Infinity",
      "+5",
      ".5",
      "5.",
      "1e308",
      "-0",
      "0e500",
      "1e-300",
      "1\0trailing",
      "1e-310",
      "2e-308",
      "1e-400",
      "1e400",
      "nan",
      "-NaN",
      "1 ",
      " ",
      "abc",
      "1x",
      "0x",
      "--1",
      "1e",
    ];
    for (const [i, value] of values.entries()) {
      commands.push(["RPUSH", `v${i}`, value, "7"]);
      commands.push(["SORT", `v${i}`]);
      commands.push(["SORT", `v${i}`, "DESC"]);
      commands.push(["SET", `s_${i}`, value]);
      commands.push(["RPUSH", `by${i}`, String(i), "x"]);
      commands.push(["SORT", `by${i}`, "BY", "s_*"]);
    }
    await pair.compareBoth(commands);
  });
});

Deno.test("sort: BY patterns, hash fields, nosort, GET", async () => {
  await withPair(async (pair) => {
    const commands: Command[] = [
      ...LOOKUPS,
      NUMERIC_LIST,
      ["SORT", "l", "BY", "w_*"],
      ["SORT", "l", "BY", "w_*", "DESC"],
      ["SORT", "l", "BY", "w_*", "LIMIT", "1", "2"],
      ["SORT", "l", "BY", "missing_*"],
      ["SORT", "l", "BY", "missing_*", "DESC"],
      ["SORT", "l", "BY", "h_*->g"],
      ["SORT", "l", "BY", "h_*->f", "ALPHA"],
      ["SORT", "l", "BY", "h_*->f", "ALPHA", "DESC"],
      ["SORT", "l", "BY", "h_*->missing"],
      ["SORT", "l", "BY", "h_*->"],
      ["SORT", "l", "BY", "n_*", "ALPHA"],
      ["SORT", "l", "BY", "n_*", "ALPHA", "DESC"],
      ["SORT", "l", "BY", "notastring_*"],
      ["SORT", "l", "BY", "nosort"],
      ["SORT", "l", "BY", "nosort", "DESC"],
      ["SORT", "l", "BY", "nosort", "LIMIT", "1", "3"],
      ["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "3"],
      ["SORT", "l", "BY", "nosort", "LIMIT", "4", "100"],
      ["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "-3", "2"],
      ["SORT", "l", "BY", "nosort", "LIMIT", "6", "1"],
      ["SORT", "l", "BY", "nosort", "ALPHA", "DESC"],
      ["SORT", "l", "BY", "w_3"],
      ["SORT", "l", "BY", "no\0*star"],
      ["SORT", "l", "GET", "#"],
      ["SORT", "l", "GET", "w_*"],
      ["SORT", "l", "GET", "h_*->f"],
      ["SORT", "l", "GET", "#", "GET", "w_*", "GET", "h_*->f", "GET", "n_*"],
      ["SORT", "l", "GET", "nosuch_*", "LIMIT", "0", "2"],
      ["SORT", "l", "GET", "fixed"],
      ["SORT", "l", "GET", "#->f"],
      ["SORT", "l", "GET", "#\0suffix"],
      ["SORT", "l", "GET", "h_*->f->g"],
      ["SORT", "l", "GET", "h_*-*>f"],
      ["SORT", "l", "GET", "*_*"],
      ["SORT", "l", "GET", "notastring_*"],
      ["SORT", "l", "GET", "h_*"],
      ["SORT", "l", "BY", "w_*", "GET", "#", "GET", "n_*", "DESC", "LIMIT", "0", "4"],
      ["SORT", "l", "BY", "nosort", "GET", "w_*", "DESC"],
      ["SORT_RO", "l", "BY", "h_*->g", "GET", "h_*->f"],
      ["SET", "w_3", "heavy"],
      ["SORT", "l", "BY", "w_*"],
      ["SORT", "l", "BY", "w_*", "ALPHA"],
      ["SORT", "l", "BY", "nosort", "GET", "w_*"],
      ["SET", "h_1->", "5"],
      ["SORT", "l", "BY", "h_*->", "GET", "h_*->"],
    ];
    await pair.compareBoth(commands);
  });
});

Deno.test("sort: sets and sorted sets", async () => {
  await withPair(async (pair) => {
    const bigZadd: Command = ["ZADD", "bigz"];
    for (let i = 0; i < 200; i++) bigZadd.push(String(i % 7), `m${i}`);
    const commands: Command[] = [
      ...LOOKUPS,
      ["SADD", "s", "5", "3", "9", "1", "-2"],
      ["SORT", "s"],
      ["SORT", "s", "DESC"],
      ["SORT", "s", "ALPHA"],
      ["SORT", "s", "LIMIT", "1", "2"],
      ["SORT", "s", "BY", "w_*"],
      ["SORT", "s", "BY", "w_*", "GET", "#", "GET", "w_*"],
      anyOrder(["SORT", "s", "BY", "nosort"]),
      anyOrder(["SORT", "s", "BY", "nosort", "DESC"]),
      anyOrder(["SORT", "s", "BY", "nosort", "GET", "#", "GET", "w_*"], 2),
      anyOrder(["SORT_RO", "s", "BY", "nosort"]),
      ["SORT", "s", "BY", "nosort", "STORE", "stored"],
      ["LRANGE", "stored", "0", "-1"],
      ["SORT", "s", "BY", "nosort", "DESC", "STORE", "stored"],
      ["LRANGE", "stored", "0", "-1"],
      ["SORT", "s", "BY", "nosort", "LIMIT", "1", "2", "GET", "w_*", "STORE", "stored"],
      ["LRANGE", "stored", "0", "-1"],
      ["SADD", "words", "pear", "apple", "fig", "10", "9"],
      ["SORT", "words"],
      ["SORT", "words", "ALPHA"],
      ["SORT", "words", "ALPHA", "DESC", "LIMIT", "0", "3"],
      ["SADD", "big", ...Array.from({ length: 600 }, (_, i) => String((i * 7919) % 1000))],
      ["SORT", "big", "LIMIT", "100", "5"],
      ["SORT", "big", "DESC", "LIMIT", "0", "5"],
      ["SORT", "big", "ALPHA", "LIMIT", "590", "50"],
      ["ZADD", "z", "1", "c", "2", "a", "3", "b", "3", "aa", "-1", "zz"],
      ["SORT", "z"],
      ["SORT", "z", "ALPHA"],
      ["SORT", "z", "ALPHA", "DESC"],
      ["SORT", "z", "BY", "nosort"],
      ["SORT", "z", "BY", "nosort", "DESC"],
      ["SORT", "z", "BY", "nosort", "LIMIT", "1", "2"],
      ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
      ["SORT", "z", "BY", "nosort", "LIMIT", "0", "100"],
      ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "4", "5"],
      ["SORT", "z", "BY", "nosort", "LIMIT", "5", "1"],
      ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "-2", "-1"],
      ["SORT", "z", "BY", "nosort", "ALPHA", "GET", "#", "GET", "h_*->f"],
      ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "3", "STORE", "zl"],
      ["LRANGE", "zl", "0", "-1"],
      ["ZADD", "nz", "5", "3", "4", "1", "3", "10", "2", "2"],
      ["SORT", "nz"],
      ["SORT", "nz", "BY", "w_*"],
      ["SORT", "nz", "BY", "nosort", "GET", "w_*"],
      bigZadd,
      ["SORT", "bigz", "BY", "nosort", "LIMIT", "50", "10"],
      ["SORT", "bigz", "BY", "nosort", "DESC", "LIMIT", "50", "10"],
      ["SORT", "bigz", "BY", "nosort", "DESC", "LIMIT", "195", "10"],
      ["SORT", "bigz", "ALPHA", "LIMIT", "0", "10"],
      ["SORT", "bigz", "ALPHA", "DESC", "LIMIT", "0", "10"],
    ];
    await pair.compareBoth(commands, { normalize });
  });
});

Deno.test("sort: STORE writes a list, replaces any value and its TTL, deletes on empty", async () => {
  await withPair(async (pair) => {
    const commands: Command[] = [
      ...LOOKUPS,
      NUMERIC_LIST,
      ["SET", "dst", "old"],
      ["EXPIRE", "dst", "1000"],
      ["SORT", "l", "STORE", "dst"],
      ["TYPE", "dst"],
      ["TTL", "dst"],
      ["LRANGE", "dst", "0", "-1"],
      ["OBJECT", "ENCODING", "dst"],
      ["SORT", "l", "DESC", "LIMIT", "1", "2", "STORE", "dst"],
      ["LRANGE", "dst", "0", "-1"],
      ["SORT", "l", "GET", "#", "GET", "n_*", "GET", "h_*->f", "STORE", "dst"],
      ["LRANGE", "dst", "0", "-1"],
      ["SORT", "l", "BY", "nosort", "GET", "missing_*", "STORE", "dst"],
      ["LRANGE", "dst", "0", "-1"],
      ["SORT", "l", "STORE", "l"],
      ["LRANGE", "l", "0", "-1"],
      ["SORT", "l", "STORE", "a", "STORE", "b"],
      ["EXISTS", "a", "b"],
      ["SORT", "l", "LIMIT", "10", "5", "STORE", "dst"],
      ["EXISTS", "dst"],
      ["SORT", "missing", "STORE", "b"],
      ["EXISTS", "b"],
      ["SORT", "missing", "STORE", "b"],
      ["ZADD", "z", "1", "x", "2", "y"],
      ["SORT", "z", "ALPHA", "DESC", "STORE", "z"],
      ["TYPE", "z"],
      ["LRANGE", "z", "0", "-1"],
      ["RPUSH", "bad", "1", "x"],
      ["SET", "keep", "v"],
      ["SORT", "bad", "STORE", "keep"],
      ["GET", "keep"],
      ["SORT_RO", "l", "STORE", "dst"],
      ["SORT_RO", "l", "store"],
      ["SORT", "l", "STORE"],
    ];
    await pair.compareBoth(commands);
  });
});

Deno.test("sort: errors come in Redis's order", async () => {
  await withPair(async (pair) => {
    const commands: Command[] = [
      ["SET", "str", "v"],
      ["HSET", "hash", "f", "v"],
      ["RPUSH", "alpha", "a", "b"],
      ["SORT"],
      ["SORT_RO"],
      ["SORT", "str"],
      ["SORT_RO", "str"],
      ["SORT", "hash"],
      ["SORT", "str", "LIMIT", "x", "1"],
      ["SORT", "str", "bogus"],
      ["SORT", "alpha"],
      ["SORT", "alpha", "DESC", "LIMIT", "0", "1"],
      ["SORT", "alpha", "BY", "nosort"],
      ["SORT", "alpha", "LIMIT", "1"],
      ["SORT", "alpha", "LIMIT", "1", "1.5"],
      ["SORT", "alpha", "LIMIT", "1", "99999999999999999999"],
      ["SORT", "alpha", "LIMIT", "x", "1", "bogus"],
      ["SORT", "alpha", "bogus", "LIMIT", "x", "1"],
      ["SORT", "alpha", "BY"],
      ["SORT", "alpha", "GET"],
      ["SORT", "alpha", "ALPHA", "GET"],
      ["SORT", "missing", "LIMIT", "0", "x"],
      ["SORT", "str", "ALPHA", "STORE", "dst"],
      ["EXISTS", "dst"],
      ["COMMAND", "GETKEYS", "SORT", "a", "STORE", "b", "STORE", "c"],
      ["COMMAND", "GETKEYS", "SORT", "a", "BY", "store", "GET", "store", "LIMIT", "store", "x"],
      ["COMMAND", "GETKEYS", "SORT", "a", "STORE", "limit", "1", "2"],
      ["COMMAND", "GETKEYS", "SORT", "a", "STORE"],
      ["COMMAND", "GETKEYS", "SORT_RO", "a", "STORE", "b"],
      ["COMMAND", "GETKEYSANDFLAGS", "SORT", "a", "DESC", "STORE", "b"],
      ["COMMAND", "GETKEYSANDFLAGS", "SORT_RO", "a", "GET", "x_*"],
    ];
    await pair.compareBoth(commands);
  });
});

Deno.test("sort: pattern lookup and score parsing, directly", () => {
  const db = new Database(0, new Clock(), {
    expiredKeys: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    evictedKeys: 0,
  });
  db.set("w_a", "3");
  db.set("w_a-x", "4");
  assertEquals(lookupByPattern(db, "#", "a"), "a");
  assertEquals(lookupByPattern(db, "w_*", "a"), "3");
  assertEquals(lookupByPattern(db, "w_*-x", "a"), "4");
  assertEquals(lookupByPattern(db, "w_*->", "b"), null);
  assertEquals(lookupByPattern(db, "nostar", "a"), null);
  assertEquals(parseSortScore(""), 0);
  assertEquals(parseSortScore(" -2.5"), -2.5);
  assertEquals(parseSortScore("0x1.8p1"), 3);
  assertEquals(parseSortScore("1e-310"), null);
  assertEquals(parseSortScore("0.0e-999"), 0);
  assertEquals(parseSortScore("nan"), null);
  assertEquals(sortKeys(["sort", "k", "LIMIT", "0", "1", "STORE", "d"]), [
    { index: 1, flags: ["RO", "access"] },
    { index: 6, flags: ["OW", "update"] },
  ]);
});
