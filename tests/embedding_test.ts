/**
 * The embedding API: servers started in this process, with Deno's sanitizers on, so every test
 * also proves that close() releases the port, the timers and every pending op.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { Clock, startServer } from "../mod.ts";
import { RespClient } from "./support/resp_client.ts";

const quiet = { bind: "127.0.0.1", loglevel: "warning" };

Deno.test("embedding: url, port and the direct helpers", async () => {
  await using server = await startServer({ port: 0, ...quiet });
  assertEquals(server.url, `redis://127.0.0.1:${server.port}`);
  ok(server.port > 0);
  server.set("greeting", "héllo");
  server.set("bytes", new Uint8Array([0, 13, 10, 255]));
  server.set("session:1", "x", { px: 1000 });
  server.set("other-db", "y", { db: 3 });
  const client = await RespClient.connect(server.port);
  try {
    assertEquals(await client.raw("GET", "greeting"), "$6\r\nh\xc3\xa9llo\r\n");
    assertEquals(await client.raw("GET", "bytes"), "$4\r\n\x00\r\n\xff\r\n");
    await client.raw("SET", "from-client", "written over the wire");
    await client.raw("LPUSH", "a-list", "x");
  } finally {
    client.close();
  }
  assertEquals(server.get("from-client"), "written over the wire");
  assertEquals(server.get("greeting"), "héllo");
  assertEquals(server.getBytes("bytes"), new Uint8Array([0, 13, 10, 255]));
  assertEquals(server.get("missing"), null);
  throws(() => server.get("a-list"), /holds a list, not a string/);
  assertEquals(server.get("other-db", 3), "y");
  assertEquals(server.keys("session:*"), ["session:1"]);
  assertEquals(server.keys().sort(), ["a-list", "bytes", "from-client", "greeting", "session:1"]);
  server.flushAll();
  assertEquals(server.keys(), []);
  assertEquals(server.keys("*", 3), []);
});

Deno.test("embedding: a TTL of one day expires after clock.advance(86_400_000)", async () => {
  await using server = await startServer({ port: 0, ...quiet });
  const client = await RespClient.connect(server.port);
  try {
    await client.raw("SET", "daily", "report", "EX", "86400");
    await client.raw("SET", "forever", "stays");
    assertEquals(await client.raw("TTL", "daily"), ":86400\r\n");
    server.clock.advance(86_399_000);
    assertEquals(await client.raw("TTL", "daily"), ":1\r\n");
    server.clock.advance(1_001);
    // Gone at once, and not only on access: the active cycle ran when the clock moved.
    assertEquals(await client.raw("DBSIZE"), ":1\r\n");
    assertEquals(await client.raw("GET", "daily"), "$-1\r\n");
    assertEquals(await client.raw("GET", "forever"), "$5\r\nstays\r\n");
  } finally {
    client.close();
  }
});

Deno.test("embedding: clock.set and a clock passed in start time where a test wants it", async () => {
  const clock = new Clock();
  clock.set(Date.UTC(2030, 0, 1), true); // frozen at 2030-01-01
  await using server = await startServer({ port: 0, clock, ...quiet });
  const client = await RespClient.connect(server.port);
  try {
    assertEquals(await client.raw("TIME"), "*2\r\n$10\r\n1893456000\r\n$1\r\n0\r\n");
    await client.raw("SET", "k", "v", "EXAT", String(Date.UTC(2030, 0, 2) / 1000));
    assertEquals(await client.raw("TTL", "k"), ":86400\r\n");
    server.clock.set(Date.UTC(2030, 0, 2) + 1, true);
    assertEquals(await client.raw("EXISTS", "k"), ":0\r\n");
  } finally {
    client.close();
  }
});

Deno.test("embedding: two servers in one process share nothing", async () => {
  await using a = await startServer({ port: 0, ...quiet });
  await using b = await startServer({ port: 0, ...quiet, databases: 2 });
  ok(a.port !== b.port);
  a.set("k", "from a");
  assertEquals(b.get("k"), null);
  b.set("k", "from b");
  assertEquals(a.get("k"), "from a");
  a.clock.advance(60_000);
  const client = await RespClient.connect(b.port);
  try {
    assertEquals(await client.raw("SELECT", "2"), "-ERR DB index is out of range\r\n");
    await client.raw("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
    assertEquals(a.config.get("maxmemory-policy"), "noeviction");
  } finally {
    client.close();
  }
  assertEquals(Math.abs(b.clock.now() - Date.now()) < 5_000, true);
});

Deno.test("embedding: close releases the port for a new server", async () => {
  const first = await startServer({ port: 0, ...quiet });
  const port = first.port;
  const client = await RespClient.connect(port);
  await client.raw("PING");
  await first.close();
  assertEquals(await client.readUntilClosed(), "");
  client.close();
  await using second = await startServer({ port, ...quiet });
  assertEquals(second.port, port);
});

Deno.test("embedding: bad options throw with Redis's reason", async () => {
  await rejects(() => startServer({ port: 0, databases: 0 }), /databases/);
  await rejects(() => startServer({ port: 0, nosuchparameter: 1 }), /nosuchparameter/);
});
