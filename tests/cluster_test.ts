/**
 * Cluster mode with a static layout: slot math and layout checks, replies compared with a real
 * three-node redis-server cluster (ids, ports and timings masked), the standalone errors, and
 * ioredis's `Cluster` client over three Redeno nodes.
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects, throws } from "node:assert/strict";
import { Cluster, Redis } from "ioredis";
import { findMyself, parseLayout } from "../src/cluster/layout.ts";
import { crc16, keyHashSlot } from "../src/cluster/slots.ts";
import {
  layoutText,
  nodeId,
  type RedenoCluster,
  startRedenoCluster,
  startRedisCluster,
  type TestCluster,
} from "./support/clusters.ts";
import { parseReply, RespClient } from "./support/resp_client.ts";
import { describe, freePort, startRedeno, withPair } from "./support/servers.ts";

/** ioredis keeps timers and sockets a moment past `quit()`. */
const IOREDIS = { sanitizeOps: false, sanitizeResources: false };

Deno.test("cluster: hash slots as Redis computes them, hash tags included", () => {
  assertEquals(crc16("123456789"), 0x31c3); // the XMODEM check value
  const expected: Array<[string, number]> = [
    ["foo", 12182],
    ["a", 15495],
    ["b", 3300],
    ["{user}a", 5474],
    ["{}a", 10875],
    ["a{}", 6082],
    ["{a", 10276],
    ["{{a}}", 10276],
    ["a{b}{c}", 3300],
    ["", 0],
  ];
  for (const [key, slot] of expected) assertEquals(keyHashSlot(key), slot, key);
});

Deno.test("cluster: the layout is checked line by line", () => {
  const id = (n: number) => nodeId(n);
  const layout = parseLayout(
    `# comment\n${id(1)} 127.0.0.1:7000 0-100 200\n\n${id(2)} [::1]:7001 101-199 201-16383 # x\n`,
  );
  assertEquals(layout.nodes.map((node) => [node.host, node.port, node.ranges, node.epoch]), [
    ["127.0.0.1", 7000, [[0, 100], [200, 200]], 1],
    ["::1", 7001, [[101, 199], [201, 16383]], 2],
  ]);
  assertEquals(layout.owners[200], 0);
  assertEquals(findMyself(layout, 7001, ""), 1);
  const bad: Array<[string, RegExp]> = [
    ["", /lists no node/],
    [`xyz 127.0.0.1:7000 0-16383`, /line 1: node id 'xyz' is not 40 hex digits/],
    [`${id(1)} 127.0.0.1 0-16383`, /'127.0.0.1' is not <host>:<port>/],
    [`${id(1)} 127.0.0.1:7000 0-16384`, /'0-16384' is not a slot/],
    [`${id(1)} 127.0.0.1:7000 9-3`, /'9-3' is not a slot/],
    [`${id(1)} 127.0.0.1:7000 0-100`, /slots 101-16383 are served by no node/],
    [
      `${id(1)} 127.0.0.1:7000 0-100\n${id(2)} 127.0.0.1:7001 100-16383`,
      /line 2: slot 100 is already served by/,
    ],
    [`${id(1)} 127.0.0.1:7000 0-100\n${id(1)} 127.0.0.1:7001 101-16383`, /line 2: node id/],
    [`${id(1)} 127.0.0.1:7000 0-100\n${id(2)} 127.0.0.1:7000 101-16383`, /address .* again/],
  ];
  for (const [text, error] of bad) throws(() => parseLayout(text), error, text);
  const twoHosts = parseLayout(`${id(1)} 10.0.0.1:7000 0-100\n${id(2)} 10.0.0.2:7000 101-16383`);
  throws(() => findMyself(twoHosts, 7000, ""), /set cluster-announce-ip/);
  assertEquals(findMyself(twoHosts, 7000, "10.0.0.2"), 1);
  throws(() => findMyself(twoHosts, 7001, ""), /no node of the cluster layout is at port 7001/);
});

