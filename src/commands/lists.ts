/**
 * List commands: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE, LINDEX, LSET,
 * LINSERT, LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH, LMPOP and the blocking BLPOP, BRPOP, BLMOVE,
 * BRPOPLPUSH and BLMPOP.
 *
 * Arguments are checked in the order Redis 7.0 checks them, so the same error wins. A list that
 * becomes empty is deleted at once. `server.stats.dirty` grows by one per element pushed or
 * popped, as Redis's `dirty` — except, as in Redis 7.0, for a BLPOP, BRPOP or BLMOVE served
 * after it waited.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Database } from "../store/keyspace.ts";
import { ListValue } from "../store/list.ts";
import type { Value } from "../store/values.ts";
import { isKeyword, parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import {
  NO_SUCH_KEY,
  NOT_INTEGER,
  ReplyError,
  SYNTAX_ERROR,
  wrongArity,
  WRONGTYPE,
} from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { propagateAs, propagateServed } from "./propagation.ts";
import type { ArgSpec, CommandSpec, KeyPositions } from "./types.ts";
import { defineCommand } from "./types.ts";
import { timeoutDeadline } from "./blocking.ts";

const MUST_BE_POSITIVE = "ERR value is out of range, must be positive";
const OUT_OF_RANGE = "ERR index out of range";
const RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the " +
  "second ... or use negative to start from the end of the list";
const BAD_NUMKEYS = "ERR numkeys should be greater than 0";
const BAD_COUNT = "ERR count should be greater than 0";
const INT64_MIN = -(2 ** 63);

type End = "left" | "right";

// ---------------------------------------------------------------------------------------------
// Lookups and argument parsing

/** The list at a key, undefined when there is none; throws WRONGTYPE for another type. */
function asList(value: Value | undefined): ListValue | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof ListValue)) throw new ReplyError(WRONGTYPE);
  return value;
}

/** A signed 64-bit argument as a number (beyond 2^53 only its sign matters against a list). */
function longArg(text: string, error = NOT_INTEGER): number {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(error);
  return Number(value);
}

/** Redis's getPositiveLong: an integer ≥ 0, else `error` (also for a non-integer). */
function positiveArg(text: string, error: string): number {
  const value = parseInt64(text);
  if (value === null || value < 0) throw new ReplyError(error);
  return Number(value);
}

/** Redis's getRangeLong(1, LONG_MAX): a non-integer and an out-of-range value share `error`. */
function atLeastOneArg(text: string, error: string): number {
  const value = parseInt64(text);
  if (value === null || value < 1) throw new ReplyError(error);
  return Number(value);
}

/** LEFT or RIGHT, any case. */
function endArg(text: string): End {
  if (isKeyword(text, "left")) return "left";
  if (isKeyword(text, "right")) return "right";
  throw new ReplyError(SYNTAX_ERROR);
}

// ---------------------------------------------------------------------------------------------
// Shared operations

function pop(list: ListValue, end: End): string {
  return (end === "left" ? list.popHead() : list.popTail())!;
}

function push(list: ListValue, end: End, element: string): void {
  if (end === "left") list.pushHead(element);
  else list.pushTail(element);
}

/** The event for popping from an end. */
function popEvent(end: End): string {
  return end === "left" ? "lpop" : "rpop";
}

/** The event for pushing onto an end. */
function pushEvent(end: End): string {
  return end === "left" ? "lpush" : "rpush";
}

/**
 * After elements were taken from a list: announces `event` (none when null), deletes the key
 * if empty (announcing `del`), and counts the changes — Redis's listElementsRemoved.
 */
function removed(
  client: Client,
  db: Database,
  key: string,
  list: ListValue,
  count: number,
  event: string | null,
): void {
  if (event !== null) notifyKeyspaceEvent(client, "l", event, key, db);
  if (list.size === 0) {
    db.delete(key);
    notifyKeyspaceEvent(client, "g", "del", key, db);
  }
  client.server.stats.dirty += count;
}

/** Replies with elements `start..end` (inclusive, in bounds), tail first when `reverse`. */
function replyRange(client: Client, list: ListValue, start: number, end: number, reverse: boolean) {
  const reply = client.reply;
  reply.arrayHeader(end - start + 1);
  if (reverse) { for (let i = end; i >= start; i--) reply.bulk(list.at(i)!); }
  else for (let i = start; i <= end; i++) reply.bulk(list.at(i)!);
}

