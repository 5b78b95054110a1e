/**
 * The command table: looks commands up, checks arity, runs them, and derives what COMMAND and
 * ACL need from each command's single declaration.
 * @module
 */
import type { ClusterState } from "../cluster/state.ts";
import type { Argv } from "../resp/decoder.ts";
import type { Database } from "../store/keyspace.ts";
import type { Client } from "./client.ts";
import { ReplyError, wrongArity } from "./errors.ts";
import { permissionError } from "./acl.ts";
import { LatencyHistogram } from "./latency_histogram.ts";
import { feedMonitors, MONITORED_BEFORE_RUNNING } from "./monitor.ts";
import { ClientPause } from "./pause.ts";
import { PROPAGATES_CONTENTS } from "./propagation.ts";
import type { AclCategory, CommandFlag, CommandSpec, KeyPositions, KeySpecFlag } from "./types.ts";

/** A declaration plus what the table derives and counts for it. */
export interface RegisteredCommand {
  readonly spec: CommandSpec;
  /** `get`, or `client|list` for a subcommand. */
  readonly fullName: string;
  readonly parent?: RegisteredCommand;
  readonly subcommands: Map<string, RegisteredCommand>;
  /** INFO commandstats counters; CONFIG RESETSTAT zeroes them. */
  calls: number;
  /** Microseconds spent running it. */
  usec: number;
  /** Refused before running (wrong arity). */
  rejectedCalls: number;
  /** Ran and threw a reply error. */
  failedCalls: number;
  /** Distribution of run times (INFO latencystats, LATENCY HISTOGRAM); made at the first call. */
  histogram: LatencyHistogram | null;
}

/** Redis's order of flags in COMMAND INFO (`may_replicate` is never shown, as in Redis). */
const FLAG_ORDER: CommandFlag[] = [
  "write",
  "readonly",
  "denyoom",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  "no_mandatory_keys",
  "no_async_loading",
  "no_multi",
  "allow_busy",
];

/** Commands a subscribed RESP2 client may still run. */
const SUBSCRIBED_CONTEXT = new Set([
  "ping",
  "subscribe",
  "ssubscribe",
  "unsubscribe",
  "sunsubscribe",
  "psubscribe",
  "punsubscribe",
  "quit",
  "reset",
]);

/** Redis's order of ACL categories (its category table). */
export const ACL_CATEGORY_ORDER: AclCategory[] = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting",
];

export class CommandTable {
  #byName = new Map<string, RegisteredCommand>();
  /** Error replies counted when the running command started (see `run`). */
  #errorMark = 0;
  /**
   * When the previous command of this synchronous batch ended, or -1: the next command starts
   * there, so timing costs one clock read per command rather than two (a clock read costs as
   * much as a small command). Reset when the batch yields to the event loop.
   */
  #clock = -1;

  #readClock(): number {
    queueMicrotask(() => this.#clock = -1);
    return performance.now();
  }
  #commands: RegisteredCommand[] = [];
  /**
   * Set while a script runs past `busy-reply-threshold`: every other client gets `error` for
   * commands not flagged allow_busy (see src/scripting/engine.ts).
   */
  busyScript: { client: Client; error: string } | null = null;
  /** CLIENT PAUSE: while it is in force, commands it holds wait (see pause.ts). */
  readonly pause = new ClientPause();
  /**
   * Set while `maxmemory` is: evicts as needed before each command and returns true when the
   * command was refused for memory (see eviction.ts).
   */
  memoryGuard: ((client: Client, command: RegisteredCommand) => boolean) | null = null;
  /** Set while this server is a replica with `replica-read-only yes` (src/replication/). */
  readOnlyReplica = false;
  /** Cluster mode (src/commands/cluster.ts startCluster): routes commands by key slot. */
  cluster: ClusterState | null = null;

  constructor(specs: readonly CommandSpec[]) {
    for (const spec of specs) this.#add(spec);
  }

  #add(spec: CommandSpec): void {
    if (this.#byName.has(spec.name)) throw new Error(`command ${spec.name} declared twice`);
    const command = register(spec, undefined);
    this.#commands.push(command);
    this.#byName.set(spec.name, command);
    // Clients send upper or lower case; both hit the map without a toLowerCase per command.
    this.#byName.set(spec.name.toUpperCase(), command);
  }

  /** Every top-level command, in declaration order. */
  all(): readonly RegisteredCommand[] {
    return this.#commands;
  }

