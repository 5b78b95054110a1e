/**
 * The append-only file: every type survives a restart, BGREWRITEAOF while writing, truncated and
 * corrupt files, and the same appendonlydir loaded by redis-server and by Redeno both ways
 * (compared with DEBUG DIGEST).
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { startServer } from "../src/server/server.ts";
import { Logger } from "../src/server/log.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedis } from "./support/servers.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

function quietLogger(lines: string[] = []): Logger {
  return new Logger("notice", (line) => lines.push(line));
}

function start(dir: string, extra: Record<string, string> = {}, lines: string[] = []) {
  return startServer({
    port: 0,
    dir,
    appendonly: "yes",
    save: "",
    "enable-debug-command": "yes",
    logger: quietLogger(lines),
    ...extra,
  });
}

/** Writes keys of every type, with and without deadlines, in two dbs. */
async function writeEveryType(client: RespClient, withStreams = true): Promise<void> {
  const commands: string[][] = [
    ["SET", "str", "hello\x00\xff"],
    ["SET", "num", "12345"],
    ["SET", "ttl", "x", "EX", "1000"],
    ["RPUSH", "list", "a", "b", "c"],
    ["HSET", "hash", "f1", "v1", "f2", "v2"],
    ["SADD", "set", "1", "2", "3"],
    ["SADD", "sset", "a", "b"],
    ["ZADD", "zset", "1.5", "a", "2", "b"],
    ["XADD", "stream", "*", "f", "v"],
    ["XADD", "stream", "*", "f", "w"],
    ["XGROUP", "CREATE", "stream", "g", "0"],
    ["PFADD", "hll", "a", "b", "c"],
    ["INCRBYFLOAT", "float", "1.25"],
    ["HINCRBYFLOAT", "hash", "f3", "0.5"],
    ["EXPIRE", "list", "500"],
    ["SELECT", "3"],
    ["SET", "other", "db3"],
    ["SELECT", "0"],
    ["MULTI"],
    ["INCR", "counter"],
    ["LPUSH", "list2", "x"],
    ["EXEC"],
  ];
  for (const argv of commands) {
    if (argv[0].startsWith("X") && !withStreams) continue;
    await client.call(...argv);
  }
}

