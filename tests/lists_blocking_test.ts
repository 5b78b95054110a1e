/**
 * Blocking list commands with several clients, on Redeno and redis-server side by side: who is
 * served first, chains of BLMOVE waking the next waiter, timeouts, CLIENT UNBLOCK, disconnects,
 * and keys that change while clients wait. Every reply is compared byte for byte.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { ServerPair, startRedeno, waitFor } from "./support/servers.ts";
import { scenarioSteps } from "./support/client_pairs.ts";

const scenario = scenarioSteps(5, { noneBlocked: true });

Deno.test("lists: blocking commands behave as redis-server's", async (t) => {
  const pair = await ServerPair.start();
  try {
    await scenario(t, pair, "first come, first served", async (c) => {
      await c.send(1, "BLPOP", "k", "0");
      await c.blocked(1);
      await c.send(2, "BRPOP", "k", "other", "0");
      await c.blocked(2);
      await c.send(3, "BLMPOP", "0", "2", "other", "k", "LEFT", "COUNT", "5");
      await c.blocked(3);
      await c.run(0, "RPUSH", "k", "a", "b", "c", "d", "e");
      await c.reply(1);
      await c.reply(2);
      await c.reply(3);
      await c.run(0, "EXISTS", "k");
    });

    await scenario(t, pair, "each client is served from the key that was pushed", async (c) => {
      await c.send(1, "BLPOP", "a", "0");
      await c.blocked(1);
      await c.send(2, "BLPOP", "b", "0");
      await c.blocked(2);
      await c.send(3, "BRPOP", "a", "b", "0");
      await c.blocked(3);
      await c.run(0, "RPUSH", "b", "x", "y");
      await c.reply(2);
      await c.reply(3);
      await c.run(0, "RPUSH", "a", "z");
      await c.reply(1);
      await c.run(0, "EXISTS", "a", "b");
    });

    await scenario(t, pair, "BLMOVE chains wake the next waiter", async (c) => {
      await c.send(1, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0");
      await c.blocked(1);
      await c.send(2, "BRPOPLPUSH", "b", "c", "0");
      await c.blocked(2);
      await c.send(3, "BLPOP", "c", "0");
      await c.blocked(3);
      await c.run(0, "RPUSH", "a", "x", "y");
      await c.reply(1);
      await c.reply(2);
      await c.reply(3);
      for (const key of ["a", "b", "c"]) await c.run(0, "LRANGE", key, "0", "-1");
      await c.blocked(0);
    });

    await scenario(t, pair, "BLMOVE onto its own source", async (c) => {
      await c.send(1, "BLMOVE", "a", "a", "RIGHT", "LEFT", "0");
      await c.blocked(1);
      await c.send(2, "BLPOP", "a", "0");
      await c.blocked(2);
      await c.run(0, "RPUSH", "a", "x");
      await c.reply(1);
      await c.reply(2);
      await c.run(0, "EXISTS", "a");
    });

    await scenario(t, pair, "a key of another type does not serve list waiters", async (c) => {
      await c.send(1, "BLPOP", "k", "0");
      await c.blocked(1);
      await c.run(0, "SET", "k", "string");
      if (pair.redeno.commands.lookup("zadd") !== undefined) {
        await c.run(0, "DEL", "k");
        await c.run(0, "ZADD", "k", "1", "m");
      }
      await c.blocked(1);
      await c.run(0, "DEL", "k");
      await c.run(0, "RPUSH", "other", "x");
      await c.run(0, "RENAME", "other", "k");
      await c.reply(1);
      await c.run(0, "EXISTS", "k");
    });

    await scenario(t, pair, "BLMOVE to a destination of the wrong type", async (c) => {
      await c.run(0, "SET", "dst", "string");
      await c.send(1, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0");
      await c.blocked(1);
      await c.run(0, "RPUSH", "src", "x");
      await c.reply(1);
      await c.run(0, "LRANGE", "src", "0", "-1");
      // The destination deleted while the client waits: it is created.
      await c.send(1, "BRPOPLPUSH", "src2", "dst", "0");
      await c.blocked(1);
      await c.run(0, "DEL", "dst");
      await c.run(0, "LPUSH", "src2", "y");
      await c.reply(1);
      await c.run(0, "LRANGE", "dst", "0", "-1");
    });

    await scenario(t, pair, "CLIENT UNBLOCK with TIMEOUT and ERROR", async (c) => {
      await c.send(1, "BLPOP", "k", "0");
      await c.send(2, "BLMOVE", "k", "d", "LEFT", "LEFT", "0");
      await c.send(3, "BLMPOP", "0", "1", "k", "RIGHT");
      await c.send(4, "BRPOPLPUSH", "k", "d", "0");
      await c.blocked(4);
      await c.unblock(0, 1);
      await c.reply(1);
      await c.unblock(0, 2, "TIMEOUT");
      await c.reply(2);
      await c.unblock(0, 3, "ERROR");
      await c.reply(3, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
      await c.unblock(0, 4, "error");
      await c.reply(4);
      assertEquals(await c.unblock(0, 4), ":0\r\n");
      await c.run(1, "PING");
    });

    await scenario(t, pair, "a client that disconnects while blocked is forgotten", async (c) => {
      await c.send(1, "BLPOP", "k", "0");
      await c.blocked(1);
      await c.send(2, "BLPOP", "k", "0");
      await c.blocked(2);
      c.ours[1].close();
      c.theirs[1].close();
      await c.blocked(1);
      await c.run(0, "RPUSH", "k", "a", "b");
      await c.reply(2);
      await c.run(0, "LRANGE", "k", "0", "-1");
    });

    await scenario(t, pair, "commands pipelined after a blocking one wait for it", async (c) => {
      const pipeline = new Uint8Array([
        ...RespClient.encode(["BLPOP", "k", "0"]),
        ...RespClient.encode(["RPUSH", "k2", "after"]),
      ]);
      await Promise.all([c.ours[1].write(pipeline), c.theirs[1].write(pipeline)]);
      await c.blocked(1);
      await c.run(0, "EXISTS", "k2");
      await c.run(0, "LPUSH", "k", "v");
      await c.reply(1);
      await c.reply(1);
      await c.run(0, "LRANGE", "k2", "0", "-1");
    });

    await scenario(t, pair, "timeouts reply with a null array", async (c) => {
      await c.send(1, "BLPOP", "k", "0.05");
      await c.send(2, "BRPOP", "k", "k2", "0.05");
      await c.send(3, "BLMOVE", "k", "d", "LEFT", "LEFT", "0.05");
      await c.send(4, "BLMPOP", "0.05", "1", "k", "LEFT", "COUNT", "3");
      await c.blocked(4);
      c.advance(100);
      for (let i = 1; i <= 4; i++) await c.reply(i, c.resp === 2 ? "*-1\r\n" : "_\r\n");
      await c.send(1, "BRPOPLPUSH", "k", "d", "0.01");
      c.advance(100);
      await c.reply(1);
      await c.run(0, "EXISTS", "k", "d");
    });

    await scenario(t, pair, "changes are counted as redis-server counts them", async (c) => {
      const dirty = async () => {
        const [a, b] = await Promise.all([
          c.ours[0].raw("INFO", "persistence"),
          c.theirs[0].raw("INFO", "persistence"),
        ]);
        const read = (info: string) => Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
        return [read(a), read(b)];
      };
      const before = await dirty();
      await c.send(1, "BLPOP", "k", "0");
      await c.send(2, "BLMOVE", "k", "d", "LEFT", "LEFT", "0");
      await c.send(3, "BLMPOP", "0", "1", "k", "RIGHT", "COUNT", "2");
      await c.blocked(3);
      await c.run(0, "RPUSH", "k", "1", "2", "3", "4", "5");
      for (let i = 1; i <= 3; i++) await c.reply(i);
      const after = await dirty();
      assertEquals(
        `ours ${after[0] - before[0]}`,
        `redis ${after[1] - before[1]}`.replace("redis", "ours"),
      );
    });
  } finally {
    await pair.close();
  }
});

Deno.test("lists: blocking timeouts follow the server clock", async () => {
  const server = await startRedeno();
  const client = await RespClient.connect(server.port);
  const other = await RespClient.connect(server.port);
  // Frozen, so that only `advance` moves time.
  server.clock.set(server.clock.now(), true);
  try {
    await client.write(RespClient.encode(["BLPOP", "k", "1000.5"]));
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(1_000_000);
    assertEquals(server.blocking.blockedCount, 1);
    server.clock.advance(1000);
    assertEquals(await client.readRaw(), "*-1\r\n");
    // A fraction of a millisecond rounds up: 0.0001 s waits 1 ms, not forever.
    await client.write(RespClient.encode(["BRPOP", "k", "0.0001"]));
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(2);
    assertEquals(await client.readRaw(), "*-1\r\n");
    // 0 and what rounds to 0 (-0.0009) wait forever.
    await client.write(RespClient.encode(["BLMOVE", "k", "d", "LEFT", "LEFT", "-0.0009"]));
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(10 ** 12);
    assertEquals(server.blocking.blockedCount, 1);
    assertEquals(await other.raw("LPUSH", "k", "v"), ":1\r\n");
    assertEquals(await client.readRaw(), "$1\r\nv\r\n");
    assertEquals(await other.raw("LRANGE", "d", "0", "-1"), "*1\r\n$1\r\nv\r\n");
  } finally {
    client.close();
    other.close();
    await server.close();
  }
});
