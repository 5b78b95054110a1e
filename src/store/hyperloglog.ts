/**
 * HyperLogLog values in Redis's exact byte layout, so a value written by Redis and read here
 * through GET/SET (or the reverse) counts the same.
 *
 * Layout: a 16-byte header — "HYLL", an encoding byte (0 dense, 1 sparse), three unused bytes,
 * and the cached cardinality as 8 little-endian bytes whose top bit marks it stale — followed by
 * 16384 registers of 6 bits. Dense stores every register, least significant bits first
 * (12288 bytes). Sparse stores runs as opcodes: ZERO `00xxxxxx` (1..64 zero registers), XZERO
 * `01xxxxxx yyyyyyyy` (1..16384 zero registers) and VAL `1vvvvvxx` (1..4 registers of value
 * 1..32). A register holds the longest run of zeros (plus one) seen in the 50 hash bits left
 * after 14 bits pick the register; the hash is MurmurHash64A with seed 0xadc83b19.
 *
 * Changes to a value happen on an {@link HllBuffer} (its bytes with room to grow), following
 * Redis's algorithms step by step so the resulting bytes are Redis's bytes; the dense hot path
 * of PFADD reads registers straight from the string instead.
 *
 * @example
 * ```ts
 * const hll = HllBuffer.empty();
 * const packed = patLen("apple");
 * sparseSet(hll, packed >> 6, packed & 63, 3000);
 * hllCount(hll.toString()); // 1
 * ```
 * @module
 */
import { bytesToLatin1, writeLatin1 } from "../resp/latin1.ts";

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
/** Hash bits left after the register index, whose zero run is counted. */
const HLL_Q = 64 - HLL_P;
const HLL_REGISTER_MAX = 63;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const ENCODING_BYTE = 4;
const CARD_BYTE = 8;
/** The byte holding the cached cardinality's "stale" bit (its top bit). */
const STALE_BYTE = 15;
const HLL_ALPHA_INF = 0.721347520444481703680;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const HASH_SEED = 0xadc83b19;

// MurmurHash64A's multiplier, as 32-bit halves.
const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const M_LO_0 = M_LO & 0xffff;
const M_LO_1 = M_LO >>> 16;

/** The high 32 bits of the 64-bit product of `a` and M_LO (both unsigned 32-bit). */
function mulHiMLo(a: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const p00 = a0 * M_LO_0;
  const p01 = a0 * M_LO_1;
  const p10 = a1 * M_LO_0;
  const carry = ((p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) >>> 16;
  return (a1 * M_LO_1 + (p01 >>> 16) + (p10 >>> 16) + carry) >>> 0;
}

// The last hash, as two halves: module state rather than an allocation per element.
let hashHi = 0;
let hashLo = 0;

/**
 * MurmurHash64A of a latin1 string's bytes (little-endian blocks, as Redis on x86), computed on
 * 32-bit halves with Math.imul. The result is left in `hashHi`/`hashLo`.
 */
function murmurHash64A(s: string, seed: number): void {
  const len = s.length;
  // h = seed ^ (len * m)
  let lo = Math.imul(len, M_LO) >>> 0;
  let hi = (mulHiMLo(len) + Math.imul(len, M_HI)) >>> 0;
  lo = (lo ^ seed) >>> 0;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let kLo = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) |
      (s.charCodeAt(i + 3) << 24)) >>> 0;
    let kHi = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) |
      (s.charCodeAt(i + 7) << 24)) >>> 0;
    // k *= m
    let t = (mulHiMLo(kLo) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) >>> 0;
    kLo = Math.imul(kLo, M_LO) >>> 0;
    kHi = t;
    // k ^= k >> 47
    kLo = (kLo ^ (kHi >>> 15)) >>> 0;
    // k *= m
    t = (mulHiMLo(kLo) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) >>> 0;
    kLo = Math.imul(kLo, M_LO) >>> 0;
    kHi = t;
    // h ^= k; h *= m
    lo = (lo ^ kLo) >>> 0;
    hi = (hi ^ kHi) >>> 0;
    t = (mulHiMLo(lo) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
    lo = Math.imul(lo, M_LO) >>> 0;
    hi = t;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 4; j--) {
      hi = (hi ^ (s.charCodeAt(blocks + j) << ((j - 4) * 8))) >>> 0;
    }
    for (let j = Math.min(rest, 4) - 1; j >= 0; j--) {
      lo = (lo ^ (s.charCodeAt(blocks + j) << (j * 8))) >>> 0;
    }
    const t = (mulHiMLo(lo) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
    lo = Math.imul(lo, M_LO) >>> 0;
    hi = t;
  }
  // h ^= h >> 47; h *= m; h ^= h >> 47
  lo = (lo ^ (hi >>> 15)) >>> 0;
  const t = (mulHiMLo(lo) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
  lo = Math.imul(lo, M_LO) >>> 0;
  hi = t;
  hashLo = (lo ^ (hi >>> 15)) >>> 0;
  hashHi = hi;
}

