/**
 * Set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SPOP, SRANDMEMBER, SMOVE,
 * SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE and SSCAN.
 *
 * Arguments are checked in Redis's order so the same error wins. Keys are looked up as Redis
 * looks them up: `db.read` (counting keyspace hits and misses) for what Redis reads, the
 * sources of the STORE commands included, `db.get` for what it writes. `server.stats.dirty`
 * grows as Redis's `dirty` does. A set left empty is deleted.
 *
 * Results of SUNION, SDIFF and their STORE forms are built in a fresh set, as Redis builds
 * them, so they come out as an intset (ascending) when their members allow it.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { globMatch } from "../store/glob.ts";
import { SetValue } from "../store/set.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { NOT_INTEGER, ReplyError, SYNTAX_ERROR, WRONGTYPE } from "./errors.ts";
import { cursorArg, parseScanOptions } from "./keys.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { propagateAs } from "./propagation.ts";
import {
  type ArgSpec,
  type CommandSpec,
  defineCommand,
  type KeyPositions,
  type KeySpecFlag,
} from "./types.ts";
import { removeMembers } from "./collections.ts";

/** LONG_MAX: SRANDMEMBER refuses -2^63 so that -count fits. */
const LONG_MAX = 2n ** 63n - 1n;
const COUNT_RANGE = `ERR value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`;
const NOT_POSITIVE = "ERR value is out of range, must be positive";

const KEY: ArgSpec = { name: "key", type: "key", keySpecIndex: 0 };
const KEYS: ArgSpec = { ...KEY, multiple: true };
const MEMBER: ArgSpec = { name: "member", type: "string" };
const DESTINATION: ArgSpec = { name: "destination", type: "key", keySpecIndex: 0 };
const SOURCE_KEYS: ArgSpec = { name: "key", type: "key", keySpecIndex: 1, multiple: true };

function keyAt1(...flags: KeySpecFlag[]): KeyPositions[] {
  return [{ first: 1, last: 1, step: 1, flags }];
}

/** A destination at 1 and source keys from 2 on (the STORE commands). */
function storeKeys(...destination: KeySpecFlag[]): KeyPositions[] {
  return [
    { first: 1, last: 1, step: 1, flags: destination },
    { first: 2, last: -1, step: 1, flags: ["RO", "access"] },
  ];
}

function asSet(value: unknown): SetValue | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof SetValue)) throw new ReplyError(WRONGTYPE);
  return value;
}

/** The set at `key` for a read command (counts hits/misses); WRONGTYPE for another type. */
function readSet(client: Client, key: string): SetValue | undefined {
  return asSet(client.db.read(key));
}

/** The set at `key` for a write command; WRONGTYPE for another type. */
function writeSet(client: Client, key: string): SetValue | undefined {
  return asSet(client.db.get(key));
}

/** Replies a collection of members as a set (`~` in RESP3). */
function replySet(client: Client, size: number, members: Iterable<string>): void {
  client.reply.setHeader(size);
  for (const member of members) client.reply.bulk(member);
}

/** The STORE commands' events. */
type StoreEvent = "sinterstore" | "sunionstore" | "sdiffstore";

/**
 * Stores a computed set at `destination` (deleting it when empty), announces `event` (or
 * `del`); replies the size.
 */
function storeResult(
  client: Client,
  destination: string,
  result: SetValue,
  event: StoreEvent,
): void {
  const db = client.db;
  if (result.size > 0) {
    db.set(destination, result);
    notifyKeyspaceEvent(client, "s", event, destination);
    client.server.stats.dirty++;
  } else if (db.has(destination) && db.delete(destination)) {
    notifyKeyspaceEvent(client, "g", "del", destination);
    client.server.stats.dirty++;
  }
  client.reply.integer(result.size);
}

/** What an intersection is for: a reply, a stored key, or a count up to a limit (0: none). */
type InterTarget =
  | { kind: "reply" }
  | { kind: "store"; destination: string }
  | { kind: "card"; limit: number };

