/**
 * Connection limits, as Redis applies them: `client-output-buffer-limit` (its CONFIG format and
 * the disconnects it causes), `client-query-buffer-limit`, `proto-max-bulk-len`, `timeout`,
 * `maxclients`, `tcp-keepalive`, and CLIENT PAUSE / UNPAUSE. Where Redis's behaviour can be
 * seen on the wire, the same bytes are asked of redis-server; disconnects are checked end to end
 * with deadlines rather than sleeps.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { startServer } from "../src/server/server.ts";
import { Logger } from "../src/server/log.ts";
import { encodeCommand, RawConn } from "./e2e_support.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, startRedis, waitFor, withPair } from "./support/servers.ts";

/** Redeno with its log lines kept, for the lines Redis would write. */
async function startLogged(config: Record<string, string> = {}) {
  const logged: string[] = [];
  const server = await startServer({
    port: 0,
    bind: "127.0.0.1",
    loglevel: "verbose",
    ...config,
    logger: new Logger("verbose", (line) => logged.push(line)),
  });
  return { server, logged };
}

/** Runs `fn` against Redeno and then redis-server, each on a fresh port. */
async function onBoth(fn: (port: number, name: string) => Promise<void>): Promise<void> {
  await using redeno = await startRedeno();
  await fn(redeno.port, "redeno");
  const redis = await startRedis();
  try {
    await fn(redis.port, "redis");
  } finally {
    await redis.close();
  }
}

