/**
 * What the server checks on every client each tick, as Redis's `clientsCron`: the idle
 * `timeout`, and output-buffer soft limits for clients whose backlog sits unread (no new reply
 * arrives to trigger the check).
 *
 * @example
 * ```ts
 * setInterval(() => clientsCron(server), 100);
 * ```
 * @module
 */
import { enforceOutputLimit } from "../commands/output_limits.ts";
import type { ServerContext } from "../commands/server_context.ts";

/**
 * Closes clients idle for more than `timeout` seconds — except, as in Redis, subscribers,
 * MONITOR clients and clients waiting in a blocking command or a CLIENT PAUSE — and clients
 * over their output limit.
 */
export function clientsCron(server: ServerContext, now = performance.now()): void {
  const idleMs = server.config.getNumber("timeout") * 1000;
  for (const client of server.clients.values()) {
    if (
      idleMs > 0 && now - client.lastInteraction > idleMs && client.blocked === null &&
      client.postponed === null && client.subscriptionCount === 0 &&
      !server.monitors.has(client) && !client.closeAfterReply
    ) {
      server.log("verbose", "Closing idle client");
      server.killClient(client);
      continue;
    }
    if (client.outputSoftLimitSince !== 0) enforceOutputLimit(client);
  }
}
