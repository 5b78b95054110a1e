/**
 * AUTH and ACL against redis-server 7.0.15: SETUSER rules and their errors, how users are
 * described (LIST, GETUSER), NOAUTH/NOPERM/WRONGPASS, DRYRUN, CAT, LOG, DELUSER, requirepass.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { type Command, ServerPair } from "./support/servers.ts";

/**
 * Redis lists single-command rules in its command table's hash order, which changes from one
 * run to the next: sort the rules after the categories in every description.
 */
function sortCommandRules(raw: string): string {
  return raw.replace(
    /([+-]@all(?: [+-]@[a-z]+)*)((?: [+-][a-z][^ \r)]*)+)/g,
    (_, head, rest) => head + " " + rest.trim().split(" ").sort().join(" "),
  );
}

/** Every user but default is deleted first, so each test starts from Redis's defaults. */
async function resetUsers(pair: ServerPair): Promise<void> {
  const clients = await pair.connect();
  try {
    for (const client of clients) {
      const users = await client.call("ACL", "USERS") as string[];
      const others = users.filter((name) => name !== "default");
      if (others.length > 0) await client.raw("ACL", "DELUSER", ...others);
      await client.raw("ACL", "SETUSER", "default", "on", "nopass", "~*", "&*", "+@all");
      await client.raw("CONFIG", "SET", "requirepass", "");
      await client.raw("ACL", "LOG", "RESET");
    }
  } finally {
    for (const client of clients) client.close();
  }
}

