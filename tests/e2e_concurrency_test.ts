/**
 * End to end under concurrency: many clients updating one key, and keys expiring on time while
 * other clients keep the server busy.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { startRedeno } from "./support/servers.ts";
import { encodeCommand, RawConn } from "./e2e_support.ts";

function bulk(value: string): string {
  return `$${value.length}\r\n${value}\r\n`;
}

Deno.test("e2e concurrency: 200 clients INCR one key 50 times each, no update is lost", async () => {
  const server = await startRedeno();
  const clients = await Promise.all(
    Array.from({ length: 200 }, () => RawConn.connect(server.port)),
  );
  try {
    const seen = new Set<number>();
    await Promise.all(clients.map(async (client) => {
      for (let i = 0; i < 50; i++) {
        const reply = await client.call(["INCR", "counter"], 20_000);
        // Every reply is a distinct integer: each INCR saw the others' writes.
        const match = /^:(\d+)\r\n$/.exec(reply);
        assert(match, `INCR replied ${JSON.stringify(reply)}`);
        seen.add(Number(match[1]));
      }
    }));
    assertEquals(seen.size, 10_000);
    const check = await RawConn.connect(server.port);
    try {
      assertEquals(await check.roundTrip(["GET", "counter"], bulk("10000")), bulk("10000"));
    } finally {
      await check.close();
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await server.close();
  }
});

/** Sends DBSIZE and returns the integer it answered. */
async function dbsize(conn: RawConn): Promise<number> {
  const reply = await conn.call(["DBSIZE"], 5_000);
  const match = /^:(\d+)\r\n$/.exec(reply);
  if (!match) throw new Error(`DBSIZE replied ${JSON.stringify(reply)}`);
  return Number(match[1]);
}

Deno.test("e2e concurrency: 10 000 keys with PX 200 expire on time under load", async () => {
  const server = await startRedeno();
  const setters = await Promise.all(Array.from({ length: 4 }, () => RawConn.connect(server.port)));
  const hammers = await Promise.all(Array.from({ length: 8 }, () => RawConn.connect(server.port)));
  const poller = await RawConn.connect(server.port);
  let stop = false;
  // allSettled at once: a failing load client must fail this test, not float as a rejection.
  const load = Promise.allSettled(hammers.map(async (conn, n) => {
    // Busy clients in db 1 (persistent keys), so db 0 must empty by expiry alone.
    assertEquals(await conn.call(["SELECT", "1"]), "+OK\r\n");
    for (let i = 0; !stop && i < 1_000_000; i++) {
      assertEquals(await conn.call(["SET", `busy:${n}:${i % 100}`, `${i}`]), "+OK\r\n");
      assertEquals(await conn.call(["GET", `busy:${n}:${i % 100}`]), bulk(`${i}`));
    }
  }));
  try {
    const setAt = Date.now();
    await Promise.all(setters.map(async (conn, n) => {
      let request = "";
      let expected = "";
      for (let i = n; i < 10_000; i += setters.length) {
        request += encodeCommand(["SET", `volatile:${i}`, `v${i}`, "PX", "200"]);
        request += encodeCommand(["GET", `volatile:${i}`]);
        expected += "+OK\r\n" + bulk(`v${i}`);
      }
      await conn.write(request);
      const received = await conn.waitForLength(expected.length, 20_000);
      assert(received === expected, "every key is readable right after it is set");
    }));
    const allSet = Date.now();
    const sizeAtOnce = await dbsize(poller);
    if (Date.now() - setAt < 150) assert(sizeAtOnce > 0, "keys expired before their TTL");
    const ttl = await poller.call(["PTTL", "volatile:9999"]);
    const remaining = Number(/^:(-?\d+)\r\n$/.exec(ttl)?.[1]);
    assert(remaining <= 200 && remaining >= -2, `PTTL replied ${JSON.stringify(ttl)}`);

    // Nothing reads those keys again: only active expiry can empty db 0.
    const deadline = allSet + 200 + 4_000;
    let size = await dbsize(poller);
    while (size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      size = await dbsize(poller);
    }
    assertEquals(size, 0, `keys left ${Date.now() - setAt} ms after they were set`);
  } finally {
    stop = true;
    await load;
    await Promise.all([...setters, ...hammers, poller].map((conn) => conn.close()));
    await server.close();
  }
  for (const result of await load) {
    if (result.status === "rejected") throw result.reason;
  }
});
