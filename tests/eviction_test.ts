/**
 * maxmemory and eviction: the dataset accounting behind used_memory, every maxmemory-policy
 * evicting only what it may (driven by the in-process server's clock, so idle times are exact),
 * evicted notifications and counters, and — against redis-server 7.0.15 — the OOM error, which
 * commands it refuses, MULTI/EXEC under it, and how many keys fit under the same maxmemory.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { RedenoServer } from "../src/server/server.ts";
import { RespClient } from "./support/resp_client.ts";
import { type Command, ServerPair, startRedeno, waitFor } from "./support/servers.ts";

const OOM = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
const VALUE = "v".repeat(100);

/** Sends commands in batches, each batch in one write, and returns every raw reply. */
async function pipeline(client: RespClient, commands: Command[]): Promise<string[]> {
  const replies: string[] = [];
  for (let start = 0; start < commands.length; start += 500) {
    const batch = commands.slice(start, start + 500);
    const parts = batch.map((command) => RespClient.encode(command));
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    await client.write(bytes);
    for (let i = 0; i < batch.length; i++) replies.push(await client.readRaw());
  }
  return replies;
}

/** One INFO field as a number. */
async function infoNumber(client: RespClient, field: string): Promise<number> {
  const text = String(await client.call("INFO", "all"));
  const match = text.match(new RegExp(`^${field}:(\\S+)`, "m"));
  if (match === null) throw new Error(`no ${field} in INFO`);
  return Number(match[1]);
}

async function withRedeno(
  config: Record<string, string>,
  fn: (server: RedenoServer, client: RespClient) => Promise<void>,
): Promise<void> {
  const server = await startRedeno(config);
  const client = await RespClient.connect(server.port);
  try {
    await fn(server, client);
  } finally {
    client.close();
    await server.close();
  }
}

Deno.test("eviction: used_memory follows the data as Redis's model of it", async () => {
  await withRedeno({}, async (_server, client) => {
    const empty = await infoNumber(client, "used_memory");
    assertEquals(await infoNumber(client, "used_memory_dataset"), 0);
    await pipeline(client, [["SET", "s", VALUE], ["HSET", "h", "f", "v"]]);
    const usageS = Number(await client.call("MEMORY", "USAGE", "s"));
    let usageH = Number(await client.call("MEMORY", "USAGE", "h"));
    assertEquals(await infoNumber(client, "used_memory_dataset"), usageS + usageH);
    // A collection grows in place: the next reading measures it again.
    const fields: Command = ["HSET", "h"];
    for (let i = 0; i < 100; i++) fields.push(`field:${i}`, VALUE);
    await client.raw(...fields);
    usageH = Number(await client.call("MEMORY", "USAGE", "h"));
    const dataset = await infoNumber(client, "used_memory_dataset");
    assertEquals(dataset, usageS + usageH);
    // Keys and TTLs also take their share of the dicts.
    const used = await infoNumber(client, "used_memory");
    assertEquals(used - empty, dataset + 2 * 8);
    await client.raw("EXPIRE", "s", "100");
    assertEquals(await infoNumber(client, "used_memory"), used + 32);
    await client.raw("DEL", "h");
    assertEquals(await infoNumber(client, "used_memory_dataset"), usageS);
    await client.raw("FLUSHALL");
    assertEquals(await infoNumber(client, "used_memory"), empty);
  });
});

/**
 * The scenario every policy runs: 200 persistent keys p:N and 200 volatile keys v:N (TTL
 * 1000+N s), written 100 s ago; the first 50 of each ("hot") read 10 times since; then, with
 * maxmemory at the current use, 150 new persistent keys n:N. Returns the keys that were evicted.
 */
