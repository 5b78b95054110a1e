/**
 * The text of INFO: Redis 7.0's sections and field names, in Redis's order. Fields Redeno has
 * no counterpart for (forks, AOF, allocator internals) hold the value an idle Redis shows.
 * @module
 */
import process from "node:process";
import { REDIS_VERSION } from "./connection.ts";
import { memoryFigures } from "./eviction.ts";
import { aofInfoFields, aofSizeInfoFields } from "../persistence/aof.ts";
import { persistenceOf } from "./persistence_manager.ts";
import type { RegisteredCommand } from "./registry.ts";
import { replicationInfo, syncStats } from "./replication.ts";
import type { ServerContext } from "./server_context.ts";

/** Every section in output order; `modules` is the (empty) list of loaded modules. */
const SECTIONS = [
  "server",
  "clients",
  "memory",
  "persistence",
  "stats",
  "replication",
  "cpu",
  "modules",
  "commandstats",
  "errorstats",
  "latencystats",
  "cluster",
  "keyspace",
] as const;

type Section = typeof SECTIONS[number];

/** `INFO` with no argument: everything but the per-command and latency statistics. */
const DEFAULT_SECTIONS = new Set<Section>(
  SECTIONS.filter((section) => section !== "commandstats" && section !== "latencystats"),
);

/** Which sections INFO's arguments ask for: names, `all`, `everything`, `default`, any case. */
export function requestedSections(args: readonly string[]): Set<Section> {
  if (args.length === 0) return DEFAULT_SECTIONS;
  const wanted = new Set<Section>();
  for (const arg of args) {
    const name = arg.toLowerCase();
    if (name === "all" || name === "everything") SECTIONS.forEach((s) => wanted.add(s));
    else if (name === "default") DEFAULT_SECTIONS.forEach((s) => wanted.add(s));
    else if ((SECTIONS as readonly string[]).includes(name)) wanted.add(name as Section);
  }
  return wanted;
}

/** The INFO text for the requested sections: `# Title` headers, `field:value` lines, CRLFs. */
export function infoText(server: ServerContext, sections: Set<Section>): string {
  const parts: string[] = [];
  for (const section of SECTIONS) {
    if (!sections.has(section)) continue;
    const [title, fields] = SECTION_WRITERS[section](server);
    let text = `# ${title}\r\n`;
    for (const [name, value] of fields) text += `${name}:${value}\r\n`;
    parts.push(text);
  }
  return parts.join("\r\n");
}

type Fields = Array<[string, string | number]>;
type Writer = (server: ServerContext) => [string, Fields];

