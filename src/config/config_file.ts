/**
 * redis.conf files: reading them as redis-server does (one directive per line, words split with
 * Redis's quoting rules, `include`, repeated `save` lines adding up) and CONFIG REWRITE, which
 * writes the running configuration back into the file while keeping its comments and order.
 *
 * @example
 * ```ts
 * const file = readConfigFile("redis.conf");
 * const { values, warnings } = configValues(file.directives); // { port: "7000", ... }
 * ```
 * @module
 */
import { splitInlineArgs } from "../resp/inline.ts";
import { type Config, findParam, PARAMS, type ParamSpec } from "./config.ts";

export const REDIS_VERSION_FOR_ERRORS = "7.0.15";

/** One directive line: its words and where it came from (for error messages). */
export interface Directive {
  name: string;
  args: string[];
  lineNumber: number;
  text: string;
}

/** A config file problem, worded and framed as redis-server reports it before exiting. */
export class ConfigFileError extends Error {
  constructor(lineNumber: number, text: string, reason: string) {
    super(
      `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION_FOR_ERRORS}) ***\n` +
        `Reading the configuration file, at line ${lineNumber}\n>>> '${text}'\n${reason}`,
    );
  }
}

/** Parameters whose value is several words (`save 900 1`, `bind a b`). */
const MULTI_WORD = new Set([
  "save",
  "bind",
  "client-output-buffer-limit",
  "latency-tracking-info-percentiles",
  "oom-score-adj-values",
  "replicaof",
]);

/** Reads a file and the files it includes, in order. `readText` is replaceable for tests. */
export function readConfigFile(
  path: string,
  readText: (path: string) => string = Deno.readTextFileSync,
): Directive[] {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    throw new Error(`Fatal error, can't open config file '${path}': ${describeError(error)}`);
  }
  return parseConfigText(text, (included) => readConfigFile(included, readText));
}

/** Splits config text into directives; `include` lines are replaced by what they include. */
export function parseConfigText(
  text: string,
  include: (path: string) => Directive[] = () => [],
): Directive[] {
  const directives: Directive[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const words = splitInlineArgs(line);
    if (words === null) {
      throw new ConfigFileError(i + 1, line, "Unbalanced quotes in configuration line");
    }
    if (words.length === 0) continue;
    const name = words[0].toLowerCase();
    if (name === "include" && words.length === 2) {
      directives.push(...include(words[1]));
      continue;
    }
    directives.push({ name, args: words.slice(1), lineNumber: i + 1, text: line });
  }
  return directives;
}

/**
 * Turns directives into parameter values (later lines win; `save` lines add up). Directives
 * redis-server knows and Redeno does not support become warnings; anything else is an error.
 */
export function configValues(
  directives: readonly Directive[],
): { values: Record<string, string>; warnings: string[]; users: string[] } {
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  const users: string[] = [];
  let saveSeen = false;
  for (const directive of directives) {
    if (directive.name === "user") {
      if (directive.args.length === 0) {
        throw new ConfigFileError(
          directive.lineNumber,
          directive.text,
          "wrong number of arguments",
        );
      }
      // The rest of the line, as typed: ACL rules are checked when the server builds its users.
      users.push(directive.text.replace(/^\s*user\s+/i, ""));
      continue;
    }
    const param = findParam(directive.name);
    if (param === undefined) {
      if (!REDIS_DIRECTIVES.has(directive.name)) {
        throw new ConfigFileError(
          directive.lineNumber,
          directive.text,
          "Bad directive or wrong number of arguments",
        );
      }
      warnings.push(
        `Redeno does not support '${directive.name}' (line ${directive.lineNumber}); ignored`,
      );
      continue;
    }
    const multiWord = MULTI_WORD.has(param.name);
    if (directive.args.length === 0 || (!multiWord && directive.args.length !== 1)) {
      throw new ConfigFileError(directive.lineNumber, directive.text, "wrong number of arguments");
    }
    let value = directive.args.join(" ");
    if (param.name === "save") {
      // `save ""` clears; every other save line adds its points to those before it.
      if (value === "") saveSeen = false;
      else if (saveSeen) value = `${values.save} ${value}`;
      saveSeen = value !== "";
    }
    values[param.name] = value;
  }
  return { values, warnings, users };
}

/** Checks each value as the server will, so a bad line is reported with its line number. */
export function validateConfigValues(directives: readonly Directive[], config: Config): void {
  for (const directive of directives) {
    const param = findParam(directive.name);
    if (param === undefined || param.name === "save") continue;
    const error = config.set(param.name, directive.args.join(" "), { atStartup: true });
    if (error !== null) throw new ConfigFileError(directive.lineNumber, directive.text, error);
  }
}

const REWRITE_MARK = "# Generated by CONFIG REWRITE";

/**
 * The file's new text for CONFIG REWRITE: every parameter the file sets is rewritten in place
 * with its current value (extra lines for the same parameter are dropped), parameters that
 * differ from their default are appended under a marker line, and everything else —
 * comments, blank lines, unsupported directives — stays where it was.
 */
