/**
 * Testing code that uses Redis, with ioredis and an embedded Redeno: no Redis to install, and a
 * day of TTL passes in a millisecond.
 *
 *   deno test --allow-net --allow-env --allow-read --allow-sys examples/ioredis_test.ts
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Redis } from "ioredis";
import { startServer } from "../mod.ts";

/** The code under test: a session store that forgets sessions after a day. */
async function saveSession(redis: Redis, id: string, user: string): Promise<void> {
  await redis.set(`session:${id}`, user, "EX", 86_400);
}

Deno.test("sessions expire after a day (ioredis)", async () => {
  await using server = await startServer({ port: 0, bind: "127.0.0.1" });
  const redis = new Redis(server.url);
  try {
    await saveSession(redis, "abc", "ada");
    assertEquals(await redis.get("session:abc"), "ada");
    assertEquals(server.get("session:abc"), "ada"); // assert without the network

    server.clock.advance(86_400_000 - 1_000); // almost a day later
    assertEquals(await redis.ttl("session:abc"), 1);

    server.clock.advance(1_001);
    assertEquals(await redis.get("session:abc"), null);
    assertEquals(server.keys("session:*"), []);
  } finally {
    redis.disconnect();
  }
});
