/**
 * LCS: the longest common subsequence of two strings, by the textbook dynamic-programming
 * table, with Redis's options (LEN, IDX, MINMATCHLEN, WITHMATCHLEN) and its reply shapes.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { NOT_INTEGER, SYNTAX_ERROR } from "./errors.ts";
import { optionIs } from "./strings_args.ts";

/** Runs LCS for a client. */
export function lcsCommand(client: Client, argv: Argv): void {
  const db = client.db;
  const reply = client.reply;
  const valueA = db.read(argv[1]);
  const valueB = db.read(argv[2]);
  // Redis checks the keys' types before it reads any option.
  if (
    (valueA !== undefined && typeof valueA !== "string") ||
    (valueB !== undefined && typeof valueB !== "string")
  ) {
    reply.error("ERR The specified keys must contain string values");
    return;
  }
  const a = valueA ?? "";
  const b = valueB ?? "";
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    if (optionIs(opt, "idx")) getIdx = true;
    else if (optionIs(opt, "len")) getLen = true;
    else if (optionIs(opt, "withmatchlen")) withMatchLen = true;
    else if (optionIs(opt, "minmatchlen") && j < argv.length - 1) {
      const value = parseInt64(argv[++j]);
      if (value === null) {
        reply.error(NOT_INTEGER);
        return;
      }
      // Past 2^53 no match is long enough either way.
      minMatchLen = value < 0 ? 0 : Number(value);
    } else {
      reply.error(SYNTAX_ERROR);
      return;
    }
  }
  if (getIdx && getLen) {
    reply.error("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  const tableBytes = (a.length + 1) * (b.length + 1) * 4;
  if (tableBytes > client.server.config.getNumber("proto-max-bulk-len")) {
    reply.error(
      "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
    );
    return;
  }
  if (getLen && !getIdx) {
    reply.integer(lcsLength(a, b));
    return;
  }
  const table = lcsTable(a, b);
  if (getIdx) replyMatches(client, a, b, table, minMatchLen, withMatchLen);
  else reply.bulk(lcsString(a, b, table));
}

/** The LCS length alone, in two rows of the table. */
function lcsLength(a: string, b: string): number {
  const width = b.length + 1;
  let previous = new Uint32Array(width);
  let current = new Uint32Array(width);
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j < width; j++) {
      current[j] = ca === b.charCodeAt(j - 1)
        ? previous[j - 1] + 1
        : Math.max(previous[j], current[j - 1]);
    }
    [previous, current] = [current, previous];
  }
  return previous[width - 1];
}

/** The full table: cell (i, j), at i × (|b|+1) + j, is the LCS length of a[0,i) and b[0,j). */
function lcsTable(a: string, b: string): Uint32Array | Uint16Array {
  const width = b.length + 1;
  // Cells never exceed the shorter length, so small strings halve the table.
  const table = Math.min(a.length, b.length) < 0x10000
    ? new Uint16Array((a.length + 1) * width)
    : new Uint32Array((a.length + 1) * width);
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * width;
    const above = row - width;
    for (let j = 1; j < width; j++) {
      table[row + j] = ca === b.charCodeAt(j - 1)
        ? table[above + j - 1] + 1
        : Math.max(table[above + j], table[row + j - 1]);
    }
  }
  return table;
}

/** Walks the table back from the end, collecting the common subsequence. */
function lcsString(a: string, b: string, table: Uint32Array | Uint16Array): string {
  const width = b.length + 1;
  const chars: string[] = [];
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars.push(a[i - 1]);
      i--;
      j--;
    } else if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
    else j--;
  }
  return chars.reverse().join("");
}

/**
 * The IDX reply: matching ranges from the end of the strings backwards (each as
 * [[aStart, aEnd], [bStart, bEnd]] plus its length with WITHMATCHLEN), then the LCS length.
 * The walk is Redis's, so ties between equal paths resolve to the same ranges.
 */
function replyMatches(
  client: Client,
  a: string,
  b: string,
  table: Uint32Array | Uint16Array,
  minMatchLen: number,
  withMatchLen: boolean,
): void {
  const width = b.length + 1;
  const ranges: number[] = [];
  let i = a.length;
  let j = b.length;
  let inRange = false;
  let aStart = 0, aEnd = 0, bStart = 0, bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      if (!inRange) {
        inRange = true;
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
      else j--;
      if (inRange) emit = true;
    }
    if (emit) {
      const length = aEnd - aStart + 1;
      if (minMatchLen === 0 || length >= minMatchLen) ranges.push(aStart, aEnd, bStart, bEnd);
      inRange = false;
    }
  }
  const reply = client.reply;
  reply.mapHeader(2);
  reply.bulk("matches");
  reply.arrayHeader(ranges.length / 4);
  for (let k = 0; k < ranges.length; k += 4) {
    reply.arrayHeader(withMatchLen ? 3 : 2);
    reply.arrayHeader(2);
    reply.integer(ranges[k]);
    reply.integer(ranges[k + 1]);
    reply.arrayHeader(2);
    reply.integer(ranges[k + 2]);
    reply.integer(ranges[k + 3]);
    if (withMatchLen) reply.integer(ranges[k + 1] - ranges[k] + 1);
  }
  reply.bulk("len");
  reply.integer(table[table.length - 1]);
}
