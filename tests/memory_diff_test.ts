/**
 * MEMORY against redis-server 7.0.15: USAGE estimates what Redis itself would use for the same
 * key (exact for strings and small encodings, close for big collections), errors are Redis's,
 * and STATS has Redis's field names in Redis's order.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { RespClient } from "./support/resp_client.ts";
import { type Command, ServerPair } from "./support/servers.ts";

/** Writes the same data to both servers. */
async function fill(clients: RespClient[], commands: Command[]): Promise<void> {
  for (const client of clients) {
    for (const command of commands) await client.raw(...command);
  }
}

function many(prefix: string, count: number, each: (i: number) => string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < count; i++) args.push(...each(i));
  return [prefix, ...args].flatMap((part) => part.split(" ")).filter((p) => p !== "");
}

Deno.test("memory: MEMORY USAGE matches Redis's estimate of the same data", async () => {
  const pair = await ServerPair.start();
  const clients = await pair.connect();
  try {
    await fill(clients, [
      ["SET", "small", "b"],
      ["SET", "int", "12345"],
      ["SET", "medium", "x".repeat(100)],
      ["SET", "large", "x".repeat(1000)],
      ["SET", "huge", "x".repeat(70000)],
      ["RPUSH", "list", "a", "b", "c"],
      ["HSET", "hash", "f", "v"],
      ["SADD", "intset", "1", "2", "3"],
      ["SADD", "bigints", "1", "100000", "10000000000"],
      ["SADD", "strset", "a", "b", "c"],
      ["ZADD", "zset", "1", "a", "2", "b"],
      many("RPUSH biglist", 2000, (i) => [String(i)]),
      many("HSET bighash", 2000, (i) => [`f${i}`, String(i)]),
      many("SADD bigset", 2000, (i) => [`m${i}`]),
      many("ZADD bigzset", 2000, (i) => [String(i), `m${i}`]),
    ]);
    const exact = ["small", "int", "medium", "large", "huge", "list", "hash", "intset"];
    const close = ["bigints", "strset", "zset", "biglist", "bighash", "bigset", "bigzset"];
    for (const key of [...exact, ...close]) {
      for (const samples of [[], ["SAMPLES", "0"]]) {
        const [ours, theirs] = await Promise.all(
          clients.map((client) => client.call("MEMORY", "USAGE", key, ...samples)),
        ) as number[];
        if (exact.includes(key)) {
          assertEquals(ours, theirs, `MEMORY USAGE ${key} ${samples.join(" ")}`);
        } else {
          const ratio = ours / theirs;
          assert(
            ratio > 0.85 && ratio < 1.15,
            `MEMORY USAGE ${key} ${samples.join(" ")}: ours ${ours}, Redis ${theirs}`,
          );
        }
      }
    }
  } finally {
    for (const client of clients) client.close();
    await pair.close();
  }
});

Deno.test("memory: MEMORY errors and replies without data", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["SET", "k", "v"],
      ["MEMORY", "USAGE", "nokey"],
      ["MEMORY", "USAGE", "k", "SAMPLES", "x"],
      ["MEMORY", "USAGE", "k", "SAMPLES", "-1"],
      ["MEMORY", "USAGE", "k", "foo"],
      ["MEMORY", "USAGE", "k", "SAMPLES"],
      ["MEMORY", "USAGE"],
      ["MEMORY", "PURGE"],
      ["MEMORY", "nosuch"],
      ["MEMORY", "STATS", "x"],
      ["MEMORY"],
    ]);
  } finally {
    await pair.close();
  }
});

Deno.test("memory: MEMORY STATS has Redis's fields in Redis's order", async () => {
  const pair = await ServerPair.start();
  const clients = await pair.connect();
  try {
    await fill(clients, [["SET", "k", "v"], ["SELECT", "3"], ["SET", "k", "v"]]);
    const names = await Promise.all(clients.map(async (client) => {
      const stats = await client.call("MEMORY", "STATS") as unknown[];
      return stats.filter((_, i) => i % 2 === 0);
    }));
    assertEquals(names[0], names[1]);
    for (const client of clients) {
      const doctor = await client.call("MEMORY", "DOCTOR");
      assert(typeof doctor === "string" && doctor.length > 0);
    }
  } finally {
    for (const client of clients) client.close();
    await pair.close();
  }
});
