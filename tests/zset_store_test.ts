/**
 * Unit tests of the sorted set store: ranks, ranges and deletes on 100 000 members checked
 * against a plain sorted array, plus a scale check on 1 000 000 members.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type LexRange, type ScoreRange, SortedSet } from "../src/store/zset.ts";
import { defaultEncodingLimits } from "../src/store/values.ts";

/** A small seeded generator so failures reproduce. */
function seeded(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
}

type Entry = [string, number];

function byScoreThenMember(a: Entry, b: Entry): number {
  return a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

function checkAgainst(zset: SortedSet, model: Map<string, number>, random: (n: number) => number) {
  const sorted = [...model].sort(byScoreThenMember);
  assertEquals(zset.size, sorted.length);
  assertEquals([...zset.elements()], sorted.map(([member]) => member));
  for (let i = 0; i < 2000; i++) {
    const rank = random(sorted.length);
    const [member, score] = sorted[rank];
    assertEquals(zset.rank(member), rank);
    const node = zset.nodeAt(rank)!;
    assertEquals([node.member, node.score], [member, score]);
  }
  for (let i = 0; i < 300; i++) {
    const a = random(2000) / 10;
    const b = a + random(200) / 10;
    const range: ScoreRange = {
      min: a,
      max: b,
      minExclusive: random(2) === 0,
      maxExclusive: random(2) === 0,
    };
    const expected = sorted.filter(([, s]) =>
      (range.minExclusive ? s > a : s >= a) && (range.maxExclusive ? s < b : s <= b)
    );
    assertEquals(zset.countInScoreRange(range), expected.length);
    const first = zset.firstInScoreRange(range);
    const last = zset.lastInScoreRange(range);
    if (expected.length === 0) {
      assertEquals(first, null);
      assertEquals(last, null);
    } else {
      assertEquals(first![0].member, expected[0][0]);
      assertEquals(first![1], sorted.indexOf(expected[0]));
      assertEquals(last![0].member, expected[expected.length - 1][0]);
      assertEquals(last![1], sorted.indexOf(expected[expected.length - 1]));
    }
  }
}

Deno.test("zset store: 100 000 members match a sorted array through adds, rescoring and deletes", () => {
  const random = seeded(7);
  const zset = new SortedSet();
  zset.compact = false;
  const model = new Map<string, number>();
  // Few distinct scores so ties (ordered by member bytes, ≥ 0x80 included) are common.
  const member = (i: number) => String.fromCharCode(random(256)) + "m" + i;
  for (let i = 0; i < 100_000; i++) {
    const m = member(i);
    const score = random(2000) / 10;
    assertEquals(zset.add(m, score), !model.has(m));
    model.set(m, score);
  }
  checkAgainst(zset, model, random);
  const members = [...model.keys()];
  for (let i = 0; i < 30_000; i++) {
    const m = members[random(members.length)];
    if (random(2) === 0) {
      assertEquals(zset.remove(m), model.delete(m));
    } else {
      const score = random(2000) / 10;
      zset.add(m, score);
      model.set(m, score);
    }
  }
  checkAgainst(zset, model, random);
  const copy = zset.clone();
  zset.remove(copy.first()!.member);
  assertEquals(copy.size, zset.size + 1);
});

Deno.test("zset store: lex ranges over equal scores", () => {
  const zset = new SortedSet();
  zset.compact = false;
  const words = ["a", "b", "ba", "c", "\x80", "\xff", "B"];
  for (const word of words) zset.add(word, 0);
  const range: LexRange = {
    min: "b",
    max: "\x80",
    minExclusive: false,
    maxExclusive: true,
    minKind: "value",
    maxKind: "value",
  };
  assertEquals(zset.countInLexRange(range), 3);
  assertEquals(zset.firstInLexRange(range)![0].member, "b");
  assertEquals(zset.lastInLexRange(range)![0].member, "c");
  assertEquals(
    zset.countInLexRange({ ...range, minKind: "neg", maxKind: "pos" }),
    words.length,
  );
  assertEquals(zset.countInLexRange({ ...range, minKind: "pos" }), 0);
});

Deno.test("zset store: encoding follows the listpack limits", () => {
  const limits = { ...defaultEncodingLimits(), zsetMaxListpackEntries: 2 };
  const zset = new SortedSet();
  for (const m of ["a", "b"]) {
    zset.makeRoomFor(limits, m);
    zset.add(m, -0);
  }
  assertEquals(zset.encoding(), "listpack");
  assert(Object.is(zset.score("a"), 0));
  zset.makeRoomFor(limits, "c");
  zset.add("c", -0);
  assertEquals(zset.encoding(), "skiplist");
  assert(Object.is(zset.score("c"), -0));
  zset.remove("c");
  assertEquals(zset.encoding(), "skiplist");
});

Deno.test("zset store: 1 000 000 members, rank and range at random ranks stay fast", () => {
  const random = seeded(11);
  const zset = new SortedSet();
  zset.compact = false;
  let start = performance.now();
  for (let i = 0; i < 1_000_000; i++) zset.add(`member:${i}`, random(1_000_000));
  const buildMs = performance.now() - start;
  start = performance.now();
  for (let i = 0; i < 100_000; i++) {
    const node = zset.nodeAt(random(1_000_000))!;
    assert(zset.rank(node.member) >= 0);
  }
  const rankMs = performance.now() - start;
  start = performance.now();
  let seen = 0;
  for (let i = 0; i < 10_000; i++) {
    let node = zset.nodeAt(random(999_900));
    for (let j = 0; j < 10 && node !== null; j++, node = node.next) seen++;
  }
  const rangeMs = performance.now() - start;
  assertEquals(seen, 100_000);
  console.log(
    `1M zset: build ${buildMs.toFixed(0)} ms, 100k ZRANK+nodeAt ${
      rankMs.toFixed(0)
    } ms, 10k ZRANGE of 10 ${rangeMs.toFixed(0)} ms`,
  );
  // Generous bounds: a linear scan would take minutes at these counts.
  assert(rankMs < 3000, `rank too slow: ${rankMs} ms`);
  assert(rangeMs < 1000, `range too slow: ${rangeMs} ms`);
});
