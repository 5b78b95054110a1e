/**
 * Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT, and the CLIENT container.
 * SWAPDB lives here too because, like SELECT, it is about which database a client sees.
 * @module
 */
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import {
  badSubcommand,
  INVALID_DB,
  NOT_INTEGER,
  ReplyError,
  SYNTAX_ERROR,
  wrongArity,
} from "./errors.ts";
import { outputListBytes, REPLY_BUFFER_BYTES } from "./output_limits.ts";
import type { PauseMode } from "./pause.ts";
import { trackingSubcommands } from "./tracking.ts";
import { defineCommand } from "./types.ts";
import type { CommandSpec } from "./types.ts";

/** The version HELLO and INFO report: the Redis release whose behaviour Redeno follows. */
export const REDIS_VERSION = "7.0.15";

const BAD_NAME = "ERR Client names cannot contain spaces, newlines or special characters.";
const WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
const AUTH_NOT_CONFIGURED = "ERR AUTH <password> called without any password configured for " +
  "the default user. Are you sure your configuration is correct?";
const INT32_MAX = 2147483647;

/** Flags shared by most CLIENT subcommands. */
const CLIENT_FLAGS: CommandSpec["flags"] = ["noscript", "loading", "stale"];
const CLIENT_ADMIN_FLAGS: CommandSpec["flags"] = ["admin", "noscript", "loading", "stale"];

/** Redis's rule for client names and library names: printable ASCII without spaces. */
function isValidClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

const INT32_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647";

/**
 * A 32-bit integer argument (Redis's `getIntFromObjectOrReply`): `error` when it is not one,
 * or, without `error`, Redis's two default texts for "not an integer" and "too big".
 */
function int32Arg(text: string, error?: string): number {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(error ?? NOT_INTEGER);
  if (value < -INT32_MAX - 1 || value > INT32_MAX) throw new ReplyError(error ?? INT32_RANGE);
  return Number(value);
}

/**
 * Checks a user name and password against the ACL users; on success the connection runs as
 * that user. A failure is logged in the ACL log (reason `auth`) under the command's name.
 */
function authenticate(client: Client, name: string, password: string, command: string): boolean {
  const acl = client.server.acl;
  const user = acl.users.get(name);
  if (user === undefined || !user.checkPassword(password)) {
    acl.record(client, "auth", command, name);
    return false;
  }
  client.user = user;
  client.authenticated = true;
  return true;
}

/** The line CLIENT LIST and CLIENT INFO print for a client (Redis 7.0's fields and order). */
export function clientInfoLine(client: Client): string {
  const now = client.server.keyspace.clock.now();
  const age = Math.max(0, Math.floor((now - client.createdAt) / 1000));
  const idle = Math.max(0, Math.floor((performance.now() - client.lastInteraction) / 1000));
  const tracking = client.tracking;
  const flags =
    (client.replication === "replica" ? "S" : client.replication === "master" ? "M" : "") +
      (client.subscriptionCount > 0 ? "P" : "") +
      (client.transaction !== null ? "x" : "") +
      (client.blocked !== null || client.postponed !== null ? "b" : "") +
      (tracking === null
        ? ""
        : "t" + (tracking.brokenRedirect ? "R" : "") + (tracking.bcast ? "B" : "")) +
      (client.noEvict ? "e" : "") || "N";
  return `id=${client.id} addr=${client.addr} laddr=${client.laddr} fd=${client.id + 7} ` +
    `name=${client.name} age=${age} idle=${idle} flags=${flags} db=${client.db.id} ` +
    `sub=${client.channels.size} psub=${client.patterns.size} ssub=${client.shardChannels.size} ` +
    `multi=${client.transaction?.queue.length ?? -1} ` +
    `qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 ` +
    `rbs=16384 rbp=16384 ${outputBufferFields(client)} tot-mem=37658 events=r ` +
    `cmd=${client.lastCommand} user=${client.user.name} redir=${
      tracking?.redirect ?? -1
    } resp=${client.resp} ` +
    `lib-name=${client.libName} lib-ver=${client.libVersion}`;
}

/**
 * obl, oll and omem as Redis counts them: the first 16 KiB of unsent replies in the fixed
 * buffer, the rest as 16 KiB list blocks (omem is what `client-output-buffer-limit` limits).
 * Unsent means appended, or handed to the socket and not yet written.
 */
