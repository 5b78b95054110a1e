/**
 * COMMAND INFO and COMMAND DOCS replies, built from the command declarations in Redis 7.0's
 * shapes (the maps redis-cli and client libraries read at start).
 * @module
 */
import type { ReplyWriter } from "../resp/encoder.ts";
import { aclCategories, legacyKeyRange, orderedFlags, type RegisteredCommand } from "./registry.ts";
import type { ArgSpec, CommandSpec, KeyPositions } from "./types.ts";

/** One COMMAND INFO entry: the 10-element array, subcommands nested. */
export function writeCommandInfo(reply: ReplyWriter, command: RegisteredCommand): void {
  const spec = command.spec;
  const range = legacyKeyRange(spec);
  const flags: string[] = orderedFlags(spec);
  if (range.movable) {
    // Redis lists movablekeys just before allow_busy.
    const busy = flags.indexOf("allow_busy");
    flags.splice(busy < 0 ? flags.length : busy, 0, "movablekeys");
  }
  reply.arrayHeader(10);
  reply.bulk(command.fullName);
  reply.integer(spec.arity);
  reply.setHeader(flags.length);
  for (const flag of flags) reply.simple(flag);
  reply.integer(range.first);
  reply.integer(range.last);
  reply.integer(range.step);
  const categories = aclCategories(spec);
  reply.setHeader(categories.length);
  for (const category of categories) reply.simple(`@${category}`);
  const tips = spec.tips ?? [];
  reply.setHeader(tips.length);
  for (const tip of tips) reply.bulk(tip);
  const keySpecs = spec.keys ?? [];
  reply.setHeader(keySpecs.length);
  for (const keys of keySpecs) writeKeySpec(reply, keys);
  if (command.subcommands.size === 0) {
    reply.setHeader(0);
  } else {
    reply.arrayHeader(command.subcommands.size);
    for (const sub of command.subcommands.values()) writeCommandInfo(reply, sub);
  }
}

function writeKeySpec(reply: ReplyWriter, keys: KeyPositions): void {
  reply.mapHeader(keys.notes ? 4 : 3);
  if (keys.notes) {
    reply.bulk("notes");
    reply.bulk(keys.notes);
  }
  reply.bulk("flags");
  reply.setHeader(keys.flags.length);
  for (const flag of keys.flags) reply.simple(flag);

  reply.bulk("begin_search");
  if (keys.unknown) writeSearchStep(reply, "unknown", []);
  else if (keys.keyword) {
    writeSearchStep(reply, "keyword", [
      ["keyword", keys.keyword.keyword],
      ["startfrom", keys.keyword.startFrom],
    ]);
  } else writeSearchStep(reply, "index", [["index", keys.first]]);

  reply.bulk("find_keys");
  if (keys.unknown) writeSearchStep(reply, "unknown", []);
  else if (keys.keynum) {
    writeSearchStep(reply, "keynum", [
      ["keynumidx", keys.keynum.keyNumIdx],
      ["firstkey", keys.keynum.firstKey],
      ["keystep", keys.keynum.keyStep],
    ]);
  } else {
    // Redis's lastkey is relative to the first key unless it counts from the end.
    const lastKey = keys.last < 0 || keys.keyword ? keys.last : keys.last - keys.first;
    writeSearchStep(reply, "range", [
      ["lastkey", lastKey],
      ["keystep", keys.step],
      ["limit", keys.limit ?? 0],
    ]);
  }
}

/** `{type, spec: {...}}`, the shape of both begin_search and find_keys. */
function writeSearchStep(
  reply: ReplyWriter,
  type: string,
  spec: Array<[string, string | number]>,
): void {
  reply.mapHeader(2);
  reply.bulk("type");
  reply.bulk(type);
  reply.bulk("spec");
  reply.mapHeader(spec.length);
  for (const [name, value] of spec) {
    reply.bulk(name);
    if (typeof value === "number") reply.integer(value);
    else reply.bulk(value);
  }
}

