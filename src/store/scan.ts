/**
 * SCAN cursors over a `Map`'s keys. V8's map iterators stay valid while the map changes: they
 * skip deleted entries and reach entries added later. A cursor therefore names a saved iterator
 * (its slot) and how far it has gone; resuming it continues exactly where it stopped, so no key
 * present for the whole scan is missed or repeated. A cursor whose iterator was evicted, or that
 * comes from elsewhere, falls back to skipping that many entries from the start.
 * @module
 */

const SLOTS = 4096;

interface SavedIterator {
  iterator: Iterator<string>;
  position: number;
}

export class ScanCursors {
  #saved = new Map<number, SavedIterator>();
  #nextSlot = 1;

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
    const slot = Number(cursor % BigInt(SLOTS));
    const savedPosition = Number(cursor / BigInt(SLOTS));
    const saved = cursor === 0n ? undefined : this.#saved.get(slot);
    if (saved !== undefined && saved.position === savedPosition) {
      iterator = saved.iterator;
      position = saved.position;
      this.#saved.delete(slot);
    } else {
      iterator = start();
      position = 0;
      for (; position < savedPosition; position++) {
        if (iterator.next().done) return 0n;
      }
    }
    for (let visited = 0; visited < count; visited++) {
      const next = iterator.next();
      if (next.done) return 0n;
      position++;
      visit(next.value);
    }
    const nextSlot = this.#allocateSlot();
    this.#saved.set(nextSlot, { iterator, position });
    return BigInt(position) * BigInt(SLOTS) + BigInt(nextSlot);
  }

  /** Drops saved iterators (after FLUSHDB, so they do not pin the old map). */
  clear(): void {
    this.#saved.clear();
  }

  #allocateSlot(): number {
    const slot = this.#nextSlot;
    this.#nextSlot = this.#nextSlot % (SLOTS - 1) + 1;
    this.#saved.delete(slot);
    return slot;
  }
}
