/**
 * Clients parked by blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK, ...).
 *
 * A blocking command that finds nothing to serve calls `block`: the client is queued on each of
 * its keys and answers nothing yet. Its connection stops running that client's commands until
 * `client.blocked.done` settles — no polling and no per-command await. When a command creates a
 * list, sorted set or stream key, the store records it in `keyspace.readyKeys`; after that command
 * the server calls `serveReadyKeys`, which offers the key to its waiters first come, first served.
 * Timeouts share one timer (for the earliest deadline) and follow the server's clock, so a test
 * that moves the clock times clients out at once.
 *
 * @example
 * ```ts
 * // Inside a blocking command's run(), when every key is empty:
 * client.server.blocking.block(client, {
 *   keys: ["queue"],
 *   deadline: Infinity, // timeout 0: wait forever
 *   tryServe: (readyKey) => popAndReply(client, readyKey), // true once it replied
 *   onTimeout: () => client.reply.nullArray(),
 * });
 * ```
 * @module
 */
import type { Database, Keyspace } from "../store/keyspace.ts";
import type { Client } from "./client.ts";
import { ReplyError } from "./errors.ts";
import { parseLongDouble } from "./long_double.ts";

const BAD_TIMEOUT = "ERR timeout is not a float or out of range";
const NEGATIVE_TIMEOUT = "ERR timeout is negative";
const TWO_63 = 1n << 63n;

/**
 * A blocking timeout in seconds, as Redis 7.0 reads it: a long double, times 1000 (rounded to
 * the long double's 64-bit mantissa), rounded up to whole milliseconds and cast to int64 — where
 * anything too big becomes INT64_MIN and so "negative". Returns the deadline on the server
 * clock, Infinity for 0 (wait forever).
 */
export function timeoutDeadline(client: Client, text: string): number {
  const ms = timeoutMs(text);
  return ms === 0n ? Infinity : client.server.keyspace.clock.now() + Number(ms);
}

/** The whole milliseconds of a timeout argument (0 = forever); throws Redis's errors. */
export function timeoutMs(text: string): bigint {
  const value = parseLongDouble(text);
  if (value === null || value.kind === "nan") throw new ReplyError(BAD_TIMEOUT);
  if (value.kind === "infinity") throw new ReplyError(NEGATIVE_TIMEOUT);
  let mantissa = value.mantissa * 1000n;
  let exponent = value.exponent;
  const bits = mantissa.toString(2).length;
  if (bits > 64) {
    // Round the product to 64 significant bits, ties to even, as the x87 unit does.
    const shift = BigInt(bits - 64);
    const rest = mantissa & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    mantissa >>= shift;
    exponent += Number(shift);
    if (rest > half || (rest === half && (mantissa & 1n) === 1n)) mantissa++;
  }
  let whole: bigint;
  let fraction = false;
  if (exponent >= 0) whole = mantissa << BigInt(exponent);
  else {
    const shift = BigInt(-exponent);
    whole = mantissa >> shift;
    fraction = (mantissa & ((1n << shift) - 1n)) !== 0n;
  }
  // ceill: a positive fraction rounds up, a negative one toward zero.
  let ms = value.negative ? -whole : whole + (fraction ? 1n : 0n);
  if (ms >= TWO_63) ms = -TWO_63;
  if (ms < 0n) throw new ReplyError(NEGATIVE_TIMEOUT);
  return ms;
}

export interface BlockRequest {
  /** Keys (latin1) in the client's current db that may unblock it. */
  keys: string[];
  /** When to give up, ms of the server clock; Infinity waits forever. */
  deadline: number;
  /**
   * Called when `readyKey`, one of the keys, was created: serves the client (from that key first,
   * as Redis does) and returns true once it has written its reply, or false to keep waiting.
   */
  tryServe: (readyKey: string) => boolean;
  /** Writes the reply for a timeout (and for CLIENT UNBLOCK ... TIMEOUT). */
  onTimeout: () => void;
  /**
   * Writes the reply when the client may not wait (inside EXEC); defaults to `onTimeout`.
   * BLMOVE and BRPOPLPUSH answer a null bulk there but a null array on timeout, as in Redis.
   */
  onCannotBlock?: () => void;
}

/** What a blocked client's connection waits on. */
export interface BlockedState {
  readonly request: BlockRequest;
  readonly db: Database;
  /** Settles when the client is served, times out, is unblocked or disconnects. */
  readonly done: Promise<void>;
}

