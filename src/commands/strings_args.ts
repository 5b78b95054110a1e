/**
 * Option-word matching for the string commands (SET, GETEX, LCS).
 * @module
 */

/**
 * Whether an option word is `keyword` (given in lower-case letters), in any case, without
 * allocating. Redis compares option words as C strings, so a NUL byte ends the word: "nx\0junk"
 * is NX to Redis, and so to us.
 *
 * @example
 * ```ts
 * optionIs("Ex", "ex"); // true
 * optionIs("exat", "ex"); // false
 * ```
 */
export function optionIs(arg: string, keyword: string): boolean {
  const n = keyword.length;
  if (arg.length < n || (arg.length > n && arg.charCodeAt(n) !== 0)) return false;
  for (let i = 0; i < n; i++) {
    // Keywords are letters only, so OR-ing 0x20 folds exactly the upper-case letter onto it.
    if ((arg.charCodeAt(i) | 0x20) !== keyword.charCodeAt(i)) return false;
  }
  return true;
}
