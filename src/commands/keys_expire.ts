/**
 * Key expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME,
 * PEXPIRETIME, PERSIST.
 *
 * Redis takes any int64 for a deadline, so the arithmetic falls back to bigints when a number
 * would lose precision (times past 2^53 ms); ordinary TTLs stay plain numbers.
 * @module
 */
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { NOT_INTEGER, ReplyError } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { propagateAs } from "./propagation.ts";
import { type ArgSpec, type CommandSpec, defineCommand } from "./types.ts";
import type { Value } from "../store/values.ts";

const INT64_MAX = 2n ** 63n - 1n;
/** Redis's bound for seconds before they are turned into ms (LLONG_MAX / 1000). */
const MAX_SECONDS = INT64_MAX / 1000n;
/** Inputs this small cannot overflow or lose precision in plain number arithmetic. */
const SMALL = 2 ** 40;

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

const CONDITION_ARG: ArgSpec = {
  name: "condition",
  type: "oneof",
  since: "7.0.0",
  optional: true,
  args: [
    { name: "nx", type: "pure-token", token: "NX" },
    { name: "xx", type: "pure-token", token: "XX" },
    { name: "gt", type: "pure-token", token: "GT" },
    { name: "lt", type: "pure-token", token: "LT" },
  ],
};

const CONDITION_HISTORY: Array<[string, string]> = [
  ["7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."],
];

interface ExpireVariant {
  name: string;
  since: string;
  summary: string;
  /** 1000 when the argument is in seconds, 1 when in ms. */
  unit: number;
  /** Whether the argument counts from now (EXPIRE) or from the epoch (EXPIREAT). */
  relative: boolean;
  arg: ArgSpec;
}

/** The NX/XX/GT/LT options after the time, checked before the time itself as Redis does. */
function parseConditions(argv: readonly string[]): number {
  let flags = 0;
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i].toLowerCase();
    if (option === "nx") flags |= NX;
    else if (option === "xx") flags |= XX;
    else if (option === "gt") flags |= GT;
    else if (option === "lt") flags |= LT;
    else throw new ReplyError(`ERR Unsupported option ${argv[i]}`);
  }
  if ((flags & NX) && (flags & (XX | GT | LT))) {
    throw new ReplyError("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & GT) && (flags & LT)) {
    throw new ReplyError("ERR GT and LT options at the same time are not compatible");
  }
  return flags;
}

/** The absolute deadline in ms an EXPIRE-family argument names, with Redis's overflow errors. */
function deadlineArg(text: string, variant: ExpireVariant, now: number): number | bigint {
  const parsed = parseInt64(text);
  if (parsed === null) throw new ReplyError(NOT_INTEGER);
  const base = variant.relative ? now : 0;
  if (typeof parsed === "number" && parsed > -SMALL && parsed < SMALL) {
    return parsed * variant.unit + base;
  }
  const invalid = `ERR invalid expire time in '${variant.name}' command`;
  let when = BigInt(parsed);
  if (variant.unit === 1000) {
    if (when > MAX_SECONDS || when < -MAX_SECONDS) throw new ReplyError(invalid);
    when *= 1000n;
  }
  if (when > INT64_MAX - BigInt(base)) throw new ReplyError(invalid);
  when += BigInt(base);
  const asNumber = Number(when);
  return Number.isSafeInteger(asNumber) ? asNumber : when;
}

/**
 * A lookup that leaves the access time alone (EXISTS, TYPE, the TTL family) but, unlike OBJECT,
 * announces a `keymiss`, as Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH).
 */
export function inspectOrMiss(client: Client, key: string): Value | undefined {
  const value = client.db.inspect(key);
  if (value === undefined) notifyKeyspaceEvent(client, "m", "keymiss", key);
  return value;
}

function expireRun(variant: ExpireVariant) {
  return (client: Client, argv: readonly string[]): void => {
    const flags = parseConditions(argv);
    const db = client.db;
    const deadline = deadlineArg(argv[2], variant, db.clock.now());
    const key = argv[1];
    if (db.get(key) === undefined) {
      client.reply.integer(0);
      return;
    }
    if (flags !== 0) {
      const current = db.getExpireExact(key);
      // No TTL counts as an infinite one: GT never beats it, LT always does.
      if (
        ((flags & NX) && current !== undefined) ||
        ((flags & XX) && current === undefined) ||
        ((flags & GT) && (current === undefined || deadline <= current)) ||
        ((flags & LT) && current !== undefined && deadline >= current)
      ) {
        client.reply.integer(0);
        return;
      }
    }
    // A deadline not in the future deletes the key.
    db.setExpire(key, deadline);
    client.server.stats.dirty++;
    const kept = db.has(key);
    notifyKeyspaceEvent(client, "g", kept ? "expire" : "del", key);
    client.reply.integer(1);
    // As Redis: an absolute time in ms, the conditions kept; a deadline already past is a DEL.
    if (client.server.propagation.active) {
      propagateAs(
        client,
        kept ? ["PEXPIREAT", key, String(deadline), ...argv.slice(3)] : ["DEL", key],
      );
    }
  };
}

