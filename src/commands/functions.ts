/**
 * Redis 7 functions: FUNCTION (LOAD, DELETE, FLUSH, LIST, DUMP, RESTORE, STATS, KILL, HELP),
 * FCALL and FCALL_RO. Libraries are Lua code starting with `#!lua name=<library>` that call
 * `redis.register_function`; see src/scripting/engine.ts.
 *
 * FUNCTION DUMP writes Redis's payload format: per library the RDB function opcode (245) and
 * the code as an RDB string, then the RDB version (10) and a CRC64 (Jones) of it all, both
 * little-endian. RESTORE reads that format, LZF-compressed strings included.
 *
 * @example
 * ```ts
 * // FUNCTION LOAD "#!lua name=lib\nredis.register_function('hi', function() return 'hi' end)"
 * // FCALL hi 0   → "hi"
 * ```
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { type LuaLibrary, scriptingEngine } from "../scripting/engine.ts";
import { globMatch } from "../store/glob.ts";
import type { Client } from "./client.ts";
import { ReplyError } from "./errors.ts";
import {
  checkFlushMode,
  evalArgs,
  evalKeySpec,
  FLUSH_MODE,
  numkeysKeys,
  splitKeys,
} from "./scripting.ts";
import { type CommandSpec, defineCommand } from "./types.ts";
import { helpSubcommand } from "./connection.ts";

function fcall(client: Client, argv: Argv, readOnly: boolean): void {
  const engine = scriptingEngine(client.server);
  const { keys, args } = splitKeys(argv, "ERR Bad number of keys provided");
  const fn = engine.functions.get(argv[1]);
  if (fn === undefined) throw new ReplyError("ERR Function not found");
  if (readOnly && !fn.flags.includes("no-writes")) {
    throw new ReplyError("ERR Can not execute a script with write flag using *_ro command.");
  }
  engine.runFunction(client, fn, keys, args, argv);
}

function fcallSpec(name: string, readOnly: boolean): CommandSpec {
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
    keys: evalKeySpec(readOnly, true),
    getKeys: numkeysKeys,
    group: "scripting",
    since: "7.0.0",
    summary: readOnly ? "Calls a read-only library function." : "Calls a library function.",
    complexity: "Whatever the function does.",
    args: evalArgs("function"),
    run: (client, argv) => fcall(client, argv, readOnly),
  });
}

function list(client: Client, argv: Argv): void {
  let pattern: string | null = null;
  let withCode = false;
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i].toLowerCase();
    if (option === "withcode" && !withCode) withCode = true;
    else if (option === "libraryname" && pattern === null) {
      if (i + 1 >= argv.length) throw new ReplyError("ERR library name argument was not given");
      pattern = argv[++i];
    } else throw new ReplyError(`ERR Unknown argument ${argv[i]}`);
  }
  const reply = client.reply;
  const libraries = [...scriptingEngine(client.server).libraries.values()].filter((library) =>
    pattern === null || globMatch(pattern, library.name)
  );
  reply.arrayHeader(libraries.length);
  for (const library of libraries) {
    reply.mapHeader(withCode ? 4 : 3);
    reply.bulk("library_name");
    reply.bulk(library.name);
    reply.bulk("engine");
    reply.bulk("LUA");
    reply.bulk("functions");
    reply.arrayHeader(library.functions.size);
    for (const fn of library.functions.values()) {
      reply.mapHeader(3);
      reply.bulk("name");
      reply.bulk(fn.name);
      reply.bulk("description");
      reply.bulkOrNull(fn.description);
      reply.bulk("flags");
      reply.setHeader(fn.flags.length);
      for (const flag of fn.flags) reply.simple(flag);
    }
    if (withCode) {
      reply.bulk("library_code");
      reply.bulk(library.code);
    }
  }
}

function stats(client: Client): void {
  const engine = scriptingEngine(client.server);
  const reply = client.reply;
  const run = engine.current;
  reply.mapHeader(2);
  reply.bulk("running_script");
  if (run === null || run.kind !== "function") reply.nullBulk();
  else {
    reply.mapHeader(3);
    reply.bulk("name");
    reply.bulk(run.label);
    reply.bulk("command");
    reply.bulkArray(run.argv);
    reply.bulk("duration_ms");
    reply.integer(Math.floor(performance.now() - run.start));
  }
  reply.bulk("engines");
  reply.mapHeader(1);
  reply.bulk("LUA");
  reply.mapHeader(2);
  reply.bulk("libraries_count");
  reply.integer(engine.libraries.size);
  reply.bulk("functions_count");
  reply.integer(engine.functions.size);
}

// ------------------------------------------------------------------ DUMP / RESTORE

const RDB_OPCODE_FUNCTION2 = 245;
const RDB_VERSION = 10;
const BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong";

let crcTable: BigUint64Array | null = null;

/** CRC-64/Jones (reflected, polynomial 0xad93d23594c935a9), the checksum RDB payloads carry. */
export function crc64(data: Uint8Array): bigint {
  if (crcTable === null) {
    crcTable = new BigUint64Array(256);
    const poly = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 bit-reversed
    for (let n = 0; n < 256; n++) {
      let crc = BigInt(n);
      for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
      crcTable[n] = crc;
    }
  }
  let crc = 0n;
  for (const byte of data) crc = crcTable[Number((crc ^ BigInt(byte)) & 0xffn)] ^ (crc >> 8n);
  return crc;
}