  /** Finds a top-level command by name, any case. */
  lookup(name: string): RegisteredCommand | undefined {
    return this.#byName.get(name) ?? this.#byName.get(name.toLowerCase());
  }

  /**
   * Resolves argv to the command (or subcommand) that would run, or an error text for an
   * unknown command, unknown subcommand or wrong arity — exactly as Redis words them.
   */
  resolve(argv: Argv): RegisteredCommand | string {
    let command = this.lookup(argv[0]);
    if (command === undefined) return unknownCommand(argv);
    if (command.subcommands.size > 0 && argv.length >= 2) {
      const sub = command.subcommands.get(argv[1].toLowerCase());
      if (sub === undefined) {
        return `ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${
          argv[0].toUpperCase()
        } HELP.`;
      }
      command = sub;
    }
    const arity = command.spec.arity;
    if ((arity > 0 && arity !== argv.length) || argv.length < -arity) {
      command.rejectedCalls++;
      return wrongArity(command.fullName);
    }
    return command;
  }

  /** Finds a command or subcommand by its full name (`get`, `client|list`), any case. */
  lookupFullName(fullName: string): RegisteredCommand | undefined {
    const bar = fullName.indexOf("|");
    if (bar < 0) return this.lookup(fullName);
    return this.lookup(fullName.slice(0, bar))?.subcommands.get(
      fullName.slice(bar + 1).toLowerCase(),
    );
  }

  /** Runs one command for a client, writing its reply (or error) to `client.reply`. */
  execute(client: Client, argv: Argv): void {
    // Client-side caching costs one check while no client tracks keys.
    const tracking = client.server.tracking;
    if (tracking.clients === 0) {
      this.#execute(client, argv);
      return;
    }
    tracking.current = client;
    try {
      this.#execute(client, argv);
    } finally {
      tracking.afterCommand(client, argv);
    }
  }

