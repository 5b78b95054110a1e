/**
 * Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO.
 *
 * A bitmap is a plain string value (latin1, one char per byte), so GET, SETRANGE and APPEND see
 * the same bytes. Arguments are checked in the order Redis 7.0 checks them, so the same error
 * wins: BITCOUNT looks the key up before it parses its range, BITPOS parses the bit first.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import {
  ByteEditor,
  firstBit,
  growZero,
  popcount,
  popcountByte,
  readField,
  writeField,
} from "../store/bits.ts";
import { bytesToLatin1 } from "../resp/latin1.ts";
import type { Database } from "../store/keyspace.ts";
import { isKeyword, parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { NOT_INTEGER, ReplyError, SYNTAX_ERROR, WRONGTYPE } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { type ArgSpec, type CommandSpec, defineCommand } from "./types.ts";

const BIT_OFFSET_ERROR = "ERR bit offset is not an integer or out of range";
const BIT_VALUE_ERROR = "ERR bit is not an integer or out of range";
const BITFIELD_TYPE_ERROR =
  "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
const MAX_STRING_SIZE = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
const MAX_STRING_BYTES = 0x1fffffe8;
/** proto-max-bulk-len can not be set below this, so smaller offsets need no config lookup. */
const MIN_MAX_BULK_LEN = 1024 * 1024;

/**
 * A bit offset argument, as Redis's getBitOffsetFromArgument: an int64, or with `bits` > 0 a
 * `#n` meaning `n * bits` (wrapping as C's int64 multiply does), not negative and not past
 * proto-max-bulk-len bytes.
 */
function bitOffsetArg(client: Client, text: string, bits = 0): number {
  const hash = bits > 0 && text.charCodeAt(0) === 35;
  const parsed = parseInt64(hash ? text.slice(1) : text);
  if (parsed === null) throw new ReplyError(BIT_OFFSET_ERROR);
  let offset = BigInt(parsed);
  if (hash) offset = BigInt.asIntN(64, offset * BigInt(bits));
  if (offset < 0n) throw new ReplyError(BIT_OFFSET_ERROR);
  const bytes = offset >> 3n;
  if (
    bytes >= MIN_MAX_BULK_LEN &&
    bytes >= BigInt(client.server.config.get("proto-max-bulk-len"))
  ) {
    throw new ReplyError(BIT_OFFSET_ERROR);
  }
  return Number(offset);
}

/** An int64 argument as a number (range bounds: beyond 2^53 only the sign matters). */
function longArg(text: string, error = NOT_INTEGER): number {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(error);
  return Number(value);
}

/**
 * The string a bit command writes to, grown with zero bytes to hold byte `lastByte`, as Redis's
 * lookupStringForBitCommand; null after a WRONGTYPE reply. A new key is announced (`new`) here,
 * since writing in place skips the store's creation hook.
 */
function stringForWrite(
  client: Client,
  key: string,
  lastByte: number,
): { value: string; created: boolean; grown: boolean } | null {
  const db = client.db;
  const value = db.get(key);
  // V8's longest string is a little under 512 MiB: refuse rather than fail half-way.
  if (lastByte >= MAX_STRING_BYTES) throw new ReplyError(MAX_STRING_SIZE);
  if (value === undefined) {
    notifyKeyspaceEvent(client, "n", "new", key);
    return { value: "\0".repeat(lastByte + 1), created: true, grown: true };
  }
  if (typeof value !== "string") {
    client.reply.error(WRONGTYPE);
    return null;
  }
  db.unshareString(key);
  return { value: growZero(value, lastByte + 1), created: false, grown: value.length <= lastByte };
}

/** The value a read-only bit command works on: "" when missing, null after WRONGTYPE. */
function stringForRead(client: Client, key: string): string | undefined | null {
  const value = client.db.read(key);
  if (value === undefined || typeof value === "string") return value;
  client.reply.error(WRONGTYPE);
  return null;
}

