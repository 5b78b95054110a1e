/**
 * Sorted set commands: ZADD, ZRANGE and its older forms, ZPOP and the blocking pops, ZRANDMEMBER,
 * the set operations (ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD) and ZSCAN —
 * with Redis 7.0's replies, errors and argument-check order.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { formatDouble as formatScore } from "../resp/number_format.ts";
import { globMatch } from "../store/glob.ts";
import type { Value } from "../store/values.ts";
import {
  lexAboveMin,
  lexBelowMax,
  type LexRange,
  scoreAboveMin,
  scoreBelowMax,
  type ScoreRange,
  SortedSet,
  type ZNode,
} from "../store/zset.ts";
import { integerArg, isKeyword, parseDouble, parseInt64, parseStrictDouble } from "./args.ts";
import type { Client } from "./client.ts";
import { NOT_FLOAT, NOT_INTEGER, ReplyError, SYNTAX_ERROR, WRONGTYPE } from "./errors.ts";
import { parseCursor } from "./keys.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { propagateServed } from "./propagation.ts";
import { type ArgSpec, type CommandSpec, defineCommand, type KeyPositions } from "./types.ts";
import { timeoutDeadline } from "./blocking.ts";

const NAN_SCORE = "ERR resulting score is not a number (NaN)";
const SCORE_RANGE = "ERR min or max is not a float";
const LEX_RANGE = "ERR min or max not valid string range item";
const NOT_POSITIVE = "ERR value is out of range, must be positive";
const INVALID_CURSOR = "ERR invalid cursor";
const LONG_MAX = 9223372036854775807n;

type Where = "min" | "max";

/** A sorted set to read: undefined when missing, WRONGTYPE when another type. */
function readZset(client: Client, key: string): SortedSet | undefined {
  return asZset(client.db.read(key));
}

/** Like `readZset`, looked up as a write (no hit/miss counting, as Redis's lookupKeyWrite). */
function writeZset(client: Client, key: string): SortedSet | undefined {
  return asZset(client.db.get(key));
}

function asZset(value: Value | undefined): SortedSet | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof SortedSet)) throw new ReplyError(WRONGTYPE);
  return value;
}

/** A signed 64-bit argument Redis reads as a `long`, as a number (may round past 2^53). */
function longArg(text: string, error?: string): number {
  return integerArg(text, error);
}

/** `(n)` exclusive or plain inclusive score bound, with `strtod`'s leniency (see below). */
function scoreBound(text: string): [number, boolean] | null {
  const exclusive = text.charCodeAt(0) === 40; // (
  const number = exclusive ? text.slice(1) : text;
  // Redis runs strtod over the whole text: an empty text reads as 0, leading blanks are skipped.
  if (number.length === 0) return [0, exclusive];
  const trimmed = number.replace(/^[ \t\n\v\f\r]+/, "");
  if (trimmed.length === 0) return null;
  const value = parseDouble(trimmed);
  return value === null ? null : [value, exclusive];
}

function scoreRange(minText: string, maxText: string): ScoreRange {
  const min = scoreBound(minText);
  const max = scoreBound(maxText);
  if (min === null || max === null) throw new ReplyError(SCORE_RANGE);
  return { min: min[0], minExclusive: min[1], max: max[0], maxExclusive: max[1] };
}

function lexBound(text: string): [string, boolean, LexRange["minKind"]] | null {
  const first = text.charCodeAt(0);
  if (text.length === 1 && first === 43) return ["", true, "pos"]; // +
  if (text.length === 1 && first === 45) return ["", true, "neg"]; // -
  if (first === 40) return [text.slice(1), true, "value"]; // (
  if (first === 91) return [text.slice(1), false, "value"]; // [
  return null;
}

function lexRange(minText: string, maxText: string): LexRange {
  const min = lexBound(minText);
  const max = lexBound(maxText);
  if (min === null || max === null) throw new ReplyError(LEX_RANGE);
  return {
    min: min[0],
    minExclusive: min[1],
    minKind: min[2],
    max: max[0],
    maxExclusive: max[1],
    maxKind: max[2],
  };
}

/** Writes members, with scores as RESP2 flat pairs or RESP3 [member, score] arrays. */
function replyNodes(client: Client, nodes: readonly ZNode[], withScores: boolean): void {
  const reply = client.reply;
  if (!withScores) {
    reply.arrayHeader(nodes.length);
    for (const node of nodes) reply.bulk(node.member);
    return;
  }
  const nested = client.resp === 3;
  reply.arrayHeader(nested ? nodes.length : nodes.length * 2);
  for (const node of nodes) {
    if (nested) reply.arrayHeader(2);
    reply.bulk(node.member);
    reply.double(node.score);
  }
}

/** A set being built by a command: unencoded until `storeResult` settles it, so -0 stays. */
function resultSet(): SortedSet {
  const result = new SortedSet();
  result.compact = false;
  return result;
}

/** Deletes the key when its sorted set became empty (announcing `del` when `notify`). */
function dropIfEmpty(client: Client, key: string, zset: SortedSet, notify = true): void {
  if (zset.size !== 0) return;
  client.db.delete(key);
  if (notify) notifyKeyspaceEvent(client, "g", "del", key);
}

/** The events of the commands that store a computed sorted set. */
type StoreEvent = "zunionstore" | "zinterstore" | "zdiffstore" | "zrangestore";

/**
 * Stores a freshly built set at `key` (or deletes `key` when empty), announces `event` (or
 * `del`) and replies its size.
 */
function storeResult(client: Client, key: string, result: SortedSet, event: StoreEvent): void {
  if (result.size > 0) {
    result.settleEncoding(client.server.keyspace.limits);
    client.db.set(key, result);
    notifyKeyspaceEvent(client, "z", event, key);
    client.server.stats.dirty++;
  } else if (client.db.delete(key)) {
    notifyKeyspaceEvent(client, "g", "del", key);
    client.server.stats.dirty++;
  }
  client.reply.integer(result.size);
}

// ---------------------------------------------------------------------------------------------
// ZADD, ZINCRBY

interface ZaddFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

