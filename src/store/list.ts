/**
 * The list value: a ring buffer of latin1 strings. Pushing and popping at either end is O(1)
 * amortized, reading by index is O(1), and a range costs only its length; inserting or removing
 * in the middle moves the elements on the shorter side, as Redis's O(N) for those.
 *
 * The buffer's capacity is a power of two, so an index wraps with a mask. It doubles when full
 * and halves when three quarters empty, so memory follows the list's size both ways.
 *
 * @example
 * ```ts
 * const list = new ListValue();
 * list.pushTail("b");
 * list.pushHead("a");
 * list.range(0, list.size - 1); // ["a", "b"]
 * list.popTail(); // "b"
 * ```
 * @module
 */
import type { CollectionValue } from "./values.ts";

const MIN_CAPACITY = 8;

export class ListValue implements CollectionValue {
  readonly type = "list" as const;
  #items: Array<string | undefined>;
  /** Capacity - 1; capacity is a power of two. */
  #mask: number;
  /** Physical index of the first element. */
  #head = 0;
  #size = 0;

  constructor(elements: Iterable<string> = []) {
    this.#items = new Array(MIN_CAPACITY);
    this.#mask = MIN_CAPACITY - 1;
    for (const element of elements) this.pushTail(element);
  }

  /** Number of elements (LLEN). */
  get size(): number {
    return this.#size;
  }

  /** Redis 7.0 keeps every list in a quicklist, whatever its size. */
  encoding(): string {
    return "quicklist";
  }

  clone(): ListValue {
    const copy = new ListValue();
    copy.#items = this.#ordered(Math.max(MIN_CAPACITY, this.#items.length));
    copy.#mask = copy.#items.length - 1;
    copy.#size = this.#size;
    return copy;
  }