  #execute(client: Client, argv: Argv): void {
    // CLIENT REPLY SKIP arms the skip for the command after it; the connection drops that reply.
    if (client.skipNextReply) {
      client.skipNextReply = false;
      if (client.replyMode === "on") client.replyMode = "skip";
    }
    const command = this.resolve(argv);
    if (typeof command === "string") {
      // A refused command inside MULTI dooms the transaction: EXEC will answer EXECABORT.
      if (client.transaction !== null) client.transaction.aborted = true;
      client.reply.error(command);
      return;
    }
    const busy = this.busyScript;
    if (busy !== null && busy.client !== client && !command.spec.flags.includes("allow_busy")) {
      command.rejectedCalls++;
      client.reply.error(busy.error);
      return;
    }
    // Authentication and ACL permissions, checked before anything else runs or is queued. Our
    // master's link is exempt, as Redis's master client is: what it sends has already been let in.
    if (
      (client.user !== client.server.acl.defaultUser || client.server.acl.restricted) &&
      client.replication !== "master"
    ) {
      const refusal = permissionError(client, command, argv);
      if (refusal !== null) {
        command.rejectedCalls++;
        if (client.transaction !== null) client.transaction.aborted = true;
        client.reply.error(refusal);
        return;
      }
    }
    // Cluster mode: keys another node serves get MOVED, keys of several slots CROSSSLOT.
    if (this.cluster !== null) {
      const refusal = clusterRefusal(this.cluster, client, command, argv);
      if (refusal !== null) {
        command.rejectedCalls++;
        // As Redis: a refused EXEC discards the transaction, a refused queued command dooms it.
        if (command.fullName === "exec") endTransaction(client);
        else if (client.transaction !== null) client.transaction.aborted = true;
        client.reply.error(refusal);
        return;
      }
    }
    if (this.memoryGuard !== null && this.memoryGuard(client, command)) return;
    // A read-only replica takes writes from its master only.
    if (
      this.readOnlyReplica && client.replication !== "master" &&
      command.spec.flags.includes("write")
    ) {
      command.rejectedCalls++;
      if (client.transaction !== null) client.transaction.aborted = true;
      client.reply.error("READONLY You can't write against a read only replica.");
      return;
    }
    // A RESP2 connection with subscriptions can only manage them (its replies are messages).
    if (
      client.resp === 2 && client.subscriptionCount > 0 &&
      !SUBSCRIBED_CONTEXT.has(command.spec.name)
    ) {
      command.rejectedCalls++;
      if (client.transaction !== null) client.transaction.aborted = true;
      client.reply.error(
        `ERR Can't execute '${command.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
    // CLIENT PAUSE parks the client; its connection runs the command again when the pause ends.
    if (this.pause.mode !== null && this.pause.holds(client, command)) {
      this.pause.hold(client, command);
      return;
    }
    // Transactions cost one null check for clients that use neither MULTI nor WATCH.
    if (client.transaction !== null || client.watched !== null) {
      if (this.#transactionStep(client, command, argv)) return;
    }
    this.run(client, command, argv);
  }

  /**
   * What MULTI and WATCH change about running a command: inside MULTI, queues it (or refuses
   * it); RESET also ends the transaction and the watches. Returns true when the command must
   * not run now.
   */
  #transactionStep(client: Client, command: RegisteredCommand, argv: Argv): boolean {
    const name = command.fullName;
    if (name === "reset") {
      endTransaction(client);
      return false;
    }
    const transaction = client.transaction;
    if (transaction === null || RUN_INSIDE_MULTI.has(name)) return false;
    if (command.spec.flags.includes("no_multi")) {
      command.rejectedCalls++;
      transaction.aborted = true;
      client.reply.error("ERR Command not allowed inside a transaction");
      return true;
    }
    transaction.queue.push({ command, argv });
    // Redis counts a queued command when EXEC runs it, not when it is queued.
    client.server.stats.totalCommandsProcessed--;
    client.lastCommand = name;
    client.reply.simple("QUEUED");
    return true;
  }

  /** Runs an already resolved command. */
  run(client: Client, command: RegisteredCommand, argv: Argv): void {
    command.calls++;
    // Inside EXEC, CLIENT LIST keeps showing `cmd=exec`, as in Redis.
    if (!client.inExec) client.lastCommand = command.fullName;
    const start = this.#clock >= 0 ? this.#clock : this.#readClock();
    client.lastInteraction = start;
    const db = client.db;
    const stats = client.server.stats;
    const dirty = stats.dirty;
    // Any error reply during the run marks the call failed (not only thrown ones: WRONGTYPE
    // written directly counts too); nested runs (EXEC's commands) move the mark along.
    this.#errorMark = stats.errorReplies;
    if (client.server.monitors.size > 0 && MONITORED_BEFORE_RUNNING.has(command.fullName)) {
      feedMonitors(client, argv);
    }
    const propagation = client.server.propagation;
    const propagating = propagation.active;
    if (propagating) propagation.enter();
    try {
      command.spec.run!(client, argv);
      // Stores catch most changes; this catches values changed in place (HSET on a hash),
      // for watchers and for the memory accounting of collections.
      if (
        stats.dirty !== dirty &&
        (db.watchedCount > 0 || db.events.modified != null || db.holdsCollections)
      ) {
        touchWrittenKeys(db, command.spec, argv);
      }
    } catch (error) {
      if (error instanceof ReplyError) {
        client.reply.error(error.message);
      } else {
        // A bug in a command must not take the connection (or the server) down.
        console.error(`Error running '${command.fullName}':`, error);
        client.reply.error(`ERR internal error running '${command.fullName}'`);
      }
    }
    if (stats.errorReplies !== this.#errorMark) {
      command.failedCalls++;
      this.#errorMark = stats.errorReplies;
    }
    if (propagating) {
      propagate(client, command, argv, db.id, stats.dirty !== dirty);
      propagation.exit();
    }
    // A tracking client remembers the keys its read commands fetched (even on an error).
    if (client.tracking !== null) client.server.tracking.remember(client, command.spec, argv);
    const end = performance.now();
    this.#clock = end;
    const usec = (end - start) * 1000;
    command.usec += usec;
    // A blocked command's time is counted when it is served, as Redis counts it.
    if (client.blocked === null) this.#observe(client, command, argv, usec);
  }

  /** Feeds what operators watch: histograms, the slow log, the latency monitor, MONITOR. */
  #observe(client: Client, command: RegisteredCommand, argv: Argv, usec: number): void {
    (command.histogram ??= new LatencyHistogram()).record(usec);
    const server = client.server;
    const flags = command.spec.flags;
    if (usec >= server.slowlog.threshold && server.slowlog.threshold >= 0) {
      if (!flags.includes("skip_slowlog")) server.slowlog.record(client, argv, usec);
    }
    if (server.latency.threshold > 0) {
      server.latency.recordIfSlow(
        flags.includes("fast") ? "fast-command" : "command",
        Math.floor(usec / 1000),
      );
    }
    if (server.monitors.size > 0 && !flags.includes("admin") && !flags.includes("skip_monitor")) {
      feedMonitors(client, argv);
    }
  }

  /** Zeroes every command's counters (CONFIG RESETSTAT). */
  resetStats(): void {
    const reset = (command: RegisteredCommand) => {
      command.calls =
        command.usec =
        command.rejectedCalls =
        command.failedCalls =
          0;
      command.histogram = null;
      command.subcommands.forEach(reset);
    };
    this.#commands.forEach(reset);
  }
}

/**
 * Why this cluster node must not run the command (MOVED, CROSSSLOT), or null. EXEC is judged
 * by the keys of every queued command together, as Redis does.
 */
function clusterRefusal(
  cluster: ClusterState,
  client: Client,
  command: RegisteredCommand,
  argv: Argv,
): string | null {
  const keys: string[] = [];
  const collect = (spec: CommandSpec, argv: Argv) => {
    if ((spec.keys === undefined || spec.keys.length === 0) && spec.getKeys === undefined) return;
    for (const key of findKeys(spec, argv) ?? []) keys.push(argv[key.index]);
  };
  if (command.fullName === "exec") {
    for (const queued of client.transaction?.queue ?? []) collect(queued.command.spec, queued.argv);
  } else {
    collect(command.spec, argv);
  }
  return cluster.redirect(keys);
}

/** Commands that run at once inside MULTI instead of being queued. */
const RUN_INSIDE_MULTI = new Set(["exec", "discard", "multi", "watch", "quit", "reset"]);

/** Ends a client's transaction and forgets its watched keys (DISCARD, EXEC, RESET, disconnect). */
export function endTransaction(client: Client): void {
  client.transaction = null;
  unwatchAll(client);
}

/** Forgets every key the client WATCHes (UNWATCH). */
export function unwatchAll(client: Client): void {
  const watched = client.watched;
  if (watched === null) return;
  client.watched = null;
  for (const { db, key } of watched) db.unwatch(key);
}

/** Hands a finished command to propagation: its replacement if it named one, else itself. */
function propagate(
  client: Client,
  command: RegisteredCommand,
  argv: Argv,
  db: number,
  changed: boolean,
): void {
  const propagation = client.server.propagation;
  const replacement = client.propagateAs;
  if (replacement !== null) {
    client.propagateAs = null;
    for (const each of replacement) propagation.add(db, each);
  } else if (
    changed && command.spec.flags.includes("write") && !PROPAGATES_CONTENTS.has(command.fullName)
  ) {
    propagation.add(db, argv);
  }
}

/** Marks the keys a write command may have changed as changed, for watchers and accounting. */
function touchWrittenKeys(db: Database, spec: CommandSpec, argv: Argv): void {
  if (!spec.flags.includes("write")) return;
  const watched = db.watchedCount > 0 || db.events.modified != null;
  for (const key of findKeys(spec, argv) ?? []) {
    if (key.flags.includes("RO")) continue;
    if (watched) db.touchWatched(argv[key.index]);
    db.noteWritten(argv[key.index]);
  }
}

function register(spec: CommandSpec, parent: RegisteredCommand | undefined): RegisteredCommand {
  const command: RegisteredCommand = {
    spec,
    fullName: parent ? `${parent.fullName}|${spec.name}` : spec.name,
    parent,
    subcommands: new Map(),
    calls: 0,
    usec: 0,
    rejectedCalls: 0,
    failedCalls: 0,
    histogram: null,
  };
  for (const sub of spec.subcommands ?? []) {
    command.subcommands.set(sub.name, register(sub, command));
  }
  if (!spec.run && command.subcommands.size === 0) {
    throw new Error(`command ${command.fullName} has neither run nor subcommands`);
  }
  return command;
}

function unknownCommand(argv: Argv): string {
  let args = "";
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i].slice(0, 128 - args.length)}' `;
  }
  return `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`;
}

/** Flags in Redis's order, as COMMAND INFO lists them. */
export function orderedFlags(spec: CommandSpec): CommandFlag[] {
  return FLAG_ORDER.filter((flag) => spec.flags.includes(flag));
}

/** The ACL categories of a command: declared ones plus those Redis implies from its flags. */
export function aclCategories(spec: CommandSpec): AclCategory[] {
  const categories = new Set<AclCategory>(spec.acl ?? []);
  const flags = new Set(spec.flags);
  if (flags.has("write")) categories.add("write");
  if (flags.has("readonly") && !categories.has("scripting")) categories.add("read");
  if (flags.has("admin")) {
    categories.add("admin");
    categories.add("dangerous");
  }
  if (flags.has("pubsub")) categories.add("pubsub");
  if (flags.has("fast")) categories.add("fast");
  if (flags.has("blocking")) categories.add("blocking");
  if (!categories.has("fast")) categories.add("slow");
  return ACL_CATEGORY_ORDER.filter((category) => categories.has(category));
}

/** Redis's legacy (first, last, step) summary of a command's key specs, for COMMAND INFO. */
export interface LegacyKeyRange {
  first: number;
  last: number;
  step: number;
  /** Some keys are not covered by the range: COMMAND INFO adds the `movablekeys` flag. */
  movable: boolean;
}

/**
 * Folds the key specs into one (first, last, step) range as Redis does: a lone index/range spec
 * is used as is; otherwise consecutive plain ranges (step 1) are merged and anything else only
 * marks the command movable. A command with `getKeys` is always movable.
 */
export function legacyKeyRange(spec: CommandSpec): LegacyKeyRange {
  const specs = spec.keys ?? [];
  let movable = spec.getKeys !== undefined;
  const isRange = (keys: KeyPositions) => !keys.keyword && !keys.keynum && !keys.unknown;
  if (specs.length === 1 && isRange(specs[0])) {
    const only = specs[0];
    return {
      first: only.first,
      last: only.last,
      step: only.step,
      movable: movable || only.flags.includes("incomplete"),
    };
  }
  let first = Infinity;
  let last = 0;
  let previousLast = 0;
  for (const keys of specs) {
    if (!isRange(keys) || keys.step !== 1 || (previousLast && previousLast !== keys.first - 1)) {
      movable = true;
      continue;
    }
    if (keys.flags.includes("incomplete")) movable = true;
    first = Math.min(first, keys.first);
    // Compared as unsigned, as Redis does: a negative (from the end) last wins over any index.
    if (last >= 0 && (keys.last < 0 || keys.last > last)) last = keys.last;
    previousLast = last;
  }
  if (first === Infinity) {
    return { first: 0, last: 0, step: 0, movable: specs.length > 0 || movable };
  }
  return { first, last, step: 1, movable };
}

/** A key found in argv and the flags of the key spec that found it. */
export interface FoundKey {
  index: number;
  flags: KeySpecFlag[];
}

/**
 * Keys in argv for a command, from its key specs (or its own `getKeys`), as COMMAND GETKEYS
 * reports them. Returns null when argv does not fit the specs (too few arguments, a bad
 * numkeys).
 */
export function findKeys(spec: CommandSpec, argv: Argv): FoundKey[] | null {
  if (spec.getKeys) {
    const flags = spec.keys?.[0]?.flags ?? [];
    return spec.getKeys(argv).map((key) => typeof key === "number" ? { index: key, flags } : key);
  }
  const found: FoundKey[] = [];
  for (const keys of spec.keys ?? []) {
    if (keys.unknown) continue;
    let start = keys.first;
    if (keys.keyword) {
      start = keywordPosition(argv, keys.keyword.keyword, keys.keyword.startFrom);
      if (start < 0) continue;
    }
    let last: number;
    let step = keys.step;
    if (keys.keynum) {
      const count = Number(argv[start + keys.keynum.keyNumIdx]);
      if (!Number.isInteger(count) || count < 0) return null;
      start += keys.keynum.firstKey;
      step = keys.keynum.keyStep;
      last = start + (count - 1) * step;
    } else {
      // `last` is absolute for index specs and relative to the keyword for keyword specs.
      const relative = keys.last < 0 ? keys.last : keys.last - (keys.keyword ? 0 : keys.first);
      if (relative >= 0) last = start + relative;
      else if (keys.limit) last = start + Math.floor((argv.length - start) / keys.limit) + relative;
      else last = argv.length + relative;
    }
    if (last >= argv.length) return null;
    for (let i = start; i <= last; i += step) found.push({ index: i, flags: keys.flags });
  }
  return found;
}

function keywordPosition(argv: Argv, keyword: string, startFrom: number): number {
  const lower = keyword.toLowerCase();
  const backwards = startFrom < 0;
  for (
    let i = backwards ? argv.length + startFrom : startFrom;
    backwards ? i > 0 : i < argv.length;
    i += backwards ? -1 : 1
  ) {
    if (argv[i].toLowerCase() === lower) return i + 1;
  }
  return -1;
}

/** Key positions in argv for a command, from its declaration (COMMAND GETKEYS, ACL, cluster). */
export function keyIndexes(spec: CommandSpec, argv: Argv): number[] {
  return (findKeys(spec, argv) ?? []).map((key) => key.index);
}
