/**
 * CRC-64/Jones, the checksum at the end of RDB files and DUMP payloads: reflected, polynomial
 * 0xad93d23594c935a9, initial value 0, no final xor (check value of "123456789":
 * 0xe9c6d914c4b8d9ca). Kept as two 32-bit halves so no bigint is made per byte.
 *
 * @example
 * ```ts
 * const crc = new Crc64();
 * crc.update(new TextEncoder().encode("123456789"));
 * crc.value(); // 0xe9c6d914c4b8d9can
 * ```
 * @module
 */

/** The polynomial, bit-reversed for the reflected table. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[n] = hi;
  TABLE_LO[n] = lo;
}

/** A running CRC-64 over bytes fed in pieces. */
export class Crc64 {
  #hi = 0;
  #lo = 0;

  update(data: Uint8Array, start = 0, end = data.length): void {
    let hi = this.#hi;
    let lo = this.#lo;
    for (let i = start; i < end; i++) {
      const index = (lo ^ data[i]) & 0xff;
      lo = (TABLE_LO[index] ^ ((lo >>> 8) | (hi << 24))) >>> 0;
      hi = (TABLE_HI[index] ^ (hi >>> 8)) >>> 0;
    }
    this.#hi = hi;
    this.#lo = lo;
  }

  value(): bigint {
    return (BigInt(this.#hi) << 32n) | BigInt(this.#lo);
  }

  /** The checksum as the 8 little-endian bytes RDB stores. */
  bytes(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.#lo, true);
    view.setUint32(4, this.#hi, true);
    return out;
  }
}

/** The CRC-64 of `data[start..end)`. */
export function crc64(data: Uint8Array, start = 0, end = data.length): bigint {
  const crc = new Crc64();
  crc.update(data, start, end);
  return crc.value();
}
