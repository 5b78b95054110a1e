/**
 * Replication state of one server, and its side as a master (PSYNC2, as Redis 7.0 speaks it).
 *
 * - A replica connects like any client, says REPLCONF listening-port / capa, then PSYNC. If it
 *   names our replication id (or the previous one, up to where it ended) and an offset the
 *   backlog still holds, it gets `+CONTINUE` and the missing bytes; otherwise `+FULLRESYNC
 *   <replid> <offset>`, an RDB image as `$<len>\r\n<bytes>`, and the stream from that offset.
 * - The stream is the propagated units (src/commands/propagation.ts) as multibulk commands, with
 *   SELECT where the db changes, PING every `repl-ping-replica-period` seconds and REPLCONF
 *   GETACK when WAIT needs fresh acknowledgements. Every byte also goes to the backlog.
 * - Replicas acknowledge with REPLCONF ACK <offset>: WAIT and INFO's lag read those.
 *
 * While this server is itself a replica (`link` is set) it relays its master's stream instead
 * of its own units (see replica.ts), so sub-replicas and the backlog carry the same bytes.
 *
 * @example
 * ```ts
 * const replication = replicationOf(server);
 * replication.offset; // INFO master_repl_offset
 * ```
 * @module
 */
import type { Client } from "../commands/client.ts";
import { REDIS_VERSION } from "../commands/connection.ts";
import { ReplyError } from "../commands/errors.ts";
import { processMemory } from "../commands/memory.ts";
import type { PropagatedCommand } from "../commands/propagation.ts";
import type { ServerContext } from "../commands/server_context.ts";
import { RdbSnapshot } from "../persistence/snapshot.ts";
import { bytesToLatin1 } from "../resp/latin1.ts";
import { scriptingEngine } from "../scripting/engine.ts";
import { encodeCommand, ReplicationBacklog } from "./backlog.ts";
import { MasterLink } from "./replica.ts";

const NO_REPLID = "0".repeat(40);
const GETACK = encodeCommand(["REPLCONF", "GETACK", "*"]);
const PING = encodeCommand(["PING"]);

/** A connection that asked to be our replica (REPLCONF, then SYNC or PSYNC). */
export interface ReplicaHandle {
  readonly client: Client;
  /** REPLCONF listening-port; 0 until told. */
  listeningPort: number;
  /** REPLCONF ip-address, or null: the connection's own address is used. */
  announcedIp: string | null;
  /** REPLCONF capa psync2: `+CONTINUE` then names our replication id. */
  psync2: boolean;
  /** Set once SYNC or PSYNC was answered: the connection now receives the stream. */
  online: boolean;
  /** The offset the replica last acknowledged, and when (Date.now() ms). */
  ackOffset: number;
  ackTime: number;
}

/** A client parked by WAIT. */
interface Waiter {
  client: Client;
  replicas: number;
  offset: number;
}

export class Replication {
  readonly #server: ServerContext;
  /** Set while this server is a replica: the link to its master. */
  link: MasterLink | null = null;
  /** The previous replication id and the first offset it does not cover (PSYNC2). */
  replid2 = NO_REPLID;
  secondReplOffset = -1;
  backlog: ReplicationBacklog | null = null;
  #offset = 0;
  /** Connections that said REPLCONF or SYNC/PSYNC, by client. */
  readonly #replicas = new Map<Client, ReplicaHandle>();
  #detachSink: (() => void) | null = null;
  /** The db the stream last SELECTed; -1 makes the next command select again. */
  #streamDb = -1;
  /** The offset after the last unit of data (not PINGs or GETACKs): what WAIT waits for. */
  #dataOffset = 0;
  #lastPing = Date.now();
  #noReplicasSince = Date.now();
  #waiters: Waiter[] = [];
  #ackRequested = false;
  #activeExpireBefore = true;
  /** INFO stats' sync_full, sync_partial_ok, sync_partial_err. */
  readonly #stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };

