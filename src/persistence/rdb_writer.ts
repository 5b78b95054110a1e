/**
 * Writing RDB: values in the encodings Redis 7.0 writes (strings int-encoded or LZF-compressed,
 * lists as QUICKLIST_2 nodes of listpacks, small hashes and sorted sets as listpacks, integer
 * sets as intsets, big ones as plain sequences, streams as STREAM_LISTPACKS_2), the file's
 * opcodes, and DUMP payloads.
 *
 * @example
 * ```ts
 * const payload = dumpPayload("hello", { compression: true, listMaxListpackSize: -2 });
 * // [type 0, "hello" as an RDB string, RDB version 10 (u16 LE), CRC-64 (u64 LE)]
 * ```
 * @module
 */
import { formatDouble } from "../resp/number_format.ts";
import type { HashValue } from "../store/hash.ts";
import type { ListValue } from "../store/list.ts";
import type { SetValue } from "../store/set.ts";
import type { StreamNode, StreamValue, U64 } from "../store/stream.ts";
import { isIntEncodable, type Value } from "../store/values.ts";
import type { SortedSet } from "../store/zset.ts";
import { ByteWriter } from "./bytes.ts";
import { Crc64 } from "./crc64.ts";
import { buildIntset } from "./intset.ts";
import { ListpackBuilder } from "./listpack.ts";
import { lzfCompress } from "./lzf.ts";
import {
  CONTAINER_PACKED,
  OPCODE_AUX,
  OPCODE_EOF,
  OPCODE_EXPIRETIME_MS,
  OPCODE_FUNCTION2,
  OPCODE_RESIZEDB,
  OPCODE_SELECTDB,
  RDB_VERSION,
  STREAM_ITEM_SAME_FIELDS,
  TYPE_HASH,
  TYPE_HASH_LISTPACK,
  TYPE_LIST_QUICKLIST_2,
  TYPE_SET,
  TYPE_SET_INTSET,
  TYPE_STREAM_LISTPACKS_2,
  TYPE_STRING,
  TYPE_ZSET_2,
  TYPE_ZSET_LISTPACK,
} from "./rdb_format.ts";

export interface RdbWriteOptions {
  /** `rdbcompression`: LZF-compress strings longer than 20 bytes when that saves space. */
  compression: boolean;
  /** `list-max-listpack-size`: entries per list node, or -1..-5 for 4..64 KiB per node. */
  listMaxListpackSize: number;
}

/** Redis's cap on a list node's bytes when the limit is a count (SIZE_SAFETY_LIMIT). */
const NODE_SAFETY_BYTES = 8192;
const scratch = { bytes: new Uint8Array(1024) };

/** Serializes values and lengths into a ByteWriter, as Redis's rdbSave* functions do. */
export class RdbEncoder {
  constructor(readonly out: ByteWriter, readonly options: RdbWriteOptions) {}

  /** An RDB length: 6, 14, 32 or 64 bits, big endian past the first byte. */
  length(n: number | bigint): void {
    const out = this.out;
    if (typeof n === "bigint" && n <= BigInt(Number.MAX_SAFE_INTEGER)) n = Number(n);
    if (typeof n === "number" && n < 64) out.u8(n);
    else if (typeof n === "number" && n < 16384) {
      out.u8(0x40 | (n >> 8));
      out.u8(n & 0xff);
    } else if (n <= 0xffffffff) {
      out.u8(0x80);
      out.u32be(Number(n));
    } else {
      out.u8(0x81);
      out.u64be(n);
    }
  }

