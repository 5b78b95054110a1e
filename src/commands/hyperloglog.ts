/**
 * HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST.
 *
 * An HLL is a plain string value in Redis's byte layout (see store/hyperloglog.ts), so it can
 * be copied to and from Redis with GET and SET. Which key lookups count as reads (keyspace hits
 * and misses), what changes `dirty`, and which events are published all follow Redis 7.0.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import {
  cachedCardinality,
  decodeSparse,
  denseGet,
  denseRegisterOf,
  denseRegisters,
  denseSet,
  denseSetVia,
  EMPTY_HLL,
  HLL_DENSE,
  HLL_REGISTERS,
  HllBuffer,
  hllCount,
  hllEncoding,
  isHll,
  markStaleVia,
  mergeInto,
  patLen,
  registersCount,
  sparseSet,
  sparseToDense,
  withCachedCardinality,
} from "../store/hyperloglog.ts";
import { ByteEditor } from "../store/bits.ts";
import type { Database } from "../store/keyspace.ts";
import type { Value } from "../store/values.ts";
import type { Client } from "./client.ts";
import { ReplyError, WRONGTYPE } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { type ArgSpec, type CommandSpec, defineCommand } from "./types.ts";

const NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const CORRUPT_HLL = "INVALIDOBJ Corrupted HLL object detected";

/** The HLL string of a found key, or null after Redis's error reply (isHLLObjectOrReply). */
function hllOrReply(client: Client, value: Value): string | null {
  if (typeof value !== "string") {
    client.reply.error(WRONGTYPE);
    return null;
  }
  if (!isHll(value)) {
    client.reply.error(NOT_HLL);
    return null;
  }
  return value;
}

function sparseMaxBytes(client: Client): number {
  return client.server.config.getNumber("hll-sparse-max-bytes");
}

/**
 * Adds elements to a dense HLL string, reading registers from the string (or its cached bytes)
 * and writing through a ByteEditor, so a change does not copy all 12 KiB. Returns the new
 * string (or `s` when unchanged) and how many elements raised a register.
 */
function addDense(db: Database, key: string, s: string, argv: Argv): [string, number] {
  const cached = ByteEditor.cachedBytes(db, key, s);
  let editor: ByteEditor | null = null;
  let updated = 0;
  for (let j = 2; j < argv.length; j++) {
    const packed = patLen(argv[j]);
    const register = packed >> 6;
    const count = packed & 63;
    if (editor !== null) {
      updated += denseSetVia(editor, register, count);
      continue;
    }
    const old = cached !== null ? denseGet(cached, register) : denseRegisterOf(s, register);
    if (count <= old) continue;
    editor = ByteEditor.open(db, key, s);
    updated += denseSetVia(editor, register, count);
  }
  if (editor === null) return [s, updated];
  markStaleVia(editor);
  return [editor.finish(), updated];
}

function pfadd(client: Client, argv: Argv): void {
  const db = client.db;
  const key = argv[1];
  const found = db.get(key);
  let s: string;
  if (found === undefined) {
    s = EMPTY_HLL;
    notifyKeyspaceEvent(client, "n", "new", key);
  } else {
    const checked = hllOrReply(client, found);
    if (checked === null) return;
    s = checked;
  }
  let updated = found === undefined ? 1 : 0;
  let result: string;
  if (hllEncoding(s) === HLL_DENSE) {
    const [dense, added] = addDense(db, key, s, argv);
    result = dense;
    updated += added;
  } else {
    const hll = HllBuffer.from(s);
    const maxBytes = sparseMaxBytes(client);
    for (let j = 2; j < argv.length; j++) {
      const packed = patLen(argv[j]);
      const changed = hll.encoding === HLL_DENSE
        ? denseSet(hll.bytes, packed >> 6, packed & 63)
        : sparseSet(hll, packed >> 6, packed & 63, maxBytes);
      if (changed < 0) {
        // Redis changed the value in place up to the corrupt part, and keeps those changes.
        const partial = hll.toString();
        if (partial !== s) db.setModifiedInPlace(key, partial);
        client.reply.error(CORRUPT_HLL);
        return;
      }
      updated += changed;
    }
    if (updated > 0) hll.markStale();
    result = updated > 0 ? hll.toString() : s;
  }
  if (updated > 0) {
    db.setModifiedInPlace(key, result);
    notifyKeyspaceEvent(client, "$", "pfadd", key);
    client.server.stats.dirty += updated;
  } else {
    db.unshareString(key);
  }
  client.reply.integer(updated > 0 ? 1 : 0);
}

