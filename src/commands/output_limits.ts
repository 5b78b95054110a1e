/**
 * Enforces `client-output-buffer-limit`: a client whose unsent replies (appended, or handed to
 * the socket and not yet written) reach its class's hard limit, or stay at or above the soft
 * limit for longer than the soft period, is disconnected at once and its backlog dropped — as
 * Redis's `checkClientOutputBufferLimits`. This is what keeps memory bounded when a client asks
 * for more than it reads (a pipelined loop of big GETs, a subscriber that never reads).
 *
 * Like Redis, the first 16 KiB waiting are not counted: Redis keeps them in each client's fixed
 * reply buffer and limits only what overflows into its reply list, so a tiny limit does not cut
 * off ordinary replies.
 *
 * @example
 * ```ts
 * // After appending to a client's replies:
 * if (enforceOutputLimit(client)) return; // it was over its limit and is now closed
 * ```
 * @module
 */
import type { Config } from "../config/config.ts";
import { type OutputLimit, readOutputLimits } from "../config/output_limits.ts";
import type { Client } from "./client.ts";
import { clientInfoLine } from "./connection.ts";

/** One class's limits in bytes and milliseconds; 0 means no limit, as in Redis. */
interface ClassLimit {
  hard: number;
  soft: number;
  softMs: number;
}

/** The limits in force, updated in place when the parameter changes. */
export interface ActiveOutputLimits {
  normal: ClassLimit;
  pubsub: ClassLimit;
  /**
   * The smallest non-zero limit of any class plus the uncounted fixed buffer: while a client's
   * `pendingOutput` is below it there is nothing to check.
   */
  watermark: number;
}

/** Redis's PROTO_REPLY_CHUNK_BYTES: the fixed reply buffer the limits do not count. */
export const REPLY_BUFFER_BYTES = 16 * 1024;

/** The part of a client's unsent replies the limits count (CLIENT LIST omem). */
export function outputListBytes(client: Client): number {
  return Math.max(0, client.pendingOutput - REPLY_BUFFER_BYTES);
}

const active = new WeakMap<Config, ActiveOutputLimits>();

/** The output limits of a server's configuration; the same object for the server's life. */
export function outputLimitsOf(config: Config): ActiveOutputLimits {
  let limits = active.get(config);
  if (limits === undefined) {
    const created: ActiveOutputLimits = {
      normal: { hard: 0, soft: 0, softMs: 0 },
      pubsub: { hard: 0, soft: 0, softMs: 0 },
      watermark: Infinity,
    };
    const apply = (value: string) => {
      const parsed = readOutputLimits(value);
      created.normal = classLimit(parsed.normal);
      created.pubsub = classLimit(parsed.pubsub);
      const nonZero = [created.normal, created.pubsub]
        .flatMap((limit) => [limit.hard, limit.soft])
        .filter((bytes) => bytes > 0);
      created.watermark = nonZero.length > 0 ? Math.min(...nonZero) + REPLY_BUFFER_BYTES : Infinity;
    };
    apply(config.get("client-output-buffer-limit"));
    config.onChange("client-output-buffer-limit", apply);
    active.set(config, limits = created);
  }
  return limits;
}

function classLimit(limit: OutputLimit): ClassLimit {
  // Past 2^53 bytes a limit can never be reached; a double is exact enough below that.
  return { hard: Number(limit.hard), soft: Number(limit.soft), softMs: limit.softSeconds * 1000 };
}

/**
 * Whether `client` is over its output limit now. Redeno has no replicas: a client is in the
 * pub/sub class while it has subscriptions, else normal (MONITOR clients too, as in Redis).
 */
export function outputLimitReached(client: Client, now = performance.now()): boolean {
  const limits = outputLimitsOf(client.server.config);
  if (client.pendingOutput < limits.watermark) {
    client.outputSoftLimitSince = 0;
    return false;
  }
  const used = outputListBytes(client);
  const limit = client.subscriptionCount > 0 ? limits.pubsub : limits.normal;
  if (limit.hard > 0 && used >= limit.hard) return true;
  if (limit.soft > 0 && used >= limit.soft) {
    // The first time only starts the clock; the soft limit counts once it held long enough.
    if (client.outputSoftLimitSince === 0) client.outputSoftLimitSince = now;
    else if (now - client.outputSoftLimitSince > limit.softMs) return true;
    return false;
  }
  client.outputSoftLimitSince = 0;
  return false;
}

/**
 * Disconnects `client` if it is over its output limit, with Redis's log line, dropping what it
 * has not been sent. Returns whether it was disconnected.
 */
export function enforceOutputLimit(client: Client): boolean {
  if (client.closeAfterReply || !outputLimitReached(client)) return false;
  client.server.log(
    "warning",
    `Client ${
      clientInfoLine(client)
    } scheduled to be closed ASAP for overcoming of output buffer limits.`,
  );
  client.outputSoftLimitSince = 0;
  client.reply.truncate(0);
  client.server.killClient(client);
  return true;
}
