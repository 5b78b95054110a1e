/**
 * Reading RDB: every encoding Redis 7.0 writes and the older ones it still loads (ziplists,
 * zipmaps, QUICKLIST v1, STREAM_LISTPACKS v1; 7.2's v3 streams and listpack sets too), the
 * file's opcodes and checksum, and DUMP payloads. Values come out as the store's value
 * classes, encoded as Redis would encode them after loading (by the current size limits).
 *
 * Anything malformed throws `RdbFormatError`: a file is loaded whole or not at all.
 *
 * @example
 * ```ts
 * const value = restorePayload(payload, defaultEncodingLimits()); // throws on a bad payload
 * ```
 * @module
 */
import { HashValue } from "../store/hash.ts";
import { ListValue } from "../store/list.ts";
import { SetValue } from "../store/set.ts";
import {
  compareIds,
  Consumer,
  ConsumerGroup,
  PendingEntry,
  type StreamId,
  StreamNode,
  StreamValue,
  toU64,
  UNKNOWN_ENTRIES_READ,
} from "../store/stream.ts";
import type { EncodingLimits, Value } from "../store/values.ts";
import { SortedSet } from "../store/zset.ts";
import { ByteReader, RdbFormatError } from "./bytes.ts";
import { crc64 } from "./crc64.ts";
import { parseIntset } from "./intset.ts";
import { parseListpack } from "./listpack.ts";
import { lzfDecompress } from "./lzf.ts";
import * as F from "./rdb_format.ts";
import { parseZiplist, parseZipmap } from "./ziplist.ts";

export { RdbFormatError } from "./bytes.ts";

/** Decodes RDB values from a byte reader. */
export class RdbDecoder {
  constructor(readonly r: ByteReader, readonly limits: EncodingLimits) {}