function rdbLength(out: number[], length: number): void {
  if (length < 64) out.push(length);
  else if (length < 16384) out.push(0x40 | (length >> 8), length & 0xff);
  else {out.push(
      0x80,
      (length >>> 24) & 0xff,
      (length >> 16) & 0xff,
      (length >> 8) & 0xff,
      length & 0xff,
    );}
}

function dump(libraries: Iterable<LuaLibrary>): string {
  const out: number[] = [];
  for (const library of libraries) {
    out.push(RDB_OPCODE_FUNCTION2);
    rdbLength(out, library.code.length);
    for (let i = 0; i < library.code.length; i++) out.push(library.code.charCodeAt(i));
  }
  out.push(RDB_VERSION, 0);
  const crc = crc64(Uint8Array.from(out));
  for (let i = 0n; i < 8n; i++) out.push(Number((crc >> (i * 8n)) & 0xffn));
  let text = "";
  for (const byte of out) text += String.fromCharCode(byte);
  return text;
}

/** The library codes in a FUNCTION DUMP payload (latin1), or throws Redis's error. */
function parsePayload(payload: string): string[] {
  const data = Uint8Array.from(payload, (c) => c.charCodeAt(0));
  if (data.length < 10) throw new ReplyError(BAD_PAYLOAD);
  const footer = data.length - 10;
  const version = data[footer] | (data[footer + 1] << 8);
  let crc = 0n;
  for (let i = 7; i >= 0; i--) crc = (crc << 8n) | BigInt(data[footer + 2 + i]);
  if (version > RDB_VERSION || (crc !== 0n && crc !== crc64(data.subarray(0, footer + 2)))) {
    throw new ReplyError(BAD_PAYLOAD);
  }
  const codes: string[] = [];
  let pos = 0;
  const fail = () => {
    throw new ReplyError("ERR given type is not a function");
  };
  const readLength = (): { length: number; special: number } => {
    const first = data[pos++];
    const kind = first >> 6;
    if (kind === 0) return { length: first & 0x3f, special: -1 };
    if (kind === 1) return { length: ((first & 0x3f) << 8) | data[pos++], special: -1 };
    if (kind === 3) return { length: 0, special: first & 0x3f };
    if (first === 0x80) {
      const n = (data[pos] << 24 | data[pos + 1] << 16 | data[pos + 2] << 8 | data[pos + 3]) >>> 0;
      pos += 4;
      return { length: n, special: -1 };
    }
    fail();
    return { length: 0, special: -1 };
  };
  while (pos < footer) {
    if (data[pos++] !== RDB_OPCODE_FUNCTION2) fail();
    const { length, special } = readLength();
    let bytes: Uint8Array;
    if (special === 3) {
      const compressed = readLength().length;
      const plain = readLength().length;
      bytes = lzfDecompress(data.subarray(pos, pos + compressed), plain);
      pos += compressed;
    } else if (special >= 0) {
      fail();
      bytes = new Uint8Array();
    } else {
      bytes = data.subarray(pos, pos + length);
      pos += length;
    }
    let code = "";
    for (const byte of bytes) code += String.fromCharCode(byte);
    codes.push(code);
  }
  return codes;
}