function zadd(client: Client, argv: Argv, incrOnly: boolean): void {
  const flags: ZaddFlags = {
    nx: false,
    xx: false,
    gt: false,
    lt: false,
    ch: false,
    incr: incrOnly,
  };
  let i = 2;
  for (; !incrOnly && i < argv.length; i++) {
    const word = argv[i].toLowerCase();
    if (word === "nx") flags.nx = true;
    else if (word === "xx") flags.xx = true;
    else if (word === "gt") flags.gt = true;
    else if (word === "lt") flags.lt = true;
    else if (word === "ch") flags.ch = true;
    else if (word === "incr") flags.incr = true;
    else break;
  }
  const pairs = argv.length - i;
  if (pairs === 0 || pairs % 2 !== 0) throw new ReplyError(SYNTAX_ERROR);
  if (flags.nx && flags.xx) {
    throw new ReplyError("ERR XX and NX options at the same time are not compatible");
  }
  if ((flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt)) {
    throw new ReplyError("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (flags.incr && pairs > 2) {
    throw new ReplyError("ERR INCR option supports a single increment-element pair");
  }
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 2) {
    const score = parseStrictDouble(argv[j]);
    if (score === null) throw new ReplyError(NOT_FLOAT);
    scores.push(score);
  }
  const key = argv[1];
  const limits = client.server.keyspace.limits;
  let zset = writeZset(client, key);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let result = 0;
  if (zset === undefined && !flags.xx) {
    zset = new SortedSet();
    client.db.set(key, zset);
  }
  try {
    for (let k = 0; zset !== undefined && k < scores.length; k++) {
      const member = argv[i + 2 * k + 1];
      let score = scores[k];
      const current = zset.score(member);
      if (current !== undefined) {
        if (flags.nx) continue;
        if (flags.incr) {
          score += current;
          if (Number.isNaN(score)) throw new ReplyError(NAN_SCORE);
        }
        if ((flags.lt && score >= current) || (flags.gt && score <= current)) continue;
        if (score !== current) {
          zset.add(member, score);
          updated++;
        }
      } else {
        if (flags.xx) continue;
        zset.makeRoomFor(limits, member);
        zset.add(member, score);
        added++;
      }
      result = score;
      processed++;
    }
  } finally {
    // Never empty in practice: a new key always gets its member. Redis announces no `del`.
    if (zset !== undefined) dropIfEmpty(client, key, zset, false);
    if (added + updated > 0) notifyKeyspaceEvent(client, "z", flags.incr ? "zincr" : "zadd", key);
    client.server.stats.dirty += added + updated;
  }
  if (flags.incr) {
    if (processed > 0) client.reply.double(result);
    else client.reply.nullBulk();
  } else {
    client.reply.integer(flags.ch ? added + updated : added);
  }
}

// ---------------------------------------------------------------------------------------------
// Ranges

type RangeKind = "rank" | "score" | "lex";

interface RangeQuery {
  kind: RangeKind;
  reverse: boolean;
  start: number;
  stop: number;
  score?: ScoreRange;
  lex?: LexRange;
  offset: number;
  /** -1: no limit. */
  limit: number;
}

/** The nodes a range query selects, in reply order. */
function selectRange(zset: SortedSet, query: RangeQuery): ZNode[] {
  const nodes: ZNode[] = [];
  if (query.kind === "rank") {
    const length = zset.size;
    let start = query.start;
    let end = query.stop;
    if (start < 0) start += length;
    if (end < 0) end += length;
    if (start < 0) start = 0;
    if (start > end || start >= length) return nodes;
    if (end >= length) end = length - 1;
    const count = end - start + 1;
    let node = query.reverse ? zset.nodeAt(length - 1 - start) : zset.nodeAt(start);
    for (let i = 0; i < count && node !== null; i++) {
      nodes.push(node);
      node = query.reverse ? node.backward : node.next;
    }
    return nodes;
  }
  let offset = query.offset;
  let limit = query.limit;
  if (offset < 0) return nodes;
  let inRange: (node: ZNode) => boolean;
  let found: [ZNode, number] | null;
  if (query.kind === "score") {
    const range = query.score!;
    found = query.reverse ? zset.lastInScoreRange(range) : zset.firstInScoreRange(range);
    inRange = query.reverse
      ? (node) => scoreAboveMin(node.score, range)
      : (node) => scoreBelowMax(node.score, range);
  } else {
    const range = query.lex!;
    found = query.reverse ? zset.lastInLexRange(range) : zset.firstInLexRange(range);
    inRange = query.reverse
      ? (node) => lexAboveMin(node.member, range)
      : (node) => lexBelowMax(node.member, range);
  }
  if (found === null) return nodes;
  let [node, rank] = found as [ZNode | null, number];
  if (offset > 0) {
    // Skip by rank rather than one by one.
    rank = query.reverse ? rank - offset : rank + offset;
    node = rank >= 0 && rank < zset.size ? zset.nodeAt(rank) : null;
    offset = 0;
  }
  while (node !== null && limit !== 0 && inRange(node)) {
    nodes.push(node);
    limit--;
    node = query.reverse ? node.backward : node.next;
  }
  return nodes;
}

/**
 * The ZRANGE family. `keyIndex` is where the source key is (2 for ZRANGESTORE); `kind` and
 * `reverse` are fixed by the older commands and left to the options (undefined) by ZRANGE.
 */
