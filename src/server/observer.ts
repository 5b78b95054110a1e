/**
 * What the HTTP endpoint shows, gathered without touching the command path: a once-a-second
 * sampler derives ops/s and latency percentiles from counters the registry already keeps, and
 * the dashboard's JSON is assembled from the server's state when it is asked for.
 *
 * @example
 * ```ts
 * const observer = new Observer(server); // starts sampling once a second
 * observer.snapshot().history.samples.at(-1)?.ops; // commands per second, last second
 * observer.close(); // stops the timer
 * ```
 * @module
 */
import { REDIS_VERSION } from "../commands/connection.ts";
import { infoText, requestedSections } from "../commands/info.ts";
import { type LatencyHistogram, rowLabelUsec } from "../commands/latency_histogram.ts";
import type { RegisteredCommand } from "../commands/registry.ts";
import type { ServerContext } from "../commands/server_context.ts";
import { latin1ToBytes } from "../resp/latin1.ts";
import type { Database } from "../store/keyspace.ts";
import { typeOf, type ValueType } from "../store/values.ts";

/**
 * The upper edges (ns) of `LatencyHistogram.cumulativeRows`: 1024 ns doubling 20 times, past the
 * 1 s where histograms stop. Prometheus buckets and the dashboard's percentiles both use them.
 */
export const LATENCY_EDGES_NS: readonly number[] = Array.from(
  { length: 21 },
  (_, k) => 1024 * 2 ** k,
);
const EDGE_BY_ROW_USEC = new Map(LATENCY_EDGES_NS.map((ns, k) => [rowLabelUsec(ns), k]));

/** The last counts read from each histogram, reused while its total stays the same. */
const lastCounts = new WeakMap<LatencyHistogram, { total: number; counts: Float64Array }>();

/**
 * A histogram's cumulative counts at every edge of {@link LATENCY_EDGES_NS} (do not modify the
 * array: it is cached). Reading a histogram walks all its buckets, so an idle command's counts
 * are remembered rather than read again every second.
 */
export function cumulativeCounts(histogram: LatencyHistogram): Float64Array {
  const cached = lastCounts.get(histogram);
  if (cached !== undefined && cached.total === histogram.total) return cached.counts;
  const counts = new Float64Array(LATENCY_EDGES_NS.length);
  let next = 0;
  let carried = 0;
  for (const [usec, seen] of histogram.cumulativeRows()) {
    const edge = EDGE_BY_ROW_USEC.get(usec) ?? LATENCY_EDGES_NS.length - 1;
    while (next < edge) counts[next++] = carried;
    counts[next++] = carried = seen;
  }
  while (next < counts.length) counts[next++] = carried;
  lastCounts.set(histogram, { total: histogram.total, counts });
  return counts;
}

/**
 * The latency (µs) below which `percentile` % of the counted calls fall, interpolated linearly
 * inside the bucket as Prometheus's `histogram_quantile` does; 0 when nothing was counted.
 */
export function percentileUsec(cumulative: Float64Array, percentile: number): number {
  const total = cumulative[cumulative.length - 1];
  if (total <= 0) return 0;
  const wanted = (percentile / 100) * total;
  for (let k = 0; k < cumulative.length; k++) {
    if (cumulative[k] < wanted) continue;
    const below = k === 0 ? 0 : cumulative[k - 1];
    const lower = k === 0 ? 0 : LATENCY_EDGES_NS[k - 1];
    const inBucket = cumulative[k] - below;
    const fraction = inBucket > 0 ? (wanted - below) / inBucket : 1;
    return (lower + (LATENCY_EDGES_NS[k] - lower) * fraction) / 1000;
  }
  return LATENCY_EDGES_NS[LATENCY_EDGES_NS.length - 1] / 1000;
}

