/**
 * Keyspace notifications of the collection families — lists, hashes, sets, sorted sets and
 * SORT ... STORE — against redis-server 7.0.15: every write command, the `del` of a key a
 * command empties, commands that change nothing (and so announce nothing), errors, and blocking
 * pops served after waiting. Every pmessage is compared byte for byte and in order, in RESP2 and
 * RESP3.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compareNotificationsBoth, MARKER_CHANNEL } from "./support/notifications.ts";
import { RespClient } from "./support/resp_client.ts";
import { type Command, describe, type ServerPair, waitFor, withPair } from "./support/servers.ts";

/** Splits a command line on spaces (the tests' arguments have none). */
function commands(...lines: string[]): Command[] {
  return lines.map((line) => line.split(" "));
}

const LIST_COMMANDS = commands(
  "LPUSH l a b c",
  "RPUSH l d e",
  "LPUSHX l x",
  "RPUSHX l y",
  "LPUSHX missing x",
  "RPUSHX missing x",
  "LINSERT l BEFORE a z",
  "LINSERT l AFTER nope z",
  "LINSERT missing BEFORE a z",
  "LSET l 0 first",
  "LSET l 100 nope",
  "LSET missing 0 nope",
  "LPOP l",
  "RPOP l",
  "LPOP l 2",
  "RPOP l 0",
  "LPOP l 0",
  "LPOP missing",
  "LPOP missing 2",
  "LRANGE l 0 -1",
  "LREM l 0 nope",
  "LREM l 1 a",
  "LTRIM l 0 -1",
  "LTRIM l 1 1",
  "LTRIM missing 0 1",
  "RPUSH l a b a c a",
  "LREM l -2 a",
  "LREM l 0 a",
  "LRANGE l 0 -1",
  "LREM l 0 b",
  "LREM l 0 c",
  "EXISTS l",
  "RPUSH l a b c",
  "LTRIM l 5 10",
  "EXISTS l",
  "RPUSH l only",
  "LPOP l",
  "RPUSH l x y",
  "RPOP l 5",
  "RPUSH l x",
  "RPOP l",
  "SET str v",
  "LPUSH str x",
  "LPOP str",
);

const MOVE_COMMANDS = commands(
  "RPUSH src a b c",
  "LMOVE src dst LEFT RIGHT",
  "LMOVE src dst RIGHT LEFT",
  "RPOPLPUSH src dst",
  "EXISTS src",
  "LMOVE src dst LEFT LEFT",
  "RPUSH self a b",
  "LMOVE self self LEFT RIGHT",
  "RPOPLPUSH self self",
  "RPUSH one x",
  "LMOVE one one RIGHT LEFT",
  "LMOVE one other RIGHT RIGHT",
  "SET str v",
  "RPUSH src2 a",
  "LMOVE src2 str LEFT LEFT",
  "LMOVE str dst LEFT LEFT",
  "RPUSH m1 a b c",
  "RPUSH m2 d",
  "LMPOP 2 missing m1 LEFT",
  "LMPOP 2 m1 m2 RIGHT COUNT 10",
  "LMPOP 2 m1 m2 LEFT COUNT 10",
  "LMPOP 2 m1 m2 LEFT",
  "RPUSH m2 a",
  "BLPOP m2 missing 0",
  "RPUSH m2 a b",
  "BRPOP missing m2 0",
  "BLPOP m2 0",
  "RPUSH m3 a",
  "BLMOVE m3 m4 RIGHT LEFT 0",
  "BRPOPLPUSH m4 m5 0",
  "RPUSH m6 a b c",
  "BLMPOP 0 1 m6 RIGHT COUNT 2",
  "BLMPOP 0 2 nope m6 LEFT COUNT 2",
);

