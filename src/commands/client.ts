/**
 * A client's state as commands see it. The server creates one per connection; commands read
 * and change it (SELECT, CLIENT SETNAME, HELLO) without knowing about sockets.
 * @module
 */
import type { AclUser } from "./acl_user.ts";
import type { Argv } from "../resp/decoder.ts";
import { ReplyWriter } from "../resp/encoder.ts";
import type { Database } from "../store/keyspace.ts";
import type { BlockedState } from "./blocking.ts";
import type { RegisteredCommand } from "./registry.ts";
import type { ServerContext } from "./server_context.ts";
import type { TrackingState } from "./tracking.ts";

export type ReplyMode = "on" | "off" | "skip";

/** Commands queued between MULTI and EXEC. */
export interface Transaction {
  queue: Array<{ command: RegisteredCommand; argv: Argv }>;
  /** A command was refused while queueing: EXEC replies EXECABORT. */
  aborted: boolean;
}

/** A WATCHed key and its version when WATCH ran (see `Database.watch`). */
export interface WatchedKey {
  db: Database;
  key: string;
  version: number;
}

export interface ClientOptions {
  id: number;
  server: ServerContext;
  /** `ip:port` of the peer and of our end, as CLIENT LIST shows them. */
  addr?: string;
  laddr?: string;
}

export class Client {
  readonly id: number;
  readonly server: ServerContext;
  readonly reply = new ReplyWriter();
  readonly addr: string;
  readonly laddr: string;
  /** Creation time, ms of the server clock. */
  readonly createdAt: number;
  db: Database;
  name = "";
  /** The ACL user the connection runs as: `default` until AUTH or HELLO AUTH. */
  user: AclUser;
  /** Set by a successful AUTH; needed only while the default user requires a password. */
  authenticated = false;
  libName = "";
  libVersion = "";
  /** When the last command ran, in `performance.now()` ms (CLIENT LIST idle). */
  lastInteraction: number;
  /** Full name of the last command run, e.g. `client|list`. */
  lastCommand = "NULL";
  replyMode: ReplyMode = "on";
  /** Set by CLIENT REPLY SKIP: the next command's reply is dropped. */
  skipNextReply = false;
  noEvict = false;
  /** Channels, patterns and shard channels this client is subscribed to (pub/sub). */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /**
   * Asks the server to write out what was appended to `reply` from outside this client's own
   * command (a message published to it). The connection sets it; a no-op for detached clients.
   */
  wake: () => void = () => {};
  /** Set while a blocking command waits; the connection runs nothing else until it settles. */
  blocked: BlockedState | null = null;
  /**
   * Set while CLIENT PAUSE holds this client's command: settles when the pause ends, with
   * true when the connection should run that command again (false: the client is going away).
   */
  postponed: Promise<boolean> | null = null;
  /** Reply bytes handed to the socket and not yet written (the connection keeps it). */
  outputInFlight = 0;
  /** When unsent replies first reached the soft output limit (`performance.now()` ms), or 0. */
  outputSoftLimitSince = 0;
  /** Set by QUIT, a protocol error or CLIENT KILL: close once pending replies are written. */
  closeAfterReply = false;
  /** The open MULTI block (queued commands), or null outside a transaction. */
  transaction: Transaction | null = null;
  /** Keys this client WATCHes, or null when it watches none. */
  watched: WatchedKey[] | null = null;
  /** CLIENT TRACKING options, or null while tracking is off. */
  tracking: TrackingState | null = null;
  /** What the running command propagates instead of itself (see propagation.ts), or null. */
  propagateAs: string[][] | null = null;
  /** Set while EXEC runs the queue: blocking commands answer at once instead of waiting. */
  inExec = false;
  /** A replica of ours (after SYNC/PSYNC), or our master's link (src/replication/). */
  replication: "replica" | "master" | null = null;

  constructor(options: ClientOptions) {
    this.id = options.id;
    this.server = options.server;
    this.addr = options.addr ?? "127.0.0.1:0";
    this.laddr = options.laddr ?? "127.0.0.1:0";
    this.db = options.server.keyspace.db(0);
    this.user = options.server.acl.defaultUser;
    this.reply.onError = options.server.countError;
    this.createdAt = options.server.keyspace.clock.now();
    this.lastInteraction = performance.now();
  }

  /** Reply bytes not yet written to the socket: appended ones plus those being written. */
  get pendingOutput(): number {
    return this.reply.length + this.outputInFlight;
  }

  /** How many channels, patterns and shard channels the client is subscribed to. */
  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  get resp(): 2 | 3 {
    return this.reply.resp;
  }

  set resp(version: 2 | 3) {
    this.reply.resp = version;
  }
}