const SECTION_WRITERS: Record<Section, Writer> = {
  server: (server) => {
    const now = server.keyspace.clock.now();
    const uptime = Math.floor((now - server.startedAt) / 1000);
    return ["Server", [
      ["redis_version", REDIS_VERSION],
      ["redis_git_sha1", "00000000"],
      ["redis_git_dirty", 0],
      ["redis_build_id", "0"],
      ["redis_mode", server.commands.cluster === null ? "standalone" : "cluster"],
      ["os", osName()],
      ["arch_bits", 64],
      ["monotonic_clock", "POSIX clock_gettime"],
      ["multiplexing_api", "epoll"],
      ["atomicvar_api", "c11-builtin"],
      ["gcc_version", "0.0.0"],
      ["process_id", Deno.pid],
      ["process_supervised", "no"],
      ["run_id", server.runId],
      ["tcp_port", server.port],
      ["server_time_usec", Math.floor(now * 1000)],
      ["uptime_in_seconds", uptime],
      ["uptime_in_days", Math.floor(uptime / 86400)],
      ["hz", server.config.get("hz")],
      ["configured_hz", server.config.get("hz")],
      ["lru_clock", Math.floor(now / 1000) & 0xffffff],
      ["executable", executable()],
      ["config_file", server.configFile ?? ""],
      ["io_threads_active", 0],
    ]];
  },
  clients: (server) => [
    "Clients",
    [
      ["connected_clients", server.clients.size],
      ["cluster_connections", 0],
      ["maxclients", server.config.get("maxclients")],
      ["client_recent_max_input_buffer", 0],
      ["client_recent_max_output_buffer", 0],
      ["blocked_clients", server.blocking.blockedCount + server.commands.pause.heldCount],
      ["tracking_clients", 0],
      ["clients_in_timeout_table", 0],
    ],
  ],
  memory: (server) => {
    const usage = Deno.memoryUsage();
    // Redis's model of the data and clients (see eviction.ts), which maxmemory is held to.
    const { used, overhead, dataset, clients } = memoryFigures(server);
    const maxmemory = server.config.getNumber("maxmemory");
    const total = systemMemory();
    return ["Memory", [
      ["used_memory", used],
      ["used_memory_human", bytesToHuman(used)],
      ["used_memory_rss", usage.rss],
      ["used_memory_rss_human", bytesToHuman(usage.rss)],
      ["used_memory_peak", Math.max(used, server.memory.peak)],
      ["used_memory_peak_human", bytesToHuman(Math.max(used, server.memory.peak))],
      ["used_memory_peak_perc", percent(used, Math.max(used, server.memory.peak))],
      ["used_memory_overhead", overhead],
      ["used_memory_startup", server.memory.startup],
      ["used_memory_dataset", dataset],
      ["used_memory_dataset_perc", percent(dataset, used - server.memory.startup)],
      ["allocator_allocated", usage.heapUsed + usage.external],
      ["allocator_active", usage.heapTotal + usage.external],
      ["allocator_resident", usage.rss],
      ["total_system_memory", total],
      ["total_system_memory_human", bytesToHuman(total)],
      ["used_memory_lua", 0],
      ["used_memory_vm_eval", 0],
      ["used_memory_lua_human", "0B"],
      ["used_memory_scripts_eval", 0],
      ["number_of_cached_scripts", 0],
      ["number_of_functions", 0],
      ["number_of_libraries", 0],
      ["used_memory_vm_functions", 0],
      ["used_memory_vm_total", 0],
      ["used_memory_vm_total_human", "0B"],
      ["used_memory_functions", 0],
      ["used_memory_scripts", 0],
      ["used_memory_scripts_human", "0B"],
      ["maxmemory", maxmemory],
      ["maxmemory_human", bytesToHuman(maxmemory)],
      ["maxmemory_policy", server.config.get("maxmemory-policy")],
      ["allocator_frag_ratio", "1.00"],
      ["allocator_frag_bytes", 0],
      ["allocator_rss_ratio", "1.00"],
      ["allocator_rss_bytes", 0],
      ["rss_overhead_ratio", "1.00"],
      ["rss_overhead_bytes", 0],
      ["mem_fragmentation_ratio", (usage.rss / Math.max(1, used)).toFixed(2)],
      ["mem_fragmentation_bytes", usage.rss - used],
      ["mem_not_counted_for_evict", 0],
      ["mem_replication_backlog", 0],
      ["mem_total_replication_buffers", 0],
      ["mem_clients_slaves", 0],
      ["mem_clients_normal", clients],
      ["mem_cluster_links", 0],
      ["mem_aof_buffer", 0],
      ["mem_allocator", "v8"],
      ["active_defrag_running", 0],
      ["lazyfree_pending_objects", 0],
      ["lazyfreed_objects", 0],
    ]];
  },
  persistence: (server) => {
    const rdb = persistenceOf(server);
    return [
      "Persistence",
      [
        ["loading", rdb.loading ? 1 : 0],
        ["async_loading", 0],
        ["current_cow_peak", 0],
        ["current_cow_size", 0],
        ["current_cow_size_age", 0],
        ["current_fork_perc", "0.00"],
        ["current_save_keys_processed", rdb.keysProcessed],
        ["current_save_keys_total", rdb.keysTotal],
        ["rdb_changes_since_last_save", server.stats.dirty],
        ["rdb_bgsave_in_progress", rdb.bgsaveInProgress ? 1 : 0],
        ["rdb_last_save_time", rdb.lastSave],
        ["rdb_last_bgsave_status", rdb.lastBgsaveOk ? "ok" : "err"],
        ["rdb_last_bgsave_time_sec", rdb.lastBgsaveSeconds],
        ["rdb_current_bgsave_time_sec", rdb.bgsaveSeconds],
        ["rdb_saves", rdb.saves],
        ["rdb_last_cow_size", 0],
        ["rdb_last_load_keys_expired", rdb.lastLoadKeysExpired],
        ["rdb_last_load_keys_loaded", rdb.lastLoadKeysLoaded],
        ...aofInfoFields(server),
        ["module_fork_in_progress", 0],
        ["module_fork_last_cow_size", 0],
        ...aofSizeInfoFields(server),
      ],
    ];
  },
  stats: (server) => {
    const stats = server.stats;
    const keyspace = server.keyspace.stats;
    return ["Stats", [
      ["total_connections_received", stats.totalConnectionsReceived],
      ["total_commands_processed", stats.totalCommandsProcessed],
      ["instantaneous_ops_per_sec", opsPerSecond(server)],
      ["total_net_input_bytes", stats.netInputBytes],
      ["total_net_output_bytes", stats.netOutputBytes],
      ["total_net_repl_input_bytes", 0],
      ["total_net_repl_output_bytes", 0],
      ["instantaneous_input_kbps", "0.00"],
      ["instantaneous_output_kbps", "0.00"],
      ["instantaneous_input_repl_kbps", "0.00"],
      ["instantaneous_output_repl_kbps", "0.00"],
      ["rejected_connections", stats.rejectedConnections],
      ...syncStats(server),
      ["expired_keys", keyspace.expiredKeys],
      ["expired_stale_perc", "0.00"],
      ["expired_time_cap_reached_count", 0],
      ["expire_cycle_cpu_milliseconds", 0],
      ["evicted_keys", keyspace.evictedKeys],
      ["evicted_clients", 0],
      ["total_eviction_exceeded_time", 0],
      ["current_eviction_exceeded_time", 0],
      ["keyspace_hits", keyspace.keyspaceHits],
      ["keyspace_misses", keyspace.keyspaceMisses],
      ["pubsub_channels", server.pubsub.channels.size],
      ["pubsub_patterns", server.pubsub.patterns.size],
      ["pubsubshard_channels", server.pubsub.shardChannels.size],
      ["latest_fork_usec", 0],
      ["total_forks", 0],
      ["migrate_cached_sockets", 0],
      ["slave_expires_tracked_keys", 0],
      ["active_defrag_hits", 0],
      ["active_defrag_misses", 0],
      ["active_defrag_key_hits", 0],
      ["active_defrag_key_misses", 0],
      ["total_active_defrag_time", 0],
      ["current_active_defrag_time", 0],
      ["tracking_total_keys", 0],
      ["tracking_total_items", 0],
      ["tracking_total_prefixes", 0],
      ["unexpected_error_replies", 0],
      ["total_error_replies", stats.errorReplies],
      ["dump_payload_sanitizations", 0],
      ["total_reads_processed", stats.totalCommandsProcessed],
      ["total_writes_processed", stats.totalCommandsProcessed],
      ["io_threaded_reads_processed", 0],
      ["io_threaded_writes_processed", 0],
      ["reply_buffer_shrinks", 0],
      ["reply_buffer_expands", 0],
    ]];
  },
  replication: (server) => ["Replication", replicationInfo(server)],
  cpu: () => {
    const usage = process.cpuUsage();
    return ["CPU", [
      ["used_cpu_sys", seconds(usage.system)],
      ["used_cpu_user", seconds(usage.user)],
      ["used_cpu_sys_children", "0.000000"],
      ["used_cpu_user_children", "0.000000"],
      ["used_cpu_sys_main_thread", seconds(usage.system)],
      ["used_cpu_user_main_thread", seconds(usage.user)],
    ]];
  },
  modules: () => ["Modules", []],
  commandstats: (server) => {
    const fields: Fields = [];
    const visit = (command: RegisteredCommand) => {
      if (command.calls > 0 || command.rejectedCalls > 0 || command.failedCalls > 0) {
        const usec = Math.round(command.usec);
        const perCall = command.calls > 0 ? usec / command.calls : 0;
        fields.push([
          `cmdstat_${command.fullName}`,
          `calls=${command.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},` +
          `rejected_calls=${command.rejectedCalls},failed_calls=${command.failedCalls}`,
        ]);
      }
      command.subcommands.forEach(visit);
    };
    server.commands.all().forEach(visit);
    return ["Commandstats", fields];
  },
  errorstats: (server) => {
    const codes = [...server.errorStats.keys()].sort();
    return [
      "Errorstats",
      codes.map((code) => [
        `errorstat_${code}`,
        `count=${server.errorStats.get(code)}`,
      ]),
    ];
  },
  latencystats: (server) => {
    const percentiles = server.config.get("latency-tracking-info-percentiles").split(" ")
      .filter((word) => word !== "").map(Number);
    const fields: Fields = [];
    const visit = (command: RegisteredCommand) => {
      const histogram = command.histogram;
      if (histogram !== null && histogram.total > 0) {
        const values = percentiles.map((p) =>
          `p${p}=${(histogram.valueAtPercentile(p) / 1000).toFixed(3)}`
        );
        fields.push([`latency_percentiles_usec_${command.fullName}`, values.join(",")]);
      }
      command.subcommands.forEach(visit);
    };
    if (server.config.getBoolean("latency-tracking")) server.commands.all().forEach(visit);
    return ["Latencystats", fields];
  },
  cluster: (server) => ["Cluster", [["cluster_enabled", server.commands.cluster === null ? 0 : 1]]],
  keyspace: (server) => {
    const fields: Fields = [];
    for (const db of server.keyspace.databases) {
      if (db.size === 0) continue;
      fields.push([`db${db.id}`, `keys=${db.size},expires=${db.expiresCount},avg_ttl=0`]);
    }
    return ["Keyspace", fields];
  },
};

