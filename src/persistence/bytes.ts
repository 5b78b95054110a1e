/**
 * Byte buffers for the RDB code: a growable writer and a bounds-checked reader. Strings are
 * latin1 (one char per byte), as the keyspace keeps them.
 * @module
 */
import { bytesToLatin1 } from "../resp/latin1.ts";

/** Thrown when data ends early or is malformed; loaders turn it into Redis's messages. */
export class RdbFormatError extends Error {
  constructor(message: string, readonly shortRead = false) {
    super(message);
  }
}

/** Appends bytes to a buffer that doubles as needed. */
export class ByteWriter {
  buf: Uint8Array;
  length = 0;
  #view: DataView;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
    this.#view = new DataView(this.buf.buffer);
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(value: number): void {
    if (this.length === this.buf.length) this.reserve(1);
    this.buf[this.length++] = value;
  }

  u16le(value: number): void {
    this.reserve(2);
    this.#view.setUint16(this.length, value, true);
    this.length += 2;
  }

  u32le(value: number): void {
    this.reserve(4);
    this.#view.setUint32(this.length, value >>> 0, true);
    this.length += 4;
  }

  u32be(value: number): void {
    this.reserve(4);
    this.#view.setUint32(this.length, value >>> 0, false);
    this.length += 4;
  }

  /** A 64-bit integer, little endian (signed or unsigned: the bits are the same). */
  i64le(value: number | bigint): void {
    this.reserve(8);
    this.#view.setBigUint64(this.length, BigInt.asUintN(64, BigInt(value)), true);
    this.length += 8;
  }

  u64be(value: number | bigint): void {
    this.reserve(8);
    this.#view.setBigUint64(this.length, BigInt.asUintN(64, BigInt(value)), false);
    this.length += 8;
  }

  f64le(value: number): void {
    this.reserve(8);
    this.#view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  latin1(text: string): void {
    const n = text.length;
    this.reserve(n);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < n; i++) buf[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** The bytes written so far (a view: copy it before writing more). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

/** Reads from a byte array, throwing `RdbFormatError` past its end. */
export class ByteReader {
  readonly data: Uint8Array;
  pos: number;
  readonly end: number;
  readonly #view: DataView;

  constructor(data: Uint8Array, start = 0, end = data.length) {
    this.data = data;
    this.pos = start;
    this.end = end;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(count: number): void {
    if (this.pos + count > this.end) throw new RdbFormatError("short read", true);
  }

  u8(): number {
    if (this.pos >= this.end) throw new RdbFormatError("short read", true);
    return this.data[this.pos++];
  }

  u16le(): number {
    this.need(2);
    const value = this.#view.getUint16(this.pos, true);
    this.pos += 2;
    return value;
  }

  u32le(): number {
    this.need(4);
    const value = this.#view.getUint32(this.pos, true);
    this.pos += 4;
    return value;
  }

  i32le(): number {
    this.need(4);
    const value = this.#view.getInt32(this.pos, true);
    this.pos += 4;
    return value;
  }

  u32be(): number {
    this.need(4);
    const value = this.#view.getUint32(this.pos, false);
    this.pos += 4;
    return value;
  }

  i64le(): bigint {
    this.need(8);
    const value = this.#view.getBigInt64(this.pos, true);
    this.pos += 8;
    return value;
  }

  u64be(): bigint {
    this.need(8);
    const value = this.#view.getBigUint64(this.pos, false);
    this.pos += 8;
    return value;
  }

  f64le(): number {
    this.need(8);
    const value = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  bytes(count: number): Uint8Array {
    this.need(count);
    const out = this.data.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  latin1(count: number): string {
    this.need(count);
    const out = bytesToLatin1(this.data, this.pos, this.pos + count);
    this.pos += count;
    return out;
  }
}
