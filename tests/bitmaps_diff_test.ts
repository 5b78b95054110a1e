/**
 * Differential tests of the bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
 * BITFIELD_RO) against redis-server 7.0.15, in RESP2 and RESP3: reply bytes, the dirty and
 * keyspace hit/miss counters, keyspace notifications, and a seeded random run.
 */
import { type Command, pairTests } from "./support/servers.ts";
import { runDiff, runDiffBoth } from "./support/collection_diff.ts";
import { compareNotificationsBoth } from "./support/notifications.ts";
import { prng, seedFrom } from "./support/random.ts";

const test = pairTests("bitmaps");

test("SETBIT and GETBIT: growth, values, errors", async (pair) => {
  await runDiffBoth(pair, [
    ["SETBIT", "b", "7", "1"],
    ["GET", "b"],
    ["SETBIT", "b", "7", "1"],
    ["SETBIT", "b", "7", "0"],
    ["SETBIT", "b", "100", "1"],
    ["STRLEN", "b"],
    ["GET", "b"],
    ["GETBIT", "b", "100"],
    ["GETBIT", "b", "99"],
    ["GETBIT", "b", "100000"],
    ["GETBIT", "nokey", "3"],
    ["SETBIT", "b", "0", "0"],
    ["SETBIT", "s", "0", "0"],
    ["OBJECT", "ENCODING", "s"],
    ["SET", "n", "12"],
    ["GETBIT", "n", "2"],
    ["SETBIT", "n", "6", "0"],
    ["OBJECT", "ENCODING", "n"],
    ["GET", "n"],
    ["SET", "t", "ab"],
    ["SETBIT", "t", "7", "0"],
    ["SETBIT", "t", "1", "1"],
    ["OBJECT", "ENCODING", "t"],
    ["SETBIT", "b", "-1", "1"],
    ["SETBIT", "b", "x", "1"],
    ["SETBIT", "b", "1", "2"],
    ["SETBIT", "b", "1", "-1"],
    ["SETBIT", "b", "1", "x"],
    ["SETBIT", "b", "#1", "1"],
    ["SETBIT", "b", "4294967296", "1"],
    ["GETBIT", "b", "4294967296"],
    ["GETBIT", "b", "-1"],
    ["GETBIT", "b", " 1"],
    ["SETBIT", "b", "1"],
    ["GETBIT", "b"],
    ["GETBIT", "b", "1", "2"],
    ["RPUSH", "l", "a"],
    ["SETBIT", "l", "1", "1"],
    ["GETBIT", "l", "1"],
    ["GETBIT", "l", "x"],
    ["SET", "e", "x", "PX", "100000"],
    ["SETBIT", "e", "1", "0"],
    ["PERSIST", "e"],
  ]);
});

test("BITCOUNT: ranges in bytes and bits, errors", async (pair) => {
  const steps: Command[] = [
    ["SET", "s", "foobar\xff\x00\x81"],
    ["BITCOUNT", "s"],
    ["BITCOUNT", "nokey"],
    ["BITCOUNT", "nokey", "0", "x"],
    ["BITCOUNT", "nokey", "0"],
    ["SET", "empty", ""],
    ["BITCOUNT", "empty"],
    ["BITCOUNT", "empty", "0", "-1", "BIT"],
    ["SET", "n", "-123"],
    ["BITCOUNT", "n"],
    ["RPUSH", "l", "a"],
    ["BITCOUNT", "l"],
    ["BITCOUNT", "s", "0"],
    ["BITCOUNT", "s", "0", "1", "2"],
    ["BITCOUNT", "s", "0", "1", "BYTE", "x"],
    ["BITCOUNT", "s", "x", "1"],
    ["BITCOUNT", "s", "1", "x"],
    ["BITCOUNT", "s", "1", "2", "bits"],
    ["BITCOUNT", "s", "-5", "-7"],
    ["BITCOUNT", "s", "-5", "-7", "BIT"],
    ["BITCOUNT", "s", "-9223372036854775808", "9223372036854775807"],
    ["BITCOUNT", "s", "-9223372036854775808", "9223372036854775807", "bit"],
    ["BITCOUNT", "s", "9223372036854775807", "-9223372036854775808"],
    ["BITCOUNT", "s", "9223372036854775808", "1"],
  ];
  for (const [start, end] of [[0, 0], [1, 1], [-1, -1], [2, -3], [100, 200], [5, 3], [-100, 2]]) {
    for (const unit of [[], ["BYTE"], ["bit"]]) {
      steps.push(["BITCOUNT", "s", String(start), String(end), ...unit]);
    }
  }
  for (const [start, end] of [[3, 9], [7, 8], [1, 6], [9, 9], [0, 71], [13, 66], [-7, -2]]) {
    steps.push(["BITCOUNT", "s", String(start), String(end), "BIT"]);
  }
  await runDiffBoth(pair, steps);
});

