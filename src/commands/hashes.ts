/**
 * Hash commands: HSET, HSETNX, HGET, HMGET, HMSET, HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS,
 * HGETALL, HINCRBY, HINCRBYFLOAT, HRANDFIELD and HSCAN.
 *
 * Arguments are checked in Redis's order so the same error wins. Read commands look keys up
 * with `db.read` (counting keyspace hits and misses, as Redis's lookupKeyRead), writes with
 * `db.get`; `server.stats.dirty` grows as Redis's `dirty` does. A hash left empty is deleted.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { globMatch } from "../store/glob.ts";
import { HashValue } from "../store/hash.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import {
  NOT_FLOAT,
  NOT_INTEGER,
  ReplyError,
  SYNTAX_ERROR,
  wrongArity,
  WRONGTYPE,
} from "./errors.ts";
import { cursorArg, parseScanOptions } from "./keys.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { propagateAs } from "./propagation.ts";
import {
  addLongDouble,
  formatLongDoubleHuman,
  isNonFinite,
  parseLongDouble,
} from "./long_double.ts";
import {
  type ArgSpec,
  type CommandSpec,
  defineCommand,
  type KeyPositions,
  type KeySpecFlag,
} from "./types.ts";
import { removeMembers } from "./collections.ts";

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** LONG_MAX, the bound of HRANDFIELD's count (Redis refuses -2^63 so that -count fits). */
const LONG_MAX = INT64_MAX;
/** With WITHVALUES the reply has two items per field, so Redis halves the bound. */
const HALF_LONG_MAX = LONG_MAX / 2n;

const KEY: ArgSpec = { name: "key", type: "key", keySpecIndex: 0 };
const FIELD: ArgSpec = { name: "field", type: "string" };
const FIELD_VALUE: ArgSpec = {
  name: "field_value",
  type: "block",
  multiple: true,
  args: [FIELD, { name: "value", type: "string" }],
};

function keyAt1(...flags: KeySpecFlag[]): KeyPositions[] {
  return [{ first: 1, last: 1, step: 1, flags }];
}

/** The hash at `key` for a read command (counts hits/misses); WRONGTYPE for another type. */
function readHash(client: Client, key: string): HashValue | undefined {
  return asHash(client.db.read(key));
}

/** The hash at `key` for a write command; WRONGTYPE for another type. */
function writeHash(client: Client, key: string): HashValue | undefined {
  return asHash(client.db.get(key));
}

function asHash(value: unknown): HashValue | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof HashValue)) throw new ReplyError(WRONGTYPE);
  return value;
}

/** The hash at `key`, created empty when missing (Redis's hashTypeLookupWriteOrCreate). */
function hashToWrite(client: Client, key: string): HashValue {
  let hash = writeHash(client, key);
  if (hash === undefined) {
    hash = new HashValue();
    client.db.set(key, hash);
  }
  return hash;
}

/** HSET and HMSET: the same work, different replies. */
function setFields(client: Client, argv: Argv, name: string): void {
  if (argv.length % 2 === 1) throw new ReplyError(wrongArity(name));
  const hash = hashToWrite(client, argv[1]);
  const limits = client.server.keyspace.limits;
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (hash.set(argv[i], argv[i + 1], limits)) created++;
  }
  notifyKeyspaceEvent(client, "h", "hset", argv[1]);
  client.server.stats.dirty += (argv.length - 2) / 2;
  if (name === "hset") client.reply.integer(created);
  else client.reply.ok();
}

/** HKEYS, HVALS and HGETALL. */
function replyAll(client: Client, key: string, fields: boolean, values: boolean): void {
  const hash = readHash(client, key);
  const reply = client.reply;
  const both = fields && values;
  if (hash === undefined) {
    if (both) reply.mapHeader(0);
    else reply.arrayHeader(0);
    return;
  }
  if (both) {
    reply.mapHeader(hash.size);
    for (const [field, value] of hash.entries()) {
      reply.bulk(field);
      reply.bulk(value);
    }
  } else {
    reply.arrayHeader(hash.size);
    for (const text of fields ? hash.fields() : hash.values()) reply.bulk(text);
  }
}

