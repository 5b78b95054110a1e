/**
 * A binary min-heap of (deadline, key) pairs, kept as two parallel arrays so a million entries
 * cost two array slots each rather than an object each. Entries are never searched for: when a
 * key's TTL changes a new entry is pushed, and the old one is recognised as stale when popped.
 * @module
 */
export class ExpiryHeap {
  #deadlines: Float64Array = new Float64Array(64);
  #keys: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The earliest deadline, or Infinity when empty. */
  peekDeadline(): number {
    return this.#size > 0 ? this.#deadlines[0] : Infinity;
  }

  peekKey(): string | undefined {
    return this.#size > 0 ? this.#keys[0] : undefined;
  }

  push(deadline: number, key: string): void {
    if (this.#size === this.#deadlines.length) {
      const grown = new Float64Array(this.#deadlines.length * 2);
      grown.set(this.#deadlines);
      this.#deadlines = grown;
    }
    let i = this.#size++;
    const deadlines = this.#deadlines;
    const keys = this.#keys;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (deadlines[parent] <= deadline) break;
      deadlines[i] = deadlines[parent];
      keys[i] = keys[parent];
      i = parent;
    }
    deadlines[i] = deadline;
    keys[i] = key;
  }

  /** Removes the earliest entry. */
  pop(): void {
    if (this.#size === 0) return;
    const last = --this.#size;
    const deadline = this.#deadlines[last];
    const key = this.#keys[last];
    this.#keys.length = last;
    if (last > 0) this.#siftDown(0, deadline, key);
  }

  /** Replaces the contents with these entries, in O(n) (a rebuild that drops stale entries). */
  assign(entries: Iterable<[string, number]>): void {
    const keys: string[] = [];
    const values: number[] = [];
    for (const [key, deadline] of entries) {
      keys.push(key);
      values.push(deadline);
    }
    this.#deadlines = new Float64Array(Math.max(64, values.length));
    this.#deadlines.set(values);
    this.#keys = keys;
    this.#size = keys.length;
    for (let i = (this.#size >> 1) - 1; i >= 0; i--) {
      this.#siftDown(i, this.#deadlines[i], this.#keys[i]);
    }
  }

  /** Places (deadline, key) at `i` or below, moving earlier children up. */
  #siftDown(i: number, deadline: number, key: string): void {
    const size = this.#size;
    const deadlines = this.#deadlines;
    const keys = this.#keys;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && deadlines[child + 1] < deadlines[child]) child++;
      if (deadlines[child] >= deadline) break;
      deadlines[i] = deadlines[child];
      keys[i] = keys[child];
      i = child;
    }
    deadlines[i] = deadline;
    keys[i] = key;
  }

  clear(): void {
    this.#deadlines = new Float64Array(64);
    this.#keys = [];
    this.#size = 0;
  }
}
