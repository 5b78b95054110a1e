import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  type DecodedBatch,
  formatDouble,
  parseInteger,
  PROTO_INLINE_MAX_SIZE,
  ReplyWriter,
  RespDecoder,
  splitInlineArgs,
} from "../src/resp/mod.ts";
import { bytesToLatin1, latin1ToBytes } from "../src/resp/latin1.ts";

const bytes = (text: string) => latin1ToBytes(text);
const text = (data: Uint8Array) => bytesToLatin1(data, 0, data.length);

function decodeAll(chunks: Uint8Array[], decoder = new RespDecoder()): DecodedBatch {
  const all: DecodedBatch = { commands: [] };
  for (const chunk of chunks) {
    const batch = decoder.decode(chunk);
    all.commands.push(...batch.commands);
    if (batch.protocolError !== undefined) all.protocolError = batch.protocolError;
  }
  return all;
}

const PIPELINE = "*3\r\n$3\r\nSET\r\n$3\r\nk\x00y\r\n$4\r\n\r\n\xff\x80\r\n" +
  "PING\r\n" +
  "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" +
  "*0\r\n" +
  "  \r\n" +
  "set \"a b\" 'c'\n" +
  "*1\r\n$4\r\nPING\r\n";
const PIPELINE_COMMANDS = [
  ["SET", "k\x00y", "\r\n\xff\x80"],
  ["PING"],
  ["ECHO", ""],
  ["set", "a b", "c"],
  ["PING"],
];

Deno.test("decoder: a pipeline in one chunk yields every command in order", () => {
  assertEquals(decodeAll([bytes(PIPELINE)]), { commands: PIPELINE_COMMANDS });
});

Deno.test("decoder: every split point of a pipeline decodes the same", () => {
  const data = bytes(PIPELINE);
  for (let split = 0; split <= data.length; split++) {
    const result = decodeAll([data.slice(0, split), data.slice(split)]);
    assertEquals(result, { commands: PIPELINE_COMMANDS }, `split at ${split}`);
  }
});

Deno.test("decoder: every pair of split points decodes the same", () => {
  const data = bytes(PIPELINE);
  for (let a = 0; a <= data.length; a++) {
    for (let b = a; b <= data.length; b += 3) {
      const result = decodeAll([data.slice(0, a), data.slice(a, b), data.slice(b)]);
      assertEquals(result.commands, PIPELINE_COMMANDS, `splits at ${a}, ${b}`);
    }
  }
});

Deno.test("decoder: byte-at-a-time feeding works and chunks may be reused by the caller", () => {
  const data = bytes(PIPELINE);
  const decoder = new RespDecoder();
  const shared = new Uint8Array(1);
  const commands: string[][] = [];
  for (const byte of data) {
    shared[0] = byte;
    commands.push(...decoder.decode(shared).commands);
    shared[0] = 0x21; // scribble: the decoder must have copied what it kept
  }
  assertEquals(commands, PIPELINE_COMMANDS);
});

Deno.test("decoder: thousands of commands split at random boundaries into a reused buffer", () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const expected: string[][] = [];
  let wire = "";
  for (let i = 0; i < 5000; i++) {
    const value = String.fromCharCode(
      ...Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)),
    );
    expected.push(["SET", `key:${i}`, value]);
    wire += `*3\r\n$3\r\nSET\r\n$${
      `key:${i}`.length
    }\r\nkey:${i}\r\n$${value.length}\r\n${value}\r\n`;
  }
  const data = bytes(wire);
  const decoder = new RespDecoder();
  const reused = new Uint8Array(4096);
  const commands: string[][] = [];
  for (let pos = 0; pos < data.length;) {
    const size = Math.min(data.length - pos, 1 + Math.floor(random() * 4096));
    reused.set(data.subarray(pos, pos + size));
    commands.push(...decoder.decode(reused.subarray(0, size)).commands);
    reused.fill(0x2a);
    pos += size;
  }
  assertEquals(commands.length, expected.length);
  assertEquals(commands, expected);
  assertEquals(decoder.bufferedLength, 0);
});

Deno.test("decoder: a large bulk arriving in many chunks is assembled once", () => {
  const value = "v".repeat(3 * 1024 * 1024);
  const data = bytes(`*2\r\n$4\r\nECHO\r\n$${value.length}\r\n${value}\r\n`);
  const decoder = new RespDecoder();
  const commands: string[][] = [];
  for (let pos = 0; pos < data.length; pos += 65536) {
    commands.push(...decoder.decode(data.subarray(pos, pos + 65536)).commands);
  }
  assertEquals(commands.length, 1);
  ok(commands[0][1] === value);
});

const MALFORMED: Array<[string, string]> = [
  ["*1\r\n$x\r\n", "ERR Protocol error: invalid bulk length"],
  ["*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"],
  ["*1\r\n$01\r\n", "ERR Protocol error: invalid bulk length"],
  ["*1\r\n$+1\r\n", "ERR Protocol error: invalid bulk length"],
  ["*1\r\n$\r\n", "ERR Protocol error: invalid bulk length"],
  ["*1\r\n$99999999999999999999\r\n", "ERR Protocol error: invalid bulk length"],
  ["*x\r\n", "ERR Protocol error: invalid multibulk length"],
  ["*\r\n", "ERR Protocol error: invalid multibulk length"],
  ["*3000000000\r\n", "ERR Protocol error: invalid multibulk length"],
  ["*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"],
  ["*2\r\n$4\r\nPING\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'"],
  ['SET k "unterminated\r\n', "ERR Protocol error: unbalanced quotes in request"],
  ["SET k 'a'b\r\n", "ERR Protocol error: unbalanced quotes in request"],
  ['SET k "a"b\r\n', "ERR Protocol error: unbalanced quotes in request"],
  ["x".repeat(PROTO_INLINE_MAX_SIZE + 1), "ERR Protocol error: too big inline request"],
  ["*" + "1".repeat(PROTO_INLINE_MAX_SIZE + 1), "ERR Protocol error: too big mbulk count string"],
  [
    "*1\r\n$" + "1".repeat(PROTO_INLINE_MAX_SIZE + 1),
    "ERR Protocol error: too big bulk count string",
  ],
];

