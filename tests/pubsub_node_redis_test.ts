/**
 * Pub/sub and MULTI end to end with node-redis (the `redis` package): `subscribe` and
 * `pSubscribe` listeners, PUBLISH receiver counts, unsubscribing, and `multi().exec()`.
 *
 * The same assertions run against an in-process Redeno and against a real redis-server, which
 * shows the expectations are Redis's.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createClient } from "redis";
import { startRedeno, startRedis, waitFor } from "./support/servers.ts";

/** node-redis keeps socket timers a moment past `close()`. */
const NODE_REDIS = { sanitizeOps: false, sanitizeResources: false };

type Client = ReturnType<typeof createClient>;

async function connect(port: number): Promise<Client> {
  const client = createClient({
    url: `redis://127.0.0.1:${port}`,
    socket: { connectTimeout: 5_000, reconnectStrategy: false },
  });
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function close(client: Client): Promise<void> {
  try {
    await client.close();
  } catch {
    client.destroy();
  }
}

async function pubsubAndMulti(port: number): Promise<void> {
  const publisher = await connect(port);
  const subscriber = await connect(port);
  try {
    await publisher.flushAll();
    const news: string[] = [];
    const sport: string[] = [];
    const pattern: Array<[string, string]> = [];
    await subscriber.subscribe("news", (message, channel) => {
      assertEquals(channel, "news");
      news.push(message);
    });
    await subscriber.subscribe("sport", (message) => sport.push(message));
    await subscriber.pSubscribe("n*", (message, channel) => pattern.push([channel, message]));

    assertEquals(await publisher.publish("news", "first"), 2); // channel + pattern
    assertEquals(await publisher.publish("sport", "second"), 1);
    assertEquals(await publisher.publish("nothing-here", "third"), 1); // pattern only
    assertEquals(await publisher.publish("weather", "fourth"), 0);
    const utf8 = "héllo wörld ✓";
    assertEquals(await publisher.publish("news", utf8), 2);
    await waitFor(
      () => news.length === 2 && sport.length === 1 && pattern.length === 3,
      5_000,
      "messages",
    );
    assertEquals(news, ["first", utf8]);
    assertEquals(sport, ["second"]);
    assertEquals(pattern, [["news", "first"], ["nothing-here", "third"], ["news", utf8]]);

    assertEquals({ ...await publisher.pubSubNumSub(["news", "sport"]) }, { news: 1, sport: 1 });
    assertEquals(await publisher.pubSubNumPat(), 1);

    await subscriber.unsubscribe("sport");
    assertEquals(await publisher.publish("sport", "after"), 0);
    await subscriber.pUnsubscribe("n*");
    assertEquals(await publisher.publish("news", "last"), 1);
    await waitFor(() => news.length === 3, 5_000, "the last message");
    assertEquals(news, ["first", utf8, "last"]);
    assertEquals(pattern.length, 3);
    await subscriber.unsubscribe();
    assertEquals(await publisher.publish("news", "nobody"), 0);

    // MULTI/EXEC through the same client library: queued, then run as one.
    assertEquals(await publisher.multi().set("counter", "41").incr("counter").exec(), ["OK", 42]);
    assertEquals(
      await publisher.multi().incr("counter").get("counter").lPush("list", "a").exec(),
      [43, "43", 1],
    );
    assertEquals(await publisher.get("counter"), "43");
    // A command error inside EXEC is that command's reply; the others still run. node-redis
    // then rejects with every reply and the failed indexes.
    const failure = await publisher.multi().incr("list").incr("counter").exec().then(
      () => undefined,
      (error: { replies?: unknown[]; errorIndexes?: number[] }) => error,
    );
    assertEquals(failure?.errorIndexes, [0]);
    assertEquals(
      (failure?.replies?.[0] as Error | undefined)?.message,
      "WRONGTYPE Operation against a key holding the wrong kind of value",
    );
    assertEquals(failure?.replies?.[1], 44);
    assertEquals(await publisher.get("counter"), "44");
  } finally {
    await close(subscriber);
    await close(publisher);
  }
}

Deno.test({
  name: "e2e node-redis: pub/sub and MULTI against Redeno",
  ...NODE_REDIS,
  fn: async () => {
    await using server = await startRedeno();
    await pubsubAndMulti(server.port);
  },
});

Deno.test({
  name: "e2e node-redis: the same assertions hold against redis-server",
  ...NODE_REDIS,
  fn: async () => {
    const redis = await startRedis();
    try {
      await pubsubAndMulti(redis.port);
    } finally {
      await redis.close();
    }
  },
});
