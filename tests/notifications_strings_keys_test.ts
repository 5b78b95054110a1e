/**
 * Keyspace notifications for the string and generic families and the server commands, compared
 * with redis-server 7.0.15 byte for byte and in order, in RESP2 and RESP3.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compareNotifications, compareNotificationsBoth } from "./support/notifications.ts";
import type { RespClient } from "./support/resp_client.ts";
import { type Command, waitFor, withPair } from "./support/servers.ts";

/** Every class plus new-key (n) and key-miss (m): CONFIG GET shows "AKEm", n stays on. */
const NEW_AND_MISS = "KEAnm";

const FAR = String(Math.floor(Date.now() / 1000) + 100_000);
const FAR_MS = String(Date.now() + 100_000_000);

const STRING_COMMANDS: Command[] = [
  ["SET", "s", "1"],
  ["SET", "s", "2", "NX"],
  ["SET", "s", "3", "XX"],
  ["SET", "missing", "3", "XX"],
  ["SET", "s2", "v", "NX", "GET"],
  ["SET", "s2", "w", "NX", "GET"],
  ["SET", "s", "4", "GET"],
  ["SET", "nope", "4", "GET"],
  ["SET", "ex", "v", "EX", "100"],
  ["SET", "ex", "v", "PX", "100000"],
  ["SET", "ex", "v", "EXAT", FAR],
  ["SET", "ex", "v", "PXAT", FAR_MS],
  ["SET", "ex", "w", "KEEPTTL"],
  ["SET", "ex", "w", "KEEPTTL", "XX", "GET"],
  ["SET", "bad", "v", "EX", "0"],
  ["SET", "bad", "v", "EX", "x"],
  ["SET", "bad", "v", "FOO"],
  ["SET", "past", "v", "EXAT", "1"],
  ["GET", "past"],
  ["SET", "past", "v", "PXAT", "1", "GET"],
  ["EXISTS", "past"],
  ["SETNX", "nx", "1"],
  ["SETNX", "nx", "2"],
  ["SETEX", "se", "100", "v"],
  ["SETEX", "se", "0", "v"],
  ["PSETEX", "pse", "100000", "v"],
  ["PSETEX", "pse", "-1", "v"],
  ["GETSET", "gs", "1"],
  ["GETSET", "gs", "2"],
  ["GETDEL", "gs"],
  ["GETDEL", "gs"],
  ["GETEX", "s"],
  ["GETEX", "s", "EX", "100"],
  ["GETEX", "s", "PX", "100000"],
  ["GETEX", "s", "PERSIST"],
  ["GETEX", "s", "PERSIST"],
  ["GETEX", "s", "EXAT", FAR],
  ["GETEX", "s", "PXAT", "1"],
  ["GETEX", "s", "EX", "100"],
  ["GETEX", "s", "EX", "0"],
  ["MSET", "m1", "a", "m2", "b", "m1", "c"],
  ["MSET", "m1"],
  ["MSETNX", "m3", "a", "m4", "b"],
  ["MSETNX", "m4", "a", "m5", "b"],
  ["MGET", "m1", "zz", "m5"],
  ["APPEND", "ap", "x"],
  ["APPEND", "ap", "yz"],
  ["SETRANGE", "sr", "0", ""],
  ["SETRANGE", "sr", "3", "abc"],
  ["SETRANGE", "sr", "0", "X"],
  ["SETRANGE", "sr", "0", ""],
  ["SETRANGE", "sr", "-1", "x"],
  ["STRLEN", "sr"],
  ["STRLEN", "zz"],
  ["GETRANGE", "sr", "0", "1"],
  ["GETRANGE", "zz", "0", "1"],
  ["SUBSTR", "zz", "0", "1"],
  ["INCR", "n"],
  ["INCRBY", "n", "5"],
  ["DECR", "n"],
  ["DECRBY", "n", "2"],
  ["INCRBY", "n", "9223372036854775807"],
  ["INCR", "ap"],
  ["INCRBYFLOAT", "f", "1.5"],
  ["INCRBYFLOAT", "f", "2"],
  ["INCRBYFLOAT", "ap", "2"],
  ["INCRBYFLOAT", "f", "inf"],
  ["LCS", "ap", "sr"],
  ["LCS", "zz", "yy"],
  ["RPUSH", "list", "a"],
  ["GET", "list"],
  ["APPEND", "list", "x"],
  ["SETRANGE", "list", "0", "x"],
  ["INCR", "list"],
  ["GETDEL", "list"],
  ["GETEX", "list", "PERSIST"],
  ["SET", "list", "now a string"],
];

