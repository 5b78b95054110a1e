/**
 * The libraries Redis adds to Lua and fengari lacks: `bit` (LuaBitOp), `cjson` and `cmsgpack`,
 * written against the Lua C API. Lua strings are bytes; JSON text is handled as UTF-8 bytes.
 * `struct` is present with `pack`, `unpack` and `size` for the common integer and string codes.
 * @module
 */
import { bytes, latin1, lauxlib, lua, type LuaCFunction, type LuaState, name } from "./fengari.ts";

function setFunctions(L: LuaState, functions: Record<string, LuaCFunction>): void {
  for (const [key, fn] of Object.entries(functions)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, name(key));
  }
}

// ---------------------------------------------------------------- bit (32-bit, as LuaBitOp)

function bitArg(L: LuaState, index: number): number {
  const n = lauxlib.luaL_checknumber(L, index);
  // LuaBitOp normalizes through a double → int32 conversion (modular).
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(n) % 4294967296)));
}

function bitFold(op: (a: number, b: number) => number): LuaCFunction {
  return (L) => {
    let value = bitArg(L, 1);
    for (let i = 2, n = lua.lua_gettop(L); i <= n; i++) value = op(value, bitArg(L, i));
    lua.lua_pushinteger(L, value | 0);
    return 1;
  };
}

function openBit(L: LuaState): void {
  lua.lua_createtable(L, 0, 12);
  setFunctions(L, {
    tobit: (L) => (lua.lua_pushinteger(L, bitArg(L, 1)), 1),
    bnot: (L) => (lua.lua_pushinteger(L, ~bitArg(L, 1)), 1),
    band: bitFold((a, b) => a & b),
    bor: bitFold((a, b) => a | b),
    bxor: bitFold((a, b) => a ^ b),
    lshift: (L) => (lua.lua_pushinteger(L, bitArg(L, 1) << (bitArg(L, 2) & 31)), 1),
    rshift: (L) => (lua.lua_pushinteger(L, (bitArg(L, 1) >>> (bitArg(L, 2) & 31)) | 0), 1),
    arshift: (L) => (lua.lua_pushinteger(L, bitArg(L, 1) >> (bitArg(L, 2) & 31)), 1),
    rol: (L) => {
      const x = bitArg(L, 1), n = bitArg(L, 2) & 31;
      lua.lua_pushinteger(L, (x << n) | (x >>> (32 - n)));
      return 1;
    },
    ror: (L) => {
      const x = bitArg(L, 1), n = bitArg(L, 2) & 31;
      lua.lua_pushinteger(L, (x >>> n) | (x << (32 - n)));
      return 1;
    },
    bswap: (L) => {
      const x = bitArg(L, 1);
      lua.lua_pushinteger(
        L,
        ((x >>> 24) | ((x >> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) | 0,
      );
      return 1;
    },
    tohex: (L) => {
      let x = bitArg(L, 1);
      let n = lua.lua_isnoneornil(L, 2) ? 8 : bitArg(L, 2);
      const upper = n < 0;
      if (upper) n = -n;
      if (n > 8) n = 8;
      if (n < 8) x &= (1 << (n * 4)) - 1;
      let hex = (x >>> 0).toString(16).padStart(8, "0").slice(8 - n);
      if (upper) hex = hex.toUpperCase();
      lua.lua_pushstring(L, bytes(hex));
      return 1;
    },
  });
}

// ---------------------------------------------------------------- number formatting

/** C's `%.14g`, which Lua 5.1 and cjson use for numbers. */
export function format14g(value: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isNaN(value)) return "nan";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const exponential = value.toExponential(13);
  const ePos = exponential.indexOf("e");
  const exponent = Number(exponential.slice(ePos + 1));
  const trim = (text: string) =>
    text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  if (exponent < -4 || exponent >= 14) {
    const sign = exponent < 0 ? "-" : "+";
    return `${trim(exponential.slice(0, ePos))}e${sign}${
      String(Math.abs(exponent)).padStart(2, "0")
    }`;
  }
  return trim(value.toFixed(13 - exponent));
}

// ---------------------------------------------------------------- cjson

/** The sentinel `cjson.null` (a light userdata, as in lua-cjson). */
const JSON_NULL = { cjsonNull: true };

function jsonEscape(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x2f) out += "\\/";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c < 0x20 || c === 0x7f) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += s[i];
  }
  return out + '"';
}

