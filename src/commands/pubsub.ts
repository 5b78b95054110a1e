/**
 * Pub/sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH and the
 * PUBSUB introspection container, plus the hub that tracks who listens to what.
 *
 * Messages are appended to each subscriber's own reply buffer and the subscriber is woken to
 * write them out, so a publisher never waits for a slow reader. A subscriber whose unsent
 * replies pass its `client-output-buffer-limit` (pubsub class) is disconnected instead.
 *
 * @example
 * ```ts
 * const hub = new PubSubHub();
 * hub.add(CHANNEL, client, "news"); // true: a new subscription
 * hub.publish(publisher, "news", "hello"); // 1 receiver
 * ```
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { ReplyWriter } from "../resp/encoder.ts";
import { globMatch } from "../store/glob.ts";
import type { Client } from "./client.ts";
import { helpSubcommand } from "./connection.ts";
import { type ActiveOutputLimits, enforceOutputLimit, outputLimitsOf } from "./output_limits.ts";
import { badSubcommand, ReplyError } from "./errors.ts";
import { defineCommand } from "./types.ts";
import type { CommandSpec } from "./types.ts";

/** Subscribers by channel (or pattern), each set in subscription order. */
type Subscribers = Map<string, Set<Client>>;

/** Who is subscribed to which channels, patterns and shard channels, server-wide. */
export class PubSubHub {
  readonly channels: Subscribers = new Map();
  readonly patterns: Subscribers = new Map();
  readonly shardChannels: Subscribers = new Map();
  /** The server's `client-output-buffer-limit`, looked up at the first delivery. */
  #limits: ActiveOutputLimits | null = null;

  /** Adds `name` to one kind of `client`'s subscriptions; false if it was already there. */
  add(kind: Kind, client: Client, name: string): boolean {
    const own = kind.subscribed(client);
    if (own.has(name)) return false;
    own.add(name);
    const map = kind.subscribers(this);
    let clients = map.get(name);
    if (clients === undefined) map.set(name, clients = new Set());
    clients.add(client);
    return true;
  }

  /** Removes `name` from one kind of `client`'s subscriptions; false if it was not there. */
  remove(kind: Kind, client: Client, name: string): boolean {
    if (!kind.subscribed(client).delete(name)) return false;
    const map = kind.subscribers(this);
    const clients = map.get(name);
    clients?.delete(client);
    if (clients?.size === 0) map.delete(name);
    return true;
  }

  /** Drops every subscription of `client`, without telling it (disconnect, RESET, kill). */
  unsubscribeAll(client: Client): void {
    for (const kind of [CHANNEL, PATTERN, SHARD]) {
      for (const name of kind.subscribed(client)) this.remove(kind, client, name);
    }
  }

  /**
   * Sends `message` to the subscribers of `channel`, then to those of every matching pattern.
   * Returns how many deliveries were made (a client may count once per matching pattern).
   */
  publish(publisher: Client | null, channel: string, message: string): number {
    let receivers = 0;
    const subscribers = this.channels.get(channel);
    if (subscribers !== undefined) {
      // Counted first: a subscriber dropped at its output limit still counts, as in Redis.
      receivers += subscribers.size;
      const frame = ["message", channel, message];
      for (const subscriber of subscribers) this.#deliver(publisher, subscriber, frame);
    }
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      receivers += clients.size;
      const frame = ["pmessage", pattern, channel, message];
      for (const subscriber of clients) this.#deliver(publisher, subscriber, frame);
    }
    return receivers;
  }

  /** Sends `message` to the subscribers of shard channel `channel` (SPUBLISH). */
  spublish(publisher: Client, channel: string, message: string): number {
    const subscribers = this.shardChannels.get(channel);
    if (subscribers === undefined) return 0;
    const receivers = subscribers.size;
    const frame = ["smessage", channel, message];
    for (const subscriber of subscribers) this.#deliver(publisher, subscriber, frame);
    return receivers;
  }

  /** Appends one message (a push frame of bulk strings) to a subscriber's replies. */
  #deliver(publisher: Client | null, subscriber: Client, frame: readonly string[]): void {
    if (!this.#writable(subscriber)) return;
    const reply = subscriber.reply;
    reply.pushHeader(frame.length);
    for (const part of frame) reply.bulk(part);
    this.#delivered(publisher, subscriber);
  }

  /** A client being closed still counts as a receiver, but gets nothing more (as in Redis). */
  #writable(subscriber: Client): boolean {
    return !subscriber.closeAfterReply && subscriber.replyMode !== "off";
  }

  /** After a message was appended: enforce the output-buffer limit, or get it written. */
  #delivered(publisher: Client | null, subscriber: Client): void {
    // Two comparisons per message unless the subscriber is near its limit.
    const limits = this.#limits ??= outputLimitsOf(subscriber.server.config);
    if (subscriber.pendingOutput >= limits.watermark || subscriber.outputSoftLimitSince !== 0) {
      if (enforceOutputLimit(subscriber)) return;
    }
    // The publisher's own messages leave with the reply to its PUBLISH.
    if (subscriber !== publisher) subscriber.wake();
  }
}

