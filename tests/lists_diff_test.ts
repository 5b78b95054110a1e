/**
 * List commands against redis-server 7.0.15, byte for byte in RESP2 and RESP3: every command,
 * option and error, binary elements, big lists, and seeded random command sequences.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { prng, seedFrom } from "./support/random.ts";
import type { RespClient } from "./support/resp_client.ts";
import { type Command, describe, ServerPair } from "./support/servers.ts";

/**
 * Counters compared as their growth since the run began (they live as long as the server):
 * changes (Redis's `dirty`) and keyspace hits and misses.
 */
const COUNTERS: Command = ["INFO", "all"];

async function counters(client: RespClient): Promise<number[]> {
  const raw = await client.raw(...COUNTERS);
  return ["rdb_changes_since_last_save", "keyspace_hits", "keyspace_misses"].map((name) =>
    Number(new RegExp(`${name}:(\\d+)`).exec(raw)![1])
  );
}

/** Like `ServerPair.compare`, with COUNTERS compared as growth since the first command. */
async function compare(pair: ServerPair, commands: Command[], resp: 2 | 3): Promise<void> {
  const clients = await pair.connect();
  try {
    const base: number[][] = [];
    for (const client of clients) {
      await client.raw("FLUSHALL");
      if (resp === 3) await client.raw("HELLO", "3");
      base.push(await counters(client));
    }
    for (const command of commands) {
      const replies = await Promise.all(clients.map(async (client, i) => {
        if (command !== COUNTERS) return await client.raw(...command);
        const now = await counters(client);
        return `changes ${now[0] - base[i][0]}, hits ${now[1] - base[i][1]}, ` +
          `misses ${now[2] - base[i][2]}`;
      }));
      assertEquals(replies[0], replies[1], `reply to ${describe(command)} (resp ${resp})`);
    }
  } finally {
    for (const client of clients) client.close();
  }
}

const BASICS: Command[] = [
  ["LPUSH", "l", "a", "b", "c"],
  ["RPUSH", "l", "d", "e"],
  ["LPUSHX", "l", "f"],
  ["RPUSHX", "l", "g", "h"],
  ["LPUSHX", "none", "x"],
  ["RPUSHX", "none", "x"],
  ["EXISTS", "none"],
  ["LRANGE", "l", "0", "-1"],
  ["LLEN", "l"],
  ["LLEN", "none"],
  ["TYPE", "l"],
  ["OBJECT", "ENCODING", "l"],
  ["CONFIG", "SET", "list-max-listpack-size", "1"],
  ["RPUSH", "l2", "a", "b", "c"],
  ["OBJECT", "ENCODING", "l2"],
  ["CONFIG", "SET", "list-max-ziplist-size", "-2"],
  ["LPUSH", "l"],
  ["RPUSH"],
  ["LPUSHX", "l"],
  ["SET", "s", "v"],
  ["LPUSH", "s", "x"],
  ["RPUSH", "s", "x"],
  ["LPUSHX", "s", "x"],
  ["RPUSHX", "s", "x"],
  ["LLEN", "s"],
  COUNTERS,
];

const POPS: Command[] = [
  ["RPUSH", "l", "a", "b", "c", "d", "e", "f"],
  ["LPOP", "l"],
  ["RPOP", "l"],
  ["LPOP", "l", "2"],
  ["RPOP", "l", "1"],
  ["LPOP", "l", "0"],
  ["RPOP", "l", "0"],
  ["LPOP", "l", "-1"],
  ["RPOP", "l", "abc"],
  ["LPOP", "l", "1", "2"],
  ["RPOP", "l", "9223372036854775807"],
  ["EXISTS", "l"],
  ["LPOP", "none"],
  ["RPOP", "none"],
  ["LPOP", "none", "0"],
  ["RPOP", "none", "3"],
  ["LPOP", "none", "-1"],
  ["SET", "s", "v"],
  ["LPOP", "s"],
  ["RPOP", "s", "0"],
  ["LPOP", "s", "-1"],
  ["RPUSH", "m", "a", "b", "c"],
  ["RPOP", "m", "10"],
  ["EXISTS", "m"],
  COUNTERS,
];