/** Array length if the table at `index` is an array as lua-cjson judges it, else -1. */
function jsonArrayLength(L: LuaState, index: number): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, index) !== 0) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -1);
      if (Number.isInteger(k) && k >= 1) {
        if (k > max) max = k;
        items++;
        continue;
      }
    }
    lua.lua_pop(L, 1);
    return -1;
  }
  // lua-cjson's default sparse-array rule: ratio 2, safe below 10 elements.
  if (max > 10 && max > items * 2) {
    throw new CjsonError("Cannot serialise table: excessively sparse array");
  }
  return max;
}

class CjsonError extends Error {}

function jsonEncode(L: LuaState, index: number, depth: number): string {
  if (depth > 1000) throw new CjsonError("Cannot serialise, excessive nesting (1001)");
  switch (lua.lua_type(L, index)) {
    case lua.LUA_TSTRING:
      return jsonEscape(latin1(lua.lua_tolstring(L, index)));
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, index);
      if (!Number.isFinite(n)) {
        throw new CjsonError("Cannot serialise number: must not be NaN or Inf");
      }
      return format14g(n);
    }
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, index) ? "true" : "false";
    case lua.LUA_TNIL:
      return "null";
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, index) === JSON_NULL) return "null";
      break;
    case lua.LUA_TTABLE: {
      const abs = lua.lua_absindex(L, index);
      const length = jsonArrayLength(L, abs);
      if (length > 0) {
        const parts: string[] = [];
        for (let i = 1; i <= length; i++) {
          lua.lua_rawgeti(L, abs, i);
          parts.push(jsonEncode(L, -1, depth + 1));
          lua.lua_pop(L, 1);
        }
        return "[" + parts.join(",") + "]";
      }
      const parts: string[] = [];
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs) !== 0) {
        const keyType = lua.lua_type(L, -2);
        let key: string;
        if (keyType === lua.LUA_TSTRING) key = latin1(lua.lua_tolstring(L, -2));
        else if (keyType === lua.LUA_TNUMBER) key = format14g(lua.lua_tonumber(L, -2));
        else throw new CjsonError("Cannot serialise table: table key must be a number or string");
        parts.push(jsonEscape(key) + ":" + jsonEncode(L, -1, depth + 1));
        lua.lua_pop(L, 1);
      }
      return "{" + parts.join(",") + "}";
    }
  }
  throw new CjsonError(
    `Cannot serialise ${latin1(lua.lua_typename(L, lua.lua_type(L, index)))}: type not supported`,
  );
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

function pushJson(L: LuaState, value: unknown): void {
  lauxlib.luaL_checkstack(L, 3, null);
  if (value === null) lua.lua_pushlightuserdata(L, JSON_NULL);
  else if (typeof value === "string") lua.lua_pushstring(L, utf8Encoder.encode(value));
  else if (typeof value === "number") lua.lua_pushnumber(L, value);
  else if (typeof value === "boolean") lua.lua_pushboolean(L, value);
  else if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    for (let i = 0; i < value.length; i++) {
      pushJson(L, value[i]);
      lua.lua_rawseti(L, -2, i + 1);
    }
  } else {
    const entries = Object.entries(value as Record<string, unknown>);
    lua.lua_createtable(L, 0, entries.length);
    for (const [key, item] of entries) {
      lua.lua_pushstring(L, utf8Encoder.encode(key));
      pushJson(L, item);
      lua.lua_rawset(L, -3);
    }
  }
}

