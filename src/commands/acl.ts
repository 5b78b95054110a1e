/**
 * ACL: the user table (with the `default` user every connection starts as), the ACL log of
 * refused commands and failed logins, the permission check the registry runs before each
 * command, and the ACL command itself (SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT,
 * GENPASS, DRYRUN, LOG, SAVE, LOAD, HELP).
 * @module
 */
import { randomBytes } from "node:crypto";
import type { Argv } from "../resp/decoder.ts";
import { parseInt64 } from "./args.ts";
import { AclRuleError, AclUser, type Denial, groupSelectors } from "./acl_user.ts";
import type { Client } from "./client.ts";
import { clientInfoLine, helpSubcommand } from "./connection.ts";
import { badSubcommand, NOT_INTEGER, ReplyError } from "./errors.ts";
import {
  ACL_CATEGORY_ORDER,
  aclCategories,
  type CommandTable,
  type RegisteredCommand,
} from "./registry.ts";
import { type AclCategory, type CommandSpec, defineCommand } from "./types.ts";
import { splitInlineArgs } from "../resp/inline.ts";

/** A refused command or login, as ACL LOG shows it. */
interface AclLogEntry {
  count: number;
  reason: "auth" | Denial["reason"];
  context: "toplevel" | "multi" | "lua";
  object: string;
  username: string;
  /** ms since the epoch, of the latest occurrence. */
  time: number;
  clientInfo: string;
}

/** Entries this close in time with the same details are counted as one. */
const LOG_GROUPING_MS = 60_000;

const NO_ACL_FILE = "ERR This Redis instance is not configured to use an ACL file. You may " +
  "want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE " +
  "(assuming you have a Redis configuration file set) in order to store users in the Redis " +
  "configuration.";

export class AclStore {
  readonly users = new Map<string, AclUser>();
  readonly defaultUser: AclUser;
  /** Newest first. */
  readonly log: AclLogEntry[] = [];
  logMaxLength = 128;

  constructor(readonly table: CommandTable) {
    this.defaultUser = new AclUser("default", table);
    this.defaultUser.applyRules(["on", "nopass", "~*", "&*", "+@all"]);
    this.users.set("default", this.defaultUser);
  }

  /** Whether connections must AUTH before running commands (the default user needs a password). */
  get authRequired(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /**
   * Whether clients running as `default` need any check: false while it is Redis's open default
   * (no password, every command, key and channel), which keeps the hot path to one comparison.
   */
  get restricted(): boolean {
    return this.authRequired || !this.defaultUser.unrestricted;
  }

  /** Creates or changes a user, all rules or none; throws AclRuleError. */
  setUser(name: string, rules: readonly string[]): AclUser {
    const existing = this.users.get(name);
    const draft = existing ? existing.clone() : new AclUser(name, this.table);
    if (!existing) draft.sanitize = "";
    draft.applyRules(rules);
    if (existing) {
      existing.assign(draft);
      return existing;
    }
    this.users.set(name, draft);
    return draft;
  }

  /** `requirepass`: the default user's only password, or none. */
  setRequirePass(password: string): void {
    this.defaultUser.applyRules(password === "" ? ["nopass"] : ["resetpass", `>${password}`]);
  }

  record(
    client: Client,
    reason: AclLogEntry["reason"],
    object: string,
    username = client.user.name,
    context: AclLogEntry["context"] = client.inExec || client.transaction !== null
      ? "multi"
      : "toplevel",
  ): void {
    const now = Date.now();
    const clientInfo = clientInfoLine(client);
    const index = this.log.findIndex((entry) =>
      entry.reason === reason && entry.context === context && entry.object === object &&
      entry.username === username && now - entry.time < LOG_GROUPING_MS
    );
    if (index >= 0) {
      const [entry] = this.log.splice(index, 1);
      entry.count++;
      entry.time = now;
      entry.clientInfo = clientInfo;
      this.log.unshift(entry);
      return;
    }
    this.log.unshift({ count: 1, reason, context, object, username, time: now, clientInfo });
    if (this.log.length > this.logMaxLength) this.log.length = this.logMaxLength;
  }

  /** The `user ...` lines for ACL LIST, ACL SAVE and CONFIG REWRITE, sorted by name. */
  describeAll(): string[] {
    return [...this.users.keys()].sort().map((name) => this.users.get(name)!.describe());
  }

  /** Reads an aclfile's text: every line a `user` rule set; all users or none. */
  load(text: string): void {
    const loaded = new AclStore(this.table);
    loaded.users.delete("default");
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === "" || line.startsWith("#")) continue;
      const words = splitInlineArgs(line);
      if (words === null || words[0] !== "user" || words.length < 2) {
        throw new Error(`/${i + 1}: line should start with user keyword`);
      }
      try {
        loaded.setUser(words[1], words.slice(2));
      } catch (error) {
        throw new Error(`/${i + 1}: ${(error as Error).message}`);
      }
    }
    const newDefault = loaded.users.get("default");
    this.users.clear();
    this.defaultUser.assign(newDefault ?? new AclStore(this.table).defaultUser);
    this.users.set("default", this.defaultUser);
    for (const [name, user] of loaded.users) if (name !== "default") this.users.set(name, user);
  }
}

