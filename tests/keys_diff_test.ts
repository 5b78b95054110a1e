/**
 * Generic keyspace commands against redis-server, byte for byte in RESP2 and RESP3. Replies
 * that depend on hash order (KEYS, SCAN) are compared as sorted sets of keys; TTLs within a
 * small tolerance.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Client } from "../src/commands/client.ts";
import { parseReply, type RespClient } from "./support/resp_client.ts";
import { type Command, describe, ServerPair } from "./support/servers.ts";

type Normalize = (raw: string, command: Command) => string;

/** Commands whose integer reply moves with the clock, and by how much two servers may differ. */
const TOLERANCE: Record<string, bigint> = {
  ttl: 1n,
  expiretime: 1n,
  pttl: 100n,
  pexpiretime: 100n,
};

function name(command: Command): string {
  return String(command[0]).toLowerCase();
}

/** A KEYS-style reply (array of bulks) with its keys sorted. */
function sortedKeys(raw: string): string {
  if (!raw.startsWith("*")) return raw;
  const keys = (parseReply(raw) as string[]).slice().sort();
  return `*${keys.length}\r\n` + keys.map((key) => `$${key.length}\r\n${key}\r\n`).join("");
}

/** One connection to each server, with both in the same state and protocol. */
class Session {
  private constructor(
    readonly ours: RespClient,
    readonly theirs: RespClient,
    readonly pair: ServerPair,
    readonly client: Client,
  ) {}

  static async open(pair: ServerPair, resp: 2 | 3): Promise<Session> {
    const [ours, theirs] = await pair.connect();
    await Promise.all([ours.raw("PING"), theirs.raw("PING")]);
    const client = [...pair.redeno.clients.values()].at(-1)!;
    const session = new Session(ours, theirs, pair, client);
    await session.both(["FLUSHALL"]);
    if (resp === 3) await session.both(["HELLO", "3"]);
    return session;
  }

  /**
   * Some commands used here belong to other families and may not exist in Redeno yet: do what
   * they would do directly, and reply as Redis does, so these tests only test key commands.
   */
  #emulate(command: Command): string | null {
    const server = this.pair.redeno;
    const word = name(command);
    if (server.commands.lookup(word) !== undefined) return null;
    const args = command.slice(1).map(String);
    switch (word) {
      case "flushall":
        server.keyspace.flushAll();
        return "+OK\r\n";
      case "select":
        this.client.db = server.keyspace.db(Number(args[0]));
        return "+OK\r\n";
      case "dbsize":
        return `:${this.client.db.size}\r\n`;
      case "hello":
        this.client.resp = 3;
        return ""; // the reply (a map of server facts) is not compared
      case "config":
        server.config.set(args[1], args[2]);
        return "+OK\r\n";
    }
    return null;
  }

  /** Sends a command to both; returns [ours, theirs] raw replies. */
  async both(command: Command): Promise<[string, string]> {
    const emulated = this.#emulate(command);
    const [a, b] = await Promise.all([
      emulated ?? this.ours.raw(...command),
      this.theirs.raw(...command),
    ]);
    return [a, b];
  }

  async compare(command: Command, normalize?: Normalize, resp = 2): Promise<string> {
    let [a, b] = await this.both(command);
    if (normalize) {
      a = normalize(a, command);
      b = normalize(b, command);
    }
    const what = `reply to ${describe(command)} (resp ${resp})`;
    const tolerance = TOLERANCE[name(command)];
    if (tolerance !== undefined && a.startsWith(":") && b.startsWith(":")) {
      const diff = BigInt(a.slice(1, -2)) - BigInt(b.slice(1, -2));
      if (diff <= tolerance && diff >= -tolerance) return a;
    }
    assertEquals(a, b, what);
    return a;
  }

  /** Every key a complete SCAN with these options returns, sorted, from each server. */
  async scanAll(options: string[]): Promise<[string[], string[]]> {
    const results: [string[], string[]] = [[], []];
    for (const [i, connection] of [this.ours, this.theirs].entries()) {
      const found = new Set<string>();
      let cursor = "0";
      let calls = 0;
      do {
        const reply = parseReply(await connection.raw("SCAN", cursor, ...options));
        const [next, keys] = reply as [string, string[]];
        for (const key of keys) found.add(key);
        cursor = next;
        if (++calls > 100_000) throw new Error("SCAN did not finish");
      } while (cursor !== "0");
      results[i] = [...found].sort();
    }
    return results;
  }

  close(): void {
    this.ours.close();
    this.theirs.close();
  }
}

