/**
 * Key commands where time matters: Redeno in this process with its clock moved by hand, so no
 * test sleeps. (Differential tests against redis-server are in keys_diff_test.ts.)
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { RedenoServer } from "../src/server/server.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, waitFor } from "./support/servers.ts";

async function withServer(
  run: (server: RedenoServer, client: RespClient) => Promise<void>,
): Promise<void> {
  const server = await startRedeno();
  const client = await RespClient.connect(server.port);
  try {
    await run(server, client);
  } finally {
    client.close();
    await server.close();
  }
}

Deno.test("keys: TTLs count down with the clock and keys vanish after it", async () => {
  await withServer(async (server, client) => {
    const clock = server.keyspace.clock;
    assertEquals(await client.call("SET", "k", "v"), "OK");
    assertEquals(await client.call("EXPIRE", "k", "100"), 1);
    clock.advance(40_000);
    assertEquals(await client.call("TTL", "k"), 60);
    assertEquals(await client.call("PTTL", "k") as number > 59_000, true);
    clock.advance(59_999);
    assertEquals(await client.call("PTTL", "k") as number <= 1, true);
    clock.advance(1_000);
    assertEquals(await client.call("TTL", "k"), -2);
    assertEquals(await client.call("EXISTS", "k"), 0);
    assertEquals(await client.call("GET", "k"), null);
    assertEquals(server.keyspace.stats.expiredKeys, 1);
  });
});

Deno.test("keys: EXPIREAT in the past and PEXPIRE 0 delete at once", async () => {
  await withServer(async (server, client) => {
    await client.call("SET", "a", "v");
    await client.call("SET", "b", "v");
    const past = String(Math.floor(server.keyspace.clock.now() / 1000) - 10);
    assertEquals(await client.call("EXPIREAT", "a", past), 1);
    assertEquals(await client.call("PEXPIRE", "b", "0"), 1);
    assertEquals(server.keyspace.db(0).size, 0);
  });
});

Deno.test("keys: OBJECT IDLETIME follows the clock; only real uses reset it", async () => {
  await withServer(async (server, client) => {
    const clock = server.keyspace.clock;
    await client.call("SET", "k", "v");
    clock.advance(30_000);
    assertEquals(await client.call("OBJECT", "IDLETIME", "k"), 30);
    // Inspection does not count as use.
    for (
      const command of [
        ["EXISTS", "k"],
        ["TYPE", "k"],
        ["TTL", "k"],
        ["PTTL", "k"],
        ["OBJECT", "ENCODING", "k"],
        ["SCAN", "0"],
        ["KEYS", "*"],
      ]
    ) await client.call(...command);
    assertEquals(await client.call("OBJECT", "IDLETIME", "k"), 30);
    await client.call("TOUCH", "k");
    assertEquals(await client.call("OBJECT", "IDLETIME", "k"), 0);
    clock.advance(5_000);
    await client.call("GET", "k");
    assertEquals(await client.call("OBJECT", "IDLETIME", "k"), 0);
  });
});

Deno.test("keys: OBJECT ENCODING says raw for strings changed in place, even short ones", async () => {
  await withServer(async (server, client) => {
    const db = server.keyspace.db(0);
    await client.call("SET", "n", "12");
    assertEquals(await client.call("OBJECT", "ENCODING", "n"), "int");
    db.setModifiedInPlace("n", "123");
    assertEquals(await client.call("OBJECT", "ENCODING", "n"), "raw");
    assertEquals(await client.call("OBJECT", "REFCOUNT", "n"), 1);
    // The encoding travels with the value.
    await client.call("RENAME", "n", "m");
    assertEquals(await client.call("OBJECT", "ENCODING", "m"), "raw");
    await client.call("COPY", "m", "c");
    assertEquals(await client.call("OBJECT", "ENCODING", "c"), "raw");
    await client.call("SET", "m", "123");
    assertEquals(await client.call("OBJECT", "ENCODING", "m"), "int");
  });
});

Deno.test("keys: RANDOMKEY never returns an expired key", async () => {
  await withServer(async (server, client) => {
    for (let i = 0; i < 200; i++) {
      await client.call("SET", `k${i}`, "v");
      await client.call("PEXPIRE", `k${i}`, "1000");
    }
    assertEquals(typeof await client.call("RANDOMKEY"), "string");
    server.keyspace.clock.advance(1001);
    assertEquals(await client.call("RANDOMKEY"), null);
    await client.call("SET", "alive", "v");
    assertEquals(await client.call("RANDOMKEY"), "alive");
  });
});

Deno.test("keys: writes bump the dirty counter like Redis's server.dirty", async () => {
  await withServer(async (server, client) => {
    const dirty = () => server.stats.dirty;
    await client.call("SET", "a", "1");
    await client.call("SET", "b", "2");
    let before = dirty();
    await client.call("DEL", "a", "b", "nokey");
    assertEquals(dirty() - before, 2);
    await client.call("SET", "k", "v");
    before = dirty();
    await client.call("EXPIRE", "k", "100");
    await client.call("EXPIRE", "k", "100", "NX"); // refused: no change
    await client.call("PERSIST", "k");
    await client.call("PERSIST", "k"); // nothing to remove
    await client.call("RENAME", "k", "j");
    await client.call("RENAME", "j", "j"); // same key: no change
    await client.call("COPY", "j", "i");
    await client.call("MOVE", "i", "1");
    await client.call("RENAMENX", "j", "h");
    await client.call("EXISTS", "h");
    await client.call("TOUCH", "h");
    await client.call("EXPIRE", "h", "-1"); // deletes
    assertEquals(dirty() - before, 7);
  });
});

Deno.test("keys: SCAN over the network misses no stable key while others churn", async () => {
  await withServer(async (server, client) => {
    const db = server.keyspace.db(0);
    for (let i = 0; i < 1000; i++) {
      db.set(`stable:${i}`, "v");
      db.set(`churn:${i}`, "v");
    }
    const seen = new Set<string>();
    let cursor = "0";
    let step = 0;
    do {
      const [next, keys] = await client.call("SCAN", cursor, "COUNT", "13") as [string, string[]];
      for (const key of keys) seen.add(key);
      cursor = next;
      db.delete(`churn:${(step * 7) % 1000}`);
      db.set(`new:${step++}`, "v");
    } while (cursor !== "0");
    for (let i = 0; i < 1000; i++) assertEquals(seen.has(`stable:${i}`), true);
  });
});

Deno.test("keys: 200 000 keys with TTLs expire in bounded active slices", async () => {
  await withServer(async (server, client) => {
    const keyspace = server.keyspace;
    const N = 200_000;
    // Time stands still while the keys are written, however slow the machine is.
    keyspace.clock.set(keyspace.clock.now(), true);
    for (const id of [0, 3]) {
      const db = keyspace.db(id);
      const now = keyspace.clock.now();
      for (let i = 0; i < N / 2; i++) {
        const key = `key:${i}`;
        db.set(key, "value");
        db.setExpire(key, now + 1000 + (i % 5000));
      }
    }
    assertEquals(await client.call("DBSIZE"), N / 2);
    // Moving the clock runs one bounded pass at once; the rest is left to later slices.
    const movedAt = performance.now();
    keyspace.clock.advance(10_000);
    const moveTook = performance.now() - movedAt;
    const budgetMs = 2;
    const slack = 25; // a GC pause may land inside a slice
    assertEquals(moveTook < 25 + slack, true, `the pass on clock move took ${moveTook} ms`);
    assertEquals(keyspace.stats.expiredKeys < N, true, "the pass on clock move is bounded");
    let slices = 0;
    let worst = 0;
    while (keyspace.stats.expiredKeys < N && slices < 100_000) {
      const started = performance.now();
      keyspace.activeExpireCycle(budgetMs);
      worst = Math.max(worst, performance.now() - started);
      slices++;
    }
    assertEquals(keyspace.stats.expiredKeys, N);
    assertEquals(slices > 1, true, "one slice should not have done it all");
    assertEquals(worst < budgetMs + slack, true, `slowest slice took ${worst} ms`);
    assertEquals(await client.call("DBSIZE"), 0);
    assertEquals(keyspace.db(3).size, 0);
    assertEquals(keyspace.db(0).heapSize, 0);
    assertEquals(keyspace.stats.expiredKeys, N);
  });
});

Deno.test("keys: the server's own timer expires keys nobody touches", async () => {
  await withServer(async (server, client) => {
    for (let i = 0; i < 1000; i++) {
      await client.call("SET", `k${i}`, "v");
      await client.call("PEXPIRE", `k${i}`, "500");
    }
    server.keyspace.clock.advance(1000);
    await waitFor(() => server.keyspace.db(0).size === 0, 5000, "active expiry");
    assertEquals(await client.call("DBSIZE"), 0);
  });
});