/** An optional BYTE|BIT unit argument: true for BIT. */
function unitIsBit(text: string): boolean {
  if (isKeyword(text, "bit")) return true;
  if (isKeyword(text, "byte")) return false;
  throw new ReplyError(SYNTAX_ERROR);
}

function setbit(client: Client, argv: Argv): void {
  const offset = bitOffsetArg(client, argv[2]);
  const parsed = parseInt64(argv[3]);
  if (parsed !== 0 && parsed !== 1) throw new ReplyError(BIT_VALUE_ERROR);
  const on: number = parsed;
  const db = client.db;
  const key = argv[1];
  const byte = Math.floor(offset / 8);
  const found = db.get(key);
  if (found !== undefined && typeof found !== "string") {
    client.reply.error(WRONGTYPE);
    return;
  }
  if (byte >= MAX_STRING_BYTES) throw new ReplyError(MAX_STRING_SIZE);
  if (found === undefined) notifyKeyspaceEvent(client, "n", "new", key);
  else db.unshareString(key);
  const value = found ?? "";
  const grown = byte >= value.length;
  const old = grown ? 0 : byteAt(db, key, value, byte);
  const shift = 7 - (offset & 7);
  const bit = (old >> shift) & 1;
  if (grown || bit !== on) {
    // Large bitmaps are changed through the byte cache, so a bit costs no whole-value copy.
    const editor = ByteEditor.open(db, key, value, byte + 1);
    editor.set(byte, (old & ~(1 << shift)) | (on << shift));
    db.setModifiedInPlace(key, editor.finish());
    notifyKeyspaceEvent(client, "$", "setbit", key);
    client.server.stats.dirty++;
  }
  client.reply.integer(bit);
}

/** A byte of a key's string, from the byte cache when it holds the value (no flattening). */
function byteAt(db: Database, key: string, value: string, index: number): number {
  const cached = ByteEditor.cachedBytes(db, key, value);
  return cached !== null ? cached[index] : value.charCodeAt(index);
}

function getbit(client: Client, argv: Argv): void {
  const offset = bitOffsetArg(client, argv[2]);
  const value = stringForRead(client, argv[1]);
  if (value === null) return;
  const byte = Math.floor(offset / 8);
  if (value === undefined || byte >= value.length) {
    client.reply.integer(0);
    return;
  }
  client.reply.integer((byteAt(client.db, argv[1], value, byte) >> (7 - (offset & 7))) & 1);
}

/**
 * Resolves a start/end range over `length` bytes (or bits) the way BITCOUNT and BITPOS do:
 * negative indexes count from the end, then both are clamped into the value.
 */
function clampRange(start: number, end: number, length: number): [number, number] {
  if (start < 0) start = length + start;
  if (end < 0) end = length + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= length) end = length - 1;
  return [start, end];
}

function bitcount(client: Client, argv: Argv): void {
  const value = stringForRead(client, argv[1]);
  if (value === null) return;
  if (value === undefined) {
    client.reply.integer(0);
    return;
  }
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length === 4 || argv.length === 5) {
    start = longArg(argv[2]);
    end = longArg(argv[3]);
    const isBit = argv.length === 5 && unitIsBit(argv[4]);
    if (start < 0 && end < 0 && start > end) {
      client.reply.integer(0);
      return;
    }
    [start, end] = clampRange(start, end, isBit ? value.length * 8 : value.length);
    if (isBit && start <= end) {
      // Bits of the edge bytes outside the range are counted, then taken off again.
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argv.length === 2) {
    start = 0;
    end = value.length - 1;
  } else {
    throw new ReplyError(SYNTAX_ERROR);
  }
  if (start > end) {
    client.reply.integer(0);
    return;
  }
  let count = popcount(value, start, end);
  if (firstMask !== 0) count -= popcountByte(value.charCodeAt(start) & firstMask);
  if (lastMask !== 0) count -= popcountByte(value.charCodeAt(end) & lastMask);
  client.reply.integer(count);
}

