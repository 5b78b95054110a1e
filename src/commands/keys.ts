/**
 * Generic keyspace commands: DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, COPY, MOVE, ... The expiry
 * commands live in `keys_expire.ts` and OBJECT in `keys_object.ts`.
 * @module
 */
import type { Database } from "../store/keyspace.ts";
import { globMatch } from "../store/glob.ts";
import { typeOf, type Value } from "../store/values.ts";
import { integerArg, isKeyword } from "./args.ts";
import type { Client } from "./client.ts";
import { INVALID_DB, NO_SUCH_KEY, ReplyError, SYNTAX_ERROR } from "./errors.ts";
import { expireCommands, inspectOrMiss } from "./keys_expire.ts";
import { objectCommand } from "./keys_object.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { type ArgSpec, type CommandSpec, defineCommand, type KeyPositions } from "./types.ts";

const SAME_OBJECT = "ERR source and destination objects are the same";
const INVALID_CURSOR = "ERR invalid cursor";
const INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647";
const UINT64_MAX = 2n ** 64n - 1n;

/** Every argument from the first on is a key (DEL, EXISTS, ...). */
function allKeys(flags: KeyPositions["flags"]): KeyPositions[] {
  return [{ first: 1, last: -1, step: 1, flags }];
}

const KEY: ArgSpec = { name: "key", type: "key", keySpecIndex: 0 };
const KEY_LIST: ArgSpec = { ...KEY, multiple: true };

const MULTI_KEY_TIPS = ["request_policy:multi_shard", "response_policy:agg_sum"];

/** A database index argument: an int (Redis's getIntFromObject), then in range. */
function databaseArg(client: Client, text: string): Database {
  const index = integerArg(text);
  if (index < -2147483648 || index > 2147483647) throw new ReplyError(INT_RANGE);
  const db = client.server.keyspace.databases[index];
  if (db === undefined) throw new ReplyError(INVALID_DB);
  return db;
}

/**
 * A SCAN cursor as C's `strtoul` reads it where Redis calls it: an optional sign (a minus
 * wraps), decimal digits to the end (or to a NUL byte), no leading blank, no overflow. An empty
 * text is cursor 0. Returns null for an invalid cursor.
 */
export function parseCursor(text: string): bigint | null {
  const nul = text.indexOf("\0");
  if (nul >= 0) text = text.slice(0, nul);
  if (text.length === 0) return 0n;
  const first = text.charCodeAt(0);
  if (first === 32 || (first >= 9 && first <= 13)) return null;
  const negative = first === 45;
  const digits = negative || first === 43 ? text.slice(1) : text;
  if (!/^[0-9]+$/.test(digits)) return null;
  const value = BigInt(digits);
  if (value > UINT64_MAX) return null;
  return negative && value !== 0n ? 2n ** 64n - value : value;
}

