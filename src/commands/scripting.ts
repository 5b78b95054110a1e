/**
 * Lua scripts: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD, EXISTS, FLUSH, KILL, DEBUG,
 * HELP). The engine itself — Lua state, redis.* API, reply conversion, BUSY handling — lives in
 * src/scripting/.
 *
 * @example
 * ```ts
 * // EVAL "return redis.call('incr', KEYS[1])" 1 counter   → :1
 * // SCRIPT LOAD "return 1"                                 → "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
 * ```
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { scriptingEngine } from "../scripting/engine.ts";
import type { Client } from "./client.ts";
import { NOT_INTEGER, ReplyError } from "./errors.ts";
import { type ArgSpec, type CommandSpec, defineCommand, type KeyPositions } from "./types.ts";
import { helpSubcommand } from "./connection.ts";

const NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";
const RO_WITH_WRITE = "ERR Can not execute a script with write flag using *_ro command.";

/** Splits `name numkeys key... arg...` (EVAL and FCALL) into keys and args. */
export function splitKeys(argv: Argv, badNumber: string): { keys: Argv; args: Argv } {
  const text = argv[2];
  const numkeys = /^-?\d{1,19}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(numkeys)) throw new ReplyError(badNumber);
  if (numkeys > argv.length - 3) {
    throw new ReplyError("ERR Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) throw new ReplyError("ERR Number of keys can't be negative");
  return { keys: argv.slice(3, 3 + numkeys), args: argv.slice(3 + numkeys) };
}

/** Keys of EVAL-like commands, for COMMAND GETKEYS. */
export function numkeysKeys(argv: Argv): number[] {
  const count = Number(argv[2]);
  if (!Number.isInteger(count) || count < 0 || count > argv.length - 3) return [];
  return Array.from({ length: count }, (_, i) => 3 + i);
}

function evalGeneric(client: Client, argv: Argv, bySha: boolean, readOnly: boolean): void {
  const engine = scriptingEngine(client.server);
  const { keys, args } = splitKeys(argv, NOT_INTEGER);
  let sha: string;
  if (bySha) {
    sha = argv[1].toLowerCase();
    if (!engine.scripts.has(sha)) throw new ReplyError(NOSCRIPT);
  } else {
    sha = engine.loadScript(argv[1]);
  }
  const flags = engine.scripts.get(sha)!.flags;
  if (readOnly && flags.includes("shebang") && !flags.includes("no-writes")) {
    throw new ReplyError(RO_WITH_WRITE);
  }
  engine.runScript(client, sha, keys, args, argv, readOnly);
}

export function evalKeySpec(readOnly: boolean, notes: boolean): KeyPositions[] {
  return [{
    first: 2,
    last: 0,
    step: 1,
    flags: readOnly ? ["RO", "access"] : ["RW", "access", "update"],
    keynum: { keyNumIdx: 0, firstKey: 1, keyStep: 1 },
    notes: notes
      ? `We cannot tell how the keys will be used so we assume the worst, ${
        readOnly ? "RO and ACCESS" : "RW and UPDATE"
      }`
      : undefined,
  }];
}

export function evalArgs(first: string): ArgSpec[] {
  return [
    { name: first, type: "string" },
    { name: "numkeys", type: "integer" },
    { name: "key", type: "key", optional: true, multiple: true },
    { name: "arg", type: "string", optional: true, multiple: true },
  ];
}

function evalSpec(name: string, bySha: boolean, readOnly: boolean, since: string): CommandSpec {
  return defineCommand({
    name,
    arity: -3,
    flags: [
      ...(readOnly ? ["readonly" as const] : ["may_replicate" as const]),
      "noscript",
      "stale",
      "skip_monitor",
      "no_mandatory_keys",
    ],
    acl: ["scripting"],
    keys: evalKeySpec(readOnly, !bySha),
    getKeys: numkeysKeys,
    group: "scripting",
    since,
    summary: readOnly
      ? "Runs a read-only Lua script on the server."
      : "Runs a Lua script on the server.",
    complexity: "Whatever the script does.",
    args: evalArgs(bySha ? "sha1" : "script"),
    run: (client, argv) => evalGeneric(client, argv, bySha, readOnly),
  });
}

const SCRIPT_HELP = [
  "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "DEBUG (YES|SYNC|NO)",
  "    Set the debug mode for subsequent scripts executed.",
  "EXISTS <sha1> [<sha1> ...]",
  "    Return information about the existence of the scripts in the script cache.",
  "FLUSH [ASYNC|SYNC]",
  "    Flush the Lua scripts cache. Very dangerous on replicas.",
  "    When called without the optional mode argument, the behavior is determined by the",
  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
  "    * ASYNC: Asynchronously flush the scripts cache.",
  "    * SYNC: Synchronously flush the scripts cache.",
  "KILL",
  "    Kill the currently executing Lua script.",
  "LOAD <script>",
  "    Load a script into the scripts cache without executing it.",
  "HELP",
  "    Prints this help.",
];

/** The ASYNC|SYNC argument of SCRIPT FLUSH and FUNCTION FLUSH. */
export const FLUSH_MODE: ArgSpec = {
  name: "async",
  type: "oneof",
  optional: true,
  args: [
    { name: "async", type: "pure-token", token: "ASYNC" },
    { name: "sync", type: "pure-token", token: "SYNC" },
  ],
};

export function checkFlushMode(argv: Argv, error: string): void {
  if (argv.length > 3) throw new ReplyError(error);
  if (argv.length === 3 && !["async", "sync"].includes(argv[2].toLowerCase())) {
    throw new ReplyError(error);
  }
}

const ALL_NODES = ["request_policy:all_nodes", "response_policy:all_succeeded"];

export const scriptingCommands: CommandSpec[] = [
  evalSpec("eval", false, false, "2.6.0"),
  evalSpec("evalsha", true, false, "2.6.0"),
  evalSpec("eval_ro", false, true, "7.0.0"),
  evalSpec("evalsha_ro", true, true, "7.0.0"),
  defineCommand({
    name: "script",
    arity: -2,
    flags: [],
    group: "scripting",
    since: "2.6.0",
    summary: "A container for the commands that manage the Lua script cache.",
    complexity: "Depends on the subcommand.",
    subcommands: [
      defineCommand({
        name: "load",
        arity: 3,
        flags: ["noscript", "stale"],
        acl: ["scripting"],
        group: "scripting",
        since: "2.6.0",
        summary: "Compiles a script and keeps it in the script cache, without running it.",
        complexity: "O(N) for a script of N bytes.",
        tips: ALL_NODES,
        args: [{ name: "script", type: "string" }],
        run(client, argv) {
          client.reply.bulk(scriptingEngine(client.server).loadScript(argv[2]));
        },
      }),
      defineCommand({
        name: "exists",
        arity: -3,
        flags: ["noscript"],
        acl: ["scripting"],
        group: "scripting",
        since: "2.6.0",
        summary: "Tells, for each SHA1, whether the script cache holds that script.",
        complexity: "O(N) for N SHA1s.",
        tips: ["request_policy:all_shards", "response_policy:agg_logical_and"],
        args: [{ name: "sha1", type: "string", multiple: true }],
        run(client, argv) {
          const scripts = scriptingEngine(client.server).scripts;
          client.reply.arrayHeader(argv.length - 2);
          for (let i = 2; i < argv.length; i++) {
            client.reply.integer(scripts.has(argv[i].toLowerCase()) ? 1 : 0);
          }
        },
      }),
      defineCommand({
        name: "flush",
        arity: -2,
        flags: ["noscript"],
        acl: ["scripting"],
        group: "scripting",
        since: "2.6.0",
        summary: "Empties the script cache.",
        complexity: "O(N) for N cached scripts.",
        history: [["6.2.0", "ASYNC and SYNC modes."]],
        tips: ALL_NODES,
        args: [{ ...FLUSH_MODE, since: "6.2.0" }],
        run(client, argv) {
          checkFlushMode(argv, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
          scriptingEngine(client.server).flushScripts();
          client.reply.ok();
        },
      }),
      defineCommand({
        name: "kill",
        arity: 2,
        flags: ["noscript", "allow_busy"],
        acl: ["scripting"],
        group: "scripting",
        since: "2.6.0",
        summary: "Stops the Lua script running now, if it has not written anything.",
        complexity: "O(1)",
        tips: ["request_policy:all_shards", "response_policy:one_succeeded"],
        run(client) {
          scriptingEngine(client.server).kill("script");
          client.reply.ok();
        },
      }),
      defineCommand({
        name: "debug",
        arity: 3,
        flags: ["noscript"],
        acl: ["scripting"],
        group: "scripting",
        since: "3.2.0",
        summary: "Sets the Lua debugger mode for later scripts (not supported by Redeno).",
        complexity: "O(1)",
        args: [{
          name: "mode",
          type: "oneof",
          args: [
            { name: "yes", type: "pure-token", token: "YES" },
            { name: "sync", type: "pure-token", token: "SYNC" },
            { name: "no", type: "pure-token", token: "NO" },
          ],
        }],
        run(client, argv) {
          const mode = argv[2].toLowerCase();
          if (mode === "no") client.reply.ok();
          else if (mode === "yes" || mode === "sync") {
            throw new ReplyError("ERR The Lua debugger is not supported by Redeno");
          } else throw new ReplyError("ERR Use SCRIPT DEBUG YES/SYNC/NO");
        },
      }),
      helpSubcommand("SCRIPT", SCRIPT_HELP, {
        acl: ["scripting"],
        group: "scripting",
        since: "5.0.0",
      }),
    ],
  }),
];
