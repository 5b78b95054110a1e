import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { type Command, ServerPair, waitFor } from "./support/servers.ts";

/** Client ids differ between servers: HELLO's `id` and CLIENT ID replies are masked. */
function maskIds(raw: string, command: Command): string {
  const name = command.map((arg) => String(arg).toLowerCase()).join(" ");
  if (name.startsWith("hello")) return raw.replace(/(\$2\r\nid\r\n):\d+/, "$1:ID");
  if (name === "client id") return raw.replace(/^:\d+/, ":ID");
  return raw;
}

/** CLIENT LIST / INFO lines: keep field names and the values both servers must agree on. */
function clientLines(raw: string): string {
  // age and idle are seconds since connect/last command: a slow run ticks one server past a second boundary.
  return raw.replace(
    /\b(?:id|age|idle|addr|laddr|fd|qbuf|qbuf-free|argv-mem|tot-mem|rbs|rbp)=\S*/g,
    (m) => m.replace(/=.*/, "=*"),
  )
    .replace(/ lib-name=\S* lib-ver=\S*/g, "")
    .replace(/^([$=])\d+/, "$1N");
}

Deno.test("connection: PING, ECHO, QUIT arity and replies", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["PING"],
      ["PING", "hello"],
      ["PING", "a", "b"],
      ["ping", "\x00\xff"],
      ["ECHO", "x y"],
      ["ECHO"],
      ["ECHO", "a", "b"],
    ]);
    const [ours, theirs] = await pair.connect();
    for (const client of [ours, theirs]) {
      assertEquals(await client.raw("QUIT", "extra"), "+OK\r\n");
      assertEquals(await client.readUntilClosed(), "");
    }
  } finally {
    await pair.close();
  }
});

Deno.test("connection: HELLO replies and errors", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["HELLO"],
      ["HELLO", "2"],
      ["HELLO", "4"],
      ["HELLO", "1"],
      ["HELLO", "abc"],
      ["HELLO", "3x"],
      ["HELLO", "2", "foo"],
      ["HELLO", "2", "setname"],
      ["HELLO", "2", "AUTH", "default"],
      ["HELLO", "2", "SETNAME", "a b"],
      ["HELLO", "2", "SETNAME", "a\nb"],
      ["HELLO", "2", "AUTH", "nobody", "pw"],
      ["HELLO", "2", "AUTH", "default", "anything", "SETNAME", "conn1"],
      ["CLIENT", "GETNAME"],
      ["HELLO", "3"],
      ["HELLO", "2"],
    ], { normalize: maskIds });
  } finally {
    await pair.close();
  }
});

Deno.test("connection: AUTH, SELECT, SWAPDB", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["AUTH"],
      ["AUTH", "secret"],
      ["AUTH", "default", "secret"],
      ["AUTH", "nobody", "secret"],
      ["AUTH", "a", "b", "c"],
      ["SELECT", "abc"],
      ["SELECT", "16"],
      ["SELECT", "-1"],
      ["SELECT", "99999999999"],
      ["SELECT", "1.0"],
      ["SELECT"],
      ["SET", "k", "in1"],
      ["SELECT", "1"],
      ["GET", "k"],
      ["SWAPDB", "0", "abc"],
      ["SWAPDB", "abc", "0"],
      ["SWAPDB", "16", "abc"],
      ["SWAPDB", "0", "16"],
      ["SWAPDB", "-1", "0"],
      ["SWAPDB", "0"],
      ["SWAPDB", "99999999999", "0"],
      ["SWAPDB", "0", "1"],
      ["GET", "k"],
      ["SELECT", "0"],
      ["GET", "k"],
      ["SWAPDB", "0", "0"],
      ["DBSIZE"],
    ]);
  } finally {
    await pair.close();
  }
});

Deno.test("connection: RESET restores a fresh connection's state", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["SELECT", "3"],
      ["CLIENT", "SETNAME", "before"],
      ["CLIENT", "NO-EVICT", "on"],
      ["RESET"],
      ["CLIENT", "GETNAME"],
      ["SET", "where", "db0"],
      ["SELECT", "0"],
      ["GET", "where"],
      ["RESET", "x"],
    ]);
    // RESET drops a RESP3 connection back to RESP2.
    await pair.compare([["HELLO", "3"], ["RESET"], ["GET", "missing"]], {
      normalize: maskIds,
    });
  } finally {
    await pair.close();
  }
});

