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
  kind: ParamKind;
  default: string;
  /** Settable only at start (flags, config file), not by CONFIG SET. */
  immutable?: boolean;
  min?: number;
  max?: number;
  /** Allowed values of an enum. */
  values?: string[];
  /** Extra validation; returns an error detail for a bad value. */
  validate?: (value: string) => string | null;
}

const GB = 1024 * 1024 * 1024;

/** Every parameter Redeno has. Later features add theirs here. */
export const PARAMS: ParamSpec[] = [
  { name: "port", kind: "integer", default: "6379", min: 0, max: 65535, immutable: true },
  { name: "bind", kind: "string", default: "127.0.0.1 -::1", immutable: true },
  { name: "databases", kind: "integer", default: "16", min: 1, max: 2147483647, immutable: true },
  {
    name: "loglevel",
    kind: "enum",
    default: "notice",
    values: ["debug", "verbose", "notice", "warning", "nothing"],
  },
  {
    name: "proto-max-bulk-len",
    kind: "memory",
    default: String(512 * 1024 * 1024),
    min: 1024 * 1024,
    max: Number.MAX_SAFE_INTEGER,
  },
  { name: "maxclients", kind: "integer", default: "10000", min: 1, max: 2147483647 },
  { name: "timeout", kind: "integer", default: "0", min: 0, max: 2147483647 },
  { name: "tcp-keepalive", kind: "integer", default: "300", min: 0, max: 2147483647 },
  { name: "hz", kind: "integer", default: "10", min: 0, max: 2147483647 },
  { name: "maxmemory", kind: "memory", default: "0", min: 0, max: Number.MAX_SAFE_INTEGER },
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
  { name: "save", kind: "string", default: "" },
  { name: "appendonly", kind: "boolean", default: "no" },
  { name: "dir", kind: "string", default: "", immutable: true },
  { name: "dbfilename", kind: "string", default: "dump.rdb" },
  { name: "lfu-log-factor", kind: "integer", default: "10", min: 0, max: 2147483647 },
  { name: "lfu-decay-time", kind: "integer", default: "1", min: 0, max: 2147483647 },
  { name: "slowlog-log-slower-than", kind: "integer", default: "10000", min: -1, max: 2 ** 53 },
  { name: "slowlog-max-len", kind: "integer", default: "128", min: 0, max: 2147483647 },
  { name: "protected-mode", kind: "boolean", default: "yes", immutable: true },
  { name: "client-query-buffer-limit", kind: "memory", default: String(GB), min: 1024 * 1024 },
];

const BY_NAME = new Map(PARAMS.map((param) => [param.name, param]));

/** Looks a parameter up by name (case-insensitive). */
export function findParam(name: string): ParamSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/**
 * Parses a memory amount as Redis's `memtoull`: digits with an optional unit `k kb m mb g gb`
 * (case-insensitive; `k` = 1000, `kb` = 1024). Returns null when malformed.
 */
export function parseMemory(text: string): number | null {
  const match = /^(-?\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(text);
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

  /** Names and values, in declaration order. */
  entries(): Array<[string, string]> {
    return PARAMS.map((param) => [param.name, this.get(param.name)]);
  }

  /**
   * Validates and stores a value. Returns null on success, or Redis's detail text for why the
   * value is refused (callers wrap it in their own error).
   */
  set(name: string, value: string, { atStartup = false } = {}): string | null {
    const param = findParam(name);
    if (!param) return "Unknown option or number of arguments";
    if (param.immutable && !atStartup) return "can't set immutable config";
    const normalized = normalize(param, value);
    if (typeof normalized !== "string") return normalized.error;
    this.#values.set(param.name, normalized);
    for (const listener of this.#listeners.get(param.name) ?? []) listener(normalized);
    return null;
  }

  /** Calls `listener` whenever the parameter is set. */
  onChange(name: string, listener: (value: string) => void): void {
    const list = this.#listeners.get(name) ?? [];
    list.push(listener);
    this.#listeners.set(name, list);
  }
}

function normalize(param: ParamSpec, value: string): string | { error: string } {
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
      const number = param.kind === "memory"
        ? parseMemory(value)
        : (/^-?\d+$/.test(value) ? Number(value) : null);
      if (number === null || !Number.isSafeInteger(number)) {
        return { error: "argument couldn't be parsed into an integer" };
      }
      if (
        (param.min !== undefined && number < param.min) ||
        (param.max !== undefined && number > param.max)
      ) {
        return { error: `argument must be between ${param.min} and ${param.max} inclusive` };
      }
      return String(number);
    }
    case "string": {
      const error = param.validate?.(value);
      return error ? { error } : value;
    }
  }
}