export const keyCommands: CommandSpec[] = [
  defineCommand({
    name: "del",
    arity: -2,
    flags: ["write"],
    acl: ["keyspace"],
    keys: allKeys(["RM", "delete"]),
    group: "generic",
    since: "1.0.0",
    summary: "Removes keys.",
    complexity:
      "O(N) for N keys removed; removing a collection is O(M) in its M elements, a string O(1).",
    args: [KEY_LIST],
    tips: MULTI_KEY_TIPS,
    run: deleteKeys,
  }),
  defineCommand({
    name: "unlink",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["keyspace"],
    keys: allKeys(["RM", "delete"]),
    group: "generic",
    since: "4.0.0",
    summary: "Removes keys, reclaiming their memory later rather than now.",
    complexity: "O(1) per key removed; the memory is reclaimed afterwards in O(N) allocations.",
    args: [KEY_LIST],
    tips: MULTI_KEY_TIPS,
    // The garbage collector frees memory lazily anyway: UNLINK is DEL.
    run: deleteKeys,
  }),
  defineCommand({
    name: "exists",
    arity: -2,
    flags: ["readonly", "fast"],
    acl: ["keyspace"],
    keys: allKeys(["RO"]),
    group: "generic",
    since: "1.0.0",
    summary: "Counts how many of the given keys exist (a key named twice counts twice).",
    complexity: "O(N) for N keys.",
    args: [KEY_LIST],
    history: [["3.0.3", "Takes several keys."]],
    tips: MULTI_KEY_TIPS,
    // Looking without touching, as Redis's LOOKUP_NOTOUCH.
    run: (client, argv) => countExisting(client, argv, (key) => inspectOrMiss(client, key)),
  }),
  defineCommand({
    name: "type",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["keyspace"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO"] }],
    group: "generic",
    since: "1.0.0",
    summary: "Tells the type of the value a key holds.",
    complexity: "O(1)",
    args: [KEY],
    run(client, argv) {
      const value = inspectOrMiss(client, argv[1]);
      client.reply.simple(value === undefined ? "none" : typeOf(value));
    },
  }),
  defineCommand({
    name: "keys",
    arity: 2,
    flags: ["readonly"],
    acl: ["keyspace", "dangerous"],
    group: "generic",
    since: "1.0.0",
    summary: "Lists every key that matches a glob pattern.",
    complexity: "O(N) in the number of keys in the database.",
    args: [{ name: "pattern", type: "pattern" }],
    tips: ["request_policy:all_shards", "nondeterministic_output_order"],
    run(client, argv) {
      const pattern = argv[1];
      const everything = pattern === "*";
      const found: string[] = [];
      for (const key of client.db.keys()) {
        if (everything || globMatch(pattern, key)) found.push(key);
      }
      client.reply.bulkArray(found);
    },
  }),
  defineCommand({
    name: "scan",
    arity: -2,
    flags: ["readonly"],
    acl: ["keyspace"],
    group: "generic",
    since: "2.8.0",
    summary: "Walks the keyspace a few keys at a time with a cursor.",
    complexity: "O(1) per call; O(N) over a whole iteration back to cursor 0.",
    args: [
      { name: "cursor", type: "integer" },
      { name: "pattern", type: "pattern", token: "MATCH", optional: true },
      { name: "count", type: "integer", token: "COUNT", optional: true },
      { name: "type", type: "string", token: "TYPE", since: "6.0.0", optional: true },
    ],
    history: [["6.0.0", "Added the `TYPE` option."]],
    tips: ["nondeterministic_output", "request_policy:special"],
    run: scan,
  }),
  defineCommand({
    name: "randomkey",
    arity: 1,
    flags: ["readonly"],
    acl: ["keyspace"],
    group: "generic",
    since: "1.0.0",
    summary: "Picks a key at random.",
    complexity: "O(1)",
    tips: ["request_policy:all_shards", "nondeterministic_output"],
    run(client) {
      client.reply.bulkOrNull(client.db.randomKey());
    },
  }),
  defineCommand({
    name: "rename",
    arity: 3,
    flags: ["write"],
    acl: ["keyspace"],
    keys: [
      { first: 1, last: 1, step: 1, flags: ["RW", "access", "delete"] },
      { first: 2, last: 2, step: 1, flags: ["OW", "update"] },
    ],
    group: "generic",
    since: "1.0.0",
    summary: "Gives a key a new name, replacing any key of that name.",
    complexity: "O(1)",
    args: [
      KEY,
      { name: "newkey", type: "key", keySpecIndex: 1 },
    ],
    run(client, argv) {
      rename(client, argv, false);
    },
  }),
  defineCommand({
    name: "renamenx",
    arity: 3,
    flags: ["write", "fast"],
    acl: ["keyspace"],
    keys: [
      { first: 1, last: 1, step: 1, flags: ["RW", "access", "delete"] },
      { first: 2, last: 2, step: 1, flags: ["OW", "insert"] },
    ],
    group: "generic",
    since: "1.0.0",
    summary: "Gives a key a new name unless a key of that name exists.",
    complexity: "O(1)",
    args: [
      KEY,
      { name: "newkey", type: "key", keySpecIndex: 1 },
    ],
    history: [["3.2.0", "Renaming a key to its own name replies 0 rather than an error."]],
    run(client, argv) {
      rename(client, argv, true);
    },
  }),
  defineCommand({
    name: "copy",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["keyspace"],
    keys: [
      { first: 1, last: 1, step: 1, flags: ["RO", "access"] },
      { first: 2, last: 2, step: 1, flags: ["OW", "update"] },
    ],
    group: "generic",
    since: "6.2.0",
    summary: "Duplicates a key's value, and TTL, under another name or in another database.",
    complexity: "O(N) in the nested items of a collection; O(1) for a string.",
    args: [
      { name: "source", type: "key", keySpecIndex: 0 },
      { name: "destination", type: "key", keySpecIndex: 1 },
      { name: "destination-db", type: "integer", token: "DB", optional: true },
      { name: "replace", type: "pure-token", token: "REPLACE", optional: true },
    ],
    run: copy,
  }),
  defineCommand({
    name: "move",
    arity: 3,
    flags: ["write", "fast"],
    acl: ["keyspace"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "update"] }],
    group: "generic",
    since: "1.0.0",
    summary: "Moves a key to another database unless the key exists there.",
    complexity: "O(1)",
    args: [
      KEY,
      { name: "db", type: "integer" },
    ],
    run(client, argv) {
      if (client.server.commands.cluster !== null) {
        throw new ReplyError("ERR MOVE is not allowed in cluster mode");
      }
      const source = client.db;
      const target = databaseArg(client, argv[2]);
      if (target === source) throw new ReplyError(SAME_OBJECT);
      const key = argv[1];
      if (source.get(key) === undefined || target.get(key) !== undefined) {
        client.reply.integer(0);
        return;
      }
      source.moveTo(key, target);
      client.server.stats.dirty++;
      notifyKeyspaceEvent(client, "n", "new", key, target);
      notifyKeyspaceEvent(client, "g", "move_from", key, source);
      notifyKeyspaceEvent(client, "g", "move_to", key, target);
      client.reply.integer(1);
    },
  }),
  ...expireCommands,
  defineCommand({
    name: "touch",
    arity: -2,
    flags: ["readonly", "fast"],
    acl: ["keyspace"],
    keys: allKeys(["RO"]),
    group: "generic",
    since: "3.2.1",
    summary: "Marks keys as just used; replies how many exist.",
    complexity: "O(N) for N keys.",
    args: [KEY_LIST],
    tips: MULTI_KEY_TIPS,
    run: (client, argv) => countExisting(client, argv, (key) => client.db.read(key)),
  }),
  objectCommand,
];

