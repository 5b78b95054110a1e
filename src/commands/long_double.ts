/**
 * Exact emulation of the x87 80-bit `long double` that Redis's INCRBYFLOAT computes with:
 * parsing as glibc `strtold` does (correctly rounded, with Redis's `string2ld` checks), one
 * correctly rounded addition, and `%.17Lf` formatting with Redis's trailing-zero trimming.
 *
 * A finite value is `(-1)^negative × mantissa × 2^exponent` with a mantissa below 2^64, kept in
 * a bigint so that every step is exact before its single rounding (ties to even, as the FPU).
 *
 * @example
 * ```ts
 * const a = parseLongDouble("0.1")!;
 * const sum = addLongDouble(a, a);
 * formatLongDoubleHuman(sum); // "0.2"
 * ```
 * @module
 */

/** A long double: finite, an infinity, or NaN. */
export type LongDouble =
  | { kind: "finite"; negative: boolean; mantissa: bigint; exponent: number }
  | { kind: "infinity"; negative: boolean }
  | { kind: "nan" };

/** Significand bits of the x87 extended format (the integer bit is explicit). */
const PRECISION = 64;
const TWO_63 = 1n << 63n;
const TWO_64 = 1n << 64n;
/** Exponent of the lowest mantissa bit of the smallest subnormal (2^-16445). */
const MIN_EXPONENT = -16445;
/** Exponent of the lowest mantissa bit of the largest finite value ((2^64-1) × 2^16320). */
const MAX_EXPONENT = 16320;
/** Redis refuses float arguments this long or longer (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY_TEXT = /^([+-]?)(?:inf|infinity)$/i;

function zero(negative: boolean): LongDouble {
  return { kind: "finite", negative, mantissa: 0n, exponent: 0 };
}

/**
 * Parses text as Redis's `string2ld` does: the whole text must be a `strtold` number with no
 * leading blank, at most 5119 chars, not NaN, and not so large or tiny that it overflows or
 * underflows to zero. Returns null when Redis would reply "value is not a valid float".
 */
export function parseLongDouble(text: string): LongDouble | null {
  if (text.length === 0 || text.length >= MAX_CHARS) return null;
  const decimal = DECIMAL.exec(text);
  if (decimal !== null) {
    const [, sign, intDigits, fracDigits = "", expText] = decimal;
    if (intDigits.length + fracDigits.length === 0) return null;
    const exponent = expText === undefined ? 0 : saturatedInt(expText);
    return fromDigits(sign === "-", intDigits + fracDigits, 10, exponent - fracDigits.length);
  }
  const hex = HEX.exec(text);
  if (hex !== null) {
    const [, sign, intDigits, fracDigits = "", expText] = hex;
    // "0x" with no hex digit is strtold reading just "0": the rest is left over.
    if (intDigits.length + fracDigits.length === 0) return null;
    const exponent = expText === undefined ? 0 : saturatedInt(expText);
    return fromDigits(sign === "-", intDigits + fracDigits, 2, exponent - 4 * fracDigits.length);
  }
  const infinity = INFINITY_TEXT.exec(text);
  if (infinity !== null) return { kind: "infinity", negative: infinity[1] === "-" };
  return null;
}

/** Parses an exponent, saturating far beyond any exponent that could matter. */
function saturatedInt(text: string): number {
  const value = Number(text);
  return Math.max(-1e9, Math.min(1e9, value));
}

/**
 * The long double nearest to `digits × base^scale` (digits in base 16 when base is 2, where
 * scale counts binary places). Null for an overflow or a non-zero value that underflows to
 * zero, which `strtold` flags with ERANGE and Redis refuses.
 */
function fromDigits(
  negative: boolean,
  digits: string,
  base: 10 | 2,
  scale: number,
): LongDouble | null {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  if (start === digits.length) return zero(negative);
  const significant = digits.slice(start);
  const integer = BigInt(base === 10 ? significant : "0x" + significant);
  if (base === 10) {
    // Bounds well outside the format's range (about 3.6e-4951 to 1.2e4932) short-cut huge
    // exponents; anything nearer is computed exactly.
    const magnitude = scale + significant.length;
    if (magnitude > 4940) return null;
    if (magnitude < -4960) return null;
    return finiteOrNull(
      scale >= 0
        ? round(negative, integer * 10n ** BigInt(scale), 1n, 0)
        : round(negative, integer, 10n ** BigInt(-scale), 0),
    );
  }
  const magnitude = scale + 4 * significant.length;
  if (magnitude > 16400) return null;
  if (magnitude < -16500) return null;
  return finiteOrNull(round(negative, integer, 1n, scale));
}