Deno.test("connection: CLIENT ID, GETNAME, SETNAME, NO-EVICT, arity and errors", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["CLIENT", "ID"],
      ["CLIENT", "ID", "x"],
      ["CLIENT", "GETNAME"],
      ["CLIENT", "GETNAME", "x"],
      ["CLIENT", "SETNAME", "a b"],
      ["CLIENT", "SETNAME", "a\nb"],
      ["CLIENT", "SETNAME", "\x7f"],
      ["CLIENT", "SETNAME", "ok-name"],
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME", ""],
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME"],
      ["CLIENT", "SETNAME", "a", "b"],
      ["CLIENT", "NO-EVICT", "on"],
      ["CLIENT", "NO-EVICT", "OFF"],
      ["CLIENT", "NO-EVICT", "maybe"],
      ["CLIENT", "NO-EVICT"],
      ["CLIENT"],
      ["CLIENT", "nosuch"],
      ["client", "NoSuch", "x"],
      ["CLIENT", "INFO", "x"],
      ["CLIENT", "HELP", "x"],
    ], { normalize: maskIds });
  } finally {
    await pair.close();
  }
});

Deno.test("connection: CLIENT HELP is an array of status lines", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([["CLIENT", "HELP"]], {
      // The wording is ours; the shape (status lines, first line's form) is Redis's.
      normalize: (raw) => {
        const lines = raw.split("\r\n");
        return `${lines[1]}|${lines.slice(2).every((l) => l === "" || l[0] === "+")}`;
      },
    });
  } finally {
    await pair.close();
  }
});

Deno.test("connection: CLIENT LIST and CLIENT INFO fields", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["CLIENT", "SETNAME", "lister"],
      ["SELECT", "2"],
      ["CLIENT", "INFO"],
      ["CLIENT", "LIST"],
      ["CLIENT", "LIST", "TYPE", "normal"],
      ["CLIENT", "LIST", "TYPE", "pubsub"],
      ["CLIENT", "LIST", "TYPE", "master"],
      ["CLIENT", "LIST", "TYPE", "replica"],
      ["CLIENT", "LIST", "TYPE", "slave"],
      ["CLIENT", "LIST", "TYPE", "foo"],
      ["CLIENT", "LIST", "ID", "abc"],
      ["CLIENT", "LIST", "ID", "0"],
      ["CLIENT", "LIST", "ID", "999999"],
      ["CLIENT", "LIST", "foo"],
      ["CLIENT", "LIST", "TYPE"],
      ["CLIENT", "LIST", "ID"],
      ["CLIENT", "LIST", "TYPE", "normal", "x"],
    ], { normalize: clientLines });
    // CLIENT LIST ID with the caller's own id (ids differ between servers).
    const [ours, theirs] = await pair.connect();
    try {
      const lines: string[] = [];
      for (const client of [ours, theirs]) {
        const id = String(await client.call("CLIENT", "ID"));
        lines.push(clientLines(await client.raw("CLIENT", "LIST", "ID", id, id)));
      }
      assertEquals(lines[0], lines[1]);
    } finally {
      ours.close();
      theirs.close();
    }
  } finally {
    await pair.close();
  }
});

Deno.test("connection: CLIENT LIST shows real age, idle, db, name, cmd, resp", async () => {
  const pair = await ServerPair.start();
  const client = await RespClient.connect(pair.redeno.port);
  try {
    await client.raw("HELLO", "3", "SETNAME", "watcher");
    await client.raw("SELECT", "5");
    const line = String(await client.call("CLIENT", "INFO")).replace(/^txt:/, "");
    const id = String(await client.call("CLIENT", "ID"));
    const fields = Object.fromEntries(
      line.trim().split(" ").map((field) => field.split("=", 2) as [string, string]),
    );
    assertEquals(fields.id, id);
    assertEquals(fields.name, "watcher");
    assertEquals(fields.db, "5");
    assertEquals(fields.cmd, "client|info");
    assertEquals(fields.resp, "3");
    assertEquals(fields.age, "0");
    assertEquals(fields.idle, "0");
    assertEquals(fields.addr.startsWith("127.0.0.1:"), true);
    assertEquals(fields.laddr, `127.0.0.1:${pair.redeno.port}`);
  } finally {
    client.close();
    await pair.close();
  }
});

Deno.test("connection: CLIENT SETINFO (Redis 7.2 behaviour)", async () => {
  const pair = await ServerPair.start();
  const client = await RespClient.connect(pair.redeno.port);
  try {
    assertEquals(await client.raw("CLIENT", "SETINFO", "LIB-NAME", "ioredis"), "+OK\r\n");
    assertEquals(await client.raw("CLIENT", "SETINFO", "lib-ver", "5.3.2"), "+OK\r\n");
    assertEquals(
      await client.raw("CLIENT", "SETINFO", "lib-name", "a b"),
      "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n",
    );
    assertEquals(
      await client.raw("CLIENT", "SETINFO", "color", "red"),
      "-ERR Unrecognized option 'color'\r\n",
    );
    assertEquals(
      await client.raw("CLIENT", "SETINFO", "lib-name"),
      "-ERR wrong number of arguments for 'client|setinfo' command\r\n",
    );
    const line = String(await client.call("CLIENT", "INFO"));
    assertEquals(line.trimEnd().endsWith("resp=2 lib-name=ioredis lib-ver=5.3.2"), true, line);
  } finally {
    client.close();
    await pair.close();
  }
});

