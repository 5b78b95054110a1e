/**
 * Server configuration parameters, declared once: CONFIG GET/SET, INFO, the command-line flags
 * in `main.ts` and the server all read this table.
 *
 * @example
 * ```ts
 * const config = new Config();
 * config.set("maxclients", "100"); // null on success, else Redis's error detail
 * config.getNumber("maxclients"); // 100
 * ```
 * @module
 */

export type ParamKind = "integer" | "memory" | "boolean" | "enum" | "string";

export interface ParamSpec {
  name: string;
  /** An older name that reads and writes the same parameter (Redis's `*-ziplist-*` names). */
  alias?: string;
  kind: ParamKind;
  default: string;
  /** Settable only at start (flags, config file), not by CONFIG SET. */
  immutable?: boolean;
  /** Refused by CONFIG SET as Redis refuses its protected configs (enable-protected-configs no). */
  protected?: boolean;
  min?: number;
  /** Upper bound; a bigint where Redis's is beyond 2^53 (its error text prints it). */
  max?: number | bigint;
  /** Values above this are accepted but stored as this (Redis caps `hz` at 500). */
  clampMax?: number;
  /** Allowed values of an enum. */
  values?: string[];
  /** Extra validation; returns an error detail for a bad value. */
  validate?: (value: string) => string | null;
  /** How CONFIG GET shows a value when that differs from how it is kept and used. */
  display?: (value: string) => string;
  /**
   * For a string parameter that CONFIG SET updates in parts (`client-output-buffer-limit`):
   * the new stored value from the value given and the current one, or Redis's error detail.
   */
  merge?: (value: string, current: string) => string | { error: string };
}

import { DEFAULT_OUTPUT_LIMITS, formatOutputLimits, mergeOutputLimits } from "./output_limits.ts";

const GB = 1024 * 1024 * 1024;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;
const LLONG_MAX = 2n ** 63n - 1n;
const ULLONG_MAX = 2n ** 64n - 1n;

