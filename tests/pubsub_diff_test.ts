/**
 * Pub/sub against redis-server 7.0.15: several connections per server, and every confirmation,
 * message, reply and error compared byte for byte, in RESP2 and RESP3.
 *
 * Redis lists channels (PUBSUB CHANNELS, UNSUBSCRIBE without arguments) in the order of its
 * hash tables, which is seeded at random per process; those replies are compared as multisets.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import {
  type Command,
  describe,
  type ServerPair,
  startRedeno,
  waitFor,
  withPair,
} from "./support/servers.ts";

/** Connections opened in step on both servers; each action is checked to agree. */
class Session {
  private constructor(
    readonly ours: RespClient[],
    readonly theirs: RespClient[],
    readonly resp: 2 | 3,
  ) {}

  static async open(pair: ServerPair, count: number, resp: 2 | 3): Promise<Session> {
    const ours: RespClient[] = [];
    const theirs: RespClient[] = [];
    for (let i = 0; i < count; i++) {
      const [a, b] = await pair.connect();
      if (resp === 3) {
        await a.raw("HELLO", "3");
        await b.raw("HELLO", "3");
      }
      ours.push(a);
      theirs.push(b);
    }
    const session = new Session(ours, theirs, resp);
    await session.send(0, "FLUSHALL");
    return session;
  }

  /** Connection `i` sends a command; its first reply must match. */
  async send(i: number, ...argv: Command): Promise<string> {
    const [a, b] = await Promise.all([this.ours[i].raw(...argv), this.theirs[i].raw(...argv)]);
    assertEquals(a, b, `conn ${i}: reply to ${describe(argv)} (resp ${this.resp})`);
    return a;
  }

  /** Connection `i` sends a command without reading. */
  async write(i: number, ...argv: Command): Promise<void> {
    const bytes = RespClient.encode(argv);
    await Promise.all([this.ours[i].write(bytes), this.theirs[i].write(bytes)]);
  }

  /** Connection `i` reads its next `count` replies (messages, confirmations); they must match. */
  async read(i: number, count = 1, what = "reply"): Promise<string[]> {
    const replies: string[] = [];
    for (let n = 0; n < count; n++) {
      const [a, b] = await Promise.all([this.ours[i].readRaw(), this.theirs[i].readRaw()]);
      assertEquals(a, b, `conn ${i}: ${what} #${n} (resp ${this.resp})`);
      replies.push(a);
    }
    return replies;
  }

  /** Sends a command whose `count` replies come in hash order: compared as sorted lists. */
  async sendUnordered(i: number, count: number, ...argv: Command): Promise<void> {
    await this.write(i, ...argv);
    const collect = async (client: RespClient) => {
      const replies: string[] = [];
      for (let n = 0; n < count; n++) replies.push(await client.readRaw());
      return replies;
    };
    const [a, b] = await Promise.all([collect(this.ours[i]), collect(this.theirs[i])]);
    assertEquals(a.map(countless).sort(), b.map(countless).sort(), describe(argv));
    assertEquals(a.map(countOnly), b.map(countOnly), `counts of ${describe(argv)}`);
  }

  /** An array reply whose elements come in hash order (PUBSUB CHANNELS). */
  async sendSet(i: number, ...argv: Command): Promise<void> {
    const [a, b] = await Promise.all([this.ours[i].raw(...argv), this.theirs[i].raw(...argv)]);
    assertEquals(sortedElements(a), sortedElements(b), describe(argv));
  }

  close(): void {
    for (const client of [...this.ours, ...this.theirs]) client.close();
  }
}

/** A confirmation without its trailing count. */
function countless(raw: string): string {
  return raw.replace(/:\d+\r\n$/, "");
}

function countOnly(raw: string): string {
  return raw.match(/:\d+\r\n$/)?.[0] ?? "";
}

/** An array of bulk strings, its elements sorted. */
function sortedElements(raw: string): string {
  const [header, ...rest] = raw.split("\r\n");
  const elements: string[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) elements.push(`${rest[i]}\r\n${rest[i + 1]}`);
  return [header, ...elements.sort()].join("\r\n");
}

async function inBothProtocols(
  pair: ServerPair,
  connections: number,
  fn: (session: Session) => Promise<void>,
): Promise<void> {
  for (const resp of [2, 3] as const) {
    const session = await Session.open(pair, connections, resp);
    try {
      await fn(session);
    } finally {
      session.close();
    }
  }
}