Deno.test("decoder: every malformed frame gets Redis's protocol error", () => {
  for (const [input, error] of MALFORMED) {
    const result = decodeAll([bytes(input)]);
    assertEquals(result.protocolError, error, JSON.stringify(input.slice(0, 40)));
  }
});

Deno.test("decoder: commands before a protocol error still run; nothing after it", () => {
  const result = decodeAll([bytes("PING\r\n*1\r\n$x\r\nPING\r\n")]);
  assertEquals(result, {
    commands: [["PING"]],
    protocolError: "ERR Protocol error: invalid bulk length",
  });
  const decoder = new RespDecoder();
  decoder.decode(bytes("*1\r\n$x\r\n"));
  assertEquals(decoder.decode(bytes("PING\r\n")).commands, []);
});

Deno.test("decoder: bulk longer than proto-max-bulk-len is refused", () => {
  const decoder = new RespDecoder({ maxBulkLength: () => 10 });
  assertEquals(
    decoder.decode(bytes("*1\r\n$11\r\n")).protocolError,
    "ERR Protocol error: invalid bulk length",
  );
  const fine = new RespDecoder({ maxBulkLength: () => 10 });
  assertEquals(fine.decode(bytes("*1\r\n$10\r\n0123456789\r\n")).commands, [["0123456789"]]);
});

Deno.test("decoder: empty and negative multibulks and blank inline lines are skipped", () => {
  assertEquals(decodeAll([bytes("*0\r\n*-1\r\n\r\n   \n*1\r\n$4\r\nPING\r\n")]).commands, [[
    "PING",
  ]]);
});

Deno.test("inline: quoting and escapes as sdssplitargs", () => {
  assertEquals(splitInlineArgs("set \"a\\x41\\n\\\"\" 'it\\'s'"), ["set", 'aA\n"', "it's"]);
  assertEquals(splitInlineArgs("  a\t b  "), ["a", "b"]);
  assertEquals(splitInlineArgs('a"b c"d'), null);
  assertEquals(splitInlineArgs('x"y z"'), ["xy z"]);
  assertEquals(splitInlineArgs('"\\xZZ"'), ["xZZ"]);
  assertEquals(splitInlineArgs(""), []);
  assertEquals(splitInlineArgs("a\x00b c"), ["a"]);
  assertEquals(splitInlineArgs('"abc'), null);
  assertEquals(splitInlineArgs("'abc"), null);
});

Deno.test("parseInteger follows string2ll", () => {
  const parse = (s: string) => parseInteger(bytes(s), 0, s.length);
  assertEquals(parse("0"), 0);
  assertEquals(parse("123"), 123);
  assertEquals(parse("-5"), -5);
  for (const bad of ["", "-", "-0", "01", "+1", " 1", "1 ", "1a"]) {
    ok(Number.isNaN(parse(bad)), bad);
  }
});

Deno.test("encoder: RESP2 and RESP3 forms", () => {
  const reply = new ReplyWriter();
  reply.simple("OK");
  reply.error("ERR bad\r\nthing");
  reply.integer(7);
  reply.integer(-1234567890123);
  reply.bulk("a\x00\xff");
  reply.nullBulk();
  reply.nullArray();
  reply.mapHeader(1);
  reply.setHeader(2);
  reply.double(1.5);
  reply.boolean(true);
  reply.verbatim("hi");
  reply.bulkText("é");
  assertEquals(
    text(reply.take()),
    "+OK\r\n-ERR bad  thing\r\n:7\r\n:-1234567890123\r\n$3\r\na\x00\xff\r\n$-1\r\n*-1\r\n" +
      "*2\r\n*2\r\n$3\r\n1.5\r\n:1\r\n$2\r\nhi\r\n$2\r\n\xc3\xa9\r\n",
  );
  reply.resp = 3;
  reply.nullBulk();
  reply.nullArray();
  reply.mapHeader(1);
  reply.setHeader(2);
  reply.pushHeader(3);
  reply.double(1.5);
  reply.double(-Infinity);
  reply.boolean(false);
  reply.verbatim("hi");
  assertEquals(
    text(reply.take()),
    "_\r\n_\r\n%1\r\n~2\r\n>3\r\n,1.5\r\n,-inf\r\n#f\r\n=6\r\ntxt:hi\r\n",
  );
});

Deno.test("encoder: grows for large replies and can truncate", () => {
  const reply = new ReplyWriter();
  const big = "x".repeat(100_000);
  reply.bulk(big);
  const mark = reply.length;
  reply.simple("dropped");
  reply.truncate(mark);
  const out = text(reply.take());
  assertEquals(out, `$100000\r\n${big}\r\n`);
  reply.release();
  assertEquals(reply.length, 0);
});

Deno.test("formatDouble matches C's %.17g", () => {
  const cases: Array<[number, string]> = [
    [0, "0"],
    [1.5, "1.5"],
    [0.1, "0.10000000000000001"],
    [1e17, "1e+17"],
    [1e16, "10000000000000000"],
    [1e-5, "1.0000000000000001e-05"],
    [0.0001, "0.0001"],
    [-2.5e300, "-2.5000000000000001e+300"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [123456789.123, "123456789.123"],
  ];
  for (const [value, expected] of cases) assertEquals(formatDouble(value), expected, String(value));
});