const HASH_COMMANDS = commands(
  "HSET h f1 v1 f2 v2",
  "HSET h f1 v1",
  "HSET h f3 v3",
  "HMSET h f4 v4 f1 x",
  "HSETNX h f1 nope",
  "HSETNX h f5 v5",
  "HSETNX h2 f v",
  "HINCRBY h n 5",
  "HINCRBY h n -2",
  "HINCRBY h f1 1",
  "HINCRBY h n 9223372036854775807",
  "HINCRBYFLOAT h fl 1.5",
  "HINCRBYFLOAT h fl -0.5",
  "HINCRBYFLOAT h f1 1",
  "HINCRBYFLOAT h fl inf",
  "HINCRBY newh n 1",
  "HINCRBYFLOAT newh2 n 2.5",
  "HDEL h nope",
  "HDEL missing f1",
  "HDEL h f1 f2 nope",
  "HGETALL h",
  "HDEL h f3 f4 f5 n fl",
  "EXISTS h",
  "HDEL h2 f f",
  "HDEL newh n",
  "HDEL newh2 n",
  "SET str v",
  "HSET str f v",
  "HDEL str f",
  "HSET h f",
);

const SET_COMMANDS = commands(
  "SADD s a b c",
  "SADD s a",
  "SADD s a d",
  "SREM s nope",
  "SREM missing a",
  "SREM s a nope",
  "SMOVE s t b",
  "SMOVE s t nope",
  "SMOVE missing t b",
  "SMOVE s s c",
  "SADD t c",
  "SMOVE s t c",
  "SMEMBERS s",
  "SMOVE s t d",
  "EXISTS s",
  "SMOVE t t2 b",
  "SMOVE t t2 c",
  "SMOVE t t2 d",
  "EXISTS t",
  "SREM t2 b c d",
  "EXISTS t2",
  "SADD p1 x",
  "SPOP p1",
  "SADD p2 x y z",
  "SPOP p2 0",
  "SPOP p2 5",
  "EXISTS p2",
  "SADD p3 x",
  "SPOP p3 1",
  "SPOP missing",
  "SPOP missing 2",
  "SADD p4 1 2 3 4 5 6 7 8 9 10",
  "SPOP p4 9",
  "SCARD p4",
  "SPOP p4",
  "SADD a 1 2 3",
  "SADD b 2 3 4",
  "SINTERSTORE d a b",
  "SUNIONSTORE d a b",
  "SDIFFSTORE d a b",
  "SINTERSTORE d a missing",
  "EXISTS d",
  "SINTERSTORE d a missing",
  "SUNIONSTORE d a",
  "SDIFFSTORE d a a",
  "SUNIONSTORE d missing",
  "SUNIONSTORE d a",
  "SDIFFSTORE d missing a",
  "SADD c 7",
  "SINTERSTORE d a c",
  "SET str v",
  "SADD str x",
  "SINTERSTORE d a str",
  "SMOVE a str 1",
  "SMOVE str a 1",
);

const ZSET_COMMANDS = commands(
  "ZADD z 1 a 2 b 3 c",
  "ZADD z 1 a",
  "ZADD z 5 a",
  "ZADD z NX 9 a",
  "ZADD z XX 9 nope",
  "ZADD missing XX 1 a",
  "ZADD z XX CH 6 a",
  "ZADD z GT 1 a",
  "ZADD z LT 1 a",
  "ZADD z INCR 0 a",
  "ZADD z INCR 2 a",
  "ZADD z NX INCR 2 a",
  "ZINCRBY z 0 a",
  "ZINCRBY z 1.5 b",
  "ZINCRBY z 1 new",
  "ZINCRBY z2 1 m",
  "ZADD z INCR inf a",
  "ZADD z INCR -inf a",
  "ZADD z nope a",
  "ZREM z nope",
  "ZREM missing a",
  "ZREM z a nope",
  "ZREM z2 m",
  "EXISTS z2",
  "ZADD r 1 a 2 b 3 c 4 d 5 e",
  "ZREMRANGEBYRANK r 10 20",
  "ZREMRANGEBYRANK r 0 0",
  "ZREMRANGEBYSCORE r 100 200",
  "ZREMRANGEBYSCORE r 2 2",
  "ZREMRANGEBYLEX r [x [y",
  "ZREMRANGEBYLEX r [c [c",
  "ZREMRANGEBYRANK missing 0 -1",
  "ZREMRANGEBYSCORE r -inf +inf",
  "EXISTS r",
  "ZADD r 1 a",
  "ZREMRANGEBYRANK r 0 -1",
  "ZADD r 0 a 0 b",
  "ZREMRANGEBYLEX r - +",
  "ZADD p 1 a 2 b 3 c 4 d",
  "ZPOPMIN p",
  "ZPOPMAX p",
  "ZPOPMIN p 0",
  "ZPOPMIN missing",
  "ZPOPMAX p 5",
  "EXISTS p",
  "ZADD p 1 a 2 b 3 c",
  "ZMPOP 2 missing p MIN",
  "ZMPOP 1 p MAX COUNT 5",
  "ZMPOP 1 p MAX",
  "ZADD p 1 a",
  "BZPOPMIN missing p 0",
  "ZADD p 1 a 2 b",
  "BZPOPMAX p 0",
  "BZMPOP 0 1 p MIN COUNT 3",
  "SET str v",
  "ZADD str 1 a",
  "ZPOPMIN str",
);