/** Every command and subcommand, in table order. */
export function allCommands(server: ServerContext): RegisteredCommand[] {
  const found: RegisteredCommand[] = [];
  const visit = (command: RegisteredCommand) => {
    found.push(command);
    command.subcommands.forEach(visit);
  };
  server.commands.all().forEach(visit);
  return found;
}

/** INFO's `field:value` lines of the given sections, as a map. */
export function infoFields(server: ServerContext, sections: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of infoText(server, requestedSections(sections)).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** One second of the server's life, as the dashboard charts it. */
export interface Sample {
  /** Unix time, ms. */
  t: number;
  /** Commands per second. */
  ops: number;
  /** Latency percentiles (µs) of the calls made during this second, every command together. */
  p50: number;
  p99: number;
  clients: number;
  /** INFO used_memory, bytes. */
  memory: number;
}

export interface CommandRow {
  name: string;
  calls: number;
  /** Calls per second during the last sampled second. */
  opsPerSec: number;
  usecPerCall: number;
  p50Usec: number;
  p99Usec: number;
  failed: number;
  rejected: number;
}

export interface DatabaseRow {
  db: number;
  keys: number;
  expires: number;
  /** Keys by type: exact for small databases, estimated from a rolling walk for big ones. */
  types: Partial<Record<ValueType, number>>;
  sampled: boolean;
}

/** What `/api/stats` returns. */
export interface StatsSnapshot {
  server: {
    version: string;
    runId: string;
    port: number;
    uptimeSeconds: number;
    time: number;
  };
  clients: { connected: number; blocked: number; totalConnections: number; rejected: number };
  memory: { used: number; rss: number; peak: number; maxmemory: number };
  stats: {
    commandsProcessed: number;
    opsPerSec: number;
    expiredKeys: number;
    evictedKeys: number;
    keyspaceHits: number;
    keyspaceMisses: number;
    netInputBytes: number;
    netOutputBytes: number;
    errorReplies: number;
  };
  persistence: {
    changesSinceLastSave: number;
    lastSaveTime: number;
    bgsaveInProgress: boolean;
    lastBgsaveStatus: string;
    aofEnabled: boolean;
  };
  keyspace: DatabaseRow[];
  commands: CommandRow[];
  slowlog: {
    length: number;
    entries: Array<
      { id: number; time: number; usec: number; args: string[]; addr: string; name: string }
    >;
  };
  history: { intervalSeconds: number; samples: Sample[] };
}

/** Five minutes of one-second samples. */
const HISTORY_LENGTH = 300;
/** Keys whose type the census reads per dashboard request, over every database together. */
const CENSUS_BUDGET = 10_000;
const TOP_COMMANDS = 12;
const SLOWLOG_ENTRIES = 10;

const NO_COUNTS = new Float64Array(LATENCY_EDGES_NS.length);

interface CommandMemory {
  histogram: LatencyHistogram | null;
  counts: Float64Array;
  calls: number;
}

/** Samples the server once a second and builds the dashboard's JSON. */
export class Observer {
  readonly #server: ServerContext;
  readonly #samples: Sample[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #census = new TypeCensus();
  #commands = new Map<RegisteredCommand, CommandMemory>();
  #rates = new Map<RegisteredCommand, number>();
  #lastAt: number;
  #lastTotal: number;

  constructor(server: ServerContext) {
    this.#server = server;
    this.#lastAt = performance.now();
    this.#lastTotal = server.stats.totalCommandsProcessed;
    // The baseline: the first second's rates and percentiles leave out earlier calls.
    this.#sampleLatency();
    this.#rates.clear();
    this.#timer = setInterval(() => this.sample(), 1000);
  }

  /** Takes one sample; the timer calls it every second. */
  sample(): void {
    const now = performance.now();
    const seconds = Math.max(0.001, (now - this.#lastAt) / 1000);
    const total = this.#server.stats.totalCommandsProcessed;
    // CONFIG RESETSTAT lowers the total: count from the reset rather than going negative.
    const done = total >= this.#lastTotal ? total - this.#lastTotal : total;
    this.#lastAt = now;
    this.#lastTotal = total;
    const recent = this.#sampleLatency(seconds);
    this.#samples.push({
      t: Date.now(),
      ops: Math.round(done / seconds),
      p50: round3(percentileUsec(recent, 50)),
      p99: round3(percentileUsec(recent, 99)),
      clients: this.#server.clients.size,
      memory: Number(infoFields(this.#server, ["memory"]).get("used_memory") ?? 0),
    });
    if (this.#samples.length > HISTORY_LENGTH) this.#samples.shift();
  }

  /**
   * Since the previous call: every command's new calls per second (kept for the top-commands
   * table) and the cumulative counts of all their latencies together.
   */
  #sampleLatency(seconds = 1): Float64Array {
    const recent = new Float64Array(LATENCY_EDGES_NS.length);
    const seen = new Map<RegisteredCommand, CommandMemory>();
    const rates = new Map<RegisteredCommand, number>();
    for (const command of allCommands(this.#server)) {
      if (command.calls === 0 && command.histogram === null) continue;
      const before = this.#commands.get(command);
      const counts = command.histogram === null ? NO_COUNTS : cumulativeCounts(command.histogram);
      // A histogram replaced or emptied (CONFIG RESETSTAT) starts from zero again.
      const fresh = before === undefined || before.histogram !== command.histogram ||
        before.counts[before.counts.length - 1] > counts[counts.length - 1];
      for (let k = 0; k < recent.length; k++) {
        recent[k] += fresh ? counts[k] : counts[k] - before.counts[k];
      }
      const calls = before === undefined || command.calls < before.calls
        ? command.calls
        : command.calls - before.calls;
      if (calls > 0) rates.set(command, calls / seconds);
      seen.set(command, { histogram: command.histogram, counts, calls: command.calls });
    }
    this.#commands = seen;
    this.#rates = rates;
    return recent;
  }

  /** Everything the dashboard shows, as of now. */
  snapshot(): StatsSnapshot {
    const server = this.#server;
    const info = infoFields(server, ["memory", "persistence"]);
    const number = (field: string) => Number(info.get(field) ?? 0);
    const keyspaceStats = server.keyspace.stats;
    return {
      server: {
        version: REDIS_VERSION,
        runId: server.runId,
        port: server.port,
        uptimeSeconds: Math.floor((server.keyspace.clock.now() - server.startedAt) / 1000),
        time: Date.now(),
      },
      clients: {
        connected: server.clients.size,
        blocked: server.blocking.blockedCount,
        totalConnections: server.stats.totalConnectionsReceived,
        rejected: server.stats.rejectedConnections,
      },
      memory: {
        used: number("used_memory"),
        rss: number("used_memory_rss"),
        peak: number("used_memory_peak"),
        maxmemory: number("maxmemory"),
      },
      stats: {
        commandsProcessed: server.stats.totalCommandsProcessed,
        opsPerSec: this.#samples.at(-1)?.ops ?? 0,
        expiredKeys: keyspaceStats.expiredKeys,
        evictedKeys: 0, // no eviction yet
        keyspaceHits: keyspaceStats.keyspaceHits,
        keyspaceMisses: keyspaceStats.keyspaceMisses,
        netInputBytes: server.stats.netInputBytes,
        netOutputBytes: server.stats.netOutputBytes,
        errorReplies: server.stats.errorReplies,
      },
      persistence: {
        changesSinceLastSave: number("rdb_changes_since_last_save"),
        lastSaveTime: number("rdb_last_save_time"),
        bgsaveInProgress: number("rdb_bgsave_in_progress") === 1,
        lastBgsaveStatus: info.get("rdb_last_bgsave_status") ?? "ok",
        aofEnabled: number("aof_enabled") === 1,
      },
      keyspace: this.#census.count(server.keyspace.databases, CENSUS_BUDGET),
      commands: this.#topCommands(),
      slowlog: {
        length: server.slowlog.entries.length,
        entries: server.slowlog.entries.slice(0, SLOWLOG_ENTRIES).map((entry) => ({
          id: entry.id,
          time: entry.time,
          usec: entry.usec,
          args: entry.args.map(displayText),
          addr: entry.addr,
          name: displayText(entry.name),
        })),
      },
      history: { intervalSeconds: 1, samples: this.#samples.slice() },
    };
  }

  #topCommands(): CommandRow[] {
    return allCommands(this.#server)
      .filter((command) => command.calls > 0 || command.failedCalls > 0)
      .sort((a, b) => b.calls - a.calls)
      .slice(0, TOP_COMMANDS)
      .map((command) => {
        const histogram = command.histogram;
        return {
          name: command.fullName,
          calls: command.calls,
          opsPerSec: Math.round(this.#rates.get(command) ?? 0),
          usecPerCall: command.calls > 0 ? round3(command.usec / command.calls) : 0,
          p50Usec: histogram ? round3(histogram.valueAtPercentile(50) / 1000) : 0,
          p99Usec: histogram ? round3(histogram.valueAtPercentile(99) / 1000) : 0,
          failed: command.failedCalls,
          rejected: command.rejectedCalls,
        };
      });
  }

  /** Stops the sampler. */
  close(): void {
    clearInterval(this.#timer);
  }
}

interface Walk {
  keys: Iterator<string>;
  counts: Map<ValueType, number>;
  visited: number;
  /** The walk has taken more than one request: its counts are an estimate. */
  spread: boolean;
}

/**
 * Counts keys by type without ever reading more than a budget of keys at once: each database is
 * walked from where the last request stopped, and a finished walk's counts stand until the next
 * one finishes. Small databases finish in one request and so are counted exactly.
 */
class TypeCensus {
  #walks = new Map<Database, Walk>();
  #finished = new Map<
    Database,
    { counts: Map<ValueType, number>; visited: number; spread: boolean }
  >();

  count(databases: readonly Database[], budget: number): DatabaseRow[] {
    const rows: DatabaseRow[] = [];
    let left = budget;
    for (const db of databases) {
      if (db.size === 0) {
        this.#walks.delete(db);
        this.#finished.delete(db);
        continue;
      }
      if (left > 0) left -= this.#step(db, left);
      const done = this.#finished.get(db);
      const walk = this.#walks.get(db);
      const basis = done ?? walk;
      const types: Partial<Record<ValueType, number>> = {};
      if (basis !== undefined && basis.visited > 0) {
        // Scaled to the current size: exact when the walk saw every key as it is now.
        for (const [type, count] of basis.counts) {
          types[type] = Math.round((count / basis.visited) * db.size);
        }
      }
      rows.push({
        db: db.id,
        keys: db.size,
        expires: db.expiresCount,
        types,
        sampled: done === undefined || done.spread || done.visited !== db.size,
      });
    }
    return rows;
  }

  /** Advances a database's walk by at most `budget` keys; returns how many it read. */
  #step(db: Database, budget: number): number {
    let walk = this.#walks.get(db);
    if (walk === undefined) {
      walk = { keys: db.keys()[Symbol.iterator](), counts: new Map(), visited: 0, spread: false };
      this.#walks.set(db, walk);
    } else {
      walk.spread = true;
    }
    let read = 0;
    while (read < budget) {
      const next = walk.keys.next();
      if (next.done) {
        this.#finished.set(db, walk);
        this.#walks.delete(db);
        break;
      }
      read++;
      const value = db.peek(next.value);
      if (value === undefined) continue;
      const type = typeOf(value);
      walk.counts.set(type, (walk.counts.get(type) ?? 0) + 1);
      walk.visited++;
    }
    return read;
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** A latin1 (byte) string shown as text: UTF-8 where it is, U+FFFD where it is not. */
export function displayText(latin1: string): string {
  return new TextDecoder().decode(latin1ToBytes(latin1));
}
