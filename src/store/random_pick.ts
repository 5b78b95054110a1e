/**
 * Random picks from a `Map` or `Set`, which have no random access. Hashes and sets use it for
 * HRANDFIELD, SRANDMEMBER and SPOP.
 *
 * Small collections are picked from uniformly by index. Big ones are walked by a rolling iterator
 * that advances a random stride per pick: O(1) amortized, spread over the whole collection, and
 * still valid while the collection changes (a JS iterator skips deleted entries). Redis's own
 * picks are not uniform either (it samples hash buckets).
 *
 * @example
 * ```ts
 * const members = new Set(["a", "b", "c"]);
 * const picker = new RandomPicker();
 * picker.pick(members.keys.bind(members), members.size); // "a", "b" or "c"
 * ```
 * @module
 */

/** Up to this size a pick walks to a uniformly chosen index. */
const UNIFORM_UP_TO = 64;
/** Largest stride of the rolling walk. */
const MAX_STRIDE = 32;

export class RandomPicker {
  #walk: Iterator<string> | null = null;

  /** One element at random from a non-empty collection of `size` whose keys `start` iterates. */
  pick(start: () => Iterator<string>, size: number): string {
    if (size <= UNIFORM_UP_TO) {
      let index = Math.floor(Math.random() * size);
      const iterator = start();
      for (;;) {
        const next = iterator.next();
        if (next.done) throw new Error("RandomPicker: collection smaller than its size");
        if (index-- === 0) return next.value;
      }
    }
    const stride = 1 + Math.floor(Math.random() * MAX_STRIDE);
    let value: string | undefined;
    for (let i = 0; i < stride; i++) {
      let next = this.#walk?.next();
      if (next === undefined || next.done) {
        this.#walk = start();
        next = this.#walk.next();
        if (next.done) throw new Error("RandomPicker: empty collection");
      }
      value = next.value;
    }
    return value!;
  }

  /** `count` distinct elements at random (count < size), in no particular order. */
  sample(start: () => Iterator<string>, size: number, count: number): string[] {
    if (count * 3 > size) {
      // A large share: shuffle the first `count` places of a full copy (Fisher-Yates).
      const all: string[] = [];
      const iterator = start();
      for (let next = iterator.next(); !next.done; next = iterator.next()) all.push(next.value);
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (all.length - i));
        [all[i], all[j]] = [all[j], all[i]];
      }
      all.length = count;
      return all;
    }
    const chosen = new Set<string>();
    while (chosen.size < count) chosen.add(this.pick(start, size));
    return [...chosen];
  }

  /** Forgets the walk (when the collection is replaced by another). */
  reset(): void {
    this.#walk = null;
  }
}
