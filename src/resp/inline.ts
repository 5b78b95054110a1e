/**
 * Splits an inline command line (as typed in telnet) into arguments the way Redis's
 * `sdssplitargs` does: blanks separate words; "double quotes" understand \n \r \t \b \a \\ \"
 * and \xHH; 'single quotes' understand only \'; a closing quote must be followed by a blank.
 *
 * @example
 * ```ts
 * splitInlineArgs('set k "a\\x41"'); // ["set", "k", "aA"]
 * ```
 * @module
 */

/** Returns the arguments, or `null` when quotes are unbalanced. Input and output are latin1. */
export function splitInlineArgs(line: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    // Redis works on a C string: a NUL byte ends the line.
    if (i >= n || line[i] === "\0") return args;
    let inDouble = false;
    let inSingle = false;
    let current = "";
    for (;;) {
      const c = i < n && line[i] !== "\0" ? line[i] : "";
      if (inDouble) {
        if (c === "\\" && line[i + 1] === "x" && isHex(line[i + 2]) && isHex(line[i + 3])) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === "\\" && i + 1 < n) {
          i++;
          current += ESCAPES[line[i]] ?? line[i];
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        } else if (c === "") {
          return null;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (c === "\\" && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        } else if (c === "") {
          return null;
        } else {
          current += c;
        }
      } else if (c === "" || c === " " || c === "\n" || c === "\r" || c === "\t") {
        break;
      } else if (c === '"') {
        inDouble = true;
      } else if (c === "'") {
        inSingle = true;
      } else {
        current += c;
      }
      i++;
    }
    args.push(current);
  }
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}
