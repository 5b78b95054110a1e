/**
 * ACL users as Redis 7.0 has them: passwords (SHA-256, compared in constant time), on/off, and
 * selectors — the root one plus `(...)` extras — each allowing commands, key patterns with
 * read/write permissions, and channel patterns. Rules are ACL SETUSER's words; a set of rules
 * is applied to a copy and kept only when every rule is valid.
 *
 * @example
 * ```ts
 * const user = new AclUser("alice", table);
 * user.applyRules(["on", ">secret", "~cache:*", "+get"]); // throws AclRuleError on a bad rule
 * user.checkPassword("secret"); // true
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Argv } from "../resp/decoder.ts";
import { globMatch } from "../store/glob.ts";
import {
  ACL_CATEGORY_ORDER,
  aclCategories,
  type CommandTable,
  findKeys,
  type RegisteredCommand,
} from "./registry.ts";
import type { AclCategory, KeySpecFlag } from "./types.ts";

const READ = 1;
const WRITE = 2;
const ALL = READ | WRITE;

/** A rule ACL SETUSER refuses, with Redis's reason. */
export class AclRuleError extends Error {
  constructor(readonly rule: string, reason: string) {
    super(reason);
  }
}

const UNKNOWN_NAME = "Unknown command or category name in ACL";
const PATTERN_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";

export function sha256Hex(password: string): string {
  return createHash("sha256").update(Buffer.from(password, "latin1")).digest("hex");
}

interface KeyPattern {
  pattern: string;
  permissions: number;
}

/** What one selector allows: commands, keys and channels. */
export class AclSelector {
  /** Commands and subcommands allowed as a whole. */
  readonly commands = new Set<RegisteredCommand>();
  /** `+select|0`: a command allowed only with these first arguments. */
  readonly firstArgs = new Map<RegisteredCommand, Set<string>>();
  /** Set by `+@all`: the user may run commands that do not exist yet (shown as `+@all`). */
  future = false;
  keys: KeyPattern[] = [];
  allKeys = false;
  channels: string[] = [];
  allChannels = false;

  constructor(readonly table: CommandTable) {}

  clone(): AclSelector {
    const copy = new AclSelector(this.table);
    this.commands.forEach((command) => copy.commands.add(command));
    this.firstArgs.forEach((args, command) => copy.firstArgs.set(command, new Set(args)));
    copy.future = this.future;
    copy.keys = this.keys.map((key) => ({ ...key }));
    copy.allKeys = this.allKeys;
    copy.channels = [...this.channels];
    copy.allChannels = this.allChannels;
    return copy;
  }

  /** Applies one selector rule; throws AclRuleError when Redis would refuse it. */
  apply(rule: string): void {
    const lower = rule.toLowerCase();
    if (lower === "allkeys" || rule === "~*") {
      this.allKeys = true;
      this.keys = [{ pattern: "*", permissions: ALL }];
    } else if (lower === "resetkeys") {
      this.allKeys = false;
      this.keys = [];
    } else if (rule[0] === "~" || rule[0] === "%") {
      this.#addKeyPattern(rule);
    } else if (lower === "allchannels" || rule === "&*") {
      this.allChannels = true;
      this.channels = ["*"];
    } else if (lower === "resetchannels") {
      this.allChannels = false;
      this.channels = [];
    } else if (rule[0] === "&") {
      if (this.allChannels) {
        throw new AclRuleError(
          rule,
          "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
        );
      }
      if (!this.channels.includes(rule.slice(1))) this.channels.push(rule.slice(1));
    } else if (lower === "allcommands" || lower === "+@all") {
      this.#setAll(true);
    } else if (lower === "nocommands" || lower === "-@all") {
      this.#setAll(false);
    } else if ((rule[0] === "+" || rule[0] === "-") && rule[1] === "@") {
      this.#setCategory(rule, rule.slice(2).toLowerCase(), rule[0] === "+");
    } else if (rule[0] === "+" || rule[0] === "-") {
      this.#setCommand(rule, rule.slice(1), rule[0] === "+");
    } else {
      throw new AclRuleError(rule, "Syntax error");
    }
  }

