import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { ExpiryHeap } from "../src/store/expiry_heap.ts";

function drain(heap: ExpiryHeap): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  while (heap.size > 0) {
    out.push([heap.peekDeadline(), heap.peekKey()!]);
    heap.pop();
  }
  return out;
}

Deno.test("ExpiryHeap: pops in deadline order", () => {
  const heap = new ExpiryHeap();
  const deadlines = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5003);
  for (const [i, deadline] of deadlines.entries()) heap.push(deadline, `k${i}`);
  assertEquals(heap.size, 5000);
  const popped = drain(heap).map(([deadline]) => deadline);
  assertEquals(popped, [...deadlines].sort((a, b) => a - b));
});

Deno.test("ExpiryHeap: empty heap peeks Infinity and pops harmlessly", () => {
  const heap = new ExpiryHeap();
  assertEquals(heap.peekDeadline(), Infinity);
  assertEquals(heap.peekKey(), undefined);
  heap.pop();
  assertEquals(heap.size, 0);
});

Deno.test("ExpiryHeap: keeps duplicates (a stale entry and a fresh one for one key)", () => {
  const heap = new ExpiryHeap();
  heap.push(10, "a");
  heap.push(5, "a");
  heap.push(7, "b");
  assertEquals(drain(heap), [[5, "a"], [7, "b"], [10, "a"]]);
});

Deno.test("ExpiryHeap: assign heapifies any order", () => {
  const heap = new ExpiryHeap();
  heap.push(1, "old");
  const entries: Array<[string, number]> = [];
  for (let i = 0; i < 1000; i++) entries.push([`k${i}`, (i * 31) % 997]);
  heap.assign(entries);
  assertEquals(heap.size, 1000);
  const popped = drain(heap);
  assertEquals(popped.map(([d]) => d), entries.map(([, d]) => d).sort((a, b) => a - b));
  assertEquals(popped.some(([, key]) => key === "old"), false);
  heap.push(3, "again");
  assertEquals(heap.peekKey(), "again");
});

Deno.test("ExpiryHeap: clear empties it", () => {
  const heap = new ExpiryHeap();
  for (let i = 0; i < 100; i++) heap.push(i, String(i));
  heap.clear();
  assertEquals(heap.size, 0);
  assertEquals(heap.peekDeadline(), Infinity);
});
