/**
 * FUNCTION and FCALL on Redeno and redis-server side by side, RESP2 and RESP3. Libraries hold one
 * function where a reply lists them (Redis lists them in hash-table order). DUMP/RESTORE is
 * checked as a round trip on Redeno, and a Redis payload is restored by Redeno.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { withPair } from "./support/servers.ts";

const LIB = "#!lua name=mylib\n" +
  "redis.register_function('f1', function(keys, args) return redis.call('incr', keys[1]) end)\n" +
  "redis.register_function{function_name='f2', callback=function(keys, args) error('bad') end, " +
  "flags={'no-writes'}}\n" +
  "redis.register_function('f3', function(keys, args) return redis.call('set','x','y') end)\n" +
  "redis.register_function{function_name='g', callback=function() return " +
  "redis.call('set','k','v') end, flags={'no-writes'}}\n" +
  "redis.register_function('echo', function(keys, args) return {keys, args} end)";

const ONE = "#!lua name=one\nredis.register_function{function_name='only', " +
  "callback=function() return 'hi' end, description='desc', flags={'no-cluster','allow-stale'}}";

Deno.test("functions: FUNCTION and FCALL as redis-server", async (t) => {
  await withPair(async (pair) => {
    const both = (name: string, commands: string[][]) =>
      t.step(name, () => pair.compareBoth(commands));

    await both("load and call", [
      ["FUNCTION", "FLUSH"],
      ["FUNCTION", "LOAD", LIB],
      ["FCALL", "f1", "1", "cnt"],
      ["FCALL", "f2", "0"],
      ["FCALL_RO", "f1", "1", "cnt"],
      ["FCALL_RO", "f2", "0"],
      ["FCALL", "g", "0"],
      ["FCALL", "echo", "2", "a", "b", "c"],
      ["FCALL", "nosuch", "0"],
      ["FCALL", "f1", "5"],
      ["FCALL", "f1", "-1"],
      ["FCALL", "f1", "x"],
      ["FUNCTION", "LOAD", LIB],
      ["FUNCTION", "DELETE", "nolib"],
      ["FUNCTION", "DELETE", "mylib"],
      ["FCALL", "f1", "1", "cnt"],
      ["FUNCTION", "FLUSH", "x"],
      ["FUNCTION", "FLUSH", "SYNC"],
    ]);

    await both("load errors", [
      ["FUNCTION", "FLUSH"],
      ["FUNCTION", "LOAD", "return 1"],
      ["FUNCTION", "LOAD", "#!lua name=lib2\nreturn 1"],
      ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.call('ping')"],
      ["FUNCTION", "LOAD", "#!lua name=lib2\nx = 1"],
      [
        "FUNCTION",
        "LOAD",
        "#!lua name=lib2 foo=bar\nredis.register_function('g1', function() end)",
      ],
      ["FUNCTION", "LOAD", "#!lua\nredis.register_function('g1', function() end)"],
      ["FUNCTION", "LOAD", "#!js name=x\nredis.register_function('g1', function() end)"],
      ["FUNCTION", "LOAD", "#!lua name=a-b\nredis.register_function('f', function() end)"],
      ["FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('g1', function() end, 5)"],
      ["FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('f', 5)"],
      ["FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('f-g', function() end)"],
      ["FUNCTION", "LOAD", "#!lua name=l\nredis.register_function{callback=function() end}"],
      ["FUNCTION", "LOAD", "#!lua name=l\nredis.register_function{function_name='f'}"],
      [
        "FUNCTION",
        "LOAD",
        "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, flags='x'}",
      ],
      [
        "FUNCTION",
        "LOAD",
        "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, flags={'bad'}}",
      ],
      [
        "FUNCTION",
        "LOAD",
        "#!lua name=l\nredis.register_function{function_name='f', callback=function() end, foo=1}",
      ],
      ["FUNCTION", "LOAD", "#!lua name=l\n local a = "],
      ["FUNCTION", "LOAD", "#!lua name=l\nerror('nope')"],
      ["FUNCTION", "LOAD", LIB],
      ["FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('f1', function() end)"],
      ["FUNCTION", "LOAD", "REPLACE", LIB],
      [
        "FUNCTION",
        "LOAD",
        "#!lua name=lib3\nredis.register_function('h', function() local x = nil; return x.y end)",
      ],
      ["FCALL", "h", "0"],
    ]);

    await both("list, stats, help", [
      ["FUNCTION", "FLUSH"],
      ["FUNCTION", "LIST"],
      ["FUNCTION", "LOAD", ONE],
      ["FUNCTION", "LIST"],
      ["FUNCTION", "LIST", "WITHCODE"],
      ["FUNCTION", "LIST", "LIBRARYNAME", "o*"],
      ["FUNCTION", "LIST", "LIBRARYNAME", "x*"],
      ["FUNCTION", "LIST", "LIBRARYNAME"],
      ["FUNCTION", "LIST", "FOO"],
      ["FUNCTION", "LIST", "WITHCODE", "WITHCODE"],
      ["FUNCTION", "STATS"],
      ["FCALL", "only", "0"],
      ["FUNCTION", "KILL"],
      ["FUNCTION", "HELP"],
      ["FUNCTION", "RESTORE", "xx"],
      ["FUNCTION", "FLUSH"],
    ]);
  });
});

Deno.test("functions: DUMP and RESTORE round trip, and a Redis payload restores on Redeno", async () => {
  await withPair(async (pair) => {
    const [ours, theirs] = await pair.connect();
    try {
      for (const c of [ours, theirs]) {
        await c.raw("FUNCTION", "FLUSH");
        await c.raw("FUNCTION", "LOAD", ONE);
      }
      const ourDump = await ours.raw("FUNCTION", "DUMP");
      const payload = ourDump.slice(ourDump.indexOf("\r\n") + 2, -2);
      assertEquals(
        await ours.raw("FUNCTION", "RESTORE", payload),
        "-ERR Library 'one' already exists\r\n",
      );
      assertEquals(await ours.raw("FUNCTION", "RESTORE", payload, "REPLACE"), "+OK\r\n");
      assertEquals(await ours.raw("FUNCTION", "RESTORE", payload, "FLUSH"), "+OK\r\n");
      assertEquals(
        await ours.raw("FUNCTION", "RESTORE", payload, "NOPE"),
        await theirs.raw("FUNCTION", "RESTORE", payload, "NOPE"),
      );
      // Redis compresses the code (LZF): Redeno reads that too.
      const theirDump = await theirs.raw("FUNCTION", "DUMP");
      const redisPayload = theirDump.slice(theirDump.indexOf("\r\n") + 2, -2);
      assertEquals(await ours.raw("FUNCTION", "RESTORE", redisPayload, "FLUSH"), "+OK\r\n");
      assertEquals(await ours.raw("FCALL", "only", "0"), "$2\r\nhi\r\n");
      // Redis restores Redeno's (uncompressed) payload.
      assertEquals(await theirs.raw("FUNCTION", "RESTORE", payload, "FLUSH"), "+OK\r\n");
      const corrupt = payload.slice(0, -1) +
        String.fromCharCode(payload.charCodeAt(payload.length - 1) ^ 1);
      assertEquals(
        await ours.raw("FUNCTION", "RESTORE", corrupt),
        await theirs.raw("FUNCTION", "RESTORE", corrupt),
      );
    } finally {
      ours.close();
      theirs.close();
    }
  });
});
