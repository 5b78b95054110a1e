/**
 * Bit-level reading and writing of latin1 string values (one char per byte), as Redis's bitmap
 * and bitfield commands see them: bit 0 is the most significant bit of byte 0, and bytes past
 * the end of a string read as zero.
 *
 * Small writes return a new string made of slices of the old one around the new bytes, which
 * V8 builds without copying. Repeated changes to big values (large bitmaps, dense HyperLogLogs)
 * go through {@link ByteEditor}, which keeps their bytes and hands back a rope of small leaves.
 *
 * @example
 * ```ts
 * const s = writeField("\x00", 4, 4, 0xfn); // "\x0f"
 * readField(s, 4, 4); // 15n
 * ```
 * @module
 */
import { bytesToLatin1 } from "../resp/latin1.ts";

/** Number of set bits in each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** `s` with `chars` written over it at `index` (inside `s`). */
export function replaceChars(s: string, index: number, chars: string): string {
  return s.slice(0, index) + chars + s.slice(index + chars.length);
}

/** `s` zero-padded to at least `length` bytes. */
export function growZero(s: string, length: number): string {
  return s.length >= length ? s : s + "\0".repeat(length - s.length);
}

/** Set bits in bytes `[start, end]` of `s` (inclusive, both inside `s`). */
export function popcount(s: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i <= end; i++) count += POPCOUNT[s.charCodeAt(i)];
  return count;
}

/** Set bits of one byte. */
export function popcountByte(byte: number): number {
  return POPCOUNT[byte & 0xff];
}

/** Index (0 = most significant) of the first bit equal to `bit` in `byte`; 8 when none. */
export function firstBit(byte: number, bit: number): number {
  const target = bit ? byte : ~byte & 0xff;
  return target === 0 ? 8 : Math.clz32(target) - 24;
}

/**
 * The unsigned value of `bits` bits (1..64) starting at bit `offset`, most significant first;
 * bytes past the end of `s` read as zero.
 */
export function readField(s: string, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  let value = 0n;
  for (let i = first; i <= last; i++) {
    value = (value << 8n) | BigInt(i < s.length ? s.charCodeAt(i) : 0);
  }
  const spare = (last - first + 1) * 8 - (offset & 7) - bits;
  return (value >> BigInt(spare)) & ((1n << BigInt(bits)) - 1n);
}

/**
 * `s` with the low `bits` bits of `value` written at bit `offset`, most significant first.
 * `s` must already cover the field.
 */
export function writeField(s: string, offset: number, bits: number, value: bigint): string {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  let window = 0n;
  for (let i = first; i <= last; i++) window = (window << 8n) | BigInt(s.charCodeAt(i));
  const spare = BigInt((last - first + 1) * 8 - (offset & 7) - bits);
  const mask = ((1n << BigInt(bits)) - 1n) << spare;
  window = (window & ~mask) | ((value << spare) & mask);
  let chars = "";
  for (let i = last; i >= first; i--) {
    chars = String.fromCharCode(Number(window & 0xffn)) + chars;
    window >>= 8n;
  }
  return replaceChars(s, first, chars);
}

/** Bytes per leaf of a cached value's rope: one change re-creates one leaf. */
const LEAF = 2048;
/** Values shorter than this are simply rebuilt on each change (the copy is cheap). */
const EDIT_CACHE_MIN = 256;
const EDIT_CACHE_ENTRIES = 64;
const EDIT_CACHE_BYTES = 128 * 1024 * 1024;

/** A large value under repeated change: its bytes, and its string as a tree of concatenations. */
interface EditEntry {
  /** The string last produced, which the key should still hold for the entry to be valid. */
  value: string;
  bytes: Uint8Array;
  length: number;
  /** Leaf slots (a power of two); leaf j is `tree[slots + j]`, node i is tree[2i] + tree[2i+1]. */
  slots: number;
  tree: string[];
}

const ownerIds = new WeakMap<object, number>();
let nextOwnerId = 0;
/** Entries by owner (a db) and key, least recently used first. */
const editCache = new Map<string, EditEntry>();
let editCacheBytes = 0;

function entryName(owner: object, key: string): string {
  let id = ownerIds.get(owner);
  if (id === undefined) ownerIds.set(owner, id = nextOwnerId++);
  return `${id}:${key}`;
}

/**
 * Changes bytes of big string values without copying the whole value per change (SETBIT on a
 * large bitmap, PFADD on a dense HyperLogLog). The value's bytes are kept beside it, and the
 * string handed back is a balanced tree of concatenated 2 KiB leaves, which V8 holds as a rope:
 * a change rebuilds one leaf and the concatenations above it. Whoever reads the whole string
 * later (GET) flattens it once. The cache is keyed by owner and key, checked against the value
 * the key holds (so any other write simply invalidates it), and bounded in entries and bytes.
 *
 * @example
 * ```ts
 * const editor = ByteEditor.open(db, "bitmap", value, 200_000);
 * editor.set(150_000, 0x80);
 * db.setModifiedInPlace("bitmap", editor.finish());
 * ```
 */