function intersect(client: Client, keys: string[], target: InterTarget): void {
  const sets: SetValue[] = [];
  let empty = false;
  for (const key of keys) {
    const set = readSet(client, key);
    if (set === undefined) empty = true;
    else sets.push(set);
  }
  if (empty) {
    if (target.kind === "store") {
      storeResult(client, target.destination, new SetValue(), "sinterstore");
    } else if (target.kind === "card") client.reply.integer(0);
    else client.reply.setHeader(0);
    return;
  }
  // Smallest first (a stable sort, as glibc's qsort is for small arrays).
  sets.sort((a, b) => a.size - b.size);
  const [smallest, ...others] = sets;
  const found: string[] = [];
  for (const member of smallest.elements()) {
    if (!others.every((set) => set === smallest || set.has(member))) continue;
    found.push(member);
    if (target.kind === "card" && target.limit > 0 && found.length >= target.limit) break;
  }
  if (target.kind === "card") client.reply.integer(found.length);
  else if (target.kind === "store") {
    const result = SetValue.from(found, client.server.keyspace.limits);
    storeResult(client, target.destination, result, "sinterstore");
  } else replySet(client, found.length, found);
}

/** SUNION and SDIFF, replying (destination null) or storing. */
function unionOrDiff(
  client: Client,
  keys: string[],
  destination: string | null,
  op: "union" | "diff",
): void {
  const sets = keys.map((key) => readSet(client, key));
  const limits = client.server.keyspace.limits;
  const result = new SetValue();
  const first = sets[0];
  if (op === "union") {
    for (const set of sets) {
      if (set === undefined) continue;
      for (const member of set.elements()) result.add(member, limits);
    }
  } else if (first !== undefined && !sets.slice(1).includes(first)) {
    const others = sets.slice(1).filter((set): set is SetValue => set !== undefined);
    // Redis's choice between its two algorithms decides the result's encoding: match it.
    const oneWork = Math.floor(first.size * (others.length + 1) / 2);
    const twoWork = first.size + others.reduce((sum, set) => sum + set.size, 0);
    if (oneWork <= twoWork) {
      others.sort((a, b) => b.size - a.size);
      for (const member of first.elements()) {
        if (!others.some((set) => set.has(member))) result.add(member, limits);
      }
    } else {
      for (const member of first.elements()) result.add(member, limits);
      for (const set of others) {
        for (const member of set.elements()) result.delete(member);
        if (result.size === 0) break;
      }
    }
  }
  if (destination === null) replySet(client, result.size, result.elements());
  else storeResult(client, destination, result, op === "union" ? "sunionstore" : "sdiffstore");
}

function spop(client: Client, argv: Argv): void {
  if (argv.length > 3) throw new ReplyError(SYNTAX_ERROR);
  const key = argv[1];
  const db = client.db;
  if (argv.length === 2) {
    const set = writeSet(client, key);
    if (set === undefined) {
      client.reply.nullBulk();
      return;
    }
    const member = set.pop();
    notifyKeyspaceEvent(client, "s", "spop", key);
    if (set.size === 0) {
      db.delete(key);
      notifyKeyspaceEvent(client, "g", "del", key);
    }
    client.server.stats.dirty++;
    client.reply.bulk(member);
    propagateAs(client, ["SREM", key, member]);
    return;
  }
  const parsed = parseInt64(argv[2]);
  if (parsed === null || parsed < 0) throw new ReplyError(NOT_POSITIVE);
  const set = writeSet(client, key);
  if (set === undefined || parsed === 0) {
    client.reply.setHeader(0);
    return;
  }
  const limits = client.server.keyspace.limits;
  const size = set.size;
  if (parsed >= size) {
    // Redis replies the whole set through SUNION, which looks the key up (a keyspace hit).
    db.read(key);
    const whole = SetValue.from(set.elements(), limits);
    notifyKeyspaceEvent(client, "s", "spop", key);
    db.delete(key);
    notifyKeyspaceEvent(client, "g", "del", key);
    client.server.stats.dirty += size;
    replySet(client, whole.size, whole.elements());
    propagateAs(client, ["DEL", key]);
    return;
  }
  const count = Number(parsed);
  const popped = set.popMany(count, limits);
  notifyKeyspaceEvent(client, "s", "spop", key);
  client.server.stats.dirty += count;
  replySet(client, popped.length, popped);
  // One SREM per member, as Redis 7.0 sends them (several become MULTI ... EXEC).
  if (client.server.propagation.active) {
    propagateAs(client, ...popped.map((member) => ["SREM", key, member]));
  }
}

