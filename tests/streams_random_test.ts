/**
 * Seeded random sequences of stream commands with explicit IDs, run on Redeno and redis-server
 * and compared reply by reply: XADD (with trimming), XDEL, XTRIM, XRANGE, XREVRANGE,
 * XREADGROUP, XACK, XCLAIM, XAUTOCLAIM, XPENDING and XINFO — under small node limits, so node
 * boundaries, tombstones and the radix tree's shape are exercised. Set STREAMS_SEED to replay.
 */
import { prng, seedFrom } from "./support/random.ts";
import { maskTimes } from "./support/streams.ts";
import { type Command, ServerPair } from "./support/servers.ts";

function randomCommands(random: () => number, count: number): Command[] {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const keys = ["s1", "s2"];
  const last = new Map<string, number>();
  // IDs near the ones added, so deletes, ranges and claims mostly hit something.
  let key = keys[0];
  const id = () => `${Math.max(0, (last.get(key) ?? 0) - int(25))}-${int(3)}`;
  const fieldSets = [["f"], ["f", "g"], ["a", "b", "c"], ["123"], ["f"]];
  const value = () => pick(["v", "1", "-7", "x".repeat(int(90)), "255", "65536", ""]);
  const commands: Command[] = [
    ["CONFIG", "SET", "stream-node-max-entries", String(2 + int(8))],
    ["CONFIG", "SET", "stream-node-max-bytes", pick(["0", "60", "150", "4096"])],
  ];
  for (const key of keys) {
    commands.push(["XGROUP", "CREATE", key, "g", "0", "MKSTREAM"]);
    commands.push(["XGROUP", "CREATE", key, "h", "$"]);
  }
  for (let n = 0; n < count; n++) {
    key = pick(keys);
    const roll = random();
    if (roll < 0.35) {
      // Mostly increasing IDs; now and then one that is too small.
      const previous = last.get(key) ?? 0;
      const ms = random() < 0.1 ? int(previous + 1) : previous + int(3);
      last.set(key, Math.max(previous, ms));
      const trim: string[] = random() < 0.2
        ? random() < 0.5
          ? ["MAXLEN", pick(["~", "=", ""]), String(int(30))]
          : ["MINID", pick(["~", "="]), `${Math.max(0, ms - int(40))}`]
        : [];
      const seq = random() < 0.5 ? "*" : String(int(5));
      const fields = pick(fieldSets).flatMap((field) => [field, value()]);
      commands.push(["XADD", key, ...trim.filter(Boolean), `${ms}-${seq}`, ...fields]);
    } else if (roll < 0.45) {
      commands.push(["XDEL", key, ...Array.from({ length: 1 + int(3) }, id)]);
    } else if (roll < 0.5) {
      const strategy = random() < 0.5
        ? ["MAXLEN", pick(["~", "="]), String(int(40))]
        : ["MINID", pick(["~", "="]), id()];
      const limit = strategy[1] === "~" && random() < 0.5 ? ["LIMIT", String(int(20))] : [];
      commands.push(["XTRIM", key, ...strategy, ...limit]);
    } else if (roll < 0.6) {
      const bounds = [pick(["-", id(), `(${id()}`]), pick(["+", id(), `(${id()}`])];
      const countArgs = random() < 0.5 ? ["COUNT", String(int(6))] : [];
      commands.push(
        random() < 0.5
          ? ["XRANGE", key, bounds[0], bounds[1], ...countArgs]
          : ["XREVRANGE", key, bounds[1], bounds[0], ...countArgs],
      );
    } else if (roll < 0.7) {
      const consumer = pick(["alice", "bob", "carol"]);
      const countArgs = random() < 0.6 ? ["COUNT", String(1 + int(4))] : [];
      const noack = random() < 0.1 ? ["NOACK"] : [];
      commands.push([
        "XREADGROUP",
        "GROUP",
        pick(["g", "h"]),
        consumer,
        ...countArgs,
        ...noack,
        "STREAMS",
        key,
        random() < 0.8 ? ">" : "0",
      ]);
    } else if (roll < 0.76) {
      commands.push(["XACK", key, pick(["g", "h"]), ...Array.from({ length: 1 + int(3) }, id)]);
    } else if (roll < 0.82) {
      const options = [
        ...(random() < 0.3 ? ["JUSTID"] : []),
        ...(random() < 0.2 ? ["FORCE"] : []),
        ...(random() < 0.2 ? ["RETRYCOUNT", String(int(5))] : []),
      ];
      commands.push([
        "XCLAIM",
        key,
        "g",
        pick(["alice", "bob", "dave"]),
        "0",
        ...Array.from({ length: 1 + int(3) }, id),
        ...options,
      ]);
    } else if (roll < 0.86) {
      commands.push([
        "XAUTOCLAIM",
        key,
        pick(["g", "h"]),
        pick(["alice", "erin"]),
        "0",
        pick(["0", id(), `(${id()}`]),
        "COUNT",
        String(1 + int(5)),
        ...(random() < 0.3 ? ["JUSTID"] : []),
      ]);
    } else if (roll < 0.9) {
      commands.push(["XPENDING", key, pick(["g", "h"])]);
    } else if (roll < 0.93) {
      commands.push(["XPENDING", key, "g", "-", "+", String(int(8)), pick(["alice", "bob"])]);
    } else if (roll < 0.97) {
      commands.push(["XINFO", "STREAM", key]);
    } else {
      commands.push(
        random() < 0.5 ? ["XINFO", "GROUPS", key] : ["XINFO", "STREAM", key, "FULL", "COUNT", "5"],
      );
    }
  }
  commands.push(["CONFIG", "SET", "stream-node-max-entries", "100"]);
  commands.push(["CONFIG", "SET", "stream-node-max-bytes", "4096"]);
  return commands;
}

Deno.test("streams: random command sequences match redis-server", async () => {
  const seed = seedFrom("STREAMS_SEED");
  const random = prng(seed);
  const pair = await ServerPair.start();
  const normalize = (raw: string) => maskTimes(raw);
  try {
    for (let run = 0; run < 4; run++) {
      await pair.compare(randomCommands(random, 400), { normalize, resp: run % 2 ? 3 : 2 });
    }
  } finally {
    await pair.close();
  }
});
