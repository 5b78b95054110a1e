/**
 * Server commands: DBSIZE, FLUSHDB, FLUSHALL, TIME, INFO, CONFIG, COMMAND, LOLWUT, DEBUG.
 * @module
 */
import { findParam } from "../config/config.ts";
import { rewriteConfigText } from "../config/config_file.ts";
import { globMatch } from "../store/glob.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { helpSubcommand, REDIS_VERSION } from "./connection.ts";
import { NOT_INTEGER, ReplyError, SYNTAX_ERROR } from "./errors.ts";
import { infoText, requestedSections } from "./info.ts";
import { persistenceOf } from "./persistence_manager.ts";
import { hasKeys, writeCommandDocs, writeCommandInfo } from "./introspection.ts";
import { aclCategories, findKeys, type RegisteredCommand } from "./registry.ts";
import type { AclCategory, CommandSpec } from "./types.ts";
import { defineCommand } from "./types.ts";

/** FLUSHDB and FLUSHALL take an optional ASYNC or SYNC; both flush at once here. */
function checkFlushMode(argv: string[]): void {
  if (argv.length > 2) throw new ReplyError(SYNTAX_ERROR);
  if (argv.length === 2) {
    const mode = argv[1].toLowerCase();
    if (mode !== "async" && mode !== "sync") throw new ReplyError(SYNTAX_ERROR);
  }
}

const FLUSH_ARGS: CommandSpec["args"] = [{
  name: "async",
  type: "oneof",
  optional: true,
  args: [
    { name: "async", type: "pure-token", token: "ASYNC", since: "4.0.0" },
    { name: "sync", type: "pure-token", token: "SYNC", since: "6.2.0" },
  ],
}];

const FLUSH_HISTORY: CommandSpec["history"] = [
  ["4.0.0", "Added the `ASYNC` flushing mode modifier."],
  ["6.2.0", "Added the `SYNC` flushing mode modifier."],
];

const CONFIG_FLAGS: CommandSpec["flags"] = ["admin", "noscript", "loading", "stale"];

const CONFIG_HELP = [
  "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GET <pattern> [<pattern> ...]",
  "    Reply with every parameter whose name matches a glob-style pattern, and its value.",
  "SET <directive> <value> [<directive> <value> ...]",
  "    Change parameters; either all of them are changed or none is.",
  "RESETSTAT",
  "    Zero the counters INFO reports.",
  "REWRITE",
  "    Write the running configuration back into the config file the server started with.",
  "HELP",
  "    Print this help.",
];

const COMMAND_HELP = [
  "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "(no subcommand)",
  "    Reply with the details of every command.",
  "COUNT",
  "    Reply with the number of commands.",
  "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
  "    Reply with the names of all commands, or of those matching the filter.",
  "INFO [<command-name> ...]",
  "    Reply with the details of the commands named, or of all commands.",
  "DOCS [<command-name> ...]",
  "    Reply with the documentation of the commands named, or of all commands.",
  "GETKEYS <full-command>",
  "    Reply with the keys a full command line would use.",
  "GETKEYSANDFLAGS <full-command>",
  "    Reply with the keys a full command line would use, and how it uses each.",
  "HELP",
  "    Print this help.",
];

/** Every command and subcommand, depth first, as COMMAND LIST names them. */
function* everyCommand(client: Client): Generator<RegisteredCommand> {
  for (const command of client.server.commands.all()) {
    yield command;
    yield* command.subcommands.values();
  }
}

function commandList(client: Client, argv: string[]): void {
  let keep: (command: RegisteredCommand) => boolean = () => true;
  if (argv.length === 5 && argv[2].toLowerCase() === "filterby") {
    const value = argv[4];
    switch (argv[3].toLowerCase()) {
      case "module":
        keep = () => false; // no modules
        break;
      case "aclcat": {
        const category = value.toLowerCase() as AclCategory;
        keep = (command) => aclCategories(command.spec).includes(category);
        break;
      }
      case "pattern":
        keep = (command) => globMatch(value, command.fullName, true);
        break;
      default:
        throw new ReplyError(SYNTAX_ERROR);
    }
  } else if (argv.length !== 2) {
    throw new ReplyError(SYNTAX_ERROR);
  }
  const names: string[] = [];
  for (const command of everyCommand(client)) if (keep(command)) names.push(command.fullName);
  client.reply.bulkArray(names);
}