const ZSTORE_COMMANDS = commands(
  "ZADD a 1 x 2 y 3 z",
  "ZADD b 1 y 2 z 3 w",
  "ZUNIONSTORE d 2 a b",
  "ZINTERSTORE d 2 a b",
  "ZDIFFSTORE d 2 a b",
  "ZINTERSTORE d 2 a missing",
  "EXISTS d",
  "ZINTERSTORE d 2 a missing",
  "ZUNIONSTORE d 1 a WEIGHTS 2",
  "ZDIFFSTORE d 2 a a",
  "ZDIFFSTORE d 2 a a",
  "ZUNIONSTORE d 1 missing",
  "ZRANGESTORE d a 0 1",
  "ZRANGESTORE d a 5 10",
  "EXISTS d",
  "ZRANGESTORE d a 5 10",
  "ZRANGESTORE d a (1 +inf BYSCORE",
  "ZRANGESTORE d missing 0 -1",
  "ZRANGESTORE d a [x [y BYLEX",
  "ZRANGESTORE d b 0 -1 REV",
  "SET str v",
  "ZUNIONSTORE d 2 a str",
  "ZRANGESTORE d str 0 1",
  "ZUNIONSTORE str 1 a",
  "TYPE str",
);

const SORT_COMMANDS = commands(
  "RPUSH l 3 1 2",
  "SORT l STORE out",
  "SORT l DESC STORE out",
  "SORT l",
  "SORT missing STORE out",
  "EXISTS out",
  "SORT missing STORE out",
  "SADD s b a",
  "SORT s ALPHA STORE out2",
  "ZADD z 1 a 2 b",
  "SORT z BY nosort STORE out3",
  "SORT l LIMIT 5 10 STORE out3",
  "EXISTS out3",
  "SORT l GET nope STORE out4",
  "SET str v",
  "SORT str STORE out",
  "SORT l STORE str",
  "TYPE str",
);

Deno.test("notifications: list commands", async () => {
  await withPair(async (pair) => {
    await compareNotificationsBoth(pair, LIST_COMMANDS);
    await compareNotificationsBoth(pair, MOVE_COMMANDS);
  });
});

Deno.test("notifications: hash commands", async () => {
  await withPair((pair) => compareNotificationsBoth(pair, HASH_COMMANDS));
});

Deno.test("notifications: set commands", async () => {
  // SPOP and SMEMBERS reply in random or hash order: only the events are compared.
  await withPair((pair) => compareNotificationsBoth(pair, SET_COMMANDS, { compareReplies: false }));
});

Deno.test("notifications: sorted set commands", async () => {
  await withPair(async (pair) => {
    await compareNotificationsBoth(pair, ZSET_COMMANDS);
    await compareNotificationsBoth(pair, ZSTORE_COMMANDS);
  });
});

Deno.test("notifications: SORT STORE", async () => {
  await withPair((pair) => compareNotificationsBoth(pair, SORT_COMMANDS));
});

/** Every class plus n (new key): CONFIG GET shows "AKE", but n stays in force, as in Redis. */
const NEW_TOO = "KEAn";

Deno.test("notifications: new-key events interleave with collection events", async () => {
  await withPair(async (pair) => {
    const all = [
      ...LIST_COMMANDS,
      ...MOVE_COMMANDS,
      ...HASH_COMMANDS,
      ...ZSET_COMMANDS,
      ...ZSTORE_COMMANDS,
      ...SORT_COMMANDS,
    ];
    await compareNotificationsBoth(pair, all, { flags: NEW_TOO });
    await compareNotificationsBoth(pair, SET_COMMANDS, { flags: NEW_TOO, compareReplies: false });
  });
});

