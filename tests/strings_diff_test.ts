/**
 * Differential tests of the string commands: every command goes to redis-server 7.0.15 and to
 * Redeno, in RESP2 and RESP3, and the reply bytes must match. The totals of Redis's `dirty`
 * counter and of keyspace hits and misses are compared too.
 *
 * A few steps are not plain commands (they start with `@`): they read state that the two
 * servers hold on different clocks (TTLs), or set state up, directly in Redeno's keyspace so
 * that these tests do not depend on other command families.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type Command, describe, ServerPair } from "./support/servers.ts";
import type { RespClient, RespValue } from "./support/resp_client.ts";
import { stringEncoding } from "../src/commands/keys_object.ts";
import type { CollectionValue } from "../src/store/values.ts";
import { prng } from "./support/random.ts";

type Step = Command;

interface RunOptions {
  resp: 2 | 3;
  /** Skip the dirty and hit/miss totals (for steps whose counts legitimately differ). */
  skipCounters?: boolean;
}

/** A stand-in for a non-string value, so WRONGTYPE can be tested before sets exist. */
const FAKE_SET: CollectionValue = {
  type: "set",
  encoding: () => "hashtable",
  clone: () => FAKE_SET,
};

async function infoField(client: RespClient, field: string): Promise<number> {
  const raw = await client.call("INFO", "all") as string;
  const match = new RegExp(`^${field}:(\\d+)`, "m").exec(raw);
  if (!match) throw new Error(`INFO has no ${field}`);
  return Number(match[1]);
}

class StringsHarness {
  constructor(readonly pair: ServerPair) {}

  get db() {
    return this.pair.redeno.keyspace.db(0);
  }

  /** Runs steps on both servers in one protocol; returns Redeno's raw replies. */
  async run(steps: Step[], options: RunOptions): Promise<string[]> {
    const [ours, theirs] = await this.pair.connect();
    try {
      this.pair.redeno.keyspace.flushAll();
      await theirs.raw("FLUSHALL");
      if (options.resp === 3) {
        await theirs.raw("HELLO", "3");
        const hello = await ours.raw("HELLO", "3");
        if (hello.startsWith("-")) {
          // HELLO is another family's: switch the connection's protocol directly.
          const clients = [...this.pair.redeno.clients.values()];
          clients[clients.length - 1].resp = 3;
        }
      }
      const server = this.pair.redeno;
      const dirtyBefore = [
        server.stats.dirty,
        await infoField(theirs, "rdb_changes_since_last_save"),
      ];
      const hitsBefore = [
        server.keyspace.stats.keyspaceHits,
        await infoField(theirs, "keyspace_hits"),
      ];
      const missesBefore = [
        server.keyspace.stats.keyspaceMisses,
        await infoField(theirs, "keyspace_misses"),
      ];
      const replies: string[] = [];
      for (const step of steps) {
        const where = `${describe(step)} (resp ${options.resp})`;
        const name = String(step[0]);
        if (name === "@pttl" || name === "@encoding") {
          // Redis's PTTL and OBJECT count a keyspace hit or miss; mirror that here.
          if (this.db.peek(String(step[1])) === undefined) server.keyspace.stats.keyspaceMisses++;
          else server.keyspace.stats.keyspaceHits++;
        }
        if (name === "@wrongtype") {
          const key = String(step[1]);
          await theirs.raw("SADD", key, "member");
          this.db.set(key, FAKE_SET);
          server.stats.dirty++;
        } else if (name === "@pttl") {
          const a = this.pttl(String(step[1]));
          const b = Number((await theirs.raw("PTTL", step[1])).slice(1, -2));
          if (a < 0 || b < 0) assertEquals(a, b, `PTTL ${where}`);
          else assert(Math.abs(a - b) < 1500, `PTTL ${where}: ${a} vs ${b}`);
        } else if (name === "@encoding") {
          const theirsEncoding = await theirs.call("OBJECT", "ENCODING", step[1]);
          assertEquals(this.encoding(String(step[1])), theirsEncoding, `ENCODING ${where}`);
        } else if (name === "@maxbulk") {
          await theirs.raw("CONFIG", "SET", "proto-max-bulk-len", step[1]);
          assertEquals(server.config.set("proto-max-bulk-len", String(step[1])), null);
        } else {
          const [a, b] = await Promise.all([ours.raw(...step), theirs.raw(...step)]);
          assertEquals(a, b, `reply to ${where}`);
          replies.push(a);
        }
      }
      if (!options.skipCounters) {
        const dirty = server.stats.dirty - dirtyBefore[0];
        const redisDirty = await infoField(theirs, "rdb_changes_since_last_save") - dirtyBefore[1];
        assertEquals(dirty, redisDirty, `dirty count (resp ${options.resp})`);
        const hits = server.keyspace.stats.keyspaceHits - hitsBefore[0];
        assertEquals(
          hits,
          await infoField(theirs, "keyspace_hits") - hitsBefore[1],
          "keyspace hits",
        );
        const misses = server.keyspace.stats.keyspaceMisses - missesBefore[0];
        assertEquals(
          misses,
          await infoField(theirs, "keyspace_misses") - missesBefore[1],
          "keyspace misses",
        );
      }
      return replies;
    } finally {
      ours.close();
      theirs.close();
    }
  }

