/**
 * Redis 7's multi-part AOF manifest: one line per file, `file <name> seq <n> type <b|h|i>`, the
 * base first, then history (files a rewrite replaced, about to be deleted), then the incremental
 * files in the order they are replayed.
 *
 * @example
 * ```ts
 * const manifest = parseManifest("file appendonly.aof.1.base.rdb seq 1 type b\n");
 * formatManifest(manifest); // the same text back
 * ```
 * @module
 */

/** One file the manifest lists. */
export interface AofFileInfo {
  name: string;
  seq: number;
  /** b: base, h: history (to delete), i: incremental. */
  type: "b" | "h" | "i";
}

export interface AofManifest {
  base: AofFileInfo | null;
  history: AofFileInfo[];
  incrs: AofFileInfo[];
}

/** Thrown for a manifest Redis would also refuse to load. */
export class AofManifestError extends Error {}

/** Parses a manifest's text; throws `AofManifestError` with Redis's reason for a bad one. */
export function parseManifest(text: string): AofManifest {
  const manifest: AofManifest = { base: null, history: [], incrs: [] };
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const words = splitWords(line);
    if (words === null || words.length % 2 !== 0) {
      throw new AofManifestError("Invalid AOF manifest file format");
    }
    const fields = new Map<string, string>();
    for (let i = 0; i < words.length; i += 2) fields.set(words[i], words[i + 1]);
    const name = fields.get("file");
    const seq = Number(fields.get("seq"));
    const type = fields.get("type");
    if (name === undefined || !Number.isSafeInteger(seq) || seq < 1 || type === undefined) {
      throw new AofManifestError("Invalid AOF manifest file format");
    }
    if (type === "b") {
      if (manifest.base !== null) {
        throw new AofManifestError("Found duplicate base file information");
      }
      manifest.base = { name, seq, type };
    } else if (type === "h") {
      manifest.history.push({ name, seq, type });
    } else if (type === "i") {
      const last = manifest.incrs[manifest.incrs.length - 1];
      if (last !== undefined && seq <= last.seq) {
        throw new AofManifestError("Found a non-monotonic sequence number");
      }
      manifest.incrs.push({ name, seq, type });
    } else {
      throw new AofManifestError(`Unknown AOF file type: ${type}`);
    }
  }
  if (manifest.base === null && manifest.incrs.length === 0) {
    throw new AofManifestError("Found an empty AOF manifest");
  }
  return manifest;
}

/** The manifest's text, as Redis writes it. */
export function formatManifest(manifest: AofManifest): string {
  const files = [
    ...(manifest.base === null ? [] : [manifest.base]),
    ...manifest.history,
    ...manifest.incrs,
  ];
  return files.map((file) => `file ${quoted(file.name)} seq ${file.seq} type ${file.type}\n`)
    .join("");
}

/** A file name as Redis quotes it when it holds spaces or odd bytes. */
function quoted(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name) && !name.includes('"')) return name;
  let out = '"';
  for (const char of name) {
    const code = char.charCodeAt(0);
    if (char === "\\" || char === '"') out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code > 0x7e) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return out + '"';
}

/** Words of a line, honouring double quotes with backslash escapes; null when unbalanced. */
function splitWords(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    let word = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        const char = line[i++];
        if (char === '"') break;
        if (char !== "\\") {
          word += char;
          continue;
        }
        const next = line[i++];
        if (next === "x") {
          word += String.fromCharCode(parseInt(line.slice(i, i + 2), 16));
          i += 2;
        } else word += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : next;
      }
    } else {
      while (i < line.length && line[i] !== " " && line[i] !== "\t") word += line[i++];
    }
    words.push(word);
  }
  return words;
}