/** COMMAND GETKEYS and GETKEYSANDFLAGS: the keys of the command line after the subcommand. */
function commandGetKeys(client: Client, argv: string[], withFlags: boolean): void {
  const line = argv.slice(2);
  const top = client.server.commands.lookup(line[0]);
  let command = top;
  if (top && top.subcommands.size > 0 && line.length >= 2) {
    command = top.subcommands.get(line[1].toLowerCase());
  }
  if (command === undefined) throw new ReplyError("ERR Invalid command specified");
  const spec = command.spec;
  if (!hasKeys(spec)) throw new ReplyError("ERR The command has no key arguments");
  if ((spec.arity > 0 && spec.arity !== line.length) || line.length < -spec.arity) {
    throw new ReplyError("ERR Invalid number of arguments specified for command");
  }
  const keys = findKeys(spec, line);
  if (keys === null || keys.length === 0) {
    if (spec.flags.includes("no_mandatory_keys")) {
      client.reply.arrayHeader(0);
      return;
    }
    throw new ReplyError("ERR Invalid arguments specified for command");
  }
  const reply = client.reply;
  reply.arrayHeader(keys.length);
  for (const key of keys) {
    if (!withFlags) {
      reply.bulk(line[key.index]);
      continue;
    }
    reply.arrayHeader(2);
    reply.bulk(line[key.index]);
    reply.setHeader(key.flags.length);
    for (const flag of key.flags) reply.simple(flag);
  }
}

