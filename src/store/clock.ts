/**
 * The one source of time for the store and the server. Tests move it instead of sleeping.
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * clock.advance(60_000); // every TTL is now a minute closer
 * ```
 * @module
 */
export class Clock {
  #offset = 0;
  #frozen: number | null = null;
  #listeners: Array<() => void> = [];

  /**
   * Calls `listener` after every `advance` or `set`, so caches of the time can refresh.
   * Returns a function that stops the calls.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((other) => other !== listener);
    };
  }

  /** Milliseconds since the Unix epoch, as the store sees them. */
  now(): number {
    return this.#frozen ?? Date.now() + this.#offset;
  }

  /** Microseconds since the Unix epoch (TIME); exact whole milliseconds when frozen. */
  nowMicros(): number {
    if (this.#frozen !== null) return this.#frozen * 1000;
    return Math.floor((performance.timeOrigin + performance.now() + this.#offset) * 1000);
  }

  /** Moves time forward (or back, with a negative number). */
  advance(ms: number): void {
    if (this.#frozen !== null) this.#frozen += ms;
    else this.#offset += ms;
    for (const listener of this.#listeners) listener();
  }

  /** Sets the current time; with `freeze`, time then stands still until `advance` or `set`. */
  set(ms: number, freeze = false): void {
    if (freeze) {
      this.#frozen = ms;
    } else {
      this.#frozen = null;
      this.#offset = ms - Date.now();
    }
    for (const listener of this.#listeners) listener();
  }
}