function outputBufferFields(client: Client): string {
  const pending = client.pendingOutput;
  const listBytes = outputListBytes(client);
  return `obl=${Math.min(pending, REPLY_BUFFER_BYTES)} ` +
    `oll=${Math.ceil(listBytes / REPLY_BUFFER_BYTES)} omem=${listBytes}`;
}

type ClientType = "normal" | "master" | "replica" | "pubsub";

function clientType(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case "normal":
      return "normal";
    case "master":
      return "master";
    case "replica":
    case "slave":
      return "replica";
    case "pubsub":
      return "pubsub";
    default:
      return null;
  }
}

/** Our master's link, a replica of ours, a pub/sub client while it has subscriptions, or normal. */
function typeOf(client: Client): ClientType {
  if (client.replication !== null) return client.replication;
  return client.subscriptionCount > 0 ? "pubsub" : "normal";
}

function clientList(client: Client, argv: string[]): void {
  const clients = client.server.clients;
  let text = "";
  if (argv.length === 4 && argv[2].toLowerCase() === "type") {
    const type = clientType(argv[3]);
    if (type === null) throw new ReplyError(`ERR Unknown client type '${argv[3]}'`);
    for (const other of clients.values()) {
      if (typeOf(other) === type) text += clientInfoLine(other) + "\n";
    }
  } else if (argv.length > 3 && argv[2].toLowerCase() === "id") {
    for (let i = 3; i < argv.length; i++) {
      const id = parseInt64(argv[i]);
      if (id === null) throw new ReplyError("ERR Invalid client ID");
      const other = clients.get(Number(id));
      if (other) text += clientInfoLine(other) + "\n";
    }
  } else if (argv.length !== 2) {
    throw new ReplyError(SYNTAX_ERROR);
  } else {
    for (const other of clients.values()) text += clientInfoLine(other) + "\n";
  }
  client.reply.verbatim(text);
}

interface KillFilter {
  addr?: string;
  laddr?: string;
  id?: number;
  type?: ClientType;
  user?: string;
  skipMe: boolean;
}

