/**
 * The Lua engine behind EVAL and FCALL: one Lua state per server (as in Redis), the `redis`
 * API, globals protection, Lua 5.1 compatibility shims over fengari's Lua 5.3, compiled scripts
 * cached by SHA1, and a runner that lets a long script yield to the event loop so other clients
 * get BUSY replies and SCRIPT KILL / FUNCTION KILL can stop it.
 *
 * A script runs in a Lua coroutine with a count hook. Past `busy-reply-threshold` the hook
 * marks the server busy (`CommandTable.busyScript`) and yields every few milliseconds; the
 * caller's connection parks like a blocked client until the script ends.
 *
 * @example
 * ```ts
 * const engine = scriptingEngine(client.server);
 * const sha = engine.loadScript("return redis.call('incr', KEYS[1])"); // or throws ReplyError
 * engine.runScript(client, sha, ["counter"], [], { readOnly: false });
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Argv } from "../resp/decoder.ts";
import { formatDouble } from "../resp/number_format.ts";
import { Client } from "../commands/client.ts";
import { ReplyError } from "../commands/errors.ts";
import type { RegisteredCommand } from "../commands/registry.ts";
import type { ServerContext } from "../commands/server_context.ts";
import type { BlockRequest } from "../commands/blocking.ts";
import { pushReply, writeLuaReply } from "./convert.ts";
import {
  bytes,
  latin1,
  lauxlib,
  lua,
  type LuaCFunction,
  type LuaState,
  name,
  openStandardLibraries,
  useLua51NumberFormat,
} from "./fengari.ts";
import { format14g, openRedisLibraries } from "./libs.ts";

useLua51NumberFormat(format14g);

/** SHA1 of a latin1 string, as 40 lower-case hex digits. */
export function sha1hex(text: string): string {
  return createHash("sha1").update(Buffer.from(text, "latin1")).digest("hex");
}

export type RunKind = "script" | "function";

/** Function flags a library may declare (and an EVAL shebang, as `flags=`). */
export const FUNCTION_FLAGS = [
  "no-writes",
  "allow-oom",
  "allow-stale",
  "no-cluster",
  "allow-cross-slot-keys",
] as const;

/** One running script or function. */
export interface ScriptRun {
  readonly caller: Client;
  readonly kind: RunKind;
  /** The SHA1 (scripts) or the function's name, for error texts and FUNCTION STATS. */
  readonly label: string;
  readonly argv: Argv;
  readonly readOnly: boolean;
  readonly start: number;
  /** Protocol chosen with redis.setresp. */
  resp: 2 | 3;
  /** The db redis.call works on (SELECT inside a script changes it for the script only). */
  db: Client["db"];
  /** A write command ran: SCRIPT KILL answers UNKILLABLE. */
  wrote: boolean;
  killed: boolean;
  /** Past the busy threshold: other clients get BUSY. */
  busy: boolean;
  lastYield: number;
  /** Settles the caller's parked state once the script ends after having yielded. */
  unpark: (() => void) | null;
}

/** What redis.call answers when the caller's user may not run a command (Redis's texts). */
const SCRIPT_ACL_ERRORS = {
  command: "ERR The user executing the script can't run this command or subcommand",
  key:
    "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments",
  channel:
    "ERR The user executing the script can't publish to the channel mentioned in the command",
} as const;

/** A library loaded with FUNCTION LOAD. */
export interface LuaLibrary {
  readonly name: string;
  readonly code: string;
  readonly functions: Map<string, LuaFunction>;
}

export interface LuaFunction {
  readonly name: string;
  readonly library: LuaLibrary;
  /** Registry reference of the Lua callback. */
  readonly ref: number;
  readonly description: string | null;
  readonly flags: string[];
}

const KILLED = "ERR Script killed by user with SCRIPT KILL...";
const FUNCTION_KILLED = "ERR Script killed by user with FUNCTION KILL...";
const BUSY_SCRIPT =
  "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const BUSY_FUNCTION =
  "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
/** Instructions between two looks at the clock. */
const HOOK_EVERY = 10_000;
/** While busy, how often (ms) the script yields to let other clients be answered. */
const YIELD_EVERY_MS = 10;
const NAME_PATTERN = /^[A-Za-z0-9_]+$/;
const NEVER_READY: BlockRequest = {
  keys: [],
  deadline: Infinity,
  tryServe: () => false,
  onTimeout: () => {},
};

const engines = new WeakMap<ServerContext, ScriptingEngine>();

/** The server's scripting engine, created at first use. */
export function scriptingEngine(server: ServerContext): ScriptingEngine {
  let engine = engines.get(server);
  if (engine === undefined) engines.set(server, engine = new ScriptingEngine(server));
  return engine;
}