  #addKeyPattern(rule: string): void {
    let permissions = ALL;
    let pattern: string;
    if (rule[0] === "%") {
      const tilde = rule.indexOf("~");
      permissions = 0;
      for (const letter of tilde < 0 ? rule.slice(1) : rule.slice(1, tilde)) {
        if (letter === "R" || letter === "r") permissions |= READ;
        else if (letter === "W" || letter === "w") permissions |= WRITE;
        else permissions = -1;
      }
      if (this.allKeys) throw new AclRuleError(rule, PATTERN_AFTER_ALL);
      if (tilde < 0 || permissions <= 0) throw new AclRuleError(rule, "Syntax error");
      pattern = rule.slice(tilde + 1);
    } else {
      if (this.allKeys) throw new AclRuleError(rule, PATTERN_AFTER_ALL);
      pattern = rule.slice(1);
    }
    const existing = this.keys.find((key) => key.pattern === pattern);
    if (existing) existing.permissions |= permissions;
    else this.keys.push({ pattern, permissions });
  }

  #setAll(allow: boolean): void {
    this.future = allow;
    this.commands.clear();
    this.firstArgs.clear();
    if (!allow) return;
    const visit = (command: RegisteredCommand) => {
      this.commands.add(command);
      command.subcommands.forEach(visit);
    };
    this.table.all().forEach(visit);
  }

  #setCategory(rule: string, name: string, allow: boolean): void {
    if (!(ACL_CATEGORY_ORDER as string[]).includes(name)) {
      throw new AclRuleError(rule, UNKNOWN_NAME);
    }
    const visit = (command: RegisteredCommand) => {
      if (aclCategories(command.spec).includes(name as AclCategory)) this.#set(command, allow);
      command.subcommands.forEach(visit);
    };
    this.table.all().forEach(visit);
  }

  #setCommand(rule: string, name: string, allow: boolean): void {
    const bar = name.indexOf("|");
    if (bar < 0) {
      const command = this.table.lookupFullName(name);
      if (command === undefined) throw new AclRuleError(rule, UNKNOWN_NAME);
      this.#setWithSubcommands(command, allow);
      return;
    }
    const parent = this.table.lookupFullName(name.slice(0, bar));
    if (parent === undefined) throw new AclRuleError(rule, UNKNOWN_NAME);
    const rest = name.slice(bar + 1);
    if (parent.subcommands.size > 0) {
      if (rest.includes("|")) {
        throw new AclRuleError(rule, "Allowing first-arg of a subcommand is not supported");
      }
      const sub = parent.subcommands.get(rest.toLowerCase());
      if (sub === undefined) throw new AclRuleError(rule, UNKNOWN_NAME);
      this.#set(sub, allow);
      return;
    }
    // A first argument of a plain command (`+select|0`): only allowing makes sense.
    if (!allow || rest === "") throw new AclRuleError(rule, UNKNOWN_NAME);
    if (this.commands.has(parent)) return;
    const args = this.firstArgs.get(parent) ?? new Set<string>();
    args.add(rest.toLowerCase());
    this.firstArgs.set(parent, args);
  }

  #setWithSubcommands(command: RegisteredCommand, allow: boolean): void {
    this.#set(command, allow);
    command.subcommands.forEach((sub) => this.#set(sub, allow));
  }

  #set(command: RegisteredCommand, allow: boolean): void {
    if (allow) this.commands.add(command);
    else this.commands.delete(command);
    this.firstArgs.delete(command);
  }

  /** How many commands (subcommands included) of a category are allowed, and how many not. */
  #countCategory(category: AclCategory): [number, number] {
    let on = 0;
    let off = 0;
    const visit = (command: RegisteredCommand) => {
      if (aclCategories(command.spec).includes(category)) {
        if (this.commands.has(command)) on++;
        else off++;
      }
      command.subcommands.forEach(visit);
    };
    this.table.all().forEach(visit);
    return [on, off];
  }

  /** Whether this selector lets the command run at all (before keys and channels). */
  allowsCommand(command: RegisteredCommand, argv: Argv): boolean {
    // AUTH, HELLO and the like need no permission: they are how a client changes user.
    if (this.commands.has(command) || command.spec.flags.includes("no_auth")) return true;
    const args = this.firstArgs.get(command);
    return args !== undefined && argv.length > 1 && args.has(argv[1].toLowerCase());
  }

  allowsKey(key: string, flags: readonly KeySpecFlag[]): boolean {
    if (this.allKeys) return true;
    let needed = 0;
    if (flags.includes("access")) needed |= READ;
    if (flags.includes("insert") || flags.includes("delete") || flags.includes("update")) {
      needed |= WRITE;
    }
    for (const { pattern, permissions } of this.keys) {
      if ((permissions & needed) === needed && globMatch(pattern, key, false)) return true;
    }
    return false;
  }

  /** A channel, or for PSUBSCRIBE a pattern, which must equal an allowed pattern literally. */
  allowsChannel(channel: string, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    for (const pattern of this.channels) {
      if (isPattern ? pattern === channel : globMatch(pattern, channel, false)) return true;
    }
    return false;
  }

  describeKeys(): string {
    return this.keys.map(({ pattern, permissions }) =>
      permissions === ALL
        ? `~${pattern}`
        : `%${permissions & READ ? "R" : ""}${permissions & WRITE ? "W" : ""}~${pattern}`
    ).join(" ");
  }

  describeChannels(): string {
    return this.channels.map((pattern) => `&${pattern}`).join(" ");
  }

  /**
   * The command rules in Redis's compact form: `+@all` or `-@all`, then each category that
   * covers more commands than it misses, then single commands (and subcommands, first
   * arguments) that still differ.
   */
  describeCommands(): string {
    const fake = new AclSelector(this.table);
    const rules: string[] = [];
    const additive = !this.future;
    rules.push(additive ? "-@all" : "+@all");
    fake.apply(rules[0]);
    // Best fit first: repeatedly take the category that agrees with the user's commands most
    // (fewest differences, then most in common), applying it to `fake` and its inverse to
    // `remaining`, until no category agrees more than it disagrees.
    const remaining = this.clone();
    const applied = new Set<AclCategory>();
    for (;;) {
      let best: AclCategory | null = null;
      let fewestDiffs = Infinity;
      let mostSame = 0;
      for (const category of ACL_CATEGORY_ORDER) {
        if (applied.has(category)) continue;
        const [on, off] = remaining.#countCategory(category);
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < fewestDiffs || (diff === fewestDiffs && same > mostSame))) {
          best = category;
          fewestDiffs = diff;
          mostSame = same;
        }
      }
      if (best === null) break;
      fake.apply(`${additive ? "+" : "-"}@${best}`);
      remaining.apply(`${additive ? "-" : "+"}@${best}`);
      rules.push(`${additive ? "+" : "-"}@${best}`);
      applied.add(best);
    }
    for (const command of this.table.all()) {
      const mine = this.commands.has(command);
      if (mine !== fake.commands.has(command)) {
        const rule = `${mine ? "+" : "-"}${command.fullName}`;
        rules.push(rule);
        fake.apply(rule); // a container's rule covers its subcommands too
      }
      for (const sub of command.subcommands.values()) {
        const subMine = this.commands.has(sub);
        if (subMine !== fake.commands.has(sub)) rules.push(`${subMine ? "+" : "-"}${sub.fullName}`);
      }
      if (!mine) {
        for (const arg of this.firstArgs.get(command) ?? []) {
          rules.push(`+${command.fullName}|${arg}`);
        }
      }
    }
    return rules.join(" ");
  }

  /** The selector as ACL LIST shows it: keys, channels, commands. */
  describe(): string {
    return [
      this.describeKeys(),
      this.allChannels ? "&*" : `resetchannels ${this.describeChannels()}`.trim(),
      this.describeCommands(),
    ]
      .filter((part) => part !== "").join(" ");
  }
}

