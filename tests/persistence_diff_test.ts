/**
 * DUMP, RESTORE, SAVE, BGSAVE and LASTSAVE against redis-server 7.0.15: values DUMPed by one
 * server RESTORE in the other with the same contents (DEBUG DIGEST-VALUE, or XINFO FULL for
 * streams), small values' payloads are byte-identical, and the replies and errors match.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Crc64 } from "../src/persistence/crc64.ts";
import type { RespClient } from "./support/resp_client.ts";
import { type Command, ServerPair, waitFor } from "./support/servers.ts";
import { build, datasetCommands } from "./support/rdb_dataset.ts";

async function startPair(dir: string): Promise<ServerPair> {
  return await ServerPair.start(
    { "enable-debug-command": "yes", dir: `${dir}/redeno` },
    ["--enable-debug-command", "yes", "--dir", `${dir}/redis`],
  );
}

async function withPair(fn: (pair: ServerPair) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/redeno`);
  await Deno.mkdir(`${dir}/redis`);
  const pair = await startPair(dir);
  try {
    await fn(pair);
  } finally {
    await pair.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A bulk reply's payload (latin1), or null for a null bulk. */
function bulkBody(raw: string): string | null {
  if (raw.startsWith("$-1")) return null;
  return raw.slice(raw.indexOf("\r\n") + 2, -2);
}

async function contents(client: RespClient, key: string): Promise<string> {
  const type = await client.raw("TYPE", key);
  if (type === "+stream\r\n") return await client.raw("XINFO", "STREAM", key, "FULL");
  return type + await client.raw("DEBUG", "DIGEST-VALUE", key);
}

/** A payload with a correct version and checksum around `body`. */
function payload(body: number[], version = 10): Uint8Array {
  const bytes = [...body, version & 0xff, version >> 8];
  const crc = new Crc64();
  crc.update(Uint8Array.from(bytes));
  return Uint8Array.from([...bytes, ...crc.bytes()]);
}

Deno.test("persistence: DUMP in one server, RESTORE in the other, every type", async () => {
  await withPair(async (pair) => {
    const [ours, theirs] = await pair.connect();
    try {
      const commands = datasetCommands().filter((command) => command[0] !== "SELECT");
      await build(ours, commands);
      await build(theirs, commands);
      const keys = (await theirs.call("KEYS", "*") as string[]).sort();
      assert(keys.length > 20);
      for (const key of keys) {
        const [fromOurs, fromTheirs] = [await ours.raw("DUMP", key), await theirs.raw("DUMP", key)];
        for (
          const [client, dumped] of [[ours, fromTheirs], [theirs, fromOurs]] as const
        ) {
          const body = bulkBody(dumped)!;
          const ttl = Math.max(0, Number(await theirs.call("PTTL", key)));
          const reply = await client.raw(
            "RESTORE",
            `copy:${key}`,
            String(ttl),
            Uint8Array.from(body, (c) => c.charCodeAt(0)),
          );
          assertEquals(reply, "+OK\r\n", `RESTORE of ${key}`);
        }
        assertEquals(
          await contents(ours, `copy:${key}`),
          await contents(theirs, key),
          `Redis's ${key} restored in Redeno`,
        );
        assertEquals(
          await contents(theirs, `copy:${key}`),
          await contents(ours, key),
          `Redeno's ${key} restored in Redis`,
        );
      }
      // Values serialize byte for byte as Redis does (LZF aside: compressors may differ).
      await ours.raw("CONFIG", "SET", "rdbcompression", "no");
      await theirs.raw("CONFIG", "SET", "rdbcompression", "no");
      for (
        const key of [
          "str:small",
          "str:int8",
          "str:int16",
          "str:int32",
          "str:int64",
          "str:binary",
          "list:small",
          "hash:small",
          "set:int16",
          "set:int32",
          "set:int64",
          "zset:small",
          "stream:plain",
        ]
      ) {
        assertEquals(await ours.raw("DUMP", key), await theirs.raw("DUMP", key), `DUMP ${key}`);
      }
    } finally {
      ours.close();
      theirs.close();
    }
  });
});

