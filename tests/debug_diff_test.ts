/**
 * DEBUG against redis-server 7.0.15: DIGEST and DIGEST-VALUE give Redis's signatures for the
 * same data (so other tests can compare whole datasets), PROTOCOL's samples are byte-identical,
 * POPULATE creates the same keys, and the errors match.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { type Command, ServerPair } from "./support/servers.ts";

async function startDebugPair(): Promise<ServerPair> {
  return await ServerPair.start(
    { "enable-debug-command": "yes" },
    ["--enable-debug-command", "yes"],
  );
}

const DATA: Command[] = [
  ["SET", "string", "hello"],
  ["SET", "number", "12345"],
  ["SET", "binary", "a\x00\xff\r\n"],
  ["SET", "expiring", "v", "EX", "1000"],
  ["RPUSH", "list", "a", "b", "1", "c"],
  ["SADD", "intset", "3", "1", "2"],
  ["SADD", "set", "x", "y", "z"],
  ["HSET", "hash", "f1", "v1", "f2", "2"],
  ["ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c", "1e300", "d"],
  ["SELECT", "5"],
  ["SET", "other-db", "x"],
  ["SELECT", "0"],
];

Deno.test("debug: DIGEST and DIGEST-VALUE equal redis-server's", async () => {
  const pair = await startDebugPair();
  try {
    const bigZset: Command = ["ZADD", "bigzset"];
    const bigHash: Command = ["HSET", "bighash"];
    for (let i = 0; i < 300; i++) {
      bigZset.push(String(i / 7), `m${i}`);
      bigHash.push(`f${i}`, "x".repeat(i % 90));
    }
    await pair.compareBoth([
      ["DEBUG", "DIGEST"],
      ...DATA,
      bigZset,
      bigHash,
      ["DEBUG", "DIGEST"],
      [
        "DEBUG",
        "DIGEST-VALUE",
        "string",
        "number",
        "binary",
        "expiring",
        "list",
        "intset",
        "set",
        "hash",
        "zset",
        "bigzset",
        "bighash",
        "missing",
      ],
      ["DEBUG", "DIGEST-VALUE"],
      ["DEL", "list"],
      ["DEBUG", "DIGEST"],
    ]);
  } finally {
    await pair.close();
  }
});

Deno.test("debug: PROTOCOL samples every RESP type as Redis does", async () => {
  const pair = await startDebugPair();
  try {
    const types = [
      "string",
      "integer",
      "double",
      "bignum",
      "null",
      "array",
      "set",
      "map",
      "attrib",
      "push",
      "verbatim",
      "true",
      "false",
      "nosuch",
    ];
    await pair.compareBoth(types.map((type) => ["DEBUG", "PROTOCOL", type]));
  } finally {
    await pair.close();
  }
});

Deno.test("debug: POPULATE, OBJECT, SET-ACTIVE-EXPIRE and errors", async () => {
  const pair = await startDebugPair();
  try {
    await pair.compareBoth([
      ["DEBUG", "POPULATE", "20"],
      ["DEBUG", "POPULATE", "5", "pre"],
      ["DEBUG", "POPULATE", "5", "sized", "20"],
      ["DEBUG", "POPULATE", "3", "sized", "2"],
      ["DEBUG", "POPULATE", "x"],
      ["DEBUG", "POPULATE", "-1"],
      ["DBSIZE"],
      ["DEBUG", "DIGEST"],
      ["DEBUG", "OBJECT", "nosuch"],
      ["DEBUG", "OBJECT"],
      ["DEBUG", "ERROR", "MYERR something went wrong"],
      ["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
      ["DEBUG", "SET-ACTIVE-EXPIRE", "1"],
      ["DEBUG", "SET-ACTIVE-EXPIRE"],
      ["DEBUG", "nosuch"],
      ["DEBUG", "LOG", "hello from a test"],
    ]);
    // DEBUG OBJECT: addresses and clocks differ; the fields and encodings must not.
    const mask = (raw: string) =>
      raw.replace(/at:0x[0-9a-f]+/, "at:ADDR").replace(/lru:\d+/, "lru:N")
        .replace(/serializedlength:\d+/, "serializedlength:N")
        .replace(/ql_uncompressed_size:\d+/, "ql_uncompressed_size:N");
    await pair.compareBoth([
      ["SET", "s", "hello"],
      ["SET", "n", "123"],
      ["RPUSH", "l", "a", "b", "c"],
      ["HSET", "h", "f", "v"],
      ["DEBUG", "OBJECT", "s"],
      ["DEBUG", "OBJECT", "n"],
      ["DEBUG", "OBJECT", "l"],
      ["DEBUG", "OBJECT", "h"],
    ], { normalize: mask });
  } finally {
    await pair.close();
  }
});

Deno.test("debug: DEBUG is refused unless enable-debug-command allows it", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([["DEBUG", "DIGEST"], ["DEBUG", "HELP"]]);
    const [ours] = await pair.connect();
    try {
      // With active expiry off, a due key stays until something touches it.
      await pair.redeno.config.set("enable-debug-command", "yes", { atStartup: true });
      await ours.raw("DEBUG", "SET-ACTIVE-EXPIRE", "0");
      await ours.raw("SET", "k", "v", "PX", "10");
      pair.redeno.clock.advance(1000);
      assertEquals(await ours.raw("DBSIZE"), ":1\r\n");
      assertEquals(await ours.raw("GET", "k"), "$-1\r\n");
      assertEquals(await ours.raw("DBSIZE"), ":0\r\n");
      await ours.raw("DEBUG", "SET-ACTIVE-EXPIRE", "1");
      assertMatch(await ours.raw("DEBUG", "DIGEST"), /^\+0{40}\r\n$/);
    } finally {
      ours.close();
    }
  } finally {
    await pair.close();
  }
});