function srandmember(client: Client, argv: Argv): void {
  if (argv.length > 3) throw new ReplyError(SYNTAX_ERROR);
  const reply = client.reply;
  if (argv.length === 2) {
    const set = readSet(client, argv[1]);
    if (set === undefined) reply.nullBulk();
    else reply.bulk(set.random());
    return;
  }
  const parsed = parseInt64(argv[2]);
  if (parsed === null) throw new ReplyError(NOT_INTEGER);
  const count = BigInt(parsed);
  if (count < -LONG_MAX) throw new ReplyError(COUNT_RANGE);
  const set = readSet(client, argv[1]);
  if (set === undefined || count === 0n) {
    reply.arrayHeader(0);
    return;
  }
  if (count < 0n || count === 1n) {
    // Negative: that many picks, repeats allowed.
    const picks = Number(count < 0n ? -count : count);
    reply.arrayHeader(picks);
    for (let i = 0; i < picks; i++) reply.bulk(set.random());
    return;
  }
  if (count >= BigInt(set.size)) {
    reply.arrayHeader(set.size);
    for (const member of set.elements()) reply.bulk(member);
    return;
  }
  reply.bulkArray(set.randomMembers(Number(count)));
}

function smove(client: Client, argv: Argv): void {
  const [, source, destination, member] = argv;
  const db = client.db;
  const from = db.get(source);
  const to = db.get(destination);
  if (from === undefined) {
    client.reply.integer(0);
    return;
  }
  const fromSet = asSet(from)!;
  const toSet = asSet(to);
  if (fromSet === toSet) {
    client.reply.integer(fromSet.has(member) ? 1 : 0);
    return;
  }
  if (!fromSet.delete(member)) {
    client.reply.integer(0);
    return;
  }
  notifyKeyspaceEvent(client, "s", "srem", source);
  if (fromSet.size === 0) {
    db.delete(source);
    notifyKeyspaceEvent(client, "g", "del", source);
  }
  client.server.stats.dirty++;
  let target = toSet;
  if (target === undefined) {
    target = new SetValue();
    db.set(destination, target);
  }
  if (target.add(member, client.server.keyspace.limits)) {
    client.server.stats.dirty++;
    notifyKeyspaceEvent(client, "s", "sadd", destination);
  }
  client.reply.integer(1);
}