export class ByteEditor {
  #entry: EditEntry | null;
  #name: string;
  /** Plain copy used for small values. */
  #small: Uint8Array | null = null;
  #dirtyLeaves: number[] = [];
  readonly bytes: Uint8Array;
  readonly length: number;

  private constructor(entry: EditEntry | null, name: string, small: Uint8Array | null, n: number) {
    this.#entry = entry;
    this.#name = name;
    this.#small = small;
    this.bytes = entry?.bytes ?? small!;
    this.length = n;
  }

  /** Opens `value` (the string `key` holds, "" if none) for change, zero-padded to `minLength`. */
  static open(owner: object, key: string, value: string, minLength = 0): ByteEditor {
    const length = Math.max(value.length, minLength);
    if (length < EDIT_CACHE_MIN) {
      const small = new Uint8Array(length);
      for (let i = 0; i < value.length; i++) small[i] = value.charCodeAt(i);
      return new ByteEditor(null, "", small, length);
    }
    const name = entryName(owner, key);
    let entry = editCache.get(name);
    if (entry === undefined || entry.value !== value) {
      if (entry !== undefined) forget(name, entry);
      entry = build(value);
      editCacheBytes += entry.bytes.length;
    } else {
      editCache.delete(name);
    }
    editCache.set(name, entry);
    const editor = new ByteEditor(entry, name, null, length);
    if (length > entry.length) editor.#grow(length);
    while (editCache.size > EDIT_CACHE_ENTRIES || editCacheBytes > EDIT_CACHE_BYTES) {
      const [oldest, old] = editCache.entries().next().value!;
      if (old === entry) break;
      forget(oldest, old);
    }
    return editor;
  }

  /** Whether the value was cached as is: reading its bytes then costs no copy. */
  static cachedBytes(owner: object, key: string, value: string): Uint8Array | null {
    if (value.length < EDIT_CACHE_MIN) return null;
    const entry = editCache.get(entryName(owner, key));
    return entry !== undefined && entry.value === value ? entry.bytes : null;
  }

  set(index: number, byte: number): void {
    if (index >= this.length || this.bytes[index] === byte) return;
    this.bytes[index] = byte;
    if (this.#entry !== null) {
      const leaf = Math.floor(index / LEAF);
      const dirty = this.#dirtyLeaves;
      if (dirty.length === 0 || dirty[dirty.length - 1] !== leaf) dirty.push(leaf);
    }
  }

  /** The changed value as a string. */
  finish(): string {
    const entry = this.#entry;
    if (entry === null) return bytesToLatin1(this.#small!, 0, this.length);
    const tree = entry.tree;
    for (const leaf of this.#dirtyLeaves) {
      const start = leaf * LEAF;
      tree[entry.slots + leaf] = bytesToLatin1(
        entry.bytes,
        start,
        Math.min(entry.length, start + LEAF),
      );
      for (let i = (entry.slots + leaf) >> 1; i >= 1; i >>= 1) {
        tree[i] = tree[2 * i] + tree[2 * i + 1];
      }
    }
    this.#dirtyLeaves = [];
    entry.value = tree[1];
    editCache.set(this.#name, entry);
    return entry.value;
  }

  #grow(length: number): void {
    const entry = this.#entry!;
    if (length > entry.bytes.length) {
      const bytes = new Uint8Array(Math.max(length, entry.bytes.length * 2));
      bytes.set(entry.bytes.subarray(0, entry.length));
      editCacheBytes += bytes.length - entry.bytes.length;
      entry.bytes = bytes;
      (this as { bytes: Uint8Array }).bytes = bytes;
    }
    const firstLeaf = Math.floor(entry.length / LEAF);
    entry.length = length;
    const leaves = Math.ceil(length / LEAF);
    if (leaves > entry.slots) {
      // More leaves than slots: lay the tree out again.
      const rebuilt = layout(entry.bytes, length);
      entry.slots = rebuilt.slots;
      entry.tree = rebuilt.tree;
      return;
    }
    for (let leaf = firstLeaf; leaf < leaves; leaf++) this.#dirtyLeaves.push(leaf);
  }
}

function forget(name: string, entry: EditEntry): void {
  editCache.delete(name);
  editCacheBytes -= entry.bytes.length;
}

function build(value: string): EditEntry {
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
  const { slots, tree } = layout(bytes, value.length);
  return { value, bytes, length: value.length, slots, tree };
}

function layout(bytes: Uint8Array, length: number): { slots: number; tree: string[] } {
  const leaves = Math.max(1, Math.ceil(length / LEAF));
  let slots = 1;
  while (slots < leaves) slots *= 2;
  const tree = new Array<string>(2 * slots).fill("");
  for (let j = 0; j < leaves; j++) {
    tree[slots + j] = bytesToLatin1(bytes, j * LEAF, Math.min(length, (j + 1) * LEAF));
  }
  for (let i = slots - 1; i >= 1; i--) tree[i] = tree[2 * i] + tree[2 * i + 1];
  return { slots, tree };
}
