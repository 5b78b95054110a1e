import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseReply, RespClient, type RespValue } from "./support/resp_client.ts";
import { type Command, ServerPair } from "./support/servers.ts";

/** INFO text → `# Section` headers and field names, values dropped (they legitimately differ). */
function infoShape(raw: string): string {
  const text = String(parseReply(raw)).replace(/^txt:/, "");
  return text.split("\r\n").map((line) => {
    if (line.startsWith("#") || line === "") return line;
    return line.slice(0, line.indexOf(":"));
  }).join("\n");
}

/** Sections whose lines depend on each server's history rather than on the format. */
function withoutHistory(shape: string): string {
  return shape.replace(/# (Commandstats|Errorstats|Latencystats)\n[^#]*/g, "# $1\n\n");
}

/** A parsed CONFIG GET reply as sorted name=value pairs (Redis's order is its hash table's). */
function configPairs(raw: string): string[] {
  const value = parseReply(raw);
  const flat: RespValue[] = value instanceof Map ? [...value].flat() : value as RespValue[];
  const pairs: string[] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
  return pairs.sort();
}

Deno.test("server: DBSIZE, FLUSHDB, FLUSHALL", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["DBSIZE"],
      ["SET", "a", "1"],
      ["SET", "b", "2"],
      ["DBSIZE"],
      ["DBSIZE", "x"],
      ["SELECT", "1"],
      ["SET", "c", "3"],
      ["FLUSHDB", "foo"],
      ["FLUSHDB", "ASYNC", "x"],
      ["FLUSHDB"],
      ["DBSIZE"],
      ["SELECT", "0"],
      ["DBSIZE"],
      ["FLUSHDB", "async"],
      ["SET", "a", "1"],
      ["FLUSHDB", "SYNC"],
      ["SET", "a", "1"],
      ["FLUSHALL", "foo"],
      ["FLUSHALL", "sync", "x"],
      ["FLUSHALL", "ASYNC"],
      ["DBSIZE"],
      ["FLUSHALL", "SYNC"],
      ["FLUSHALL"],
    ]);
  } finally {
    await pair.close();
  }
});

Deno.test("server: TIME and LOLWUT", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([["TIME", "x"], ["LOLWUT", "VERSION", "abc"], ["LOLWUT"]], {
      normalize: (raw) => raw.replace(/Redis ver\. \S+/, "VERSION"),
    });
    await pair.compareBoth([["TIME"]], {
      normalize: (raw) => raw.replace(/\$\d+\r\n\d+\r\n/g, "$N\r\nD\r\n"),
    });
    const client = await RespClient.connect(pair.redeno.port);
    const [seconds, micros] = await client.call("TIME") as string[];
    client.close();
    assertEquals(Math.abs(Number(seconds) - Date.now() / 1000) < 5, true);
    assertEquals(Number(micros) >= 0 && Number(micros) < 1_000_000, true);
  } finally {
    await pair.close();
  }
});

Deno.test("server: INFO sections, field names and order", async () => {
  const pair = await ServerPair.start();
  try {
    const [ours, theirs] = await pair.connect();
    try {
      for (const resp of ["2", "3"]) {
        await ours.raw("HELLO", resp);
        await theirs.raw("HELLO", resp);
        for (
          const args of [
            [],
            ["default"],
            ["all"],
            ["everything"],
            ["server"],
            ["SERVER", "clients"],
            ["keyspace", "server"],
            ["memory"],
            ["persistence"],
            ["stats"],
            ["replication"],
            ["cpu"],
            ["modules"],
            ["cluster"],
            ["keyspace"],
            ["nosuch"],
            ["nosuch", "cluster"],
          ]
        ) {
          const [a, b] = [await ours.raw("INFO", ...args), await theirs.raw("INFO", ...args)];
          assertEquals(a[0], b[0], `reply type of INFO ${args.join(" ")}`);
          assertEquals(withoutHistory(infoShape(a)), withoutHistory(infoShape(b)), `INFO ${args}`);
        }
      }
    } finally {
      ours.close();
      theirs.close();
    }
  } finally {
    await pair.close();
  }
});

