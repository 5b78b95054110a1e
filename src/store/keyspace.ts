/**
 * The keyspace: numbered databases of key → value, with TTLs.
 *
 * Expiry works as in Redis: a key past its deadline is removed when it is next touched (lazy),
 * and an active cycle removes due keys in the background in bounded slices. The cycle is driven
 * by a min-heap of (deadline, key); when a TTL changes a new heap entry is pushed and the old one
 * is skipped as stale when it surfaces, so nothing is ever searched for. As in Redis, a key is
 * gone once the clock is past its deadline (at the deadline itself it still exists).
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
import { accountedKeyMemory, stringKeyMemory } from "./memory_usage.ts";
import { ScanCursors } from "./scan.ts";
import {
  cloneValue,
  defaultEncodingLimits,
  type EncodingLimits,
  isBlockableType,
  type Value,
} from "./values.ts";

export interface KeyspaceOptions {
  databases?: number;
  clock?: Clock;
}

/** Change tracking for one watched key. */
interface WatchedKeyState {
  version: number;
  watchers: number;
}

/** A key that was just created with a type a blocking command waits on. */
export interface ReadyKey {
  db: Database;
  key: string;
}

/**
 * Hooks for keyspace notifications, shared by every db. Each is null unless someone listens, so
 * the store pays nothing for them by default. The store knows nothing of pub/sub: it only says
 * what happened.
 */
export interface KeyspaceEvents {
  /** A key was removed because its TTL ran out (lazily or by the active cycle). */
  expired: ((db: Database, key: string) => void) | null;
  /** A key that did not exist was created. */
  created: ((db: Database, key: string) => void) | null;
  /** A read command looked for a key that does not exist. */
  missed: ((db: Database, key: string) => void) | null;
  /**
   * A key was changed, expired or removed (wherever WATCH sees a change; flushes excepted).
   * Set while some client tracks keys (CLIENT TRACKING).
   */
  modified?: ((db: Database, key: string) => void) | null;
  /**
   * Set on a replica, which leaves expired keys for its master's DEL: asked instead of removing
   * a key past its deadline, it returns whether the running command sees the key as gone.
   */
  keepExpired?: (() => boolean) | null;
}

/**
 * Told before a key's value or TTL may change, so that a snapshot being written piece by piece
 * (BGSAVE) can first save the key as it was: copy-on-write without fork. Lookups count as
 * possible changes, because commands change collections in place after looking them up; that
 * makes every path to a value pass through the hook, at the price of saving some keys early.
 */
export interface WriteObserver {
  beforeChange(db: Database, key: string): void;
  /** Before every key of the db goes or moves at once (FLUSHDB, FLUSHALL, SWAPDB). */
  beforeFlush(db: Database): void;
}

/**
 * Told of every key added to or removed from a database (cluster mode's keys-by-slot index,
 * src/cluster/keys_by_slot.ts); absent otherwise, so a standalone server pays one null check.
 */
export interface KeyIndex {
  /** A key was created, or another key moved in under its name (RENAME, MOVE, COPY). */
  added(key: string): void;
  removed(key: string): void;
  cleared(): void;
}

/** Counters INFO reports. */
export interface KeyspaceStats {
  expiredKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  /** Keys removed to get under `maxmemory`. */
  evictedKeys: number;
}

/**
 * How key accesses are recorded, shared by every db; the server keeps it in step with
 * `maxmemory-policy`, `lfu-log-factor` and `lfu-decay-time`. As in Redis, one number per key
 * holds either the last access second (LRU policies and no eviction) or, under an LFU policy,
 * the access minute and a logarithmic counter — so switching policy takes a while to adjust.
 */
export interface AccessPolicy {
  /** Track LFU counters instead of access times. */
  lfu: boolean;
  logFactor: number;
  /** Minutes for the counter to lose one; 0 never decays. */
  decayTime: number;
  /**
   * Seconds since the keyspace was created, refreshed on every tick and clock move rather than
   * read per access (Redis's cached LRU clock). Small, so per-key numbers stay small integers.
   */
  seconds: number;
}