test("BITPOS: bit, ranges in bytes and bits, errors", async (pair) => {
  const steps: Command[] = [
    ["SET", "s", "\x00\xff\xf0\x00\x0f\xff"],
    ["SET", "ones", "\xff\xff\xff"],
    ["SET", "zeros", "\x00\x00"],
    ["SET", "empty", ""],
    ["BITPOS", "nokey", "0"],
    ["BITPOS", "nokey", "1"],
    ["BITPOS", "nokey", "1", "x"],
    ["BITPOS", "nokey", "2"],
    ["BITPOS", "s", "x"],
    ["BITPOS", "s", "-1"],
    ["BITPOS", "empty", "0"],
    ["BITPOS", "empty", "1"],
    ["BITPOS", "empty", "0", "0", "-1", "BIT"],
    ["BITPOS", "ones", "0"],
    ["BITPOS", "ones", "0", "1"],
    ["BITPOS", "ones", "0", "1", "-1"],
    ["BITPOS", "ones", "0", "3", "20", "BIT"],
    ["BITPOS", "ones", "1", "3", "20", "BIT"],
    ["BITPOS", "zeros", "1"],
    ["BITPOS", "zeros", "0"],
    ["BITPOS", "zeros", "1", "0", "-1", "bit"],
    ["BITPOS", "s", "1", "0", "1", "2", "3"],
    ["BITPOS", "s", "1", "0", "x", "y"],
    ["BITPOS", "s", "1", "x", "1", "BIT"],
    ["BITPOS", "s", "1", "0", "x", "BIT"],
    ["BITPOS", "s", "1", "0", "1", "x"],
    ["BITPOS", "s", "1", "-9223372036854775808", "9223372036854775807", "BIT"],
    ["RPUSH", "l", "a"],
    ["BITPOS", "l", "1"],
    ["BITPOS", "l", "3"],
    ["SET", "n", "10"],
    ["BITPOS", "n", "1"],
  ];
  for (const bit of ["0", "1"]) {
    steps.push(["BITPOS", "s", bit]);
    for (const [start, end] of [[0, 0], [1, 1], [2, -1], [-2, -1], [3, 3], [4, 2], [-100, 100]]) {
      steps.push(["BITPOS", "s", bit, String(start)]);
      for (const unit of [[], ["BYTE"], ["BIT"]]) {
        steps.push(["BITPOS", "s", bit, String(start), String(end), ...unit]);
      }
    }
    for (const [start, end] of [[3, 9], [8, 15], [9, 14], [12, 27], [16, 19], [20, 35], [44, 47]]) {
      steps.push(["BITPOS", "s", bit, String(start), String(end), "BIT"]);
    }
  }
  await runDiffBoth(pair, steps);
});