const GENERIC_COMMANDS: Command[] = [
  ["MSET", "a", "1", "b", "2", "c", "3"],
  ["DEL", "a", "zz", "b", "a"],
  ["UNLINK", "c", "zz"],
  ["DEL", "zz"],
  ["MSET", "a", "1", "b", "2", "c", "3"],
  ["EXISTS", "a", "zz", "b"],
  ["TYPE", "a"],
  ["TYPE", "zz"],
  ["TOUCH", "a", "zz"],
  ["OBJECT", "ENCODING", "a"],
  ["OBJECT", "ENCODING", "zz"],
  ["TTL", "zz"],
  ["PTTL", "zz"],
  ["EXPIRETIME", "zz"],
  ["PEXPIRETIME", "zz"],
  ["TTL", "a"],
  ["EXPIRE", "a", "100"],
  ["EXPIRE", "a", "200", "NX"],
  ["EXPIRE", "a", "50", "GT"],
  ["EXPIRE", "a", "200", "GT"],
  ["EXPIRE", "a", "300", "LT"],
  ["EXPIRE", "a", "10", "LT"],
  ["EXPIRE", "b", "10", "XX"],
  ["EXPIRE", "zz", "10"],
  ["PEXPIRE", "b", "100000"],
  ["EXPIREAT", "b", FAR],
  ["PEXPIREAT", "b", FAR_MS],
  ["PERSIST", "b"],
  ["PERSIST", "b"],
  ["PERSIST", "zz"],
  ["EXPIRE", "b", "-1"],
  ["SET", "b", "1"],
  ["PEXPIRE", "b", "0"],
  ["SET", "b", "1"],
  ["EXPIREAT", "b", "1"],
  ["SET", "b", "1"],
  ["PEXPIREAT", "b", "1", "NX"],
  ["EXPIRE", "b", "x"],
  ["EXPIRE", "zz", "-1"],
  ["RENAME", "a", "r"],
  ["RENAME", "r", "r"],
  ["RENAME", "zz", "r"],
  ["RENAME", "r", "c"],
  ["RENAMENX", "c", "c"],
  ["RENAMENX", "c", "d"],
  ["SET", "e", "1"],
  ["RENAMENX", "d", "e"],
  ["COPY", "d", "f"],
  ["COPY", "d", "f"],
  ["COPY", "d", "f", "REPLACE"],
  ["COPY", "d", "d"],
  ["COPY", "zz", "g"],
  ["COPY", "d", "g", "DB", "2"],
  ["COPY", "d", "g", "DB", "2"],
  ["COPY", "d", "g", "DB", "2", "REPLACE"],
  ["MOVE", "f", "3"],
  ["MOVE", "zz", "3"],
  ["SET", "f", "1"],
  ["MOVE", "f", "3"],
  ["MOVE", "f", "0"],
  ["SELECT", "3"],
  ["SET", "x3", "1"],
  ["DEL", "f"],
  ["EXPIRE", "x3", "100"],
  ["RENAME", "x3", "y3"],
  ["SELECT", "0"],
  ["KEYS", "nomatch*"],
  ["DBSIZE"],
  ["SWAPDB", "0", "3"],
  ["SWAPDB", "0", "3"],
  ["FLUSHDB"],
  ["SET", "z", "1"],
  ["FLUSHALL"],
  ["SET", "z", "1"],
  ["FLUSHDB", "SYNC"],
  ["SET", "z", "1"],
  ["FLUSHALL", "ASYNC"],
];

Deno.test("notifications: string commands (KEA), RESP2 and RESP3", async () => {
  await withPair((pair) => compareNotificationsBoth(pair, STRING_COMMANDS));
});

Deno.test("notifications: string commands with new and keymiss (n and m)", async () => {
  await withPair((pair) =>
    compareNotificationsBoth(pair, STRING_COMMANDS, { flags: NEW_AND_MISS })
  );
});

Deno.test("notifications: generic and server commands (KEA), RESP2 and RESP3", async () => {
  await withPair((pair) => compareNotificationsBoth(pair, GENERIC_COMMANDS, { flags: "KEA" }));
});

