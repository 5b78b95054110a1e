/**
 * Stopping and restarting `main.ts` as a process: SIGTERM saves when `save` rules exist and the
 * restart has the data back; SHUTDOWN's variants close the connection without a reply and save
 * (or not) as asked; a save that fails keeps the server up unless FORCE; a damaged dump file
 * stops the start with Redis's message; SHUTDOWN's errors match redis-server's.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { freePort, RawConn, RedenoProcess, REPO_ROOT } from "./e2e_support.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, startRedis } from "./support/servers.ts";

const PERMISSIONS = ["--allow-read", "--allow-write"];
const MAIN = `${REPO_ROOT}main.ts`;

function spawn(dir: string, port: number, args: string[] = []): RedenoProcess {
  return RedenoProcess.spawn(["--port", String(port), "--bind", "127.0.0.1", ...args], {
    entry: MAIN,
    cwd: dir,
    permissions: PERMISSIONS,
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("shutdown: SIGTERM saves with the default save rules and a restart has the data", async () => {
  await withDir(async (dir) => {
    const port = freePort();
    const first = spawn(dir, port);
    try {
      await first.ready();
      const client = await RespClient.connect(port);
      assertEquals(await client.call("CONFIG", "GET", "save"), ["save", "3600 1 300 100 60 10000"]);
      await client.raw("SET", "k", "v");
      await client.raw("RPUSH", "l", "a", "b");
      await client.raw("SET", "t", "x", "EX", "1000");
      client.close();
      first.kill("SIGTERM");
      assertEquals((await first.exited()).code, 0);
      assertMatch(first.stdout, /Saving the final RDB snapshot before exiting/);
      assert(await exists(`${dir}/dump.rdb`), "dump.rdb written in the working directory");
    } finally {
      await first.stop();
    }
    const second = spawn(dir, port);
    try {
      await second.ready();
      assertMatch(second.stdout, /Done loading RDB, keys loaded: 3, keys expired: 0/);
      const client = await RespClient.connect(port);
      assertEquals(await client.call("GET", "k"), "v");
      assertEquals(await client.call("LRANGE", "l", "0", "-1"), ["a", "b"]);
      assert(Number(await client.call("TTL", "t")) > 990);
      client.close();
    } finally {
      await second.stop();
    }
  });
});

Deno.test("shutdown: SHUTDOWN closes without a reply; NOSAVE and SAVE decide the file", async () => {
  await withDir(async (dir) => {
    for (
      const [flags, args, saved] of [
        [["NOSAVE"], [], false],
        [[], ["--save", ""], false],
        [["SAVE"], ["--save", ""], true],
        [["NOW", "FORCE"], [], true],
      ] as Array<[string[], string[], boolean]>
    ) {
      await Deno.remove(`${dir}/dump.rdb`).catch(() => {});
      const port = freePort();
      const server = spawn(dir, port, args);
      try {
        await server.ready();
        const client = await RespClient.connect(port);
        await client.raw("SET", "k", "v");
        client.close();
        const conn = await RawConn.connect(port);
        await conn.write(`SHUTDOWN ${flags.join(" ")}\r\n`);
        await conn.waitForClose(10_000);
        assertEquals(conn.text(), "", `SHUTDOWN ${flags} sends no reply`);
        await conn.close();
        assertEquals((await server.exited()).code, 0);
        assertEquals(await exists(`${dir}/dump.rdb`), saved, `SHUTDOWN ${flags} ${args}`);
      } finally {
        await server.stop();
      }
    }
  });
});

Deno.test("shutdown: a failed save keeps the server up unless FORCE", async () => {
  await withDir(async (dir) => {
    const data = `${dir}/data`;
    await Deno.mkdir(data);
    const port = freePort();
    const server = spawn(dir, port, ["--dir", data]);
    try {
      await server.ready();
      await Deno.remove(data, { recursive: true });
      const client = await RespClient.connect(port);
      assertEquals(
        await client.raw("SHUTDOWN"),
        "-ERR Errors trying to SHUTDOWN. Check logs.\r\n",
      );
      assertEquals(await client.raw("PING"), "+PONG\r\n");
      await client.write("SHUTDOWN FORCE\r\n");
      assertEquals((await server.exited()).code, 0);
      client.close();
    } finally {
      await server.stop();
    }
  });
});

Deno.test("shutdown: a damaged dump file stops the start with Redis's message", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(
      `${dir}/dump.rdb`,
      Uint8Array.from("REDIS0010\xfa", (c) => c.charCodeAt(0)),
    );
    const server = spawn(dir, freePort());
    try {
      const status = await server.exited();
      assertEquals(status.code, 1);
      assertMatch(
        server.stderr,
        /Short read or OOM loading DB. Unrecoverable error, aborting now./,
      );
    } finally {
      await server.stop();
    }
  });
});

Deno.test("shutdown: an embedded server stops on SHUTDOWN; errors match redis-server", async () => {
  const redeno = await startRedeno();
  const redis = await startRedis();
  try {
    const [ours, theirs] = await Promise.all([
      RespClient.connect(redeno.port),
      RespClient.connect(redis.port),
    ]);
    for (
      const command of [
        ["SHUTDOWN", "ABORT"],
        ["SHUTDOWN", "SAVE", "NOSAVE"],
        ["SHUTDOWN", "ABORT", "NOW"],
        ["SHUTDOWN", "BOGUS"],
        ["MULTI"],
        ["SHUTDOWN"],
        ["DISCARD"],
      ]
    ) {
      assertEquals(await ours.raw(...command), await theirs.raw(...command), command.join(" "));
    }
    theirs.close();
    await ours.write("SHUTDOWN NOSAVE\r\n");
    await redeno.closed;
    ours.close();
  } finally {
    await redeno.close();
    await redis.close();
  }
});
