/**
 * The server: listens with `Deno.listen`, accepts connections as an async iterator, serves each
 * one concurrently, and runs the active expiry cycle. `startServer` is the one way to start one,
 * for the CLI and for programs and tests that embed Redeno.
 *
 * @example
 * ```ts
 * await using server = await startServer({ port: 0 });
 * console.log(server.url); // redis://127.0.0.1:PORT
 * server.clock.advance(86_400_000); // a day passes: TTLs run out now
 * ```
 * @module
 */
import { BlockingManager } from "../commands/blocking.ts";
import { Client } from "../commands/client.ts";
import { startCluster } from "../commands/cluster.ts";
import { createCommandTable } from "../commands/mod.ts";
import { AclStore } from "../commands/acl.ts";
import { LatencyMonitor } from "../commands/latency.ts";
import { installEviction, STARTUP_BYTES, usedMemory } from "../commands/eviction.ts";
import { KeyspaceNotifier } from "../commands/notify.ts";
import { Propagation } from "../commands/propagation.ts";
import { persistenceOf } from "../commands/persistence_manager.ts";
import { aofOf, followAppendOnly, loadAofAtStart } from "../persistence/aof.ts";
import { replicationOf } from "../replication/primary.ts";
import { SlowLog } from "../commands/slowlog.ts";
import { PubSubHub } from "../commands/pubsub.ts";
import { TrackingTable } from "../commands/tracking.ts";
import { type CommandTable, endTransaction } from "../commands/registry.ts";
import type { ServerContext, ServerStats } from "../commands/server_context.ts";
import { Config } from "../config/config.ts";
import { splitInlineArgs } from "../resp/inline.ts";
import { bytesToLatin1, latin1ToBytes, textToLatin1 } from "../resp/latin1.ts";
import { Clock } from "../store/clock.ts";
import { globMatch } from "../store/glob.ts";
import { Keyspace } from "../store/keyspace.ts";
import { type ClientSocket, serveConnection } from "./connection.ts";
import { clientsCron } from "./limits.ts";
import { TlsListener } from "./tls.ts";
import { HttpEndpoint } from "./http.ts";
import { Logger, type LogLevel } from "./log.ts";

/** What a remote client reads before protected mode closes its connection (Redis's text). */
const PROTECTED_MODE_DENIED = "-DENIED Redis is running in protected mode because protected " +
  "mode is enabled and no password is set for the default user. In this mode connections are " +
  "only accepted from the loopback interface. If you want to connect from external computers " +
  "to Redis you may adopt one of the following solutions: 1) Just disable protected mode " +
  "sending the command 'CONFIG SET protected-mode no' from the loopback interface by " +
  "connecting to Redis from the same host the server is running, however MAKE SURE Redis is " +
  "not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change " +
  "permanent. 2) Alternatively you can just disable the protected mode by editing the Redis " +
  "configuration file, and setting the protected mode option to 'no', and then restarting the " +
  "server. 3) If you started the server manually just for testing, restart it with the " +
  "'--protected-mode no' option. 4) Setup a an authentication password for the default user. " +
  "NOTE: You only need to do one of the above things in order for the server to start " +
  "accepting connections from the outside.\r\n";

/** A parameter's value as code gives it: `"100mb"`, `6380`, or `true` for `yes`. */
export type ConfigValue = string | number | boolean;

/**
 * Options for {@link startServer}: any configuration parameter by its redis.conf name (`port`,
 * `bind`, `databases`, `maxmemory`, ...; `port: 0` picks a free port), plus a clock and a logger.
 */
