/**
 * Number formatting that matches Redis's C `printf` output byte for byte.
 * @module
 */

/**
 * Formats a double like C's `%.17g`, which Redis 7.0 uses for double replies (ZSCORE,
 * INCRBYFLOAT excepted): 17 significant digits, trailing zeros dropped, exponent form for very
 * large or small magnitudes, and `inf` / `-inf` / `nan`.
 */
export function formatDouble(value: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isNaN(value)) return "nan";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const exponential = value.toExponential(16); // d.dddddddddddddddde±X
  const ePos = exponential.indexOf("e");
  const exponent = Number(exponential.slice(ePos + 1));
  if (exponent < -4 || exponent >= 17) {
    const mantissa = trimFraction(exponential.slice(0, ePos));
    const sign = exponent < 0 ? "-" : "+";
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${mantissa}e${sign}${digits}`;
  }
  return trimFraction(value.toFixed(16 - exponent));
}

function trimFraction(text: string): string {
  if (text.indexOf(".") < 0) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48 /* '0' */) end--;
  if (text.charCodeAt(end - 1) === 46 /* '.' */) end--;
  return text.slice(0, end);
}
