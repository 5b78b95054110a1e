/**
 * CLIENT PAUSE: for a while, every client's commands (ALL) or only those that may change data
 * (WRITE: write commands, and those Redis flags may_replicate such as EVAL and PUBLISH) wait
 * instead of running. A held client is parked like a blocked one: the registry sets
 * `client.postponed`, its connection stops running its pipeline and, once the pause ends, runs
 * the held command again — other clients carry on meanwhile.
 *
 * As in Redis 7.0, a new CLIENT PAUSE replaces the mode and keeps the later end time, commands
 * queued by MULTI are held when queued, and an EXEC is held when its queue holds a write.
 *
 * @example
 * ```ts
 * const pause = new ClientPause();
 * pause.start(1000, "write");
 * pause.holds(client, command); // true for SET, false for GET
 * ```
 * @module
 */
import type { Client } from "./client.ts";
import type { RegisteredCommand } from "./registry.ts";

export type PauseMode = "write" | "all";

/** Writes, and what Redis flags may_replicate (EVAL, PUBLISH, PFCOUNT...): a WRITE pause holds them. */
function mayChangeData(command: RegisteredCommand): boolean {
  const flags = command.spec.flags;
  return flags.includes("write") || flags.includes("may_replicate");
}

export class ClientPause {
  /** The pause in force, or null when clients run freely. */
  mode: PauseMode | null = null;
  /** When the pause ends, ms of `performance.now()`. */
  #end = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Held clients in the order they were held, each with what wakes its connection. */
  readonly #held = new Map<Client, (runAgain: boolean) => void>();

  /** How many clients wait for the pause to end (INFO counts them in blocked_clients). */
  get heldCount(): number {
    return this.#held.size;
  }

  /** Starts or extends a pause: the mode given replaces the current one, the later end wins. */
  start(ms: number, mode: PauseMode): void {
    this.mode = mode;
    this.#end = Math.max(this.#end, performance.now() + ms);
    this.#arm();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const left = this.#end - performance.now();
    if (left <= 0) {
      this.end();
      return;
    }
    // setTimeout fires at once past 2^31-1 ms: wake then and re-arm for what is left.
    this.#timer = setTimeout(() => this.#arm(), Math.min(left, 2 ** 31 - 1));
  }

  /** Ends the pause (CLIENT UNPAUSE, or its time is up): held clients run, in order. */
  end(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#end = 0;
    this.mode = null;
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const wake of held) wake(true);
  }

  /** Whether the pause in force holds `command` from `client` (call only while paused). */
  holds(client: Client, command: RegisteredCommand): boolean {
    if (this.mode === "all") return true;
    if (mayChangeData(command)) return true;
    const queue = client.transaction?.queue;
    return command.fullName === "exec" && queue !== undefined &&
      queue.some((queued) => mayChangeData(queued.command));
  }

  /** Parks `client` until the pause ends; its connection then runs the command again. */
  hold(client: Client, command: RegisteredCommand): void {
    client.lastCommand = command.fullName;
    // A CLIENT REPLY SKIP armed for this command stays armed for its second run.
    if (client.replyMode === "skip") {
      client.replyMode = "on";
      client.skipNextReply = true;
    }
    client.postponed = new Promise((resolve) => this.#held.set(client, resolve));
  }

  /** Lets a held client go without running its command (it disconnected or was killed). */
  release(client: Client): void {
    const wake = this.#held.get(client);
    if (wake === undefined) return;
    this.#held.delete(client);
    wake(false);
  }
}
