/**
 * Reply conversion both ways, as Redis 7.0 does it: a command's RESP reply (as bytes written by
 * a `ReplyWriter`) becomes a Lua value for `redis.call`, and a script's Lua result becomes a
 * reply to its caller.
 * @module
 */
import type { ReplyWriter } from "../resp/encoder.ts";
import { bytes, latin1, lauxlib, lua, type LuaState, name } from "./fengari.ts";

const CR = 13;

function lineEnd(data: Uint8Array, pos: number): number {
  let end = pos;
  while (data[end] !== CR) end++;
  return end;
}

function lineText(data: Uint8Array, start: number, end: number): string {
  return latin1(data.subarray(start, end));
}

function pushField(L: LuaState, field: string): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_insert(L, -2);
  lua.lua_setfield(L, -2, name(field));
}

/**
 * Pushes the Lua form of the RESP value at `pos` and returns where it ends. Errors become
 * `{err=...}`, statuses `{ok=...}`, nulls `false` (RESP2) or `nil` (RESP3 `_`).
 */
export function pushReply(L: LuaState, data: Uint8Array, pos: number): number {
  lauxlib.luaL_checkstack(L, 4, null);
  const type = data[pos];
  const end = lineEnd(data, pos + 1);
  const next = end + 2;
  switch (type) {
    case 43: // + status
      lua.lua_pushstring(L, data.slice(pos + 1, end));
      pushField(L, "ok");
      return next;
    case 45: // - error
      lua.lua_pushstring(L, data.slice(pos + 1, end));
      pushField(L, "err");
      return next;
    case 58: // : integer
      lua.lua_pushinteger(L, Number(lineText(data, pos + 1, end)));
      return next;
    case 36: { // $ bulk
      const length = Number(lineText(data, pos + 1, end));
      if (length < 0) {
        lua.lua_pushboolean(L, false);
        return next;
      }
      lua.lua_pushstring(L, data.slice(next, next + length));
      return next + length + 2;
    }
    case 42: // * array
    case 126: // ~ set
    case 37: { // % map
      const count = Number(lineText(data, pos + 1, end));
      if (count < 0) {
        lua.lua_pushboolean(L, false);
        return next;
      }
      let at = next;
      if (type === 42) {
        lua.lua_createtable(L, count, 0);
        for (let i = 1; i <= count; i++) {
          at = pushReply(L, data, at);
          lua.lua_rawseti(L, -2, i);
        }
        return at;
      }
      lua.lua_createtable(L, 0, count);
      for (let i = 0; i < count; i++) {
        at = pushReply(L, data, at);
        if (type === 37) at = pushReply(L, data, at);
        else lua.lua_pushboolean(L, true);
        lua.lua_rawset(L, -3);
      }
      pushField(L, type === 37 ? "map" : "set");
      return at;
    }
    case 95: // _ null
      lua.lua_pushnil(L);
      return next;
    case 35: // # boolean
      lua.lua_pushboolean(L, data[pos + 1] === 116);
      return next;
    case 44: { // , double
      const text = lineText(data, pos + 1, end);
      lua.lua_pushnumber(L, text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text));
      pushField(L, "double");
      return next;
    }
    case 40: // ( big number
      lua.lua_pushstring(L, data.slice(pos + 1, end));
      pushField(L, "big_number");
      return next;
    case 61: { // = verbatim
      const length = Number(lineText(data, pos + 1, end));
      lua.lua_createtable(L, 0, 2);
      lua.lua_pushstring(L, data.slice(next, next + 3));
      lua.lua_setfield(L, -2, name("format"));
      lua.lua_pushstring(L, data.slice(next + 4, next + length));
      lua.lua_setfield(L, -2, name("string"));
      pushField(L, "verbatim_string");
      return next + length + 2;
    }
  }
  throw new Error(`unexpected reply type ${String.fromCharCode(type)}`);
}

/** The string field `key` of the table at `index`, or null when absent or not a string. */
function stringField(L: LuaState, index: number, key: string): string | null {
  lua.lua_getfield(L, index, name(key));
  const value = lua.lua_type(L, -1) === lua.LUA_TSTRING ? latin1(lua.lua_tolstring(L, -1)) : null;
  lua.lua_pop(L, 1);
  return value;
}

