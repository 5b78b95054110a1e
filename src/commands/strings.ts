/**
 * String commands: GET, SET, ...
 * @module
 */
import { WRONGTYPE } from "./errors.ts";
import { defineCommand } from "./types.ts";

export const stringCommands = [
  defineCommand({
    name: "get",
    arity: 2,
    flags: ["readonly", "fast"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RO", "access"] }],
    group: "string",
    since: "1.0.0",
    summary: "Returns the string value of a key.",
    complexity: "O(1)",
    args: [{ name: "key", type: "key", keySpecIndex: 0 }],
    run(client, argv) {
      const value = client.db.read(argv[1]);
      if (value === undefined) client.reply.nullBulk();
      else if (typeof value !== "string") client.reply.error(WRONGTYPE);
      else client.reply.bulk(value);
    },
  }),
  defineCommand({
    name: "set",
    arity: -3,
    flags: ["write", "denyoom"],
    acl: ["string"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "access", "update", "variable_flags"] }],
    group: "string",
    since: "1.0.0",
    summary:
      "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
    complexity: "O(1)",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "value", type: "string" },
    ],
    run(client, argv) {
      client.db.set(argv[1], argv[2]);
      client.server.stats.dirty++;
      client.reply.ok();
    },
  }),
];
