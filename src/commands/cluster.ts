/**
 * Cluster commands for cluster-aware clients: CLUSTER SLOTS, SHARDS, NODES, INFO, KEYSLOT,
 * COUNTKEYSINSLOT, GETKEYSINSLOT, MYID, HELP, and READONLY, READWRITE, ASKING. The layout is
 * static (see src/cluster/layout.ts); `startCluster` loads it when `cluster-enabled` is yes, and
 * the command table then redirects commands whose keys another node serves (registry.ts).
 * @module
 */
import { findMyself, formatRanges, LayoutError, parseLayout } from "../cluster/layout.ts";
import { CLUSTER_SLOTS, keyHashSlot } from "../cluster/slots.ts";
import { ClusterState } from "../cluster/state.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { helpSubcommand } from "./connection.ts";
import { NOT_INTEGER, ReplyError } from "./errors.ts";
import type { ServerContext } from "./server_context.ts";
import type { CommandSpec } from "./types.ts";
import { defineCommand } from "./types.ts";

const DISABLED = "ERR This instance has cluster support disabled";

/**
 * Loads the layout named by `cluster-config-file` (relative to `dir`), finds this node in it by
 * its port (and `cluster-announce-ip`), and turns cluster mode on: the command table starts
 * routing by slot and database 0 starts indexing its keys by slot. Throws for a bad layout.
 */
export function startCluster(server: ServerContext): ClusterState {
  const { config } = server;
  const file = config.get("cluster-config-file");
  const dir = config.get("dir");
  const path = file.startsWith("/") || dir === "" ? file : `${dir}/${file}`;
  const port = config.getNumber("port");
  try {
    if (port === 0) throw new LayoutError("cluster mode needs a fixed port, not 0");
    const layout = parseLayout(Deno.readTextFileSync(path));
    const cluster = new ClusterState(
      layout,
      findMyself(layout, port, config.get("cluster-announce-ip")),
    );
    const db = server.keyspace.databases[0];
    for (const [key] of db.storedEntries()) cluster.keysBySlot.added(key);
    db.keyIndex = cluster.keysBySlot;
    server.commands.cluster = cluster;
    return cluster;
  } catch (error) {
    throw new Error(`cluster-config-file '${path}': ${(error as Error).message}`);
  }
}

/** The cluster state, or Redis's error for a standalone server. */
function clusterOf(client: Client): ClusterState {
  const cluster = client.server.commands.cluster;
  if (cluster === null) throw new ReplyError(DISABLED);
  return cluster;
}

/** A slot argument: an integer (Redis's error otherwise), then checked by the caller. */
function integerArg(text: string): number {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(NOT_INTEGER);
  return typeof value === "bigint" ? -1 : value;
}

function validSlot(slot: number): boolean {
  return slot >= 0 && slot < CLUSTER_SLOTS;
}

const CLUSTER_HELP = [
  "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "COUNTKEYSINSLOT <slot>",
  "    Reply with how many keys this node holds in <slot>.",
  "GETKEYSINSLOT <slot> <count>",
  "    Reply with up to <count> names of the keys this node holds in <slot>.",
  "INFO",
  "    Reply with the state of the cluster.",
  "KEYSLOT <key>",
  "    Reply with the hash slot of <key>.",
  "MYID",
  "    Reply with this node's id.",
  "NODES",
  "    Reply with the cluster's nodes, one line each:",
  "    <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slot> ...",
  "SHARDS",
  "    Reply with each shard: its slot ranges and its nodes.",
  "SLOTS",
  "    Reply with each range of slots and the node serving it.",
  "HELP",
  "    Print this help.",
];

