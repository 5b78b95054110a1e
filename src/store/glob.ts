/**
 * Glob matching with Redis's rules (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, and `\`
 * escapes. Used by KEYS, SCAN MATCH, CONFIG GET, and pub/sub patterns.
 *
 * @example
 * ```ts
 * globMatch("user:[0-9]*", "user:42"); // true
 * ```
 * @module
 */

/** Whether latin1 `text` matches latin1 `pattern`; `nocase` folds ASCII letters. */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  return matchFrom(pattern, 0, text, 0, nocase, 0) === MATCH;
}

const MATCH = 1;
const NO_MATCH = 0;
/** No match here and none possible further right: stops the `*` backtracking early. */
const GIVE_UP = 2;

function fold(c: number, nocase: boolean): number {
  return nocase && c >= 65 && c <= 90 ? c + 32 : c;
}

function signed(c: number): number {
  return c > 127 ? c - 256 : c;
}

function matchFrom(
  pattern: string,
  p: number,
  text: string,
  t: number,
  nocase: boolean,
  depth: number,
): number {
  // Redis caps recursion too, so a hostile pattern cannot exhaust the stack.
  if (depth > 1000) return GIVE_UP;
  const plen = pattern.length;
  const tlen = text.length;
  while (p < plen && t < tlen) {
    const pc = pattern.charCodeAt(p);
    if (pc === 42 /* '*' */) {
      while (p + 1 < plen && pattern.charCodeAt(p + 1) === 42) p++;
      if (p + 1 === plen) return MATCH;
      for (; t < tlen; t++) {
        const result = matchFrom(pattern, p + 1, text, t, nocase, depth + 1);
        if (result !== NO_MATCH) return result;
      }
      return GIVE_UP;
    } else if (pc === 63 /* '?' */) {
      t++;
    } else if (pc === 91 /* '[' */) {
      p++;
      const negate = pattern.charCodeAt(p) === 94; /* '^' */
      if (negate) p++;
      let matched = false;
      const tc = fold(text.charCodeAt(t), nocase);
      for (;;) {
        if (p >= plen) {
          p--; // an unterminated class ends at the pattern's end, as in Redis
          break;
        }
        const c = pattern.charCodeAt(p);
        if (c === 92 /* '\\' */ && p + 1 < plen) {
          p++;
          if (pattern.charCodeAt(p) === text.charCodeAt(t)) matched = true;
        } else if (c === 93 /* ']' */) {
          break;
        } else if (p + 2 < plen && pattern.charCodeAt(p + 1) === 45 /* '-' */) {
          // Redis compares C chars, signed on the platforms it runs on: bytes ≥ 0x80 sort
          // below 0 in a range.
          let start = signed(c);
          let end = signed(pattern.charCodeAt(p + 2));
          if (start > end) [start, end] = [end, start];
          start = fold(start, nocase);
          end = fold(end, nocase);
          p += 2;
          const sc = signed(tc);
          if (sc >= start && sc <= end) matched = true;
        } else if (fold(c, nocase) === tc) {
          matched = true;
        }
        p++;
      }
      if (negate) matched = !matched;
      if (!matched) return NO_MATCH;
      t++;
    } else {
      if (pc === 92 /* '\\' */ && p + 1 < plen) p++;
      if (fold(pattern.charCodeAt(p), nocase) !== fold(text.charCodeAt(t), nocase)) {
        return NO_MATCH;
      }
      t++;
    }
    p++;
    if (t === tlen) {
      while (p < plen && pattern.charCodeAt(p) === 42) p++;
      break;
    }
  }
  return p === plen && t === tlen ? MATCH : NO_MATCH;
}
