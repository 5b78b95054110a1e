/**
 * Stream commands against redis-server 7.0.15, byte for byte in RESP2 and RESP3: XADD (IDs,
 * trimming, node boundaries), XLEN, XRANGE/XREVRANGE, XDEL, XTRIM, XSETID, XREAD, XINFO STREAM,
 * every error in Redis's order, keyspace notifications, and IDs made from a moved clock.
 * Explicit IDs everywhere, since `*` reads each server's own clock.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compareNotificationsBoth } from "./support/notifications.ts";
import { compareCounters } from "./support/streams.ts";
import { RespClient } from "./support/resp_client.ts";
import { type Command, ServerPair, startRedeno } from "./support/servers.ts";

const BASICS: Command[] = [
  ["XADD", "s", "1-1", "a", "1", "b", "2"],
  ["XADD", "s", "1-2", "a", "3", "b", "4"],
  ["XADD", "s", "1-2", "a", "3"],
  ["XADD", "s", "1-1", "a", "3"],
  ["XADD", "s", "0-5", "a", "3"],
  ["XADD", "s", "1-*", "c", "5"],
  ["XADD", "s", "2-*", "c", "6"],
  ["XADD", "s", "2", "x", "y"],
  ["XADD", "s", "3-0", "field-only"],
  ["XADD", "s", "3-0"],
  ["XADD", "s", "3-0", "a", "1", "b"],
  ["XADD", "s", "0-0", "a", "1"],
  ["XADD", "new", "0-*", "a", "1"],
  ["XADD", "new2", "0-0", "a", "1"],
  ["EXISTS", "new2"],
  ["XADD", "s", "abc", "a", "1"],
  ["XADD", "s", "1-abc", "a", "1"],
  ["XADD", "s", "-", "a", "1"],
  ["XADD", "s", "+", "a", "1"],
  ["XADD", "s", "1-", "a", "1"],
  ["XADD", "s", "-1", "a", "1"],
  ["XADD", "s", "18446744073709551616-0", "a", "1"],
  ["XADD", "s", "5-18446744073709551616", "a", "1"],
  ["XADD", "s", "4-+3", "a", "1"],
  ["XADD", "s", " 5", "a", "1"],
  ["XADD", "s", "6--0", "a", "1"],
  ["XADD", "s", "7--18446744073709551615", "a", "1"],
  ["XADD", "s", "007-9", "a", "1"],
  ["XADD", "s", "x".repeat(130), "a", "1"],
  ["XLEN", "s"],
  ["XLEN", "none"],
  ["XRANGE", "s", "-", "+"],
  ["XREVRANGE", "s", "+", "-"],
  ["TYPE", "s"],
  ["OBJECT", "ENCODING", "s"],
  ["XADD", "big", "18446744073709551615-18446744073709551614", "a", "1"],
  ["XADD", "big", "18446744073709551615-*", "a", "1"],
  ["XADD", "big", "18446744073709551615-*", "a", "1"],
  ["XADD", "big", "*", "a", "1"],
  ["XRANGE", "big", "-", "+"],
  ["XADD", "big2", "5-18446744073709551615", "a", "1"],
  ["XADD", "big2", "5-*", "a", "1"],
  ["XADD", "big2", "6-*", "a", "1"],
  ["SET", "str", "x"],
  ["XADD", "str", "1-1", "a", "1"],
  ["XLEN", "str"],
  ["XRANGE", "str", "-", "+"],
  ["XADD", "str", "NOMKSTREAM", "1-1", "a", "1"],
  ["XADD", "nomk", "NOMKSTREAM", "*", "a", "1"],
  ["XADD", "nomk", "NOMKSTREAM", "1-1", "a", "1"],
  ["EXISTS", "nomk"],
  ["XADD", "s", "NOMKSTREAM", "10-1", "a", "1"],
  ["XADD"],
  ["XADD", "s"],
  ["XADD", "s", "1-1"],
  ["XADD", "s", "MAXLEN"],
  ["XADD", "s", "MAXLEN", "10-1", "a", "1"],
];

const RANGES: Command[] = [
  ...Array.from({ length: 12 }, (_, i) => ["XADD", "r", `${1 + (i >> 2)}-${i & 3}`, "f", `v${i}`]),
  ["XRANGE", "r", "-", "+", "COUNT", "5"],
  ["XRANGE", "r", "2", "2"],
  ["XRANGE", "r", "2", "+"],
  ["XRANGE", "r", "-", "2"],
  ["XRANGE", "r", "(2-1", "(3-2"],
  ["XRANGE", "r", "(2", "+"],
  ["XRANGE", "r", "-", "(2-0"],
  ["XRANGE", "r", "(-", "+"],
  ["XRANGE", "r", "-", "(+"],
  ["XRANGE", "r", "(18446744073709551615-18446744073709551615", "+"],
  ["XRANGE", "r", "-", "(0-0"],
  ["XRANGE", "r", "(0", "+", "COUNT", "2"],
  ["XRANGE", "r", "3", "1"],
  ["XRANGE", "r", "-", "+", "COUNT", "0"],
  ["XRANGE", "r", "-", "+", "COUNT", "-5"],
  ["XRANGE", "r", "-", "+", "COUNT"],
  ["XRANGE", "r", "-", "+", "COUNT", "x"],
  ["XRANGE", "r", "-", "+", "LIMIT", "1"],
  ["XRANGE", "r", "x", "+"],
  ["XRANGE", "r", "-", "x"],
  ["XRANGE", "r", "(", "+"],
  ["XRANGE", "none", "-", "+"],
  ["XRANGE", "none", "-", "+", "COUNT", "0"],
  ["XRANGE", "none", "bad", "+"],
  ["XREVRANGE", "r", "+", "-", "COUNT", "3"],
  ["XREVRANGE", "r", "(3-2", "(1-1"],
  ["XREVRANGE", "r", "2", "2"],
  ["XREVRANGE", "r", "2-2", "2-1"],
  ["XREVRANGE", "r", "1", "3"],
  ["XREVRANGE", "r", "0-0", "-"],
  ["XREVRANGE", "r", "+", "-", "COUNT", "0"],
  ["XREVRANGE", "r", "(0-0", "-"],
  ["XREVRANGE", "r", "+", "(18446744073709551615-18446744073709551615"],
  ["XRANGE", "r"],
  ["XREVRANGE", "r", "+"],
];

const DELETES: Command[] = [
  ...Array.from({ length: 8 }, (_, i) => ["XADD", "d", `1-${i}`, "f", `v${i}`]),
  ["XDEL", "d", "1-0", "1-3", "1-3", "9-9"],
  ["XDEL", "d", "bad"],
  ["XDEL", "d", "1-4", "bad"],
  ["XDEL", "d", "-"],
  ["XDEL", "none", "bad"],
  ["XDEL", "none", "1-1"],
  ["XDEL", "str", "1-1"],
  ["XLEN", "d"],
  ["XRANGE", "d", "-", "+"],
  ["XREVRANGE", "d", "+", "-"],
  ["XINFO", "STREAM", "d"],
  ["XDEL", "d", "1-7"],
  ["XINFO", "STREAM", "d"],
  ["XDEL", "d", "1-1", "1-2", "1-4", "1-5", "1-6"],
  ["XLEN", "d"],
  ["EXISTS", "d"],
  ["XINFO", "STREAM", "d"],
  ["XADD", "d", "1-5", "f", "v"],
  ["XADD", "d", "2-0", "f", "v"],
  ["XINFO", "STREAM", "d"],
  ["XDEL", "d"],
];

const TRIMS: Command[] = [
  ...Array.from({ length: 250 }, (_, i) => ["XADD", "t", `${i + 1}-0`, "f", String(i)]),
  ["XINFO", "STREAM", "t"],
  ["XTRIM", "t", "MAXLEN", "~", "200"],
  ["XTRIM", "t", "MAXLEN", "~", "140"],
  ["XLEN", "t"],
  ["XTRIM", "t", "MAXLEN", "=", "145"],
  ["XTRIM", "t", "MAXLEN", "145"],
  ["XTRIM", "t", "MAXLEN", "130"],
  ["XINFO", "STREAM", "t"],
  ["XTRIM", "t", "MINID", "~", "205"],
  ["XTRIM", "t", "MINID", "210"],
  ["XTRIM", "t", "MINID", "=", "(212"],
  ["XTRIM", "t", "MINID", "212-0"],
  ["XRANGE", "t", "-", "+", "COUNT", "2"],
  ["XTRIM", "t", "MAXLEN", "~", "0", "LIMIT", "10"],
  ["XTRIM", "t", "MAXLEN", "~", "0", "LIMIT", "100"],
  ["XLEN", "t"],
  ["XTRIM", "t", "MAXLEN", "0", "LIMIT", "10"],
  ["XTRIM", "t", "MAXLEN", "~", "0", "LIMIT", "-1"],
  ["XTRIM", "t", "MAXLEN", "-1"],
  ["XTRIM", "t", "MAXLEN", "x"],
  ["XTRIM", "t", "MAXLEN", "~"],
  ["XTRIM", "t", "MINID", "bad"],
  ["XTRIM", "t", "MINID", "-"],
  ["XTRIM", "t", "MINID", "1", "MAXLEN", "1"],
  ["XTRIM", "t", "MAXLEN", "1", "MAXLEN", "1"],
  ["XTRIM", "t", "LIMIT", "10"],
  ["XTRIM", "t", "LIMIT", "0"],
  ["XTRIM", "t", "FOO", "1"],
  ["XTRIM", "t", "MAXLEN", "1", "FOO"],
  ["XTRIM", "none", "MAXLEN", "1"],
  ["XTRIM", "none", "MAXLEN", "bad"],
  ["XTRIM", "str", "MAXLEN", "1"],
  ["XTRIM", "t", "MAXLEN", "0"],
  ["XLEN", "t"],
  ["EXISTS", "t"],
  ["XINFO", "STREAM", "t"],
  // XADD with trimming: exact, approximate, LIMIT, and the node limits.
  ...Array.from({ length: 120 }, (_, i) => [
    "XADD",
    "a",
    "MAXLEN",
    "~",
    "50",
    `${i + 1}-1`,
    "f",
    "v",
  ]),
  ["XLEN", "a"],
  ["XADD", "a", "MAXLEN", "10", "500-1", "f", "v"],
  ["XLEN", "a"],
  ["XADD", "a", "MINID", "~", "495", "501-1", "f", "v"],
  ["XADD", "a", "MINID", "495", "LIMIT", "5", "502-1", "f", "v"],
  ["XADD", "a", "MINID", "~", "600", "LIMIT", "0", "503-1", "f", "v"],
  ["XADD", "a", "MAXLEN", "=", "2", "600-1", "f", "v"], // explicit: `*` ids differ between servers
  ["XLEN", "a"],
  ["XADD", "a", "MAXLEN", "-1", "504-1", "f", "v"],
  ["XADD", "a", "MAXLEN", "1", "MINID", "1", "504-1", "f", "v"],
  ["XADD", "a", "LIMIT", "5", "504-1", "f", "v"],
  ["XADD", "a", "MAXLEN", "5", "LIMIT", "5", "504-1", "f", "v"],
  ["XADD", "a", "MINID", "-", "504-1", "f", "v"],
  ["XADD", "a", "MAXLEN", "~", "1", "LIMIT", "x", "504-1", "f", "v"],
  ["CONFIG", "SET", "stream-node-max-entries", "5"],
  ...Array.from({ length: 23 }, (_, i) => ["XADD", "n", `${i + 1}-0`, "f", "v"]),
  ["XINFO", "STREAM", "n"],
  ["XTRIM", "n", "MAXLEN", "~", "12"],
  ["XINFO", "STREAM", "n"],
  ["XDEL", "n", "11-0", "12-0", "13-0", "14-0"],
  ["XTRIM", "n", "MINID", "~", "17"],
  ["XINFO", "STREAM", "n"],
  ["XTRIM", "n", "MINID", "~", "18", "LIMIT", "3"],
  ["CONFIG", "SET", "stream-node-max-entries", "0"],
  ["CONFIG", "SET", "stream-node-max-bytes", "120"],
  ...Array.from({ length: 15 }, (_, i) => ["XADD", "b", `${i + 1}-0`, "field", "v".repeat(i)]),
  ["XADD", "b", "20-0", "other", "-123", "x", "4096"],
  ["XADD", "b", "21-0", "other", "1234567890123", "x", "y".repeat(70)],
  ["XINFO", "STREAM", "b"],
  ["XTRIM", "b", "MAXLEN", "~", "5"],
  ["XINFO", "STREAM", "b"],
  ["CONFIG", "SET", "stream-node-max-bytes", "4096"],
  ["CONFIG", "SET", "stream-node-max-entries", "100"],
  ["CONFIG", "GET", "stream-node-max-entries"],
  ["CONFIG", "GET", "stream-node-max-bytes"],
];

const SETID: Command[] = [
  ["XADD", "x", "1-1", "f", "v"],
  ["XADD", "x", "2-1", "f", "v"],
  ["XSETID", "x", "2-0"],
  ["XSETID", "x", "2-1"],
  ["XSETID", "x", "5-5"],
  ["XADD", "x", "5-5", "f", "v"],
  ["XADD", "x", "5-*", "f", "v"],
  ["XSETID", "x", "9", "ENTRIESADDED", "1"],
  ["XSETID", "x", "9", "ENTRIESADDED", "-1"],
  ["XSETID", "x", "9", "ENTRIESADDED", "x"],
  ["XSETID", "x", "9", "ENTRIESADDED", "100", "MAXDELETEDID", "3-3"],
  ["XSETID", "x", "9", "MAXDELETEDID", "10-0"],
  ["XSETID", "x", "9", "MAXDELETEDID", "bad"],
  ["XSETID", "x", "9", "FOO", "1"],
  ["XSETID", "x", "9", "ENTRIESADDED"],
  ["XSETID", "x", "-"],
  ["XSETID", "x", "bad"],
  ["XSETID", "none", "1-1"],
  ["XSETID", "none", "bad"],
  ["XSETID", "str", "1-1"],
  ["XINFO", "STREAM", "x"],
  ["XDEL", "x", "1-1", "2-1", "5-5", "5-6"],
  ["XSETID", "x", "1-0"],
  ["XSETID", "x", "1-0", "ENTRIESADDED", "0"],
  ["XINFO", "STREAM", "x"],
  ["XADD", "x", "1-5", "f", "v"],
];

const READS: Command[] = [
  ["XADD", "r1", "1-1", "a", "1"],
  ["XADD", "r1", "1-2", "b", "2"],
  ["XADD", "r2", "2-1", "c", "3"],
  ["XREAD", "STREAMS", "r1", "0"],
  ["XREAD", "COUNT", "1", "STREAMS", "r1", "r2", "0", "0"],
  ["XREAD", "STREAMS", "r1", "r2", "1-1", "2-1"],
  ["XREAD", "STREAMS", "r1", "r2", "$", "$"],
  ["XREAD", "STREAMS", "r1", "none", "0", "0"],
  ["XREAD", "STREAMS", "none", "0"],
  ["XREAD", "STREAMS", "none", "$"],
  ["XREAD", "COUNT", "-1", "STREAMS", "r1", "0"],
  ["XREAD", "COUNT", "0", "STREAMS", "r1", "0"],
  ["XREAD", "BLOCK", "1", "STREAMS", "r1", "0"],
  ["XREAD", "BLOCK", "-1", "STREAMS", "r1", "0"],
  ["XREAD", "BLOCK", "x", "STREAMS", "r1", "0"],
  ["XREAD", "COUNT", "x", "STREAMS", "r1", "0"],
  ["XREAD", "STREAMS", "r1"],
  ["XREAD", "STREAMS", "r1", "r2", "0"],
  ["XREAD", "STREAMS", "r1", "bad"],
  ["XREAD", "STREAMS", "r1", "-"],
  ["XREAD", "STREAMS", "r1", ">"],
  ["XREAD", "STREAMS", "str", "0"],
  ["XREAD", "STREAMS", "r1", "str", "0", "bad"],
  ["XREAD", "GROUP", "g", "c", "STREAMS", "r1", "0"],
  ["XREAD", "NOACK", "STREAMS", "r1", "0"],
  ["XREAD", "FOO", "STREAMS", "r1", "0"],
  ["XREAD", "COUNT", "1", "r1", "0"],
  ["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS"],
  ["XREAD", "STREAMS", "r1", "18446744073709551615-18446744073709551615"],
  ["XREAD", "STREAMS", "r1", "r1", "0", "1-1"],
  ["XDEL", "r1", "1-2"],
  ["XREAD", "STREAMS", "r1", "1-1"],
  ["MULTI"],
  ["XREAD", "BLOCK", "0", "STREAMS", "r1", "$"],
  ["XREAD", "BLOCK", "0", "STREAMS", "r1", "0"],
  ["EXEC"],
  ["COMMAND", "GETKEYS", "XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0"],
  ["COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "0"],
];

const INFO: Command[] = [
  ["XINFO", "STREAM", "none"],
  ["XINFO", "STREAM", "str"],
  ["XADD", "i", "1-1", "a", "1", "b", "2"],
  ["XADD", "i", "1-2", "a", "1"],
  ["XADD", "i", "1-3", "a", "1", "b", "2"],
  ["XINFO", "STREAM", "i"],
  ["XINFO", "STREAM", "i", "FULL"],
  ["XINFO", "STREAM", "i", "FULL", "COUNT", "1"],
  ["XINFO", "STREAM", "i", "FULL", "COUNT", "0"],
  ["XINFO", "STREAM", "i", "FULL", "COUNT", "-3"],
  ["XINFO", "STREAM", "i", "FULL", "COUNT", "x"],
  ["XINFO", "STREAM", "i", "FULL", "COUNT"],
  ["XINFO", "STREAM", "i", "FULL", "LIMIT", "1"],
  ["XINFO", "STREAM", "i", "PARTIAL"],
  ["XINFO", "STREAM", "none", "PARTIAL"],
  ["XINFO", "STREAM", "none", "FULL"],
  ["XINFO", "STREAM"],
  ["XINFO", "GROUPS", "i"],
  ["XINFO", "GROUPS", "none"],
  ["XINFO", "GROUPS"],
  ["XINFO", "CONSUMERS", "i", "g"],
  ["XINFO", "CONSUMERS", "none", "g"],
  ["XINFO", "HELP"],
  ["XINFO", "HELP", "x"],
  ["XINFO", "FOO", "i"],
  ["XINFO", "FOO"],
  ["XINFO"],
  ["XGROUP", "HELP"],
  ["XGROUP"],
];

Deno.test("streams: commands and errors match redis-server", async (t) => {
  const pair = await ServerPair.start();
  try {
    const setup: Command[] = [["SET", "str", "x"]];
    for (const [name, commands] of Object.entries({ BASICS, RANGES, DELETES, SETID, INFO })) {
      await t.step(name, () => pair.compareBoth([...setup, ...commands]));
    }
    await t.step("TRIMS", () => pair.compareBoth([...setup, ...TRIMS]));
    await t.step("READS", () => pair.compareBoth([...setup, ...READS]));
    await t.step("binary fields and values", () =>
      pair.compareBoth([
        ["XADD", "bin", "1-1", "\x00\xff", "\r\n\x80", "123", "-0"],
        ["XADD", "bin", "1-2", "\x00\xff", "x", "123", "0"],
        ["XRANGE", "bin", "-", "+"],
        ["XINFO", "STREAM", "bin"],
      ]));
    await t.step("keys: TYPE, COPY, RENAME, MOVE, SCAN TYPE", () =>
      pair.compareBoth([
        ["XADD", "k", "1-1", "f", "v"],
        ["XGROUP", "CREATE", "k", "g", "0"],
        ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "k", ">"],
        ["COPY", "k", "k2"],
        ["XADD", "k", "2-1", "f", "w"],
        ["XRANGE", "k2", "-", "+"],
        ["XINFO", "GROUPS", "k2"],
        ["XPENDING", "k2", "g"],
        ["RENAME", "k2", "k3"],
        ["XLEN", "k3"],
        ["MOVE", "k3", "1"],
        ["SELECT", "1"],
        ["XRANGE", "k3", "-", "+"],
        ["SELECT", "0"],
        ["SET", "plain", "x"],
        ["SCAN", "0", "TYPE", "stream"],
        ["TYPE", "k"],
        ["OBJECT", "ENCODING", "k"],
        ["DEL", "k"],
        ["XLEN", "k"],
      ]));
  } finally {
    await pair.close();
  }
});

Deno.test("streams: changes and keyspace hits are counted as redis-server counts them", async () => {
  const pair = await ServerPair.start();
  try {
    await compareCounters(
      pair,
      [BASICS, RANGES, DELETES, TRIMS, SETID, READS, INFO],
      [["SET", "str", "x"]],
    );
  } finally {
    await pair.close();
  }
});

Deno.test("streams: keyspace notifications match redis-server", async () => {
  const pair = await ServerPair.start();
  try {
    await compareNotificationsBoth(pair, [
      ["XADD", "s", "1-1", "f", "v"],
      ["XADD", "s", "2-1", "f", "v"],
      ["XADD", "s", "MAXLEN", "1", "3-1", "f", "v"],
      ["XADD", "s", "MAXLEN", "5", "4-1", "f", "v"],
      ["XADD", "s", "1-1", "f", "v"],
      ["XADD", "none", "NOMKSTREAM", "1-1", "f", "v"],
      ["XDEL", "s", "3-1", "9-9"],
      ["XDEL", "s", "9-9"],
      ["XTRIM", "s", "MAXLEN", "0"],
      ["EXISTS", "s"],
      ["XTRIM", "s", "MAXLEN", "0"],
      ["XSETID", "s", "10-0"],
      ["XGROUP", "CREATE", "s", "g", "$"],
      ["XGROUP", "CREATE", "s", "g", "$"],
      ["XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"],
      ["XGROUP", "SETID", "s", "g", "0"],
      ["XGROUP", "CREATECONSUMER", "s", "g", "c"],
      ["XGROUP", "CREATECONSUMER", "s", "g", "c"],
      ["XADD", "s", "11-0", "f", "v"],
      ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"],
      ["XCLAIM", "s", "g", "c3", "0", "11-0"],
      ["XAUTOCLAIM", "s", "g", "c4", "0", "0"],
      ["XACK", "s", "g", "11-0"],
      ["XGROUP", "DELCONSUMER", "s", "g", "c"],
      ["XGROUP", "DELCONSUMER", "s", "g", "nobody"],
      ["XGROUP", "DESTROY", "s", "g"],
      ["XGROUP", "DESTROY", "s", "g"],
      ["DEL", "s"],
    ]);
  } finally {
    await pair.close();
  }
});

Deno.test("streams: `*` IDs come from the server clock", async () => {
  const server = await startRedeno();
  const client = await RespClient.connect(server.port);
  try {
    server.clock.set(1_700_000_000_000, true);
    assertEquals(await client.call("XADD", "s", "*", "f", "v"), "1700000000000-0");
    assertEquals(await client.call("XADD", "s", "*", "f", "v"), "1700000000000-1");
    server.clock.advance(5);
    assertEquals(await client.call("XADD", "s", "*", "f", "v"), "1700000000005-0");
    // A clock that goes back never makes IDs go back.
    server.clock.advance(-1000);
    assertEquals(await client.call("XADD", "s", "*", "f", "v"), "1700000000005-1");
    assertEquals(await client.call("XADD", "s", "1700000000006-*", "f", "v"), "1700000000006-0");
    assertEquals(await client.call("XADD", "s", "1700000000006-*", "f", "v"), "1700000000006-1");
    server.clock.set(1_800_000_000_000, true);
    assertEquals(
      await client.call("XADD", "s", "MAXLEN", "2", "*", "f", "v"),
      "1800000000000-0",
    );
    assertEquals(await client.call("XLEN", "s"), 2);
  } finally {
    client.close();
    await server.close();
  }
});
