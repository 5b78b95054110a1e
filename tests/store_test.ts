/** The keyspace on its own: expiry (lazy and active), the heap, SWAPDB, flush, copy/move, SCAN. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Clock } from "../src/store/clock.ts";
import { type Database, Keyspace } from "../src/store/keyspace.ts";
import { ScanCursors } from "../src/store/scan.ts";
import type { CollectionValue } from "../src/store/values.ts";

const T0 = 1_800_000_000_000;

function frozenKeyspace(databases = 4): Keyspace {
  const clock = new Clock();
  clock.set(T0, true);
  return new Keyspace({ databases, clock });
}

/** A stand-in collection with mutable contents, to see that COPY does not share them. */
class FakeList implements CollectionValue {
  readonly type = "list";
  constructor(readonly items: string[]) {}
  encoding(): string {
    return "listpack";
  }
  clone(): FakeList {
    return new FakeList([...this.items]);
  }
}

Deno.test("store: lazy expiry removes a key once the clock is past its deadline", () => {
  const keyspace = frozenKeyspace();
  const db = keyspace.db(0);
  db.set("k", "v");
  db.setExpire("k", T0 + 1000);
  assertEquals(db.getExpire("k"), T0 + 1000);
  keyspace.clock.advance(1000);
  // At the deadline itself the key still exists, as in Redis.
  assertEquals(db.get("k"), "v");
  keyspace.clock.advance(1);
  assertEquals(db.size, 1);
  assertEquals(db.get("k"), undefined);
  assertEquals(db.size, 0);
  assertEquals(keyspace.stats.expiredKeys, 1);
});

Deno.test("store: a deadline not in the future deletes at once", () => {
  const keyspace = frozenKeyspace();
  const db = keyspace.db(0);
  db.set("k", "v");
  db.setExpire("k", T0);
  assertEquals(db.has("k"), false);
});

Deno.test("store: set drops the TTL unless asked to keep it; persist drops it", () => {
  const db = frozenKeyspace().db(0);
  db.set("k", "v");
  db.setExpire("k", T0 + 5000);
  db.set("k", "w", true);
  assertEquals(db.getExpire("k"), T0 + 5000);
  db.set("k", "x");
  assertEquals(db.getExpire("k"), undefined);
  db.setExpire("k", T0 + 5000);
  assertEquals(db.persist("k"), true);
  assertEquals(db.persist("k"), false);
  assertEquals(db.expiresCount, 0);
});

Deno.test("store: deadlines beyond 2^53 ms are kept exactly", () => {
  const db = frozenKeyspace().db(0);
  db.set("k", "v");
  db.setExpire("k", 9223372036854775806n);
  assertEquals(db.getExpireExact("k"), 9223372036854775806n);
  db.setExpire("k", T0 + 10);
  assertEquals(db.getExpireExact("k"), T0 + 10);
});

Deno.test("store: KEYS skips expired keys without deleting them", () => {
  const keyspace = frozenKeyspace();
  const db = keyspace.db(0);
  db.set("a", "1");
  db.set("b", "2");
  db.setExpire("a", T0 + 10);
  keyspace.clock.advance(11);
  assertEquals([...db.keys()], ["b"]);
  assertEquals(db.size, 2);
});

Deno.test("store: active expiry deletes due keys, earliest first, across dbs", () => {
  const keyspace = frozenKeyspace();
  for (const id of [0, 2]) {
    const db = keyspace.db(id);
    for (let i = 0; i < 100; i++) {
      db.set(`k${i}`, "v");
      db.setExpire(`k${i}`, T0 + 1 + i);
    }
  }
  keyspace.clock.advance(51);
  // Keys whose deadline is 50 ms or less away are now past it: 50 per db.
  assertEquals(keyspace.activeExpireCycle(1000), 100);
  assertEquals(keyspace.db(0).size, 50);
  assertEquals(keyspace.db(2).size, 50);
  assertEquals(keyspace.db(0).has("k49"), false);
  assertEquals(keyspace.db(0).has("k50"), true); // due exactly now: still alive
  keyspace.clock.advance(1000);
  assertEquals(keyspace.activeExpireCycle(1000), 100);
  assertEquals(keyspace.db(0).size + keyspace.db(2).size, 0);
  assertEquals(keyspace.stats.expiredKeys, 200);
});

Deno.test("store: stale heap entries are skipped, not acted on", () => {
  const keyspace = frozenKeyspace();
  const db = keyspace.db(0);
  db.set("moved", "v");
  db.setExpire("moved", T0 + 10);
  db.setExpire("moved", T0 + 10_000); // the first entry is now stale
  db.set("persisted", "v");
  db.setExpire("persisted", T0 + 10);
  db.persist("persisted");
  db.set("recreated", "v");
  db.setExpire("recreated", T0 + 10);
  db.delete("recreated");
  db.set("recreated", "v2");
  assertEquals(db.heapSize, 4);
  keyspace.clock.advance(100);
  assertEquals(keyspace.activeExpireCycle(1000), 0);
  assertEquals(db.heapSize, 1);
  assertEquals([...db.keys()].sort(), ["moved", "persisted", "recreated"]);
  keyspace.clock.advance(10_000);
  assertEquals(keyspace.activeExpireCycle(1000), 1);
  assertEquals(db.has("moved"), false);
});

