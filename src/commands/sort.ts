/**
 * SORT and SORT_RO: sort (or just read) the elements of a list, set or sorted set, optionally by
 * the values of other keys (BY), fetch related values (GET), and store the result as a list.
 *
 * The order in which Redis checks things decides which error a client sees, and is kept here:
 * options are parsed first (a syntax or integer error wins over anything), then the key's type,
 * then scores are computed; a score that is not a number is reported only after all of them.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Database } from "../store/keyspace.ts";
import { ListValue } from "../store/list.ts";
import type { CollectionValue, Value } from "../store/values.ts";
import { integerArg, isKeyword } from "./args.ts";
import type { Client } from "./client.ts";
import { ReplyError, SYNTAX_ERROR, WRONGTYPE } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { type ArgSpec, type CommandSpec, defineCommand, type KeyPositions } from "./types.ts";
import { SortedSet } from "../store/zset.ts";

const NOT_A_DOUBLE = "ERR One or more scores can't be converted into double";

/** What SORT reads of a list, set or sorted set (list: head to tail; zset: by rank). */
interface Sequence extends CollectionValue {
  elements(): IterableIterator<string>;
  readonly size: number;
}

/** What SORT reads of a hash (a `key->field` pattern). */
interface FieldLookup extends CollectionValue {
  get(field: string): string | undefined;
}

/** One element being sorted, with what it is compared by. */
interface SortEntry {
  element: string;
  /** Numeric sort: the BY value (or the element) as a double; 0 when the BY key is missing. */
  score: number;
  /** ALPHA with BY: the BY value, or null when the BY key is missing. */
  by: string | null;
}

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  /** LIMIT offset and count as given; count < 0 means "to the end". */
  offset: number;
  count: number;
  /** The BY pattern; null sorts by the elements themselves. */
  by: string | null;
  /** BY with no `*` in it (e.g. `nosort`): keep the stored order. */
  dontSort: boolean;
  get: string[];
  store: string | null;
}

/** The text C string functions see: everything before the first NUL byte. */
function cString(text: string): string {
  const nul = text.indexOf("\0");
  return nul < 0 ? text : text.slice(0, nul);
}

/** Byte order, shorter first on a common prefix (Redis's binary string compare). */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const LEADING_SPACE = /^[ \t\n\v\f\r]*/;
const DECIMAL_PREFIX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX_PREFIX = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?/;
const SPECIAL_PREFIX = /^[+-]?(?:infinity|inf|nan)/i;
const SMALLEST_NORMAL = 2.2250738585072014e-308;

/**
 * A SORT score as C's `strtod` reads it where Redis calls it: leading blanks allowed, the number
 * must run to the end of the text (or to a NUL byte), and a NaN, an overflow or an underflow
 * (a result below the smallest normal double) is refused. The empty text is 0. Returns null
 * when the text is not such a number.
 */
export function parseSortScore(text: string): number | null {
  const body = cString(text);
  if (body.length === 0) return 0;
  const rest = body.slice(LEADING_SPACE.exec(body)![0].length);
  const special = SPECIAL_PREFIX.exec(rest);
  if (special) {
    const word = special[0].replace(/^[+-]/, "").toLowerCase();
    if (word === "nan" || special[0].length !== rest.length) return null;
    return special[0].startsWith("-") ? -Infinity : Infinity;
  }
  const hex = HEX_PREFIX.exec(rest);
  const decimal = hex ? null : DECIMAL_PREFIX.exec(rest);
  const match = hex ?? decimal;
  if (match === null || match[0].length !== rest.length) return null;
  const value = hex ? parseHexFloat(match[0]) : Number(match[0]);
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return null;
  if (magnitude < SMALLEST_NORMAL && !isZeroLiteral(match[0], hex !== null)) return null;
  return value;
}

/** Whether a number's digits are all zeros (so a zero result is exact, not an underflow). */
function isZeroLiteral(literal: string, hex: boolean): boolean {
  const digits = hex ? literal.replace(/^[+-]?0[xX]/, "").replace(/[pP].*$/, "") : literal.replace(
    /[eE].*$/,
    "",
  );
  return !/[1-9a-fA-F]/.test(digits);
}

function parseHexFloat(literal: string): number {
  const negative = literal.startsWith("-");
  const [mantissa, exponent = "0"] = literal.replace(/^[+-]?0[xX]/, "").split(/[pP]/);
  const [whole, fraction = ""] = mantissa.split(".");
  let value = whole ? parseInt(whole, 16) : 0;
  for (let i = 0; i < fraction.length; i++) value += parseInt(fraction[i], 16) / 16 ** (i + 1);
  value *= 2 ** Number(exponent);
  return negative ? -value : value;
}

/**
 * Resolves a BY or GET pattern for one element, as Redis does: `#` is the element itself; else
 * the first `*` is replaced by the element and the key read — a string, or with `->field` after
 * the `*`, that field of a hash. Anything else (no `*`, a missing key, another type) is null.
 */
