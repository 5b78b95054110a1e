/**
 * String commands: GET, SET and their options, GETEX, GETDEL, GETSET, SETNX, SETEX, PSETEX,
 * MSET, MSETNX, MGET, APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE, INCR, DECR, INCRBY, DECRBY,
 * INCRBYFLOAT and LCS.
 *
 * Values are latin1 strings. Arguments are checked in the order Redis checks them, so that the
 * same error wins; `server.stats.dirty` grows by one per key changed, as Redis's `dirty`.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import {
  NOT_FLOAT,
  NOT_INTEGER,
  OVERFLOW,
  ReplyError,
  SYNTAX_ERROR,
  wrongArity,
  WRONGTYPE,
} from "./errors.ts";
import {
  addLongDouble,
  formatLongDoubleHuman,
  isNonFinite,
  parseLongDouble,
} from "./long_double.ts";
import { optionIs } from "./strings_args.ts";
import { propagateAs } from "./propagation.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { lcsCommand } from "./strings_lcs.ts";
import { type ArgSpec, type CommandSpec, defineCommand } from "./types.ts";

// SET / GETEX option flags (as Redis's OBJ_SET_* bits).
const NX = 1;
const XX = 2;
const GET = 4;
const EX = 8;
const PX = 16;
const EXAT = 32;
const PXAT = 64;
const KEEPTTL = 128;
const PERSIST = 256;
/** Not an option: SETNX replies 1/0 instead of OK/null. */
const REPLY_INTEGER = 512;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Largest seconds value whose milliseconds fit in an int64 (LLONG_MAX / 1000). */
const MAX_EXPIRE_SECONDS = 9223372036854775n;
/** proto-max-bulk-len can not be set below this, so shorter strings need no config lookup. */
const MIN_MAX_BULK_LEN = 1024 * 1024;

const MAX_STRING_SIZE = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

/** Options parsed from SET or GETEX: the flag bits and where the expire argument is. */
interface ExpireOptions {
  flags: number;
  /** argv index of the EX/PX/EXAT/PXAT value, or 0 when none. */
  expireAt: number;
}

const NO_OPTIONS: ExpireOptions = { flags: 0, expireAt: 0 };

/**
 * Parses SET options (from argv[3]) or GETEX options (from argv[2]) with Redis's rules: a
 * conflicting or unknown word, or an expire word with nothing after it, is a syntax error; a
 * repeated option is allowed and the last expire value wins.
 */
function parseExpireOptions(argv: Argv, forSet: boolean): ExpireOptions {
  let flags = 0;
  let expireAt = 0;
  for (let j = forSet ? 3 : 2; j < argv.length; j++) {
    const opt = argv[j];
    const hasNext = j < argv.length - 1;
    let flag = 0;
    if (forSet && optionIs(opt, "nx") && !(flags & XX)) flag = NX;
    else if (forSet && optionIs(opt, "xx") && !(flags & NX)) flag = XX;
    else if (forSet && optionIs(opt, "get")) flag = GET;
    else if (forSet && optionIs(opt, "keepttl") && !(flags & (PERSIST | ANY_EXPIRE))) {
      flag = KEEPTTL;
    } else if (!forSet && optionIs(opt, "persist") && !(flags & (ANY_EXPIRE | KEEPTTL))) {
      flag = PERSIST;
    } else if (hasNext && !(flags & (KEEPTTL | PERSIST))) {
      if (optionIs(opt, "ex") && !(flags & (ANY_EXPIRE & ~EX))) flag = EX;
      else if (optionIs(opt, "px") && !(flags & (ANY_EXPIRE & ~PX))) flag = PX;
      else if (optionIs(opt, "exat") && !(flags & (ANY_EXPIRE & ~EXAT))) flag = EXAT;
      else if (optionIs(opt, "pxat") && !(flags & (ANY_EXPIRE & ~PXAT))) flag = PXAT;
      if (flag !== 0) expireAt = ++j;
    }
    if (flag === 0) throw new ReplyError(SYNTAX_ERROR);
    flags |= flag;
  }
  return { flags, expireAt };
}