const READS: Command[] = [
  ["RPUSH", "l", "a", "b", "c", "d", "e"],
  ...[
    ["0", "-1"],
    ["1", "2"],
    ["-2", "-1"],
    ["-100", "100"],
    ["3", "1"],
    ["5", "10"],
    ["-1", "-5"],
    ["0", "0"],
    ["-9223372036854775808", "9223372036854775807"],
    ["9223372036854775807", "-9223372036854775808"],
    ["a", "1"],
    ["1", "b"],
    ["01", "2"],
    [" 1", "2"],
    ["9223372036854775808", "1"],
  ].map(([start, stop]): Command => ["LRANGE", "l", start, stop]),
  ["LRANGE", "none", "0", "-1"],
  ["LRANGE", "none", "a", "b"],
  ["LINDEX", "l", "0"],
  ["LINDEX", "l", "-1"],
  ["LINDEX", "l", "4"],
  ["LINDEX", "l", "5"],
  ["LINDEX", "l", "-6"],
  ["LINDEX", "l", "-5"],
  ["LINDEX", "l", "abc"],
  ["LINDEX", "none", "abc"],
  ["LINDEX", "none", "0"],
  ["SET", "s", "v"],
  ["LRANGE", "s", "0", "1"],
  ["LRANGE", "s", "x", "1"],
  ["LINDEX", "s", "0"],
  ["LINDEX", "s", "x"],
  ["LLEN", "s"],
];

