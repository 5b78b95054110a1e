/**
 * Unit tests of the hash and set store classes: encodings and their one-way conversions,
 * clones, random picks, and the HSCAN/SSCAN guarantee while the collection changes.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { HashValue } from "../src/store/hash.ts";
import { SetValue } from "../src/store/set.ts";
import { defaultEncodingLimits } from "../src/store/values.ts";

const limits = defaultEncodingLimits();

Deno.test("hash: listpack until a limit is passed, then hashtable for good", () => {
  const hash = new HashValue();
  assertEquals(hash.type, "hash");
  for (let i = 0; i < 512; i++) assert(hash.set(`f${i}`, "v", limits));
  assertEquals(hash.encoding(), "listpack");
  assertEquals(hash.set("f0", "w", limits), false);
  assertEquals(hash.get("f0"), "w");
  hash.set("f512", "v", limits);
  assertEquals(hash.encoding(), "hashtable");
  hash.delete("f512");
  hash.delete("f511");
  assertEquals(hash.encoding(), "hashtable");

  const long = new HashValue();
  long.set("a", "x".repeat(64), limits);
  assertEquals(long.encoding(), "listpack");
  long.set("a", "x".repeat(65), limits);
  assertEquals(long.encoding(), "hashtable");
});

Deno.test("hash: keeps insertion order, a changed value keeps its place; clone is deep", () => {
  const hash = new HashValue();
  hash.set("b", "1", limits);
  hash.set("a", "2", limits);
  hash.set("b", "3", limits);
  assertEquals([...hash.entries()], [["b", "3"], ["a", "2"]]);
  const copy = hash.clone();
  copy.set("c", "4", limits);
  copy.delete("b");
  assertEquals(hash.size, 2);
  assertEquals(copy.size, 2);
  assertEquals(hash.get("b"), "3");
  assertEquals(copy.encoding(), hash.encoding());
});

Deno.test("hash: random fields are members; samples are distinct", () => {
  const hash = new HashValue();
  for (let i = 0; i < 1000; i++) hash.set(`f${i}`, `v${i}`, limits);
  for (let i = 0; i < 200; i++) assert(hash.has(hash.randomField()));
  for (const count of [1, 10, 400, 999]) {
    const fields = hash.randomFields(count);
    assertEquals(new Set(fields).size, count);
    for (const field of fields) assert(hash.has(field));
  }
});

Deno.test("set: intset while members are int64s within the limit, ascending order", () => {
  const set = new SetValue();
  assertEquals(set.type, "set");
  for (const member of ["10", "-3", "7", "9223372036854775807", "-9223372036854775808", "0"]) {
    set.add(member, limits);
  }
  assertEquals(set.encoding(), "intset");
  assertEquals([...set.elements()], [
    "-9223372036854775808",
    "-3",
    "0",
    "7",
    "10",
    "9223372036854775807",
  ]);
  for (const bad of ["01", "-0", "+1", " 1", "1.0", "9223372036854775808", "x"]) {
    const other = new SetValue();
    other.add(bad, limits);
    assertEquals(other.encoding(), "hashtable", bad);
  }
  set.add("x", limits);
  set.delete("x");
  assertEquals(set.encoding(), "hashtable");
});

Deno.test("set: the entry limit converts on a new member only", () => {
  const small = { ...limits, setMaxIntsetEntries: 2 };
  const set = new SetValue();
  set.add("1", small);
  set.add("2", small);
  assertEquals(set.encoding(), "intset");
  assertEquals(set.add("2", { ...small, setMaxIntsetEntries: 0 }), false);
  assertEquals(set.encoding(), "intset");
  set.add("3", small);
  assertEquals(set.encoding(), "hashtable");
  assertEquals(SetValue.from(["1", "2"], small).encoding(), "intset");
  const copy = set.clone();
  copy.delete("1");
  assert(set.has("1"));
});

Deno.test("set: pop and popMany remove distinct members; a rebuilt set re-encodes", () => {
  const set = new SetValue();
  for (let i = 0; i < 100; i++) set.add(`m${i}`, limits);
  set.add("5", limits);
  const seen = new Set<string>();
  const popped = set.popMany(10, limits);
  for (const member of popped) assert(!seen.has(member) && !set.has(member), member);
  assertEquals(set.size, 91);
  // Rebuild path: remaining × 5 ≤ count.
  const last = set.popMany(90, limits);
  assertEquals(new Set(last).size, 90);
  assertEquals(set.size, 1);
  const [survivor] = set.elements();
  assertEquals(set.encoding(), /^m/.test(survivor) ? "hashtable" : "intset");
  assertEquals(set.pop(), survivor);
  assertEquals(set.size, 0);
});

Deno.test("SSCAN guarantee: every member present throughout is returned while the set grows and shrinks", () => {
  const set = new SetValue();
  for (let i = 0; i < 5000; i++) set.add(`m${i}`, limits);
  const seen = new Set<string>();
  let cursor = 0n;
  let step = 0;
  do {
    cursor = set.scan(cursor, 37, (member) => seen.add(member));
    // Grow by more than we remove; remove only members added during the scan.
    for (let i = 0; i < 20; i++) set.add(`new${step}-${i}`, limits);
    if (step > 0) set.delete(`new${step - 1}-0`);
    step++;
  } while (cursor !== 0n);
  for (let i = 0; i < 5000; i++) assert(seen.has(`m${i}`), `m${i}`);
});

Deno.test("HSCAN guarantee: every field present throughout is returned while the hash grows", () => {
  const hash = new HashValue();
  for (let i = 0; i < 3000; i++) hash.set(`f${i}`, `v${i}`, limits);
  const seen = new Map<string, string>();
  let cursor = 0n;
  let step = 0;
  do {
    cursor = hash.scan(cursor, 50, (field, value) => seen.set(field, value));
    for (let i = 0; i < 30; i++) hash.set(`g${step}-${i}`, "x", limits);
    hash.delete(`g${step}-1`);
    step++;
  } while (cursor !== 0n);
  for (let i = 0; i < 3000; i++) assertEquals(seen.get(`f${i}`), `v${i}`);
});

Deno.test("scan of compact encodings returns everything at once with cursor 0", () => {
  const hash = new HashValue();
  hash.set("a", "1", limits);
  hash.set("b", "2", limits);
  const pairs: string[] = [];
  assertEquals(hash.scan(0n, 1, (field, value) => pairs.push(field, value)), 0n);
  assertEquals(pairs, ["a", "1", "b", "2"]);
  const set = SetValue.from(["3", "1", "2"], limits);
  const members: string[] = [];
  assertEquals(set.scan(12345n, 1, (member) => members.push(member)), 0n);
  assertEquals(members, ["1", "2", "3"]);
});
