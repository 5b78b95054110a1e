/**
 * Reply encoder: appends RESP2 or RESP3 replies to one growable buffer per connection, so that a
 * whole pipelined batch of replies leaves in a single socket write.
 *
 * Strings are latin1 (one char per byte, see `latin1.ts`); `bulkText` takes ordinary text and
 * sends its UTF-8 bytes. Methods pick the RESP3 type where Redis does and fall back to Redis's
 * RESP2 forms (null bulk, flat arrays for maps, bulk strings for doubles).
 *
 * @example
 * ```ts
 * const reply = new ReplyWriter();
 * reply.arrayHeader(2);
 * reply.bulk("hello");
 * reply.integer(42);
 * reply.take(); // bytes of "*2\r\n$5\r\nhello\r\n:42\r\n"
 * ```
 * @module
 */
import { textToLatin1, writeLatin1 } from "./latin1.ts";
import { formatDouble } from "./number_format.ts";

export type RespVersion = 2 | 3;

/**
 * Small to start, as Redis 7 keeps idle clients' reply buffers small: a connection that only
 * ever gets short replies holds two such buffers; bigger batches grow them by doubling.
 */
const INITIAL_SIZE = 1024;
/** A buffer grown past this is dropped after its batch so idle clients stay small. */
const KEEP_AT_MOST = 1024 * 1024;

export class ReplyWriter {
  /** The protocol of the client this writer serves; HELLO changes it. */
  resp: RespVersion = 2;
  #buffer: Uint8Array = new Uint8Array(INITIAL_SIZE);
  #length = 0;
  /** The buffer `take` handed out, being written; appends go to the other one meanwhile. */
  #inFlight: Uint8Array | null = null;
  /** A buffer to switch to at the next `take`, so steady state allocates nothing. */
  #spare: Uint8Array | null = null;

  /** Bytes written since the last `take`. */
  get length(): number {
    return this.#length;
  }

  /** Forgets everything written after `length` (CLIENT REPLY OFF / SKIP). */
  truncate(length: number): void {
    this.#length = length;
  }

  /**
   * Hands out the bytes written so far and starts afresh in another buffer, so replies can be
   * appended (a PUBLISH to this client, say) while those bytes are being written. Call `release`
   * once they are written; one `take` may be outstanding at a time.
   */
  take(): Uint8Array {
    const bytes = this.#buffer.subarray(0, this.#length);
    this.#inFlight = this.#buffer;
    this.#buffer = this.#spare ?? new Uint8Array(INITIAL_SIZE);
    this.#spare = null;
    this.#length = 0;
    return bytes;
  }

  /** Called once the bytes from `take` are written: keeps the buffer for reuse unless huge. */
  release(): void {
    if (this.#inFlight !== null && this.#inFlight.length <= KEEP_AT_MOST) {
      this.#spare = this.#inFlight;
    }
    this.#inFlight = null;
    if (this.#buffer.length > KEEP_AT_MOST && this.#length === 0) {
      this.#buffer = new Uint8Array(INITIAL_SIZE);
    }
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }

