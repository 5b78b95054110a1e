/**
 * Differential running for collection commands (hashes, sets): the same steps go to Redeno and
 * redis-server, replies are compared byte for byte — or, for replies whose order is a hash
 * table's and so cannot match, as sorted multisets — along with Redis's `dirty` counter and the
 * keyspace hit/miss counters.
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type Command, describe, type ServerPair } from "./servers.ts";
import { parseReply, type RespClient, type RespValue } from "./resp_client.ts";

export interface DiffOptions {
  resp: 2 | 3;
  /** Compare replies of these commands (lower-case names) as sorted multisets. */
  unordered?: ReadonlySet<string>;
  /** Compare only the first line (type and length) of replies of these (random) commands. */
  shapeOnly?: ReadonlySet<string>;
  /** Compare the dirty and keyspace hit/miss totals too (default true). */
  counters?: boolean;
}

/** Commands whose replies come in hash-table order in Redis. */
export const ORDER_FREE = new Set([
  "hkeys",
  "hvals",
  "hgetall",
  "smembers",
  "sinter",
  "sunion",
  "sdiff",
  "hrandfield",
  "srandmember",
  "spop",
]);

/** A raw reply as a tree that keeps each value's RESP type. */
interface Node {
  type: string;
  text: string;
  items: Node[];
}

function parseTyped(raw: string, start = 0): [Node, number] {
  const type = raw[start];
  const end = raw.indexOf("\r\n", start);
  const header = raw.slice(start + 1, end);
  let pos = end + 2;
  if ("$=!".includes(type) && Number(header) >= 0) {
    const text = raw.slice(pos, pos + Number(header));
    return [{ type, text, items: [] }, pos + Number(header) + 2];
  }
  if ("*~%>".includes(type) && Number(header) >= 0) {
    const count = Number(header) * (type === "%" ? 2 : 1);
    const items: Node[] = [];
    for (let i = 0; i < count; i++) {
      const [item, next] = parseTyped(raw, pos);
      items.push(item);
      pos = next;
    }
    return [{ type, text: header, items }, pos];
  }
  return [{ type, text: header, items: [] }, pos];
}

function serialize(node: Node): string {
  if ("$=!".includes(node.type) && node.items.length === 0 && node.text !== "-1") {
    return `${node.type}${node.text.length}\r\n${node.text}\r\n`;
  }
  return `${node.type}${node.text}\r\n${node.items.map(serialize).join("")}`;
}

/**
 * The reply with its top-level items sorted: pairs stay together for a map, for HGETALL's
 * RESP2 flat array and for WITHVALUES replies.
 */
export function sortReply(raw: string, command: Command): string {
  const [node] = parseTyped(raw);
  if (!"*~%".includes(node.type) || node.items.length === 0) return raw;
  const name = String(command[0]).toLowerCase();
  if (name === "sscan" || name === "hscan") {
    // [cursor, items]: the items are what is order-free.
    const items = sortReply(serialize(node.items[1]), [name === "hscan" ? "hgetall" : "smembers"]);
    return `${node.type}${node.text}\r\n${serialize(node.items[0])}${items}`;
  }
  const withValues = command.some((arg) => String(arg).toLowerCase() === "withvalues");
  const paired = node.type === "%" || (name === "hgetall") ||
    (withValues && node.items[0].type !== "*");
  const groups: string[] = [];
  const step = paired ? 2 : 1;
  for (let i = 0; i < node.items.length; i += step) {
    groups.push(node.items.slice(i, i + step).map(serialize).join(""));
  }
  groups.sort();
  return `${node.type}${node.text}\r\n${groups.join("")}`;
}

function counters(pair: ServerPair): number[] {
  const server = pair.redeno;
  return [
    server.stats.dirty,
    server.keyspace.stats.keyspaceHits,
    server.keyspace.stats.keyspaceMisses,
  ];
}

async function redisCounters(client: RespClient): Promise<number[]> {
  const raw = parseReply(await client.raw("INFO", "all")) as string;
  return ["rdb_changes_since_last_save", "keyspace_hits", "keyspace_misses"].map((field) => {
    const match = new RegExp(`^${field}:(\\d+)`, "m").exec(raw);
    if (!match) throw new Error(`INFO has no ${field}`);
    return Number(match[1]);
  });
}

/** Flushes both servers, runs the steps on both and compares; returns Redeno's raw replies. */
export async function runDiff(
  pair: ServerPair,
  steps: Command[],
  options: DiffOptions,
): Promise<string[]> {
  const [ours, theirs] = await pair.connect();
  try {
    for (const client of [ours, theirs]) {
      await client.raw("FLUSHALL");
      await client.raw("HELLO", String(options.resp));
    }
    const before = [counters(pair), await redisCounters(theirs)];
    const replies: string[] = [];
    for (const step of steps) {
      let [a, b] = await Promise.all([ours.raw(...step), theirs.raw(...step)]);
      if (options.shapeOnly?.has(String(step[0]).toLowerCase())) {
        a = a.slice(0, a.indexOf("\r\n"));
        b = b.slice(0, b.indexOf("\r\n"));
      } else if (options.unordered?.has(String(step[0]).toLowerCase())) {
        a = sortReply(a, step);
        b = sortReply(b, step);
      }
      assertEquals(a, b, `reply to ${describe(step)} (resp ${options.resp})`);
      replies.push(a);
    }
    if (options.counters !== false) {
      const after = [counters(pair), await redisCounters(theirs)];
      const delta = (i: number) => after[i].map((value, j) => value - before[i][j]);
      assertEquals(delta(0), delta(1), "dirty, keyspace hits, keyspace misses (ours vs redis)");
    }
    return replies;
  } finally {
    ours.close();
    theirs.close();
  }
}

/** `runDiff` in RESP2 and then RESP3. */
export async function runDiffBoth(
  pair: ServerPair,
  steps: Command[],
  options: Omit<DiffOptions, "resp"> = {},
): Promise<void> {
  await runDiff(pair, steps, { ...options, resp: 2 });
  await runDiff(pair, steps, { ...options, resp: 3 });
}

/** Sends one command to both servers; returns both parsed replies [ours, redis]. */
export async function callBoth(
  clients: [RespClient, RespClient],
  ...argv: Array<string | Uint8Array>
): Promise<[RespValue, RespValue]> {
  const [a, b] = await Promise.all(clients.map((client) => client.raw(...argv)));
  return [parseReply(a), parseReply(b)];
}
