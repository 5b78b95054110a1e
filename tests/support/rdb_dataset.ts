/**
 * A dataset with every type in every encoding Redis 7.0 writes to RDB (small and big, integer
 * and binary strings, expiries, several dbs, streams with consumer groups), and how to compare
 * two servers holding it.
 * @module
 */
import type { Command } from "./servers.ts";
import type { RespClient } from "./resp_client.ts";

function big(prefix: Command, count: number, item: (i: number) => string[]): Command {
  const command = [...prefix];
  for (let i = 0; i < count; i++) command.push(...item(i));
  return command;
}

/** Binary bytes, every value 0..255 once. */
export const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");

/** Commands building the dataset, in db 0 unless a SELECT says otherwise. */
export function datasetCommands(): Command[] {
  return [
    ["SET", "str:small", "hello"],
    ["SET", "str:int8", "-12"],
    ["SET", "str:int16", "31000"],
    ["SET", "str:int32", "-2000000000"],
    ["SET", "str:int64", "9223372036854775807"],
    ["SET", "str:leading-zero", "007"],
    ["SET", "str:empty", ""],
    ["SET", "str:binary", ALL_BYTES],
    ["SET", "str:compressible", "abcd".repeat(500)],
    [
      "SET",
      "str:random",
      Array.from({ length: 300 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join(""),
    ],
    ["SET", "str:ttl", "expiring", "PX", "86400000"],
    ["SET", "str:far-ttl", "x", "PXAT", "9999999999999"],
    ["RPUSH", "list:small", "a", "1", "-70000", "9223372036854775807", ALL_BYTES, ""],
    big(
      ["RPUSH", "list:big"],
      3000,
      (i) => [i % 3 === 0 ? String(i) : `element:${i}:${"z".repeat(i % 40)}`],
    ),
    ["RPUSH", "list:ttl", "x"],
    ["PEXPIRE", "list:ttl", "86400000"],
    ["HSET", "hash:small", "f", "v", "n", "42", "bin", ALL_BYTES.slice(0, 60)],
    big(["HSET", "hash:many"], 600, (i) => [`field:${i}`, String(i * 3)]),
    ["HSET", "hash:long-value", "f", "v".repeat(100)],
    ["SADD", "set:int16", "1", "2", "3", "-5"],
    ["SADD", "set:int32", "1", "70000", "-70000"],
    ["SADD", "set:int64", "1", "9223372036854775807", "-9223372036854775808"],
    big(["SADD", "set:big-ints"], 700, (i) => [String(i * 1000)]),
    ["SADD", "set:strings", "a", "b", ALL_BYTES],
    [
      "ZADD",
      "zset:small",
      "1",
      "a",
      "2.5",
      "b",
      "-inf",
      "c",
      "inf",
      "d",
      "1e300",
      "e",
      "-0.1",
      "f",
    ],
    big(["ZADD", "zset:big"], 300, (i) => [String(i / 7), `member:${i}`]),
    ["ZADD", "zset:long-member", "1", "m".repeat(100)],
    ["XADD", "stream:plain", "1-1", "a", "1", "b", "2"],
    ["XADD", "stream:plain", "1-2", "a", "3", "b", "4"],
    ["XADD", "stream:plain", "2-0", "other", "fields", "n", "12345"],
    ["XADD", "stream:plain", "3-0", "a", ALL_BYTES, "b", "x"],
    ["XDEL", "stream:plain", "1-2"],
    ...Array.from(
      { length: 250 },
      (_, i): Command => ["XADD", "stream:big", `${i + 1}-0`, "f", String(i), "g", `v${i}`],
    ),
    ["XDEL", "stream:big", "50-0", "51-0"],
    ["XADD", "stream:groups", "5-1", "k", "v1"],
    ["XADD", "stream:groups", "5-2", "k", "v2"],
    ["XADD", "stream:groups", "5-3", "k", "v3"],
    ["XGROUP", "CREATE", "stream:groups", "g1", "0"],
    ["XGROUP", "CREATE", "stream:groups", "g2", "$"],
    ["XGROUP", "CREATECONSUMER", "stream:groups", "g2", "idle"],
    ["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "stream:groups", ">"],
    ["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "stream:groups", ">"],
    ["XACK", "stream:groups", "g1", "5-1"],
    ["XADD", "stream:empty", "MAXLEN", "0", "9-9", "f", "v"],
    ["SELECT", "3"],
    ["SET", "db3:key", "in db 3"],
    ["HSET", "db3:hash", "a", "b"],
    ["SELECT", "15"],
    ["SET", "db15:key", "in db 15"],
    ["SELECT", "0"],
  ];
}

/** Runs the commands on a connection, failing on any error reply. */
export async function build(client: RespClient, commands: Command[]): Promise<void> {
  for (const command of commands) {
    const reply = await client.raw(...command);
    if (reply.startsWith("-")) throw new Error(`${command[0]} failed: ${reply}`);
  }
}

/**
 * What two servers holding the same data must agree on: per db, each key's type and DEBUG
 * DIGEST-VALUE (which covers the TTL's presence), and for streams XINFO STREAM FULL and XRANGE
 * (Redeno's digest does not cover stream entries, so DEBUG DIGEST cannot be compared as a whole).
 */
export async function fingerprint(client: RespClient): Promise<string[]> {
  const out: string[] = [];
  for (const db of ["0", "3", "15"]) {
    await client.raw("SELECT", db);
    const keys = (await client.call("KEYS", "*") as string[]).sort();
    out.push(`db ${db}: ${keys.length} keys`);
    for (const key of keys) {
      const type = await client.raw("TYPE", key);
      out.push(`${key} ${type}`);
      if (type === "+stream\r\n") {
        out.push(await client.raw("XINFO", "STREAM", key, "FULL"));
        out.push(await client.raw("XRANGE", key, "-", "+"));
      } else {
        out.push(await client.raw("DEBUG", "DIGEST-VALUE", key));
      }
    }
  }
  await client.raw("SELECT", "0");
  return out;
}
