/**
 * CLIENT TRACKING (client-side caching) against redis-server 7.0.15, byte for byte. In RESP3
 * client 0 gets its invalidations as push frames on its own connection; in RESP2 it redirects
 * them to client 2, subscribed to `__redis__:invalidate`, which gets pub/sub messages. Client 1
 * is the writer. Replies carrying a client id are compared with each server's own id.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type ClientPairs, scenarioSteps } from "./support/client_pairs.ts";
import { type Command, ServerPair } from "./support/servers.ts";

const steps = scenarioSteps(3);

/** A scenario whose body gets client 0 as the tracking client (see Tracking). */
function scenario(
  t: Deno.TestContext,
  pair: ServerPair,
  name: string,
  body: (c: Tracking) => Promise<void>,
): Promise<void> {
  return steps(t, pair, name, (clients) => body(new Tracking(clients)));
}

/** Client 0 tracks; `inbox` is the connection its invalidations arrive on. */
class Tracking {
  readonly inbox: number;
  constructor(readonly c: ClientPairs) {
    this.inbox = c.resp === 3 ? 0 : 2;
  }

  /** Runs a command built per server from client `target`'s id there; replies compared. */
  async withId(i: number, target: number, build: (id: string) => Command): Promise<string> {
    const [idA, idB] = this.c.ids[target];
    const [a, b] = await Promise.all([
      this.c.ours[i].raw(...build(idA)),
      this.c.theirs[i].raw(...build(idB)),
    ]);
    assertEquals(a.replaceAll(`:${idA}\r\n`, ":ID\r\n"), b.replaceAll(`:${idB}\r\n`, ":ID\r\n"));
    return a;
  }

  /** CLIENT TRACKING ON on client 0 (RESP2: redirected to client 2, subscribed first). */
  async track(...options: string[]): Promise<void> {
    if (this.c.resp === 2) {
      if (this.c.ours[2] !== undefined && !this.subscribed) {
        await this.c.run(2, "SUBSCRIBE", "__redis__:invalidate");
        this.subscribed = true;
      }
      await this.withId(0, 2, (id) => ["CLIENT", "TRACKING", "on", "REDIRECT", id, ...options]);
    } else {
      await this.c.run(0, "CLIENT", "TRACKING", "on", ...options);
    }
  }

  subscribed = false;

  /** The next invalidation on the inbox; `expected` is its keys (null: a flush). */
  async expect(keys: string[] | null): Promise<void> {
    const frame = await this.c.reply(this.inbox);
    const body = keys === null
      ? (this.c.resp === 3 ? "_\r\n" : "$-1\r\n")
      : `*${keys.length}\r\n` + keys.map((key) => `$${key.length}\r\n${key}\r\n`).join("");
    const head = this.c.resp === 3
      ? ">2\r\n$10\r\ninvalidate\r\n"
      : "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
    assertEquals(frame, head + body);
  }

  /** Nothing more is pending on the inbox: a PING's answer comes next. */
  async quiet(): Promise<void> {
    await this.c.run(this.inbox, "PING");
  }
}