/** strtold's ERANGE on overflow: Redis refuses the text rather than use the infinity. */
function finiteOrNull(value: LongDouble | null): LongDouble | null {
  return value !== null && value.kind === "finite" ? value : null;
}

/**
 * Rounds `numerator / denominator × 2^scale` (both positive) to the nearest long double, ties
 * to even, with gradual underflow. Returns null when it underflows to zero; an infinity when
 * it overflows.
 */
function round(
  negative: boolean,
  numerator: bigint,
  denominator: bigint,
  scale: number,
): LongDouble | null {
  let exponent = bitLength(numerator) - bitLength(denominator) + scale - PRECISION;
  if (exponent < MIN_EXPONENT) exponent = MIN_EXPONENT;
  for (;;) {
    const shift = scale - exponent;
    const num = shift >= 0 ? numerator << BigInt(shift) : numerator;
    const den = shift >= 0 ? denominator : denominator << BigInt(-shift);
    let mantissa = num / den;
    if (mantissa >= TWO_64) {
      exponent++;
      continue;
    }
    const twiceRemainder = (num - mantissa * den) * 2n;
    if (twiceRemainder > den || (twiceRemainder === den && (mantissa & 1n) === 1n)) mantissa++;
    if (mantissa === TWO_64) {
      mantissa = TWO_63;
      exponent++;
    }
    if (exponent > MAX_EXPONENT) return { kind: "infinity", negative };
    if (mantissa === 0n) return null;
    return { kind: "finite", negative, mantissa, exponent };
  }
}

function bitLength(value: bigint): number {
  return value.toString(2).length;
}

/** `a + b` rounded once to a long double, as the FPU adds. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === "nan" || b.kind === "nan") return { kind: "nan" };
  if (a.kind === "infinity") {
    return b.kind === "infinity" && b.negative !== a.negative ? { kind: "nan" } : a;
  }
  if (b.kind === "infinity") return b;
  if (a.mantissa === 0n) return b.mantissa === 0n ? zero(a.negative && b.negative) : b;
  if (b.mantissa === 0n) return a;
  const exponent = Math.min(a.exponent, b.exponent);
  const x = a.mantissa << BigInt(a.exponent - exponent);
  const y = b.mantissa << BigInt(b.exponent - exponent);
  const sum = (a.negative ? -x : x) + (b.negative ? -y : y);
  if (sum === 0n) return zero(false);
  const negative = sum < 0n;
  // Both inputs are multiples of 2^exponent, so the exact sum never rounds to zero.
  return round(negative, negative ? -sum : sum, 1n, exponent)!;
}

/** Whether the value is NaN or an infinity (INCRBYFLOAT refuses to store those). */
export function isNonFinite(value: LongDouble): boolean {
  return value.kind !== "finite";
}

/**
 * Formats a finite value as C's `%.17Lf` (exact, ties to even) with trailing fraction zeros
 * and a bare point dropped, and "-0" written "0": the text INCRBYFLOAT stores and replies.
 */
export function formatLongDoubleHuman(value: LongDouble): string {
  if (value.kind === "nan") return "nan";
  if (value.kind === "infinity") return value.negative ? "-inf" : "inf";
  const scaled = value.mantissa * 10n ** 17n;
  let fixed: bigint;
  if (value.exponent >= 0) {
    fixed = scaled << BigInt(value.exponent);
  } else {
    const shift = BigInt(-value.exponent);
    fixed = scaled >> shift;
    const twiceRemainder = (scaled - (fixed << shift)) * 2n;
    const half = 1n << shift;
    if (twiceRemainder > half || (twiceRemainder === half && (fixed & 1n) === 1n)) fixed++;
  }
  const digits = fixed.toString().padStart(18, "0");
  const intPart = digits.slice(0, -17);
  let end = digits.length;
  while (end > intPart.length && digits.charCodeAt(end - 1) === 48) end--;
  const text = end === intPart.length ? intPart : `${intPart}.${digits.slice(intPart.length, end)}`;
  return value.negative && text !== "0" ? "-" + text : text;
}
