/**
 * A Redis set: members as latin1 strings in one `Set`.
 *
 * Redis 7.0 keeps a set as an `intset` (sorted 64-bit integers) while every member is a
 * canonical int64 and there are at most `setMaxIntsetEntries` of them, else as a `hashtable`
 * for good. We always store strings; the encoding is what OBJECT ENCODING reports and, for an
 * intset, the order replies list members in: ascending by numeric value, as Redis's.
 *
 * @example
 * ```ts
 * const set = new SetValue();
 * set.add("42", defaultEncodingLimits()); // true
 * set.encoding(); // "intset"
 * set.add("x", defaultEncodingLimits());
 * set.encoding(); // "hashtable"
 * ```
 * @module
 */
import { RandomPicker } from "./random_pick.ts";
import { ScanCursors } from "./scan.ts";
import { type CollectionValue, type EncodingLimits, isIntEncodable } from "./values.ts";

/** Redis caps an intset at 2^30 entries whatever set-max-intset-entries says. */
const INTSET_HARD_LIMIT = 2 ** 30;

export class SetValue implements CollectionValue {
  #members: Set<string>;
  #intset: boolean;
  /** Made on first use: most sets are never scanned or sampled. */
  #cursors: ScanCursors | null = null;
  #picker: RandomPicker | null = null;

  constructor(members: Set<string> = new Set(), intset = true) {
    this.#members = members;
    this.#intset = intset;
  }

  /** A new set holding `members`, encoded as Redis would after adding them one by one. */
  static from(members: Iterable<string>, limits: EncodingLimits): SetValue {
    const set = new SetValue();
    for (const member of members) set.add(member, limits);
    return set;
  }

  get type(): "set" {
    return "set";
  }

  encoding(): string {
    return this.#intset ? "intset" : "hashtable";
  }

  get isIntset(): boolean {
    return this.#intset;
  }

  clone(): SetValue {
    return new SetValue(new Set(this.#members), this.#intset);
  }

  get size(): number {
    return this.#members.size;
  }

  has(member: string): boolean {
    return this.#members.has(member);
  }

  /** Adds a member, converting to `hashtable` as Redis does; returns whether it is new. */
  add(member: string, limits: EncodingLimits): boolean {
    const members = this.#members;
    if (members.has(member)) return false;
    if (this.#intset && !isIntEncodable(member)) this.#intset = false;
    members.add(member);
    if (
      this.#intset &&
      members.size > Math.min(limits.setMaxIntsetEntries, INTSET_HARD_LIMIT)
    ) {
      this.#intset = false;
    }
    return true;
  }

  /** Removes a member; returns whether it was there. */
  delete(member: string): boolean {
    if (!this.#members.delete(member)) return false;
    this.#cursors?.noteRemoval();
    return true;
  }

  /** Members in Redis's order where it is known (intset: ascending), else insertion order. */
  elements(): IterableIterator<string> {
    if (!this.#intset) return this.#members.values();
    return [...this.#members].sort(compareIntegers).values();
  }

  /** A member at random; the set must not be empty. */
  random(): string {
    return this.#randomPicker().pick(() => this.#members.values(), this.#members.size);
  }

  /** `count` distinct members at random, count below the size. */
  randomMembers(count: number): string[] {
    return this.#randomPicker().sample(() => this.#members.values(), this.#members.size, count);
  }

  /** Removes and returns a member at random; the set must not be empty. */
  pop(): string {
    const member = this.random();
    this.delete(member);
    return member;
  }

  /**
   * Removes `count` members at random (count below the size) and returns them. When few
   * would remain, Redis builds a new set of the survivors instead, which starts over as an
   * intset if they allow it; so do we, so that OBJECT ENCODING agrees.
   */
  popMany(count: number, limits: EncodingLimits): string[] {
    const remaining = this.#members.size - count;
    if (remaining * 5 > count) {
      const popped: string[] = [];
      for (let i = 0; i < count; i++) popped.push(this.pop());
      return popped;
    }
    const survivors = this.randomMembers(remaining);
    for (const member of survivors) this.#members.delete(member);
    const popped = [...this.#members];
    this.#members = new Set();
    this.#intset = true;
    for (const member of survivors) this.add(member, limits);
    this.#cursors?.clear();
    this.#picker?.reset();
    return popped;
  }

  /**
   * One SSCAN step. An intset is returned whole, ascending, with cursor 0, as Redis does; a
   * hashtable is walked `count` members at a time, never missing one present throughout.
   */
  scan(cursor: bigint, count: number, visit: (member: string) => void): bigint {
    if (this.#intset) {
      for (const member of this.elements()) visit(member);
      return 0n;
    }
    this.#cursors ??= new ScanCursors();
    const members = this.#members;
    return this.#cursors.scan(cursor, count, () => members.values(), visit);
  }

  #randomPicker(): RandomPicker {
    return this.#picker ??= new RandomPicker();
  }
}

/** Orders canonical int64 strings by value without parsing them. */
function compareIntegers(a: string, b: string): number {
  const negative = a.charCodeAt(0) === 45;
  if (negative !== (b.charCodeAt(0) === 45)) return negative ? -1 : 1;
  let order = a.length - b.length;
  if (order === 0) order = a < b ? -1 : a > b ? 1 : 0;
  return negative ? -order : order;
}