  constructor(server: ServerContext) {
    this.#server = server;
    server.config.onChange("repl-backlog-size", (size) => {
      if (this.backlog !== null) this.backlog = this.backlog.resized(Number(size));
    });
    server.config.onChange("replica-read-only", () => this.#followReadOnly());
  }

  get server(): ServerContext {
    return this.#server;
  }

  /** INFO master_replid. */
  get replid(): string {
    return this.#server.replId;
  }

  set replid(id: string) {
    // The id lives on the server (DEBUG CHANGE-REPL-ID changes it there).
    (this.#server as { replId: string }).replId = id;
  }

  /** INFO master_repl_offset: bytes of replication stream produced (or applied) so far. */
  get offset(): number {
    return this.backlog?.offset ?? this.#offset;
  }

  /** Replicas that completed SYNC/PSYNC and are still connected, in arrival order. */
  onlineReplicas(): ReplicaHandle[] {
    const online: ReplicaHandle[] = [];
    for (const [client, handle] of this.#replicas) {
      if (!this.#server.clients.has(client.id)) this.#replicas.delete(client);
      else if (handle.online) online.push(handle);
    }
    return online;
  }

  /** The handle of a connection that speaks REPLCONF, made on first use. */
  handle(client: Client): ReplicaHandle {
    let handle = this.#replicas.get(client);
    if (handle === undefined) {
      handle = {
        client,
        listeningPort: 0,
        announcedIp: null,
        psync2: false,
        online: false,
        ackOffset: 0,
        ackTime: Date.now(),
      };
      this.#replicas.set(client, handle);
    }
    return handle;
  }

  /** Makes a backlog if there is none, and starts collecting the stream into it. */
  #ensureBacklog(): void {
    if (this.backlog === null) {
      this.backlog = new ReplicationBacklog(
        this.#server.config.getNumber("repl-backlog-size"),
        this.#offset,
      );
    }
    this.#detachSink ??= this.#server.propagation.attach((unit) => this.#onUnit(unit));
  }

  #onUnit(unit: readonly PropagatedCommand[]): void {
    if (this.link !== null) return; // a replica relays its master's stream instead
    let text = "";
    for (const { db, argv } of unit) {
      if (db !== this.#streamDb) {
        text += encodeCommand(["SELECT", String(db)]);
        this.#streamDb = db;
      }
      text += encodeCommand(argv);
    }
    this.feed(text);
    this.#dataOffset = this.offset;
  }

  /** Appends stream bytes (latin1): to the backlog and to every online replica. */
  feed(text: string): void {
    if (this.backlog !== null) this.backlog.feed(text);
    else this.#offset += text.length;
    if (this.#replicas.size === 0) return;
    for (const handle of this.onlineReplicas()) {
      handle.client.reply.raw(text);
      handle.client.wake();
    }
  }

  /** Bytes from our master, applied: ours too now (see replica.ts). */
  relay(text: string): void {
    this.feed(text);
    this.#dataOffset = this.offset;
  }

  /** SYNC and PSYNC: a full or a partial resynchronization for this connection. */
  sync(client: Client, replid: string | null, offsetText: string | null): void {
    if (client.replication === "replica") return; // already one of ours: ignored, as Redis
    if (this.link !== null && !this.link.connected) {
      throw new ReplyError("NOMASTERLINK Can't SYNC while not connected with my master");
    }
    if (client.pendingOutput > 0) {
      throw new ReplyError("ERR SYNC and PSYNC are invalid with pending output");
    }
    const handle = this.handle(client);
    client.replication = "replica";
    if (replid !== null && offsetText !== null) {
      if (this.#tryPartial(handle, replid, offsetText)) return;
      if (replid !== "?") this.#stats.syncPartialErr++;
    }
    this.#fullSync(handle, replid !== null);
  }

  #tryPartial(handle: ReplicaHandle, replid: string, offsetText: string): boolean {
    const from = Number(offsetText);
    if (!/^-?\d+$/.test(offsetText) || !Number.isSafeInteger(from)) return false;
    const known = replid.toLowerCase() === this.replid ||
      (replid.toLowerCase() === this.replid2 && from <= this.secondReplOffset);
    if (!known || this.backlog === null) return false;
    const missing = this.backlog.since(from);
    if (missing === null) return false;
    const client = handle.client;
    client.reply.raw(handle.psync2 ? `+CONTINUE ${this.replid}\r\n` : "+CONTINUE\r\n");
    client.reply.raw(bytesToLatin1(missing, 0, missing.length));
    this.#goOnline(handle);
    this.#server.log(
      "notice",
      `Partial resynchronization request from ${describe(handle)} accepted. Sending ` +
        `${missing.length} bytes of backlog starting from offset ${from}.`,
    );
    this.#stats.syncPartialOk++;
    return true;
  }

  #fullSync(handle: ReplicaHandle, psync: boolean): void {
    const server = this.#server;
    if (this.backlog === null && this.link === null) {
      // A backlog made from nothing starts a new history, as Redis does.
      this.replid = randomReplId();
      this.replid2 = NO_REPLID;
      this.secondReplOffset = -1;
    }
    this.#ensureBacklog();
    this.#stats.syncFull++;
    const offset = this.offset;
    const client = handle.client;
    if (psync) client.reply.raw(`+FULLRESYNC ${this.replid} ${offset}\r\n`);
    const payload = rdbImage(server, this.replid, offset);
    client.reply.raw(`$${payload.length}\r\n`);
    client.reply.raw(bytesToLatin1(payload, 0, payload.length));
    // The next unit selects its db again: this replica starts from no db.
    this.#streamDb = -1;
    this.#goOnline(handle);
    server.log(
      "notice",
      `Replica ${describe(handle)} asks for synchronization; full resync at offset ${offset} ` +
        `with ${payload.length} bytes of RDB`,
    );
  }