/** One COMMAND DOCS value (the map after the name), subcommands nested by full name. */
export function writeCommandDocs(reply: ReplyWriter, command: RegisteredCommand): void {
  const spec = command.spec;
  const fields: Array<() => void> = [];
  const field = (name: string, write: () => void) =>
    fields.push(() => {
      reply.bulk(name);
      write();
    });
  field("summary", () => reply.bulkText(spec.summary));
  field("since", () => reply.bulk(spec.since));
  field("group", () => reply.bulk(spec.group));
  if (spec.complexity) field("complexity", () => reply.bulkText(spec.complexity!));
  if (spec.docFlags?.length) {
    field("doc_flags", () => {
      reply.setHeader(spec.docFlags!.length);
      for (const flag of spec.docFlags!) reply.simple(flag);
    });
  }
  if (spec.deprecatedSince) field("deprecated_since", () => reply.bulk(spec.deprecatedSince!));
  if (spec.replacedBy) field("replaced_by", () => reply.bulkText(spec.replacedBy!));
  if (spec.history?.length) {
    field("history", () => {
      reply.setHeader(spec.history!.length);
      for (const [version, change] of spec.history!) {
        reply.arrayHeader(2);
        reply.bulk(version);
        reply.bulkText(change);
      }
    });
  }
  if (spec.args?.length) field("arguments", () => writeArgs(reply, spec.args!));
  if (command.subcommands.size > 0) {
    field("subcommands", () => {
      reply.mapHeader(command.subcommands.size);
      for (const sub of command.subcommands.values()) {
        reply.bulk(sub.fullName);
        writeCommandDocs(reply, sub);
      }
    });
  }
  reply.mapHeader(fields.length);
  for (const write of fields) write();
}

function writeArgs(reply: ReplyWriter, args: readonly ArgSpec[]): void {
  reply.arrayHeader(args.length);
  for (const arg of args) {
    const flags = argFlags(arg);
    // Key patterns (SORT's BY and GET) name the key spec they feed, as keys do.
    const hasKeySpec = arg.type === "key" || arg.keySpecIndex !== undefined;
    const count = 2 + (hasKeySpec ? 1 : 0) + (arg.token ? 1 : 0) +
      (arg.summary ? 1 : 0) + (arg.since ? 1 : 0) + (arg.deprecatedSince ? 1 : 0) +
      (flags.length > 0 ? 1 : 0) + (arg.args ? 1 : 0);
    reply.mapHeader(count);
    reply.bulk("name");
    reply.bulk(arg.name);
    reply.bulk("type");
    reply.bulk(arg.type);
    if (hasKeySpec) {
      reply.bulk("key_spec_index");
      reply.integer(arg.keySpecIndex ?? 0);
    }
    if (arg.token) {
      reply.bulk("token");
      reply.bulk(arg.token);
    }
    if (arg.summary) {
      reply.bulk("summary");
      reply.bulkText(arg.summary);
    }
    if (arg.since) {
      reply.bulk("since");
      reply.bulk(arg.since);
    }
    if (arg.deprecatedSince) {
      reply.bulk("deprecated_since");
      reply.bulk(arg.deprecatedSince);
    }
    if (flags.length > 0) {
      reply.bulk("flags");
      reply.setHeader(flags.length);
      for (const flag of flags) reply.simple(flag);
    }
    if (arg.args) {
      reply.bulk("arguments");
      writeArgs(reply, arg.args);
    }
  }
}

function argFlags(arg: ArgSpec): string[] {
  const flags: string[] = [];
  if (arg.optional) flags.push("optional");
  if (arg.multiple) flags.push("multiple");
  if (arg.multipleToken) flags.push("multiple_token");
  return flags;
}

/** Whether a command has keys COMMAND GETKEYS could find. */
export function hasKeys(spec: CommandSpec): boolean {
  return spec.getKeys !== undefined || (spec.keys?.length ?? 0) > 0;
}