  #crlf(): void {
    this.#buffer[this.#length++] = 13;
    this.#buffer[this.#length++] = 10;
  }

  /** A type byte, then a latin1 line, then CRLF. */
  #line(type: number, text: string): void {
    this.#reserve(text.length + 3);
    this.#buffer[this.#length++] = type;
    this.#length = writeLatin1(this.#buffer, this.#length, text);
    this.#crlf();
  }

  #header(type: number, count: number): void {
    this.#reserve(24);
    const buffer = this.#buffer;
    buffer[this.#length++] = type;
    if (count >= 0 && count < 10) {
      buffer[this.#length++] = 48 + count;
    } else {
      this.#length = writeLatin1(buffer, this.#length, String(count));
    }
    buffer[this.#length++] = 13;
    buffer[this.#length++] = 10;
  }

  /** Appends already-encoded RESP bytes (latin1). */
  raw(text: string): void {
    this.#reserve(text.length);
    this.#length = writeLatin1(this.#buffer, this.#length, text);
  }

  /** `+OK`-style status reply. */
  simple(text: string): void {
    this.#line(43, text);
  }

  ok(): void {
    this.raw("+OK\r\n");
  }

  /** Told of every error reply (INFO total_error_replies and errorstats count them). */
  onError: ((text: string) => void) | null = null;

  /** An error reply; `text` starts with its code, e.g. `ERR ...` or `WRONGTYPE ...`. */
  error(text: string): void {
    if (this.onError !== null) this.onError(text);
    // A newline would end the reply early: Redis replaces them with spaces.
    this.#line(45, /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, " ") : text);
  }

  integer(value: number | bigint): void {
    if (typeof value === "number" && value >= 0 && value < 10) {
      this.#reserve(4);
      const buffer = this.#buffer;
      buffer[this.#length++] = 58;
      buffer[this.#length++] = 48 + value;
      buffer[this.#length++] = 13;
      buffer[this.#length++] = 10;
      return;
    }
    this.#line(58, String(value));
  }

  /** A bulk string holding a latin1 string's bytes. */
  bulk(value: string): void {
    const n = value.length;
    this.#reserve(n + 24);
    this.#header(36, n);
    this.#length = writeLatin1(this.#buffer, this.#length, value);
    this.#crlf();
  }

  /** A bulk string holding raw bytes. */
  bulkBytes(value: Uint8Array): void {
    this.#reserve(value.length + 24);
    this.#header(36, value.length);
    this.#buffer.set(value, this.#length);
    this.#length += value.length;
    this.#crlf();
  }

  /** A bulk string holding text as UTF-8. */
  bulkText(text: string): void {
    this.bulk(textToLatin1(text));
  }

  /** A bulk string, or null for `null`. */
  bulkOrNull(value: string | null | undefined): void {
    if (value === null || value === undefined) this.nullBulk();
    else this.bulk(value);
  }

  /** The null that replaces a missing string: `$-1` in RESP2, `_` in RESP3. */
  nullBulk(): void {
    this.raw(this.resp === 3 ? "_\r\n" : "$-1\r\n");
  }

  /** The null that replaces a missing array: `*-1` in RESP2, `_` in RESP3. */
  nullArray(): void {
    this.raw(this.resp === 3 ? "_\r\n" : "*-1\r\n");
  }

  arrayHeader(count: number): void {
    this.#header(42, count);
  }

  /** A map of `count` pairs: `%` in RESP3, a flat array of 2×count in RESP2. */
  mapHeader(count: number): void {
    if (this.resp === 3) this.#header(37, count);
    else this.#header(42, count * 2);
  }

  /** A set: `~` in RESP3, an array in RESP2. */
  setHeader(count: number): void {
    this.#header(this.resp === 3 ? 126 : 42, count);
  }

  /** An out-of-band push (pub/sub messages): `>` in RESP3, an array in RESP2. */
  pushHeader(count: number): void {
    this.#header(this.resp === 3 ? 62 : 42, count);
  }

  /** A double: `,` in RESP3, a bulk string in RESP2, formatted as Redis's `%.17g`. */
  double(value: number): void {
    const text = formatDouble(value);
    if (this.resp === 3) this.#line(44, text);
    else this.bulk(text);
  }

  /** A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2. */
  boolean(value: boolean): void {
    if (this.resp === 3) this.raw(value ? "#t\r\n" : "#f\r\n");
    else this.raw(value ? ":1\r\n" : ":0\r\n");
  }

  /** Verbatim text (INFO, CLIENT LIST): `=` with a format tag in RESP3, a bulk string in RESP2. */
  verbatim(text: string, format = "txt"): void {
    const bytes = textToLatin1(text);
    if (this.resp === 3) {
      this.#reserve(bytes.length + 32);
      this.#header(61, bytes.length + 4);
      this.#length = writeLatin1(this.#buffer, this.#length, format + ":");
      this.#length = writeLatin1(this.#buffer, this.#length, bytes);
      this.#crlf();
    } else {
      this.bulk(bytes);
    }
  }

  /** An array of bulk strings. */
  bulkArray(values: readonly string[]): void {
    this.arrayHeader(values.length);
    for (const value of values) this.bulk(value);
  }
}