function sintercard(client: Client, argv: Argv): void {
  const numkeys = parseInt64(argv[1]);
  if (numkeys === null || numkeys < 1) {
    throw new ReplyError("ERR numkeys should be greater than 0");
  }
  if (numkeys > argv.length - 2) {
    throw new ReplyError("ERR Number of keys can't be greater than number of args");
  }
  const end = 2 + Number(numkeys);
  let limit = 0;
  for (let i = end; i < argv.length; i++) {
    if (argv[i].toLowerCase() === "limit" && i + 1 < argv.length) {
      const parsed = parseInt64(argv[++i]);
      if (parsed === null || parsed < 0) throw new ReplyError("ERR LIMIT can't be negative");
      limit = Number(parsed);
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  intersect(client, argv.slice(2, end), { kind: "card", limit });
}

/** SINTERCARD's keys: `numkeys` of them after it (none when numkeys is not valid). */
function sintercardKeys(argv: Argv): number[] {
  const numkeys = Number(argv[1]);
  if (!Number.isInteger(numkeys) || numkeys < 1 || numkeys > argv.length - 2) return [];
  return Array.from({ length: numkeys }, (_, i) => i + 2);
}

function sscan(client: Client, argv: Argv): void {
  const cursor = cursorArg(argv[2]);
  const set = readSet(client, argv[1]);
  const reply = client.reply;
  if (set === undefined) {
    reply.raw("*2\r\n$1\r\n0\r\n*0\r\n");
    return;
  }
  const { count, pattern } = parseScanOptions(argv, 3, false);
  const found: string[] = [];
  const next = set.scan(cursor, count, (member) => {
    if (pattern === null || globMatch(pattern, member)) found.push(member);
  });
  reply.arrayHeader(2);
  reply.bulk(String(next));
  reply.bulkArray(found);
}

export const setCommands: CommandSpec[] = [
  defineCommand({
    name: "sadd",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    acl: ["set"],
    keys: keyAt1("RW", "insert"),
    group: "set",
    since: "1.0.0",
    summary: "Adds members to a set, creating it if needed; replies how many were new.",
    complexity: "O(1) per member, O(N) for N members.",
    args: [KEY, { ...MEMBER, multiple: true }],
    history: [["2.4.0", "Takes several members."]],
    run(client, argv) {
      const key = argv[1];
      let set = writeSet(client, key);
      if (set === undefined) {
        set = new SetValue();
        client.db.set(key, set);
      }
      const limits = client.server.keyspace.limits;
      let added = 0;
      for (let i = 2; i < argv.length; i++) {
        if (set.add(argv[i], limits)) added++;
      }
      if (added > 0) notifyKeyspaceEvent(client, "s", "sadd", key);
      client.server.stats.dirty += added;
      client.reply.integer(added);
    },
  }),
  defineCommand({
    name: "srem",
    arity: -3,
    flags: ["write", "fast"],
    acl: ["set"],
    keys: keyAt1("RW", "delete"),
    group: "set",
    since: "1.0.0",
    summary: "Removes members from a set, and the set once it is empty.",
    complexity: "O(N) for N members removed.",
    args: [KEY, { ...MEMBER, multiple: true }],
    history: [["2.4.0", "Takes several members."]],
    run(client, argv) {
      removeMembers(client, argv, writeSet(client, argv[1]), "s", "srem");
    },
  }),
  defineCommand({
    name: "scard",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["set"],
    keys: keyAt1("RO"),
    group: "set",
    since: "1.0.0",
    summary: "Counts the members of a set.",
    complexity: "O(1)",
    args: [KEY],
    run(client, argv) {
      client.reply.integer(readSet(client, argv[1])?.size ?? 0);
    },
  }),
  defineCommand({
    name: "sismember",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["set"],
    keys: keyAt1("RO"),
    group: "set",
    since: "1.0.0",
    summary: "Tells whether a value is a member of a set.",
    complexity: "O(1)",
    args: [KEY, MEMBER],
    run(client, argv) {
      client.reply.integer(readSet(client, argv[1])?.has(argv[2]) ? 1 : 0);
    },
  }),
  defineCommand({
    name: "smismember",
    arity: -3,
    flags: ["readonly", "fast"],
    acl: ["set"],
    keys: keyAt1("RO", "access"),
    group: "set",
    since: "6.2.0",
    summary: "Tells, for each of several values, whether it is a member of a set.",
    complexity: "O(N) for N values asked about.",
    args: [KEY, { ...MEMBER, multiple: true }],
    run(client, argv) {
      const set = readSet(client, argv[1]);
      client.reply.arrayHeader(argv.length - 2);
      for (let i = 2; i < argv.length; i++) client.reply.integer(set?.has(argv[i]) ? 1 : 0);
    },
  }),
  defineCommand({
    name: "smembers",
    arity: 2,
    flags: ["readonly"],
    acl: ["set"],
    keys: keyAt1("RO", "access"),
    group: "set",
    since: "1.0.0",
    summary: "Lists every member of a set.",
    complexity: "O(N) in the size of the set.",
    args: [KEY],
    tips: ["nondeterministic_output_order"],
    run: (client, argv) => intersect(client, [argv[1]], { kind: "reply" }),
  }),
  defineCommand({
    name: "spop",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["set"],
    keys: keyAt1("RW", "access", "delete"),
    group: "set",
    since: "1.0.0",
    summary: "Removes and returns members of a set picked at random.",
    complexity: "O(1) without a count; O(N) for a count of N.",
    args: [KEY, { name: "count", type: "integer", since: "3.2.0", optional: true }],
    history: [["3.2.0", "Takes a count."]],
    tips: ["nondeterministic_output"],
    run: spop,
  }),
  defineCommand({
    name: "srandmember",
    arity: -2,
    flags: ["readonly"],
    acl: ["set"],
    keys: keyAt1("RO", "access"),
    group: "set",
    since: "1.0.0",
    summary: "Picks members of a set at random; a negative count allows repeats.",
    complexity: "O(1) without a count; O(N) for a count of N.",
    args: [KEY, { name: "count", type: "integer", since: "2.6.0", optional: true }],
    history: [["2.6.0", "Takes a count."]],
    tips: ["nondeterministic_output"],
    run: srandmember,
  }),
  defineCommand({
    name: "smove",
    arity: 4,
    flags: ["write", "fast"],
    acl: ["set"],
    keys: [
      { first: 1, last: 1, step: 1, flags: ["RW", "access", "delete"] },
      { first: 2, last: 2, step: 1, flags: ["RW", "insert"] },
    ],
    group: "set",
    since: "1.0.0",
    summary: "Moves a member from one set to another.",
    complexity: "O(1)",
    args: [
      { name: "source", type: "key", keySpecIndex: 0 },
      { name: "destination", type: "key", keySpecIndex: 1 },
      MEMBER,
    ],
    run: smove,
  }),
  defineCommand({
    name: "sinter",
    arity: -2,
    flags: ["readonly"],
    acl: ["set"],
    keys: [{ first: 1, last: -1, step: 1, flags: ["RO", "access"] }],
    group: "set",
    since: "1.0.0",
    summary: "Lists the members every one of the given sets has.",
    complexity: "O(N*M): N the smallest set's size, M the number of sets.",
    args: [KEYS],
    tips: ["nondeterministic_output_order"],
    run: (client, argv) => intersect(client, argv.slice(1), { kind: "reply" }),
  }),
  defineCommand({
    name: "sintercard",
    arity: -3,
    flags: ["readonly"],
    acl: ["set"],
    keys: [{
      first: 1,
      last: 0,
      step: 1,
      flags: ["RO", "access"],
      keynum: { keyNumIdx: 0, firstKey: 1, keyStep: 1 },
    }],
    getKeys: sintercardKeys,
    group: "set",
    since: "7.0.0",
    summary: "Counts the members every one of the given sets has, stopping at a limit.",
    complexity: "O(N*M): N the smallest set's size, M the number of sets.",
    args: [
      { name: "numkeys", type: "integer" },
      KEYS,
      { name: "limit", type: "integer", token: "LIMIT", optional: true },
    ],
    run: sintercard,
  }),
  defineCommand({
    name: "sinterstore",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["set"],
    keys: storeKeys("RW", "update"),
    group: "set",
    since: "1.0.0",
    summary: "Stores the intersection of sets in a key; replies its size.",
    complexity: "O(N*M): N the smallest set's size, M the number of sets.",
    args: [DESTINATION, SOURCE_KEYS],
    run: (client, argv) =>
      intersect(client, argv.slice(2), { kind: "store", destination: argv[1] }),
  }),
  defineCommand({
    name: "sunion",
    arity: -2,
    flags: ["readonly"],
    acl: ["set"],
    keys: [{ first: 1, last: -1, step: 1, flags: ["RO", "access"] }],
    group: "set",
    since: "1.0.0",
    summary: "Lists the members of any of the given sets.",
    complexity: "O(N) in the total size of the sets.",
    args: [KEYS],
    tips: ["nondeterministic_output_order"],
    run: (client, argv) => unionOrDiff(client, argv.slice(1), null, "union"),
  }),
  defineCommand({
    name: "sunionstore",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["set"],
    keys: storeKeys("OW", "update"),
    group: "set",
    since: "1.0.0",
    summary: "Stores the union of sets in a key; replies its size.",
    complexity: "O(N) in the total size of the sets.",
    args: [DESTINATION, SOURCE_KEYS],
    run: (client, argv) => unionOrDiff(client, argv.slice(2), argv[1], "union"),
  }),
  defineCommand({
    name: "sdiff",
    arity: -2,
    flags: ["readonly"],
    acl: ["set"],
    keys: [{ first: 1, last: -1, step: 1, flags: ["RO", "access"] }],
    group: "set",
    since: "1.0.0",
    summary: "Lists the members of the first set that none of the other sets has.",
    complexity: "O(N) in the total size of the sets.",
    args: [KEYS],
    tips: ["nondeterministic_output_order"],
    run: (client, argv) => unionOrDiff(client, argv.slice(1), null, "diff"),
  }),
  defineCommand({
    name: "sdiffstore",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["set"],
    keys: storeKeys("OW", "update"),
    group: "set",
    since: "1.0.0",
    summary: "Stores the difference of sets in a key; replies its size.",
    complexity: "O(N) in the total size of the sets.",
    args: [DESTINATION, SOURCE_KEYS],
    run: (client, argv) => unionOrDiff(client, argv.slice(2), argv[1], "diff"),
  }),
  defineCommand({
    name: "sscan",
    arity: -3,
    flags: ["readonly"],
    acl: ["set"],
    keys: keyAt1("RO", "access"),
    group: "set",
    since: "2.8.0",
    summary: "Walks the members of a set a few at a time with a cursor.",
    complexity: "O(1) per call; O(N) over a whole iteration back to cursor 0.",
    args: [
      KEY,
      { name: "cursor", type: "integer" },
      { name: "pattern", type: "pattern", token: "MATCH", optional: true },
      { name: "count", type: "integer", token: "COUNT", optional: true },
    ],
    tips: ["nondeterministic_output"],
    run: sscan,
  }),
];
