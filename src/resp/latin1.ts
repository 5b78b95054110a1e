/**
 * Binary-safe conversion between bytes and latin1 strings (one char per byte).
 *
 * Keys and values are held as latin1 strings: V8 stores them one byte per char, `Map` hashes them
 * fast, and every byte 0x00-0xFF round-trips. Never use `TextDecoder("latin1")` for this: WHATWG
 * maps that label to windows-1252, which changes bytes 0x80-0x9F.
 *
 * @example
 * ```ts
 * const s = bytesToLatin1(new Uint8Array([0, 255]), 0, 2); // "\x00\xff"
 * ```
 * @module
 */
import { Buffer } from "node:buffer";

/** Below this length a char loop beats the native call's fixed cost (measured). */
const SHORT = 8;

interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}
// Making a Buffer view costs more than the slice itself, so the last one is kept: the decoder
// reads many arguments out of the same chunk.
let lastBytes: Uint8Array | null = null;
let lastView: Latin1Slicer | null = null;

/** Reads `bytes[start, end)` as a latin1 string. */
export function bytesToLatin1(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= SHORT) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
  if (bytes !== lastBytes) {
    lastBytes = bytes;
    lastView = Buffer.from(
      bytes.buffer,
      bytes.byteOffset,
      bytes.byteLength,
    ) as unknown as Latin1Slicer;
  }
  return lastView!.latin1Slice(start, end);
}

/** Writes a latin1 string into `out` at `offset`; returns the offset after it. */
export function writeLatin1(out: Uint8Array, offset: number, s: string): number {
  // A plain loop beat Buffer#latin1Write at every length we measured (64 B to 64 KiB).
  const n = s.length;
  for (let i = 0; i < n; i++) out[offset + i] = s.charCodeAt(i);
  return offset + n;
}

/** A latin1 string's bytes as a new array. */
export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  writeLatin1(out, 0, s);
  return out;
}

const utf8Encoder = new TextEncoder();
/** Text (e.g. a reply we compose) as the latin1 string of its UTF-8 bytes. */
export function textToLatin1(text: string): string {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  const bytes = utf8Encoder.encode(text);
  return bytesToLatin1(bytes, 0, bytes.length);
}