async function evictionScenario(
  server: RedenoServer,
  client: RespClient,
  policy: string,
): Promise<{ evicted: Set<string>; replies: string[]; counted: number }> {
  await client.raw("CONFIG", "SET", "maxmemory-policy", policy, "lfu-log-factor", "0");
  const fill: Command[] = [];
  for (let i = 0; i < 200; i++) {
    fill.push(["SET", `p:${i}`, VALUE], ["SET", `v:${i}`, VALUE, "EX", String(1000 + i)]);
  }
  await pipeline(client, fill);
  server.clock.advance(100_000);
  const reads: Command[] = [];
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 50; i++) reads.push(["GET", `p:${i}`], ["GET", `v:${i}`]);
  }
  await pipeline(client, reads);
  server.clock.advance(10_000);
  const used = await infoNumber(client, "used_memory");
  await client.raw("CONFIG", "SET", "maxmemory", String(used));
  const writes: Command[] = [];
  for (let i = 0; i < 150; i++) writes.push(["SET", `n:${i}`, VALUE]);
  const replies = await pipeline(client, writes);
  await client.raw("CONFIG", "SET", "maxmemory", "0");
  const evicted = new Set<string>();
  for (const prefix of ["p", "v", "n"]) {
    const count = prefix === "n" ? 150 : 200;
    const exists = await pipeline(
      client,
      Array.from({ length: count }, (_, i) => ["EXISTS", `${prefix}:${i}`]),
    );
    exists.forEach((reply, i) => {
      if (reply === ":0\r\n") evicted.add(`${prefix}:${i}`);
    });
  }
  const counted = await infoNumber(client, "evicted_keys");
  return { evicted, replies, counted };
}

function countOf(keys: Set<string>, test: (prefix: string, index: number) => boolean): number {
  let count = 0;
  for (const key of keys) {
    const [prefix, index] = key.split(":");
    if (test(prefix, Number(index))) count++;
  }
  return count;
}

const isHot = (prefix: string, index: number) => prefix !== "n" && index < 50;
const isCold = (prefix: string, index: number) => prefix !== "n" && index >= 50;

for (const policy of ["allkeys-lru", "allkeys-lfu"]) {
  Deno.test(`eviction: ${policy} evicts cold keys and keeps hot ones`, async () => {
    await withRedeno({}, async (server, client) => {
      const { evicted, replies, counted } = await evictionScenario(server, client, policy);
      assert(replies.every((reply) => reply === "+OK\r\n"), "every SET was allowed");
      assert(evicted.size >= 100, `evicted ${evicted.size}`);
      assertEquals(counted, evicted.size);
      const hot = countOf(evicted, isHot);
      const cold = countOf(evicted, isCold);
      assert(hot <= evicted.size / 20, `hot evicted: ${hot} of ${evicted.size}`);
      assert(cold >= evicted.size * 0.8, `cold evicted: ${cold} of ${evicted.size}`);
      // OBJECT FREQ and IDLETIME answer for the policy's kind of tracking only.
      if (policy === "allkeys-lfu") {
        assert(Number(await client.call("OBJECT", "FREQ", "p:0")) > 10);
        assertEquals(
          (await client.raw("OBJECT", "IDLETIME", "p:0")).startsWith("-ERR An LFU maxmemory"),
          true,
        );
      } else {
        assertEquals(await client.call("OBJECT", "IDLETIME", "p:0"), 10);
        assertEquals(
          (await client.raw("OBJECT", "FREQ", "p:0")).startsWith("-ERR An LFU maxmemory"),
          true,
        );
      }
    });
  });
}

for (const policy of ["volatile-lru", "volatile-lfu"]) {
  Deno.test(`eviction: ${policy} evicts only keys with a TTL, cold ones first`, async () => {
    await withRedeno({}, async (server, client) => {
      const { evicted, counted } = await evictionScenario(server, client, policy);
      assert(evicted.size >= 100, `evicted ${evicted.size}`);
      assertEquals(counted, evicted.size);
      assertEquals(countOf(evicted, (prefix) => prefix !== "v"), 0);
      const hot = countOf(evicted, isHot);
      assert(hot <= evicted.size / 10, `hot evicted: ${hot} of ${evicted.size}`);
    });
  });
}

Deno.test("eviction: volatile-ttl evicts the nearest deadlines first", async () => {
  await withRedeno({}, async (server, client) => {
    const { evicted } = await evictionScenario(server, client, "volatile-ttl");
    assert(evicted.size >= 100, `evicted ${evicted.size}`);
    assertEquals(countOf(evicted, (prefix) => prefix !== "v"), 0);
    // v:N expires in 1000+N s: evicting E keys should take (about) v:0 to v:E-1.
    const early = countOf(evicted, (_, index) => index < evicted.size);
    assert(early >= evicted.size * 0.8, `early: ${early} of ${evicted.size}`);
  });
});