/** CLUSTER INFO's text: a static layout is always whole, so the state is always ok. */
function clusterInfo(cluster: ClusterState): string {
  const nodes = cluster.layout.nodes;
  const fields: Array<[string, string | number]> = [
    ["cluster_state", "ok"],
    ["cluster_slots_assigned", CLUSTER_SLOTS],
    ["cluster_slots_ok", CLUSTER_SLOTS],
    ["cluster_slots_pfail", 0],
    ["cluster_slots_fail", 0],
    ["cluster_known_nodes", nodes.length],
    ["cluster_size", nodes.filter((node) => node.ranges.length > 0).length],
    ["cluster_current_epoch", nodes.length],
    ["cluster_my_epoch", cluster.me.epoch],
    // No cluster bus: no messages. Redis lists per-type counters only once they are non-zero.
    ["cluster_stats_messages_sent", 0],
    ["cluster_stats_messages_received", 0],
    ["total_cluster_links_buffer_limit_exceeded", 0],
  ];
  return fields.map(([name, value]) => `${name}:${value}\r\n`).join("");
}

/** CLUSTER NODES's text: one line per node, in layout order. */
function clusterNodes(cluster: ClusterState, now: number): string {
  return cluster.layout.nodes.map((node, index) => {
    const flags = index === cluster.myself ? "myself,master" : "master";
    // Without a bus, every node counts as just heard from.
    const fields = [
      node.id,
      `${node.host}:${node.port}@${node.port + 10000}`,
      flags,
      "-",
      "0",
      String(now),
      String(node.epoch),
      "connected",
      ...formatRanges(node.ranges),
    ];
    return fields.join(" ") + "\n";
  }).join("");
}

function replyClusterSlots(client: Client, cluster: ClusterState): void {
  const nodes = cluster.layout.nodes;
  const ranges = nodes.flatMap((node) => node.ranges.map((range) => ({ node, range })))
    .sort((a, b) => a.range[0] - b.range[0]);
  const reply = client.reply;
  reply.arrayHeader(ranges.length);
  for (const { node, range } of ranges) {
    reply.arrayHeader(3);
    reply.integer(range[0]);
    reply.integer(range[1]);
    reply.arrayHeader(4);
    reply.bulk(node.host);
    reply.integer(node.port);
    reply.bulk(node.id);
    reply.mapHeader(0); // networking metadata: no hostname is announced
  }
}

function replyClusterShards(client: Client, cluster: ClusterState): void {
  const reply = client.reply;
  const nodes = cluster.layout.nodes;
  reply.arrayHeader(nodes.length);
  for (const node of nodes) {
    reply.mapHeader(2);
    reply.bulk("slots");
    reply.arrayHeader(node.ranges.length * 2);
    for (const [first, last] of node.ranges) {
      reply.integer(first);
      reply.integer(last);
    }
    reply.bulk("nodes");
    reply.arrayHeader(1);
    reply.mapHeader(7);
    reply.bulk("id");
    reply.bulk(node.id);
    reply.bulk("port");
    reply.integer(node.port);
    reply.bulk("ip");
    reply.bulk(node.host);
    reply.bulk("endpoint");
    reply.bulk(node.host);
    reply.bulk("role");
    reply.bulk("master");
    reply.bulk("replication-offset");
    reply.integer(0);
    reply.bulk("health");
    reply.bulk("online");
  }
}

