/**
 * DEBUG DIGEST and DIGEST-VALUE: a SHA1-based signature of a dataset or of values, computed the
 * way redis-server computes it, so the same data gives the same 40 hex digits in both servers.
 * Ordered things (lists, stream entries) are chained; unordered ones (set members, hash fields,
 * sorted-set members, keys) are combined with XOR, so hash-table order does not matter.
 * @module
 */
import { createHash } from "node:crypto";
import { latin1ToBytes } from "../resp/latin1.ts";
import { formatDouble } from "../resp/number_format.ts";
import type { HashValue } from "./hash.ts";
import type { Database } from "./keyspace.ts";
import type { ListValue } from "./list.ts";
import type { SetValue } from "./set.ts";
import type { Value } from "./values.ts";
import type { SortedSet } from "./zset.ts";

type Digest = Uint8Array; // 20 bytes

/** Redis's type numbers, which go into each value's digest. */
const TYPE_NUMBER: Record<string, number> = {
  string: 0,
  list: 1,
  set: 2,
  zset: 3,
  hash: 4,
  stream: 6,
};

function sha1(data: Uint8Array): Uint8Array {
  return createHash("sha1").update(data).digest();
}

const bytes = latin1ToBytes;

/** digest ^= sha1(data): order does not matter. */
function xorInto(digest: Digest, data: Uint8Array): void {
  const hash = sha1(data);
  for (let i = 0; i < 20; i++) digest[i] ^= hash[i];
}

/** digest = sha1(digest ^ sha1(data)): order matters. */
function mixInto(digest: Digest, data: Uint8Array): void {
  xorInto(digest, data);
  digest.set(sha1(digest));
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** A stream as the digest needs it: entries in id order with their fields and values. */
export interface DigestibleStream {
  digestEntries(): Iterable<{ ms: bigint | number; seq: bigint | number; fields: string[] }>;
}

/** Mixes a value (and whether its key expires) into `digest`. */
export function mixValue(digest: Digest, value: Value, expires: boolean): void {
  mixInto(digest, uint32(TYPE_NUMBER[typeof value === "string" ? "string" : value.type]));
  if (typeof value === "string") {
    mixInto(digest, bytes(value));
  } else {
    switch (value.type) {
      case "list":
        for (const element of (value as ListValue).elements()) mixInto(digest, bytes(element));
        break;
      case "set":
        for (const member of (value as SetValue).elements()) xorInto(digest, bytes(member));
        break;
      case "zset": {
        const zset = value as SortedSet;
        for (const member of zset.members()) {
          const element = new Uint8Array(20);
          mixInto(element, bytes(member));
          mixInto(element, bytes(formatDouble(zset.score(member)!)));
          xorInto(digest, element);
        }
        break;
      }
      case "hash":
        for (const [field, fieldValue] of (value as HashValue).entries()) {
          const element = new Uint8Array(20);
          mixInto(element, bytes(field));
          mixInto(element, bytes(fieldValue));
          xorInto(digest, element);
        }
        break;
      case "stream": {
        const stream = value as unknown as Partial<DigestibleStream>;
        for (const entry of stream.digestEntries?.() ?? []) {
          mixInto(digest, bytes(`${entry.ms}.${entry.seq}`));
          for (const part of entry.fields) mixInto(digest, bytes(part));
        }
        break;
      }
    }
  }
  if (expires) xorInto(digest, bytes("!!expire!!"));
}

function hex(digest: Digest): string {
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** DEBUG DIGEST: every non-empty db's id, then each key and value, combined order-free. */
export function datasetDigest(databases: readonly Database[]): string {
  const final = new Uint8Array(20);
  for (const db of databases) {
    if (db.size === 0) continue;
    mixInto(final, uint32(db.id));
    for (const key of db.keys()) {
      const value = db.peek(key);
      if (value === undefined) continue;
      const digest = new Uint8Array(20);
      mixInto(digest, bytes(key));
      mixValue(digest, value, db.getExpireExact(key) !== undefined);
      xorInto(final, digest);
    }
  }
  return hex(final);
}

/** DEBUG DIGEST-VALUE: one value's digest (40 zeros for a missing key). */
export function valueDigest(db: Database, key: string): string {
  const digest = new Uint8Array(20);
  const value = db.peek(key);
  if (value !== undefined) mixValue(digest, value, db.getExpireExact(key) !== undefined);
  return hex(digest);
}