/**
 * Writes the Lua value at the top of the stack as a reply (and pops it). `scriptResp` is the
 * protocol the script chose with `redis.setresp` (booleans differ); the writer's own protocol
 * decides how maps, sets and doubles are sent.
 */
export function writeLuaReply(
  L: LuaState,
  reply: ReplyWriter,
  scriptResp: 2 | 3,
  depth = 0,
): void {
  lauxlib.luaL_checkstack(L, 4, null);
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING:
      reply.bulk(latin1(lua.lua_tolstring(L, -1)));
      break;
    case lua.LUA_TBOOLEAN:
      if (scriptResp === 3) reply.boolean(lua.lua_toboolean(L, -1));
      else if (lua.lua_toboolean(L, -1)) reply.integer(1);
      else reply.nullBulk();
      break;
    case lua.LUA_TNUMBER:
      reply.integer(luaNumberToInteger(L, -1));
      break;
    case lua.LUA_TTABLE:
      writeTable(L, reply, scriptResp, depth);
      break;
    default:
      reply.nullBulk();
  }
  lua.lua_pop(L, 1);
}

/** A Lua number as the integer Redis replies with: truncated toward zero. */
export function luaNumberToInteger(L: LuaState, index: number): number | bigint {
  if (lua.lua_isinteger(L, index)) return lua.lua_tointeger(L, index);
  const n = lua.lua_tonumber(L, index);
  if (!Number.isFinite(n)) return n > 0 ? 9223372036854775807n : -9223372036854775808n;
  const t = Math.trunc(n);
  return Number.isSafeInteger(t) ? t : BigInt.asIntN(64, BigInt(t));
}

function writeTable(L: LuaState, reply: ReplyWriter, scriptResp: 2 | 3, depth: number): void {
  const err = stringField(L, -1, "err");
  if (err !== null) {
    reply.error(err.startsWith("-") ? err.slice(1) : err);
    return;
  }
  const ok = stringField(L, -1, "ok");
  if (ok !== null) {
    reply.simple(ok);
    return;
  }
  lua.lua_getfield(L, -1, name("double"));
  if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
    reply.double(lua.lua_tonumber(L, -1));
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  const big = stringField(L, -1, "big_number");
  if (big !== null) {
    if (reply.resp === 3) reply.raw(`(${big}\r\n`);
    else reply.bulk(big);
    return;
  }
  for (const kind of ["map", "set"] as const) {
    lua.lua_getfield(L, -1, name(kind));
    if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
      const table = lua.lua_absindex(L, -1);
      let count = 0;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, table) !== 0) {
        lua.lua_pop(L, 1);
        count++;
      }
      if (kind === "map") reply.mapHeader(count);
      else reply.setHeader(count);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, table) !== 0) {
        lua.lua_pushvalue(L, -2);
        writeLuaReply(L, reply, scriptResp, depth + 1); // the key
        if (kind === "map") writeLuaReply(L, reply, scriptResp, depth + 1);
        else lua.lua_pop(L, 1);
      }
      lua.lua_pop(L, 1);
      return;
    }
    lua.lua_pop(L, 1);
  }
  lua.lua_getfield(L, -1, name("verbatim_string"));
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
    const format = stringField(L, -1, "format");
    const text = stringField(L, -1, "string");
    lua.lua_pop(L, 1);
    if (format !== null && text !== null) {
      if (reply.resp === 3) reply.raw(`=${text.length + 4}\r\n${format.slice(0, 3)}:${text}\r\n`);
      else reply.bulk(text);
      return;
    }
  } else lua.lua_pop(L, 1);
  // An array: elements 1, 2, ... up to the first nil.
  const table = lua.lua_absindex(L, -1);
  let count = 0;
  while (lua.lua_rawgeti(L, table, count + 1) !== lua.LUA_TNIL) {
    lua.lua_pop(L, 1);
    count++;
  }
  lua.lua_pop(L, 1);
  reply.arrayHeader(count);
  for (let i = 1; i <= count; i++) {
    lua.lua_rawgeti(L, table, i);
    writeLuaReply(L, reply, scriptResp, depth + 1);
  }
}

/** Pushes a latin1 string. */
export function pushLatin1(L: LuaState, s: string): void {
  lua.lua_pushstring(L, bytes(s));
}