function bitpos(client: Client, argv: Argv): void {
  const bit = parseInt64(argv[2]);
  if (bit === null) throw new ReplyError(NOT_INTEGER);
  if (bit !== 0 && bit !== 1) throw new ReplyError("ERR The bit argument must be 1 or 0.");
  const value = client.db.read(argv[1]);
  if (value === undefined) {
    // A missing key is an endless run of zero bits.
    client.reply.integer(bit ? -1 : 0);
    return;
  }
  if (typeof value !== "string") {
    client.reply.error(WRONGTYPE);
    return;
  }
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length >= 4 && argv.length <= 6) {
    start = longArg(argv[3]);
    const isBit = argv.length === 6 && unitIsBit(argv[5]);
    const length = isBit ? value.length * 8 : value.length;
    if (argv.length >= 5) {
      end = longArg(argv[4]);
      endGiven = true;
    } else {
      end = length - 1;
    }
    [start, end] = clampRange(start, end, length);
    if (isBit && start <= end) {
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argv.length === 3) {
    start = 0;
    end = value.length - 1;
  } else {
    throw new ReplyError(SYNTAX_ERROR);
  }
  // An empty range holds neither a 0 nor a 1.
  if (start > end) {
    client.reply.integer(-1);
    return;
  }
  // Bits outside the range in the edge bytes are forced to the opposite of what is sought.
  const skip = bit ? 0 : 0xff;
  for (let i = start; i <= end; i++) {
    let byte = value.charCodeAt(i);
    if (i === start && firstMask !== 0) byte = bit ? byte & ~firstMask : byte | firstMask;
    if (i === end && lastMask !== 0) byte = bit ? byte & ~lastMask : byte | lastMask;
    if (byte !== skip) {
      client.reply.integer(i * 8 + firstBit(byte, bit));
      return;
    }
  }
  // Looking for a 0 with no end given: the string is followed by zeros.
  if (bit === 0 && !endGiven) client.reply.integer((end + 1) * 8);
  else client.reply.integer(-1);
}

function bitop(client: Client, argv: Argv): void {
  const op = argv[1].toLowerCase();
  if (op !== "and" && op !== "or" && op !== "xor" && op !== "not") {
    throw new ReplyError(SYNTAX_ERROR);
  }
  if (op === "not" && argv.length !== 4) {
    throw new ReplyError("ERR BITOP NOT must be called with a single source key.");
  }
  const db = client.db;
  const sources: string[] = [];
  let maxLength = 0;
  for (let j = 3; j < argv.length; j++) {
    const value = db.read(argv[j]);
    if (value === undefined) {
      sources.push("");
      continue;
    }
    if (typeof value !== "string") {
      client.reply.error(WRONGTYPE);
      return;
    }
    sources.push(value);
    if (value.length > maxLength) maxLength = value.length;
  }
  const destination = argv[2];
  if (maxLength === 0) {
    if (db.delete(destination)) {
      notifyKeyspaceEvent(client, "g", "del", destination);
      client.server.stats.dirty++;
    }
    client.reply.integer(0);
    return;
  }
  const result = new Uint8Array(maxLength);
  if (op === "not") {
    const source = sources[0];
    for (let i = 0; i < maxLength; i++) result[i] = ~source.charCodeAt(i) & 0xff;
  } else {
    const first = sources[0];
    for (let i = 0; i < first.length; i++) result[i] = first.charCodeAt(i);
    for (let j = 1; j < sources.length; j++) combine(result, sources[j], op);
  }
  storeRaw(db, destination, bytesToLatin1(result, 0, maxLength));
  notifyKeyspaceEvent(client, "$", "set", destination);
  client.server.stats.dirty++;
  client.reply.integer(maxLength);
}

/** Folds one BITOP source into the result; bytes past a source's end count as zero. */
function combine(result: Uint8Array, source: string, op: string): void {
  const n = source.length;
  if (op === "and") {
    for (let i = 0; i < n; i++) result[i] &= source.charCodeAt(i);
    result.fill(0, n);
  } else if (op === "or") {
    for (let i = 0; i < n; i++) result[i] |= source.charCodeAt(i);
  } else {
    for (let i = 0; i < n; i++) result[i] ^= source.charCodeAt(i);
  }
}

