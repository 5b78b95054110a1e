/**
 * A point-in-time RDB image of the keyspace, written a slice at a time so that clients keep
 * being served meanwhile (BGSAVE without fork).
 *
 * Consistency comes from copy-on-write through the keyspace's `WriteObserver` hook: before a
 * key can change (or be looked up, since lookups precede in-place changes), the snapshot
 * serializes the key as it still is — straight into the file when its db is being written,
 * into that db's pending buffer when the db comes later — and remembers it as handled, so the
 * main walk skips it. A key absent when first hooked was absent at the start (any removal since
 * would have been hooked), so it is just marked handled. Dbs already written are left alone.
 *
 * @example
 * ```ts
 * const snapshot = new RdbSnapshot(keyspace, options, aux, []);
 * // one slice per event-loop turn; take() is a view, so write it before the next step
 * while (!snapshot.step(2)) file.writeSync(snapshot.take());
 * file.writeSync(snapshot.take());
 * ```
 * @module
 */
import type { Database, Keyspace, WriteObserver } from "../store/keyspace.ts";
import type { Value } from "../store/values.ts";
import { ByteWriter } from "./bytes.ts";
import { RdbEncoder, RdbFileWriter, type RdbWriteOptions, writeKey } from "./rdb_writer.ts";

export interface SnapshotOptions extends RdbWriteOptions {
  checksum: boolean;
}

/** Per db: keys already saved or known absent, and keys saved ahead of the walk. */
interface DbState {
  handled: Set<string>;
  pending: RdbEncoder | null;
  /** Every key of the db was saved ahead (FLUSHDB or SWAPDB came first). */
  complete: boolean;
}

export class RdbSnapshot implements WriteObserver {
  readonly #keyspace: Keyspace;
  readonly #writer: RdbFileWriter;
  readonly #options: SnapshotOptions;
  /** Keys already past their deadline at the start are left out. */
  readonly #startedAt: number;
  readonly #states: Array<DbState | null>;
  /** The db being walked; dbs below it are written. */
  #current = -1;
  #walk: Iterator<[string, Value]> | null = null;
  #finished = false;
  keysWritten = 0;
  readonly keysTotal: number;

  /** Starts a snapshot: writes the header and function libraries, and hooks the keyspace. */
  constructor(
    keyspace: Keyspace,
    options: SnapshotOptions,
    aux: Array<[string, string]>,
    functionLibraries: string[],
  ) {
    this.#keyspace = keyspace;
    this.#options = options;
    this.#writer = new RdbFileWriter(options);
    this.#startedAt = keyspace.clock.now();
    this.#states = keyspace.databases.map(() => null);
    this.keysTotal = keyspace.databases.reduce((sum, db) => sum + db.size, 0);
    this.#writer.header(aux);
    for (const code of functionLibraries) this.#writer.functionLibrary(code);
    keyspace.observe(this);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Bytes ready for `take`. */
  get buffered(): number {
    return this.#writer.buffered;
  }

  /** Hands out the bytes written so far (a view, valid until the next step). */
  take(): Uint8Array {
    return this.#writer.take();
  }

  /** Stops the snapshot and unhooks the keyspace (the caller discards the partial file). */
  abort(): void {
    this.#finished = true;
    this.#keyspace.observe(null);
  }

  /**
   * Writes for about `budgetMs` (or everything, with Infinity), stopping early once `maxBytes`
   * are buffered. Returns true when the whole image is written, EOF and checksum included.
   */
  step(budgetMs: number, maxBytes = 4 * 1024 * 1024): boolean {
    if (this.#finished) return true;
    const deadline = performance.now() + budgetMs;
    const databases = this.#keyspace.databases;
    let counter = 0;
    while (this.#current < databases.length) {
      if (this.#walk === null) {
        if (!this.#enterNextDb()) break;
        continue;
      }
      const db = databases[this.#current];
      const state = this.#state(db.id);
      const next = this.#walk.next();
      if (next.done) {
        this.#leaveDb();
        continue;
      }
      const [key, value] = next.value;
      if (!state.handled.has(key)) {
        state.handled.add(key);
        this.#write(this.#writer.encoder, db, key, value);
      }
      if ((++counter & 63) === 0) {
        if (performance.now() >= deadline || this.#writer.buffered >= maxBytes) return false;
      }
    }
    this.#writer.finish();
    this.#finished = true;
    this.#keyspace.observe(null);
    return true;
  }

  /** Moves to the next db with something to write; false after the last one. */
  #enterNextDb(): boolean {
    const databases = this.#keyspace.databases;
    for (;;) {
      this.#current++;
      if (this.#current >= databases.length) return false;
      const db = databases[this.#current];
      const state = this.#states[db.id];
      const pending = state?.pending ?? null;
      if (db.size === 0 && (pending === null || pending.out.length === 0)) {
        this.#states[db.id] = null;
        continue;
      }
      this.#writer.selectDb(db.id, db.size, db.expiresCount);
      if (pending !== null) this.#writer.raw(pending.out.view());
      if (state !== null) state.pending = null;
      if (state?.complete) {
        this.#states[db.id] = null;
        continue;
      }
      this.#walk = db.storedEntries();
      return true;
    }
  }

  #leaveDb(): void {
    this.#walk = null;
    this.#states[this.#current] = null;
  }

  #state(id: number): DbState {
    let state = this.#states[id];
    if (state === null) {
      this.#states[id] = state = { handled: new Set(), pending: null, complete: false };
    }
    return state;
  }

  #write(encoder: RdbEncoder, db: Database, key: string, value: Value): void {
    const expireAt = db.getExpireExact(key);
    if (expireAt !== undefined && expireAt < this.#startedAt) return;
    writeKey(encoder, { key, value, expireAt });
    this.keysWritten++;
  }

  beforeChange(db: Database, key: string): void {
    const id = db.id;
    if (id < this.#current || this.#finished) return;
    if (id === this.#current && this.#walk === null) return;
    const state = this.#state(id);
    if (state.complete || state.handled.has(key)) return;
    state.handled.add(key);
    const value = db.storedValue(key);
    if (value === undefined) return; // absent since the start
    this.#write(this.#encoderFor(id, state), db, key, value);
  }

  beforeFlush(db: Database): void {
    const id = db.id;
    if (id < this.#current || this.#finished) return;
    if (id === this.#current && this.#walk === null) return;
    for (const [key] of db.storedEntries()) this.beforeChange(db, key);
    if (id === this.#current) this.#leaveDb();
    else this.#state(id).complete = true;
  }

  #encoderFor(id: number, state: DbState): RdbEncoder {
    if (id === this.#current) return this.#writer.encoder;
    return state.pending ??= new RdbEncoder(new ByteWriter(1024), this.#options);
  }
}
