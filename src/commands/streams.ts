/**
 * Stream commands: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, XREAD and XREADGROUP
 * (both with BLOCK). Consumer groups are in `streams_groups.ts`, XINFO in `streams_info.ts`;
 * this module gathers the whole family.
 *
 * Arguments are checked in the order Redis 7.0 checks them, so the same error wins. IDs that
 * Redeno makes up (`*`, `ms-*`) come from the server clock, as do delivery and seen times.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Database } from "../store/keyspace.ts";
import {
  compareIds,
  type Consumer,
  type ConsumerGroup,
  type EntryRef,
  formatId,
  isZeroId,
  MAX_ID,
  MIN_ID,
  nextId,
  PendingEntry,
  previousId,
  type StreamId,
  StreamValue,
  type TrimSpec,
  U64_MAX,
  UNKNOWN_ENTRIES_READ,
} from "../store/stream.ts";
import { integerArg, isKeyword } from "./args.ts";
import type { BlockRequest } from "./blocking.ts";
import type { Client } from "./client.ts";
import { NO_SUCH_KEY, ReplyError, SYNTAX_ERROR, wrongArity } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { propagateAs } from "./propagation.ts";
import {
  asStream,
  BAD_END,
  BAD_START,
  consumerFor,
  intervalIdArg,
  INVALID_ID,
  KEY,
  keyAt,
  nodeLimits,
  now,
  parseId,
  sanitize,
  strictIdArg,
  writeEntries,
  writeEntry,
  writeId,
} from "./streams_common.ts";
import { streamGroupCommands } from "./streams_groups.ts";
import { streamInfoCommands } from "./streams_info.ts";
import type { ArgSpec, CommandSpec, KeyPositions } from "./types.ts";
import { defineCommand } from "./types.ts";

const NOT_TIMEOUT = "ERR timeout is not an integer or out of range";
const NEGATIVE_TIMEOUT = "ERR timeout is negative";
/** A blocked XREAD without COUNT gets at most this many entries per stream, as in Redis. */
const BLOCKED_DEFAULT_COUNT = 1000;

// ---------------------------------------------------------------------------------------------
// XADD and XTRIM

/** What XADD and XTRIM's shared options parser found. */
interface AddTrimArgs {
  trim: TrimSpec | null;
  /** Where XADD's ID argument is. */
  idIndex: number;
  id: StreamId | null;
  seqGiven: boolean;
  noMkStream: boolean;
}

const BOTH_STRATEGIES =
  "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";

