/**
 * Replication between Redeno servers: two replicas of one primary, WAIT, read-only replicas,
 * expiry left to the primary's DEL, partial resyncs, and a promotion that the other replica
 * follows without a full sync (PSYNC2's second id).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { RedenoServer } from "../src/server/server.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, waitFor } from "./support/servers.ts";
import { info, linkUp } from "./support/replication.ts";

const CONFIG = { "enable-debug-command": "yes" };

async function digestsMatch(clients: RespClient[]): Promise<void> {
  let digests: unknown[] = [];
  await waitFor(
    async () => {
      digests = await Promise.all(clients.map((client) => client.call("DEBUG", "DIGEST")));
      return digests.every((digest) => digest === digests[0]);
    },
    5000,
    "equal digests",
  ).catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(digests)}`);
  });
}

async function offsetsMatch(primary: RespClient, replica: RespClient): Promise<void> {
  await waitFor(async () =>
    (await info(primary, "replication")).get("master_repl_offset") ===
      (await info(replica, "replication")).get("master_repl_offset")
  );
}

Deno.test({
  name: "replication: two Redeno replicas of a Redeno primary, WAIT, READONLY and promotion",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const servers: RedenoServer[] = await Promise.all([
      startRedeno(CONFIG),
      startRedeno(CONFIG),
      startRedeno(CONFIG),
    ]);
    const [primary, a, b] = await Promise.all(
      servers.map((server) => RespClient.connect(server.port)),
    );
    try {
      await primary.call("RPUSH", "list", "a", "b");
      await primary.call("HSET", "hash", "f", "v");
      await primary.call("XADD", "stream", "1-1", "f", "v");
      await primary.call(
        "FUNCTION",
        "LOAD",
        "#!lua name=lib\nredis.register_function('f', function() return 1 end)",
      );
      for (const replica of [a, b]) {
        assertEquals(await replica.call("REPLICAOF", "127.0.0.1", String(servers[0].port)), "OK");
      }
      await linkUp(a);
      await linkUp(b);
      await digestsMatch([primary, a, b]);
      assertEquals(await a.call("FCALL", "f", "0"), 1);

      await primary.call("SADD", "set", "x", "y");
      await primary.call("SELECT", "5");
      await primary.call("ZADD", "zset", "1", "m");
      await primary.call("SELECT", "0");
      await primary.call(
        "EVAL",
        "redis.call('INCR', 'counter') return redis.call('INCR', 'counter')",
        "0",
      );
      assertEquals(await primary.call("WAIT", "2", "5000"), 2);
      await digestsMatch([primary, a, b]);

      const replication = await info(primary, "replication");
      assertEquals(replication.get("connected_slaves"), "2");
      const role = await primary.call("ROLE") as unknown[];
      assertEquals((role[2] as unknown[]).length, 2);
      assertEquals(
        await a.raw("SET", "k", "v"),
        "-READONLY You can't write against a read only replica.\r\n",
      );
      assertEquals(
        await a.raw("WAIT", "0", "0"),
        "-ERR WAIT cannot be used with replica " +
          "instances. Please also note that since Redis 4.0 if a replica is configured to be " +
          "writable (which is not the default) writes to replicas are just local and are not " +
          "propagated.\r\n",
      );
      await a.call("CONFIG", "SET", "replica-read-only", "no");
      assertEquals(await a.call("SET", "local", "write"), "OK");
      await a.call("DEL", "local");
      await a.call("CONFIG", "SET", "replica-read-only", "yes");

      // The link breaks; the replica continues where it was.
      assertEquals(await a.call("CLIENT", "KILL", "TYPE", "master"), 1);
      await primary.call("SET", "while", "away");
      await linkUp(a);
      await digestsMatch([primary, a]);
      await waitFor(async () => (await info(primary, "stats")).get("sync_partial_ok") === "1");

      // Promote A; B follows it and continues the same history (no full sync).
      await offsetsMatch(primary, b);
      assertEquals(await a.call("REPLICAOF", "NO", "ONE"), "OK");
      assertEquals((await a.call("ROLE") as unknown[])[0], "master");
      assertEquals(await b.call("REPLICAOF", "127.0.0.1", String(servers[1].port)), "OK");
      await linkUp(b);
      await a.call("SET", "after", "promotion");
      assertEquals(await a.call("WAIT", "1", "5000"), 1);
      await digestsMatch([a, b]);
      const stats = await info(a, "stats");
      assertEquals([stats.get("sync_full"), stats.get("sync_partial_ok")], ["0", "1"]);
    } finally {
      for (const client of [primary, a, b]) client.close();
      await Promise.all(servers.map((server) => server.close()));
    }
  },
});

Deno.test({
  name: "replication: a replica leaves expired keys to its primary's DEL",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const primaryServer = await startRedeno(CONFIG);
    // `replicaof` given at start, as in redis.conf.
    const replicaServer = await startRedeno({
      ...CONFIG,
      replicaof: `127.0.0.1 ${primaryServer.port}`,
    });
    const primary = await RespClient.connect(primaryServer.port);
    const replica = await RespClient.connect(replicaServer.port);
    try {
      await linkUp(replica);
      await primary.call("SET", "k", "v", "PX", "60000");
      await waitFor(async () => await replica.call("DBSIZE") === 1);
      // Only the replica's time runs out: the key reads as gone there, but stays.
      replicaServer.clock.advance(120_000);
      assertEquals(await replica.call("GET", "k"), null);
      assertEquals(await replica.call("EXISTS", "k"), 0);
      assertEquals(await replica.call("DBSIZE"), 1);
      // The primary's time runs out too: it deletes the key and the replica follows.
      primaryServer.clock.advance(120_000);
      await waitFor(async () => await replica.call("DBSIZE") === 0);
    } finally {
      primary.close();
      replica.close();
      await replicaServer.close();
      await primaryServer.close();
    }
  },
});

Deno.test({
  name: "replication: WAIT without replicas times out with 0; REPLCONF and PSYNC errors",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startRedeno(CONFIG);
    const client = await RespClient.connect(server.port);
    try {
      assertEquals(await client.call("WAIT", "0", "0"), 0);
      const started = Date.now();
      assertEquals(await client.call("WAIT", "1", "50"), 0);
      assert(Date.now() - started >= 40);
      assertEquals(await client.raw("WAIT", "1", "-1"), "-ERR timeout is negative\r\n");
      assertEquals(await client.raw("REPLCONF", "x"), "-ERR syntax error\r\n");
      assertEquals(
        await client.raw("REPLCONF", "foo", "bar"),
        "-ERR Unrecognized REPLCONF option: foo\r\n",
      );
      assertEquals(await client.raw("REPLICAOF", "host", "99999"), "-ERR Invalid master port\r\n");
      assertEquals(await client.call("REPLICAOF", "NO", "ONE"), "OK");
      const fields = await info(client, "replication");
      assertEquals(fields.get("role"), "master");
      assertEquals(fields.get("repl_backlog_active"), "0");
    } finally {
      client.close();
      await server.close();
    }
  },
});