const WRITES: Command[] = [
  ["RPUSH", "l", "a", "b", "c", "b", "a", "b"],
  ["LSET", "l", "0", "A"],
  ["LSET", "l", "-1", "Z"],
  ["LSET", "l", "6", "x"],
  ["LSET", "l", "-7", "x"],
  ["LSET", "l", "abc", "x"],
  ["LSET", "none", "0", "x"],
  ["LSET", "none", "abc", "x"],
  ["LRANGE", "l", "0", "-1"],
  ["LINSERT", "l", "BEFORE", "b", "1"],
  ["LINSERT", "l", "after", "b", "2"],
  ["LINSERT", "l", "After", "Z", "end"],
  ["LINSERT", "l", "before", "A", "start"],
  ["LINSERT", "l", "before", "nope", "x"],
  ["LINSERT", "l", "middle", "b", "x"],
  ["LINSERT", "none", "before", "b", "x"],
  ["LINSERT", "none", "middle", "b", "x"],
  ["LRANGE", "l", "0", "-1"],
  ["LREM", "l", "1", "b"],
  ["LREM", "l", "-1", "b"],
  ["LRANGE", "l", "0", "-1"],
  ["LREM", "l", "0", "b"],
  ["LREM", "l", "0", "nope"],
  ["LREM", "l", "x", "b"],
  ["LREM", "none", "x", "b"],
  ["LREM", "none", "1", "b"],
  ["LRANGE", "l", "0", "-1"],
  ["LREM", "l", "-9223372036854775808", "a"],
  ["RPUSH", "one", "x", "x"],
  ["LREM", "one", "0", "x"],
  ["EXISTS", "one"],
  ["RPUSH", "t", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  ["LTRIM", "t", "1", "-2"],
  ["LRANGE", "t", "0", "-1"],
  ["LTRIM", "t", "-3", "100"],
  ["LRANGE", "t", "0", "-1"],
  ["LTRIM", "t", "a", "1"],
  ["LTRIM", "t", "0", "b"],
  ["LTRIM", "none", "0", "1"],
  ["LTRIM", "none", "a", "1"],
  ["LTRIM", "t", "2", "1"],
  ["EXISTS", "t"],
  ["RPUSH", "t", "a", "b"],
  ["LTRIM", "t", "5", "10"],
  ["EXISTS", "t"],
  ["SET", "s", "v"],
  ["LSET", "s", "0", "x"],
  ["LSET", "s", "x", "x"],
  ["LINSERT", "s", "before", "a", "b"],
  ["LINSERT", "s", "middle", "a", "b"],
  ["LREM", "s", "0", "a"],
  ["LREM", "s", "x", "a"],
  ["LTRIM", "s", "0", "1"],
  ["LTRIM", "s", "x", "1"],
  COUNTERS,
];

const LPOS: Command[] = [
  ["RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c", "a"],
  ...[
    [],
    ["RANK", "1"],
    ["RANK", "2"],
    ["RANK", "3"],
    ["RANK", "4"],
    ["RANK", "-1"],
    ["RANK", "-3"],
    ["RANK", "-4"],
    ["RANK", "0"],
    ["RANK", "x"],
    ["RANK", "-9223372036854775808"],
    ["RANK", "-9223372036854775808", "COUNT", "1"],
    ["RANK", "9223372036854775807"],
    ["COUNT", "0"],
    ["COUNT", "1"],
    ["COUNT", "2"],
    ["COUNT", "10"],
    ["COUNT", "-1"],
    ["COUNT", "x"],
    ["COUNT", "2", "RANK", "2"],
    ["COUNT", "0", "RANK", "-1"],
    ["COUNT", "0", "MAXLEN", "7"],
    ["COUNT", "0", "MAXLEN", "8"],
    ["RANK", "-1", "MAXLEN", "2"],
    ["MAXLEN", "2"],
    ["MAXLEN", "0"],
    ["MAXLEN", "-1"],
    ["MAXLEN", "x"],
    ["rank", "1", "count", "1", "maxlen", "1"],
    ["COUNT", "1", "COUNT", "0"],
    ["RANK"],
    ["FOO", "1"],
    ["COUNT", "-1", "RANK", "0"],
    ["RANK", "0", "COUNT", "-1"],
  ].map((options): Command => ["LPOS", "l", "c", ...options]),
  ["LPOS", "l", "nope"],
  ["LPOS", "l", "nope", "COUNT", "0"],
  ["LPOS", "none", "c"],
  ["LPOS", "none", "c", "COUNT", "1"],
  ["LPOS", "none", "c", "RANK", "0"],
  ["LPOS", "none", "c", "FOO"],
  ["SET", "s", "v"],
  ["LPOS", "s", "c"],
  ["LPOS", "s", "c", "RANK", "0"],
];

const MOVES: Command[] = [
  ["RPUSH", "src", "a", "b", "c", "d"],
  ["LMOVE", "src", "dst", "LEFT", "RIGHT"],
  ["LMOVE", "src", "dst", "right", "left"],
  ["LMOVE", "src", "dst", "LEFT", "LEFT"],
  ["LRANGE", "dst", "0", "-1"],
  ["LMOVE", "src", "src", "LEFT", "RIGHT"],
  ["LMOVE", "src", "dst", "UP", "LEFT"],
  ["LMOVE", "src", "dst", "LEFT", "DOWN"],
  ["LMOVE", "none", "dst", "LEFT", "DOWN"],
  ["LMOVE", "none", "dst", "LEFT", "RIGHT"],
  ["RPOPLPUSH", "src", "dst"],
  ["RPOPLPUSH", "src", "dst"],
  ["EXISTS", "src"],
  ["RPOPLPUSH", "none", "dst"],
  ["LRANGE", "dst", "0", "-1"],
  ["RPUSH", "self", "x"],
  ["RPOPLPUSH", "self", "self"],
  ["LMOVE", "self", "self", "LEFT", "LEFT"],
  ["LRANGE", "self", "0", "-1"],
  ["SET", "s", "v"],
  ["LMOVE", "s", "dst", "LEFT", "LEFT"],
  ["LMOVE", "dst", "s", "LEFT", "LEFT"],
  ["RPOPLPUSH", "dst", "s"],
  ["RPOPLPUSH", "s", "dst"],
  ["LRANGE", "dst", "0", "-1"],
  ["RPUSH", "a", "1", "2", "3", "4", "5"],
  ["LMPOP", "1", "a", "LEFT"],
  ["LMPOP", "1", "a", "RIGHT", "COUNT", "2"],
  ["LMPOP", "2", "none", "a", "left", "count", "10"],
  ["LMPOP", "2", "none", "a", "left"],
  ["LMPOP", "1", "none", "left"],
  ["RPUSH", "a", "x"],
  ["LMPOP", "0", "a", "left"],
  ["LMPOP", "-1", "a", "left"],
  ["LMPOP", "x", "a", "left"],
  ["LMPOP", "2", "a", "left"],
  ["LMPOP", "3", "a", "b", "left"],
  ["LMPOP", "1", "a", "middle"],
  ["LMPOP", "1", "a", "left", "count"],
  ["LMPOP", "1", "a", "left", "count", "0"],
  ["LMPOP", "1", "a", "left", "count", "-1"],
  ["LMPOP", "1", "a", "left", "count", "x"],
  ["LMPOP", "1", "a", "left", "count", "1", "count", "1"],
  ["LMPOP", "1", "a", "left", "foo"],
  ["LMPOP", "9223372036854775807", "a", "left"],
  ["LMPOP", "2", "s", "a", "left"],
  ["LMPOP", "2", "a", "s", "left"],
  ["LMPOP", "1", "a"],
  ["COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"],
  ["COMMAND", "GETKEYS", "BLMPOP", "0", "3", "a", "b", "c", "RIGHT", "COUNT", "2"],
  ["COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "RIGHT"],
  ["COMMAND", "GETKEYS", "BLPOP", "a", "b", "0"],
  COUNTERS,
];

/** Blocking commands that find data at once, and their argument errors (nothing blocks). */
const BLOCKING_AT_ONCE: Command[] = [
  ["RPUSH", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"],
  ["BLPOP", "none", "a", "0"],
  ["BRPOP", "a", "none", "0"],
  ["BLPOP", "a", "1.5"],
  ["BLPOP", "a", "x"],
  ["BLPOP", "a", "-1"],
  ["BLPOP", "a", "-0.0011"],
  ["BLPOP", "a", "1e20"],
  ["BLPOP", "a", "inf"],
  ["BLPOP", "a", "-inf"],
  ["BLPOP", "a", "nan"],
  ["BLPOP", "a", "9223372036854776"],
  ["BLPOP", "a", " 1"],
  ["BLPOP", "a", "1 "],
  ["BLPOP", "a", ""],
  ["BLPOP", "a", "0x10"],
  ["BLPOP", "a", "1e5000"],
  ["BLPOP", "a", "1e4000"],
  ["BLPOP", "a", "9223372036854775.808"],
  ["BRPOP", "a", "9223372036854775.807"],
  ["BLMPOP", "0", "2", "none", "a", "RIGHT", "COUNT", "2"],
  ["BLMPOP", "0", "1", "a", "LEFT"],
  ["BLMPOP", "x", "1", "a", "LEFT"],
  ["BLMPOP", "x", "0", "a", "LEFT"],
  ["BLMPOP", "-1", "1", "a", "LEFT"],
  ["BLMPOP", "0", "0", "a", "LEFT"],
  ["BLMPOP", "0", "1", "a", "UP"],
  ["BLMPOP", "0", "1", "a", "LEFT", "COUNT", "0"],
  ["BLMPOP", "0", "2", "a", "LEFT"],
  ["BLMPOP", "0", "1", "a"],
  ["BLMOVE", "a", "d", "LEFT", "RIGHT", "0"],
  ["BLMOVE", "a", "d", "UP", "RIGHT", "x"],
  ["BLMOVE", "a", "d", "LEFT", "DOWN", "x"],
  ["BLMOVE", "a", "d", "LEFT", "LEFT", "x"],
  ["BLMOVE", "a", "d", "LEFT", "LEFT", "-1"],
  ["BRPOPLPUSH", "a", "d", "0"],
  ["BRPOPLPUSH", "a", "d", "x"],
  ["BRPOPLPUSH", "a", "d", "-2"],
  ["LRANGE", "d", "0", "-1"],
  ["LRANGE", "a", "0", "-1"],
  ["SET", "s", "v"],
  ["BLPOP", "s", "a", "0"],
  ["BLPOP", "none", "s", "0"],
  ["BRPOP", "a", "s", "0"],
  ["BLMPOP", "0", "2", "s", "a", "LEFT"],
  ["BLMOVE", "s", "d", "LEFT", "LEFT", "0"],
  ["BLMOVE", "a", "s", "LEFT", "LEFT", "0"],
  ["BRPOPLPUSH", "a", "s", "0"],
  ["BLPOP", "a"],
  ["BLMOVE", "a", "d", "LEFT", "LEFT"],
  ["CLIENT", "UNBLOCK", "999999"],
  ["CLIENT", "UNBLOCK", "999999", "TIMEOUT"],
  ["CLIENT", "UNBLOCK", "999999", "error"],
  ["CLIENT", "UNBLOCK", "999999", "foo"],
  ["CLIENT", "UNBLOCK", "x", "foo"],
  ["CLIENT", "UNBLOCK", "x"],
  ["CLIENT", "UNBLOCK", "1", "2", "3"],
  ["CLIENT", "UNBLOCK"],
  COUNTERS,
];

/** Every byte value, in elements and keys. */
function binary(): Command[] {
  const all = new Uint8Array(256).map((_, i) => i);
  const crlf = new TextEncoder().encode("a\r\nb\0c");
  return [
    ["RPUSH", all, all, crlf, new Uint8Array(0)],
    ["LPUSH", all, crlf],
    ["LRANGE", all, "0", "-1"],
    ["LPOS", all, crlf, "COUNT", "0"],
    ["LREM", all, "1", all],
    ["LINSERT", all, "BEFORE", crlf, all],
    ["LINDEX", all, "1"],
    ["LSET", all, "-1", crlf],
    ["LMOVE", all, crlf, "LEFT", "RIGHT"],
    ["LRANGE", crlf, "0", "-1"],
    ["RPOP", all, "10"],
    ["LPOS", "x", "\xff"],
  ];
}

function big(): Command[] {
  const elements = Array.from({ length: 10_000 }, (_, i) => `element-${i}-${"x".repeat(i % 50)}`);
  return [
    ["RPUSH", "big", ...elements],
    ["LLEN", "big"],
    ["OBJECT", "ENCODING", "big"],
    ["LRANGE", "big", "0", "-1"],
    ["LRANGE", "big", "5000", "5100"],
    ["LRANGE", "big", "-3", "-1"],
    ["LINDEX", "big", "7777"],
    ["LINDEX", "big", "-7777"],
    ["LSET", "big", "4321", "changed"],
    ["LINSERT", "big", "AFTER", "element-5000-", "inserted"],
    ["LINSERT", "big", "BEFORE", "element-9000-" + "x".repeat(0), "inserted2"],
    ["LPOS", "big", "element-9999-" + "x".repeat(9999 % 50)],
    ["LPOS", "big", "inserted", "RANK", "-1", "COUNT", "0"],
    ["LREM", "big", "-1", "element-1-x"],
    ["LPUSH", "big", ...elements.slice(0, 3000)],
    ["LPOP", "big", "1000"],
    ["RPOP", "big", "1000"],
    ["LTRIM", "big", "100", "-100"],
    ["LLEN", "big"],
    ["LRANGE", "big", "0", "-1"],
    ["LMPOP", "1", "big", "RIGHT", "COUNT", "5000"],
    ["LRANGE", "big", "0", "-1"],
  ];
}

/** A seeded random sequence of list commands over a few keys. */
function randomCommands(seed: number, length: number): Command[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (low: number, high: number) => String(low + Math.floor(random() * (high - low + 1)));
  const keys = ["k1", "k2", "k3", "str"];
  const values = ["a", "b", "c", "d", "", "1", "\xff\x00"];
  const element = () => pick(values);
  const end = () => pick(["LEFT", "RIGHT", "left"]);
  const commands: Command[] = [["SET", "str", "v"]];
  const makers: Array<() => Command> = [
    () => [
      pick(["LPUSH", "RPUSH"]),
      pick(keys),
      ...Array.from({ length: 1 + Number(int(0, 4)) }, element),
    ],
    () => [pick(["LPUSHX", "RPUSHX"]), pick(keys), element()],
    () => [pick(["LPOP", "RPOP"]), pick(keys)],
    () => [pick(["LPOP", "RPOP"]), pick(keys), int(-1, 4)],
    () => ["LLEN", pick(keys)],
    () => ["LRANGE", pick(keys), int(-8, 8), int(-8, 8)],
    () => ["LINDEX", pick(keys), int(-8, 8)],
    () => ["LSET", pick(keys), int(-6, 6), element()],
    () => ["LINSERT", pick(keys), pick(["BEFORE", "AFTER"]), element(), element()],
    () => ["LREM", pick(keys), int(-3, 3), element()],
    () => ["LTRIM", pick(keys), int(-6, 6), int(-6, 6)],
    () => ["LPOS", pick(keys), element(), "RANK", pick(["1", "2", "-1", "-2"]), "COUNT", int(0, 3)],
    () => ["LPOS", pick(keys), element(), "MAXLEN", int(0, 5)],
    () => ["LMOVE", pick(keys), pick(keys), end(), end()],
    () => ["RPOPLPUSH", pick(keys), pick(keys)],
    () => ["LMPOP", "2", pick(keys), pick(keys), end(), "COUNT", int(1, 3)],
    () => ["BLPOP", pick(keys), pick(keys), "0"],
    () => ["BLMOVE", pick(keys), pick(keys), end(), end(), "0"],
    () => ["EXISTS", pick(keys)],
  ];
  for (let i = 0; i < length; i++) {
    const command = pick(makers)();
    // A blocking command must find data, or the sequence would stall: make sure it does.
    if (command[0] === "BLPOP" || command[0] === "BLMOVE") {
      commands.push(["RPUSH", command[1], "z"]);
    }
    commands.push(command);
    if (i % 25 === 24) {
      for (const key of keys) commands.push(["LRANGE", key, "0", "-1"]);
    }
  }
  for (const key of keys) commands.push(["LRANGE", key, "0", "-1"]);
  commands.push(COUNTERS);
  return commands;
}

Deno.test("lists: replies match redis-server", async (t) => {
  const pair = await ServerPair.start();
  try {
    const groups: Array<[string, Command[]]> = [
      ["push", BASICS],
      ["pop", POPS],
      ["lrange and lindex", READS],
      ["lset, linsert, lrem, ltrim", WRITES],
      ["lpos", LPOS],
      ["lmove, rpoplpush, lmpop", MOVES],
      ["blocking commands that need not block", BLOCKING_AT_ONCE],
      ["binary elements", binary()],
      ["10 000 elements", big()],
    ];
    for (const [name, commands] of groups) {
      await t.step(name, async () => {
        await compare(pair, commands, 2);
        await compare(pair, commands, 3);
      });
    }
    await t.step("seeded random sequences", async () => {
      const seed = seedFrom("LISTS_SEED");
      for (let run = 0; run < 6; run++) {
        await compare(pair, randomCommands(seed + run, 300), run % 2 ? 3 : 2);
      }
    });
  } finally {
    await pair.close();
  }
});