function expireCommand(variant: ExpireVariant): CommandSpec {
  return defineCommand({
    name: variant.name,
    arity: -3,
    flags: ["write", "fast"],
    acl: ["keyspace"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "update"] }],
    group: "generic",
    since: variant.since,
    summary: variant.summary,
    complexity: "O(1)",
    args: [{ name: "key", type: "key", keySpecIndex: 0 }, variant.arg, CONDITION_ARG],
    history: CONDITION_HISTORY,
    run: expireRun(variant),
  });
}

interface TtlVariant {
  name: string;
  since: string;
  summary: string;
  inMs: boolean;
  /** Whether to reply with the deadline itself rather than the time left. */
  absolute: boolean;
  history?: Array<[string, string]>;
  tips?: string[];
}

function ttlCommand(variant: TtlVariant): CommandSpec {
  return defineCommand({
    name: variant.name,
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["keyspace"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "generic",
    since: variant.since,
    summary: variant.summary,
    complexity: "O(1)",
    args: [{ name: "key", type: "key", keySpecIndex: 0 }],
    history: variant.history,
    tips: variant.tips,
    run(client, argv) {
      const db = client.db;
      if (inspectOrMiss(client, argv[1]) === undefined) {
        client.reply.integer(-2);
        return;
      }
      const deadline = db.getExpireExact(argv[1]);
      if (deadline === undefined) {
        client.reply.integer(-1);
        return;
      }
      client.reply.integer(timeReply(deadline, variant, db.clock.now()));
    },
  });
}

/** What TTL-family commands report for a deadline: ms or rounded seconds, left or absolute. */
function timeReply(deadline: number | bigint, variant: TtlVariant, now: number): number | bigint {
  if (typeof deadline === "bigint") {
    let ms = variant.absolute ? deadline : deadline - BigInt(now);
    if (ms < 0n) ms = 0n;
    return variant.inMs ? ms : (ms + 500n) / 1000n;
  }
  const ms = Math.max(0, variant.absolute ? deadline : deadline - now);
  return variant.inMs ? ms : Math.floor((ms + 500) / 1000);
}

const TWO_REPLY_HISTORY: Array<[string, string]> = [
  ["2.8.0", "Replies -2 for a missing key (it was -1 before)."],
];

export const expireCommands: CommandSpec[] = [
  expireCommand({
    name: "expire",
    since: "1.0.0",
    summary: "Gives a key a time to live in seconds.",
    unit: 1000,
    relative: true,
    arg: { name: "seconds", type: "integer" },
  }),
  expireCommand({
    name: "pexpire",
    since: "2.6.0",
    summary: "Gives a key a time to live in milliseconds.",
    unit: 1,
    relative: true,
    arg: { name: "milliseconds", type: "integer" },
  }),
  expireCommand({
    name: "expireat",
    since: "1.2.0",
    summary: "Makes a key expire at a Unix time in seconds.",
    unit: 1000,
    relative: false,
    arg: { name: "unix-time-seconds", type: "unix-time" },
  }),
  expireCommand({
    name: "pexpireat",
    since: "2.6.0",
    summary: "Makes a key expire at a Unix time in milliseconds.",
    unit: 1,
    relative: false,
    arg: { name: "unix-time-milliseconds", type: "unix-time" },
  }),
  ttlCommand({
    name: "ttl",
    since: "1.0.0",
    summary: "Tells how many seconds a key has left to live.",
    inMs: false,
    absolute: false,
    history: TWO_REPLY_HISTORY,
    tips: ["nondeterministic_output"],
  }),
  ttlCommand({
    name: "pttl",
    since: "2.6.0",
    summary: "Tells how many milliseconds a key has left to live.",
    inMs: true,
    absolute: false,
    history: TWO_REPLY_HISTORY,
    tips: ["nondeterministic_output"],
  }),
  ttlCommand({
    name: "expiretime",
    since: "7.0.0",
    summary: "Tells the Unix time in seconds at which a key expires.",
    inMs: false,
    absolute: true,
  }),
  ttlCommand({
    name: "pexpiretime",
    since: "7.0.0",
    summary: "Tells the Unix time in milliseconds at which a key expires.",
    inMs: true,
    absolute: true,
  }),
  defineCommand({
    name: "persist",
    arity: 2,
    flags: ["write", "fast"],
    acl: ["keyspace"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "update"] }],
    group: "generic",
    since: "2.2.0",
    summary: "Drops a key's time to live so it never expires.",
    complexity: "O(1)",
    args: [{ name: "key", type: "key", keySpecIndex: 0 }],
    run(client, argv) {
      const db = client.db;
      if (db.get(argv[1]) !== undefined && db.persist(argv[1])) {
        client.server.stats.dirty++;
        notifyKeyspaceEvent(client, "g", "persist", argv[1]);
        client.reply.integer(1);
      } else {
        client.reply.integer(0);
      }
    },
  }),
];