/** One kind of subscription: channels, patterns or shard channels. */
export interface Kind {
  /** What the client is subscribed to, of this kind. */
  subscribed: (client: Client) => Set<string>;
  /** The hub's index of this kind: name → subscribers. */
  subscribers: (hub: PubSubHub) => Subscribers;
  /** The count confirmations carry: Redis keeps shard subscriptions apart from the others. */
  count: (client: Client) => number;
}

const classicCount = (client: Client) => client.channels.size + client.patterns.size;

export const CHANNEL: Kind = {
  subscribed: (client) => client.channels,
  subscribers: (hub) => hub.channels,
  count: classicCount,
};

export const PATTERN: Kind = {
  subscribed: (client) => client.patterns,
  subscribers: (hub) => hub.patterns,
  count: classicCount,
};

export const SHARD: Kind = {
  subscribed: (client) => client.shardChannels,
  subscribers: (hub) => hub.shardChannels,
  count: (client) => client.shardChannels.size,
};

/** A (un)subscribe confirmation: `[kind, name or null, count]`, a push frame in RESP3. */
function confirm(reply: ReplyWriter, kind: string, name: string | null, count: number): void {
  reply.pushHeader(3);
  reply.bulk(kind);
  reply.bulkOrNull(name);
  reply.integer(count);
}

function subscribeCommand(confirmation: string, kind: Kind) {
  return (client: Client, argv: Argv) => {
    const hub = client.server.pubsub;
    for (let i = 1; i < argv.length; i++) {
      hub.add(kind, client, argv[i]);
      confirm(client.reply, confirmation, argv[i], kind.count(client));
    }
  };
}

function unsubscribeCommand(confirmation: string, kind: Kind) {
  return (client: Client, argv: Argv) => {
    const hub = client.server.pubsub;
    const names = argv.length > 1 ? argv.slice(1) : [...kind.subscribed(client)];
    if (names.length === 0) {
      confirm(client.reply, confirmation, null, kind.count(client));
      return;
    }
    for (const name of names) {
      hub.remove(kind, client, name);
      confirm(client.reply, confirmation, name, kind.count(client));
    }
  };
}

/** PUBSUB CHANNELS / SHARDCHANNELS: the active names, optionally filtered by a glob. */
function listChannels(client: Client, argv: Argv, channels: Subscribers): void {
  if (argv.length > 3) {
    throw new ReplyError(
      badSubcommand("PUBSUB", argv[1]),
    );
  }
  const pattern = argv[2];
  const names: string[] = [];
  for (const name of channels.keys()) {
    if (pattern === undefined || globMatch(pattern, name)) names.push(name);
  }
  client.reply.bulkArray(names);
}