/**
 * The absolute deadline (ms) an EX/PX/EXAT/PXAT value asks for, with Redis's checks: an
 * integer, positive, and neither the seconds-to-ms product nor the deadline overflowing int64.
 */
function expireDeadline(
  client: Client,
  text: string,
  flags: number,
  command: string,
): number | bigint {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(NOT_INTEGER);
  const seconds = (flags & (EX | EXAT)) !== 0;
  const relative = (flags & (EX | PX)) !== 0;
  if (value <= 0 || (seconds && value > MAX_EXPIRE_SECONDS)) throw invalidExpire(command);
  if (typeof value === "number") {
    const ms = seconds ? value * 1000 : value;
    const deadline = relative ? ms + client.db.clock.now() : ms;
    if (deadline <= Number.MAX_SAFE_INTEGER) return deadline;
  }
  // Past 2^53 ms (285,000 years) the deadline is kept exact, as a bigint, up to int64.
  let ms = BigInt(value) * (seconds ? 1000n : 1n);
  if (relative) ms += BigInt(client.db.clock.now());
  if (ms > INT64_MAX) throw invalidExpire(command);
  return ms;
}

function invalidExpire(command: string): ReplyError {
  return new ReplyError(`ERR invalid expire time in '${command}' command`);
}

/** Redis's checkStringLength: a string may not grow past proto-max-bulk-len. */
function fitsMaxBulk(client: Client, size: number): boolean {
  if (size <= MIN_MAX_BULK_LEN) return true;
  return size <= client.server.config.getNumber("proto-max-bulk-len");
}

/** Replies with a key's string (or null) as GET does; false after a WRONGTYPE reply. */
function replyGet(client: Client, key: string): boolean {
  const value = client.db.read(key);
  if (value === undefined) client.reply.nullBulk();
  else if (typeof value !== "string") {
    client.reply.error(WRONGTYPE);
    return false;
  } else client.reply.bulk(value);
  return true;
}

/**
 * The core of SET, SETNX, SETEX and PSETEX: validate the expire, answer GET, honour NX/XX,
 * store, then apply the deadline.
 */
function setGeneric(
  client: Client,
  key: string,
  value: string,
  flags: number,
  expireText: string | undefined,
  command: string,
  argv: Argv = [],
): void {
  const db = client.db;
  const deadline = expireText === undefined
    ? 0
    : expireDeadline(client, expireText, flags, command);
  if (flags & GET && !replyGet(client, key)) return;
  const found = db.get(key) !== undefined;
  if ((flags & NX && found) || (flags & XX && !found)) {
    if (flags & GET) return;
    if (flags & REPLY_INTEGER) client.reply.integer(0);
    else client.reply.nullBulk();
    return;
  }
  db.set(key, value, (flags & KEEPTTL) !== 0);
  client.server.stats.dirty++;
  notifyKeyspaceEvent(client, "$", "set", key);
  if (expireText !== undefined) {
    // A deadline already past (EXAT/PXAT) removes the key at once; Redis would on next access
    // (or in its expire cycle), announcing `expired` then: the stream reads the same.
    db.setExpire(key, deadline);
    notifyKeyspaceEvent(client, "g", "expire", key);
    if (!db.has(key)) notifyKeyspaceEvent(client, "x", "expired", key);
    // As Redis: a relative time (EX, PX, EXAT, SETEX...) becomes PXAT; the rest of argv goes.
    if (!(flags & PXAT) && client.server.propagation.active) {
      propagateAs(client, ["SET", key, value, "PXAT", String(deadline)]);
    }
  } else if (flags & GET && client.server.propagation.active) {
    // Propagated without GET: a replay has no one to answer.
    propagateAs(client, argv.filter((word, i) => i < 3 || !optionIs(word, "get")));
  }
  if (flags & GET) return;
  if (flags & REPLY_INTEGER) client.reply.integer(1);
  else client.reply.ok();
}

