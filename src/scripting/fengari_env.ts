/**
 * Runs before fengari loads. fengari reads `process.env.FENGARICONF` once, at import time, which
 * under Deno needs `--allow-env` (the server runs with `--allow-net` only). For the duration of
 * that import, `process.env` is replaced by a plain object holding the configuration we want:
 * integral floats print without ".0", as in Lua 5.1 (`tostring(10/2)` is "5").
 * `fengari.ts` calls `restoreProcessEnv` right after importing fengari.
 * @module
 */
import process from "node:process";

const saved = Object.getOwnPropertyDescriptor(process, "env");
Object.defineProperty(process, "env", {
  value: { FENGARICONF: JSON.stringify({ LUA_COMPAT_FLOATSTRING: true }) },
  configurable: true,
  writable: true,
});

/** Puts the real `process.env` back. */
export function restoreProcessEnv(): void {
  if (saved !== undefined) Object.defineProperty(process, "env", saved);
}