Deno.test("client-output-buffer-limit: CONFIG GET and SET read and write it as Redis does", async () => {
  const values = [
    "normal 1mb 2mb 60",
    "pubsub 1k 2K 3 replica 10 20 30",
    "NORMAL 1 2 3",
    "normal 1 2 3 normal 4 5 6",
    "slave 01 2 03",
    "pubsub 1 2 +3",
    "pubsub 1 2 4294967296",
    "pubsub 1 2 92233720368547758",
    "normal 18446744073709551616 0 0",
    "",
    // Refused, each with its own reason.
    "normal 1 2",
    "normal 1 2 3 ",
    "   ",
    "foo 1 2 3",
    "master 1 2 3",
    "normal x 2 3",
    "normal 1 2mbs 3",
    "normal +1 2 3",
    "normal -1 2 3",
    "normal 1 2 -3",
    "normal 1 2 3.5",
    "normal 1 2 0x10",
    "pubsub 1 2 2147483648",
    "pubsub 1 2 9223372036854775807",
    "pubsub 1 2 99999999999999999999",
  ];
  await withPair(async (pair) => {
    const commands = [["CONFIG", "GET", "client-output-buffer-limit"]];
    for (const value of values) {
      commands.push(["CONFIG", "SET", "client-output-buffer-limit", value]);
      commands.push(["CONFIG", "GET", "client-output-buffer-limit"]);
    }
    commands.push([
      "CONFIG",
      "SET",
      "client-output-buffer-limit",
      "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    ]);
    await pair.compare(commands);
  });
});

Deno.test("CLIENT PAUSE / UNPAUSE: replies and errors as Redis", async () => {
  await withPair(async (pair) => {
    await pair.compare([
      ["CLIENT", "PAUSE"],
      ["CLIENT", "PAUSE", "abc"],
      ["CLIENT", "PAUSE", "1.5"],
      ["CLIENT", "PAUSE", "-1"],
      ["CLIENT", "PAUSE", "99999999999999999999"],
      ["CLIENT", "PAUSE", "10", "foo"],
      ["CLIENT", "PAUSE", "10", "write", "extra"],
      ["CLIENT", "UNPAUSE", "extra"],
      ["CLIENT", "PAUSE", "0"],
      ["CLIENT", "PAUSE", "0", "WRITE"],
      ["CLIENT", "PAUSE", "0", "all"],
      ["CLIENT", "UNPAUSE"],
    ]);
  });
});

/** Sends a command on `conn` and reports whether its reply came within `ms`. */
async function answersWithin(conn: RawConn, argv: string[], ms: number): Promise<boolean> {
  const before = conn.length;
  await conn.write(encodeCommand(argv));
  try {
    await conn.waitForLength(before + 1, ms);
    return true;
  } catch {
    return false;
  }
}

Deno.test("CLIENT PAUSE WRITE holds writes (and PUBLISH, MULTI's writes), lets reads run", async () => {
  await onBoth(async (port, name) => {
    const admin = await RawConn.connect(port);
    const writer = await RawConn.connect(port);
    const reader = await RawConn.connect(port);
    const queued = await RawConn.connect(port);
    try {
      assertEquals(await admin.call(["SET", "k", "before"]), "+OK\r\n");
      assertEquals(await admin.call(["CLIENT", "PAUSE", "60000", "WRITE"]), "+OK\r\n");
      assert(!(await answersWithin(writer, ["SET", "k", "during"], 300)), `${name}: SET ran`);
      assertEquals(await reader.call(["GET", "k"]), "$6\r\nbefore\r\n", name);
      assert(!(await answersWithin(reader, ["PUBLISH", "c", "m"], 100)), `${name}: PUBLISH ran`);
      assertEquals(await queued.call(["MULTI"]), "+OK\r\n");
      assert(!(await answersWithin(queued, ["SET", "q", "1"], 100)), `${name}: SET queued`);
      // Held clients count as blocked and show the b flag, each with its held command.
      const info = await admin.call(["INFO", "clients"]);
      assert(info.includes("blocked_clients:3\r\n"), `${name}: ${info}`);
      const list = await admin.call(["CLIENT", "LIST"]);
      assertEquals(list.match(/flags=x?b /g)?.length, 3, `${name}: ${list}`);
      assert(list.includes("flags=b db=0") && list.includes("cmd=set "), `${name}: ${list}`);
      assertEquals(await admin.call(["CLIENT", "UNPAUSE"]), "+OK\r\n");
      await writer.waitForLength(5, 5000);
      assertEquals(writer.text(), "+OK\r\n");
      await reader.waitForLength(4, 5000);
      assertEquals(reader.text(), ":0\r\n", name);
      await queued.waitForLength(9, 5000);
      assertEquals(queued.text(), "+QUEUED\r\n");
      assertEquals(await queued.call(["EXEC"]), "*1\r\n+OK\r\n");
      assertEquals(await admin.call(["GET", "k"]), "$6\r\nduring\r\n");
      assertEquals(await admin.call(["DEL", "k", "q"]), ":2\r\n");
    } finally {
      await Promise.all([admin, writer, reader, queued].map((conn) => conn.close()));
    }
  });
});

Deno.test("CLIENT PAUSE ALL holds every command until its time is up", async () => {
  await onBoth(async (port, name) => {
    const admin = await RawConn.connect(port);
    const other = await RawConn.connect(port);
    try {
      assertEquals(await admin.call(["CLIENT", "PAUSE", "400", "ALL"]), "+OK\r\n");
      let started = Date.now();
      // Every client waits, even for PING; so would CLIENT UNPAUSE (as in Redis).
      assertEquals(await other.call(["PING"], 10_000), "+PONG\r\n");
      let waited = Date.now() - started;
      assert(waited >= 300, `${name}: PING answered after ${waited} ms`);
      // A later, shorter pause keeps the later end; the mode is the last one given.
      assertEquals(await admin.call(["CLIENT", "PAUSE", "1500", "WRITE"]), "+OK\r\n");
      assertEquals(await admin.call(["CLIENT", "PAUSE", "10", "ALL"]), "+OK\r\n");
      started = Date.now();
      // A held client that hangs up is let go without running its command.
      const held = await RawConn.connect(port);
      await held.write(encodeCommand(["SET", "never", "1"]));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await held.close();
      assertEquals(await other.call(["GET", "x"], 10_000), "$-1\r\n");
      waited = Date.now() - started;
      assert(waited >= 1000, `${name}: GET answered after ${waited} ms`);
      assertEquals(await admin.call(["EXISTS", "never"]), ":0\r\n", name);
    } finally {
      await Promise.all([admin.close(), other.close()]);
    }
  });
});

Deno.test("client-output-buffer-limit: a pipelined reader of big replies that reads nothing is dropped", async () => {
  const { server, logged } = await startLogged();
  try {
    const admin = await RespClient.connect(server.port);
    assertEquals(
      await admin.raw("CONFIG", "SET", "client-output-buffer-limit", "normal 4mb 0 0"),
      "+OK\r\n",
    );
    await admin.raw("SET", "big", "x".repeat(256 * 1024));
    const greedy = await RawConn.connect(server.port, { read: false });
    // 100 MiB of replies asked for, 4 MiB allowed to wait.
    await greedy.write(encodeCommand(["GET", "big"]).repeat(400)).catch(() => {});
    await waitFor(() => server.clients.size === 1, 10_000, "the greedy client to be dropped");
    assert(
      logged.some((line) =>
        line.includes("scheduled to be closed ASAP for overcoming of output buffer limits.")
      ),
      logged.join("\n"),
    );
    // The limit counts replies handed to the socket and not yet written.
    const { rss } = Deno.memoryUsage();
    assert(rss < 1024 * 1024 * 1024, `rss ${rss}`);
    assertEquals(await admin.raw("PING"), "+PONG\r\n");
    admin.close();
    await greedy.close();
  } finally {
    await server.close();
  }
});

Deno.test("client-output-buffer-limit: the soft limit drops a client over it for longer than its seconds", async () => {
  await using server = await startRedeno();
  const admin = await RespClient.connect(server.port);
  assertEquals(
    await admin.raw("CONFIG", "SET", "client-output-buffer-limit", "normal 0 1mb 1"),
    "+OK\r\n",
  );
  await admin.raw("SET", "big", "x".repeat(512 * 1024));
  const slow = await RawConn.connect(server.port, { read: false });
  await slow.write(encodeCommand(["GET", "big"]).repeat(200)).catch(() => {});
  // omem shows what waits; the soft limit is over for a while before the tick drops it.
  await waitFor(
    async () => {
      const list = await admin.raw("CLIENT", "LIST");
      const omem = [...list.matchAll(/omem=(\d+)/g)].map((match) => Number(match[1]));
      return omem.some((bytes) => bytes >= 1024 * 1024) || server.clients.size === 1;
    },
    10_000,
    "a backlog to show in CLIENT LIST",
  );
  const started = Date.now();
  await waitFor(() => server.clients.size === 1, 10_000, "the slow client to be dropped");
  assert(Date.now() - started < 9000);
  admin.close();
  await slow.close();
});

Deno.test("client-output-buffer-limit: the pubsub class applies to subscribers", async () => {
  await using server = await startRedeno();
  const admin = await RespClient.connect(server.port);
  assertEquals(
    await admin.raw("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0"),
    "+OK\r\n",
  );
  const subscriber = await RawConn.connect(server.port, { read: false });
  await subscriber.write(encodeCommand(["SUBSCRIBE", "c"]));
  await waitFor(async () => (await admin.raw("PUBSUB", "NUMSUB", "c")).endsWith(":1\r\n"));
  const payload = "y".repeat(64 * 1024);
  let receivers = ":1\r\n";
  for (let i = 0; i < 200 && receivers === ":1\r\n"; i++) {
    receivers = await admin.raw("PUBLISH", "c", payload);
  }
  assertEquals(receivers, ":0\r\n");
  await waitFor(() => server.clients.size === 1, 5000, "the subscriber to be dropped");
  admin.close();
  await subscriber.close();
});

Deno.test("client-query-buffer-limit: a client sending more than it allows is closed without a reply", async () => {
  await onBoth(async (port, name) => {
    const admin = await RespClient.connect(port);
    assertEquals(await admin.raw("CONFIG", "SET", "client-query-buffer-limit", "1mb"), "+OK\r\n");
    const big = await RawConn.connect(port);
    await big.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n").catch(() => {});
    for (let i = 0; i < 32 && !big.closed; i++) {
      await big.write("z".repeat(64 * 1024)).catch(() => {});
    }
    assertEquals(await big.waitForClose(10_000), "", name);
    assertEquals(await admin.raw("EXISTS", "k"), ":0\r\n", name);
    assertEquals(
      await admin.raw("CONFIG", "SET", "client-query-buffer-limit", "1gb"),
      "+OK\r\n",
    );
    admin.close();
    await big.close();
  });
});

Deno.test("client-query-buffer-limit: the log line names the client and the first bytes", async () => {
  const { server, logged } = await startLogged({ "client-query-buffer-limit": "1mb" });
  try {
    const big = await RawConn.connect(server.port);
    await big.write("*2\r\n$4\r\nECHO\r\n$3000000\r\n").catch(() => {});
    for (let i = 0; i < 32 && !big.closed; i++) {
      await big.write("z".repeat(64 * 1024)).catch(() => {});
    }
    await big.waitForClose(10_000);
    await big.close();
    const line = logged.find((line) => line.includes("reached max query buffer length"));
    // As in Redis, a big argument's header is parsed off: the buffer starts with its data.
    assert(line?.includes('(qbuf initial bytes: "' + "z".repeat(64) + '")'), logged.join("\n"));
  } finally {
    await server.close();
  }
});

Deno.test("proto-max-bulk-len: a longer bulk is a protocol error, as Redis", async () => {
  await onBoth(async (port, name) => {
    const admin = await RespClient.connect(port);
    assertEquals(await admin.raw("CONFIG", "SET", "proto-max-bulk-len", "1mb"), "+OK\r\n");
    const conn = await RawConn.connect(port);
    await conn.write("*2\r\n$4\r\nECHO\r\n$1048577\r\n");
    assertEquals(
      await conn.waitForClose(5000),
      "-ERR Protocol error: invalid bulk length\r\n",
      name,
    );
    const fits = await RawConn.connect(port);
    const value = "v".repeat(1024 * 1024);
    assertEquals(await fits.call(["ECHO", value]), `$${value.length}\r\n${value}\r\n`);
    await admin.raw("CONFIG", "SET", "proto-max-bulk-len", "512mb");
    admin.close();
    await Promise.all([conn.close(), fits.close()]);
  });
});

Deno.test("maxclients: one client too many reads Redis's error and is closed", async () => {
  await onBoth(async (port, name) => {
    const admin = await RawConn.connect(port);
    try {
      assertEquals(await admin.call(["CONFIG", "SET", "maxclients", "2"]), "+OK\r\n");
      const second = await RawConn.connect(port);
      assertEquals(await second.call(["PING"]), "+PONG\r\n");
      const third = await RawConn.connect(port);
      assertEquals(await third.waitForClose(5000), "-ERR max number of clients reached\r\n");
      await Promise.all([second.close(), third.close()]);
      // A freed place is given to the next client.
      await waitFor(
        async () => {
          const next = await RawConn.connect(port);
          try {
            return (await next.call(["PING"], 2000)) === "+PONG\r\n";
          } catch {
            return false;
          } finally {
            await next.close();
          }
        },
        5000,
        `${name}: a place to free`,
      );
      const stats = await admin.call(["INFO", "stats"]);
      assert(/rejected_connections:[1-9]/.test(stats), stats);
      assertEquals(await admin.call(["CONFIG", "SET", "maxclients", "10000"]), "+OK\r\n");
    } finally {
      await admin.close();
    }
  });
});

Deno.test("timeout: idle clients are closed; subscribers, blocked and MONITOR clients are not", async () => {
  const { server, logged } = await startLogged({ timeout: "1" });
  try {
    const idle = await RawConn.connect(server.port);
    assertEquals(await idle.call(["PING"]), "+PONG\r\n");
    const subscriber = await RawConn.connect(server.port);
    await subscriber.write(encodeCommand(["SUBSCRIBE", "c"]));
    const blocked = await RawConn.connect(server.port);
    await blocked.write(encodeCommand(["BLPOP", "list", "0"]));
    const monitor = await RawConn.connect(server.port);
    await monitor.write(encodeCommand(["MONITOR"]));
    const started = Date.now();
    assertEquals(await idle.waitForClose(10_000), "");
    assert(Date.now() - started >= 500, `closed after ${Date.now() - started} ms`);
    assert(logged.some((line) => line.includes("Closing idle client")), logged.join("\n"));
    // The others outlive another full timeout.
    const watcher = await RawConn.connect(server.port);
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      assertEquals(await watcher.call(["PING"]), "+PONG\r\n");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert(!subscriber.closed && !blocked.closed && !monitor.closed);
    assertEquals(await watcher.call(["RPUSH", "list", "x"]), ":1\r\n");
    await blocked.waitForLength("*2\r\n$4\r\nlist\r\n$1\r\nx\r\n".length);
    await Promise.all([idle, subscriber, blocked, monitor, watcher].map((conn) => conn.close()));
  } finally {
    await server.close();
  }
});

Deno.test("tcp-keepalive: connections are accepted with keepalive on or off", async () => {
  for (const seconds of ["0", "60"]) {
    await using server = await startRedeno({ "tcp-keepalive": seconds });
    const conn = await RespClient.connect(server.port);
    assertEquals(
      await conn.raw("CONFIG", "GET", "tcp-keepalive"),
      `*2\r\n$13\r\ntcp-keepalive\r\n$${seconds.length}\r\n${seconds}\r\n`,
    );
    conn.close();
  }
});