function parseKillFilter(argv: string[], users: ReadonlyMap<string, unknown>): KillFilter {
  if (argv.length === 3) return { addr: argv[2], skipMe: false };
  const filter: KillFilter = { skipMe: true };
  for (let i = 2; i < argv.length; i += 2) {
    const option = argv[i].toLowerCase();
    const value = argv[i + 1];
    if (value === undefined) throw new ReplyError(SYNTAX_ERROR);
    if (option === "id") {
      const id = parseInt64(value);
      if (id === null || id < 1) throw new ReplyError("ERR client-id should be greater than 0");
      filter.id = Number(id);
    } else if (option === "type") {
      const type = clientType(value);
      if (type === null) throw new ReplyError(`ERR Unknown client type '${value}'`);
      filter.type = type;
    } else if (option === "addr") {
      filter.addr = value;
    } else if (option === "laddr") {
      filter.laddr = value;
    } else if (option === "user") {
      if (!users.has(value)) throw new ReplyError(`ERR No such user '${value}'`);
      filter.user = value;
    } else if (option === "skipme") {
      const answer = value.toLowerCase();
      if (answer !== "yes" && answer !== "no") throw new ReplyError(SYNTAX_ERROR);
      filter.skipMe = answer === "yes";
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  return filter;
}

function clientKill(client: Client, argv: string[]): void {
  const filter = parseKillFilter(argv, client.server.acl.users);
  let killed = 0;
  let killSelf = false;
  for (const other of [...client.server.clients.values()]) {
    if (filter.addr !== undefined && other.addr !== filter.addr) continue;
    if (filter.laddr !== undefined && other.laddr !== filter.laddr) continue;
    if (filter.id !== undefined && other.id !== filter.id) continue;
    if (filter.type !== undefined && typeOf(other) !== filter.type) continue;
    if (filter.user !== undefined && other.user.name !== filter.user) continue;
    if (filter.skipMe && other === client) continue;
    if (other === client) killSelf = true;
    else client.server.killClient(other);
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) throw new ReplyError("ERR No such client");
    client.reply.ok();
  } else {
    client.reply.integer(killed);
  }
  // The reply still goes out before this connection closes.
  if (killSelf) client.closeAfterReply = true;
}

const CLIENT_HELP = [
  "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GETNAME",
  "    Reply with the name of this connection, or a null when it has none.",
  "ID",
  "    Reply with the numeric id of this connection.",
  "INFO",
  "    Reply with one CLIENT LIST style line about this connection.",
  "KILL <ip:port>",
  "    Close the connection coming from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Close every connection matching all the filters given. Filters:",
  "    * ID <client-id>",
  "      The connection with this id.",
  "    * ADDR (<ip:port>|<unixsocket>:0)",
  "      Connections coming from this address.",
  "    * LADDR (<ip:port>|<unixsocket>:0)",
  "      Connections made to this local address.",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Connections of this type.",
  "    * USER <username>",
  "      Connections authenticated as <username>.",
  "    * SKIPME (YES|NO)",
  "      Whether to spare this connection (default: yes).",
  "LIST [options ...]",
  "    Reply with one line per connection. Options:",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Only connections of this type.",
  "    * ID <client-id> [<client-id> ...]",
  "      Only the connections with these ids.",
  "NO-EVICT (ON|OFF)",
  "    Exempt this connection from client eviction, or not.",
  "PAUSE <timeout> [WRITE|ALL]",
  "    Hold clients' commands for <timeout> milliseconds: every command (ALL, the default), or",
  "    only those that may change data (WRITE).",
  "UNPAUSE",
  "    End a CLIENT PAUSE at once.",
  "REPLY (ON|OFF|SKIP)",
  "    Turn replies to this connection on or off, or drop the next one.",
  "SETINFO <LIB-NAME|LIB-VER> <value>",
  "    Record the name or version of the client library in use.",
  "SETNAME <name>",
  "    Name this connection <name>.",
  "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]",
  "    Turn client-side caching invalidations for this connection on or off.",
  "CACHING (YES|NO)",
  "    In OPTIN (YES) or OPTOUT (NO) tracking, whether the next command's keys are tracked.",
  "GETREDIR",
  "    Reply with the id of the client invalidations are redirected to (0: none, -1: off).",
  "TRACKINGINFO",
  "    Reply with the tracking mode, redirect and prefixes of this connection.",
  "UNBLOCK <clientid> [TIMEOUT|ERROR]",
  "    Release a client blocked by a blocking command, as if it timed out, or with an error.",
  "HELP",
  "    Print this help.",
];

/** Sends a HELP text as Redis does: an array of status lines. */
export function replyHelp(client: Client, lines: readonly string[]): void {
  client.reply.arrayHeader(lines.length);
  for (const line of lines) client.reply.simple(line);
}

/**
 * The HELP subcommand of a container command (`CLIENT HELP`, `XINFO HELP`, ...), declared as
 * Redis declares them all: arity 2, `loading` and `stale`, replying `lines`. `check` runs first
 * for containers that refuse everything in some state (CLUSTER while cluster mode is off).
 */
export function helpSubcommand(
  container: string,
  lines: readonly string[],
  options: Pick<CommandSpec, "group" | "since" | "acl"> & { check?: (client: Client) => void },
): CommandSpec {
  const { check, ...declared } = options;
  return defineCommand({
    name: "help",
    arity: 2,
    flags: ["loading", "stale"],
    ...declared,
    summary: `Lists the ${container} subcommands.`,
    complexity: "O(1)",
    run(client) {
      check?.(client);
      replyHelp(client, lines);
    },
  });
}

const clientSubcommands: CommandSpec[] = [
  defineCommand({
    name: "id",
    arity: 2,
    flags: CLIENT_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "5.0.0",
    summary: "Replies with the numeric id of the connection.",
    complexity: "O(1)",
    run(client) {
      client.reply.integer(client.id);
    },
  }),
  defineCommand({
    name: "getname",
    arity: 2,
    flags: CLIENT_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "2.6.9",
    summary: "Replies with the name of the connection.",
    complexity: "O(1)",
    run(client) {
      client.reply.bulkOrNull(client.name === "" ? null : client.name);
    },
  }),
  defineCommand({
    name: "setname",
    arity: 3,
    flags: CLIENT_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "2.6.9",
    summary: "Names the connection.",
    complexity: "O(1)",
    args: [{ name: "connection-name", type: "string" }],
    run(client, argv) {
      if (!isValidClientName(argv[2])) throw new ReplyError(BAD_NAME);
      client.name = argv[2];
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "list",
    arity: -2,
    flags: CLIENT_ADMIN_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "2.4.0",
    summary: "Describes every client connection, one line each.",
    complexity: "O(N) where N is the number of client connections",
    tips: ["nondeterministic_output"],
    history: [
      ["2.8.12", "Added unique client `id` field."],
      ["5.0.0", "Added optional `TYPE` filter."],
      ["6.0.0", "Added `user` field."],
      [
        "6.2.0",
        "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.",
      ],
      ["7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."],
      ["7.0.3", "Added `ssub` field."],
    ],
    args: [
      {
        name: "normal_master_replica_pubsub",
        type: "oneof",
        token: "TYPE",
        since: "5.0.0",
        optional: true,
        args: [
          { name: "normal", type: "pure-token", token: "NORMAL" },
          { name: "master", type: "pure-token", token: "MASTER" },
          { name: "replica", type: "pure-token", token: "REPLICA" },
          { name: "pubsub", type: "pure-token", token: "PUBSUB" },
        ],
      },
      {
        name: "id",
        type: "block",
        token: "ID",
        since: "6.2.0",
        optional: true,
        args: [{ name: "client-id", type: "integer", multiple: true }],
      },
    ],
    run: clientList,
  }),
  defineCommand({
    name: "info",
    arity: 2,
    flags: CLIENT_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "6.2.0",
    summary: "Describes this connection in one CLIENT LIST line.",
    complexity: "O(1)",
    tips: ["nondeterministic_output"],
    run(client) {
      client.reply.verbatim(clientInfoLine(client) + "\n");
    },
  }),
  defineCommand({
    name: "kill",
    arity: -3,
    flags: CLIENT_ADMIN_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "2.4.0",
    summary: "Closes client connections chosen by address, id, type or user.",
    complexity: "O(N) where N is the number of client connections",
    history: [
      ["2.8.12", "Added new filter format."],
      ["2.8.12", "`ID` option."],
      ["3.2.0", "Added `master` type in for `TYPE` option."],
      [
        "5.0.0",
        "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility.",
      ],
      ["6.2.0", "`LADDR` option."],
    ],
    args: [
      {
        name: "filter",
        type: "oneof",
        args: [
          { name: "ip:port", type: "string", deprecatedSince: "2.8.12" },
          {
            name: "new-format",
            type: "oneof",
            multiple: true,
            args: [
              { name: "client-id", type: "integer", token: "ID", since: "2.8.12", optional: true },
              {
                name: "normal_master_slave_pubsub",
                type: "oneof",
                token: "TYPE",
                since: "2.8.12",
                optional: true,
                args: [
                  { name: "normal", type: "pure-token", token: "NORMAL" },
                  { name: "master", type: "pure-token", token: "MASTER", since: "3.2.0" },
                  { name: "slave", type: "pure-token", token: "SLAVE" },
                  { name: "replica", type: "pure-token", token: "REPLICA", since: "5.0.0" },
                  { name: "pubsub", type: "pure-token", token: "PUBSUB" },
                ],
              },
              { name: "username", type: "string", token: "USER", optional: true },
              { name: "ip:port", type: "string", token: "ADDR", optional: true },
              { name: "ip:port", type: "string", token: "LADDR", since: "6.2.0", optional: true },
              { name: "yes/no", type: "string", token: "SKIPME", optional: true },
            ],
          },
        ],
      },
    ],
    run: clientKill,
  }),
  defineCommand({
    name: "setinfo",
    arity: 4,
    flags: CLIENT_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "7.2.0",
    summary: "Records the name or version of the client library in use.",
    complexity: "O(1)",
    tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
    args: [
      {
        name: "attr",
        type: "oneof",
        args: [
          { name: "libname", type: "string", token: "LIB-NAME" },
          { name: "libver", type: "string", token: "LIB-VER" },
        ],
      },
    ],
    run(client, argv) {
      const attr = argv[2].toLowerCase();
      if (attr !== "lib-name" && attr !== "lib-ver") {
        throw new ReplyError(`ERR Unrecognized option '${argv[2]}'`);
      }
      if (!isValidClientName(argv[3])) {
        throw new ReplyError(
          `ERR ${argv[2]} cannot contain spaces, newlines or special characters.`,
        );
      }
      if (attr === "lib-name") client.libName = argv[3];
      else client.libVersion = argv[3];
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "no-evict",
    arity: 3,
    flags: CLIENT_ADMIN_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "7.0.0",
    summary: "Exempts the connection from client eviction, or not.",
    complexity: "O(1)",
    args: [{
      name: "enabled",
      type: "oneof",
      args: [
        { name: "on", type: "pure-token", token: "ON" },
        { name: "off", type: "pure-token", token: "OFF" },
      ],
    }],
    run(client, argv) {
      const mode = argv[2].toLowerCase();
      if (mode !== "on" && mode !== "off") throw new ReplyError(SYNTAX_ERROR);
      client.noEvict = mode === "on";
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "reply",
    arity: 3,
    flags: CLIENT_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "3.2.0",
    summary: "Turns replies to the connection on or off, or drops the next one.",
    complexity: "O(1)",
    args: [{
      name: "on_off_skip",
      type: "oneof",
      args: [
        { name: "on", type: "pure-token", token: "ON" },
        { name: "off", type: "pure-token", token: "OFF" },
        { name: "skip", type: "pure-token", token: "SKIP" },
      ],
    }],
    run(client, argv) {
      switch (argv[2].toLowerCase()) {
        case "on":
          client.replyMode = "on";
          client.skipNextReply = false;
          client.reply.ok();
          break;
        case "off":
          client.replyMode = "off";
          break;
        case "skip":
          if (client.replyMode !== "off") client.skipNextReply = true;
          break;
        default:
          throw new ReplyError(SYNTAX_ERROR);
      }
    },
  }),
  defineCommand({
    name: "unblock",
    arity: -3,
    flags: CLIENT_ADMIN_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "5.0.0",
    summary: "Ends the wait of a client blocked in a blocking command, as a timeout or an error.",
    complexity: "O(log N) in the number of connections.",
    args: [
      { name: "client-id", type: "integer" },
      {
        name: "timeout_error",
        type: "oneof",
        optional: true,
        args: [
          { name: "timeout", type: "pure-token", token: "TIMEOUT" },
          { name: "error", type: "pure-token", token: "ERROR" },
        ],
      },
    ],
    run(client, argv) {
      if (argv.length > 4) {
        throw new ReplyError(
          badSubcommand("CLIENT", argv[1]),
        );
      }
      let how: "timeout" | "error" = "timeout";
      if (argv.length === 4) {
        const reason = argv[3].toLowerCase();
        if (reason === "error") how = "error";
        else if (reason !== "timeout") {
          throw new ReplyError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        }
      }
      const id = parseInt64(argv[2]);
      if (id === null) throw new ReplyError(NOT_INTEGER);
      const target = client.server.clients.get(Number(id));
      const unblocked = target !== undefined && client.server.blocking.unblock(target, how);
      client.reply.integer(unblocked ? 1 : 0);
    },
  }),
  defineCommand({
    name: "pause",
    arity: -3,
    flags: CLIENT_ADMIN_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "2.9.50",
    summary: "Holds the commands of every client (or only writes) for a while.",
    complexity: "O(1)",
    history: [["6.2.0", "Added the `WRITE` mode and the `mode` argument."]],
    args: [
      { name: "timeout", type: "integer" },
      {
        name: "mode",
        type: "oneof",
        since: "6.2.0",
        optional: true,
        args: [
          { name: "write", type: "pure-token", token: "WRITE" },
          { name: "all", type: "pure-token", token: "ALL" },
        ],
      },
    ],
    run(client, argv) {
      if (argv.length > 4) throw new ReplyError(badSubcommand("CLIENT", argv[1]));
      const ms = parseInt64(argv[2]);
      if (ms === null) throw new ReplyError("ERR timeout is not an integer or out of range");
      if (ms < 0) throw new ReplyError("ERR timeout is negative");
      let mode: PauseMode = "all";
      if (argv.length === 4) {
        const given = argv[3].toLowerCase();
        if (given !== "write" && given !== "all") {
          throw new ReplyError("ERR CLIENT PAUSE mode must be WRITE or ALL");
        }
        mode = given;
      }
      client.server.commands.pause.start(Number(ms), mode);
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "unpause",
    arity: 2,
    flags: CLIENT_ADMIN_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "6.2.0",
    summary: "Ends a CLIENT PAUSE at once, letting the held clients run.",
    complexity: "O(N) Where N is the number of paused clients",
    run(client) {
      client.server.commands.pause.end();
      client.reply.ok();
    },
  }),
  ...trackingSubcommands,
  helpSubcommand("CLIENT", CLIENT_HELP, {
    acl: ["connection"],
    group: "connection",
    since: "5.0.0",
  }),
];

export const connectionCommands: CommandSpec[] = [
  defineCommand({
    name: "ping",
    arity: -1,
    flags: ["fast"],
    acl: ["connection"],
    group: "connection",
    since: "1.0.0",
    summary: "Replies PONG, or the message given, to show the connection is alive.",
    complexity: "O(1)",
    args: [{ name: "message", type: "string", optional: true }],
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
    run(client, argv) {
      if (argv.length > 2) {
        client.reply.error(wrongArity("ping"));
      } else if (client.resp === 2 && client.subscriptionCount > 0) {
        // A subscribed RESP2 connection reads every reply as a message: PING answers in kind.
        client.reply.arrayHeader(2);
        client.reply.bulk("pong");
        client.reply.bulk(argv[1] ?? "");
      } else if (argv.length === 2) client.reply.bulk(argv[1]);
      else client.reply.simple("PONG");
    },
  }),
  defineCommand({
    name: "echo",
    arity: 2,
    flags: ["loading", "stale", "fast"],
    acl: ["connection"],
    group: "connection",
    since: "1.0.0",
    summary: "Replies with the message given.",
    complexity: "O(1)",
    args: [{ name: "message", type: "string" }],
    run(client, argv) {
      client.reply.bulk(argv[1]);
    },
  }),
  defineCommand({
    name: "quit",
    arity: -1,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    acl: ["connection"],
    group: "connection",
    since: "1.0.0",
    summary: "Closes the connection once this reply is sent.",
    complexity: "O(1)",
    run(client) {
      client.reply.ok();
      client.closeAfterReply = true;
    },
  }),
  defineCommand({
    name: "reset",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    acl: ["connection"],
    group: "connection",
    since: "6.2.0",
    summary: "Puts the connection back in the state of a new one.",
    complexity: "O(1)",
    run(client) {
      client.server.pubsub.unsubscribeAll(client);
      client.server.tracking.disable(client);
      client.db = client.server.keyspace.db(0);
      client.name = "";
      client.resp = 2;
      client.replyMode = "on";
      client.skipNextReply = false;
      client.noEvict = false;
      // Back to the default user; AUTH is needed again if the default user has a password.
      client.user = client.server.acl.defaultUser;
      client.authenticated = false;
      client.reply.simple("RESET");
    },
  }),
  defineCommand({
    name: "hello",
    arity: -1,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    acl: ["connection"],
    group: "connection",
    since: "6.0.0",
    summary: "Chooses the protocol version, optionally authenticating and naming the connection.",
    complexity: "O(1)",
    history: [[
      "6.2.0",
      "`protover` made optional; when called without arguments the command reports the current connection's context.",
    ]],
    args: [{
      name: "arguments",
      type: "block",
      optional: true,
      args: [
        { name: "protover", type: "integer" },
        {
          name: "username_password",
          type: "block",
          token: "AUTH",
          optional: true,
          args: [{ name: "username", type: "string" }, { name: "password", type: "string" }],
        },
        { name: "clientname", type: "string", token: "SETNAME", optional: true },
      ],
    }],
    run(client, argv) {
      let version: 2 | 3 | undefined;
      if (argv.length >= 2) {
        const requested = parseInt64(argv[1]);
        if (requested === null) {
          throw new ReplyError("ERR Protocol version is not an integer or out of range");
        }
        if (requested !== 2 && requested !== 3) {
          throw new ReplyError("NOPROTO unsupported protocol version");
        }
        version = requested;
      }
      let credentials: [string, string] | undefined;
      let name: string | undefined;
      for (let i = 2; i < argv.length; i++) {
        const more = argv.length - 1 - i;
        const option = argv[i].toLowerCase();
        if (option === "auth" && more >= 2) {
          credentials = [argv[i + 1], argv[i + 2]];
          i += 2;
        } else if (option === "setname" && more >= 1) {
          if (!isValidClientName(argv[i + 1])) throw new ReplyError(BAD_NAME);
          name = argv[i + 1];
          i++;
        } else {
          throw new ReplyError(`ERR Syntax error in HELLO option '${argv[i]}'`);
        }
      }
      if (credentials && !authenticate(client, ...credentials, "HELLO")) {
        throw new ReplyError(WRONGPASS);
      }
      if (name !== undefined) client.name = name;
      if (version !== undefined) client.resp = version;
      const reply = client.reply;
      reply.mapHeader(7);
      reply.bulk("server");
      reply.bulk("redis");
      reply.bulk("version");
      reply.bulk(REDIS_VERSION);
      reply.bulk("proto");
      reply.integer(client.resp);
      reply.bulk("id");
      reply.integer(client.id);
      reply.bulk("mode");
      reply.bulk(client.server.commands.cluster === null ? "standalone" : "cluster");
      reply.bulk("role");
      reply.bulk("master");
      reply.bulk("modules");
      reply.arrayHeader(0);
    },
  }),
  defineCommand({
    name: "auth",
    arity: -2,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    acl: ["connection"],
    group: "connection",
    since: "1.0.0",
    summary: "Authenticates the connection.",
    complexity: "O(N) where N is the number of passwords defined for the user",
    history: [["6.0.0", "Added ACL style (username and password)."]],
    args: [
      { name: "username", type: "string", since: "6.0.0", optional: true },
      { name: "password", type: "string" },
    ],
    run(client, argv) {
      if (argv.length > 3) throw new ReplyError(SYNTAX_ERROR);
      // Without a password on the default user, the one-argument form is a configuration mistake.
      if (argv.length === 2 && client.server.acl.defaultUser.nopass) {
        throw new ReplyError(AUTH_NOT_CONFIGURED);
      }
      const [name, password] = argv.length === 2 ? ["default", argv[1]] : [argv[1], argv[2]];
      if (!authenticate(client, name, password, "AUTH")) throw new ReplyError(WRONGPASS);
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "select",
    arity: 2,
    flags: ["loading", "stale", "fast"],
    acl: ["connection"],
    group: "connection",
    since: "1.0.0",
    summary: "Changes the database the connection works on.",
    complexity: "O(1)",
    args: [{ name: "index", type: "integer" }],
    run(client, argv) {
      const index = int32Arg(argv[1]);
      if (index !== 0 && client.server.commands.cluster !== null) {
        throw new ReplyError("ERR SELECT is not allowed in cluster mode");
      }
      const databases = client.server.keyspace.databases;
      if (index < 0 || index >= databases.length) throw new ReplyError(INVALID_DB);
      client.db = databases[index];
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "swapdb",
    arity: 3,
    flags: ["write", "fast"],
    acl: ["keyspace", "dangerous"],
    group: "server",
    since: "4.0.0",
    summary: "Exchanges the contents of two databases.",
    complexity:
      "O(N) where N is the count of clients watching or blocking on keys from both databases.",
    args: [{ name: "index1", type: "integer" }, { name: "index2", type: "integer" }],
    run(client, argv) {
      if (client.server.commands.cluster !== null) {
        throw new ReplyError("ERR SWAPDB is not allowed in cluster mode");
      }
      const first = int32Arg(argv[1], "ERR invalid first DB index");
      const second = int32Arg(argv[2], "ERR invalid second DB index");
      const databases = client.server.keyspace.databases;
      if (first < 0 || first >= databases.length || second < 0 || second >= databases.length) {
        throw new ReplyError(INVALID_DB);
      }
      if (first !== second) databases[first].swapWith(databases[second]);
      client.server.stats.dirty++;
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "client",
    arity: -2,
    flags: [],
    group: "connection",
    since: "2.4.0",
    summary: "Commands about client connections.",
    complexity: "Depends on subcommand.",
    subcommands: clientSubcommands,
  }),
];