/** MurmurHash64A as a bigint (tests and debugging). */
export function murmurHash64(s: string, seed = HASH_SEED): bigint {
  murmurHash64A(s, seed);
  return (BigInt(hashHi) << 32n) | BigInt(hashLo);
}

/**
 * The register an element goes to and the count it brings (Redis's hllPatLen), packed as
 * `register * 64 + count`: count is 1 plus the number of zero bits after the 14 index bits,
 * at most 51.
 */
export function patLen(element: string): number {
  murmurHash64A(element, HASH_SEED);
  const index = hashLo & (HLL_REGISTERS - 1);
  const low = hashLo >>> HLL_P;
  let count: number;
  if (low !== 0) count = 32 - Math.clz32(low & -low);
  else if (hashHi !== 0) count = 32 - HLL_P + 32 - Math.clz32(hashHi & -hashHi);
  else count = HLL_Q + 1;
  return index * 64 + count;
}

/** Whether a string value passes Redis's HyperLogLog checks (isHLLObjectOrReply). */
export function isHll(s: string): boolean {
  if (s.length < HLL_HDR_SIZE || !s.startsWith("HYLL")) return false;
  const encoding = s.charCodeAt(ENCODING_BYTE);
  if (encoding > HLL_SPARSE) return false;
  return encoding !== HLL_DENSE || s.length === HLL_DENSE_SIZE;
}

/** The encoding byte of a checked HLL string. */
export function hllEncoding(s: string): number {
  return s.charCodeAt(ENCODING_BYTE);
}

/** A dense register read straight from the string. */
export function denseRegisterOf(s: string, register: number): number {
  const bit = register * 6;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const shift = bit & 7;
  // Past the end, charCodeAt gives NaN, which bit operations read as 0 (Redis reads the NUL).
  return ((s.charCodeAt(byte) >> shift) | (s.charCodeAt(byte + 1) << (8 - shift))) &
    HLL_REGISTER_MAX;
}