Deno.test("cluster: a bad layout or a node missing from it stops the start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const port = freePort();
    const path = `${dir}/layout.conf`;
    await Deno.writeTextFile(path, layoutText([port + 1, port + 2, port + 3]));
    await rejects(
      startRedeno({ port: String(port), "cluster-enabled": "yes", "cluster-config-file": path }),
      new RegExp(`cluster-config-file '${path}': no node of the cluster layout is at port ${port}`),
    );
    await rejects(
      startRedeno({
        port: String(port),
        "cluster-enabled": "yes",
        "cluster-config-file": `${dir}/none.conf`,
      }),
      /cluster-config-file '.*none.conf': .*No such file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cluster: with cluster-enabled no, cluster commands fail as in Redis", async () => {
  await withPair(async (pair) => {
    await pair.compareBoth([
      ["CLUSTER", "INFO"],
      ["CLUSTER", "HELP"],
      ["CLUSTER", "KEYSLOT", "foo"],
      ["CLUSTER", "COUNTKEYSINSLOT", "x"],
      ["CLUSTER", "GETKEYSINSLOT", "1", "1"],
      ["CLUSTER", "SLOTS"],
      ["CLUSTER", "SHARDS"],
      ["CLUSTER", "NODES"],
      ["CLUSTER", "MYID"],
      ["CLUSTER", "FOO"],
      ["CLUSTER", "KEYSLOT"],
      ["CLUSTER"],
      ["READONLY"],
      ["READWRITE"],
      ["ASKING"],
      ["READONLY", "x"],
      ["INFO", "cluster"],
      ["SELECT", "1"],
      ["SET", "foo", "1"],
      ["MSET", "a", "1", "b", "2"],
    ]);
  });
});

/** Replaces ids, ports and bus ports by node number, keeping every length. */
function masker(ids: string[], ports: number[]): (raw: string) => string {
  return (raw) => {
    ids.forEach((id, i) => raw = raw.replaceAll(id, `NODE-${i + 1}`.padEnd(40, "-")));
    ports.forEach((port, i) => {
      raw = raw.replace(new RegExp(`(?<!\\d)${port}(?!\\d)`, "g"), `PRT_${i + 1}`);
      raw = raw.replace(new RegExp(`(?<!\\d)${port + 10000}(?!\\d)`, "g"), `BUS_${i + 1}`);
    });
    return raw;
  };
}

/** A bulk or verbatim reply's type and text (`txt:` stripped). */
function textReply(raw: string): { type: string; text: string } {
  const body = raw.slice(raw.indexOf("\r\n") + 2, -2);
  return { type: raw[0], text: raw[0] === "=" ? body.slice(4) : body };
}

/** CLUSTER INFO without the bus's message counters (Redis has a bus, a static layout none). */
function withoutBusCounters(text: string): string {
  return text.split("\r\n")
    .filter((line) => !/^cluster_stats_messages_[a-z-]+_(sent|received):/.test(line))
    .map((line) => line.replace(/^(cluster_stats_messages_(sent|received)):\d+$/, "$1:0"))
    .join("\r\n");
}

/** CLUSTER NODES lines sorted, with ping-sent and pong-received (timings) blanked. */
function nodesWithoutTimings(text: string): string[] {
  return text.split("\n").filter(Boolean).map((line) => {
    const fields = line.split(" ");
    fields[4] = fields[5] = "T";
    return fields.join(" ");
  }).sort();
}

/** CLUSTER SHARDS parsed, shards sorted by their slots (Redis lists them in hash order). */
function sortedShards(raw: string): string[] {
  const shards = parseReply(raw) as unknown[];
  const json = (value: unknown) =>
    JSON.stringify(value, (_, v) => v instanceof Map ? { map: [...v.entries()] } : v);
  return shards.map(json).sort();
}

interface Side {
  client: RespClient;
  mask: (raw: string) => string;
}

