/**
 * The keyspace: numbered databases of key → value, with TTLs.
 *
 * Expiry works as in Redis: a key past its deadline is removed when it is next touched (lazy),
 * and an active cycle removes due keys in the background in bounded slices. The cycle is driven
 * by a min-heap of (deadline, key); when a TTL changes a new heap entry is pushed and the old one
 * is skipped as stale when it surfaces, so nothing is ever searched for.
 *
 * Keys and string values are latin1 strings. The store knows nothing of connections or RESP.
 *
 * @example
 * ```ts
 * const keyspace = new Keyspace({ databases: 16 });
 * const db = keyspace.db(0);
 * db.set("greeting", "hello");
 * db.setExpire("greeting", keyspace.clock.now() + 1000);
 * ```
 * @module
 */
import { Clock } from "./clock.ts";
import { ExpiryHeap } from "./expiry_heap.ts";
import { ScanCursors } from "./scan.ts";
import type { Value } from "./values.ts";

export interface KeyspaceOptions {
  databases?: number;
  clock?: Clock;
}

/** Counters INFO reports. */
export interface KeyspaceStats {
  expiredKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
}

export class Database {
  readonly id: number;
  readonly clock: Clock;
  readonly stats: KeyspaceStats;
  #values = new Map<string, Value>();
  #expires = new Map<string, number>();
  #heap = new ExpiryHeap();
  /** Last access, in seconds of the clock (OBJECT IDLETIME, and LRU eviction later). */
  #accessed = new Map<string, number>();
  /** Keys whose string was last changed in place (APPEND, SETRANGE): Redis reports them `raw`. */
  #modifiedInPlace = new Set<string>();
  #randomWalk: Iterator<string> | null = null;
  #scanCursors = new ScanCursors();

  constructor(id: number, clock: Clock, stats: KeyspaceStats) {
    this.id = id;
    this.clock = clock;
    this.stats = stats;
  }

  /** Keys, including those past their deadline that no one has touched yet (as DBSIZE). */
  get size(): number {
    return this.#values.size;
  }

  /** Keys that have a TTL. */
  get expiresCount(): number {
    return this.#expires.size;
  }