test("BITOP: AND, OR, XOR, NOT over unequal lengths; empty result; errors", async (pair) => {
  await runDiffBoth(pair, [
    ["SET", "a", "\xff\x0f\x55"],
    ["SET", "b", "\xf0"],
    ["SET", "c", "abcdef"],
    ["BITOP", "AND", "d", "a", "b"],
    ["GET", "d"],
    ["BITOP", "and", "d", "a", "nokey", "c"],
    ["GET", "d"],
    ["BITOP", "OR", "d", "a", "b", "c"],
    ["GET", "d"],
    ["BITOP", "Xor", "d", "a", "b", "c", "a"],
    ["GET", "d"],
    ["BITOP", "NOT", "d", "a"],
    ["GET", "d"],
    ["OBJECT", "ENCODING", "d"],
    ["BITOP", "NOT", "d", "nokey"],
    ["EXISTS", "d"],
    ["BITOP", "NOT", "d", "nokey"],
    ["BITOP", "AND", "a", "a"],
    ["BITOP", "NOT", "d", "a", "b"],
    ["BITOP", "NAND", "d", "a"],
    ["BITOP", "AND", "d"],
    ["RPUSH", "l", "x"],
    ["BITOP", "OR", "d", "a", "l"],
    ["BITOP", "OR", "l", "a"],
    ["TYPE", "l"],
    ["SET", "x", "1", "EX", "100"],
    ["BITOP", "OR", "x", "a"],
    ["TTL", "x"],
    ["SET", "i", "123"],
    ["BITOP", "OR", "d", "i"],
    ["GET", "d"],
  ]);
});

test("BITFIELD and BITFIELD_RO: types, offsets, overflow, errors", async (pair) => {
  const steps: Command[] = [
    ["BITFIELD", "nokey"],
    ["EXISTS", "nokey"],
    ["BITFIELD", "nokey", "GET", "u8", "0"],
    ["BITFIELD", "f", "SET", "u8", "0", "255", "GET", "u8", "0", "GET", "i8", "0"],
    ["GET", "f"],
    ["OBJECT", "ENCODING", "f"],
    ["BITFIELD", "f", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "5"],
    ["BITFIELD", "f", "SET", "i64", "#3", "-9223372036854775808", "GET", "i64", "#3"],
    ["BITFIELD", "f", "INCRBY", "i64", "#3", "-1"],
    ["BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i64", "#3", "-1", "INCRBY", "i64", "#3", "9"],
    ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "i64", "#3", "9223372036854775807"],
    ["BITFIELD", "f", "GET", "u63", "1", "GET", "i1", "5", "GET", "u1", "5", "GET", "i33", "7"],
    ["BITFIELD", "f", "SET", "u63", "#2", "-1", "GET", "u63", "#2"],
    ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "u63", "#2", "-1", "SET", "u8", "0", "-5"],
    ["BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "0", "256", "SET", "i8", "0", "-129"],
    ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775808"],
    ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i8", "0", "9223372036854775807"],
    ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775681"],
    ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775680"],
    ["BITFIELD", "f", "OVERFLOW", "wrap", "SET", "i8", "0", "-9223372036854775808"],
    ["BITFIELD", "f", "SET", "i8", "0", "200", "SET", "u4", "3", "17", "GET", "i8", "0"],
    ["BITFIELD", "f", "OVERFLOW", "fail", "SET", "i64", "0", "1"],
    ["GET", "f"],
    ["BITFIELD", "w", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "256"],
    ["GET", "w"],
    ["BITFIELD", "w", "SET", "i5", "1000", "-16", "INCRBY", "i5", "1000", "-1"],
    ["BITFIELD", "w", "OVERFLOW", "SAT", "INCRBY", "i5", "1000", "-100", "INCRBY", "u7", "3", "-1"],
    ["STRLEN", "w"],
    ["BITFIELD_RO", "f", "GET", "u8", "0", "GET", "i64", "#3", "GET", "u8", "100000"],
    ["BITFIELD_RO", "f"],
    ["BITFIELD_RO", "nokey", "GET", "i8", "0"],
    ["BITFIELD_RO", "f", "SET", "u8", "0", "1"],
    ["BITFIELD_RO", "f", "INCRBY", "u8", "0", "1"],
    ["BITFIELD_RO", "f", "OVERFLOW", "SAT"],
    ["BITFIELD_RO", "f", "SET", "u8", "0", "x"],
    ["BITFIELD", "f", "GET", "u64", "0"],
    ["BITFIELD", "f", "GET", "i65", "0"],
    ["BITFIELD", "f", "GET", "i0", "0"],
    ["BITFIELD", "f", "GET", "I8", "0"],
    ["BITFIELD", "f", "GET", "u08", "0"],
    ["BITFIELD", "f", "GET", "u8\x00zz", "0"],
    ["BITFIELD", "f", "GET", "", "0"],
    ["BITFIELD", "f", "GET", "i8", "#-1"],
    ["BITFIELD", "f", "GET", "i8", "#"],
    ["BITFIELD", "f", "GET", "i8", "-1"],
    ["BITFIELD", "f", "GET", "i8", "+1"],
    ["BITFIELD", "f", "GET", "i8", "#9223372036854775807"],
    ["BITFIELD", "f", "GET", "i64", "#144115188075855872"],
    ["BITFIELD", "f", "GET", "i8", "4294967296"],
    ["BITFIELD", "f", "GET", "i8", "4294967288"],
    ["BITFIELD", "f", "GET", "i8"],
    ["BITFIELD", "f", "SET", "i8", "0"],
    ["BITFIELD", "f", "INCRBY", "i8", "0", "x"],
    ["BITFIELD", "f", "OVERFLOW"],
    ["BITFIELD", "f", "OVERFLOW", "bogus", "GET", "i8", "0"],
    ["BITFIELD", "f", "GET", "i8", "0", "FOO"],
    ["BITFIELD", "f", "GET", "i8", "0", "SET", "i8", "x", "1"],
    ["RPUSH", "l", "a"],
    ["BITFIELD", "l", "GET", "i8", "0"],
    ["BITFIELD", "l", "SET", "i8", "0", "1"],
    ["BITFIELD_RO", "l", "GET", "i8", "0"],
    ["BITFIELD", "l", "SET", "i8", "x", "1"],
    ["SET", "n", "1234"],
    ["BITFIELD", "n", "GET", "u16", "0"],
    ["BITFIELD", "n", "INCRBY", "u16", "0", "1"],
    ["GET", "n"],
    ["BITFIELD"],
    ["BITFIELD_RO"],
  ];
  await runDiffBoth(pair, steps);
});

