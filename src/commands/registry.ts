/**
 * The command table: looks commands up, checks arity, runs them, and derives what COMMAND and
 * ACL need from each command's single declaration.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Client } from "./client.ts";
import { ReplyError, wrongArity } from "./errors.ts";
import type { AclCategory, CommandFlag, CommandSpec } from "./types.ts";

/** A declaration plus what the table derives and counts for it. */
export interface RegisteredCommand {
  readonly spec: CommandSpec;
  /** `get`, or `client|list` for a subcommand. */
  readonly fullName: string;
  readonly parent?: RegisteredCommand;
  readonly subcommands: Map<string, RegisteredCommand>;
  calls: number;
}

/** Redis's order of flags in COMMAND INFO. */
const FLAG_ORDER: CommandFlag[] = [
  "write",
  "readonly",
  "denyoom",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  "may_replicate",
  "no_mandatory_keys",
  "no_multi",
  "allow_busy",
];

/** Redis's order of ACL categories (its category table). */
export const ACL_CATEGORY_ORDER: AclCategory[] = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting",
];

export class CommandTable {
  #byName = new Map<string, RegisteredCommand>();
  #commands: RegisteredCommand[] = [];

  constructor(specs: readonly CommandSpec[]) {
    for (const spec of specs) this.#add(spec);
  }

  #add(spec: CommandSpec): void {
    if (this.#byName.has(spec.name)) throw new Error(`command ${spec.name} declared twice`);
    const command = register(spec, undefined);
    this.#commands.push(command);
    this.#byName.set(spec.name, command);
    // Clients send upper or lower case; both hit the map without a toLowerCase per command.
    this.#byName.set(spec.name.toUpperCase(), command);
  }

  /** Every top-level command, in declaration order. */
  all(): readonly RegisteredCommand[] {
    return this.#commands;
  }

  /** Finds a top-level command by name, any case. */
  lookup(name: string): RegisteredCommand | undefined {
    return this.#byName.get(name) ?? this.#byName.get(name.toLowerCase());
  }

  /**
   * Resolves argv to the command (or subcommand) that would run, or an error text for an
   * unknown command, unknown subcommand or wrong arity — exactly as Redis words them.
   */
  resolve(argv: Argv): RegisteredCommand | string {
    let command = this.lookup(argv[0]);
    if (command === undefined) return unknownCommand(argv);
    if (command.subcommands.size > 0 && argv.length >= 2) {
      const sub = command.subcommands.get(argv[1].toLowerCase());
      if (sub === undefined) {
        return `ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${
          argv[0].toUpperCase()
        } HELP.`;
      }
      command = sub;
    }
    const arity = command.spec.arity;
    if ((arity > 0 && arity !== argv.length) || argv.length < -arity) {
      return wrongArity(command.fullName);
    }
    return command;
  }

  /** Runs one command for a client, writing its reply (or error) to `client.reply`. */
  execute(client: Client, argv: Argv): void {
    const command = this.resolve(argv);
    if (typeof command === "string") {
      client.reply.error(command);
      return;
    }
    this.run(client, command, argv);
  }

  /** Runs an already resolved command. */
  run(client: Client, command: RegisteredCommand, argv: Argv): void {
    command.calls++;
    client.lastCommand = command.fullName;
    try {
      command.spec.run!(client, argv);
    } catch (error) {
      if (error instanceof ReplyError) {
        client.reply.error(error.message);
      } else {
        // A bug in a command must not take the connection (or the server) down.
        console.error(`Error running '${command.fullName}':`, error);
        client.reply.error(`ERR internal error running '${command.fullName}'`);
      }
    }
  }
}

function register(spec: CommandSpec, parent: RegisteredCommand | undefined): RegisteredCommand {
  const command: RegisteredCommand = {
    spec,
    fullName: parent ? `${parent.fullName}|${spec.name}` : spec.name,
    parent,
    subcommands: new Map(),
    calls: 0,
  };
  for (const sub of spec.subcommands ?? []) {
    command.subcommands.set(sub.name, register(sub, command));
  }
  if (!spec.run && command.subcommands.size === 0) {
    throw new Error(`command ${command.fullName} has neither run nor subcommands`);
  }
  return command;
}

function unknownCommand(argv: Argv): string {
  let args = "";
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i].slice(0, 128 - args.length)}' `;
  }
  return `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`;
}

/** Flags in Redis's order, as COMMAND INFO lists them. */
export function orderedFlags(spec: CommandSpec): CommandFlag[] {
  return FLAG_ORDER.filter((flag) => spec.flags.includes(flag));
}

/** The ACL categories of a command: declared ones plus those Redis implies from its flags. */
export function aclCategories(spec: CommandSpec): AclCategory[] {
  const categories = new Set<AclCategory>(spec.acl ?? []);
  const flags = new Set(spec.flags);
  if (flags.has("write")) categories.add("write");
  if (flags.has("readonly") && !categories.has("scripting")) categories.add("read");
  if (flags.has("admin")) {
    categories.add("admin");
    categories.add("dangerous");
  }
  if (flags.has("pubsub")) categories.add("pubsub");
  if (flags.has("fast")) categories.add("fast");
  if (flags.has("blocking")) categories.add("blocking");
  if (!categories.has("fast")) categories.add("slow");
  return ACL_CATEGORY_ORDER.filter((category) => categories.has(category));
}

/** Key positions in argv for a command, from its declaration (COMMAND GETKEYS, ACL, cluster). */
export function keyIndexes(spec: CommandSpec, argv: Argv): number[] {
  if (spec.getKeys) return spec.getKeys(argv);
  const indexes: number[] = [];
  for (const keys of spec.keys ?? []) {
    const last = keys.last < 0 ? argv.length + keys.last : keys.last;
    for (let i = keys.first; i <= last && i < argv.length; i += keys.step) indexes.push(i);
  }
  return indexes;
}