  /** An RDB length, or -1 - `n` for a special string encoding `n` (when `allowEncoded`). */
  #rawLength(allowEncoded: boolean): number {
    const r = this.r;
    const b = r.u8();
    const kind = b >> 6;
    if (kind === 0) return b & 0x3f;
    if (kind === 1) return ((b & 0x3f) << 8) | r.u8();
    if (kind === 3) {
      if (!allowEncoded) throw new RdbFormatError("unexpected string encoding");
      return -1 - (b & 0x3f);
    }
    if (b === 0x80) return r.u32be();
    if (b === 0x81) {
      const big = r.u64be();
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError("length too large");
      return Number(big);
    }
    throw new RdbFormatError(`unknown length encoding ${b}`);
  }

  length(): number {
    return this.#rawLength(false);
  }

  /** A length that may span all 64 bits (stream IDs and counters). */
  u64(): number | bigint {
    const r = this.r;
    if (r.pos < r.end && r.data[r.pos] === 0x81) {
      r.pos++;
      return toU64(r.u64be());
    }
    return this.#rawLength(false);
  }

  /** A string as bytes (LZF-decompressed; integers as their decimal text). */
  bytes(): Uint8Array {
    const n = this.#rawLength(true);
    if (n >= 0) return this.r.bytes(n);
    if (n === -4) return this.#lzf();
    const text = this.#integer(n);
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  /** A string as latin1. */
  string(): string {
    const n = this.#rawLength(true);
    if (n >= 0) return this.r.latin1(n);
    if (n === -4) {
      const bytes = this.#lzf();
      return this.#fromBytes(bytes);
    }
    return this.#integer(n);
  }

  #fromBytes(bytes: Uint8Array): string {
    const reader = new ByteReader(bytes);
    return reader.latin1(bytes.length);
  }

  #integer(code: number): string {
    const r = this.r;
    if (code === -1) return String((r.u8() << 24) >> 24);
    if (code === -2) {
      const v = r.u16le();
      return String(v >= 0x8000 ? v - 0x10000 : v);
    }
    if (code === -3) return String(r.i32le());
    throw new RdbFormatError(`unknown string encoding ${-1 - code}`);
  }

  #lzf(): Uint8Array {
    const packedLength = this.length();
    const length = this.length();
    const packed = this.r.bytes(packedLength);
    const out = lzfDecompress(packed, length);
    if (out === null) throw new RdbFormatError("invalid LZF compressed string");
    return out;
  }

  /** A double as the old ZSET type writes it: a length byte (253-255: nan, inf, -inf), text. */
  #stringDouble(): number {
    const n = this.r.u8();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    return parseScore(this.r.latin1(n));
  }

  /** A value of type `type`, or null for an empty collection (Redis skips those). */
  value(type: number): Value | null {
    switch (type) {
      case F.TYPE_STRING:
        return this.string();
      case F.TYPE_LIST: {
        const n = this.length();
        const elements: string[] = [];
        for (let i = 0; i < n; i++) elements.push(this.string());
        return n === 0 ? null : new ListValue(elements);
      }
      case F.TYPE_SET: {
        const n = this.length();
        const members: string[] = [];
        for (let i = 0; i < n; i++) members.push(this.string());
        return this.#set(members);
      }
      case F.TYPE_SET_INTSET:
        return this.#set(parseIntset(this.bytes()));
      case F.TYPE_SET_LISTPACK:
        return this.#set(parseListpack(this.bytes()));
      case F.TYPE_ZSET:
      case F.TYPE_ZSET_2: {
        const n = this.length();
        const pairs: Array<[string, number]> = [];
        for (let i = 0; i < n; i++) {
          const member = this.string();
          pairs.push([member, type === F.TYPE_ZSET_2 ? this.r.f64le() : this.#stringDouble()]);
        }
        return this.#zset(pairs);
      }
      case F.TYPE_ZSET_ZIPLIST:
      case F.TYPE_ZSET_LISTPACK: {
        const flat = type === F.TYPE_ZSET_LISTPACK
          ? parseListpack(this.bytes())
          : parseZiplist(this.bytes());
        if (flat.length % 2 !== 0) throw new RdbFormatError("sorted set listpack is odd");
        const pairs: Array<[string, number]> = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], parseScore(flat[i + 1])]);
        return this.#zset(pairs);
      }
      case F.TYPE_HASH: {
        const n = this.length();
        const flat: string[] = [];
        for (let i = 0; i < 2 * n; i++) flat.push(this.string());
        return this.#hash(flat);
      }
      case F.TYPE_HASH_ZIPMAP:
        return this.#hash(parseZipmap(this.bytes()));
      case F.TYPE_HASH_ZIPLIST:
        return this.#hash(parseZiplist(this.bytes()));
      case F.TYPE_HASH_LISTPACK:
        return this.#hash(parseListpack(this.bytes()));
      case F.TYPE_LIST_ZIPLIST: {
        const elements = parseZiplist(this.bytes());
        return elements.length === 0 ? null : new ListValue(elements);
      }
      case F.TYPE_LIST_QUICKLIST:
      case F.TYPE_LIST_QUICKLIST_2: {
        const nodes = this.length();
        const list = new ListValue();
        for (let i = 0; i < nodes; i++) {
          let container = F.CONTAINER_PACKED;
          if (type === F.TYPE_LIST_QUICKLIST_2) {
            container = this.length();
            if (container !== F.CONTAINER_PACKED && container !== F.CONTAINER_PLAIN) {
              throw new RdbFormatError("quicklist node has an unknown container");
            }
          }
          if (container === F.CONTAINER_PLAIN) {
            list.pushTail(this.string());
            continue;
          }
          const bytes = this.bytes();
          const elements = type === F.TYPE_LIST_QUICKLIST_2
            ? parseListpack(bytes)
            : parseZiplist(bytes);
          for (const element of elements) list.pushTail(element);
        }
        return list.size === 0 ? null : list;
      }
      case F.TYPE_STREAM_LISTPACKS:
      case F.TYPE_STREAM_LISTPACKS_2:
      case F.TYPE_STREAM_LISTPACKS_3:
        return this.#stream(type);
      case F.TYPE_MODULE:
      case F.TYPE_MODULE_2:
        throw new RdbFormatError("the data holds a module type, and no modules are loaded");
      default:
        throw new RdbFormatError(`unknown RDB type ${type}`);
    }
  }

  #set(members: string[]): SetValue | null {
    if (members.length === 0) return null;
    const set = new SetValue();
    for (const member of members) {
      if (!set.add(member, this.limits)) throw new RdbFormatError("duplicate set members");
    }
    return set;
  }

  #hash(flat: string[]): HashValue | null {
    if (flat.length === 0) return null;
    if (flat.length % 2 !== 0) throw new RdbFormatError("hash has a field without a value");
    const limits = this.limits;
    const fields = new Map<string, string>();
    let fits = flat.length / 2 <= limits.hashMaxListpackEntries;
    for (let i = 0; i < flat.length; i += 2) {
      const field = flat[i];
      const value = flat[i + 1];
      if (fields.has(field)) throw new RdbFormatError("duplicate hash fields");
      fields.set(field, value);
      if (field.length > limits.hashMaxListpackValue) fits = false;
      if (value.length > limits.hashMaxListpackValue) fits = false;
    }
    return new HashValue(fields, fits);
  }

  #zset(pairs: Array<[string, number]>): SortedSet | null {
    if (pairs.length === 0) return null;
    const zset = new SortedSet();
    zset.compact = false; // keeps -0 while adding; settleEncoding decides the encoding
    for (const [member, score] of pairs) {
      if (Number.isNaN(score)) throw new RdbFormatError("sorted set with a NaN score");
      if (!zset.add(member, score)) throw new RdbFormatError("duplicate sorted set members");
    }
    zset.settleEncoding(this.limits);
    return zset;
  }

  #streamId(): StreamId {
    return { ms: this.u64(), seq: this.u64() };
  }

  #rawId(): StreamId {
    const r = this.r;
    return { ms: toU64(r.u64be()), seq: toU64(r.u64be()) };
  }

  #stream(type: number): StreamValue {
    const stream = new StreamValue();
    const nodeCount = this.length();
    for (let n = 0; n < nodeCount; n++) {
      const key = this.bytes();
      if (key.length !== 16) throw new RdbFormatError("stream node key is not 128 bits");
      const keyReader = new ByteReader(key);
      const master = { ms: toU64(keyReader.u64be()), seq: toU64(keyReader.u64be()) };
      const node = parseStreamNode(master, parseListpack(this.bytes()));
      const previous = stream.nodes[stream.nodes.length - 1];
      if (previous !== undefined && compareIds(previous.master, master) >= 0) {
        throw new RdbFormatError("stream nodes out of order");
      }
      stream.nodes.push(node);
    }
    stream.length = this.length();
    stream.lastId = this.#streamId();
    if (type >= F.TYPE_STREAM_LISTPACKS_2) {
      stream.firstId = this.#streamId();
      stream.maxDeletedId = this.#streamId();
      stream.entriesAdded = Number(this.u64());
    } else {
      stream.firstId = stream.edgeId(true) ?? { ms: 0, seq: 0 };
      stream.entriesAdded = stream.length;
    }
    const groupCount = this.length();
    for (let g = 0; g < groupCount; g++) {
      const name = this.string();
      const lastId = this.#streamId();
      let entriesRead: number;
      if (type >= F.TYPE_STREAM_LISTPACKS_2) {
        const raw = this.u64();
        entriesRead = typeof raw === "bigint" ? UNKNOWN_ENTRIES_READ : raw;
      } else {
        entriesRead = stream.entriesReadAt(lastId);
      }
      const group = new ConsumerGroup(lastId, entriesRead);
      stream.groups ??= new Map();
      if (stream.groups.has(name)) throw new RdbFormatError("duplicate consumer group");
      stream.groups.set(name, group);
      const pendingCount = this.length();
      for (let i = 0; i < pendingCount; i++) {
        const id = this.#rawId();
        const deliveryTime = Number(this.r.i64le());
        const deliveryCount = Number(this.u64());
        if (!group.pending.insert(new PendingEntry(id, deliveryTime, deliveryCount, null))) {
          throw new RdbFormatError("duplicate pending entry");
        }
      }
      const consumerCount = this.length();
      for (let c = 0; c < consumerCount; c++) {
        const consumerName = this.string();
        const seenTime = Number(this.r.i64le());
        if (type >= F.TYPE_STREAM_LISTPACKS_3) this.r.i64le(); // active-time (7.2)
        const consumer = new Consumer(consumerName, seenTime);
        if (group.consumers.has(consumerName)) throw new RdbFormatError("duplicate consumer");
        group.consumers.set(consumerName, consumer);
        const owned = this.length();
        for (let i = 0; i < owned; i++) {
          const entry = group.pending.get(this.#rawId());
          if (entry === undefined || entry.consumer !== null) {
            throw new RdbFormatError("consumer entry not found in the group's PEL");
          }
          entry.consumer = consumer;
          consumer.pending.insert(entry);
        }
      }
      for (const entry of group.pending.from()) {
        if (entry.consumer === null) throw new RdbFormatError("pending entry without consumer");
      }
    }
    return stream;
  }
}