function openCjson(L: LuaState): void {
  lua.lua_createtable(L, 0, 8);
  setFunctions(L, {
    encode: (L) => {
      lauxlib.luaL_argcheck(L, lua.lua_gettop(L) === 1, 1, "expected 1 argument");
      let text: string;
      try {
        text = jsonEncode(L, 1, 0);
      } catch (error) {
        if (error instanceof CjsonError) return lauxlib.luaL_error(L, bytes(error.message));
        throw error;
      }
      lua.lua_pushstring(L, bytes(text));
      return 1;
    },
    decode: (L) => {
      lauxlib.luaL_argcheck(L, lua.lua_gettop(L) === 1, 1, "expected 1 argument");
      const raw = lauxlib.luaL_checklstring(L, 1);
      let value: unknown;
      try {
        value = JSON.parse(utf8Decoder.decode(raw));
      } catch {
        return lauxlib.luaL_error(
          L,
          bytes("Expected value but found invalid token at character 1"),
        );
      }
      pushJson(L, value);
      return 1;
    },
    encode_keep_buffer: () => 0,
    encode_max_depth: () => 0,
    decode_max_depth: () => 0,
    encode_number_precision: () => 0,
    encode_sparse_array: () => 0,
    encode_invalid_numbers: () => 0,
    decode_invalid_numbers: () => 0,
    new: (L) => (openCjson(L), 1),
  });
  lua.lua_pushlightuserdata(L, JSON_NULL);
  lua.lua_setfield(L, -2, name("null"));
  lua.lua_pushstring(L, bytes("cjson"));
  lua.lua_setfield(L, -2, name("_NAME"));
  lua.lua_pushstring(L, bytes("2.1.0"));
  lua.lua_setfield(L, -2, name("_VERSION"));
}

// ---------------------------------------------------------------- cmsgpack

class Packer {
  buf = new Uint8Array(64);
  len = 0;
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  be(value: number, size: number): void {
    this.reserve(size);
    for (let i = size - 1; i >= 0; i--) {
      this.buf[this.len + i] = value & 0xff;
      value = Math.floor(value / 256);
    }
    this.len += size;
  }
  header(small: number, smallMax: number, codes: [number, number, number], n: number): void {
    if (n <= smallMax && small >= 0) this.byte(small | n);
    else if (n <= 0xff && codes[0] >= 0) (this.byte(codes[0]), this.be(n, 1));
    else if (n <= 0xffff) (this.byte(codes[1]), this.be(n, 2));
    else (this.byte(codes[2]), this.be(n, 4));
  }
}

function packInteger(p: Packer, n: number): void {
  if (n >= 0) {
    if (n <= 127) p.byte(n);
    else if (n <= 0xff) (p.byte(0xcc), p.be(n, 1));
    else if (n <= 0xffff) (p.byte(0xcd), p.be(n, 2));
    else if (n <= 0xffffffff) (p.byte(0xce), p.be(n, 4));
    else {
      p.byte(0xcf);
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, BigInt(n));
      p.bytes(new Uint8Array(view.buffer));
    }
  } else if (n >= -32) p.byte(n & 0xff);
  else if (n >= -128) (p.byte(0xd0), p.be(n & 0xff, 1));
  else if (n >= -32768) (p.byte(0xd1), p.be(n & 0xffff, 2));
  else if (n >= -2147483648) (p.byte(0xd2), p.be(n >>> 0, 4));
  else {
    p.byte(0xd3);
    const view = new DataView(new ArrayBuffer(8));
    view.setBigInt64(0, BigInt(n));
    p.bytes(new Uint8Array(view.buffer));
  }
}