async function connectSide(cluster: TestCluster): Promise<Side> {
  const ids: string[] = [];
  for (const port of cluster.ports) {
    const client = await RespClient.connect(port);
    ids.push(await client.call("CLUSTER", "MYID") as string);
    client.close();
  }
  const client = await RespClient.connect(cluster.ports[0]);
  await client.raw("FLUSHALL");
  return { client, mask: masker(ids, cluster.ports) };
}

async function compareClusters(ours: Side, theirs: Side, commands: string[][]): Promise<void> {
  for (const command of commands) {
    const [rawA, rawB] = await Promise.all([
      ours.client.raw(...command),
      theirs.client.raw(...command),
    ]);
    const [a, b] = [ours.mask(rawA), theirs.mask(rawB)];
    const what = `reply to ${describe(command)}`;
    const name = command.join(" ").toUpperCase();
    if (name === "CLUSTER INFO" || name === "CLUSTER NODES") {
      const [x, y] = [textReply(a), textReply(b)];
      assertEquals(x.type, y.type, what);
      if (name === "CLUSTER INFO") {
        assertEquals(withoutBusCounters(x.text), withoutBusCounters(y.text), what);
      } else {
        assertEquals(nodesWithoutTimings(x.text), nodesWithoutTimings(y.text), what);
      }
    } else if (name === "CLUSTER SHARDS") {
      assertEquals(
        sortedShards(rawA).map(ours.mask).sort(),
        sortedShards(rawB).map(theirs.mask).sort(),
        what,
      );
    } else {
      assertEquals(a, b, what);
    }
  }
}

/** Run on the node serving slots 0-5460 of each cluster ("b", "f", "{b}x" live there). */
const DIFFERENTIAL_COMMANDS: string[][] = [
  ["CLUSTER", "MYID"],
  ["CLUSTER", "SLOTS"],
  ["CLUSTER", "SHARDS"],
  ["CLUSTER", "NODES"],
  ["CLUSTER", "INFO"],
  ...["foo", "{user}a", "{}a", "a{}", "{a", "{{a}}", "a{b}{c}", "", "\xff\x00k", "x".repeat(300)]
    .map((key) => ["CLUSTER", "KEYSLOT", key]),
  ["CLUSTER", "KEYSLOT"],
  ["CLUSTER", "KEYSLOT", "a", "b"],
  ["CLUSTER", "COUNTKEYSINSLOT", "x"],
  ["CLUSTER", "COUNTKEYSINSLOT", "-1"],
  ["CLUSTER", "COUNTKEYSINSLOT", "16384"],
  ["CLUSTER", "COUNTKEYSINSLOT", "99999999999999999999"],
  ["CLUSTER", "GETKEYSINSLOT", "1", "-1"],
  ["CLUSTER", "GETKEYSINSLOT", "x", "1"],
  ["CLUSTER", "GETKEYSINSLOT", "16384", "x"],
  ["CLUSTER", "GETKEYSINSLOT", "16384", "1"],
  ["CLUSTER", "FOO"],
  ["CLUSTER"],
  ["CLUSTER", "MYID", "x"],
  // Keys: served here, elsewhere (MOVED), or in several slots (CROSSSLOT, checked first).
  ["SET", "{b}1", "x"],
  ["SET", "{b}2", "x"],
  ["SET", "b", "x"],
  ["SET", "{b}3", "x"],
  ["CLUSTER", "GETKEYSINSLOT", "3300", "10"],
  ["DEL", "{b}2"],
  ["SET", "{b}2", "y"],
  ["SET", "b", "again"],
  ["CLUSTER", "GETKEYSINSLOT", "3300", "2"],
  ["CLUSTER", "GETKEYSINSLOT", "3300", "0"],
  ["CLUSTER", "COUNTKEYSINSLOT", "3300"],
  ["RENAME", "{b}1", "{b}9"],
  ["CLUSTER", "GETKEYSINSLOT", "3300", "10"],
  ["SET", "foo", "1"],
  ["GET", "foo"],
  ["MSET", "a", "1", "b", "2"],
  ["MSET", "{a}1", "1", "{a}2", "2"],
  ["MSET", "a", "1", "foo", "2"],
  ["MGET", "foo", "a"],
  ["MGET", "b", "b"],
  ["DEL", "foo", "a"],
  ["EXISTS"],
  ["SPUBLISH", "foo", "x"],
  ["SPUBLISH", "b", "x"],
  ["SSUBSCRIBE", "foo"],
  ["SSUBSCRIBE", "foo", "b"],
  ["EVAL", "return 1", "1", "foo"],
  ["EVAL", "return 1", "2", "b", "f"],
  ["MULTI"],
  ["SET", "b", "1"],
  ["SET", "f", "1"],
  ["EXEC"],
  ["MULTI"],
  ["SET", "b", "1"],
  ["SET", "foo", "1"],
  ["EXEC"],
  ["MULTI"],
  ["MSET", "b", "1", "f", "2"],
  ["EXEC"],
  ["MULTI"],
  ["SET", "b", "1"],
  ["SET", "{b}x", "1"],
  ["GET", "b"],
  ["EXEC"],
  ["MULTI"],
  ["EXEC"],
  ["SELECT", "1"],
  ["SELECT", "16"],
  ["SELECT", "x"],
  ["SELECT", "0"],
  ["MOVE", "b", "1"],
  ["SWAPDB", "0", "1"],
  ["COPY", "b", "c", "DB", "1"],
  ["COPY", "b", "{b}c", "DB", "1"],
  ["COPY", "b", "{b}c"],
  ["CLUSTER", "COUNTKEYSINSLOT", "3300"],
  ["READONLY"],
  ["READWRITE"],
  ["ASKING"],
  ["READONLY", "x"],
  ["PING"],
  ["DBSIZE"],
  ["EXISTS", "b", "{b}c", "{b}9"],
  ["FLUSHALL"],
  ["CLUSTER", "COUNTKEYSINSLOT", "3300"],
  ["INFO", "cluster"],
];