/** The cached cardinality, or -1 when stale. Redis replies it as a signed 64-bit integer. */
export function cachedCardinality(s: string): number | bigint {
  if (s.charCodeAt(STALE_BYTE) & 0x80) return -1;
  let value = 0n;
  for (let i = STALE_BYTE; i >= CARD_BYTE; i--) value = (value << 8n) | BigInt(s.charCodeAt(i));
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** `s` with `card` stored as its cached cardinality (8 bytes of its uint64 value). */
export function withCachedCardinality(s: string, card: number | bigint): string {
  let value = BigInt.asUintN(64, BigInt(card));
  let bytes = "";
  for (let i = 0; i < 8; i++, value >>= 8n) bytes += String.fromCharCode(Number(value & 0xffn));
  return s.slice(0, CARD_BYTE) + bytes + s.slice(CARD_BYTE + 8);
}

/** An HLL under change: its bytes (with spare room, and a zero after the end) and length. */
export class HllBuffer {
  constructor(public bytes: Uint8Array, public length: number) {}

  /** A copy of a string value, with `room` spare bytes. */
  static from(s: string, room = 8): HllBuffer {
    const bytes = new Uint8Array(s.length + room);
    writeLatin1(bytes, 0, s);
    return new HllBuffer(bytes, s.length);
  }

  /** A new, empty sparse HLL, as PFADD creates it (Redis's createHLLObject). */
  static empty(): HllBuffer {
    return HllBuffer.from(EMPTY_HLL);
  }

  get encoding(): number {
    return this.bytes[ENCODING_BYTE];
  }

  markStale(): void {
    this.bytes[STALE_BYTE] |= 0x80;
  }

  /** Makes room for `extra` more bytes plus the zero after the end. */
  reserve(extra: number): void {
    if (this.length + extra + 1 <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.length + extra + 1, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  toString(): string {
    return bytesToLatin1(this.bytes, 0, this.length);
  }
}

function sparseEmpty(): string {
  let s = "HYLL" + String.fromCharCode(HLL_SPARSE) + "\0".repeat(11);
  for (let left = HLL_REGISTERS; left > 0; left -= SPARSE_XZERO_MAX_LEN) {
    const run = Math.min(left, SPARSE_XZERO_MAX_LEN) - 1;
    s += String.fromCharCode(0x40 | (run >> 8), run & 0xff);
  }
  return s;
}

/** The value of a new HLL: sparse, every register zero, cached cardinality 0. */
export const EMPTY_HLL = sparseEmpty();

/** A dense register read from the value's bytes. */
export function denseGet(bytes: Uint8Array, register: number): number {
  const bit = register * 6;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const shift = bit & 7;
  // A read past the array gives undefined, which reads as 0 (Redis reads the NUL).
  return ((bytes[byte] >> shift) | (bytes[byte + 1] << (8 - shift))) & HLL_REGISTER_MAX;
}

function denseSetRegister(bytes: Uint8Array, register: number, value: number): void {
  const bit = register * 6;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const shift = bit & 7;
  bytes[byte] = (bytes[byte] & ~(HLL_REGISTER_MAX << shift)) | (value << shift);
  bytes[byte + 1] = (bytes[byte + 1] & ~(HLL_REGISTER_MAX >> (8 - shift))) |
    (value >> (8 - shift));
}

/** Something that changes bytes one at a time (a ByteEditor). */
export interface ByteSink {
  readonly bytes: Uint8Array;
  set(index: number, byte: number): void;
}

/** Like {@link denseSet}, writing through `sink` so it can track what changed. */
export function denseSetVia(sink: ByteSink, register: number, count: number): number {
  const bytes = sink.bytes;
  if (count <= denseGet(bytes, register)) return 0;
  const bit = register * 6;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const shift = bit & 7;
  sink.set(byte, ((bytes[byte] & ~(HLL_REGISTER_MAX << shift)) | (count << shift)) & 0xff);
  sink.set(
    byte + 1,
    (bytes[byte + 1] & ~(HLL_REGISTER_MAX >> (8 - shift))) | (count >> (8 - shift)),
  );
  return 1;
}

/** Marks the cached cardinality stale through `sink`. */
export function markStaleVia(sink: ByteSink): void {
  sink.set(STALE_BYTE, sink.bytes[STALE_BYTE] | 0x80);
}

/** Raises a dense register to `count` if it is lower: 1 when changed, else 0. */
export function denseSet(bytes: Uint8Array, register: number, count: number): number {
  if (count <= denseGet(bytes, register)) return 0;
  denseSetRegister(bytes, register, count);
  return 1;
}

// Sparse opcode helpers, on one opcode byte.
const isZero = (op: number) => (op & 0xc0) === 0;
const isXzero = (op: number) => (op & 0xc0) === 0x40;
const zeroLen = (op: number) => (op & 0x3f) + 1;
const xzeroLen = (op: number, next: number) => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 0x3) + 1;
const valOp = (value: number, len: number) => (((value - 1) << 2) | (len - 1)) | 0x80;

/**
 * Converts a sparse buffer to dense in place (Redis's hllSparseToDense): the header is kept
 * (cached cardinality included). Returns false, changing nothing, when the opcodes do not
 * cover exactly 16384 registers.
 */
export function sparseToDense(hll: HllBuffer): boolean {
  if (hll.encoding === HLL_DENSE) return true;
  const dense = new Uint8Array(HLL_DENSE_SIZE + 1);
  dense.set(hll.bytes.subarray(0, HLL_HDR_SIZE));
  dense[ENCODING_BYTE] = HLL_DENSE;
  const bytes = hll.bytes;
  const end = hll.length;
  let index = 0;
  for (let p = HLL_HDR_SIZE; p < end;) {
    const op = bytes[p];
    let run: number;
    if (isZero(op)) run = zeroLen(op);
    else if (isXzero(op)) run = xzeroLen(op, bytes[p + 1]);
    else run = valLen(op);
    // A run past the last register makes the value corrupt (Redis's fix for CVE-2025-32023).
    if (run + index > HLL_REGISTERS) return false;
    if (op & 0x80) {
      const value = valValue(op);
      while (run-- > 0) denseSetRegister(dense, index++, value);
    } else index += run;
    p += isXzero(op) ? 2 : 1;
  }
  if (index !== HLL_REGISTERS) return false;
  hll.bytes = dense;
  hll.length = HLL_DENSE_SIZE;
  return true;
}

/**
 * Raises a register of a sparse HLL to `count` (Redis's hllSparseSet, step for step, so the
 * opcodes come out byte-identical): splits the run holding it, merges equal neighbours, and
 * turns the HLL dense when the count does not fit a VAL opcode or the value would outgrow
 * `maxBytes` (hll-sparse-max-bytes). Returns 1 when changed, 0 when not, -1 when corrupt.
 */
export function sparseSet(
  hll: HllBuffer,
  index: number,
  count: number,
  maxBytes: number,
): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(hll, index, count);
  hll.reserve(3);
  let bytes = hll.bytes;
  let end = hll.length;
  // Step 1: find the opcode covering the register.
  let p = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = bytes[p];
    let opLength = 1;
    if (isZero(op)) span = zeroLen(op);
    else if (op & 0x80) span = valLen(op);
    else {
      span = xzeroLen(op, bytes[p + 1]);
      opLength = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += opLength;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = bytes[p];
  let next = isXzero(op) ? p + 2 : p + 1;
  if (next >= end) next = -1;
  const zero = isZero(op);
  const xzero = isXzero(op);
  const runLength = zero ? zeroLen(op) : xzero ? xzeroLen(op, bytes[p + 1]) : valLen(op);

  // Step 2: the cases that change one opcode in place.
  let updatedInPlace = false;
  if (!zero && !xzero) {
    if (valValue(op) >= count) return 0;
    if (runLength === 1) {
      bytes[p] = valOp(count, 1);
      updatedInPlace = true;
    }
  }
  if (zero && runLength === 1) {
    bytes[p] = valOp(count, 1);
    updatedInPlace = true;
  }

  if (!updatedInPlace) {
    // Step 3: split the run into up to three opcodes and put them in its place.
    const sequence: number[] = [];
    const last = first + span - 1;
    const pushZeros = (len: number) => {
      if (len > SPARSE_ZERO_MAX_LEN) {
        const run = len - 1;
        sequence.push((run >> 8) | 0x40, run & 0xff);
      } else {
        sequence.push(len - 1);
      }
    };
    if (zero || xzero) {
      if (index !== first) pushZeros(index - first);
      sequence.push(valOp(count, 1));
      if (index !== last) pushZeros(last - index);
    } else {
      const current = valValue(op);
      if (index !== first) sequence.push(valOp(current, index - first));
      sequence.push(valOp(count, 1));
      if (index !== last) sequence.push(valOp(current, last - index));
    }
    const delta = sequence.length - (xzero ? 2 : 1);
    if (delta > 0 && hll.length + delta > maxBytes) return promote(hll, index, count);
    if (delta !== 0 && next >= 0) bytes.copyWithin(next + delta, next, end);
    hll.length += delta;
    bytes[hll.length] = 0;
    bytes.set(sequence, p);
    end += delta;
  }

  // Step 4: merge adjacent VAL opcodes of equal value, looking at up to five opcodes.
  bytes = hll.bytes;
  p = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (p < end && scan-- !== 0) {
    const current = bytes[p];
    if (isXzero(current)) {
      p += 2;
      continue;
    }
    if (isZero(current)) {
      p++;
      continue;
    }
    if (p + 1 < end && bytes[p + 1] & 0x80) {
      const value = valValue(current);
      if (value === valValue(bytes[p + 1])) {
        const len = valLen(current) + valLen(bytes[p + 1]);
        if (len <= SPARSE_VAL_MAX_LEN) {
          bytes[p + 1] = valOp(value, len);
          bytes.copyWithin(p, p + 1, end + 1);
          hll.length--;
          end--;
          continue;
        }
      }
    }
    p++;
  }
  hll.markStale();
  return 1;
}

function promote(hll: HllBuffer, index: number, count: number): number {
  if (!sparseToDense(hll)) return -1;
  denseSet(hll.bytes, index, count);
  return 1;
}

/**
 * Adds each register of an HLL string into `max` (max[i] = MAX(max[i], register i)), as Redis's
 * hllMerge. Returns false when a sparse value is corrupt.
 */
export function mergeInto(max: Uint8Array, s: string): boolean {
  if (hllEncoding(s) === HLL_DENSE) {
    for (let j = 0, i = HLL_HDR_SIZE; j < HLL_REGISTERS; j += 4, i += 3) {
      const b0 = s.charCodeAt(i);
      const b1 = s.charCodeAt(i + 1);
      const b2 = s.charCodeAt(i + 2);
      const r0 = b0 & 63;
      const r1 = ((b0 >> 6) | (b1 << 2)) & 63;
      const r2 = ((b1 >> 4) | (b2 << 4)) & 63;
      const r3 = b2 >> 2;
      if (r0 > max[j]) max[j] = r0;
      if (r1 > max[j + 1]) max[j + 1] = r1;
      if (r2 > max[j + 2]) max[j + 2] = r2;
      if (r3 > max[j + 3]) max[j + 3] = r3;
    }
    return true;
  }
  const end = s.length;
  let index = 0;
  for (let p = HLL_HDR_SIZE; p < end;) {
    const op = s.charCodeAt(p);
    let run: number;
    if (isZero(op)) run = zeroLen(op);
    else if (isXzero(op)) run = xzeroLen(op, p + 1 < end ? s.charCodeAt(p + 1) : 0);
    else run = valLen(op);
    if (run + index > HLL_REGISTERS) return false;
    if (op & 0x80) {
      const value = valValue(op);
      while (run-- > 0) {
        if (value > max[index]) max[index] = value;
        index++;
      }
    } else index += run;
    p += isXzero(op) ? 2 : 1;
  }
  return index === HLL_REGISTERS;
}

/**
 * The register histogram of an HLL string (how many registers hold each value), or null when
 * a sparse value does not cover exactly 16384 registers.
 */
function histogramOf(s: string): Int32Array | null {
  const histogram = new Int32Array(64);
  if (hllEncoding(s) === HLL_DENSE) {
    for (let i = HLL_HDR_SIZE; i < HLL_DENSE_SIZE; i += 3) {
      const b0 = s.charCodeAt(i);
      const b1 = s.charCodeAt(i + 1);
      const b2 = s.charCodeAt(i + 2);
      histogram[b0 & 63]++;
      histogram[((b0 >> 6) | (b1 << 2)) & 63]++;
      histogram[((b1 >> 4) | (b2 << 4)) & 63]++;
      histogram[b2 >> 2]++;
    }
    return histogram;
  }
  const end = s.length;
  let index = 0;
  for (let p = HLL_HDR_SIZE; p < end;) {
    const op = s.charCodeAt(p);
    let run: number;
    if (isZero(op)) {
      run = zeroLen(op);
      histogram[0] += run;
      p++;
    } else if (isXzero(op)) {
      run = xzeroLen(op, p + 1 < end ? s.charCodeAt(p + 1) : 0);
      histogram[0] += run;
      p += 2;
    } else {
      run = valLen(op);
      histogram[valValue(op)] += run;
      p++;
    }
    index += run;
  }
  return index === HLL_REGISTERS ? histogram : null;
}

/** The histogram of plain 8-bit registers (PFCOUNT's union of several keys). */
function histogramOfRegisters(registers: Uint8Array): Int32Array {
  const histogram = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[registers[i] & 63]++;
  return histogram;
}

/** Redis's hllSigma, from Ertl's improved estimator. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

/** Redis's hllTau, from Ertl's improved estimator. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    // C's pow(1 - x, 2), correctly rounded, is this product.
    z -= (1 - x) * (1 - x) * y;
  } while (previous !== z);
  return z / 3;
}

/** What C's llroundl gives on x86 for a value it cannot represent (infinity, NaN, ≥ 2^63). */
const LLONG_MIN = -(2n ** 63n);

/**
 * The cardinality estimate from a register histogram (Redis 7.0's hllCount). When every
 * register is past the estimator's range the division is by zero, and Redis's result is
 * LLONG_MIN, which it replies (and caches) as such: a bigint here.
 */
function estimate(histogram: Int32Array): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * sigma(histogram[0] / m);
  const value = HLL_ALPHA_INF * m * m / z;
  return value < 2 ** 63 ? Math.round(value) : LLONG_MIN;
}

/** The estimated cardinality of an HLL string, or null when it is corrupt. */
export function hllCount(s: string): number | bigint | null {
  const histogram = histogramOf(s);
  return histogram === null ? null : estimate(histogram);
}

/** The estimated cardinality of plain registers (a union built by {@link mergeInto}). */
export function registersCount(registers: Uint8Array): number | bigint {
  return estimate(histogramOfRegisters(registers));
}

/** Every register of a dense buffer (PFDEBUG GETREG). */
export function denseRegisters(hll: HllBuffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < HLL_REGISTERS; i++) out.push(denseGet(hll.bytes, i));
  return out;
}

/** The opcodes of a sparse HLL string as text (PFDEBUG DECODE), e.g. `Z:8436 v:1,1`. */
export function decodeSparse(s: string): string {
  const parts: string[] = [];
  const end = s.length;
  for (let p = HLL_HDR_SIZE; p < end;) {
    const op = s.charCodeAt(p);
    if (isZero(op)) {
      parts.push(`z:${zeroLen(op)}`);
      p++;
    } else if (isXzero(op)) {
      parts.push(`Z:${xzeroLen(op, p + 1 < end ? s.charCodeAt(p + 1) : 0)}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return parts.join(" ");
}
