/**
 * End to end over raw sockets: pipelining, frames split at any byte, inline commands, QUIT,
 * protocol errors (differentially against redis-server), and a client that never reads.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { startRedeno, startRedis } from "./support/servers.ts";
import { encodeCommand, prng, RawConn, seedFrom } from "./e2e_support.ts";

function bulk(value: string): string {
  return `$${value.length}\r\n${value}\r\n`;
}

Deno.test("e2e protocol: 10 000 pipelined commands in one write get 10 000 replies in order", async () => {
  const server = await startRedeno();
  const conn = await RawConn.connect(server.port);
  try {
    let request = "";
    let expected = "";
    for (let i = 0; i < 10_000; i++) {
      switch (i % 3) {
        case 0:
          request += encodeCommand(["SET", `key:${i}`, `value:${i}`]);
          expected += "+OK\r\n";
          break;
        case 1:
          request += encodeCommand(["GET", `key:${i - 1}`]);
          expected += bulk(`value:${i - 1}`);
          break;
        default:
          request += encodeCommand(["ECHO", `echo:${i}`]);
          expected += bulk(`echo:${i}`);
      }
    }
    await conn.write(request);
    const received = await conn.waitForLength(expected.length, 20_000);
    assertEquals(received.length, expected.length);
    assert(received === expected, "replies differ from the expected ones, in order");
  } finally {
    await conn.close();
    await server.close();
  }
});

Deno.test("e2e protocol: a command split byte by byte across writes", async () => {
  const server = await startRedeno();
  const conn = await RawConn.connect(server.port);
  try {
    const value = "a\0b\r\nc\xff";
    const request = encodeCommand(["SET", "split", value]) + encodeCommand(["GET", "split"]) +
      "PING\r\n" + encodeCommand(["ECHO", ""]);
    for (const byte of request) await conn.write(byte);
    const expected = `+OK\r\n${bulk(value)}+PONG\r\n$0\r\n\r\n`;
    assertEquals(await conn.waitForLength(expected.length), expected);
  } finally {
    await conn.close();
    await server.close();
  }
});

Deno.test("e2e protocol: thousands of commands split at random byte boundaries", async () => {
  const seed = seedFrom("SPLIT_SEED");
  const random = prng(seed);
  const server = await startRedeno();
  const conn = await RawConn.connect(server.port);
  try {
    let request = "";
    let expected = "";
    for (let i = 0; i < 3000; i++) {
      let value = "";
      const length = Math.floor(random() * (random() < 0.05 ? 70_000 : 40));
      for (let j = 0; j < length; j++) value += String.fromCharCode(Math.floor(random() * 256));
      request += encodeCommand(["SET", `k${i % 50}`, value]) + encodeCommand(["GET", `k${i % 50}`]);
      expected += "+OK\r\n" + bulk(value);
      if (i % 7 === 0) {
        request += `ECHO inline${i}\r\n`;
        expected += bulk(`inline${i}`);
      }
    }
    const writing = (async () => {
      for (let pos = 0; pos < request.length;) {
        const size = 1 + Math.floor(random() * (random() < 0.5 ? 16 : 20_000));
        await conn.write(request.slice(pos, pos + size));
        pos += size;
      }
    })();
    const received = await conn.waitForLength(expected.length, 30_000);
    await writing;
    assert(received === expected, `replies differ (seed ${seed})`);
  } finally {
    await conn.close();
    await server.close();
  }
});

Deno.test("e2e protocol: inline commands with quotes", async () => {
  const server = await startRedeno();
  const conn = await RawConn.connect(server.port);
  try {
    await conn.write(
      'SET k "a b"\r\nGET k\r\nSET k2 \'c "d\'\r\nGET k2\r\nECHO "x\\x41\\n"\n   \r\nPING\r\n',
    );
    const expected = `+OK\r\n${bulk("a b")}+OK\r\n${bulk('c "d')}${bulk("xA\n")}+PONG\r\n`;
    assertEquals(await conn.waitForLength(expected.length), expected);
  } finally {
    await conn.close();
    await server.close();
  }
});

Deno.test("e2e protocol: QUIT replies OK, closes, and skips what was pipelined after it", async () => {
  const server = await startRedeno();
  const conn = await RawConn.connect(server.port);
  const after = await RawConn.connect(server.port);
  try {
    await conn.write(
      encodeCommand(["SET", "before", "1"]) + encodeCommand(["QUIT"]) +
        encodeCommand(["SET", "after", "1"]),
    );
    assertEquals(await conn.waitForClose(), "+OK\r\n+OK\r\n");
    assertEquals(await after.roundTrip(["GET", "before"], bulk("1")), bulk("1"));
    assertEquals(await after.roundTrip(["GET", "after"], "$-1\r\n"), "$-1\r\n");
  } finally {
    await conn.close();
    await after.close();
    await server.close();
  }
});

/** Byte strings that make Redis reply with a protocol error and close the connection. */
const PROTOCOL_ERRORS: string[] = [
  "*1\r\n$abc\r\n",
  "*1\r\n%3\r\nfoo\r\n",
  "*abc\r\n",
  "*1\r\n$-5\r\n",
  "*3000000000\r\n",
  "*1\r\n$2147483648\r\n",
  'SET k "unbalanced\r\n',
  "SET k 'x'y\r\n",
  "PING\r\n*1\r\n$4\r\nPING\r\n*2\r\n+GET\r\n",
  "*" + "9".repeat(70_000),
  "$" + "1".repeat(70_000),
  "A".repeat(70_000),
  "*1\r\n$" + "1".repeat(70_000),
];