/** Stores a string a command built (Redis's createObject: `raw` in OBJECT ENCODING). */
function storeRaw(db: Database, key: string, value: string): void {
  // As Redis's lookupKeyWrite: a key past its deadline is reaped (`expired`) first.
  if (db.expiresCount > 0) db.peek(key);
  db.set(key, value);
  db.unshareString(key);
}

// BITFIELD overflow behaviours.
const WRAP = 0;
const SAT = 1;
const FAIL = 2;
const GET = 0;
const SET = 1;
const INCRBY = 2;

interface BitfieldOp {
  opcode: number;
  offset: number;
  bits: number;
  signed: boolean;
  value: bigint;
  overflow: number;
}

/** A bitfield type, `i1`..`i64` or `u1`..`u63`: [signed, bits]. */
function bitfieldType(text: string): [boolean, number] {
  const kind = text.charCodeAt(0);
  if (kind !== 105 && kind !== 117) throw new ReplyError(BITFIELD_TYPE_ERROR);
  // Redis reads the width as a C string: it ends at the first NUL byte.
  const nul = text.indexOf("\0");
  const bits = parseInt64(text.slice(1, nul < 0 ? text.length : nul));
  const signed = kind === 105;
  if (bits === null || bits < 1 || bits > (signed ? 64 : 63)) {
    throw new ReplyError(BITFIELD_TYPE_ERROR);
  }
  return [signed, Number(bits)];
}

function parseBitfieldOps(client: Client, argv: Argv): BitfieldOp[] {
  const ops: BitfieldOp[] = [];
  let overflow = WRAP;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const word = argv[j].toLowerCase();
    let opcode: number;
    if (word === "get" && remaining >= 2) opcode = GET;
    else if (word === "set" && remaining >= 3) opcode = SET;
    else if (word === "incrby" && remaining >= 3) opcode = INCRBY;
    else if (word === "overflow" && remaining >= 1) {
      const type = argv[++j].toLowerCase();
      if (type === "wrap") overflow = WRAP;
      else if (type === "sat") overflow = SAT;
      else if (type === "fail") overflow = FAIL;
      else throw new ReplyError("ERR Invalid OVERFLOW type specified");
      continue;
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
    const [signed, bits] = bitfieldType(argv[j + 1]);
    const offset = bitOffsetArg(client, argv[j + 2], bits);
    let value = 0n;
    if (opcode !== GET) {
      const parsed = parseInt64(argv[j + 3]);
      if (parsed === null) throw new ReplyError(NOT_INTEGER);
      value = BigInt(parsed);
    }
    ops.push({ opcode, offset, bits, signed, value, overflow });
    j += opcode === GET ? 2 : 3;
  }
  return ops;
}

/**
 * Redis's checkSignedBitfieldOverflow, with its int64 arithmetic (including the wrap-around of
 * `max - value` that makes SAT of a hugely negative SET saturate to the maximum): returns
 * [overflowed, the value to store instead].
 */
function signedOverflow(
  value: bigint,
  incr: bigint,
  bits: number,
  overflow: number,
): [boolean, bigint] {
  const max = bits === 64 ? 2n ** 63n - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  let limit: bigint;
  if (
    value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)
  ) {
    limit = max;
  } else if (
    value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)
  ) {
    limit = min;
  } else {
    return [false, 0n];
  }
  if (overflow === WRAP) limit = BigInt.asIntN(bits, value + incr);
  return [true, limit];
}

/** Redis's checkUnsignedBitfieldOverflow on uint64 values; see signedOverflow. */
function unsignedOverflow(
  value: bigint,
  incr: bigint,
  bits: number,
  overflow: number,
): [boolean, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, -value);
  let limit: bigint;
  if (value > max || (incr > 0n && incr > maxIncr)) limit = max;
  else if (incr < 0n && incr < minIncr) limit = 0n;
  else return [false, 0n];
  if (overflow === WRAP) limit = BigInt.asUintN(bits, value + incr);
  return [true, limit];
}

