/**
 * Hash slots as Redis Cluster computes them: CRC16 (XMODEM) of the key, or of the part between
 * the first `{` and the next `}` when that part is not empty (a hash tag), modulo 16384.
 *
 * @example
 * ```ts
 * keyHashSlot("foo"); // 12182
 * keyHashSlot("{user1000}.following") === keyHashSlot("{user1000}.followers"); // true
 * ```
 * @module
 */

/** How many hash slots a cluster has. */
export const CLUSTER_SLOTS = 16384;

/** CRC16 with polynomial 0x1021 and initial value 0 (XMODEM), one entry per byte value. */
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
})();

/** CRC16 (XMODEM) of `key[start..end)`, a latin1 string (one char per byte). */
export function crc16(key: string, start = 0, end = key.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ key.charCodeAt(i)) & 0xff];
  }
  return crc;
}

/** The hash slot of a key (latin1), honouring `{hash tags}` as Redis's keyHashSlot. */
export function keyHashSlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    // `{}` (an empty tag) or no closing brace: the whole key is hashed.
    if (close > open + 1) return crc16(key, open + 1, close) & (CLUSTER_SLOTS - 1);
  }
  return crc16(key) & (CLUSTER_SLOTS - 1);
}
