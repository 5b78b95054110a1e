/**
 * End to end with ioredis, a widely used Node client: its connect handshake, binary-safe
 * values, pipelining, many connections, and error replies.
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Redis, ReplyError } from "ioredis";
import type { RedenoServer } from "../src/server/server.ts";
import { startRedeno } from "./support/servers.ts";

/** ioredis sanitizer noise: it keeps internal timers and sockets past `quit()` briefly. */
const IOREDIS = { sanitizeOps: false, sanitizeResources: false };

interface Connected {
  redis: Redis;
  errors: Error[];
}

/**
 * Connects without endless retries. Only the handshake test keeps ioredis's ready check (it
 * sends INFO), so the other tests do not depend on INFO.
 */
async function connect(
  server: RedenoServer,
  readyCheck = false,
  connectionName?: string,
): Promise<Connected> {
  const errors: Error[] = [];
  const redis = new Redis({
    enableReadyCheck: readyCheck,
    connectionName,
    host: "127.0.0.1",
    port: server.port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 5_000,
  });
  redis.on("error", (error: Error) => errors.push(error));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const events = errors.map((event) => event.message).join("; ");
    throw new Error(`ioredis could not connect: ${(error as Error).message} (events: ${events})`);
  }
  return { redis, errors };
}

async function disconnect({ redis }: Connected): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

async function withServer(fn: (server: RedenoServer) => Promise<void>): Promise<void> {
  const server = await startRedeno();
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test({
  name: "e2e ioredis: the connect handshake succeeds and the client is ready",
  ...IOREDIS,
  fn: () =>
    withServer(async (server) => {
      // The handshake sends CLIENT SETNAME (connectionName), CLIENT SETINFO and INFO.
      const client = await connect(server, true, "e2e-handshake");
      try {
        assertEquals(client.redis.status, "ready");
        assertEquals(await client.redis.client("GETNAME"), "e2e-handshake");
        assertEquals(await client.redis.ping(), "PONG");
        assertEquals(await client.redis.set("hello", "world"), "OK");
        assertEquals(await client.redis.get("hello"), "world");
        assertEquals(client.errors, [], "ioredis emitted no error event");
      } finally {
        await disconnect(client);
      }
    }),
});

Deno.test({
  name: "e2e ioredis: binary-safe keys and values with NUL, CRLF and bytes >= 0x80",
  ...IOREDIS,
  fn: () =>
    withServer(async (server) => {
      const client = await connect(server);
      try {
        const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const values = [
          Buffer.from("a\0b\r\nc\r\n\0"),
          Buffer.from([0xff, 0xfe, 0x80, 0x00, 0x0d, 0x0a, 0xc3, 0x28]),
          every,
          Buffer.concat([every, every, Buffer.from("\r\n$3\r\nfoo\r\n")]),
          Buffer.alloc(0),
          Buffer.alloc(1024 * 1024, 0x9c),
        ];
        for (const [i, value] of values.entries()) {
          const key = Buffer.concat([Buffer.from([0x00, 0xff, 0x0d, 0x0a]), Buffer.from(`k${i}`)]);
          assertEquals(await client.redis.set(key, value), "OK");
          const back = await client.redis.getBuffer(key);
          assert(back !== null && Buffer.compare(back, value) === 0, `value ${i} round-trips`);
        }
        assertEquals(await client.redis.getBuffer(Buffer.from([0x00, 0xff])), null);
      } finally {
        await disconnect(client);
      }
    }),
});

Deno.test({
  name: "e2e ioredis: a pipeline of 1000 commands",
  ...IOREDIS,
  fn: () =>
    withServer(async (server) => {
      const client = await connect(server);
      try {
        const pipeline = client.redis.pipeline();
        const expected: Array<[null, unknown]> = [];
        for (let i = 0; i < 250; i++) {
          pipeline.set(`p:${i}`, `v${i}`);
          pipeline.get(`p:${i}`);
          pipeline.echo(`e${i}`);
          pipeline.ping();
          expected.push([null, "OK"], [null, `v${i}`], [null, `e${i}`], [null, "PONG"]);
        }
        const results = await pipeline.exec();
        assertEquals(results?.length, 1000);
        assertEquals(results, expected);
      } finally {
        await disconnect(client);
      }
    }),
});

Deno.test({
  name: "e2e ioredis: many connections at once",
  ...IOREDIS,
  fn: () =>
    withServer(async (server) => {
      const clients = await Promise.all(Array.from({ length: 20 }, () => connect(server)));
      try {
        await Promise.all(clients.map(async ({ redis }, n) => {
          for (let i = 0; i < 100; i++) {
            assertEquals(await redis.set(`c${n}:${i}`, `${n}/${i}`), "OK");
          }
        }));
        // Each client reads what the others wrote.
        await Promise.all(clients.map(async ({ redis }, n) => {
          const other = (n + 1) % clients.length;
          for (let i = 0; i < 100; i += 9) {
            assertEquals(await redis.get(`c${other}:${i}`), `${other}/${i}`);
          }
        }));
        const duplicate = client(clients[0].redis.duplicate());
        try {
          assertEquals(await duplicate.redis.get("c3:0"), "3/0");
        } finally {
          await disconnect(duplicate);
        }
        for (const { errors } of clients) assertEquals(errors, []);
      } finally {
        await Promise.all(clients.map(disconnect));
      }
    }),
});

function client(redis: Redis): Connected {
  const errors: Error[] = [];
  redis.on("error", (error: Error) => errors.push(error));
  return { redis, errors };
}

Deno.test({
  name: "e2e ioredis: error replies surface as ReplyError with Redis's text",
  ...IOREDIS,
  fn: () =>
    withServer(async (server) => {
      const client = await connect(server);
      try {
        const { redis } = client;
        await rejects(
          redis.call("get"),
          (error: Error) =>
            error instanceof ReplyError &&
            error.message === "ERR wrong number of arguments for 'get' command",
        );
        await rejects(
          redis.call("nosuchcommand", "a"),
          (error: Error) =>
            error instanceof ReplyError &&
            error.message ===
              "ERR unknown command 'nosuchcommand', with args beginning with: 'a' ",
        );
        // The connection stays usable after errors.
        assertEquals(await redis.set("text", "abc"), "OK");
        await rejects(
          redis.incr("text"),
          (error: Error) =>
            error instanceof ReplyError &&
            error.message === "ERR value is not an integer or out of range",
        );
        const results = await redis.pipeline().get("text").call("get").get("text").exec();
        assertEquals(results?.[0], [null, "abc"]);
        assert(results?.[1][0] instanceof ReplyError);
        assertEquals(results?.[2], [null, "abc"]);
      } finally {
        await disconnect(client);
      }
    }),
});