Deno.test("server: INFO values clients read", async () => {
  const pair = await ServerPair.start();
  const client = await RespClient.connect(pair.redeno.port);
  try {
    await client.raw("SET", "a", "1");
    await client.raw("SET", "b", "2");
    await client.raw("EXPIRE", "b", "100");
    await client.raw("GET", "a");
    await client.raw("GET", "nope");
    const text = String(await client.call("INFO", "everything"));
    const fields = Object.fromEntries(
      text.split("\r\n").filter((l) => l.includes(":")).map((l) => {
        const at = l.indexOf(":");
        return [l.slice(0, at), l.slice(at + 1)];
      }),
    );
    assertEquals(fields.redis_version, "7.0.15");
    assertEquals(fields.redis_mode, "standalone");
    assertEquals(fields.tcp_port, String(pair.redeno.port));
    assertEquals(fields.process_id, String(Deno.pid));
    assertEquals(fields.connected_clients, "1");
    assertEquals(fields.maxmemory_policy, "noeviction");
    assertEquals(fields.role, "master");
    assertEquals(fields.connected_slaves, "0");
    assertEquals(/^[0-9a-f]{40}$/.test(fields.master_replid), true);
    assertEquals(fields.keyspace_hits, "1");
    assertEquals(fields.keyspace_misses, "1");
    assertEquals(fields.db0, "keys=2,expires=1,avg_ttl=0");
    assertEquals(Number(fields.used_memory) > 0, true);
    assertEquals(/^\d+(\.\d\d[KMGTP]|B)$/.test(fields.used_memory_human), true);
    assertEquals(
      /^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/.test(
        fields.cmdstat_get,
      ),
      true,
      fields.cmdstat_get,
    );
    await client.raw("CONFIG", "RESETSTAT");
    const after = String(await client.call("INFO", "commandstats", "stats"));
    assertEquals(after.includes("cmdstat_get:"), false);
    assertEquals(after.includes("keyspace_hits:0\r\n"), true);
  } finally {
    client.close();
    await pair.close();
  }
});

Deno.test("server: CONFIG GET patterns", async () => {
  const pair = await ServerPair.start({ loglevel: "warning" });
  try {
    const patterns: Command[] = [
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "GET", "maxmemory-policy"],
      ["CONFIG", "GET", "MAXCLIENTS"],
      ["CONFIG", "GET", "databases", "timeout", "hz"],
      ["CONFIG", "GET", "hz", "h?"],
      ["CONFIG", "GET", "HZ", "hz", "h?"],
      ["CONFIG", "GET", "h?", "HZ"],
      ["CONFIG", "GET", "MAXMEMORY*"],
      ["CONFIG", "GET", "appendonly"],
      ["CONFIG", "GET", "save"],
      ["CONFIG", "GET", "loglevel"],
      ["CONFIG", "GET", "nosuch"],
      ["CONFIG", "GET", "slowlog-*"],
      ["CONFIG", "GET", "tcp-keepalive", "proto-max-bulk-len", "client-query-buffer-limit"],
      ["CONFIG", "GET", "lfu-*"],
    ];
    for (const command of patterns) {
      await pair.compareBoth([command], {
        normalize: (raw) => raw[0] + JSON.stringify(configPairs(raw)),
      });
    }
    await pair.compareBoth([["CONFIG", "GET"], ["CONFIG"], ["CONFIG", "nosuch"]]);
  } finally {
    await pair.close();
  }
});

Deno.test("server: CONFIG SET values, errors and atomicity", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["CONFIG", "SET", "maxmemory", "1kb"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "maxmemory", "10gb"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["CONFIG", "SET", "maxmemory", "1foo"],
      ["CONFIG", "SET", "maxmemory", "-1"],
      ["CONFIG", "SET", "maxmemory", "1.5"],
      ["CONFIG", "SET", "nosuch", "1"],
      ["CONFIG", "SET", "hz", "5", "nosuch", "1"],
      ["CONFIG", "SET", "hz"],
      ["CONFIG", "SET", "hz", "1", "2"],
      ["CONFIG", "SET", "maxclients", "abc"],
      ["CONFIG", "SET", "maxclients", "0"],
      ["CONFIG", "SET", "maxclients", "99999999999"],
      ["CONFIG", "SET", "maxclients", "1", "maxclients", "2"],
      ["CONFIG", "SET", "loglevel", "foo"],
      ["CONFIG", "SET", "loglevel", "nothing"],
      ["CONFIG", "SET", "appendonly", "maybe"],
      ["CONFIG", "SET", "timeout", "-1"],
      ["CONFIG", "SET", "hz", "600"],
      ["CONFIG", "GET", "hz"],
      ["CONFIG", "SET", "hz", "+5"],
      ["CONFIG", "SET", "hz", "05"],
      ["CONFIG", "SET", "hz", " 5"],
      ["CONFIG", "SET", "hz", "10"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "-2"],
      ["CONFIG", "SET", "slowlog-max-len", "-1"],
      ["CONFIG", "SET", "proto-max-bulk-len", "10"],
      ["CONFIG", "SET", "client-query-buffer-limit", "10"],
      ["CONFIG", "SET", "databases", "3"],
      ["CONFIG", "SET", "dir", "/nonexistent"],
      ["CONFIG", "SET", "dbfilename", "x.rdb"],
      ["CONFIG", "SET", "save", "abc"],
      ["CONFIG", "SET", "save", "100 x"],
      ["CONFIG", "SET", "lfu-log-factor", "-1"],
      ["CONFIG", "SET", "tcp-keepalive", "-1"],
      ["CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU"],
      ["CONFIG", "GET", "maxmemory-policy"],
      ["CONFIG", "SET", "maxmemory-policy", "noeviction", "MAXMEMORY", "5mb"],
      ["CONFIG", "GET", "maxmemory"],
      // Atomic: the bad second value leaves the first unchanged.
      ["CONFIG", "SET", "maxmemory", "7mb", "maxmemory-policy", "bogus"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "timeout", "10", "databases", "2", "nosuch", "1"],
      ["CONFIG", "GET", "timeout"],
      ["CONFIG", "SET", "maxmemory", "0"],
      ["CONFIG", "SET", "protected-mode", "yes"],
      ["CONFIG", "RESETSTAT"],
      ["CONFIG", "RESETSTAT", "x"],
    ]);
  } finally {
    await pair.close();
  }
});