interface Parked extends BlockedState {
  resume: () => void;
}

export class BlockingManager {
  readonly #keyspace: Keyspace;
  /** Waiters per db and key, in arrival order. */
  readonly #waiters = new Map<Database, Map<string, Client[]>>();
  readonly #blocked = new Map<Client, Parked>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDeadline = Infinity;

  constructor(keyspace: Keyspace) {
    this.#keyspace = keyspace;
  }

  /** How many clients are blocked (INFO blocked_clients). */
  get blockedCount(): number {
    return this.#blocked.size;
  }

  /**
   * Parks `client` until a key is ready, the deadline passes, or it is unblocked. Inside EXEC
   * the client is never parked: it gets its "cannot block" reply at once.
   */
  block(client: Client, request: BlockRequest): void {
    if (client.inExec) {
      // A transaction runs to the end at once: nothing to wait for, answer as a timeout would.
      (request.onCannotBlock ?? request.onTimeout)();
      return;
    }
    let resume = () => {};
    const done = new Promise<void>((resolve) => resume = resolve);
    const parked: Parked = { request, db: client.db, done, resume };
    client.blocked = parked;
    this.#blocked.set(client, parked);
    let byKey = this.#waiters.get(client.db);
    if (byKey === undefined) this.#waiters.set(client.db, byKey = new Map());
    for (const key of new Set(request.keys)) {
      const queue = byKey.get(key);
      if (queue === undefined) byKey.set(key, [client]);
      else queue.push(client);
    }
    if (request.deadline < this.#timerDeadline) this.#schedule(request.deadline);
  }

  /**
   * Offers every key created since the last call to the clients waiting on it, first come first
   * served, while the key can still serve them.
   */
  serveReadyKeys(): void {
    const ready = this.#keyspace.readyKeys;
    // Serving may create more ready keys (BLMOVE pushes onto its destination): loop until none.
    for (let i = 0; i < ready.length; i++) {
      const { db, key } = ready[i];
      const queue = this.#waiters.get(db)?.get(key);
      if (queue === undefined) continue;
      for (const client of [...queue]) {
        const parked = this.#blocked.get(client);
        if (parked === undefined) continue;
        if (parked.request.tryServe(key)) this.#release(client);
        if (!db.has(key)) break;
      }
    }
    ready.length = 0;
  }

  /**
   * Ends a client's wait without serving it (CLIENT UNBLOCK, disconnect): `timeout` replies as a
   * timeout would, `error` with Redis's UNBLOCKED error, `silent` not at all. Returns whether
   * the client was blocked.
   */
  unblock(client: Client, how: "timeout" | "error" | "silent"): boolean {
    const parked = this.#blocked.get(client);
    if (parked === undefined) return false;
    if (how === "timeout") parked.request.onTimeout();
    else if (how === "error") client.reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    this.#release(client);
    return true;
  }

  /** Times out every client whose deadline has passed; the server calls it when time moves. */
  checkTimeouts(): void {
    const now = this.#keyspace.clock.now();
    let next = Infinity;
    for (const [client, parked] of this.#blocked) {
      const deadline = parked.request.deadline;
      if (deadline <= now) this.unblock(client, "timeout");
      else if (deadline < next) next = deadline;
    }
    this.#schedule(next);
  }

  /** Stops the timer and lets every blocked client go without a reply (server shutdown). */
  close(): void {
    for (const client of [...this.#blocked.keys()]) this.unblock(client, "silent");
    this.#schedule(Infinity);
  }

  #release(client: Client): void {
    const parked = this.#blocked.get(client)!;
    this.#blocked.delete(client);
    client.blocked = null;
    const byKey = this.#waiters.get(parked.db);
    for (const key of new Set(parked.request.keys)) {
      const queue = byKey?.get(key);
      if (queue === undefined) continue;
      const index = queue.indexOf(client);
      if (index >= 0) queue.splice(index, 1);
      if (queue.length === 0) byKey!.delete(key);
    }
    parked.resume();
  }

  #schedule(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDeadline = deadline;
    if (deadline === Infinity) return;
    // setTimeout fires at once for delays past 2^31-1 ms (~24.8 days): wake and re-check then.
    const delay = Math.min(2 ** 31 - 1, Math.max(0, deadline - this.#keyspace.clock.now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerDeadline = Infinity;
      this.checkTimeouts();
    }, delay);
  }
}
