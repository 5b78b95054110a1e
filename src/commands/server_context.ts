/**
 * What commands may see of the server as a whole. The server implements it; commands depend on
 * this interface, never on the server module, so imports run one way.
 * @module
 */
import type { Config } from "../config/config.ts";
import type { AclStore } from "./acl.ts";
import type { Keyspace } from "../store/keyspace.ts";
import type { BlockingManager } from "./blocking.ts";
import type { Client } from "./client.ts";
import type { LatencyMonitor } from "./latency.ts";
import type { KeyspaceNotifier } from "./notify.ts";
import type { Propagation } from "./propagation.ts";
import type { PubSubHub } from "./pubsub.ts";
import type { CommandTable } from "./registry.ts";
import type { SlowLog } from "./slowlog.ts";
import type { TrackingTable } from "./tracking.ts";

export interface ServerStats {
  totalConnectionsReceived: number;
  totalCommandsProcessed: number;
  rejectedConnections: number;
  netInputBytes: number;
  netOutputBytes: number;
  /** Changes since start (Redis's `dirty`), for INFO and later persistence. */
  dirty: number;
  errorReplies: number;
}

export interface ServerContext {
  readonly keyspace: Keyspace;
  readonly config: Config;
  readonly commands: CommandTable;
  /** Connected clients by id, in connection order. */
  readonly clients: Map<number, Client>;
  readonly stats: ServerStats;
  /** Clients parked by blocking commands. */
  readonly blocking: BlockingManager;
  /** Channel, pattern and shard channel subscriptions of every client. */
  readonly pubsub: PubSubHub;
  /** Keys tracked for client-side caching (CLIENT TRACKING). */
  readonly tracking: TrackingTable;
  /** Publishes keyspace notifications as `notify-keyspace-events` asks. */
  readonly notifier: KeyspaceNotifier;
  /** Commands slower than `slowlog-log-slower-than` (SLOWLOG). */
  readonly slowlog: SlowLog;
  /** Latency spikes above `latency-monitor-threshold` (LATENCY). */
  readonly latency: LatencyMonitor;
  /** Clients that ran MONITOR: each receives a line per command run. */
  readonly monitors: Set<Client>;
  /** The stream of writes the append-only file and replicas receive. */
  readonly propagation: Propagation;
  /** ACL users and the ACL log. */
  readonly acl: AclStore;
  /** Error replies by code (`ERR`, `WRONGTYPE`, ...) for INFO errorstats. */
  readonly errorStats: Map<string, number>;
  /** Counts an error reply in `errorStats`; every client's reply writer calls it. */
  readonly countError: (text: string) => void;
  /** Absolute path of the config file the server started with (CONFIG REWRITE), or null. */
  readonly configFile: string | null;
  /** Memory in use at start, and the highest seen since (sampled every tick). */
  readonly memory: { startup: number; peak: number };
  /** Server start, ms of the keyspace clock. */
  readonly startedAt: number;
  /** 40 hex chars, new at every start (INFO run_id). */
  readonly runId: string;
  /** 40 hex chars, the replication id (INFO master_replid). */
  readonly replId: string;
  /** Writes a line to the server log (DEBUG LOG, warnings from commands). */
  log(level: "debug" | "verbose" | "notice" | "warning", message: string): void;
  /** New replication ids (DEBUG CHANGE-REPL-ID). */
  changeReplicationId(): void;
  /** The TCP port actually bound (0 before listening). */
  readonly port: number;
  /** Closes a client's connection once its pending replies are written. */
  killClient(client: Client): void;
  /** Makes a client of a connection the server opened itself (a replica's link to its master). */
  adoptConnection(conn: Deno.TcpConn): Client;
  /** Forgets an adopted client once its connection has ended. */
  releaseClient(client: Client): void;
  /** Stops the server: closes the listeners and every connection (SHUTDOWN). */
  close(): Promise<void>;
}