Deno.test("server: CONFIG HELP and COMMAND HELP are arrays of status lines", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([["CONFIG", "HELP"], ["COMMAND", "HELP"], ["CONFIG", "HELP", "x"]], {
      normalize: (raw) => {
        if (raw[0] === "-") return raw;
        const lines = raw.split("\r\n");
        return `${lines[1]}|${lines.slice(2).every((l) => l === "" || l[0] === "+")}`;
      },
    });
  } finally {
    await pair.close();
  }
});

Deno.test("server: COMMAND COUNT, LIST, GETKEYS errors", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["COMMAND", "COUNT", "x"],
      ["COMMAND", "LIST", "FILTERBY"],
      ["COMMAND", "LIST", "FILTERBY", "PATTERN"],
      ["COMMAND", "LIST", "FILTERBY", "foo", "bar"],
      ["COMMAND", "LIST", "foo"],
      ["COMMAND", "LIST", "FILTERBY", "MODULE", "foo"],
      ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"],
      ["COMMAND", "GETKEYS"],
      ["COMMAND", "GETKEYS", "get"],
      ["COMMAND", "GETKEYS", "nosuch", "a"],
      ["COMMAND", "GETKEYS", "get", "a", "b"],
      ["COMMAND", "GETKEYS", "get", "a"],
      ["COMMAND", "GETKEYS", "GET", "a"],
      ["COMMAND", "GETKEYS", "set", "a", "b"],
      ["COMMAND", "GETKEYSANDFLAGS", "get", "x"],
      ["COMMAND", "GETKEYS", "client", "list"],
      ["COMMAND", "GETKEYS", "client", "nosuch"],
      ["COMMAND", "GETKEYS", "config", "get", "x"],
      ["COMMAND", "GETKEYS", "ping", "x"],
      ["COMMAND", "INFO", "nosuch", "get"],
      ["COMMAND", "INFO", "GET", "client|list", "CONFIG|GET"],
      ["COMMAND", "DOCS", "nosuch"],
    ]);
    // Our table is a subset of Redis's: compare what we declare.
    const [ours, theirs] = await pair.connect();
    try {
      const count = Number(await ours.call("COMMAND", "COUNT"));
      const names = await ours.call("COMMAND", "LIST") as string[];
      assertEquals(names.filter((name) => !name.includes("|")).length, count);
      assertEquals((await ours.call("COMMAND") as unknown[]).length, count);
      assertEquals((await ours.call("COMMAND", "INFO") as unknown[]).length, count);
      const theirNames = new Set(await theirs.call("COMMAND", "LIST") as string[]);
      for (const filter of [["ACLCAT", "connection"], ["ACLCAT", "keyspace"], ["PATTERN", "c*"]]) {
        const mine = await ours.call("COMMAND", "LIST", "FILTERBY", ...filter) as string[];
        const redis = await theirs.call("COMMAND", "LIST", "FILTERBY", ...filter) as string[];
        const expected = redis.filter((name) => names.includes(name)).sort();
        const extra = mine.filter((name) => !theirNames.has(name)); // e.g. client|setinfo (7.2)
        assertEquals(mine.filter((name) => !extra.includes(name)).sort(), expected, `${filter}`);
      }
    } finally {
      ours.close();
      theirs.close();
    }
  } finally {
    await pair.close();
  }
});

Deno.test("server: DEBUG is refused unless enable-debug-command allows it", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([["DEBUG", "SLEEP", "0"], ["DEBUG", "foo"], ["DEBUG"]]);
  } finally {
    await pair.close();
  }
  const enabled = await ServerPair.start({ "enable-debug-command": "yes" }, [
    "--enable-debug-command",
    "yes",
  ]);
  try {
    await enabled.compareBoth([["DEBUG", "SLEEP", "0"], ["DEBUG", "SLEEP", "0.01"], [
      "DEBUG",
      "nosuchsub",
    ]]);
  } finally {
    await enabled.close();
  }
});