  /** Runs the steps in RESP2 and then in RESP3. */
  async both(steps: Step[], options: Omit<RunOptions, "resp"> = {}): Promise<void> {
    await this.run(steps, { ...options, resp: 2 });
    await this.run(steps, { ...options, resp: 3 });
  }

  /** PTTL as Redeno's keyspace knows it. */
  pttl(key: string): number {
    if (this.db.peek(key) === undefined) return -2;
    const deadline = this.db.getExpire(key);
    return deadline === undefined ? -1 : deadline - this.pair.redeno.keyspace.clock.now();
  }

  /** OBJECT ENCODING of a string as Redis would report it for Redeno's state. */
  encoding(key: string): string | null {
    const value = this.db.peek(key);
    if (value === undefined) return null;
    if (typeof value !== "string") return value.encoding();
    return stringEncoding(this.db, key, value);
  }
}

/** Binary values: NUL, CR LF, and bytes at and above 0x80. */
const BINARY = "a\x00b\r\nc\x80\xfe\xff";

Deno.test("string commands match redis-server", async (t) => {
  const pair = await ServerPair.start();
  const h = new StringsHarness(pair);
  try {
    await t.step("GET and SET basics, binary and empty values", async () => {
      await h.both([
        ["SET", "k", "v"],
        ["GET", "k"],
        ["GET", "missing"],
        ["SET", "bin", BINARY],
        ["GET", "bin"],
        ["SET", "empty", ""],
        ["GET", "empty"],
        ["SET", "", "empty key"],
        ["GET", ""],
        ["SET", "k", "overwritten"],
        ["GET", "k"],
        ["@wrongtype", "w"],
        ["GET", "w"],
        ["SET", "w", "now a string"],
        ["GET", "w"],
        ["get"],
        ["GET", "a", "b"],
        ["SET", "k"],
        ["set"],
        ["nosuchcommand", "a", "b"],
      ]);
    });

    await t.step("SET options: NX XX GET and their combinations", async () => {
      await h.both([
        ["SET", "k", "1", "NX"],
        ["SET", "k", "2", "NX"],
        ["GET", "k"],
        ["SET", "k", "3", "XX"],
        ["SET", "nokey", "3", "XX"],
        ["GET", "nokey"],
        ["SET", "k", "4", "GET"],
        ["SET", "new", "4", "GET"],
        ["SET", "k", "5", "NX", "GET"],
        ["SET", "k", "5", "GET", "NX"],
        ["SET", "fresh", "5", "NX", "GET"],
        ["GET", "fresh"],
        ["SET", "k", "6", "XX", "GET"],
        ["SET", "absent", "6", "XX", "GET"],
        ["GET", "absent"],
        ["SET", "k", "7", "nx", "xx"],
        ["SET", "k", "7", "XX", "NX"],
        ["SET", "k", "7", "NX", "NX"],
        ["SET", "k", "7", "xX", "Get", "gEt"],
        ["@wrongtype", "w"],
        ["SET", "w", "x", "GET"],
        ["SET", "w", "x", "NX", "GET"],
        ["SET", "w", "x", "XX"],
        ["GET", "w"],
        ["SET", "k", "8", "BOGUS"],
        ["SET", "k", "8", "NXX"],
        ["SET", "k", "8", "N"],
        ["SET", "k", "8", ""],
        ["SET", "k", "8", "nx\x00junk"],
        ["SET", "k", "8", "xx\x00"],
        ["SET", "k", "8", "GET\x00x"],
        ["SET", "k", "8", "KEEPTTL\x00x"],
        ["GET", "k"],
      ]);
    });

    await t.step("SET expiration options and their errors", async () => {
      const now = Date.now();
      const inSeconds = String(Math.floor(now / 1000) + 1000);
      const inMs = String(now + 1_000_000);
      await h.both([
        ["SET", "k", "v", "EX", "100"],
        ["@pttl", "k"],
        ["SET", "k", "v", "PX", "100000"],
        ["@pttl", "k"],
        ["SET", "k", "v", "EXAT", inSeconds],
        ["@pttl", "k"],
        ["SET", "k", "v", "PXAT", inMs],
        ["@pttl", "k"],
        ["SET", "k", "v2", "KEEPTTL"],
        ["@pttl", "k"],
        ["SET", "k", "v3"],
        ["@pttl", "k"],
        ["SET", "k", "v", "ex", "100", "EX", "200"],
        ["@pttl", "k"],
        ["SET", "k", "v", "EX", "100", "NX"],
        ["SET", "k", "v", "XX", "PX", "5000", "GET"],
        ["@pttl", "k"],
        ["SET", "k", "v", "GET", "EXAT", inSeconds, "XX"],
        ["@pttl", "k"],
        ["SET", "past", "v", "EXAT", "1"],
        ["GET", "past"],
        ["SET", "past", "v", "PXAT", "1000"],
        ["GET", "past"],
        ["SET", "k", "v", "EX"],
        ["SET", "k", "v", "PX"],
        ["SET", "k", "v", "NX", "EXAT"],
        ["SET", "k", "v", "EX", "10", "PX", "10"],
        ["SET", "k", "v", "PX", "10", "EX", "10"],
        ["SET", "k", "v", "EX", "10", "EXAT", "10"],
        ["SET", "k", "v", "PXAT", "10", "EXAT", "10"],
        ["SET", "k", "v", "EX", "10", "KEEPTTL"],
        ["SET", "k", "v", "KEEPTTL", "EX", "10"],
        ["SET", "k", "v", "KEEPTTL", "KEEPTTL"],
        ["SET", "k", "v", "PERSIST"],
        ["SET", "k", "v", "EX", "0"],
        ["SET", "k", "v", "EX", "-1"],
        ["SET", "k", "v", "PX", "0"],
        ["SET", "k", "v", "EXAT", "0"],
        ["SET", "k", "v", "PXAT", "-5"],
        ["SET", "k", "v", "EX", "abc"],
        ["SET", "k", "v", "EX", "1.5"],
        ["SET", "k", "v", "EX", " 10"],
        ["SET", "k", "v", "EX", "010"],
        ["SET", "k", "v", "EX", "9223372036854775808"],
        ["SET", "k", "v", "EX", "9223372036854775807"],
        ["SET", "k", "v", "EX", "9223372036854776"],
        ["SET", "k", "v", "EX", "9223372036854775"],
        ["SET", "k", "v", "PX", "9223372036854775807"],
        ["SET", "k", "v", "PX", "9223372036854775000"],
        ["SET", "k", "v", "EXAT", "9223372036854775"],
        ["@pttl", "k"],
        ["SET", "k", "v", "PXAT", "9223372036854775807"],
        ["GET", "k"],
        ["SET", "k", "v", "EX", "9223372036854"],
        ["GET", "k"],
        ["SET", "k", "v", "EX", "abc", "BOGUS"],
        ["SET", "k", "v", "NX", "XX", "EX", "abc"],
        ["SET", "k", "v", "EX", "-1", "GET"],
        ["@wrongtype", "w"],
        ["SET", "w", "v", "EX", "-1", "GET"],
        ["SET", "w", "v", "EX", "10", "GET"],
      ]);
    });

    await t.step("SETNX SETEX PSETEX GETSET", async () => {
      await h.both([
        ["SETNX", "k", "a"],
        ["SETNX", "k", "b"],
        ["GET", "k"],
        ["SETEX", "k", "100", "c"],
        ["@pttl", "k"],
        ["SETNX", "k", "d"],
        ["PSETEX", "p", "100000", BINARY],
        ["GET", "p"],
        ["@pttl", "p"],
        ["SETEX", "k", "0", "v"],
        ["SETEX", "k", "-10", "v"],
        ["SETEX", "k", "x", "v"],
        ["PSETEX", "k", "0", "v"],
        ["PSETEX", "k", "1.5", "v"],
        ["SETEX", "k", "9223372036854775807", "v"],
        ["PSETEX", "k", "9223372036854775807", "v"],
        ["SETEX", "k", "10"],
        ["SETNX", "k"],
        ["GETSET", "k", "new"],
        ["@pttl", "k"],
        ["GETSET", "nokey", "first"],
        ["GET", "nokey"],
        ["@wrongtype", "w"],
        ["SETNX", "w", "v"],
        ["GETSET", "w", "v"],
        ["SETEX", "w", "100", "v"],
        ["GET", "w"],
        ["GETSET", "k"],
      ]);
    });

    await t.step("GETEX and GETDEL", async () => {
      const future = String(Math.floor(Date.now() / 1000) + 5000);
      await h.both([
        ["SET", "k", "v"],
        ["GETEX", "k"],
        ["@pttl", "k"],
        ["GETEX", "k", "EX", "100"],
        ["@pttl", "k"],
        ["GETEX", "k", "PX", "200000"],
        ["@pttl", "k"],
        ["GETEX", "k", "EXAT", future],
        ["@pttl", "k"],
        ["GETEX", "k", "PXAT", String(Date.now() + 300_000)],
        ["@pttl", "k"],
        ["GETEX", "k", "PERSIST"],
        ["@pttl", "k"],
        ["GETEX", "k", "PERSIST"],
        ["GETEX", "k", "persist", "persist"],
        ["GETEX", "k", "EX", "10", "PERSIST"],
        ["GETEX", "k", "PERSIST", "EX", "10"],
        ["GETEX", "k", "EX", "10", "PX", "10"],
        ["GETEX", "k", "KEEPTTL"],
        ["GETEX", "k", "NX"],
        ["GETEX", "k", "GET"],
        ["GETEX", "k", "EX"],
        ["GETEX", "k", "EX", "0"],
        ["GETEX", "k", "EX", "-1"],
        ["GETEX", "k", "EX", "x"],
        ["GETEX", "k", "PX", "9223372036854775807"],
        ["GETEX", "k", "EX", "9223372036854775"],
        ["GETEX", "missing", "EX", "-1"],
        ["GETEX", "missing", "EX", "x"],
        ["GETEX", "missing", "BOGUS"],
        ["@wrongtype", "w"],
        ["GETEX", "w", "EX", "-1"],
        ["GETEX", "w", "BOGUS"],
        ["GETEX", "k", "EXAT", "1"],
        ["GET", "k"],
        ["SET", "k", "v"],
        ["GETEX", "k", "PXAT", "1"],
        ["GET", "k"],
        ["getex"],
        ["SET", "d", BINARY],
        ["GETDEL", "d"],
        ["GETDEL", "d"],
        ["GET", "d"],
        ["GETDEL", "w"],
        ["GETDEL"],
        ["GETDEL", "a", "b"],
      ]);
    });

    await t.step("MSET MSETNX MGET", async () => {
      await h.both([
        ["MSET", "a", "1", "b", BINARY, "c", ""],
        ["MGET", "a", "b", "c", "missing"],
        ["MSET", "a", "1", "b"],
        ["MSET", "a"],
        ["MSETNX", "a", "x", "new", "y"],
        ["MGET", "a", "new"],
        ["MSETNX", "n1", "x", "n2", "y"],
        ["MGET", "n1", "n2"],
        ["MSETNX", "n3", "x", "n3", "y"],
        ["GET", "n3"],
        ["MSETNX", "n4"],
        ["MSETNX", "n4", "x", "n5"],
        ["@wrongtype", "w"],
        ["MGET", "w", "a", "w"],
        ["MSETNX", "w", "x"],
        ["MSET", "w", "x", "a", "2", "a", "3"],
        ["MGET", "w", "a"],
        ["MGET"],
        ["MGET", "missing"],
      ]);
    });

    await t.step("APPEND STRLEN", async () => {
      await h.both([
        ["APPEND", "k", "hello"],
        ["@encoding", "k"],
        ["APPEND", "k", " world"],
        ["@encoding", "k"],
        ["GET", "k"],
        ["STRLEN", "k"],
        ["APPEND", "k", ""],
        ["APPEND", "e", ""],
        ["GET", "e"],
        ["APPEND", "bin", BINARY],
        ["APPEND", "bin", BINARY],
        ["GET", "bin"],
        ["STRLEN", "bin"],
        ["STRLEN", "missing"],
        ["SET", "n", "123"],
        ["@encoding", "n"],
        ["APPEND", "n", "4"],
        ["@encoding", "n"],
        ["INCR", "n"],
        ["@encoding", "n"],
        ["APPEND", "new", "42"],
        ["@encoding", "new"],
        ["SET", "t", "x", "EX", "100"],
        ["APPEND", "t", "y"],
        ["@pttl", "t"],
        ["SET", "k", "plain"],
        ["@encoding", "k"],
        ["@wrongtype", "w"],
        ["APPEND", "w", "x"],
        ["STRLEN", "w"],
        ["APPEND", "k"],
        ["STRLEN"],
      ]);
    });

    await t.step("GETRANGE SUBSTR with negative and huge offsets", async () => {
      const steps: Step[] = [["SET", "k", "Hello, World"], ["SET", "e", ""], ["SET", "n", "12345"]];
      const offsets = [
        "0",
        "1",
        "5",
        "11",
        "12",
        "100",
        "-1",
        "-5",
        "-12",
        "-13",
        "-100",
        "9223372036854775807",
        "-9223372036854775808",
        "-9223372036854775807",
      ];
      for (const key of ["k", "e", "n", "missing"]) {
        for (const start of offsets) {
          for (const end of offsets) steps.push(["GETRANGE", key, start, end]);
        }
      }
      steps.push(
        ["SUBSTR", "k", "0", "4"],
        ["SUBSTR", "k", "-3", "-1"],
        ["GETRANGE", "k", "a", "1"],
        ["GETRANGE", "k", "1", "b"],
        ["GETRANGE", "missing", "x", "1"],
        ["GETRANGE", "k", "9223372036854775808", "1"],
        ["@wrongtype", "w"],
        ["GETRANGE", "w", "0", "1"],
        ["GETRANGE", "w", "x", "1"],
        ["SET", "b", BINARY],
        ["GETRANGE", "b", "1", "-2"],
        ["GETRANGE", "k", "0"],
        ["SUBSTR", "k"],
      );
      await h.both(steps);
    });

    await t.step("SETRANGE", async () => {
      await h.both([
        ["SETRANGE", "k", "0", "hello"],
        ["@encoding", "k"],
        ["GET", "k"],
        ["SETRANGE", "k", "3", "XY"],
        ["GET", "k"],
        ["SETRANGE", "k", "10", "Z"],
        ["GET", "k"],
        ["SETRANGE", "k", "4", "a long tail"],
        ["GET", "k"],
        ["SETRANGE", "k", "2", ""],
        ["SETRANGE", "missing", "5", ""],
        ["GET", "missing"],
        ["SETRANGE", "pad", "5", BINARY],
        ["GET", "pad"],
        ["@encoding", "pad"],
        ["SET", "n", "1234"],
        ["SETRANGE", "n", "0", "9"],
        ["@encoding", "n"],
        ["GET", "n"],
        ["SETRANGE", "k", "-1", "x"],
        ["SETRANGE", "k", "-1", ""],
        ["SETRANGE", "k", "x", "x"],
        ["SETRANGE", "k", "1.0", "x"],
        ["SETRANGE", "k", "536870912", "x"],
        ["SETRANGE", "k", "536870911", "xy"],
        ["SETRANGE", "k", "9223372036854775807", "x"],
        ["SETRANGE", "k", "9223372036854775807", ""],
        ["SETRANGE", "k", "9223372036854775808", "x"],
        ["SETRANGE", "nokey", "536870912", "x"],
        ["SETRANGE", "nokey", "536870912", ""],
        ["SET", "t", "abc", "PX", "100000"],
        ["SETRANGE", "t", "1", "Z"],
        ["@pttl", "t"],
        ["@wrongtype", "w"],
        ["SETRANGE", "w", "0", "x"],
        ["SETRANGE", "w", "0", ""],
        ["SETRANGE", "w", "-1", "x"],
        ["SETRANGE", "w", "536870912", "x"],
        ["SETRANGE", "k", "1"],
      ]);
    });

    await t.step("proto-max-bulk-len limits APPEND, SETRANGE and LCS", async () => {
      const big = "x".repeat(600);
      try {
        await h.both([
          ["@maxbulk", "1048576"],
          ["SETRANGE", "k", "1048576", "x"],
          ["SETRANGE", "k", "1048575", "x"],
          ["STRLEN", "k"],
          ["APPEND", "k", "y"],
          ["APPEND", "k", ""],
          ["STRLEN", "k"],
          ["SET", "a", big],
          ["SET", "b", big],
          ["LCS", "a", "b", "LEN"],
          ["SET", "b", "x".repeat(400)],
          ["LCS", "a", "b", "LEN"],
          ["@maxbulk", "536870912"],
        ]);
      } finally {
        await h.run([["@maxbulk", "536870912"]], { resp: 2 });
      }
    });

    await t.step("INCR DECR INCRBY DECRBY", async () => {
      await h.both([
        ["INCR", "k"],
        ["INCR", "k"],
        ["DECR", "k"],
        ["DECR", "new"],
        ["INCRBY", "k", "100"],
        ["INCRBY", "k", "-1000"],
        ["DECRBY", "k", "-5"],
        ["DECRBY", "k", "5"],
        ["GET", "k"],
        ["@encoding", "k"],
        ["SET", "max", "9223372036854775807"],
        ["INCR", "max"],
        ["INCRBY", "max", "0"],
        ["DECR", "max"],
        ["INCRBY", "max", "1"],
        ["SET", "min", "-9223372036854775808"],
        ["DECR", "min"],
        ["INCR", "min"],
        ["DECRBY", "min", "1"],
        ["SET", "min", "-9223372036854775808"],
        ["DECRBY", "min", "-9223372036854775807"],
        ["DECRBY", "z", "-9223372036854775808"],
        ["DECRBY", "z", "9223372036854775807"],
        ["DECRBY", "z", "2"],
        ["INCRBY", "z", "9223372036854775807"],
        ["INCRBY", "big", "9007199254740991"],
        ["INCRBY", "big", "9007199254740991"],
        ["INCR", "big"],
        ["INCRBY", "nb", "-9007199254740993"],
        ["DECR", "nb"],
        ["SET", "s", "abc"],
        ["INCR", "s"],
        ["SET", "s", " 1"],
        ["INCR", "s"],
        ["SET", "s", "01"],
        ["INCR", "s"],
        ["SET", "s", "+1"],
        ["INCR", "s"],
        ["SET", "s", "1.0"],
        ["INCR", "s"],
        ["SET", "s", "-0"],
        ["INCR", "s"],
        ["SET", "s", ""],
        ["INCR", "s"],
        ["SET", "s", "9223372036854775808"],
        ["INCR", "s"],
        ["SET", "s", "1\x00"],
        ["INCR", "s"],
        ["INCRBY", "k", "x"],
        ["INCRBY", "k", "1.5"],
        ["INCRBY", "k", "9223372036854775808"],
        ["DECRBY", "k", ""],
        ["SET", "t", "10", "EX", "100"],
        ["INCR", "t"],
        ["@pttl", "t"],
        ["INCRBYFLOAT", "t", "1.5"],
        ["@pttl", "t"],
        ["@wrongtype", "w"],
        ["INCR", "w"],
        ["DECR", "w"],
        ["INCRBY", "w", "1"],
        ["INCRBY", "w", "x"],
        ["DECRBY", "w", "-9223372036854775808"],
        ["INCR"],
        ["INCRBY", "k"],
        ["DECR", "a", "b"],
      ]);
    });

    await t.step("INCRBYFLOAT", async () => {
      await h.both([
        ["INCRBYFLOAT", "f", "0.1"],
        ["INCRBYFLOAT", "f", "0.1"],
        ["SET", "g", "10.5"],
        ["INCRBYFLOAT", "g", "0.1"],
        ["INCRBYFLOAT", "h", "1e20"],
        ["INCRBYFLOAT", "h", "-1e20"],
        ["INCRBYFLOAT", "h", "5.0e3"],
        ["INCRBYFLOAT", "h", "-5000"],
        ["INCRBYFLOAT", "h", "-0.00000000000000000001"],
        ["SET", "i", "17"],
        ["INCRBYFLOAT", "i", "0x1p3"],
        ["INCRBYFLOAT", "i", "1e-4940"],
        ["INCRBYFLOAT", "i", "1e-5000"],
        ["INCRBYFLOAT", "i", "1e4933"],
        ["INCRBYFLOAT", "i", "1.18e4932"],
        ["INCRBYFLOAT", "i", "1.18e4932"],
        ["INCRBYFLOAT", "i", "inf"],
        ["INCRBYFLOAT", "i", "-Infinity"],
        ["INCRBYFLOAT", "i", "nan"],
        ["INCRBYFLOAT", "i", " 1"],
        ["INCRBYFLOAT", "i", "1 "],
        ["INCRBYFLOAT", "i", "1\x00"],
        ["INCRBYFLOAT", "i", ""],
        ["INCRBYFLOAT", "i", "abc"],
        ["INCRBYFLOAT", "i", "1" + "0".repeat(5119)],
        ["INCRBYFLOAT", "i", "0." + "0".repeat(5117) + "1"],
        ["INCRBYFLOAT", "i", "0." + "0".repeat(5116) + "1"],
        ["INCRBYFLOAT", "i", "+.5"],
        ["INCRBYFLOAT", "i", "5."],
        ["GET", "i"],
        ["SET", "s", "abc"],
        ["INCRBYFLOAT", "s", "1"],
        ["INCRBYFLOAT", "s", "abc"],
        ["SET", "s", "inf"],
        ["INCRBYFLOAT", "s", "1"],
        ["INCRBYFLOAT", "s", "x"],
        ["SET", "s", "1e400"],
        ["INCRBYFLOAT", "s", "1"],
        ["INCR", "s"],
        ["@wrongtype", "w"],
        ["INCRBYFLOAT", "w", "1"],
        ["INCRBYFLOAT", "w", "x"],
        ["INCRBYFLOAT", "w"],
      ]);
    });

    await t.step("LCS", async () => {
      await h.both([
        ["MSET", "a", "ohmytext", "b", "mynewtext"],
        ["LCS", "a", "b"],
        ["LCS", "a", "b", "LEN"],
        ["LCS", "a", "b", "IDX"],
        ["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        ["LCS", "a", "b", "idx", "minmatchlen", "4"],
        ["LCS", "a", "b", "IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"],
        ["LCS", "a", "b", "IDX", "MINMATCHLEN", "-5"],
        ["LCS", "a", "b", "IDX", "MINMATCHLEN", "9223372036854775807"],
        ["LCS", "a", "b", "LEN", "MINMATCHLEN", "2"],
        ["LCS", "a", "b", "WITHMATCHLEN"],
        ["LCS", "a", "b", "LEN", "IDX"],
        ["LCS", "a", "b", "IDX", "LEN"],
        ["LCS", "a", "b", "MINMATCHLEN"],
        ["LCS", "a", "b", "MINMATCHLEN", "x"],
        ["LCS", "a", "b", "MINMATCHLEN", "x", "LEN", "IDX"],
        ["LCS", "a", "b", "BOGUS"],
        ["LCS", "a", "b", "LEN", "BOGUS"],
        ["LCS", "a", "b", "IDX\x00zz"],
        ["LCS", "a", "missing"],
        ["LCS", "missing", "b", "IDX"],
        ["LCS", "missing", "other", "LEN"],
        ["LCS", "a", "a", "IDX", "WITHMATCHLEN"],
        ["MSET", "x", BINARY + "tail", "y", "t\x00a\xffi\r\nl"],
        ["LCS", "x", "y"],
        ["LCS", "x", "y", "IDX", "WITHMATCHLEN"],
        ["MSET", "p", "abcabcabcabc", "q", "cbacbacba"],
        ["LCS", "p", "q"],
        ["LCS", "p", "q", "IDX", "WITHMATCHLEN"],
        ["@wrongtype", "w"],
        ["LCS", "a", "w"],
        ["LCS", "w", "a", "BOGUS"],
        ["LCS", "a"],
      ]);
    });

    await t.step("dirty counts per command", async () => {
      // The totals are checked after each group; one group per command pins them down.
      const groups: Step[][] = [
        [["SET", "k", "v"], ["SET", "k", "v", "NX"], ["SET", "k", "v", "XX", "GET"]],
        [["SETNX", "k", "v"], ["SETNX", "k", "v"]],
        [["GETDEL", "k"], ["GETDEL", "k"]],
        [["SET", "k", "v"], ["GETEX", "k", "PERSIST"], ["GETEX", "k", "EX", "10"]],
        [["SET", "k", "v", "EX", "10"], ["GETEX", "k", "PERSIST"], ["GETEX", "k", "EXAT", "1"]],
        [["MSET", "a", "1", "b", "2", "c", "3"], ["MSETNX", "a", "1", "d", "2"]],
        [["MSETNX", "x", "1", "y", "2"]],
        [["APPEND", "k", ""], ["APPEND", "k", "x"], ["SETRANGE", "k", "0", ""]],
        [["SETRANGE", "k", "3", "z"], ["SETRANGE", "k", "-1", "z"]],
        [["INCR", "i"], ["INCRBY", "i", "x"], ["INCRBYFLOAT", "i", "1.5"], ["DECR", "i"]],
        [["GETSET", "k", "v"], ["LCS", "k", "k"], ["MGET", "k", "nokey"]],
      ];
      for (const group of groups) await h.run(group, { resp: 2 });
    });

    await t.step("TTLs on Redeno's own clock", async () => {
      const db = h.db;
      const clock = pair.redeno.keyspace.clock;
      const [ours] = await pair.connect();
      try {
        pair.redeno.keyspace.flushAll();
        assertEquals(await ours.raw("SET", "k", "v", "PX", "1500"), "+OK\r\n");
        clock.advance(1499);
        assertEquals(await ours.raw("GET", "k"), "$1\r\nv\r\n");
        clock.advance(2);
        assertEquals(await ours.raw("GET", "k"), "$-1\r\n");
        await ours.raw("SETEX", "k", "10", "v");
        await ours.raw("APPEND", "k", "w");
        await ours.raw("SETRANGE", "k", "0", "V");
        await ours.raw("INCRBYFLOAT", "n", "1");
        clock.advance(9000);
        assertEquals(await ours.raw("GET", "k"), "$2\r\nVw\r\n");
        clock.advance(1001);
        assertEquals(await ours.raw("GET", "k"), "$-1\r\n");
        await ours.raw("SET", "k", "v", "EX", "5");
        await ours.raw("GETEX", "k", "PERSIST");
        clock.advance(10_000);
        assertEquals(await ours.raw("GET", "k"), "$1\r\nv\r\n");
        await ours.raw("GETEX", "k", "EX", "5");
        await ours.raw("SET", "k", "w", "KEEPTTL");
        clock.advance(4000);
        assertEquals(await ours.raw("STRLEN", "k"), ":1\r\n");
        clock.advance(1001);
        assertEquals(await ours.raw("STRLEN", "k"), ":0\r\n");
        await ours.raw("SET", "big", "v", "PXAT", "9223372036854775000");
        assertEquals(db.getExpireExact("big"), 9223372036854775000n);
      } finally {
        ours.close();
      }
    });

    await t.step("INCRBYFLOAT stores text even when the result looks like an integer", async () => {
      await h.both([
        ["INCRBYFLOAT", "f", "3"],
        ["@encoding", "f"],
        ["INCRBYFLOAT", "f", "1e50"],
        ["@encoding", "f"],
        ["SET", "f", "3"],
        ["@encoding", "f"],
        ["INCRBYFLOAT", "f", "0"],
        ["@encoding", "f"],
      ]);
    });

    await t.step("COMMAND INFO and COMMAND DOCS declarations", async () => {
      const [ours, theirs] = await pair.connect();
      try {
        if ((await ours.raw("COMMAND", "INFO", "get")).startsWith("-")) return; // not there yet
        for (const name of STRING_COMMANDS) {
          const [a, b] = await Promise.all([
            ours.raw("COMMAND", "INFO", name),
            theirs.raw("COMMAND", "INFO", name),
          ]);
          assertEquals(a, b, `COMMAND INFO ${name}`);
          // Summaries and complexity texts are our own words; everything else must match.
          const [docsA, docsB] = await Promise.all([
            ours.call("COMMAND", "DOCS", name),
            theirs.call("COMMAND", "DOCS", name),
          ]);
          assertEquals(withoutProse(docsA), withoutProse(docsB), `COMMAND DOCS ${name}`);
        }
      } finally {
        ours.close();
        theirs.close();
      }
    });

    await t.step("randomized command sequences", async () => {
      for (let seed = 1; seed <= 30; seed++) {
        const random = prng(seed * 7919);
        const steps: Step[] = [["@wrongtype", "w"]];
        for (let i = 0; i < 200; i++) steps.push(randomCommand(random));
        try {
          await h.run(steps, { resp: seed % 2 === 0 ? 3 : 2 });
        } catch (error) {
          throw new Error(`seed ${seed}: ${(error as Error).message}`);
        }
      }
    });
  } finally {
    await pair.close();
  }
});

const STRING_COMMANDS = [
  "get",
  "set",
  "getex",
  "getdel",
  "getset",
  "setnx",
  "setex",
  "psetex",
  "mset",
  "msetnx",
  "mget",
  "append",
  "strlen",
  "getrange",
  "substr",
  "setrange",
  "incr",
  "decr",
  "incrby",
  "decrby",
  "incrbyfloat",
  "lcs",
];

/** A COMMAND DOCS reply (RESP2 arrays) without the summary and complexity fields. */
function withoutProse(value: RespValue): RespValue {
  if (!Array.isArray(value)) return value;
  const out: RespValue[] = [];
  for (let i = 0; i < value.length; i++) {
    if ((value[i] === "summary" || value[i] === "complexity") && i + 1 < value.length) {
      i++;
      continue;
    }
    out.push(withoutProse(value[i]));
  }
  return out;
}

function randomCommand(random: () => number): Step {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const key = () => pick(["a", "b", "c", "n", "w", "x"]);
  const int = () =>
    pick([
      "0",
      "1",
      "-1",
      "2",
      "7",
      "-3",
      "100",
      "-100",
      "9223372036854775807",
      "-9223372036854775808",
      "x",
      "1.5",
      String(Math.floor(random() * 40) - 20),
    ]);
  const value = () =>
    pick(["", "v", "10", "-5", "3.5", "abc", BINARY, "12345678901234567890", "0x10", "1e3"]);
  const float = () => pick(["0.1", "-0.1", "1e3", "2.5", "x", "inf", "-1.25", "3"]);
  const ttl = () => pick(["100", "1000", "0", "-1", "x"]);
  const setOption = () =>
    pick<string[]>([
      ["NX"],
      ["XX"],
      ["GET"],
      ["EX", ttl()],
      ["PX", "100000"],
      ["KEEPTTL"],
      [
        "EXAT",
        "1",
      ],
      ["PXAT", String(Date.now() + 1e7)],
      ["BOGUS"],
    ]);
  switch (Math.floor(random() * 24)) {
    case 0:
      return ["SET", key(), value()];
    case 1: {
      const command = ["SET", key(), value()];
      const count = 1 + Math.floor(random() * 3);
      for (let i = 0; i < count; i++) command.push(...setOption());
      return command;
    }
    case 2:
      return ["GET", key()];
    case 3: {
      const options = pick<string[]>([[], ["PERSIST"], ["EX", ttl()], ["PX", "100000"], [
        "EXAT",
        "1",
      ], ["BOGUS"]]);
      return ["GETEX", key(), ...options];
    }
    case 4:
      return ["GETDEL", key()];
    case 5:
      return ["GETSET", key(), value()];
    case 6:
      return ["SETNX", key(), value()];
    case 7:
      return ["SETEX", key(), ttl(), value()];
    case 8:
      return ["PSETEX", key(), pick(["100000", "0", "x"]), value()];
    case 9:
      return ["MSET", key(), value(), key(), value()];
    case 10:
      return ["MSETNX", key(), value(), key(), value()];
    case 11:
      return ["MGET", key(), key(), key()];
    case 12:
      return ["APPEND", key(), value()];
    case 13:
      return ["STRLEN", key()];
    case 14:
      return [pick(["GETRANGE", "SUBSTR"]), key(), int(), int()];
    case 15:
      return ["SETRANGE", key(), pick(["0", "1", "3", "10", "-1", "x"]), value()];
    case 16:
      return ["INCR", key()];
    case 17:
      return ["DECR", key()];
    case 18:
      return ["INCRBY", key(), int()];
    case 19:
      return ["DECRBY", key(), int()];
    case 20:
      return ["INCRBYFLOAT", key(), float()];
    case 21: {
      const options = pick<string[]>([[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"], [
        "IDX",
        "MINMATCHLEN",
        "2",
      ], ["LEN", "IDX"]]);
      return ["LCS", key(), key(), ...options];
    }
    case 22:
      // Not OBJECT ENCODING: see the ignored INCRBYFLOAT encoding step.
      return ["STRLEN", key()];
    default:
      return ["@pttl", key()];
  }
}
