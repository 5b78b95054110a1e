/**
 * Blocking list commands with several clients, on Redeno and redis-server side by side: who is
 * served first, chains of BLMOVE waking the next waiter, timeouts, CLIENT UNBLOCK, disconnects,
 * and keys that change while clients wait. Every reply is compared byte for byte.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { type Command, describe, ServerPair, startRedeno, waitFor } from "./support/servers.ts";

/** The same clients on both servers: index 0 is a control connection. */
class Clients {
  private constructor(
    readonly pair: ServerPair,
    readonly ours: RespClient[],
    readonly theirs: RespClient[],
    readonly ids: Array<[string, string]>,
    readonly resp: 2 | 3,
  ) {}

  static async open(pair: ServerPair, count: number, resp: 2 | 3): Promise<Clients> {
    const ours: RespClient[] = [];
    const theirs: RespClient[] = [];
    const ids: Array<[string, string]> = [];
    for (let i = 0; i < count; i++) {
      const [a, b] = await pair.connect();
      if (resp === 3) await Promise.all([a.raw("HELLO", "3"), b.raw("HELLO", "3")]);
      ours.push(a);
      theirs.push(b);
      const [idA, idB] = await Promise.all([a.call("CLIENT", "ID"), b.call("CLIENT", "ID")]);
      ids.push([String(idA), String(idB)]);
    }
    const clients = new Clients(pair, ours, theirs, ids, resp);
    await clients.run(0, "FLUSHALL");
    return clients;
  }

  /** Runs a command on client `i` of both servers and asserts the replies are the same. */
  async run(i: number, ...command: Command): Promise<string> {
    const [a, b] = await Promise.all([
      this.ours[i].raw(...command),
      this.theirs[i].raw(...command),
    ]);
    assertEquals(a, b, `reply to ${describe(command)} on client ${i} (resp ${this.resp})`);
    return a;
  }

  /** Sends a command on client `i` without waiting for its reply (it is expected to block). */
  async send(i: number, ...command: Command): Promise<void> {
    const bytes = RespClient.encode(command);
    await Promise.all([this.ours[i].write(bytes), this.theirs[i].write(bytes)]);
  }

  /** Reads the next reply of client `i` on both servers; asserts they match. */
  async reply(i: number, expected?: string): Promise<string> {
    const [a, b] = await Promise.all([this.ours[i].readRaw(), this.theirs[i].readRaw()]);
    assertEquals(a, b, `reply on client ${i} (resp ${this.resp})`);
    if (expected !== undefined) assertEquals(a, expected);
    return a;
  }

  /** Waits until both servers count `n` blocked clients. */
  async blocked(n: number): Promise<void> {
    const count = async (client: RespClient) => {
      const info = await client.raw("INFO", "clients");
      return Number(/blocked_clients:(\d+)/.exec(info)![1]);
    };
    await waitFor(
      async () => await count(this.ours[0]) === n && await count(this.theirs[0]) === n,
      5000,
      `${n} blocked clients`,
    );
  }

  /** CLIENT UNBLOCK of client `target`, sent from client `i`, with each server's own id. */
  async unblock(i: number, target: number, ...how: string[]): Promise<string> {
    const [a, b] = await Promise.all([
      this.ours[i].raw("CLIENT", "UNBLOCK", this.ids[target][0], ...how),
      this.theirs[i].raw("CLIENT", "UNBLOCK", this.ids[target][1], ...how),
    ]);
    assertEquals(a, b, `CLIENT UNBLOCK ${how} (resp ${this.resp})`);
    return a;
  }

  /** Moves Redeno's clock (its timeouts fire at once); redis-server times out by itself. */
  advance(ms: number): void {
    this.pair.redeno.clock.advance(ms);
  }

  close(): void {
    for (const client of [...this.ours, ...this.theirs]) client.close();
  }
}

async function scenario(
  t: Deno.TestContext,
  pair: ServerPair,
  name: string,
  body: (c: Clients) => Promise<void>,
): Promise<void> {
  for (const resp of [2, 3] as const) {
    await t.step(`${name} (RESP${resp})`, async () => {
      const clients = await Clients.open(pair, 5, resp);
      try {
        await body(clients);
        await clients.blocked(0);
      } finally {
        clients.close();
      }
    });
  }
}

