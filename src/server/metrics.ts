/**
 * The server's counters in Prometheus's text exposition format 0.0.4, for `GET /metrics`.
 * Everything is read from state the server keeps anyway; nothing here runs per command.
 *
 * @example
 * ```ts
 * const text = prometheusText(server);
 * // # TYPE redeno_commands_total counter
 * // redeno_commands_total{cmd="get"} 42
 * ```
 * @module
 */
import { REDIS_VERSION } from "../commands/connection.ts";
import type { ServerContext } from "../commands/server_context.ts";
import {
  allCommands,
  cumulativeCounts,
  displayText,
  infoFields,
  LATENCY_EDGES_NS,
} from "./observer.ts";

/** The content type Prometheus expects for format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;
type MetricType = "counter" | "gauge" | "histogram";

/** Builds exposition text one metric family at a time: HELP, TYPE, then its samples. */
class Exposition {
  readonly #lines: string[] = [];

  family(name: string, type: MetricType, help: string, samples: Array<[Labels, number]>): void {
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.#sample(name, labels, value);
  }

  /** A family with one unlabelled sample. */
  single(name: string, type: MetricType, help: string, value: number): void {
    this.family(name, type, help, [[{}, value]]);
  }

  /** A histogram family: per label set, cumulative buckets (upper edge in seconds → count). */
  histogram(
    name: string,
    help: string,
    series: Array<{ labels: Labels; buckets: Array<[number, number]>; sum: number; count: number }>,
  ): void {
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} histogram`);
    for (const { labels, buckets, sum, count } of series) {
      for (const [le, cumulative] of buckets) {
        this.#sample(`${name}_bucket`, { ...labels, le: formatValue(le) }, cumulative);
      }
      this.#sample(`${name}_bucket`, { ...labels, le: "+Inf" }, count);
      this.#sample(`${name}_sum`, labels, sum);
      this.#sample(`${name}_count`, labels, count);
    }
  }

  #sample(name: string, labels: Labels, value: number): void {
    const pairs = Object.entries(labels).map(([key, text]) => `${key}="${escapeLabel(text)}"`);
    const selector = pairs.length > 0 ? `{${pairs.join(",")}}` : "";
    this.#lines.push(`${name}${selector} ${formatValue(value)}`);
  }

  text(): string {
    return this.#lines.join("\n") + "\n";
  }
}

/** The whole `/metrics` page. */
export function prometheusText(server: ServerContext): string {
  const out = new Exposition();
  const stats = server.stats;
  const keyspaceStats = server.keyspace.stats;
  const info = infoFields(server, ["memory", "persistence", "cpu"]);
  const number = (field: string) => Number(info.get(field) ?? 0);
  const ok = (field: string) => (info.get(field) ?? "ok") === "ok" ? 1 : 0;

  out.family("redeno_build_info", "gauge", "Always 1; labels say which Redis version is served.", [
    [{ redis_version: REDIS_VERSION, deno_version: Deno.version.deno }, 1],
  ]);
  out.single(
    "redeno_uptime_seconds",
    "gauge",
    "Seconds since the server started.",
    Math.floor((server.keyspace.clock.now() - server.startedAt) / 1000),
  );
  out.family("redeno_cpu_seconds_total", "counter", "CPU time used by the process.", [
    [{ mode: "user" }, number("used_cpu_user")],
    [{ mode: "system" }, number("used_cpu_sys")],
  ]);

  out.single("redeno_connected_clients", "gauge", "Clients connected now.", server.clients.size);
  out.single(
    "redeno_blocked_clients",
    "gauge",
    "Clients waiting in a blocking command.",
    server.blocking.blockedCount,
  );
  out.single(
    "redeno_connections_received_total",
    "counter",
    "Connections accepted since start.",
    stats.totalConnectionsReceived,
  );
  out.single(
    "redeno_rejected_connections_total",
    "counter",
    "Connections refused because maxclients was reached.",
    stats.rejectedConnections,
  );

  const commands = allCommands(server).filter((command) =>
    command.calls > 0 || command.failedCalls > 0 || command.rejectedCalls > 0
  );
  out.single(
    "redeno_commands_processed_total",
    "counter",
    "Commands processed, every command together.",
    stats.totalCommandsProcessed,
  );
  out.family(
    "redeno_commands_total",
    "counter",
    "Calls per command (subcommands as container|subcommand), as INFO commandstats.",
    commands.map((command) => [{ cmd: command.fullName }, command.calls]),
  );
  out.family(
    "redeno_commands_failed_total",
    "counter",
    "Calls that ran and replied with an error, per command.",
    commands.map((command) => [{ cmd: command.fullName }, command.failedCalls]),
  );
  out.family(
    "redeno_commands_rejected_total",
    "counter",
    "Calls refused before running (arity, OOM, ...), per command.",
    commands.map((command) => [{ cmd: command.fullName }, command.rejectedCalls]),
  );
  out.histogram(
    "redeno_command_duration_seconds",
    "Time spent running each command, from its latency histogram (latency-tracking).",
    commands.flatMap((command) => {
      const histogram = command.histogram;
      if (histogram === null || histogram.total === 0) return [];
      const counts = cumulativeCounts(histogram);
      return [{
        labels: { cmd: command.fullName },
        buckets: LATENCY_EDGES_NS.map((ns, k): [number, number] => [ns / 1e9, counts[k]]),
        // As INFO's usec; it also holds the short runs of calls that then blocked, which the
        // histogram does not count.
        sum: command.usec / 1e6,
        count: histogram.total,
      }];
    }),
  );
  out.single(
    "redeno_error_replies_total",
    "counter",
    "Error replies sent, every kind together.",
    stats.errorReplies,
  );
  out.family(
    "redeno_errors_total",
    "counter",
    "Error replies by error code (ERR, WRONGTYPE, ...), as INFO errorstats.",
    [...server.errorStats].map(([code, count]) => [{ code: displayText(code) }, count]),
  );

  out.single(
    "redeno_memory_used_bytes",
    "gauge",
    "Memory in use, as INFO used_memory.",
    number("used_memory"),
  );
  out.single(
    "redeno_memory_rss_bytes",
    "gauge",
    "Resident set size of the process, as INFO used_memory_rss.",
    number("used_memory_rss"),
  );
  out.single(
    "redeno_memory_peak_bytes",
    "gauge",
    "As INFO used_memory_peak.",
    number("used_memory_peak"),
  );
  out.single(
    "redeno_memory_max_bytes",
    "gauge",
    "The maxmemory setting (0: no limit).",
    number("maxmemory"),
  );

  // Every non-empty database, and db 0 always, so a fresh server still has the series.
  const databases = server.keyspace.databases.filter((db) => db.id === 0 || db.size > 0);
  out.family(
    "redeno_db_keys",
    "gauge",
    "Keys per database, as INFO keyspace (expired keys not yet removed included).",
    databases.map((db) => [{ db: String(db.id) }, db.size]),
  );
  out.family(
    "redeno_db_keys_expiring",
    "gauge",
    "Keys with a time to live, per database.",
    databases.map((db) => [{ db: String(db.id) }, db.expiresCount]),
  );
  out.single(
    "redeno_expired_keys_total",
    "counter",
    "Keys removed because their time to live ran out.",
    keyspaceStats.expiredKeys,
  );
  out.single(
    "redeno_evicted_keys_total",
    "counter",
    "Keys evicted to stay under maxmemory.",
    0, // no eviction yet
  );
  out.single(
    "redeno_keyspace_hits_total",
    "counter",
    "Key lookups that found the key.",
    keyspaceStats.keyspaceHits,
  );
  out.single(
    "redeno_keyspace_misses_total",
    "counter",
    "Key lookups that found nothing.",
    keyspaceStats.keyspaceMisses,
  );

  out.single(
    "redeno_net_input_bytes_total",
    "counter",
    "Bytes read from clients.",
    stats.netInputBytes,
  );
  out.single(
    "redeno_net_output_bytes_total",
    "counter",
    "Bytes written to clients.",
    stats.netOutputBytes,
  );
  out.single(
    "redeno_pubsub_channels",
    "gauge",
    "Channels with at least one subscriber.",
    server.pubsub.channels.size,
  );
  out.single(
    "redeno_pubsub_patterns",
    "gauge",
    "Pattern subscriptions.",
    server.pubsub.patterns.size,
  );
  out.single(
    "redeno_slowlog_length",
    "gauge",
    "Entries in the slow log.",
    server.slowlog.entries.length,
  );

  out.single(
    "redeno_rdb_changes_since_last_save",
    "gauge",
    "Writes since the last save, as INFO rdb_changes_since_last_save.",
    number("rdb_changes_since_last_save"),
  );
  out.single(
    "redeno_rdb_last_save_timestamp_seconds",
    "gauge",
    "Unix time of the last successful save, as INFO rdb_last_save_time.",
    number("rdb_last_save_time"),
  );
  out.single(
    "redeno_rdb_saves_total",
    "counter",
    "Saves since start.",
    number("rdb_saves"),
  );
  out.single(
    "redeno_rdb_bgsave_in_progress",
    "gauge",
    "1 while a background save runs.",
    number("rdb_bgsave_in_progress"),
  );
  out.single(
    "redeno_rdb_last_bgsave_ok",
    "gauge",
    "1 when the last background save succeeded (or none ran).",
    ok("rdb_last_bgsave_status"),
  );
  out.single("redeno_aof_enabled", "gauge", "1 when appendonly is on.", number("aof_enabled"));
  out.single(
    "redeno_aof_last_write_ok",
    "gauge",
    "1 when the last append-only file write succeeded.",
    ok("aof_last_write_status"),
  );
  out.single("redeno_loading", "gauge", "1 while a dataset is being loaded.", number("loading"));
  return out.text();
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Label values escape backslash, double quote and line feed. */
function escapeLabel(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}
