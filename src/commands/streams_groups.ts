/**
 * Consumer group commands: XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP),
 * XACK, XPENDING, XCLAIM and XAUTOCLAIM. XREADGROUP is in `streams.ts` with XREAD.
 *
 * Idle times are measured on the server clock; arguments are checked in Redis 7.0's order.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import {
  compareIds,
  type Consumer,
  ConsumerGroup,
  MIN_ID,
  nextId,
  PendingEntry,
  previousId,
  type StreamId,
  StreamValue,
  U64_MAX,
  UNKNOWN_ENTRIES_READ,
} from "../store/stream.ts";
import { integerArg, isKeyword, parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { badSubcommand, ReplyError, SYNTAX_ERROR } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import {
  asStream,
  BAD_END,
  BAD_START,
  consumerFor,
  createConsumer,
  idArg,
  intervalIdArg,
  KEY,
  keyAt,
  now,
  parseId,
  sanitize,
  strictIdArg,
  writeEntry,
  writeId,
} from "./streams_common.ts";
import type { ArgSpec, CommandSpec } from "./types.ts";
import { defineCommand } from "./types.ts";
import { helpSubcommand } from "./connection.ts";

function noGroup(key: string, group: string): ReplyError {
  return new ReplyError(sanitize(`NOGROUP No such key '${key}' or consumer group '${group}'`));
}

/** The group of the stream at `key` for XACK-like commands: read, type-checked. */
function readGroup(client: Client, key: string, name: string) {
  const stream = asStream(client.db.read(key));
  return { stream, group: stream?.groups?.get(name) };
}

/** Removes a pending entry from its group and its consumer. */
function dropPending(group: ConsumerGroup, entry: PendingEntry): void {
  group.pending.remove(entry.id);
  entry.consumer?.pending.remove(entry.id);
}

/** Gives a pending entry to `consumer` (moving it from its previous owner). */
function reassign(entry: PendingEntry, consumer: Consumer): void {
  if (entry.consumer === consumer) return;
  entry.consumer?.pending.remove(entry.id);
  consumer.pending.insert(entry);
  entry.consumer = consumer;
}

// ---------------------------------------------------------------------------------------------
// XGROUP

const XGROUP_HELP = [
  "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter.",
  "HELP",
  "    Prints this help.",
];

/** Every XGROUP subcommand but HELP: the checks Redis runs for all of them, then each one. */
function xgroup(client: Client, argv: Argv): void {
  const sub = argv[1].toLowerCase();
  const syntaxError = () => new ReplyError(badSubcommand("XGROUP", argv[1]));
  let mkstream = false;
  let entriesRead = UNKNOWN_ENTRIES_READ;
  for (let i = 5; i < argv.length;) {
    if (sub === "create" && isKeyword(argv[i], "mkstream")) {
      mkstream = true;
      i++;
    } else if (
      (sub === "create" || sub === "setid") && isKeyword(argv[i], "entriesread") &&
      i + 1 < argv.length
    ) {
      entriesRead = integerArg(argv[i + 1]);
      if (entriesRead < 0 && entriesRead !== UNKNOWN_ENTRIES_READ) {
        throw new ReplyError("ERR value for ENTRIESREAD must be positive or -1");
      }
      i += 2;
    } else {
      throw syntaxError();
    }
  }
  const db = client.db;
  const key = argv[2];
  const name = argv[3];
  let stream = asStream(db.get(key));
  let group: ConsumerGroup | undefined;
  if (!mkstream) {
    if (stream === undefined) {
      throw new ReplyError(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may " +
          "want to use the MKSTREAM option to create an empty stream automatically.",
      );
    }
    group = stream.groups?.get(name);
    if (group === undefined && sub !== "create" && sub !== "destroy") {
      throw new ReplyError(
        sanitize(`NOGROUP No such consumer group '${name}' for key name '${key}'`),
      );
    }
  }
  const reply = client.reply;
  const stats = client.server.stats;
  if (sub === "create" && argv.length <= 8) {
    const id = argv[4] === "$" ? stream?.lastId ?? MIN_ID : strictIdArg(argv[4]);
    if (stream === undefined) {
      stream = new StreamValue();
      db.set(key, stream);
    }
    if (stream.groups?.has(name)) {
      throw new ReplyError("BUSYGROUP Consumer Group name already exists");
    }
    (stream.groups ??= new Map()).set(name, new ConsumerGroup(id, entriesRead));
    reply.ok();
    stats.dirty++;
    notifyKeyspaceEvent(client, "t", "xgroup-create", key, db);
  } else if (sub === "setid" && (argv.length === 5 || argv.length === 7)) {
    group!.lastId = argv[4] === "$" ? stream!.lastId : idArg(argv[4]);
    group!.entriesRead = entriesRead;
    reply.ok();
    stats.dirty++;
    notifyKeyspaceEvent(client, "t", "xgroup-setid", key, db);
  } else if (sub === "destroy" && argv.length === 4) {
    if (group === undefined) {
      reply.integer(0);
      return;
    }
    stream!.groups!.delete(name);
    reply.integer(1);
    stats.dirty++;
    notifyKeyspaceEvent(client, "t", "xgroup-destroy", key, db);
    // Its blocked XREADGROUP clients learn that the group is gone.
    db.signalReady(key);
  } else if (sub === "createconsumer" && argv.length === 5) {
    if (group!.consumers.has(argv[4])) reply.integer(0);
    else {
      createConsumer(client, db, key, group!, argv[4]);
      reply.integer(1);
    }
  } else if (sub === "delconsumer" && argv.length === 5) {
    const consumer = group!.consumers.get(argv[4]);
    if (consumer === undefined) {
      reply.integer(0);
      return;
    }
    const pending = consumer.pending.size;
    group!.deleteConsumer(consumer);
    stats.dirty++;
    notifyKeyspaceEvent(client, "t", "xgroup-delconsumer", key, db);
    reply.integer(pending);
  } else {
    throw syntaxError();
  }
}