  /** A string: as an 8/16/32-bit integer when it is one, LZF-compressed when that pays. */
  string(text: string): void {
    const n = text.length;
    const out = this.out;
    if (n <= 11 && n > 0 && isIntEncodable(text)) {
      const v = Number(text);
      if (v >= -128 && v <= 127) {
        out.u8(0xc0);
        out.u8(v & 0xff);
        return;
      }
      if (v >= -32768 && v <= 32767) {
        out.u8(0xc1);
        out.u16le(v & 0xffff);
        return;
      }
      if (v >= -2147483648 && v <= 2147483647) {
        out.u8(0xc2);
        out.u32le(v);
        return;
      }
    }
    if (this.options.compression && n > 20) {
      if (scratch.bytes.length < n) {
        scratch.bytes = new Uint8Array(Math.max(n, 2 * scratch.bytes.length));
      }
      const bytes = scratch.bytes.subarray(0, n);
      for (let i = 0; i < n; i++) bytes[i] = text.charCodeAt(i);
      if (this.#compressed(bytes)) return;
    }
    this.length(n);
    out.latin1(text);
  }

  /** Raw bytes as an RDB string (a listpack, an intset), LZF-compressed when that pays. */
  blob(bytes: Uint8Array): void {
    if (this.options.compression && bytes.length > 20 && this.#compressed(bytes)) return;
    this.length(bytes.length);
    this.out.bytes(bytes);
  }

  #compressed(bytes: Uint8Array): boolean {
    const packed = lzfCompress(bytes);
    if (packed === null) return false;
    this.out.u8(0xc3);
    this.length(packed.length);
    this.length(bytes.length);
    this.out.bytes(packed);
    return true;
  }

  /** The type byte a value is written with. */
  typeOf(value: Value): number {
    if (typeof value === "string") return TYPE_STRING;
    switch (value.type) {
      case "list":
        return TYPE_LIST_QUICKLIST_2;
      case "hash":
        return (value as HashValue).isListpack ? TYPE_HASH_LISTPACK : TYPE_HASH;
      case "set":
        return (value as SetValue).isIntset ? TYPE_SET_INTSET : TYPE_SET;
      case "zset":
        return (value as SortedSet).compact ? TYPE_ZSET_LISTPACK : TYPE_ZSET_2;
      case "stream":
        return TYPE_STREAM_LISTPACKS_2;
    }
  }

  /** A value's body (after its type byte and key). */
  value(value: Value): void {
    if (typeof value === "string") return this.string(value);
    switch (value.type) {
      case "list":
        return this.#list(value as ListValue);
      case "hash":
        return this.#hash(value as HashValue);
      case "set":
        return this.#set(value as SetValue);
      case "zset":
        return this.#zset(value as SortedSet);
      case "stream":
        return this.#stream(value as StreamValue);
    }
  }

  #list(list: ListValue): void {
    const fill = this.options.listMaxListpackSize;
    const maxEntries = fill > 0 ? fill : Infinity;
    const maxBytes = fill > 0 ? NODE_SAFETY_BYTES : 4096 << Math.min(4, -fill - 1);
    const nodes: Uint8Array[] = [];
    let node = new ListpackBuilder();
    for (const element of list.elements()) {
      if (
        node.count > 0 &&
        (node.count >= maxEntries || node.size + element.length + 11 > maxBytes)
      ) {
        nodes.push(node.finish());
        node = new ListpackBuilder();
      }
      node.add(element);
    }
    if (node.count > 0) nodes.push(node.finish());
    this.length(nodes.length);
    for (const bytes of nodes) {
      this.length(CONTAINER_PACKED);
      this.blob(bytes);
    }
  }

  #hash(hash: HashValue): void {
    if (hash.isListpack) {
      const lp = new ListpackBuilder();
      for (const [field, value] of hash.entries()) {
        lp.add(field);
        lp.add(value);
      }
      return this.blob(lp.finish());
    }
    this.length(hash.size);
    for (const [field, value] of hash.entries()) {
      this.string(field);
      this.string(value);
    }
  }

  #set(set: SetValue): void {
    if (set.isIntset) return this.blob(buildIntset(set.elements()));
    this.length(set.size);
    for (const member of set.elements()) this.string(member);
  }

  #zset(zset: SortedSet): void {
    if (zset.compact) {
      const lp = new ListpackBuilder();
      for (let node = zset.first(); node !== null; node = node.next) {
        lp.add(node.member);
        const score = node.score;
        if (Number.isSafeInteger(score) && !Object.is(score, -0)) lp.addInteger(score);
        else lp.add(formatDouble(score));
      }
      return this.blob(lp.finish());
    }
    // Highest first, as Redis writes them (its loader then inserts each at the head).
    this.length(zset.size);
    for (let node = zset.last(); node !== null; node = node.backward) {
      this.string(node.member);
      this.out.f64le(node.score);
    }
  }

  #stream(stream: StreamValue): void {
    const out = this.out;
    this.length(stream.nodes.length);
    for (const node of stream.nodes) {
      // The node key: master ID as two big-endian u64s (16 bytes: never int-encoded or packed).
      this.length(16);
      out.u64be(node.master.ms);
      out.u64be(node.master.seq);
      this.blob(streamNodeListpack(node));
    }
    this.length(stream.length);
    this.#id(stream.lastId);
    this.#id(stream.firstId);
    this.#id(stream.maxDeletedId);
    this.length(stream.entriesAdded);
    const groups = stream.sortedGroups();
    this.length(groups.length);
    for (const [name, group] of groups) {
      this.string(name);
      this.#id(group.lastId);
      this.length(BigInt.asUintN(64, BigInt(group.entriesRead)));
      this.length(group.pending.size);
      for (const entry of group.pending.from()) {
        out.u64be(entry.id.ms);
        out.u64be(entry.id.seq);
        out.i64le(entry.deliveryTime);
        this.length(entry.deliveryCount);
      }
      const consumers = group.sortedConsumers();
      this.length(consumers.length);
      for (const consumer of consumers) {
        this.string(consumer.name);
        out.i64le(consumer.seenTime);
        this.length(consumer.pending.size);
        for (const entry of consumer.pending.from()) {
          out.u64be(entry.id.ms);
          out.u64be(entry.id.seq);
        }
      }
    }
  }

  #id(id: { ms: U64; seq: U64 }): void {
    this.length(id.ms);
    this.length(id.seq);
  }
}

/** `a - b` as a signed 64-bit integer, as Redis stores an entry's ID relative to its node's. */
function delta(a: U64, b: U64): number | bigint {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return BigInt.asIntN(64, BigInt(a) - BigInt(b));
}