export function rewriteConfigText(text: string, config: Config, users: string[] = []): string {
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  const output: string[] = [];
  const positions = new Map<string, number[]>();
  const userLines: number[] = [];
  let hasMark = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === REWRITE_MARK) hasMark = true;
    const words = line === "" || line.startsWith("#") ? null : splitInlineArgs(line);
    const param = words && words.length > 0 ? findParam(words[0].toLowerCase()) : undefined;
    if (words && words[0]?.toLowerCase() === "user") userLines.push(output.length);
    if (param !== undefined) {
      const list = positions.get(param.name) ?? [];
      list.push(output.length);
      positions.set(param.name, list);
    }
    output.push(line);
  }
  const appended: string[] = [];
  for (const param of PARAMS) {
    const newLines = rewriteLines(param, config);
    const where = positions.get(param.name);
    if (where === undefined) {
      if (differsFromDefault(param, config) || ALWAYS_WRITTEN.has(param.name)) {
        appended.push(...newLines);
      }
      continue;
    }
    // The first of the old lines takes the new value(s); the rest become blank, as in Redis.
    output[where[0]] = newLines.join("\n");
    for (const index of where.slice(1)) output[index] = "";
  }
  // ACL users replace the file's first `user` line (the others go), or are appended.
  if (userLines.length > 0 && users.length > 0) {
    output[userLines[0]] = users.join("\n");
    for (const index of userLines.slice(1)) output[index] = "";
  } else {
    appended.push(...users);
  }
  const kept = output;
  if (appended.length > 0) {
    if (!hasMark) {
      if (kept.length > 0 && kept[kept.length - 1] !== "") kept.push("");
      kept.push(REWRITE_MARK);
    }
    kept.push(...appended);
  }
  return kept.join("\n") + "\n";
}

/** redis-server writes these on every rewrite, default or not. */
const ALWAYS_WRITTEN = new Set(["latency-tracking-info-percentiles", "dir"]);

function differsFromDefault(param: ParamSpec, config: Config): boolean {
  return config.get(param.name) !== config.normalizedDefault(param.name);
}

/** A parameter's line(s) in the form redis-server writes them. */
function rewriteLines(param: ParamSpec, config: Config): string[] {
  const value = config.display(param.name);
  switch (param.name) {
    case "save": {
      if (value === "") return ['save ""'];
      const words = value.split(" ");
      const lines: string[] = [];
      for (let i = 0; i + 1 < words.length; i += 2) lines.push(`save ${words[i]} ${words[i + 1]}`);
      return lines;
    }
    case "bind":
    case "latency-tracking-info-percentiles":
    case "client-output-buffer-limit":
      return [`${param.name} ${value}`];
  }
  switch (param.kind) {
    case "memory":
      return [`${param.name} ${humanMemory(Number(config.get(param.name)))}`];
    case "string":
      return [`${param.name} ${quoteConfigString(value)}`];
    default:
      return [`${param.name} ${value}`];
  }
}

/** Bytes as redis.conf writes them: the largest of gb, mb, kb that divides them exactly. */
function humanMemory(bytes: number): string {
  if (bytes === 0) return "0";
  for (const [unit, size] of [["gb", 1024 ** 3], ["mb", 1024 ** 2], ["kb", 1024]] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** A string in double quotes with C escapes, as Redis's `sdscatrepr`. */
function quoteConfigString(value: string): string {
  let text = '"';
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (char === "\\" || char === '"') text += `\\${char}`;
    else if (char === "\n") text += "\\n";
    else if (char === "\r") text += "\\r";
    else if (char === "\t") text += "\\t";
    else if (code < 0x20 || code >= 0x7f) text += `\\x${code.toString(16).padStart(2, "0")}`;
    else text += char;
  }
  return text + '"';
}

/** An OS error in the words redis-server uses (strerror's). */
export function describeError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "No such file or directory";
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return "Permission denied (give deno --allow-read for the file)";
  }
  return (error as Error).message;
}