Deno.test("store: the heap is rebuilt when stale entries dominate", () => {
  const db = frozenKeyspace().db(0);
  db.set("k", "v");
  for (let i = 0; i < 10_000; i++) db.setExpire("k", T0 + 1000 + i);
  assertEquals(db.expiresCount, 1);
  assertEquals(db.heapSize <= 2 * db.expiresCount + 1025, true);
  for (let i = 0; i < 5000; i++) {
    db.set(`t${i}`, "v");
    db.setExpire(`t${i}`, T0 + 1000);
  }
  for (let i = 0; i < 5000; i++) db.delete(`t${i}`);
  assertEquals(db.heapSize <= 2 * db.expiresCount + 1025, true);
  assertEquals(db.getExpire("k"), T0 + 1000 + 9999);
});

Deno.test("store: SWAPDB exchanges keys, TTLs and pending expiries", () => {
  const keyspace = frozenKeyspace();
  const [a, b] = [keyspace.db(0), keyspace.db(1)];
  a.set("x", "in a");
  a.setExpire("x", T0 + 10);
  b.set("y", "in b");
  a.swapWith(b);
  assertEquals(a.get("y"), "in b");
  assertEquals(b.get("x"), "in a");
  assertEquals(b.getExpire("x"), T0 + 10);
  keyspace.clock.advance(11);
  assertEquals(keyspace.activeExpireCycle(1000), 1);
  assertEquals(b.size, 0);
  assertEquals(a.size, 1);
});

Deno.test("store: flush empties a db and forgets its expiries and cursors", () => {
  const keyspace = frozenKeyspace();
  const db = keyspace.db(0);
  for (let i = 0; i < 50; i++) {
    db.set(`k${i}`, "v");
    db.setExpire(`k${i}`, T0 + 10);
  }
  const cursor = db.scan(0n, 5, () => {});
  assertEquals(db.flush(), 50);
  assertEquals(db.size, 0);
  assertEquals(db.heapSize, 0);
  assertEquals(db.expiresCount, 0);
  db.set("new", "v");
  const seen: string[] = [];
  db.scan(cursor, 10, (key) => seen.push(key));
  db.scan(0n, 10, (key) => seen.push(key));
  assertEquals(seen.includes("new"), true);
  keyspace.clock.advance(100);
  assertEquals(keyspace.activeExpireCycle(1000), 0);
  assertEquals(keyspace.flushAll(), 1);
});

Deno.test("store: rename and moveTo carry TTL and the raw encoding", () => {
  const keyspace = frozenKeyspace();
  const [a, b] = [keyspace.db(0), keyspace.db(1)];
  a.setModifiedInPlace("s", "abc");
  a.setExpire("s", T0 + 500);
  a.rename("s", "t");
  assertEquals(a.has("s"), false);
  assertEquals(a.isModifiedInPlace("t"), true);
  assertEquals(a.getExpire("t"), T0 + 500);
  a.moveTo("t", b);
  assertEquals(a.has("t"), false);
  assertEquals(b.get("t"), "abc");
  assertEquals(b.isModifiedInPlace("t"), true);
  assertEquals(b.getExpire("t"), T0 + 500);
  keyspace.clock.advance(501);
  assertEquals(keyspace.activeExpireCycle(1000), 1);
  assertEquals(b.size, 0);
});

Deno.test("store: copyTo deep-copies collections and keeps the TTL", () => {
  const keyspace = frozenKeyspace();
  const [a, b] = [keyspace.db(0), keyspace.db(1)];
  const list = new FakeList(["x", "y"]);
  a.set("l", list);
  a.setExpire("l", T0 + 100);
  a.copyTo("l", b, "copy");
  const copy = b.get("copy") as FakeList;
  assertEquals(copy.items, ["x", "y"]);
  list.items.push("z");
  assertEquals(copy.items, ["x", "y"]);
  assertEquals(b.getExpire("copy"), T0 + 100);
  // A copied integer string is a private object; a plain one stays shareable.
  a.set("n", "5");
  a.copyTo("n", a, "m");
  assertEquals(a.isUnsharedInteger("m"), true);
  assertEquals(a.isUnsharedInteger("n"), false);
  // Copying over a key that has a TTL drops that TTL.
  a.set("dest", "old");
  a.setExpire("dest", T0 + 50);
  a.copyTo("n", a, "dest");
  assertEquals(a.getExpire("dest"), undefined);
  assertEquals(a.get("dest"), "5");
});

