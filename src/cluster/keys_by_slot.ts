/**
 * Which keys each hash slot holds, for CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT. The keyspace
 * tells it of every key added and removed (see `KeyIndex` in src/store/keyspace.ts); it exists
 * only in cluster mode, so a standalone server pays nothing for it.
 *
 * @example
 * ```ts
 * const index = new KeysBySlot();
 * index.added("foo");
 * index.count(12182); // 1
 * index.newest(12182, 10); // ["foo"]
 * ```
 * @module
 */
import type { KeyIndex } from "../store/keyspace.ts";
import { CLUSTER_SLOTS, keyHashSlot } from "./slots.ts";

export class KeysBySlot implements KeyIndex {
  /** Per slot, its keys from oldest to newest; made when the slot gets its first key. */
  #slots: Array<Set<string> | undefined> = new Array(CLUSTER_SLOTS);

  /** A key was created, or replaced by a key moved in (RENAME): it is now the newest. */
  added(key: string): void {
    const slot = keyHashSlot(key);
    let keys = this.#slots[slot];
    if (keys === undefined) keys = this.#slots[slot] = new Set();
    else keys.delete(key);
    keys.add(key);
  }

  removed(key: string): void {
    this.#slots[keyHashSlot(key)]?.delete(key);
  }

  cleared(): void {
    this.#slots = new Array(CLUSTER_SLOTS);
  }

  /** How many keys the slot holds (expired ones not yet removed included, as Redis). */
  count(slot: number): number {
    return this.#slots[slot]?.size ?? 0;
  }

  /** Up to `limit` keys of the slot, newest first, as Redis lists them. */
  newest(slot: number, limit: number): string[] {
    const keys = this.#slots[slot];
    if (keys === undefined || limit <= 0) return [];
    const all = [...keys];
    const found: string[] = [];
    for (let i = all.length - 1; i >= 0 && found.length < limit; i--) found.push(all[i]);
    return found;
  }
}