/** Redis's `bytesToHuman`: B, then K, M, G, T, P with two decimals. */
export function bytesToHuman(bytes: number): string {
  const units = ["K", "M", "G", "T", "P"];
  if (bytes < 1024) return `${bytes}B`;
  let value = bytes / 1024;
  for (const unit of units) {
    if (value < 1024 || unit === "P") return `${value.toFixed(2)}${unit}`;
    value /= 1024;
  }
  return `${bytes}B`;
}

function percent(part: number, whole: number): string {
  return `${(whole > 0 ? (part / whole) * 100 : 0).toFixed(2)}%`;
}

function seconds(micros: number): string {
  return (micros / 1e6).toFixed(6);
}

/** Commands per second over the last INFO interval, as a rough stand-in for Redis's sampler. */
const lastSample = new WeakMap<ServerContext, { at: number; commands: number }>();
function opsPerSecond(server: ServerContext): number {
  const now = performance.now();
  const commands = server.stats.totalCommandsProcessed;
  const previous = lastSample.get(server);
  lastSample.set(server, { at: now, commands });
  if (!previous || now - previous.at < 1) return 0;
  return Math.round(((commands - previous.commands) * 1000) / (now - previous.at));
}

function osName(): string {
  const name = Deno.build.os === "linux" ? "Linux" : Deno.build.os === "darwin" ? "Darwin" : "";
  let release = "";
  try {
    release = Deno.osRelease(); // needs --allow-sys
  } catch {
    // keep it short without the permission
  }
  return [name || Deno.build.os, release, Deno.build.arch].filter(Boolean).join(" ");
}

function executable(): string {
  try {
    return Deno.execPath(); // needs --allow-read
  } catch {
    return "";
  }
}

function systemMemory(): number {
  try {
    return Deno.systemMemoryInfo().total; // needs --allow-sys
  } catch {
    return 0;
  }
}