Deno.test("cluster: replies match a real redis-server cluster", async (t) => {
  const [redeno, redis] = await Promise.all([startRedenoCluster(), startRedisCluster()]);
  const [ours, theirs] = await Promise.all([connectSide(redeno), connectSide(redis)]);
  try {
    await t.step("RESP2", () => compareClusters(ours, theirs, DIFFERENTIAL_COMMANDS));
    await t.step("RESP3", async () => {
      const hello = [["HELLO", "3"]];
      // HELLO's connection ids differ; its `mode` must say cluster on both.
      const [a, b] = await Promise.all([
        ours.client.raw(...hello[0]),
        theirs.client.raw(...hello[0]),
      ]);
      assertEquals(a.replace(/:\d+\r\n\$4\r\nmode/, ""), b.replace(/:\d+\r\n\$4\r\nmode/, ""));
      await compareClusters(ours, theirs, DIFFERENTIAL_COMMANDS);
    });
    await t.step("INFO server says redis_mode:cluster", async () => {
      const info = await ours.client.call("INFO", "server") as string;
      assert(info.includes("redis_mode:cluster"), info);
    });
  } finally {
    ours.client.close();
    theirs.client.close();
    await Promise.all([redeno.close(), redis.close()]);
  }
});

async function withIoredisCluster(
  fn: (cluster: Cluster, nodes: RedenoCluster) => Promise<void>,
): Promise<void> {
  const nodes = await startRedenoCluster();
  const cluster = new Cluster([{ host: "127.0.0.1", port: nodes.ports[0] }], {
    clusterRetryStrategy: () => null,
    redisOptions: { connectTimeout: 5_000, maxRetriesPerRequest: 1 },
  });
  cluster.on("error", () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      cluster.once("ready", resolve);
      cluster.once("end", () => reject(new Error("ioredis cluster ended before ready")));
    });
    await fn(cluster, nodes);
  } finally {
    cluster.disconnect();
    await nodes.close();
  }
}

