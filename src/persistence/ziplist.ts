/**
 * Formats older Redis versions wrote and Redis 7.0 still loads: ziplist (lists, hashes and
 * sorted sets before 7.0) and zipmap (hashes before 2.6). Read-only: Redeno never writes them.
 * @module
 */
import { bytesToLatin1 } from "../resp/latin1.ts";
import { RdbFormatError } from "./bytes.ts";

/**
 * The entries of a ziplist, integers as decimal strings. Layout: total bytes (u32 LE), tail
 * offset (u32 LE), count (u16 LE), entries, 0xFF. Each entry: the previous entry's length
 * (1 byte, or 0xFE and 4 bytes), an encoding, and the data.
 */
export function parseZiplist(data: Uint8Array): string[] {
  if (data.length < 11) throw new RdbFormatError("ziplist too short");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(0, true) !== data.length || data[data.length - 1] !== 0xff) {
    throw new RdbFormatError("ziplist header is corrupt");
  }
  const out: string[] = [];
  const end = data.length - 1;
  let p = 10;
  const check = (size: number) => {
    if (p + size > end) throw new RdbFormatError("ziplist entry overflows");
  };
  while (p < end) {
    check(1);
    p += data[p] === 0xfe ? 5 : 1;
    check(1);
    const b = data[p];
    const kind = b >> 6;
    if (kind === 0) {
      check(1 + (b & 0x3f));
      out.push(bytesToLatin1(data, p + 1, p + 1 + (b & 0x3f)));
      p += 1 + (b & 0x3f);
    } else if (kind === 1) {
      check(2);
      const n = ((b & 0x3f) << 8) | data[p + 1];
      check(2 + n);
      out.push(bytesToLatin1(data, p + 2, p + 2 + n));
      p += 2 + n;
    } else if (kind === 2) {
      check(5);
      const n = view.getUint32(p + 1, false);
      check(5 + n);
      out.push(bytesToLatin1(data, p + 5, p + 5 + n));
      p += 5 + n;
    } else if (b === 0xc0) {
      check(3);
      out.push(String(view.getInt16(p + 1, true)));
      p += 3;
    } else if (b === 0xd0) {
      check(5);
      out.push(String(view.getInt32(p + 1, true)));
      p += 5;
    } else if (b === 0xe0) {
      check(9);
      out.push(String(view.getBigInt64(p + 1, true)));
      p += 9;
    } else if (b === 0xf0) {
      check(4);
      const v = data[p + 1] | (data[p + 2] << 8) | (data[p + 3] << 16);
      out.push(String(v >= 0x800000 ? v - 0x1000000 : v));
      p += 4;
    } else if (b === 0xfe) {
      check(2);
      out.push(String(view.getInt8(p + 1)));
      p += 2;
    } else if (b >= 0xf1 && b <= 0xfd) {
      out.push(String((b & 0x0f) - 1));
      p += 1;
    } else {
      throw new RdbFormatError("ziplist has an invalid encoding");
    }
  }
  const declared = view.getUint16(8, true);
  if (declared !== 65535 && declared !== out.length) {
    throw new RdbFormatError("ziplist count mismatch");
  }
  return out;
}

/**
 * The fields and values of a zipmap, flat. Layout: a count byte, then per pair: key length,
 * key, value length, a "free" byte, value, that many unused bytes; 0xFF ends it. A length is
 * one byte below 254, or 254 and a u32 LE.
 */
export function parseZipmap(data: Uint8Array): string[] {
  const out: string[] = [];
  let p = 1;
  const length = (): number => {
    if (p >= data.length) throw new RdbFormatError("zipmap overflows");
    const b = data[p++];
    if (b < 254) return b;
    if (b === 254) {
      if (p + 4 > data.length) throw new RdbFormatError("zipmap overflows");
      const v = new DataView(data.buffer, data.byteOffset + p, 4).getUint32(0, true);
      p += 4;
      return v;
    }
    return -1;
  };
  for (;;) {
    const keyLength = length();
    if (keyLength < 0) break;
    if (p + keyLength > data.length) throw new RdbFormatError("zipmap overflows");
    out.push(bytesToLatin1(data, p, p + keyLength));
    p += keyLength;
    const valueLength = length();
    if (valueLength < 0 || p >= data.length) throw new RdbFormatError("zipmap overflows");
    const free = data[p++];
    if (p + valueLength + free > data.length) throw new RdbFormatError("zipmap overflows");
    out.push(bytesToLatin1(data, p, p + valueLength));
    p += valueLength + free;
  }
  return out;
}