export class ScriptingEngine {
  readonly #server: ServerContext;
  #L!: LuaState;
  /** Registry refs: the protected globals proxy, the coroutine runner, the error handler. */
  #env = 0;
  #runner = 0;
  #handler = 0;
  #thread: LuaState | null = null;
  #threadKilled = false;
  #threadRef = 0;
  /** Compiled EVAL scripts by SHA1: registry refs of their functions, and their bodies. */
  readonly scripts = new Map<string, { ref: number; body: string; flags: string[] }>();
  readonly libraries = new Map<string, LuaLibrary>();
  readonly functions = new Map<string, LuaFunction>();
  /** The script running now (also while it is parked between yields). */
  current: ScriptRun | null = null;
  /** Functions collected by redis.register_function during FUNCTION LOAD. */
  #registering: Map<string, Omit<LuaFunction, "library">> | null = null;
  /** The client redis.call runs commands as. */
  readonly #scriptClient: Client;

  constructor(server: ServerContext) {
    this.#server = server;
    // Its address is what MONITOR shows for commands a script runs: `[0 lua] "get" "k"`.
    this.#scriptClient = new Client({ id: 0, server, addr: "lua" });
    this.#scriptClient.inExec = true; // blocking commands answer at once inside scripts
    this.#createState();
  }

  // ------------------------------------------------------------------ state