Deno.test("connection: CLIENT REPLY ON, OFF, SKIP", async () => {
  const pair = await ServerPair.start();
  try {
    const [ours, theirs] = await pair.connect();
    try {
      const script = "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n" +
        "*2\r\n$4\r\nECHO\r\n$7\r\nskipped\r\n" +
        "*2\r\n$4\r\nECHO\r\n$5\r\nshown\r\n" +
        "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n" +
        "*2\r\n$4\r\nECHO\r\n$6\r\nhidden\r\n" +
        "*1\r\n$7\r\nNOSUCH!\r\n" +
        "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n" +
        "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n" +
        "*2\r\n$4\r\nECHO\r\n$4\r\nback\r\n";
      const replies: string[] = [];
      for (const client of [ours, theirs]) {
        await client.write(script);
        replies.push(await client.readRaw() + await client.readRaw() + await client.readRaw());
      }
      assertEquals(replies[0], replies[1]);
      assertEquals(replies[0], "$5\r\nshown\r\n+OK\r\n$4\r\nback\r\n");
    } finally {
      ours.close();
      theirs.close();
    }
    await pair.compareBoth([["CLIENT", "REPLY", "maybe"], ["CLIENT", "REPLY"]]);
  } finally {
    await pair.close();
  }
});

Deno.test("connection: CLIENT KILL forms, filters and errors", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["CLIENT", "KILL", "1.2.3.4:5"],
      ["CLIENT", "KILL", "ID", "abc"],
      ["CLIENT", "KILL", "ID", "0"],
      ["CLIENT", "KILL", "ID", "-1"],
      ["CLIENT", "KILL", "ID", "999999"],
      ["CLIENT", "KILL", "ID", "1", "ID"],
      ["CLIENT", "KILL", "SKIPME", "maybe"],
      ["CLIENT", "KILL", "SKIPME", "yes"],
      ["CLIENT", "KILL", "foo", "bar"],
      ["CLIENT", "KILL", "ADDR"],
      ["CLIENT", "KILL", "TYPE", "foo"],
      ["CLIENT", "KILL", "USER", "nobody"],
      ["CLIENT", "KILL", "USER", "default", "SKIPME", "yes", "ADDR", "1.1.1.1:1"],
      ["CLIENT", "KILL", "LADDR", "1.1.1.1:1", "SKIPME", "no"],
      ["CLIENT", "KILL", "MAXAGE", "5"],
      ["CLIENT", "KILL"],
    ]);
    // Killing other connections, by each filter, on both servers.
    for (const port of [pair.redeno.port, pair.redis.port]) {
      const killer = await RespClient.connect(port);
      const victims = await Promise.all([1, 2, 3].map(() => RespClient.connect(port)));
      try {
        const ids = await Promise.all(
          victims.map(async (v) => String(await v.call("CLIENT", "ID"))),
        );
        const info = String(await victims[1].call("CLIENT", "INFO"));
        const addr = /addr=(\S+)/.exec(info)![1];
        assertEquals(await killer.raw("CLIENT", "KILL", "ID", ids[0]), ":1\r\n");
        assertEquals(await victims[0].readUntilClosed(), "");
        assertEquals(await killer.raw("CLIENT", "KILL", addr), "+OK\r\n");
        assertEquals(await victims[1].readUntilClosed(), "");
        assertEquals(await killer.raw("CLIENT", "KILL", "ADDR", addr), ":0\r\n");
        // SKIPME yes spares the caller; USER default matches the remaining victim.
        assertEquals(await killer.raw("CLIENT", "KILL", "USER", "default"), ":1\r\n");
        assertEquals(await victims[2].readUntilClosed(), "");
        assertEquals(await killer.raw("PING"), "+PONG\r\n");
        // A client may kill itself: the reply still arrives, then the connection closes.
        const own = /laddr=(\S+)/.exec(String(await killer.call("CLIENT", "INFO")))![1];
        await waitFor(async () => {
          const list = String(await killer.call("CLIENT", "LIST"));
          return list.trim().split("\n").length === 1;
        });
        assertEquals(await killer.raw("CLIENT", "KILL", "LADDR", own, "SKIPME", "no"), ":1\r\n");
        assertEquals(await killer.readUntilClosed(), "");
      } finally {
        killer.close();
        victims.forEach((v) => v.close());
      }
    }
  } finally {
    await pair.close();
  }
});