/** Every directive redis-server 7.0 accepts in redis.conf (parameters and the special ones). */
export const REDIS_DIRECTIVES: ReadonlySet<string> = new Set([
  "acl-pubsub-default",
  "aclfile",
  "acllog-max-len",
  "active-defrag-cycle-max",
  "active-defrag-cycle-min",
  "active-defrag-ignore-bytes",
  "active-defrag-max-scan-fields",
  "active-defrag-threshold-lower",
  "active-defrag-threshold-upper",
  "active-expire-effort",
  "activedefrag",
  "activerehashing",
  "always-show-logo",
  "aof-disable-auto-gc",
  "aof-load-truncated",
  "aof-rewrite-incremental-fsync",
  "aof-timestamp-enabled",
  "aof-use-rdb-preamble",
  "aof_rewrite_cpulist",
  "appenddirname",
  "appendfilename",
  "appendfsync",
  "appendonly",
  "auto-aof-rewrite-min-size",
  "auto-aof-rewrite-percentage",
  "bgsave_cpulist",
  "bind",
  "bind-source-addr",
  "bio_cpulist",
  "busy-reply-threshold",
  "client-output-buffer-limit",
  "client-query-buffer-limit",
  "cluster-allow-pubsubshard-when-down",
  "cluster-allow-reads-when-down",
  "cluster-allow-replica-migration",
  "cluster-announce-bus-port",
  "cluster-announce-hostname",
  "cluster-announce-ip",
  "cluster-announce-port",
  "cluster-announce-tls-port",
  "cluster-config-file",
  "cluster-enabled",
  "cluster-link-sendbuf-limit",
  "cluster-migration-barrier",
  "cluster-node-timeout",
  "cluster-port",
  "cluster-preferred-endpoint-type",
  "cluster-replica-no-failover",
  "cluster-replica-validity-factor",
  "cluster-require-full-coverage",
  "cluster-slave-no-failover",
  "cluster-slave-validity-factor",
  "crash-log-enabled",
  "crash-memcheck-enabled",
  "daemonize",
  "databases",
  "dbfilename",
  "dir",
  "disable-thp",
  "dynamic-hz",
  "enable-debug-command",
  "enable-module-command",
  "enable-protected-configs",
  "hash-max-listpack-entries",
  "hash-max-listpack-value",
  "hash-max-ziplist-entries",
  "hash-max-ziplist-value",
  "hll-sparse-max-bytes",
  "hz",
  "ignore-warnings",
  "include",
  "io-threads",
  "io-threads-do-reads",
  "jemalloc-bg-thread",
  "latency-monitor-threshold",
  "latency-tracking",
  "latency-tracking-info-percentiles",
  "lazyfree-lazy-eviction",
  "lazyfree-lazy-expire",
  "lazyfree-lazy-server-del",
  "lazyfree-lazy-user-del",
  "lazyfree-lazy-user-flush",
  "lfu-decay-time",
  "lfu-log-factor",
  "list-compress-depth",
  "list-max-listpack-size",
  "list-max-ziplist-size",
  "loadmodule",
  "logfile",
  "loglevel",
  "lua-time-limit",
  "masterauth",
  "masteruser",
  "maxclients",
  "maxmemory",
  "maxmemory-clients",
  "maxmemory-eviction-tenacity",
  "maxmemory-policy",
  "maxmemory-samples",
  "min-replicas-max-lag",
  "min-replicas-to-write",
  "min-slaves-max-lag",
  "min-slaves-to-write",
  "no-appendfsync-on-rewrite",
  "notify-keyspace-events",
  "oom-score-adj",
  "oom-score-adj-values",
  "pidfile",
  "port",
  "proc-title-template",
  "propagation-error-behavior",
  "protected-mode",
  "proto-max-bulk-len",
  "rdb-del-sync-files",
  "rdb-save-incremental-fsync",
  "rdbchecksum",
  "rdbcompression",
  "rename-command",
  "repl-backlog-size",
  "repl-backlog-ttl",
  "repl-disable-tcp-nodelay",
  "repl-diskless-load",
  "repl-diskless-sync",
  "repl-diskless-sync-delay",
  "repl-diskless-sync-max-replicas",
  "repl-ping-replica-period",
  "repl-ping-slave-period",
  "repl-timeout",
  "replica-announce-ip",
  "replica-announce-port",
  "replica-announced",
  "replica-ignore-disk-write-errors",
  "replica-ignore-maxmemory",
  "replica-lazy-flush",
  "replica-priority",
  "replica-read-only",
  "replica-serve-stale-data",
  "replicaof",
  "requirepass",
  "sanitize-dump-payload",
  "save",
  "sentinel",
  "server_cpulist",
  "set-max-intset-entries",
  "set-proc-title",
  "shutdown-on-sigint",
  "shutdown-on-sigterm",
  "shutdown-timeout",
  "slave-announce-ip",
  "slave-announce-port",
  "slave-ignore-maxmemory",
  "slave-lazy-flush",
  "slave-priority",
  "slave-read-only",
  "slave-serve-stale-data",
  "slaveof",
  "slowlog-log-slower-than",
  "slowlog-max-len",
  "socket-mark-id",
  "stop-writes-on-bgsave-error",
  "stream-node-max-bytes",
  "stream-node-max-entries",
  "supervised",
  "syslog-enabled",
  "syslog-facility",
  "syslog-ident",
  "tcp-backlog",
  "tcp-keepalive",
  "timeout",
  "tls-auth-clients",
  "tls-ca-cert-dir",
  "tls-ca-cert-file",
  "tls-cert-file",
  "tls-ciphers",
  "tls-ciphersuites",
  "tls-client-cert-file",
  "tls-client-key-file",
  "tls-client-key-file-pass",
  "tls-cluster",
  "tls-dh-params-file",
  "tls-key-file",
  "tls-key-file-pass",
  "tls-port",
  "tls-prefer-server-ciphers",
  "tls-protocols",
  "tls-replication",
  "tls-session-cache-size",
  "tls-session-cache-timeout",
  "tls-session-caching",
  "tracking-table-max-keys",
  "unixsocket",
  "unixsocketperm",
  "user",
  "zset-max-listpack-entries",
  "zset-max-listpack-value",
  "zset-max-ziplist-entries",
  "zset-max-ziplist-value",
]);
