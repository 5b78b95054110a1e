/**
 * The same test with node-redis (the `redis` package) against an embedded Redeno.
 *
 *   deno test --allow-net --allow-env --allow-read --allow-sys examples/node_redis_test.ts
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createClient } from "redis";
import { startServer } from "../mod.ts";

Deno.test("sessions expire after a day (node-redis)", async () => {
  await using server = await startServer({ port: 0, bind: "127.0.0.1" });
  const redis = createClient({ url: server.url });
  await redis.connect();
  try {
    await redis.set("session:abc", "ada", { EX: 86_400 });
    assertEquals(await redis.get("session:abc"), "ada");

    server.clock.advance(86_400_000 + 1);
    assertEquals(await redis.get("session:abc"), null);
    assertEquals(await redis.dbSize(), 0);
  } finally {
    await redis.quit();
  }
});