  #createState(): void {
    const L: LuaState = lauxlib.luaL_newstate();
    this.#L = L;
    openStandardLibraries(L);
    openRedisLibraries(L);
    this.#installCompat(L);
    lua.lua_createtable(L, 0, 24);
    this.#installRedisApi(L, false);
    lua.lua_setglobal(L, name("redis"));
    this.#installProtection(L);
    this.#handler = this.#ref((L) => lua.lua_pushcfunction(L, (L: LuaState) => this.#onError(L)));
    if (lauxlib.luaL_loadbuffer(L, bytes(RUNNER), null, bytes("=runner")) !== 0) {
      throw new Error(latin1(lua.lua_tolstring(L, -1)));
    }
    lua.lua_call(L, 0, 1);
    this.#runner = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.#thread = null;
  }

  #ref(push: (L: LuaState) => void): number {
    push(this.#L);
    return lauxlib.luaL_ref(this.#L, lua.LUA_REGISTRYINDEX);
  }

  /** What differs between Lua 5.1 (Redis) and 5.3 (fengari) in ways scripts can see. */
  #installCompat(L: LuaState): void {
    const run = (code: string) => {
      if (lauxlib.luaL_loadbuffer(L, bytes(code), null, bytes("=compat")) !== 0) {
        throw new Error(latin1(lua.lua_tolstring(L, -1)));
      }
      lua.lua_call(L, 0, 0);
    };
    // string.format: integer conversions of non-integral numbers truncate, as in 5.1.
    lua.lua_getglobal(L, name("string"));
    lua.lua_getfield(L, -1, name("format"));
    lua.lua_pushcclosure(L, (L: LuaState) => formatCompat(L), 1);
    lua.lua_setfield(L, -2, name("format"));
    lua.lua_pop(L, 1);
    // tostring(number) goes through a path the patched converter does not reach.
    lua.lua_getglobal(L, name("tostring"));
    lua.lua_pushcclosure(L, (L: LuaState) => {
      if (lua.lua_type(L, 1) === lua.LUA_TNUMBER) {
        lua.lua_pushstring(L, bytes(format14g(lua.lua_tonumber(L, 1))));
        return 1;
      }
      lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
      lua.lua_insert(L, 1);
      lua.lua_call(L, lua.lua_gettop(L) - 1, 1);
      return 1;
    }, 1);
    lua.lua_setglobal(L, name("tostring"));
    // load / loadstring compile text only (no binary chunks), as Redis allows.
    const load = (L: LuaState) => {
      const code = lauxlib.luaL_checklstring(L, 1);
      const chunkname = lua.lua_isnoneornil(L, 2) ? code : lauxlib.luaL_checklstring(L, 2);
      if (lauxlib.luaL_loadbufferx(L, code, null, chunkname, bytes("t")) !== 0) {
        lua.lua_pushnil(L);
        lua.lua_insert(L, -2);
        return 2;
      }
      if (this.#env !== 0) this.#setEnv(L, -1, this.#env); // scripts' globals stay protected
      return 1;
    };
    lua.lua_pushcfunction(L, load);
    lua.lua_setglobal(L, name("load"));
    lua.lua_pushcfunction(L, load);
    lua.lua_setglobal(L, name("loadstring"));
    run(COMPAT_LUA);
  }

  /** The globals table becomes read-only and strict; scripts see it through a proxy. */
  #installProtection(L: LuaState): void {
    // The real globals get a strict __index: reading a missing global raises Redis's error.
    lua.lua_pushglobaltable(L);
    pushStrictMetatable(L);
    lua.lua_setmetatable(L, -2);
    lua.lua_pop(L, 1);
    this.#env = this.#ref((L) => pushProtectedProxy(L, () => lua.lua_pushglobaltable(L)));
    // _G seen by scripts is the proxy too.
    lua.lua_pushglobaltable(L);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.#env);
    lua.lua_setfield(L, -2, name("_G"));
    lua.lua_pop(L, 1);
  }

  /** Fills the table at the top of the stack with the redis.* API (the load-time subset). */
  #installRedisApi(L: LuaState, loading: boolean): void {
    const set = (key: string, fn: LuaCFunction) => {
      lua.lua_pushcfunction(L, fn);
      lua.lua_setfield(L, -2, name(key));
    };
    const setValue = (key: string, value: number | string) => {
      if (typeof value === "number") lua.lua_pushinteger(L, value);
      else lua.lua_pushstring(L, bytes(value));
      lua.lua_setfield(L, -2, name(key));
    };
    for (
      const [key, value] of [
        ["LOG_DEBUG", 0],
        ["LOG_VERBOSE", 1],
        ["LOG_NOTICE", 2],
        ["LOG_WARNING", 3],
        ["REDIS_VERSION", "7.0.15"],
        ["REDIS_VERSION_NUM", 0x07000f],
      ] as const
    ) setValue(key, value);
    set("log", (L) => this.#log(L));
    if (loading) {
      set("register_function", (L) => this.#registerFunction(L));
      return;
    }
    for (
      const [key, value] of [["REPL_NONE", 0], ["REPL_AOF", 1], ["REPL_SLAVE", 2], [
        "REPL_REPLICA",
        2,
      ], ["REPL_ALL", 3]] as const
    ) setValue(key, value);
    set("call", (L) => this.#call(L, true));
    set("pcall", (L) => this.#call(L, false));
    set("sha1hex", (L) => {
      if (lua.lua_gettop(L) !== 1) return raiseErr(L, "ERR wrong number of arguments");
      const text = lua.lua_tolstring(L, 1);
      lua.lua_pushstring(L, bytes(sha1hex(text === null ? "" : latin1(text))));
      return 1;
    });
    const replyTable = (field: string) => (L: LuaState) => {
      if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, 1) !== lua.LUA_TSTRING) {
        return raiseErr(L, "ERR wrong number or type of arguments");
      }
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushvalue(L, 1);
      lua.lua_setfield(L, -2, name(field));
      return 1;
    };
    set("error_reply", replyTable("err"));
    set("status_reply", replyTable("ok"));
    set("setresp", (L) => {
      if (lua.lua_gettop(L) !== 1) return raiseErr(L, "ERR redis.setresp() requires one argument.");
      const resp = lauxlib.luaL_checkinteger(L, 1);
      if (resp !== 2 && resp !== 3) return raiseErr(L, "ERR RESP version must be 2 or 3.");
      if (this.current !== null) this.current.resp = resp;
      return 0;
    });
    set("set_repl", (L) => {
      if (lua.lua_gettop(L) !== 1) {
        return raiseErr(L, "ERR redis.set_repl() requires one argument.");
      }
      const flags = lauxlib.luaL_checkinteger(L, 1);
      if (flags < 0 || flags > 3) {
        return raiseErr(
          L,
          "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
        );
      }
      return 0;
    });
    set("replicate_commands", (L) => (lua.lua_pushboolean(L, true), 1));
    set("breakpoint", (L) => (lua.lua_pushboolean(L, false), 1));
    set("debug", () => 0);
    set("acl_check_cmd", (L) => {
      if (lua.lua_gettop(L) < 1) {
        return raiseErr(L, "ERR Please specify at least one argument for this redis lib call");
      }
      const command = this.#server.commands.lookup(
        latin1(lua.lua_tolstring(L, 1) ?? new Uint8Array()),
      );
      if (command === undefined) {
        return raiseErr(L, "ERR Invalid command passed to redis.acl_check_cmd()");
      }
      lua.lua_pushboolean(L, true); // no ACL users yet: the default user may run everything
      return 1;
    });
  }

  #log(L: LuaState): number {
    const n = lua.lua_gettop(L);
    if (n < 2) return raiseErr(L, "ERR redis.log() requires two arguments or more.");
    if (!lua.lua_isnumber(L, 1)) {
      return raiseErr(L, "ERR First argument must be a number (log level).");
    }
    const level = lua.lua_tointeger(L, 1);
    if (level < 0 || level > 3) return raiseErr(L, "ERR Invalid debug level.");
    const parts: string[] = [];
    for (let i = 2; i <= n; i++) {
      const text = lua.lua_tolstring(L, i);
      if (text !== null) parts.push(latin1(text));
    }
    const logger = (this.#server as { logger?: { warning?: (m: string) => void } }).logger;
    if (level === 3) logger?.warning?.(parts.join(" "));
    return 0;
  }

  // ------------------------------------------------------------------ redis.call

  #call(L: LuaState, raise: boolean): number {
    const run = this.current;
    const fail = (message: string) => {
      if (raise) return raiseErr(L, message);
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, bytes(message));
      lua.lua_setfield(L, -2, name("err"));
      return 1;
    };
    const n = lua.lua_gettop(L);
    if (n === 0) return fail("ERR Please specify at least one argument for this redis lib call");
    const argv: Argv = new Array(n);
    for (let i = 1; i <= n; i++) {
      const type = lua.lua_type(L, i);
      if (type === lua.LUA_TSTRING) argv[i - 1] = latin1(lua.lua_tolstring(L, i));
      else if (type === lua.LUA_TNUMBER) {
        argv[i - 1] = lua.lua_isinteger(L, i)
          ? String(lua.lua_tointeger(L, i))
          : formatDouble(lua.lua_tonumber(L, i));
      } else return fail("ERR Lua redis lib command arguments must be strings or integers");
    }
    if (run === null) return fail("ERR redis.call is only allowed inside a script");
    const commands = this.#server.commands;
    const command = commands.lookup(argv[0]);
    if (command === undefined) return fail("ERR Unknown Redis command called from script");
    const resolved = commands.resolve(argv);
    if (typeof resolved === "string") {
      return fail(
        resolved.startsWith("ERR wrong number")
          ? "ERR Wrong number of args calling Redis command from script"
          : "ERR Unknown Redis command called from script",
      );
    }
    const flags = resolved.spec.flags;
    if (flags.includes("noscript")) {
      return fail("ERR This Redis command is not allowed from script");
    }
    // The caller's ACL permissions hold inside the script too, checked per call as Redis does.
    const user = run.caller.user;
    if (!user.unrestricted) {
      const denial = user.check(resolved, argv);
      if (denial !== null) {
        this.#server.acl.record(run.caller, denial.reason, denial.object, user.name, "lua");
        return fail(SCRIPT_ACL_ERRORS[denial.reason]);
      }
    }
    if (flags.includes("write")) {
      if (run.readOnly) return fail("ERR Write commands are not allowed from read-only scripts.");
      run.wrote = true;
    }
    return this.#runCommand(L, run, resolved, argv, raise);
  }

  #runCommand(
    L: LuaState,
    run: ScriptRun,
    command: RegisteredCommand,
    argv: Argv,
    raise: boolean,
  ): number {
    const client = this.#scriptClient;
    client.db = run.db;
    client.resp = run.resp;
    const reply = client.reply;
    const mark = reply.length;
    this.#server.commands.run(client, command, argv);
    run.db = client.db;
    const data = reply.take();
    reply.release();
    if (data[mark] === 45 && raise) {
      // An error reply: redis.call raises it (as a table, so no position is prepended).
      let end = mark + 1;
      while (data[end] !== 13) end++;
      return raiseErr(L, latin1(data.subarray(mark + 1, end)));
    }
    pushReply(L, data, mark);
    return 1;
  }

  // ------------------------------------------------------------------ errors

  /** The message handler of every script call: Redis's error text with its position. */
  #onError(L: LuaState): number {
    let message: string;
    if (lua.lua_type(L, 1) === lua.LUA_TTABLE) {
      lua.lua_getfield(L, 1, name("err"));
      message = lua.lua_type(L, -1) === lua.LUA_TSTRING
        ? latin1(lua.lua_tolstring(L, -1))
        : "ERR " + latin1(lauxlib.luaL_tolstring(L, 1));
    } else if (lua.lua_isstring(L, 1)) {
      message = "ERR " + runtimeError(latin1(lua.lua_tolstring(L, 1)));
    } else {
      message = "ERR " + latin1(lauxlib.luaL_tolstring(L, 1));
    }
    const where = luaPosition(L);
    const run = this.current;
    if (run !== null) {
      message += ` script: ${run.label}`;
      if (where !== null) message += `, on ${where}.`;
    }
    lua.lua_settop(L, 0);
    lua.lua_pushstring(L, bytes(message));
    return 1;
  }

  // ------------------------------------------------------------------ compiling

  /** Compiles a script body and caches it; returns its SHA1. Throws Redis's compile error. */
  loadScript(body: string): string {
    const sha = sha1hex(body);
    if (this.scripts.has(sha)) return sha;
    const { code, flags } = parseScriptShebang(body);
    const L = this.#L;
    if (lauxlib.luaL_loadbuffer(L, bytes(code), null, bytes("@user_script")) !== 0) {
      const message = compileError(latin1(lua.lua_tolstring(L, -1)));
      lua.lua_pop(L, 1);
      throw new ReplyError(`ERR Error compiling script (new function): ${message}`);
    }
    this.#setEnv(L, -1, this.#env);
    this.scripts.set(sha, { ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX), body, flags });
    return sha;
  }

  #setEnv(L: LuaState, fnIndex: number, envRef: number): void {
    const index = lua.lua_absindex(L, fnIndex);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, envRef);
    lua.lua_setupvalue(L, index, 1);
  }

  /** SCRIPT FLUSH: forgets every cached script. */
  flushScripts(): void {
    for (const { ref } of this.scripts.values()) {
      lauxlib.luaL_unref(this.#L, lua.LUA_REGISTRYINDEX, ref);
    }
    this.scripts.clear();
  }

  // ------------------------------------------------------------------ functions

  /**
   * FUNCTION LOAD: compiles and runs a library's code, collecting its functions. Returns the
   * library name. With `replace`, an existing library of that name is replaced.
   */
  loadLibrary(code: string, replace: boolean): string {
    const { engine, libraryName, body } = parseLibraryShebang(code);
    if (engine.toLowerCase() !== "lua") throw new ReplyError(`ERR Engine '${engine}' not found`);
    const existing = this.libraries.get(libraryName);
    if (existing !== undefined && !replace) {
      throw new ReplyError(`ERR Library '${libraryName}' already exists`);
    }
    const L = this.#L;
    if (lauxlib.luaL_loadbuffer(L, bytes(body), null, bytes("@user_function")) !== 0) {
      const message = compileError(latin1(lua.lua_tolstring(L, -1)));
      lua.lua_pop(L, 1);
      throw new ReplyError(`ERR Error compiling function: ${message}`);
    }
    const chunk = lua.lua_gettop(L);
    // While loading, the code sees only redis.register_function, redis.log and constants.
    pushProtectedProxy(L, () => {
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, 8);
      this.#installRedisApi(L, true);
      pushStrictMetatable(L);
      lua.lua_setmetatable(L, -2);
      lua.lua_setfield(L, -2, name("redis"));
      pushStrictMetatable(L);
      lua.lua_setmetatable(L, -2);
    });
    lua.lua_setupvalue(L, chunk, 1);
    this.#registering = new Map();
    lua.lua_pushcfunction(L, (L: LuaState) => loadErrorHandler(L));
    lua.lua_pushvalue(L, chunk);
    const status = lua.lua_pcall(L, 0, 0, -2);
    const registered = this.#registering;
    this.#registering = null;
    const release = () => {
      for (const fn of registered.values()) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, fn.ref);
    };
    if (status !== 0) {
      const message = latin1(lua.lua_tolstring(L, -1));
      lua.lua_settop(L, chunk - 1);
      release();
      throw new ReplyError(`ERR Error registering functions: ${message}`);
    }
    // From now on the callbacks see the full (protected) globals: they share the chunk's _ENV.
    this.#setEnv(L, chunk, this.#env);
    lua.lua_settop(L, chunk - 1);
    if (registered.size === 0) {
      release();
      throw new ReplyError("ERR No functions registered");
    }
    for (const fnName of registered.keys()) {
      const other = this.functions.get(fnName);
      if (other !== undefined && other.library.name !== libraryName) {
        release();
        throw new ReplyError(`ERR Function ${fnName} already exists`);
      }
    }
    if (existing !== undefined) this.deleteLibrary(libraryName);
    const library: LuaLibrary = { name: libraryName, code, functions: new Map() };
    for (const [fnName, fn] of registered) {
      const full: LuaFunction = { ...fn, library };
      library.functions.set(fnName, full);
      this.functions.set(fnName, full);
    }
    this.libraries.set(libraryName, library);
    return libraryName;
  }

  deleteLibrary(libraryName: string): boolean {
    const library = this.libraries.get(libraryName);
    if (library === undefined) return false;
    for (const fn of library.functions.values()) {
      this.functions.delete(fn.name);
      lauxlib.luaL_unref(this.#L, lua.LUA_REGISTRYINDEX, fn.ref);
    }
    this.libraries.delete(libraryName);
    return true;
  }

  flushFunctions(): void {
    for (const libraryName of [...this.libraries.keys()]) this.deleteLibrary(libraryName);
  }

  #registerFunction(L: LuaState): number {
    const registering = this.#registering;
    if (registering === null) {
      return raiseErr(L, "ERR redis.register_function can only be called on FUNCTION LOAD command");
    }
    const n = lua.lua_gettop(L);
    let fnName: string | null = null;
    let description: string | null = null;
    let flags: string[] = [];
    if (n === 1 && lua.lua_type(L, 1) === lua.LUA_TTABLE) {
      let callback = false;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, 1) !== 0) {
        const key = lua.lua_type(L, -2) === lua.LUA_TSTRING ? latin1(lua.lua_tolstring(L, -2)) : "";
        if (key === "function_name") {
          if (lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
            return raiseErr(
              L,
              "ERR function_name argument given to redis.register_function must be a string",
            );
          }
          fnName = latin1(lua.lua_tolstring(L, -1));
        } else if (key === "description") {
          if (lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
            return raiseErr(
              L,
              "ERR description argument given to redis.register_function must be a string",
            );
          }
          description = latin1(lua.lua_tolstring(L, -1));
        } else if (key === "callback") {
          if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) {
            return raiseErr(
              L,
              "ERR callback argument given to redis.register_function must be a function",
            );
          }
          callback = true;
        } else if (key === "flags") {
          if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
            return raiseErr(
              L,
              "ERR flags argument to redis.register_function must be a table representing function flags",
            );
          }
          flags = [];
          for (let i = 1; lua.lua_rawgeti(L, -1, i) !== lua.LUA_TNIL; i++) {
            const flag = lua.lua_type(L, -1) === lua.LUA_TSTRING
              ? latin1(lua.lua_tolstring(L, -1))
              : "";
            lua.lua_pop(L, 1);
            if (!(FUNCTION_FLAGS as readonly string[]).includes(flag)) {
              return raiseErr(L, "ERR unknown flag given");
            }
            flags.push(flag);
          }
          lua.lua_pop(L, 1);
        } else {
          return raiseErr(L, "ERR unknown argument given to redis.register_function");
        }
        lua.lua_pop(L, 1);
      }
      if (fnName === null) {
        return raiseErr(L, "ERR redis.register_function must get a function name argument");
      }
      if (!callback) return raiseErr(L, "ERR redis.register_function must get a callback argument");
      lua.lua_getfield(L, 1, name("callback"));
    } else if (n === 2) {
      if (lua.lua_type(L, 1) !== lua.LUA_TSTRING) {
        return raiseErr(L, "ERR first argument to redis.register_function must be a string");
      }
      if (lua.lua_type(L, 2) !== lua.LUA_TFUNCTION) {
        return raiseErr(L, "ERR second argument to redis.register_function must be a function");
      }
      fnName = latin1(lua.lua_tolstring(L, 1));
      lua.lua_pushvalue(L, 2);
    } else {
      return raiseErr(L, "ERR wrong number of arguments to redis.register_function");
    }
    if (!NAME_PATTERN.test(fnName)) {
      lua.lua_pop(L, 1);
      return raiseErr(
        L,
        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
      );
    }
    if (registering.has(fnName)) {
      lua.lua_pop(L, 1);
      return raiseErr(L, `ERR Function already exists in the library`);
    }
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    // Flags are listed in Redis's order whatever order they were given in.
    flags = FUNCTION_FLAGS.filter((flag) => flags.includes(flag));
    registering.set(fnName, { name: fnName, ref, description, flags });
    return 0;
  }

  // ------------------------------------------------------------------ running

  /** Runs a cached script (EVAL, EVALSHA): KEYS and ARGV are globals. */
  runScript(
    caller: Client,
    sha: string,
    keys: Argv,
    args: Argv,
    argv: Argv,
    readOnly: boolean,
  ): void {
    const script = this.scripts.get(sha)!;
    const run = this.#newRun(
      caller,
      "script",
      sha,
      argv,
      readOnly || script.flags.includes("no-writes"),
    );
    this.#start(run, (L) => {
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, script.ref);
      lua.lua_pushglobaltable(L);
      pushStrings(L, keys);
      lua.lua_setfield(L, -2, name("KEYS"));
      pushStrings(L, args);
      lua.lua_setfield(L, -2, name("ARGV"));
      lua.lua_pop(L, 1);
      return 0;
    });
  }

  /** Runs a library function (FCALL): keys and args are its two arguments. */
  runFunction(caller: Client, fn: LuaFunction, keys: Argv, args: Argv, argv: Argv): void {
    const run = this.#newRun(caller, "function", fn.name, argv, fn.flags.includes("no-writes"));
    this.#start(run, (L) => {
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, fn.ref);
      pushStrings(L, keys);
      pushStrings(L, args);
      return 2;
    });
  }

  #newRun(caller: Client, kind: RunKind, label: string, argv: Argv, readOnly: boolean): ScriptRun {
    const now = performance.now();
    return {
      caller,
      kind,
      label,
      argv,
      readOnly,
      start: now,
      resp: 2,
      db: caller.db,
      wrote: false,
      killed: false,
      busy: false,
      lastYield: now,
      unpark: null,
    };
  }

  #start(run: ScriptRun, pushCall: (L: LuaState) => number): void {
    const L = this.#L;
    // A thread whose hook raised (a killed script) may not run hooks again: start afresh.
    if (
      this.#thread === null || lua.lua_status(this.#thread) !== lua.LUA_OK || this.#threadKilled
    ) {
      this.#threadKilled = false;
      if (this.#threadRef !== 0) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, this.#threadRef);
      const thread: LuaState = lua.lua_newthread(L);
      this.#threadRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
      lua.lua_sethook(thread, (T: LuaState) => this.#hook(T), lua.LUA_MASKCOUNT, HOOK_EVERY);
      this.#thread = thread;
    }
    const T = this.#thread;
    lua.lua_settop(T, 0);
    lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, this.#runner);
    lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, this.#handler);
    const nargs = pushCall(T);
    this.current = run;
    this.#resume(run, T, nargs + 2);
  }

  #resume(run: ScriptRun, T: LuaState, nargs: number): void {
    const status = lua.lua_resume(T, null, nargs);
    if (status === lua.LUA_YIELD) {
      if (run.unpark === null) this.#park(run);
      setTimeout(() => this.#resume(run, T, 0), 0);
      return;
    }
    this.current = null;
    if (run.busy) this.#server.commands.busyScript = null;
    const reply = run.caller.reply;
    if (status !== lua.LUA_OK) {
      reply.error(`ERR ${latin1(lua.lua_tolstring(T, -1) ?? bytes("error running script"))}`);
    } else if (lua.lua_toboolean(T, 1)) {
      lua.lua_settop(T, 2);
      writeLuaReply(T, reply, run.resp);
    } else {
      reply.error(latin1(lua.lua_tolstring(T, 2)));
    }
    lua.lua_settop(T, 0);
    if (run.unpark !== null) {
      run.caller.blocked = null;
      run.unpark();
      run.caller.wake();
    }
  }

  /** The caller's connection waits for the script as for a blocking command. */
  #park(run: ScriptRun): void {
    let unpark = () => {};
    const done = new Promise<void>((resolve) => unpark = resolve);
    run.unpark = unpark;
    run.caller.blocked = { request: NEVER_READY, db: run.caller.db, done };
  }

  #hook(T: LuaState): void {
    const run = this.current;
    if (run === null) return;
    if (run.killed) {
      this.#threadKilled = true;
      raiseErr(T, run.kind === "script" ? KILLED : FUNCTION_KILLED);
      return;
    }
    const now = performance.now();
    const threshold = this.#server.config.getNumber("busy-reply-threshold");
    if (threshold <= 0 || now - run.start < threshold) return;
    if (!run.busy) {
      run.busy = true;
      this.#server.commands.busyScript = {
        client: run.caller,
        error: run.kind === "script" ? BUSY_SCRIPT : BUSY_FUNCTION,
      };
    }
    // Inside EXEC (or a nested call) the caller cannot park: the script just runs on.
    if (run.caller.inExec || !lua.lua_isyieldable(T)) return;
    if (now - run.lastYield >= YIELD_EVERY_MS) {
      run.lastYield = now;
      lua.lua_yield(T, 0);
    }
  }

  /** SCRIPT KILL / FUNCTION KILL. */
  kill(kind: RunKind): void {
    const run = this.current;
    if (run === null || !run.busy || run.kind !== kind) {
      throw new ReplyError("NOTBUSY No scripts in execution right now.");
    }
    if (run.wrote) {
      throw new ReplyError(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
      );
    }
    run.killed = true;
  }
}

