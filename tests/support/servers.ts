/**
 * Test servers: Redeno in this process (so tests can move its clock) and a real redis-server
 * (the specification), plus a differential runner that sends the same commands to both and
 * compares the reply bytes.
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type RedenoServer, startServer } from "../../src/server/server.ts";
import { Clock } from "../../src/store/clock.ts";
import { Logger } from "../../src/server/log.ts";
import { RespClient } from "./resp_client.ts";

/** A port nothing listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts Redeno in this process on a free loopback port. */
export function startRedeno(config: Record<string, string> = {}): Promise<RedenoServer> {
  return startServer({
    port: 0,
    bind: "127.0.0.1",
    ...config,
    clock: new Clock(),
    logger: new Logger("warning", () => {}),
  });
}

export interface RedisProcess {
  port: number;
  close(): Promise<void>;
}

/** Starts a real redis-server (no persistence) on a free port and waits until it answers. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisProcess> {
  const port = freePort();
  const child = new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
      ...extraArgs,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const client = await RespClient.connect(port);
      const reply = await client.raw("PING");
      client.close();
      if (reply === "+PONG\r\n") break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(
        "redis-server did not start; is it installed (apt-get install redis-server)?",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    async close() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
    },
  };
}

export type Command = Array<string | Uint8Array>;

export interface CompareOptions {
  /** Protocol for the connection (HELLO 3 is sent first when 3). */
  resp?: 2 | 3;
  /** Applied to both raw replies before comparing (for values that legitimately differ). */
  normalize?: (raw: string, command: Command) => string;
}

/** Redeno and redis-server side by side. */
export class ServerPair {
  private constructor(readonly redeno: RedenoServer, readonly redis: RedisProcess) {}

  static async start(
    redenoConfig: Record<string, string> = {},
    redisArgs: string[] = [],
  ): Promise<ServerPair> {
    const [redeno, redis] = await Promise.all([startRedeno(redenoConfig), startRedis(redisArgs)]);
    return new ServerPair(redeno, redis);
  }

  /** One connection to each server: [redeno, redis]. */
  async connect(): Promise<[RespClient, RespClient]> {
    return await Promise.all([
      RespClient.connect(this.redeno.port),
      RespClient.connect(this.redis.port),
    ]);
  }

  /**
   * Flushes both servers, then sends each command to both over fresh connections and asserts
   * the raw replies are byte-identical. Returns Redeno's raw replies.
   */
  async compare(commands: Command[], options: CompareOptions = {}): Promise<string[]> {
    const [ours, theirs] = await this.connect();
    try {
      for (const client of [ours, theirs]) {
        await client.raw("FLUSHALL");
        if (options.resp === 3) await client.raw("HELLO", "3");
      }
      const replies: string[] = [];
      for (const command of commands) {
        let [a, b] = await Promise.all([ours.raw(...command), theirs.raw(...command)]);
        if (options.normalize) {
          a = options.normalize(a, command);
          b = options.normalize(b, command);
        }
        assertEquals(a, b, `reply to ${describe(command)} (resp ${options.resp ?? 2})`);
        replies.push(a);
      }
      return replies;
    } finally {
      ours.close();
      theirs.close();
    }
  }

  /** `compare` in RESP2 and then in RESP3. */
  async compareBoth(commands: Command[], options: CompareOptions = {}): Promise<void> {
    await this.compare(commands, { ...options, resp: 2 });
    await this.compare(commands, { ...options, resp: 3 });
  }

  async close(): Promise<void> {
    await Promise.all([this.redeno.close(), this.redis.close()]);
  }
}

/** Runs `fn` with a fresh server pair, closing both servers afterwards. */
export async function withPair(fn: (pair: ServerPair) => Promise<void>): Promise<void> {
  const pair = await ServerPair.start();
  try {
    await fn(pair);
  } finally {
    await pair.close();
  }
}

/**
 * A `test(name, body)` for one family's differential tests: each is named `<family>: <name>` and
 * gets a fresh server pair, closed afterwards.
 */
export function pairTests(
  family: string,
): (name: string, body: (pair: ServerPair) => Promise<void>) => void {
  return (name, body) =>
    Deno.test({
      name: `${family}: ${name}`,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => withPair(body),
    });
}

export function describe(command: Command): string {
  return JSON.stringify(
    command.map((arg) => typeof arg === "string" ? arg : `<${arg.length} bytes>`),
  );
}

/** Polls `check` until it returns true or `timeoutMs` passes (no fixed sleeps in tests). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