Deno.test("persistence: RESTORE's options and errors match Redis", async () => {
  await withPair(async (pair) => {
    const good = payload([0, 5, ...Array.from("hello", (c) => c.charCodeAt(0))]);
    const commands: Command[] = [
      ["DUMP", "missing"],
      ["RESTORE", "k", "0", good],
      ["GET", "k"],
      ["RESTORE", "k", "0", good],
      ["RESTORE", "k", "0", good, "REPLACE"],
      ["RESTORE", "k", "abc", good, "REPLACE"],
      ["RESTORE", "k", "-1", good, "REPLACE"],
      ["RESTORE", "k2", "-1", good],
      ["RESTORE", "k2", "0", "garbage"],
      ["RESTORE", "k2", "0", "short"],
      ["RESTORE", "k2", "0", payload([0, 5, 104, 105], 10)],
      ["RESTORE", "k2", "0", payload([0, 5, ...Array.from("hello", (c) => c.charCodeAt(0))], 11)],
      ["RESTORE", "k2", "0", payload([18, 0])],
      ["RESTORE", "k2", "0", payload([200, 1, 65])],
      ["RESTORE", "k2", "0", good, "BOGUS"],
      ["RESTORE", "k2", "0", good, "IDLETIME"],
      ["RESTORE", "k2", "0", good, "IDLETIME", "-1"],
      ["RESTORE", "k2", "0", good, "IDLETIME", "x"],
      ["RESTORE", "k2", "0", good, "FREQ", "256"],
      ["RESTORE", "k2", "0", good, "FREQ", "10", "IDLETIME", "5"],
      ["RESTORE", "k2", "0", good, "IDLETIME", "5", "FREQ", "10"],
      ["RESTORE", "k2", "0", good, "FREQ", "10"],
      ["EXISTS", "k2"],
      ["RESTORE", "k3", "1", good, "ABSTTL"],
      ["EXISTS", "k3"],
      ["RESTORE", "k", "1", good, "ABSTTL", "REPLACE"],
      ["EXISTS", "k"],
      ["RESTORE", "k4", "100000", good],
      ["PTTL", "k4"],
      ["RESTORE", "k5", "99999999999999", good, "ABSTTL"],
      ["PEXPIRETIME", "k5"],
      ["RESTORE", "k6", "0", good, "ABSTTL", "REPLACE", "IDLETIME", "100"],
      ["TYPE", "k6"],
      ["DUMP", "k6"],
    ];
    await pair.compareBoth(commands, {
      // PTTL right after RESTORE: within a few ms of the TTL.
      normalize: (raw, command) =>
        command[0] === "PTTL" ? raw.replace(/^:(9999\d|100000)\r\n$/, ":~100000\r\n") : raw,
    });
  });
});

Deno.test("persistence: SAVE, BGSAVE and LASTSAVE answer as Redis", async () => {
  await withPair(async (pair) => {
    const inProgress = async (client: RespClient) =>
      /rdb_bgsave_in_progress:1/.test(await client.call("INFO", "persistence") as string);
    await pair.compare([
      ["SET", "k", "v"],
      ["SAVE"],
      ["SAVE", "extra"],
      ["BGSAVE", "now"],
      ["BGSAVE", "SCHEDULE", "x"],
    ]);
    const [ours, theirs] = await pair.connect();
    try {
      for (const client of [ours, theirs]) {
        const lastSave = Number(await client.call("LASTSAVE"));
        assert(Math.abs(lastSave - Date.now() / 1000) < 5, `LASTSAVE ${lastSave}`);
        assertEquals(await client.raw("BGSAVE"), "+Background saving started\r\n");
        await waitFor(async () => !(await inProgress(client)), 5000, "BGSAVE to finish");
        assertEquals(await client.raw("BGSAVE", "SCHEDULE"), "+Background saving started\r\n");
        await waitFor(async () => !(await inProgress(client)), 5000, "BGSAVE to finish");
        await client.raw("MULTI");
        await client.raw("BGSAVE");
        assertEquals(await client.raw("EXEC"), "*1\r\n+Background saving scheduled\r\n");
        await waitFor(
          async () => {
            const info = await client.call("INFO", "persistence") as string;
            return /rdb_saves:4\r\n/.test(info) && /rdb_bgsave_in_progress:0/.test(info);
          },
          5000,
          "the scheduled BGSAVE",
        );
        const info = await client.call("INFO", "persistence") as string;
        assert(/rdb_last_bgsave_status:ok\r\n/.test(info), info);
        assert(/rdb_changes_since_last_save:0\r\n/.test(info), info);
        const dirty = async () =>
          /rdb_changes_since_last_save:(\d+)/.exec(
            await client.call("INFO", "persistence") as string,
          )![1];
        const seen: string[] = [];
        await client.raw("SET", "a", "1");
        await client.raw("SET", "b", "2");
        seen.push(await dirty());
        // FLUSHALL counts removed keys; with save rules it saves at once (dirty back to 0).
        await client.raw("FLUSHALL");
        seen.push(await dirty());
        await client.raw("CONFIG", "SET", "save", "3600 1");
        await client.raw("SET", "c", "3");
        await client.raw("FLUSHALL");
        seen.push(await dirty());
        const after = await client.call("INFO", "persistence") as string;
        assert(/rdb_saves:4\r\n/.test(after), after);
        assertEquals(seen, ["2", "5", "0"]);
        await client.raw("CONFIG", "SET", "save", "");
      }
    } finally {
      ours.close();
      theirs.close();
    }
  });
});

Deno.test("persistence: DEBUG RELOAD keeps the data and answers as Redis", async () => {
  await withPair(async (pair) => {
    await pair.compare([
      ["SET", "k", "v"],
      ["RPUSH", "l", "a", "b"],
      ["SET", "t", "x", "EX", "1000"],
      ["DEBUG", "DIGEST"],
      ["DEBUG", "RELOAD"],
      ["DEBUG", "DIGEST"],
      ["DEBUG", "RELOAD", "BOGUS"],
      ["SET", "k2", "v2"],
      ["DEBUG", "RELOAD", "NOSAVE"],
      ["EXISTS", "k2"],
      ["SET", "k", "changed"],
      ["SET", "k3", "x"],
      ["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"],
      ["GET", "k"],
      ["GET", "k3"],
      ["DEBUG", "DIGEST"],
    ]);
  });
});