/** Runs the script (in a coroutine) under the error handler. */
const RUNNER = `local xpcall = xpcall
return function(handler, f, ...) return xpcall(f, handler, ...) end`;

/** Lua 5.1 names Redis scripts expect, defined over 5.3's library. */
const COMPAT_LUA = `
local table, string, math, load, type, error = table, string, math, load, type, error
unpack = table.unpack
-- fengari leaves memory to the JavaScript collector: there is nothing to count or collect.
collectgarbage = function(opt) if opt == "count" then return 0, 0 end return 0 end
gcinfo = function() return 0 end
_VERSION = "Lua 5.1"
table.getn = function(t) return #t end
table.setn = function() error("'setn' is obsolete", 2) end
table.maxn = function(t)
  local max = 0
  for k in pairs(t) do if type(k) == "number" and k > max then max = k end end
  return max
end
table.foreach = function(t, f)
  for k, v in pairs(t) do local r = f(k, v) if r ~= nil then return r end end
end
table.foreachi = function(t, f)
  for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end
end
table.pack, table.unpack, table.move = nil, nil, nil
string.gfind = string.gmatch
string.pack, string.packsize, string.unpack = nil, nil, nil
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
local atan = math.atan
math.atan2 = function(y, x) return atan(y, x) end
math.log10 = function(x) return math.log(x, 10) end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 then return 0, 0 end
  local e = math.floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m, e = m / 2, e + 1 end
  return m, e
end
math.maxinteger, math.mininteger, math.tointeger, math.type, math.ult = nil, nil, nil, nil, nil
-- pcall returns the text of a {err=...} error, as Redis's does.
local rawpcall, select = pcall, select
local function fixpcall(ok, ...)
  if not ok then
    local e = ...
    if type(e) == "table" and type(e.err) == "string" then return false, e.err end
  end
  return ok, ...
end
pcall = function(...) return fixpcall(rawpcall(...)) end
dofile, loadfile, print, rawlen, require, debug = nil, nil, nil, nil, nil, nil
`;

