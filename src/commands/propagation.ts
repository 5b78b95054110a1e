/**
 * Command propagation: the stream of writes that an append-only file and replicas receive, in
 * the form Redis 7.0 gives them.
 *
 * - A write command that changed something is propagated as it was called, unless it names a
 *   replacement: `propagateAs(client, ...)` (EXPIRE → PEXPIREAT with an absolute time, BLPOP →
 *   LPOP, SPOP → SREM, ...). A command may also propagate nothing that way (`propagateAs(client)`).
 * - Everything one top-level command causes (EXEC's commands, a script's `redis.call`s, keys it
 *   found expired) is collected and handed to each sink as one unit, wrapped in MULTI/EXEC when it
 *   holds more than one command, as Redis 7.0 does.
 * - Keys that expire or are evicted outside a command become `DEL key` units of their own.
 * - Sinks see the db of every command and insert SELECT themselves where it changes.
 *
 * While no sink is attached (no AOF, no replica), a command costs one size check.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Client } from "./client.ts";

/** One propagated command and the db it ran in. */
export interface PropagatedCommand {
  db: number;
  argv: string[];
}

/** Receives each unit (one command, or MULTI ... EXEC) in order. */
export type PropagationSink = (unit: readonly PropagatedCommand[]) => void;

/** The commands that run a script or a function. */
export const SCRIPT_RUNNERS: ReadonlySet<string> = new Set([
  "eval",
  "evalsha",
  "eval_ro",
  "evalsha_ro",
  "fcall",
  "fcall_ro",
]);

/** Commands that are not propagated themselves: what they run is (EXEC, scripts). */
export const PROPAGATES_CONTENTS: ReadonlySet<string> = new Set(["exec", ...SCRIPT_RUNNERS]);

export class Propagation {
  readonly #sinks = new Set<PropagationSink>();
  #pending: PropagatedCommand[] = [];
  /** Nesting of command runs: pending commands leave when the outermost one ends. */
  #depth = 0;
  /** Told when the first sink attaches or the last detaches (the expiry hook follows it). */
  onActiveChange: (() => void) | null = null;

  /** Whether anything listens: checked once per command. */
  get active(): boolean {
    return this.#sinks.size > 0;
  }

  /** Attaches a sink; returns a function that detaches it. */
  attach(sink: PropagationSink): () => void {
    this.#sinks.add(sink);
    if (this.#sinks.size === 1) this.onActiveChange?.();
    return () => {
      if (this.#sinks.delete(sink) && this.#sinks.size === 0) this.onActiveChange?.();
    };
  }

  /** A command run starts (the registry calls this around every run while active). */
  enter(): void {
    this.#depth++;
  }

  /** A command run ends; the outermost one sends what was collected. */
  exit(): void {
    if (--this.#depth === 0 && this.#pending.length > 0) this.#flush();
  }

  /** Adds a command to the current unit, or sends it alone when no command is running. */
  add(db: number, argv: readonly string[]): void {
    if (this.#sinks.size === 0) return;
    this.#pending.push({ db, argv: [...argv] });
    if (this.#depth === 0) this.#flush();
  }

  #flush(): void {
    const commands = this.#pending;
    this.#pending = [];
    const unit = commands.length > 1
      ? [
        { db: commands[0].db, argv: ["MULTI"] },
        ...commands,
        { db: commands[commands.length - 1].db, argv: ["EXEC"] },
      ]
      : commands;
    for (const sink of this.#sinks) sink(unit);
  }
}

/**
 * Called by a command that must be propagated differently from how it was called: each argv
 * given replaces the command (none: nothing is propagated). Only takes effect while a sink is
 * attached, so commands may call it unconditionally but should build costly argvs only when
 * `client.server.propagation.active`.
 */
export function propagateAs(client: Client, ...argvs: Argv[]): void {
  if (!client.server.propagation.active) return;
  (client.propagateAs ??= []).push(...argvs);
}

/**
 * Propagates the effect of a blocking command: as its replacement while it runs (served at
 * once), or as a unit of its own when a waiting client is served later, outside any command run.
 */
export function propagateServed(client: Client, db: number, waited: boolean, argv: Argv): void {
  const propagation = client.server.propagation;
  if (!propagation.active) return;
  if (waited) propagation.add(db, argv);
  else propagateAs(client, argv);
}