/** Adds an ID and a signed 64-bit delta, wrapping as unsigned 64 bits. */
function addDelta(base: number | bigint, text: string): number | bigint {
  if (typeof base === "number" && text.length < 16) {
    const sum = base + Number(text);
    if (sum >= 0 && sum <= Number.MAX_SAFE_INTEGER) return sum;
  }
  return toU64(BigInt.asUintN(64, BigInt(base) + BigInt(text)));
}

function integerAt(items: string[], i: number): number {
  const text = items[i];
  if (text === undefined || !/^-?\d+$/.test(text)) {
    throw new RdbFormatError("stream listpack is corrupt");
  }
  return Number(text);
}

/** Rebuilds a stream node from its listpack (see `streamNodeListpack` in rdb_writer.ts). */
export function parseStreamNode(master: StreamId, items: string[]): StreamNode {
  if (items.length === 0) throw new RdbFormatError("empty listpack inside stream");
  const live = integerAt(items, 0);
  const deleted = integerAt(items, 1);
  const fieldCount = integerAt(items, 2);
  const fields = items.slice(3, 3 + fieldCount);
  let p = 3 + fieldCount;
  if (items[p] !== "0") throw new RdbFormatError("stream master entry is corrupt");
  p++;
  const node = new StreamNode(master, fields);
  let lastId: StreamId | null = null;
  while (p < items.length) {
    const flags = integerAt(items, p);
    const id = { ms: addDelta(master.ms, items[p + 1]), seq: addDelta(master.seq, items[p + 2]) };
    p += 3;
    let pairs: string[];
    if (flags & F.STREAM_ITEM_SAME_FIELDS) {
      pairs = [];
      for (let i = 0; i < fieldCount; i++) pairs.push(fields[i], items[p + i]);
      p += fieldCount;
    } else {
      const count = integerAt(items, p);
      pairs = items.slice(p + 1, p + 1 + 2 * count);
      p += 1 + 2 * count;
    }
    if (pairs.length % 2 !== 0 || pairs.some((part) => part === undefined)) {
      throw new RdbFormatError("stream entry is truncated");
    }
    integerAt(items, p++); // lp-count
    if (lastId !== null && compareIds(lastId, id) >= 0) {
      throw new RdbFormatError("stream entries out of order");
    }
    lastId = id;
    node.push(id, pairs, 0);
    if (flags & F.STREAM_ITEM_DELETED) {
      node.markDeleted(node.size - 1);
      node.live--;
      node.deleted++;
    }
  }
  if (node.live !== live || node.deleted !== deleted) {
    throw new RdbFormatError("stream node counters do not match its entries");
  }
  return node;
}