// ---------------------------------------------------------------------------------------------
// XACK, XPENDING

function xack(client: Client, argv: Argv): void {
  const { group } = readGroup(client, argv[1], argv[2]);
  if (group === undefined) {
    client.reply.integer(0);
    return;
  }
  const ids: StreamId[] = [];
  for (let j = 3; j < argv.length; j++) ids.push(strictIdArg(argv[j]));
  let acknowledged = 0;
  for (const id of ids) {
    const entry = group.pending.get(id);
    if (entry === undefined) continue;
    dropPending(group, entry);
    acknowledged++;
  }
  client.server.stats.dirty += acknowledged;
  client.reply.integer(acknowledged);
}

function xpending(client: Client, argv: Argv): void {
  const summary = argv.length === 3;
  if (!summary && (argv.length < 6 || argv.length > 9)) throw new ReplyError(SYNTAX_ERROR);
  let start: StreamId = MIN_ID;
  let end: StreamId = MIN_ID;
  let count = 0;
  let minIdle = 0;
  let consumerName: string | undefined;
  if (!summary) {
    let at = 3;
    if (isKeyword(argv[3], "idle")) {
      minIdle = integerArg(argv[4]);
      if (argv.length < 8) throw new ReplyError(SYNTAX_ERROR);
      at += 2;
    }
    count = Math.max(0, integerArg(argv[at + 2]));
    const from = intervalIdArg(argv[at], 0);
    start = from.exclusive ? nextId(from.id) ?? badBound(BAD_START) : from.id;
    const to = intervalIdArg(argv[at + 1], U64_MAX);
    end = to.exclusive ? previousId(to.id) ?? badBound(BAD_END) : to.id;
    if (at + 3 < argv.length) consumerName = argv[at + 3];
  }
  const { group } = readGroup(client, argv[1], argv[2]);
  if (group === undefined) throw noGroup(argv[1], argv[2]);
  const reply = client.reply;
  if (summary) {
    reply.arrayHeader(4);
    reply.integer(group.pending.size);
    if (group.pending.size === 0) {
      reply.nullBulk();
      reply.nullBulk();
      reply.nullArray();
      return;
    }
    writeId(reply, group.pending.first()!.id);
    writeId(reply, group.pending.last()!.id);
    const owners = group.sortedConsumers().filter((consumer) => consumer.pending.size > 0);
    reply.arrayHeader(owners.length);
    for (const consumer of owners) {
      reply.arrayHeader(2);
      reply.bulk(consumer.name);
      reply.bulk(String(consumer.pending.size));
    }
    return;
  }
  let list = group.pending;
  if (consumerName !== undefined) {
    const consumer = group.consumers.get(consumerName);
    if (consumer === undefined) {
      reply.arrayHeader(0);
      return;
    }
    list = consumer.pending;
  }
  const time = now(client);
  const found: PendingEntry[] = [];
  for (const entry of list.from(start)) {
    if (count === 0 || compareIds(entry.id, end) > 0) break;
    if (minIdle && time - entry.deliveryTime < minIdle) continue;
    found.push(entry);
    count--;
  }
  reply.arrayHeader(found.length);
  for (const entry of found) {
    reply.arrayHeader(4);
    writeId(reply, entry.id);
    reply.bulk(entry.consumer!.name);
    reply.integer(Math.max(0, time - entry.deliveryTime));
    reply.integer(entry.deliveryCount);
  }
}

