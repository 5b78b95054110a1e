/**
 * Redeno as a library: start a Redis-compatible server inside your program or test suite, talk
 * to it over a real socket with any Redis client, and move its clock instead of sleeping.
 *
 * @example
 * ```ts
 * import { startServer } from "./mod.ts";
 *
 * await using server = await startServer({ port: 0 });
 * // connect any client to server.url, e.g. new Redis(server.url) with ioredis
 * server.set("session", "abc", { px: 86_400_000 });
 * server.clock.advance(86_400_001);
 * server.get("session"); // null: the day has passed
 * ```
 * @module
 */
export {
  type ConfigValue,
  RedenoServer,
  type ServerOptions,
  startServer,
} from "./src/server/server.ts";
export { Clock } from "./src/store/clock.ts";
export { Logger, type LogLevel } from "./src/server/log.ts";