export interface ServerOptions {
  /** The time source; pass your own to start at a fixed time. Default: the system clock. */
  clock?: Clock;
  /** Where log lines go. Default: the console, at the `loglevel` parameter's level. */
  logger?: Logger;
  /** The redis.conf the values came from: CONFIG REWRITE writes to it. Default: none. */
  configFile?: string;
  /** ACL users as redis.conf `user` lines without the word `user`: `"alice on >pw ~* +@all"`. */
  users?: string[];
  /**
   * Load `dir`/`dbfilename` at start, if it exists. Default: only when `dir` is given, so an
   * embedded server touches no file unless told where; `main.ts` always loads, as redis-server.
   */
  loadDataFile?: boolean;
  [parameter: string]: ConfigValue | Clock | Logger | string[] | boolean | undefined;
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
  replId: string;
  readonly logger: Logger;
  readonly blocking: BlockingManager;
  readonly pubsub = new PubSubHub();
  readonly notifier: KeyspaceNotifier;
  readonly tracking: TrackingTable;
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyMonitor();
  readonly monitors = new Set<Client>();
  readonly acl: AclStore;
  readonly propagation = new Propagation();
  configFile: string | null = null;
  readonly memory: { startup: number; peak: number };
  readonly errorStats = new Map<string, number>();
  readonly countError = (text: string): void => {
    this.stats.errorReplies++;
    // The code is the first word when it comes early enough; Redis files the rest under ERR.
    const space = text.indexOf(" ");
    const code = space > 0 && space < 31 ? text.slice(0, space) : "ERR";
    const count = this.errorStats.get(code);
    // Like Redis, at most 128 distinct codes: a flood of odd errors cannot grow memory.
    if (count !== undefined) this.errorStats.set(code, count + 1);
    else if (this.errorStats.size < 128) this.errorStats.set(code, 1);
  };
  #port = 0;
  #listeners: Deno.TcpListener[] = [];
  #tlsListeners: TlsListener[] = [];
  #connections = new Map<number, Deno.Conn | ClientSocket>();
  #served = new Set<Promise<void>>();
  #nextClientId = 1;
  #acceptLoops: Promise<void>[] = [];
  #http: HttpEndpoint | null = null;
  #expiryTimer: ReturnType<typeof setInterval> | undefined;
  #stopFollowingClock: () => void;
  #closed = false;