const clusterSubcommands: CommandSpec[] = [
  defineCommand({
    name: "countkeysinslot",
    arity: 3,
    flags: ["stale"],
    group: "cluster",
    since: "3.0.0",
    summary: "Replies with how many keys this node holds in a hash slot.",
    complexity: "O(1)",
    args: [{ name: "slot", type: "integer" }],
    run(client, argv) {
      const cluster = clusterOf(client);
      const slot = integerArg(argv[2]);
      if (!validSlot(slot)) throw new ReplyError("ERR Invalid slot");
      client.reply.integer(cluster.keysBySlot.count(slot));
    },
  }),
  defineCommand({
    name: "getkeysinslot",
    arity: 4,
    flags: ["stale"],
    group: "cluster",
    since: "3.0.0",
    summary: "Replies with names of keys this node holds in a hash slot.",
    complexity: "O(log(N)) where N is the number of requested keys",
    tips: ["nondeterministic_output"],
    args: [{ name: "slot", type: "integer" }, { name: "count", type: "integer" }],
    run(client, argv) {
      const cluster = clusterOf(client);
      const slot = integerArg(argv[2]);
      const count = parseInt64(argv[3]);
      if (count === null) throw new ReplyError(NOT_INTEGER);
      if (!validSlot(slot) || count < 0) {
        throw new ReplyError("ERR Invalid slot or number of keys");
      }
      client.reply.bulkArray(cluster.keysBySlot.newest(slot, Number(count)));
    },
  }),
  helpSubcommand("CLUSTER", CLUSTER_HELP, { group: "cluster", since: "5.0.0", check: clusterOf }),
  defineCommand({
    name: "info",
    arity: 2,
    flags: ["stale"],
    group: "cluster",
    since: "3.0.0",
    summary: "Replies with the state of the cluster as this node sees it.",
    complexity: "O(1)",
    tips: ["nondeterministic_output"],
    run(client) {
      client.reply.verbatim(clusterInfo(clusterOf(client)));
    },
  }),
  defineCommand({
    name: "keyslot",
    arity: 3,
    flags: ["stale"],
    group: "cluster",
    since: "3.0.0",
    summary: "Replies with the hash slot of a key.",
    complexity: "O(N) where N is the number of bytes in the key",
    args: [{ name: "key", type: "string" }],
    run(client, argv) {
      clusterOf(client);
      client.reply.integer(keyHashSlot(argv[2]));
    },
  }),
  defineCommand({
    name: "myid",
    arity: 2,
    flags: ["stale"],
    group: "cluster",
    since: "3.0.0",
    summary: "Replies with this node's id.",
    complexity: "O(1)",
    run(client) {
      client.reply.bulk(clusterOf(client).me.id);
    },
  }),
  defineCommand({
    name: "nodes",
    arity: 2,
    flags: ["stale"],
    group: "cluster",
    since: "3.0.0",
    summary: "Replies with the cluster's nodes as this node sees them.",
    complexity: "O(N) where N is the total number of Cluster nodes",
    tips: ["nondeterministic_output"],
    run(client) {
      const cluster = clusterOf(client);
      client.reply.verbatim(clusterNodes(cluster, client.server.keyspace.clock.now()));
    },
  }),
  defineCommand({
    name: "shards",
    arity: 2,
    flags: ["stale"],
    group: "cluster",
    since: "7.0.0",
    summary: "Replies with each shard's slot ranges and nodes.",
    complexity: "O(N) where N is the total number of cluster nodes",
    tips: ["nondeterministic_output"],
    run(client) {
      replyClusterShards(client, clusterOf(client));
    },
  }),
  defineCommand({
    name: "slots",
    arity: 2,
    flags: ["stale"],
    group: "cluster",
    since: "3.0.0",
    summary: "Replies with each range of slots and the node serving it.",
    complexity: "O(N) where N is the total number of Cluster nodes",
    docFlags: ["deprecated"],
    deprecatedSince: "7.0.0",
    replacedBy: "`CLUSTER SHARDS`",
    history: [
      ["4.0.0", "Added the node ids."],
      ["7.0.0", "Added the networking metadata map."],
    ],
    tips: ["nondeterministic_output"],
    run(client) {
      replyClusterSlots(client, clusterOf(client));
    },
  }),
];

/** READONLY, READWRITE and ASKING: accepted in cluster mode (no replicas, no migrations yet). */
function connectionFlag(name: string, summary: string, flags: CommandSpec["flags"]): CommandSpec {
  return defineCommand({
    name,
    arity: 1,
    flags,
    acl: ["connection"],
    group: "cluster",
    since: "3.0.0",
    summary,
    complexity: "O(1)",
    run(client) {
      clusterOf(client);
      client.reply.ok();
    },
  });
}

export const clusterCommands: CommandSpec[] = [
  defineCommand({
    name: "cluster",
    arity: -2,
    flags: [],
    group: "cluster",
    since: "3.0.0",
    summary: "Commands about the cluster this node belongs to.",
    complexity: "Depends on subcommand.",
    subcommands: clusterSubcommands,
  }),
  connectionFlag(
    "readonly",
    "Lets the connection read from replicas of the cluster.",
    ["loading", "stale", "fast"],
  ),
  connectionFlag(
    "readwrite",
    "Stops the connection reading from replicas of the cluster.",
    ["loading", "stale", "fast"],
  ),
  connectionFlag("asking", "Lets the next command reach a slot being imported.", ["fast"]),
];