  #goOnline(handle: ReplicaHandle): void {
    handle.online = true;
    handle.ackTime = Date.now();
    this.#ensureBacklog();
  }

  /** REPLCONF ACK from a replica. */
  acknowledge(client: Client, offset: number): void {
    const handle = this.#replicas.get(client);
    if (handle === undefined || !handle.online) return;
    if (offset > handle.ackOffset) handle.ackOffset = offset;
    handle.ackTime = Date.now();
    if (this.#waiters.length > 0) this.#serveWaiters();
  }

  /** How many online replicas acknowledged `offset`. */
  #acked(offset: number): number {
    return this.onlineReplicas().filter((handle) => handle.ackOffset >= offset).length;
  }

  /** WAIT numreplicas timeout. */
  wait(client: Client, replicas: number, deadline: number): void {
    const offset = this.#dataOffset;
    const acked = this.#acked(offset);
    if (acked >= replicas || client.inExec) {
      client.reply.integer(acked);
      return;
    }
    const waiter: Waiter = { client, replicas, offset };
    this.#waiters.push(waiter);
    client.server.blocking.block(client, {
      keys: [],
      deadline,
      tryServe: () => false,
      onTimeout: () => {
        this.#waiters = this.#waiters.filter((each) => each !== waiter);
        client.reply.integer(this.#acked(offset));
      },
    });
    this.#requestAcks();
  }

  /** Asks every replica for its offset, once per event-loop turn however many WAITs ask. */
  #requestAcks(): void {
    if (this.#ackRequested) return;
    this.#ackRequested = true;
    queueMicrotask(() => {
      this.#ackRequested = false;
      if (this.link === null && this.onlineReplicas().length > 0) this.feed(GETACK);
    });
  }

  #serveWaiters(): void {
    const waiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      const client = waiter.client;
      if (client.blocked === null) continue; // gone or timed out
      const acked = this.#acked(waiter.offset);
      if (acked >= waiter.replicas) {
        client.reply.integer(acked);
        client.server.blocking.unblock(client, "silent");
      } else {
        waiting.push(waiter);
      }
    }
    this.#waiters = waiting;
  }

  /** Every server tick: pings, replica timeouts, the backlog's time to live, the master link. */
  cron(): void {
    const now = Date.now();
    const config = this.#server.config;
    const replicas = this.onlineReplicas();
    if (this.link === null && replicas.length > 0) {
      if (now - this.#lastPing >= config.getNumber("repl-ping-replica-period") * 1000) {
        this.#lastPing = now;
        this.feed(PING);
      }
    } else {
      this.#lastPing = now;
    }
    const timeout = config.getNumber("repl-timeout") * 1000;
    for (const handle of replicas) {
      if (now - handle.ackTime > timeout) {
        this.#server.log("warning", `Disconnecting timedout replica: ${describe(handle)}`);
        this.#server.killClient(handle.client);
      }
    }
    if (replicas.length > 0 || this.link !== null) {
      this.#noReplicasSince = now;
    } else if (this.backlog !== null) {
      const ttl = config.getNumber("repl-backlog-ttl") * 1000;
      if (ttl > 0 && now - this.#noReplicasSince > ttl) {
        // No replica came back in time: forget the history, and so any chance to continue it.
        this.#offset = this.backlog.offset;
        this.backlog = null;
        this.replid = randomReplId();
        this.replid2 = NO_REPLID;
        this.secondReplOffset = -1;
        this.#detachSink?.();
        this.#detachSink = null;
      }
    }
    this.link?.cron();
  }

  /** At start: follows the master `replicaof` names, if any. */
  start(): void {
    const [host, port] = this.#server.config.get("replicaof").split(" ");
    if (host !== undefined && host !== "" && port !== undefined) this.setMaster(host, Number(port));
  }

  /** REPLICAOF host port: drops any link, and follows that master from now on. */
  setMaster(host: string, port: number): void {
    const server = this.#server;
    if (this.link === null) {
      // Until the master says otherwise keys only expire by its DEL; its own commands still
      // see them, other clients see them gone.
      this.#activeExpireBefore = server.keyspace.activeExpire;
      server.keyspace.activeExpire = false;
      server.keyspace.events.keepExpired = () => !(this.link?.applying ?? false);
    }
    this.link?.close();
    this.link = new MasterLink(server, host, port);
    this.#followReadOnly();
    this.link.start();
  }

  /** REPLICAOF NO ONE: ends the link; this server is a master with a history of its own. */
  unsetMaster(): void {
    const link = this.link;
    if (link === null) return;
    link.close();
    this.link = null;
    this.#followReadOnly();
    const keyspace = this.#server.keyspace;
    keyspace.events.keepExpired = null;
    keyspace.activeExpire = this.#activeExpireBefore;
    // Replicas that followed the old master's history may continue it with us (PSYNC2).
    this.shiftReplid();
    this.#streamDb = -1;
  }

  #followReadOnly(): void {
    const server = this.#server;
    server.commands.readOnlyReplica = this.link !== null &&
      server.config.getBoolean("replica-read-only");
  }

  /** Drops every replica connection (this server starts following another master). */
  disconnectReplicas(): void {
    for (const handle of this.onlineReplicas()) this.#server.killClient(handle.client);
  }

  /**
   * A new history begins where this one ends (promotion, or a master that changed its id):
   * replicas that followed the old id may still continue up to `offset`.
   */
  shiftReplid(newId: string = randomReplId()): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.offset + 1;
    this.replid = newId;
  }

  /** Starts a fresh history at `offset` under `replid` (after a full sync from a master). */
  resetHistory(replid: string, offset: number): void {
    this.replid = replid;
    this.replid2 = NO_REPLID;
    this.secondReplOffset = -1;
    this.#offset = offset;
    this.backlog = null;
    this.#ensureBacklog();
    this.#dataOffset = offset;
    this.#streamDb = -1;
  }

  get stats(): { syncFull: number; syncPartialOk: number; syncPartialErr: number } {
    return this.#stats;
  }

  close(): void {
    this.link?.close();
    this.link = null;
    for (const waiter of this.#waiters) {
      waiter.client.server.blocking.unblock(waiter.client, "silent");
    }
    this.#waiters = [];
    this.#detachSink?.();
    this.#detachSink = null;
  }
}