Deno.test("store: idle time follows accesses; peeks and inspections do not count", () => {
  const keyspace = frozenKeyspace();
  const db = keyspace.db(0);
  db.set("k", "v");
  keyspace.clock.advance(30_000);
  assertEquals(db.idleSeconds("k"), 30);
  db.peek("k");
  db.inspect("k");
  assertEquals(db.idleSeconds("k"), 30);
  db.get("k");
  assertEquals(db.idleSeconds("k"), 0);
});

Deno.test("store: under an LFU policy the counter is logarithmic and decays", () => {
  const keyspace = frozenKeyspace();
  keyspace.access.lfu = true;
  const db = keyspace.db(0);
  db.set("k", "v");
  assertEquals(db.frequency("k"), 5);
  db.get("k");
  assertEquals(db.frequency("k"), 6); // the first access after creation always counts
  keyspace.clock.advance(3 * 60_000);
  assertEquals(db.frequency("k") <= 4, true); // decays one per idle minute
  for (let i = 0; i < 10_000; i++) db.get("k");
  const counter = db.frequency("k");
  assertEquals(counter > 10 && counter < 255, true); // logarithmic, not linear
});

Deno.test("store: randomKey returns live keys and reaps expired ones", () => {
  const keyspace = frozenKeyspace();
  const db = keyspace.db(0);
  assertEquals(db.randomKey(), undefined);
  for (let i = 0; i < 500; i++) {
    db.set(`dead${i}`, "v");
    db.setExpire(`dead${i}`, T0 + 1);
  }
  db.set("alive", "v");
  keyspace.clock.advance(2);
  assertEquals(db.randomKey(), "alive");
  for (let i = 0; i < 100; i++) db.set(`k${i}`, "v");
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(db.randomKey()!);
  assertEquals(seen.size > 50, true);
});

/** Every key a full scan visits, with `between` run before each call after the first. */
function fullScan(db: Database, count: number, between: (step: number) => void): Set<string> {
  const seen = new Set<string>();
  let cursor = 0n;
  let step = 0;
  do {
    if (step > 0) between(step);
    cursor = db.scan(cursor, count, (key) => seen.add(key));
    step++;
  } while (cursor !== 0n && step < 1_000_000);
  return seen;
}

Deno.test("store: SCAN returns every key present throughout, despite churn", () => {
  const db = frozenKeyspace().db(0);
  const stable: string[] = [];
  for (let i = 0; i < 2000; i++) {
    db.set(`stable:${i}`, "v");
    stable.push(`stable:${i}`);
    db.set(`churn:${i}`, "v");
  }
  let added = 0;
  const seen = fullScan(db, 7, (step) => {
    // Delete old churn keys (some before the cursor, some after) and add new ones.
    db.delete(`churn:${(step * 13) % 2000}`);
    db.delete(`churn:${(step * 29 + 1000) % 2000}`);
    db.set(`added:${added++}`, "v");
  });
  for (const key of stable) assertEquals(seen.has(key), true, key);
});

Deno.test("store: SCAN's guarantee holds when saved iterators are dropped", () => {
  const db = frozenKeyspace().db(0);
  for (let i = 0; i < 3000; i++) db.set(`stable:${i}`, "v");
  for (let i = 0; i < 3000; i++) db.set(`churn:${i}`, "v");
  let deleted = 0;
  const seen = fullScan(db, 10, () => {
    // Many other scans in between push this scan's iterator out...
    for (let j = 0; j < 1100; j++) db.scan(0n, 1, () => {});
    // ...while keys before its position disappear.
    for (let j = 0; j < 20 && deleted < 3000; j++) db.delete(`churn:${deleted++}`);
  });
  for (let i = 0; i < 3000; i++) assertEquals(seen.has(`stable:${i}`), true, `stable:${i}`);
});

Deno.test("ScanCursors: a stale cursor never skips more than removals allow", () => {
  for (const deletedFrom of [0, 90]) {
    const cursors = new ScanCursors();
    const map = new Map<string, number>();
    for (let i = 0; i < 100; i++) map.set(`k${i}`, i);
    const cursor = cursors.scan(0n, 50, () => map.keys(), () => {});
    cursors.clear(); // as if the iterator had been dropped
    for (let i = deletedFrom; i < deletedFrom + 10; i++) {
      map.delete(`k${i}`);
      cursors.noteRemoval();
    }
    const rest: string[] = [];
    assertEquals(cursors.scan(cursor, 1000, () => map.keys(), (key) => rest.push(key)), 0n);
    // Every live key from k50 on comes back; removals after the stop cause repeats instead.
    for (let i = 50; i < 100; i++) {
      if (map.has(`k${i}`)) assertEquals(rest.includes(`k${i}`), true);
    }
    assertEquals(rest.length, 50);
    assertEquals(rest[0], deletedFrom === 0 ? "k50" : "k40");
  }
});