Deno.test("pubsub: subscribe, publish and unsubscribe confirmations and messages", async () => {
  await withPair((pair) =>
    inBothProtocols(pair, 2, async (s) => {
      // Nothing subscribed yet: the null-channel confirmation.
      await s.send(0, "UNSUBSCRIBE");
      await s.send(0, "PUNSUBSCRIBE");
      await s.send(0, "SUNSUBSCRIBE");
      await s.send(0, "UNSUBSCRIBE", "nope");
      await s.send(0, "PUNSUBSCRIBE", "nope*");
      await s.send(0, "SUNSUBSCRIBE", "nope");
      await s.send(0, "SUBSCRIBE", "c1", "c2", "c1");
      await s.read(0, 2, "subscribe confirmation");
      await s.send(0, "PSUBSCRIBE", "c*");
      await s.send(0, "SSUBSCRIBE", "s1", "s2");
      await s.read(0, 1, "ssubscribe confirmation");
      // The subscribed context: RESP2 refuses other commands and answers PING as a message.
      await s.send(0, "GET", "x");
      await s.send(0, "PUBLISH", "c1", "x");
      await s.send(0, "PUBSUB", "NUMSUB", "c1");
      await s.send(0, "PING");
      await s.send(0, "PING", "hi");
      await s.send(0, "PING", "a", "b");
      await s.send(0, "SUBSCRIBE");
      await s.send(0, "SSUBSCRIBE");
      // A channel subscriber and a matching pattern both receive.
      await s.send(1, "PUBLISH", "c1", "hello");
      await s.read(0, 2, "message then pmessage");
      await s.send(1, "PUBLISH", "c3", "pattern only");
      await s.read(0, 1, "pmessage");
      await s.send(1, "PUBLISH", "other", "nobody");
      await s.send(1, "SPUBLISH", "s2", "shard");
      await s.read(0, 1, "smessage");
      await s.send(1, "SPUBLISH", "c1", "not a shard subscriber");
      await s.send(1, "PUBLISH", "s1", "not a channel subscriber");
      await s.send(1, "PUBSUB", "NUMSUB", "c1", "c2", "c3", "s1");
      await s.send(1, "PUBSUB", "NUMSUB");
      await s.send(1, "PUBSUB", "NUMPAT");
      await s.sendSet(1, "PUBSUB", "CHANNELS");
      await s.send(1, "PUBSUB", "CHANNELS", "*2");
      await s.send(1, "PUBSUB", "CHANNELS", "zz*");
      await s.sendSet(1, "PUBSUB", "SHARDCHANNELS");
      await s.send(1, "PUBSUB", "SHARDCHANNELS", "s[1]");
      await s.send(1, "PUBSUB", "SHARDNUMSUB", "s1", "s2", "c1");
      await s.send(1, "PUBSUB", "SHARDNUMSUB");
      // Unsubscribing: counts go down; shard counts are kept apart.
      await s.send(0, "UNSUBSCRIBE", "c2", "c9");
      await s.read(0, 1, "unsubscribe confirmation");
      await s.send(0, "SUNSUBSCRIBE", "s1");
      await s.sendUnordered(0, 1, "SUNSUBSCRIBE");
      await s.send(0, "SUNSUBSCRIBE");
      await s.send(0, "UNSUBSCRIBE");
      await s.send(0, "PUNSUBSCRIBE");
      await s.send(0, "UNSUBSCRIBE");
      await s.send(0, "PUNSUBSCRIBE");
      // Out of the subscribed context again.
      await s.send(0, "GET", "x");
      await s.send(0, "PING");
      await s.send(1, "PUBLISH", "c1", "gone");
      await s.send(1, "PUBSUB", "NUMPAT");
    })
  );
});

Deno.test("pubsub: UNSUBSCRIBE with no arguments leaves every channel", async () => {
  await withPair((pair) =>
    inBothProtocols(pair, 2, async (s) => {
      await s.send(0, "SUBSCRIBE", "a", "b", "c");
      await s.read(0, 2);
      await s.send(0, "PSUBSCRIBE", "p1*", "p2*");
      await s.read(0, 1);
      await s.sendUnordered(0, 3, "UNSUBSCRIBE");
      await s.sendUnordered(0, 2, "PUNSUBSCRIBE");
      await s.send(0, "UNSUBSCRIBE");
      await s.send(1, "PUBSUB", "NUMSUB", "a", "b", "c");
      await s.send(1, "PUBSUB", "NUMPAT");
      await s.send(1, "PUBLISH", "a", "x");
    })
  );
});