function lzfDecompress(input: Uint8Array, outLength: number): Uint8Array {
  const out = new Uint8Array(outLength);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      for (let i = 0; i <= ctrl; i++) out[op++] = input[ip++];
    } else {
      let length = ctrl >> 5;
      if (length === 7) length += input[ip++];
      let ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++];
      for (let i = 0; i < length + 2; i++) out[op++] = out[ref++];
    }
  }
  return out;
}

function restore(client: Client, argv: Argv): void {
  const policy = argv.length > 3 ? argv[3].toLowerCase() : "append";
  if (argv.length > 4 || !["append", "replace", "flush"].includes(policy)) {
    throw new ReplyError(
      "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
    );
  }
  const codes = parsePayload(argv[2]);
  const engine = scriptingEngine(client.server);
  // Load into a scratch engine state first? The payload is applied library by library; on a
  // failure the libraries loaded so far from it are removed again, as Redis leaves no trace.
  const saved = [...engine.libraries.values()].map((library) => library.code);
  if (policy === "flush") engine.flushFunctions();
  const loaded: string[] = [];
  try {
    for (const code of codes) loaded.push(engine.loadLibrary(code, policy !== "append"));
  } catch (error) {
    for (const name of loaded) engine.deleteLibrary(name);
    if (policy === "flush") { for (const code of saved) engine.loadLibrary(code, true); }
    throw error;
  }
  client.reply.ok();
}

const FUNCTION_HELP = [
  "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "LOAD [REPLACE] <FUNCTION CODE>",
  "    Create a new library with the given library name and code.",
  "DELETE <LIBRARY NAME>",
  "    Delete the given library.",
  "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
  "    Return general information on all the libraries:",
  "    * Library name",
  "    * The engine used to run the Library",
  "    * Library description",
  "    * Functions list",
  "    * Library code (if WITHCODE is given)",
  "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
  "STATS",
  "    Return information about the current function running:",
  "    * Function name",
  "    * Command used to run the function",
  "    * Duration in MS that the function is running",
  "    If no function is running, return nil",
  "    In addition, returns a list of available engines.",
  "KILL",
  "    Kill the current running function.",
  "FLUSH [ASYNC|SYNC]",
  "    Delete all the libraries.",
  "    When called without the optional mode argument, the behavior is determined by the",
  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
  "    * ASYNC: Asynchronously flush the libraries.",
  "    * SYNC: Synchronously flush the libraries.",
  "DUMP",
  "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
  "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
  "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
  "    control how to handle existing libraries (default APPEND):",
  "    * FLUSH: delete all existing libraries.",
  "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
  "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
  "      libraries with the new libraries (notice that even on this option there is a chance of failure",
  "      in case of functions name collision with another library).",
  "HELP",
  "    Prints this help.",
];

const ALL_SHARDS = ["request_policy:all_shards", "response_policy:all_succeeded"];

function sub(spec: Omit<CommandSpec, "group" | "since" | "acl">): CommandSpec {
  return defineCommand({ ...spec, group: "scripting", since: "7.0.0", acl: ["scripting"] });
}

