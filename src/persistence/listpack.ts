/**
 * Listpack, the compact sequence Redis 7.0 stores small hashes, sorted sets, list nodes and
 * stream nodes in — and writes into RDB files as is. Layout: total bytes (u32 LE), element
 * count (u16 LE, 65535 when unknown), the elements, and a 0xFF terminator. Each element is an
 * encoding byte (integer or string of some size), its data, and its own length again ("back
 * length", 7 bits per byte) so the list can be walked backwards.
 *
 * @example
 * ```ts
 * const builder = new ListpackBuilder();
 * builder.add("field");
 * builder.add("42"); // stored as an integer
 * parseListpack(builder.finish()); // ["field", "42"]
 * ```
 * @module
 */
import { isIntEncodable } from "../store/values.ts";
import { ByteWriter, RdbFormatError } from "./bytes.ts";
import { bytesToLatin1 } from "../resp/latin1.ts";

const HEADER_SIZE = 6;
const EOF = 0xff;

/** Builds a listpack element by element. */
export class ListpackBuilder {
  readonly #out = new ByteWriter(256);
  #count = 0;

  constructor() {
    this.#out.length = HEADER_SIZE;
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes the finished listpack would take. */
  get size(): number {
    return this.#out.length + 1;
  }

  /** Adds a string; one that is a canonical int64 is stored as an integer, as Redis does. */
  add(value: string): void {
    if (value.length <= 20 && isIntEncodable(value)) {
      this.addInteger(value.length < 16 ? Number(value) : BigInt(value));
      return;
    }
    const out = this.#out;
    const n = value.length;
    let header: number;
    if (n < 64) {
      out.u8(0x80 | n);
      header = 1;
    } else if (n < 4096) {
      out.u8(0xe0 | (n >> 8));
      out.u8(n & 0xff);
      header = 2;
    } else {
      out.u8(0xf0);
      out.u32le(n);
      header = 5;
    }
    out.latin1(value);
    this.#backLength(header + n);
    this.#count++;
  }

  addInteger(value: number | bigint): void {
    const out = this.#out;
    let size: number;
    if (typeof value === "bigint" && value >= -(2n ** 53n) && value <= 2n ** 53n) {
      value = Number(value);
    }
    if (typeof value === "number" && value >= 0 && value <= 127) {
      out.u8(value);
      size = 1;
    } else if (typeof value === "number" && value >= -4096 && value <= 4095) {
      const v = value < 0 ? value + 8192 : value;
      out.u8(0xc0 | (v >> 8));
      out.u8(v & 0xff);
      size = 2;
    } else if (typeof value === "number" && value >= -32768 && value <= 32767) {
      out.u8(0xf1);
      out.u8(value & 0xff);
      out.u8((value >> 8) & 0xff);
      size = 3;
    } else if (typeof value === "number" && value >= -8388608 && value <= 8388607) {
      out.u8(0xf2);
      out.u8(value & 0xff);
      out.u8((value >> 8) & 0xff);
      out.u8((value >> 16) & 0xff);
      size = 4;
    } else if (typeof value === "number" && value >= -2147483648 && value <= 2147483647) {
      out.u8(0xf3);
      out.u32le(value);
      size = 5;
    } else {
      out.u8(0xf4);
      out.i64le(value);
      size = 9;
    }
    this.#backLength(size);
    this.#count++;
  }

  #backLength(length: number): void {
    const out = this.#out;
    if (length <= 127) out.u8(length);
    else if (length < 16383) {
      out.u8(length >> 7);
      out.u8((length & 127) | 128);
    } else if (length < 2097151) {
      out.u8(length >> 14);
      out.u8(((length >> 7) & 127) | 128);
      out.u8((length & 127) | 128);
    } else if (length < 268435455) {
      out.u8(length >> 21);
      out.u8(((length >> 14) & 127) | 128);
      out.u8(((length >> 7) & 127) | 128);
      out.u8((length & 127) | 128);
    } else {
      out.u8(Math.floor(length / 2 ** 28));
      out.u8(((length >> 21) & 127) | 128);
      out.u8(((length >> 14) & 127) | 128);
      out.u8(((length >> 7) & 127) | 128);
      out.u8((length & 127) | 128);
    }
  }

  /** The finished listpack's bytes. */
  finish(): Uint8Array {
    const out = this.#out;
    out.u8(EOF);
    const bytes = out.toBytes();
    const view = new DataView(bytes.buffer);
    view.setUint32(0, bytes.length, true);
    view.setUint16(4, Math.min(this.#count, 65535), true);
    return bytes;
  }
}

/** Bytes a back length of `length` takes. */
function backLengthSize(length: number): number {
  return length <= 127 ? 1 : length < 16383 ? 2 : length < 2097151 ? 3 : length < 268435455 ? 4 : 5;
}

/**
 * The elements of a listpack, integers as decimal strings. Throws `RdbFormatError` when the
 * bytes are not a well-formed listpack.
 */
export function parseListpack(data: Uint8Array): string[] {
  if (data.length < HEADER_SIZE + 1) throw new RdbFormatError("listpack too short");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const total = view.getUint32(0, true);
  const declared = view.getUint16(4, true);
  if (total !== data.length || data[data.length - 1] !== EOF) {
    throw new RdbFormatError("listpack header is corrupt");
  }
  const out: string[] = [];
  let p = HEADER_SIZE;
  const end = data.length - 1;
  while (p < end) {
    const b = data[p];
    let size: number;
    if (b < 0x80) {
      out.push(String(b));
      size = 1;
    } else if (b < 0xc0) {
      const n = b & 0x3f;
      size = 1 + n;
      if (p + size > end) break;
      out.push(bytesToLatin1(data, p + 1, p + size));
    } else if (b < 0xe0) {
      if (p + 2 > end) break;
      let v = ((b & 0x1f) << 8) | data[p + 1];
      if (v >= 4096) v -= 8192;
      out.push(String(v));
      size = 2;
    } else if (b < 0xf0) {
      if (p + 2 > end) break;
      const n = ((b & 0x0f) << 8) | data[p + 1];
      size = 2 + n;
      if (p + size > end) break;
      out.push(bytesToLatin1(data, p + 2, p + size));
    } else if (b === 0xf0) {
      if (p + 5 > end) break;
      const n = view.getUint32(p + 1, true);
      size = 5 + n;
      if (p + size > end) break;
      out.push(bytesToLatin1(data, p + 5, p + size));
    } else if (b === 0xf1) {
      if (p + 3 > end) break;
      out.push(String(view.getInt16(p + 1, true)));
      size = 3;
    } else if (b === 0xf2) {
      if (p + 4 > end) break;
      const v = data[p + 1] | (data[p + 2] << 8) | (data[p + 3] << 16);
      out.push(String(v >= 0x800000 ? v - 0x1000000 : v));
      size = 4;
    } else if (b === 0xf3) {
      if (p + 5 > end) break;
      out.push(String(view.getInt32(p + 1, true)));
      size = 5;
    } else if (b === 0xf4) {
      if (p + 9 > end) break;
      out.push(String(view.getBigInt64(p + 1, true)));
      size = 9;
    } else {
      throw new RdbFormatError("listpack has an invalid encoding");
    }
    p += size + backLengthSize(size);
  }
  if (p !== end) throw new RdbFormatError("listpack entries overflow");
  if (declared !== 65535 && declared !== out.length) {
    throw new RdbFormatError("listpack count mismatch");
  }
  return out;
}
