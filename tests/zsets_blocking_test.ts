/**
 * Blocking sorted set pops (BZPOPMIN, BZPOPMAX, BZMPOP) on an in-process Redeno: who wakes
 * first, what they get, and timeouts driven by moving the server's clock. Reply shapes are also
 * checked against redis-server for the cases that resolve at once.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { startRedeno, waitFor, withPair } from "./support/servers.ts";
import { ClientPairs } from "./support/client_pairs.ts";
import { RespClient } from "./support/resp_client.ts";

async function connectAll(port: number, n: number): Promise<RespClient[]> {
  return await Promise.all(Array.from({ length: n }, () => RespClient.connect(port)));
}

Deno.test({
  name: "zsets blocking",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startRedeno();
    const [a, b, c, writer] = await connectAll(server.port, 4);
    const blocked = (n: number) => () => server.blocking.blockedCount === n;
    try {
      await t.step("waiters are served first come, first served", async () => {
        await writer.raw("FLUSHALL");
        const first = a.raw("BZPOPMIN", "q1", "q2", "0");
        await waitFor(blocked(1));
        const second = b.raw("BZPOPMAX", "q2", "0");
        await waitFor(blocked(2));
        const third = c.raw("BZPOPMIN", "q2", "0");
        await waitFor(blocked(3));
        // One ZADD of three members: the oldest waiter on q2 (a) takes the min, b the max...
        assertEquals(await writer.raw("ZADD", "q2", "1", "x", "2", "y", "3", "z"), ":3\r\n");
        assertEquals(await first, "*3\r\n$2\r\nq2\r\n$1\r\nx\r\n$1\r\n1\r\n");
        assertEquals(await second, "*3\r\n$2\r\nq2\r\n$1\r\nz\r\n$1\r\n3\r\n");
        assertEquals(await third, "*3\r\n$2\r\nq2\r\n$1\r\ny\r\n$1\r\n2\r\n");
        assertEquals(await writer.raw("EXISTS", "q2"), ":0\r\n");
        assertEquals(server.blocking.blockedCount, 0);
      });

      await t.step("a waiter not served stays blocked when the set runs out", async () => {
        await writer.raw("FLUSHALL");
        const first = a.raw("BZPOPMIN", "q", "0");
        await waitFor(blocked(1));
        const second = b.raw("BZPOPMIN", "q", "0");
        await waitFor(blocked(2));
        await writer.raw("ZADD", "q", "5", "only");
        assertEquals(await first, "*3\r\n$1\r\nq\r\n$4\r\nonly\r\n$1\r\n5\r\n");
        assertEquals(server.blocking.blockedCount, 1);
        await writer.raw("ZADD", "q", "6", "next");
        assertEquals(await second, "*3\r\n$1\r\nq\r\n$4\r\nnext\r\n$1\r\n6\r\n");
      });

      await t.step("timeouts follow the server clock: *-1 in RESP2, _ in RESP3", async () => {
        await writer.raw("FLUSHALL");
        await b.raw("HELLO", "3");
        const two = a.raw("BZPOPMIN", "none", "1.5");
        const three = b.raw("BZMPOP", "10", "1", "none", "MAX");
        await waitFor(blocked(2));
        server.clock.advance(1000);
        server.blocking.checkTimeouts();
        assertEquals(server.blocking.blockedCount, 2);
        server.clock.advance(600);
        server.blocking.checkTimeouts();
        assertEquals(await two, "*-1\r\n");
        assertEquals(server.blocking.blockedCount, 1);
        server.clock.advance(9000);
        server.blocking.checkTimeouts();
        assertEquals(await three, "_\r\n");
        await b.raw("HELLO", "2");
      });

      await t.step("BZMPOP serves COUNT members from the first non-empty key", async () => {
        await writer.raw("FLUSHALL");
        const waiting = a.raw("BZMPOP", "0", "2", "k1", "k2", "MIN", "COUNT", "2");
        await waitFor(blocked(1));
        await writer.raw("ZADD", "k2", "1", "a", "2", "b", "3", "c");
        assertEquals(
          await waiting,
          "*2\r\n$2\r\nk2\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
        );
        assertEquals(await writer.raw("ZRANGE", "k2", "0", "-1"), "*1\r\n$1\r\nc\r\n");
        // RESP3: scores are doubles.
        await a.raw("HELLO", "3");
        const resp3 = a.raw("BZPOPMAX", "k3", "0");
        await waitFor(blocked(1));
        await writer.raw("ZADD", "k3", "1.5", "m");
        assertEquals(await resp3, "*3\r\n$2\r\nk3\r\n$1\r\nm\r\n,1.5\r\n");
        await a.raw("HELLO", "2");
      });

      await t.step(
        "a key created with another type does not serve a sorted set waiter",
        async () => {
          await writer.raw("FLUSHALL");
          const waiting = a.raw("BZPOPMIN", "k", "0");
          await waitFor(blocked(1));
          await writer.raw("SET", "k", "string");
          await writer.raw("DEL", "k");
          assertEquals(server.blocking.blockedCount, 1);
          await writer.raw("ZUNIONSTORE", "k", "1", "nothing");
          assertEquals(server.blocking.blockedCount, 1);
          await writer.raw("ZADD", "src", "7", "m");
          await writer.raw("ZUNIONSTORE", "k", "1", "src");
          assertEquals(await waiting, "*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n7\r\n");
          assertEquals(await writer.raw("EXISTS", "k"), ":0\r\n");
        },
      );

      await t.step("timeout errors, and no blocking when a set has members", async () => {
        await writer.raw("FLUSHALL");
        assertEquals(
          await a.raw("BZPOPMIN", "k", "-1"),
          "-ERR timeout is negative\r\n",
        );
        assertEquals(
          await a.raw("BZPOPMIN", "k", "x"),
          "-ERR timeout is not a float or out of range\r\n",
        );
        await writer.raw("ZADD", "k", "1", "a");
        assertEquals(
          await a.raw("BZPOPMIN", "nokey", "k", "0"),
          "*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n",
        );
      });
    } finally {
      for (const client of [a, b, c, writer]) client.close();
      await server.close();
    }
  },
});

Deno.test("zsets: BZPOPMIN reads its timeout exactly as BLPOP and redis-server do", async () => {
  await withPair(async (pair) => {
    for (const resp of [2, 3] as const) {
      const clients = await ClientPairs.open(pair, 2, resp);
      try {
        for (const timeout of ["1e20", "9223372036854775.808", "abc", "inf", "nan", ""]) {
          await clients.run(0, "BZPOPMIN", "nokey", timeout);
        }
        // A tiny negative timeout rounds to 0 ms: it waits forever rather than being refused.
        await clients.send(1, "BZPOPMIN", "nokey", "-0.001");
        await clients.blocked(1);
        await clients.unblock(0, 1, "TIMEOUT");
        await clients.reply(1, resp === 2 ? "*-1\r\n" : "_\r\n");
      } finally {
        clients.close();
      }
    }
  });
});