/** NOPERM texts for a denial, as the client sees them. */
export function noPermission(denial: Denial): string {
  switch (denial.reason) {
    case "command":
      return `NOPERM this user has no permissions to run the '${denial.object}' command`;
    case "key":
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case "channel":
      return "NOPERM this user has no permissions to access one of the channels used as arguments";
  }
}

/**
 * The check the registry runs before a command: NOAUTH for unauthenticated connections when
 * the default user needs a password, NOPERM (and an ACL log entry) when the user may not run
 * it. Returns the error text, or null to go ahead.
 */
export function permissionError(
  client: Client,
  command: RegisteredCommand,
  argv: Argv,
): string | null {
  const acl = client.server.acl;
  if (!client.authenticated && acl.authRequired && !command.spec.flags.includes("no_auth")) {
    return "NOAUTH Authentication required.";
  }
  const user = client.user;
  if (user.unrestricted) return null;
  const denial = user.check(command, argv);
  if (denial === null) return null;
  acl.record(client, denial.reason, denial.object);
  return noPermission(denial);
}

const HELP = [
  "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CAT [<category>]",
  "    Reply with the ACL categories, or the commands in one category.",
  "DELUSER <username> [<username> ...]",
  "    Delete users and disconnect the clients authenticated as them.",
  "DRYRUN <username> <command> [<arg> ...]",
  "    Tell whether the user may run the command with these arguments, without running it.",
  "GETUSER <username>",
  "    Reply with a user's rules.",
  "LIST",
  "    Reply with every user's rules, in ACL file form.",
  "USERS",
  "    Reply with every user's name.",
  "SAVE",
  "    Write the users to the aclfile.",
  "SETUSER <username> <attribute> [<attribute> ...]",
  "    Create a user, or change one, with ACL rules.",
  "WHOAMI",
  "    Reply with the name of the connection's user.",
  "GENPASS [<bits>]",
  "    Reply with a random password of <bits> bits (256 by default), as hex.",
  "LOAD",
  "    Replace the users with those of the aclfile.",
  "LOG [<count> | RESET]",
  "    Reply with the latest refused commands and failed logins, or forget them.",
  "HELP",
  "    Print this help.",
];

const ADMIN: CommandSpec["flags"] = ["admin", "noscript", "loading", "stale"];
const PLAIN: CommandSpec["flags"] = ["noscript", "loading", "stale"];

function sub(spec: Omit<CommandSpec, "group" | "since"> & Partial<CommandSpec>): CommandSpec {
  return defineCommand({ group: "server", since: "6.0.0", ...spec });
}

/** The aclfile from config, or Redis's error when there is none. */
function aclFile(client: Client): string {
  const path = client.server.config.get("aclfile");
  if (path === "") throw new ReplyError(NO_ACL_FILE);
  return path;
}

function replyUser(client: Client, user: AclUser): void {
  const reply = client.reply;
  reply.mapHeader(6);
  reply.bulk("flags");
  const flags = user.flags();
  reply.setHeader(flags.length);
  for (const flag of flags) reply.bulk(flag);
  reply.bulk("passwords");
  reply.arrayHeader(user.passwords.size);
  for (const hash of user.passwords) reply.bulk(hash);
  reply.bulk("commands");
  reply.bulk(user.root.describeCommands());
  reply.bulk("keys");
  reply.bulk(user.root.describeKeys());
  reply.bulk("channels");
  reply.bulk(user.root.describeChannels());
  reply.bulk("selectors");
  reply.arrayHeader(user.selectors.length);
  for (const selector of user.selectors) {
    reply.mapHeader(3);
    reply.bulk("commands");
    reply.bulk(selector.describeCommands());
    reply.bulk("keys");
    reply.bulk(selector.describeKeys());
    reply.bulk("channels");
    reply.bulk(selector.describeChannels());
  }
}

function dryRun(client: Client, argv: Argv): void {
  const acl = client.server.acl;
  const user = acl.users.get(argv[2]);
  if (user === undefined) throw new ReplyError(`ERR User '${argv[2]}' not found`);
  const commandArgv = argv.slice(3);
  const command = client.server.commands.lookup(commandArgv[0]);
  if (command === undefined) throw new ReplyError(`ERR Command '${commandArgv[0]}' not found`);
  const resolved = client.server.commands.resolve(commandArgv);
  if (typeof resolved === "string") throw new ReplyError(resolved);
  const denial = user.check(resolved, commandArgv);
  if (denial === null) return client.reply.ok();
  const what = denial.reason === "command"
    ? `run the '${denial.object}' command`
    : `access the '${denial.object}' ${denial.reason}`;
  client.reply.bulk(`This user has no permissions to ${what}`);
}