function zrange(
  client: Client,
  argv: Argv,
  keyIndex: number,
  store: boolean,
  fixedKind: RangeKind | undefined,
  fixedReverse: boolean | undefined,
): void {
  let kind = fixedKind;
  let reverse = fixedReverse;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = keyIndex + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const word = argv[j].toLowerCase();
    if (word === "withscores" && !store) withScores = true;
    else if (word === "limit" && left >= 2) {
      offset = longArg(argv[j + 1]);
      limit = longArg(argv[j + 2]);
      j += 2;
    } else if (reverse === undefined && word === "rev") reverse = true;
    else if (kind === undefined && word === "bylex") kind = "lex";
    else if (kind === undefined && word === "byscore") kind = "score";
    else throw new ReplyError(SYNTAX_ERROR);
  }
  reverse ??= false;
  kind ??= "rank";
  if (limit !== -1 && kind === "rank") {
    throw new ReplyError(
      "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
    );
  }
  if (withScores && kind === "lex") {
    throw new ReplyError("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  let minText = argv[keyIndex + 1];
  let maxText = argv[keyIndex + 2];
  // BYSCORE and BYLEX with REV take the range as max, min.
  if (reverse && kind !== "rank") [minText, maxText] = [maxText, minText];
  const query: RangeQuery = { kind, reverse, start: 0, stop: 0, offset, limit };
  if (kind === "rank") {
    query.start = longArg(minText);
    query.stop = longArg(maxText);
  } else if (kind === "score") {
    query.score = scoreRange(minText, maxText);
  } else {
    query.lex = lexRange(minText, maxText);
  }
  const zset = readZset(client, argv[keyIndex]);
  const nodes = zset === undefined ? [] : selectRange(zset, query);
  if (!store) {
    replyNodes(client, nodes, withScores);
    return;
  }
  const result = resultSet();
  for (const node of nodes) result.add(node.member, node.score);
  storeResult(client, argv[1], result, "zrangestore");
}

/** ZREMRANGEBYRANK / BYSCORE / BYLEX. */
function zremrange(client: Client, argv: Argv, kind: RangeKind): void {
  const query: RangeQuery = { kind, reverse: false, start: 0, stop: 0, offset: 0, limit: -1 };
  if (kind === "rank") {
    query.start = longArg(argv[2]);
    query.stop = longArg(argv[3]);
  } else if (kind === "score") {
    query.score = scoreRange(argv[2], argv[3]);
  } else {
    query.lex = lexRange(argv[2], argv[3]);
  }
  const key = argv[1];
  const zset = writeZset(client, key);
  if (zset === undefined) {
    client.reply.integer(0);
    return;
  }
  const nodes = selectRange(zset, query);
  for (const node of nodes) zset.remove(node.member);
  if (nodes.length > 0) {
    const event = kind === "rank"
      ? "zremrangebyrank"
      : kind === "score"
      ? "zremrangebyscore"
      : "zremrangebylex";
    notifyKeyspaceEvent(client, "z", event, key);
    dropIfEmpty(client, key, zset);
  }
  client.server.stats.dirty += nodes.length;
  client.reply.integer(nodes.length);
}

// ---------------------------------------------------------------------------------------------
// Pops

/** How a pop replies: ZPOPMIN's flat/nested pairs, BZPOPMIN's [key, m, s], ZMPOP's nesting. */
type PopShape = "plain" | "nested" | "keyed" | "mpop";

/** Pops up to `count` members from one non-empty set and writes the reply. */
function popFrom(
  client: Client,
  key: string,
  zset: SortedSet,
  where: Where,
  count: number,
  shape: PopShape,
  waited = false,
): void {
  const popped = Math.min(count, zset.size);
  const reply = client.reply;
  const nested = shape === "mpop" || shape === "nested";
  if (shape === "plain") reply.arrayHeader(popped * 2);
  else if (shape === "nested") reply.arrayHeader(popped);
  else if (shape === "keyed") {
    reply.arrayHeader(popped * 2 + 1);
    reply.bulk(key);
  } else {
    reply.arrayHeader(2);
    reply.bulk(key);
    reply.arrayHeader(popped);
  }
  for (let i = 0; i < popped; i++) {
    const node = where === "min" ? zset.first()! : zset.last()!;
    zset.remove(node.member);
    if (nested) reply.arrayHeader(2);
    reply.bulk(node.member);
    reply.double(node.score);
  }
  if (popped > 0) notifyKeyspaceEvent(client, "z", where === "min" ? "zpopmin" : "zpopmax", key);
  dropIfEmpty(client, key, zset);
  client.server.stats.dirty += popped;
  // The blocking and multi-key pops reach the AOF and replicas as ZPOPMIN/ZPOPMAX, as in Redis.
  if ((shape === "keyed" || shape === "mpop") && client.server.propagation.active) {
    const name = where === "min" ? "ZPOPMIN" : "ZPOPMAX";
    const argv = shape === "keyed" ? [name, key] : [name, key, String(popped)];
    propagateServed(client, client.db.id, waited, argv);
  }
}

/**
 * Pops from the first existing key among `keys` (WRONGTYPE stops the search); replies with an
 * empty array, or a null one for ZMPOP, when none exists.
 */
function pop(client: Client, keys: string[], where: Where, count: number, shape: PopShape): void {
  for (const key of keys) {
    const zset = writeZset(client, key);
    if (zset === undefined) continue;
    popFrom(client, key, zset, where, count, shape);
    return;
  }
  if (shape === "mpop") client.reply.nullArray();
  else client.reply.arrayHeader(0);
}

function zpop(client: Client, argv: Argv, where: Where): void {
  if (argv.length > 3) throw new ReplyError(SYNTAX_ERROR);
  let count = 1;
  if (argv.length === 3) {
    count = longArg(argv[2], NOT_POSITIVE);
    if (count < 0) throw new ReplyError(NOT_POSITIVE);
  }
  // RESP3 nests pairs only when a count was given.
  pop(client, [argv[1]], where, count, argv.length === 3 && client.resp === 3 ? "nested" : "plain");
}

function blockingPop(
  client: Client,
  keys: string[],
  where: Where,
  count: number,
  shape: PopShape,
  timeoutText: string,
): void {
  const deadline = timeoutDeadline(client, timeoutText);
  for (const key of keys) {
    const zset = writeZset(client, key);
    if (zset === undefined || zset.size === 0) continue;
    popFrom(client, key, zset, where, count, shape);
    return;
  }
  client.server.blocking.block(client, {
    keys,
    deadline,
    tryServe() {
      for (const key of keys) {
        const value = client.db.get(key);
        if (!(value instanceof SortedSet) || value.size === 0) continue;
        popFrom(client, key, value, where, count, shape, true);
        return true;
      }
      return false;
    },
    onTimeout: () => client.reply.nullArray(),
  });
}

/** ZMPOP and BZMPOP: numkeys at `numkeysIndex`, then keys, MIN|MAX, [COUNT n]. */
function zmpop(client: Client, argv: Argv, numkeysIndex: number, blocking: boolean): void {
  const numkeys = longArg(argv[numkeysIndex], "ERR numkeys should be greater than 0");
  if (numkeys < 1) throw new ReplyError("ERR numkeys should be greater than 0");
  const whereIndex = numkeysIndex + numkeys + 1;
  if (whereIndex >= argv.length) throw new ReplyError(SYNTAX_ERROR);
  let where: Where;
  if (isKeyword(argv[whereIndex], "min")) where = "min";
  else if (isKeyword(argv[whereIndex], "max")) where = "max";
  else throw new ReplyError(SYNTAX_ERROR);
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && isKeyword(argv[j], "count") && j + 1 < argv.length) {
      count = longArg(argv[++j], "ERR count should be greater than 0");
      if (count < 1) throw new ReplyError("ERR count should be greater than 0");
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIndex + 1, whereIndex);
  if (blocking) blockingPop(client, keys, where, count, "mpop", argv[1]);
  else pop(client, keys, where, count, "mpop");
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

function zrandmember(client: Client, argv: Argv): void {
  if (argv.length < 3) {
    const zset = readZset(client, argv[1]);
    if (zset === undefined) client.reply.nullBulk();
    else client.reply.bulk(zset.nodeAt(Math.floor(Math.random() * zset.size))!.member);
    return;
  }
  const parsed = parseInt64(argv[2]);
  if (parsed === null) throw new ReplyError(NOT_INTEGER);
  if (BigInt(parsed) < -LONG_MAX) {
    throw new ReplyError(
      "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
    );
  }
  let withScores = false;
  if (argv.length > 4 || (argv.length === 4 && !isKeyword(argv[3], "withscores"))) {
    throw new ReplyError(SYNTAX_ERROR);
  }
  if (argv.length === 4) {
    withScores = true;
    const half = LONG_MAX / 2n;
    if (BigInt(parsed) < -half || BigInt(parsed) > half) {
      throw new ReplyError("ERR value is out of range");
    }
  }
  const zset = readZset(client, argv[1]);
  if (zset === undefined) {
    client.reply.arrayHeader(0);
    return;
  }
  const size = zset.size;
  const unique = parsed >= 0;
  const wanted = unique ? parsed : -parsed;
  if (wanted === 0 || wanted === 0n) {
    client.reply.arrayHeader(0);
    return;
  }
  const random = () => zset.nodeAt(Math.floor(Math.random() * size))!;
  let nodes: ZNode[];
  if (!unique || wanted === 1) {
    // Repeats allowed: the reply is as long as asked, however long that is.
    const count = Number(wanted);
    nodes = new Array(count);
    for (let i = 0; i < count; i++) nodes[i] = random();
  } else if (wanted >= size) {
    // The whole set, highest first, as Redis 7.0 lists it.
    nodes = [];
    for (let node = zset.last(); node !== null; node = node.backward) nodes.push(node);
  } else {
    const count = Number(wanted);
    const picked = new Set<number>();
    if (count * 3 > size) {
      // Many wanted: shuffle a prefix of all ranks.
      const ranks = Array.from({ length: size }, (_, i) => i);
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (size - i));
        [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
        picked.add(ranks[i]);
      }
    } else {
      while (picked.size < count) picked.add(Math.floor(Math.random() * size));
    }
    nodes = [...picked].map((rank) => zset.nodeAt(rank)!);
  }
  replyNodes(client, nodes, withScores);
}