/** string.format with Lua 5.1's truncation of non-integral numbers for %d, %x, %c... */
function formatCompat(L: LuaState): number {
  const format = lua.lua_tolstring(L, 1);
  if (format !== null) {
    let arg = 1;
    for (let i = 0; i < format.length; i++) {
      if (format[i] !== 37) continue; // '%'
      i++;
      if (format[i] === 37) continue;
      arg++;
      while (i < format.length && "-+ #0123456789.".includes(String.fromCharCode(format[i]))) i++;
      const conversion = String.fromCharCode(format[i]);
      if (
        "dicouxX".includes(conversion) && lua.lua_type(L, arg) === lua.LUA_TNUMBER &&
        !lua.lua_isinteger(L, arg)
      ) {
        const n = lua.lua_tonumber(L, arg);
        if (Number.isFinite(n)) {
          lua.lua_pushinteger(L, Math.trunc(n));
          lua.lua_replace(L, arg);
        }
      }
    }
  }
  const n = lua.lua_gettop(L);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_call(L, n, 1);
  return 1;
}

/** Lua 5.3's syntax errors in 5.1's words where they differ (5.1 quotes '<eof>'). */
function compileError(message: string): string {
  return message.replace(" near <eof>", " near '<eof>'");
}

/** Lua 5.3's runtime error wording in 5.1's order: "attempt to index local 'a' (a nil value)". */
function runtimeError(message: string): string {
  return message.replace(
    /attempt to ([a-z ]+?) an? (\w+) value \((\w+) '([^']*)'\)/,
    "attempt to $1 $3 '$4' (a $2 value)",
  );
}