export const functionCommands: CommandSpec[] = [
  fcallSpec("fcall", false),
  fcallSpec("fcall_ro", true),
  defineCommand({
    name: "function",
    arity: -2,
    flags: [],
    group: "scripting",
    since: "7.0.0",
    summary: "A container for the commands that manage function libraries.",
    complexity: "Depends on the subcommand.",
    subcommands: [
      sub({
        name: "delete",
        arity: 3,
        flags: ["write", "noscript"],
        summary: "Removes a library and its functions.",
        complexity: "O(1)",
        tips: ALL_SHARDS,
        args: [{ name: "library-name", type: "string" }],
        run(client, argv) {
          if (!scriptingEngine(client.server).deleteLibrary(argv[2])) {
            throw new ReplyError("ERR Library not found");
          }
          client.reply.ok();
        },
      }),
      sub({
        name: "kill",
        arity: 2,
        flags: ["noscript", "allow_busy"],
        summary: "Stops the function running now, if it has not written anything.",
        complexity: "O(1)",
        tips: ["request_policy:all_shards", "response_policy:one_succeeded"],
        run(client) {
          scriptingEngine(client.server).kill("function");
          client.reply.ok();
        },
      }),
      sub({
        name: "restore",
        arity: -3,
        flags: ["write", "denyoom", "noscript"],
        summary: "Loads the libraries of a FUNCTION DUMP payload.",
        complexity: "O(N) for N functions in the payload.",
        tips: ALL_SHARDS,
        args: [
          { name: "serialized-value", type: "string" },
          {
            name: "policy",
            type: "oneof",
            optional: true,
            args: [
              { name: "flush", type: "pure-token", token: "FLUSH" },
              { name: "append", type: "pure-token", token: "APPEND" },
              { name: "replace", type: "pure-token", token: "REPLACE" },
            ],
          },
        ],
        run: restore,
      }),
      sub({
        name: "dump",
        arity: 2,
        flags: ["noscript"],
        summary: "Serializes every library into one binary payload.",
        complexity: "O(N) for N functions.",
        run(client) {
          client.reply.bulk(dump(scriptingEngine(client.server).libraries.values()));
        },
      }),
      helpSubcommand("FUNCTION", FUNCTION_HELP, {
        acl: ["scripting"],
        group: "scripting",
        since: "7.0.0",
      }),
      sub({
        name: "load",
        arity: -3,
        flags: ["write", "denyoom", "noscript"],
        summary: "Loads a library of functions.",
        complexity: "O(1), not counting the compilation.",
        tips: ALL_SHARDS,
        args: [
          { name: "replace", type: "pure-token", token: "REPLACE", optional: true },
          { name: "function-code", type: "string" },
        ],
        run(client, argv) {
          let replace = false;
          let i = 2;
          for (; i < argv.length - 1; i++) {
            if (argv[i].toLowerCase() === "replace") replace = true;
            else throw new ReplyError(`ERR Unknown option given: ${argv[i]}`);
          }
          if (i !== argv.length - 1) throw new ReplyError("ERR Function code was not given");
          client.reply.bulk(scriptingEngine(client.server).loadLibrary(argv[i], replace));
        },
      }),
      sub({
        name: "flush",
        arity: -2,
        flags: ["write", "noscript"],
        summary: "Removes every library.",
        complexity: "O(N) for N functions.",
        tips: ALL_SHARDS,
        args: [FLUSH_MODE],
        run(client, argv) {
          checkFlushMode(argv, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
          scriptingEngine(client.server).flushFunctions();
          client.reply.ok();
        },
      }),
      sub({
        name: "list",
        arity: -2,
        flags: ["noscript"],
        summary: "Describes the loaded libraries and their functions.",
        complexity: "O(N) for N functions.",
        tips: ["nondeterministic_output_order"],
        args: [
          { name: "library-name-pattern", type: "string", token: "LIBRARYNAME", optional: true },
          { name: "withcode", type: "pure-token", token: "WITHCODE", optional: true },
        ],
        run: list,
      }),
      sub({
        name: "stats",
        arity: 2,
        flags: ["noscript", "allow_busy"],
        summary: "Tells which function runs now, and how many libraries and functions exist.",
        complexity: "O(1)",
        tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
        run: stats,
      }),
    ],
  }),
];
