/**
 * The list value (a ring buffer) against a plain array as the model: every operation, at every
 * wrap-around position, through growth and shrinking.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { ListValue } from "../src/store/list.ts";
import { prng, seedFrom } from "./support/random.ts";

function contents(list: ListValue): string[] {
  return [...list.elements()];
}

Deno.test("list store: pushes and pops at both ends", () => {
  const list = new ListValue();
  assertEquals(list.size, 0);
  assertEquals(list.popHead(), undefined);
  assertEquals(list.popTail(), undefined);
  list.pushTail("b");
  list.pushHead("a");
  list.pushTail("c");
  assertEquals(contents(list), ["a", "b", "c"]);
  assertEquals(list.type, "list");
  assertEquals(list.encoding(), "quicklist");
  assertEquals(list.popHead(), "a");
  assertEquals(list.popTail(), "c");
  assertEquals(list.popTail(), "b");
  assertEquals(list.size, 0);
});

Deno.test("list store: index, set and range, with negative indexes", () => {
  const list = new ListValue(["a", "b", "c", "d"]);
  assertEquals(list.at(0), "a");
  assertEquals(list.at(-1), "d");
  assertEquals(list.at(-4), "a");
  assertEquals(list.at(4), undefined);
  assertEquals(list.at(-5), undefined);
  assertEquals(list.set(-1, "D"), true);
  assertEquals(list.set(4, "x"), false);
  assertEquals(list.range(1, 3), ["b", "c", "D"]);
  assertEquals(list.indexOf("c"), 2);
  assertEquals(list.indexOf("z"), -1);
});

Deno.test("list store: insert, remove and trim in the middle", () => {
  const list = new ListValue(["a", "b", "a", "c", "a"]);
  list.insertAt(1, "x");
  list.insertAt(5, "y");
  list.insertAt(0, "first");
  list.insertAt(list.size, "last");
  assertEquals(contents(list), ["first", "a", "x", "b", "a", "c", "y", "a", "last"]);
  assertEquals(list.remove("a", 1, true), 1);
  assertEquals(contents(list), ["first", "a", "x", "b", "a", "c", "y", "last"]);
  assertEquals(list.remove("a", Infinity, false), 2);
  assertEquals(contents(list), ["first", "x", "b", "c", "y", "last"]);
  list.trim(1, 2);
  assertEquals(contents(list), ["x", "b", "c"]);
  list.trim(2, 2);
  assertEquals(list.size, 0);
});

Deno.test("list store: clone is deep", () => {
  const list = new ListValue(["a", "b"]);
  const copy = list.clone();
  copy.pushTail("c");
  copy.set(0, "A");
  list.popTail();
  assertEquals(contents(list), ["a"]);
  assertEquals(contents(copy), ["A", "b", "c"]);
});

Deno.test("list store: a million elements through one end and out the other", () => {
  const list = new ListValue();
  for (let i = 0; i < 1_000_000; i++) list.pushTail(String(i));
  assertEquals(list.at(999_999), "999999");
  for (let i = 0; i < 999_990; i++) list.popHead();
  assertEquals(contents(list), [
    "999990",
    "999991",
    "999992",
    "999993",
    "999994",
    "999995",
    "999996",
    "999997",
    "999998",
    "999999",
  ]);
});

Deno.test("list store: random operations agree with an array", () => {
  const seed = seedFrom("LIST_STORE_SEED");
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const list = new ListValue();
  let model: string[] = [];
  const values = ["a", "b", "c", "d"];
  for (let step = 0; step < 50_000; step++) {
    const value = values[int(values.length)];
    // Bias toward growth in the first half and shrinking in the second, to resize both ways.
    const op = int(10);
    const growing = step % 10_000 < 6_000;
    if (op < 3) {
      for (let i = int(growing ? 20 : 3); i >= 0; i--) {
        if (random() < 0.5) {
          list.pushHead(value);
          model.unshift(value);
        } else {
          list.pushTail(value);
          model.push(value);
        }
      }
    } else if (op < 5) {
      for (let i = int(growing ? 3 : 20); i >= 0; i--) {
        if (random() < 0.5) assertEquals(list.popHead(), model.shift());
        else assertEquals(list.popTail(), model.pop());
      }
    } else if (op === 5) {
      const index = int(model.length + 1);
      list.insertAt(index, value);
      model.splice(index, 0, value);
    } else if (op === 6 && !growing) {
      const count = int(4) || Infinity;
      const fromTail = random() < 0.5;
      let removed = 0;
      const order = fromTail ? [...model.keys()].reverse() : [...model.keys()];
      const drop = new Set<number>();
      for (const i of order) {
        if (removed < count && model[i] === value) {
          drop.add(i);
          removed++;
        }
      }
      assertEquals(list.remove(value, count, fromTail), removed);
      model = model.filter((_, i) => !drop.has(i));
    } else if (op === 7 && !growing) {
      const fromHead = int(5);
      const fromTail = int(5);
      list.trim(fromHead, fromTail);
      model = fromHead + fromTail >= model.length
        ? []
        : model.slice(fromHead, model.length - fromTail);
    } else if (op === 8 && model.length > 0) {
      const index = int(model.length);
      list.set(index, value + step);
      model[index] = value + step;
    } else if (model.length > 0) {
      const start = int(model.length);
      const end = start + int(model.length - start);
      assertEquals(list.range(start, end), model.slice(start, end + 1));
      assertEquals(list.at(-1 - start), model.at(-1 - start));
    }
    assertEquals(list.size, model.length, `size after step ${step}`);
    if (step % 500 === 0) assertEquals(contents(list), model, `contents after step ${step}`);
  }
  assertEquals(contents(list), model);
});
