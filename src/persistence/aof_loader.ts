/**
 * Reading an append-only file of commands: RESP arrays of bulk strings, one after another, as
 * Redis and Redeno write them. The reader tells a file cut short (a crash in the middle of a
 * write: the tail can be dropped) from one that is corrupt (something else than a command).
 *
 * @example
 * ```ts
 * const reader = new AofCommandReader(bytes);
 * for (let argv = reader.next(); argv !== null; argv = reader.next()) run(argv);
 * if (reader.truncated) console.log(`cut at ${reader.offset}`);
 * ```
 * @module
 */
import { bytesToLatin1 } from "../resp/latin1.ts";

/** The file holds something that is not a command. */
export class AofFormatError extends Error {}

export class AofCommandReader {
  readonly #data: Uint8Array;
  /** Where the next command starts: after the last complete one. */
  offset = 0;
  /** The file ended inside a command (from `offset` on). */
  truncated = false;

  constructor(data: Uint8Array, start = 0) {
    this.#data = data;
    this.offset = start;
  }

  /** The next command's argv (latin1 strings), or null at the end (or a truncated tail). */
  next(): string[] | null {
    const data = this.#data;
    if (this.offset >= data.length) return null;
    let at = this.offset;
    if (data[at] !== 0x2a) throw new AofFormatError("not a command array");
    const count = this.#number(at + 1);
    if (count === null) return this.#short();
    if (count.value < 1) throw new AofFormatError("bad command length");
    at = count.end;
    const argv: string[] = [];
    for (let i = 0; i < count.value; i++) {
      if (at >= data.length) return this.#short();
      if (data[at] !== 0x24) throw new AofFormatError("expected a bulk string");
      const length = this.#number(at + 1);
      if (length === null) return this.#short();
      if (length.value < 0) throw new AofFormatError("bad bulk length");
      const start = length.end;
      const end = start + length.value;
      if (end + 2 > data.length) return this.#short();
      if (data[end] !== 0x0d || data[end + 1] !== 0x0a) {
        throw new AofFormatError("bulk string not followed by CRLF");
      }
      argv.push(bytesToLatin1(data, start, end));
      at = end + 2;
    }
    this.offset = at;
    return argv;
  }

  #short(): null {
    this.truncated = true;
    return null;
  }

  /** A decimal number ending in CRLF at `at`; null when the data ends first. */
  #number(at: number): { value: number; end: number } | null {
    const data = this.#data;
    let value = 0;
    let digits = 0;
    let negative = false;
    if (data[at] === 0x2d) {
      negative = true;
      at++;
    }
    for (; at < data.length; at++) {
      const byte = data[at];
      if (byte === 0x0d) break;
      if (byte < 0x30 || byte > 0x39 || ++digits > 15) {
        throw new AofFormatError("bad number");
      }
      value = value * 10 + byte - 0x30;
    }
    if (at + 1 >= data.length) return null;
    if (digits === 0 || data[at + 1] !== 0x0a) throw new AofFormatError("bad number");
    return { value: negative ? -value : value, end: at + 2 };
  }
}

/** One command as the AOF holds it: `*N\r\n$len\r\narg\r\n...` (latin1 text, byte per char). */
export function encodeCommand(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const arg of argv) out += `$${arg.length}\r\n${arg}\r\n`;
  return out;
}