/** Raises `{err = message}`: a Redis error reply, used as is (no position prepended). */
function raiseErr(L: LuaState, message: string): number {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, bytes(message));
  lua.lua_setfield(L, -2, name("err"));
  return lua.lua_error(L);
}

/** Raises a string error with the calling script's position, like luaL_error. */
function raiseWithWhere(L: LuaState, message: string): number {
  lauxlib.luaL_where(L, 1);
  lua.lua_pushstring(L, bytes(message));
  lua.lua_concat(L, 2);
  return lua.lua_error(L);
}

/** The error handler while FUNCTION LOAD runs a library: `ERR` + the message, no suffix. */
function loadErrorHandler(L: LuaState): number {
  let message: string;
  if (lua.lua_type(L, 1) === lua.LUA_TTABLE) {
    lua.lua_getfield(L, 1, name("err"));
    message = lua.lua_type(L, -1) === lua.LUA_TSTRING
      ? latin1(lua.lua_tolstring(L, -1))
      : "ERR " + latin1(lauxlib.luaL_tolstring(L, 1));
  } else {
    message = "ERR " + runtimeError(latin1(lauxlib.luaL_tolstring(L, 1)));
  }
  lua.lua_settop(L, 0);
  lua.lua_pushstring(L, bytes(message));
  return 1;
}