export function lookupByPattern(db: Database, pattern: string, element: string): string | null {
  const visible = cString(pattern); // Redis searches the pattern with C string functions
  if (visible === "#") return element;
  const star = visible.indexOf("*");
  if (star < 0) return null;
  const arrow = visible.indexOf("->", star + 1);
  const hasField = arrow >= 0 && arrow + 2 < visible.length;
  const field = hasField ? pattern.slice(arrow + 2) : null;
  const keyEnd = hasField ? arrow : pattern.length;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, keyEnd);
  const value = db.read(key);
  if (value === undefined) return null;
  if (field === null) return typeof value === "string" ? value : null;
  if (typeof value === "string" || value.type !== "hash") return null;
  return (value as FieldLookup).get(field) ?? null;
}

function parseOptions(argv: Argv, readonly: boolean): SortOptions {
  const options: SortOptions = {
    desc: false,
    alpha: false,
    offset: 0,
    count: -1,
    by: null,
    dontSort: false,
    get: [],
    store: null,
  };
  for (let j = 2; j < argv.length; j++) {
    const word = argv[j];
    const left = argv.length - j - 1;
    if (isKeyword(word, "asc")) {
      options.desc = false;
    } else if (isKeyword(word, "desc")) {
      options.desc = true;
    } else if (isKeyword(word, "alpha")) {
      options.alpha = true;
    } else if (isKeyword(word, "limit") && left >= 2) {
      options.offset = integerArg(argv[j + 1]);
      options.count = integerArg(argv[j + 2]);
      j += 2;
    } else if (!readonly && isKeyword(word, "store") && left >= 1) {
      options.store = argv[++j];
    } else if (isKeyword(word, "by") && left >= 1) {
      options.by = argv[++j];
      options.dontSort = !cString(options.by).includes("*");
    } else if (isKeyword(word, "get") && left >= 1) {
      options.get.push(argv[++j]);
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  return options;
}

/** The elements of `value` from index `start` to `end` (inclusive), in stored or reverse order. */
function elementRange(value: Sequence, start: number, end: number, reverse: boolean): string[] {
  const out: string[] = [];
  if (end < start) return out;
  if (!reverse) {
    let i = 0;
    for (const element of value.elements()) {
      if (i > end) break;
      if (i >= start) out.push(element);
      i++;
    }
    return out;
  }
  const all = [...value.elements()];
  for (let i = all.length - 1 - start; i >= all.length - 1 - end; i--) out.push(all[i]);
  return out;
}

function compareEntries(options: SortOptions, byPattern: boolean, storing: boolean) {
  // Without STORE Redis compares text with strcoll, which in the C locale is strcmp: it stops
  // at a NUL byte. With STORE it compares whole byte strings.
  const compareText = storing
    ? compareBytes
    : (a: string, b: string) => compareBytes(cString(a), cString(b));
  const sign = options.desc ? -1 : 1;
  if (!options.alpha) {
    return (a: SortEntry, b: SortEntry) =>
      sign * (a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element));
  }
  if (byPattern) {
    return (a: SortEntry, b: SortEntry) => {
      if (a.by === null || b.by === null) {
        return sign * (a.by === b.by ? 0 : a.by === null ? -1 : 1);
      }
      return sign * compareText(a.by, b.by);
    };
  }
  return (a: SortEntry, b: SortEntry) => sign * compareText(a.element, b.element);
}

function sort(client: Client, argv: Argv, readonly: boolean): void {
  const options = parseOptions(argv, readonly);
  const db = client.db;
  const found: Value | undefined = db.read(argv[1]);
  if (
    found !== undefined &&
    (typeof found === "string" ||
      (found.type !== "list" && found.type !== "set" && found.type !== "zset"))
  ) {
    throw new ReplyError(WRONGTYPE);
  }
  const value = found as Sequence | undefined;
  const type = value?.type ?? "list";
  // Redis converts a listpack sorted set to a skiplist before sorting it (even for SORT_RO).
  if (found instanceof SortedSet) found.compact = false;
  // A set's order is its hash order: what gets stored must not depend on it, so Redis sorts it.
  if (options.dontSort && type === "set" && options.store !== null) {
    options.dontSort = false;
    options.alpha = true;
    options.by = null;
  }

  const length = value?.size ?? 0;
  let start = options.offset < 0 ? 0 : options.offset;
  let end = options.count < 0 ? length - 1 : start + options.count - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;

  let elements: string[];
  if (value === undefined) {
    elements = [];
  } else if (options.dontSort && type !== "set") {
    // Lists and sorted sets keep their own order (reversed by DESC); only the range is read.
    elements = elementRange(value, start, end, options.desc);
    end -= start;
    start = 0;
  } else {
    elements = [...value.elements()];
  }

  const entries: SortEntry[] = elements.map((element) => ({ element, score: 0, by: null }));
  if (!options.dontSort) {
    let notANumber = false;
    for (const entry of entries) {
      const by = options.by === null
        ? entry.element
        : lookupByPattern(db, options.by, entry.element);
      if (by === null) continue;
      if (options.alpha) {
        if (options.by !== null) entry.by = by;
      } else {
        const score = parseSortScore(by);
        if (score === null) notANumber = true;
        else entry.score = score;
      }
    }
    // Reported once every BY key was read, as Redis does (the reads count as keyspace hits).
    if (notANumber) throw new ReplyError(NOT_A_DOUBLE);
    entries.sort(compareEntries(options, options.by !== null, options.store !== null));
  }

  const selected = end >= start ? entries.slice(start, end + 1) : [];
  if (options.store === null) {
    replyEntries(client, selected, options.get);
  } else {
    store(client, options.store, selected, options.get);
  }
}

function replyEntries(client: Client, entries: SortEntry[], get: string[]): void {
  const reply = client.reply;
  if (get.length === 0) {
    reply.arrayHeader(entries.length);
    for (const entry of entries) reply.bulk(entry.element);
    return;
  }
  reply.arrayHeader(entries.length * get.length);
  for (const entry of entries) {
    for (const pattern of get) reply.bulkOrNull(lookupByPattern(client.db, pattern, entry.element));
  }
}

function store(client: Client, key: string, entries: SortEntry[], get: string[]): void {
  const items: string[] = [];
  for (const entry of entries) {
    if (get.length === 0) items.push(entry.element);
    for (const pattern of get) items.push(lookupByPattern(client.db, pattern, entry.element) ?? "");
  }
  const db = client.db;
  if (items.length > 0) {
    db.set(key, new ListValue(items));
    notifyKeyspaceEvent(client, "l", "sortstore", key);
    client.server.stats.dirty += items.length;
  } else if (db.delete(key)) {
    notifyKeyspaceEvent(client, "g", "del", key);
    client.server.stats.dirty++;
  }
  client.reply.integer(items.length);
}

/**
 * The keys of a SORT command line: the sorted key, and the destination of the last STORE. The
 * words before it are skipped by how many arguments each option takes (as Redis does, so
 * `STORE` inside a BY or GET pattern is not taken for the option).
 */
export function sortKeys(argv: Argv): Array<{ index: number; flags: KeyPositions["flags"] }> {
  const keys: Array<{ index: number; flags: KeyPositions["flags"] }> = [
    { index: 1, flags: ["RO", "access"] },
  ];
  let store: number | null = null;
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i];
    if (isKeyword(word, "limit")) i += 2;
    else if (isKeyword(word, "get") || isKeyword(word, "by")) i += 1;
    else if (isKeyword(word, "store") && i + 1 < argv.length) store = i + 1;
  }
  if (store !== null) keys.push({ index: store, flags: ["OW", "update"] });
  return keys;
}

