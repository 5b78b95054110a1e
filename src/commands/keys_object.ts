/**
 * OBJECT: a container of introspection subcommands (ENCODING, FREQ, IDLETIME, REFCOUNT, HELP).
 * @module
 */
import type { Database } from "../store/keyspace.ts";
import { EMBSTR_SIZE_LIMIT, isIntEncodable, SHARED_INTEGERS, type Value } from "../store/values.ts";
import type { Client } from "./client.ts";
import { type CommandSpec, defineCommand } from "./types.ts";
import { helpSubcommand } from "./connection.ts";

/** What Redis reports as the refcount of a shared object (OBJ_SHARED_REFCOUNT). */
const SHARED_REFCOUNT = 2147483647;

const LFU_NOT_SELECTED =
  "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
const LFU_SELECTED =
  "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/** OBJECT HELP's lines, as Redis prints them (clients and docs tools read them). */
const HELP = [
  "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
  "HELP",
  "    Prints this help.",
];

/** OBJECT ENCODING of a string, by the rules Redis applies when it stores one. */
export function stringEncoding(db: Database, key: string, value: string): string {
  if (db.isModifiedInPlace(key)) return "raw";
  if (isIntEncodable(value) && !db.isStoredAsText(key)) return "int";
  return value.length <= EMBSTR_SIZE_LIMIT ? "embstr" : "raw";
}

function usesLfu(client: Client): boolean {
  return client.server.config.get("maxmemory-policy").includes("lfu");
}

/** Small integers are shared objects unless an LRU/LFU policy with a memory limit forbids it. */
function sharesIntegers(client: Client): boolean {
  const policy = client.server.config.get("maxmemory-policy");
  return client.server.config.getNumber("maxmemory") === 0 ||
    !(policy.includes("lru") || policy.includes("lfu"));
}

/** OBJECT REFCOUNT's answer: shared small integers report Redis's shared-object count. */
export function refcount(client: Client, key: string, value: Value): number {
  if (typeof value !== "string" || stringEncoding(client.db, key, value) !== "int") return 1;
  if (client.db.isUnsharedInteger(key) || !sharesIntegers(client)) return 1;
  const n = Number(value);
  return n >= 0 && n < SHARED_INTEGERS ? SHARED_REFCOUNT : 1;
}

/** One `OBJECT <sub> key` declaration; `answer` runs once the key is found. */
function keySubcommand(
  name: string,
  since: string,
  summary: string,
  answer: (client: Client, key: string, value: Value) => void,
): CommandSpec {
  return defineCommand({
    name,
    arity: 3,
    flags: ["readonly"],
    acl: ["keyspace"],
    keys: [{ first: 2, last: 2, step: 1, flags: ["RO"] }],
    group: "generic",
    since,
    summary,
    complexity: "O(1)",
    args: [{ name: "key", type: "key", keySpecIndex: 0 }],
    tips: ["nondeterministic_output"],
    run(client, argv) {
      // Inspecting a key does not count as using it (Redis's LOOKUP_NOTOUCH).
      const value = client.db.inspect(argv[2]);
      if (value === undefined) client.reply.nullBulk();
      else answer(client, argv[2], value);
    },
  });
}

export const objectCommand: CommandSpec = defineCommand({
  name: "object",
  arity: -2,
  flags: [],
  group: "generic",
  since: "2.2.3",
  summary: "Groups the commands that look inside a key's stored value.",
  complexity: "Depends on subcommand.",
  // Redis's order, which COMMAND INFO and COMMAND DOCS show.
  subcommands: [
    keySubcommand(
      "idletime",
      "2.2.3",
      "Tells how many seconds ago a key was last used.",
      (client, key) => {
        if (usesLfu(client)) client.reply.error(LFU_SELECTED);
        else client.reply.integer(client.db.idleSeconds(key));
      },
    ),
    keySubcommand(
      "freq",
      "4.0.0",
      "Tells a key's logarithmic access-frequency counter.",
      (client, key) => {
        if (!usesLfu(client)) client.reply.error(LFU_NOT_SELECTED);
        else client.reply.integer(client.db.frequency(key));
      },
    ),
    keySubcommand(
      "encoding",
      "2.2.3",
      "Tells how a key's value is represented internally.",
      (client, key, value) => {
        client.reply.bulk(
          typeof value === "string" ? stringEncoding(client.db, key, value) : value.encoding(),
        );
      },
    ),
    helpSubcommand("OBJECT", HELP, { acl: ["keyspace"], group: "generic", since: "6.2.0" }),
    keySubcommand(
      "refcount",
      "2.2.3",
      "Tells how many references a key's value has.",
      (client, key, value) => client.reply.integer(refcount(client, key, value)),
    ),
  ],
});
