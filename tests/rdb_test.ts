/**
 * The RDB format code on its own and Redeno-to-Redeno: checksum and LZF, listpacks and intsets,
 * older encodings Redis 7.0 still loads (ziplists, zipmaps, QUICKLIST v1, the old ZSET type),
 * save/load round trips of every type with compression and checksums on and off, keys that
 * expired meanwhile, BGSAVE's point-in-time image while clients keep writing, and damaged
 * files refused with Redis's messages.
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { crc64 } from "../src/persistence/crc64.ts";
import { buildIntset, parseIntset } from "../src/persistence/intset.ts";
import { ListpackBuilder, parseListpack } from "../src/persistence/listpack.ts";
import { lzfCompress, lzfDecompress } from "../src/persistence/lzf.ts";
import { RdbFileWriter } from "../src/persistence/rdb_writer.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, waitFor } from "./support/servers.ts";
import { ALL_BYTES, build, datasetCommands, fingerprint } from "./support/rdb_dataset.ts";
import { prng } from "./e2e_support.ts";

const DEBUG = { "enable-debug-command": "yes" };

Deno.test("rdb: CRC-64 is Redis's (Jones) and LZF round-trips any input", () => {
  assertEquals(crc64(new TextEncoder().encode("123456789")), 0xe9c6d914c4b8d9can);
  const random = prng(7);
  for (let t = 0; t < 500; t++) {
    const alphabet = 1 + Math.floor(random() * 20);
    const input = Uint8Array.from(
      { length: Math.floor(random() * 5000) },
      () => Math.floor(random() * alphabet),
    );
    const packed = lzfCompress(input);
    if (packed === null) continue;
    assert(packed.length <= input.length - 4);
    assertEquals(lzfDecompress(packed, input.length), input);
  }
  assertEquals(lzfCompress(new TextEncoder().encode("abcdefghijklmnopqrstuvwxyz")), null);
  assertEquals(lzfDecompress(Uint8Array.of(0x20, 0x00), 5), null, "a reference before the start");
});

Deno.test("rdb: listpacks and intsets keep every integer width and binary strings", () => {
  const items = [
    "0",
    "127",
    "128",
    "-1",
    "-4096",
    "4095",
    "4096",
    "-32768",
    "32767",
    "40000",
    "-8388608",
    "8388607",
    "2147483647",
    "-2147483648",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "01",
    "-0",
    "",
    "x".repeat(63),
    "y".repeat(64),
    "z".repeat(5000),
    ALL_BYTES,
  ];
  const builder = new ListpackBuilder();
  for (const item of items) builder.add(item);
  assertEquals(parseListpack(builder.finish()), items);
  for (const members of [["1", "-5"], ["70000", "3"], ["9223372036854775807", "-1"]]) {
    assertEquals(
      parseIntset(buildIntset(members)),
      [...members].sort((a, b) => Number(BigInt(a) - BigInt(b) > 0n) * 2 - 1),
    );
  }
});

/** A ziplist of strings (each under 64 bytes) and one small immediate integer (7). */
function ziplist(strings: string[]): number[] {
  const entries: number[] = [];
  let previous = 0;
  for (const text of [...strings, "\u0000int7"]) {
    const entry = text === "\u0000int7"
      ? [previous, 0xf1 + 7]
      : [previous, text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
    entries.push(...entry);
    previous = entry.length;
  }
  const total = 10 + entries.length + 1;
  const count = strings.length + 1;
  return [...u32(total), ...u32(0), count & 0xff, count >> 8, ...entries, 0xff];
}

function u32(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
}

/** An RDB file (version 9, as Redis 6 wrote) holding the given key records as raw bytes. */
function oldFile(records: number[][]): Uint8Array {
  const body = [...Array.from("REDIS0009", (c) => c.charCodeAt(0)), 0xfe, 0];
  for (const record of records) body.push(...record);
  body.push(0xff);
  const crc = crc64(Uint8Array.from(body));
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setBigUint64(0, crc, true);
  return Uint8Array.from([...body, ...tail]);
}

function rdbString(text: string): number[] {
  return [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
}

function blob(bytes: number[]): number[] {
  return bytes.length < 64
    ? [bytes.length, ...bytes]
    : [0x40 | (bytes.length >> 8), bytes.length & 0xff, ...bytes];
}

Deno.test("rdb: encodings of older Redis versions load (ziplist, zipmap, quicklist v1, ZSET)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const zipmap = [2, 1, 0x66, 1, 0, 0x76, 1, 0x67, 2, 1, 0x77, 0x77, 0, 0xff]; // f=v, g=ww
    await Deno.writeFile(
      `${dir}/dump.rdb`,
      oldFile([
        [10, ...rdbString("list-ziplist"), ...blob(ziplist(["a", "bb"]))],
        [
          14,
          ...rdbString("list-quicklist"),
          2,
          ...blob(ziplist(["x"])),
          ...blob(ziplist(["y", "z"])),
        ],
        [13, ...rdbString("hash-ziplist"), ...blob(ziplist(["f1", "v1", "f2"]))],
        [12, ...rdbString("zset-ziplist"), ...blob(ziplist(["m1", "1.5", "m2"]))],
        [9, ...rdbString("hash-zipmap"), ...blob(zipmap)],
        [
          3,
          ...rdbString("zset-old"),
          3,
          ...rdbString("a"),
          3,
          0x31,
          0x2e,
          0x35,
          ...rdbString("b"),
          254,
          ...rdbString("c"),
          255,
        ],
        [1, ...rdbString("list-old"), 2, ...rdbString("p"), 0xc0, 0xfb],
        [0, ...rdbString("str"), 0xc1, 0x39, 0x30],
      ]),
    );
    const redeno = await startRedeno({ dir });
    try {
      const client = await RespClient.connect(redeno.port);
      assertEquals(await client.call("LRANGE", "list-ziplist", "0", "-1"), ["a", "bb", "7"]);
      assertEquals(await client.call("LRANGE", "list-quicklist", "0", "-1"), [
        "x",
        "7",
        "y",
        "z",
        "7",
      ]);
      assertEquals(await client.call("HGETALL", "hash-ziplist"), ["f1", "v1", "f2", "7"]);
      assertEquals(await client.call("ZRANGE", "zset-ziplist", "0", "-1", "WITHSCORES"), [
        "m1",
        "1.5",
        "m2",
        "7",
      ]);
      assertEquals(await client.call("HGETALL", "hash-zipmap"), ["f", "v", "g", "ww"]);
      assertEquals(await client.call("ZRANGE", "zset-old", "0", "-1", "WITHSCORES"), [
        "c",
        "-inf",
        "a",
        "1.5",
        "b",
        "inf",
      ]);
      assertEquals(await client.call("LRANGE", "list-old", "0", "-1"), ["p", "-5"]);
      assertEquals(await client.call("GET", "str"), "12345");
      client.close();
    } finally {
      await redeno.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function saveDataset(dir: string, settings: Record<string, string>): Promise<string[]> {
  const redeno = await startRedeno({ ...DEBUG, ...settings, dir });
  try {
    const client = await RespClient.connect(redeno.port);
    await build(client, datasetCommands());
    const expected = await fingerprint(client);
    assertEquals(await client.raw("SAVE"), "+OK\r\n");
    client.close();
    return expected;
  } finally {
    await redeno.close();
  }
}

for (
  const settings of [
    {},
    { rdbcompression: "no" },
    { rdbchecksum: "no" },
    { "list-max-listpack-size": "-5", "zset-max-listpack-entries": "0" },
  ] as Record<string, string>[]
) {
  Deno.test(`rdb: every type saves and loads back ${JSON.stringify(settings)}`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const expected = await saveDataset(dir, settings);
      const redeno = await startRedeno({ ...DEBUG, ...settings, dir });
      try {
        const client = await RespClient.connect(redeno.port);
        assertEquals(await fingerprint(client), expected);
        const info = await client.call("INFO", "persistence") as string;
        assert(/rdb_last_load_keys_loaded:[1-9]\d+\r\n/.test(info), info);
        client.close();
      } finally {
        await redeno.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("rdb: keys that expired while saved are not loaded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await startRedeno({ dir });
    const client = await RespClient.connect(first.port);
    await client.raw("SET", "short", "v", "PX", "30");
    await client.raw("SET", "long", "v", "EX", "100");
    await client.raw("SAVE");
    client.close();
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const second = await startRedeno({ dir });
    try {
      assertEquals(second.keys(), ["long"]);
      const c2 = await RespClient.connect(second.port);
      const info = await c2.call("INFO", "persistence") as string;
      assert(/rdb_last_load_keys_expired:1\r\n/.test(info) && /keys_loaded:1\r\n/.test(info));
      c2.close();
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rdb: damaged files are refused with Redis's messages, never half-loaded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveDataset(dir, {});
    const good = await Deno.readFile(`${dir}/dump.rdb`);
    const refusal = async (bytes: Uint8Array, message: RegExp) => {
      await Deno.writeFile(`${dir}/dump.rdb`, bytes);
      await rejects(startRedeno({ dir }), message);
    };
    for (const cut of [10, 100, 1000, good.length >> 1, good.length - 9, good.length - 3]) {
      await refusal(good.subarray(0, cut), /Short read or OOM loading DB|Internal error in RDB/);
    }
    const flipped = good.slice();
    flipped[good.length >> 1] ^= 0x40;
    await refusal(flipped, /Wrong RDB checksum|Internal error in RDB|Short read/);
    const body = good.slice();
    body[good.length - 12] ^= 0x01; // inside the last value: only the checksum can tell
    await refusal(body, /Wrong RDB checksum expected/);
    await refusal(new TextEncoder().encode("NOTREDIS0010"), /Wrong signature/);
    const newer = good.slice();
    newer.set(new TextEncoder().encode("0011"), 5);
    await refusal(newer, /Can't handle RDB format version 0011/);
    // A file that says it holds more dbs than the server has.
    const writer = new RdbFileWriter({
      compression: true,
      checksum: true,
      listMaxListpackSize: -2,
    });
    writer.header([]);
    writer.selectDb(20, 1, 0);
    writer.key({ key: "k", value: "v" });
    const head = writer.take().slice();
    writer.finish();
    await refusal(
      Uint8Array.from([...head, ...writer.take()]),
      /configured to handle more than 16 databases/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rdb: BGSAVE writes the dataset as it was when it started", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const redeno = await startRedeno({ ...DEBUG, dir, "list-max-listpack-size": "128" });
    let expected: string;
    try {
      const client = await RespClient.connect(redeno.port);
      await client.raw("DEBUG", "POPULATE", "20000", "key", "20");
      await build(client, [
        ["RPUSH", "list", ...Array.from({ length: 500 }, (_, i) => String(i))],
        ["HSET", "hash", "a", "1"],
        ["SET", "ttl", "v", "EX", "1000"],
        ["SELECT", "3"],
        ["SET", "db3", "x"],
        ["SELECT", "5"],
        ["SET", "db5", "y"],
        ["SELECT", "0"],
      ]);
      expected = await client.raw("DEBUG", "DIGEST");
      // The first changes arrive with BGSAVE in one batch: before the walk reaches anything.
      const first: string[][] = [
        ["BGSAVE"],
        ["SET", "key:1", "changed"],
        ["SET", "key:19999", "changed"],
        ["DEL", "key:2", "key:19998"],
        ["SET", "new-key", "new"],
        ["RPUSH", "list", "more"],
        ["HSET", "hash", "b", "2"],
        ["SELECT", "3"],
        ["FLUSHDB"],
        ["SELECT", "0"],
      ];
      await client.write(concat(first.map((command) => RespClient.encode(command))));
      assertEquals(await client.readRaw(), "+Background saving started\r\n");
      for (let i = 1; i < first.length; i++) await client.readRaw();
      const info = await client.call("INFO", "persistence") as string;
      assert(/rdb_bgsave_in_progress:1/.test(info), "the save still runs while clients write");
      // The rest while the walk is under way.
      await build(client, [
        ["LPOP", "list"],
        ["PERSIST", "ttl"],
        ["EXPIRE", "key:3", "1000"],
        ["RENAME", "key:4", "renamed"],
        ["SELECT", "3"],
        ["SET", "db3-new", "x"],
        ["SELECT", "0"],
        ["SWAPDB", "5", "6"],
        ["SET", "key:5", "changed"],
        ["SET", "key:15000", "changed"],
      ]);
      await waitFor(
        async () =>
          /rdb_bgsave_in_progress:0/.test(await client.call("INFO", "persistence") as string),
        20_000,
      );
      assert(/rdb_last_bgsave_status:ok/.test(await client.call("INFO", "persistence") as string));
      assert((await client.raw("DEBUG", "DIGEST")) !== expected, "the dataset did change");
      client.close();
    } finally {
      await redeno.close();
    }
    const reloaded = await startRedeno({ ...DEBUG, dir });
    try {
      const client = await RespClient.connect(reloaded.port);
      assertEquals(await client.raw("DEBUG", "DIGEST"), expected);
      client.close();
    } finally {
      await reloaded.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
