/**
 * The one place that imports fengari (Lua 5.3 in JavaScript; see docs/lua-engine.md for why).
 * It loads only the pieces Redis exposes — base, string, table, math, coroutine, debug — never
 * fengari's io, os or package libraries, which reach for the file system.
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import { restoreProcessEnv } from "./fengari_env.ts";
import luaModule from "fengari/src/lua.js";
// lualib loads the library modules in the order their circular imports need.
import "fengari/src/lualib.js";
import lauxlibModule from "fengari/src/lauxlib.js";
import lbaselib from "fengari/src/lbaselib.js";
import lstrlib from "fengari/src/lstrlib.js";
import ltablib from "fengari/src/ltablib.js";
import lmathlib from "fengari/src/lmathlib.js";
import lcorolib from "fengari/src/lcorolib.js";
import ldblib from "fengari/src/ldblib.js";
import lobject from "fengari/src/lobject.js";
import lstring from "fengari/src/lstring.js";
import { bytesToLatin1, latin1ToBytes } from "../resp/latin1.ts";
restoreProcessEnv();

/** A Lua state or thread (opaque). */
export type LuaState = { readonly __lua: unique symbol };
/** A function Lua can call: reads its arguments from the stack, returns how many results. */
export type LuaCFunction = (L: LuaState) => number;

/** fengari's C-API mirror (lua.h), untyped upstream. */
export const lua: any = luaModule;
/** fengari's auxiliary library (lauxlib.h). */
export const lauxlib: any = lauxlibModule;

/**
 * Numbers become strings as Lua 5.1 writes them (C's `%.14g`: `9.007199254741e+15`, not 5.3's
 * integer digits) wherever the VM converts (concatenation, lua_tolstring). fengari calls its
 * converter through the module object, so replacing the export reaches those paths.
 */
export function useLua51NumberFormat(format14g: (n: number) => string): void {
  lobject.luaO_tostring = (L: unknown, obj: any) => {
    const n = obj.ttisinteger() ? Number(obj.value) : obj.value;
    obj.setsvalue(lstring.luaS_bless(L, bytes(format14g(n))));
  };
}

/** Opens the standard libraries Redis's Lua has, as globals. */
export function openStandardLibraries(L: LuaState): void {
  const libs: Array<[string, LuaCFunction]> = [
    ["_G", lbaselib.luaopen_base],
    ["string", lstrlib.luaopen_string],
    ["table", ltablib.luaopen_table],
    ["math", lmathlib.luaopen_math],
    ["coroutine", lcorolib.luaopen_coroutine],
    ["debug", ldblib.luaopen_debug],
  ];
  for (const [name, open] of libs) {
    lauxlib.luaL_requiref(L, bytes(name), open, 1);
    lua.lua_pop(L, 1);
  }
}

const encodeCache = new Map<string, Uint8Array>();

/** A latin1 string (one char per byte) as the byte array fengari uses for Lua strings. */
export const bytes: (s: string) => Uint8Array = latin1ToBytes;

/** A constant name as Lua bytes, cached (field names used on every call). */
export function name(s: string): Uint8Array {
  let cached = encodeCache.get(s);
  if (cached === undefined) encodeCache.set(s, cached = bytes(s));
  return cached;
}

/** Lua bytes as a latin1 string. */
export function latin1(b: Uint8Array): string {
  return bytesToLatin1(b, 0, b.length);
}

/** The string at `index` as latin1 (numbers are converted as Lua converts them), or null. */
export function toLatin1(L: LuaState, index: number): string | null {
  const value = lua.lua_tolstring(L, index);
  return value === null || value === undefined ? null : latin1(value);
}