/** `@user_script:3` for the innermost Lua function on the stack, or null. */
function luaPosition(L: LuaState): string | null {
  const ar = new lua.lua_Debug();
  for (let level = 1; lua.lua_getstack(L, level, ar); level++) {
    lua.lua_getinfo(L, bytes("Sl"), ar);
    if (ar.currentline > 0) return `${latin1(ar.source)}:${ar.currentline}`;
  }
  return null;
}

/** A metatable whose __index raises Redis's "nonexistent global variable" error. */
function pushStrictMetatable(L: LuaState): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, (L: LuaState) => {
    const key = lua.lua_type(L, 2) === lua.LUA_TSTRING ? latin1(lua.lua_tolstring(L, 2)) : "?";
    return raiseWithWhere(L, `Script attempted to access nonexistent global variable '${key}'`);
  });
  lua.lua_setfield(L, -2, name("__index"));
}

/** Pushes a table whose reads go to the table `pushTarget` pushes and whose writes fail. */
function pushProtectedProxy(L: LuaState, pushTarget: () => void): void {
  lua.lua_createtable(L, 0, 0);
  lua.lua_createtable(L, 0, 3);
  pushTarget();
  lua.lua_pushvalue(L, -1);
  lua.lua_setfield(L, -3, name("__index"));
  // pairs(_G) walks the real table.
  lua.lua_pushcclosure(L, (L: LuaState) => {
    lua.lua_getglobal(L, name("next"));
    lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
    lua.lua_pushnil(L);
    return 3;
  }, 1);
  lua.lua_setfield(L, -2, name("__pairs"));
  lua.lua_pushcfunction(
    L,
    (L: LuaState) => raiseWithWhere(L, "Attempt to modify a readonly table"),
  );
  lua.lua_setfield(L, -2, name("__newindex"));
  lua.lua_setmetatable(L, -2);
}