const configSubcommands: CommandSpec[] = [
  defineCommand({
    name: "get",
    arity: -3,
    flags: CONFIG_FLAGS,
    group: "server",
    since: "2.0.0",
    summary: "Replies with the parameters whose names match the patterns, and their values.",
    complexity: "O(N) when N is the number of configuration parameters provided",
    history: [["7.0.0", "Added the ability to pass multiple pattern parameters in one call"]],
    args: [{
      name: "parameter",
      type: "block",
      multiple: true,
      args: [{ name: "parameter", type: "string" }],
    }],
    run(client, argv) {
      const config = client.server.config;
      const matches = new Map<string, [string, string]>();
      for (let i = 2; i < argv.length; i++) {
        const pattern = argv[i];
        if (!/[*?[]/.test(pattern)) {
          // An exact name is answered under the spelling the caller used, as Redis does.
          const param = findParam(pattern);
          if (param && !matches.has(param.name)) {
            matches.set(param.name, [pattern, config.display(param.name)]);
          }
          continue;
        }
        for (const [name, value] of config.entries()) {
          if (!matches.has(name) && globMatch(pattern, name, true)) {
            matches.set(name, [name, value]);
          }
        }
      }
      client.reply.mapHeader(matches.size);
      for (const [name, value] of matches.values()) {
        client.reply.bulk(name);
        client.reply.bulk(value);
      }
    },
  }),
  defineCommand({
    name: "set",
    arity: -4,
    flags: CONFIG_FLAGS,
    group: "server",
    since: "2.0.0",
    summary: "Changes parameters at run time, all of them or none.",
    complexity: "O(N) when N is the number of configuration parameters provided",
    history: [["7.0.0", "Added the ability to set multiple parameters in one call."]],
    tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
    args: [{
      name: "parameter_value",
      type: "block",
      multiple: true,
      args: [{ name: "parameter", type: "string" }, { name: "value", type: "string" }],
    }],
    run(client, argv) {
      if (argv.length % 2 !== 0) throw new ReplyError(SYNTAX_ERROR);
      const pairs: Array<[string, string]> = [];
      for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
      const error = client.server.config.setMany(pairs);
      if (error !== null) throw new ReplyError(error);
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "rewrite",
    arity: 2,
    flags: ["admin", "noscript", "loading", "stale"],
    acl: ["dangerous"],
    group: "server",
    since: "2.8.0",
    summary: "Writes the running configuration back into the config file.",
    complexity: "O(1)",
    run(client) {
      const { configFile, config } = client.server;
      if (configFile === null) {
        throw new ReplyError("ERR The server is running without a config file");
      }
      try {
        let old = "";
        try {
          old = Deno.readTextFileSync(configFile);
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
        // A temp file renamed over the old one: a crash mid-write never leaves half a file.
        const temp = `${configFile}.tmp-${Deno.pid}`;
        // Users go into the file unless an aclfile keeps them.
        const users = config.get("aclfile") === "" ? client.server.acl.describeAll() : [];
        Deno.writeTextFileSync(temp, rewriteConfigText(old, config, users));
        Deno.renameSync(temp, configFile);
      } catch (error) {
        throw new ReplyError(`ERR Rewriting config file: ${(error as Error).message}`);
      }
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "resetstat",
    arity: 2,
    flags: CONFIG_FLAGS,
    group: "server",
    since: "2.0.0",
    summary: "Zeroes the counters INFO reports.",
    complexity: "O(1)",
    run(client) {
      const { server } = client;
      const stats = server.stats;
      stats.totalConnectionsReceived = stats.totalCommandsProcessed = 0;
      stats.rejectedConnections = stats.netInputBytes = stats.netOutputBytes = 0;
      stats.errorReplies = 0;
      const keyspace = server.keyspace.stats;
      keyspace.expiredKeys = keyspace.keyspaceHits = keyspace.keyspaceMisses = 0;
      keyspace.evictedKeys = 0;
      server.commands.resetStats();
      server.errorStats.clear();
      client.reply.ok();
    },
  }),
  helpSubcommand("CONFIG", CONFIG_HELP, { group: "server", since: "5.0.0" }),
];

const COMMAND_FLAGS: CommandSpec["flags"] = ["loading", "stale"];

const commandSubcommands: CommandSpec[] = [
  defineCommand({
    name: "count",
    arity: 2,
    flags: COMMAND_FLAGS,
    acl: ["connection"],
    group: "server",
    since: "2.8.13",
    summary: "Replies with the number of commands.",
    complexity: "O(1)",
    run(client) {
      client.reply.integer(client.server.commands.all().length);
    },
  }),
  defineCommand({
    name: "list",
    arity: -2,
    flags: COMMAND_FLAGS,
    acl: ["connection"],
    group: "server",
    since: "7.0.0",
    summary: "Replies with the names of all commands, or of those matching a filter.",
    complexity: "O(N) where N is the total number of Redis commands",
    tips: ["nondeterministic_output_order"],
    args: [{
      name: "filterby",
      type: "oneof",
      token: "FILTERBY",
      optional: true,
      args: [
        { name: "module-name", type: "string", token: "MODULE" },
        { name: "category", type: "string", token: "ACLCAT" },
        { name: "pattern", type: "pattern", token: "PATTERN" },
      ],
    }],
    run: commandList,
  }),
  defineCommand({
    name: "info",
    arity: -2,
    flags: COMMAND_FLAGS,
    acl: ["connection"],
    group: "server",
    since: "2.8.13",
    summary: "Replies with the details of the commands named, or of all commands.",
    complexity: "O(N) where N is the number of commands to look up",
    history: [["7.0.0", "Allowed to be called with no argument to get info on all commands."]],
    tips: ["nondeterministic_output_order"],
    args: [{ name: "command-name", type: "string", optional: true, multiple: true }],
    run(client, argv) {
      const commands = client.server.commands;
      if (argv.length === 2) {
        client.reply.arrayHeader(commands.all().length);
        for (const command of commands.all()) writeCommandInfo(client.reply, command);
        return;
      }
      client.reply.arrayHeader(argv.length - 2);
      for (let i = 2; i < argv.length; i++) {
        const command = commands.lookupFullName(argv[i]);
        if (command) writeCommandInfo(client.reply, command);
        else client.reply.nullBulk();
      }
    },
  }),
  defineCommand({
    name: "docs",
    arity: -2,
    flags: COMMAND_FLAGS,
    acl: ["connection"],
    group: "server",
    since: "7.0.0",
    summary: "Replies with the documentation of the commands named, or of all commands.",
    complexity: "O(N) where N is the number of commands to look up",
    tips: ["nondeterministic_output_order"],
    args: [{ name: "command-name", type: "string", optional: true, multiple: true }],
    run(client, argv) {
      const commands = client.server.commands;
      const found: RegisteredCommand[] = [];
      if (argv.length === 2) {
        found.push(...commands.all());
      } else {
        for (let i = 2; i < argv.length; i++) {
          const command = commands.lookupFullName(argv[i]);
          if (command) found.push(command);
        }
      }
      client.reply.mapHeader(found.length);
      for (const command of found) {
        client.reply.bulk(command.fullName);
        writeCommandDocs(client.reply, command);
      }
    },
  }),
  defineCommand({
    name: "getkeys",
    arity: -4,
    flags: COMMAND_FLAGS,
    acl: ["connection"],
    group: "server",
    since: "2.8.13",
    summary: "Replies with the keys a full command line would use.",
    complexity: "O(N) where N is the number of arguments to the command",
    run(client, argv) {
      commandGetKeys(client, argv, false);
    },
  }),
  defineCommand({
    name: "getkeysandflags",
    arity: -4,
    flags: COMMAND_FLAGS,
    acl: ["connection"],
    group: "server",
    since: "7.0.0",
    summary: "Replies with the keys a full command line would use, and how it uses each.",
    complexity: "O(N) where N is the number of arguments to the command",
    run(client, argv) {
      commandGetKeys(client, argv, true);
    },
  }),
  helpSubcommand("COMMAND", COMMAND_HELP, { acl: ["connection"], group: "server", since: "5.0.0" }),
];

export const serverCommands: CommandSpec[] = [
  defineCommand({
    name: "dbsize",
    arity: 1,
    flags: ["readonly", "fast"],
    acl: ["keyspace"],
    group: "server",
    since: "1.0.0",
    summary: "Replies with the number of keys in the database.",
    complexity: "O(1)",
    tips: ["request_policy:all_shards", "response_policy:agg_sum"],
    run(client) {
      client.reply.integer(client.db.size);
    },
  }),
  defineCommand({
    name: "flushdb",
    arity: -1,
    flags: ["write"],
    acl: ["keyspace", "dangerous"],
    group: "server",
    since: "1.0.0",
    summary: "Deletes every key of the current database.",
    complexity: "O(N) where N is the number of keys in the selected database",
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
    history: FLUSH_HISTORY,
    args: FLUSH_ARGS,
    run(client, argv) {
      checkFlushMode(argv);
      client.server.stats.dirty += client.db.flush();
      client.server.tracking.flushed();
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "flushall",
    arity: -1,
    flags: ["write"],
    acl: ["keyspace", "dangerous"],
    group: "server",
    since: "1.0.0",
    summary: "Deletes every key of every database.",
    complexity: "O(N) where N is the total number of keys in all databases",
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
    history: FLUSH_HISTORY,
    args: FLUSH_ARGS,
    run(client, argv) {
      checkFlushMode(argv);
      // As Redis 7.0.15: every removed key counts as a change; a BGSAVE in progress is
      // dropped, and with `save` rules the (empty) RDB file is written at once.
      const persistence = persistenceOf(client.server);
      persistence.abortBackgroundSave();
      client.server.stats.dirty += client.server.keyspace.flushAll();
      if (persistence.saveRules().length > 0) persistence.saveNow();
      client.server.tracking.flushed();
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "time",
    arity: 1,
    flags: ["loading", "stale", "fast"],
    group: "server",
    since: "2.6.0",
    summary: "Replies with the server time: seconds and microseconds.",
    complexity: "O(1)",
    tips: ["nondeterministic_output"],
    run(client) {
      const micros = client.server.keyspace.clock.nowMicros();
      client.reply.arrayHeader(2);
      client.reply.bulk(String(Math.floor(micros / 1_000_000)));
      client.reply.bulk(String(micros % 1_000_000));
    },
  }),
  defineCommand({
    name: "info",
    arity: -1,
    flags: ["loading", "stale"],
    acl: ["dangerous"],
    group: "server",
    since: "1.0.0",
    summary: "Replies with facts and counters about the server, by section.",
    complexity: "O(1)",
    tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
    history: [["7.0.0", "Added support for taking multiple section arguments."]],
    args: [{ name: "section", type: "string", optional: true, multiple: true }],
    run(client, argv) {
      client.reply.verbatim(infoText(client.server, requestedSections(argv.slice(1))));
    },
  }),
  defineCommand({
    name: "config",
    arity: -2,
    flags: [],
    group: "server",
    since: "2.0.0",
    summary: "Commands to read and change the server's parameters.",
    complexity: "Depends on subcommand.",
    subcommands: configSubcommands,
  }),
  defineCommand({
    name: "command",
    arity: -1,
    flags: COMMAND_FLAGS,
    acl: ["connection"],
    group: "server",
    since: "2.8.13",
    summary: "Replies with the details of every command.",
    complexity: "O(N) where N is the total number of Redis commands",
    tips: ["nondeterministic_output_order"],
    subcommands: commandSubcommands,
    run(client) {
      const commands = client.server.commands.all();
      client.reply.arrayHeader(commands.length);
      for (const command of commands) writeCommandInfo(client.reply, command);
    },
  }),
  defineCommand({
    name: "lolwut",
    arity: -1,
    flags: ["readonly", "fast"],
    group: "server",
    since: "5.0.0",
    summary: "Replies with the server version.",
    args: [{ name: "version", type: "integer", token: "VERSION", optional: true }],
    run(client, argv) {
      if (argv.length >= 3 && argv[1].toLowerCase() === "version") {
        if (parseInt64(argv[2]) === null) throw new ReplyError(NOT_INTEGER);
      }
      client.reply.verbatim(`Redis ver. ${REDIS_VERSION}\n`);
    },
  }),
];