function replyLog(client: Client, argv: Argv): void {
  const acl = client.server.acl;
  let count = 10;
  if (argv.length === 3) {
    if (argv[2].toLowerCase() === "reset") {
      acl.log.length = 0;
      return client.reply.ok();
    }
    const parsed = parseInt64(argv[2]);
    if (parsed === null) throw new ReplyError(NOT_INTEGER);
    count = Math.max(0, Number(parsed));
  }
  const entries = acl.log.slice(0, count);
  const reply = client.reply;
  reply.arrayHeader(entries.length);
  const now = Date.now();
  for (const entry of entries) {
    reply.mapHeader(7);
    reply.bulk("count");
    reply.integer(entry.count);
    reply.bulk("reason");
    reply.bulk(entry.reason);
    reply.bulk("context");
    reply.bulk(entry.context);
    reply.bulk("object");
    reply.bulk(entry.object);
    reply.bulk("username");
    reply.bulk(entry.username);
    reply.bulk("age-seconds");
    reply.double((now - entry.time) / 1000);
    reply.bulk("client-info");
    reply.bulk(entry.clientInfo);
  }
}

function categoryCommands(client: Client, name: string): string[] {
  const category = name.toLowerCase() as AclCategory;
  if (!ACL_CATEGORY_ORDER.includes(category)) {
    throw new ReplyError(`ERR Unknown category '${name}'`);
  }
  const names: string[] = [];
  const visit = (command: RegisteredCommand) => {
    if (aclCategories(command.spec).includes(category)) names.push(command.fullName);
    command.subcommands.forEach(visit);
  };
  client.server.commands.all().forEach(visit);
  return names;
}

