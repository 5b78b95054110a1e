/**
 * What a key can hold. A Redis string is a latin1 JS string (binary-safe, compact); every other
 * type is an object that says its type and its OBJECT ENCODING.
 * @module
 */

/** The names TYPE replies with. */
export type ValueType = "string" | "list" | "hash" | "set" | "zset" | "stream";

/** A collection value (list, hash, set, sorted set, stream). */
export interface CollectionValue {
  readonly type: Exclude<ValueType, "string">;
  /** OBJECT ENCODING's answer, e.g. `listpack` or `hashtable`. */
  encoding(): string;
  /** A deep copy that shares nothing mutable with this value (COPY). */
  clone(): CollectionValue;
}

export type Value = string | CollectionValue;

/**
 * Size limits at which collections leave their compact encoding, from the `*-max-listpack-*`
 * and `set-max-intset-entries` parameters; shared by every db and kept in step by the server.
 */
export interface EncodingLimits {
  /** Positive: entries per list node; negative: -1..-5 for 4..64 KiB per node. */
  listMaxListpackSize: number;
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
}

/** Redis 7.0's built-in defaults. */
export function defaultEncodingLimits(): EncodingLimits {
  return {
    listMaxListpackSize: -2,
    hashMaxListpackEntries: 512,
    hashMaxListpackValue: 64,
    setMaxIntsetEntries: 512,
    zsetMaxListpackEntries: 128,
    zsetMaxListpackValue: 64,
  };
}

/** Types a blocking command can wait on: creating such a key may wake a blocked client. */
export function isBlockableType(value: Value): boolean {
  return typeof value !== "string" &&
    (value.type === "list" || value.type === "zset" || value.type === "stream");
}

export function typeOf(value: Value): ValueType {
  return typeof value === "string" ? "string" : value.type;
}

/** A copy of a value for another key: strings are immutable and shared, collections cloned. */
export function cloneValue(value: Value): Value {
  return typeof value === "string" ? value : value.clone();
}

/** Whether Redis would store the string as `int`: a canonical int64 in ≤ 20 chars. */
export function isIntEncodable(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > 20) return false;
  let i = value.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return false;
  if (value.charCodeAt(i) === 48) return n === 1; // "0" only; no leading zeros, no "-0"
  for (; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n >= 19) {
    const big = BigInt(value);
    return big >= -(2n ** 63n) && big < 2n ** 63n;
  }
  return true;
}

/** Strings up to this length are `embstr` in Redis (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
export const EMBSTR_SIZE_LIMIT = 44;

/** Integers below this are shared objects in Redis (OBJ_SHARED_INTEGERS): OBJECT REFCOUNT says so. */
export const SHARED_INTEGERS = 10000;
