/**
 * DEBUG: the subcommands that help users and test suites — SLEEP, SET-ACTIVE-EXPIRE, OBJECT,
 * DIGEST, DIGEST-VALUE, PROTOCOL, LOG, ERROR, POPULATE, RELOAD, CHANGE-REPL-ID — behind
 * `enable-debug-command`, as in Redis. Crash and allocator subcommands are left out on purpose.
 * @module
 */
import { datasetDigest, valueDigest } from "../store/digest.ts";
import type { ListValue } from "../store/list.ts";
import { isIntEncodable, type Value } from "../store/values.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { replyHelp } from "./connection.ts";
import { badSubcommand, NO_SUCH_KEY, NOT_INTEGER, ReplyError } from "./errors.ts";
import { debugReload } from "./persistence_manager.ts";
import { refcount, stringEncoding } from "./keys_object.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

const HELP = [
  "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CHANGE-REPL-ID",
  "    Give the server new replication ids.",
  "DIGEST",
  "    Reply with a signature of the whole dataset (the same as redis-server's for the same data).",
  "DIGEST-VALUE <key> [<key> ...]",
  "    Reply with a signature of each key's value.",
  "ERROR <string>",
  "    Reply with an error made of <string> (for testing clients).",
  "LOG <message>",
  "    Write <message> to the server log.",
  "OBJECT <key>",
  "    Reply with low-level details of the key's value.",
  "POPULATE <count> [<prefix>] [<size>]",
  "    Create <count> string keys <prefix>:<n> (prefix 'key'), values 'value:<n>' or <size> bytes.",
  "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
  "    Save the RDB file, empty the dataset and load the file back. MERGE: keys in the file",
  "    replace keys already present; NOFLUSH: keep the dataset; NOSAVE: load without saving.",
  "PROTOCOL <type>",
  "    Reply with a sample value of a RESP type: string, integer, double, bignum, null, array,",
  "    set, map, attrib, push, verbatim, true or false.",
  "SET-ACTIVE-EXPIRE <0|1>",
  "    Turn the background expiry of keys off (0) or on (1).",
  "SLEEP <seconds>",
  "    Stop the whole server for <seconds> (decimals allowed).",
  "HELP",
  "    Print this help.",
];

const NOT_ALLOWED = "ERR DEBUG command not allowed. If the enable-debug-command option is " +
  'set to "local", you can run it from a local connection, otherwise you need to set this ' +
  "option in the configuration file, and then restart the server.";

function isLoopback(addr: string): boolean {
  return addr.startsWith("127.") || addr.startsWith("[::1]") || addr === "unix";
}

/** Blocks the whole process, as Redis's DEBUG SLEEP blocks its single thread. */
function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function encodingOf(client: Client, key: string, value: Value): string {
  return typeof value === "string" ? stringEncoding(client.db, key, value) : value.encoding();
}

/**
 * About the bytes an RDB file spends on the value (strings exactly, without compression;
 * collections as their elements' lengths), for DEBUG OBJECT's `serializedlength`.
 */
function serializedLength(value: Value): number {
  const stringLength = (text: string) => {
    if (isIntEncodable(text)) {
      const n = Number(text);
      if (n >= -128 && n <= 127) return 2;
      if (n >= -32768 && n <= 32767) return 3;
      if (n >= -2147483648 && n <= 2147483647) return 5;
    }
    const prefix = text.length < 64 ? 1 : text.length < 16384 ? 2 : 5;
    return prefix + text.length;
  };
  if (typeof value === "string") return stringLength(value);
  let total = 1;
  const elements = (value as unknown as { elements?: () => Iterable<string> }).elements;
  if (elements !== undefined) {
    for (const element of elements.call(value)) total += stringLength(element);
  }
  return total;
}

function describeObject(client: Client, key: string): string {
  const value = client.db.peek(key);
  if (value === undefined) throw new ReplyError(NO_SUCH_KEY);
  const idle = client.db.idleSeconds(key);
  const lru = (Math.floor(client.server.keyspace.clock.now() / 1000) - idle) & 0xffffff;
  let text = `Value at:0x${(0x7f0000000000 + key.length * 64).toString(16)} ` +
    `refcount:${refcount(client, key, value)} encoding:${encodingOf(client, key, value)} ` +
    `serializedlength:${serializedLength(value)} lru:${lru} lru_seconds_idle:${idle}`;
  if (typeof value !== "string" && value.type === "list") {
    const list = value as ListValue;
    let bytes = 0;
    for (const element of list.elements()) bytes += element.length + 2;
    text += ` ql_nodes:1 ql_avg_node:${list.size.toFixed(2)} ql_listpack_max:` +
      `${client.server.config.get("list-max-listpack-size")} ql_compressed:0 ` +
      `ql_uncompressed_size:${bytes + 7}`;
  }
  return text;
}

