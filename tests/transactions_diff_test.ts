/**
 * Transactions (MULTI, EXEC, DISCARD, WATCH, UNWATCH) on Redeno and redis-server side by side,
 * in RESP2 and RESP3, with several connections where a scenario needs them; every reply is
 * compared byte for byte. Then ioredis's MULTI and a WATCH-based optimistic lock, and checks
 * only Redeno can make (moving its clock).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Redis } from "ioredis";
import { RespClient } from "./support/resp_client.ts";
import { type Command, ServerPair, startRedeno, waitFor } from "./support/servers.ts";
import { type ClientPairs, scenarioSteps } from "./support/client_pairs.ts";

const NULL_ARRAY = { 2: "*-1\r\n", 3: "_\r\n" };

const scenario = scenarioSteps(3);

/** WATCH `key` on client 0, run `change` (on `by`), then MULTI/PING/EXEC; returns EXEC's reply. */
async function watchThen(
  c: ClientPairs,
  setup: Command[],
  key: string,
  change: Command[],
  by = 0,
): Promise<string> {
  await c.script(0, setup);
  await c.run(0, "WATCH", key);
  await c.script(by, change);
  await c.run(0, "MULTI");
  await c.run(0, "PING");
  return await c.run(0, "EXEC");
}

Deno.test("transactions: MULTI/EXEC/DISCARD/WATCH as redis-server", async (t) => {
  const pair = await ServerPair.start();
  try {
    await scenario(t, pair, "queueing and EXEC", async (c) => {
      await c.script(0, [
        ["EXEC"],
        ["DISCARD"],
        ["MULTI"],
        ["SET", "a", "1"],
        ["INCR", "a"],
        ["LPUSH", "a", "x"],
        ["GET", "a"],
        ["MGET", "a", "nothing"],
        ["EXEC"],
        ["EXEC"],
        ["MULTI"],
        ["EXEC"],
      ]);
    });

    await scenario(t, pair, "nested MULTI and WATCH inside MULTI do not abort", async (c) => {
      await c.script(0, [
        ["MULTI"],
        ["MULTI"],
        ["WATCH", "a"],
        ["SET", "a", "1"],
        ["EXEC"],
        ["GET", "a"],
      ]);
    });

    await scenario(t, pair, "EXECABORT after unknown commands and arity errors", async (c) => {
      await c.script(0, [
        ["MULTI"],
        ["SET", "a", "1"],
        ["NOSUCHCOMMAND", "x", "y"],
        ["SET", "b", "2"],
        ["EXEC"],
        ["EXISTS", "a", "b"],
        ["MULTI"],
        ["GET"],
        ["EXEC"],
        ["MULTI"],
        ["CLIENT", "NOSUCHSUB"],
        ["EXEC"],
        ["MULTI"],
        ["FOO"],
        ["DISCARD"],
        ["EXEC"],
      ]);
    });

    await scenario(t, pair, "errors inside EXEC stay per command", async (c) => {
      await c.script(0, [
        ["MULTI"],
        ["SET", "s", "text"],
        ["LPUSH", "s", "x"],
        ["INCR", "s"],
        ["SELECT", "99"],
        ["BLPOP", "l", "-1"],
        ["APPEND", "s", "!"],
        ["EXEC"],
        ["GET", "s"],
      ]);
    });

    await scenario(t, pair, "DISCARD drops the queue and the watches", async (c) => {
      await c.script(0, [["WATCH", "k"], ["MULTI"], ["SET", "k", "1"], ["DISCARD"]]);
      await c.run(1, "SET", "k", "2");
      await c.script(0, [["GET", "k"], ["MULTI"], ["GET", "k"], ["EXEC"]]);
    });

    await scenario(t, pair, "QUIT, RESET, HELLO and UNWATCH inside MULTI", async (c) => {
      await c.script(0, [
        ["MULTI"],
        ["SET", "a", "1"],
        ["RESET"],
        ["EXEC"],
        ["EXISTS", "a"],
        ["WATCH", "a"],
        ["SET", "a", "2"],
        ["MULTI"],
        ["UNWATCH"],
        ["GET", "a"],
        ["EXEC"],
        ["WATCH", "a"],
        ["RESET"],
        ["SET", "a", "3"],
        ["MULTI"],
        ["GET", "a"],
        ["EXEC"],
      ]);
      await c.script(1, [["MULTI"], ["SET", "q", "1"], ["QUIT"]]);
      await c.run(2, "EXISTS", "q");
    });

    await scenario(t, pair, "SELECT inside EXEC", async (c) => {
      await c.script(0, [
        ["MULTI"],
        ["SELECT", "2"],
        ["SET", "x", "in2"],
        ["SELECT", "0"],
        ["EXEC"],
        ["GET", "x"],
        ["SELECT", "2"],
        ["GET", "x"],
      ]);
    });

    await scenario(t, pair, "WATCH: unchanged keys, missing keys and UNWATCH", async (c) => {
      assertEquals(await watchThen(c, [["SET", "k", "1"]], "k", []), "*1\r\n+PONG\r\n");
      assertEquals(await watchThen(c, [], "missing", [["GET", "missing"]]), "*1\r\n+PONG\r\n");
      await c.script(0, [["WATCH", "k"], ["UNWATCH"], ["SET", "k", "2"], ["MULTI"], ["EXEC"]]);
      // A failed write (no change) and a read do not count as changes.
      await watchThen(c, [["SET", "k", "1"]], "k", [["SET", "k", "x", "NX"], ["GET", "k"]], 1);
    });

    await scenario(t, pair, "WATCH: the watching client changes the key itself", async (c) => {
      const reply = await watchThen(c, [["SET", "k", "1"]], "k", [["SET", "k", "2"]]);
      assertEquals(reply, NULL_ARRAY[c.resp]);
      // The aborted EXEC ended the watch: the next transaction runs.
      await c.script(0, [["MULTI"], ["GET", "k"], ["EXEC"]]);
    });

    await scenario(t, pair, "WATCH: another client changes the key", async (c) => {
      await watchThen(c, [], "k", [["SET", "k", "1"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["DEL", "k"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["INCR", "k"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["APPEND", "k", "x"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["RENAME", "k", "j"]], 1);
      await watchThen(c, [["SET", "j", "1"]], "k", [["RENAME", "j", "k"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["MOVE", "k", "3"]], 1);
      await watchThen(c, [["SET", "j", "1"]], "k", [["COPY", "j", "k"]], 1);
      // A key only read by a write command is not changed.
      await watchThen(c, [["SADD", "k", "a"]], "k", [["SUNIONSTORE", "d", "k"]], 1);
      // The same key name in another db is another key.
      await watchThen(c, [], "k", [["SELECT", "5"], ["SET", "k", "1"], ["SELECT", "0"]], 1);
    });

    await scenario(t, pair, "WATCH: collections changed in place", async (c) => {
      const cases: Array<[Command, Command]> = [
        [["HSET", "k", "f", "1"], ["HSET", "k", "g", "2"]],
        [["HSET", "k", "f", "1"], ["HINCRBY", "k", "f", "2"]],
        [["LPUSH", "k", "a"], ["LPUSH", "k", "b"]],
        [["LPUSH", "k", "a", "b"], ["LSET", "k", "0", "z"]],
        [["SADD", "k", "a"], ["SADD", "k", "b"]],
        [["SADD", "k", "a", "b"], ["SREM", "k", "a"]],
        [["ZADD", "k", "1", "a"], ["ZADD", "k", "2", "b"]],
        [["ZADD", "k", "1", "a"], ["ZINCRBY", "k", "5", "a"]],
        [["HSET", "k", "f", "1"], ["HDEL", "k", "nothing"]],
        [["SADD", "k", "a"], ["SADD", "k", "a"]],
      ];
      for (const [setup, change] of cases) {
        await c.run(0, "FLUSHALL");
        await watchThen(c, [setup], "k", [change], 1);
      }
    });

    await scenario(t, pair, "WATCH: EXPIRE, PERSIST and expired keys", async (c) => {
      await watchThen(c, [["SET", "k", "1"]], "k", [["EXPIRE", "k", "100"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["PERSIST", "k"]], 1);
      await watchThen(c, [["SET", "k", "1", "EX", "100"]], "k", [["PERSIST", "k"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["EXPIRE", "k", "-1"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["PEXPIREAT", "k", "1"]], 1);
      // A key that expires while watched aborts EXEC, whether or not it was removed yet.
      await c.run(0, "SET", "k", "1", "PX", "40");
      await c.run(0, "WATCH", "k");
      await waitFor(
        async () => {
          const [a, b] = await Promise.all([
            c.ours[1].raw("PTTL", "k"),
            c.theirs[1].raw("PTTL", "k"),
          ]);
          return a === ":-2\r\n" && b === ":-2\r\n";
        },
        5000,
        "k to expire",
      );
      await c.run(0, "MULTI");
      assertEquals(await c.run(0, "EXEC"), NULL_ARRAY[c.resp]);
      // A key already expired when WATCH ran is no change when it goes.
      await c.run(0, "SET", "k", "1", "PX", "1");
      await new Promise((resolve) => setTimeout(resolve, 20));
      await c.run(0, "WATCH", "k");
      await c.run(1, "EXISTS", "k");
      await c.script(0, [["MULTI"], ["PING"], ["EXEC"]]);
    });

    await scenario(t, pair, "WATCH: FLUSHDB, FLUSHALL and SWAPDB", async (c) => {
      await watchThen(c, [["SET", "k", "1"]], "k", [["FLUSHDB"]], 1);
      await watchThen(c, [["SET", "k", "1"]], "k", [["FLUSHALL"]], 1);
      // Flushing a db where the watched key is missing touches nothing.
      await watchThen(c, [["FLUSHALL"]], "k", [["FLUSHALL"]], 1);
      await watchThen(c, [["FLUSHALL"], ["SET", "other", "1"]], "k", [["FLUSHDB"]], 1);
      // SWAPDB touches watched keys present on either side, in either db.
      await watchThen(c, [["FLUSHALL"], ["SET", "k", "1"]], "k", [["SWAPDB", "0", "1"]], 1);
      await watchThen(
        c,
        [["FLUSHALL"], ["SELECT", "1"], ["SET", "k", "1"], ["SELECT", "0"]],
        "k",
        [["SWAPDB", "1", "0"]],
        1,
      );
      await watchThen(c, [["FLUSHALL"]], "k", [["SWAPDB", "0", "1"]], 1);
      await watchThen(c, [["FLUSHALL"], ["SET", "k", "1"]], "k", [["SWAPDB", "1", "2"]], 1);
    });

    await scenario(t, pair, "WATCH: several keys, one changed", async (c) => {
      await c.script(0, [["SET", "a", "1"], ["WATCH", "a", "b"], ["WATCH", "c", "a"]]);
      await c.run(1, "SET", "c", "1");
      await c.script(0, [["MULTI"], ["SET", "a", "2"], ["EXEC"], ["GET", "a"]]);
    });

    await scenario(t, pair, "blocking commands inside MULTI reply at once", async (c) => {
      await c.script(0, [
        ["MULTI"],
        ["BLPOP", "l", "0"],
        ["BRPOP", "l", "m", "1"],
        ["BLMOVE", "l", "m", "LEFT", "LEFT", "0"],
        ["BRPOPLPUSH", "l", "m", "0"],
        ["BLMPOP", "0", "1", "l", "LEFT"],
        ["BZPOPMIN", "z", "0"],
        ["BZPOPMAX", "z", "0"],
        ["BZMPOP", "0", "1", "z", "MIN"],
        ["RPUSH", "l", "a"],
        ["BLPOP", "l", "0"],
        ["EXEC"],
      ]);
      await c.blocked(0);
    });

    await scenario(t, pair, "pushes inside EXEC wake a blocked client after EXEC", async (c) => {
      await c.send(1, "BLPOP", "q", "0");
      await c.blocked(1);
      await c.script(0, [
        ["MULTI"],
        ["RPUSH", "q", "a", "b"],
        ["LPOP", "q"],
        ["RPUSH", "q", "c"],
        ["EXEC"],
      ]);
      await c.reply(1);
      await c.run(0, "LRANGE", "q", "0", "-1");
      // A key created and emptied inside EXEC serves nobody.
      await c.send(1, "BLPOP", "r", "0");
      await c.blocked(1);
      await c.script(0, [["MULTI"], ["RPUSH", "r", "x"], ["DEL", "r"], ["EXEC"]]);
      await c.run(0, "RPUSH", "r", "y");
      await c.reply(1);
    });

    await scenario(t, pair, "a served BLMOVE changes its watched destination", async (c) => {
      await c.run(0, "RPUSH", "dst", "z");
      await c.run(0, "WATCH", "dst");
      await c.send(1, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0");
      await c.blocked(1);
      await c.run(2, "RPUSH", "src", "x");
      await c.reply(1);
      await c.script(0, [["MULTI"], ["PING"], ["EXEC"]]);
    });

    await scenario(t, pair, "commands queued count when EXEC runs them", async (c) => {
      const processed = async () => {
        const [a, b] = await Promise.all([
          c.ours[2].raw("INFO", "stats"),
          c.theirs[2].raw("INFO", "stats"),
        ]);
        const count = (raw: string) => Number(/total_commands_processed:(\d+)/.exec(raw)![1]);
        return [count(a), count(b)];
      };
      const before = await processed();
      await c.script(0, [["MULTI"], ["SET", "a", "1"], ["SET", "b", "2"], ["DISCARD"]]);
      await c.script(0, [["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["EXEC"]]);
      const after = await processed();
      assertEquals(after[0] - before[0], after[1] - before[1]);
    });

    await scenario(t, pair, "CLIENT LIST multi= counts the queue", async (c) => {
      const field = (raw: string) => /multi=(-?\d+)/.exec(raw)![1];
      const info = async () => {
        const [a, b] = await Promise.all([
          c.ours[0].raw("CLIENT", "INFO"),
          c.theirs[0].raw("CLIENT", "INFO"),
        ]);
        assertEquals(field(a), field(b));
        return field(a);
      };
      assertEquals(await info(), "-1");
      await c.script(0, [["MULTI"], ["SET", "a", "1"], ["CLIENT", "INFO"]]);
      const [a, b] = await Promise.all([c.ours[0].raw("EXEC"), c.theirs[0].raw("EXEC")]);
      assertEquals(field(a), "2");
      assertEquals(field(b), "2");
      assertEquals(/cmd=(\S+)/.exec(a)![1], /cmd=(\S+)/.exec(b)![1]);
    });
  } finally {
    await pair.close();
  }
});

Deno.test("transactions: watched keys expiring on Redeno's clock", async () => {
  const server = await startRedeno();
  const client = await RespClient.connect(server.port);
  try {
    // Expired at EXEC but never looked up (no lazy or active removal yet): still aborts.
    await client.raw("SET", "k", "1", "PX", "10000");
    await client.raw("WATCH", "k");
    server.clock.advance(20_000);
    await client.raw("MULTI");
    assertEquals(await client.raw("EXEC"), "*-1\r\n");
    // Already expired when watched: no change.
    await client.raw("SET", "k", "1", "PX", "10000");
    server.clock.advance(20_000);
    await client.raw("WATCH", "k");
    await client.raw("MULTI");
    await client.raw("PING");
    assertEquals(await client.raw("EXEC"), "*1\r\n+PONG\r\n");
    // A disconnected watcher leaves nothing tracked behind.
    const other = await RespClient.connect(server.port);
    await other.raw("WATCH", "a", "b");
    other.close();
    await waitFor(() => server.keyspace.db(0).watchedCount === 0, 5000, "watches released");
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test({
  name: "transactions: ioredis MULTI and a WATCH optimistic lock",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startRedeno();
    const options = {
      host: "127.0.0.1",
      port: server.port,
      enableReadyCheck: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    };
    const redis = new Redis(options);
    const rival = new Redis(options);
    try {
      const results = await redis.multi().set("counter", "1").incr("counter").get("counter")
        .exec();
      assertEquals(results, [[null, "OK"], [null, 2], [null, "2"]]);

      // Add 10 to counter with WATCH; the rival changes it during the first attempt only.
      let attempts = 0;
      for (;;) {
        attempts++;
        await redis.watch("counter");
        const current = Number(await redis.get("counter"));
        if (attempts === 1) await rival.incrby("counter", 100);
        const outcome = await redis.multi().set("counter", String(current + 10)).exec();
        if (outcome !== null) break;
        if (attempts > 5) throw new Error("optimistic lock never succeeded");
      }
      assertEquals(attempts, 2);
      assertEquals(await redis.get("counter"), "112");
    } finally {
      redis.disconnect();
      rival.disconnect();
      await server.close();
    }
  },
});
