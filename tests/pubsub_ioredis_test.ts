/**
 * Pub/sub end to end with ioredis: a subscriber connection receiving `message` and `pmessage`
 * events, and the receiver counts PUBLISH returns to the publisher.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Redis } from "ioredis";
import type { RedenoServer } from "../src/server/server.ts";
import { startRedeno, waitFor } from "./support/servers.ts";

/** ioredis sanitizer noise: it keeps internal timers and sockets past `quit()` briefly. */
const IOREDIS = { sanitizeOps: false, sanitizeResources: false };

function connect(server: RedenoServer): Redis {
  const redis = new Redis({
    host: "127.0.0.1",
    port: server.port,
    enableReadyCheck: false,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  redis.on("error", () => {});
  return redis;
}

async function quit(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

Deno.test({
  name: "e2e ioredis: subscribe, psubscribe and publish counts",
  ...IOREDIS,
  fn: async () => {
    await using server = await startRedeno();
    const subscriber = connect(server);
    const publisher = connect(server);
    try {
      const messages: Array<[string, string]> = [];
      const pmessages: Array<[string, string, string]> = [];
      subscriber.on("message", (channel: string, message: string) => {
        messages.push([channel, message]);
      });
      subscriber.on("pmessage", (pattern: string, channel: string, message: string) => {
        pmessages.push([pattern, channel, message]);
      });
      assertEquals(await subscriber.subscribe("news", "sport"), 2);
      assertEquals(await subscriber.psubscribe("n*"), 3);

      assertEquals(await publisher.publish("news", "first"), 2); // channel + pattern
      assertEquals(await publisher.publish("sport", "second"), 1);
      assertEquals(await publisher.publish("nothing-here", "third"), 1); // pattern only
      assertEquals(await publisher.publish("weather", "fourth"), 0);
      const utf8 = "héllo wörld ✓";
      assertEquals(await publisher.publish("news", utf8), 2);
      await waitFor(() => messages.length === 3 && pmessages.length === 3, 5000, "messages");
      assertEquals(messages, [["news", "first"], ["sport", "second"], ["news", utf8]]);
      assertEquals(pmessages, [
        ["n*", "news", "first"],
        ["n*", "nothing-here", "third"],
        ["n*", "news", utf8],
      ]);

      // Binary payloads arrive intact through messageBuffer.
      const binary: Buffer[] = [];
      subscriber.on("messageBuffer", (_channel: Buffer, message: Buffer) => binary.push(message));
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      assertEquals(await publisher.publish("sport", bytes), 1);
      await waitFor(() => binary.length === 1, 5000, "binary message");
      assertEquals(Buffer.compare(binary[0], bytes), 0);

      assertEquals(await publisher.pubsub("NUMSUB", "news", "sport"), ["news", 1, "sport", 1]);
      assertEquals(await publisher.pubsub("NUMPAT"), 1);
      assertEquals(await subscriber.unsubscribe("sport"), 2);
      assertEquals(await publisher.publish("sport", "after"), 0);
      assertEquals(await subscriber.punsubscribe("n*"), 1);
      assertEquals(await publisher.publish("news", "last"), 1);
    } finally {
      await quit(subscriber);
      await quit(publisher);
    }
  },
});