/** INCR, DECR, INCRBY and DECRBY: add to an int64 string, keeping the key's TTL. */
function incrDecr(client: Client, key: string, increment: number | bigint): void {
  const db = client.db;
  const value = db.get(key);
  let current: number | bigint = 0;
  if (value !== undefined) {
    if (typeof value !== "string") {
      client.reply.error(WRONGTYPE);
      return;
    }
    const parsed = parseInt64(value);
    if (parsed === null) {
      client.reply.error(NOT_INTEGER);
      return;
    }
    current = parsed;
  }
  let result: number | bigint | null;
  if (typeof current === "number" && typeof increment === "number") {
    result = current + increment;
    if (!Number.isSafeInteger(result)) result = addInt64(current, increment);
  } else {
    result = addInt64(current, increment);
  }
  if (result === null) {
    client.reply.error(OVERFLOW);
    return;
  }
  db.set(key, String(result), true);
  client.server.stats.dirty++;
  notifyKeyspaceEvent(client, "$", "incrby", key);
  client.reply.integer(result);
}

/** The exact int64 sum, or null when it overflows. */
function addInt64(a: number | bigint, b: number | bigint): bigint | null {
  const sum = BigInt(a) + BigInt(b);
  return sum > INT64_MAX || sum < INT64_MIN ? null : sum;
}

/** An int64 argument (INCRBY, DECRBY, offsets, ranges) or Redis's "not an integer" error. */
function int64Arg(text: string): number | bigint {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(NOT_INTEGER);
  return value;
}

/** GETRANGE and SUBSTR: a substring by inclusive, possibly negative, byte offsets. */
function getRange(client: Client, argv: Argv): void {
  let start: number | bigint = int64Arg(argv[2]);
  let end: number | bigint = int64Arg(argv[3]);
  const value = client.db.read(argv[1]);
  if (value === undefined) {
    client.reply.bulk("");
    return;
  }
  if (typeof value !== "string") {
    client.reply.error(WRONGTYPE);
    return;
  }
  // Compared exactly before any conversion: both may be huge negative int64s.
  if (start < 0 && end < 0 && start > end) {
    client.reply.bulk("");
    return;
  }
  // Beyond ±2^53 only the sign matters against a string's length, so numbers suffice.
  start = Number(start);
  end = Number(end);
  const length = value.length;
  if (start < 0) start = Math.max(0, length + start);
  if (end < 0) end = Math.max(0, length + end);
  if (end >= length) end = length - 1;
  if (start > end || length === 0) client.reply.bulk("");
  else client.reply.bulk(value.slice(start, end + 1));
}

/** MSET and MSETNX: pairs of key and value, all set or (MSETNX) none. */
function msetGeneric(client: Client, argv: Argv, onlyIfNoneExists: boolean): void {
  const n = argv.length;
  if (n % 2 === 0) {
    client.reply.error(wrongArity(onlyIfNoneExists ? "msetnx" : "mset"));
    return;
  }
  const db = client.db;
  if (onlyIfNoneExists) {
    for (let j = 1; j < n; j += 2) {
      if (db.get(argv[j]) !== undefined) {
        client.reply.integer(0);
        return;
      }
    }
  }
  for (let j = 1; j < n; j += 2) {
    // As Redis's lookupKeyWrite: a key past its deadline is reaped (`expired`) first.
    if (db.expiresCount > 0) db.peek(argv[j]);
    db.set(argv[j], argv[j + 1]);
    notifyKeyspaceEvent(client, "$", "set", argv[j]);
  }
  client.server.stats.dirty += (n - 1) / 2;
  if (onlyIfNoneExists) client.reply.integer(1);
  else client.reply.ok();
}

/** INCRBYFLOAT: long double arithmetic and formatting exactly as Redis's x87 build. */
function incrByFloat(client: Client, argv: Argv): void {
  const db = client.db;
  const key = argv[1];
  const value = db.get(key);
  if (value !== undefined && typeof value !== "string") {
    client.reply.error(WRONGTYPE);
    return;
  }
  // The stored value is checked before the increment, as Redis does.
  const current = parseLongDouble(value ?? "0");
  const increment = current === null ? null : parseLongDouble(argv[2]);
  if (current === null || increment === null) {
    client.reply.error(NOT_FLOAT);
    return;
  }
  const sum = addLongDouble(current, increment);
  if (isNonFinite(sum)) {
    client.reply.error("ERR increment would produce NaN or Infinity");
    return;
  }
  const text = formatLongDoubleHuman(sum);
  db.setText(key, text, true);
  client.server.stats.dirty++;
  notifyKeyspaceEvent(client, "$", "incrbyfloat", key);
  client.reply.bulk(text);
  propagateAs(client, ["SET", key, text, "KEEPTTL"]);
}