/** Why a command was refused, for the NOPERM text and the ACL log. */
export type Denial =
  | { reason: "command"; object: string }
  | { reason: "key"; object: string }
  | { reason: "channel"; object: string };

/** Commands whose arguments are channels (Redis checks them against `&` patterns). */
function channelArguments(command: RegisteredCommand, argv: Argv): Array<[string, boolean]> {
  switch (command.fullName) {
    case "publish":
    case "spublish":
      return [[argv[1], false]];
    case "subscribe":
    case "ssubscribe":
      return argv.slice(1).map((channel) => [channel, false]);
    case "psubscribe":
      return argv.slice(1).map((pattern) => [pattern, true]);
    default:
      return [];
  }
}

export class AclUser {
  enabled = false;
  nopass = false;
  /** SHA-256 hex digests. */
  passwords = new Set<string>();
  /** `sanitize-payload` / `skip-sanitize-payload`, when set. */
  sanitize: "" | "sanitize-payload" | "skip-sanitize-payload" = "";
  root: AclSelector;
  selectors: AclSelector[] = [];

  constructor(readonly name: string, readonly table: CommandTable) {
    this.root = new AclSelector(table);
  }

  clone(): AclUser {
    const copy = new AclUser(this.name, this.table);
    copy.enabled = this.enabled;
    copy.nopass = this.nopass;
    copy.passwords = new Set(this.passwords);
    copy.sanitize = this.sanitize;
    copy.root = this.root.clone();
    copy.selectors = this.selectors.map((selector) => selector.clone());
    return copy;
  }

  /** Takes over another user's settings (after rules were applied to a copy). */
  assign(from: AclUser): void {
    this.enabled = from.enabled;
    this.nopass = from.nopass;
    this.passwords = from.passwords;
    this.sanitize = from.sanitize;
    this.root = from.root;
    this.selectors = from.selectors;
  }

  /**
   * Applies ACL SETUSER words to this user; `(...)` groups become new selectors. Throws
   * AclRuleError for the first bad rule (callers apply to a copy to keep all-or-nothing).
   */
  applyRules(rules: readonly string[]): void {
    for (const rule of groupSelectors(rules)) this.applyRule(rule);
  }