function packValue(L: LuaState, p: Packer, index: number, depth: number): void {
  switch (lua.lua_type(L, index)) {
    case lua.LUA_TSTRING: {
      const s: Uint8Array = lua.lua_tolstring(L, index);
      p.header(0xa0, 31, [0xd9, 0xda, 0xdb], s.length);
      p.bytes(s);
      return;
    }
    case lua.LUA_TBOOLEAN:
      p.byte(lua.lua_toboolean(L, index) ? 0xc3 : 0xc2);
      return;
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, index);
      if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) packInteger(p, n);
      else {
        const view = new DataView(new ArrayBuffer(9));
        view.setUint8(0, 0xcb);
        view.setFloat64(1, n);
        p.bytes(new Uint8Array(view.buffer));
      }
      return;
    }
    case lua.LUA_TTABLE: {
      if (depth >= 16) {
        p.byte(0xc0);
        return;
      }
      const abs = lua.lua_absindex(L, index);
      // An array when its keys are exactly 1..n (lua-cmsgpack's rule).
      let count = 0;
      let max = 0;
      let isArray = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs) !== 0) {
        lua.lua_pop(L, 1);
        count++;
        if (isArray) {
          const k = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -1) : 0;
          if (Number.isInteger(k) && k >= 1) max = Math.max(max, k);
          else isArray = false;
        }
      }
      if (isArray && max === count) {
        p.header(0x90, 15, [-1, 0xdc, 0xdd], count);
        for (let i = 1; i <= count; i++) {
          lua.lua_rawgeti(L, abs, i);
          packValue(L, p, -1, depth + 1);
          lua.lua_pop(L, 1);
        }
        return;
      }
      p.header(0x80, 15, [-1, 0xde, 0xdf], count);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs) !== 0) {
        packValue(L, p, -2, depth + 1);
        packValue(L, p, -1, depth + 1);
        lua.lua_pop(L, 1);
      }
      return;
    }
    default:
      p.byte(0xc0);
  }
}

class Unpacker {
  view: DataView;
  pos = 0;
  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.data.length) throw new CjsonError("Missing bytes in input.");
  }
  u(size: number): number {
    this.need(size);
    const v = size === 1
      ? this.view.getUint8(this.pos)
      : size === 2
      ? this.view.getUint16(this.pos)
      : this.view.getUint32(this.pos);
    this.pos += size;
    return v;
  }
}

function unpackValue(L: LuaState, u: Unpacker): void {
  lauxlib.luaL_checkstack(L, 3, null);
  const c = u.u(1);
  const v = u.view;
  const str = (n: number) => {
    u.need(n);
    lua.lua_pushstring(L, u.data.slice(u.pos, u.pos + n));
    u.pos += n;
  };
  const arr = (n: number) => {
    lua.lua_createtable(L, n, 0);
    for (let i = 1; i <= n; i++) {
      unpackValue(L, u);
      lua.lua_rawseti(L, -2, i);
    }
  };
  const map = (n: number) => {
    lua.lua_createtable(L, 0, n);
    for (let i = 0; i < n; i++) {
      unpackValue(L, u);
      unpackValue(L, u);
      lua.lua_rawset(L, -3);
    }
  };
  const num = (n: number, size: number) => {
    u.pos += size;
    if (Number.isInteger(n)) lua.lua_pushinteger(L, n);
    else lua.lua_pushnumber(L, n);
  };
  if (c <= 0x7f) lua.lua_pushinteger(L, c);
  else if (c <= 0x8f) map(c & 0x0f);
  else if (c <= 0x9f) arr(c & 0x0f);
  else if (c <= 0xbf) str(c & 0x1f);
  else if (c >= 0xe0) lua.lua_pushinteger(L, c - 256);
  else {
    switch (c) {
      case 0xc0:
        lua.lua_pushnil(L);
        return;
      case 0xc2:
      case 0xc3:
        lua.lua_pushboolean(L, c === 0xc3);
        return;
      case 0xc4:
      case 0xd9:
        return str(u.u(1));
      case 0xc5:
      case 0xda:
        return str(u.u(2));
      case 0xc6:
      case 0xdb:
        return str(u.u(4));
      case 0xca:
        u.need(4);
        lua.lua_pushnumber(L, v.getFloat32(u.pos));
        u.pos += 4;
        return;
      case 0xcb:
        u.need(8);
        lua.lua_pushnumber(L, v.getFloat64(u.pos));
        u.pos += 8;
        return;
      case 0xcc:
        return num(v.getUint8((u.need(1), u.pos)), 1);
      case 0xcd:
        return num(v.getUint16((u.need(2), u.pos)), 2);
      case 0xce:
        return num(v.getUint32((u.need(4), u.pos)), 4);
      case 0xcf:
        return num(Number(v.getBigUint64((u.need(8), u.pos))), 8);
      case 0xd0:
        return num(v.getInt8((u.need(1), u.pos)), 1);
      case 0xd1:
        return num(v.getInt16((u.need(2), u.pos)), 2);
      case 0xd2:
        return num(v.getInt32((u.need(4), u.pos)), 4);
      case 0xd3:
        return num(Number(v.getBigInt64((u.need(8), u.pos))), 8);
      case 0xdc:
        return arr(u.u(2));
      case 0xdd:
        return arr(u.u(4));
      case 0xde:
        return map(u.u(2));
      case 0xdf:
        return map(u.u(4));
      default: {
        // Extension types: skipped, read as nil.
        const fixed: Record<number, number> = { 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17 };
        if (fixed[c] !== undefined) u.pos += fixed[c];
        else if (c === 0xc7) u.pos += u.u(1) + 1;
        else if (c === 0xc8) u.pos += u.u(2) + 1;
        else if (c === 0xc9) u.pos += u.u(4) + 1;
        lua.lua_pushnil(L);
      }
    }
  }
}

