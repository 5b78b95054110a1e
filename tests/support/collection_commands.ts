/**
 * Helpers for differential tests of collections: hash-ordered replies (SMEMBERS, HGETALL, ...)
 * put in a canonical order, and big commands sent in one piece.
 * @module
 */
import type { RespClient } from "./resp_client.ts";

/** The raw items of a flat top-level array, set or map reply (bulks, nulls, simple values). */
function rawItems(raw: string): { header: string; items: string[] } | null {
  if (!"*~%".includes(raw[0]) || raw.startsWith("*-1")) return null;
  let pos = raw.indexOf("\r\n") + 2;
  const header = raw.slice(0, pos);
  const items: string[] = [];
  while (pos < raw.length) {
    const lineEnd = raw.indexOf("\r\n", pos) + 2;
    if (raw[pos] === "$" && raw[pos + 1] !== "-") {
      const end = lineEnd + Number(raw.slice(pos + 1, lineEnd - 2)) + 2;
      items.push(raw.slice(pos, end));
      pos = end;
    } else {
      items.push(raw.slice(pos, lineEnd));
      pos = lineEnd;
    }
  }
  return { header, items };
}

/**
 * A flat array (or set, or map) reply with its items in a canonical order, taken `group` at a
 * time (2 for field-value pairs, one per GET pattern for SORT). Other replies are unchanged.
 */
export function canonicalOrder(raw: string, group = 1): string {
  const parsed = rawItems(raw);
  if (parsed === null) return raw;
  if (raw[0] === "%") group = 2;
  const groups: string[] = [];
  for (let i = 0; i < parsed.items.length; i += group) {
    groups.push(parsed.items.slice(i, i + group).join(""));
  }
  return parsed.header + groups.sort().join("");
}

/** Commands whose reply order is a hash order, and how many items belong together. */
const HASH_ORDERED: Record<string, number> = {
  smembers: 1,
  sinter: 1,
  sunion: 1,
  sdiff: 1,
  hkeys: 1,
  hvals: 1,
  hgetall: 2,
  keys: 1,
};

/** A normalizer for ServerPair: hash-ordered replies (SMEMBERS, HGETALL, ...) sorted. */
export function hashOrderInsensitive(raw: string, command: Array<string | Uint8Array>): string {
  const group = HASH_ORDERED[String(command[0]).toLowerCase()];
  return group === undefined ? raw : canonicalOrder(raw, group);
}

/**
 * Sends one big command (thousands of arguments) and returns its raw reply: encoded as one
 * string and converted once, which is much faster than RespClient's per-argument encoding.
 */
export async function sendBig(client: RespClient, argv: string[]): Promise<string> {
  let text = `*${argv.length}\r\n`;
  for (const arg of argv) text += `$${arg.length}\r\n${arg}\r\n`;
  await client.write(text);
  return await client.readRaw();
}