  /** Elements from head to tail. */
  *elements(): IterableIterator<string> {
    for (let i = 0; i < this.#size; i++) yield this.#items[(this.#head + i) & this.#mask]!;
  }

  pushHead(element: string): void {
    if (this.#size === this.#items.length) this.#resize(this.#items.length * 2);
    this.#head = (this.#head - 1) & this.#mask;
    this.#items[this.#head] = element;
    this.#size++;
  }

  pushTail(element: string): void {
    if (this.#size === this.#items.length) this.#resize(this.#items.length * 2);
    this.#items[(this.#head + this.#size) & this.#mask] = element;
    this.#size++;
  }

  /** Removes and returns the first element (undefined when empty). */
  popHead(): string | undefined {
    if (this.#size === 0) return undefined;
    const element = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    this.#maybeShrink();
    return element;
  }

  /** Removes and returns the last element (undefined when empty). */
  popTail(): string | undefined {
    if (this.#size === 0) return undefined;
    const at = (this.#head + this.#size - 1) & this.#mask;
    const element = this.#items[at];
    this.#items[at] = undefined;
    this.#size--;
    this.#maybeShrink();
    return element;
  }

  /** The element at `index` (0 = head; negative counts from the tail), or undefined. */
  at(index: number): string | undefined {
    if (index < 0) index += this.#size;
    if (index < 0 || index >= this.#size) return undefined;
    return this.#items[(this.#head + index) & this.#mask];
  }

  /** Replaces the element at `index` (0 = head; negative from the tail); false if out of range. */
  set(index: number, element: string): boolean {
    if (index < 0) index += this.#size;
    if (index < 0 || index >= this.#size) return false;
    this.#items[(this.#head + index) & this.#mask] = element;
    return true;
  }

  /** Elements `start..end` inclusive (0-based, already within bounds), head to tail. */
  range(start: number, end: number): string[] {
    const out = new Array<string>(Math.max(0, end - start + 1));
    for (let i = start; i <= end; i++) out[i - start] = this.#items[(this.#head + i) & this.#mask]!;
    return out;
  }

  /** Index of the first element equal to `element` from the head, or -1. */
  indexOf(element: string): number {
    for (let i = 0; i < this.#size; i++) {
      if (this.#items[(this.#head + i) & this.#mask] === element) return i;
    }
    return -1;
  }

  /** Inserts `element` so that it ends up at `index` (0..size), moving the shorter side. */
  insertAt(index: number, element: string): void {
    if (index <= 0) return this.pushHead(element);
    if (index >= this.#size) return this.pushTail(element);
    if (this.#size === this.#items.length) this.#resize(this.#items.length * 2);
    const items = this.#items;
    const mask = this.#mask;
    if (index < this.#size - index) {
      // Shift the first `index` elements one place toward the head.
      this.#head = (this.#head - 1) & mask;
      for (let i = 0; i < index; i++) {
        items[(this.#head + i) & mask] = items[(this.#head + i + 1) & mask];
      }
    } else {
      for (let i = this.#size; i > index; i--) {
        items[(this.#head + i) & mask] = items[(this.#head + i - 1) & mask];
      }
    }
    items[(this.#head + index) & mask] = element;
    this.#size++;
  }

  /**
   * Removes up to `count` elements equal to `element` (LREM): scanning from the head, or from
   * the tail when `fromTail`; `count` Infinity removes all. Returns how many were removed.
   */
  remove(element: string, count: number, fromTail: boolean): number {
    const items = this.#items;
    const mask = this.#mask;
    const size = this.#size;
    let removed = 0;
    if (!fromTail) {
      // Compact toward the head: `kept` is where the next surviving element goes.
      let kept = 0;
      for (let i = 0; i < size; i++) {
        const value = items[(this.#head + i) & mask];
        if (removed < count && value === element) removed++;
        else items[(this.#head + kept++) & mask] = value;
      }
      for (let i = kept; i < size; i++) items[(this.#head + i) & mask] = undefined;
    } else {
      let kept = size - 1;
      for (let i = size - 1; i >= 0; i--) {
        const value = items[(this.#head + i) & mask];
        if (removed < count && value === element) removed++;
        else items[(this.#head + kept--) & mask] = value;
      }
      for (let i = 0; i <= kept; i++) items[(this.#head + i) & mask] = undefined;
      this.#head = (this.#head + removed) & mask;
    }
    this.#size -= removed;
    this.#maybeShrink();
    return removed;
  }

  /** Drops `fromHead` elements at the head and `fromTail` at the tail (LTRIM). */
  trim(fromHead: number, fromTail: number): void {
    if (fromHead + fromTail >= this.#size) {
      this.#items = new Array(MIN_CAPACITY);
      this.#mask = MIN_CAPACITY - 1;
      this.#head = 0;
      this.#size = 0;
      return;
    }
    for (let i = 0; i < fromHead; i++) this.#items[(this.#head + i) & this.#mask] = undefined;
    for (let i = this.#size - fromTail; i < this.#size; i++) {
      this.#items[(this.#head + i) & this.#mask] = undefined;
    }
    this.#head = (this.#head + fromHead) & this.#mask;
    this.#size -= fromHead + fromTail;
    this.#maybeShrink();
  }

  /** The elements in order in a fresh array of `capacity` slots. */
  #ordered(capacity: number): Array<string | undefined> {
    const items = new Array<string | undefined>(capacity);
    for (let i = 0; i < this.#size; i++) items[i] = this.#items[(this.#head + i) & this.#mask];
    return items;
  }

  #resize(capacity: number): void {
    this.#items = this.#ordered(capacity);
    this.#mask = capacity - 1;
    this.#head = 0;
  }

  #maybeShrink(): void {
    const capacity = this.#items.length;
    if (capacity > MIN_CAPACITY && this.#size < capacity / 4) {
      let next = capacity / 2;
      while (next > MIN_CAPACITY && this.#size < next / 4) next /= 2;
      this.#resize(next);
    }
  }
}

/** Whether a stored value is a list. */
export function isList(value: unknown): value is ListValue {
  return value instanceof ListValue;
}