/** Every parameter Redeno has. Later features add theirs here. */
export const PARAMS: ParamSpec[] = [
  { name: "port", kind: "integer", default: "6379", min: 0, max: 65535, immutable: true },
  { name: "bind", kind: "string", default: "127.0.0.1 -::1", immutable: true },
  { name: "databases", kind: "integer", default: "16", min: 1, max: INT_MAX, immutable: true },
  {
    name: "loglevel",
    kind: "enum",
    default: "notice",
    values: ["debug", "verbose", "notice", "warning"],
  },
  {
    name: "proto-max-bulk-len",
    kind: "memory",
    default: String(512 * 1024 * 1024),
    min: 1024 * 1024,
    max: LLONG_MAX,
  },
  { name: "maxclients", kind: "integer", default: "10000", min: 1, max: UINT_MAX },
  { name: "timeout", kind: "integer", default: "0", min: 0, max: INT_MAX },
  { name: "tcp-keepalive", kind: "integer", default: "300", min: 0, max: INT_MAX },
  { name: "hz", kind: "integer", default: "10", min: 0, max: INT_MAX, clampMax: 500 },
  { name: "maxmemory", kind: "memory", default: "0", min: 0, max: ULLONG_MAX },
  {
    name: "maxmemory-policy",
    kind: "enum",
    default: "noeviction",
    values: [
      "volatile-lru",
      "volatile-lfu",
      "volatile-random",
      "volatile-ttl",
      "allkeys-lru",
      "allkeys-lfu",
      "allkeys-random",
      "noeviction",
    ],
  },
  { name: "maxmemory-samples", kind: "integer", default: "5", min: 1, max: 64 },
  { name: "maxmemory-eviction-tenacity", kind: "integer", default: "10", min: 0, max: 100 },
  { name: "maxmemory-clients", kind: "memory", default: "0", min: 0, max: LLONG_MAX },
  { name: "save", kind: "string", default: "", validate: validateSave },
  { name: "appendonly", kind: "boolean", default: "no" },
  {
    name: "appendfsync",
    kind: "enum",
    default: "everysec",
    values: ["everysec", "always", "no"],
  },
  // The append-only file's layout and rewrite rules (src/persistence/aof.ts).
  { name: "appenddirname", kind: "string", default: "appendonlydir", immutable: true },
  { name: "appendfilename", kind: "string", default: "appendonly.aof", immutable: true },
  { name: "aof-use-rdb-preamble", kind: "boolean", default: "yes" },
  { name: "aof-load-truncated", kind: "boolean", default: "yes" },
  { name: "aof-timestamp-enabled", kind: "boolean", default: "no" },
  { name: "aof-rewrite-incremental-fsync", kind: "boolean", default: "yes" },
  { name: "no-appendfsync-on-rewrite", kind: "boolean", default: "no" },
  { name: "auto-aof-rewrite-percentage", kind: "integer", default: "100", min: 0, max: INT_MAX },
  {
    name: "auto-aof-rewrite-min-size",
    kind: "memory",
    default: String(64 * 1024 * 1024),
    min: 0,
    max: LLONG_MAX,
  },
  // Empty means the working directory, which CONFIG GET shows as an absolute path like Redis.
  { name: "dir", kind: "string", default: "", protected: true, display: displayDir },
  { name: "dbfilename", kind: "string", default: "dump.rdb", protected: true },
  { name: "rdbcompression", kind: "boolean", default: "yes" },
  { name: "rdbchecksum", kind: "boolean", default: "yes", immutable: true },
  {
    name: "list-max-listpack-size",
    alias: "list-max-ziplist-size",
    kind: "integer",
    default: "-2",
    min: -INT_MAX - 1,
    max: INT_MAX,
  },
  { name: "list-compress-depth", kind: "integer", default: "0", min: 0, max: INT_MAX },
  {
    name: "hash-max-listpack-entries",
    alias: "hash-max-ziplist-entries",
    kind: "integer",
    default: "512",
    min: 0,
    max: LLONG_MAX,
  },
  {
    name: "hash-max-listpack-value",
    alias: "hash-max-ziplist-value",
    kind: "integer",
    default: "64",
    min: 0,
    max: LLONG_MAX,
  },
  { name: "hll-sparse-max-bytes", kind: "memory", default: "3000", min: 0, max: LLONG_MAX },
  { name: "set-max-intset-entries", kind: "integer", default: "512", min: 0, max: LLONG_MAX },
  {
    name: "zset-max-listpack-entries",
    alias: "zset-max-ziplist-entries",
    kind: "integer",
    default: "128",
    min: 0,
    max: LLONG_MAX,
  },
  {
    name: "zset-max-listpack-value",
    alias: "zset-max-ziplist-value",
    kind: "integer",
    default: "64",
    min: 0,
    max: LLONG_MAX,
  },
  { name: "stream-node-max-entries", kind: "integer", default: "100", min: 0, max: LLONG_MAX },
  { name: "stream-node-max-bytes", kind: "memory", default: "4096", min: 0, max: LLONG_MAX },
  {
    name: "notify-keyspace-events",
    kind: "string",
    default: "",
    validate: (value) =>
      parseKeyspaceEventFlags(value) === null
        ? "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        : null,
    // Kept as given (with `n` after `A`, which Redis's display form drops but still honours).
    display: (value) => formatKeyspaceEventFlags(parseKeyspaceEventFlags(value)!),
  },
  { name: "lfu-log-factor", kind: "integer", default: "10", min: 0, max: INT_MAX },
  { name: "lfu-decay-time", kind: "integer", default: "1", min: 0, max: INT_MAX },
  {
    name: "slowlog-log-slower-than",
    kind: "integer",
    default: "10000",
    min: -1,
    max: LLONG_MAX,
  },
  { name: "latency-tracking", kind: "boolean", default: "yes" },
  {
    name: "latency-tracking-info-percentiles",
    kind: "string",
    default: "50 99 99.9",
    validate: (value) =>
      value.split(" ").filter((word) => word !== "").every((word) => {
          const number = Number(word);
          return /^[0-9.]+$/.test(word) && number >= 0 && number <= 100;
        })
        ? null
        : "latency-tracking-info-percentiles needs a list of percentiles between 0 and 100",
  },
  { name: "latency-monitor-threshold", kind: "integer", default: "0", min: 0, max: LLONG_MAX },
  { name: "slowlog-max-len", kind: "integer", default: "128", min: 0, max: LLONG_MAX },
  { name: "protected-mode", kind: "boolean", default: "yes" },
  { name: "requirepass", kind: "string", default: "" },
  { name: "aclfile", kind: "string", default: "", immutable: true },
  { name: "acllog-max-len", kind: "integer", default: "128", min: 0, max: LLONG_MAX },
  {
    name: "client-query-buffer-limit",
    kind: "memory",
    default: String(GB),
    min: 1024 * 1024,
    max: LLONG_MAX,
  },
  {
    name: "client-output-buffer-limit",
    kind: "string",
    default: formatOutputLimits(DEFAULT_OUTPUT_LIMITS),
    merge: mergeOutputLimits,
  },
  // TLS (see src/server/tls.ts). Like `port`, set only at start.
  { name: "tls-port", kind: "integer", default: "0", min: 0, max: 65535, immutable: true },
  { name: "tls-cert-file", kind: "string", default: "", immutable: true },
  { name: "tls-key-file", kind: "string", default: "", immutable: true },
  { name: "tls-ca-cert-file", kind: "string", default: "", immutable: true },
  {
    name: "tls-auth-clients",
    kind: "enum",
    default: "yes",
    values: ["no", "yes", "optional"],
    immutable: true,
  },
  // Accepted for redis.conf compatibility: Redeno has no replication or cluster bus to encrypt.
  { name: "tls-replication", kind: "boolean", default: "no" },
  { name: "tls-cluster", kind: "boolean", default: "no" },
  { name: "daemonize", kind: "boolean", default: "no", immutable: true },
  // Empty: log to standard output.
  { name: "logfile", kind: "string", default: "", immutable: true },
  { name: "cluster-enabled", kind: "boolean", default: "no", immutable: true },
  // The static slot layout every node reads (Redeno's format: see docs/scaling.md).
  { name: "cluster-config-file", kind: "string", default: "nodes.conf", immutable: true },
  { name: "cluster-announce-ip", kind: "string", default: "", immutable: true },
  {
    name: "enable-debug-command",
    kind: "enum",
    default: "no",
    values: ["no", "yes", "local"],
    immutable: true,
  },
  // Redeno's own: Prometheus /metrics and the web dashboard on a separate HTTP port (0 = off).
  { name: "http-port", kind: "integer", default: "0", min: 0, max: 65535, immutable: true },
  { name: "http-bind", kind: "string", default: "127.0.0.1", immutable: true },
  {
    name: "busy-reply-threshold",
    alias: "lua-time-limit",
    kind: "integer",
    default: "5000",
    min: 0,
    max: LLONG_MAX,
  },
  // Replication (src/replication/). `replicaof` is "host port", set at start; REPLICAOF changes
  // the role at run time.
  { name: "replicaof", alias: "slaveof", kind: "string", default: "", immutable: true },
  { name: "masterauth", kind: "string", default: "" },
  { name: "masteruser", kind: "string", default: "" },
  { name: "replica-read-only", alias: "slave-read-only", kind: "boolean", default: "yes" },
  { name: "replica-announced", kind: "boolean", default: "yes" },
  { name: "replica-announce-ip", alias: "slave-announce-ip", kind: "string", default: "" },
  {
    name: "replica-announce-port",
    alias: "slave-announce-port",
    kind: "integer",
    default: "0",
    min: 0,
    max: 65535,
  },
  {
    name: "replica-priority",
    alias: "slave-priority",
    kind: "integer",
    default: "100",
    min: 0,
    max: INT_MAX,
  },
  {
    name: "repl-backlog-size",
    kind: "memory",
    default: String(1024 * 1024),
    min: 1,
    max: LLONG_MAX,
  },
  { name: "repl-backlog-ttl", kind: "integer", default: "3600", min: 0, max: INT_MAX },
  {
    name: "repl-ping-replica-period",
    alias: "repl-ping-slave-period",
    kind: "integer",
    default: "10",
    min: 1,
    max: INT_MAX,
  },
  { name: "repl-timeout", kind: "integer", default: "60", min: 1, max: INT_MAX },
];