  /** Looks a key up for a command: expired keys vanish, access time is recorded. */
  get(key: string): Value | undefined {
    const value = this.#values.get(key);
    if (value === undefined) return undefined;
    if (this.#expires.size > 0 && this.#expireIfDue(key)) return undefined;
    this.#touch(key);
    return value;
  }

  /** Like `get`, counting keyspace hits and misses for INFO (read commands use this). */
  read(key: string): Value | undefined {
    const value = this.get(key);
    if (value === undefined) this.stats.keyspaceMisses++;
    else this.stats.keyspaceHits++;
    return value;
  }

  /** Looks a key up without recording access (OBJECT, TYPE-free inspection, SCAN filters). */
  peek(key: string): Value | undefined {
    const value = this.#values.get(key);
    if (value === undefined) return undefined;
    if (this.#expires.size > 0 && this.#expireIfDue(key)) return undefined;
    return value;
  }

  has(key: string): boolean {
    return this.peek(key) !== undefined;
  }

  /** Stores a value; the key's TTL is dropped unless `keepTtl`. */
  set(key: string, value: Value, keepTtl = false): void {
    this.#values.set(key, value);
    if (!keepTtl && this.#expires.size > 0) this.#expires.delete(key);
    if (this.#modifiedInPlace.size > 0) this.#modifiedInPlace.delete(key);
    this.#touch(key);
  }

  /** Replaces a string that was changed in place (APPEND, SETRANGE), keeping its TTL. */
  setModifiedInPlace(key: string, value: string): void {
    this.#values.set(key, value);
    this.#modifiedInPlace.add(key);
    this.#touch(key);
  }

  /** Whether the key's string was last changed in place (OBJECT ENCODING says `raw`). */
  isModifiedInPlace(key: string): boolean {
    return this.#modifiedInPlace.has(key);
  }

  delete(key: string): boolean {
    if (!this.#values.delete(key)) return false;
    this.#forget(key);
    return true;
  }

  #forget(key: string): void {
    if (this.#expires.size > 0) this.#expires.delete(key);
    this.#accessed.delete(key);
    if (this.#modifiedInPlace.size > 0) this.#modifiedInPlace.delete(key);
  }

  /** The key's deadline in ms, or undefined when it has none. Call after a lookup. */
  getExpire(key: string): number | undefined {
    return this.#expires.size > 0 ? this.#expires.get(key) : undefined;
  }

  /** Sets an existing key's deadline (absolute ms). A deadline in the past deletes the key. */
  setExpire(key: string, deadline: number): void {
    if (deadline <= this.clock.now()) {
      this.delete(key);
      return;
    }
    this.#expires.set(key, deadline);
    this.#heap.push(deadline, key);
    // Stale entries pile up when TTLs are changed often: rebuild before they dominate.
    if (this.#heap.size > 2 * this.#expires.size + 1024) this.#rebuildHeap();
  }

  /** Removes the key's TTL; returns whether it had one. */
  persist(key: string): boolean {
    return this.#expires.size > 0 && this.#expires.delete(key);
  }

  /** Moves a key (value and TTL) to `to`, replacing what was there. */
  rename(from: string, to: string): void {
    const value = this.#values.get(from);
    if (value === undefined) return;
    const deadline = this.getExpire(from);
    const inPlace = this.#modifiedInPlace.has(from);
    this.delete(from);
    this.set(to, value);
    if (deadline !== undefined) this.setExpire(to, deadline);
    if (inPlace) this.#modifiedInPlace.add(to);
  }

  /** Seconds since the key was last read or written. */
  idleSeconds(key: string): number {
    const at = this.#accessed.get(key);
    return at === undefined ? 0 : Math.max(0, this.#nowSeconds() - at);
  }

  /** All keys in insertion order, skipping expired ones (without deleting them, as KEYS). */
  *keys(): IterableIterator<string> {
    const now = this.clock.now();
    for (const key of this.#values.keys()) {
      if (this.#expires.size > 0) {
        const deadline = this.#expires.get(key);
        if (deadline !== undefined && deadline <= now) continue;
      }
      yield key;
    }
  }

  /**
   * One SCAN step: visits up to `count` keys from `cursor` (expired ones are removed, not
   * visited) and returns the next cursor, 0 at the end. See `ScanCursors` for the guarantee.
   */
  scan(cursor: bigint, count: number, visit: (key: string) => void): bigint {
    return this.#scanCursors.scan(cursor, count, () => this.#values.keys(), (key) => {
      if (this.peek(key) !== undefined) visit(key);
    });
  }

  /** A key chosen at random among the live ones, or undefined when the db is empty. */
  randomKey(): string | undefined {
    // Map has no random access: small dbs pick uniformly; big ones take a random stride along
    // a rolling iterator, which is O(1) amortized and spreads picks over the whole keyspace.
    for (let attempt = 0; attempt < 100 && this.#values.size > 0; attempt++) {
      let key: string | undefined;
      if (this.#values.size <= 64) {
        const index = Math.floor(Math.random() * this.#values.size);
        let i = 0;
        for (const candidate of this.#values.keys()) {
          if (i++ === index) {
            key = candidate;
            break;
          }
        }
      } else {
        const stride = 1 + Math.floor(Math.random() * 32);
        for (let i = 0; i < stride; i++) {
          let next = this.#randomWalk?.next();
          if (next === undefined || next.done) {
            this.#randomWalk = this.#values.keys();
            next = this.#randomWalk.next();
          }
          key = next.value as string | undefined;
        }
      }
      if (key !== undefined && this.peek(key) !== undefined) return key;
    }
    return undefined;
  }

  /** Deletes every key; returns how many there were. */
  flush(): number {
    const count = this.#values.size;
    this.#values = new Map();
    this.#expires = new Map();
    this.#accessed = new Map();
    this.#modifiedInPlace = new Set();
    this.#heap.clear();
    this.#randomWalk = null;
    this.#scanCursors.clear();
    return count;
  }

  /** Exchanges contents with another database (SWAPDB). */
  swapWith(other: Database): void {
    [this.#values, other.#values] = [other.#values, this.#values];
    [this.#expires, other.#expires] = [other.#expires, this.#expires];
    [this.#heap, other.#heap] = [other.#heap, this.#heap];
    [this.#accessed, other.#accessed] = [other.#accessed, this.#accessed];
    [this.#modifiedInPlace, other.#modifiedInPlace] = [
      other.#modifiedInPlace,
      this.#modifiedInPlace,
    ];
    this.#randomWalk = other.#randomWalk = null;
    this.#scanCursors.clear();
    other.#scanCursors.clear();
  }

  /**
   * Deletes keys whose deadline has passed, earliest first, until none is due or `deadlineMs`
   * (a `performance.now()` time) is reached. Returns how many keys were deleted.
   */
  expireDue(deadlineMs: number): number {
    const now = this.clock.now();
    let deleted = 0;
    let checked = 0;
    while (this.#heap.peekDeadline() <= now) {
      const key = this.#heap.peekKey()!;
      const when = this.#heap.peekDeadline();
      this.#heap.pop();
      if (this.#expires.get(key) === when) {
        this.#values.delete(key);
        this.#forget(key);
        this.stats.expiredKeys++;
        deleted++;
      }
      if ((++checked & 255) === 0 && performance.now() >= deadlineMs) break;
    }
    return deleted;
  }

  #expireIfDue(key: string): boolean {
    const deadline = this.#expires.get(key);
    if (deadline === undefined || deadline > this.clock.now()) return false;
    this.#values.delete(key);
    this.#forget(key);
    this.stats.expiredKeys++;
    return true;
  }

  #touch(key: string): void {
    const now = this.#nowSeconds();
    if (this.#accessed.get(key) !== now) this.#accessed.set(key, now);
  }

  #nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  #rebuildHeap(): void {
    this.#heap.clear();
    for (const [key, deadline] of this.#expires) this.#heap.push(deadline, key);
  }
}

export class Keyspace {
  readonly clock: Clock;
  readonly stats: KeyspaceStats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };
  readonly databases: Database[];

  constructor(options: KeyspaceOptions = {}) {
    this.clock = options.clock ?? new Clock();
    const count = options.databases ?? 16;
    this.databases = Array.from(
      { length: count },
      (_, id) => new Database(id, this.clock, this.stats),
    );
  }

  db(index: number): Database {
    return this.databases[index];
  }

  /** Runs one slice of active expiry over every db, stopping after `budgetMs`. */
  activeExpireCycle(budgetMs: number): number {
    const deadline = performance.now() + budgetMs;
    let deleted = 0;
    for (const db of this.databases) {
      if (db.expiresCount > 0) deleted += db.expireDue(deadline);
      if (performance.now() >= deadline) break;
    }
    return deleted;
  }

  flushAll(): number {
    let count = 0;
    for (const db of this.databases) count += db.flush();
    return count;
  }
}