/** A new key's LFU counter (Redis's LFU_INIT_VAL), so new keys are not evicted at once. */
const LFU_INIT = 5;
/** Deadlines past this are kept exactly as bigints beside their (rounded) number. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/**
 * Why OBJECT ENCODING or REFCOUNT of a string differs from what its bytes suggest:
 * `RAW` — changed in place (APPEND, SETRANGE) or copied from such a string;
 * `UNSHARED` — a copy (COPY): Redis gives it its own object, never a shared integer;
 * `TEXT` — stored by a command that never int-encodes (INCRBYFLOAT): `embstr` or `raw` by size.
 */
const RAW = 1;
const UNSHARED = 2;
const TEXT = 3;
type StringHint = typeof RAW | typeof UNSHARED | typeof TEXT;

/** Everything a key carries besides its name, for moving it between keys or databases. */
interface KeyRecord {
  value: Value;
  deadline: number | bigint | undefined;
  hint: StringHint | undefined;
  accessed: number | undefined;
}

/** A collection's share of used memory; one the size model cannot read counts as nothing. */
function collectionMemory(key: string, value: Value): number {
  try {
    return accountedKeyMemory(key, value);
  } catch {
    return 0;
  }
}

export class Database {
  readonly id: number;
  readonly clock: Clock;
  readonly stats: KeyspaceStats;
  readonly access: AccessPolicy;
  /** Shared with the keyspace: blockable keys created (or signalled) since it was last drained. */
  readonly readyKeys: ReadyKey[];
  /** Set by the keyspace: the notification hooks every db shares. */
  events: KeyspaceEvents = { expired: null, created: null, missed: null };
  /** Set while a snapshot is being written (see WriteObserver); null otherwise. */
  observer: WriteObserver | null = null;
  /** Set in cluster mode on db 0 (see KeyIndex); null otherwise. */
  keyIndex: KeyIndex | null = null;
  #values = new Map<string, Value>();
  #expires = new Map<string, number>();
  /** Exact deadlines beyond 2^53 ms (PEXPIREAT takes any int64); rarely used. */
  #exactExpires = new Map<string, bigint>();
  #heap = new ExpiryHeap();
  /** Per key: last access second, or `minute * 256 + counter` under LFU (see AccessPolicy). */
  #accessed = new Map<string, number>();
  #stringHints = new Map<string, StringHint>();
  #randomWalk: Iterator<string> | null = null;
  #scanCursors = new ScanCursors();
  /** Keys some client WATCHes: a version bumped by every change, and how many watch it. */
  #watched = new Map<string, WatchedKeyState>();
  /** What the keys would take in Redis (keyMemory), kept as values come and go. */
  #bytes = 0;
  /**
   * Collections' sizes as last measured. Commands change them in place, so a written one is
   * marked stale (`noteWritten`) and measured again when the total is next read.
   */
  #collectionBytes = new Map<string, number>();
  #staleCollections = new Set<string>();
  /** Snapshots of the keys (and of those with a TTL) to sample at random (see `sampleKeys`). */
  #sampleKeys: string[] | null = null;
  #sampleVolatileKeys: string[] | null = null;

  constructor(
    id: number,
    clock: Clock,
    stats: KeyspaceStats,
    access: AccessPolicy = { lfu: false, logFactor: 10, decayTime: 1, seconds: 0 },
    readyKeys: ReadyKey[] = [],
  ) {
    this.id = id;
    this.clock = clock;
    this.stats = stats;
    this.access = access;
    this.readyKeys = readyKeys;
  }

  /** Keys, including those past their deadline that no one has touched yet (as DBSIZE). */
  get size(): number {
    return this.#values.size;
  }

  /** Keys that have a TTL. */
  get expiresCount(): number {
    return this.#expires.size;
  }

  /** How many distinct keys clients WATCH in this db (0 keeps change tracking free). */
  get watchedCount(): number {
    return this.#watched.size;
  }

  /**
   * Starts tracking changes to `key` for one more watcher and returns its current version. A key
   * already past its deadline is removed first, so its later removal is not seen as a change.
   */
  watch(key: string): number {
    this.peek(key);
    let state = this.#watched.get(key);
    if (state === undefined) this.#watched.set(key, state = { version: 0, watchers: 0 });
    state.watchers++;
    return state.version;
  }