/** `ip:port` of a replica, as Redis logs it. */
export function describe(handle: ReplicaHandle): string {
  return `${replicaIp(handle)}:${handle.listeningPort}`;
}

/** The address a replica is known by: the one it announced, else its connection's. */
export function replicaIp(handle: ReplicaHandle): string {
  if (handle.announcedIp !== null) return handle.announcedIp;
  const addr = handle.client.addr;
  const colon = addr.lastIndexOf(":");
  return (colon < 0 ? addr : addr.slice(0, colon)).replace(/^\[|\]$/g, "");
}

/** The whole keyspace as an RDB image, made now (a replica's full sync). */
function rdbImage(server: ServerContext, replid: string, offset: number): Uint8Array {
  const config = server.config;
  const keyspace = server.keyspace;
  // A BGSAVE may be watching the keyspace; this image is made in one go and gives it back.
  const previous = keyspace.databases[0]?.observer ?? null;
  const libraries = [...scriptingEngine(server).libraries.values()].map((library) => library.code);
  const snapshot = new RdbSnapshot(
    keyspace,
    {
      compression: config.getBoolean("rdbcompression"),
      checksum: config.getBoolean("rdbchecksum"),
      listMaxListpackSize: config.getNumber("list-max-listpack-size"),
    },
    [
      ["redis-ver", REDIS_VERSION],
      ["redis-bits", "64"],
      ["ctime", String(Math.floor(keyspace.clock.now() / 1000))],
      ["used-mem", String(processMemory().used)],
      ["repl-stream-db", "0"],
      ["repl-id", replid],
      ["repl-offset", String(offset)],
      ["aof-base", "0"],
    ],
    libraries,
  );
  const chunks: Uint8Array[] = [];
  try {
    while (!snapshot.step(Infinity)) chunks.push(snapshot.take());
    chunks.push(snapshot.take());
  } finally {
    keyspace.observe(previous);
  }
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const image = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    image.set(chunk, at);
    at += chunk.length;
  }
  return image;
}

/** 40 random hex digits, a new replication id. */
export function randomReplId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(20)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

const instances = new WeakMap<ServerContext, Replication>();

/** The server's replication state, made on first use. */
export function replicationOf(server: ServerContext): Replication {
  let replication = instances.get(server);
  if (replication === undefined) instances.set(server, replication = new Replication(server));
  return replication;
}
