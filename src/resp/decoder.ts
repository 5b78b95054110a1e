/**
 * RESP request decoder: turns the bytes a client sends into argument vectors, many per chunk.
 *
 * It accepts what Redis accepts — multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline lines
 * (`GET k\r\n`) — and stops with Redis's exact protocol error for anything else. It is resumable:
 * a frame split at any byte across chunks decodes the same, and a half-read multibulk keeps the
 * arguments it already has, so a huge MSET costs one pass however it is chunked.
 *
 * @example
 * ```ts
 * const decoder = new RespDecoder();
 * decoder.decode(new TextEncoder().encode("PING\r\n*1\r\n$4\r\nPING\r\n")).commands;
 * // [["PING"], ["PING"]]
 * ```
 * @module
 */
import { bytesToLatin1 } from "./latin1.ts";
import { splitInlineArgs } from "./inline.ts";

/** One command's arguments; each is a latin1 string (binary-safe, one char per byte). */
export type Argv = string[];

/** What one chunk decoded to: every complete command, then perhaps a protocol error. */
export interface DecodedBatch {
  commands: Argv[];
  /** Redis's error text (without the leading `-`); after it the connection must close. */
  protocolError?: string;
  /**
   * Set when more unparsed bytes are buffered than `maxQueryBuffer` allows: the first of them
   * (at most 64). Redis closes such a client without a reply; the decoder stops here.
   */
  queryBufferOverflow?: Uint8Array;
}

/** Redis's PROTO_INLINE_MAX_SIZE: the longest header line or inline request it buffers. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
const INT_MAX = 2147483647;
const CR = 13;
const LF = 10;

export interface DecoderOptions {
  /** Largest bulk argument accepted (Redis's `proto-max-bulk-len`, default 512 MiB). */
  maxBulkLength?: () => number;
  /** Most unparsed bytes buffered for one client (Redis's `client-query-buffer-limit`). */
  maxQueryBuffer?: () => number;
}

export class RespDecoder {
  #pending = new Uint8Array(0);
  #pendingLength = 0;
  /** Bulks still to read in the current multibulk, or 0 between commands. */
  #argsLeft = 0;
  /** Length of the bulk whose header was read, or -1 while expecting a `$` header. */
  #bulkLength = -1;
  #args: Argv = [];
  #failed = false;
  #maxBulkLength: () => number;
  #maxQueryBuffer: () => number;
  /** `maxBulkLength()` read once per chunk, not once per argument. */
  #bulkLimit = 0;

  constructor(options: DecoderOptions = {}) {
    this.#maxBulkLength = options.maxBulkLength ?? (() => 512 * 1024 * 1024);
    this.#maxQueryBuffer = options.maxQueryBuffer ?? (() => Infinity);
  }

