/**
 * Parsing command arguments the way Redis does, with Redis's errors. Arguments are latin1.
 * @module
 */
import { NOT_FLOAT, NOT_INTEGER, ReplyError } from "./errors.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses a signed 64-bit integer with Redis's `string2ll` rules (optional `-`, no `+`, no
 * leading zeros or blanks). Returns a number when it is exact as one, else a bigint; null when
 * the text is not such an integer.
 */
export function parseInt64(text: string): number | bigint | null {
  const n = text.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  const negative = text.charCodeAt(0) === 45;
  if (negative) {
    i = 1;
    if (n === 1) return null;
  }
  const first = text.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  let value = 0;
  for (; i < n; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  if (value <= Number.MAX_SAFE_INTEGER) return negative ? -value : value;
  const big = BigInt(text);
  return big < INT64_MIN || big > INT64_MAX ? null : big;
}

/** Like {@link parseInt64} but a number, throwing Redis's error when not an integer. */
export function integerArg(text: string, error = NOT_INTEGER): number {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(error);
  return Number(value);
}

/** An exact signed 64-bit integer argument as a bigint (INCRBY and friends). */
export function int64Arg(text: string, error = NOT_INTEGER): bigint {
  const value = parseInt64(text);
  if (value === null) throw new ReplyError(error);
  return BigInt(value);
}

/**
 * Parses a double with C `strtod` rules as Redis's `string2d` applies them: no leading blank,
 * the whole text consumed, `inf`/`infinity` in any case allowed, NaN refused. Returns null when
 * the text is not such a number.
 */
export function parseDouble(text: string): number | null {
  if (text.length === 0 || isSpace(text.charCodeAt(0))) return null;
  const value = strtod(text);
  return value === null || Number.isNaN(value) ? null : value;
}

/**
 * A double as Redis's `getDoubleFromObject` reads one (scores, weights, coordinates): like
 * {@link parseDouble}, but a finite text that overflows to infinity or underflows to zero is
 * refused, as strtod's ERANGE makes Redis refuse it.
 */
export function parseStrictDouble(text: string): number | null {
  const value = parseDouble(text);
  if (value === null) return null;
  if (!Number.isFinite(value) && !/^[+-]?inf(inity)?$/i.test(text)) return null;
  if (value === 0) {
    const hex = /^[+-]?0x/i.test(text);
    const mantissa = hex ? text.replace(/^[+-]?0x/i, "").split(/p/i)[0] : text.split(/e/i)[0];
    if ((hex ? /[1-9a-f]/i : /[1-9]/).test(mantissa)) return null;
  }
  return value;
}

/** A double argument, throwing Redis's error when it is not one. */
export function doubleArg(text: string, error = NOT_FLOAT): number {
  const value = parseDouble(text);
  if (value === null) throw new ReplyError(error);
  return value;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** C's strtod over the whole text (trailing blanks are not allowed by Redis's callers). */
function strtod(text: string): number | null {
  if (DECIMAL.test(text)) return Number(text);
  const special = SPECIAL.exec(text);
  if (special) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  const hex = HEX.exec(text);
  if (hex) {
    const [intPart, fracPart = ""] = hex[2].split(".");
    let value = intPart ? parseInt(intPart, 16) : 0;
    for (let i = 0; i < fracPart.length; i++) {
      value += parseInt(fracPart[i], 16) / 16 ** (i + 1);
    }
    value *= 2 ** Number(hex[3] ?? 0);
    return hex[1] === "-" ? -value : value;
  }
  return null;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Case-insensitive comparison of an argument with a lower-case keyword. */
export function isKeyword(arg: string, keyword: string): boolean {
  return arg.length === keyword.length && arg.toLowerCase() === keyword;
}
