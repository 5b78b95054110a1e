/**
 * Differential keyspace notifications: the same commands on Redeno and redis-server, with a
 * second connection on each PSUBSCRIBEd to `__key*__:*`, and every published pmessage compared
 * byte for byte and in order.
 *
 * @example
 * ```ts
 * await compareNotifications(pair, [["SET", "k", "v"], ["DEL", "k"]], { resp: 3 });
 * ```
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { RespClient } from "./resp_client.ts";
import { type Command, describe, type ServerPair } from "./servers.ts";

export interface NotificationOptions {
  /** Protocol of both connections (HELLO 3 first when 3). Default 2. */
  resp?: 2 | 3;
  /** The `notify-keyspace-events` value set on both servers. Default "KEA". */
  flags?: string;
  /** Compare the command replies too (default true). */
  compareReplies?: boolean;
  /** Commands run before subscribing (setup whose events are not compared). */
  setup?: Command[];
  /** Called after each command on both servers' command connections (e.g. to wait for expiry). */
  after?: (command: Command, ours: RespClient, theirs: RespClient) => Promise<void>;
  /** Milliseconds to wait for the marker message. Default 5000. */
  timeoutMs?: number;
}

/** The channel PUBLISHed to after the commands, to know that every event has arrived. */
export const MARKER_CHANNEL = "__keyspace_marker__";

/**
 * Flushes both servers, sets `notify-keyspace-events` (default KEA), subscribes a second
 * connection to `__key*__:*` and to the marker channel, runs `commands` on the first
 * connection (replies compared unless told not to), PUBLISHes a marker, reads every message
 * up to it and asserts both servers published the same messages, byte for byte, in order.
 * Restores `notify-keyspace-events` to "" afterwards. Returns Redeno's messages (raw).
 */
export async function compareNotifications(
  pair: ServerPair,
  commands: Command[],
  options: NotificationOptions = {},
): Promise<string[]> {
  const resp = options.resp ?? 2;
  const [ours, theirs] = await pair.connect();
  const [oursSub, theirsSub] = await pair.connect();
  const clients = [ours, theirs, oursSub, theirsSub];
  try {
    for (const client of [ours, theirs]) {
      await client.raw("CONFIG", "SET", "notify-keyspace-events", "");
      await client.raw("FLUSHALL");
      await client.raw("SELECT", "0");
    }
    if (resp === 3) { for (const client of clients) await client.raw("HELLO", "3"); }
    for (const command of options.setup ?? []) {
      await Promise.all([ours.raw(...command), theirs.raw(...command)]);
    }
    for (const client of [ours, theirs]) {
      await client.raw("CONFIG", "SET", "notify-keyspace-events", options.flags ?? "KEA");
    }
    for (const client of [oursSub, theirsSub]) {
      await client.raw("PSUBSCRIBE", "__key*__:*");
      await client.raw("SUBSCRIBE", MARKER_CHANNEL);
    }
    for (const command of commands) {
      const [a, b] = await Promise.all([ours.raw(...command), theirs.raw(...command)]);
      if (options.compareReplies ?? true) {
        assertEquals(a, b, `reply to ${describe(command)} (resp ${resp})`);
      }
      if (options.after) await options.after(command, ours, theirs);
    }
    for (const client of [ours, theirs]) await client.raw("PUBLISH", MARKER_CHANNEL, "end");
    const [a, b] = await Promise.all([
      readUntilMarker(oursSub, options.timeoutMs ?? 5000),
      readUntilMarker(theirsSub, options.timeoutMs ?? 5000),
    ]);
    assertEquals(
      a.map(readable),
      b.map(readable),
      `notifications for ${commands.map(describe).join(" ")} (resp ${resp})`,
    );
    for (const client of [ours, theirs]) {
      await client.raw("CONFIG", "SET", "notify-keyspace-events", "");
    }
    return a;
  } finally {
    for (const client of clients) client.close();
  }
}

/** `compareNotifications` in RESP2 and then in RESP3. */
export async function compareNotificationsBoth(
  pair: ServerPair,
  commands: Command[],
  options: NotificationOptions = {},
): Promise<void> {
  await compareNotifications(pair, commands, { ...options, resp: 2 });
  await compareNotifications(pair, commands, { ...options, resp: 3 });
}

/** Every message a subscriber receives before the marker (the marker itself excluded). */
async function readUntilMarker(client: RespClient, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const messages: string[] = [];
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no marker; got ${messages.map(readable).join(" | ")}`);
    const raw = await client.readRaw(left);
    if (raw.includes(MARKER_CHANNEL)) return messages;
    messages.push(raw);
  }
}

/** A raw reply with CRLFs shown, so assertion diffs read one message per line. */
function readable(raw: string): string {
  return raw.replaceAll("\r\n", "\\r\\n");
}
