/**
 * Persistence commands: SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE and SHUTDOWN, answering as Redis
 * 7.0 does. DUMP and RESTORE speak Redis's payload format (an RDB value, the RDB version and a
 * CRC-64), so values move between Redeno and Redis in both directions. The files themselves
 * are `persistence_manager.ts`'s business.
 * @module
 */
import { dumpPayload } from "../persistence/rdb_writer.ts";
import { restorePayload } from "../persistence/rdb_reader.ts";
import { bytesToLatin1, latin1ToBytes } from "../resp/latin1.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { NOT_INTEGER, ReplyError, SYNTAX_ERROR } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { persistenceOf } from "./persistence_manager.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

const BGSAVE_RUNNING = "ERR Background save already in progress";

function dump(client: Client, key: string): void {
  const value = client.db.read(key);
  if (value === undefined) return client.reply.nullBulk();
  const config = client.server.config;
  const payload = dumpPayload(value, {
    compression: config.getBoolean("rdbcompression"),
    listMaxListpackSize: config.getNumber("list-max-listpack-size"),
  });
  client.reply.bulk(bytesToLatin1(payload, 0, payload.length));
}

function integerOrThrow(text: string): number | bigint {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(NOT_INTEGER);
  return value;
}

function restore(client: Client, argv: string[]): void {
  const [, key, ttlText, payloadText] = argv;
  let replace = false;
  let absttl = false;
  let idle: number | bigint | null = null;
  let freq: number | bigint | null = null;
  for (let j = 4; j < argv.length; j++) {
    const option = argv[j].toLowerCase();
    const more = argv.length - j - 1;
    if (option === "replace") replace = true;
    else if (option === "absttl") absttl = true;
    else if (option === "idletime" && more >= 1 && freq === null) {
      idle = integerOrThrow(argv[++j]);
      if (idle < 0) throw new ReplyError("ERR Invalid IDLETIME value, must be >= 0");
    } else if (option === "freq" && more >= 1 && idle === null) {
      freq = integerOrThrow(argv[++j]);
      if (freq < 0 || freq > 255) {
        throw new ReplyError("ERR Invalid FREQ value, must be >= 0 and <= 255");
      }
    } else throw new ReplyError(SYNTAX_ERROR);
  }
  const db = client.db;
  if (!replace && db.get(key) !== undefined) {
    throw new ReplyError("BUSYKEY Target key name already exists.");
  }
  const ttl = integerOrThrow(ttlText);
  if (ttl < 0) throw new ReplyError("ERR Invalid TTL value, must be >= 0");
  const result = restorePayload(latin1ToBytes(payloadText), client.server.keyspace.limits);
  if (!result.ok) {
    throw new ReplyError(
      result.reason === "version"
        ? "ERR DUMP payload version or checksum are wrong"
        : "ERR Bad data format",
    );
  }
  const deleted = replace && db.delete(key);
  const server = client.server;
  let deadline: number | bigint | undefined;
  if (ttl !== 0 && ttl !== 0n) {
    deadline = absttl ? ttl : BigInt(ttl) + BigInt(db.clock.now());
    if (typeof deadline === "bigint" && deadline <= BigInt(Number.MAX_SAFE_INTEGER)) {
      deadline = Number(deadline);
    }
    if (deadline <= db.clock.now()) {
      // Already expired: the key is not created (an old one replaced is gone, though).
      if (deleted) {
        notifyKeyspaceEvent(client, "g", "del", key);
        server.stats.dirty++;
      }
      return client.reply.ok();
    }
  }
  db.set(key, result.value);
  if (deadline !== undefined) db.setExpire(key, deadline);
  notifyKeyspaceEvent(client, "g", "restore", key);
  server.stats.dirty++;
  client.reply.ok();
}

function bgsave(client: Client, argv: string[]): void {
  // SCHEDULE only matters while an AOF rewrite runs, which never happens here.
  if (argv.length > 2 || (argv.length === 2 && argv[1].toLowerCase() !== "schedule")) {
    throw new ReplyError(SYNTAX_ERROR);
  }
  const persistence = persistenceOf(client.server);
  if (persistence.bgsaveInProgress) {
    // As Redis: only a BGSAVE of another kind (there is none here) can be scheduled behind.
    throw new ReplyError(BGSAVE_RUNNING);
  }
  if (client.inExec) {
    // Inside MULTI/EXEC Redis never forks: it schedules the save for after the transaction.
    persistence.bgsaveScheduled = true;
    return client.reply.simple("Background saving scheduled");
  }
  if (!persistence.startBackgroundSave()) throw new ReplyError("ERR");
  client.reply.simple("Background saving started");
}