Deno.test("pubsub: patterns with glob classes, ranges and escapes", async () => {
  const patterns = ["news.[a-c]*", "h?llo", "x\\*y", "[^0-9]z", "*", "lit\\[eral", "[\\]]end"];
  const channels = [
    "news.art",
    "news.dog",
    "news.b",
    "hello",
    "hallo",
    "hllo",
    "x*y",
    "xzy",
    "az",
    "5z",
    "lit[eral",
    "]end",
    "xend",
  ];
  await withPair((pair) =>
    inBothProtocols(pair, patterns.length + 1, async (s) => {
      const publisher = patterns.length;
      // One pattern per connection, so delivery order never depends on Redis's pattern order.
      for (let i = 0; i < patterns.length; i++) await s.send(i, "PSUBSCRIBE", patterns[i]);
      await s.send(publisher, "PUBSUB", "NUMPAT");
      for (const channel of channels) {
        const reply = await s.send(publisher, "PUBLISH", channel, `to ${channel}`);
        assert(reply.startsWith(":"));
      }
      for (let i = 0; i < patterns.length; i++) {
        const matched = channels.filter((channel) => matches(patterns[i], channel)).length;
        await s.read(i, matched, `pmessages for ${patterns[i]}`);
      }
      await s.send(publisher, "PUBSUB", "CHANNELS", "news.[a-c]*");
    })
  );
});

/** The channels each test pattern is meant to match (checked against Redis by the replies). */
function matches(pattern: string, channel: string): boolean {
  const expected: Record<string, string[]> = {
    "news.[a-c]*": ["news.art", "news.b"],
    "h?llo": ["hello", "hallo"],
    "x\\*y": ["x*y"],
    "[^0-9]z": ["az"],
    "lit\\[eral": ["lit[eral"],
    "[\\]]end": ["]end"],
  };
  return pattern === "*" || (expected[pattern] ?? []).includes(channel);
}

Deno.test("pubsub: binary channels, patterns and payloads", async () => {
  const everyByte = new Uint8Array(256).map((_, i) => i);
  const channel = "\x00\xff\r\nbin chan";
  await withPair((pair) =>
    inBothProtocols(pair, 2, async (s) => {
      await s.send(0, "SUBSCRIBE", channel);
      await s.send(0, "PSUBSCRIBE", "\x00\xff*");
      await s.send(0, "SSUBSCRIBE", "\xfe\x00");
      await s.send(1, "PUBLISH", channel, everyByte);
      await s.read(0, 2, "binary message");
      await s.send(1, "PUBLISH", "\x00\xff", "");
      await s.read(0, 1, "empty payload");
      await s.send(1, "SPUBLISH", "\xfe\x00", everyByte);
      await s.read(0, 1, "binary smessage");
      await s.send(1, "PUBSUB", "NUMSUB", channel);
      await s.send(1, "PUBSUB", "CHANNELS", "\x00*");
      await s.send(1, "PUBSUB", "SHARDCHANNELS", "\xfe?");
    })
  );
});

Deno.test("pubsub: messages arrive in publish order on each connection", async () => {
  await withPair((pair) =>
    inBothProtocols(pair, 3, async (s) => {
      await s.send(0, "SUBSCRIBE", "ordered");
      await s.send(1, "SUBSCRIBE", "ordered");
      await s.send(1, "PSUBSCRIBE", "ord*");
      const count = 200;
      const pipeline: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        pipeline.push(RespClient.encode(["PUBLISH", "ordered", `message ${i}`]));
      }
      const bytes = new Uint8Array(pipeline.reduce((n, part) => n + part.length, 0));
      let offset = 0;
      for (const part of pipeline) {
        bytes.set(part, offset);
        offset += part.length;
      }
      await Promise.all([s.ours[2].write(bytes), s.theirs[2].write(bytes)]);
      await s.read(2, count, "PUBLISH reply");
      const received = await s.read(0, count, "message");
      assert(received[count - 1].includes(`message ${count - 1}`));
      await s.read(1, 2 * count, "message and pmessage");
    })
  );
});