Deno.test({
  name: "aof: every type survives a restart, and BGREWRITEAOF keeps it (both base forms)",
  ...options,
  async fn() {
    for (const preamble of ["yes", "no"]) {
      const dir = await Deno.makeTempDir();
      try {
        let server = await start(dir, { "aof-use-rdb-preamble": preamble });
        let client = await RespClient.connect(server.port);
        await writeEveryType(client);
        const digest = await client.call("DEBUG", "DIGEST");
        client.close();
        await server.close();
        server = await start(dir, { "aof-use-rdb-preamble": preamble });
        client = await RespClient.connect(server.port);
        assertEquals(await client.call("DEBUG", "DIGEST"), digest);
        assertEquals(
          await client.call("BGREWRITEAOF"),
          "Background append only file rewriting started",
        );
        // Writes continue during the rewrite and land in the new incr file.
        for (let i = 0; i < 200; i++) await client.call("INCR", "during");
        await waitUntil(async () =>
          String(await client.call("INFO", "persistence")).includes("aof_rewrite_in_progress:0")
        );
        const after = await client.call("DEBUG", "DIGEST");
        client.close();
        await server.close();
        const names = [...Deno.readDirSync(`${dir}/appendonlydir`)].map((entry) => entry.name)
          .sort();
        const ext = preamble === "yes" ? "rdb" : "aof";
        assertEquals(names, [
          `appendonly.aof.2.base.${ext}`,
          "appendonly.aof.2.incr.aof",
          "appendonly.aof.manifest",
        ]);
        assertEquals(
          Deno.readTextFileSync(`${dir}/appendonlydir/appendonly.aof.manifest`),
          `file appendonly.aof.2.base.${ext} seq 2 type b\n` +
            "file appendonly.aof.2.incr.aof seq 2 type i\n",
        );
        server = await start(dir, { "aof-use-rdb-preamble": preamble });
        client = await RespClient.connect(server.port);
        assertEquals(await client.call("DEBUG", "DIGEST"), after);
        assertEquals(await client.call("GET", "during"), "200");
        client.close();
        await server.close();
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  },
});

Deno.test({
  name: "aof: a truncated last command is dropped with Redis's warnings; a corrupt file refuses",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      let server = await start(dir);
      let client = await RespClient.connect(server.port);
      await client.call("SET", "a", "1");
      await client.call("SET", "b", "2");
      client.close();
      await server.close();
      const incr = `${dir}/appendonlydir/appendonly.aof.1.incr.aof`;
      const good = Deno.readFileSync(incr);
      Deno.writeFileSync(incr, new TextEncoder().encode("*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1"), {
        append: true,
      });
      const lines: string[] = [];
      server = await start(dir, {}, lines);
      client = await RespClient.connect(server.port);
      assertEquals(await client.call("MGET", "a", "b", "c"), ["1", "2", null]);
      assert(lines.some((line) => line.includes("!!! Warning: short read while loading the AOF")));
      assert(lines.some((line) => line.includes(`Truncating the AOF appendonly.aof.1.incr.aof`)));
      assertEquals(Deno.statSync(incr).size, good.length);
      client.close();
      await server.close();
      // An unfinished MULTI is dropped as a whole.
      Deno.writeFileSync(
        incr,
        new TextEncoder().encode("*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n"),
        {
          append: true,
        },
      );
      server = await start(dir);
      client = await RespClient.connect(server.port);
      assertEquals(await client.call("GET", "a"), "1");
      client.close();
      await server.close();
      assertEquals(Deno.statSync(incr).size, good.length);
      // Garbage in the middle: the server does not start.
      Deno.writeFileSync(incr, new TextEncoder().encode("garbage\r\n*1\r\n$4\r\nPING\r\n"), {
        append: true,
      });
      await rejects(start(dir), /Bad file format reading the append only file/);
      // With aof-load-truncated no, a cut file refuses too.
      Deno.writeFileSync(incr, good);
      Deno.writeFileSync(incr, new TextEncoder().encode("*2\r\n$3\r\nGET"), { append: true });
      await rejects(start(dir, { "aof-load-truncated": "no" }), /Unexpected end of file/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "aof: redis-server loads Redeno's appendonlydir and Redeno loads redis-server's",
  ...options,
  async fn() {
    for (const preamble of ["yes", "no"]) {
      const dir = await Deno.makeTempDir();
      try {
        const server = await start(dir, { "aof-use-rdb-preamble": preamble });
        const client = await RespClient.connect(server.port);
        // Streams digest differently in Redeno and redis-server (see the AOF report).
        await writeEveryType(client, false);
        await client.call("BGREWRITEAOF");
        await waitUntil(async () =>
          String(await client.call("INFO", "persistence")).includes("aof_rewrite_in_progress:0")
        );
        await client.call("SET", "after-rewrite", "1");
        const digest = await client.call("DEBUG", "DIGEST");
        client.close();
        await server.close();
        const check = await new Deno.Command("redis-check-aof", {
          args: [`${dir}/appendonlydir/appendonly.aof.manifest`],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert(check.success, new TextDecoder().decode(check.stdout));
        const redis = await startRedis([
          "--dir",
          dir,
          "--appendonly",
          "yes",
          "--enable-debug-command",
          "yes",
          "--aof-use-rdb-preamble",
          preamble,
        ]);
        const redisClient = await RespClient.connect(redis.port);
        try {
          assertEquals(await redisClient.call("DEBUG", "DIGEST"), digest);
          await redisClient.call("SET", "from-redis", "yes");
          await redisClient.call("RPUSH", "list", "more");
          await redisClient.call("BGREWRITEAOF");
          await waitUntil(async () =>
            String(await redisClient.call("INFO", "persistence"))
              .includes("aof_rewrite_in_progress:0")
          );
          await redisClient.call("SET", "after-redis-rewrite", "1");
          const redisDigest = await redisClient.call("DEBUG", "DIGEST");
          redisClient.close();
          await redis.close();
          const again = await start(dir, { "aof-use-rdb-preamble": preamble });
          const againClient = await RespClient.connect(again.port);
          assertEquals(await againClient.call("DEBUG", "DIGEST"), redisDigest);
          againClient.close();
          await again.close();
        } finally {
          redisClient.close();
          await redis.close();
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  },
});

Deno.test({
  name: "aof: CONFIG SET appendonly yes starts with a rewrite; INFO reports it",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const server = await start(dir, { appendonly: "no" });
      const client = await RespClient.connect(server.port);
      await client.call("SET", "before", "1");
      assert(String(await client.call("INFO", "persistence")).includes("aof_enabled:0"));
      assertEquals(await client.call("CONFIG", "SET", "appendonly", "yes"), "OK");
      await client.call("SET", "while", "1");
      await waitUntil(async () =>
        String(await client.call("INFO", "persistence")).includes("aof_enabled:1")
      );
      await client.call("SET", "after", "1");
      const info = String(await client.call("INFO", "persistence"));
      assert(info.includes("aof_rewrites:1"), info);
      assert(info.includes("aof_current_size:"), info);
      client.close();
      await server.close();
      const again = await start(dir);
      const againClient = await RespClient.connect(again.port);
      assertEquals(await againClient.call("MGET", "before", "while", "after"), ["1", "1", "1"]);
      againClient.close();
      await again.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
