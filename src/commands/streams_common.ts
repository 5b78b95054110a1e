/**
 * What the stream commands share: parsing stream IDs as Redis does (with its quirks), looking a
 * stream up, writing entries, and reading the node size limits from the configuration.
 * @module
 */
import type { Config } from "../config/config.ts";
import type { ReplyWriter } from "../resp/encoder.ts";
import type { Database } from "../store/keyspace.ts";
import {
  Consumer,
  type ConsumerGroup,
  type EntryRef,
  MAX_ID,
  MIN_ID,
  type NodeLimits,
  type StreamId,
  StreamValue,
  toU64,
  type U64,
  U64_MAX,
} from "../store/stream.ts";
import type { Value } from "../store/values.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { ReplyError, WRONGTYPE } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import type { ArgSpec, KeyPositions } from "./types.ts";

export const INVALID_ID = "ERR Invalid stream ID specified as stream command argument";
export const BAD_START = "ERR invalid start ID for the interval";
export const BAD_END = "ERR invalid end ID for the interval";

/** The stream at a key, undefined when there is none; throws WRONGTYPE for another type. */
export function asStream(value: Value | undefined): StreamValue | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof StreamValue)) throw new ReplyError(WRONGTYPE);
  return value;
}

/** Redis's addReplyErrorFormat turns line breaks in a formatted error into spaces. */
export function sanitize(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}

/**
 * An unsigned 64-bit integer as Redis's string2ull reads it: a canonical int64 that is not
 * negative, or else whatever C's strtoull accepts whole — leading blanks, a sign (a minus
 * negates modulo 2^64), leading zeros — as long as it does not overflow.
 */
export function parseU64(text: string): U64 | null {
  const ll = parseInt64(text);
  if (ll !== null) return ll < 0 ? null : typeof ll === "number" ? ll : toU64(ll);
  let i = 0;
  const n = text.length;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  let negative = false;
  if (text[i] === "+" || text[i] === "-") negative = text[i++] === "-";
  const digits = text.slice(i);
  if (digits.length === 0 || !/^[0-9]+$/.test(digits)) return null;
  let value = BigInt(digits);
  if (value > U64_MAX) return null;
  if (negative) value = BigInt.asUintN(64, -value);
  return toU64(value);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** A parsed ID and whether its sequence was given (`ms-*` leaves it to XADD). */
export interface ParsedId {
  id: StreamId;
  seqGiven: boolean;
}

/**
 * Redis's streamGenericParseIDOrReply: `ms-seq`, or `ms` with `missingSeq`; `-` and `+` mean
 * the smallest and largest IDs unless `strict`; `ms-*` only when `allowAutoSeq`. Returns null
 * for an invalid ID.
 */
export function parseId(
  text: string,
  missingSeq: U64,
  strict: boolean,
  allowAutoSeq = false,
): ParsedId | null {
  if (text.length > 127) return null;
  // Redis parses a C string: anything after a NUL byte is not seen.
  const nul = text.indexOf("\0");
  if (nul >= 0) text = text.slice(0, nul);
  if (text === "-" || text === "+") {
    if (strict) return null;
    return { id: text === "-" ? MIN_ID : MAX_ID, seqGiven: true };
  }
  const dash = text.indexOf("-");
  const ms = parseU64(dash < 0 ? text : text.slice(0, dash));
  if (ms === null) return null;
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const rest = text.slice(dash + 1);
  if (allowAutoSeq && rest === "*") return { id: { ms, seq: 0 }, seqGiven: false };
  const seq = parseU64(rest);
  return seq === null ? null : { id: { ms, seq }, seqGiven: true };
}

/** An ID argument (`-` and `+` allowed), throwing Redis's error. */
export function idArg(text: string, missingSeq: U64 = 0): StreamId {
  const parsed = parseId(text, missingSeq, false);
  if (parsed === null) throw new ReplyError(INVALID_ID);
  return parsed.id;
}

/** An ID argument where `-` and `+` are not IDs, throwing Redis's error. */
export function strictIdArg(text: string, missingSeq: U64 = 0): StreamId {
  const parsed = parseId(text, missingSeq, true);
  if (parsed === null) throw new ReplyError(INVALID_ID);
  return parsed.id;
}

/**
 * A range bound (XRANGE, XPENDING, XAUTOCLAIM): `(id` excludes the ID and is strict. Returns
 * the ID and whether it is exclusive.
 */
export function intervalIdArg(
  text: string,
  missingSeq: U64,
): { id: StreamId; exclusive: boolean } {
  const exclusive = text.length > 1 && text[0] === "(";
  const id = exclusive ? strictIdArg(text.slice(1), missingSeq) : idArg(text, missingSeq);
  return { id, exclusive };
}

/** Writes one entry: [id, [field, value, ...]]. */
export function writeEntry(reply: ReplyWriter, ref: EntryRef): void {
  const { node, index } = ref;
  reply.arrayHeader(2);
  reply.bulk(`${node.ms[index]}-${node.seq[index]}`);
  reply.bulkArray(node.fields(index));
}

export function writeEntries(reply: ReplyWriter, refs: readonly EntryRef[]): void {
  reply.arrayHeader(refs.length);
  for (const ref of refs) writeEntry(reply, ref);
}

export function writeId(reply: ReplyWriter, id: StreamId): void {
  reply.bulk(`${id.ms}-${id.seq}`);
}

/** `stream-node-max-entries` and `stream-node-max-bytes`, kept in step with CONFIG SET. */
const limitsByConfig = new WeakMap<Config, NodeLimits>();

export function nodeLimits(client: Client): NodeLimits {
  const config = client.server.config;
  let limits = limitsByConfig.get(config);
  if (limits === undefined) {
    const current: NodeLimits = {
      maxEntries: config.getNumber("stream-node-max-entries"),
      maxBytes: config.getNumber("stream-node-max-bytes"),
    };
    config.onChange("stream-node-max-entries", (value) => current.maxEntries = Number(value));
    config.onChange("stream-node-max-bytes", (value) => current.maxBytes = Number(value));
    limitsByConfig.set(config, current);
    limits = current;
  }
  return limits;
}

/** The server clock, ms: stream IDs, delivery times and seen times all read it. */
export function now(client: Client): number {
  return client.server.keyspace.clock.now();
}

/** The group's consumer by that name, seen now; created (and announced) when missing. */
export function consumerFor(
  client: Client,
  db: Database,
  key: string,
  group: ConsumerGroup,
  name: string,
): Consumer {
  const existing = group.consumers.get(name);
  if (existing !== undefined) {
    existing.seenTime = now(client);
    return existing;
  }
  return createConsumer(client, db, key, group, name);
}

/** Adds a consumer, counting the change and announcing `xgroup-createconsumer`. */
export function createConsumer(
  client: Client,
  db: Database,
  key: string,
  group: ConsumerGroup,
  name: string,
): Consumer {
  const consumer = new Consumer(name, now(client));
  group.consumers.set(name, consumer);
  client.server.stats.dirty++;
  notifyKeyspaceEvent(client, "t", "xgroup-createconsumer", key, db);
  return consumer;
}

// Declaration pieces.

export const KEY: ArgSpec = { name: "key", type: "key", keySpecIndex: 0 };

export function keyAt(
  index: number,
  flags: KeyPositions["flags"],
  notes?: string,
): KeyPositions[] {
  return [{ first: index, last: index, step: 1, flags, ...(notes ? { notes } : {}) }];
}