Deno.test({
  name: "cluster: ioredis Cluster spreads keys over three nodes and reads them back",
  ...IOREDIS,
  fn: () =>
    withIoredisCluster(async (cluster, nodes) => {
      const keys = Array.from({ length: 600 }, (_, i) => `key:${i}`);
      await Promise.all(keys.map((key, i) => cluster.set(key, `value-${i}`)));
      const values = await Promise.all(keys.map((key) => cluster.get(key)));
      assertEquals(values, keys.map((_, i) => `value-${i}`));
      const sizes = nodes.nodes.map((node) => node.keyspace.db(0).size);
      assert(sizes.every((size) => size > 0), `every node holds keys: ${sizes}`);
      assertEquals(sizes.reduce((a, b) => a + b), keys.length);
      // Each key sits on the node the layout gives its slot, and the slot index counts it.
      for (const [index, node] of nodes.nodes.entries()) {
        const here = [...node.keyspace.db(0).keys()];
        const client = await RespClient.connect(node.port);
        for (const key of here.slice(0, 20)) {
          const slot = keyHashSlot(key);
          assertEquals(node.commands.cluster!.layout.owners[slot], index, key);
          assert(((await client.call("CLUSTER", "COUNTKEYSINSLOT", String(slot))) as number) >= 1);
        }
        client.close();
      }
    }),
});

Deno.test({
  name: "cluster: ioredis follows MOVED when its slot map is stale",
  ...IOREDIS,
  fn: () =>
    withIoredisCluster(async (cluster, nodes) => {
      const slot = keyHashSlot("foo"); // served by the third node
      const first = `127.0.0.1:${nodes.ports[0]}`;
      // Point the client's map at the wrong node: the reply is MOVED, and it goes on from there.
      (cluster as unknown as { slots: string[][] }).slots[slot] = [first];
      assertEquals(await cluster.set("foo", "bar"), "OK");
      assertEquals(await cluster.get("foo"), "bar");
      assertEquals(nodes.nodes[2].get("foo"), "bar");
      assertEquals(nodes.nodes[0].get("foo"), null);
      assert((nodes.nodes[0].errorStats.get("MOVED") ?? 0) >= 1, "the first node sent MOVED");
      const direct = new Redis({ host: "127.0.0.1", port: nodes.ports[0], lazyConnect: true });
      await direct.connect();
      await rejects(direct.get("foo"), new RegExp(`MOVED ${slot} 127.0.0.1:${nodes.ports[2]}`));
      direct.disconnect();
    }),
});

Deno.test({
  name: "cluster: ioredis multi-key commands, transactions and pipelines with hash tags",
  ...IOREDIS,
  fn: () =>
    withIoredisCluster(async (cluster) => {
      assertEquals(await cluster.mset("{user:1}:name", "ada", "{user:1}:age", "36"), "OK");
      assertEquals(await cluster.mget("{user:1}:name", "{user:1}:age"), ["ada", "36"]);
      await rejects(cluster.mset("a", "1", "b", "2"), /CROSSSLOT/);
      assertEquals(
        await cluster.multi().set("{t}a", "1").incr("{t}b").get("{t}a").exec(),
        [[null, "OK"], [null, 1], [null, "1"]],
      );
      const pipeline = cluster.pipeline();
      for (let i = 0; i < 200; i++) pipeline.set(`{p}${i}`, String(i));
      for (let i = 0; i < 200; i++) pipeline.get(`{p}${i}`);
      const results = await pipeline.exec();
      assertEquals(
        results!.slice(200).map(([, value]) => value),
        [...Array(200).keys()].map(String),
      );
      assertEquals(await cluster.del("{user:1}:name", "{user:1}:age"), 2);
      // A pipeline per node, as ioredis groups commands by slot owner.
      const perKey = await Promise.all(
        ["x", "y", "z"].map((tag) =>
          cluster.pipeline().set(`{${tag}}k`, tag).get(`{${tag}}k`).exec()
        ),
      );
      assertEquals(perKey.map((result) => result![1][1]), ["x", "y", "z"]);
    }),
});