/** Runs the commands on both servers, from empty, in RESP2 and then RESP3. */
async function compareBoth(
  pair: ServerPair,
  commands: Command[],
  normalize?: Normalize,
): Promise<void> {
  for (const resp of [2, 3] as const) {
    const session = await Session.open(pair, resp);
    try {
      for (const command of commands) await session.compare(command, normalize, resp);
    } finally {
      session.close();
    }
  }
}

const KEY_COMMANDS = [
  "del",
  "unlink",
  "exists",
  "type",
  "keys",
  "scan",
  "randomkey",
  "rename",
  "renamenx",
  "copy",
  "move",
  "expire",
  "pexpire",
  "expireat",
  "pexpireat",
  "ttl",
  "pttl",
  "expiretime",
  "pexpiretime",
  "persist",
  "touch",
  "object",
];

/** Pairs of a RESP2 flat map or a RESP3 map, sorted by key. */
function sortedPairs(value: unknown): Array<[unknown, unknown]> {
  const pairs: Array<[unknown, unknown]> = [];
  if (value instanceof Map) {
    for (const [k, v] of value) pairs.push([k, v]);
  } else {
    const flat = value as unknown[];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  }
  return pairs.sort((a, b) => String(a[0]) < String(b[0]) ? -1 : 1);
}

/**
 * COMMAND DOCS as comparable JSON: subcommands sorted (Redis lists them in its hash order,
 * which changes from run to run) and without the prose (summary, complexity, history notes),
 * which is our own.
 */
function canonicalDocs(raw: string): string {
  const doc = (value: unknown): unknown =>
    sortedPairs(value).map(([field, v]) => {
      if (field === "summary" || field === "complexity") return [field, "<prose>"];
      if (field === "history") return [field, (v as string[][]).map(([version]) => version)];
      if (field === "subcommands") return [field, sortedPairs(v).map(([n, d]) => [n, doc(d)])];
      return [field, v];
    });
  return JSON.stringify(sortedPairs(parseReply(raw)).map(([n, d]) => [n, doc(d)]));
}

/** COMMAND INFO as comparable JSON, subcommands sorted by name. */
function canonicalInfo(raw: string): string {
  const entries = parseReply(raw) as unknown[][];
  return JSON.stringify(
    entries.map((entry) => {
      const copy = [...entry];
      copy[9] = [...(entry[9] as unknown[][])].sort((a, b) => String(a[0]) < String(b[0]) ? -1 : 1);
      return copy;
    }),
    (_, v) => typeof v === "bigint" ? String(v) : v instanceof Map ? sortedPairs(v) : v,
  );
}

const BINARY_A = "bin\x00a\xff";
const BINARY_B = "\x80\r\n\x00";

const ARITY_ERRORS: Command[] = [
  ["DEL"],
  ["UNLINK"],
  ["EXISTS"],
  ["TYPE"],
  ["TYPE", "a", "b"],
  ["KEYS"],
  ["KEYS", "a", "b"],
  ["SCAN"],
  ["RANDOMKEY", "x"],
  ["RENAME", "a"],
  ["RENAME", "a", "b", "c"],
  ["RENAMENX", "a"],
  ["COPY", "a"],
  ["MOVE", "a"],
  ["MOVE", "a", "1", "2"],
  ["EXPIRE", "a"],
  ["PEXPIRE", "a"],
  ["EXPIREAT", "a"],
  ["PEXPIREAT", "a"],
  ["TTL"],
  ["PTTL", "a", "b"],
  ["EXPIRETIME"],
  ["PEXPIRETIME", "a", "b"],
  ["PERSIST"],
  ["TOUCH"],
  ["OBJECT"],
  ["OBJECT", "ENCODING"],
  ["OBJECT", "encoding", "a", "b"],
  ["OBJECT", "FREQ"],
  ["OBJECT", "IDLETIME", "a", "b"],
  ["OBJECT", "REFCOUNT"],
  ["OBJECT", "HELP", "x"],
  ["OBJECT", "NOPE", "a"],
  ["OBJECT", "nope"],
];

