/**
 * Seeded randomness for tests, so a failing random run can be replayed from its seed.
 * @module
 */

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reads a seed from the environment variable `name`, or makes one; prints it either way. */
export function seedFrom(name: string): number {
  const given = Deno.env.get(name);
  const seed = given ? Number(given) >>> 0 : (Date.now() ^ (Math.random() * 2 ** 32)) >>> 0;
  console.log(`${name}=${seed} (set it to replay this run)`);
  return seed;
}
