/**
 * RDB files between Redeno and redis-server 7.0.15, both ways: what Redeno saves passes
 * `redis-check-rdb` and loads into redis-server with the same data (DEBUG DIGEST, streams'
 * XINFO FULL), and what redis-server saves loads into Redeno with the same data. Every type in
 * every encoding, with compression and checksums on and off.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, startRedis } from "./support/servers.ts";
import { build, datasetCommands, fingerprint } from "./support/rdb_dataset.ts";

const DEBUG = { "enable-debug-command": "yes" };

async function checkRdb(path: string): Promise<string> {
  const output = await new Deno.Command("redis-check-rdb", { args: [path] }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert(output.success && text.includes("RDB looks OK"), `redis-check-rdb ${path}:\n${text}`);
  return text;
}

for (
  const settings of [
    {},
    { rdbcompression: "no" },
    { rdbchecksum: "no" },
    { "list-max-listpack-size": "5", "hash-max-listpack-entries": "1000" },
  ] as Record<string, string>[]
) {
  Deno.test(`rdb interop: Redeno's file loads into redis-server ${JSON.stringify(settings)}`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const redeno = await startRedeno({ ...DEBUG, ...settings, dir });
      let expected: string[];
      try {
        const client = await RespClient.connect(redeno.port);
        await build(client, datasetCommands());
        expected = await fingerprint(client);
        assertEquals(await client.raw("SAVE"), "+OK\r\n");
        client.close();
      } finally {
        await redeno.close();
      }
      const report = await checkRdb(`${dir}/dump.rdb`);
      assert(
        report.includes(
          settings.rdbchecksum === "no"
            ? "RDB file was saved with checksum disabled"
            : "Checksum OK",
        ),
        report,
      );
      const redisArgs = ["--dir", dir, "--enable-debug-command", "yes"];
      for (const [name, value] of Object.entries(settings)) redisArgs.push(`--${name}`, value);
      const redis = await startRedis(redisArgs);
      try {
        const client = await RespClient.connect(redis.port);
        assertEquals(await fingerprint(client), expected);
        client.close();
      } finally {
        await redis.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("rdb interop: redis-server's file loads into Redeno", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const redis = await startRedis(["--dir", dir, "--enable-debug-command", "yes"]);
    let expected: string[];
    try {
      const client = await RespClient.connect(redis.port);
      await build(client, datasetCommands());
      expected = await fingerprint(client);
      assertEquals(await client.raw("SAVE"), "+OK\r\n");
      client.close();
    } finally {
      await redis.close();
    }
    const redeno = await startRedeno({ ...DEBUG, dir });
    try {
      const client = await RespClient.connect(redeno.port);
      assertEquals(await fingerprint(client), expected);
      // Encodings follow the limits, as after Redis loads the file.
      for (
        const [key, encoding] of [
          ["hash:small", "listpack"],
          ["hash:many", "hashtable"],
          ["set:int16", "intset"],
          ["set:strings", "hashtable"],
          ["zset:small", "listpack"],
          ["zset:big", "skiplist"],
          ["str:int16", "int"],
        ]
      ) {
        assertEquals(
          await client.raw("OBJECT", "ENCODING", key),
          `$${encoding.length}\r\n${encoding}\r\n`,
          key,
        );
      }
      client.close();
    } finally {
      await redeno.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
