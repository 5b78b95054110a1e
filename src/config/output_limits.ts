/**
 * `client-output-buffer-limit`: per class of client (normal, replica, pub/sub), a hard limit
 * and a soft limit on unsent reply bytes, and how long the soft one may be exceeded. Parsed and
 * printed exactly as Redis 7.0 does, so CONFIG GET and CONFIG SET read the same.
 *
 * @example
 * ```ts
 * const limits = parseOutputLimits("pubsub 32mb 8mb 60", DEFAULT_OUTPUT_LIMITS);
 * if (!("error" in limits)) formatOutputLimits(limits);
 * // "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
 * ```
 * @module
 */

/** One class's limits. Bytes are kept as bigint because Redis prints them as unsigned 64-bit. */
export interface OutputLimit {
  hard: bigint;
  soft: bigint;
  softSeconds: number;
}

/** The classes Redis configures; `master` is refused, as in Redis. */
export type OutputLimitClass = "normal" | "replica" | "pubsub";

export type OutputLimits = Record<OutputLimitClass, OutputLimit>;

/** Redis's default: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60". */
export const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
  normal: { hard: 0n, soft: 0n, softSeconds: 0 },
  replica: { hard: 268435456n, soft: 67108864n, softSeconds: 60 },
  pubsub: { hard: 33554432n, soft: 8388608n, softSeconds: 60 },
};

const WRONG_COUNT = "Wrong number of arguments in buffer limit configuration.";
const BAD_CLASS = "Invalid client class specified in buffer limit configuration.";
const BAD_NUMBER = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
const ULLONG = 1n << 64n;
const ULLONG_MAX = ULLONG - 1n;
const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);

/**
 * Applies "<class> <hard> <soft> <soft_seconds> ..." to `current`: all classes given or none.
 * Words are split on single spaces, as Redis splits them (so a doubled space is an error).
 */
export function parseOutputLimits(
  text: string,
  current: OutputLimits,
): OutputLimits | { error: string } {
  const words = text === "" ? [] : text.split(" ");
  if (words.length % 4 !== 0) return { error: WRONG_COUNT };
  const next: OutputLimits = { ...current };
  for (let i = 0; i < words.length; i += 4) {
    const name = words[i].toLowerCase();
    const kind: OutputLimitClass | null = name === "normal"
      ? "normal"
      : name === "slave" || name === "replica"
      ? "replica"
      : name === "pubsub"
      ? "pubsub"
      : null;
    if (kind === null) return { error: BAD_CLASS };
    const hard = memtoull(words[i + 1]);
    const soft = memtoull(words[i + 2]);
    const softSeconds = softSecondsOf(words[i + 3]);
    if (hard === null || soft === null || softSeconds === null) return { error: BAD_NUMBER };
    next[kind] = { hard, soft, softSeconds };
  }
  return next;
}

/** The limits a stored (CONFIG GET form) value holds. */
export function readOutputLimits(stored: string): OutputLimits {
  const limits = parseOutputLimits(stored, DEFAULT_OUTPUT_LIMITS);
  return "error" in limits ? DEFAULT_OUTPUT_LIMITS : limits;
}

/** CONFIG SET: the classes given replace those in `current`; returns the new stored form. */
export function mergeOutputLimits(value: string, current: string): string | { error: string } {
  const limits = parseOutputLimits(value, readOutputLimits(current));
  return "error" in limits ? limits : formatOutputLimits(limits);
}

/** The CONFIG GET form: every class, always in Redis's order and with Redis's names. */
export function formatOutputLimits(limits: OutputLimits): string {
  const { normal, replica, pubsub } = limits;
  const one = (name: string, limit: OutputLimit) =>
    `${name} ${limit.hard} ${limit.soft} ${limit.softSeconds}`;
  return `${one("normal", normal)} ${one("slave", replica)} ${one("pubsub", pubsub)}`;
}

/**
 * Redis's `memtoull`: digits then an optional unit (b, k, kb, m, mb, g, gb; k = 1000,
 * kb = 1024). Like Redis, too many digits saturate and the product wraps at 2^64.
 */
function memtoull(text: string): bigint | null {
  const match = /^(\d*)(b|k|kb|m|mb|g|gb)?$/i.exec(text);
  if (match === null || match[1].length >= 128) return null;
  const units: Record<string, bigint> = {
    "": 1n,
    b: 1n,
    k: 1000n,
    kb: 1024n,
    m: 1000n ** 2n,
    mb: 1024n ** 2n,
    g: 1000n ** 3n,
    gb: 1024n ** 3n,
  };
  let value = match[1] === "" ? 0n : BigInt(match[1]);
  if (value > ULLONG_MAX) value = ULLONG_MAX;
  return (value * units[(match[2] ?? "").toLowerCase()]) % ULLONG;
}

/**
 * soft_seconds as Redis 7.0 reads it: `strtoll` (leading blanks, a sign, saturating) stored
 * into a C int, refused when that int is negative.
 */
function softSecondsOf(text: string): number | null {
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d*)$/.exec(text);
  if (match === null) return null;
  if (match[2] === "") return text === "" ? 0 : null; // no digits: only "" reads as 0
  let value = BigInt(match[1] + match[2]);
  if (value > LLONG_MAX) value = LLONG_MAX;
  if (value < LLONG_MIN) value = LLONG_MIN;
  const int = Number(BigInt.asIntN(32, value));
  return int < 0 ? null : int;
}