function hincrby(client: Client, argv: Argv): void {
  const increment = parseInt64(argv[3]);
  if (increment === null) throw new ReplyError(NOT_INTEGER);
  const hash = hashToWrite(client, argv[1]);
  const field = argv[2];
  const current = hash.get(field);
  let value = 0n;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === null) throw new ReplyError("ERR hash value is not an integer");
    value = BigInt(parsed);
  }
  const sum = value + BigInt(increment);
  if (sum > INT64_MAX || sum < INT64_MIN) {
    throw new ReplyError("ERR increment or decrement would overflow");
  }
  hash.set(field, String(sum), client.server.keyspace.limits);
  notifyKeyspaceEvent(client, "h", "hincrby", argv[1]);
  client.server.stats.dirty++;
  client.reply.integer(sum);
}

function hincrbyfloat(client: Client, argv: Argv): void {
  const increment = parseLongDouble(argv[3]);
  if (increment === null) throw new ReplyError(NOT_FLOAT);
  if (isNonFinite(increment)) throw new ReplyError("ERR value is NaN or Infinity");
  const hash = hashToWrite(client, argv[1]);
  const field = argv[2];
  const current = hash.get(field);
  let value = parseLongDouble("0")!;
  if (current !== undefined) {
    const parsed = parseLongDouble(current);
    if (parsed === null) throw new ReplyError("ERR hash value is not a float");
    value = parsed;
  }
  const sum = addLongDouble(value, increment);
  if (isNonFinite(sum)) throw new ReplyError("ERR increment would produce NaN or Infinity");
  const text = formatLongDoubleHuman(sum);
  hash.set(field, text, client.server.keyspace.limits);
  notifyKeyspaceEvent(client, "h", "hincrbyfloat", argv[1]);
  client.server.stats.dirty++;
  client.reply.bulk(text);
  // The result, not the increment, so that a replay gives the same digits.
  propagateAs(client, ["HSET", argv[1], field, text]);
}

function hrandfield(client: Client, argv: Argv): void {
  const reply = client.reply;
  if (argv.length < 3) {
    const hash = readHash(client, argv[1]);
    if (hash === undefined) reply.nullBulk();
    else reply.bulk(hash.randomField());
    return;
  }
  const parsed = parseInt64(argv[2]);
  if (parsed === null) throw new ReplyError(NOT_INTEGER);
  const count = BigInt(parsed);
  if (count < -LONG_MAX) {
    throw new ReplyError(
      `ERR value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`,
    );
  }
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== "withvalues")) {
    throw new ReplyError(SYNTAX_ERROR);
  }
  const withValues = argv.length === 4;
  if (withValues && (count < -HALF_LONG_MAX || count > HALF_LONG_MAX)) {
    throw new ReplyError("ERR value is out of range");
  }
  const hash = readHash(client, argv[1]);
  if (hash === undefined || count === 0n) {
    reply.arrayHeader(0);
    return;
  }
  // Flat pairs in RESP2; a two-item array per pair in RESP3.
  const nested = withValues && reply.resp === 3;
  const header = (n: number) => reply.arrayHeader(withValues && !nested ? n * 2 : n);
  const replyField = (field: string) => {
    if (nested) reply.arrayHeader(2);
    reply.bulk(field);
    if (withValues) reply.bulk(hash.get(field)!);
  };
  if (count < 0n || count === 1n) {
    // Negative: that many picks, repeats allowed.
    const picks = Number(count < 0n ? -count : count);
    header(picks);
    for (let i = 0; i < picks; i++) replyField(hash.randomField());
    return;
  }
  if (count >= BigInt(hash.size)) {
    header(hash.size);
    for (const field of hash.fields()) replyField(field);
    return;
  }
  const fields = hash.randomFields(Number(count));
  header(fields.length);
  for (const field of fields) replyField(field);
}

function hscan(client: Client, argv: Argv): void {
  const cursor = cursorArg(argv[2]);
  const hash = readHash(client, argv[1]);
  const reply = client.reply;
  if (hash === undefined) {
    reply.raw("*2\r\n$1\r\n0\r\n*0\r\n");
    return;
  }
  const { count, pattern } = parseScanOptions(argv, 3, false);
  const found: string[] = [];
  const next = hash.scan(cursor, count, (field, value) => {
    if (pattern === null || globMatch(pattern, field)) found.push(field, value);
  });
  reply.arrayHeader(2);
  reply.bulk(String(next));
  reply.bulkArray(found);
}

