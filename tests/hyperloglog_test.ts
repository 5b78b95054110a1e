/**
 * Unit tests of the HyperLogLog representation: MurmurHash64A on 32-bit halves against a
 * straightforward BigInt version, the byte editor behind large values, and PFSELFTEST.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { murmurHash64 } from "../src/store/hyperloglog.ts";
import { ByteEditor } from "../src/store/bits.ts";
import { prng } from "./support/random.ts";

const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

/** MurmurHash64A written the obvious way, with BigInt, as the reference. */
function referenceMurmur(s: string, seed: bigint): bigint {
  const len = s.length;
  let h = (seed ^ (BigInt(len) * M)) & MASK;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(s.charCodeAt(i + j));
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  if (len & 7) {
    for (let j = (len & 7) - 1; j >= 0; j--) h ^= BigInt(s.charCodeAt(blocks + j)) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

Deno.test("MurmurHash64A on 32-bit halves equals the BigInt reference", () => {
  const random = prng(7);
  for (let n = 0; n < 2000; n++) {
    const length = n < 40 ? n : Math.floor(random() * 70);
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode(Math.floor(random() * 256));
    assertEquals(murmurHash64(s), referenceMurmur(s, 0xadc83b19n), JSON.stringify(s));
  }
});

Deno.test("ByteEditor: changes, growth and invalidation keep the bytes right", () => {
  const owner = {};
  const random = prng(11);
  let value = "";
  let expected: number[] = [];
  for (let step = 0; step < 3000; step++) {
    if (step % 500 === 499) {
      // Another writer replaces the value: the cache must notice.
      value = value.slice(0, 100) + "!" + value.slice(101);
      expected[100] = 33;
    }
    const index = Math.floor(random() * (step < 1500 ? 20_000 : 70_000));
    const byte = Math.floor(random() * 256);
    const editor = ByteEditor.open(owner, "k", value, index + 1);
    editor.set(index, byte);
    value = editor.finish();
    while (expected.length <= index) expected.push(0);
    expected[index] = byte;
  }
  assertEquals(value.length, expected.length);
  expected = expected.map((b) => b);
  assertEquals([...value].map((c) => c.charCodeAt(0)), expected);
  assertEquals(
    ByteEditor.cachedBytes(owner, "k", value)?.subarray(0, value.length),
    new Uint8Array(expected),
  );
});