/** Pops up to `count` elements from one end, replying with them as an array. */
function popRange(
  client: Client,
  db: Database,
  key: string,
  list: ListValue,
  end: End,
  count: number,
) {
  const taken = Math.min(count, list.size);
  const reply = client.reply;
  reply.arrayHeader(taken);
  for (let i = 0; i < taken; i++) reply.bulk(pop(list, end));
  removed(client, db, key, list, taken, popEvent(end));
}

/** LMPOP and BLMPOP's reply for a non-empty list: [key, [elements]]. */
function popRangeWithKey(
  client: Client,
  db: Database,
  key: string,
  list: ListValue,
  end: End,
  count: number,
): void {
  client.reply.arrayHeader(2);
  client.reply.bulk(key);
  popRange(client, db, key, list, end, count);
}

/**
 * LMOVE's core once the source is known to be a non-empty list: checks the destination's type,
 * moves one element and replies with it. Returns false after a WRONGTYPE reply.
 */
function moveElement(
  client: Client,
  db: Database,
  source: string,
  list: ListValue,
  destination: string,
  from: End,
  to: End,
  countChange = true,
): boolean {
  // Looked up before popping: when source is destination, the element goes back on the same list.
  const value = db.get(destination);
  if (value !== undefined && !(value instanceof ListValue)) {
    client.reply.error(WRONGTYPE);
    return false;
  }
  const element = pop(list, from);
  let target = value;
  if (target === undefined) {
    target = new ListValue();
    db.set(destination, target);
  }
  push(target, to, element);
  // As Redis: the push is announced first, then the pop and the source's deletion.
  notifyKeyspaceEvent(client, "l", pushEvent(to), destination, db);
  client.reply.bulk(element);
  notifyKeyspaceEvent(client, "l", popEvent(from), source, db);
  if (list.size === 0) {
    db.delete(source);
    notifyKeyspaceEvent(client, "g", "del", source, db);
  }
  if (countChange) client.server.stats.dirty++;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Commands

function pushCommand(client: Client, argv: Argv, end: End, onlyIfExists: boolean): void {
  const db = client.db;
  const key = argv[1];
  let list = asList(db.get(key));
  if (list === undefined) {
    if (onlyIfExists) {
      client.reply.integer(0);
      return;
    }
    list = new ListValue();
    db.set(key, list);
  }
  for (let i = 2; i < argv.length; i++) push(list, end, argv[i]);
  notifyKeyspaceEvent(client, "l", pushEvent(end), key, db);
  client.server.stats.dirty += argv.length - 2;
  client.reply.integer(list.size);
}

function popCommand(client: Client, argv: Argv, end: End): void {
  if (argv.length > 3) throw new ReplyError(wrongArity(argv[0].toLowerCase()));
  const hasCount = argv.length === 3;
  const count = hasCount ? positiveArg(argv[2], MUST_BE_POSITIVE) : 0;
  const db = client.db;
  const list = asList(db.get(argv[1]));
  if (list === undefined) {
    if (hasCount) client.reply.nullArray();
    else client.reply.nullBulk();
    return;
  }
  if (!hasCount) {
    client.reply.bulk(pop(list, end));
    removed(client, db, argv[1], list, 1, popEvent(end));
  } else if (count === 0) client.reply.arrayHeader(0);
  else popRange(client, db, argv[1], list, end, count);
}

function lrange(client: Client, argv: Argv): void {
  let start = longArg(argv[2]);
  let end = longArg(argv[3]);
  const list = asList(client.db.read(argv[1]));
  if (list === undefined) {
    client.reply.arrayHeader(0);
    return;
  }
  const size = list.size;
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > end || start >= size) {
    client.reply.arrayHeader(0);
    return;
  }
  if (end >= size) end = size - 1;
  replyRange(client, list, start, end, false);
}

function ltrim(client: Client, argv: Argv): void {
  let start = longArg(argv[2]);
  let end = longArg(argv[3]);
  const db = client.db;
  const list = asList(db.get(argv[1]));
  if (list === undefined) {
    client.reply.ok();
    return;
  }
  const size = list.size;
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  let fromHead: number;
  let fromTail: number;
  if (start > end || start >= size) {
    fromHead = size;
    fromTail = 0;
  } else {
    if (end >= size) end = size - 1;
    fromHead = start;
    fromTail = size - end - 1;
  }
  list.trim(fromHead, fromTail);
  removed(client, db, argv[1], list, fromHead + fromTail, "ltrim");
  client.reply.ok();
}