export const aclCommands: CommandSpec[] = [
  defineCommand({
    name: "acl",
    arity: -2,
    flags: [],
    group: "server",
    since: "6.0.0",
    summary: "Manages users and their permissions.",
    complexity: "Depends on subcommand.",
    subcommands: [
      sub({
        name: "cat",
        arity: -2,
        flags: PLAIN,
        summary: "Lists the ACL categories, or the commands in one.",
        complexity: "O(1) since the categories and commands are a fixed set.",
        args: [{ name: "categoryname", type: "string", optional: true }],
        run(client, argv) {
          if (argv.length > 3) throw new ReplyError(badSubcommand("ACL", argv[1]));
          client.reply.bulkArray(
            argv.length === 2 ? ACL_CATEGORY_ORDER : categoryCommands(client, argv[2]),
          );
        },
      }),
      sub({
        name: "deluser",
        arity: -3,
        flags: ADMIN,
        summary: "Deletes users and disconnects their connections.",
        complexity: "O(1) amortized time considering the typical user.",
        args: [{ name: "username", type: "string", multiple: true }],
        run(client, argv) {
          const { acl, clients } = client.server;
          let deleted = 0;
          for (const name of argv.slice(2)) {
            if (name === "default") {
              throw new ReplyError("ERR The 'default' user cannot be removed");
            }
          }
          for (const name of argv.slice(2)) {
            const user = acl.users.get(name);
            if (user === undefined) continue;
            acl.users.delete(name);
            deleted++;
            for (const other of clients.values()) {
              if (other.user === user) client.server.killClient(other);
            }
          }
          client.reply.integer(deleted);
        },
      }),
      sub({
        name: "dryrun",
        arity: -4,
        flags: ADMIN,
        since: "7.0.0",
        summary: "Tells whether a user could run a command, without running it.",
        complexity: "O(1).",
        args: [
          { name: "username", type: "string" },
          { name: "command", type: "string" },
          { name: "arg", type: "string", optional: true, multiple: true },
        ],
        run: dryRun,
      }),
      sub({
        name: "genpass",
        arity: -2,
        flags: PLAIN,
        summary: "Replies with a random password.",
        complexity: "O(N)",
        args: [{ name: "bits", type: "integer", optional: true }],
        run(client, argv) {
          let bits = 256;
          if (argv.length > 3) throw new ReplyError(badSubcommand("ACL", argv[1]));
          if (argv.length === 3) {
            const parsed = parseInt64(argv[2]);
            if (parsed === null) throw new ReplyError(NOT_INTEGER);
            if (parsed <= 0 || parsed > 4096) {
              throw new ReplyError(
                "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
              );
            }
            bits = Number(parsed);
          }
          const chars = Math.ceil(bits / 4);
          client.reply.bulk(randomBytes(Math.ceil(chars / 2)).toString("hex").slice(0, chars));
        },
      }),
      sub({
        name: "getuser",
        arity: 3,
        flags: ADMIN,
        summary: "Replies with a user's rules.",
        complexity:
          "O(N). Where N is the number of password, command and pattern rules that the user has.",
        history: [
          ["6.2.0", "Added Pub/Sub channel patterns."],
          [
            "7.0.0",
            "Added selectors and changed the format of key and channel patterns from a list to their rule representation.",
          ],
        ],
        args: [{ name: "username", type: "string" }],
        run(client, argv) {
          const user = client.server.acl.users.get(argv[2]);
          if (user === undefined) return client.reply.nullBulk();
          replyUser(client, user);
        },
      }),
      sub({
        name: "list",
        arity: 2,
        flags: ADMIN,
        summary: "Replies with every user's rules.",
        complexity: "O(N). Where N is the number of configured users.",
        run(client) {
          client.reply.bulkArray(client.server.acl.describeAll());
        },
      }),
      sub({
        name: "load",
        arity: 2,
        flags: ADMIN,
        summary: "Replaces the users with those of the aclfile.",
        complexity: "O(N). Where N is the number of configured users.",
        run(client) {
          const path = aclFile(client);
          let text: string;
          try {
            text = Deno.readTextFileSync(path);
          } catch (error) {
            throw new ReplyError(
              `ERR Error loading ACLs, opening file '${path}': ${(error as Error).message}`,
            );
          }
          try {
            client.server.acl.load(text);
          } catch (error) {
            throw new ReplyError(`ERR ${path}:${(error as Error).message.replace(/^\//, "")}`);
          }
          client.reply.ok();
        },
      }),
      sub({
        name: "log",
        arity: -2,
        flags: ADMIN,
        summary: "Replies with the latest refused commands and failed logins, or forgets them.",
        complexity: "O(N) with N being the number of entries shown.",
        args: [{
          name: "operation",
          type: "oneof",
          optional: true,
          args: [
            { name: "count", type: "integer" },
            { name: "reset", type: "pure-token", token: "RESET" },
          ],
        }],
        run(client, argv) {
          if (argv.length > 3) throw new ReplyError(badSubcommand("ACL", argv[1]));
          replyLog(client, argv);
        },
      }),
      sub({
        name: "save",
        arity: 2,
        flags: ADMIN,
        summary: "Writes the users to the aclfile.",
        complexity: "O(N). Where N is the number of configured users.",
        run(client) {
          const path = aclFile(client);
          const temp = `${path}.tmp-${Deno.pid}`;
          try {
            Deno.writeTextFileSync(temp, client.server.acl.describeAll().join("\n") + "\n");
            Deno.renameSync(temp, path);
          } catch (error) {
            throw new ReplyError(
              `ERR There was an error trying to save the ACLs. Please check the server logs for more information (${
                (error as Error).message
              })`,
            );
          }
          client.reply.ok();
        },
      }),
      sub({
        name: "setuser",
        arity: -3,
        flags: ADMIN,
        summary: "Creates a user, or changes one, with ACL rules.",
        complexity: "O(N). Where N is the number of rules provided.",
        history: [
          ["6.2.0", "Added Pub/Sub channel patterns."],
          ["7.0.0", "Added selectors and key based permissions."],
        ],
        args: [
          { name: "username", type: "string" },
          { name: "rule", type: "string", optional: true, multiple: true },
        ],
        run(client, argv) {
          try {
            groupSelectors(argv.slice(3));
          } catch (error) {
            if (error instanceof AclRuleError) throw new ReplyError(`ERR ${error.message}`);
            throw error;
          }
          try {
            client.server.acl.setUser(argv[2], argv.slice(3));
          } catch (error) {
            if (!(error instanceof AclRuleError)) throw error;
            throw new ReplyError(
              `ERR Error in ACL SETUSER modifier '${error.rule}': ${error.message}`,
            );
          }
          client.reply.ok();
        },
      }),
      sub({
        name: "users",
        arity: 2,
        flags: ADMIN,
        summary: "Replies with every user's name.",
        complexity: "O(N). Where N is the number of configured users.",
        run(client) {
          client.reply.bulkArray([...client.server.acl.users.keys()].sort());
        },
      }),
      sub({
        name: "whoami",
        arity: 2,
        flags: PLAIN,
        summary: "Replies with the name of the connection's user.",
        complexity: "O(1)",
        run(client) {
          client.reply.bulk(client.user.name);
        },
      }),
      helpSubcommand("ACL", HELP, { group: "server", since: "6.0.0" }),
    ],
  }),
];
