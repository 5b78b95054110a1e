/**
 * Intset, how Redis stores a set of integers: element width (u32 LE: 2, 4 or 8 bytes), count
 * (u32 LE), then the integers in ascending order, little endian, all of that width.
 *
 * @example
 * ```ts
 * parseIntset(buildIntset(["3", "-1", "70000"])); // ["-1", "3", "70000"]
 * ```
 * @module
 */
import { ByteWriter, RdbFormatError } from "./bytes.ts";

/** An intset of canonical int64 strings (sorted here). */
export function buildIntset(members: Iterable<string>): Uint8Array {
  const values = [...members].map((member) => BigInt(member)).sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0
  );
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if (width < 4 && (v < -32768n || v > 32767n)) width = 4;
  }
  const out = new ByteWriter(8 + values.length * width);
  out.u32le(width);
  out.u32le(values.length);
  for (const v of values) {
    if (width === 8) out.i64le(v);
    else if (width === 4) out.u32le(Number(v));
    else out.u16le(Number(v) & 0xffff);
  }
  return out.toBytes();
}

/** The integers of an intset as decimal strings, ascending. */
export function parseIntset(data: Uint8Array): string[] {
  if (data.length < 8) throw new RdbFormatError("intset too short");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  if ((width !== 2 && width !== 4 && width !== 8) || 8 + width * count !== data.length) {
    throw new RdbFormatError("intset header is corrupt");
  }
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    out[i] = width === 2
      ? String(view.getInt16(at, true))
      : width === 4
      ? String(view.getInt32(at, true))
      : String(view.getBigInt64(at, true));
  }
  return out;
}
