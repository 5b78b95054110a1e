/**
 * Transactions: MULTI, EXEC, DISCARD, WATCH and UNWATCH.
 *
 * MULTI opens `client.transaction`; from then on the registry queues each command (answering
 * `+QUEUED`) instead of running it, and marks the transaction aborted when it refuses one. EXEC
 * runs the queue in order and replies with an array of their replies. WATCH records each key's
 * version in its db (see `Database.watch`); any change to it before EXEC — by any client,
 * expiry, a flush or SWAPDB — makes EXEC answer a null array and run nothing.
 *
 * @example
 * ```ts
 * // WATCH balance / MULTI / DECRBY balance 10 / EXEC: null if balance changed since WATCH.
 * ```
 * @module
 */
import type { Client } from "./client.ts";
import { ReplyError } from "./errors.ts";
import { endTransaction, unwatchAll } from "./registry.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

const EXEC_ABORT = "EXECABORT Transaction discarded because of previous errors.";

/** Whether any watched key changed since WATCH, or has expired without being removed yet. */
function watchedKeysChanged(client: Client): boolean {
  const watched = client.watched;
  if (watched === null) return false;
  for (const { db, key, version } of watched) {
    if (db.watchVersion(key) !== version || db.isExpiredNow(key)) return true;
  }
  return false;
}

function exec(client: Client): void {
  const transaction = client.transaction;
  if (transaction === null) throw new ReplyError("ERR EXEC without MULTI");
  const changed = watchedKeysChanged(client);
  if (transaction.aborted) {
    endTransaction(client);
    throw new ReplyError(EXEC_ABORT);
  }
  if (changed) {
    endTransaction(client);
    client.reply.nullArray();
    return;
  }
  // Nothing watched matters any more: the queue runs without interruption.
  unwatchAll(client);
  const { queue } = transaction;
  const commands = client.server.commands;
  client.reply.arrayHeader(queue.length);
  client.inExec = true;
  try {
    for (const { command, argv } of queue) commands.run(client, command, argv);
  } finally {
    client.inExec = false;
    client.transaction = null;
  }
  client.server.stats.totalCommandsProcessed += queue.length;
}

function watch(client: Client, keys: string[]): void {
  if (client.transaction !== null) throw new ReplyError("ERR WATCH inside MULTI is not allowed");
  const db = client.db;
  const watched = client.watched ??= [];
  for (const key of keys) {
    if (watched.some((entry) => entry.db === db && entry.key === key)) continue;
    watched.push({ db, key, version: db.watch(key) });
  }
  client.reply.ok();
}

/** Flags MULTI, DISCARD, WATCH and UNWATCH share (EXEC differs, as in Redis). */
const CONTROL_FLAGS: CommandSpec["flags"] = ["noscript", "loading", "stale", "fast", "allow_busy"];

export const transactionCommands: CommandSpec[] = [
  defineCommand({
    name: "multi",
    arity: 1,
    flags: CONTROL_FLAGS,
    acl: ["transaction"],
    group: "transactions",
    since: "1.2.0",
    summary: "Starts a transaction: later commands are queued until EXEC or DISCARD.",
    complexity: "O(1)",
    run(client) {
      if (client.transaction !== null) throw new ReplyError("ERR MULTI calls can not be nested");
      client.transaction = { queue: [], aborted: false };
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "exec",
    arity: 1,
    flags: ["noscript", "loading", "stale", "skip_slowlog"],
    acl: ["transaction"],
    group: "transactions",
    since: "1.2.0",
    summary: "Runs the queued commands of a transaction, unless a watched key changed.",
    complexity: "The sum of the queued commands' costs.",
    run: exec,
  }),
  defineCommand({
    name: "discard",
    arity: 1,
    flags: CONTROL_FLAGS,
    acl: ["transaction"],
    group: "transactions",
    since: "2.0.0",
    summary: "Drops the queued commands and ends the transaction.",
    complexity: "O(N) for N queued commands.",
    run(client) {
      if (client.transaction === null) throw new ReplyError("ERR DISCARD without MULTI");
      endTransaction(client);
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "watch",
    arity: -2,
    flags: CONTROL_FLAGS,
    acl: ["transaction"],
    keys: [{ first: 1, last: -1, step: 1, flags: ["RO"] }],
    group: "transactions",
    since: "2.2.0",
    summary: "Makes the next EXEC fail if any of the keys changes before it.",
    complexity: "O(1) per key.",
    args: [{ name: "key", type: "key", multiple: true }],
    run: (client, argv) => watch(client, argv.slice(1)),
  }),
  defineCommand({
    name: "unwatch",
    arity: 1,
    flags: CONTROL_FLAGS,
    acl: ["transaction"],
    group: "transactions",
    since: "2.2.0",
    summary: "Stops watching every key this connection watches.",
    complexity: "O(1)",
    run(client) {
      unwatchAll(client);
      client.reply.ok();
    },
  }),
];
