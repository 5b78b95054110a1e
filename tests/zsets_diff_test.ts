/**
 * Differential tests of the sorted set commands: the same commands go to redis-server 7.0.15 and
 * to Redeno, in RESP2 and RESP3, and the reply bytes must match; so must the totals of Redis's
 * `dirty` counter and of keyspace hits and misses. Replies that are random by design
 * (ZRANDMEMBER, ZSCAN of a big set) are compared by shape and content instead.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type Command, describe, ServerPair } from "./support/servers.ts";
import { parseReply, type RespClient, type RespValue } from "./support/resp_client.ts";
import { sortedSetCommands } from "../src/commands/sorted_sets.ts";

/** Counters from one INFO reply (one call per connection at a time). */
async function counters(client: RespClient): Promise<number[]> {
  const raw = await client.raw("INFO", "all");
  return COUNTERS.map((field) => {
    const match = new RegExp(`^${field}:(\\d+)`, "m").exec(raw);
    if (!match) throw new Error(`INFO has no ${field}`);
    return Number(match[1]);
  });
}

const COUNTERS = ["rdb_changes_since_last_save", "keyspace_hits", "keyspace_misses"];

/** Runs commands on both servers in one protocol, comparing replies and counters. */
async function compare(pair: ServerPair, commands: Command[], resp: 2 | 3): Promise<string[]> {
  const [ours, theirs] = await pair.connect();
  try {
    for (const client of [ours, theirs]) {
      await client.raw("FLUSHALL");
      await client.raw("CONFIG", "SET", "zset-max-listpack-entries", "128");
      await client.raw("CONFIG", "SET", "zset-max-listpack-value", "64");
      if (resp === 3) await client.raw("HELLO", "3");
    }
    const before = await Promise.all([ours, theirs].map(counters));
    const replies: string[] = [];
    for (const command of commands) {
      const [a, b] = await Promise.all([ours.raw(...command), theirs.raw(...command)]);
      assertEquals(a, b, `reply to ${describe(command)} (resp ${resp})`);
      replies.push(a);
    }
    const after = await Promise.all([ours, theirs].map(counters));
    const delta = (i: number) => after[i].map((value, j) => value - before[i][j]);
    assertEquals(delta(0), delta(1), `dirty/hits/misses after ${commands.length} commands`);
    return replies;
  } finally {
    ours.close();
    theirs.close();
  }
}

async function both(pair: ServerPair, commands: Command[]): Promise<void> {
  await compare(pair, commands, 2);
  await compare(pair, commands, 3);
}

const c = (text: string): Command => text.split(" ");

/** Each line is one command, words split on spaces (`\x00`-free, so `''` is not needed). */
const lines = (text: string): Command[] =>
  text.trim().split("\n").map((line) => c(line.trim())).filter((cmd) => cmd[0] !== "");

function setup(): Command[] {
  return lines(`
    ZADD z 1 a 2 b 3 c 4 d 5 e
    ZADD s 0 alpha 0 beta 0 gamma 0 delta 0 epsilon 0 a 0 b
    SET str x
  `);
}

/** A member of every byte (≥ 0x80 included), to check unsigned byte ordering. */
function byteMembers(): Command {
  const command: Command = ["ZADD", "bytes"];
  for (const code of [0x00, 0x01, 0x41, 0x7f, 0x80, 0xc3, 0xe9, 0xff]) {
    command.push("7", String.fromCharCode(code) + "x");
    command.push("7", String.fromCharCode(code));
  }
  return command;
}

let pair: ServerPair;