// ---------------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD

type SetOp = "union" | "inter" | "diff";
type Aggregate = "sum" | "min" | "max";

/** One input of a set operation: a sorted set, a set (every score 1), or nothing. */
interface Source {
  /** Members and scores in ascending order (for a set: its order, all 1). */
  entries: () => Iterable<[string, number]>;
  score: (member: string) => number | undefined;
  size: number;
  weight: number;
}

/** What a plain set (src/store/set.ts) offers us: its members. */
interface SetLike {
  readonly type: "set";
  elements(): Iterable<string>;
}

function sourceOf(value: Value | undefined): Source {
  if (value === undefined) {
    return { entries: () => [], score: () => undefined, size: 0, weight: 1 };
  }
  if (value instanceof SortedSet) {
    return {
      *entries() {
        for (let node = value.first(); node !== null; node = node.next) {
          yield [node.member, node.score];
        }
      },
      score: (member) => value.score(member),
      size: value.size,
      weight: 1,
    };
  }
  if (typeof value !== "string" && value.type === "set" && "elements" in value) {
    const members = new Set((value as unknown as SetLike).elements());
    return {
      *entries() {
        for (const member of members) yield [member, 1];
      },
      score: (member) => members.has(member) ? 1 : undefined,
      size: members.size,
      weight: 1,
    };
  }
  throw new ReplyError(WRONGTYPE);
}

function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === "sum") {
    const sum = target + value;
    // inf + -inf: Redis's convention is 0.
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === "min") return value < target ? value : target;
  return value > target ? value : target;
}

/**
 * Parses and runs a set operation. `numkeysIndex` is where numkeys is; `store` is the
 * destination key for the STORE forms; `cardOnly` is ZINTERCARD.
 */
function setOperation(
  client: Client,
  argv: Argv,
  numkeysIndex: number,
  op: SetOp,
  store: string | null,
  cardOnly: boolean,
): void {
  const numkeys = longArg(argv[numkeysIndex]);
  if (numkeys < 1) {
    throw new ReplyError(
      `ERR at least 1 input key is needed for '${client.lastCommand}' command`,
    );
  }
  if (numkeys > argv.length - numkeysIndex - 1) throw new ReplyError(SYNTAX_ERROR);
  const sources: Source[] = [];
  let j = numkeysIndex + 1;
  for (let i = 0; i < numkeys; i++, j++) {
    const key = argv[j];
    sources.push(sourceOf(client.db.read(key)));
  }
  let how: Aggregate = "sum";
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const word = argv[j].toLowerCase();
    if (op !== "diff" && !cardOnly && remaining >= numkeys + 1 && word === "weights") {
      j++;
      for (let i = 0; i < numkeys; i++, j++) {
        const weight = parseStrictDouble(argv[j]);
        if (weight === null) throw new ReplyError("ERR weight value is not a float");
        sources[i].weight = weight;
      }
    } else if (op !== "diff" && !cardOnly && remaining >= 2 && word === "aggregate") {
      const kind = argv[j + 1].toLowerCase();
      if (kind !== "sum" && kind !== "min" && kind !== "max") throw new ReplyError(SYNTAX_ERROR);
      how = kind;
      j += 2;
    } else if (store === null && !cardOnly && word === "withscores") {
      withScores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && word === "limit") {
      limit = longArg(argv[j + 1], "ERR LIMIT can't be negative");
      if (limit < 0) throw new ReplyError("ERR LIMIT can't be negative");
      j += 2;
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  if (op !== "diff") {
    // Smallest first, as Redis orders inputs (a stable sort, as glibc's qsort here).
    sources.sort((a, b) => a.size - b.size);
  }
  const result = resultSet();
  let cardinality = 0;
  if (op === "union") {
    const scores = new Map<string, number>();
    for (const source of sources) {
      for (const [member, raw] of source.entries()) {
        let score = source.weight * raw;
        if (Number.isNaN(score)) score = 0;
        const existing = scores.get(member);
        scores.set(member, existing === undefined ? score : aggregate(existing, score, how));
      }
    }
    for (const [member, score] of scores) result.add(member, score);
  } else if (op === "inter") {
    const [first, ...others] = sources;
    if (first.size > 0) {
      for (const [member, raw] of first.entries()) {
        let score = first.weight * raw;
        if (Number.isNaN(score)) score = 0;
        let everywhere = true;
        for (const other of others) {
          const value = other.score(member);
          if (value === undefined) {
            everywhere = false;
            break;
          }
          score = aggregate(score, value * other.weight, how);
        }
        if (!everywhere) continue;
        if (cardOnly) {
          cardinality++;
          if (limit > 0 && cardinality >= limit) break;
        } else {
          result.add(member, score);
        }
      }
    }
  } else {
    const [first, ...others] = sources;
    for (const [member, score] of first.entries()) {
      if (others.every((other) => other.score(member) === undefined)) result.add(member, score);
    }
  }
  if (cardOnly) client.reply.integer(cardinality);
  else if (store !== null) {
    const event = op === "union" ? "zunionstore" : op === "inter" ? "zinterstore" : "zdiffstore";
    storeResult(client, store, result, event);
  } else {
    const nodes: ZNode[] = [];
    for (let node = result.first(); node !== null; node = node.next) nodes.push(node);
    replyNodes(client, nodes, withScores);
  }
}

/** Keys of ZUNION-like commands: numkeys at `numkeysIndex`, keys after it, plus `extra`. */
function numkeysKeys(numkeysIndex: number, extra: number[] = []): (argv: Argv) => number[] {
  return (argv) => {
    const count = Number(argv[numkeysIndex]);
    if (!Number.isInteger(count) || count < 1 || count > argv.length - numkeysIndex - 1) {
      return [];
    }
    const keys = [...extra];
    for (let i = 0; i < count; i++) keys.push(numkeysIndex + 1 + i);
    return keys;
  };
}

// ---------------------------------------------------------------------------------------------
// ZSCAN

/** A score as a listpack stores it: integral values within int64 as integers. */
function listpackScore(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) < 2 ** 63) return BigInt(score).toString();
  return formatScore(score);
}