function lrem(client: Client, argv: Argv): void {
  const count = longArg(argv[2]);
  const db = client.db;
  const list = asList(db.get(argv[1]));
  if (list === undefined) {
    client.reply.integer(0);
    return;
  }
  const limit = count === 0 ? Infinity : Math.abs(count);
  const n = list.remove(argv[3], limit, count < 0);
  removed(client, db, argv[1], list, n, n > 0 ? "lrem" : null);
  client.reply.integer(n);
}

function linsert(client: Client, argv: Argv): void {
  let after: boolean;
  if (isKeyword(argv[2], "after")) after = true;
  else if (isKeyword(argv[2], "before")) after = false;
  else throw new ReplyError(SYNTAX_ERROR);
  const db = client.db;
  const list = asList(db.get(argv[1]));
  if (list === undefined) {
    client.reply.integer(0);
    return;
  }
  const pivot = list.indexOf(argv[3]);
  if (pivot < 0) {
    client.reply.integer(-1);
    return;
  }
  list.insertAt(after ? pivot + 1 : pivot, argv[4]);
  notifyKeyspaceEvent(client, "l", "linsert", argv[1], db);
  client.server.stats.dirty++;
  client.reply.integer(list.size);
}

function lpos(client: Client, argv: Argv): void {
  let rank = 1;
  let count = -1; // -1: COUNT not given
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const more = j < argv.length - 1;
    if (more && isKeyword(argv[j], "rank")) {
      rank = longArg(argv[++j]);
      if (rank === 0) throw new ReplyError(RANK_ZERO);
    } else if (more && isKeyword(argv[j], "count")) {
      count = positiveArg(argv[++j], "ERR COUNT can't be negative");
    } else if (more && isKeyword(argv[j], "maxlen")) {
      maxlen = positiveArg(argv[++j], "ERR MAXLEN can't be negative");
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  const fromTail = rank < 0;
  // Redis negates LONG_MIN to itself: every match then qualifies and COUNT never stops it.
  const anyRank = rank === INT64_MIN;
  if (fromTail && !anyRank) rank = -rank;
  const list = asList(client.db.read(argv[1]));
  const reply = client.reply;
  if (list === undefined) {
    if (count !== -1) reply.arrayHeader(0);
    else reply.nullBulk();
    return;
  }
  const size = list.size;
  const element = argv[2];
  const found: number[] = [];
  const wanted = count === -1 ? 1 : count === 0 || anyRank ? Infinity : count;
  let matches = 0;
  for (let index = 0; index < size && (maxlen === 0 || index < maxlen); index++) {
    const position = fromTail ? size - 1 - index : index;
    if (list.at(position) !== element) continue;
    matches++;
    if (!anyRank && matches < rank) continue;
    found.push(position);
    if (found.length >= wanted) break;
  }
  if (count === -1) {
    if (found.length > 0) reply.integer(found[0]);
    else reply.nullBulk();
  } else {
    reply.arrayHeader(found.length);
    for (const position of found) reply.integer(position);
  }
}

function lmove(client: Client, argv: Argv, from: End, to: End): void {
  const db = client.db;
  const list = asList(db.get(argv[1]));
  if (list === undefined) {
    client.reply.nullBulk();
    return;
  }
  moveElement(client, db, argv[1], list, argv[2], from, to);
}

/** The keys of LMPOP/BLMPOP and their options, from the numkeys argument at `numkeysAt`. */
interface MultiPop {
  keys: string[];
  end: End;
  count: number;
}

function parseMultiPop(argv: Argv, numkeysAt: number): MultiPop {
  const numkeys = atLeastOneArg(argv[numkeysAt], BAD_NUMKEYS);
  const whereAt = numkeysAt + numkeys + 1;
  if (whereAt >= argv.length) throw new ReplyError(SYNTAX_ERROR);
  const end = endArg(argv[whereAt]);
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && j < argv.length - 1 && isKeyword(argv[j], "count")) {
      count = atLeastOneArg(argv[++j], BAD_COUNT);
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  return { keys: argv.slice(numkeysAt + 1, whereAt), end, count: count === -1 ? 1 : count };
}

/** LMPOP: pops from the first non-empty list; a null array when there is none. */
function lmpop(client: Client, argv: Argv): void {
  const { keys, end, count } = parseMultiPop(argv, 1);
  const db = client.db;
  for (const key of keys) {
    const list = asList(db.get(key));
    if (list === undefined) continue;
    const popped = String(Math.min(count, list.size));
    popRangeWithKey(client, db, key, list, end, count);
    propagateAs(client, [end === "left" ? "LPOP" : "RPOP", key, popped]);
    return;
  }
  client.reply.nullArray();
}

/** Keys of LMPOP (numkeys at 1) and BLMPOP (numkeys at 2), for COMMAND GETKEYS. */
function numkeysKeys(numkeysAt: number): (argv: Argv) => number[] {
  return (argv) => {
    const numkeys = parseInt64(argv[numkeysAt] ?? "");
    if (numkeys === null || numkeys < 1 || numkeysAt + Number(numkeys) >= argv.length) return [];
    return Array.from({ length: Number(numkeys) }, (_, i) => numkeysAt + 1 + i);
  };
}

// ---------------------------------------------------------------------------------------------
// Blocking commands

/**
 * Serves a blocked BLPOP/BRPOP/BLMPOP from the first of its keys that holds a list now; a key
 * of another type does not serve it. `count` -1 replies [key, element], otherwise
 * [key, [elements]].
 */
function servePop(
  client: Client,
  db: Database,
  keys: string[],
  end: End,
  count: number,
  readyKey?: string | null,
): boolean {
  // `readyKey` is set once the client waited: null when the manager did not say which key.
  for (const key of typeof readyKey === "string" ? [readyKey] : keys) {
    const value = db.get(key);
    if (!(value instanceof ListValue)) continue;
    const name = end === "left" ? "LPOP" : "RPOP";
    if (count === -1) {
      client.reply.arrayHeader(2);
      client.reply.bulk(key);
      client.reply.bulk(pop(value, end));
      // Redis 7.0 counts no change for a BLPOP/BRPOP served after waiting (BLMPOP it does).
      removed(client, db, key, value, readyKey === undefined ? 1 : 0, popEvent(end));
      propagateServed(client, db.id, readyKey !== undefined, [name, key]);
    } else {
      const popped = String(Math.min(count, value.size));
      popRangeWithKey(client, db, key, value, end, count);
      propagateServed(client, db.id, readyKey !== undefined, [name, key, popped]);
    }
    return true;
  }
  return false;
}

/** BLPOP, BRPOP and BLMPOP once parsed: pop now, or block on every key. */
function blockingPop(
  client: Client,
  keys: string[],
  end: End,
  count: number,
  deadline: number,
): void {
  const db = client.db;
  for (const key of keys) {
    const list = asList(db.get(key));
    if (list === undefined) continue;
    servePop(client, db, [key], end, count);
    return;
  }
  client.server.blocking.block(client, {
    keys,
    deadline,
    tryServe: (readyKey?: string) => servePop(client, db, keys, end, count, readyKey ?? null),
    onTimeout: () => client.reply.nullArray(),
  });
}

function bpop(client: Client, argv: Argv, end: End): void {
  const deadline = timeoutDeadline(client, argv[argv.length - 1]);
  blockingPop(client, argv.slice(1, -1), end, -1, deadline);
}

function blmpop(client: Client, argv: Argv): void {
  const { keys, end, count } = parseMultiPop(argv, 2);
  const deadline = timeoutDeadline(client, argv[1]);
  blockingPop(client, keys, end, count, deadline);
}

/** BLMOVE and BRPOPLPUSH once parsed: move now, or block on the source. */
function blmove(client: Client, argv: Argv, from: End, to: End, deadline: number): void {
  const db = client.db;
  const source = argv[1];
  const destination = argv[2];
  const list = asList(db.get(source));
  if (list !== undefined) {
    if (moveElement(client, db, source, list, destination, from, to)) {
      // Propagated as the non-blocking command, with the ends as they were given.
      propagateAs(
        client,
        argv.length === 6 ? ["LMOVE", ...argv.slice(1, 5)] : [
          "RPOPLPUSH",
          source,
          destination,
        ],
      );
    }
    return;
  }
  client.server.blocking.block(client, {
    keys: [source],
    deadline,
    tryServe: () => {
      const value = db.get(source);
      if (!(value instanceof ListValue)) return false;
      // A destination of the wrong type ends the wait with WRONGTYPE, as in Redis.
      // Redis 7.0 counts no change for a BLMOVE served after waiting.
      if (moveElement(client, db, source, value, destination, from, to, false)) {
        client.server.propagation.add(
          db.id,
          argv.length === 6
            ? ["LMOVE", source, destination, from, to]
            : ["RPOPLPUSH", source, destination],
        );
      }
      db.touchWatched(destination); // served outside the registry, which marks LMOVE's keys
      return true;
    },
    onTimeout: () => client.reply.nullArray(),
    onCannotBlock: () => client.reply.nullBulk(),
  });
}

// ---------------------------------------------------------------------------------------------
// Declarations

const KEY: ArgSpec = { name: "key", type: "key", keySpecIndex: 0 };
const KEYS: ArgSpec = { ...KEY, multiple: true };
const ELEMENTS: ArgSpec = { name: "element", type: "string", multiple: true };
const TIMEOUT: ArgSpec = { name: "timeout", type: "double" };
const SOURCE: ArgSpec = { name: "source", type: "key", keySpecIndex: 0 };
const DESTINATION: ArgSpec = { name: "destination", type: "key", keySpecIndex: 1 };

function leftRight(name: string): ArgSpec {
  return {
    name,
    type: "oneof",
    args: [
      { name: "left", type: "pure-token", token: "LEFT" },
      { name: "right", type: "pure-token", token: "RIGHT" },
    ],
  };
}

const MULTI_POP_ARGS: ArgSpec[] = [
  { name: "numkeys", type: "integer" },
  KEYS,
  leftRight("where"),
  { name: "count", type: "integer", token: "COUNT", optional: true },
];

function oneKey(flags: KeyPositions["flags"]): KeyPositions[] {
  return [{ first: 1, last: 1, step: 1, flags }];
}

/** LMPOP and BLMPOP: the keys follow the numkeys argument at `numkeysAt`. */
function numkeysSpec(numkeysAt: number): KeyPositions[] {
  return [{
    first: numkeysAt,
    last: 0,
    step: 1,
    flags: ["RW", "access", "delete"],
    keynum: { keyNumIdx: 0, firstKey: 1, keyStep: 1 },
  }];
}

const MOVE_KEYS: KeyPositions[] = [
  { first: 1, last: 1, step: 1, flags: ["RW", "access", "delete"] },
  { first: 2, last: 2, step: 1, flags: ["RW", "insert"] },
];

const PUSH_COMPLEXITY = "O(1) per element pushed: O(N) for N elements given at once.";
const TIMEOUT_HISTORY: Array<[string, string]> = [["6.0.0", "The timeout may have a fraction."]];

function pushSpec(name: string, since: string, summary: string, history: [string, string]) {
  const end: End = name.startsWith("l") ? "left" : "right";
  const onlyIfExists = name.endsWith("x");
  return defineCommand({
    name,
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    acl: ["list"],
    keys: oneKey(["RW", "insert"]),
    group: "list",
    since,
    summary,
    complexity: PUSH_COMPLEXITY,
    history: [history],
    args: [KEY, ELEMENTS],
    run: (client, argv) => pushCommand(client, argv, end, onlyIfExists),
  });
}

function popSpec(name: string, end: End) {
  return defineCommand({
    name,
    arity: -2,
    flags: ["write", "fast"],
    acl: ["list"],
    keys: oneKey(["RW", "access", "delete"]),
    group: "list",
    since: "1.0.0",
    summary: `Removes and returns the ${end === "left" ? "first" : "last"} elements of a list.`,
    complexity: "O(N) in the number of elements returned.",
    history: [["6.2.0", "A count may be given."]],
    args: [KEY, { name: "count", type: "integer", since: "6.2.0", optional: true }],
    run: (client, argv) => popCommand(client, argv, end),
  });
}

function blockingPopSpec(name: string, end: End) {
  const which = end === "left" ? "first" : "last";
  return defineCommand({
    name,
    arity: -3,
    flags: ["write", "noscript", "blocking"],
    acl: ["list"],
    keys: [{ first: 1, last: -2, step: 1, flags: ["RW", "access", "delete"] }],
    group: "list",
    since: "2.0.0",
    summary: `Removes and returns the ${which} element of the first non-empty list, waiting ` +
      "for one if they are all empty.",
    complexity: "O(N) in the number of keys given.",
    history: TIMEOUT_HISTORY,
    args: [KEYS, TIMEOUT],
    run: (client, argv) => bpop(client, argv, end),
  });
}

export const listCommands: CommandSpec[] = [
  pushSpec("lpush", "1.0.0", "Adds elements at the head of a list, creating it if needed.", [
    "2.4.0",
    "Several elements may be given.",
  ]),
  pushSpec("rpush", "1.0.0", "Adds elements at the tail of a list, creating it if needed.", [
    "2.4.0",
    "Several elements may be given.",
  ]),
  pushSpec("lpushx", "2.2.0", "Adds elements at the head of a list that already exists.", [
    "4.0.0",
    "Several elements may be given.",
  ]),
  pushSpec("rpushx", "2.2.0", "Adds elements at the tail of a list that already exists.", [
    "4.0.0",
    "Several elements may be given.",
  ]),
  popSpec("lpop", "left"),
  popSpec("rpop", "right"),
  defineCommand({
    name: "llen",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["list"],
    keys: oneKey(["RO"]),
    group: "list",
    since: "1.0.0",
    summary: "Tells how many elements a list has.",
    complexity: "O(1)",
    args: [KEY],
    run(client, argv) {
      const list = asList(client.db.read(argv[1]));
      client.reply.integer(list === undefined ? 0 : list.size);
    },
  }),
  defineCommand({
    name: "lrange",
    arity: 4,
    flags: ["readonly"],
    acl: ["list"],
    keys: oneKey(["RO", "access"]),
    group: "list",
    since: "1.0.0",
    summary: "Returns the elements between two indexes of a list, both included.",
    complexity: "O(S+N): S to reach the start index, N for the elements returned.",
    args: [KEY, { name: "start", type: "integer" }, { name: "stop", type: "integer" }],
    run: lrange,
  }),
  defineCommand({
    name: "lindex",
    arity: 3,
    flags: ["readonly"],
    acl: ["list"],
    keys: oneKey(["RO", "access"]),
    group: "list",
    since: "1.0.0",
    summary: "Returns the element at an index of a list.",
    complexity: "O(N) to walk to the index; the first and last elements are O(1).",
    args: [KEY, { name: "index", type: "integer" }],
    run(client, argv) {
      const list = asList(client.db.read(argv[1]));
      if (list === undefined) {
        client.reply.nullBulk();
        return;
      }
      client.reply.bulkOrNull(list.at(longArg(argv[2])));
    },
  }),
  defineCommand({
    name: "lset",
    arity: 4,
    flags: ["write", "denyoom"],
    acl: ["list"],
    keys: oneKey(["RW", "update"]),
    group: "list",
    since: "1.0.0",
    summary: "Replaces the element at an index of a list.",
    complexity: "O(N) to walk to the index; the first and last elements are O(1).",
    args: [KEY, { name: "index", type: "integer" }, { name: "element", type: "string" }],
    run(client, argv) {
      const list = asList(client.db.get(argv[1]));
      if (list === undefined) throw new ReplyError(NO_SUCH_KEY);
      if (!list.set(longArg(argv[2]), argv[3])) throw new ReplyError(OUT_OF_RANGE);
      notifyKeyspaceEvent(client, "l", "lset", argv[1]);
      client.server.stats.dirty++;
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "linsert",
    arity: 5,
    flags: ["write", "denyoom"],
    acl: ["list"],
    keys: oneKey(["RW", "insert"]),
    group: "list",
    since: "2.2.0",
    summary: "Inserts an element just before or just after the first occurrence of a pivot.",
    complexity: "O(N) to find the pivot.",
    args: [
      KEY,
      {
        name: "where",
        type: "oneof",
        args: [
          { name: "before", type: "pure-token", token: "BEFORE" },
          { name: "after", type: "pure-token", token: "AFTER" },
        ],
      },
      { name: "pivot", type: "string" },
      { name: "element", type: "string" },
    ],
    run: linsert,
  }),
  defineCommand({
    name: "lrem",
    arity: 4,
    flags: ["write"],
    acl: ["list"],
    keys: oneKey(["RW", "delete"]),
    group: "list",
    since: "1.0.0",
    summary: "Removes occurrences of an element: count from the head, -count from the tail, 0 all.",
    complexity: "O(N+M): N elements scanned, M removed.",
    args: [KEY, { name: "count", type: "integer" }, { name: "element", type: "string" }],
    run: lrem,
  }),
  defineCommand({
    name: "ltrim",
    arity: 4,
    flags: ["write"],
    acl: ["list"],
    keys: oneKey(["RW", "delete"]),
    group: "list",
    since: "1.0.0",
    summary: "Keeps only the elements between two indexes of a list.",
    complexity: "O(N) in the number of elements removed.",
    args: [KEY, { name: "start", type: "integer" }, { name: "stop", type: "integer" }],
    run: ltrim,
  }),
  defineCommand({
    name: "lpos",
    arity: -3,
    flags: ["readonly"],
    acl: ["list"],
    keys: oneKey(["RO", "access"]),
    group: "list",
    since: "6.0.6",
    summary: "Finds the indexes at which an element occurs in a list.",
    complexity: "O(N) in the list's length; MAXLEN bounds how far it looks.",
    args: [
      KEY,
      { name: "element", type: "string" },
      { name: "rank", type: "integer", token: "RANK", optional: true },
      { name: "num-matches", type: "integer", token: "COUNT", optional: true },
      { name: "len", type: "integer", token: "MAXLEN", optional: true },
    ],
    run: lpos,
  }),
  defineCommand({
    name: "lmove",
    arity: 5,
    flags: ["write", "denyoom"],
    acl: ["list"],
    keys: MOVE_KEYS,
    group: "list",
    since: "6.2.0",
    summary: "Moves an element from one end of a list to one end of another, and returns it.",
    complexity: "O(1)",
    args: [SOURCE, DESTINATION, leftRight("wherefrom"), leftRight("whereto")],
    run(client, argv) {
      const from = endArg(argv[3]);
      const to = endArg(argv[4]);
      lmove(client, argv, from, to);
    },
  }),
  defineCommand({
    name: "rpoplpush",
    arity: 3,
    flags: ["write", "denyoom"],
    acl: ["list"],
    keys: MOVE_KEYS,
    group: "list",
    since: "1.2.0",
    summary: "Moves the last element of a list to the head of another, and returns it.",
    complexity: "O(1)",
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`LMOVE` with the `RIGHT` and `LEFT` arguments",
    args: [SOURCE, DESTINATION],
    run: (client, argv) => lmove(client, argv, "right", "left"),
  }),
  defineCommand({
    name: "lmpop",
    arity: -4,
    flags: ["write"],
    acl: ["list"],
    keys: numkeysSpec(1),
    getKeys: numkeysKeys(1),
    group: "list",
    since: "7.0.0",
    summary: "Pops elements from one end of the first non-empty list among the keys given.",
    complexity: "O(N+M): N keys given, M elements returned.",
    args: MULTI_POP_ARGS,
    run: lmpop,
  }),
  blockingPopSpec("blpop", "left"),
  blockingPopSpec("brpop", "right"),
  defineCommand({
    name: "blmove",
    arity: 6,
    flags: ["write", "denyoom", "noscript", "blocking"],
    acl: ["list"],
    keys: MOVE_KEYS,
    group: "list",
    since: "6.2.0",
    summary: "Moves an element from one list to another and returns it, waiting for one if the " +
      "source is empty.",
    complexity: "O(1)",
    args: [SOURCE, DESTINATION, leftRight("wherefrom"), leftRight("whereto"), TIMEOUT],
    run(client, argv) {
      const from = endArg(argv[3]);
      const to = endArg(argv[4]);
      const deadline = timeoutDeadline(client, argv[5]);
      blmove(client, argv, from, to, deadline);
    },
  }),
  defineCommand({
    name: "brpoplpush",
    arity: 4,
    flags: ["write", "denyoom", "noscript", "blocking"],
    acl: ["list"],
    keys: MOVE_KEYS,
    group: "list",
    since: "2.2.0",
    summary: "Moves the last element of a list to the head of another and returns it, waiting " +
      "for one if the source is empty.",
    complexity: "O(1)",
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
    history: TIMEOUT_HISTORY,
    args: [SOURCE, DESTINATION, TIMEOUT],
    run(client, argv) {
      const deadline = timeoutDeadline(client, argv[3]);
      blmove(client, argv, "right", "left", deadline);
    },
  }),
  defineCommand({
    name: "blmpop",
    arity: -5,
    flags: ["write", "blocking"],
    acl: ["list"],
    keys: numkeysSpec(2),
    getKeys: numkeysKeys(2),
    group: "list",
    since: "7.0.0",
    summary: "Pops elements from the first non-empty list among the keys given, waiting for one " +
      "if they are all empty.",
    complexity: "O(N+M): N keys given, M elements returned.",
    args: [TIMEOUT, ...MULTI_POP_ARGS],
    run: blmpop,
  }),
];
