/**
 * LZF, the compression RDB uses for strings (`rdbcompression yes`). The format: a control byte
 * below 32 starts a run of `ctrl + 1` literal bytes; otherwise its top three bits are a match
 * length (7 means "add the next byte"), and with the next byte they give a back reference
 * `offset + 1` bytes behind the output position. A match copies `length + 2` bytes.
 *
 * @example
 * ```ts
 * const input = new TextEncoder().encode("abcabcabcabcabcabcabcabc");
 * const packed = lzfCompress(input)!; // null when it would not save space
 * lzfDecompress(packed, input.length); // the input again
 * ```
 * @module
 */

const HASH_BITS = 14;
const MAX_LITERAL = 32;
const MAX_OFFSET = 1 << 13;
const MAX_MATCH = (1 << 8) + (1 << 3); // 264 bytes past the first two

/** Last position (plus a per-call base, so old entries read as stale) of each 3-byte hash. */
const table = new Int32Array(1 << HASH_BITS);
let base = 0;

function hash3(input: Uint8Array, i: number): number {
  const v = (input[i] << 16) | (input[i + 1] << 8) | input[i + 2];
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS));
}

/**
 * Compresses `input`; returns null unless the result is at most `maxLength` bytes (by default
 * four less than the input, as Redis requires before it stores a string compressed).
 */
export function lzfCompress(input: Uint8Array, maxLength = input.length - 4): Uint8Array | null {
  const n = input.length;
  if (n < 4 || maxLength <= 0) return null;
  if (base > 0x3fffffff - n) {
    table.fill(0);
    base = 0;
  }
  const start = base + 1; // table entries below this belong to earlier calls
  base += n + 1;
  const out = new Uint8Array(maxLength + 1);
  let op = 1; // out[0] is the first literal run's control byte
  let runStart = 0; // where the current literal run's control byte sits
  let literals = 0;
  let ip = 0;
  while (ip < n - 2) {
    const slot = hash3(input, ip);
    const ref = table[slot] - start;
    table[slot] = start + ip;
    const offset = ip - ref - 1;
    if (
      ref >= 0 && offset < MAX_OFFSET && ip + 4 < n &&
      input[ref] === input[ip] && input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      let length = 2;
      const maxMatch = Math.min(n - ip - length, MAX_MATCH);
      if (op + 3 + 1 >= maxLength + 1) return null;
      // Close the literal run (or take back its unused control byte).
      if (literals > 0) out[runStart] = literals - 1;
      else op--;
      do length++; while (length < maxMatch && input[ref + length] === input[ip + length]);
      length -= 2;
      ip++;
      if (length < 7) {
        out[op++] = (offset >> 8) + (length << 5);
      } else {
        out[op++] = (offset >> 8) + (7 << 5);
        out[op++] = length - 7;
      }
      out[op++] = offset & 0xff;
      runStart = op++;
      literals = 0;
      ip += length + 1;
      if (ip >= n - 2) break;
      // Remember the positions the match covered, so later data can refer to them.
      table[hash3(input, ip - 2)] = start + ip - 2;
      table[hash3(input, ip - 1)] = start + ip - 1;
    } else {
      if (op >= maxLength) return null;
      literals++;
      out[op++] = input[ip++];
      if (literals === MAX_LITERAL) {
        out[runStart] = MAX_LITERAL - 1;
        literals = 0;
        runStart = op++;
      }
    }
  }
  while (ip < n) {
    if (op >= maxLength) return null;
    literals++;
    out[op++] = input[ip++];
    if (literals === MAX_LITERAL) {
      out[runStart] = MAX_LITERAL - 1;
      literals = 0;
      runStart = op++;
    }
  }
  if (literals > 0) out[runStart] = literals - 1;
  else op--;
  if (op > maxLength) return null;
  return out.subarray(0, op);
}

/** Decompresses LZF data that must expand to exactly `length` bytes; null when malformed. */
export function lzfDecompress(input: Uint8Array, length: number): Uint8Array | null {
  const out = new Uint8Array(length);
  let ip = 0;
  let op = 0;
  const n = input.length;
  while (ip < n) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (op + run > length || ip + run > n) return null;
      out.set(input.subarray(ip, ip + run), op);
      op += run;
      ip += run;
    } else {
      let run = ctrl >> 5;
      if (run === 7) {
        if (ip >= n) return null;
        run += input[ip++];
      }
      if (ip >= n) return null;
      let ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++];
      run += 2;
      if (ref < 0 || op + run > length) return null;
      for (let i = 0; i < run; i++) out[op++] = out[ref++];
    }
  }
  return op === length ? out : null;
}