Deno.test("notifications: only the enabled classes and channels", async () => {
  await withPair(async (pair) => {
    const some = [...LIST_COMMANDS, ...MOVE_COMMANDS, ...HASH_COMMANDS, ...ZSTORE_COMMANDS];
    for (const flags of ["Kl", "Eh", "Ez", "Kg", "Els", "K$"]) {
      await compareNotificationsBoth(pair, some, { flags });
    }
  });
});

Deno.test("notifications: inside MULTI/EXEC", async () => {
  await withPair((pair) =>
    compareNotificationsBoth(
      pair,
      commands(
        "MULTI",
        "RPUSH l a b",
        "LPOP l 2",
        "HSET h f v",
        "HDEL h f",
        "SADD s a",
        "ZADD z 1 a",
        "ZPOPMIN z",
        "BLPOP l 0",
        "EXEC",
      ),
    )
  );
});

// ---------------------------------------------------------------------------------------------
// Blocking commands served after waiting

/** One side's connections: commands, the blocked client, the subscriber. */
interface Side {
  control: RespClient;
  blocked: RespClient;
  subscriber: RespClient;
}

async function openSides(pair: ServerPair, resp: 2 | 3): Promise<[Side, Side]> {
  const [c1, c2] = await pair.connect();
  const [b1, b2] = await pair.connect();
  const [s1, s2] = await pair.connect();
  const sides: [Side, Side] = [
    { control: c1, blocked: b1, subscriber: s1 },
    { control: c2, blocked: b2, subscriber: s2 },
  ];
  for (const side of sides) {
    await side.control.raw("FLUSHALL");
    if (resp === 3) {
      for (const client of [side.control, side.blocked, side.subscriber]) {
        await client.raw("HELLO", "3");
      }
    }
    await side.control.raw("CONFIG", "SET", "notify-keyspace-events", "KEA");
    await side.subscriber.raw("PSUBSCRIBE", "__key*__:*");
    await side.subscriber.raw("SUBSCRIBE", MARKER_CHANNEL);
  }
  return sides;
}

