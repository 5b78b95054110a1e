/**
 * The replication backlog: the last `repl-backlog-size` bytes of the replication stream, kept in
 * a ring so that a replica that lost its link briefly can continue from the byte it last had
 * (PSYNC) instead of loading a whole new RDB.
 *
 * Offsets follow Redis: the stream's bytes are numbered from 1; `offset` is the number of the
 * last byte ever fed (INFO master_repl_offset), and the backlog holds `histlen` bytes ending
 * there, starting at `firstByteOffset`.
 *
 * @example
 * ```ts
 * const backlog = new ReplicationBacklog(1024 * 1024, 0);
 * backlog.feed("*1\r\n$4\r\nPING\r\n");
 * backlog.since(1); // the 14 bytes of that PING, or null once they have been overwritten
 * ```
 * @module
 */
import { bytesToLatin1, writeLatin1 } from "../resp/latin1.ts";

export class ReplicationBacklog {
  #ring: Uint8Array;
  /** Where the next byte goes in the ring. */
  #next = 0;
  #histlen = 0;
  #offset: number;

  /** A backlog of `size` bytes whose stream has reached `offset` already. */
  constructor(size: number, offset: number) {
    this.#ring = new Uint8Array(Math.max(1, size));
    this.#offset = offset;
  }

  /** The stream offset of the last byte fed (INFO master_repl_offset). */
  get offset(): number {
    return this.#offset;
  }

  get size(): number {
    return this.#ring.length;
  }

  /** Bytes held (INFO repl_backlog_histlen). */
  get histlen(): number {
    return this.#histlen;
  }

  /** The stream offset of the oldest byte held (INFO repl_backlog_first_byte_offset). */
  get firstByteOffset(): number {
    return this.#offset - this.#histlen + 1;
  }

  /** Appends stream bytes given as latin1 text. */
  feed(text: string): void {
    const ring = this.#ring;
    const length = text.length;
    this.#offset += length;
    this.#histlen = Math.min(ring.length, this.#histlen + length);
    // Only the tail that fits in the ring can survive.
    let start = length > ring.length ? length - ring.length : 0;
    while (start < length) {
      const room = ring.length - this.#next;
      const piece = Math.min(room, length - start);
      writeLatin1(
        ring,
        this.#next,
        start === 0 && piece === length ? text : text.slice(start, start + piece),
      );
      this.#next = (this.#next + piece) % ring.length;
      start += piece;
    }
  }

  /**
   * The bytes from stream offset `from` (the first byte a replica lacks) to the end, or null
   * when the backlog no longer (or does not yet) hold them all.
   */
  since(from: number): Uint8Array | null {
    if (from < this.firstByteOffset || from > this.#offset + 1) return null;
    const count = this.#offset + 1 - from;
    const out = new Uint8Array(count);
    const ring = this.#ring;
    let position = (this.#next - count + ring.length) % ring.length;
    let copied = 0;
    while (copied < count) {
      const piece = Math.min(count - copied, ring.length - position);
      out.set(ring.subarray(position, position + piece), copied);
      copied += piece;
      position = (position + piece) % ring.length;
    }
    return out;
  }

  /** A backlog of another size holding as much of this one's history as fits. */
  resized(size: number): ReplicationBacklog {
    const held = this.since(this.firstByteOffset) ?? new Uint8Array(0);
    const kept = held.subarray(Math.max(0, held.length - size));
    const resized = new ReplicationBacklog(size, this.#offset - kept.length);
    resized.feed(bytesToLatin1(kept, 0, kept.length));
    return resized;
  }
}

/** A command in the multibulk form the replication stream carries, as latin1 text. */
export function encodeCommand(argv: readonly string[]): string {
  let text = `*${argv.length}\r\n`;
  for (const arg of argv) text += `$${arg.length}\r\n${arg}\r\n`;
  return text;
}