  /** Drops one watcher of `key`; the key's tracking ends with its last watcher. */
  unwatch(key: string): void {
    const state = this.#watched.get(key);
    if (state !== undefined && --state.watchers <= 0) this.#watched.delete(key);
  }

  /** The version of a watched key: it changes whenever the key is written, expired or removed. */
  watchVersion(key: string): number {
    return this.#watched.get(key)?.version ?? -1;
  }

  /** Records a change to `key` for its watchers (commands that change a value in place). */
  touchWatched(key: string): void {
    const modified = this.events.modified;
    if (modified != null) modified(this, key);
    if (this.#watched.size === 0) return;
    const state = this.#watched.get(key);
    if (state !== undefined) state.version++;
  }

  /** Whether the key is still stored but past its deadline (not yet removed). */
  isExpiredNow(key: string): boolean {
    if (this.#expires.size === 0 || !this.#values.has(key)) return false;
    const deadline = this.#expires.get(key);
    return deadline !== undefined && deadline < this.clock.now();
  }

  /** Entries in the expiry heap, stale ones included (for tests and INFO). */
  get heapSize(): number {
    return this.#heap.size;
  }

  /** Looks a key up for a command: expired keys vanish, access time is recorded. */
  get(key: string): Value | undefined {
    if (this.observer !== null) this.observer.beforeChange(this, key);
    const value = this.#values.get(key);
    if (value === undefined) return undefined;
    if (this.#expires.size > 0 && this.#expireIfDue(key)) return undefined;
    this.#touch(key);
    return value;
  }

  /** Like `get`, counting keyspace hits and misses for INFO (read commands use this). */
  read(key: string): Value | undefined {
    const value = this.get(key);
    if (value === undefined) {
      this.stats.keyspaceMisses++;
      if (this.events.missed !== null) this.events.missed(this, key);
    } else this.stats.keyspaceHits++;
    return value;
  }

  /**
   * Like `read` but leaves the access time alone: for commands that inspect a key rather than
   * use it (EXISTS, TYPE, TTL, OBJECT), as Redis's LOOKUP_NOTOUCH.
   */
  inspect(key: string): Value | undefined {
    const value = this.peek(key);
    if (value === undefined) this.stats.keyspaceMisses++;
    else this.stats.keyspaceHits++;
    return value;
  }

  /** Looks a key up without recording access or counting stats (SCAN filters, RANDOMKEY). */
  peek(key: string): Value | undefined {
    if (this.observer !== null) this.observer.beforeChange(this, key);
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
    if (this.observer !== null) this.observer.beforeChange(this, key);
    const old = this.#values.get(key);
    if (old === undefined) {
      if (typeof value !== "string" && isBlockableType(value)) {
        this.readyKeys.push({ db: this, key });
      }
      if (this.events.created !== null) this.events.created(this, key);
      if (this.keyIndex !== null) this.keyIndex.added(key);
    } else if (typeof old !== "string" && old.type === "stream") {
      // As Redis: a stream replaced by another value wakes its XREADGROUP waiters (they fail).
      this.readyKeys.push({ db: this, key });
    }
    if (old !== undefined) this.#bytes -= this.#unmeasure(key, old);
    this.#bytes += this.#measure(key, value);
    this.#values.set(key, value);
    if (!keepTtl && this.#expires.size > 0) this.#dropExpire(key);
    if (this.#stringHints.size > 0) this.#stringHints.delete(key);
    if (this.#watched.size > 0 || this.events.modified != null) this.touchWatched(key);
    this.#touch(key);
  }

  /** Replaces a string that was changed in place (APPEND, SETRANGE), keeping its TTL. */
  setModifiedInPlace(key: string, value: string): void {
    if (this.observer !== null) this.observer.beforeChange(this, key);
    const old = this.#values.get(key);
    if (old !== undefined) this.#bytes -= this.#unmeasure(key, old);
    this.#bytes += this.#measure(key, value);
    this.#values.set(key, value);
    this.#stringHints.set(key, RAW);
    if (this.#watched.size > 0 || this.events.modified != null) this.touchWatched(key);
    this.#touch(key);
  }

  /** Stores a string that Redis would keep as text even when it looks like an integer. */
  setText(key: string, value: string, keepTtl = false): void {
    this.set(key, value, keepTtl);
    this.#stringHints.set(key, TEXT);
  }

  /**
   * Marks an existing key's string as one a command may change in place, without changing it
   * (Redis's dbUnshareStringValue): OBJECT ENCODING says `raw` from now on.
   */
  unshareString(key: string): void {
    this.#stringHints.set(key, RAW);
  }

  /** Whether the key's string was stored by `setText` (never `int` in OBJECT ENCODING). */
  isStoredAsText(key: string): boolean {
    return this.#stringHints.size > 0 && this.#stringHints.get(key) === TEXT;
  }

  /** Whether the key's string was last changed in place (OBJECT ENCODING says `raw`). */
  isModifiedInPlace(key: string): boolean {
    return this.#stringHints.size > 0 && this.#stringHints.get(key) === RAW;
  }

  /** Whether the key's integer string is a private copy (COPY), not a shared object. */
  isUnsharedInteger(key: string): boolean {
    return this.#stringHints.size > 0 && this.#stringHints.get(key) === UNSHARED;
  }

  delete(key: string): boolean {
    if (this.observer !== null) this.observer.beforeChange(this, key);
    if (!this.#removeValue(key)) return false;
    this.#forget(key);
    return true;
  }

  /** Drops a key's value; as Redis, a stream that goes wakes its XREADGROUP waiters (to fail). */
  #removeValue(key: string): boolean {
    const value = this.#values.get(key);
    if (value === undefined) return false;
    this.#bytes -= this.#unmeasure(key, value);
    this.#values.delete(key);
    if (this.keyIndex !== null) this.keyIndex.removed(key);
    if (typeof value !== "string" && value.type === "stream") this.signalReady(key);
    return true;
  }

  /**
   * Offers an existing key to the clients blocked on it again, after a change that may serve
   * them (a stream's XADD, XGROUP DESTROY); creating a key does this by itself.
   */
  signalReady(key: string): void {
    this.readyKeys.push({ db: this, key });
  }

  /** The key's deadline in ms, or undefined when it has none. Call after a lookup. */
  getExpire(key: string): number | undefined {
    return this.#expires.size > 0 ? this.#expires.get(key) : undefined;
  }

  /** Like `getExpire`, but exact for deadlines beyond 2^53 ms (then a bigint). */
  getExpireExact(key: string): number | bigint | undefined {
    if (this.#exactExpires.size > 0) {
      const exact = this.#exactExpires.get(key);
      if (exact !== undefined) return exact;
    }
    return this.getExpire(key);
  }

  /**
   * Sets an existing key's deadline (absolute ms, any int64). A deadline not in the future
   * deletes the key, as Redis's EXPIRE does.
   */
  setExpire(key: string, deadline: number | bigint): void {
    if (deadline <= this.clock.now()) {
      this.delete(key);
      return;
    }
    this.#storeExpire(key, deadline);
  }

  #storeExpire(key: string, deadline: number | bigint): void {
    if (this.observer !== null) this.observer.beforeChange(this, key);
    if (this.#watched.size > 0 || this.events.modified != null) this.touchWatched(key);
    const rounded = Number(deadline);
    this.#expires.set(key, rounded);
    if (rounded > MAX_EXACT) this.#exactExpires.set(key, BigInt(deadline));
    else if (this.#exactExpires.size > 0) this.#exactExpires.delete(key);
    this.#heap.push(rounded, key);
    this.#maybeRebuildHeap();
  }

  /** Removes the key's TTL; returns whether it had one. */
  persist(key: string): boolean {
    if (this.#expires.size === 0 || !this.#expires.has(key)) return false;
    if (this.observer !== null) this.observer.beforeChange(this, key);
    this.#dropExpire(key);
    if (this.#watched.size > 0 || this.events.modified != null) this.touchWatched(key);
    return true;
  }

  /** Moves a key (value, TTL, encoding and access time) to `to`, replacing what was there. */
  rename(from: string, to: string): void {
    const record = this.#take(from);
    if (record !== undefined) this.#install(to, record);
  }

  /** Moves a key to the same name in `target`, replacing what was there. */
  moveTo(key: string, target: Database): void {
    const record = this.#take(key);
    if (record !== undefined) target.#install(key, record);
  }

  /**
   * Copies a key, deep, to `targetKey` in `target` (which may be this db), replacing what was
   * there. The copy keeps the TTL and the string encoding; like a new key, it is fresh for LRU/LFU.
   */
  copyTo(key: string, target: Database, targetKey: string): void {
    const value = this.#values.get(key);
    if (value === undefined) return;
    let hint = this.#stringHints.size > 0 ? this.#stringHints.get(key) : undefined;
    if (hint === undefined && typeof value === "string") hint = UNSHARED;
    target.#install(targetKey, {
      value: cloneValue(value),
      deadline: this.getExpireExact(key),
      hint,
      accessed: undefined,
    });
  }

  #take(key: string): KeyRecord | undefined {
    const value = this.#values.get(key);
    if (value === undefined) return undefined;
    const record: KeyRecord = {
      value,
      deadline: this.getExpireExact(key),
      hint: this.#stringHints.size > 0 ? this.#stringHints.get(key) : undefined,
      accessed: this.#accessed.get(key),
    };
    this.delete(key);
    return record;
  }

  #install(key: string, record: KeyRecord): void {
    if (this.observer !== null) this.observer.beforeChange(this, key);
    // Like Redis's dbAdd after RENAME, MOVE or COPY: the key counts as newly created.
    if (isBlockableType(record.value)) this.readyKeys.push({ db: this, key });
    if (this.#watched.size > 0 || this.events.modified != null) this.touchWatched(key);
    const old = this.#values.get(key);
    if (old !== undefined) this.#bytes -= this.#unmeasure(key, old);
    this.#bytes += this.#measure(key, record.value);
    this.#values.set(key, record.value);
    if (this.keyIndex !== null) this.keyIndex.added(key);
    if (this.#expires.size > 0) this.#dropExpire(key);
    // Moved as is, even when due this very millisecond: the key was alive when looked up.
    if (record.deadline !== undefined) this.#storeExpire(key, record.deadline);
    if (record.hint !== undefined) this.#stringHints.set(key, record.hint);
    else if (this.#stringHints.size > 0) this.#stringHints.delete(key);
    if (record.accessed !== undefined) this.#accessed.set(key, record.accessed);
    else {
      this.#accessed.delete(key);
      this.#touch(key);
    }
  }

  /** Seconds since the key was last read or written (meaningful when not tracking LFU). */
  idleSeconds(key: string): number {
    const at = this.#accessed.get(key);
    return at === undefined ? 0 : Math.max(0, this.access.seconds - at);
  }

  /** The key's LFU counter (OBJECT FREQ): logarithmic in accesses, decayed by idle minutes. */
  frequency(key: string): number {
    const packed = this.#accessed.get(key);
    if (packed === undefined) return LFU_INIT;
    return this.#decayed(packed, Math.floor(this.access.seconds / 60));
  }

  /** Every stored key and value, expired ones included, touching nothing (for snapshots). */
  storedEntries(): IterableIterator<[string, Value]> {
    return this.#values.entries();
  }

  /** The stored value, even past its deadline, touching nothing (for snapshots). */
  storedValue(key: string): Value | undefined {
    return this.#values.get(key);
  }

  /** All keys in insertion order, skipping expired ones (without deleting them, as KEYS). */
  *keys(): IterableIterator<string> {
    const now = this.clock.now();
    for (const key of this.#values.keys()) {
      if (this.#expires.size > 0) {
        const deadline = this.#expires.get(key);
        if (deadline !== undefined && deadline < now) continue;
      }
      yield key;
    }
  }

  /**
   * One SCAN step: visits up to `count` keys from `cursor` (expired ones are removed, not
   * visited) and returns the next cursor, 0 at the end. Every key present from the first call
   * to the last is visited at least once; see `ScanCursors`.
   */
  scan(cursor: bigint, count: number, visit: (key: string, value: Value) => void): bigint {
    return this.#scanCursors.scan(cursor, count, () => this.#values.keys(), (key) => {
      const value = this.peek(key);
      if (value !== undefined) visit(key, value);
    });
  }

  /** A key chosen at random among the live ones, or undefined when the db is empty. */
  randomKey(): string | undefined {
    // Map has no random access: small dbs pick uniformly; big ones take a random stride along
    // a rolling iterator, which is O(1) amortized and spreads picks over the whole keyspace.
    // An expired pick is deleted, so every miss makes progress.
    while (this.#values.size > 0) {
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
    if (this.observer !== null) this.observer.beforeFlush(this);
    const count = this.#values.size;
    // As Redis: a watched key is touched by a flush only if it was there.
    for (const [key, state] of this.#watched) if (this.#values.has(key)) state.version++;
    this.#values = new Map();
    if (this.keyIndex !== null) this.keyIndex.cleared();
    this.#expires = new Map();
    this.#exactExpires = new Map();
    this.#accessed = new Map();
    this.#stringHints = new Map();
    this.#bytes = 0;
    this.#collectionBytes = new Map();
    this.#staleCollections = new Set();
    this.#heap.clear();
    this.#randomWalk = null;
    this.#sampleKeys = this.#sampleVolatileKeys = null;
    this.#scanCursors.clear();
    return count;
  }

  /** Exchanges contents with another database (SWAPDB). */
  swapWith(other: Database): void {
    if (this.observer !== null) this.observer.beforeFlush(this);
    if (other.observer !== null) other.observer.beforeFlush(other);
    // Watchers of either db see a change where the key exists on either side.
    for (const db of [this, other]) {
      for (const [key, state] of db.#watched) {
        if (this.#values.has(key) || other.#values.has(key)) state.version++;
      }
    }
    [this.#values, other.#values] = [other.#values, this.#values];
    [this.#expires, other.#expires] = [other.#expires, this.#expires];
    [this.#exactExpires, other.#exactExpires] = [other.#exactExpires, this.#exactExpires];
    [this.#heap, other.#heap] = [other.#heap, this.#heap];
    [this.#accessed, other.#accessed] = [other.#accessed, this.#accessed];
    [this.#stringHints, other.#stringHints] = [other.#stringHints, this.#stringHints];
    [this.#bytes, other.#bytes] = [other.#bytes, this.#bytes];
    [this.#collectionBytes, other.#collectionBytes] = [
      other.#collectionBytes,
      this.#collectionBytes,
    ];
    [this.#staleCollections, other.#staleCollections] = [
      other.#staleCollections,
      this.#staleCollections,
    ];
    this.#randomWalk = other.#randomWalk = null;
    this.#sampleKeys = other.#sampleKeys = null;
    this.#sampleVolatileKeys = other.#sampleVolatileKeys = null;
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
    while (this.#heap.peekDeadline() < now) {
      const key = this.#heap.peekKey()!;
      const when = this.#heap.peekDeadline();
      this.#heap.pop();
      if (this.#expires.get(key) === when) {
        if (this.observer !== null) this.observer.beforeChange(this, key);
        this.#removeValue(key);
        this.#forget(key);
        this.stats.expiredKeys++;
        deleted++;
        if (this.events.expired !== null) this.events.expired(this, key);
      }
      if ((++checked & 63) === 0 && performance.now() >= deadlineMs) break;
    }
    return deleted;
  }

  /**
   * Bytes the db's keys would take in redis-server (MEMORY USAGE of each, summed); collections
   * written since last read are measured again first.
   */
  get bytes(): number {
    if (this.#staleCollections.size > 0) {
      for (const key of this.#staleCollections) {
        const value = this.#values.get(key);
        if (value === undefined || typeof value === "string") continue;
        const size = collectionMemory(key, value);
        this.#bytes += size - (this.#collectionBytes.get(key) ?? 0);
        this.#collectionBytes.set(key, size);
      }
      this.#staleCollections.clear();
    }
    return this.#bytes;
  }

  /** Whether the db holds any collection (lists, hashes, ...) whose size may change in place. */
  get holdsCollections(): boolean {
    return this.#collectionBytes.size > 0;
  }

  /** Tells the size accounting that a command may have changed `key`'s collection in place. */
  noteWritten(key: string): void {
    if (this.#collectionBytes.has(key)) this.#staleCollections.add(key);
  }

  /**
   * Visits `count` keys picked at random — among those with a TTL when `volatile` — without
   * touching, expiring or counting them (eviction sampling, as Redis's dictGetSomeKeys).
   *
   * A Map has no random access, so picks come from a snapshot of its keys, taken again when
   * the keys have grown by half since or when picks start to miss (keys gone since) as often as
   * they hit: O(1) amortized per key added or evicted. Keys newer than the snapshot wait for
   * the next one, which for LRU and LFU are the worst candidates anyway.
   */
  sampleKeys(count: number, volatile: boolean, visit: (key: string) => void): void {
    const source: Map<string, unknown> = volatile ? this.#expires : this.#values;
    if (source.size <= count) {
      for (const key of source.keys()) visit(key);
      return;
    }
    let keys = volatile ? this.#sampleVolatileKeys : this.#sampleKeys;
    if (keys === null || source.size > keys.length * 1.5) keys = this.#snapshotKeys(volatile);
    let misses = 0;
    for (let found = 0; found < count;) {
      const key = keys[Math.floor(Math.random() * keys.length)];
      if (source.has(key)) {
        visit(key);
        found++;
      } else if (++misses === count) {
        keys = this.#snapshotKeys(volatile); // every key in a fresh snapshot is there
      }
    }
  }

  #snapshotKeys(volatile: boolean): string[] {
    if (volatile) return this.#sampleVolatileKeys = [...this.#expires.keys()];
    return this.#sampleKeys = [...this.#values.keys()];
  }

  /** A value's size as counted in `#bytes`; collections remember theirs (see `bytes`). */
  #measure(key: string, value: Value): number {
    if (typeof value === "string") return stringKeyMemory(key, value);
    const size = collectionMemory(key, value);
    this.#collectionBytes.set(key, size);
    return size;
  }

  /** The size `#measure` counted for the value now leaving `key`. */
  #unmeasure(key: string, value: Value): number {
    if (typeof value === "string") return stringKeyMemory(key, value);
    const size = this.#collectionBytes.get(key) ?? 0;
    this.#collectionBytes.delete(key);
    if (this.#staleCollections.size > 0) this.#staleCollections.delete(key);
    return size;
  }

  /** Clears what a removed key leaves besides its value. */
  #forget(key: string): void {
    this.#scanCursors.noteRemoval();
    if (this.#watched.size > 0 || this.events.modified != null) this.touchWatched(key);
    if (this.#expires.size > 0) this.#dropExpire(key);
    this.#accessed.delete(key);
    if (this.#stringHints.size > 0) this.#stringHints.delete(key);
  }

  #dropExpire(key: string): void {
    if (!this.#expires.delete(key)) return;
    if (this.#exactExpires.size > 0) this.#exactExpires.delete(key);
    this.#maybeRebuildHeap();
  }

  #expireIfDue(key: string): boolean {
    const deadline = this.#expires.get(key);
    if (deadline === undefined || deadline >= this.clock.now()) return false;
    if (this.events.keepExpired != null) return this.events.keepExpired();
    this.#removeValue(key);
    this.#forget(key);
    this.stats.expiredKeys++;
    if (this.events.expired !== null) this.events.expired(this, key);
    return true;
  }

  /** Records an access: the second (hot path: one Map read), or Redis's LFU increment. */
  #touch(key: string): void {
    const access = this.access;
    const packed = this.#accessed.get(key);
    if (!access.lfu) {
      if (packed !== access.seconds) this.#accessed.set(key, access.seconds);
      return;
    }
    const minute = Math.floor(access.seconds / 60);
    if (packed === undefined) {
      this.#accessed.set(key, minute * 256 + LFU_INIT);
      return;
    }
    let counter = this.#decayed(packed, minute);
    if (counter < 255) {
      const base = counter > LFU_INIT ? counter - LFU_INIT : 0;
      if (Math.random() < 1 / (base * access.logFactor + 1)) counter++;
    }
    const next = minute * 256 + counter;
    if (next !== packed) this.#accessed.set(key, next);
  }

  /** The LFU counter in `packed`, less one for every `decayTime` minutes idle since. */
  #decayed(packed: number, nowMinute: number): number {
    const at = Math.floor(packed / 256);
    const counter = packed - at * 256;
    if (this.access.decayTime <= 0) return counter;
    const periods = Math.floor((nowMinute - at) / this.access.decayTime);
    return periods <= 0 ? counter : Math.max(0, counter - periods);
  }

  /** Stale entries pile up when TTLs change or keys go: rebuild before they dominate. */
  #maybeRebuildHeap(): void {
    if (this.#heap.size > 2 * this.#expires.size + 1024) this.#heap.assign(this.#expires);
  }
}

export class Keyspace {
  readonly clock: Clock;
  readonly stats: KeyspaceStats = {
    expiredKeys: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    evictedKeys: 0,
  };
  /** Shared by every db; see AccessPolicy. */
  readonly access: AccessPolicy = { lfu: false, logFactor: 10, decayTime: 1, seconds: 0 };
  /** Shared by every db; see EncodingLimits. */
  readonly limits: EncodingLimits = defaultEncodingLimits();
  /** Keys created with a blockable type; the server drains it after each command. */
  readonly readyKeys: ReadyKey[] = [];
  /** Notification hooks shared by every db (see KeyspaceEvents). */
  readonly events: KeyspaceEvents = { expired: null, created: null, missed: null };
  readonly databases: Database[];
  /** The clock reading the access seconds count from. */
  readonly #epoch: number;
  readonly #stopFollowingClock: () => void;
  /** Where the next active expiry cycle starts, so a backlog in one db cannot starve others. */
  #nextExpireDb = 0;

  constructor(options: KeyspaceOptions = {}) {
    this.clock = options.clock ?? new Clock();
    this.#epoch = this.clock.now();
    this.#stopFollowingClock = this.clock.onChange(() => this.refreshClock());
    const count = options.databases ?? 16;
    this.databases = Array.from(
      { length: count },
      (_, id) => new Database(id, this.clock, this.stats, this.access, this.readyKeys),
    );
    for (const db of this.databases) db.events = this.events;
  }

  /** Stops following the clock (which may outlive this keyspace). */
  close(): void {
    this.#stopFollowingClock();
  }

  /** Re-reads the clock into `access.seconds`; the server calls it every tick. */
  refreshClock(): void {
    this.access.seconds = Math.floor((this.clock.now() - this.#epoch) / 1000);
  }

  db(index: number): Database {
    return this.databases[index];
  }

  /** DEBUG SET-ACTIVE-EXPIRE 0 turns the active cycle off: keys then expire only when touched. */
  activeExpire = true;

  /** Runs one slice of active expiry over the dbs, stopping after `budgetMs`. */
  activeExpireCycle(budgetMs: number): number {
    if (!this.activeExpire) return 0;
    const deadline = performance.now() + budgetMs;
    const count = this.databases.length;
    let deleted = 0;
    for (let i = 0; i < count; i++) {
      const db = this.databases[(this.#nextExpireDb + i) % count];
      if (db.expiresCount > 0) deleted += db.expireDue(deadline);
      if (performance.now() >= deadline) {
        // Resume with the db that ran out of time.
        this.#nextExpireDb = db.id;
        return deleted;
      }
    }
    this.#nextExpireDb = (this.#nextExpireDb + 1) % count;
    return deleted;
  }

  /** Installs (or with null removes) the snapshot hook on every db; see WriteObserver. */
  observe(observer: WriteObserver | null): void {
    for (const db of this.databases) db.observer = observer;
  }

  flushAll(): number {
    let count = 0;
    for (const db of this.databases) count += db.flush();
    return count;
  }
}