function pushStrings(L: LuaState, values: Argv): void {
  lua.lua_createtable(L, values.length, 0);
  for (let i = 0; i < values.length; i++) {
    lua.lua_pushstring(L, bytes(values[i]));
    lua.lua_rawseti(L, -2, i + 1);
  }
}

/** An EVAL body's optional `#!lua flags=...` first line: its flags and the code to compile. */
export function parseScriptShebang(body: string): { code: string; flags: string[] } {
  if (!body.startsWith("#!")) return { code: body, flags: [] };
  const newline = body.indexOf("\n");
  const line = newline < 0 ? body : body.slice(0, newline);
  const words = line.split(" ").filter((word) => word !== "");
  if (words[0] !== "#!lua") {
    throw new ReplyError(`ERR Unexpected engine in script shebang: ${words[0]}`);
  }
  const flags: string[] = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith("flags=")) throw new ReplyError(`ERR Unknown lua shebang option: ${word}`);
    for (const flag of word.slice(6).split(",")) {
      if (flag === "") continue;
      if (!(FUNCTION_FLAGS as readonly string[]).includes(flag)) {
        throw new ReplyError(`ERR Unexpected flag in script shebang: ${flag}`);
      }
      flags.push(flag);
    }
  }
  // The shebang line stays a (blank) line so error line numbers match Redis's.
  return { code: newline < 0 ? "" : body.slice(newline), flags: [...flags, "shebang"] };
}

function parseLibraryShebang(code: string): { engine: string; libraryName: string; body: string } {
  if (!code.startsWith("#!")) throw new ReplyError("ERR Missing library metadata");
  const newline = code.indexOf("\n");
  const line = newline < 0 ? code : code.slice(0, newline);
  const words = line.slice(2).split(" ").filter((word) => word !== "");
  const engine = words[0] ?? "";
  let libraryName: string | null = null;
  for (const word of words.slice(1)) {
    if (word.startsWith("name=")) libraryName = word.slice(5);
    else throw new ReplyError(`ERR Invalid metadata value given: ${word}`);
  }
  if (libraryName === null) throw new ReplyError("ERR Library name was not given");
  if (!NAME_PATTERN.test(libraryName)) {
    throw new ReplyError(
      "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
    );
  }
  return { engine, libraryName, body: newline < 0 ? "" : code.slice(newline) };
}