/** `save` is empty or pairs of "seconds changes" integers. */
function validateSave(value: string): string | null {
  const words = value.split(" ").filter(Boolean);
  if (words.length % 2 !== 0 || words.some((word) => !/^\d+$/.test(word))) {
    return "Invalid save parameters";
  }
  return null;
}

const BY_NAME = new Map(
  PARAMS.flatMap((param) => [
    [param.name, param] as const,
    ...(param.alias ? [[param.alias, param] as const] : []),
  ]),
);

/** Looks a parameter up by name (case-insensitive). */
function displayDir(value: string): string {
  if (value !== "") return value;
  try {
    return Deno.cwd();
  } catch {
    return ""; // no --allow-read: the path is not ours to know
  }
}

export function findParam(name: string): ParamSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/**
 * Parses a memory amount as Redis's `memtoull`: digits with an optional unit `k kb m mb g gb`
 * (case-insensitive; `k` = 1000, `kb` = 1024). Returns null when malformed.
 */
export function parseMemory(text: string): number | null {
  const match = /^(\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(text);
  if (!match) return null;
  const units: Record<string, number> = {
    "": 1,
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 ** 2,
    mb: 1024 ** 2,
    g: 1000 ** 3,
    gb: 1024 ** 3,
  };
  return Number(match[1]) * units[(match[2] ?? "").toLowerCase()];
}

export class Config {
  #values = new Map<string, string>();
  #listeners = new Map<string, Array<(value: string) => void>>();

  constructor() {
    for (const param of PARAMS) this.#values.set(param.name, param.default);
  }

  get(name: string): string {
    const value = this.#values.get(name);
    if (value === undefined) throw new Error(`unknown config parameter ${name}`);
    return value;
  }

  getNumber(name: string): number {
    return Number(this.get(name));
  }

  getBoolean(name: string): boolean {
    return this.get(name) === "yes";
  }

  /** The default value in the form `get` returns values (`1gb` becomes its bytes). */
  normalizedDefault(name: string): string {
    const param = findParam(name)!;
    const normalized = normalize(param, param.default);
    return typeof normalized === "string" ? normalized : param.default;
  }

  /** A value as CONFIG GET shows it. */
  display(name: string): string {
    const param = findParam(name)!;
    const value = this.get(param.name);
    return param.display ? param.display(value) : value;
  }

  /** Names (aliases too) and values as CONFIG GET lists them, in declaration order. */
  entries(): Array<[string, string]> {
    return PARAMS.flatMap((param): Array<[string, string]> => {
      const value = this.display(param.name);
      return param.alias ? [[param.name, value], [param.alias, value]] : [[param.name, value]];
    });
  }

  /**
   * Validates and stores a value. Returns null on success, or Redis's detail text for why the
   * value is refused (callers wrap it in their own error).
   */
  set(name: string, value: string, { atStartup = false } = {}): string | null {
    const param = findParam(name);
    if (!param) return "Unknown option or number of arguments";
    if (param.immutable && !atStartup) return "can't set immutable config";
    if (param.protected && !atStartup) return "can't set protected config";
    const normalized = normalize(param, value, this.#values.get(param.name)!);
    if (typeof normalized !== "string") return normalized.error;
    this.#store(param, normalized);
    return null;
  }

  /**
   * Sets several parameters at once, as CONFIG SET does: all of them or none. Returns null on
   * success, or the Redis error reply text for the first problem found.
   */
  setMany(pairs: Array<[string, string]>): string | null {
    const params: ParamSpec[] = [];
    for (const [name, _] of pairs) {
      const param = findParam(name);
      if (!param) return `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
      const refusal = param.immutable
        ? "can't set immutable config"
        : param.protected
        ? "can't set protected config"
        : params.includes(param)
        ? "duplicate parameter"
        : null;
      if (refusal) {
        // Redis still reports an unknown name that comes later only if nothing failed before.
        return setFailed(name, refusal);
      }
      params.push(param);
    }
    const values: string[] = [];
    for (let i = 0; i < params.length; i++) {
      const normalized = normalize(params[i], pairs[i][1], this.#values.get(params[i].name)!);
      if (typeof normalized !== "string") return setFailed(params[i].name, normalized.error);
      values.push(normalized);
    }
    for (let i = 0; i < params.length; i++) this.#store(params[i], values[i]);
    return null;
  }

  #store(param: ParamSpec, value: string): void {
    this.#values.set(param.name, value);
    for (const listener of this.#listeners.get(param.name) ?? []) listener(value);
  }

  /** Calls `listener` whenever the parameter is set. */
  onChange(name: string, listener: (value: string) => void): void {
    const list = this.#listeners.get(name) ?? [];
    list.push(listener);
    this.#listeners.set(name, list);
  }
}

function setFailed(name: string, detail: string): string {
  return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${detail}`;
}

/** Redis's `string2ll`: optional `-`, digits, no leading zeros, `+` or blanks. */
function parseStrictInteger(text: string): number | null {
  if (!/^(0|-?[1-9]\d{0,18})$/.test(text)) return null;
  return Number(text);
}

function normalize(
  param: ParamSpec,
  value: string,
  current = param.default,
): string | { error: string } {
  switch (param.kind) {
    case "boolean": {
      const lower = value.toLowerCase();
      if (lower !== "yes" && lower !== "no") return { error: "argument must be 'yes' or 'no'" };
      return lower;
    }
    case "enum": {
      const lower = value.toLowerCase();
      if (!param.values!.includes(lower)) {
        return { error: `argument(s) must be one of the following: ${param.values!.join(", ")}` };
      }
      return lower;
    }
    case "integer":
    case "memory": {
      const number = param.kind === "memory" ? parseMemory(value) : parseStrictInteger(value);
      if (number === null || !Number.isSafeInteger(number)) {
        return {
          error: param.kind === "memory"
            ? "argument must be a memory value"
            : "argument couldn't be parsed into an integer",
        };
      }
      if (
        (param.min !== undefined && number < param.min) ||
        (param.max !== undefined && number > param.max)
      ) {
        return { error: `argument must be between ${param.min} and ${param.max} inclusive` };
      }
      return String(param.clampMax !== undefined ? Math.min(number, param.clampMax) : number);
    }
    case "string": {
      if (param.merge) return param.merge(value, current);
      const error = param.validate?.(value);
      return error ? { error } : value;
    }
  }
}

/** Classes of keyspace events, as `notify-keyspace-events` letters. */
export const KEYSPACE_EVENT_CLASSES = "g$lshzxetd";

/**
 * Parses `notify-keyspace-events` as Redis does: a set of letters (A = every class but m and n;
 * K and E choose the channels). Returns the set of letters, or null for an unknown letter.
 */
export function parseKeyspaceEventFlags(value: string): Set<string> | null {
  const flags = new Set<string>();
  for (const letter of value) {
    if (letter === "A") {
      for (const each of KEYSPACE_EVENT_CLASSES) flags.add(each);
    } else if ("g$lshzxetdKEmn".includes(letter)) {
      flags.add(letter);
    } else {
      return null;
    }
  }
  return flags;
}

/**
 * The canonical spelling Redis shows: A, or the classes followed by n; then K, E, m. (Like
 * Redis, it leaves n out after A although it stays in force.)
 */
export function formatKeyspaceEventFlags(flags: Set<string>): string {
  let text = [...KEYSPACE_EVENT_CLASSES].every((letter) => flags.has(letter))
    ? "A"
    : [...KEYSPACE_EVENT_CLASSES, "n"].filter((letter) => flags.has(letter)).join("");
  for (const letter of "KEm") if (flags.has(letter)) text += letter;
  return text;
}
