/**
 * Lua 5.1 behaviours Redis scripts rely on, where fengari's Lua 5.3 differs by default: number
 * formatting, string.format's %d, unpack/loadstring/table.getn/math.pow, missing 5.3-only names,
 * error wording. Compared with redis-server (which embeds Lua 5.1).
 */
import { withPair } from "./support/servers.ts";

const cases: string[] = [
  "return tostring(10/2)",
  "return (10/2) .. ''",
  "return tostring(3.5) .. ' ' .. tostring(-0.25) .. ' ' .. tostring(1/3)",
  "return tostring(2^53)",
  "return tostring(tonumber('5.0'))",
  "return string.format('%d', 1.5)",
  "return string.format('%d %x %5.1f %s', 7.9, 255.5, 2.3, 10/2)",
  "return unpack({1, 2, 3})",
  "return {unpack({1, 2, 3})}",
  "return table.getn({1, 2, 3})",
  "return math.pow(2, 10)",
  "return math.mod(7, 3)",
  "return math.floor(math.log10(1000) + 0.5)",
  "return loadstring('return 1 + 1')()",
  "return type(getfenv)",
  "return type(setfenv)",
  "return type(table.pack) .. type(math.tointeger) .. type(string.pack) .. type(utf8)",
  "return _VERSION",
  "return #{1, 2, 3}",
  "return table.maxn({1, 2, [10] = 3})",
  "return type(gcinfo())",
  "return string.gfind ~= nil",
  "local t = {} t[1] = 'a' t[2] = 'b' return table.concat(t, ',')",
  "return 7 % 3 .. ' ' .. -7 % 3",
  "return math.huge > 0",
  "local a = nil; return a.b",
  "local a = 1; return a + {}",
  "return nosuch.field",
  "return select('#', 1, 2, 3)",
  "return tostring(nil) .. tostring(true)",
];

Deno.test("lua 5.1 compatibility: scripts see what they see on Redis", async (t) => {
  await withPair(async (pair) => {
    await t.step(
      "expressions",
      () => pair.compareBoth(cases.map((script) => ["EVAL", script, "0"])),
    );
  });
});