export const hashCommands: CommandSpec[] = [
  defineCommand({
    name: "hset",
    arity: -4,
    flags: ["write", "denyoom", "fast"],
    acl: ["hash"],
    keys: keyAt1("RW", "update"),
    group: "hash",
    since: "2.0.0",
    summary: "Sets fields of a hash, creating the hash if needed; replies how many were new.",
    complexity: "O(1) per field set, O(N) for N fields.",
    args: [KEY, FIELD_VALUE],
    history: [["4.0.0", "Takes several field-value pairs."]],
    run: (client, argv) => setFields(client, argv, "hset"),
  }),
  defineCommand({
    name: "hsetnx",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    acl: ["hash"],
    keys: keyAt1("RW", "insert"),
    group: "hash",
    since: "2.0.0",
    summary: "Sets a hash field only when the field is not there yet.",
    complexity: "O(1)",
    args: [KEY, FIELD, { name: "value", type: "string" }],
    run(client, argv) {
      const hash = hashToWrite(client, argv[1]);
      if (hash.has(argv[2])) {
        client.reply.integer(0);
        return;
      }
      hash.set(argv[2], argv[3], client.server.keyspace.limits);
      notifyKeyspaceEvent(client, "h", "hset", argv[1]);
      client.server.stats.dirty++;
      client.reply.integer(1);
    },
  }),
  defineCommand({
    name: "hget",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["hash"],
    keys: keyAt1("RO", "access"),
    group: "hash",
    since: "2.0.0",
    summary: "Reads one field of a hash.",
    complexity: "O(1)",
    args: [KEY, FIELD],
    run(client, argv) {
      client.reply.bulkOrNull(readHash(client, argv[1])?.get(argv[2]));
    },
  }),
  defineCommand({
    name: "hmget",
    arity: -3,
    flags: ["readonly", "fast"],
    acl: ["hash"],
    keys: keyAt1("RO", "access"),
    group: "hash",
    since: "2.0.0",
    summary: "Reads several fields of a hash; missing ones are null.",
    complexity: "O(N) for N fields asked for.",
    args: [KEY, { ...FIELD, multiple: true }],
    run(client, argv) {
      const hash = readHash(client, argv[1]);
      client.reply.arrayHeader(argv.length - 2);
      for (let i = 2; i < argv.length; i++) client.reply.bulkOrNull(hash?.get(argv[i]));
    },
  }),
  defineCommand({
    name: "hmset",
    arity: -4,
    flags: ["write", "denyoom", "fast"],
    acl: ["hash"],
    keys: keyAt1("RW", "update"),
    group: "hash",
    since: "2.0.0",
    summary: "Sets fields of a hash and replies OK (the old form of HSET).",
    complexity: "O(1) per field set, O(N) for N fields.",
    args: [KEY, FIELD_VALUE],
    docFlags: ["deprecated"],
    deprecatedSince: "4.0.0",
    replacedBy: "`HSET` with multiple field-value pairs",
    run: (client, argv) => setFields(client, argv, "hmset"),
  }),
  defineCommand({
    name: "hdel",
    arity: -3,
    flags: ["write", "fast"],
    acl: ["hash"],
    keys: keyAt1("RW", "delete"),
    group: "hash",
    since: "2.0.0",
    summary: "Removes fields from a hash, and the hash once it is empty.",
    complexity: "O(N) for N fields removed.",
    args: [KEY, { ...FIELD, multiple: true }],
    history: [["2.4.0", "Takes several fields."]],
    run(client, argv) {
      removeMembers(client, argv, writeHash(client, argv[1]), "h", "hdel");
    },
  }),
  defineCommand({
    name: "hlen",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["hash"],
    keys: keyAt1("RO"),
    group: "hash",
    since: "2.0.0",
    summary: "Counts the fields of a hash.",
    complexity: "O(1)",
    args: [KEY],
    run(client, argv) {
      client.reply.integer(readHash(client, argv[1])?.size ?? 0);
    },
  }),
  defineCommand({
    name: "hstrlen",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["hash"],
    keys: keyAt1("RO"),
    group: "hash",
    since: "3.2.0",
    summary: "Tells the length in bytes of a hash field's value.",
    complexity: "O(1)",
    args: [KEY, FIELD],
    run(client, argv) {
      client.reply.integer(readHash(client, argv[1])?.get(argv[2])?.length ?? 0);
    },
  }),
  defineCommand({
    name: "hexists",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["hash"],
    keys: keyAt1("RO"),
    group: "hash",
    since: "2.0.0",
    summary: "Tells whether a hash has a field.",
    complexity: "O(1)",
    args: [KEY, FIELD],
    run(client, argv) {
      client.reply.integer(readHash(client, argv[1])?.has(argv[2]) ? 1 : 0);
    },
  }),
  defineCommand({
    name: "hkeys",
    arity: 2,
    flags: ["readonly"],
    acl: ["hash"],
    keys: keyAt1("RO", "access"),
    group: "hash",
    since: "2.0.0",
    summary: "Lists the fields of a hash.",
    complexity: "O(N) in the size of the hash.",
    args: [KEY],
    tips: ["nondeterministic_output_order"],
    run: (client, argv) => replyAll(client, argv[1], true, false),
  }),
  defineCommand({
    name: "hvals",
    arity: 2,
    flags: ["readonly"],
    acl: ["hash"],
    keys: keyAt1("RO", "access"),
    group: "hash",
    since: "2.0.0",
    summary: "Lists the values of a hash.",
    complexity: "O(N) in the size of the hash.",
    args: [KEY],
    tips: ["nondeterministic_output_order"],
    run: (client, argv) => replyAll(client, argv[1], false, true),
  }),
  defineCommand({
    name: "hgetall",
    arity: 2,
    flags: ["readonly"],
    acl: ["hash"],
    keys: keyAt1("RO", "access"),
    group: "hash",
    since: "2.0.0",
    summary: "Reads every field and value of a hash (a map in RESP3).",
    complexity: "O(N) in the size of the hash.",
    args: [KEY],
    tips: ["nondeterministic_output_order"],
    run: (client, argv) => replyAll(client, argv[1], true, true),
  }),
  defineCommand({
    name: "hincrby",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    acl: ["hash"],
    keys: keyAt1("RW", "access", "update"),
    group: "hash",
    since: "2.0.0",
    summary: "Adds an integer to a hash field's integer value (a missing field counts as 0).",
    complexity: "O(1)",
    args: [KEY, FIELD, { name: "increment", type: "integer" }],
    run: hincrby,
  }),
  defineCommand({
    name: "hincrbyfloat",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    acl: ["hash"],
    keys: keyAt1("RW", "access", "update"),
    group: "hash",
    since: "2.6.0",
    summary: "Adds a floating point number to a hash field's numeric value.",
    complexity: "O(1)",
    args: [KEY, FIELD, { name: "increment", type: "double" }],
    run: hincrbyfloat,
  }),
  defineCommand({
    name: "hrandfield",
    arity: -2,
    flags: ["readonly"],
    acl: ["hash"],
    keys: keyAt1("RO", "access"),
    group: "hash",
    since: "6.2.0",
    summary: "Picks fields of a hash at random, optionally with their values.",
    complexity: "O(N) for N fields returned.",
    args: [
      KEY,
      {
        name: "options",
        type: "block",
        optional: true,
        args: [
          { name: "count", type: "integer" },
          { name: "withvalues", type: "pure-token", token: "WITHVALUES", optional: true },
        ],
      },
    ],
    tips: ["nondeterministic_output"],
    run: hrandfield,
  }),
  defineCommand({
    name: "hscan",
    arity: -3,
    flags: ["readonly"],
    acl: ["hash"],
    keys: keyAt1("RO", "access"),
    group: "hash",
    since: "2.8.0",
    summary: "Walks the fields and values of a hash a few at a time with a cursor.",
    complexity: "O(1) per call; O(N) over a whole iteration back to cursor 0.",
    args: [
      KEY,
      { name: "cursor", type: "integer" },
      { name: "pattern", type: "pattern", token: "MATCH", optional: true },
      { name: "count", type: "integer", token: "COUNT", optional: true },
    ],
    tips: ["nondeterministic_output"],
    run: hscan,
  }),
];