function shutdown(client: Client, argv: string[]): void {
  let save = false;
  let nosave = false;
  let force = false;
  let abort = false;
  let flags = 0;
  for (let i = 1; i < argv.length; i++) {
    const option = argv[i].toLowerCase();
    if (option === "nosave") nosave = true;
    else if (option === "save") save = true;
    else if (option === "now") {
      // NOW skips waiting for replicas, which Redeno never has.
    } else if (option === "force") force = true;
    else if (option === "abort") {
      abort = true;
      continue;
    } else throw new ReplyError(SYNTAX_ERROR);
    flags++;
  }
  if ((abort && flags > 0) || (save && nosave)) throw new ReplyError(SYNTAX_ERROR);
  // Without replicas a shutdown never waits, so there is never one to abort.
  if (abort) throw new ReplyError("ERR No shutdown in progress.");
  const server = client.server;
  server.log("warning", "User requested shutdown...");
  if (!persistenceOf(server).prepareShutdown({ save, nosave, force })) {
    throw new ReplyError("ERR Errors trying to SHUTDOWN. Check logs.");
  }
  server.log("warning", "Redis is now ready to exit, bye bye...");
  // As Redis exits: this client gets no reply, every connection closes.
  client.closeAfterReply = true;
  void server.close();
}

export const persistenceCommands: CommandSpec[] = [
  defineCommand({
    name: "save",
    arity: 1,
    flags: ["admin", "noscript", "no_async_loading", "no_multi"],
    group: "server",
    since: "1.0.0",
    summary: "Writes the whole dataset to the RDB file now, blocking the server meanwhile.",
    complexity: "O(N) where N is the total number of keys in all databases",
    run(client) {
      const persistence = persistenceOf(client.server);
      if (persistence.bgsaveInProgress) throw new ReplyError(BGSAVE_RUNNING);
      persistence.saves++;
      if (!persistence.saveNow()) throw new ReplyError("ERR");
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "bgsave",
    arity: -1,
    flags: ["admin", "noscript", "no_async_loading"],
    group: "server",
    since: "1.0.0",
    summary: "Writes the dataset to the RDB file while the server keeps serving clients.",
    complexity: "O(1)",
    history: [["3.2.2", "Added the `SCHEDULE` option."]],
    args: [{
      name: "schedule",
      type: "pure-token",
      token: "SCHEDULE",
      since: "3.2.2",
      optional: true,
    }],
    run: bgsave,
  }),
  defineCommand({
    name: "lastsave",
    arity: 1,
    flags: ["loading", "stale", "fast"],
    acl: ["admin", "dangerous"],
    group: "server",
    since: "1.0.0",
    summary: "Replies with the Unix time of the last successful save to disk.",
    complexity: "O(1)",
    tips: ["nondeterministic_output"],
    run(client) {
      client.reply.integer(persistenceOf(client.server).lastSave);
    },
  }),
  defineCommand({
    name: "dump",
    arity: 2,
    flags: ["readonly"],
    acl: ["keyspace"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "generic",
    since: "2.6.0",
    summary: "Replies with a serialized form of the key's value, which RESTORE takes back.",
    complexity: "O(1) to find the key, plus O(N*M) to serialize it: N elements of average size M.",
    tips: ["nondeterministic_output"],
    args: [{ name: "key", type: "key", keySpecIndex: 0 }],
    run: (client, argv) => dump(client, argv[1]),
  }),
  defineCommand({
    name: "restore",
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["keyspace", "dangerous"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["OW", "update"] }],
    group: "generic",
    since: "2.6.0",
    summary: "Creates a key from a value serialized by DUMP.",
    complexity:
      "O(1) to create the key, plus O(N*M) to rebuild the value (O(N*M*log(N)) for sorted sets).",
    history: [
      ["3.0.0", "Added the `REPLACE` option."],
      ["5.0.0", "Added the `ABSTTL` option."],
      ["5.0.0", "Added the `IDLETIME` and `FREQ` options."],
    ],
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "ttl", type: "integer" },
      { name: "serialized-value", type: "string" },
      { name: "replace", type: "pure-token", token: "REPLACE", since: "3.0.0", optional: true },
      { name: "absttl", type: "pure-token", token: "ABSTTL", since: "5.0.0", optional: true },
      { name: "seconds", type: "integer", token: "IDLETIME", since: "5.0.0", optional: true },
      { name: "frequency", type: "integer", token: "FREQ", since: "5.0.0", optional: true },
    ],
    run: restore,
  }),
  defineCommand({
    name: "shutdown",
    arity: -1,
    flags: ["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"],
    group: "server",
    since: "1.0.0",
    summary: "Saves the dataset (when asked or configured to) and stops the server.",
    complexity:
      "O(N) when saving, where N is the total number of keys in all databases; otherwise O(1)",
    history: [["7.0.0", "Added the `NOW`, `FORCE` and `ABORT` options."]],
    args: [
      {
        name: "nosave_save",
        type: "oneof",
        optional: true,
        args: [
          { name: "nosave", type: "pure-token", token: "NOSAVE" },
          { name: "save", type: "pure-token", token: "SAVE" },
        ],
      },
      { name: "now", type: "pure-token", token: "NOW", since: "7.0.0", optional: true },
      { name: "force", type: "pure-token", token: "FORCE", since: "7.0.0", optional: true },
      { name: "abort", type: "pure-token", token: "ABORT", since: "7.0.0", optional: true },
    ],
    run: shutdown,
  }),
];