  constructor(config: Config, clock: Clock, logger: Logger, users: string[][] = []) {
    this.config = config;
    this.logger = logger;
    this.keyspace = new Keyspace({ databases: config.getNumber("databases"), clock });
    this.commands = createCommandTable();
    this.acl = new AclStore(this.commands);
    this.blocking = new BlockingManager(this.keyspace);
    this.notifier = new KeyspaceNotifier(this);
    this.tracking = new TrackingTable(this.keyspace, this.clients);
    this.startedAt = clock.now();
    this.memory = { startup: STARTUP_BYTES, peak: STARTUP_BYTES };
    this.runId = randomHex40();
    this.replId = randomHex40();
    config.onChange("loglevel", (level) => this.logger.level = level as LogLevel);
    this.#followObservabilitySettings();
    this.#followAclSettings(users);
    this.#followAccessPolicy();
    installEviction(this);
    this.#followEncodingLimits();
    // When a test moves the clock, keys that ran out go at once rather than at the next tick
    // (within one tick's budget; a larger backlog drains over the following ticks), and so do
    // blocked clients whose timeout passed.
    this.#stopFollowingClock = clock.onChange(() => {
      this.keyspace.activeExpireCycle(25);
      this.blocking.checkTimeouts();
    });
  }

  /** The server's time source: `clock.advance(ms)` and `clock.set(ms)` move TTLs instantly. */
  get clock(): Clock {
    return this.keyspace.clock;
  }

  /** `redis://host:port` of the first address listened on, for client libraries. */
  get url(): string {
    const addr = this.addresses[0] ?? this.#tlsListeners[0].addr;
    const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
    return `${this.addresses.length > 0 ? "redis" : "rediss"}://${host}:${addr.port}`;
  }

  /** Deletes every key of every database, as FLUSHALL. */
  flushAll(): void {
    this.keyspace.flushAll();
  }

  /**
   * A string key's value decoded as UTF-8 text, or null when the key does not exist (or has
   * expired). Throws for a key holding another type. Keys are given as text (UTF-8).
   */
  get(key: string, db = 0): string | null {
    const bytes = this.getBytes(key, db);
    return bytes === null ? null : new TextDecoder().decode(bytes);
  }

  /** A string key's value as bytes, or null when the key does not exist. */
  getBytes(key: string, db = 0): Uint8Array | null {
    const value = this.keyspace.db(db).peek(textToLatin1(key));
    if (value === undefined) return null;
    if (typeof value !== "string") {
      throw new TypeError(`key '${key}' holds a ${value.type}, not a string`);
    }
    return latin1ToBytes(value);
  }

  /** Sets a string key (text is stored as UTF-8), optionally expiring after `px` ms. */
  set(key: string, value: string | Uint8Array, options: { db?: number; px?: number } = {}): void {
    const db = this.keyspace.db(options.db ?? 0);
    const name = textToLatin1(key);
    db.set(
      name,
      typeof value === "string" ? textToLatin1(value) : bytesToLatin1(value, 0, value.length),
    );
    if (options.px !== undefined) db.setExpire(name, this.clock.now() + options.px);
  }

  /** The live keys matching a glob pattern (Redis's KEYS rules), decoded as text. */
  keys(pattern = "*", db = 0): string[] {
    const latin1Pattern = textToLatin1(pattern);
    const decoder = new TextDecoder();
    const found: string[] = [];
    for (const key of this.keyspace.db(db).keys()) {
      if (globMatch(latin1Pattern, key)) found.push(decoder.decode(latin1ToBytes(key)));
    }
    return found;
  }

  /** Keeps the collections' encoding thresholds in step with their parameters. */
  #followEncodingLimits(): void {
    const limits = this.keyspace.limits;
    const parameters: Array<[keyof typeof limits, string]> = [
      ["listMaxListpackSize", "list-max-listpack-size"],
      ["hashMaxListpackEntries", "hash-max-listpack-entries"],
      ["hashMaxListpackValue", "hash-max-listpack-value"],
      ["setMaxIntsetEntries", "set-max-intset-entries"],
      ["zsetMaxListpackEntries", "zset-max-listpack-entries"],
      ["zsetMaxListpackValue", "zset-max-listpack-value"],
    ];
    for (const [field, name] of parameters) {
      limits[field] = this.config.getNumber(name);
      this.config.onChange(name, (value) => limits[field] = Number(value));
    }
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

  /** The port of the metrics and dashboard endpoint, or 0 when `http-port` is off. */
  get httpPort(): number {
    return this.#http?.port ?? 0;
  }

  /** Addresses actually listened on. */
  get addresses(): Deno.NetAddr[] {
    return this.#listeners.map((listener) => listener.addr as Deno.NetAddr);
  }

  /** The TLS port listened on, or 0 when `tls-port` is off. */
  get tlsPort(): number {
    return this.#tlsListeners[0]?.addr.port ?? 0;
  }

  /**
   * Binds every `bind` address (a leading `-` marks one that may be unavailable). With a
   * `tls-port`, `port 0` means no plain TCP port, as in Redis; without one it picks a free port.
   */
  listen(): void {
    let port = this.config.getNumber("port");
    const tlsOnly = port === 0 && this.config.getNumber("tls-port") > 0;
    for (const entry of tlsOnly ? [] : this.config.get("bind").split(/\s+/).filter(Boolean)) {
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
    if (this.#listeners.length === 0 && !tlsOnly) {
      throw new Error("no bind address could be listened on");
    }
    this.#port = port;
    const httpPort = this.config.getNumber("http-port");
    if (httpPort > 0) {
      try {
        const address = { hostname: this.config.get("http-bind"), port: httpPort };
        this.#http = HttpEndpoint.start(this, address, this.logger);
      } catch (error) {
        this.close();
        throw error;
      }
    }
    this.#acceptLoops = this.#listeners.map((listener) => this.#acceptLoop(listener));
    const hz = Math.max(1, this.config.getNumber("hz"));
    // Like Redis's slow expire cycle: at most a quarter of each tick.
    this.#expiryTimer = setInterval(() => {
      this.keyspace.refreshClock();
      this.keyspace.activeExpireCycle(250 / hz);
      this.#trackPeakMemory();
      persistenceOf(this).cron();
      clientsCron(this);
      replicationOf(this).cron();
    }, 1000 / hz);
    replicationOf(this).start(); // `replicaof` in the config: connect to that master
  }

  /** Starts the TLS listeners when `tls-port` is set (after `listen`); see tls.ts. */
  async listenTls(): Promise<void> {
    const port = this.config.getNumber("tls-port");
    if (port === 0) return;
    const authClients = this.config.get("tls-auth-clients") as "no" | "yes" | "optional";
    const read = (parameter: string) => {
      const path = this.config.get(parameter);
      if (path === "") return "";
      try {
        return Deno.readTextFileSync(path);
      } catch (error) {
        throw new Error(`Failed to configure TLS: cannot read ${parameter} '${path}': ${error}`);
      }
    };
    try {
      const [cert, key, ca] = ["tls-cert-file", "tls-key-file", "tls-ca-cert-file"].map(read);
      if (cert === "" || key === "") {
        throw new Error("Failed to configure TLS: tls-cert-file and tls-key-file are required");
      }
      if (ca === "" && authClients !== "no") {
        throw new Error(
          "Failed to configure TLS: tls-ca-cert-file must be specified when tls-auth-clients " +
            "is enabled",
        );
      }
      for (const entry of this.config.get("bind").split(/\s+/).filter(Boolean)) {
        const optional = entry.startsWith("-");
        const hostname = optional ? entry.slice(1) : entry;
        const onError = (message: string) => this.logger.log("verbose", message);
        try {
          const listener = await TlsListener.listen({
            hostname,
            port,
            cert,
            key,
            ca,
            authClients,
            onError,
          });
          this.#tlsListeners.push(listener);
          this.#acceptLoops.push(this.#acceptLoop(listener));
        } catch (error) {
          if (!optional) throw error;
        }
      }
      if (this.#tlsListeners.length === 0) {
        throw new Error("no bind address could be listened on for TLS");
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async #acceptLoop(listener: AsyncIterable<ClientSocket>): Promise<void> {
    try {
      for await (const conn of listener) this.#accept(conn);
    } catch (error) {
      if (!this.#closed) this.logger.warning(`Accept failed: ${error}`);
    }
  }

  #accept(conn: ClientSocket): void {
    this.stats.totalConnectionsReceived++;
    if (this.clients.size >= this.config.getNumber("maxclients")) {
      this.stats.rejectedConnections++;
      conn.write(new TextEncoder().encode("-ERR max number of clients reached\r\n"))
        .catch(() => {}).finally(() => conn.close());
      return;
    }
    if (this.#deniedByProtectedMode(conn.remoteAddr)) {
      conn.write(new TextEncoder().encode(PROTECTED_MODE_DENIED))
        .catch(() => {}).finally(() => conn.close());
      return;
    }
    try {
      conn.setNoDelay(true); // replies leave at once; Nagle would stall pipelined clients
      // Deno sets no probe interval: the system's applies, not `tcp-keepalive` seconds.
      const keepAlive = this.config.getNumber("tcp-keepalive");
      if (keepAlive > 0) conn.setKeepAlive(true, keepAlive);
    } catch {
      // not a TCP socket
    }
    const client = this.adoptConnection(conn);
    const served = serveConnection(conn, client, {
      commands: this.commands,
      stats: this.stats,
      blocking: this.blocking,
      readyKeys: this.keyspace.readyKeys,
      maxBulkLength: () => this.config.getNumber("proto-max-bulk-len"),
      maxQueryBuffer: () => this.config.getNumber("client-query-buffer-limit"),
    }).finally(() => {
      this.#forget(client);
      this.#served.delete(served);
    });
    this.#served.add(served);
  }

  log(level: LogLevel, message: string): void {
    this.logger.log(level, message);
  }

  changeReplicationId(): void {
    this.replId = randomHex40();
  }

  /**
   * Protected mode, as Redis: while the default user has no password, only loopback clients
   * may connect (whatever the bind address), unless `protected-mode no`.
   */
  #deniedByProtectedMode(addr: Deno.Addr): boolean {
    if (!this.config.getBoolean("protected-mode") || this.acl.authRequired) return false;
    const host = (addr as Deno.NetAddr).hostname ?? "";
    return !(host.startsWith("127.") || host === "::1" || host.startsWith("::ffff:127."));
  }

  /** The highest memory use seen, sampled every tick (MEMORY STATS, INFO used_memory_peak). */
  #trackPeakMemory(): void {
    const used = usedMemory(this);
    if (used > this.memory.peak) this.memory.peak = used;
  }

  /** requirepass and the ACL settings; users from the aclfile or config `user` lines. */
  #followAclSettings(users: string[][]): void {
    const { config, acl } = this;
    const aclfile = config.get("aclfile");
    if (aclfile !== "" && users.length > 0) {
      throw new Error(
        "Configuring Redis with users defined in redis.conf and at the same time setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.",
      );
    }
    for (const [name, ...rules] of users) acl.setUser(name, rules);
    if (aclfile !== "") acl.load(Deno.readTextFileSync(aclfile));
    if (config.get("requirepass") !== "") acl.setRequirePass(config.get("requirepass"));
    config.onChange("requirepass", (password) => acl.setRequirePass(password));
    acl.logMaxLength = config.getNumber("acllog-max-len");
    config.onChange("acllog-max-len", (length) => {
      acl.logMaxLength = Number(length);
      if (acl.log.length > acl.logMaxLength) acl.log.length = acl.logMaxLength;
    });
  }

  #followObservabilitySettings(): void {
    const { config, slowlog, latency } = this;
    const follow = (name: string, apply: (value: number) => void) => {
      apply(config.getNumber(name));
      config.onChange(name, (value) => apply(Number(value)));
    };
    follow("slowlog-log-slower-than", (usec) => slowlog.threshold = usec);
    follow("slowlog-max-len", (length) => {
      slowlog.maxLength = length;
      slowlog.trim();
    });
    follow("latency-monitor-threshold", (ms) => latency.threshold = ms);
  }

  /** Everything a client leaves behind when its connection ends, in one place. */
  #forget(client: Client): void {
    this.blocking.unblock(client, "silent");
    endTransaction(client);
    this.pubsub.unsubscribeAll(client);
    this.tracking.disable(client);
    this.monitors.delete(client);
    this.clients.delete(client.id);
    this.#connections.delete(client.id);
  }

  /** Registers a connection as a client (accepted ones, and a replica's link to its master). */
  adoptConnection(conn: ClientSocket): Client {
    const client = new Client({
      id: this.#nextClientId++,
      server: this,
      addr: formatAddr(conn.remoteAddr),
      laddr: formatAddr(conn.localAddr),
    });
    this.clients.set(client.id, client);
    this.#connections.set(client.id, conn);
    return client;
  }

  releaseClient(client: Client): void {
    this.#forget(client);
  }

  killClient(client: Client): void {
    client.closeAfterReply = true;
    this.blocking.unblock(client, "silent");
    this.commands.pause.release(client);
    this.pubsub.unsubscribeAll(client);
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
    persistenceOf(this).close();
    aofOf(this).close();
    replicationOf(this).close();
    this.#stopFollowingClock();
    this.keyspace.close();
    this.blocking.close();
    for (const listener of [...this.#listeners, ...this.#tlsListeners]) {
      try {
        listener.close();
      } catch {
        // already closed
      }
    }
    for (const client of [...this.clients.values()]) this.killClient(client);
    this.commands.pause.end();
    await Promise.allSettled([...this.#served, ...this.#acceptLoops, this.#http?.close()]);
    this.#resolveClosed();
  }

  #resolveClosed!: () => void;
  /** Settles once the server has closed (by `close()` or a SHUTDOWN command). */
  readonly closed: Promise<void> = new Promise((resolve) => this.#resolveClosed = resolve);

  /** `await using server = await startServer(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
 * Creates and starts a server. Parameters are given by name with their values (strings as on
 * the command line, numbers, or booleans for yes/no); an unknown name or a bad value throws
 * with Redis's reason.
 *
 * @example
 * ```ts
 * const server = await startServer({ port: 0, databases: 4, maxmemory: "64mb" });
 * ```
 */
export function startServer(options: ServerOptions = {}): Promise<RedenoServer> {
  // Inside the executor, a bad option or a busy port becomes a rejection, not a throw.
  return new Promise((resolve) => resolve(launch(options)));
}

function launch(options: ServerOptions): RedenoServer | Promise<RedenoServer> {
  const config = new Config();
  for (const [name, value] of Object.entries(options)) {
    if (
      name === "clock" || name === "logger" || name === "configFile" || name === "users" ||
      name === "loadDataFile"
    ) {
      continue;
    }
    if (value === undefined) continue;
    const text = value === true ? "yes" : value === false ? "no" : String(value);
    const error = config.set(name, text, { atStartup: true });
    if (error !== null) throw new Error(`config '${name}': ${error}`);
  }
  const logger = options.logger ?? new Logger(config.get("loglevel") as LogLevel);
  const users = (options.users ?? []).map((line) => {
    const words = splitInlineArgs(line);
    if (words === null || words.length === 0) throw new Error(`bad ACL user line '${line}'`);
    return words;
  });
  const server = new RedenoServer(config, options.clock ?? new Clock(), logger, users);
  server.configFile = options.configFile ?? null;
  if (config.getBoolean("cluster-enabled")) {
    try {
      startCluster(server);
    } catch (error) {
      server.close();
      throw error;
    }
  }
  if (options.loadDataFile ?? options.dir !== undefined) {
    try {
      // With appendonly, the AOF holds the data and dump.rdb is not read, as in Redis.
      if (!loadAofAtStart(server)) persistenceOf(server).load(persistenceOf(server).path);
      server.keyspace.readyKeys.length = 0; // nobody waits yet
    } catch (error) {
      server.close();
      throw error;
    }
  }
  try {
    followAppendOnly(server);
  } catch (error) {
    server.close();
    throw error;
  }
  server.listen();
  if (config.getNumber("tls-port") > 0) return server.listenTls().then(() => server);
  return server;
}