function badBound(error: string): never {
  throw new ReplyError(error);
}

// ---------------------------------------------------------------------------------------------
// XCLAIM, XAUTOCLAIM

function xclaim(client: Client, argv: Argv): void {
  const { stream, group } = readGroup(client, argv[1], argv[2]);
  if (group === undefined) throw noGroup(argv[1], argv[2]);
  let minIdle = integerArg(argv[4], "ERR Invalid min-idle-time argument for XCLAIM");
  if (minIdle < 0) minIdle = 0;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const parsed = parseId(argv[j], 0, true);
    if (parsed === null) break;
    ids.push(parsed.id);
  }
  const time = now(client);
  let deliveryTime = -1;
  let retryCount = -1;
  let force = false;
  let justId = false;
  let lastId: StreamId = MIN_ID;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const option = argv[j];
    if (isKeyword(option, "force")) force = true;
    else if (isKeyword(option, "justid")) justId = true;
    else if (more > 0 && isKeyword(option, "idle")) {
      deliveryTime = time - integerArg(argv[++j], "ERR Invalid IDLE option argument for XCLAIM");
    } else if (more > 0 && isKeyword(option, "time")) {
      deliveryTime = integerArg(argv[++j], "ERR Invalid TIME option argument for XCLAIM");
    } else if (more > 0 && isKeyword(option, "retrycount")) {
      retryCount = integerArg(argv[++j], "ERR Invalid RETRYCOUNT option argument for XCLAIM");
    } else if (more > 0 && isKeyword(option, "lastid")) {
      lastId = strictIdArg(argv[++j]);
    } else {
      throw new ReplyError(sanitize(`ERR Unrecognized XCLAIM option '${option}'`));
    }
  }
  const stats = client.server.stats;
  let lastIdMoved = false;
  if (compareIds(lastId, group.lastId) > 0) {
    group.lastId = lastId;
    lastIdMoved = true;
  }
  if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > time) deliveryTime = time;
  let consumer: Consumer | undefined;
  const claimed: Array<() => void> = [];
  const reply = client.reply;
  for (const id of ids) {
    let entry = group.pending.get(id);
    const ref = stream!.find(id);
    if (ref === undefined) {
      if (entry !== undefined) {
        dropPending(group, entry);
        stats.dirty++;
        lastIdMoved = false;
      }
      continue;
    }
    if (force && entry === undefined) {
      entry = new PendingEntry(id, time, 1, null);
      group.pending.insert(entry);
    }
    if (entry === undefined) continue;
    if (entry.consumer !== null && minIdle && time - entry.deliveryTime < minIdle) continue;
    consumer ??= consumerFor(client, client.db, argv[1], group, argv[3]);
    entry.deliveryTime = deliveryTime;
    if (retryCount >= 0) entry.deliveryCount = retryCount;
    else if (!justId) entry.deliveryCount++;
    reassign(entry, consumer);
    claimed.push(justId ? () => writeId(reply, id) : () => writeEntry(reply, ref));
    stats.dirty++;
    lastIdMoved = false;
  }
  if (lastIdMoved) stats.dirty++;
  reply.arrayHeader(claimed.length);
  for (const write of claimed) write();
}

/** Beyond this many bytes Redis's allocation for XAUTOCLAIM's deleted IDs fails. */
const MAX_TRANSIENT_BYTES = 2 ** 47;