Deno.test("e2e protocol: protocol errors match redis-server and close only that client", async () => {
  const [server, redis] = await Promise.all([startRedeno(), startRedis()]);
  const bystander = await RawConn.connect(server.port);
  try {
    assertEquals(await bystander.roundTrip(["SET", "alive", "yes"], "+OK\r\n"), "+OK\r\n");
    for (const request of PROTOCOL_ERRORS) {
      const [ours, theirs] = await Promise.all([
        RawConn.connect(server.port),
        RawConn.connect(redis.port),
      ]);
      try {
        await Promise.all([ours.write(request), theirs.write(request)]);
        const [a, b] = await Promise.all([ours.waitForClose(), theirs.waitForClose()]);
        assertEquals(a, b, `reply to ${JSON.stringify(request.slice(0, 40))}`);
      } finally {
        await Promise.all([ours.close(), theirs.close()]);
      }
      const reply = await bystander.roundTrip(["GET", "alive"], bulk("yes"));
      assertEquals(reply, bulk("yes"), "the bystander still gets answers");
    }
    assert(!bystander.closed);
  } finally {
    await bystander.close();
    await Promise.all([server.close(), redis.close()]);
  }
});

Deno.test("e2e protocol: a client that never reads a huge reply does not stall others", async () => {
  const server = await startRedeno();
  const writer = await RawConn.connect(server.port);
  const stalled = await RawConn.connect(server.port, { read: false });
  const other = await RawConn.connect(server.port);
  try {
    const big = "x".repeat(4 * 1024 * 1024);
    assertEquals(await writer.roundTrip(["SET", "big", big], "+OK\r\n", 20_000), "+OK\r\n");
    // 16 × 4 MiB = 64 MiB of replies, far more than the socket buffers hold.
    await stalled.write(encodeCommand(["GET", "big"]).repeat(16));
    for (let i = 0; i < 200; i++) {
      const started = Date.now();
      await other.roundTrip(["SET", `k${i}`, `${i}`], "+OK\r\n", 5_000);
      await other.roundTrip(["GET", `k${i}`], bulk(`${i}`), 5_000);
      await other.roundTrip(["PING"], "+PONG\r\n", 5_000);
      assert(Date.now() - started < 2_000, "a round trip took over 2 s");
    }
    // A fresh client is also served while the stalled one is still connected.
    const fresh = await RawConn.connect(server.port);
    try {
      assertEquals(await fresh.roundTrip(["GET", "k199"], bulk("199")), bulk("199"));
    } finally {
      await fresh.close();
    }
  } finally {
    await Promise.all([writer.close(), stalled.close(), other.close()]);
    await server.close();
  }
});