/** A field's value as the command replies it: sign-extended for signed types. */
function fieldValue(raw: bigint, op: BitfieldOp): bigint {
  return op.signed ? BigInt.asIntN(op.bits, raw) : raw;
}

function bitfieldGeneric(client: Client, argv: Argv, readOnlyCommand: boolean): void {
  const ops = parseBitfieldOps(client, argv);
  const key = argv[1];
  let lastBit = -1;
  for (const op of ops) {
    if (op.opcode !== GET) lastBit = Math.max(lastBit, op.offset + op.bits - 1);
  }
  let value: string;
  // A key created or grown counts every write as a change; otherwise only those that differ.
  let grown = false;
  if (lastBit < 0) {
    const found = stringForRead(client, key);
    if (found === null) return;
    value = found ?? "";
  } else {
    if (readOnlyCommand) throw new ReplyError("ERR BITFIELD_RO only supports the GET subcommand");
    const target = stringForWrite(client, key, Math.floor(lastBit / 8));
    if (target === null) return;
    value = target.value;
    grown = target.grown;
  }
  const reply = client.reply;
  reply.arrayHeader(ops.length);
  let changes = 0;
  for (const op of ops) {
    const old = fieldValue(readField(value, op.offset, op.bits), op);
    if (op.opcode === GET) {
      reply.integer(old);
      continue;
    }
    // Unsigned arithmetic is on uint64, as in Redis: a negative SET value is a huge one.
    const base = op.opcode === INCRBY ? old : op.signed ? op.value : BigInt.asUintN(64, op.value);
    const incr = op.opcode === INCRBY ? op.value : 0n;
    const [overflowed, limit] = op.signed
      ? signedOverflow(base, incr, op.bits, op.overflow)
      : unsignedOverflow(base, incr, op.bits, op.overflow);
    if (overflowed && op.overflow === FAIL) {
      reply.nullBulk();
      continue;
    }
    const stored = overflowed ? limit : base + incr;
    reply.integer(op.opcode === INCRBY ? stored : old);
    if (grown || stored !== old) changes++;
    value = writeField(value, op.offset, op.bits, BigInt.asUintN(op.bits, stored));
  }
  if (lastBit >= 0) client.db.setModifiedInPlace(key, value);
  if (changes > 0) {
    notifyKeyspaceEvent(client, "$", "setbit", key);
    client.server.stats.dirty += changes;
  }
}

const KEY: ArgSpec = { name: "key", type: "key", keySpecIndex: 0 };
const INDEX_UNIT: ArgSpec = {
  name: "index_unit",
  type: "oneof",
  since: "7.0.0",
  optional: true,
  args: [
    { name: "byte", type: "pure-token", token: "BYTE" },
    { name: "bit", type: "pure-token", token: "BIT" },
  ],
};
const ENCODING_OFFSET: ArgSpec[] = [
  { name: "encoding", type: "string" },
  { name: "offset", type: "integer" },
];
const UNIT_HISTORY: Array<[string, string]> = [["7.0.0", "Added the `BYTE|BIT` option."]];