Deno.test("eviction: the random policies evict from their own scope", async () => {
  await withRedeno({}, async (server, client) => {
    const { evicted } = await evictionScenario(server, client, "volatile-random");
    assert(evicted.size >= 100, `evicted ${evicted.size}`);
    assertEquals(countOf(evicted, (prefix) => prefix !== "v"), 0);
  });
  await withRedeno({}, async (server, client) => {
    const { evicted } = await evictionScenario(server, client, "allkeys-random");
    assert(evicted.size >= 100, `evicted ${evicted.size}`);
    // From anywhere: persistent and volatile keys alike.
    assert(countOf(evicted, (prefix) => prefix === "p") > 0);
    assert(countOf(evicted, (prefix) => prefix === "v") > 0);
  });
});

Deno.test("eviction: noeviction refuses writes that may grow memory; reads and DEL work", async () => {
  await withRedeno({}, async (server, client) => {
    const { evicted, replies, counted } = await evictionScenario(server, client, "noeviction");
    assertEquals(evicted.size, 149); // none of p/v went; no n:N was written after the first
    assertEquals(counted, 0);
    assertEquals(replies[0], "+OK\r\n"); // memory was at the limit, not over it
    assert(replies.slice(1).every((reply) => reply === OOM), replies.slice(0, 3).join());
    await client.raw("CONFIG", "SET", "maxmemory", "1");
    assertEquals(await client.raw("GET", "p:0"), `$100\r\n${VALUE}\r\n`);
    assertEquals(await client.raw("SET", "p:0", "x"), OOM);
    assertEquals(await client.raw("DEL", "p:0"), ":1\r\n");
    assertEquals(server.keyspace.stats.evictedKeys, 0);
  });
});

Deno.test("eviction: volatile policies with no volatile key refuse writes", async () => {
  await withRedeno({ "maxmemory-policy": "volatile-lru" }, async (_server, client) => {
    await pipeline(client, Array.from({ length: 100 }, (_, i) => ["SET", `p:${i}`, VALUE]));
    await client.raw("CONFIG", "SET", "maxmemory", "1");
    assertEquals(await client.raw("SET", "x", "y"), OOM);
    assertEquals(await client.call("DBSIZE"), 100);
  });
});

Deno.test("eviction: evicted keys are announced, counted and seen by WATCH", async () => {
  await withRedeno(
    { "maxmemory-policy": "allkeys-random", "notify-keyspace-events": "Ee" },
    async (server, client) => {
      const subscriber = await RespClient.connect(server.port);
      const watcher = await RespClient.connect(server.port);
      try {
        await subscriber.raw("SUBSCRIBE", "__keyevent@0__:evicted");
        await pipeline(client, Array.from({ length: 50 }, (_, i) => ["SET", `k:${i}`, VALUE]));
        await watcher.raw("WATCH", "k:7");
        // Below what an empty server takes: every key must go.
        await client.raw("CONFIG", "SET", "maxmemory", "1");
        await waitFor(() => server.keyspace.db(0).size === 0, 2000, "every key evicted");
        const keys = new Set<string>();
        for (let i = 0; i < 50; i++) {
          const message = await subscriber.readRaw();
          const key = message.match(/\$\d+\r\n(k:\d+)\r\n$/)?.[1];
          assert(key !== undefined, message);
          keys.add(key);
        }
        assertEquals(keys.size, 50);
        assertEquals(await infoNumber(client, "evicted_keys"), 50);
        await client.raw("CONFIG", "SET", "maxmemory", "0");
        await watcher.raw("MULTI");
        await watcher.raw("PING");
        assertEquals(await watcher.raw("EXEC"), "*-1\r\n");
        await client.raw("CONFIG", "RESETSTAT");
        assertEquals(await infoNumber(client, "evicted_keys"), 0);
      } finally {
        subscriber.close();
        watcher.close();
      }
    },
  );
});