function pfcount(client: Client, argv: Argv): void {
  const db = client.db;
  if (argv.length > 2) {
    // The cardinality of the union: the maximum of each register over every key.
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const found = db.read(argv[j]);
      if (found === undefined) continue;
      const s = hllOrReply(client, found);
      if (s === null) return;
      if (!mergeInto(max, s)) {
        client.reply.error(CORRUPT_HLL);
        return;
      }
    }
    client.reply.integer(registersCount(max));
    return;
  }
  const key = argv[1];
  const found = db.read(key);
  if (found === undefined) {
    client.reply.integer(0);
    return;
  }
  const s = hllOrReply(client, found);
  if (s === null) return;
  db.unshareString(key);
  const cached = cachedCardinality(s);
  if (cached !== -1) {
    client.reply.integer(cached);
    return;
  }
  const card = hllCount(s);
  if (card === null) {
    client.reply.error(CORRUPT_HLL);
    return;
  }
  // Caching the count changes the value: Redis propagates it as a write, without an event.
  db.setModifiedInPlace(key, withCachedCardinality(s, card));
  client.server.stats.dirty++;
  client.reply.integer(card);
}

function pfmerge(client: Client, argv: Argv): void {
  const db = client.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const found = db.read(argv[j]);
    if (found === undefined) continue;
    const s = hllOrReply(client, found);
    if (s === null) return;
    if (hllEncoding(s) === HLL_DENSE) useDense = true;
    if (!mergeInto(max, s)) {
      client.reply.error(CORRUPT_HLL);
      return;
    }
  }
  const key = argv[1];
  const found = db.get(key);
  if (found === undefined) notifyKeyspaceEvent(client, "n", "new", key);
  // The destination, when it exists, was checked as a source.
  const hll = HllBuffer.from(found === undefined ? EMPTY_HLL : found as string);
  if (useDense && !sparseToDense(hll)) {
    client.reply.error(CORRUPT_HLL);
    return;
  }
  const maxBytes = sparseMaxBytes(client);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] === 0) continue;
    if (hll.encoding === HLL_DENSE) denseSet(hll.bytes, j, max[j]);
    else sparseSet(hll, j, max[j], maxBytes);
  }
  hll.markStale();
  db.setModifiedInPlace(key, hll.toString());
  // A merge is announced as a mass PFADD, as Redis does.
  notifyKeyspaceEvent(client, "$", "pfadd", key);
  client.server.stats.dirty++;
  client.reply.ok();
}

function pfdebug(client: Client, argv: Argv): void {
  const db = client.db;
  const subcommand = argv[1];
  const key = argv[2];
  const found = db.get(key);
  if (found === undefined) throw new ReplyError("ERR The specified key does not exist");
  const s = hllOrReply(client, found);
  if (s === null) return;
  db.unshareString(key);
  const name = subcommand.toLowerCase();
  if (name === "getreg" || name === "todense") {
    const hll = HllBuffer.from(s);
    const converted = hll.encoding !== HLL_DENSE;
    if (converted) {
      if (!sparseToDense(hll)) throw new ReplyError(CORRUPT_HLL);
      db.setModifiedInPlace(key, hll.toString());
      client.server.stats.dirty++;
    }
    if (name === "todense") client.reply.integer(converted ? 1 : 0);
    else {
      const registers = denseRegisters(hll);
      client.reply.arrayHeader(registers.length);
      for (const register of registers) client.reply.integer(register);
    }
  } else if (name === "decode") {
    if (hllEncoding(s) === HLL_DENSE) throw new ReplyError("ERR HLL encoding is not sparse");
    client.reply.bulk(decodeSparse(s));
  } else if (name === "encoding") {
    client.reply.simple(hllEncoding(s) === HLL_DENSE ? "dense" : "sparse");
  } else {
    throw new ReplyError(`ERR Unknown PFDEBUG subcommand '${subcommand}'`);
  }
}

/**
 * A quick self-check of the representation: dense registers round-trip, and a sparse and a
 * dense HLL fed the same elements give the same count, within the expected error.
 */
