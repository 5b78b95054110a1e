/**
 * The server: listens with `Deno.listen`, accepts connections as an async iterator, serves each
 * one concurrently, and runs the active expiry cycle.
 *
 * @example
 * ```ts
 * const server = await startServer({ port: 0 });
 * console.log(server.port);
 * await server.close();
 * ```
 * @module
 */
import { Client } from "../commands/client.ts";
import { createCommandTable } from "../commands/mod.ts";
import type { CommandTable } from "../commands/registry.ts";
import type { ServerContext, ServerStats } from "../commands/server_context.ts";
import { Config } from "../config/config.ts";
import { Clock } from "../store/clock.ts";
import { Keyspace } from "../store/keyspace.ts";
import { serveConnection } from "./connection.ts";
import { Logger, type LogLevel } from "./log.ts";

export interface ServerOptions {
  /** Config values by parameter name, as `main.ts` flags give them (`port`, `bind`, ...). */
  config?: Record<string, string>;
  /** Shorthand for `config.port`; 0 picks a free port. */
  port?: number;
  clock?: Clock;
  logger?: Logger;
}

export class RedenoServer implements ServerContext {
  readonly config: Config;
  readonly keyspace: Keyspace;
  readonly commands: CommandTable;
  readonly clients = new Map<number, Client>();
  readonly stats: ServerStats = {
    totalConnectionsReceived: 0,
    totalCommandsProcessed: 0,
    rejectedConnections: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    dirty: 0,
    errorReplies: 0,
  };
  readonly startedAt: number;
  readonly runId: string;
  readonly replId: string;
  readonly logger: Logger;
  #port = 0;
  #listeners: Deno.TcpListener[] = [];
  #connections = new Map<number, Deno.Conn>();
  #served = new Set<Promise<void>>();
  #nextClientId = 1;
  #expiryTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(config: Config, clock: Clock, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.keyspace = new Keyspace({ databases: config.getNumber("databases"), clock });
    this.commands = createCommandTable();
    this.startedAt = clock.now();
    this.runId = randomHex40();
    this.replId = randomHex40();
    config.onChange("loglevel", (level) => this.logger.level = level as LogLevel);
    this.#followAccessPolicy();
  }

  /** Keeps the keyspace's LRU/LFU bookkeeping in step with the eviction settings. */
  #followAccessPolicy(): void {
    const access = this.keyspace.access;
    const apply = () => {
      access.lfu = this.config.get("maxmemory-policy").includes("lfu");
      access.logFactor = this.config.getNumber("lfu-log-factor");
      access.decayTime = this.config.getNumber("lfu-decay-time");
    };
    apply();
    for (const name of ["maxmemory-policy", "lfu-log-factor", "lfu-decay-time"]) {
      this.config.onChange(name, apply);
    }
  }

  get port(): number {
    return this.#port;
  }

  /** Addresses actually listened on. */
  get addresses(): Deno.NetAddr[] {
    return this.#listeners.map((listener) => listener.addr as Deno.NetAddr);
  }

  /** Binds every `bind` address (a leading `-` marks one that may be unavailable). */
  listen(): void {
    let port = this.config.getNumber("port");
    for (const entry of this.config.get("bind").split(/\s+/).filter(Boolean)) {
      const optional = entry.startsWith("-");
      const hostname = optional ? entry.slice(1) : entry;
      try {
        const listener = Deno.listen({ hostname, port, transport: "tcp" });
        this.#listeners.push(listener);
        port = (listener.addr as Deno.NetAddr).port;
      } catch (error) {
        if (optional) continue;
        this.close();
        throw error;
      }
    }
    if (this.#listeners.length === 0) throw new Error("no bind address could be listened on");
    this.#port = port;
    for (const listener of this.#listeners) this.#acceptLoop(listener);
    const hz = Math.max(1, this.config.getNumber("hz"));
    // Like Redis's slow expire cycle: at most a quarter of each tick.
    this.#expiryTimer = setInterval(() => {
      this.keyspace.refreshClock();
      this.keyspace.activeExpireCycle(250 / hz);
    }, 1000 / hz);
  }

  async #acceptLoop(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of listener) this.#accept(conn);
    } catch (error) {
      if (!this.#closed) this.logger.warning(`Accept failed: ${error}`);
    }
  }

  #accept(conn: Deno.TcpConn): void {
    this.stats.totalConnectionsReceived++;
    if (this.clients.size >= this.config.getNumber("maxclients")) {
      this.stats.rejectedConnections++;
      conn.write(new TextEncoder().encode("-ERR max number of clients reached\r\n"))
        .catch(() => {}).finally(() => conn.close());
      return;
    }
    try {
      conn.setNoDelay(true); // replies leave at once; Nagle would stall pipelined clients
    } catch {
      // not a TCP socket
    }
    const client = new Client({
      id: this.#nextClientId++,
      server: this,
      addr: formatAddr(conn.remoteAddr),
      laddr: formatAddr(conn.localAddr),
    });
    this.clients.set(client.id, client);
    this.#connections.set(client.id, conn);
    const served = serveConnection(conn, client, {
      commands: this.commands,
      stats: this.stats,
      maxBulkLength: () => this.config.getNumber("proto-max-bulk-len"),
    }).finally(() => {
      this.clients.delete(client.id);
      this.#connections.delete(client.id);
      this.#served.delete(served);
    });
    this.#served.add(served);
  }

  killClient(client: Client): void {
    client.closeAfterReply = true;
    const conn = this.#connections.get(client.id);
    if (conn === undefined) return;
    this.#connections.delete(client.id);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }

  /** Stops listening, closes every connection and waits for them to finish. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#expiryTimer);
    for (const listener of this.#listeners) {
      try {
        listener.close();
      } catch {
        // already closed
      }
    }
    for (const client of [...this.clients.values()]) this.killClient(client);
    await Promise.allSettled([...this.#served]);
  }
}

function randomHex40(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(20)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

function formatAddr(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    // As Redis's anetFormatAddr: IPv6 addresses in brackets.
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  return "unix";
}

/**
 * Creates and starts a server. `options.config` takes parameter names and values (strings, as
 * on the command line); unknown names or bad values throw with Redis's reason.
 */
export function startServer(options: ServerOptions = {}): Promise<RedenoServer> {
  const config = new Config();
  const values = { ...options.config };
  if (options.port !== undefined) values.port = String(options.port);
  for (const [name, value] of Object.entries(values)) {
    const error = config.set(name, value, { atStartup: true });
    if (error !== null) throw new Error(`config '${name}': ${error}`);
  }
  const logger = options.logger ?? new Logger(config.get("loglevel") as LogLevel);
  const server = new RedenoServer(config, options.clock ?? new Clock(), logger);
  server.listen();
  return Promise.resolve(server);
}