test("wrong arity", async (pair) => {
  await runDiffBoth(pair, [
    ["SETBIT", "k", "1"],
    ["SETBIT", "k", "1", "1", "1"],
    ["GETBIT", "k"],
    ["BITCOUNT"],
    ["BITPOS", "k"],
    ["BITOP", "AND", "d"],
  ]);
});

test("keyspace notifications", async (pair) => {
  await compareNotificationsBoth(pair, [
    ["SETBIT", "b", "3", "1"],
    ["SETBIT", "b", "3", "1"],
    ["SETBIT", "b", "30", "0"],
    ["SETBIT", "b", "30", "0"],
    ["GETBIT", "b", "3"],
    ["GETBIT", "missing", "3"],
    ["BITCOUNT", "missing"],
    ["BITPOS", "missing", "1"],
    ["BITOP", "OR", "d", "b", "missing"],
    ["BITOP", "NOT", "d", "b"],
    ["BITOP", "AND", "d", "missing"],
    ["BITOP", "AND", "d", "missing"],
    ["BITFIELD", "f", "GET", "u8", "0"],
    ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"],
    ["BITFIELD", "f", "SET", "u8", "0", "3", "INCRBY", "u8", "0", "1"],
    ["BITFIELD_RO", "f", "GET", "u8", "0"],
  ]);
});