export const bitmapCommands: CommandSpec[] = [
  defineCommand({
    name: "setbit",
    arity: 4,
    flags: ["write", "denyoom"],
    acl: ["bitmap"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "update"] }],
    group: "bitmap",
    since: "2.2.0",
    summary: "Sets or clears one bit of a string value, growing it with zero bytes as needed.",
    complexity: "O(1)",
    args: [KEY, { name: "offset", type: "integer" }, { name: "value", type: "integer" }],
    run: setbit,
  }),
  defineCommand({
    name: "getbit",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["bitmap"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "bitmap",
    since: "2.2.0",
    summary: "Returns one bit of a string value (0 past its end).",
    complexity: "O(1)",
    args: [KEY, { name: "offset", type: "integer" }],
    run: getbit,
  }),
  defineCommand({
    name: "bitcount",
    arity: -2,
    flags: ["readonly"],
    acl: ["bitmap"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "bitmap",
    since: "2.6.0",
    summary: "Counts the set bits of a string value, optionally within a byte or bit range.",
    complexity: "O(N)",
    history: UNIT_HISTORY,
    args: [
      KEY,
      {
        name: "index",
        type: "block",
        optional: true,
        args: [{ name: "start", type: "integer" }, { name: "end", type: "integer" }, INDEX_UNIT],
      },
    ],
    run: bitcount,
  }),
  defineCommand({
    name: "bitpos",
    arity: -3,
    flags: ["readonly"],
    acl: ["bitmap"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "bitmap",
    since: "2.8.7",
    summary: "Finds the first set or clear bit of a string value, optionally within a range.",
    complexity: "O(N)",
    history: UNIT_HISTORY,
    args: [
      KEY,
      { name: "bit", type: "integer" },
      {
        name: "index",
        type: "block",
        optional: true,
        args: [
          { name: "start", type: "integer" },
          {
            name: "end_index",
            type: "block",
            optional: true,
            args: [{ name: "end", type: "integer" }, INDEX_UNIT],
          },
        ],
      },
    ],
    run: bitpos,
  }),
  defineCommand({
    name: "bitop",
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["bitmap"],
    keys: [
      { first: 2, last: 2, step: 1, flags: ["OW", "update"] },
      { first: 3, last: -1, step: 1, flags: ["RO", "access"] },
    ],
    group: "bitmap",
    since: "2.6.0",
    summary: "Stores the bitwise AND, OR, XOR or NOT of string values in a key.",
    complexity: "O(N)",
    args: [
      { name: "operation", type: "string" },
      { name: "destkey", type: "key", keySpecIndex: 0 },
      { name: "key", type: "key", keySpecIndex: 1, multiple: true },
    ],
    run: bitop,
  }),
  defineCommand({
    name: "bitfield",
    arity: -2,
    flags: ["write", "denyoom"],
    acl: ["bitmap"],
    keys: [{
      first: 1,
      last: 1,
      step: 1,
      flags: ["RW", "access", "update", "variable_flags"],
      notes: "This command allows both access and modification of the key",
    }],
    group: "bitmap",
    since: "3.2.0",
    summary: "Reads, writes and increments integers of any width at any bit offset of a string.",
    complexity: "O(1) for each subcommand specified",
    args: [
      KEY,
      {
        name: "operation",
        type: "oneof",
        optional: true,
        multiple: true,
        args: [
          { name: "encoding_offset", type: "block", token: "GET", args: ENCODING_OFFSET },
          {
            name: "write",
            type: "block",
            args: [
              {
                name: "wrap_sat_fail",
                type: "oneof",
                token: "OVERFLOW",
                optional: true,
                args: [
                  { name: "wrap", type: "pure-token", token: "WRAP" },
                  { name: "sat", type: "pure-token", token: "SAT" },
                  { name: "fail", type: "pure-token", token: "FAIL" },
                ],
              },
              {
                name: "write_operation",
                type: "oneof",
                args: [
                  {
                    name: "encoding_offset_value",
                    type: "block",
                    token: "SET",
                    args: [...ENCODING_OFFSET, { name: "value", type: "integer" }],
                  },
                  {
                    name: "encoding_offset_increment",
                    type: "block",
                    token: "INCRBY",
                    args: [...ENCODING_OFFSET, { name: "increment", type: "integer" }],
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
    run(client, argv) {
      bitfieldGeneric(client, argv, false);
    },
  }),
  defineCommand({
    name: "bitfield_ro",
    arity: -2,
    flags: ["readonly", "fast"],
    acl: ["bitmap"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "bitmap",
    since: "6.0.0",
    summary: "Reads integers of any width at any bit offset of a string (BITFIELD's GET only).",
    complexity: "O(1) for each subcommand specified",
    args: [
      KEY,
      {
        name: "encoding_offset",
        type: "block",
        token: "GET",
        optional: true,
        multiple: true,
        multipleToken: true,
        args: ENCODING_OFFSET,
      },
    ],
    run(client, argv) {
      bitfieldGeneric(client, argv, true);
    },
  }),
];
