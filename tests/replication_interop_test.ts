/**
 * Replication with a real redis-server 7.0 in both directions: Redeno as a replica of Redis
 * (disk-based and diskless full sync, the command stream, expiries as DEL, a partial resync
 * after the link is killed) and Redis as a replica of Redeno (the same checks). Data is
 * compared with DEBUG DIGEST, which Redeno computes as Redis does.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { info, linkUp, sameData } from "./support/replication.ts";
import { type RedisProcess, startRedeno, startRedis, waitFor } from "./support/servers.ts";

const DEBUG = ["--enable-debug-command", "yes"];

/** A redis-server whose files (a replica writes the RDB it receives) go to a temp dir. */
async function startRedisIn(args: string[]): Promise<RedisProcess & { dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "redeno-repl-" });
  const redis = await startRedis([...DEBUG, "--dir", dir, ...args]);
  return {
    port: redis.port,
    dir,
    async close() {
      await redis.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Several types, some with TTLs, in db 0 and db 3. */
async function populate(client: RespClient, prefix: string): Promise<void> {
  await client.call("SET", `${prefix}:s`, "hello");
  await client.call("SET", `${prefix}:n`, "12345");
  await client.call("SET", `${prefix}:bin`, "\x00\xff\r\n");
  await client.call("RPUSH", `${prefix}:l`, "a", "b", "c", "1", "2");
  await client.call("HSET", `${prefix}:h`, "f1", "v1", "f2", "2");
  await client.call("SADD", `${prefix}:set`, "x", "y", "z");
  await client.call("SADD", `${prefix}:iset`, "1", "2", "3");
  await client.call("ZADD", `${prefix}:z`, "1", "one", "2.5", "two");
  await client.call("XADD", `${prefix}:x`, "1-1", "f", "v");
  await client.call("SET", `${prefix}:ttl`, "v", "EX", "1000");
  await client.call("SELECT", "3");
  await client.call("SET", `${prefix}:db3`, "three");
  await client.call("LPUSH", `${prefix}:db3l`, "q");
  await client.call("SELECT", "0");
}

/** Writes of many kinds after the sync: the stream must carry them all. */
async function streamWrites(client: RespClient, prefix: string): Promise<void> {
  await client.call("INCR", `${prefix}:n`);
  await client.call("APPEND", `${prefix}:s`, " world");
  await client.call("LPOP", `${prefix}:l`);
  await client.call("HINCRBY", `${prefix}:h`, "f2", "5");
  await client.call("SPOP", `${prefix}:set`);
  await client.call("ZINCRBY", `${prefix}:z`, "3", "one");
  await client.call("XADD", `${prefix}:x`, "*", "g", "w");
  await client.call("EXPIRE", `${prefix}:s`, "5000");
  await client.call("MULTI");
  await client.call("SET", `${prefix}:m1`, "1");
  await client.call("INCRBYFLOAT", `${prefix}:m2`, "1.5");
  await client.call("EXEC");
  await client.call("EVAL", "redis.call('SET', KEYS[1], 'lua'); return 1", "1", `${prefix}:lua`);
  await client.call("SELECT", "3");
  await client.call("SET", `${prefix}:db3b`, "b");
  await client.call("SELECT", "0");
  await client.call("SET", `${prefix}:short`, "gone soon", "PX", "50");
}

for (const diskless of ["no", "yes"]) {
  Deno.test({
    name: `replication interop: Redeno replica of redis-server (repl-diskless-sync ${diskless})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const redis = await startRedisIn([
        "--repl-diskless-sync",
        diskless,
        "--repl-diskless-sync-delay",
        "0",
      ]);
      const redeno = await startRedeno({ "enable-debug-command": "yes" });
      const master = await RespClient.connect(redis.port);
      const replica = await RespClient.connect(redeno.port);
      try {
        await populate(master, "before");
        await replica.call("SET", "stale", "replaced by the sync");
        assertEquals(await replica.call("REPLICAOF", "127.0.0.1", String(redis.port)), "OK");
        assertEquals(
          await replica.call("REPLICAOF", "127.0.0.1", String(redis.port)),
          "OK Already connected to specified master",
        );
        await linkUp(replica);
        await sameData(master, replica, "the full sync");
        assertEquals(await replica.call("EXISTS", "stale"), 0);

        await streamWrites(master, "after");
        await sameData(master, replica, "the stream");
        // The short-lived key expires on the master, which sends DEL.
        await waitFor(async () => await replica.call("EXISTS", "after:short") === 0);
        await sameData(master, replica, "expiry as DEL");

        const write = await replica.raw("SET", "x", "1");
        assertEquals(write, "-READONLY You can't write against a read only replica.\r\n");
        const role = await replica.call("ROLE") as unknown[];
        assertEquals(role.slice(0, 4), ["slave", "127.0.0.1", redis.port, "connected"]);
        const masterInfo = await info(master, "replication");
        assertEquals(masterInfo.get("connected_slaves"), "1");
        assert(masterInfo.get("slave0")!.includes(`port=${redeno.port},state=online`));

        // Cut the link from the replica's side, then from the master's: both resume partially.
        const fullBefore = (await info(master, "stats")).get("sync_full");
        assertEquals(await replica.call("CLIENT", "KILL", "TYPE", "master"), 1);
        await master.call("SET", "during", "the outage");
        await linkUp(replica);
        await waitFor(async () => (await info(master, "stats")).get("sync_partial_ok") === "1");
        assertEquals(await master.call("CLIENT", "KILL", "TYPE", "replica"), 1);
        await master.call("RPUSH", "before:l", "more");
        await linkUp(replica);
        await waitFor(async () => (await info(master, "stats")).get("sync_partial_ok") === "2");
        assertEquals((await info(master, "stats")).get("sync_full"), fullBefore);
        await sameData(master, replica, "partial resyncs");
        const mine = await info(replica, "replication");
        const theirs = await info(master, "replication");
        assertEquals(mine.get("master_replid"), theirs.get("master_replid"));
        await waitFor(async () =>
          (await info(replica, "replication")).get("master_repl_offset") ===
            (await info(master, "replication")).get("master_repl_offset")
        );

        // Promotion: a master again, with a new history that remembers the old one.
        assertEquals(await replica.call("REPLICAOF", "NO", "ONE"), "OK");
        const promoted = await info(replica, "replication");
        assertEquals(promoted.get("role"), "master");
        assertEquals(promoted.get("master_replid2"), theirs.get("master_replid"));
        assertEquals(await replica.call("SET", "x", "1"), "OK");
      } finally {
        master.close();
        replica.close();
        await redeno.close();
        await redis.close();
      }
    },
  });
}

Deno.test({
  name: "replication interop: redis-server replica of Redeno, then a partial resync",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redeno = await startRedeno({ "enable-debug-command": "yes" });
    const redis = await startRedisIn([]);
    const master = await RespClient.connect(redeno.port);
    const replica = await RespClient.connect(redis.port);
    try {
      await populate(master, "before");
      assertEquals(await replica.call("REPLICAOF", "127.0.0.1", String(redeno.port)), "OK");
      await linkUp(replica);
      await sameData(master, replica, "the full sync");

      await streamWrites(master, "after");
      await sameData(master, replica, "the stream");
      await waitFor(async () => await replica.call("EXISTS", "after:short") === 0);
      await sameData(master, replica, "expiry as DEL");

      const role = await master.call("ROLE") as unknown[];
      assertEquals(role[0], "master");
      assertEquals((role[2] as unknown[]).length, 1);
      const clients = String(await master.call("CLIENT", "LIST", "TYPE", "replica"));
      assert(clients.includes("flags=S"), clients);

      // WAIT: the replica acknowledges our writes.
      await master.call("SET", "acked", "1");
      assertEquals(await master.call("WAIT", "1", "2000"), 1);

      assertEquals(await master.call("CLIENT", "KILL", "TYPE", "replica"), 1);
      await master.call("SET", "during", "the outage");
      await linkUp(replica);
      await waitFor(async () => (await info(master, "stats")).get("sync_partial_ok") === "1");
      assertEquals((await info(master, "stats")).get("sync_full"), "1");
      await sameData(master, replica, "the partial resync");
      await waitFor(async () =>
        (await info(replica, "replication")).get("master_repl_offset") ===
          (await info(master, "replication")).get("master_repl_offset")
      );
    } finally {
      master.close();
      replica.close();
      await redis.close();
      await redeno.close();
    }
  },
});
