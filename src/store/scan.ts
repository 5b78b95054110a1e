/**
 * SCAN cursors over a `Map`'s keys.
 *
 * V8's map iterators stay valid while the map changes: they skip deleted entries and reach
 * entries added later, and a map only ever appends. A cursor therefore names a saved iterator;
 * resuming it continues exactly where it stopped, so no key present for the whole scan is missed.
 *
 * Saved iterators are few (they pin the map's old storage), so a cursor may come back after its
 * iterator was dropped. The cursor itself then says where to restart: a lower bound of how many
 * live keys preceded the stop, and how many keys the map had lost by then (mod 2^24). Every key
 * removed since can have shifted the stop at most one place toward the start, so skipping
 * `bound - removedSince` keys from the start cannot pass a key that was not yet visited. Keys may
 * be returned twice, as Redis allows, but never missed — unless 2^24 keys were removed between two
 * calls of a scan whose iterator was dropped.
 *
 * @example
 * ```ts
 * const cursors = new ScanCursors();
 * const map = new Map([["a", 1], ["b", 2]]);
 * const seen: string[] = [];
 * let cursor = 0n;
 * do cursor = cursors.scan(cursor, 1, () => map.keys(), (key) => seen.push(key));
 * while (cursor !== 0n);
 * ```
 * @module
 */

const REMOVED_BITS = 24n;
const REMOVED_MASK = (1 << 24) - 1;
/** Saved iterators kept at most; the oldest is dropped first. */
const MAX_SAVED = 1024;

interface SavedIterator {
  iterator: Iterator<string>;
  /** Lower bound of live keys before the iterator's place when it was saved. */
  position: number;
  /** `removed` when it was saved. */
  removed: number;
}

export class ScanCursors {
  #saved = new Map<bigint, SavedIterator>();
  /** Keys removed from the scanned map so far, mod 2^24. */
  #removed = 0;

  /** Tells the cursors one key left the map (deleted, expired, renamed or moved away). */
  noteRemoval(): void {
    this.#removed = (this.#removed + 1) & REMOVED_MASK;
  }

  /** How many iterators are saved (for tests). */
  get savedCount(): number {
    return this.#saved.size;
  }

  /**
   * Visits up to `count` keys from `cursor` (0 starts), calling `visit` for each; returns the
   * next cursor, 0 when the scan is complete.
   */
  scan(
    cursor: bigint,
    count: number,
    start: () => Iterator<string>,
    visit: (key: string) => void,
  ): bigint {
    let iterator: Iterator<string>;
    let position: number;
    const saved = cursor === 0n ? undefined : this.#saved.get(cursor);
    if (saved !== undefined) {
      this.#saved.delete(cursor);
      iterator = saved.iterator;
      position = Math.max(0, saved.position - this.#removedSince(saved.removed));
    } else {
      iterator = start();
      const bound = Number(cursor >> REMOVED_BITS);
      const removedThen = Number(cursor & BigInt(REMOVED_MASK));
      const skip = Math.max(0, bound - this.#removedSince(removedThen));
      for (position = 0; position < skip; position++) {
        if (iterator.next().done) return 0n;
      }
    }
    for (let visited = 0; visited < count; visited++) {
      const next = iterator.next();
      if (next.done) return 0n;
      position++;
      visit(next.value);
    }
    const next = (BigInt(position) << REMOVED_BITS) | BigInt(this.#removed);
    if (this.#saved.size >= MAX_SAVED) this.#saved.delete(this.#saved.keys().next().value!);
    this.#saved.set(next, { iterator, position, removed: this.#removed });
    return next;
  }

  /** Drops saved iterators (after FLUSHDB or SWAPDB, so they do not pin the old map). */
  clear(): void {
    this.#saved.clear();
  }

  #removedSince(then: number): number {
    return (this.#removed - then) & REMOVED_MASK;
  }
}
