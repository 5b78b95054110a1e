/**
 * XREAD BLOCK and XREADGROUP BLOCK with several clients, on Redeno and redis-server side by
 * side: who is woken by what (new entries, new keys, deleted keys, destroyed groups), the
 * default COUNT of a blocked read, CLIENT UNBLOCK, and timeouts on Redeno's moved clock.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { scenarioSteps } from "./support/client_pairs.ts";
import { maskTimes } from "./support/streams.ts";
import { RespClient } from "./support/resp_client.ts";
import { ServerPair, startRedeno, waitFor } from "./support/servers.ts";

const scenario = scenarioSteps(4, { noneBlocked: true });

Deno.test("streams: blocking reads behave as redis-server's", async (t) => {
  const pair = await ServerPair.start();
  try {
    await scenario(t, pair, "XREAD $ is woken by XADD on an existing stream", async (c) => {
      await c.run(0, "XADD", "s", "1-1", "f", "old");
      await c.send(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
      await c.blocked(1);
      await c.send(2, "XREAD", "BLOCK", "0", "COUNT", "1", "STREAMS", "other", "s", "0", "1-1");
      await c.blocked(2);
      await c.run(0, "XADD", "s", "2-1", "f", "new");
      await c.reply(1);
      await c.reply(2);
    });

    await scenario(t, pair, "XREAD on a missing key is woken when it is created", async (c) => {
      await c.send(1, "XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "0");
      await c.blocked(1);
      await c.run(0, "SET", "b", "not a stream");
      await c.run(0, "DEL", "b");
      await c.blocked(1);
      await c.run(0, "XADD", "b", "5-0", "f", "v");
      await c.reply(1);
    });

    await scenario(t, pair, "a blocked XREAD gets at most 1000 entries", async (c) => {
      await c.send(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "0");
      await c.blocked(1);
      await c.run(0, "MULTI");
      for (let i = 1; i <= 1005; i++) {
        await c.run(0, "XADD", "s", `${i}-0`, "f", "v");
      }
      await c.run(0, "EXEC");
      await c.reply(1);
    });

    await scenario(t, pair, "an entry added and deleted before serving", async (c) => {
      await c.run(0, "XADD", "s", "1-0", "f", "v");
      await c.send(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
      await c.blocked(1);
      await c.run(0, "MULTI");
      await c.run(0, "XADD", "s", "2-0", "f", "v");
      await c.run(0, "XDEL", "s", "2-0");
      await c.run(0, "EXEC");
      await c.reply(1);
    });

    await scenario(t, pair, "XREADGROUP > is served in arrival order", async (c) => {
      await c.run(0, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
      await c.send(1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">");
      await c.blocked(1);
      await c.send(
        2,
        "XREADGROUP",
        "GROUP",
        "g",
        "bob",
        "NOACK",
        "BLOCK",
        "0",
        "COUNT",
        "1",
        "STREAMS",
        "s",
        ">",
      );
      await c.blocked(2);
      await c.run(0, "XADD", "s", "1-0", "f", "v");
      await c.reply(1);
      await c.run(0, "XADD", "s", "2-0", "f", "v");
      await c.run(0, "XADD", "s", "3-0", "f", "v");
      await c.reply(2);
      await c.run(0, "XPENDING", "s", "g");
      await c.run(0, "XINFO", "GROUPS", "s");
    });

    await scenario(t, pair, "XREADGROUP fails when its key or group goes", async (c) => {
      await c.run(0, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
      await c.run(0, "XGROUP", "CREATE", "s", "h", "$");
      await c.send(1, "XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">");
      await c.blocked(1);
      await c.send(2, "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
      await c.blocked(2);
      await c.send(3, "XREADGROUP", "GROUP", "h", "b", "BLOCK", "0", "STREAMS", "s", ">");
      await c.blocked(3);
      await c.run(0, "DEL", "s");
      await c.reply(1);
      await c.reply(3);
      await c.blocked(1);
      await c.run(0, "XADD", "s", "1-0", "f", "v");
      await c.reply(2);
      // A destroyed group, and a stream overwritten by another type.
      await c.run(0, "XGROUP", "CREATE", "s", "g", "$");
      await c.send(1, "XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">");
      await c.blocked(1);
      await c.run(0, "XGROUP", "DESTROY", "s", "g");
      await c.reply(1);
      await c.run(0, "XGROUP", "CREATE", "s", "g", "$");
      await c.send(1, "XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">");
      await c.blocked(1);
      await c.run(0, "SET", "s", "string");
      await c.reply(1);
    });

    await scenario(t, pair, "a key named twice waits for its first ID", async (c) => {
      await c.send(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "s", "5-0", "0");
      await c.blocked(1);
      await c.run(0, "XADD", "s", "3-0", "f", "v");
      await c.blocked(1);
      await c.run(0, "XADD", "s", "6-0", "f", "v");
      await c.reply(1);
    });

    await scenario(t, pair, "an old XREADGROUP wait does not fail a new wait", async (c) => {
      await c.run(0, "XGROUP", "CREATE", "a", "g", "$", "MKSTREAM");
      await c.run(0, "XGROUP", "CREATE", "b", "g", "$", "MKSTREAM");
      await c.send(1, "XREADGROUP", "GROUP", "g", "x", "BLOCK", "0", "STREAMS", "a", "b", ">", ">");
      await c.blocked(1);
      await c.run(0, "DEL", "a");
      await c.reply(1);
      await c.send(1, "XREAD", "BLOCK", "0", "STREAMS", "b", "$");
      await c.blocked(1);
      await c.run(0, "DEL", "b");
      await c.blocked(1);
      await c.run(0, "XADD", "b", "1-0", "f", "v");
      await c.reply(1);
    });

    await scenario(t, pair, "CLIENT UNBLOCK and MULTI", async (c) => {
      await c.send(1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
      await c.blocked(1);
      await c.unblock(0, 1, "TIMEOUT");
      await c.reply(1);
      await c.send(1, "XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">");
      await c.reply(1);
      await c.run(0, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
      await c.send(1, "XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">");
      await c.blocked(1);
      await c.unblock(0, 1, "ERROR");
      await c.reply(1);
      await c.run(2, "MULTI");
      await c.run(2, "XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">");
      await c.run(2, "XREAD", "BLOCK", "0", "STREAMS", "s", "$");
      await c.run(2, "EXEC");
    });

    await scenario(t, pair, "seen times and pending entries after a blocked read", async (c) => {
      await c.run(0, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
      await c.send(1, "XREADGROUP", "GROUP", "g", "new", "BLOCK", "0", "STREAMS", "s", ">");
      await c.blocked(1);
      await c.run(0, "XADD", "s", "1-0", "f", "v");
      await c.reply(1);
      const [a, b] = await Promise.all([
        c.ours[0].raw("XINFO", "STREAM", "s", "FULL"),
        c.theirs[0].raw("XINFO", "STREAM", "s", "FULL"),
      ]);
      assertEquals(maskTimes(a), maskTimes(b));
    });
  } finally {
    await pair.close();
  }
});

Deno.test("streams: BLOCK timeouts follow the server clock", async () => {
  const server = await startRedeno();
  const client = await RespClient.connect(server.port);
  const other = await RespClient.connect(server.port);
  server.clock.set(server.clock.now(), true);
  try {
    await client.write(RespClient.encode(["XREAD", "BLOCK", "5000", "STREAMS", "s", "$"]));
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(4999);
    assertEquals(server.blocking.blockedCount, 1);
    server.clock.advance(2);
    assertEquals(await client.readRaw(), "*-1\r\n");
    await other.raw("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
    await client.write(
      RespClient.encode(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">"]),
    );
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(11);
    assertEquals(await client.readRaw(), "*-1\r\n");
    // BLOCK 0 waits however far the clock moves.
    await client.write(RespClient.encode(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]));
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(10 ** 12);
    assertEquals(server.blocking.blockedCount, 1);
    assertEquals(await other.raw("XADD", "s", "1-1", "f", "v"), "$3\r\n1-1\r\n");
    assertEquals(
      await client.readRaw(),
      "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
    );
    // A stream that expires fails its XREADGROUP waiters, as a deleted one does.
    await other.raw("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM");
    await other.raw("PEXPIRE", "e", "100");
    await client.write(
      RespClient.encode(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "e", ">"]),
    );
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(101);
    assertEquals(await other.raw("EXISTS", "e"), ":0\r\n");
    assertEquals(await client.readRaw(), "-UNBLOCKED the stream key no longer exists\r\n");
  } finally {
    client.close();
    other.close();
    await server.close();
  }
});