/** A redis-server that starts empty: its own directory, so no dump.rdb lying around loads. */
async function startPair(): Promise<{ pair: ServerPair; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "redeno-eviction-" });
  return { pair: await ServerPair.start({}, ["--dir", dir]), dir };
}

Deno.test("eviction: under redis-server, the same commands are refused the same way", async () => {
  const { pair, dir } = await startPair();
  try {
    await pair.compare([
      ["CONFIG", "RESETSTAT"],
      ["SET", "a", "b"],
      ["RPUSH", "l", "x"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SET", "x", "y"],
      ["GET", "a"],
      ["EXISTS", "a"],
      ["INCR", "n"],
      ["LPUSH", "l", "y"],
      ["LPOP", "l"],
      ["APPEND", "a", "c"],
      ["SETRANGE", "a", "0", "c"],
      ["EXPIRE", "a", "100"],
      ["PERSIST", "a"],
      ["MULTI"],
      ["GET", "a"],
      ["PING"],
      ["EXEC"],
      ["MULTI"],
      ["DISCARD"],
      ["MULTI"],
      ["EXEC"],
      ["DEL", "a"],
      ["CONFIG", "SET", "maxmemory-policy", "volatile-lru"],
      ["SET", "x", "y"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
      ["INFO", "errorstats"],
    ]);
    // A transaction queued before memory ran out: EXEC refuses it if it holds a denyoom command.
    const [ours, theirs] = await pair.connect();
    try {
      for (const client of [ours, theirs]) {
        await client.raw("FLUSHALL");
        await client.raw("SET", "a", "b");
      }
      const both = (command: Command) =>
        Promise.all([ours.raw(...command), theirs.raw(...command)]);
      const script: Command[] = [
        ["MULTI"],
        ["SET", "q", "1"],
        ["CONFIG", "SET", "maxmemory", "1"],
      ];
      for (const command of script) await both(command);
      // The CONFIG SET was queued too: apply it from outside.
      const [ours2, theirs2] = await pair.connect();
      await Promise.all([
        ours2.raw("CONFIG", "SET", "maxmemory", "1"),
        theirs2.raw("CONFIG", "SET", "maxmemory", "1"),
      ]);
      const [a, b] = await both(["EXEC"]);
      assertEquals(a, b);
      assertEquals(a, `-EXECABORT Transaction discarded because of: ${OOM.slice(1)}`);
      const [c, d] = await both(["EXEC"]);
      assertEquals(c, d);
      await Promise.all([
        ours2.raw("CONFIG", "SET", "maxmemory", "0"),
        theirs2.raw("CONFIG", "SET", "maxmemory", "0"),
      ]);
      ours2.close();
      theirs2.close();
    } finally {
      ours.close();
      theirs.close();
    }
  } finally {
    await pair.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("eviction: about as many keys fit under a maxmemory as in redis-server", async () => {
  const { pair, dir } = await startPair();
  const [ours, theirs] = await pair.connect();
  try {
    const fill: Command[] = [];
    for (let i = 0; i < 30_000; i++) fill.push(["SET", `key:${i}`, VALUE]);
    const fitted: number[] = [];
    for (const client of [ours, theirs]) {
      await client.raw("FLUSHALL");
      await client.raw("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
      await client.raw("CONFIG", "SET", "maxmemory", "4mb");
      await pipeline(client, fill);
      fitted.push(Number(await client.call("DBSIZE")));
      assert(await infoNumber(client, "evicted_keys") > 0);
      await client.raw("CONFIG", "SET", "maxmemory", "0");
      await client.raw("FLUSHALL");
    }
    const ratio = fitted[0] / fitted[1];
    console.log(
      `keys of 100 bytes under maxmemory 4mb: Redeno ${fitted[0]}, redis-server ${fitted[1]} ` +
        `(ratio ${ratio.toFixed(2)})`,
    );
    assert(ratio > 0.5 && ratio < 2, `ratio ${ratio}`);
  } finally {
    ours.close();
    theirs.close();
    await pair.close();
    await Deno.remove(dir, { recursive: true });
  }
});
