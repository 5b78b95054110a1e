import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  addLongDouble,
  formatLongDoubleHuman,
  isNonFinite,
  type LongDouble,
  parseLongDouble,
} from "../src/commands/long_double.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedis } from "./support/servers.ts";
import { prng } from "./support/random.ts";

/** What INCRBYFLOAT replies for `start` (a stored value) plus `increment`, as Redeno computes. */
function incrByFloat(start: string | null, increment: string): string {
  const value = start === null ? parseLongDouble("0") : parseLongDouble(start);
  const incr = parseLongDouble(increment);
  if (value === null || incr === null) return "ERR value is not a valid float";
  const sum = addLongDouble(value, incr);
  if (isNonFinite(sum)) return "ERR increment would produce NaN or Infinity";
  return formatLongDoubleHuman(sum);
}

function format(text: string): string {
  return formatLongDoubleHuman(parseLongDouble(text)!);
}

Deno.test("long double: sums that doubles get wrong", () => {
  assertEquals(incrByFloat("0.1", "0.1"), "0.2");
  assertEquals(incrByFloat("10.5", "0.1"), "10.6");
  assertEquals(incrByFloat(null, "1e20"), "100000000000000000000");
  assertEquals(incrByFloat("10.5", "1e20"), "100000000000000000008");
  assertEquals(incrByFloat("3.0e3", "-1.5e3"), "1500");
  assertEquals(incrByFloat("5.0e3", "200"), "5200");
});

Deno.test("long double: formatting as %.17Lf with zeros trimmed", () => {
  assertEquals(format("0"), "0");
  assertEquals(format("-0"), "0");
  assertEquals(format("-0.00000000000000000001"), "0");
  assertEquals(format("1.5"), "1.5");
  assertEquals(format("-2.25"), "-2.25");
  assertEquals(format("1e-16"), "0.0000000000000001");
  assertEquals(format("0.000000000000000015"), "0.00000000000000002");
  assertEquals(format("0.000000000000000005"), "0");
  assertEquals(format("1.000000000000000000005"), "1");
  assertEquals(format("0x1p3"), "8");
  assertEquals(format("0X1P-2"), "0.25");
  assertEquals(format("0x.8"), "0.5");
  assertEquals(format("1e400").length, 401);
});

Deno.test("long double: parsing follows strtold plus Redis's checks", () => {
  const rejected = [
    "",
    " 1",
    "1 ",
    "\t1",
    "1\x00",
    "abc",
    "1e",
    "e5",
    ".",
    "0x",
    "0xg",
    "nan",
    "-nan",
    "infinit",
    "1e4933",
    "-1e4933",
    "1e-5000",
    "1".repeat(5120),
    "++1",
    "1..2",
  ];
  for (const text of rejected) assertEquals(parseLongDouble(text), null, JSON.stringify(text));
  const accepted = ["+1", ".5", "5.", "1e-4940", "0e99999999999999999999", "inf", "-Infinity"];
  for (const text of accepted) {
    assertEquals(parseLongDouble(text) !== null, true, JSON.stringify(text));
  }
  assertEquals(parseLongDouble("1".repeat(5119)) !== null, false); // overflows
  assertEquals(parseLongDouble("0." + "1".repeat(5117)) !== null, true);
  assertEquals(incrByFloat("inf", "1"), "ERR increment would produce NaN or Infinity");
  assertEquals(incrByFloat("inf", "-inf"), "ERR increment would produce NaN or Infinity");
  assertEquals(
    incrByFloat("1.18e4932", "1.18e4932"),
    "ERR increment would produce NaN or Infinity",
  );
});

Deno.test("long double: addition rounds once, ties to even", () => {
  const one = parseLongDouble("1")!;
  const halfUlp = parseLongDouble("0x1p-64")!; // half of the ulp of 1
  const sum = addLongDouble(one, halfUlp) as Extract<LongDouble, { kind: "finite" }>;
  assertEquals(sum.mantissa << BigInt(sum.exponent + 63), 1n << 63n); // rounded to even: 1
  const quarterMore = addLongDouble(halfUlp, parseLongDouble("0x1p-66")!);
  const up = addLongDouble(one, quarterMore) as Extract<LongDouble, { kind: "finite" }>;
  assertEquals(up.mantissa, (1n << 63n) + 1n);
});

function randomFloatText(random: () => number): string {
  const digits = (n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += Math.floor(random() * 10);
    return s;
  };
  const sign = random() < 0.3 ? "-" : random() < 0.1 ? "+" : "";
  switch (Math.floor(random() * 8)) {
    case 0:
      return sign + digits(1 + Math.floor(random() * 4)) + "." +
        digits(1 + Math.floor(random() * 3));
    case 1:
      return sign + "0." + digits(1 + Math.floor(random() * 25));
    case 2:
      return sign + digits(1 + Math.floor(random() * 25));
    case 3:
      return sign + digits(1 + Math.floor(random() * 3)) + "e" +
        (Math.floor(random() * 80) - 40);
    case 4:
      return sign + "0x" + Math.floor(random() * 0xffffff).toString(16) + "p" +
        (Math.floor(random() * 40) - 30);
    case 5:
      return sign + digits(1 + Math.floor(random() * 20)) + "." +
        digits(1 + Math.floor(random() * 20));
    case 6:
      return sign + "0.00000000000000000" + digits(1 + Math.floor(random() * 3));
    default:
      return sign + digits(1) + "." + digits(18) + "5";
  }
}

Deno.test("long double: random INCRBYFLOAT chains match redis-server", async () => {
  const redis = await startRedis();
  const client = await RespClient.connect(redis.port);
  try {
    const random = prng(20261125);
    for (let chain = 0; chain < 150; chain++) {
      const key = `f${chain}`;
      let stored: string | null = null;
      for (let step = 0; step < 12; step++) {
        const increment = randomFloatText(random);
        const expected = await client.call("INCRBYFLOAT", key, increment);
        const ours = incrByFloat(stored, increment);
        const theirs = typeof expected === "string" ? expected : (expected as { message: string })
          .message;
        assertEquals(ours, theirs, `INCRBYFLOAT ${key} ${increment} after ${stored}`);
        if (!ours.startsWith("ERR")) stored = ours;
      }
    }
  } finally {
    client.close();
    await redis.close();
  }
});