/** INCR, DECR, INCRBY, DECRBY and INCRBYFLOAT share all but their name, argument and code. */
function counterCommand(
  name: string,
  since: string,
  summary: string,
  amount: ArgSpec | undefined,
  run: (client: Client, argv: Argv) => void,
): CommandSpec {
  return defineCommand({
    name,
    arity: amount ? 3 : 2,
    flags: ["write", "denyoom", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "update"] }],
    group: "string",
    since,
    summary: `${summary} (a missing key counts as 0).`,
    complexity: "O(1)",
    args: amount ? [KEY, amount] : [KEY],
    run,
  });
}

const KEY: ArgSpec = { name: "key", type: "key", keySpecIndex: 0 };
const VALUE: ArgSpec = { name: "value", type: "string" };
const KEY_VALUE_PAIRS: ArgSpec[] = [{
  name: "key_value",
  type: "block",
  multiple: true,
  args: [KEY, VALUE],
}];
const RANGE_ARGS: ArgSpec[] = [
  KEY,
  { name: "start", type: "integer" },
  { name: "end", type: "integer" },
];
const SUBSTRING_COMPLEXITY =
  "O(N) where N is the length of the returned string; cheap enough to count as O(1) for short strings.";

export const stringCommands = [
  defineCommand({
    name: "get",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "string",
    since: "1.0.0",
    summary: "Returns the string value of a key.",
    complexity: "O(1)",
    args: [KEY],
    run(client, argv) {
      const value = client.db.read(argv[1]);
      if (value === undefined) client.reply.nullBulk();
      else if (typeof value !== "string") client.reply.error(WRONGTYPE);
      else client.reply.bulk(value);
    },
  }),
  defineCommand({
    name: "set",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{
      first: 1,
      last: 1,
      step: 1,
      flags: ["RW", "access", "update", "variable_flags"],
      notes: "RW and ACCESS due to the optional `GET` argument",
    }],
    group: "string",
    since: "1.0.0",
    summary:
      "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
    complexity: "O(1)",
    history: [
      ["2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."],
      ["6.0.0", "Added the `KEEPTTL` option."],
      ["6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."],
      ["7.0.0", "Allowed the `NX` and `GET` options to be used together."],
    ],
    args: [
      KEY,
      VALUE,
      {
        name: "condition",
        type: "oneof",
        since: "2.6.12",
        optional: true,
        args: [
          { name: "nx", type: "pure-token", token: "NX" },
          { name: "xx", type: "pure-token", token: "XX" },
        ],
      },
      { name: "get", type: "pure-token", token: "GET", since: "6.2.0", optional: true },
      {
        name: "expiration",
        type: "oneof",
        optional: true,
        args: [
          { name: "seconds", type: "integer", token: "EX", since: "2.6.12" },
          { name: "milliseconds", type: "integer", token: "PX", since: "2.6.12" },
          { name: "unix-time-seconds", type: "unix-time", token: "EXAT", since: "6.2.0" },
          { name: "unix-time-milliseconds", type: "unix-time", token: "PXAT", since: "6.2.0" },
          { name: "keepttl", type: "pure-token", token: "KEEPTTL", since: "6.0.0" },
        ],
      },
    ],
    run(client, argv) {
      if (argv.length === 3) {
        const db = client.db;
        // As Redis's lookupKeyWrite: a key past its deadline is reaped (`expired`) first.
        if (db.expiresCount > 0) db.peek(argv[1]);
        db.set(argv[1], argv[2]);
        client.server.stats.dirty++;
        notifyKeyspaceEvent(client, "$", "set", argv[1]);
        client.reply.ok();
        return;
      }
      const { flags, expireAt } = parseExpireOptions(argv, true);
      const expireText = expireAt === 0 ? undefined : argv[expireAt];
      setGeneric(client, argv[1], argv[2], flags, expireText, "set", argv);
    },
  }),
  defineCommand({
    name: "getex",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["string"],
    keys: [{
      first: 1,
      last: 1,
      step: 1,
      flags: ["RW", "access", "update"],
      notes: "RW and UPDATE because it changes the TTL",
    }],
    group: "string",
    since: "6.2.0",
    summary: "Returns a key's string value and optionally changes or removes its expiration.",
    complexity: "O(1)",
    args: [
      KEY,
      {
        name: "expiration",
        type: "oneof",
        optional: true,
        args: [
          { name: "seconds", type: "integer", token: "EX" },
          { name: "milliseconds", type: "integer", token: "PX" },
          { name: "unix-time-seconds", type: "unix-time", token: "EXAT" },
          { name: "unix-time-milliseconds", type: "unix-time", token: "PXAT" },
          { name: "persist", type: "pure-token", token: "PERSIST" },
        ],
      },
    ],
    run(client, argv) {
      const { flags, expireAt } = argv.length > 2 ? parseExpireOptions(argv, false) : NO_OPTIONS;
      const key = argv[1];
      const db = client.db;
      const value = db.read(key);
      if (value === undefined) {
        client.reply.nullBulk();
        return;
      }
      if (typeof value !== "string") {
        client.reply.error(WRONGTYPE);
        return;
      }
      const deadline = expireAt === 0 ? 0 : expireDeadline(client, argv[expireAt], flags, "getex");
      client.reply.bulk(value);
      if (expireAt !== 0) {
        // An EXAT/PXAT already past deletes the key; both count as one change.
        db.setExpire(key, deadline);
        client.server.stats.dirty++;
        const kept = db.has(key);
        notifyKeyspaceEvent(client, "g", kept ? "expire" : "del", key);
        propagateAs(client, kept ? ["PEXPIREAT", key, String(deadline)] : ["DEL", key]);
      } else if (flags & PERSIST && db.persist(key)) {
        client.server.stats.dirty++;
        notifyKeyspaceEvent(client, "g", "persist", key);
        propagateAs(client, ["PERSIST", key]);
      }
    },
  }),
  defineCommand({
    name: "getdel",
    arity: 2,
    flags: ["write", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "delete"] }],
    group: "string",
    since: "6.2.0",
    summary: "Returns a key's string value, then deletes the key.",
    complexity: "O(1)",
    args: [KEY],
    run(client, argv) {
      if (!replyGet(client, argv[1])) return;
      if (client.db.delete(argv[1])) {
        client.server.stats.dirty++;
        notifyKeyspaceEvent(client, "g", "del", argv[1]);
        propagateAs(client, ["DEL", argv[1]]);
      }
    },
  }),
  defineCommand({
    name: "getset",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "update"] }],
    group: "string",
    since: "1.0.0",
    summary: "Stores a new string value in a key and returns the one it held before.",
    complexity: "O(1)",
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`SET` with the `!GET` argument",
    args: [KEY, VALUE],
    run(client, argv) {
      if (!replyGet(client, argv[1])) return;
      client.db.set(argv[1], argv[2]);
      client.server.stats.dirty++;
      notifyKeyspaceEvent(client, "$", "set", argv[1]);
    },
  }),
  defineCommand({
    name: "setnx",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["OW", "insert"] }],
    group: "string",
    since: "1.0.0",
    summary: "Stores a string value in a key only when the key is missing.",
    complexity: "O(1)",
    args: [KEY, VALUE],
    run(client, argv) {
      setGeneric(client, argv[1], argv[2], NX | REPLY_INTEGER, undefined, "setnx");
    },
  }),
  defineCommand({
    name: "setex",
    arity: 4,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["OW", "update"] }],
    group: "string",
    since: "2.0.0",
    summary: "Stores a string value in a key with a time to live in seconds.",
    complexity: "O(1)",
    args: [KEY, { name: "seconds", type: "integer" }, VALUE],
    run(client, argv) {
      setGeneric(client, argv[1], argv[3], EX, argv[2], "setex");
    },
  }),
  defineCommand({
    name: "psetex",
    arity: 4,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["OW", "update"] }],
    group: "string",
    since: "2.6.0",
    summary: "Stores a string value in a key with a time to live in milliseconds.",
    complexity: "O(1)",
    args: [KEY, { name: "milliseconds", type: "integer" }, VALUE],
    run(client, argv) {
      setGeneric(client, argv[1], argv[3], PX, argv[2], "psetex");
    },
  }),
  defineCommand({
    name: "mset",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ first: 1, last: -1, step: 2, flags: ["OW", "update"] }],
    group: "string",
    since: "1.0.1",
    summary: "Stores the string values of several keys at once.",
    complexity: "O(N) where N is the number of keys to set.",
    args: KEY_VALUE_PAIRS,
    tips: ["request_policy:multi_shard", "response_policy:all_succeeded"],
    run(client, argv) {
      msetGeneric(client, argv, false);
    },
  }),
  defineCommand({
    name: "msetnx",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ first: 1, last: -1, step: 2, flags: ["OW", "insert"] }],
    group: "string",
    since: "1.0.1",
    summary: "Stores the string values of several keys, only when none of the keys exists.",
    complexity: "O(N) where N is the number of keys to set.",
    args: KEY_VALUE_PAIRS,
    tips: ["request_policy:multi_shard", "response_policy:agg_min"],
    run(client, argv) {
      msetGeneric(client, argv, true);
    },
  }),
  defineCommand({
    name: "mget",
    arity: -2,
    flags: ["readonly", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: -1, step: 1, flags: ["RO", "access"] }],
    group: "string",
    since: "1.0.0",
    summary: "Returns the string values of several keys.",
    complexity: "O(N) where N is the number of keys to retrieve.",
    args: [{ ...KEY, multiple: true }],
    tips: ["request_policy:multi_shard"],
    run(client, argv) {
      const db = client.db;
      const reply = client.reply;
      reply.arrayHeader(argv.length - 1);
      for (let j = 1; j < argv.length; j++) {
        const value = db.read(argv[j]);
        if (typeof value === "string") reply.bulk(value);
        else reply.nullBulk();
      }
    },
  }),
  defineCommand({
    name: "append",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "insert"] }],
    group: "string",
    since: "2.0.0",
    summary: "Adds a string to the end of a key's value, creating the key when it is missing.",
    complexity:
      "O(1), amortized: the string's spare room doubles as it grows, whatever its current size.",
    args: [KEY, VALUE],
    run(client, argv) {
      const db = client.db;
      const key = argv[1];
      const suffix = argv[2];
      const value = db.get(key);
      let length: number;
      if (value === undefined) {
        db.set(key, suffix);
        length = suffix.length;
      } else if (typeof value !== "string") {
        client.reply.error(WRONGTYPE);
        return;
      } else {
        length = value.length + suffix.length;
        if (!fitsMaxBulk(client, length)) {
          client.reply.error(MAX_STRING_SIZE);
          return;
        }
        db.setModifiedInPlace(key, value + suffix);
      }
      client.server.stats.dirty++;
      notifyKeyspaceEvent(client, "$", "append", key);
      client.reply.integer(length);
    },
  }),
  defineCommand({
    name: "strlen",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO"] }],
    group: "string",
    since: "2.2.0",
    summary: "Returns the length in bytes of a key's string value.",
    complexity: "O(1)",
    args: [KEY],
    run(client, argv) {
      const value = client.db.read(argv[1]);
      if (value === undefined) client.reply.integer(0);
      else if (typeof value !== "string") client.reply.error(WRONGTYPE);
      else client.reply.integer(value.length);
    },
  }),
  defineCommand({
    name: "getrange",
    arity: 4,
    flags: ["readonly"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "string",
    since: "2.4.0",
    summary: "Returns the bytes of a key's string value between two offsets.",
    complexity: SUBSTRING_COMPLEXITY,
    args: RANGE_ARGS,
    run: getRange,
  }),
  defineCommand({
    name: "substr",
    arity: 4,
    flags: ["readonly"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "string",
    since: "1.0.0",
    summary: "Returns the bytes of a key's string value between two offsets (old name).",
    complexity: SUBSTRING_COMPLEXITY,
    docFlags: ["deprecated"],
    deprecatedSince: "2.0.0",
    replacedBy: "`GETRANGE`",
    args: RANGE_ARGS,
    run: getRange,
  }),
  defineCommand({
    name: "setrange",
    arity: 4,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "update"] }],
    group: "string",
    since: "2.2.0",
    summary: "Writes a string over part of a key's value at an offset, zero-padding as needed.",
    complexity:
      "O(1) plus the copy of the written string; O(M) for M written bytes when that is large.",
    args: [KEY, { name: "offset", type: "integer" }, VALUE],
    run(client, argv) {
      const offsetArg = int64Arg(argv[2]);
      if (offsetArg < 0) {
        client.reply.error("ERR offset is out of range");
        return;
      }
      // An offset past 2^53 is past any proto-max-bulk-len, so a number serves.
      const offset = Number(offsetArg);
      const db = client.db;
      const key = argv[1];
      const patch = argv[3];
      const value = db.get(key);
      let old = "";
      if (value !== undefined) {
        if (typeof value !== "string") {
          client.reply.error(WRONGTYPE);
          return;
        }
        old = value;
      }
      if (patch.length === 0) {
        client.reply.integer(old.length);
        return;
      }
      if (!fitsMaxBulk(client, offset + patch.length)) {
        client.reply.error(MAX_STRING_SIZE);
        return;
      }
      const updated = offset > old.length
        ? old + "\0".repeat(offset - old.length) + patch
        : old.slice(0, offset) + patch + old.slice(offset + patch.length);
      // Writing in place skips the store's `new` hook, so a created key is announced here.
      if (value === undefined) notifyKeyspaceEvent(client, "n", "new", key);
      db.setModifiedInPlace(key, updated);
      client.server.stats.dirty++;
      notifyKeyspaceEvent(client, "$", "setrange", key);
      client.reply.integer(updated.length);
    },
  }),
  counterCommand(
    "incr",
    "1.0.0",
    "Adds one to a key's integer value",
    undefined,
    (client, argv) => {
      incrDecr(client, argv[1], 1);
    },
  ),
  counterCommand(
    "decr",
    "1.0.0",
    "Subtracts one from a key's integer value",
    undefined,
    (client, argv) => incrDecr(client, argv[1], -1),
  ),
  counterCommand(
    "incrby",
    "1.0.0",
    "Adds an integer to a key's integer value",
    { name: "increment", type: "integer" },
    (client, argv) => {
      incrDecr(client, argv[1], int64Arg(argv[2]));
    },
  ),
  counterCommand(
    "decrby",
    "1.0.0",
    "Subtracts an integer from a key's integer value",
    { name: "decrement", type: "integer" },
    (client, argv) => {
      const decrement = int64Arg(argv[2]);
      // -(-2^63) has no int64: Redis refuses it before looking at the key.
      if (decrement === INT64_MIN) throw new ReplyError("ERR decrement would overflow");
      incrDecr(client, argv[1], -decrement);
    },
  ),
  counterCommand(
    "incrbyfloat",
    "2.6.0",
    "Adds a floating point number to a key's numeric value",
    { name: "increment", type: "double" },
    incrByFloat,
  ),
  defineCommand({
    name: "lcs",
    arity: -3,
    flags: ["readonly"],
    acl: ["string"],
    keys: [{ first: 1, last: 2, step: 1, flags: ["RO", "access"] }],
    group: "string",
    since: "7.0.0",
    summary: "Finds the longest common subsequence of two keys' string values.",
    complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
    args: [
      { name: "key1", type: "key", keySpecIndex: 0 },
      { name: "key2", type: "key", keySpecIndex: 0 },
      { name: "len", type: "pure-token", token: "LEN", optional: true },
      { name: "idx", type: "pure-token", token: "IDX", optional: true },
      { name: "len", type: "integer", token: "MINMATCHLEN", optional: true },
      { name: "withmatchlen", type: "pure-token", token: "WITHMATCHLEN", optional: true },
    ],
    run: lcsCommand,
  }),
];
