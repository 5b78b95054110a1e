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

  /** Milliseconds since the Unix epoch, as the store sees them. */
  now(): number {
    return this.#frozen ?? Date.now() + this.#offset;
  }

  /** Moves time forward (or back, with a negative number). */
  advance(ms: number): void {
    if (this.#frozen !== null) this.#frozen += ms;
    else this.#offset += ms;
  }

  /** Sets the current time; with `freeze`, time then stands still until `advance` or `set`. */
  set(ms: number, freeze = false): void {
    if (freeze) {
      this.#frozen = ms;
    } else {
      this.#frozen = null;
      this.#offset = ms - Date.now();
    }
  }
}