function run(name: string, body: (pair: ServerPair) => Promise<void>): void {
  Deno.test({
    name: `acl: ${name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const pair = await ServerPair.start();
      try {
        await resetUsers(pair);
        await body(pair);
      } finally {
        await pair.close();
      }
    },
  });
}

run("SETUSER rules, errors, and how LIST and GETUSER describe users", async (pair) => {
  const commands: Command[] = [
    ["ACL", "SETUSER", "alice", "on", ">p1", "~cache:*", "%R~ro:*", "&chan:*", "+get", "+set"],
    ["ACL", "GETUSER", "alice"],
    ["ACL", "SETUSER", "bob", "(~x* +get)", "on", "nopass"],
    ["ACL", "GETUSER", "bob"],
    ["ACL", "SETUSER", "carol", "+@all", "-@dangerous"],
    ["ACL", "SETUSER", "dave", "+@string", "-get", "+get", "-set"],
    ["ACL", "SETUSER", "erin", "+@string", "-@string", "+@hash"],
    ["ACL", "SETUSER", "fred", "allcommands", "-debug", "nocommands", "+ping"],
    // One first-argument rule: Redis lists several in its hash table's order.
    ["ACL", "SETUSER", "gina", "+select|0", "-config|get"],
    ["ACL", "SETUSER", "hank", ">a", ">b", "nopass", ">c"],
    [
      "ACL",
      "SETUSER",
      "ivan",
      "on",
      ">p",
      "allkeys",
      "allchannels",
      "+@all",
      "(~a* +get)",
      "(%W~b* +set)",
    ],
    ["ACL", "SETUSER", "judy", "reset"],
    ["ACL", "SETUSER", "kim", "&"],
    ["ACL", "SETUSER", "leo", "+client|id", "+config"],
    ["ACL", "GETUSER", "ivan"],
    ["ACL", "GETUSER", "gina"],
    ["ACL", "GETUSER", "judy"],
    ["ACL", "GETUSER", "nosuch"],
    ["ACL", "LIST"],
    ["ACL", "USERS"],
    // Errors, each leaving the user unchanged.
    ["ACL", "SETUSER", "alice", "badrule"],
    ["ACL", "SETUSER", "alice", "-select|0"],
    ["ACL", "SETUSER", "alice", "+config|get|x"],
    ["ACL", "SETUSER", "alice", "+nosuch"],
    ["ACL", "SETUSER", "alice", "+@nosuch"],
    ["ACL", "SETUSER", "t2", "~a*", "~*", "~b*"],
    ["ACL", "SETUSER", "t3", "allkeys", "%R~x"],
    ["ACL", "SETUSER", "t3", "allchannels", "&x"],
    ["ACL", "SETUSER", "alice", "#abc"],
    ["ACL", "SETUSER", "alice", "<nonexist"],
    ["ACL", "SETUSER", "alice", "!" + "0".repeat(64)],
    ["ACL", "SETUSER", "alice", "(~x"],
    ["ACL", "SETUSER", "alice", "on", "(badrule)"],
    ["ACL", "SETUSER", "alice", "%X~a"],
    ["ACL", "SETUSER"],
    ["ACL", "USERS"],
    ["ACL", "GETUSER", "alice"],
    ["ACL", "DELUSER", "default"],
    ["ACL", "DELUSER", "alice", "bob", "nobody"],
    ["ACL", "USERS"],
    ["ACL", "WHOAMI"],
    ["ACL", "WHOAMI", "x"],
    ["ACL", "nosuch"],
  ];
  await pair.compareBoth(commands, { normalize: sortCommandRules });
});

run("DRYRUN, CAT and GENPASS", async (pair) => {
  await pair.compareBoth([
    [
      "ACL",
      "SETUSER",
      "alice",
      "on",
      ">p1",
      "~cache:*",
      "%R~ro:*",
      "&chan:*",
      "+get",
      "+set",
      "+publish",
    ],
    ["ACL", "DRYRUN", "alice", "get", "cache:1"],
    ["ACL", "DRYRUN", "alice", "get", "other"],
    ["ACL", "DRYRUN", "alice", "del", "cache:1"],
    ["ACL", "DRYRUN", "alice", "set", "ro:1", "x"],
    ["ACL", "DRYRUN", "alice", "get", "ro:1"],
    ["ACL", "DRYRUN", "alice", "publish", "chan:1", "x"],
    ["ACL", "DRYRUN", "alice", "publish", "other", "x"],
    ["ACL", "DRYRUN", "nobody", "get", "x"],
    ["ACL", "DRYRUN", "alice", "nosuchcmd"],
    ["ACL", "DRYRUN", "alice", "get"],
    ["ACL", "CAT", "nosuch"],
    ["ACL", "CAT", "a", "b"],
    ["ACL", "GENPASS", "0"],
    ["ACL", "GENPASS", "4097"],
    ["ACL", "GENPASS", "x"],
    ["ACL", "GENPASS", "-1"],
    ["ACL", "SAVE"],
    ["ACL", "LOAD"],
  ]);
  // Category lists come in hash order from Redis: compare them as sets.
  const clients = await pair.connect();
  try {
    const ourCommands = new Set(
      ((await clients[0].call("COMMAND", "INFO")) as unknown[][]).flatMap((info) => [
        info[0] as string,
        ...((info[9] ?? []) as unknown[][]).map((sub) => sub[0] as string),
      ]),
    );
    for (const args of [[], ["string"], ["admin"], ["dangerous"], ["keyspace"], ["pubsub"]]) {
      const [ours, theirs] = await Promise.all(
        clients.map(async (client) =>
          ((await client.call("ACL", "CAT", ...args)) as string[]).sort()
        ),
      );
      // Commands Redeno does not have yet are the only allowed difference.
      const missing = theirs.filter((name) => !ours.includes(name) && ourCommands.has(name));
      const extra = ours.filter((name) => !theirs.includes(name));
      assertEquals(extra, [], `ACL CAT ${args.join(" ")}: extra ${extra}`);
      assertEquals(missing, [], `ACL CAT ${args.join(" ")}: missing ${missing}`);
    }
    for (const client of clients) {
      assertEquals(((await client.call("ACL", "GENPASS")) as string).length, 64);
      assertEquals(((await client.call("ACL", "GENPASS", "5")) as string).length, 2);
    }
  } finally {
    for (const client of clients) client.close();
  }
});

/** Runs commands on a fresh connection to each server and compares the replies. */
async function session(pair: ServerPair, commands: Command[], resp: 2 | 3 = 2): Promise<void> {
  const [ours, theirs] = await pair.connect();
  try {
    if (resp === 3) {
      await ours.raw("HELLO", "3");
      await theirs.raw("HELLO", "3");
    }
    for (const command of commands) {
      // Connection ids differ between the servers.
      const [a, b] = (await Promise.all([ours.raw(...command), theirs.raw(...command)]))
        .map((raw) => raw.replace(/(\$2\r\nid\r\n):\d+/, "$1:ID"));
      assertEquals(a, b, `reply to ${JSON.stringify(command)}`);
    }
  } finally {
    ours.close();
    theirs.close();
  }
}

run("AUTH, NOPERM for commands, keys and channels, MULTI, and the ACL log", async (pair) => {
  await session(pair, [
    [
      "ACL",
      "SETUSER",
      "alice",
      "on",
      ">p1",
      "~cache:*",
      "%R~ro:*",
      "&chan:*",
      "+get",
      "+set",
      "+publish",
      "+subscribe",
      "+psubscribe",
      "+multi",
      "+exec",
      "+acl|whoami",
    ],
  ]);
  await session(pair, [
    ["AUTH", "alice", "wrong"],
    ["AUTH", "nobody", "x"],
    ["AUTH", "x"],
    ["AUTH", "a", "b", "c"],
    ["AUTH", "alice", "p1"],
    ["ACL", "WHOAMI"],
    ["GET", "cache:1"],
    ["GET", "other"],
    ["DEL", "cache:1"],
    ["SET", "ro:1", "x"],
    ["GET", "ro:1"],
    ["PUBLISH", "chan:1", "x"],
    ["PUBLISH", "other", "x"],
    ["CONFIG", "GET", "port"],
    ["MULTI"],
    ["GET", "other"],
    ["DEL", "x"],
    ["EXEC"],
    ["PSUBSCRIBE", "chan:*"],
  ]);
  await session(pair, [["HELLO", "3", "AUTH", "alice", "p1"], ["SUBSCRIBE", "other"]], 3);
  await session(pair, [["HELLO", "2", "AUTH", "alice", "wrong"]]);
  // The log: newest first, grouped; times and client details differ between servers.
  const mask = (raw: string) =>
    raw.replace(/age-seconds\r\n[,$][^\r]*\r\n(?:[^\r]*\r\n)?/g, "age-seconds\r\nT\r\n")
      .replace(/\$\d+\r\nid=[^\r]*\r\n/g, "INFO\r\n");
  await pair.compareBoth([["ACL", "LOG"], ["ACL", "LOG", "2"], ["ACL", "LOG", "x"], [
    "ACL",
    "LOG",
    "1",
    "2",
  ]], {
    normalize: mask,
  });
  await pair.compareBoth([["ACL", "LOG", "RESET"], ["ACL", "LOG"]]);
});

run("requirepass: NOAUTH until AUTH, the one-argument AUTH, RESET", async (pair) => {
  await session(pair, [["CONFIG", "SET", "requirepass", "secret"]]);
  await session(pair, [
    ["GET", "x"],
    ["PING"],
    ["ACL", "WHOAMI"],
    ["AUTH", "wrong"],
    ["AUTH", "secret"],
    ["GET", "x"],
    ["ACL", "LIST"],
    ["RESET"],
    ["GET", "x"],
    ["AUTH", "default", "secret"],
    ["CONFIG", "SET", "requirepass", ""],
    ["ACL", "LIST"],
  ]);
});

run("DELUSER disconnects the user's clients; a disabled user cannot log in", async (pair) => {
  await session(pair, [["ACL", "SETUSER", "temp", "on", ">pw", "+@all", "~*"]]);
  for (const port of [pair.redeno.port, pair.redis.port]) {
    const victim = await RespClient.connect(port);
    const admin = await RespClient.connect(port);
    try {
      assertEquals(await victim.raw("AUTH", "temp", "pw"), "+OK\r\n");
      assertEquals(await admin.raw("ACL", "SETUSER", "temp", "off"), "+OK\r\n");
      // Still logged in while disabled, as in Redis; a new login is refused.
      assertEquals(await victim.raw("PING"), "+PONG\r\n");
      const other = await RespClient.connect(port);
      assertEquals(
        await other.raw("AUTH", "temp", "pw"),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
      );
      other.close();
      assertEquals(await admin.raw("ACL", "DELUSER", "temp"), ":1\r\n");
      assertEquals(await victim.readUntilClosed(), "");
    } finally {
      victim.close();
      admin.close();
    }
  }
});

run("scripts run with the caller's permissions", async (pair) => {
  await session(pair, [["ACL", "SETUSER", "lim", "on", ">p", "~a*", "+eval", "+get"]]);
  await session(pair, [
    ["AUTH", "lim", "p"],
    ["EVAL", "return redis.call('flushall')", "0"],
    ["EVAL", "return redis.pcall('get', 'b')", "0"],
    ["EVAL", "return redis.call('get', 'b')", "0"],
    ["EVAL", "return redis.call('get', 'a1')", "0"],
  ]);
  const mask = (raw: string) =>
    raw.replace(/age-seconds\r\n[,$][^\r]*\r\n(?:[^\r]*\r\n)?/g, "age-seconds\r\nT\r\n")
      .replace(/\$\d+\r\nid=[^\r]*\r\n/g, "INFO\r\n");
  await pair.compareBoth([["ACL", "LOG", "2"]], { normalize: mask });
});