Deno.test("notifications: generic and server commands with new and keymiss", async () => {
  await withPair((pair) =>
    compareNotificationsBoth(pair, GENERIC_COMMANDS, { flags: NEW_AND_MISS })
  );
});

Deno.test("notifications: class and channel subsets", async () => {
  const commands: Command[] = [
    ["SET", "k", "v", "EX", "100"],
    ["APPEND", "k", "x"],
    ["GET", "zz"],
    ["EXPIRE", "k", "-1"],
    ["SET", "k", "v"],
    ["RENAME", "k", "j"],
  ];
  await withPair(async (pair) => {
    for (const flags of ["K$", "Eg", "Kg$", "E$", "Km", "En", "gK", "Ex", "A", "g$", "KEmn"]) {
      await compareNotifications(pair, commands, { flags });
    }
  });
});

Deno.test("notifications: nothing is published when notify-keyspace-events is empty", async () => {
  await withPair(async (pair) => {
    for (const flags of ["", "K", "E", "g$"]) {
      for (const resp of [2, 3] as const) {
        const messages = await compareNotifications(
          pair,
          [...STRING_COMMANDS, ...GENERIC_COMMANDS.slice(0, 40)],
          { flags, resp },
        );
        assertEquals(messages, [], `flags ${JSON.stringify(flags)}`);
      }
    }
  });
});

/**
 * After a short-lived SET, waits until the key is gone on both servers (EXISTS, silent without
 * m). A SET with a past EXAT deletes at once in Redeno but lazily (or in the expire cycle) in
 * Redis, so the poll is what makes Redis announce `expired` before the marker.
 */
async function untilExpired(command: Command, ours: RespClient, theirs: RespClient) {
  if (!command.some((arg) => ["PX", "EXAT", "PXAT", "PEXPIRE"].includes(String(arg)))) return;
  const key = command[1];
  for (const client of [ours, theirs]) {
    await waitFor(async () => (await client.raw("EXISTS", key)) === ":0\r\n", 5000, "expiry");
  }
}

Deno.test("notifications: the expired event (x), lazily and actively", async () => {
  await withPair(async (pair) => {
    for (const resp of [2, 3] as const) {
      // EXISTS polls: they may reap the key (lazy) or find it already reaped (active).
      await compareNotifications(pair, [
        ["SET", "short", "v", "PX", "30"],
        ["SET", "short2", "v", "PX", "1"],
        ["SET", "k", "v"],
        ["PEXPIRE", "k", "20", "NX"],
        ["SET", "k2", "v", "PX", "20"],
        ["GETEX", "k2", "PX", "1000000"],
      ], { flags: "KEA", resp, after: untilExpired });
      // Nothing but expired events with only x on.
      await compareNotifications(pair, [
        ["SET", "short", "v", "PX", "15"],
        ["SET", "k", "v", "EXAT", "1"],
      ], { flags: "Ex", resp, after: untilExpired });
    }
  });
});

Deno.test("notifications: binary keys and events inside MULTI/EXEC", async () => {
  const key = "\x00\xff\r\nbin key";
  await withPair((pair) =>
    compareNotificationsBoth(pair, [
      ["SET", key, "v", "EX", "100"],
      ["MULTI"],
      ["APPEND", key, "x"],
      ["RENAME", key, "other"],
      ["DEL", "other", key],
      ["INCR", "n"],
      ["EXEC"],
      ["GET", key],
    ], { flags: NEW_AND_MISS })
  );
});

Deno.test("notifications: writing over a key that expired but was not yet reaped", async () => {
  const pause = (command: Command) =>
    command[0] === "PSETEX"
      ? new Promise<void>((resolve) => setTimeout(resolve, 5))
      : Promise.resolve();
  await withPair(async (pair) => {
    for (
      const write of [
        ["SET", "k", "v2"],
        ["SET", "k", "v2", "NX"],
        ["APPEND", "k", "x"],
        ["INCR", "k"],
        ["SETRANGE", "k", "1", "x"],
        ["MSET", "k", "1"],
        ["GETSET", "k", "1"],
        ["SETEX", "k", "100", "1"],
      ] as Command[]
    ) {
      const messages = await compareNotifications(pair, [["PSETEX", "k", "1", "1"], write], {
        flags: NEW_AND_MISS,
        after: (command) => pause(command),
      });
      assertEquals(messages.some((m) => m.includes("expired")), true);
    }
  });
});
