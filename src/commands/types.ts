/**
 * The shape of a command declaration. Each command is declared once, in its family's file;
 * dispatch, arity errors, COMMAND, COMMAND DOCS and ACL categories all read that declaration.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Client } from "./client.ts";

/** Command flags as COMMAND INFO lists them (Redis's names). */
export type CommandFlag =
  | "write"
  | "readonly"
  | "denyoom"
  | "admin"
  | "pubsub"
  | "noscript"
  | "blocking"
  | "loading"
  | "stale"
  | "skip_monitor"
  | "skip_slowlog"
  | "asking"
  | "fast"
  | "no_auth"
  | "may_replicate"
  | "no_mandatory_keys"
  | "no_multi"
  | "allow_busy"
  | "no_async_loading";

/** ACL categories beyond those Redis derives from the flags (write, read, fast, slow, ...). */
export type AclCategory =
  | "keyspace"
  | "read"
  | "write"
  | "set"
  | "sortedset"
  | "list"
  | "hash"
  | "string"
  | "bitmap"
  | "hyperloglog"
  | "geo"
  | "stream"
  | "pubsub"
  | "admin"
  | "fast"
  | "slow"
  | "blocking"
  | "dangerous"
  | "connection"
  | "transaction"
  | "scripting";

/** Command groups as COMMAND DOCS names them. */
export type CommandGroup =
  | "generic"
  | "string"
  | "list"
  | "set"
  | "sorted-set"
  | "hash"
  | "pubsub"
  | "transactions"
  | "connection"
  | "server"
  | "scripting"
  | "hyperloglog"
  | "cluster"
  | "sentinel"
  | "geo"
  | "stream"
  | "bitmap";

export type ArgType =
  | "string"
  | "integer"
  | "double"
  | "key"
  | "pattern"
  | "unix-time"
  | "pure-token"
  | "oneof"
  | "block";

/** One argument in COMMAND DOCS (what redis-cli turns into hints). */
export interface ArgSpec {
  name: string;
  type: ArgType;
  /** Index into the command's key specs, for `key` arguments (default 0) and key patterns. */
  keySpecIndex?: number;
  token?: string;
  summary?: string;
  since?: string;
  optional?: boolean;
  multiple?: boolean;
  multipleToken?: boolean;
  /** Display text, for simple arguments (defaults to `name`). */
  value?: string;
  deprecatedSince?: string;
  /** Members of a `oneof` or `block`. */
  args?: ArgSpec[];
}

/** Key-spec flags as COMMAND INFO lists them. */
export type KeySpecFlag =
  | "RO"
  | "RW"
  | "OW"
  | "RM"
  | "access"
  | "update"
  | "insert"
  | "delete"
  | "not_key"
  | "incomplete"
  | "variable_flags";

/**
 * One key spec. The common shape is a range: keys from argv index `first` to `last`, every
 * `step`. Other shapes override how the first key is found (`keyword`) or how many keys follow
 * it (`keynum`); `unknown` marks keys only the command itself can find (COMMAND INFO shows
 * them, `getKeys` finds them).
 *
 * @example
 * ```ts
 * // GET key: one key at index 1
 * const get: KeyPositions = { first: 1, last: 1, step: 1, flags: ["RO", "access"] };
 * // EVAL script numkeys key...: numkeys at index 2, keys right after it
 * const evalKeys: KeyPositions = {
 *   first: 2, last: 0, step: 1, flags: ["RW", "access", "update"],
 *   keynum: { keyNumIdx: 0, firstKey: 1, keyStep: 1 },
 * };
 * ```
 */
export interface KeyPositions {
  /** Index of the first key (begin_search `index`). */
  first: number;
  /**
   * Last key's index; negative counts from the end (-1 = last argument). With `keyword`, it is
   * relative to the first key found (0 = just one key), as Redis's `lastkey`.
   */
  last: number;
  step: number;
  flags: KeySpecFlag[];
  /** COMMAND INFO `notes`. */
  notes?: string;
  /** With a negative `last`: split the remaining arguments in `limit` parts (XREAD STREAMS). */
  limit?: number;
  /** Search for this token from `startFrom` (negative: backwards from the end); keys follow it. */
  keyword?: { keyword: string; startFrom: number };
  /** The number of keys is at `keyNumIdx` after the start; keys begin `firstKey` after it. */
  keynum?: { keyNumIdx: number; firstKey: number; keyStep: number };
  /** Neither where the keys start nor how many there are can be told from argv. */
  unknown?: boolean;
}

export interface CommandSpec {
  /** Lower-case name; a subcommand's is its own word (e.g. `list` under `client`). */
  name: string;
  /** Argument count including the name; negative means "at least". */
  arity: number;
  flags: CommandFlag[];
  /** Categories besides those implied by flags (Redis's `acl_categories`). */
  acl?: AclCategory[];
  /** Key positions, one entry per key spec (most commands have one or none). */
  keys?: KeyPositions[];
  /**
   * Keys found by the command itself (e.g. after a numkeys argument): COMMAND GETKEYS asks it.
   * A plain index takes the first key spec's flags; a key used otherwise says its own (SORT's
   * STORE destination).
   */
  getKeys?: (argv: Argv) => Array<number | { index: number; flags: KeySpecFlag[] }>;
  group: CommandGroup;
  since: string;
  summary: string;
  complexity?: string;
  args?: ArgSpec[];
  /** COMMAND DOCS doc_flags, e.g. `deprecated`, `syscmd`. */
  docFlags?: string[];
  deprecatedSince?: string;
  replacedBy?: string;
  history?: Array<[string, string]>;
  /** COMMAND INFO tips, e.g. `nondeterministic_output`. */
  tips?: string[];
  /** Subcommands of a container command (CLIENT, CONFIG, ...), which itself has no `run`. */
  subcommands?: CommandSpec[];
  /** Runs the command: reads `argv`, works on `client.db`, writes its reply to `client.reply`. */
  run?: (client: Client, argv: Argv) => void;
}

/** Identity function that gives a command literal its type. */
export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}