test("seeded random bit operations agree with Redis", async (pair) => {
  const random = prng(seedFrom("BITMAPS_SEED"));
  const int = (n: number) => Math.floor(random() * n);
  const keys = ["k0", "k1", "k2", "k3"];
  const key = () => keys[int(keys.length)];
  const signedInt = (span: number) => String(int(2 * span + 1) - span);
  const type = () => {
    const signed = random() < 0.5;
    return `${signed ? "i" : "u"}${1 + int(signed ? 64 : 63)}`;
  };
  const offset = (bits: number) => random() < 0.2 ? `#${int(8)}` : String(int(Math.max(8, bits)));
  const steps: Command[] = [];
  for (let i = 0; i < 600; i++) {
    const pick = int(10);
    if (pick === 0) {
      let bytes = "";
      for (let j = int(12); j > 0; j--) bytes += String.fromCharCode(int(256));
      steps.push(["SET", key(), bytes]);
    } else if (pick === 1) steps.push(["SETBIT", key(), String(int(96)), String(int(2))]);
    else if (pick === 2) steps.push(["GETBIT", key(), String(int(100))]);
    else if (pick === 3) {
      const unit = [[], ["BYTE"], ["BIT"]][int(3)];
      const span = unit[0] === "BIT" ? 100 : 14;
      steps.push(["BITCOUNT", key(), signedInt(span), signedInt(span), ...unit]);
    } else if (pick === 4) {
      const unit = [[], ["BYTE"], ["BIT"]][int(3)];
      const span = unit[0] === "BIT" ? 100 : 14;
      const range = int(3) === 0 && unit.length === 0
        ? (int(2) ? [signedInt(span)] : [])
        : [signedInt(span), signedInt(span), ...unit];
      steps.push(["BITPOS", key(), String(int(2)), ...range]);
    } else if (pick === 5) {
      const op = ["AND", "OR", "XOR", "NOT"][int(4)];
      const sources = op === "NOT" ? [key()] : Array.from({ length: 1 + int(3) }, key);
      steps.push(["BITOP", op, key(), ...sources]);
    } else if (pick === 6) {
      steps.push(["GET", key()]);
    } else {
      const argv: Command = [random() < 0.2 ? "BITFIELD_RO" : "BITFIELD", key()];
      for (let j = 1 + int(3); j > 0; j--) {
        const t = type();
        const bits = Number(t.slice(1));
        const op = int(4);
        if (op === 0) argv.push("OVERFLOW", ["WRAP", "SAT", "FAIL"][int(3)]);
        else if (op === 1) argv.push("GET", t, offset(bits));
        else {
          const magnitude = random() < 0.3 ? 2 ** 62 : 2 ** Math.min(bits, 52);
          const value = String(BigInt(Math.floor((random() * 2 - 1) * magnitude)));
          argv.push(op === 2 ? "SET" : "INCRBY", t, offset(bits), value);
        }
      }
      steps.push(argv);
    }
  }
  steps.push(...keys.map((k): Command => ["GET", k]));
  await runDiff(pair, steps, { resp: 3 });
});

test("large bitmaps changed through the byte cache read back as Redis's", async (pair) => {
  const random = prng(seedFrom("BITMAPS_LARGE_SEED"));
  const int = (n: number) => Math.floor(random() * n);
  const steps: Command[] = [];
  for (let i = 0; i < 400; i++) {
    const key = `big${int(2)}`;
    const pick = int(12);
    if (pick < 6) steps.push(["SETBIT", key, String(int(300_000)), String(int(2))]);
    else if (pick === 6) steps.push(["GETBIT", key, String(int(300_000))]);
    else if (pick === 7) steps.push(["BITCOUNT", key]);
    else if (pick === 8) steps.push(["SETRANGE", key, String(int(40_000)), "xyz"]);
    else if (pick === 9) steps.push(["APPEND", key, "\xff\x00"]);
    else if (pick === 10) steps.push(["BITFIELD", key, "INCRBY", "u12", String(int(300_000)), "7"]);
    else steps.push(["STRLEN", key]);
    if (i % 50 === 49) steps.push(["GET", key], ["RENAME", key, "tmp"], ["RENAME", "tmp", key]);
  }
  steps.push(["GET", "big0"], ["GET", "big1"], ["BITOP", "XOR", "x", "big0", "big1"], ["GET", "x"]);
  await runDiff(pair, steps, { resp: 2 });
});