function parseAddOrTrim(client: Client, argv: Argv, xadd: boolean): AddTrimArgs {
  let strategy: TrimSpec["strategy"] | null = null;
  let approx = false;
  let maxlen = 0;
  let minid = MIN_ID;
  let limit = 0;
  let limitGiven = false;
  let noMkStream = false;
  let id: StreamId | null = null;
  let seqGiven = true;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const option = argv[i];
    if (xadd && option === "*") break;
    const isMaxlen = more > 0 && isKeyword(option, "maxlen");
    if (isMaxlen || (more > 0 && isKeyword(option, "minid"))) {
      if (strategy !== null) throw new ReplyError(BOTH_STRATEGIES);
      approx = false;
      const next = argv[i + 1];
      if (more >= 2 && next === "~") {
        approx = true;
        i++;
      } else if (more >= 2 && next === "=") i++;
      if (isMaxlen) {
        maxlen = integerArg(argv[i + 1]);
        if (maxlen < 0) throw new ReplyError("ERR The MAXLEN argument must be >= 0.");
      } else {
        minid = strictIdArg(argv[i + 1]);
      }
      i++;
      strategy = isMaxlen ? "maxlen" : "minid";
    } else if (more > 0 && isKeyword(option, "limit")) {
      limit = integerArg(argv[i + 1]);
      if (limit < 0) throw new ReplyError("ERR The LIMIT argument must be >= 0.");
      limitGiven = true;
      i++;
    } else if (xadd && isKeyword(option, "nomkstream")) {
      noMkStream = true;
    } else if (xadd) {
      const parsed = parseId(option, 0, true, true);
      if (parsed === null) throw new ReplyError(INVALID_ID);
      id = parsed.id;
      seqGiven = parsed.seqGiven;
      break;
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  if (limit !== 0 && strategy === null) {
    throw new ReplyError(
      "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
    );
  }
  if (!xadd && strategy === null) {
    throw new ReplyError("ERR syntax error, XTRIM must be called with a trimming strategy");
  }
  if (limitGiven) {
    if (!approx) {
      throw new ReplyError("ERR syntax error, LIMIT cannot be used without the special ~ option");
    }
  } else if (approx) {
    // At most 100 nodes' worth of work per call, as Redis caps it.
    limit = 100 * nodeLimits(client).maxEntries;
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
  } else {
    limit = 0;
  }
  const trim = strategy === null ? null : { strategy, maxlen, minid, approx, limit };
  return { trim, idIndex: i, id, seqGiven, noMkStream };
}

function xadd(client: Client, argv: Argv): void {
  const args = parseAddOrTrim(client, argv, true);
  const fieldsAt = args.idIndex + 1;
  const pairs = argv.length - fieldsAt;
  if (pairs < 2 || pairs % 2 === 1) throw new ReplyError(wrongArity("xadd"));
  const given = args.id;
  if (given !== null && args.seqGiven && isZeroId(given)) {
    throw new ReplyError("ERR The ID specified in XADD must be greater than 0-0");
  }
  const db = client.db;
  const key = argv[1];
  let stream = asStream(db.get(key));
  const existed = stream !== undefined;
  if (stream === undefined) {
    if (args.noMkStream) {
      client.reply.nullBulk();
      return;
    }
    stream = new StreamValue();
    db.set(key, stream);
  }
  const last = stream.lastId;
  if (last.ms === U64_MAX && last.seq === U64_MAX) {
    throw new ReplyError(
      "ERR The stream has exhausted the last possible ID, unable to add more items",
    );
  }
  let id: StreamId;
  if (given === null) {
    const ms = now(client);
    id = ms > last.ms ? { ms, seq: 0 } : nextId(last)!;
  } else if (args.seqGiven || given.ms !== last.ms) {
    id = given;
  } else {
    // Redis fails here without saying why, and so answers its generic append error.
    if (last.seq === U64_MAX) throw new ReplyError("ERR Elements are too large to be stored");
    id = nextId(last)!;
  }
  if (compareIds(id, last) <= 0) {
    throw new ReplyError(
      "ERR The ID specified in XADD is equal or smaller than the target stream top item",
    );
  }
  stream.append(id, argv, fieldsAt, nodeLimits(client));
  writeId(client.reply, id);
  notifyKeyspaceEvent(client, "t", "xadd", key, db);
  client.server.stats.dirty++;
  if (args.trim !== null && stream.trim(args.trim) > 0) {
    notifyKeyspaceEvent(client, "t", "xtrim", key, db);
  }
  if (client.server.propagation.active && (given === null || !args.seqGiven || args.trim?.approx)) {
    const exact = exactTrimArgv(argv, args.idIndex, stream);
    exact[args.idIndex] = formatId(id);
    propagateAs(client, exact);
  }
  // New entries may serve blocked readers (a new key is signalled by the store itself).
  if (existed && client.server.blocking.blockedCount > 0) db.signalReady(key);
}

/**
 * argv with an approximate trim (`MAXLEN ~ n`, `MINID ~ id`) made exact, as Redis propagates it:
 * `=` and the length or first ID the stream was actually trimmed to, so a replay trims the same.
 */
function exactTrimArgv(argv: Argv, end: number, stream: StreamValue): string[] {
  const exact = [...argv];
  for (let i = 3; i + 1 < end; i++) {
    if (argv[i] !== "~") continue;
    const maxlen = isKeyword(argv[i - 1], "maxlen");
    if (!maxlen && !isKeyword(argv[i - 1], "minid")) continue;
    exact[i] = "=";
    exact[i + 1] = maxlen ? String(stream.length) : formatId(stream.firstId);
    break;
  }
  return exact;
}

function xtrim(client: Client, argv: Argv): void {
  const args = parseAddOrTrim(client, argv, false);
  const db = client.db;
  const stream = asStream(db.get(argv[1]));
  if (stream === undefined) {
    client.reply.integer(0);
    return;
  }
  const deleted = stream.trim(args.trim!);
  if (deleted > 0) {
    notifyKeyspaceEvent(client, "t", "xtrim", argv[1], db);
    client.server.stats.dirty += deleted;
    if (args.trim!.approx) propagateAs(client, exactTrimArgv(argv, argv.length, stream));
  }
  client.reply.integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// XRANGE, XREVRANGE, XLEN, XDEL, XSETID

function xrange(client: Client, argv: Argv, reverse: boolean): void {
  const startArg = reverse ? argv[3] : argv[2];
  const endArg = reverse ? argv[2] : argv[3];
  const start = intervalIdArg(startArg, 0);
  let startId: StreamId | null = start.id;
  if (start.exclusive) {
    startId = nextId(start.id);
    if (startId === null) throw new ReplyError(BAD_START);
  }
  const end = intervalIdArg(endArg, U64_MAX);
  let endId: StreamId | null = end.id;
  if (end.exclusive) {
    endId = previousId(end.id);
    if (endId === null) throw new ReplyError(BAD_END);
  }
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (isKeyword(argv[j], "count") && j + 1 < argv.length) {
      count = Math.max(0, integerArg(argv[++j]));
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  const stream = asStream(client.db.read(argv[1]));
  if (stream === undefined) {
    client.reply.arrayHeader(0);
    return;
  }
  if (count === 0) {
    client.reply.nullArray();
    return;
  }
  writeEntries(client.reply, stream.range(startId, endId, count === -1 ? 0 : count, reverse));
}

function xdel(client: Client, argv: Argv): void {
  const db = client.db;
  const key = argv[1];
  const stream = asStream(db.get(key));
  if (stream === undefined) {
    client.reply.integer(0);
    return;
  }
  const ids: StreamId[] = [];
  for (let j = 2; j < argv.length; j++) ids.push(strictIdArg(argv[j]));
  let deleted = 0;
  let firstDeleted = false;
  for (const id of ids) {
    if (!stream.delete(id)) continue;
    if (compareIds(id, stream.firstId) === 0) firstDeleted = true;
    if (compareIds(id, stream.maxDeletedId) > 0) stream.maxDeletedId = id;
    deleted++;
  }
  if (deleted > 0) {
    if (stream.length === 0) stream.firstId = MIN_ID;
    else if (firstDeleted) stream.firstId = stream.edgeId(true)!;
    notifyKeyspaceEvent(client, "t", "xdel", key, db);
    client.server.stats.dirty += deleted;
  }
  client.reply.integer(deleted);
}

function xsetid(client: Client, argv: Argv): void {
  const id = strictIdArg(argv[2]);
  let entriesAdded = -1;
  let maxDeleted = MIN_ID;
  for (let i = 3; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (more > 0 && isKeyword(argv[i], "entriesadded")) {
      entriesAdded = integerArg(argv[++i]);
      if (entriesAdded < 0) throw new ReplyError("ERR entries_added must be positive");
    } else if (more > 0 && isKeyword(argv[i], "maxdeletedid")) {
      maxDeleted = strictIdArg(argv[++i]);
      if (compareIds(id, maxDeleted) < 0) {
        throw new ReplyError(
          "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
        );
      }
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  const stream = asStream(client.db.get(argv[1]));
  if (stream === undefined) throw new ReplyError(NO_SUCH_KEY);
  if (stream.length > 0) {
    if (compareIds(id, stream.edgeId(false)!) < 0) {
      throw new ReplyError(
        "ERR The ID specified in XSETID is smaller than the target stream top item",
      );
    }
    if (entriesAdded !== -1 && stream.length > entriesAdded) {
      throw new ReplyError(
        "ERR The entries_added specified in XSETID is smaller than the target stream length",
      );
    }
  }
  stream.lastId = id;
  if (entriesAdded !== -1) stream.entriesAdded = entriesAdded;
  if (!isZeroId(maxDeleted)) stream.maxDeletedId = maxDeleted;
  client.reply.ok();
  client.server.stats.dirty++;
  notifyKeyspaceEvent(client, "t", "xsetid", argv[1]);
}

// ---------------------------------------------------------------------------------------------
// Delivering to consumer groups (XREADGROUP, blocked or not)

/**
 * Delivers entries after the group's last ID: moves the group's last ID (and its entries-read
 * counter) forward and, unless NOACK, records each entry as pending for `consumer`.
 */
function deliverNew(
  client: Client,
  stream: StreamValue,
  group: ConsumerGroup,
  consumer: Consumer,
  start: StreamId,
  count: number,
  noack: boolean,
): EntryRef[] {
  const refs = stream.range(start, MAX_ID, count, false);
  const time = now(client);
  for (const ref of refs) {
    const id = ref.node.id(ref.index);
    if (compareIds(id, group.lastId) > 0) {
      if (group.entriesRead !== UNKNOWN_ENTRIES_READ && !stream.hasTombstonesFrom(id)) {
        group.entriesRead++;
      } else if (stream.entriesAdded > 0) {
        group.entriesRead = stream.entriesReadAt(id);
      }
      group.lastId = id;
    }
    if (noack) continue;
    const pending = group.pending.get(id);
    if (pending === undefined) {
      const entry = new PendingEntry(id, time, 1, consumer);
      group.pending.insert(entry);
      consumer.pending.insert(entry);
    } else {
      pending.consumer?.pending.remove(id);
      pending.consumer = consumer;
      pending.deliveryTime = time;
      pending.deliveryCount = 1;
      consumer.pending.insert(pending);
    }
  }
  return refs;
}

/** A consumer's own pending entries from `start` on; a deleted entry shows as its ID alone. */
function deliverHistory(
  client: Client,
  stream: StreamValue,
  consumer: Consumer,
  start: StreamId,
  count: number,
): Array<EntryRef | StreamId> {
  const out: Array<EntryRef | StreamId> = [];
  const time = now(client);
  for (const entry of consumer.pending.from(start)) {
    if (count > 0 && out.length >= count) break;
    const ref = stream.find(entry.id);
    if (ref === undefined) out.push(entry.id);
    else {
      entry.deliveryTime = time;
      entry.deliveryCount++;
      out.push(ref);
    }
  }
  return out;
}

function writeHistory(client: Client, items: Array<EntryRef | StreamId>): void {
  const reply = client.reply;
  reply.arrayHeader(items.length);
  for (const item of items) {
    if ("node" in item) writeEntry(reply, item);
    else {
      reply.arrayHeader(2);
      writeId(reply, item);
      reply.nullArray();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// XREAD and XREADGROUP

interface GroupRead {
  group: string;
  consumer: string;
  noack: boolean;
}

/** What one served stream contributes to the reply. */
interface Served {
  key: string;
  entries?: EntryRef[];
  history?: Array<EntryRef | StreamId>;
}

function xread(client: Client, argv: Argv, withGroup: boolean): void {
  let deadline = -1; // -1: no BLOCK
  let count = 0;
  let streamsAt = 0;
  let streamCount = 0;
  let groupRead: GroupRead | null = null;
  let noack = false;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const option = argv[i];
    if (more > 0 && isKeyword(option, "block")) {
      const ms = integerArg(argv[++i], NOT_TIMEOUT);
      if (ms < 0) throw new ReplyError(NEGATIVE_TIMEOUT);
      deadline = ms > 0 ? now(client) + ms : Infinity;
    } else if (more > 0 && isKeyword(option, "count")) {
      count = Math.max(0, integerArg(argv[++i]));
    } else if (more > 0 && isKeyword(option, "streams")) {
      streamsAt = i + 1;
      streamCount = argv.length - streamsAt;
      if (streamCount % 2 !== 0) {
        throw new ReplyError(
          "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be " +
            "specified.",
        );
      }
      streamCount /= 2;
      break;
    } else if (more >= 2 && isKeyword(option, "group")) {
      if (!withGroup) {
        throw new ReplyError(
          "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
        );
      }
      groupRead = { group: argv[i + 1], consumer: argv[i + 2], noack: false };
      i += 2;
    } else if (isKeyword(option, "noack")) {
      if (!withGroup) {
        throw new ReplyError(
          "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
        );
      }
      noack = true;
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  if (streamsAt === 0) throw new ReplyError(SYNTAX_ERROR);
  if (withGroup && groupRead === null) {
    throw new ReplyError("ERR Missing GROUP option for XREADGROUP");
  }
  if (groupRead !== null) groupRead.noack = noack;
  const db = client.db;
  const keys = argv.slice(streamsAt, streamsAt + streamCount);
  const ids: StreamId[] = [];
  const groups: ConsumerGroup[] = [];
  for (let i = 0; i < streamCount; i++) {
    const key = keys[i];
    const stream = asStream(db.read(key));
    if (groupRead !== null) {
      const group = stream?.groups?.get(groupRead.group);
      if (group === undefined) {
        throw new ReplyError(sanitize(
          `NOGROUP No such key '${key}' or consumer group '${groupRead.group}' in XREADGROUP ` +
            "with GROUP option",
        ));
      }
      groups.push(group);
    }
    const text = argv[streamsAt + streamCount + i];
    if (text === "$") {
      if (withGroup) {
        throw new ReplyError(
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the " +
            "history of this consumer by specifying a proper ID, or use the > ID to get new " +
            "messages. The $ ID would just return an empty result set.",
        );
      }
      ids.push(stream === undefined ? MIN_ID : stream.lastId);
    } else if (text === ">") {
      if (!withGroup) {
        throw new ReplyError(
          "ERR The > ID can be specified only when calling XREADGROUP using the GROUP " +
            "<group> <consumer> option.",
        );
      }
      ids.push(MAX_ID);
    } else {
      ids.push(strictIdArg(text));
    }
  }

  const served: Served[] = [];
  for (let i = 0; i < streamCount; i++) {
    const key = keys[i];
    const stream = asStream(db.read(key));
    if (stream === undefined) continue;
    let after = ids[i];
    if (groupRead !== null) {
      const group = groups[i];
      // As Redis, the largest ID, however written, means ">" (new entries).
      const history = compareIds(after, MAX_ID) !== 0;
      if (!history) {
        const last = stream.length > 0 ? stream.edgeId(false)! : null;
        if (last === null || compareIds(last, group.lastId) <= 0) continue;
        after = group.lastId;
      }
      const start = nextId(after) ?? MIN_ID;
      const consumer = consumerFor(client, db, key, group, groupRead.consumer);
      if (history) {
        served.push({ key, history: deliverHistory(client, stream, consumer, start, count) });
      } else {
        served.push({
          key,
          entries: deliverNew(client, stream, group, consumer, start, count, noack),
        });
      }
      client.server.stats.dirty++;
    } else {
      if (stream.length === 0 || compareIds(stream.edgeId(false)!, after) <= 0) continue;
      served.push({ key, entries: stream.range(nextId(after) ?? MIN_ID, MAX_ID, count, false) });
    }
  }

  const reply = client.reply;
  if (served.length > 0) {
    if (reply.resp === 2) reply.arrayHeader(served.length);
    else reply.mapHeader(served.length);
    for (const item of served) {
      if (reply.resp === 2) reply.arrayHeader(2);
      reply.bulk(item.key);
      if (item.history !== undefined) writeHistory(client, item.history);
      else writeEntries(reply, item.entries!);
    }
    return;
  }
  if (deadline === -1) {
    reply.nullArray();
    return;
  }
  blockOnStreams(client, keys, ids, deadline, count || BLOCKED_DEFAULT_COUNT, groupRead);
}

// ---------------------------------------------------------------------------------------------
// Blocking

/** A blocked XREADGROUP: the client and the request it is (or was) blocked by. */
interface GroupReader {
  client: Client;
  request: BlockRequest;
}

/**
 * XREADGROUP clients blocked per db and key, in arrival order: when such a key is deleted (or
 * stops being a stream) every one of them fails, whoever the blocking manager offers it to.
 */
const groupReaders = new WeakMap<Database, Map<string, GroupReader[]>>();

function stillBlocked(reader: GroupReader): boolean {
  return reader.client.blocked?.request === reader.request;
}

/** Queues an XREADGROUP on its keys, dropping readers that are no longer blocked. */
function addGroupReader(reader: GroupReader, db: Database, keys: Iterable<string>): void {
  let byKey = groupReaders.get(db);
  if (byKey === undefined) groupReaders.set(db, byKey = new Map());
  for (const key of keys) {
    const live = (byKey.get(key) ?? []).filter(stillBlocked);
    live.push(reader);
    byKey.set(key, live);
  }
}

const KEY_GONE = "UNBLOCKED the stream key no longer exists";

/** Fails every XREADGROUP blocked on a key that is no longer a stream, except `self`. */
function failGroupReaders(db: Database, key: string, self: Client): void {
  const byKey = groupReaders.get(db);
  const readers = byKey?.get(key);
  if (readers === undefined) return;
  byKey!.delete(key);
  for (const reader of readers) {
    if (reader.client === self || !stillBlocked(reader)) continue;
    reader.client.reply.error(KEY_GONE);
    reader.client.server.blocking.unblock(reader.client, "silent");
  }
}

function blockOnStreams(
  client: Client,
  keys: string[],
  ids: StreamId[],
  deadline: number,
  count: number,
  groupRead: GroupRead | null,
): void {
  const db = client.db;
  // A key named twice waits for the ID given first, as in Redis.
  const after = new Map<string, StreamId>();
  keys.forEach((key, i) => {
    if (!after.has(key)) after.set(key, ids[i]);
  });
  const request: BlockRequest = {
    keys,
    deadline,
    tryServe: (readyKey) =>
      serveBlocked(client, db, readyKey, after.get(readyKey)!, count, groupRead),
    onTimeout: () => client.reply.nullArray(),
  };
  client.server.blocking.block(client, request);
  if (groupRead !== null && client.blocked !== null) {
    addGroupReader({ client, request }, db, after.keys());
  }
}

/** Serves a blocked XREAD/XREADGROUP from `key` if it has something new; true once replied. */
function serveBlocked(
  client: Client,
  db: Database,
  key: string,
  after: StreamId,
  count: number,
  groupRead: GroupRead | null,
): boolean {
  const value = db.get(key);
  if (!(value instanceof StreamValue)) {
    failGroupReaders(db, key, client);
    if (groupRead === null) return false;
    client.reply.error(KEY_GONE);
    return true;
  }
  const stream = value;
  let group: ConsumerGroup | undefined;
  if (groupRead !== null) {
    group = stream.groups?.get(groupRead.group);
    if (group === undefined) {
      client.reply.error("NOGROUP the consumer group this client was blocked on no longer exists");
      return true;
    }
    after = group.lastId;
  }
  if (compareIds(stream.lastId, after) <= 0) return false;
  const start = nextId(after) ?? MIN_ID;
  const reply = client.reply;
  if (reply.resp === 2) {
    reply.arrayHeader(1);
    reply.arrayHeader(2);
  } else {
    reply.mapHeader(1);
  }
  reply.bulk(key);
  if (group !== undefined) {
    const consumer = consumerFor(client, db, key, group, groupRead!.consumer);
    writeEntries(
      reply,
      deliverNew(client, stream, group, consumer, start, count, groupRead!.noack),
    );
  } else {
    writeEntries(reply, stream.range(start, MAX_ID, count, false));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Declarations

const TRIM_ARGS: ArgSpec[] = [
  {
    name: "strategy",
    type: "oneof",
    args: [
      { name: "maxlen", type: "pure-token", token: "MAXLEN" },
      { name: "minid", type: "pure-token", token: "MINID", since: "6.2.0" },
    ],
  },
  {
    name: "operator",
    type: "oneof",
    optional: true,
    args: [
      { name: "equal", type: "pure-token", token: "=" },
      { name: "approximately", type: "pure-token", token: "~" },
    ],
  },
  { name: "threshold", type: "string" },
  { name: "count", type: "integer", token: "LIMIT", optional: true, since: "6.2.0" },
];

const STREAMS_ARG: ArgSpec = {
  name: "streams",
  type: "block",
  token: "STREAMS",
  args: [
    { name: "key", type: "key", keySpecIndex: 0, multiple: true },
    { name: "id", type: "string", multiple: true },
  ],
};

/** XREAD and XREADGROUP's keys: those after STREAMS, the first half of what follows it. */
function xreadKeys(argv: Argv): number[] {
  let streamsAt = -1;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i].toLowerCase();
    if (arg === "block" || arg === "count") i++;
    else if (arg === "group") i += 2;
    else if (arg === "noack") continue;
    else if (arg === "streams") {
      streamsAt = i;
      break;
    } else break;
  }
  const rest = streamsAt < 0 ? 0 : argv.length - streamsAt - 1;
  if (streamsAt < 0 || rest === 0 || rest % 2 !== 0) return [];
  return Array.from({ length: rest / 2 }, (_, i) => streamsAt + 1 + i);
}

/** XREAD and XREADGROUP: the first half of what follows STREAMS (searched from `startFrom`). */
function streamsKeySpec(startFrom: number): KeyPositions[] {
  return [{
    first: 0,
    last: -1,
    step: 1,
    limit: 2,
    keyword: { keyword: "STREAMS", startFrom },
    flags: ["RO", "access"],
  }];
}

const RANGE_HISTORY: Array<[string, string]> = [["6.2.0", "Exclusive ranges were added."]];

function rangeSpec(name: string, reverse: boolean): CommandSpec {
  const bounds: ArgSpec[] = [{ name: "start", type: "string" }, { name: "end", type: "string" }];
  return defineCommand({
    name,
    arity: -4,
    flags: ["readonly"],
    acl: ["stream"],
    keys: keyAt(1, ["RO", "access"]),
    group: "stream",
    since: "5.0.0",
    summary: reverse
      ? "Returns a stream's entries between two IDs, newest first."
      : "Returns a stream's entries between two IDs, oldest first.",
    complexity: "O(log N + M): N entries in the stream, M returned.",
    history: RANGE_HISTORY,
    args: [
      KEY,
      ...(reverse ? bounds.reverse() : bounds),
      { name: "count", type: "integer", token: "COUNT", optional: true },
    ],
    run: (client, argv) => xrange(client, argv, reverse),
  });
}

export const streamCommands: CommandSpec[] = [
  defineCommand({
    name: "xadd",
    arity: -5,
    flags: ["write", "denyoom", "fast"],
    acl: ["stream"],
    keys: keyAt(
      1,
      ["RW", "update"],
      "UPDATE instead of INSERT because of the optional trimming feature",
    ),
    group: "stream",
    since: "5.0.0",
    summary: "Appends an entry to a stream, creating the stream if needed.",
    complexity: "O(1) to add; trimming costs O(N) in the entries removed.",
    history: [
      ["6.2.0", "NOMKSTREAM, the MINID strategy and LIMIT were added."],
      ["7.0.0", "IDs of the form `<ms>-*` were added."],
    ],
    tips: ["nondeterministic_output"],
    args: [
      KEY,
      {
        name: "nomkstream",
        type: "pure-token",
        token: "NOMKSTREAM",
        optional: true,
        since: "6.2.0",
      },
      { name: "trim", type: "block", optional: true, args: TRIM_ARGS },
      {
        name: "id_or_auto",
        type: "oneof",
        args: [
          { name: "auto_id", type: "pure-token", token: "*" },
          { name: "id", type: "string" },
        ],
      },
      {
        name: "field_value",
        type: "block",
        multiple: true,
        args: [{ name: "field", type: "string" }, { name: "value", type: "string" }],
      },
    ],
    run: xadd,
  }),
  defineCommand({
    name: "xlen",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["stream"],
    keys: keyAt(1, ["RO"]),
    group: "stream",
    since: "5.0.0",
    summary: "Tells how many entries a stream has.",
    complexity: "O(1)",
    args: [KEY],
    run(client, argv) {
      const stream = asStream(client.db.read(argv[1]));
      client.reply.integer(stream === undefined ? 0 : stream.length);
    },
  }),
  rangeSpec("xrange", false),
  rangeSpec("xrevrange", true),
  defineCommand({
    name: "xdel",
    arity: -3,
    flags: ["write", "fast"],
    acl: ["stream"],
    keys: keyAt(1, ["RW", "delete"]),
    group: "stream",
    since: "5.0.0",
    summary: "Deletes entries from a stream by ID.",
    complexity: "O(log N) per ID, N the stream's length.",
    args: [KEY, { name: "id", type: "string", multiple: true }],
    run: xdel,
  }),
  defineCommand({
    name: "xtrim",
    arity: -4,
    flags: ["write"],
    acl: ["stream"],
    keys: keyAt(1, ["RW", "delete"]),
    group: "stream",
    since: "5.0.0",
    summary: "Drops a stream's oldest entries, down to a length or up to an ID.",
    complexity: "O(N) in the entries removed.",
    history: [["6.2.0", "The MINID strategy and LIMIT were added."]],
    tips: ["nondeterministic_output"],
    args: [KEY, { name: "trim", type: "block", args: TRIM_ARGS }],
    run: xtrim,
  }),
  defineCommand({
    name: "xsetid",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    acl: ["stream"],
    keys: keyAt(1, ["RW", "update"]),
    group: "stream",
    since: "5.0.0",
    summary: "Sets a stream's last ID and its bookkeeping counters.",
    complexity: "O(1)",
    history: [["7.0.0", "ENTRIESADDED and MAXDELETEDID were added."]],
    args: [
      KEY,
      { name: "last-id", type: "string" },
      {
        name: "entries_added",
        type: "integer",
        token: "ENTRIESADDED",
        optional: true,
        since: "7.0.0",
      },
      {
        name: "max_deleted_entry_id",
        type: "string",
        token: "MAXDELETEDID",
        optional: true,
        since: "7.0.0",
      },
    ],
    run: xsetid,
  }),
  defineCommand({
    name: "xread",
    arity: -4,
    flags: ["readonly", "blocking"],
    acl: ["stream"],
    keys: streamsKeySpec(1),
    getKeys: xreadKeys,
    group: "stream",
    since: "5.0.0",
    summary: "Reads entries after given IDs from one or more streams, optionally waiting.",
    complexity: "O(log N + M) per stream: M entries returned.",
    args: [
      { name: "count", type: "integer", token: "COUNT", optional: true },
      { name: "milliseconds", type: "integer", token: "BLOCK", optional: true },
      STREAMS_ARG,
    ],
    run: (client, argv) => xread(client, argv, false),
  }),
  defineCommand({
    name: "xreadgroup",
    arity: -7,
    flags: ["write", "blocking"],
    acl: ["stream"],
    keys: streamsKeySpec(4),
    getKeys: xreadKeys,
    group: "stream",
    since: "5.0.0",
    summary: "Reads entries for a consumer of a group, optionally waiting for new ones.",
    complexity: "O(log N + M) per stream: M entries returned.",
    args: [
      {
        name: "group_consumer",
        type: "block",
        token: "GROUP",
        args: [{ name: "group", type: "string" }, { name: "consumer", type: "string" }],
      },
      { name: "count", type: "integer", token: "COUNT", optional: true },
      { name: "milliseconds", type: "integer", token: "BLOCK", optional: true },
      { name: "noack", type: "pure-token", token: "NOACK", optional: true },
      STREAMS_ARG,
    ],
    run: (client, argv) => xread(client, argv, true),
  }),
  ...streamGroupCommands,
  ...streamInfoCommands,
];