const SORTED_KEY: KeyPositions = { first: 1, last: 1, step: 1, flags: ["RO", "access"] };
const PATTERN_KEYS: KeyPositions = {
  first: 0,
  last: 0,
  step: 0,
  flags: ["RO", "access"],
  unknown: true,
  notes:
    "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort",
};
const STORE_KEY: KeyPositions = {
  first: 0,
  last: 0,
  step: 0,
  flags: ["OW", "update"],
  unknown: true,
  notes:
    "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array",
};

const READ_ARGS: ArgSpec[] = [
  { name: "key", type: "key", keySpecIndex: 0 },
  { name: "pattern", type: "pattern", keySpecIndex: 1, token: "BY", optional: true },
  {
    name: "offset_count",
    type: "block",
    token: "LIMIT",
    optional: true,
    args: [
      { name: "offset", type: "integer" },
      { name: "count", type: "integer" },
    ],
  },
  {
    name: "pattern",
    type: "pattern",
    keySpecIndex: 1,
    token: "GET",
    optional: true,
    multiple: true,
    multipleToken: true,
  },
  {
    name: "order",
    type: "oneof",
    optional: true,
    args: [
      { name: "asc", type: "pure-token", token: "ASC" },
      { name: "desc", type: "pure-token", token: "DESC" },
    ],
  },
  { name: "sorting", type: "pure-token", token: "ALPHA", optional: true },
];

const COMPLEXITY =
  "O(N + M log M) for N elements of which M are returned; O(N) when the elements are not sorted.";

export const sortCommands: CommandSpec[] = [
  defineCommand({
    name: "sort",
    arity: -2,
    flags: ["write", "denyoom"],
    acl: ["set", "sortedset", "list", "dangerous"],
    keys: [SORTED_KEY, PATTERN_KEYS, STORE_KEY],
    getKeys: sortKeys,
    group: "generic",
    since: "1.0.0",
    summary:
      "Orders the elements of a list, set or sorted set, optionally by other keys' values, and returns or stores them.",
    complexity: COMPLEXITY,
    args: [
      ...READ_ARGS,
      { name: "destination", type: "key", keySpecIndex: 2, token: "STORE", optional: true },
    ],
    run: (client, argv) => sort(client, argv, false),
  }),
  defineCommand({
    name: "sort_ro",
    arity: -2,
    flags: ["readonly"],
    acl: ["set", "sortedset", "list", "dangerous"],
    keys: [SORTED_KEY, PATTERN_KEYS],
    group: "generic",
    since: "7.0.0",
    summary:
      "Orders the elements of a list, set or sorted set without storing them (SORT's read-only form).",
    complexity: COMPLEXITY,
    args: READ_ARGS,
    run: (client, argv) => sort(client, argv, true),
  }),
];