  applyRule(rule: string): void {
    const lower = rule.toLowerCase();
    if (rule.startsWith("(") && rule.endsWith(")")) {
      const selector = new AclSelector(this.table);
      for (const word of rule.slice(1, -1).split(" ").filter((word) => word !== "")) {
        try {
          selector.apply(word);
        } catch (error) {
          if (error instanceof AclRuleError) throw new AclRuleError(rule, error.message);
          throw error;
        }
      }
      this.selectors.push(selector);
    } else if (lower === "on") this.enabled = true;
    else if (lower === "off") this.enabled = false;
    else if (lower === "nopass") {
      this.nopass = true;
      this.passwords.clear();
    } else if (lower === "resetpass") {
      this.nopass = false;
      this.passwords.clear();
    } else if (rule[0] === ">") {
      this.passwords.add(sha256Hex(rule.slice(1)));
      this.nopass = false;
    } else if (rule[0] === "#") {
      this.passwords.add(checkedHash(rule));
      this.nopass = false;
    } else if (rule[0] === "<" || rule[0] === "!") {
      const hash = rule[0] === "<" ? sha256Hex(rule.slice(1)) : checkedHash(rule);
      if (!this.passwords.delete(hash)) {
        throw new AclRuleError(
          rule,
          "The password you are trying to remove from the user does not exist",
        );
      }
    } else if (lower === "clearselectors") this.selectors = [];
    else if (lower === "sanitize-payload" || lower === "skip-sanitize-payload") {
      this.sanitize = lower;
    } else if (lower === "reset") {
      for (
        const each of ["resetpass", "resetkeys", "resetchannels", "off", "clearselectors", "-@all"]
      ) {
        this.applyRule(each);
      }
      this.sanitize = "sanitize-payload";
    } else {
      this.root.apply(rule);
    }
  }

  checkPassword(password: string): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    const candidate = Buffer.from(sha256Hex(password));
    let found = false;
    // Every stored hash is compared, so the time taken says nothing about which one matched.
    for (const hash of this.passwords) {
      if (timingSafeEqual(candidate, Buffer.from(hash))) found = true;
    }
    return found;
  }

  /** Null when some selector allows the command with these arguments, else the first denial. */
  check(command: RegisteredCommand, argv: Argv): Denial | null {
    let first: Denial | null = null;
    for (const selector of [this.root, ...this.selectors]) {
      const denial = checkSelector(selector, command, argv);
      if (denial === null) return null;
      first ??= denial;
    }
    return first;
  }

  flags(): string[] {
    const flags = [this.enabled ? "on" : "off"];
    if (this.nopass) flags.push("nopass");
    if (this.sanitize !== "") flags.push(this.sanitize);
    return flags;
  }

  /** The `user ...` line ACL LIST and ACL SAVE write. */
  describe(): string {
    const parts = [`user ${this.name}`, ...this.flags()];
    for (const hash of this.passwords) parts.push(`#${hash}`);
    parts.push(this.root.describe());
    for (const selector of this.selectors) parts.push(`(${selector.describe()})`);
    return parts.filter((part) => part !== "").join(" ");
  }

  /** Whether the user can run everything on every key and channel (no checks needed). */
  get unrestricted(): boolean {
    return this.root.future && this.root.allKeys && this.root.allChannels;
  }
}

function checkedHash(rule: string): string {
  const hash = rule.slice(1);
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    throw new AclRuleError(
      rule,
      "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
    );
  }
  return hash;
}

function checkSelector(
  selector: AclSelector,
  command: RegisteredCommand,
  argv: Argv,
): Denial | null {
  if (!selector.allowsCommand(command, argv)) {
    return { reason: "command", object: command.fullName };
  }
  if (!selector.allKeys) {
    for (const key of findKeys(command.spec, argv) ?? []) {
      if (key.flags.includes("not_key")) continue;
      if (!selector.allowsKey(argv[key.index], key.flags)) {
        return { reason: "key", object: argv[key.index] };
      }
    }
  }
  if (!selector.allChannels) {
    for (const [channel, isPattern] of channelArguments(command, argv)) {
      if (!selector.allowsChannel(channel, isPattern)) {
        return { reason: "channel", object: channel };
      }
    }
  }
  return null;
}

/** Joins `(` ... `)` words into one rule per selector; throws for an unclosed one. */
export function groupSelectors(rules: readonly string[]): string[] {
  const grouped: string[] = [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (!rule.startsWith("(") || rule.endsWith(")")) {
      grouped.push(rule);
      continue;
    }
    let j = i;
    let text = rule;
    while (!text.endsWith(")") && ++j < rules.length) text += ` ${rules[j]}`;
    if (!text.endsWith(")")) {
      throw new AclRuleError(rule, `Unmatched parenthesis in acl selector starting at '${rule}'.`);
    }
    grouped.push(text);
    i = j;
  }
  return grouped;
}