/** A score as text (listpacks, the old ZSET type): `inf`, `-inf` and decimal forms. */
export function parseScore(text: string): number {
  const lower = text.toLowerCase();
  if (lower === "inf" || lower === "+inf" || lower === "infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) throw new RdbFormatError("bad score");
  return value;
}

/** What a file holds besides keys, reported as it is read. */
export interface RdbVisitor {
  aux?(name: string, value: string): void;
  functionLibrary?(code: string): void;
  /** Called at SELECTDB; throw to refuse a db index out of range. */
  selectDb?(id: number): void;
  resizeDb?(size: number, expires: number): void;
  /** A key; `value` is null for an empty collection (Redis skips those). */
  key(
    db: number,
    key: string,
    value: Value | null,
    expireAt: bigint | undefined,
    lru: { idle?: number; freq?: number },
  ): void;
}

/** Header, version and checksum problems, as Redis words them. */
export class RdbLoadError extends Error {}

/**
 * Reads a whole RDB file, reporting its contents to `visitor`. Throws `RdbLoadError` (a bad
 * signature, version or checksum) or `RdbFormatError` (anything malformed or truncated).
 */
export function readRdb(data: Uint8Array, limits: EncodingLimits, visitor: RdbVisitor): void {
  if (data.length < 9) throw new RdbFormatError("short read", true);
  const magic = String.fromCharCode(...data.subarray(0, 5));
  if (magic !== "REDIS") throw new RdbLoadError("Wrong signature trying to load DB from file");
  const versionText = String.fromCharCode(...data.subarray(5, 9));
  const version = /^\d{4}$/.test(versionText) ? Number(versionText) : NaN;
  if (!(version >= 1 && version <= F.RDB_VERSION)) {
    throw new RdbLoadError(`Can't handle RDB format version ${versionText}`);
  }
  const r = new ByteReader(data, 9);
  const decoder = new RdbDecoder(r, limits);
  let db = 0;
  let expireAt: bigint | undefined;
  let lru: { idle?: number; freq?: number } = {};
  for (;;) {
    const type = r.u8();
    if (type === F.OPCODE_EXPIRETIME_MS) {
      expireAt = r.i64le();
      continue;
    }
    if (type === F.OPCODE_EXPIRETIME) {
      expireAt = BigInt(r.i32le()) * 1000n;
      continue;
    }
    if (type === F.OPCODE_IDLE) {
      lru = { idle: Number(decoder.u64()) };
      continue;
    }
    if (type === F.OPCODE_FREQ) {
      lru = { freq: r.u8() };
      continue;
    }
    if (type === F.OPCODE_EOF) break;
    if (type === F.OPCODE_SELECTDB) {
      db = decoder.length();
      visitor.selectDb?.(db);
      continue;
    }
    if (type === F.OPCODE_RESIZEDB) {
      const size = decoder.length();
      const expires = decoder.length();
      visitor.resizeDb?.(size, expires);
      continue;
    }
    if (type === F.OPCODE_AUX) {
      const name = decoder.string();
      const value = decoder.string();
      visitor.aux?.(name, value);
      continue;
    }
    if (type === F.OPCODE_MODULE_AUX) {
      throw new RdbFormatError("the file holds module data, and no modules are loaded");
    }
    if (type === F.OPCODE_FUNCTION_PRE_GA) {
      throw new RdbFormatError("Pre-release function format not supported.");
    }
    if (type === F.OPCODE_FUNCTION2) {
      const code = decoder.string();
      visitor.functionLibrary?.(code);
      continue;
    }
    const key = decoder.string();
    const value = decoder.value(type);
    visitor.key(db, key, value, expireAt, lru);
    expireAt = undefined;
    lru = {};
  }
  if (version >= 5) {
    const end = r.pos;
    const stored = r.bytes(8);
    const expected = new DataView(stored.buffer, stored.byteOffset, 8).getBigUint64(0, true);
    if (expected !== 0n) {
      const actual = crc64(data, 0, end);
      if (actual !== expected) {
        throw new RdbLoadError(
          `Wrong RDB checksum expected: (${hex16(expected)}) got (${hex16(actual)}). ` +
            "Aborting now.",
        );
      }
    }
  }
}

function hex16(value: bigint): string {
  return value.toString(16);
}

/**
 * Checks a DUMP payload's version and checksum, then decodes its value. Throws `ReplyError`-
 * ready texts: `version` for a bad version or checksum, `format` for a bad body.
 */
export function restorePayload(
  payload: Uint8Array,
  limits: EncodingLimits,
  verifyChecksum = true,
): { ok: true; value: Value } | { ok: false; reason: "version" | "format" } {
  const n = payload.length;
  if (n < 10) return { ok: false, reason: "version" };
  const version = payload[n - 10] | (payload[n - 9] << 8);
  if (version > F.RDB_VERSION) return { ok: false, reason: "version" };
  if (verifyChecksum) {
    const stored = new DataView(payload.buffer, payload.byteOffset + n - 8, 8)
      .getBigUint64(0, true);
    if (crc64(payload, 0, n - 8) !== stored) return { ok: false, reason: "version" };
  }
  try {
    // As Redis, the value is read from the whole payload: a bad length may run into the footer.
    const r = new ByteReader(payload);
    const decoder = new RdbDecoder(r, limits);
    const value = decoder.value(r.u8());
    return value === null ? { ok: false, reason: "format" } : { ok: true, value };
  } catch (error) {
    if (error instanceof RdbFormatError) return { ok: false, reason: "format" };
    throw error;
  }
}