async function blockedCount(client: RespClient): Promise<number> {
  const info = await client.raw("INFO", "clients");
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

async function readEvents(client: RespClient): Promise<string[]> {
  const messages: string[] = [];
  for (;;) {
    const raw = await client.readRaw(5000);
    if (raw.includes(MARKER_CHANNEL)) return messages;
    messages.push(raw.replaceAll("\r\n", "\\r\\n"));
  }
}

/**
 * Runs `setup`, sends `block` on the blocked connection, waits until both servers count it as
 * blocked, runs `wake`, then compares the blocked client's reply and every event published.
 */
async function compareBlocking(
  pair: ServerPair,
  resp: 2 | 3,
  setup: Command[],
  block: Command,
  wake: Command[],
  db = 0,
): Promise<void> {
  const sides = await openSides(pair, resp);
  const what = `${describe(block)} woken by ${wake.map(describe).join(" ")} (resp ${resp})`;
  try {
    for (const side of sides) {
      await side.blocked.raw("SELECT", String(db));
      await side.control.raw("SELECT", String(db));
    }
    for (const command of setup) {
      const [a, b] = await Promise.all(sides.map((side) => side.control.raw(...command)));
      assertEquals(a, b, `reply to ${describe(command)}`);
    }
    for (const side of sides) await side.blocked.write(RespClient.encode(block));
    await waitFor(
      async () =>
        (await blockedCount(sides[0].control)) === 1 &&
        (await blockedCount(sides[1].control)) === 1,
      5000,
      "the blocked clients",
    );
    for (const command of wake) {
      const [a, b] = await Promise.all(sides.map((side) => side.control.raw(...command)));
      assertEquals(a, b, `reply to ${describe(command)}`);
    }
    const [ra, rb] = await Promise.all(sides.map((side) => side.blocked.readRaw(5000)));
    assertEquals(ra, rb, `reply to ${what}`);
    for (const side of sides) await side.control.raw("PUBLISH", MARKER_CHANNEL, "end");
    const [ea, eb] = await Promise.all(sides.map((side) => readEvents(side.subscriber)));
    assertEquals(ea, eb, `notifications of ${what}`);
    for (const side of sides) {
      await side.control.raw("CONFIG", "SET", "notify-keyspace-events", "");
    }
  } finally {
    for (const side of sides) {
      side.control.close();
      side.blocked.close();
      side.subscriber.close();
    }
  }
}

const BLOCKING_CASES: Array<[Command[], Command, Command[]]> = [
  [[], ["BLPOP", "l", "0"], [["RPUSH", "l", "a"]]],
  [[], ["BRPOP", "x", "l", "0"], [["RPUSH", "l", "a", "b"]]],
  [[], ["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "5"], [["RPUSH", "l", "a", "b"]]],
  [[], ["BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "1"], [["RPUSH", "l", "a", "b"]]],
  [[], ["BLMOVE", "l", "d", "LEFT", "RIGHT", "0"], [["RPUSH", "l", "a"]]],
  [[["RPUSH", "d", "x"]], ["BLMOVE", "l", "d", "RIGHT", "LEFT", "0"], [["RPUSH", "l", "a", "b"]]],
  [[], ["BRPOPLPUSH", "l", "l", "0"], [["RPUSH", "l", "a"]]],
  [[], ["BRPOPLPUSH", "l", "d", "0"], [["MULTI"], ["RPUSH", "l", "a"], ["LPUSH", "l", "b"], [
    "EXEC",
  ]]],
  [[], ["BZPOPMIN", "z", "0"], [["ZADD", "z", "1", "a"]]],
  [[], ["BZPOPMAX", "y", "z", "0"], [["ZADD", "z", "1", "a", "2", "b"]]],
  [[], ["BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"], [["ZADD", "z", "1", "a", "2", "b"]]],
  [[], ["BZMPOP", "0", "1", "z", "MAX"], [["ZADD", "z", "1", "a", "2", "b"]]],
  [[], ["BZPOPMIN", "z", "0"], [["ZUNIONSTORE", "z", "1", "src"], ["ZADD", "src", "1", "a"], [
    "ZUNIONSTORE",
    "z",
    "1",
    "src",
  ]]],
];

Deno.test("notifications: blocking pops served after waiting", async () => {
  await withPair(async (pair) => {
    for (const resp of [2, 3] as const) {
      for (const [setup, block, wake] of BLOCKING_CASES) {
        await compareBlocking(pair, resp, setup, block, wake);
      }
    }
  });
});

Deno.test("notifications: blocking pops in another db, woken by moves", async () => {
  await withPair(async (pair) => {
    for (const resp of [2, 3] as const) {
      const moved = [["RPUSH", "src", "a"], ["LMOVE", "src", "l", "LEFT", "RIGHT"]];
      await compareBlocking(pair, resp, [], ["BLPOP", "l", "0"], moved, 3);
      await compareBlocking(pair, resp, [], ["BLMOVE", "l", "d", "LEFT", "LEFT", "0"], moved, 7);
      await compareBlocking(pair, resp, [], ["BZPOPMAX", "z", "0"], [
        ["ZADD", "src", "1", "a"],
        ["ZRANGESTORE", "z", "src", "0", "-1"],
      ], 2);
      // A destination of the wrong type: the waiter gets WRONGTYPE and nothing moves.
      await compareBlocking(
        pair,
        resp,
        [["SET", "d", "x"]],
        [
          "BLMOVE",
          "l",
          "d",
          "LEFT",
          "LEFT",
          "0",
        ],
        [["RPUSH", "l", "a"]],
        1,
      );
    }
  });
});

Deno.test("notifications: collection events in another db", async () => {
  await withPair(async (pair) => {
    const select = commands("SELECT 9");
    await compareNotificationsBoth(pair, [...select, ...LIST_COMMANDS, ...MOVE_COMMANDS]);
    await compareNotificationsBoth(pair, [...select, ...HASH_COMMANDS, ...ZSET_COMMANDS]);
    await compareNotificationsBoth(pair, [...select, ...SET_COMMANDS], { compareReplies: false });
  });
});