Deno.test("tracking: CLIENT TRACKING as redis-server", async (t) => {
  const pair = await ServerPair.start();
  try {
    await scenario(t, pair, "default mode: one invalidation per read", async (tr) => {
      const c = tr.c;
      await tr.track();
      await c.run(0, "GET", "k");
      await c.run(1, "SET", "k", "1");
      await tr.expect(["k"]);
      // Forgotten until read again.
      await c.run(1, "SET", "k", "2");
      await tr.quiet();
      await c.run(0, "MGET", "k", "j");
      await c.run(1, "DEL", "k");
      await tr.expect(["k"]);
      await c.run(1, "SET", "j", "x");
      await tr.expect(["j"]);
      // In-place changes and TTL changes count as writes.
      await c.run(0, "HGET", "h", "f");
      await c.run(1, "HSET", "h", "f", "v");
      await tr.expect(["h"]);
      await c.run(0, "HGET", "h", "f");
      await c.run(1, "EXPIRE", "h", "100");
      await tr.expect(["h"]);
      // A write that changes nothing does not invalidate.
      await c.run(0, "GET", "n");
      await c.run(1, "SET", "n", "1", "XX");
      await tr.quiet();
      // The client's own write: its reply first, then the invalidation.
      await c.run(0, "SET", "n", "2");
      await tr.expect(["n"]);
      await tr.quiet();
      // After TRACKING OFF nothing arrives.
      await c.run(0, "GET", "k");
      await c.run(0, "CLIENT", "TRACKING", "off");
      await c.run(1, "SET", "k", "3");
      await tr.quiet();
    });

    await scenario(t, pair, "default mode inside MULTI", async (tr) => {
      const c = tr.c;
      await tr.track();
      await c.script(0, [["MULTI"], ["GET", "a"], ["GET", "b"], ["EXEC"]]);
      await c.run(1, "MSET", "a", "1", "b", "2");
      await tr.expect(["a"]);
      await tr.expect(["b"]);
      await tr.quiet();
    });

    await scenario(t, pair, "BCAST with prefixes", async (tr) => {
      const c = tr.c;
      await tr.track("BCAST", "PREFIX", "a", "PREFIX", "b");
      await c.run(1, "MSET", "a2", "x", "b1", "y", "c", "z", "a0", "q");
      await tr.expect(["a0", "a2"]);
      await tr.expect(["b1"]);
      await tr.quiet();
      // More prefixes add to those there.
      await tr.track("BCAST", "PREFIX", "c");
      await c.run(1, "SET", "c1", "1");
      await tr.expect(["c1"]);
      await tr.withId(0, 2, () => ["CLIENT", "TRACKINGINFO"]);
      await c.run(1, "SET", "zz", "1");
      await tr.quiet();
      await c.run(0, "CLIENT", "TRACKING", "off");
      await tr.track("BCAST");
      await c.run(1, "SET", "zz", "2");
      await tr.expect(["zz"]);
      await tr.quiet();
    });

    await scenario(t, pair, "OPTIN and OPTOUT with CLIENT CACHING", async (tr) => {
      const c = tr.c;
      await tr.track("OPTIN");
      await c.run(0, "GET", "a");
      await c.run(0, "CLIENT", "CACHING", "yes");
      await tr.withId(0, 2, () => ["CLIENT", "TRACKINGINFO"]);
      await c.run(0, "GET", "b");
      await c.run(0, "GET", "c");
      await c.run(1, "MSET", "a", "1", "b", "1", "c", "1");
      await tr.expect(["b"]);
      await tr.quiet();
      await c.run(0, "CLIENT", "TRACKING", "off");
      await tr.track("OPTOUT");
      await c.run(0, "CLIENT", "CACHING", "no");
      await c.run(0, "GET", "a");
      await c.run(0, "GET", "b");
      await c.run(1, "MSET", "a", "2", "b", "2");
      await tr.expect(["b"]);
      await tr.quiet();
    });

    await scenario(t, pair, "NOLOOP", async (tr) => {
      const c = tr.c;
      await tr.track("NOLOOP");
      await c.run(0, "GET", "k");
      await c.run(0, "SET", "k", "1");
      await tr.quiet();
      await c.run(0, "GET", "k");
      await c.run(1, "SET", "k", "2");
      await tr.expect(["k"]);
      await c.run(0, "CLIENT", "TRACKING", "off");
      await tr.track("BCAST", "NOLOOP", "PREFIX", "p");
      await c.run(0, "SET", "p1", "1");
      await c.run(1, "SET", "p2", "1");
      await tr.expect(["p2"]);
      await tr.quiet();
    });

    await scenario(t, pair, "FLUSHALL and FLUSHDB send a null", async (tr) => {
      const c = tr.c;
      await tr.track();
      await c.run(0, "GET", "k");
      await c.run(1, "FLUSHALL");
      await tr.expect(null);
      await c.run(0, "FLUSHDB");
      await tr.expect(null);
      await tr.quiet();
      // The flush forgot the keys read before it.
      await c.run(1, "SET", "k", "1");
      await tr.quiet();
    });

    await scenario(t, pair, "expiry invalidates", async (tr) => {
      const c = tr.c;
      await tr.track();
      await c.run(1, "SET", "k", "v", "PX", "100");
      await c.run(0, "GET", "k");
      c.advance(200);
      await tr.expect(["k"]);
      await tr.quiet();
    });

    await scenario(t, pair, "errors, GETREDIR and TRACKINGINFO", async (tr) => {
      const c = tr.c;
      await c.run(0, "CLIENT", "TRACKINGINFO");
      await c.run(0, "CLIENT", "GETREDIR");
      await c.script(0, [
        ["CLIENT", "CACHING", "yes"],
        ["CLIENT", "TRACKING", "on", "PREFIX", "x"],
        ["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"],
        ["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"],
        ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c", "PREFIX", "cd"],
        ["CLIENT", "TRACKING", "on", "REDIRECT", "999999"],
        ["CLIENT", "TRACKING", "on", "REDIRECT", "abc"],
        ["CLIENT", "TRACKING", "on", "REDIRECT"],
        ["CLIENT", "TRACKING", "maybe"],
        ["CLIENT", "TRACKING", "on", "foo"],
        ["CLIENT", "TRACKING"],
        ["CLIENT", "CACHING"],
        ["CLIENT", "GETREDIR", "x"],
        ["CLIENT", "TRACKINGINFO", "x"],
      ]);
      await tr.withId(0, 1, (id) => ["CLIENT", "TRACKING", "on", "REDIRECT", id, "REDIRECT", id]);
      await c.script(0, [
        ["CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP"],
        ["CLIENT", "TRACKINGINFO"],
        ["CLIENT", "GETREDIR"],
        ["CLIENT", "CACHING", "no"],
        ["CLIENT", "CACHING", "maybe"],
        ["CLIENT", "TRACKING", "on", "OPTOUT"],
        ["CLIENT", "TRACKING", "on", "BCAST"],
        ["CLIENT", "TRACKING", "off"],
        ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab"],
        ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a"],
        ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "abc"],
        ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "y"],
        ["CLIENT", "TRACKINGINFO"],
        ["CLIENT", "TRACKING", "on"],
        ["CLIENT", "TRACKING", "off"],
        ["CLIENT", "TRACKINGINFO"],
        ["CLIENT", "GETREDIR"],
      ]);
      await tr.withId(0, 1, (id) => ["CLIENT", "TRACKING", "on", "REDIRECT", id]);
      await tr.withId(0, 1, () => ["CLIENT", "GETREDIR"]);
      await tr.withId(0, 1, () => ["CLIENT", "TRACKINGINFO"]);
      const flags = async (i: number) => {
        const [a, b] = await Promise.all([
          c.ours[i].raw("CLIENT", "INFO"),
          c.theirs[i].raw("CLIENT", "INFO"),
        ]);
        const pick = (line: string) => / flags=(\S+) /.exec(line)![1];
        assertEquals(pick(a), pick(b));
        assertEquals(/ redir=(\S+) /.exec(a)![1], c.ids[1][0]);
      };
      await flags(0);
      await c.run(0, "CLIENT", "TRACKING", "off");
      await tr.track("BCAST");
      await c.run(0, "RESET");
      await c.run(0, "CLIENT", "TRACKINGINFO");
    });
  } finally {
    await pair.close();
  }
});