Deno.test("pubsub: a RESP3 client publishing to itself gets the push before the reply", async () => {
  await withPair(async (pair) => {
    const s = await Session.open(pair, 1, 3);
    try {
      await s.send(0, "SUBSCRIBE", "me");
      await s.send(0, "PSUBSCRIBE", "m*");
      await s.send(0, "SSUBSCRIBE", "me");
      await s.send(0, "GET", "x");
      await s.send(0, "PUBLISH", "me", "hi");
      await s.read(0, 2, "pmessage then the PUBLISH reply");
      await s.send(0, "SPUBLISH", "me", "hi");
      await s.read(0, 1, "the SPUBLISH reply");
      // Back to RESP2 while subscribed: the subscribed context applies at once.
      // (HELLO's reply carries the client id, which differs between servers.)
      await Promise.all([s.ours[0].raw("HELLO", "2"), s.theirs[0].raw("HELLO", "2")]);
      await s.send(0, "GET", "x");
    } finally {
      s.close();
    }
  });
});

Deno.test("pubsub: errors and PUBSUB arity", async () => {
  await withPair((pair) =>
    inBothProtocols(pair, 1, async (s) => {
      for (
        const command of [
          ["PUBLISH"],
          ["PUBLISH", "c"],
          ["PUBLISH", "c", "m", "x"],
          ["SPUBLISH", "c"],
          ["PSUBSCRIBE"],
          ["PUBSUB"],
          ["PUBSUB", "FOO"],
          ["PUBSUB", "NUMPAT", "x"],
          ["PUBSUB", "CHANNELS", "a", "b"],
          ["PUBSUB", "SHARDCHANNELS", "a", "b"],
          ["PUBSUB", "HELP", "x"],
          ["pubsub", "numsub", "a", "a"],
        ]
      ) {
        await s.send(0, ...command);
      }
    })
  );
});

Deno.test("pubsub: PUBSUB HELP is an array of status lines", async () => {
  await using server = await startRedeno();
  const client = await RespClient.connect(server.port);
  try {
    const help = await client.raw("PUBSUB", "HELP");
    assert(help.startsWith("*"));
    assert(help.includes("+PUBSUB <subcommand>"));
    for (const word of ["CHANNELS", "NUMPAT", "NUMSUB", "SHARDCHANNELS", "SHARDNUMSUB"]) {
      assert(help.includes(`+${word}`), word);
    }
  } finally {
    client.close();
  }
});

Deno.test("pubsub: disconnect, RESET and CLIENT KILL leave every channel", async () => {
  await withPair((pair) =>
    inBothProtocols(pair, 4, async (s) => {
      for (const i of [0, 1, 2]) {
        await s.send(i, "SUBSCRIBE", "gone");
        await s.send(i, "PSUBSCRIBE", `p${i}*`);
        await s.send(i, "SSUBSCRIBE", "shard");
      }
      await s.send(3, "PUBSUB", "NUMSUB", "gone");
      await s.send(3, "PUBSUB", "SHARDNUMSUB", "shard");
      // RESET: silent, and out of the subscribed context.
      await s.send(0, "RESET");
      await s.send(0, "GET", "x");
      await s.send(3, "PUBSUB", "NUMSUB", "gone");
      await s.send(3, "PUBSUB", "NUMPAT");
      // Disconnecting.
      s.ours[1].close();
      s.theirs[1].close();
      const settled = async (client: RespClient) =>
        (await client.raw("PUBSUB", "NUMSUB", "gone")).endsWith(":1\r\n");
      await waitFor(() => settled(s.ours[3]), 5000, "redeno to drop the closed subscriber");
      await waitFor(() => settled(s.theirs[3]), 5000, "redis to drop the closed subscriber");
      await s.send(3, "PUBSUB", "NUMPAT");
      await s.send(3, "PUBSUB", "SHARDNUMSUB", "shard");
      // CLIENT KILL: the killed client leaves at once.
      await s.send(3, "CLIENT", "KILL", "TYPE", "pubsub");
      await s.send(3, "PUBSUB", "NUMSUB", "gone");
      await s.send(3, "PUBSUB", "NUMPAT");
      await s.send(3, "PUBSUB", "SHARDNUMSUB", "shard");
      await s.send(3, "PUBLISH", "gone", "x");
      await s.send(3, "CLIENT", "KILL", "TYPE", "pubsub");
    })
  );
});

