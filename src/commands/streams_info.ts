/**
 * XINFO STREAM (and FULL), GROUPS, CONSUMERS and HELP, with Redis 7.0's fields in its order.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { type ConsumerGroup, MAX_ID, MIN_ID, type StreamValue } from "../store/stream.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { badSubcommand, NO_SUCH_KEY, NOT_INTEGER, ReplyError } from "./errors.ts";
import {
  asStream,
  KEY,
  keyAt,
  now,
  sanitize,
  writeEntries,
  writeEntry,
  writeId,
} from "./streams_common.ts";
import type { CommandSpec } from "./types.ts";
import { defineCommand } from "./types.ts";
import { helpSubcommand } from "./connection.ts";

const XINFO_HELP = [
  "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream.",
  "HELP",
  "    Prints this help.",
];

/** The stream XINFO describes: `ERR no such key` when missing. */
function infoStream(client: Client, key: string): StreamValue {
  const stream = asStream(client.db.read(key));
  if (stream === undefined) throw new ReplyError(NO_SUCH_KEY);
  return stream;
}

function writeLag(client: Client, stream: StreamValue, group: ConsumerGroup): void {
  const lag = stream.lag(group);
  if (lag === null) client.reply.nullBulk();
  else client.reply.integer(lag);
}

function writeEntriesRead(client: Client, group: ConsumerGroup): void {
  if (group.entriesRead === -1) client.reply.nullBulk();
  else client.reply.integer(group.entriesRead);
}

/** The seven fields XINFO STREAM and FULL begin with. */
function writeStreamHeader(client: Client, stream: StreamValue): void {
  const reply = client.reply;
  reply.bulk("length");
  reply.integer(stream.length);
  reply.bulk("radix-tree-keys");
  reply.integer(stream.nodes.length);
  reply.bulk("radix-tree-nodes");
  reply.integer(stream.radixTreeNodes());
  reply.bulk("last-generated-id");
  writeId(reply, stream.lastId);
  reply.bulk("max-deleted-entry-id");
  writeId(reply, stream.maxDeletedId);
  reply.bulk("entries-added");
  reply.integer(stream.entriesAdded);
  reply.bulk("recorded-first-entry-id");
  writeId(reply, stream.firstId);
}

function xinfoStream(client: Client, argv: Argv): void {
  const stream = infoStream(client, argv[2]);
  let full = false;
  let count = 10;
  const options = argv.length - 3;
  if (options > 0) {
    const bad = () => new ReplyError(badSubcommand("XINFO", argv[1]));
    if (options !== 1 && options !== 3) throw bad();
    if (argv[3].toLowerCase() !== "full") throw bad();
    if (options === 3) {
      if (argv[4].toLowerCase() !== "count") throw bad();
      const value = parseInt64(argv[5]);
      if (value === null) throw new ReplyError(NOT_INTEGER);
      count = value < 0 ? 10 : Number(value);
    }
    full = true;
  }
  const reply = client.reply;
  if (!full) {
    reply.mapHeader(10);
    writeStreamHeader(client, stream);
    reply.bulk("groups");
    reply.integer(stream.groups?.size ?? 0);
    for (const [field, reverse] of [["first-entry", false], ["last-entry", true]] as const) {
      reply.bulk(field);
      const edge = stream.range(MIN_ID, MAX_ID, 1, reverse)[0];
      if (edge === undefined) reply.nullBulk();
      else writeEntry(reply, edge);
    }
    return;
  }
  reply.mapHeader(9);
  writeStreamHeader(client, stream);
  reply.bulk("entries");
  writeEntries(reply, stream.range(MIN_ID, MAX_ID, count, false));
  reply.bulk("groups");
  const groups = stream.sortedGroups();
  reply.arrayHeader(groups.length);
  for (const [name, group] of groups) {
    reply.mapHeader(7);
    reply.bulk("name");
    reply.bulk(name);
    reply.bulk("last-delivered-id");
    writeId(reply, group.lastId);
    reply.bulk("entries-read");
    writeEntriesRead(client, group);
    reply.bulk("lag");
    writeLag(client, stream, group);
    reply.bulk("pel-count");
    reply.integer(group.pending.size);
    reply.bulk("pending");
    const pending = take(group.pending.from(), count);
    reply.arrayHeader(pending.length);
    for (const entry of pending) {
      reply.arrayHeader(4);
      writeId(reply, entry.id);
      reply.bulk(entry.consumer!.name);
      reply.integer(entry.deliveryTime);
      reply.integer(entry.deliveryCount);
    }
    reply.bulk("consumers");
    const consumers = group.sortedConsumers();
    reply.arrayHeader(consumers.length);
    for (const consumer of consumers) {
      reply.mapHeader(4);
      reply.bulk("name");
      reply.bulk(consumer.name);
      reply.bulk("seen-time");
      reply.integer(consumer.seenTime);
      reply.bulk("pel-count");
      reply.integer(consumer.pending.size);
      reply.bulk("pending");
      const own = take(consumer.pending.from(), count);
      reply.arrayHeader(own.length);
      for (const entry of own) {
        reply.arrayHeader(3);
        writeId(reply, entry.id);
        reply.integer(entry.deliveryTime);
        reply.integer(entry.deliveryCount);
      }
    }
  }
}