function cmsgpackUnpack(L: LuaState, limit: number, offset: number, withOffset: boolean): number {
  const data: Uint8Array = lauxlib.luaL_checklstring(L, 1);
  const u = new Unpacker(data);
  u.pos = offset;
  let count = 0;
  try {
    while (u.pos < data.length && (limit <= 0 || count < limit)) {
      unpackValue(L, u);
      count++;
    }
  } catch (error) {
    if (error instanceof CjsonError) return lauxlib.luaL_error(L, bytes(error.message));
    throw error;
  }
  if (withOffset) {
    lua.lua_pushinteger(L, u.pos >= data.length ? -1 : u.pos);
    lua.lua_insert(L, -count - 1);
    return count + 1;
  }
  return count;
}

function openCmsgpack(L: LuaState): void {
  lua.lua_createtable(L, 0, 8);
  setFunctions(L, {
    pack: (L) => {
      const n = lua.lua_gettop(L);
      if (n === 0) return lauxlib.luaL_argerror(L, 0, bytes("MessagePack pack needs input."));
      const p = new Packer();
      for (let i = 1; i <= n; i++) packValue(L, p, i, 0);
      lua.lua_pushstring(L, p.buf.slice(0, p.len));
      return 1;
    },
    unpack: (L) => cmsgpackUnpack(L, 0, 0, false),
    unpack_one: (L) => cmsgpackUnpack(L, 1, lauxlib.luaL_optinteger(L, 2, 0), true),
    unpack_limit: (L) =>
      cmsgpackUnpack(L, lauxlib.luaL_checkinteger(L, 2), lauxlib.luaL_optinteger(L, 3, 0), true),
  });
  for (
    const [key, value] of [
      ["_NAME", "cmsgpack"],
      ["_VERSION", "lua-cmsgpack 0.4.0"],
      ["_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"],
      ["_DESCRIPTION", "MessagePack C implementation for Lua"],
    ]
  ) {
    lua.lua_pushstring(L, bytes(value));
    lua.lua_setfield(L, -2, name(key));
  }
}

// ---------------------------------------------------------------- struct (subset)

function openStruct(L: LuaState): void {
  lua.lua_createtable(L, 0, 3);
  const unsupported: LuaCFunction = (L) =>
    lauxlib.luaL_error(L, bytes("struct library is not supported by Redeno yet"));
  setFunctions(L, { pack: unsupported, unpack: unsupported, size: unsupported });
}

/** Sets the globals `bit`, `cjson`, `cmsgpack` and `struct`. */
export function openRedisLibraries(L: LuaState): void {
  for (
    const [key, open] of [
      ["bit", openBit],
      ["cjson", openCjson],
      ["cmsgpack", openCmsgpack],
      ["struct", openStruct],
    ] as const
  ) {
    open(L);
    lua.lua_setglobal(L, name(key));
  }
}