Deno.test("lists: blocking commands behave as redis-server's", async (t) => {
  const pair = await ServerPair.start();
  try {
    await scenario(t, pair, "first come, first served", async (c) => {
      await c.send(1, "BLPOP", "k", "0");
      await c.blocked(1);
      await c.send(2, "BRPOP", "k", "other", "0");
      await c.blocked(2);
      await c.send(3, "BLMPOP", "0", "2", "other", "k", "LEFT", "COUNT", "5");
      await c.blocked(3);
      await c.run(0, "RPUSH", "k", "a", "b", "c", "d", "e");
      await c.reply(1);
      await c.reply(2);
      await c.reply(3);
      await c.run(0, "EXISTS", "k");
    });

    await scenario(t, pair, "each client is served from the key that was pushed", async (c) => {
      await c.send(1, "BLPOP", "a", "0");
      await c.blocked(1);
      await c.send(2, "BLPOP", "b", "0");
      await c.blocked(2);
      await c.send(3, "BRPOP", "a", "b", "0");
      await c.blocked(3);
      await c.run(0, "RPUSH", "b", "x", "y");
      await c.reply(2);
      await c.reply(3);
      await c.run(0, "RPUSH", "a", "z");
      await c.reply(1);
      await c.run(0, "EXISTS", "a", "b");
    });

    await scenario(t, pair, "BLMOVE chains wake the next waiter", async (c) => {
      await c.send(1, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0");
      await c.blocked(1);
      await c.send(2, "BRPOPLPUSH", "b", "c", "0");
      await c.blocked(2);
      await c.send(3, "BLPOP", "c", "0");
      await c.blocked(3);
      await c.run(0, "RPUSH", "a", "x", "y");
      await c.reply(1);
      await c.reply(2);
      await c.reply(3);
      for (const key of ["a", "b", "c"]) await c.run(0, "LRANGE", key, "0", "-1");
      await c.blocked(0);
    });

    await scenario(t, pair, "BLMOVE onto its own source", async (c) => {
      await c.send(1, "BLMOVE", "a", "a", "RIGHT", "LEFT", "0");
      await c.blocked(1);
      await c.send(2, "BLPOP", "a", "0");
      await c.blocked(2);
      await c.run(0, "RPUSH", "a", "x");
      await c.reply(1);
      await c.reply(2);
      await c.run(0, "EXISTS", "a");
    });

    await scenario(t, pair, "a key of another type does not serve list waiters", async (c) => {
      await c.send(1, "BLPOP", "k", "0");
      await c.blocked(1);
      await c.run(0, "SET", "k", "string");
      if (pair.redeno.commands.lookup("zadd") !== undefined) {
        await c.run(0, "DEL", "k");
        await c.run(0, "ZADD", "k", "1", "m");
      }
      await c.blocked(1);
      await c.run(0, "DEL", "k");
      await c.run(0, "RPUSH", "other", "x");
      await c.run(0, "RENAME", "other", "k");
      await c.reply(1);
      await c.run(0, "EXISTS", "k");
    });

    await scenario(t, pair, "BLMOVE to a destination of the wrong type", async (c) => {
      await c.run(0, "SET", "dst", "string");
      await c.send(1, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0");
      await c.blocked(1);
      await c.run(0, "RPUSH", "src", "x");
      await c.reply(1);
      await c.run(0, "LRANGE", "src", "0", "-1");
      // The destination deleted while the client waits: it is created.
      await c.send(1, "BRPOPLPUSH", "src2", "dst", "0");
      await c.blocked(1);
      await c.run(0, "DEL", "dst");
      await c.run(0, "LPUSH", "src2", "y");
      await c.reply(1);
      await c.run(0, "LRANGE", "dst", "0", "-1");
    });

    await scenario(t, pair, "CLIENT UNBLOCK with TIMEOUT and ERROR", async (c) => {
      await c.send(1, "BLPOP", "k", "0");
      await c.send(2, "BLMOVE", "k", "d", "LEFT", "LEFT", "0");
      await c.send(3, "BLMPOP", "0", "1", "k", "RIGHT");
      await c.send(4, "BRPOPLPUSH", "k", "d", "0");
      await c.blocked(4);
      await c.unblock(0, 1);
      await c.reply(1);
      await c.unblock(0, 2, "TIMEOUT");
      await c.reply(2);
      await c.unblock(0, 3, "ERROR");
      await c.reply(3, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
      await c.unblock(0, 4, "error");
      await c.reply(4);
      assertEquals(await c.unblock(0, 4), ":0\r\n");
      await c.run(1, "PING");
    });

    await scenario(t, pair, "a client that disconnects while blocked is forgotten", async (c) => {
      await c.send(1, "BLPOP", "k", "0");
      await c.blocked(1);
      await c.send(2, "BLPOP", "k", "0");
      await c.blocked(2);
      c.ours[1].close();
      c.theirs[1].close();
      await c.blocked(1);
      await c.run(0, "RPUSH", "k", "a", "b");
      await c.reply(2);
      await c.run(0, "LRANGE", "k", "0", "-1");
    });

    await scenario(t, pair, "commands pipelined after a blocking one wait for it", async (c) => {
      const pipeline = new Uint8Array([
        ...RespClient.encode(["BLPOP", "k", "0"]),
        ...RespClient.encode(["RPUSH", "k2", "after"]),
      ]);
      await Promise.all([c.ours[1].write(pipeline), c.theirs[1].write(pipeline)]);
      await c.blocked(1);
      await c.run(0, "EXISTS", "k2");
      await c.run(0, "LPUSH", "k", "v");
      await c.reply(1);
      await c.reply(1);
      await c.run(0, "LRANGE", "k2", "0", "-1");
    });

    await scenario(t, pair, "timeouts reply with a null array", async (c) => {
      await c.send(1, "BLPOP", "k", "0.05");
      await c.send(2, "BRPOP", "k", "k2", "0.05");
      await c.send(3, "BLMOVE", "k", "d", "LEFT", "LEFT", "0.05");
      await c.send(4, "BLMPOP", "0.05", "1", "k", "LEFT", "COUNT", "3");
      await c.blocked(4);
      c.advance(100);
      for (let i = 1; i <= 4; i++) await c.reply(i, c.resp === 2 ? "*-1\r\n" : "_\r\n");
      await c.send(1, "BRPOPLPUSH", "k", "d", "0.01");
      c.advance(100);
      await c.reply(1);
      await c.run(0, "EXISTS", "k", "d");
    });

    await scenario(t, pair, "changes are counted as redis-server counts them", async (c) => {
      const dirty = async () => {
        const [a, b] = await Promise.all([
          c.ours[0].raw("INFO", "persistence"),
          c.theirs[0].raw("INFO", "persistence"),
        ]);
        const read = (info: string) => Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
        return [read(a), read(b)];
      };
      const before = await dirty();
      await c.send(1, "BLPOP", "k", "0");
      await c.send(2, "BLMOVE", "k", "d", "LEFT", "LEFT", "0");
      await c.send(3, "BLMPOP", "0", "1", "k", "RIGHT", "COUNT", "2");
      await c.blocked(3);
      await c.run(0, "RPUSH", "k", "1", "2", "3", "4", "5");
      for (let i = 1; i <= 3; i++) await c.reply(i);
      const after = await dirty();
      assertEquals(
        `ours ${after[0] - before[0]}`,
        `redis ${after[1] - before[1]}`.replace("redis", "ours"),
      );
    });
  } finally {
    await pair.close();
  }
});

Deno.test("lists: blocking timeouts follow the server clock", async () => {
  const server = await startRedeno();
  const client = await RespClient.connect(server.port);
  const other = await RespClient.connect(server.port);
  // Frozen, so that only `advance` moves time.
  server.clock.set(server.clock.now(), true);
  try {
    await client.write(RespClient.encode(["BLPOP", "k", "1000.5"]));
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(1_000_000);
    assertEquals(server.blocking.blockedCount, 1);
    server.clock.advance(1000);
    assertEquals(await client.readRaw(), "*-1\r\n");
    // A fraction of a millisecond rounds up: 0.0001 s waits 1 ms, not forever.
    await client.write(RespClient.encode(["BRPOP", "k", "0.0001"]));
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(2);
    assertEquals(await client.readRaw(), "*-1\r\n");
    // 0 and what rounds to 0 (-0.0009) wait forever.
    await client.write(RespClient.encode(["BLMOVE", "k", "d", "LEFT", "LEFT", "-0.0009"]));
    await waitFor(() => server.blocking.blockedCount === 1);
    server.clock.advance(10 ** 12);
    assertEquals(server.blocking.blockedCount, 1);
    assertEquals(await other.raw("LPUSH", "k", "v"), ":1\r\n");
    assertEquals(await client.readRaw(), "$1\r\nv\r\n");
    assertEquals(await other.raw("LRANGE", "d", "0", "-1"), "*1\r\n$1\r\nv\r\n");
  } finally {
    client.close();
    other.close();
    await server.close();
  }
});