/** PUBSUB NUMSUB / SHARDNUMSUB: name, count pairs, as a flat array as Redis sends it. */
function countSubscribers(client: Client, argv: Argv, channels: Subscribers): void {
  const reply = client.reply;
  reply.arrayHeader((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    reply.bulk(argv[i]);
    reply.integer(channels.get(argv[i])?.size ?? 0);
  }
}

const PUBSUB_HELP = [
  "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CHANNELS [<pattern>]",
  "    Reply with the channels that have subscribers, those matching <pattern> if given.",
  "NUMPAT",
  "    Reply with how many distinct patterns have subscribers.",
  "NUMSUB [<channel> ...]",
  "    Reply with each channel and its number of subscribers (pattern subscribers not counted).",
  "SHARDCHANNELS [<pattern>]",
  "    Reply with the shard channels that have subscribers, those matching <pattern> if given.",
  "SHARDNUMSUB [<shardchannel> ...]",
  "    Reply with each shard channel and its number of subscribers.",
  "HELP",
  "    Print this help.",
];

const SUBSCRIBE_FLAGS: CommandSpec["flags"] = ["pubsub", "noscript", "loading", "stale"];
const PUBLISH_FLAGS: CommandSpec["flags"] = ["pubsub", "loading", "stale", "fast", "may_replicate"];
const INTROSPECTION_FLAGS: CommandSpec["flags"] = ["pubsub", "loading", "stale"];

const shardSubscribe = subscribeCommand("ssubscribe", SHARD);

const pubsubSubcommands: CommandSpec[] = [
  defineCommand({
    name: "channels",
    arity: -2,
    flags: INTROSPECTION_FLAGS,
    group: "pubsub",
    since: "2.8.0",
    summary: "Lists the channels that have subscribers.",
    complexity: "O(N) in the number of channels with subscribers (each glob match taken as O(1)).",
    args: [{ name: "pattern", type: "pattern", optional: true }],
    run(client, argv) {
      listChannels(client, argv, client.server.pubsub.channels);
    },
  }),
  defineCommand({
    name: "numsub",
    arity: -2,
    flags: INTROSPECTION_FLAGS,
    group: "pubsub",
    since: "2.8.0",
    summary: "Counts the subscribers of each channel given.",
    complexity: "O(N) in the number of channels given.",
    args: [{ name: "channel", type: "string", optional: true, multiple: true }],
    run(client, argv) {
      countSubscribers(client, argv, client.server.pubsub.channels);
    },
  }),
  defineCommand({
    name: "numpat",
    arity: 2,
    flags: INTROSPECTION_FLAGS,
    group: "pubsub",
    since: "2.8.0",
    summary: "Counts the distinct patterns that have subscribers.",
    complexity: "O(1)",
    run(client) {
      client.reply.integer(client.server.pubsub.patterns.size);
    },
  }),
  defineCommand({
    name: "shardchannels",
    arity: -2,
    flags: INTROSPECTION_FLAGS,
    group: "pubsub",
    since: "7.0.0",
    summary: "Lists the shard channels that have subscribers.",
    complexity: "O(N) in the number of shard channels with subscribers (glob match as O(1)).",
    args: [{ name: "pattern", type: "pattern", optional: true }],
    run(client, argv) {
      listChannels(client, argv, client.server.pubsub.shardChannels);
    },
  }),
  defineCommand({
    name: "shardnumsub",
    arity: -2,
    flags: INTROSPECTION_FLAGS,
    group: "pubsub",
    since: "7.0.0",
    summary: "Counts the subscribers of each shard channel given.",
    complexity: "O(N) in the number of shard channels given.",
    args: [{ name: "shardchannel", type: "string", optional: true, multiple: true }],
    run(client, argv) {
      countSubscribers(client, argv, client.server.pubsub.shardChannels);
    },
  }),
  helpSubcommand("PUBSUB", PUBSUB_HELP, { group: "pubsub", since: "6.2.0" }),
];

export const pubsubCommands: CommandSpec[] = [
  defineCommand({
    name: "subscribe",
    arity: -2,
    flags: SUBSCRIBE_FLAGS,
    group: "pubsub",
    since: "2.0.0",
    summary: "Starts receiving the messages published to the channels given.",
    complexity: "O(N) in the number of channels given.",
    args: [{ name: "channel", type: "string", multiple: true }],
    run: subscribeCommand("subscribe", CHANNEL),
  }),
  defineCommand({
    name: "unsubscribe",
    arity: -1,
    flags: SUBSCRIBE_FLAGS,
    group: "pubsub",
    since: "2.0.0",
    summary: "Stops receiving messages from the channels given, or from every channel.",
    complexity: "O(N) in the number of channels left.",
    args: [{ name: "channel", type: "string", optional: true, multiple: true }],
    run: unsubscribeCommand("unsubscribe", CHANNEL),
  }),
  defineCommand({
    name: "psubscribe",
    arity: -2,
    flags: SUBSCRIBE_FLAGS,
    group: "pubsub",
    since: "2.0.0",
    summary: "Starts receiving the messages published to channels matching the patterns given.",
    complexity: "O(N) in the number of patterns given.",
    args: [{
      name: "pattern",
      type: "block",
      multiple: true,
      args: [{ name: "pattern", type: "pattern" }],
    }],
    run: subscribeCommand("psubscribe", PATTERN),
  }),
  defineCommand({
    name: "punsubscribe",
    arity: -1,
    flags: SUBSCRIBE_FLAGS,
    group: "pubsub",
    since: "2.0.0",
    summary: "Stops receiving messages for the patterns given, or for every pattern.",
    complexity: "O(N) in the number of patterns left.",
    args: [{ name: "pattern", type: "pattern", optional: true, multiple: true }],
    run: unsubscribeCommand("punsubscribe", PATTERN),
  }),
  defineCommand({
    name: "publish",
    arity: 3,
    flags: PUBLISH_FLAGS,
    group: "pubsub",
    since: "2.0.0",
    summary: "Sends a message to a channel; replies with how many subscribers received it.",
    complexity:
      "O(N+M): N subscribers of the channel, M distinct patterns with subscribers server-wide.",
    args: [{ name: "channel", type: "string" }, { name: "message", type: "string" }],
    run(client, argv) {
      client.reply.integer(client.server.pubsub.publish(client, argv[1], argv[2]));
    },
  }),
  defineCommand({
    name: "ssubscribe",
    arity: -2,
    flags: SUBSCRIBE_FLAGS,
    keys: [{ first: 1, last: -1, step: 1, flags: ["not_key"] }],
    group: "pubsub",
    since: "7.0.0",
    summary: "Starts receiving the messages published to the shard channels given.",
    complexity: "O(N) in the number of shard channels given.",
    args: [{ name: "shardchannel", type: "string", multiple: true }],
    run(client, argv) {
      // Unlike SUBSCRIBE, Redis 7.0 refuses SSUBSCRIBE inside EXEC, as a blocking command.
      if (client.inExec) {
        throw new ReplyError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
      }
      shardSubscribe(client, argv);
    },
  }),
  defineCommand({
    name: "sunsubscribe",
    arity: -1,
    flags: SUBSCRIBE_FLAGS,
    keys: [{ first: 1, last: -1, step: 1, flags: ["not_key"] }],
    group: "pubsub",
    since: "7.0.0",
    summary: "Stops receiving messages from the shard channels given, or from all of them.",
    complexity: "O(N) in the number of shard channels left.",
    args: [{ name: "shardchannel", type: "string", optional: true, multiple: true }],
    run: unsubscribeCommand("sunsubscribe", SHARD),
  }),
  defineCommand({
    name: "spublish",
    arity: 3,
    flags: PUBLISH_FLAGS,
    keys: [{ first: 1, last: 1, step: 1, flags: ["not_key"] }],
    group: "pubsub",
    since: "7.0.0",
    summary: "Sends a message to a shard channel; replies with how many subscribers received it.",
    complexity: "O(N) in the number of subscribers of the shard channel.",
    args: [{ name: "shardchannel", type: "string" }, { name: "message", type: "string" }],
    run(client, argv) {
      client.reply.integer(client.server.pubsub.spublish(client, argv[1], argv[2]));
    },
  }),
  defineCommand({
    name: "pubsub",
    arity: -2,
    flags: [],
    group: "pubsub",
    since: "2.8.0",
    summary: "Commands that inspect the state of pub/sub.",
    complexity: "Depends on subcommand.",
    subcommands: pubsubSubcommands,
  }),
];