function xautoclaim(client: Client, argv: Argv): void {
  // Looked up first (a hit or a miss) but checked after the arguments, as Redis does.
  const value = client.db.read(argv[1]);
  let minIdle = integerArg(argv[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM");
  if (minIdle < 0) minIdle = 0;
  const from = intervalIdArg(argv[5], 0);
  const start = from.exclusive ? nextId(from.id) ?? badBound(BAD_START) : from.id;
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (more > 0 && isKeyword(argv[j], "count")) {
      const value = parseInt64(argv[++j]);
      // LONG_MAX / 16, as Redis bounds it.
      if (value === null || value < 1 || value > 576460752303423487n) {
        throw new ReplyError("ERR COUNT must be > 0");
      }
      count = Number(value);
    } else if (isKeyword(argv[j], "justid")) {
      justId = true;
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  const stream = asStream(value);
  const group = stream?.groups?.get(argv[2]);
  if (group === undefined) throw noGroup(argv[1], argv[2]);
  if (count * 16 > MAX_TRANSIENT_BYTES) {
    throw new ReplyError(
      "ERR Insufficient memory, failed allocating transient memory, COUNT too high.",
    );
  }
  const stats = client.server.stats;
  const time = now(client);
  let attempts = count * 10;
  let cursor: StreamId | null = start;
  let consumer: Consumer | undefined;
  const claimed: Array<() => void> = [];
  const deleted: StreamId[] = [];
  const reply = client.reply;
  const nextPending = () => cursor === null ? undefined : group.pending.from(cursor).next().value;
  while (attempts-- > 0 && count > 0) {
    const entry: PendingEntry | undefined = nextPending();
    if (entry === undefined) {
      cursor = null;
      break;
    }
    const id = entry.id;
    cursor = nextId(id);
    const ref = stream!.find(id);
    if (ref === undefined) {
      dropPending(group, entry);
      stats.dirty++;
      deleted.push(id);
      count--;
      continue;
    }
    if (minIdle && time - entry.deliveryTime < minIdle) continue;
    consumer ??= consumerFor(client, client.db, argv[1], group, argv[3]);
    entry.deliveryTime = time;
    if (!justId) entry.deliveryCount++;
    reassign(entry, consumer);
    claimed.push(justId ? () => writeId(reply, id) : () => writeEntry(reply, ref));
    count--;
    stats.dirty++;
  }
  const next = nextPending();
  reply.arrayHeader(3);
  writeId(reply, next === undefined ? MIN_ID : next.id);
  reply.arrayHeader(claimed.length);
  for (const write of claimed) write();
  reply.arrayHeader(deleted.length);
  for (const id of deleted) writeId(reply, id);
}

// ---------------------------------------------------------------------------------------------
// Declarations

const GROUP: ArgSpec = { name: "group", type: "string" };
const CONSUMER: ArgSpec = { name: "consumer", type: "string" };
const GROUPNAME: ArgSpec = { name: "groupname", type: "string" };
const ID_OR_NEW: ArgSpec = {
  name: "id",
  type: "oneof",
  args: [{ name: "id", type: "string" }, { name: "new_id", type: "pure-token", token: "$" }],
};

function xgroupSubcommand(
  name: string,
  spec: Omit<CommandSpec, "name" | "group" | "acl" | "run">,
): CommandSpec {
  return defineCommand({ name, group: "stream", acl: ["stream"], ...spec, run: xgroup });
}

const xgroupCommand = defineCommand({
  name: "xgroup",
  arity: -2,
  flags: [],
  group: "stream",
  since: "5.0.0",
  summary: "Groups the commands that manage a stream's consumer groups.",
  complexity: "Depends on subcommand.",
  subcommands: [
    xgroupSubcommand("create", {
      arity: -5,
      flags: ["write", "denyoom"],
      keys: keyAt(2, ["RW", "insert"]),
      since: "5.0.0",
      summary: "Creates a consumer group.",
      complexity: "O(1)",
      history: [["7.0.0", "ENTRIESREAD was added."]],
      args: [
        { ...KEY },
        GROUPNAME,
        ID_OR_NEW,
        { name: "mkstream", type: "pure-token", token: "MKSTREAM", optional: true },
        { name: "entries_read", type: "integer", token: "ENTRIESREAD", optional: true },
      ],
    }),
    xgroupSubcommand("setid", {
      arity: -5,
      flags: ["write"],
      keys: keyAt(2, ["RW", "update"]),
      since: "5.0.0",
      summary: "Sets a consumer group's last delivered ID.",
      complexity: "O(1)",
      history: [["7.0.0", "ENTRIESREAD was added."]],
      args: [
        KEY,
        GROUPNAME,
        ID_OR_NEW,
        { name: "entries_read", type: "integer", token: "ENTRIESREAD", optional: true },
      ],
    }),
    xgroupSubcommand("destroy", {
      arity: 4,
      flags: ["write"],
      keys: keyAt(2, ["RW", "delete"]),
      since: "5.0.0",
      summary: "Deletes a consumer group.",
      complexity: "O(N) in the group's pending entries.",
      args: [KEY, GROUPNAME],
    }),
    xgroupSubcommand("createconsumer", {
      arity: 5,
      flags: ["write", "denyoom"],
      keys: keyAt(2, ["RW", "insert"]),
      since: "6.2.0",
      summary: "Adds a consumer to a consumer group.",
      complexity: "O(1)",
      args: [KEY, GROUPNAME, { name: "consumername", type: "string" }],
    }),
    xgroupSubcommand("delconsumer", {
      arity: 5,
      flags: ["write"],
      keys: keyAt(2, ["RW", "delete"]),
      since: "5.0.0",
      summary: "Removes a consumer from a consumer group.",
      complexity: "O(1)",
      args: [KEY, GROUPNAME, { name: "consumername", type: "string" }],
    }),
    helpSubcommand("XGROUP", XGROUP_HELP, { acl: ["stream"], group: "stream", since: "5.0.0" }),
  ],
});

export const streamGroupCommands: CommandSpec[] = [
  xgroupCommand,
  defineCommand({
    name: "xack",
    arity: -4,
    flags: ["write", "fast"],
    acl: ["stream"],
    keys: keyAt(1, ["RW", "update"]),
    group: "stream",
    since: "5.0.0",
    summary: "Acknowledges entries, removing them from a group's pending list.",
    complexity: "O(log N) per ID.",
    args: [KEY, GROUP, { name: "id", type: "string", multiple: true }],
    run: xack,
  }),
  defineCommand({
    name: "xpending",
    arity: -3,
    flags: ["readonly"],
    acl: ["stream"],
    keys: keyAt(1, ["RO", "access"]),
    group: "stream",
    since: "5.0.0",
    summary: "Summarizes or lists a group's pending entries.",
    complexity: "O(N) in the entries returned.",
    history: [["6.2.0", "IDLE and exclusive ranges were added."]],
    tips: ["nondeterministic_output"],
    args: [
      KEY,
      GROUP,
      {
        name: "filters",
        type: "block",
        optional: true,
        args: [
          {
            name: "min-idle-time",
            type: "integer",
            token: "IDLE",
            optional: true,
            since: "6.2.0",
          },
          { name: "start", type: "string" },
          { name: "end", type: "string" },
          { name: "count", type: "integer" },
          { ...CONSUMER, optional: true },
        ],
      },
    ],
    run: xpending,
  }),
  defineCommand({
    name: "xclaim",
    arity: -6,
    flags: ["write", "fast"],
    acl: ["stream"],
    keys: keyAt(1, ["RW", "update"]),
    group: "stream",
    since: "5.0.0",
    summary: "Takes pending entries over for another consumer.",
    complexity: "O(log N) per ID.",
    tips: ["nondeterministic_output"],
    args: [
      KEY,
      GROUP,
      CONSUMER,
      { name: "min-idle-time", type: "string" },
      { name: "id", type: "string", multiple: true },
      { name: "ms", type: "integer", token: "IDLE", optional: true },
      { name: "unix-time-milliseconds", type: "unix-time", token: "TIME", optional: true },
      { name: "count", type: "integer", token: "RETRYCOUNT", optional: true },
      { name: "force", type: "pure-token", token: "FORCE", optional: true },
      { name: "justid", type: "pure-token", token: "JUSTID", optional: true },
      { name: "id", type: "string", token: "LASTID", optional: true },
    ],
    run: xclaim,
  }),
  defineCommand({
    name: "xautoclaim",
    arity: -6,
    flags: ["write", "fast"],
    acl: ["stream"],
    keys: keyAt(1, ["RW", "delete"]),
    group: "stream",
    since: "6.2.0",
    summary: "Takes over pending entries idle for long enough, scanning from an ID.",
    complexity: "O(1) per entry scanned, up to COUNT × 10.",
    history: [["7.0.0", "The reply gained a third element: deleted IDs removed from the PEL."]],
    tips: ["nondeterministic_output"],
    args: [
      KEY,
      GROUP,
      CONSUMER,
      { name: "min-idle-time", type: "string" },
      { name: "start", type: "string" },
      { name: "count", type: "integer", token: "COUNT", optional: true },
      { name: "justid", type: "pure-token", token: "JUSTID", optional: true },
    ],
    run: xautoclaim,
  }),
];
