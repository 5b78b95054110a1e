/**
 * The stream store on its own: ranges on a million entries stay O(log n + count), node
 * boundaries follow the node limits, tombstones, trimming, pending lists and 64-bit IDs.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  compareIds,
  formatId,
  MAX_ID,
  MIN_ID,
  nextId,
  PendingEntry,
  PendingList,
  previousId,
  type StreamId,
  StreamValue,
  U64_MAX,
} from "../src/store/stream.ts";
import { parseId, parseU64 } from "../src/commands/streams_common.ts";

const LIMITS = { maxEntries: 100, maxBytes: 4096 };

function filled(count: number): StreamValue {
  const stream = new StreamValue();
  const pair = ["field", "value"];
  for (let i = 1; i <= count; i++) stream.append({ ms: i, seq: 0 }, pair, 0, LIMITS);
  return stream;
}

Deno.test("stream store: small ranges on a million entries are fast", () => {
  const stream = filled(1_000_000);
  assertEquals(stream.length, 1_000_000);
  assertEquals(stream.nodes.length, 10_000);
  const started = performance.now();
  let seen = 0;
  let expected = 0;
  for (let i = 0; i < 10_000; i++) {
    const from = 1 + ((i * 7919) % 999_990);
    const refs = stream.range({ ms: from, seq: 0 }, MAX_ID, 10, false);
    seen += refs.length;
    assertEquals(formatId(refs[0].node.id(refs[0].index)), `${from}-0`);
    seen += stream.range(MIN_ID, { ms: from, seq: 0 }, 5, true).length;
    expected += 10 + Math.min(5, from);
  }
  const elapsed = performance.now() - started;
  assertEquals(seen, expected);
  assert(elapsed < 1000, `20,000 ranges took ${elapsed.toFixed(0)} ms`);
});

Deno.test("stream store: deletes leave tombstones until a node empties", () => {
  const stream = filled(250);
  assert(stream.delete({ ms: 5, seq: 0 }));
  assert(!stream.delete({ ms: 5, seq: 0 }));
  assertEquals(stream.nodes[0].live, 99);
  assertEquals(stream.nodes[0].deleted, 1);
  for (let i = 1; i <= 100; i++) stream.delete({ ms: i, seq: 0 });
  assertEquals(stream.nodes.length, 2);
  assertEquals(stream.length, 150);
  assertEquals(stream.find({ ms: 101, seq: 0 })?.index, 0);
  assertEquals(stream.find({ ms: 100, seq: 0 }), undefined);
  const reversed = stream.range({ ms: 99, seq: 0 }, { ms: 103, seq: 0 }, 0, true);
  assertEquals(reversed.map((ref) => formatId(ref.node.id(ref.index))), [
    "103-0",
    "102-0",
    "101-0",
  ]);
});

Deno.test("stream store: approximate trimming drops whole nodes only", () => {
  const stream = filled(250);
  const trim = { strategy: "maxlen" as const, maxlen: 120, minid: MIN_ID, approx: true, limit: 0 };
  assertEquals(stream.trim(trim), 100);
  assertEquals(stream.trim(trim), 0);
  assertEquals(stream.trim({ ...trim, approx: false }), 30);
  assertEquals(stream.length, 120);
  assertEquals(formatId(stream.firstId), "131-0");
  const byId = { strategy: "minid" as const, maxlen: 0, minid: { ms: 240, seq: 0 }, approx: false };
  assertEquals(stream.trim({ ...byId, limit: 0 }), 109);
  assertEquals(formatId(stream.firstId), "240-0");
});

Deno.test("stream store: nodes close at the byte limit", () => {
  const stream = new StreamValue();
  const limits = { maxEntries: 0, maxBytes: 100 };
  for (let i = 1; i <= 10; i++) stream.append({ ms: i, seq: 0 }, ["f", "x".repeat(20)], 0, limits);
  assert(stream.nodes.length > 1);
  for (const node of stream.nodes.slice(0, -1)) assert(node.bytes < 100 + 40);
});

Deno.test("stream store: 64-bit IDs", () => {
  assertEquals(parseU64("18446744073709551615"), U64_MAX);
  assertEquals(parseU64("18446744073709551616"), null);
  assertEquals(parseU64("9007199254740993"), 9007199254740993n);
  assertEquals(parseU64("-1"), null);
  assertEquals(parseU64("-0"), 0);
  assertEquals(parseU64("-18446744073709551615"), 1);
  assertEquals(parseU64(" +7"), 7);
  assertEquals(parseU64("007"), 7);
  assertEquals(parseU64(""), null);
  assertEquals(parseId("5-*", 0, true, true), { id: { ms: 5, seq: 0 }, seqGiven: false });
  assertEquals(parseId("-", 0, true), null);
  assertEquals(parseId("+", 0, false)?.id, MAX_ID);
  assertEquals(parseId("3", U64_MAX, false)?.id, { ms: 3, seq: U64_MAX });
  const top: StreamId = { ms: 9007199254740991, seq: U64_MAX };
  assertEquals(nextId(top), { ms: 9007199254740992n, seq: 0 });
  assertEquals(previousId({ ms: 9007199254740992n, seq: 0 }), {
    ms: 9007199254740991,
    seq: U64_MAX,
  });
  assertEquals(nextId(MAX_ID), null);
  assertEquals(previousId(MIN_ID), null);
  assert(compareIds({ ms: 9007199254740992n, seq: 0 }, { ms: 9007199254740991, seq: 5 }) > 0);
  const stream = new StreamValue();
  stream.append({ ms: U64_MAX, seq: 1 }, ["f", "v"], 0, LIMITS);
  stream.append({ ms: U64_MAX, seq: U64_MAX }, ["f", "v"], 0, LIMITS);
  assertEquals(stream.range(MIN_ID, MAX_ID, 0, false).length, 2);
  assertEquals(formatId(stream.lastId), "18446744073709551615-18446744073709551615");
});

Deno.test("stream store: pending lists stay ordered through inserts and removals", () => {
  const list = new PendingList();
  const ids: number[] = [];
  for (let i = 0; i < 2000; i++) ids.push((i * 7919) % 2003);
  for (const ms of ids) assert(list.insert(new PendingEntry({ ms, seq: 0 }, 0, 1, null)));
  assert(!list.insert(new PendingEntry({ ms: ids[0], seq: 0 }, 0, 1, null)));
  assertEquals(list.size, 2000);
  for (const ms of ids.slice(0, 1000)) assert(list.remove({ ms, seq: 0 }) !== undefined);
  const rest = [...list.from()].map((entry) => entry.id.ms as number);
  assertEquals(rest, ids.slice(1000).sort((a, b) => a - b));
  assertEquals(list.first()?.id.ms, rest[0]);
  assertEquals(list.last()?.id.ms, rest[rest.length - 1]);
  assertEquals([...list.from({ ms: rest[10], seq: 0 })].length, 990);
  assertEquals(list.get({ ms: rest[5], seq: 0 })?.id.ms, rest[5]);
});

Deno.test("stream store: clone shares nothing mutable", () => {
  const stream = filled(5);
  const copy = stream.clone();
  stream.delete({ ms: 1, seq: 0 });
  stream.append({ ms: 9, seq: 0 }, ["f", "v"], 0, LIMITS);
  assertEquals(copy.length, 5);
  assertEquals(copy.range(MIN_ID, MAX_ID, 0, false).length, 5);
});