/** Replies how many of the keys in argv exist, looking each up with `lookup`. */
function countExisting(
  client: Client,
  argv: string[],
  lookup: (key: string) => Value | undefined,
): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) {
    if (lookup(argv[i]) !== undefined) count++;
  }
  client.reply.integer(count);
}

function deleteKeys(client: Client, argv: string[]): void {
  const db = client.db;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    // `has` first so an expired key is reaped as expired, not counted as deleted.
    if (db.has(argv[i]) && db.delete(argv[i])) {
      deleted++;
      notifyKeyspaceEvent(client, "g", "del", argv[i]);
    }
  }
  client.server.stats.dirty += deleted;
  client.reply.integer(deleted);
}

function rename(client: Client, argv: string[], nx: boolean): void {
  const db = client.db;
  const [, from, to] = argv;
  if (db.get(from) === undefined) throw new ReplyError(NO_SUCH_KEY);
  if (from === to) {
    if (nx) client.reply.integer(0);
    else client.reply.ok();
    return;
  }
  if (nx && db.get(to) !== undefined) {
    client.reply.integer(0);
    return;
  }
  db.rename(from, to);
  client.server.stats.dirty++;
  // As Redis: the destination is added afresh (after deleting any old one), then announced.
  notifyKeyspaceEvent(client, "n", "new", to);
  notifyKeyspaceEvent(client, "g", "rename_from", from);
  notifyKeyspaceEvent(client, "g", "rename_to", to);
  if (nx) client.reply.integer(1);
  else client.reply.ok();
}

function copy(client: Client, argv: string[]): void {
  const source = client.db;
  let target = source;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    if (isKeyword(argv[i], "replace")) {
      replace = true;
    } else if (isKeyword(argv[i], "db") && i + 1 < argv.length) {
      target = databaseArg(client, argv[++i]);
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  if (target !== source && client.server.commands.cluster !== null) {
    throw new ReplyError("ERR Copying to another database is not allowed in cluster mode");
  }
  const [, from, to] = argv;
  if (target === source && from === to) throw new ReplyError(SAME_OBJECT);
  if (source.read(from) === undefined || (target.get(to) !== undefined && !replace)) {
    client.reply.integer(0);
    return;
  }
  source.copyTo(from, target, to);
  client.server.stats.dirty++;
  notifyKeyspaceEvent(client, "n", "new", to, target);
  notifyKeyspaceEvent(client, "g", "copy_to", to, target);
  client.reply.integer(1);
}

/** SCAN-family options: COUNT, MATCH (null for none or `*`) and, for SCAN only, TYPE. */
export interface ScanOptions {
  count: number;
  pattern: string | null;
  type: string | null;
}

/**
 * Parses SCAN/HSCAN/SSCAN/ZSCAN options from argv[start] on, with Redis's errors; TYPE is a
 * syntax error unless `allowType` (it is SCAN's alone).
 */
export function parseScanOptions(argv: string[], start: number, allowType: boolean): ScanOptions {
  const options: ScanOptions = { count: 10, pattern: null, type: null };
  for (let i = start; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length;
    if (isKeyword(argv[i], "count") && hasValue) {
      options.count = integerArg(argv[i + 1]);
      if (options.count < 1) throw new ReplyError(SYNTAX_ERROR);
    } else if (isKeyword(argv[i], "match") && hasValue) {
      options.pattern = argv[i + 1] === "*" ? null : argv[i + 1];
    } else if (allowType && isKeyword(argv[i], "type") && hasValue) {
      options.type = argv[i + 1].toLowerCase();
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  return options;
}

/** A SCAN-family cursor argument, or Redis's error. */
export function cursorArg(text: string): bigint {
  const cursor = parseCursor(text);
  if (cursor === null) throw new ReplyError(INVALID_CURSOR);
  return cursor;
}

function scan(client: Client, argv: string[]): void {
  const cursor = cursorArg(argv[1]);
  const { count, pattern, type } = parseScanOptions(argv, 2, true);
  const found: string[] = [];
  const next = client.db.scan(cursor, count, (key, value) => {
    if (pattern !== null && !globMatch(pattern, key)) return;
    if (type !== null && typeOf(value) !== type) return;
    found.push(key);
  });
  client.reply.arrayHeader(2);
  client.reply.bulk(String(next));
  client.reply.bulkArray(found);
}
