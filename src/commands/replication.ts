/**
 * Replication commands: REPLICAOF (and SLAVEOF), ROLE, WAIT, and what replicas send their master
 * (REPLCONF, PSYNC, SYNC). The protocol itself lives in src/replication/.
 * @module
 */
import { type ReplicaHandle, replicaIp, replicationOf } from "../replication/primary.ts";
import { integerArg, parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { ReplyError, SYNTAX_ERROR } from "./errors.ts";
import type { ServerContext } from "./server_context.ts";
import { type ArgSpec, type CommandSpec, defineCommand } from "./types.ts";

const REPLICAOF_ARGS: ArgSpec[] = [
  {
    name: "args",
    type: "oneof",
    args: [
      {
        name: "host-port",
        type: "block",
        args: [{ name: "host", type: "string" }, { name: "port", type: "integer" }],
      },
      {
        name: "no-one",
        type: "block",
        args: [
          { name: "no", type: "pure-token", token: "NO" },
          { name: "one", type: "pure-token", token: "ONE" },
        ],
      },
    ],
  },
];

function replicaof(client: Client, argv: string[]): void {
  const server = client.server;
  const replication = replicationOf(server);
  if (server.config.getBoolean("cluster-enabled")) {
    throw new ReplyError("ERR REPLICAOF not allowed in cluster mode.");
  }
  if (argv[1].toLowerCase() === "no" && argv[2].toLowerCase() === "one") {
    if (replication.link !== null) {
      replication.unsetMaster();
      server.log("notice", `MASTER MODE enabled (user request from '${requester(client)}')`);
    }
    client.reply.ok();
    return;
  }
  if (client.replication === "replica") {
    throw new ReplyError("ERR Command is not valid when client is a replica.");
  }
  const port = parseInt64(argv[2]);
  if (port === null || port < 0 || port > 65535) throw new ReplyError("ERR Invalid master port");
  const link = replication.link;
  if (link !== null && link.host.toLowerCase() === argv[1].toLowerCase() && link.port === port) {
    server.log(
      "notice",
      "REPLICAOF would result into synchronization with the master we are already connected " +
        "with. No operation performed.",
    );
    client.reply.simple("OK Already connected to specified master");
    return;
  }
  replication.setMaster(argv[1], Number(port));
  server.log(
    "notice",
    `REPLICAOF ${argv[1]}:${port} enabled (user request from '${requester(client)}')`,
  );
  client.reply.ok();
}

function requester(client: Client): string {
  return `id=${client.id} addr=${client.addr} laddr=${client.laddr} fd=${client.id + 7} ` +
    `name=${client.name}`;
}

function role(client: Client): void {
  const replication = replicationOf(client.server);
  const reply = client.reply;
  const link = replication.link;
  if (link !== null) {
    reply.arrayHeader(5);
    reply.bulk("slave");
    reply.bulk(link.host);
    reply.integer(link.port);
    reply.bulk(link.state);
    reply.integer(link.connected ? replication.offset : -1);
    return;
  }
  const replicas = replication.onlineReplicas();
  reply.arrayHeader(3);
  reply.bulk("master");
  reply.integer(replication.offset);
  reply.arrayHeader(replicas.length);
  for (const handle of replicas) {
    reply.arrayHeader(3);
    reply.bulk(replicaIp(handle));
    reply.bulk(String(handle.listeningPort));
    reply.bulk(String(handle.ackOffset));
  }
}

function replconf(client: Client, argv: string[]): void {
  if (argv.length % 2 === 0) throw new ReplyError(SYNTAX_ERROR);
  const replication = replicationOf(client.server);
  for (let i = 1; i < argv.length; i += 2) {
    const option = argv[i].toLowerCase();
    const value = argv[i + 1];
    if (option === "listening-port") {
      replication.handle(client).listeningPort = integerArg(value);
    } else if (option === "ip-address") {
      replication.handle(client).announcedIp = value;
    } else if (option === "capa") {
      if (value.toLowerCase() === "psync2") replication.handle(client).psync2 = true;
    } else if (option === "ack") {
      // Sent by a replica on the stream: never answered.
      const offset = parseInt64(value);
      if (client.replication === "replica" && offset !== null) {
        replication.acknowledge(client, Number(offset));
      }
      return;
    } else if (option === "getack") {
      // From our master: the answer is an ACK on the link, not a reply.
      if (client.replication === "master") replication.link?.sendAck();
      return;
    } else if (option === "rdb-only") {
      if (value !== "0" && value !== "1") throw new ReplyError(SYNTAX_ERROR);
    } else {
      throw new ReplyError(`ERR Unrecognized REPLCONF option: ${argv[i]}`);
    }
  }
  client.reply.ok();
}

function wait(client: Client, argv: string[]): void {
  const server = client.server;
  const replication = replicationOf(server);
  if (replication.link !== null) {
    throw new ReplyError(
      "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 " +
        "if a replica is configured to be writable (which is not the default) writes to " +
        "replicas are just local and are not propagated.",
    );
  }
  const timeout = parseInt64(argv[2]);
  if (timeout === null) throw new ReplyError("ERR timeout is not an integer or out of range");
  if (timeout < 0) throw new ReplyError("ERR timeout is negative");
  const replicas = integerArg(argv[1]);
  const deadline = timeout === 0 ? Infinity : server.keyspace.clock.now() + Number(timeout);
  replication.wait(client, replicas, deadline);
}

/** The fields of INFO's replication section, as Redis 7.0 lists them. */
export function replicationInfo(server: ServerContext): Array<[string, string | number]> {
  const replication = replicationOf(server);
  const config = server.config;
  const fields: Array<[string, string | number]> = [];
  const link = replication.link;
  const now = Date.now();
  if (link === null) {
    fields.push(["role", "master"]);
  } else {
    const history = replication.backlog !== null;
    fields.push(
      ["role", "slave"],
      ["master_host", link.host],
      ["master_port", link.port],
      ["master_link_status", link.connected ? "up" : "down"],
      [
        "master_last_io_seconds_ago",
        link.connected ? Math.floor((now - link.lastIo) / 1000) : -1,
      ],
      ["master_sync_in_progress", link.state === "sync" ? 1 : 0],
      [
        "slave_read_repl_offset",
        link.connected ? link.readOffset : history ? replication.offset : 1,
      ],
      ["slave_repl_offset", history ? replication.offset : 1],
    );
    if (link.state === "sync") {
      const total = Math.max(0, link.syncTotal);
      fields.push(
        ["master_sync_total_bytes", link.syncTotal],
        ["master_sync_read_bytes", link.syncRead],
        ["master_sync_left_bytes", total - link.syncRead],
        ["master_sync_perc", total > 0 ? (link.syncRead * 100 / total).toFixed(2) : "0.00"],
        ["master_sync_last_io_seconds_ago", Math.floor((now - link.lastIo) / 1000)],
      );
    }
    if (!link.connected) {
      fields.push([
        "master_link_down_since_seconds",
        link.downSince === 0 ? -1 : Math.floor((now - link.downSince) / 1000),
      ]);
    }
    fields.push(
      ["slave_priority", config.getNumber("replica-priority")],
      ["slave_read_only", config.getBoolean("replica-read-only") ? 1 : 0],
      ["replica_announced", config.getBoolean("replica-announced") ? 1 : 0],
    );
  }
  const replicas = replication.onlineReplicas();
  fields.push(["connected_slaves", replicas.length]);
  replicas.forEach((handle: ReplicaHandle, i) => {
    const lag = Math.floor((now - handle.ackTime) / 1000);
    fields.push([
      `slave${i}`,
      `ip=${replicaIp(handle)},port=${handle.listeningPort},state=online,` +
      `offset=${handle.ackOffset},lag=${lag}`,
    ]);
  });
  const backlog = replication.backlog;
  fields.push(
    ["master_failover_state", "no-failover"],
    ["master_replid", replication.replid],
    ["master_replid2", replication.replid2],
    ["master_repl_offset", replication.offset],
    ["second_repl_offset", replication.secondReplOffset],
    ["repl_backlog_active", backlog === null ? 0 : 1],
    ["repl_backlog_size", config.getNumber("repl-backlog-size")],
    ["repl_backlog_first_byte_offset", backlog === null ? 0 : backlog.firstByteOffset],
    ["repl_backlog_histlen", backlog === null ? 0 : backlog.histlen],
  );
  return fields;
}

/** INFO stats' full and partial resynchronization counters. */
export function syncStats(server: ServerContext): Array<[string, number]> {
  const stats = replicationOf(server).stats;
  return [
    ["sync_full", stats.syncFull],
    ["sync_partial_ok", stats.syncPartialOk],
    ["sync_partial_err", stats.syncPartialErr],
  ];
}

/** The declarations of REPLICAOF and SLAVEOF differ only in their documentation. */
const REPLICAOF_SPEC = {
  arity: 3,
  flags: ["admin", "noscript", "stale", "no_async_loading"],
  group: "server",
  summary: "Makes the server a replica of another one, or promotes it to a master.",
  complexity: "O(1)",
  args: REPLICAOF_ARGS,
  run: replicaof,
} as const satisfies Partial<CommandSpec>;

export const replicationCommands: CommandSpec[] = [
  defineCommand({
    name: "replicaof",
    since: "5.0.0",
    ...REPLICAOF_SPEC,
    flags: [...REPLICAOF_SPEC.flags],
  }),
  defineCommand({
    name: "slaveof",
    since: "1.0.0",
    docFlags: ["deprecated"],
    deprecatedSince: "5.0.0",
    replacedBy: "`REPLICAOF`",
    ...REPLICAOF_SPEC,
    flags: [...REPLICAOF_SPEC.flags],
  }),
  defineCommand({
    name: "role",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast"],
    acl: ["admin", "dangerous"],
    group: "server",
    since: "2.8.12",
    summary: "Returns this server's replication role, offset and peers.",
    complexity: "O(1)",
    run: role,
  }),
  defineCommand({
    name: "replconf",
    arity: -1,
    flags: ["admin", "noscript", "loading", "stale", "allow_busy"],
    group: "server",
    since: "3.0.0",
    summary: "Configures a replication stream (sent by replicas to their master).",
    complexity: "O(1)",
    docFlags: ["syscmd"],
    run: replconf,
  }),
  defineCommand({
    name: "psync",
    arity: -3,
    flags: ["admin", "noscript", "no_async_loading", "no_multi"],
    group: "server",
    since: "2.8.0",
    summary: "Asks to become a replica, continuing a replication history if possible.",
    args: [{ name: "replicationid", type: "string" }, { name: "offset", type: "integer" }],
    run(client, argv) {
      replicationOf(client.server).sync(client, argv[1], argv[2]);
    },
  }),
  defineCommand({
    name: "sync",
    arity: 1,
    flags: ["admin", "noscript", "no_async_loading", "no_multi"],
    group: "server",
    since: "1.0.0",
    summary: "Asks to become a replica, starting from a full copy of the data.",
    run(client) {
      replicationOf(client.server).sync(client, null, null);
    },
  }),
  defineCommand({
    name: "wait",
    arity: 3,
    flags: ["noscript"],
    acl: ["connection"],
    group: "generic",
    since: "3.0.0",
    summary: "Blocks until the writes of this connection reach the given number of replicas.",
    complexity: "O(1)",
    tips: ["request_policy:all_shards", "response_policy:agg_min"],
    args: [{ name: "numreplicas", type: "integer" }, { name: "timeout", type: "integer" }],
    run: wait,
  }),
];