/** A stream node as Redis's listpack: the master entry, then every entry, tombstones too. */
export function streamNodeListpack(node: StreamNode): Uint8Array {
  const lp = new ListpackBuilder();
  lp.addInteger(node.live);
  lp.addInteger(node.deleted);
  lp.addInteger(node.masterFields.length);
  for (const field of node.masterFields) lp.add(field);
  lp.addInteger(0);
  for (let i = 0; i < node.size; i++) {
    const flags = node.flags[i];
    lp.addInteger(flags);
    lp.addInteger(delta(node.ms[i], node.master.ms));
    lp.addInteger(delta(node.seq[i], node.master.seq));
    const pairs = node.fields(i);
    const count = pairs.length / 2;
    if (flags & STREAM_ITEM_SAME_FIELDS) {
      for (let j = 1; j < pairs.length; j += 2) lp.add(pairs[j]);
      lp.addInteger(count + 3);
    } else {
      lp.addInteger(count);
      for (const part of pairs) lp.add(part);
      lp.addInteger(count * 2 + 4);
    }
  }
  return lp.finish();
}

/**
 * DUMP's payload: the type byte and the value as RDB writes them, then the RDB version (u16 LE)
 * and a CRC-64 (u64 LE) of everything before it.
 */
export function dumpPayload(value: Value, options: RdbWriteOptions): Uint8Array {
  const out = new ByteWriter(64);
  const encoder = new RdbEncoder(out, options);
  out.u8(encoder.typeOf(value));
  encoder.value(value);
  out.u16le(RDB_VERSION);
  const crc = new Crc64();
  crc.update(out.buf, 0, out.length);
  out.bytes(crc.bytes());
  return out.toBytes();
}

/** What one key carries into the file. */
export interface KeyRecordForRdb {
  key: string;
  value: Value;
  /** Absolute deadline in ms, if the key has one. */
  expireAt?: number | bigint;
}

/** A key as the file holds it: its deadline (if any), type byte, name and value. */
export function writeKey(encoder: RdbEncoder, record: KeyRecordForRdb): void {
  const out = encoder.out;
  if (record.expireAt !== undefined) {
    out.u8(OPCODE_EXPIRETIME_MS);
    out.i64le(record.expireAt);
  }
  out.u8(encoder.typeOf(record.value));
  encoder.string(record.key);
  encoder.value(record.value);
}

/**
 * Writes an RDB file as a sequence of chunks: `header`, then per db `selectDb` and its keys,
 * then `finish`. `take()` hands out what is buffered so far (for writing to disk in pieces),
 * keeping the running checksum.
 */
export class RdbFileWriter {
  readonly out = new ByteWriter(64 * 1024);
  readonly encoder: RdbEncoder;
  readonly #checksum: boolean;
  readonly #crc = new Crc64();
  #finished = false;

  constructor(options: RdbWriteOptions & { checksum: boolean }) {
    this.encoder = new RdbEncoder(this.out, options);
    this.#checksum = options.checksum;
  }

  /** "REDIS0010" and the aux fields (`redis-ver`, `ctime`...) in the order given. */
  header(aux: Array<[string, string]>): void {
    this.out.latin1(`REDIS${String(RDB_VERSION).padStart(4, "0")}`);
    for (const [name, value] of aux) {
      this.out.u8(OPCODE_AUX);
      this.encoder.string(name);
      this.encoder.string(value);
    }
  }

  /** A function library's code (FUNCTION LOAD's argument). */
  functionLibrary(code: string): void {
    this.out.u8(OPCODE_FUNCTION2);
    this.encoder.string(code);
  }

  selectDb(id: number, size: number, expires: number): void {
    this.out.u8(OPCODE_SELECTDB);
    this.encoder.length(id);
    this.out.u8(OPCODE_RESIZEDB);
    this.encoder.length(size);
    this.encoder.length(expires);
  }

  key(record: KeyRecordForRdb): void {
    writeKey(this.encoder, record);
  }

  /** Bytes made elsewhere by `writeKey` (keys a snapshot saved early). */
  raw(bytes: Uint8Array): void {
    this.out.bytes(bytes);
  }

  /** Bytes buffered since the last `take`. */
  get buffered(): number {
    return this.out.length;
  }

  /**
   * Hands out the buffered bytes and starts over. The chunk is a view into the writer's buffer,
   * valid until the next write: write it out (synchronously) or copy it first.
   */
  take(): Uint8Array {
    const chunk = this.out.view();
    if (this.#checksum && !this.#finished) this.#crc.update(chunk);
    this.out.clear();
    return chunk;
  }

  /** The EOF opcode and the checksum (zeros when `rdbchecksum no`); call `take` after. */
  finish(): void {
    this.out.u8(OPCODE_EOF);
    if (this.#checksum) this.#crc.update(this.out.buf, 0, this.out.length);
    this.#finished = true;
    this.out.bytes(this.#checksum ? this.#crc.bytes() : new Uint8Array(8));
  }
}