/** Up to `count` items (0 = all). */
function take<T>(items: Iterable<T>, count: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (count > 0 && out.length >= count) break;
    out.push(item);
  }
  return out;
}

function xinfoGroups(client: Client, argv: Argv): void {
  const stream = infoStream(client, argv[2]);
  const reply = client.reply;
  const groups = stream.sortedGroups();
  reply.arrayHeader(groups.length);
  for (const [name, group] of groups) {
    reply.mapHeader(6);
    reply.bulk("name");
    reply.bulk(name);
    reply.bulk("consumers");
    reply.integer(group.consumers.size);
    reply.bulk("pending");
    reply.integer(group.pending.size);
    reply.bulk("last-delivered-id");
    writeId(reply, group.lastId);
    reply.bulk("entries-read");
    writeEntriesRead(client, group);
    reply.bulk("lag");
    writeLag(client, stream, group);
  }
}

function xinfoConsumers(client: Client, argv: Argv): void {
  const stream = infoStream(client, argv[2]);
  const group = stream.groups?.get(argv[3]);
  if (group === undefined) {
    throw new ReplyError(
      sanitize(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`),
    );
  }
  const reply = client.reply;
  const time = now(client);
  const consumers = group.sortedConsumers();
  reply.arrayHeader(consumers.length);
  for (const consumer of consumers) {
    reply.mapHeader(3);
    reply.bulk("name");
    reply.bulk(consumer.name);
    reply.bulk("pending");
    reply.integer(consumer.pending.size);
    reply.bulk("idle");
    reply.integer(Math.max(0, time - consumer.seenTime));
  }
}

export const streamInfoCommands: CommandSpec[] = [
  defineCommand({
    name: "xinfo",
    arity: -2,
    flags: [],
    group: "stream",
    since: "5.0.0",
    summary: "Groups the commands that describe streams, their groups and consumers.",
    complexity: "Depends on subcommand.",
    subcommands: [
      defineCommand({
        name: "consumers",
        arity: 4,
        flags: ["readonly"],
        acl: ["stream"],
        keys: keyAt(2, ["RO", "access"]),
        group: "stream",
        since: "5.0.0",
        summary: "Lists the consumers of a group.",
        complexity: "O(1)",
        tips: ["nondeterministic_output"],
        args: [KEY, { name: "groupname", type: "string" }],
        run: xinfoConsumers,
      }),
      defineCommand({
        name: "groups",
        arity: 3,
        flags: ["readonly"],
        acl: ["stream"],
        keys: keyAt(2, ["RO", "access"]),
        group: "stream",
        since: "5.0.0",
        summary: "Lists a stream's consumer groups.",
        complexity: "O(1)",
        history: [["7.0.0", "The entries-read and lag fields were added."]],
        args: [KEY],
        run: xinfoGroups,
      }),
      helpSubcommand("XINFO", XINFO_HELP, { acl: ["stream"], group: "stream", since: "5.0.0" }),
      defineCommand({
        name: "stream",
        arity: -3,
        flags: ["readonly"],
        acl: ["stream"],
        keys: keyAt(2, ["RO", "access"]),
        group: "stream",
        since: "5.0.0",
        summary: "Describes a stream.",
        complexity: "O(1); FULL is O(N) in the entries and pending entries returned.",
        history: [
          ["6.0.0", "FULL was added."],
          [
            "7.0.0",
            "The max-deleted-entry-id, entries-added, recorded-first-entry-id, " +
            "entries-read and lag fields were added.",
          ],
        ],
        args: [
          KEY,
          {
            name: "full",
            type: "block",
            token: "FULL",
            optional: true,
            args: [{ name: "count", type: "integer", token: "COUNT", optional: true }],
          },
        ],
        run: xinfoStream,
      }),
    ],
  }),
];