Deno.test({
  name: "zsets diff",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    pair = await ServerPair.start();
    try {
      await t.step("ZADD options, errors and INCR", () =>
        both(pair, [
          ...setup(),
          ...lines(`
            ZADD z
            ZADD z 1
            ZADD z 1 a 2
            ZADD z NX XX 1 a
            ZADD z GT LT 1 a
            ZADD z NX GT 1 a
            ZADD z NX LT 1 a
            ZADD z INCR 1 a 2 b
            ZADD z nan a
            ZADD z abc a
            ZADD z 1e400 a
            ZADD z -1e400 a
            ZADD z 1e-400 a
            ZADD z 0x1p-1100 a
            ZADD z 1e-310 tiny
            ZADD z inf biggest
            ZINCRBY z 1e400 a
            ZUNIONSTORE dst 1 z WEIGHTS 1e400
            ZRANGEBYSCORE z 1e400 +inf
            ZRANGEBYSCORE z -1e-400 1e400
            ZADD z 1 a abc b
            ZADD str 1 a
            ZADD str abc a
            ZADD z NX 10 a 10 new
            ZADD z XX 10 a 10 new2
            ZADD z XX CH 11 a 10 new3
            ZADD z CH 11 a 12 b 13 zz
            ZADD z GT CH 5 a 50 b
            ZADD z LT CH 5 a 50 b
            ZADD z GT 1 newgt
            ZADD z INCR 1.5 a
            ZADD z NX INCR 1 a
            ZADD z XX INCR 1 missing
            ZADD z GT INCR -1 a
            ZADD z LT INCR -1 a
            ZADD z INCR +inf a
            ZADD z INCR -inf a
            ZADD z inf i1 -inf i2 +inf i3 -INF i4 infinity i5
            ZADD z 0x10 hex 1e3 exp .5 dot 5. dot2 -0 negzero +1 plus
            ZADD nokey XX 1 a
            EXISTS nokey
            ZADD nokey XX INCR 1 a
            ZADD Nx nx 1 a
            ZRANGE z 0 -1 WITHSCORES
            ZINCRBY z 2 a
            ZINCRBY z abc a
            ZINCRBY z 1
            ZCOUNT z \x20\x201 (5
            ZCOUNT z 1\x20 5
            ZINCRBY z -inf i1
            ZINCRBY z +inf i2
            ZINCRBY z 0 i2
            ZINCRBY newz 5 m
            ZINCRBY str 1 a
            ZSCORE z a
            ZSCORE z nope
            ZSCORE nokey a
            ZSCORE str a
            ZMSCORE z a nope b
            ZMSCORE nokey a b
            ZMSCORE str a
            ZMSCORE z
            ZCARD z
            ZCARD nokey
            ZCARD str
          `),
        ]));

      await t.step("score formatting", () =>
        both(pair, [
          c("ZADD f 0.1 a 1e20 b -0 c 0 d 3.141592653589793 e 1e-5 f 123456789012345678 g"),
          c("ZADD f 1.7976931348623157e308 h 5e-324 i 0.30000000000000004 j -1.5e-7 k 1e16 l"),
          c("ZADD f 1e17 m 12345.678 n -inf o inf p 100 q 2.5e-4 r"),
          c("ZRANGE f 0 -1 WITHSCORES"),
          c("ZSCORE f c"),
          c("ZINCRBY f 0.2 a"),
          c("ZMSCORE f a b c d e f g h i j"),
          c("ZSCAN f 0"),
          c("ZPOPMIN f 3"),
          c("ZPOPMAX f"),
          c("ZRANGEBYSCORE f -inf +inf WITHSCORES"),
        ]));

      await t.step("ZREM, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT", () =>
        both(pair, [
          ...setup(),
          ...lines(`
            ZRANK z a
            ZRANK z e
            ZRANK z nope
            ZRANK nokey a
            ZRANK str a
            ZREVRANK z a
            ZREVRANK z e
            ZREVRANK z nope
            ZCOUNT z -inf +inf
            ZCOUNT z (1 (5
            ZCOUNT z 2 4
            ZCOUNT z (2 2
            ZCOUNT z 5 1
            ZCOUNT z abc 1
            ZCOUNT z 1 (abc
            ZCOUNT z ( 3
            ZCOUNT z 0x1 3
            ZCOUNT z 1 nan
            ZCOUNT nokey 1 2
            ZCOUNT str 1 2
            ZCOUNT str x 2
            ZLEXCOUNT s - +
            ZLEXCOUNT s [b [gamma
            ZLEXCOUNT s (b (gamma
            ZLEXCOUNT s + -
            ZLEXCOUNT s [z -
            ZLEXCOUNT s - [c
            ZLEXCOUNT s b c
            ZLEXCOUNT s [a ++
            ZLEXCOUNT nokey - +
            ZLEXCOUNT str - +
            ZLEXCOUNT str x +
            ZREM z a nope b
            ZREM z nope
            ZREM nokey a
            ZREM str a
            ZREM z c d e
            EXISTS z
          `),
        ]));

      await t.step("ZRANGE by rank, score and lex, and the older forms", () =>
        both(pair, [
          ...setup(),
          byteMembers(),
          ...lines(`
            ZRANGE z 0 -1
            ZRANGE z 0 -1 WITHSCORES
            ZRANGE z 1 3 withscores
            ZRANGE z -2 -1
            ZRANGE z -100 100
            ZRANGE z 3 1
            ZRANGE z 5 10
            ZRANGE z 0 -1 REV
            ZRANGE z 0 1 REV WITHSCORES
            ZRANGE z a 1
            ZRANGE z 0 1 LIMIT 0 1
            ZRANGE z 0 1 LIMIT 0 -1
            ZRANGE z 0 1 LIMIT 0
            ZRANGE z (1 5 BYSCORE
            ZRANGE z 5 (1 BYSCORE REV
            ZRANGE z -inf +inf BYSCORE LIMIT 1 2 WITHSCORES
            ZRANGE z -inf +inf BYSCORE LIMIT 1 -1
            ZRANGE z -inf +inf BYSCORE LIMIT -1 2
            ZRANGE z -inf +inf BYSCORE LIMIT 10 2
            ZRANGE z -inf +inf BYSCORE LIMIT 0 0
            ZRANGE z +inf -inf BYSCORE REV LIMIT 1 2 WITHSCORES
            ZRANGE z x 1 BYSCORE
            ZRANGE z 1 2 BYSCORE BYLEX
            ZRANGE z 1 2 REV REV
            ZRANGE z 1 2 FOO
            ZRANGE s - + BYLEX
            ZRANGE s [b (gamma BYLEX
            ZRANGE s + - BYLEX REV
            ZRANGE s + - BYLEX REV LIMIT 1 3
            ZRANGE s - + BYLEX WITHSCORES
            ZRANGE s x + BYLEX
            ZRANGE s - + BYLEX LIMIT a 1
            ZRANGE nokey 0 -1
            ZRANGE str 0 -1
            ZRANGE str x -1
            ZRANGE bytes 0 -1 WITHSCORES
            ZRANGE bytes - + BYLEX
            ZRANGE bytes [\x80 + BYLEX
            ZRANGEBYSCORE z 2 4
            ZRANGEBYSCORE z (2 4 WITHSCORES
            ZRANGEBYSCORE z -inf +inf LIMIT 2 2
            ZRANGEBYSCORE z -inf +inf LIMIT 2
            ZRANGEBYSCORE z 1 2 REV
            ZRANGEBYSCORE z 1 2 BYLEX
            ZRANGEBYSCORE z 1 x
            ZREVRANGEBYSCORE z 4 2
            ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 2
            ZREVRANGEBYSCORE z 2 4
            ZRANGEBYLEX s - +
            ZRANGEBYLEX s [alpha [delta LIMIT 1 1
            ZRANGEBYLEX s - + WITHSCORES
            ZRANGEBYLEX s a b
            ZREVRANGEBYLEX s + -
            ZREVRANGEBYLEX s [delta [alpha
            ZREVRANGE z 0 1
            ZREVRANGE z 0 -1 WITHSCORES
            ZREVRANGE z 0 -1 LIMIT 0 1
            ZREVRANGE z 0 -1 REV
            ZREVRANGE z 0 -1 BYSCORE
          `),
        ]));

      await t.step("ZRANGESTORE and ZREMRANGEBY*", () =>
        both(pair, [
          ...setup(),
          ...lines(`
            ZRANGESTORE dst z 0 2
            ZRANGE dst 0 -1 WITHSCORES
            ZRANGESTORE dst z 0 -1 WITHSCORES
            ZRANGESTORE dst z (1 4 BYSCORE LIMIT 1 5
            ZRANGE dst 0 -1 WITHSCORES
            ZRANGESTORE dst s [b + BYLEX REV
            ZRANGESTORE dst s + [b BYLEX REV
            ZRANGE dst 0 -1
            ZRANGESTORE dst nokey 0 -1
            EXISTS dst
            ZRANGESTORE dst nokey 0 -1
            SET dst2 x
            ZRANGESTORE dst2 z 10 20
            EXISTS dst2
            ZRANGESTORE dst str 0 -1
            ZRANGESTORE str z 0 0
            TYPE str
            ZREMRANGEBYRANK z 0 0
            ZREMRANGEBYRANK z -1 -1
            ZREMRANGEBYRANK z 5 10
            ZREMRANGEBYRANK z a 1
            ZREMRANGEBYRANK nokey 0 1
            ZREMRANGEBYRANK str 0 1
            ZREMRANGEBYSCORE z (2 3
            ZREMRANGEBYSCORE z x 3
            ZREMRANGEBYSCORE nokey x 3
            ZREMRANGEBYSCORE z -inf +inf
            EXISTS z
            ZREMRANGEBYLEX s [alpha [beta
            ZREMRANGEBYLEX s x +
            ZREMRANGEBYLEX s - +
            EXISTS s
          `),
        ]));

      await t.step("ZPOPMIN, ZPOPMAX, ZMPOP, BZPOP* that need not wait", () =>
        both(pair, [
          ...setup(),
          ...lines(`
            ZPOPMIN z
            ZPOPMAX z
            ZPOPMIN z 2
            ZPOPMIN z 0
            ZPOPMIN z -1
            ZPOPMIN z x
            ZPOPMIN z 1 2
            ZPOPMIN nokey
            ZPOPMIN nokey 2
            ZPOPMIN str
            ZPOPMIN str 0
            ZPOPMAX z 100
            EXISTS z
            ZADD z 1 a 2 b 3 c
            ZMPOP 1 z MIN
            ZMPOP 1 z max COUNT 5
            ZMPOP 2 nokey s MIN COUNT 2
            ZMPOP 1 nokey MIN
            ZMPOP 0 z MIN
            ZMPOP x z MIN
            ZMPOP 3 z MIN
            ZMPOP 1 z FOO
            ZMPOP 1 z MIN COUNT 0
            ZMPOP 1 z MIN COUNT x
            ZMPOP 1 z MIN COUNT 1 COUNT 1
            ZMPOP 1 z MIN BAR
            ZMPOP 2 str s MIN
            ZMPOP 2 s str MIN
            BZPOPMIN nokey s 0
            BZPOPMAX s 1
            BZPOPMIN s x
            BZPOPMIN s -1
            BZPOPMIN s inf
            BZPOPMIN s 1e30
            BZPOPMIN str 0
            BZMPOP 0 1 s MAX COUNT 2
            BZMPOP x 1 s MAX
            BZMPOP 0 0 s MAX
            BZMPOP -1 1 s MAX
            BZMPOP 0 2 s MAX
          `),
        ]));

      await t.step("ZUNION, ZINTER, ZDIFF, STORE forms and ZINTERCARD", () =>
        both(pair, [
          ...lines(`
            ZADD a 1 x 2 y 3 z inf big -inf small
            ZADD b 10 y 20 z 30 w -inf big inf small
            ZADD c 5 z
            SET str v
            ZUNION 2 a b
            ZUNION 2 a b WITHSCORES
            ZUNION 2 a b WEIGHTS 2 3 WITHSCORES
            ZUNION 2 a b WEIGHTS 0 1 WITHSCORES
            ZUNION 2 a b AGGREGATE MIN WITHSCORES
            ZUNION 2 a b AGGREGATE max WITHSCORES
            ZUNION 2 a b AGGREGATE foo
            ZUNION 2 a b WEIGHTS 1 x
            ZUNION 2 a b WEIGHTS 1
            ZUNION 3 a b nokey WITHSCORES
            ZUNION 0 a
            ZUNION -1 a
            ZUNION x a
            ZUNION 3 a b
            ZUNION 2 a str
            ZUNION 2 a str FOO
            ZUNION 1 a FOO
            ZINTER 2 a b WITHSCORES
            ZINTER 3 a b c WITHSCORES
            ZINTER 2 a b WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES
            ZINTER 2 a nokey
            ZINTER 2 a a WITHSCORES
            ZDIFF 2 a b WITHSCORES
            ZDIFF 1 a
            ZDIFF 2 a nokey WITHSCORES
            ZDIFF 2 nokey a
            ZDIFF 2 a b WEIGHTS 1 1
            ZDIFF 2 a b AGGREGATE MIN
            ZUNIONSTORE dst 2 a b WEIGHTS 1 2
            ZRANGE dst 0 -1 WITHSCORES
            ZUNIONSTORE dst 2 a b WITHSCORES
            ZINTERSTORE dst 2 a b AGGREGATE MAX
            ZRANGE dst 0 -1 WITHSCORES
            ZINTERSTORE dst 2 a nokey
            EXISTS dst
            ZINTERSTORE dst 2 a nokey
            ZDIFFSTORE dst 2 a b
            ZRANGE dst 0 -1 WITHSCORES
            ZDIFFSTORE dst 0 a
            ZUNIONSTORE dst 0 a
            ZUNIONSTORE str 1 a
            TYPE str
            ZINTERCARD 2 a b
            ZINTERCARD 2 a b LIMIT 1
            ZINTERCARD 2 a b LIMIT 0
            ZINTERCARD 2 a b LIMIT -1
            ZINTERCARD 2 a b LIMIT x
            ZINTERCARD 0 a
            ZINTERCARD 3 a b
            ZINTERCARD 1 a WITHSCORES
            ZINTERCARD 2 a str
            ZINTERCARD 2 a nokey
          `),
        ]));

      await t.step("ZRANDMEMBER deterministic cases and errors", () =>
        both(pair, [
          ...setup(),
          ...lines(`
            ZRANDMEMBER nokey
            ZRANDMEMBER nokey 5
            ZRANDMEMBER nokey -5 WITHSCORES
            ZRANDMEMBER str
            ZRANDMEMBER str 1
            ZRANDMEMBER z 0
            ZRANDMEMBER z 5
            ZRANDMEMBER z 10 WITHSCORES
            ZRANDMEMBER z 10 withscores
            ZRANDMEMBER z x
            ZRANDMEMBER z 1 FOO
            ZRANDMEMBER z 1 WITHSCORES x
            ZRANDMEMBER z -9223372036854775808
            ZRANDMEMBER z 9223372036854775807 WITHSCORES
            ZRANDMEMBER z -4611686018427387904 WITHSCORES
          `),
        ]));

      await t.step("ZSCAN", () =>
        both(pair, [
          ...setup(),
          ...lines(`
            ZSCAN z 0
            ZSCAN z 0 MATCH *
            ZSCAN z 0 MATCH [a-c] COUNT 1
            ZSCAN z 0 COUNT 0
            ZSCAN z 0 COUNT x
            ZSCAN z 0 TYPE zset
            ZSCAN z 0 FOO
            ZSCAN z x
            ZSCAN nokey 0
            ZSCAN nokey 0 FOO
            ZSCAN str 0
            ZSCAN str 0 FOO
            ZSCAN str x
          `),
        ]));

      await t.step("encodings at the listpack thresholds", async () => {
        const commands: Command[] = [];
        const many = (key: string, from: number, n: number): Command => {
          const command: Command = ["ZADD", key];
          for (let i = from; i < from + n; i++) command.push(String(i), `m${i}`);
          return command;
        };
        const long = (n: number) => "x".repeat(n);
        commands.push(
          many("k", 0, 128),
          c("OBJECT ENCODING k"),
          many("k", 128, 1),
          c("OBJECT ENCODING k"),
          c("ZREMRANGEBYRANK k 0 120"),
          c("OBJECT ENCODING k"),
          ["ZADD", "v", "1", long(64)],
          c("OBJECT ENCODING v"),
          ["ZADD", "v", "1", long(65)],
          c("OBJECT ENCODING v"),
          ["ZADD", "w", "1", long(65)],
          c("OBJECT ENCODING w"),
          c("ZUNIONSTORE u 1 v"),
          c("OBJECT ENCODING u"),
          c("ZRANGESTORE r k 0 4"),
          c("OBJECT ENCODING r"),
          c("ZUNIONSTORE u 2 r k"),
          c("OBJECT ENCODING u"),
          c("ZRANGESTORE r w 0 -1"),
          c("OBJECT ENCODING r"),
          c("ZRANGESTORE r k 0 -1"),
          c("OBJECT ENCODING r"),
          c("COPY k k2"),
          c("OBJECT ENCODING k2"),
          c("CONFIG SET zset-max-listpack-entries 0"),
          c("ZADD e0 1 a"),
          c("OBJECT ENCODING e0"),
          c("ZRANGESTORE r e0 0 -1"),
          c("OBJECT ENCODING r"),
          c("CONFIG SET zset-max-listpack-entries 2"),
          c("ZADD e2 1 a 2 b"),
          c("OBJECT ENCODING e2"),
          c("ZADD e2 3 c"),
          c("OBJECT ENCODING e2"),
          c("CONFIG SET zset-max-listpack-entries 128"),
          c("CONFIG SET zset-max-listpack-value 3"),
          c("ZINCRBY e3 1 abcd"),
          c("OBJECT ENCODING e3"),
          c("ZADD e4 1 abc"),
          c("OBJECT ENCODING e4"),
          c("CONFIG SET zset-max-listpack-value 64"),
        );
        await both(pair, commands);
      });

      await t.step("seeded random sequences", async () => {
        let seed = 12345;
        const random = (n: number) => {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          return seed % n;
        };
        const keys = ["r1", "r2", "r3"];
        const members = ["a", "b", "c", "d", "e", "f", "g", "\x80", "\xff", "aa", "B"];
        const scores = ["0", "1", "-1", "2.5", "inf", "-inf", "(1", "1e3", "0.1", "-0"];
        const key = () => keys[random(keys.length)];
        const member = () => members[random(members.length)];
        const score = () => scores[random(scores.length)].replace("(", "");
        const bound = () => ["-inf", "+inf", "(0", "1", "(2.5", "0.1"][random(6)];
        const lex = () => ["-", "+", "[a", "(b", "[\x80", "(aa", "[B"][random(7)];
        const commands: Command[] = [];
        for (let i = 0; i < 600; i++) {
          const k = key();
          switch (random(16)) {
            case 0:
            case 1:
              commands.push(["ZADD", k, score(), member(), score(), member()]);
              break;
            case 2:
              commands.push([
                "ZADD",
                k,
                ["NX", "XX", "GT", "LT", "CH"][random(5)],
                score(),
                member(),
              ]);
              break;
            case 3:
              commands.push(["ZINCRBY", k, score(), member()]);
              break;
            case 4:
              commands.push(["ZREM", k, member(), member()]);
              break;
            case 5:
              commands.push([
                "ZRANGE",
                k,
                String(random(6) - 3),
                String(random(6) - 3),
                "WITHSCORES",
              ]);
              break;
            case 6:
              commands.push(["ZRANGEBYSCORE", k, bound(), bound(), "WITHSCORES"]);
              break;
            case 7:
              commands.push(["ZRANGE", k, lex(), lex(), "BYLEX", ...(random(2) ? ["REV"] : [])]);
              break;
            case 8:
              commands.push(["ZRANK", k, member()], ["ZREVRANK", k, member()]);
              break;
            case 9:
              commands.push(["ZCOUNT", k, bound(), bound()], ["ZLEXCOUNT", k, lex(), lex()]);
              break;
            case 10:
              commands.push([["ZPOPMIN", "ZPOPMAX"][random(2)], k, String(random(3))]);
              break;
            case 11:
              commands.push([
                "ZUNIONSTORE",
                key(),
                "2",
                k,
                key(),
                "AGGREGATE",
                ["SUM", "MIN", "MAX"][random(3)],
              ]);
              break;
            case 12:
              commands.push(["ZINTER", "2", k, key(), "WITHSCORES"], ["ZDIFF", "2", k, key()]);
              break;
            case 13:
              commands.push(["ZREMRANGEBYSCORE", k, bound(), bound()]);
              break;
            case 14:
              commands.push([
                "ZRANGE",
                k,
                "+inf",
                "-inf",
                "BYSCORE",
                "REV",
                "LIMIT",
                String(random(3)),
                String(random(3) - 1),
              ]);
              break;
            default:
              commands.push(["ZRANGE", k, "0", "-1", "WITHSCORES"], ["ZCARD", k]);
          }
        }
        await both(pair, commands);
      });

      await t.step("random replies: shapes and membership", async () => {
        const [ours, theirs] = await pair.connect();
        try {
          for (const client of [ours, theirs]) {
            await client.raw("FLUSHALL");
            await client.raw("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
          }
          for (const resp of ["2", "3"]) {
            for (const client of [ours, theirs]) await client.raw("HELLO", resp);
            for (
              const args of [["ZRANDMEMBER", "z"], ["ZRANDMEMBER", "z", "2"], [
                "ZRANDMEMBER",
                "z",
                "-7",
                "WITHSCORES",
              ], ["ZRANDMEMBER", "z", "3", "WITHSCORES"]]
            ) {
              const [a, b] = await Promise.all([ours.call(...args), theirs.call(...args)]);
              assertEquals(shape(a), shape(b), `${args.join(" ")} resp ${resp}`);
              if (args.length === 3 && args[2] === "2") {
                const list = a as string[];
                assertEquals(new Set(list).size, 2);
              }
            }
          }
        } finally {
          ours.close();
          theirs.close();
        }
      });

      await t.step("ZSCAN of a big set visits every member once", async () => {
        const [ours] = await pair.connect();
        try {
          await ours.raw("FLUSHALL");
          const command: Command = ["ZADD", "big"];
          for (let i = 0; i < 1000; i++) command.push(String(i / 4), `m${i}`);
          await ours.raw(...command);
          const seen = new Map<string, string>();
          let cursor = "0";
          do {
            const reply = parseReply(await ours.raw("ZSCAN", "big", cursor, "COUNT", "37")) as [
              string,
              string[],
            ];
            cursor = reply[0];
            for (let i = 0; i < reply[1].length; i += 2) seen.set(reply[1][i], reply[1][i + 1]);
          } while (cursor !== "0");
          assertEquals(seen.size, 1000);
          assertEquals(seen.get("m6"), "1.5");
        } finally {
          ours.close();
        }
      });

      await t.step("COMMAND GETKEYS for numkeys commands", () =>
        both(
          pair,
          lines(`
          COMMAND GETKEYS ZUNIONSTORE dst 2 a b WEIGHTS 1 2
          COMMAND GETKEYS ZINTER 2 a b
          COMMAND GETKEYS ZMPOP 2 a b MIN
          COMMAND GETKEYS BZMPOP 0 2 a b MIN
          COMMAND GETKEYS ZINTERCARD 1 a
          COMMAND GETKEYS ZRANGESTORE dst src 0 -1
        `),
        ));
    } finally {
      await pair.close();
    }
  },
});

/** Shape of a reply: array lengths and element kinds, not values. */
function shape(value: RespValue): unknown {
  if (Array.isArray(value)) return value.map(shape);
  return typeof value;
}

Deno.test("every sorted set command is declared once", () => {
  const names = sortedSetCommands.map((command) => command.name);
  assertEquals(new Set(names).size, names.length);
  assert(names.length === 35);
});