/** DEBUG PROTOCOL's sample replies, one per RESP type. */
function replyProtocolSample(client: Client, type: string): void {
  const reply = client.reply;
  switch (type) {
    case "string":
      return reply.bulk("Hello World");
    case "integer":
      return reply.integer(12345);
    case "double":
      return reply.double(3.141);
    case "bignum":
      if (client.resp === 3) return reply.raw("(1234567999999999999999999999999999999\r\n");
      return reply.bulk("1234567999999999999999999999999999999");
    case "null":
      if (client.resp === 3) return reply.raw("_\r\n");
      return reply.nullBulk();
    case "array":
    case "set":
      if (type === "set") reply.setHeader(3);
      else reply.arrayHeader(3);
      for (let i = 0; i < 3; i++) reply.integer(i);
      return;
    case "map":
      reply.mapHeader(3);
      for (let i = 0; i < 3; i++) {
        reply.integer(i);
        reply.boolean(i === 1);
      }
      return;
    case "attrib":
      if (client.resp === 3) {
        reply.raw("|1\r\n");
        reply.bulk("key-popularity");
        reply.arrayHeader(2);
        reply.bulk("key:123");
        reply.integer(90);
      }
      return reply.bulk("Some real reply following the attribute");
    case "push":
      if (client.resp === 2) throw new ReplyError("ERR RESP2 is not supported by this command");
      reply.pushHeader(2);
      reply.bulk("server-cpu-usage");
      reply.integer(42);
      return reply.bulk("Some real reply following the push reply");
    case "verbatim":
      return reply.verbatim("This is a verbatim\nstring");
    case "true":
    case "false":
      return reply.boolean(type === "true");
    default:
      throw new ReplyError(
        "ERR Wrong protocol type name. Please use one of the following: " +
          "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
      );
  }
}

function populate(client: Client, argv: string[]): void {
  const count = parseInt64(argv[2]);
  if (count === null || count < 0) {
    throw new ReplyError("ERR value is out of range, must be positive");
  }
  const prefix = argv.length > 3 ? argv[3] : "key";
  let size = 0;
  if (argv.length > 4) {
    const parsed = parseInt64(argv[4]);
    if (parsed === null) throw new ReplyError(NOT_INTEGER);
    size = Number(parsed);
  }
  const db = client.db;
  for (let i = 0; i < Number(count); i++) {
    const key = `${prefix}:${i}`;
    // Existing keys are kept, as Redis's POPULATE skips them.
    if (db.peek(key) !== undefined) continue;
    let value = `value:${i}`;
    if (size > 0) value = value.length >= size ? value.slice(0, size) : value.padEnd(size, "\0");
    db.set(key, value);
  }
  client.reply.ok();
}

function runDebug(client: Client, argv: string[]): void {
  const sub = argv[1].toLowerCase();
  const arity = argv.length;
  const server = client.server;
  if (sub === "help" && arity === 2) {
    replyHelp(client, HELP);
  } else if (sub === "sleep" && arity === 3) {
    sleepSync((Number.parseFloat(argv[2]) || 0) * 1000);
    client.reply.ok();
  } else if (sub === "set-active-expire" && arity === 3) {
    server.keyspace.activeExpire = (Number.parseInt(argv[2]) || 0) !== 0;
    client.reply.ok();
  } else if (sub === "object" && arity === 3) {
    client.reply.simple(describeObject(client, argv[2]));
  } else if (sub === "digest" && arity === 2) {
    client.reply.simple(datasetDigest(server.keyspace.databases));
  } else if (sub === "digest-value" && arity >= 2) {
    client.reply.arrayHeader(arity - 2);
    for (let i = 2; i < arity; i++) client.reply.simple(valueDigest(client.db, argv[i]));
  } else if (sub === "protocol" && arity === 3) {
    replyProtocolSample(client, argv[2].toLowerCase());
  } else if (sub === "log" && arity === 3) {
    server.log("warning", `DEBUG LOG: ${argv[2]}`);
    client.reply.ok();
  } else if (sub === "error" && arity === 3) {
    client.reply.error(argv[2]);
  } else if (sub === "populate" && arity >= 3 && arity <= 5) {
    populate(client, argv);
  } else if (sub === "reload") {
    debugReload(server, argv.slice(2));
    client.reply.ok();
  } else if (sub === "change-repl-id" && arity === 2) {
    server.changeReplicationId();
    client.reply.ok();
  } else {
    throw new ReplyError(badSubcommand("DEBUG", argv[1]));
  }
}

export const debugCommands: CommandSpec[] = [
  defineCommand({
    name: "debug",
    arity: -2,
    flags: ["admin", "noscript", "loading", "stale"],
    group: "server",
    since: "1.0.0",
    summary: "Commands for testing and troubleshooting the server.",
    complexity: "Depends on subcommand.",
    docFlags: ["syscmd"],
    run(client, argv) {
      const allowed = client.server.config.get("enable-debug-command");
      if (allowed === "no" || (allowed === "local" && !isLoopback(client.addr))) {
        throw new ReplyError(NOT_ALLOWED);
      }
      runDebug(client, argv);
    },
  }),
];
