/**
 * globMatch against redis-server's own matcher: the same keys, many patterns, KEYS on the real
 * server versus globMatch here.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { globMatch } from "../src/store/glob.ts";
import { parseReply, RespClient } from "./support/resp_client.ts";
import { startRedis } from "./support/servers.ts";

const KEYS = [
  "",
  "a",
  "b",
  "ab",
  "abc",
  "aXc",
  "a-c",
  "a]c",
  "a^c",
  "a\\c",
  "a*c",
  "a?c",
  "a[c",
  "hello",
  "hallo",
  "hllo",
  "heeello",
  "HELLO",
  "]",
  "^",
  "-",
  "\\",
  "*",
  "?",
  "[",
  "\x00",
  "a\x00c",
  "\x7f",
  "\x80",
  "\xff",
  "a\xffc",
  "\xe9t\xe9",
  "user:1",
  "user:42",
  "user:x:y",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
];

const PATTERNS = [
  "*",
  "?",
  "??",
  "a*",
  "*c",
  "a*c",
  "a?c",
  "a**c",
  "**",
  "*a*b*",
  "a*a*a*a*a*a*a*a*a*b",
  "a*a*a*a*a*a*a*a*a*c",
  "h?llo",
  "h*llo",
  "h[ae]llo",
  "h[^e]llo",
  "h[^]llo",
  "h[a-e]llo",
  "h[e-a]llo",
  "[a-]*",
  "[-a]*",
  "[]]",
  "[]a]*",
  "[^]]",
  "[^]",
  "[",
  "a[",
  "a[b",
  "a[^",
  "[\\]]",
  "[\\-]",
  "[a\\-c]",
  "[\\",
  "a\\*c",
  "a\\?c",
  "a\\[c",
  "a\\\\c",
  "a\\",
  "\\",
  "\\a\\b\\c",
  "a[\\^]c",
  "a[x\\]]c",
  "[\x00-a]",
  "a?c*",
  "*\x00*",
  "[\x80-\xff]",
  "[\xff-\x80]",
  "[a-\xff]",
  "[\x7f-\x80]",
  "[\x00-\xff]",
  "[^\x80]",
  "\xe9*",
  "*\xff*",
  "user:[0-9]",
  "user:[0-9]*",
  "user:*:*",
  "user:?*",
  "[[]",
  "[a-c-e]*",
  "[!a]*",
  "HEL*",
  "hel*",
  "",
];

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomPatterns(count: number): string[] {
  const next = random(42);
  const alphabet = ["a", "b", "c", "*", "?", "[", "]", "^", "-", "\\", "\xff", "\x80", "X"];
  const patterns: string[] = [];
  for (let i = 0; i < count; i++) {
    let pattern = "";
    const length = Math.floor(next() * 7);
    for (let j = 0; j < length; j++) pattern += alphabet[Math.floor(next() * alphabet.length)];
    patterns.push(pattern);
  }
  return patterns;
}

Deno.test("globMatch agrees with redis-server's KEYS", async () => {
  const redis = await startRedis();
  const client = await RespClient.connect(redis.port);
  try {
    for (const key of KEYS) await client.raw("SET", key, "v");
    for (const pattern of [...PATTERNS, ...randomPatterns(400)]) {
      const theirs = (parseReply(await client.raw("KEYS", pattern)) as string[]).sort();
      // KEYS takes "*" as "everything" without matching (the matcher refuses "" for "*").
      const ours = KEYS.filter((key) => pattern === "*" || globMatch(pattern, key)).sort();
      assertEquals(ours, theirs, `KEYS ${JSON.stringify(pattern)}`);
    }
  } finally {
    client.close();
    await redis.close();
  }
});

Deno.test("globMatch: an empty text matches only an empty pattern, as in Redis", () => {
  assertEquals(globMatch("", ""), true);
  assertEquals(globMatch("*", ""), false);
  assertEquals(globMatch("?", ""), false);
});

Deno.test("globMatch: nocase folds ASCII letters only", () => {
  assertEquals(globMatch("HeLLo", "hello", true), true);
  assertEquals(globMatch("h[A-Z]llo", "hello", true), true);
  assertEquals(globMatch("h[a-z]llo", "HELLO", true), true);
  assertEquals(globMatch("HeLLo", "hello"), false);
  assertEquals(globMatch("\xc9", "\xe9", true), false);
});

Deno.test("globMatch: hostile patterns finish quickly", () => {
  const text = "a".repeat(5000);
  const started = performance.now();
  assertEquals(globMatch("*a".repeat(2000) + "b", text), false);
  assertEquals(globMatch("a*".repeat(40) + "b", "a".repeat(100)), false);
  assertEquals(performance.now() - started < 2000, true);
});