Deno.test("keys: generic commands match redis-server", async (t) => {
  const pair = await ServerPair.start();
  try {
    await t.step("COMMAND INFO and COMMAND DOCS", async () => {
      const info = KEY_COMMANDS.map((command): Command => ["COMMAND", "INFO", command]);
      await compareBoth(pair, [...info, ["COMMAND", "INFO", ...KEY_COMMANDS]], canonicalInfo);
      const docs = KEY_COMMANDS.map((command): Command => ["COMMAND", "DOCS", command]);
      await compareBoth(pair, [...docs, ["COMMAND", "DOCS", "object|encoding"]], canonicalDocs);
    });

    await t.step("wrong arity and unknown subcommands", async () => {
      await compareBoth(pair, ARITY_ERRORS);
    });

    await t.step("DEL, UNLINK, EXISTS, TOUCH, TYPE", async () => {
      await compareBoth(pair, [
        ["SET", "a", "1"],
        ["SET", "b", "2"],
        ["SET", BINARY_A, "x"],
        ["EXISTS", "a"],
        ["EXISTS", "a", "a", "nokey", "b", "a"],
        ["EXISTS", BINARY_A, BINARY_B],
        ["TOUCH", "a", "a", "nokey"],
        ["TOUCH", BINARY_A],
        ["TYPE", "a"],
        ["TYPE", "nokey"],
        ["TYPE", BINARY_A],
        ["DEL", "a", "a", "nokey"],
        ["DEL", "a"],
        ["EXISTS", "a"],
        ["UNLINK", "b", BINARY_A, "nokey"],
        ["EXISTS", "b", BINARY_A],
        ["DBSIZE"],
      ]);
    });

    await t.step("KEYS with glob patterns (compared as sets)", async () => {
      const keys = [
        "hello",
        "hallo",
        "hxllo",
        "hllo",
        "heeeello",
        "h*llo",
        "h?llo",
        "h[a]llo",
        "h\\llo",
        "a-b",
        "]",
        "^",
        "",
        BINARY_A,
        BINARY_B,
        "\xe9t\xe9",
        "user:1",
        "user:42",
        "user:x",
      ];
      const patterns = [
        "*",
        "h?llo",
        "h*llo",
        "h[ae]llo",
        "h[^e]llo",
        "h[a-b]llo",
        "h[b-a]llo",
        "h\\*llo",
        "h\\?llo",
        "h\\[a\\]llo",
        "h\\\\llo",
        "*\\",
        "[a-]*",
        "[]]",
        "[^]",
        "[",
        "h[",
        "user:[0-9]*",
        "user:[0-9]",
        "**llo",
        "*l*o",
        "*\x00*",
        "*\xff",
        "[\x80-\xff]*",
        "[a-\xff]*",
        "\\",
        "",
        "?",
        "nomatch*",
      ];
      await compareBoth(pair, [
        ...keys.map((key): Command => ["SET", key, "v"]),
        ...patterns.map((pattern): Command => ["KEYS", pattern]),
      ], (raw, command) => name(command) === "keys" ? sortedKeys(raw) : raw);
    });

    await t.step("KEYS skips expired keys", async () => {
      const session = await Session.open(pair, 2);
      try {
        await session.compare(["SET", "gone", "v"]);
        await session.compare(["PEXPIRE", "gone", "1"]);
        await session.compare(["SET", "here", "v"]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await session.compare(["KEYS", "*"]);
      } finally {
        session.close();
      }
    });

    await t.step("SCAN options and errors", async () => {
      await compareBoth(pair, [
        ["SET", "a", "1"],
        ["SCAN", "abc"],
        ["SCAN", "1a"],
        ["SCAN", " 0"],
        ["SCAN", "-"],
        ["SCAN", "+"],
        ["SCAN", "18446744073709551616"],
        ["SCAN", "-18446744073709551616"],
        ["SCAN", "99999999999999999999999"],
        ["SCAN", "0", "COUNT", "0"],
        ["SCAN", "0", "COUNT", "-1"],
        ["SCAN", "0", "COUNT", "abc"],
        ["SCAN", "0", "COUNT", "9223372036854775808"],
        ["SCAN", "0", "COUNT"],
        ["SCAN", "0", "MATCH"],
        ["SCAN", "0", "TYPE"],
        ["SCAN", "0", "FOO"],
        ["SCAN", "0", "FOO", "bar"],
        ["SCAN", "abc", "COUNT", "0"],
        ["SCAN", "0", "COUNT", "0", "FOO", "bar"],
        ["SCAN", "0", "COUNT", "abc", "FOO", "bar"],
        ["SCAN", "0", "FOO", "bar", "COUNT", "abc"],
        ["SCAN", "0", "MATCH", "a", "COUNT", "10", "TYPE"],
        // One key: any cursor Redis and we accept reaches it in one call.
        ["SCAN", "0"],
        ["SCAN", "", "COUNT", "100"],
        ["SCAN", "00", "match", "a", "count", "5", "type", "STRING"],
        ["SCAN", "0", "TYPE", "list"],
        ["SCAN", "0", "TYPE", "nosuchtype"],
        ["SCAN", "0", "MATCH", "b*"],
        ["SCAN", "0", "MATCH", "*", "MATCH", "a"],
        ["SCAN", "0", "COUNT", "9223372036854775807"],
      ]);
    });

    await t.step("SCAN full iterations return the same keys", async () => {
      for (const resp of [2, 3] as const) {
        const session = await Session.open(pair, resp);
        try {
          for (let i = 0; i < 500; i++) {
            await session.both(["SET", `key:${i}`, "v"]);
          }
          await session.both(["SET", BINARY_A, "v"]);
          await session.both(["SET", BINARY_B, "v"]);
          for (
            const options of [
              [],
              ["COUNT", "1"],
              ["COUNT", "7"],
              ["COUNT", "1000"],
              ["MATCH", "key:1*"],
              ["MATCH", "key:[2-3]?", "COUNT", "3"],
              ["MATCH", "*\x00*"],
              ["TYPE", "string", "COUNT", "50"],
              ["TYPE", "STRING", "MATCH", "key:4??"],
              ["TYPE", "hash"],
            ]
          ) {
            const [ours, theirs] = await session.scanAll(options);
            assertEquals(ours, theirs, `SCAN ${options.join(" ")} (resp ${resp})`);
          }
        } finally {
          session.close();
        }
      }
    });

    await t.step("RANDOMKEY", async () => {
      await compareBoth(pair, [
        ["RANDOMKEY"],
        ["SET", BINARY_A, "v"],
        ["RANDOMKEY"],
        ["DEL", BINARY_A],
        ["RANDOMKEY"],
      ]);
    });

    await t.step("RENAME and RENAMENX", async () => {
      await compareBoth(pair, [
        ["RENAME", "nokey", "x"],
        ["RENAME", "nokey", "nokey"],
        ["RENAMENX", "nokey", "x"],
        ["RENAMENX", "nokey", "nokey"],
        ["SET", "a", "1"],
        ["SET", "b", "2"],
        ["RENAME", "a", "a"],
        ["RENAMENX", "a", "a"],
        ["RENAMENX", "a", "b"],
        ["GET", "a"],
        ["RENAMENX", "a", "c"],
        ["EXISTS", "a"],
        ["GET", "c"],
        ["EXPIRE", "c", "100"],
        ["RENAME", "c", "b"],
        ["GET", "b"],
        ["TTL", "b"],
        ["EXISTS", "c"],
        ["SET", "d", "4"],
        ["RENAME", "d", "b"],
        ["TTL", "b"],
        ["GET", "b"],
        ["RENAME", "b", BINARY_A],
        ["GET", BINARY_A],
        ["RENAME", BINARY_A, BINARY_B],
        ["KEYS", "*"],
      ]);
    });

    await t.step("COPY", async () => {
      await compareBoth(pair, [
        ["COPY", "c", "c"],
        ["COPY", "nokey", "nokey"],
        ["COPY", "nokey", "d"],
        ["SET", "c", "1"],
        ["COPY", "c", "c"],
        ["COPY", "c", "c", "DB", "0"],
        ["COPY", "c", "d", "DB", "16"],
        ["COPY", "c", "d", "DB", "-1"],
        ["COPY", "c", "d", "DB", "abc"],
        ["COPY", "c", "d", "DB", "01"],
        ["COPY", "c", "d", "DB", "4294967296"],
        ["COPY", "c", "d", "DB", "-2147483649"],
        ["COPY", "c", "d", "DB", "2147483647"],
        ["COPY", "c", "d", "FOO"],
        ["COPY", "c", "d", "DB"],
        ["COPY", "c", "d", "DB", "99", "FOO"],
        ["COPY", "c", "d", "FOO", "DB", "99"],
        ["COPY", "nokey", "d", "DB", "99"],
        ["COPY", "c", "d", "REPLACE", "REPLACE"],
        ["COPY", "c", "d"],
        ["SET", "c", "changed"],
        ["COPY", "c", "d"],
        ["GET", "d"],
        ["COPY", "c", "d", "replace"],
        ["GET", "d"],
        ["PEXPIRE", "c", "100000"],
        ["COPY", "c", "e"],
        ["PTTL", "e"],
        ["COPY", "c", "c", "DB", "1"],
        ["COPY", "c", "c", "DB", "1"],
        ["COPY", "c", "c", "db", "1", "REPLACE"],
        ["COPY", "c", BINARY_A, "DB", "2"],
        ["SELECT", "1"],
        ["GET", "c"],
        ["PTTL", "c"],
        ["SELECT", "2"],
        ["GET", BINARY_A],
        ["COPY", BINARY_A, "back", "DB", "0"],
        ["SELECT", "0"],
        ["GET", "back"],
      ]);
    });

    await t.step("MOVE", async () => {
      await compareBoth(pair, [
        ["MOVE", "c", "0"],
        ["MOVE", "nokey", "0"],
        ["MOVE", "nokey", "16"],
        ["MOVE", "c", "abc"],
        ["MOVE", "c", "-1"],
        ["MOVE", "c", "4294967296"],
        ["MOVE", "c", "2147483648"],
        ["MOVE", "c", "01"],
        ["MOVE", "nokey", "1"],
        ["SET", "c", "1"],
        ["EXPIRE", "c", "1000"],
        ["MOVE", "c", "1"],
        ["EXISTS", "c"],
        ["SET", "c", "2"],
        ["MOVE", "c", "1"],
        ["GET", "c"],
        ["SET", BINARY_B, "b"],
        ["MOVE", BINARY_B, "3"],
        ["SELECT", "1"],
        ["GET", "c"],
        ["TTL", "c"],
        ["MOVE", "c", "0"],
        ["SELECT", "3"],
        ["GET", BINARY_B],
        ["SELECT", "0"],
      ]);
    });

    await t.step("EXPIRE family: options and errors", async () => {
      const cases: Command[] = [["SET", "k", "v"]];
      for (const command of ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]) {
        cases.push(
          [command, "k", "100", "NX", "XX"],
          [command, "k", "100", "GT", "LT"],
          [command, "k", "100", "NX", "GT"],
          [command, "k", "100", "lt", "nx"],
          [command, "k", "100", "XX", "GT"],
          [command, "k", "100", "FOO"],
          [command, "k", "abc"],
          [command, "k", "abc", "FOO"],
          [command, "k", "abc", "NX", "XX"],
          [command, "k", "1.5"],
          [command, "k", ""],
          [command, "nokey", "100", "NX", "XX"],
          [command, "nokey", "abc"],
          [command, "k", "9223372036854775808"],
          [command, "k", "9223372036854775807"],
          [command, "k", "-9223372036854775808"],
          [command, "k", "9223372036854775"],
          [command, "k", "-9223372036854775"],
          [command, "k", "9223372036854776"],
          [command, "k", "-9223372036854776"],
          [command, "nokey", "100"],
          ["EXISTS", "k"],
          ["SET", "k", "v"],
        );
      }
      await compareBoth(pair, cases);
    });

    await t.step("EXPIRE family: conditions, TTL replies and deletion", async () => {
      const far = String(Math.floor(Date.now() / 1000) + 100_000);
      const farMs = String(Date.now() + 100_000_000);
      await compareBoth(pair, [
        ["TTL", "nokey"],
        ["PTTL", "nokey"],
        ["EXPIRETIME", "nokey"],
        ["PEXPIRETIME", "nokey"],
        ["SET", "k", "v"],
        ["TTL", "k"],
        ["PTTL", "k"],
        ["EXPIRETIME", "k"],
        ["PEXPIRETIME", "k"],
        ["EXPIRE", "k", "100", "XX"],
        ["EXPIRE", "k", "100", "GT"],
        ["EXPIRE", "k", "100", "LT"],
        ["TTL", "k"],
        ["PTTL", "k"],
        ["EXPIRE", "k", "50", "GT"],
        // 101, not 100: "now + 100 s" vs a TTL set a millisecond ago would race the clock.
        ["EXPIRE", "k", "101", "GT"],
        ["EXPIRE", "k", "200", "gt"],
        ["EXPIRE", "k", "300", "NX"],
        ["EXPIRE", "k", "300", "xx"],
        ["EXPIRE", "k", "1000", "LT"],
        ["EXPIRE", "k", "300", "LT"],
        ["EXPIRE", "k", "100", "LT", "XX"],
        ["EXPIRE", "k", "100", "NX", "NX"],
        ["TTL", "k"],
        ["EXPIRETIME", "k"],
        ["PEXPIRETIME", "k"],
        ["PERSIST", "k"],
        ["PERSIST", "k"],
        ["PERSIST", "nokey"],
        ["TTL", "k"],
        ["EXPIRE", "k", "100", "NX"],
        ["PERSIST", "k"],
        ["PEXPIRE", "k", "1500"],
        ["TTL", "k"],
        ["PEXPIRE", "k", "1499"],
        ["TTL", "k"],
        ["EXPIREAT", "k", far],
        ["EXPIRETIME", "k"],
        ["PEXPIREAT", "k", farMs],
        ["PEXPIRETIME", "k"],
        ["EXPIRETIME", "k"],
        ["PEXPIREAT", "k", "9223372036854775807"],
        ["PEXPIRETIME", "k"],
        ["PEXPIREAT", "k", "9223372036854775806"],
        ["PEXPIRETIME", "k"],
        ["EXPIRETIME", "k"],
        ["EXPIRE", "k", "100", "LT"],
        ["EXPIRE", "k", "92233720368547"],
        ["TTL", "k"],
        ["EXPIRE", "k", "-1", "GT"],
        ["EXISTS", "k"],
        ["EXPIRE", "k", "-1", "LT"],
        ["EXISTS", "k"],
        ["SET", "k", "v"],
        ["EXPIRE", "k", "0"],
        ["EXISTS", "k"],
        ["SET", "k", "v"],
        ["PEXPIRE", "k", "-9223372036854775808"],
        ["EXISTS", "k"],
        ["SET", "k", "v"],
        ["EXPIREAT", "k", "1"],
        ["EXISTS", "k"],
        ["SET", "k", "v"],
        ["PEXPIREAT", "k", "0", "NX"],
        ["EXISTS", "k"],
        ["SET", BINARY_A, "v"],
        ["EXPIRE", BINARY_A, "10"],
        ["TTL", BINARY_A],
        ["SET", "k", "v"],
        ["EXPIRE", "k", "100"],
        ["SET", "k", "v2"],
        ["TTL", "k"],
      ]);
    });

    await t.step("OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ, HELP", async () => {
      const long44 = "x".repeat(44);
      const long45 = "x".repeat(45);
      await compareBoth(pair, [
        ["OBJECT", "HELP"],
        ["object", "help"],
        ["OBJECT", "ENCODING", "nokey"],
        ["OBJECT", "REFCOUNT", "nokey"],
        ["OBJECT", "IDLETIME", "nokey"],
        ["OBJECT", "FREQ", "nokey"],
        ...[
          "1",
          "0",
          "-1",
          "9999",
          "10000",
          "01",
          "-0",
          " 1",
          "+1",
          "1.5",
          "",
          "9223372036854775807",
          "-9223372036854775808",
          "9223372036854775808",
          "12345678901234567890",
          long44,
          long45,
          BINARY_A,
        ].flatMap((value): Command[] => [
          ["SET", "s", value],
          ["OBJECT", "ENCODING", "s"],
          ["OBJECT", "REFCOUNT", "s"],
        ]),
        ["SET", "n", "5"],
        ["COPY", "n", "m"],
        ["OBJECT", "REFCOUNT", "m"],
        ["OBJECT", "ENCODING", "m"],
        ["SET", BINARY_B, long45],
        ["OBJECT", "encoding", BINARY_B],
        ["OBJECT", "IDLETIME", BINARY_B],
        ["OBJECT", "FREQ", BINARY_B],
        ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
        ["SET", "f", "v"],
        ["OBJECT", "FREQ", "f"],
        ["GET", "f"],
        ["OBJECT", "FREQ", "f"],
        ["OBJECT", "FREQ", "nokey"],
        ["OBJECT", "IDLETIME", "f"],
        ["OBJECT", "IDLETIME", "nokey"],
        ["CONFIG", "SET", "maxmemory", "100mb"],
        ["SET", "n2", "5"],
        ["OBJECT", "REFCOUNT", "n2"],
        ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
        ["SET", "n3", "5"],
        ["OBJECT", "REFCOUNT", "n3"],
        ["CONFIG", "SET", "maxmemory-policy", "volatile-ttl"],
        ["SET", "n4", "5"],
        ["OBJECT", "REFCOUNT", "n4"],
        ["CONFIG", "SET", "maxmemory", "0"],
        ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
        ["OBJECT", "FREQ", "f"],
      ]);
    });
  } finally {
    await pair.close();
  }
});
