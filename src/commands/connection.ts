/**
 * Connection commands: PING, ECHO, QUIT, ...
 * @module
 */
import { defineCommand } from "./types.ts";

export const connectionCommands = [
  defineCommand({
    name: "ping",
    arity: -1,
    flags: ["fast"],
    acl: ["connection"],
    group: "connection",
    since: "1.0.0",
    summary: "Returns the server's liveliness response.",
    complexity: "O(1)",
    args: [{ name: "message", type: "string", optional: true }],
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
    run(client, argv) {
      if (argv.length > 2) {
        client.reply.error("ERR wrong number of arguments for 'ping' command");
      } else if (argv.length === 2) client.reply.bulk(argv[1]);
      else client.reply.simple("PONG");
    },
  }),
  defineCommand({
    name: "echo",
    arity: 2,
    flags: ["fast"],
    acl: ["connection"],
    group: "connection",
    since: "1.0.0",
    summary: "Returns the given string.",
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
    summary: "Closes the connection.",
    complexity: "O(1)",
    run(client) {
      client.reply.ok();
      client.closeAfterReply = true;
    },
  }),
];