function pfselftest(client: Client): void {
  const dense = HllBuffer.from(EMPTY_HLL);
  sparseToDense(dense);
  let seed = 1;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  for (let round = 0; round < 8; round++) {
    const expected = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) expected[i] = random() & 63;
    const fresh = HllBuffer.from(EMPTY_HLL);
    sparseToDense(fresh);
    for (let i = 0; i < HLL_REGISTERS; i++) denseSet(fresh.bytes, i, expected[i]);
    const registers = denseRegisters(fresh);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (registers[i] !== expected[i]) {
        throw new ReplyError(`TESTFAILED Register error at ${i}`);
      }
    }
  }
  const sparse = HllBuffer.empty();
  const checkpoints = new Set([10, 100, 1000, 10000, 50000]);
  const relativeError = 1.04 / Math.sqrt(HLL_REGISTERS);
  for (let n = 1; n <= 50000; n++) {
    const packed = patLen(`${n}`);
    if (sparse.encoding === HLL_DENSE) denseSet(sparse.bytes, packed >> 6, packed & 63);
    else sparseSet(sparse, packed >> 6, packed & 63, 1 << 30);
    denseSet(dense.bytes, packed >> 6, packed & 63);
    if (!checkpoints.has(n)) continue;
    const a = hllCount(sparse.toString());
    const b = hllCount(dense.toString());
    if (a === null || a !== b) {
      throw new ReplyError(`TESTFAILED dense/sparse disagree: ${b} != ${a}`);
    }
    const maxError = n < 100 ? 1 : Math.ceil(relativeError * 5 * n);
    const error = Math.abs(Number(a) - n);
    if (error > maxError) {
      throw new ReplyError(`TESTFAILED Too big error. card:${n} abserr:${error}`);
    }
  }
  client.reply.ok();
}

const KEY: ArgSpec = { name: "key", type: "key", keySpecIndex: 0 };

export const hyperloglogCommands: CommandSpec[] = [
  defineCommand({
    name: "pfadd",
    arity: -2,
    flags: ["write", "denyoom", "fast"],
    acl: ["hyperloglog"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "insert"] }],
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Adds elements to a HyperLogLog, creating the key when it is missing.",
    complexity: "O(1) to add every element.",
    args: [KEY, { name: "element", type: "string", optional: true, multiple: true }],
    run: pfadd,
  }),
  defineCommand({
    name: "pfcount",
    arity: -2,
    flags: ["readonly", "may_replicate"],
    acl: ["hyperloglog"],
    keys: [{
      first: 1,
      last: -1,
      step: 1,
      flags: ["RW", "access"],
      notes:
        "RW because it may change the internal representation of the key, and propagate to replicas",
    }],
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Estimates how many distinct elements a HyperLogLog (or the union of several) saw.",
    complexity:
      "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
    args: [{ ...KEY, multiple: true }],
    run: pfcount,
  }),
  defineCommand({
    name: "pfmerge",
    arity: -2,
    flags: ["write", "denyoom"],
    acl: ["hyperloglog"],
    keys: [
      { first: 1, last: 1, step: 1, flags: ["RW", "access", "insert"] },
      { first: 2, last: -1, step: 1, flags: ["RO", "access"] },
    ],
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Merges HyperLogLogs into one, the destination included.",
    complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
    args: [
      { name: "destkey", type: "key", keySpecIndex: 0 },
      { name: "sourcekey", type: "key", keySpecIndex: 1, multiple: true },
    ],
    run: pfmerge,
  }),
  defineCommand({
    name: "pfdebug",
    arity: 3,
    flags: ["write", "denyoom", "admin"],
    acl: ["hyperloglog"],
    keys: [{ first: 2, last: 2, step: 1, flags: ["RW", "access"] }],
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Inspects a HyperLogLog's registers and encoding (for debugging).",
    complexity: "N/A",
    docFlags: ["syscmd"],
    args: [{ name: "subcommand", type: "string" }, KEY],
    run: pfdebug,
  }),
  defineCommand({
    name: "pfselftest",
    arity: 1,
    flags: ["admin"],
    acl: ["hyperloglog"],
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Checks the HyperLogLog implementation on generated data (for debugging).",
    complexity: "N/A",
    docFlags: ["syscmd"],
    run: pfselftest,
  }),
];