/** CLIENT LIST lines with the fields that legitimately differ masked. */
function clientLines(raw: string): string {
  return raw.replace(
    /(?:id|addr|laddr|fd|qbuf|qbuf-free|argv-mem|tot-mem|rbs|rbp|age|idle)=\S*/g,
    (m) => m.replace(/=.*/, "=*"),
  ).replace(/ lib-name=\S* lib-ver=\S*/g, "").replace(/^([$=])\d+/, "$1N");
}

Deno.test("pubsub: CLIENT LIST fields, TYPE pubsub and INFO counters", async () => {
  await withPair((pair) =>
    inBothProtocols(pair, 2, async (s) => {
      await s.send(0, "SUBSCRIBE", "a", "b");
      await s.read(0, 1);
      await s.send(0, "PSUBSCRIBE", "x*");
      await s.send(0, "SSUBSCRIBE", "s");
      const compare = async (...argv: string[]) => {
        const [a, b] = await Promise.all([s.ours[1].raw(...argv), s.theirs[1].raw(...argv)]);
        assertEquals(clientLines(a), clientLines(b), describe(argv));
      };
      await compare("CLIENT", "LIST", "TYPE", "pubsub");
      await compare("CLIENT", "LIST", "TYPE", "normal");
      const info = async (client: RespClient) =>
        (await client.raw("INFO", "stats")).match(/pubsub\w*:\d+/g);
      assertEquals(await info(s.ours[1]), await info(s.theirs[1]));
      await s.send(0, "UNSUBSCRIBE", "a");
      await s.send(0, "PUNSUBSCRIBE");
      await compare("CLIENT", "LIST", "TYPE", "pubsub");
      assertEquals(await info(s.ours[1]), await info(s.theirs[1]));
      await s.send(0, "UNSUBSCRIBE");
      await s.send(0, "SUNSUBSCRIBE");
      await compare("CLIENT", "LIST", "TYPE", "pubsub");
      assertEquals(await info(s.ours[1]), await info(s.theirs[1]));
    })
  );
});

Deno.test("pubsub: a subscriber that never reads is dropped at the output limit; PUBLISH never stalls", async () => {
  await using server = await startRedeno();
  const subscriber = await RespClient.connect(server.port);
  const publisher = await RespClient.connect(server.port);
  try {
    assertEquals(
      await subscriber.raw("SUBSCRIBE", "firehose"),
      "*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n",
    );
    // 48 MiB in 1 MiB messages: past the 32 MiB hard limit whatever the socket buffers hold.
    const payload = "x".repeat(1024 * 1024);
    const started = Date.now();
    const receivers: string[] = [];
    for (let i = 0; i < 48; i++) {
      receivers.push(await publisher.raw("PUBLISH", "firehose", payload));
    }
    assert(Date.now() - started < 4000, `publishing took ${Date.now() - started} ms`);
    assertEquals(receivers[0], ":1\r\n");
    assertEquals(receivers[receivers.length - 1], ":0\r\n");
    assertEquals(
      await publisher.raw("PUBSUB", "NUMSUB", "firehose"),
      "*2\r\n$8\r\nfirehose\r\n:0\r\n",
    );
    // The subscriber's connection was closed after part of the backlog.
    await subscriber.readUntilClosed(5000);
    await waitFor(() => server.clients.size === 1, 2000, "the subscriber to be forgotten");
  } finally {
    subscriber.close();
    publisher.close();
  }
});

Deno.test("pubsub: SUBSCRIBE and PUBLISH inside MULTI/EXEC; SSUBSCRIBE refused there", async () => {
  await withPair((pair) =>
    inBothProtocols(pair, 1, async (s) => {
      await s.send(0, "MULTI");
      await s.send(0, "SSUBSCRIBE", "s");
      await s.send(0, "SUBSCRIBE", "c");
      await s.send(0, "PUBLISH", "c", "x");
      // The self-delivered message takes a slot of EXEC's array and PUBLISH's own reply comes
      // after it, exactly as Redis frames it.
      await s.send(0, "EXEC");
      await s.read(0, 1, "the PUBLISH reply after EXEC's array");
      await s.send(0, "PING");
      await s.send(0, "UNSUBSCRIBE");
    })
  );
});