function zscan(client: Client, argv: Argv): void {
  const cursor = parseCursor(argv[2]);
  if (cursor === null) throw new ReplyError(INVALID_CURSOR);
  const zset = readZset(client, argv[1]);
  if (zset === undefined) {
    client.reply.arrayHeader(2);
    client.reply.bulk("0");
    client.reply.arrayHeader(0);
    return;
  }
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length;
    if (isKeyword(argv[i], "count") && hasValue) {
      count = longArg(argv[i + 1]);
      if (count < 1) throw new ReplyError(SYNTAX_ERROR);
    } else if (isKeyword(argv[i], "match") && hasValue) {
      pattern = argv[i + 1] === "*" ? null : argv[i + 1];
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  const found: string[] = [];
  // A listpack holds integral scores as integers; a skiplist's are printed with %.17Lg.
  const format = zset.compact ? listpackScore : formatScore;
  const visit = (member: string, score: number) => {
    if (pattern !== null && !globMatch(pattern, member)) return;
    found.push(member, format(score));
  };
  let next = 0n;
  if (zset.compact) {
    // A listpack is scanned whole in one call, in order, as Redis does.
    for (let node = zset.first(); node !== null; node = node.next) {
      visit(node.member, node.score);
    }
  } else {
    next = zset.scan(cursor, count, visit);
  }
  client.reply.arrayHeader(2);
  client.reply.bulk(String(next));
  client.reply.bulkArray(found);
}

function rank(client: Client, argv: Argv, reverse: boolean): void {
  const zset = readZset(client, argv[1]);
  const position = zset?.rank(argv[2]) ?? -1;
  if (position < 0) client.reply.nullBulk();
  else client.reply.integer(reverse ? zset!.size - 1 - position : position);
}

/** The numkeys-counted input keys of ZUNION, ZINTER and ZDIFF (numkeys at argv[1]). */
const INPUT_KEYS_AT_1: KeyPositions = {
  first: 1,
  last: 0,
  step: 1,
  flags: ["RO", "access"],
  keynum: { keyNumIdx: 0, firstKey: 1, keyStep: 1 },
};
/** The same for the *STORE forms, whose numkeys follows the destination. */
const INPUT_KEYS_AT_2: KeyPositions = { ...INPUT_KEYS_AT_1, first: 2 };
/** The destination of ZUNIONSTORE, ZINTERSTORE and ZDIFFSTORE. */
const STORE_DESTINATION: KeyPositions = { first: 1, last: 1, step: 1, flags: ["OW", "update"] };
/** WEIGHTS and AGGREGATE, as ZUNION, ZINTER and their STORE forms take them. */
const WEIGHTS_AND_AGGREGATE: ArgSpec[] = [
  { name: "weight", type: "integer", token: "WEIGHTS", optional: true, multiple: true },
  {
    name: "aggregate",
    type: "oneof",
    token: "AGGREGATE",
    optional: true,
    args: [
      { name: "sum", type: "pure-token", token: "SUM" },
      { name: "min", type: "pure-token", token: "MIN" },
      { name: "max", type: "pure-token", token: "MAX" },
    ],
  },
];

export const sortedSetCommands: CommandSpec[] = [
  defineCommand({
    name: "zadd",
    arity: -4,
    flags: ["write", "denyoom", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "update"] }],
    group: "sorted-set",
    since: "1.2.0",
    summary:
      "Adds members with scores to a sorted set, or changes the scores of members already there.",
    complexity: "O(log N) per member added, N being the set's size.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      {
        name: "condition",
        type: "oneof",
        since: "3.0.2",
        optional: true,
        args: [
          { name: "nx", type: "pure-token", token: "NX" },
          { name: "xx", type: "pure-token", token: "XX" },
        ],
      },
      {
        name: "comparison",
        type: "oneof",
        since: "6.2.0",
        optional: true,
        args: [
          { name: "gt", type: "pure-token", token: "GT" },
          { name: "lt", type: "pure-token", token: "LT" },
        ],
      },
      { name: "change", type: "pure-token", token: "CH", since: "3.0.2", optional: true },
      { name: "increment", type: "pure-token", token: "INCR", since: "3.0.2", optional: true },
      {
        name: "score_member",
        type: "block",
        multiple: true,
        args: [
          { name: "score", type: "double" },
          { name: "member", type: "string" },
        ],
      },
    ],
    history: [["2.4.0", "Takes several members."], [
      "3.0.2",
      "Options `XX`, `NX`, `CH` and `INCR`.",
    ], ["6.2.0", "Options `GT` and `LT`."]],
    run: (client, argv) => zadd(client, argv, false),
  }),
  defineCommand({
    name: "zincrby",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "update"] }],
    group: "sorted-set",
    since: "1.2.0",
    summary: "Adds an increment to a member's score, adding the member if missing.",
    complexity: "O(log N) in the set's size.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "increment", type: "integer" },
      { name: "member", type: "string" },
    ],
    run: (client, argv) => zadd(client, argv, true),
  }),
  defineCommand({
    name: "zrem",
    arity: -3,
    flags: ["write", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "delete"] }],
    group: "sorted-set",
    since: "1.2.0",
    summary: "Removes members from a sorted set; drops the key once it is empty.",
    complexity: "O(M log N) for M members removed from a set of N.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "member", type: "string", multiple: true },
    ],
    history: [["2.4.0", "Takes several members."]],
    run: (client, argv) => {
      const key = argv[1];
      const zset = writeZset(client, key);
      let removed = 0;
      if (zset !== undefined) {
        for (let i = 2; i < argv.length; i++) if (zset.remove(argv[i])) removed++;
        if (removed > 0) {
          notifyKeyspaceEvent(client, "z", "zrem", key);
          dropIfEmpty(client, key, zset);
        }
      }
      client.server.stats.dirty += removed;
      client.reply.integer(removed);
    },
  }),
  defineCommand({
    name: "zcard",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO"] }],
    group: "sorted-set",
    since: "1.2.0",
    summary: "Counts the members of a sorted set.",
    complexity: "O(1)",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
    ],
    run: (client, argv) => client.reply.integer(readZset(client, argv[1])?.size ?? 0),
  }),
  defineCommand({
    name: "zcount",
    arity: 4,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "2.0.0",
    summary: "Counts the members whose scores lie in a range.",
    complexity: "O(log N) in the set's size.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "min", type: "double" },
      { name: "max", type: "double" },
    ],
    run: (client, argv) => {
      const range = scoreRange(argv[2], argv[3]);
      client.reply.integer(readZset(client, argv[1])?.countInScoreRange(range) ?? 0);
    },
  }),
  defineCommand({
    name: "zlexcount",
    arity: 4,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "2.8.9",
    summary: "Counts the members in a lexicographical range (all scores equal).",
    complexity: "O(log N) in the set's size.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "min", type: "string" },
      { name: "max", type: "string" },
    ],
    run: (client, argv) => {
      const range = lexRange(argv[2], argv[3]);
      client.reply.integer(readZset(client, argv[1])?.countInLexRange(range) ?? 0);
    },
  }),
  defineCommand({
    name: "zscore",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "1.2.0",
    summary: "Gets a member's score.",
    complexity: "O(1)",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "member", type: "string" },
    ],
    run: (client, argv) => {
      const score = readZset(client, argv[1])?.score(argv[2]);
      if (score === undefined) client.reply.nullBulk();
      else client.reply.double(score);
    },
  }),
  defineCommand({
    name: "zmscore",
    arity: -3,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "6.2.0",
    summary: "Gets the scores of several members.",
    complexity: "O(N) for N members asked.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "member", type: "string", multiple: true },
    ],
    run: (client, argv) => {
      const zset = readZset(client, argv[1]);
      client.reply.arrayHeader(argv.length - 2);
      for (let i = 2; i < argv.length; i++) {
        const score = zset?.score(argv[i]);
        if (score === undefined) client.reply.nullBulk();
        else client.reply.double(score);
      }
    },
  }),
  defineCommand({
    name: "zrank",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "2.0.0",
    summary: "Tells a member's position, lowest score first.",
    complexity: "O(log N) in the set's size.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "member", type: "string" },
    ],
    run: (client, argv) => rank(client, argv, false),
  }),
  defineCommand({
    name: "zrevrank",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "2.0.0",
    summary: "Tells a member's position, highest score first.",
    complexity: "O(log N) in the set's size.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "member", type: "string" },
    ],
    run: (client, argv) => rank(client, argv, true),
  }),
  defineCommand({
    name: "zrange",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "1.2.0",
    summary: "Lists members by position, score or lexicographical range.",
    complexity: "O(log N + M), M being the members returned.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "start", type: "string" },
      { name: "stop", type: "string" },
      {
        name: "sortby",
        type: "oneof",
        since: "6.2.0",
        optional: true,
        args: [
          { name: "byscore", type: "pure-token", token: "BYSCORE" },
          { name: "bylex", type: "pure-token", token: "BYLEX" },
        ],
      },
      { name: "rev", type: "pure-token", token: "REV", since: "6.2.0", optional: true },
      {
        name: "offset_count",
        type: "block",
        token: "LIMIT",
        since: "6.2.0",
        optional: true,
        args: [
          { name: "offset", type: "integer" },
          { name: "count", type: "integer" },
        ],
      },
      { name: "withscores", type: "pure-token", token: "WITHSCORES", optional: true },
    ],
    history: [["6.2.0", "Adds `REV`, `BYSCORE`, `BYLEX` and `LIMIT`."]],
    run: (client, argv) => zrange(client, argv, 1, false, undefined, undefined),
  }),
  defineCommand({
    name: "zrangestore",
    arity: -5,
    flags: ["write", "denyoom"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["OW", "update"] }, {
      first: 2,
      last: 2,
      step: 1,
      flags: ["RO", "access"],
    }],
    group: "sorted-set",
    since: "6.2.0",
    summary: "Stores a range of a sorted set's members under another key.",
    complexity: "O(log N + M), M being the members stored.",
    args: [
      { name: "dst", type: "key", keySpecIndex: 0 },
      { name: "src", type: "key", keySpecIndex: 1 },
      { name: "min", type: "string" },
      { name: "max", type: "string" },
      {
        name: "sortby",
        type: "oneof",
        optional: true,
        args: [
          { name: "byscore", type: "pure-token", token: "BYSCORE" },
          { name: "bylex", type: "pure-token", token: "BYLEX" },
        ],
      },
      { name: "rev", type: "pure-token", token: "REV", optional: true },
      {
        name: "offset_count",
        type: "block",
        token: "LIMIT",
        optional: true,
        args: [
          { name: "offset", type: "integer" },
          { name: "count", type: "integer" },
        ],
      },
    ],
    run: (client, argv) => zrange(client, argv, 2, true, undefined, undefined),
  }),
  defineCommand({
    name: "zrangebyscore",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "1.0.5",
    summary: "Lists members whose scores lie in a range, lowest first.",
    complexity: "O(log N + M), M being the members returned.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "min", type: "double" },
      { name: "max", type: "double" },
      {
        name: "withscores",
        type: "pure-token",
        token: "WITHSCORES",
        since: "2.0.0",
        optional: true,
      },
      {
        name: "offset_count",
        type: "block",
        token: "LIMIT",
        optional: true,
        args: [
          { name: "offset", type: "integer" },
          { name: "count", type: "integer" },
        ],
      },
    ],
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`ZRANGE` with the `BYSCORE` argument",
    history: [["2.0.0", "Adds `LIMIT`."]],
    run: (client, argv) => zrange(client, argv, 1, false, "score", false),
  }),
  defineCommand({
    name: "zrevrangebyscore",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "2.2.0",
    summary: "Lists members whose scores lie in a range, highest first.",
    complexity: "O(log N + M), M being the members returned.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "max", type: "double" },
      { name: "min", type: "double" },
      { name: "withscores", type: "pure-token", token: "WITHSCORES", optional: true },
      {
        name: "offset_count",
        type: "block",
        token: "LIMIT",
        optional: true,
        args: [
          { name: "offset", type: "integer" },
          { name: "count", type: "integer" },
        ],
      },
    ],
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`ZRANGE` with the `REV` and `BYSCORE` arguments",
    history: [["2.1.6", "`min` and `max` may be exclusive."]],
    run: (client, argv) => zrange(client, argv, 1, false, "score", true),
  }),
  defineCommand({
    name: "zrangebylex",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "2.8.9",
    summary: "Lists members in a lexicographical range.",
    complexity: "O(log N + M), M being the members returned.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "min", type: "string" },
      { name: "max", type: "string" },
      {
        name: "offset_count",
        type: "block",
        token: "LIMIT",
        optional: true,
        args: [
          { name: "offset", type: "integer" },
          { name: "count", type: "integer" },
        ],
      },
    ],
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`ZRANGE` with the `BYLEX` argument",
    run: (client, argv) => zrange(client, argv, 1, false, "lex", false),
  }),
  defineCommand({
    name: "zrevrangebylex",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "2.8.9",
    summary: "Lists members in a lexicographical range, in reverse order.",
    complexity: "O(log N + M), M being the members returned.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "max", type: "string" },
      { name: "min", type: "string" },
      {
        name: "offset_count",
        type: "block",
        token: "LIMIT",
        optional: true,
        args: [
          { name: "offset", type: "integer" },
          { name: "count", type: "integer" },
        ],
      },
    ],
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`ZRANGE` with the `REV` and `BYLEX` arguments",
    run: (client, argv) => zrange(client, argv, 1, false, "lex", true),
  }),
  defineCommand({
    name: "zrevrange",
    arity: -4,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "1.2.0",
    summary: "Lists members by position, highest score first.",
    complexity: "O(log N + M), M being the members returned.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "start", type: "integer" },
      { name: "stop", type: "integer" },
      { name: "withscores", type: "pure-token", token: "WITHSCORES", optional: true },
    ],
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`ZRANGE` with the `REV` argument",
    run: (client, argv) => zrange(client, argv, 1, false, "rank", true),
  }),
  defineCommand({
    name: "zremrangebyrank",
    arity: 4,
    flags: ["write"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "delete"] }],
    group: "sorted-set",
    since: "2.0.0",
    summary: "Removes the members between two positions.",
    complexity: "O(log N + M), M being the members removed.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "start", type: "integer" },
      { name: "stop", type: "integer" },
    ],
    run: (client, argv) => zremrange(client, argv, "rank"),
  }),
  defineCommand({
    name: "zremrangebyscore",
    arity: 4,
    flags: ["write"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "delete"] }],
    group: "sorted-set",
    since: "1.2.0",
    summary: "Removes the members whose scores lie in a range.",
    complexity: "O(log N + M), M being the members removed.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "min", type: "double" },
      { name: "max", type: "double" },
    ],
    run: (client, argv) => zremrange(client, argv, "score"),
  }),
  defineCommand({
    name: "zremrangebylex",
    arity: 4,
    flags: ["write"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "delete"] }],
    group: "sorted-set",
    since: "2.8.9",
    summary: "Removes the members in a lexicographical range.",
    complexity: "O(log N + M), M being the members removed.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "min", type: "string" },
      { name: "max", type: "string" },
    ],
    run: (client, argv) => zremrange(client, argv, "lex"),
  }),
  defineCommand({
    name: "zpopmin",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "delete"] }],
    group: "sorted-set",
    since: "5.0.0",
    summary: "Removes and returns the members with the lowest scores.",
    complexity: "O(M log N), M being the members popped.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "count", type: "integer", optional: true },
    ],
    run: (client, argv) => zpop(client, argv, "min"),
  }),
  defineCommand({
    name: "zpopmax",
    arity: -2,
    flags: ["write", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "delete"] }],
    group: "sorted-set",
    since: "5.0.0",
    summary: "Removes and returns the members with the highest scores.",
    complexity: "O(M log N), M being the members popped.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "count", type: "integer", optional: true },
    ],
    run: (client, argv) => zpop(client, argv, "max"),
  }),
  defineCommand({
    name: "bzpopmin",
    arity: -3,
    flags: ["write", "noscript", "blocking", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: -2, step: 1, flags: ["RW", "access", "delete"] }],
    group: "sorted-set",
    since: "5.0.0",
    summary:
      "Pops the lowest-scored member of the first non-empty sorted set, waiting for one if all are empty.",
    complexity: "O(log N) in the set's size.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0, multiple: true },
      { name: "timeout", type: "double" },
    ],
    history: [["6.0.0", "`timeout` is a double, not only an integer."]],
    run: (client, argv) => {
      blockingPop(client, argv.slice(1, -1), "min", 1, "keyed", argv[argv.length - 1]);
    },
  }),
  defineCommand({
    name: "bzpopmax",
    arity: -3,
    flags: ["write", "noscript", "blocking", "fast"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: -2, step: 1, flags: ["RW", "access", "delete"] }],
    group: "sorted-set",
    since: "5.0.0",
    summary:
      "Pops the highest-scored member of the first non-empty sorted set, waiting for one if all are empty.",
    complexity: "O(log N) in the set's size.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0, multiple: true },
      { name: "timeout", type: "double" },
    ],
    history: [["6.0.0", "`timeout` is a double, not only an integer."]],
    run: (client, argv) => {
      blockingPop(client, argv.slice(1, -1), "max", 1, "keyed", argv[argv.length - 1]);
    },
  }),
  defineCommand({
    name: "zmpop",
    getKeys: numkeysKeys(1),
    arity: -4,
    flags: ["write"],
    acl: ["sortedset"],
    keys: [{
      first: 1,
      last: 0,
      step: 1,
      flags: ["RW", "access", "delete"],
      keynum: { keyNumIdx: 0, firstKey: 1, keyStep: 1 },
    }],
    group: "sorted-set",
    since: "7.0.0",
    summary:
      "Pops members with the lowest or highest scores from the first non-empty of several sorted sets.",
    complexity: "O(K) + O(M log N): K keys looked at, M members popped.",
    args: [
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 0, multiple: true },
      {
        name: "where",
        type: "oneof",
        args: [
          { name: "min", type: "pure-token", token: "MIN" },
          { name: "max", type: "pure-token", token: "MAX" },
        ],
      },
      { name: "count", type: "integer", token: "COUNT", optional: true },
    ],
    run: (client, argv) => zmpop(client, argv, 1, false),
  }),
  defineCommand({
    name: "bzmpop",
    getKeys: numkeysKeys(2),
    arity: -5,
    flags: ["write", "blocking"],
    acl: ["sortedset"],
    keys: [{
      first: 2,
      last: 0,
      step: 1,
      flags: ["RW", "access", "delete"],
      keynum: { keyNumIdx: 0, firstKey: 1, keyStep: 1 },
    }],
    group: "sorted-set",
    since: "7.0.0",
    summary: "Like ZMPOP, but waits for a member when every sorted set is empty.",
    complexity: "O(K) + O(M log N): K keys looked at, M members popped.",
    args: [
      { name: "timeout", type: "double" },
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 0, multiple: true },
      {
        name: "where",
        type: "oneof",
        args: [
          { name: "min", type: "pure-token", token: "MIN" },
          { name: "max", type: "pure-token", token: "MAX" },
        ],
      },
      { name: "count", type: "integer", token: "COUNT", optional: true },
    ],
    run: (client, argv) => zmpop(client, argv, 2, true),
  }),
  defineCommand({
    name: "zrandmember",
    arity: -2,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "6.2.0",
    summary: "Returns random members of a sorted set.",
    complexity: "O(N) in the count asked for; O(1) without a count.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      {
        name: "options",
        type: "block",
        optional: true,
        args: [
          { name: "count", type: "integer" },
          { name: "withscores", type: "pure-token", token: "WITHSCORES", optional: true },
        ],
      },
    ],
    tips: ["nondeterministic_output"],
    run: zrandmember,
  }),
  defineCommand({
    name: "zunion",
    getKeys: numkeysKeys(1),
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [INPUT_KEYS_AT_1],
    group: "sorted-set",
    since: "6.2.0",
    summary: "Returns the union of sorted sets.",
    complexity: "O(N) + O(M log M): N members in all inputs, M in the result.",
    args: [
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 0, multiple: true },
      ...WEIGHTS_AND_AGGREGATE,
      { name: "withscores", type: "pure-token", token: "WITHSCORES", optional: true },
    ],
    run: (client, argv) => setOperation(client, argv, 1, "union", null, false),
  }),
  defineCommand({
    name: "zinter",
    getKeys: numkeysKeys(1),
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [INPUT_KEYS_AT_1],
    group: "sorted-set",
    since: "6.2.0",
    summary: "Returns the intersection of sorted sets.",
    complexity: "O(N*K) + O(M log M): N the smallest input, K inputs, M members in the result.",
    args: [
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 0, multiple: true },
      ...WEIGHTS_AND_AGGREGATE,
      { name: "withscores", type: "pure-token", token: "WITHSCORES", optional: true },
    ],
    run: (client, argv) => setOperation(client, argv, 1, "inter", null, false),
  }),
  defineCommand({
    name: "zdiff",
    getKeys: numkeysKeys(1),
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [INPUT_KEYS_AT_1],
    group: "sorted-set",
    since: "6.2.0",
    summary: "Returns the members of the first sorted set that no other one has.",
    complexity:
      "O(L + (N-K) log N): L elements in all inputs, N and K sizes of the result and the first input.",
    args: [
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 0, multiple: true },
      { name: "withscores", type: "pure-token", token: "WITHSCORES", optional: true },
    ],
    run: (client, argv) => setOperation(client, argv, 1, "diff", null, false),
  }),
  defineCommand({
    name: "zunionstore",
    getKeys: numkeysKeys(2, [1]),
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["sortedset"],
    keys: [STORE_DESTINATION, INPUT_KEYS_AT_2],
    group: "sorted-set",
    since: "2.0.0",
    summary: "Stores the union of sorted sets under a key.",
    complexity: "O(N) + O(M log M): N members in all inputs, M in the result.",
    args: [
      { name: "destination", type: "key", keySpecIndex: 0 },
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 1, multiple: true },
      ...WEIGHTS_AND_AGGREGATE,
    ],
    run: (client, argv) => setOperation(client, argv, 2, "union", argv[1], false),
  }),
  defineCommand({
    name: "zinterstore",
    getKeys: numkeysKeys(2, [1]),
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["sortedset"],
    keys: [STORE_DESTINATION, INPUT_KEYS_AT_2],
    group: "sorted-set",
    since: "2.0.0",
    summary: "Stores the intersection of sorted sets under a key.",
    complexity: "O(N*K) + O(M log M): N the smallest input, K inputs, M members in the result.",
    args: [
      { name: "destination", type: "key", keySpecIndex: 0 },
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 1, multiple: true },
      ...WEIGHTS_AND_AGGREGATE,
    ],
    run: (client, argv) => setOperation(client, argv, 2, "inter", argv[1], false),
  }),
  defineCommand({
    name: "zdiffstore",
    getKeys: numkeysKeys(2, [1]),
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["sortedset"],
    keys: [STORE_DESTINATION, INPUT_KEYS_AT_2],
    group: "sorted-set",
    since: "6.2.0",
    summary: "Stores the members of the first sorted set that no other one has under a key.",
    complexity:
      "O(L + (N-K) log N): L elements in all inputs, N and K sizes of the result and the first input.",
    args: [
      { name: "destination", type: "key", keySpecIndex: 0 },
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 1, multiple: true },
    ],
    run: (client, argv) => setOperation(client, argv, 2, "diff", argv[1], false),
  }),
  defineCommand({
    name: "zintercard",
    getKeys: numkeysKeys(1),
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{
      first: 1,
      last: 0,
      step: 1,
      flags: ["RO", "access"],
      keynum: { keyNumIdx: 0, firstKey: 1, keyStep: 1 },
    }],
    group: "sorted-set",
    since: "7.0.0",
    summary: "Counts the members the sorted sets have in common.",
    complexity: "O(N*K): N the smallest input, K inputs.",
    args: [
      { name: "numkeys", type: "integer" },
      { name: "key", type: "key", keySpecIndex: 0, multiple: true },
      { name: "limit", type: "integer", token: "LIMIT", optional: true },
    ],
    run: (client, argv) => setOperation(client, argv, 1, "inter", null, true),
  }),
  defineCommand({
    name: "zscan",
    arity: -3,
    flags: ["readonly"],
    acl: ["sortedset"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "sorted-set",
    since: "2.8.0",
    summary: "Walks a sorted set's members and scores a few at a time with a cursor.",
    complexity: "O(1) per call; O(N) over a whole iteration back to cursor 0.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "cursor", type: "integer" },
      { name: "pattern", type: "pattern", token: "MATCH", optional: true },
      { name: "count", type: "integer", token: "COUNT", optional: true },
    ],
    tips: ["nondeterministic_output"],
    run: zscan,
  }),
];