  /**
   * Decodes every complete command in `chunk` (after what earlier chunks left over). The chunk
   * may be reused by the caller afterwards: whatever is kept is copied first.
   */
  decode(chunk: Uint8Array): DecodedBatch {
    const batch: DecodedBatch = { commands: [] };
    if (this.#failed) return batch;
    let bytes = chunk;
    if (this.#pendingLength > 0) {
      this.#append(chunk);
      bytes = this.#pending.subarray(0, this.#pendingLength);
    }
    const end = bytes.length;
    this.#bulkLimit = this.#maxBulkLength();
    const consumed = this.#parse(bytes, end, batch);
    if (batch.protocolError !== undefined) {
      this.#failed = true;
      this.#pendingLength = 0;
      return batch;
    }
    this.#keep(bytes, consumed, end);
    if (this.#pendingLength > 0 && this.#pendingLength > this.#maxQueryBuffer()) {
      batch.queryBufferOverflow = this.#pending.slice(0, 64);
      this.#failed = true;
      this.#pendingLength = 0;
      this.#pending = new Uint8Array(0);
    }
    return batch;
  }

  /** Bytes buffered while waiting for the rest of a command. */
  get bufferedLength(): number {
    return this.#pendingLength;
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#pendingLength + chunk.length;
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(Math.max(needed, this.#pending.length * 2, 4096));
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(chunk, this.#pendingLength);
    this.#pendingLength = needed;
  }

  /** Keeps `bytes[from, end)` for the next chunk, copied into our own buffer. */
  #keep(bytes: Uint8Array, from: number, end: number): void {
    const rest = end - from;
    if (rest === 0) {
      this.#pendingLength = 0;
      // Drop a large buffer once a big argument is done with.
      if (this.#pending.length > 1 << 20) this.#pending = new Uint8Array(0);
      return;
    }
    if (bytes.buffer === this.#pending.buffer) {
      if (from > 0) this.#pending.copyWithin(0, from, end);
      this.#pendingLength = rest;
      return;
    }
    this.#pendingLength = 0;
    this.#append(bytes.subarray(from, end));
  }

  /** Parses commands from `bytes[0, end)`; returns how many bytes were consumed. */
  #parse(bytes: Uint8Array, end: number, batch: DecodedBatch): number {
    let pos = 0;
    while (pos < end) {
      if (this.#argsLeft === 0) {
        if (bytes[pos] !== 42 /* '*' */) {
          const next = this.#parseInline(bytes, pos, end, batch);
          if (next < 0) return pos;
          pos = next;
          continue;
        }
        const cr = bytes.indexOf(CR, pos);
        if (lineTooLong(cr, pos, end)) {
          batch.protocolError = "ERR Protocol error: too big mbulk count string";
          return pos;
        }
        if (cr < 0) return pos;
        if (cr + 1 >= end) return pos; // the byte after \r (taken as \n) is not here yet
        const count = parseInteger(bytes, pos + 1, cr);
        if (Number.isNaN(count) || count > INT_MAX) {
          batch.protocolError = "ERR Protocol error: invalid multibulk length";
          return pos;
        }
        pos = cr + 2;
        if (count <= 0) continue;
        this.#argsLeft = count;
        this.#args = [];
      }
      // Reading the bulks of a multibulk.
      while (this.#argsLeft > 0) {
        if (this.#bulkLength < 0) {
          const cr = bytes.indexOf(CR, pos);
          if (lineTooLong(cr, pos, end)) {
            batch.protocolError = "ERR Protocol error: too big bulk count string";
            return pos;
          }
          if (cr < 0) return pos;
          if (cr + 1 >= end) return pos;
          if (bytes[pos] !== 36 /* '$' */) {
            batch.protocolError = `ERR Protocol error: expected '$', got '${
              String.fromCharCode(bytes[pos])
            }'`;
            return pos;
          }
          const length = parseInteger(bytes, pos + 1, cr);
          if (Number.isNaN(length) || length < 0 || length > this.#bulkLimit) {
            batch.protocolError = "ERR Protocol error: invalid bulk length";
            return pos;
          }
          this.#bulkLength = length;
          pos = cr + 2;
        }
        // Like Redis, the two bytes after the data are skipped, not checked.
        if (end - pos < this.#bulkLength + 2) return pos;
        this.#args.push(bytesToLatin1(bytes, pos, pos + this.#bulkLength));
        pos += this.#bulkLength + 2;
        this.#bulkLength = -1;
        this.#argsLeft--;
      }
      batch.commands.push(this.#args);
    }
    return pos;
  }

  /** Parses one inline line at `pos`; returns the position after it, or -1 if incomplete. */
  #parseInline(bytes: Uint8Array, pos: number, end: number, batch: DecodedBatch): number {
    const lf = bytes.indexOf(LF, pos);
    if (lineTooLong(lf, pos, end)) {
      batch.protocolError = "ERR Protocol error: too big inline request";
      return -1;
    }
    if (lf < 0) return -1;
    const lineEnd = lf > pos && bytes[lf - 1] === CR ? lf - 1 : lf;
    const args = splitInlineArgs(bytesToLatin1(bytes, pos, lineEnd));
    if (args === null) {
      batch.protocolError = "ERR Protocol error: unbalanced quotes in request";
      return -1;
    }
    if (args.length > 0) batch.commands.push(args);
    return lf + 1;
  }
}

/**
 * Whether a line starting at `pos` is longer than Redis buffers: its terminator (at `found`)
 * has not arrived and more than PROTO_INLINE_MAX_SIZE bytes have. This is Redis's own rule, so
 * like Redis the verdict on a line just over the limit depends on how its bytes arrive.
 */
function lineTooLong(found: number, pos: number, end: number): boolean {
  return found < 0 && end - pos > PROTO_INLINE_MAX_SIZE;
}

/**
 * Parses a decimal integer from `bytes[start, end)` with Redis's `string2ll` rules: an optional
 * `-`, no `+`, no leading zeros, no blanks. Returns NaN when the text is not such a number.
 */
export function parseInteger(bytes: Uint8Array, start: number, end: number): number {
  if (start >= end) return NaN;
  let i = start;
  let negative = false;
  if (bytes[i] === 45 /* '-' */) {
    negative = true;
    i++;
    if (i === end) return NaN;
  }
  const first = bytes[i];
  if (first === 48 /* '0' */) return i + 1 === end && !negative ? 0 : NaN;
  let value = 0;
  for (; i < end; i++) {
    const digit = bytes[i] - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  // Lengths beyond 2^53 are rejected by every caller anyway; keep them out of range.
  if (value > Number.MAX_SAFE_INTEGER) return NaN;
  return negative ? -value : value;
}

/**
 * A `TransformStream` from byte chunks to one {@link DecodedBatch} per chunk. Batching per chunk
 * is what makes pipelining fast: the server runs the whole batch and writes once.
 */
export class RespDecoderStream extends TransformStream<Uint8Array, DecodedBatch> {
  constructor(options: DecoderOptions = {}) {
    const decoder = new RespDecoder(options);
    super({
      transform(chunk, controller) {
        const batch = decoder.decode(chunk);
        if (
          batch.commands.length > 0 || batch.protocolError !== undefined ||
          batch.queryBufferOverflow !== undefined
        ) {
          controller.enqueue(batch);
        }
      },
    });
  }
}
