/**
 * Geo commands: GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH, GEOSEARCHSTORE and the older
 * GEORADIUS family. A geo index is a sorted set whose scores are 52-bit geohashes (see
 * `src/store/geohash.ts`), so the sorted set commands see the same scores as in Redis.
 * Replies, argument-check order and errors follow Redis 7.0.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import {
  decodeScore,
  distance,
  distanceWithin,
  geoScore,
  type GeoShape,
  LAT_MAX,
  LAT_MIN,
  LONG_MAX,
  LONG_MIN,
  scoreRangeOf,
  searchAreas,
  standardGeohash,
} from "../store/geohash.ts";
import { SortedSet } from "../store/zset.ts";
import { parseInt64, parseStrictDouble } from "./args.ts";
import type { Client } from "./client.ts";
import { NOT_FLOAT, NOT_INTEGER, ReplyError, SYNTAX_ERROR, WRONGTYPE } from "./errors.ts";
import { notifyKeyspaceEvent } from "./notify.ts";
import { sortedSetCommands } from "./sorted_sets.ts";
import { type ArgSpec, type CommandSpec, defineCommand, type KeyPositions } from "./types.ts";

const BAD_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI";
const BAD_MEMBER = "ERR could not decode requested zset member";

/** GEOADD hands its work to ZADD, as Redis rewrites the command into one. */
const zaddRun = sortedSetCommands.find((command) => command.name === "zadd")!.run!;

function readZset(client: Client, key: string): SortedSet | undefined {
  const value = client.db.read(key);
  if (value === undefined) return undefined;
  if (!(value instanceof SortedSet)) throw new ReplyError(WRONGTYPE);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Arguments

/**
 * A double as Redis's `getDoubleFromObject` reads one: `strtod` over the whole text, refusing
 * NaN and results that overflow to infinity or underflow to zero.
 */
function geoDouble(text: string, error = NOT_FLOAT): number {
  const value = parseStrictDouble(text);
  if (value === null) throw new ReplyError(error);
  return value;
}

/** A longitude, latitude pair at `argv[at]`, checked against Redis's limits. */
function lonLatArgs(argv: Argv, at: number): [number, number] {
  const longitude = geoDouble(argv[at]);
  const latitude = geoDouble(argv[at + 1]);
  if (
    longitude < LONG_MIN || longitude > LONG_MAX || latitude < LAT_MIN || latitude > LAT_MAX
  ) {
    throw new ReplyError(
      `ERR invalid longitude,latitude pair ${printfFixed(longitude, 6)},${
        printfFixed(latitude, 6)
      }`,
    );
  }
  return [longitude, latitude];
}

/** Metres per unit. */
function unitArg(text: string): number {
  const unit = text.toLowerCase();
  if (unit === "m") return 1;
  if (unit === "km") return 1000;
  if (unit === "ft") return 0.3048;
  if (unit === "mi") return 1609.34;
  throw new ReplyError(BAD_UNIT);
}

function memberPosition(zset: SortedSet, member: string): [number, number] {
  const score = zset.score(member);
  if (score === undefined) throw new ReplyError(BAD_MEMBER);
  return decodeScore(score);
}

// ---------------------------------------------------------------------------------------------
// Number formatting

const DOUBLE_BITS = new DataView(new ArrayBuffer(8));

/** A finite double's magnitude as an exact integer `mantissa × 2^exponent`. */
function exactParts(value: number): [bigint, number] {
  DOUBLE_BITS.setFloat64(0, Math.abs(value));
  const bits = DOUBLE_BITS.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0 ? [fraction, -1074] : [fraction | (1n << 52n), biased - 1075];
}

/** C's `%.Nf`: exact decimal value rounded to `digits` places, ties to even. */
function printfFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value < 0 ? "-inf" : "inf";
  const [mantissa, exponent] = exactParts(value);
  const scaled = mantissa * 10n ** BigInt(digits);
  let fixed: bigint;
  if (exponent >= 0) {
    fixed = scaled << BigInt(exponent);
  } else {
    const shift = BigInt(-exponent);
    fixed = scaled >> shift;
    const twiceRest = (scaled - (fixed << shift)) * 2n;
    const half = 1n << shift;
    if (twiceRest > half || (twiceRest === half && (fixed & 1n) === 1n)) fixed++;
  }
  const text = fixed.toString().padStart(digits + 1, "0");
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  return `${sign}${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`;
}

/** A coordinate as Redis prints it: `%.17Lf` without trailing zeros, and never "-0". */
function humanCoordinate(value: number): string {
  let text = printfFixed(value, 17);
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  text = text.slice(0, end);
  return text === "-0" ? "0" : text;
}

/** A distance with 4 decimals, from the product rounded to an integer (ties to even). */
function formatDistance(value: number): string {
  if (value === 0) return "0.0000";
  const scaled = value * 10000;
  // llrint of NaN or of a value beyond int64 gives INT64_MIN.
  if (!(Math.abs(scaled) < 2 ** 63)) return "-922337203685477.5808";
  let whole = Math.round(scaled);
  if (whole - scaled === 0.5 && whole % 2 !== 0) whole--;
  const negative = whole < 0;
  const magnitude = Math.abs(whole);
  // Past 2^53, String() would print the shortest round-trip digits, not the exact integer.
  const digits = (magnitude < 2 ** 53 ? String(magnitude) : BigInt(magnitude).toString())
    .padStart(5, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/** A coordinate reply: a bulk string in RESP2, a double in RESP3. */
function replyCoordinate(client: Client, value: number): void {
  const text = humanCoordinate(value);
  if (client.resp === 3) client.reply.raw(`,${text}\r\n`);
  else client.reply.bulk(text);
}

// ---------------------------------------------------------------------------------------------
// GEOADD, GEOPOS, GEODIST, GEOHASH

function geoadd(client: Client, argv: Argv): void {
  let nx = false;
  let xx = false;
  let at = 2;
  for (; at < argv.length; at++) {
    const word = argv[at].toLowerCase();
    if (word === "nx") nx = true;
    else if (word === "xx") xx = true;
    else if (word !== "ch") break;
  }
  if ((argv.length - at) % 3 !== 0 || (nx && xx)) throw new ReplyError(SYNTAX_ERROR);
  const zaddArgv = argv.slice(0, at);
  zaddArgv[0] = "zadd";
  for (let i = at; i < argv.length; i += 3) {
    const [longitude, latitude] = lonLatArgs(argv, i);
    zaddArgv.push(String(geoScore(longitude, latitude)), argv[i + 2]);
  }
  zaddRun(client, zaddArgv);
}

function geopos(client: Client, argv: Argv): void {
  const zset = readZset(client, argv[1]);
  const reply = client.reply;
  reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = zset?.score(argv[i]);
    if (score === undefined) {
      reply.nullArray();
      continue;
    }
    const [longitude, latitude] = decodeScore(score);
    reply.arrayHeader(2);
    replyCoordinate(client, longitude);
    replyCoordinate(client, latitude);
  }
}

function geodist(client: Client, argv: Argv): void {
  let toMeters = 1;
  if (argv.length === 5) toMeters = unitArg(argv[4]);
  else if (argv.length > 5) throw new ReplyError(SYNTAX_ERROR);
  const zset = readZset(client, argv[1]);
  const first = zset?.score(argv[2]);
  const second = first === undefined ? undefined : zset!.score(argv[3]);
  if (second === undefined) {
    client.reply.nullBulk();
    return;
  }
  const [lon1, lat1] = decodeScore(first!);
  const [lon2, lat2] = decodeScore(second);
  client.reply.bulk(formatDistance(distance(lon1, lat1, lon2, lat2) / toMeters));
}

function geohash(client: Client, argv: Argv): void {
  const zset = readZset(client, argv[1]);
  client.reply.arrayHeader(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = zset?.score(argv[i]);
    if (score === undefined) client.reply.nullBulk();
    else client.reply.bulk(standardGeohash(score));
  }
}

// ---------------------------------------------------------------------------------------------
// Searches

/** A point found by a search. */
interface GeoPoint {
  member: string;
  score: number;
  longitude: number;
  latitude: number;
  /** Metres from the centre until the reply converts it to the unit. */
  dist: number;
}

/** Which command is searching: where its centre and shape come from, whether it may store. */
type SearchKind = "georadius" | "georadiusbymember" | "geosearch" | "geosearchstore";

/**
 * The points of a zset inside the shape, scanning the 9 search cells in Redis's order and
 * stopping once `limit` points are found (0: no limit).
 */
function pointsInShape(zset: SortedSet, shape: GeoShape, limit: number): GeoPoint[] {
  const found: GeoPoint[] = [];
  const areas = searchAreas(shape);
  let last = 0;
  for (let i = 0; i < areas.length; i++) {
    const area = areas[i];
    if (area.step === 0 && area.bits === 0n) continue;
    // Huge radiuses make neighbouring cells repeat: skip a cell equal to the one just scanned.
    if (last !== 0 && area.bits === areas[last].bits && area.step === areas[last].step) continue;
    if (limit > 0 && found.length >= limit) break;
    const [min, max] = scoreRangeOf(area);
    const first = zset.firstInScoreRange({
      min,
      max,
      minExclusive: false,
      maxExclusive: true,
    });
    for (let node = first?.[0] ?? null; node !== null && node.score < max; node = node.next) {
      const [longitude, latitude] = decodeScore(node.score);
      const dist = distanceWithin(shape, longitude, latitude);
      if (!(dist < 0)) {
        found.push({ member: node.member, score: node.score, longitude, latitude, dist });
      }
      if (limit > 0 && found.length >= limit) break;
    }
    last = i;
  }
  return found;
}

type Compare = (a: GeoPoint, b: GeoPoint) => number;

function nearerFirst(a: GeoPoint, b: GeoPoint): number {
  return a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1;
}

function fartherFirst(a: GeoPoint, b: GeoPoint): number {
  return -nearerFirst(a, b);
}

/**
 * A top-down merge sort that splits at n/2 and takes from the left on ties, as glibc's qsort
 * does: the same order as Redis even for the NaN distances the comparison cannot order.
 */
function mergeSort(points: GeoPoint[], compare: Compare): void {
  const scratch = new Array<GeoPoint>(points.length);
  const sort = (from: number, to: number) => {
    const n = to - from;
    if (n <= 1) return;
    const middle = from + Math.floor(n / 2);
    sort(from, middle);
    sort(middle, to);
    let i = from;
    let j = middle;
    let k = 0;
    while (i < middle && j < to) {
      scratch[k++] = compare(points[i], points[j]) <= 0 ? points[i++] : points[j++];
    }
    while (i < middle) scratch[k++] = points[i++];
    for (let m = 0; m < k; m++) points[from + m] = scratch[m];
  };
  sort(0, points.length);
}

/**
 * Redis's partial quicksort (Bentley and McIlroy's, skipping partitions outside the wanted
 * ranks): puts the points of ranks `left`..`right` in place. Unstable, so ties come out in the
 * order Redis's COUNT replies show.
 */
function partialSort(points: GeoPoint[], compare: Compare, left: number, right: number): void {
  const swap = (i: number, j: number) => {
    const t = points[i];
    points[i] = points[j];
    points[j] = t;
  };
  const swapRuns = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const median = (a: number, b: number, c: number) =>
    compare(points[a], points[b]) < 0
      ? (compare(points[b], points[c]) < 0 ? b : compare(points[a], points[c]) < 0 ? c : a)
      : (compare(points[b], points[c]) > 0 ? b : compare(points[a], points[c]) < 0 ? a : c);
  const overlaps = (from: number, n: number) => !(right < from || left > from + n - 1);
  const sort = (base: number, n: number): void => {
    for (;;) {
      if (n < 7) {
        for (let m = base + 1; m < base + n; m++) {
          for (let l = m; l > base && compare(points[l - 1], points[l]) > 0; l--) swap(l, l - 1);
        }
        return;
      }
      let pivot = base + Math.floor(n / 2);
      if (n > 7) {
        let low = base;
        let high = base + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          low = median(low, low + d, low + 2 * d);
          pivot = median(pivot - d, pivot, pivot + d);
          high = median(high - 2 * d, high - d, high);
        }
        pivot = median(low, pivot, high);
      }
      swap(base, pivot);
      let a = base + 1;
      let b = a;
      let c = base + n - 1;
      let d = c;
      for (;;) {
        let order: number;
        while (b <= c && (order = compare(points[b], points[base])) <= 0) {
          if (order === 0) swap(a++, b);
          b++;
        }
        while (b <= c && (order = compare(points[c], points[base])) >= 0) {
          if (order === 0) swap(c, d--);
          c--;
        }
        if (b > c) break;
        swap(b++, c--);
      }
      const end = base + n;
      let r = Math.min(a - base, b - a);
      swapRuns(base, b - r, r);
      r = Math.min(d - c, end - d - 1);
      swapRuns(b, end - r, r);
      r = b - a;
      if (r > 1 && overlaps(base, r)) sort(base, r);
      r = d - c;
      if (r > 1) {
        base = end - r;
        n = r;
        if (overlaps(base, n)) continue;
      }
      return;
    }
  };
  sort(0, points.length);
}

/** The common body of GEOSEARCH, GEOSEARCHSTORE and the GEORADIUS commands. */
function search(client: Client, argv: Argv, kind: SearchKind, canStore: boolean): void {
  const sourceIndex = kind === "geosearchstore" ? 2 : 1;
  const zset = readZset(client, argv[sourceIndex]);
  const isSearch = kind === "geosearch" || kind === "geosearchstore";
  let storeKey: string | null = kind === "geosearchstore" ? argv[1] : null;
  let storeDist = false;
  const shape = { longitude: 0, latitude: 0, toMeters: 1, radius: 0, width: 0, height: 0 };
  let shapeKind: "radius" | "box" = "radius";
  let first: number;
  if (kind === "georadius") {
    first = 6;
    [shape.longitude, shape.latitude] = lonLatArgs(argv, 2);
    [shape.radius, shape.toMeters] = radiusArgs(argv, 4);
  } else if (kind === "georadiusbymember") {
    first = 5;
    // Without the key, only the options are parsed, to pick the right (empty) reply.
    if (zset !== undefined) {
      [shape.longitude, shape.latitude] = memberPosition(zset, argv[2]);
      [shape.radius, shape.toMeters] = radiusArgs(argv, 3);
    }
  } else {
    first = sourceIndex + 1;
  }

  let withDist = false;
  let withHash = false;
  let withCoord = false;
  let fromMember = false;
  let fromLonLat = false;
  let byRadius = false;
  let byBox = false;
  let order: "none" | "asc" | "desc" = "none";
  let any = false;
  let count = 0;
  for (let i = first; i < argv.length; i++) {
    const word = argv[i].toLowerCase();
    const left = argv.length - i - 1;
    if (word === "withdist") withDist = true;
    else if (word === "withhash") withHash = true;
    else if (word === "withcoord") withCoord = true;
    else if (word === "any") any = true;
    else if (word === "asc") order = "asc";
    else if (word === "desc") order = "desc";
    else if (word === "count" && left >= 1) {
      const value = parseInt64(argv[++i]);
      if (value === null) throw new ReplyError(NOT_INTEGER);
      if (value <= 0) throw new ReplyError("ERR COUNT must be > 0");
      count = Number(value);
    } else if ((word === "store" || word === "storedist") && left >= 1 && canStore && !isSearch) {
      storeKey = argv[++i];
      storeDist = word === "storedist";
    } else if (word === "storedist" && kind === "geosearchstore") {
      storeDist = true;
    } else if (word === "frommember" && left >= 1 && isSearch && !fromLonLat) {
      const member = argv[++i];
      if (zset !== undefined) [shape.longitude, shape.latitude] = memberPosition(zset, member);
      fromMember = true;
    } else if (word === "fromlonlat" && left >= 2 && isSearch && !fromMember) {
      [shape.longitude, shape.latitude] = lonLatArgs(argv, i + 1);
      fromLonLat = true;
      i += 2;
    } else if (word === "byradius" && left >= 2 && isSearch && !byBox) {
      [shape.radius, shape.toMeters] = radiusArgs(argv, i + 1);
      shapeKind = "radius";
      byRadius = true;
      i += 2;
    } else if (word === "bybox" && left >= 3 && isSearch && !byRadius) {
      const width = geoDouble(argv[i + 1], "ERR need numeric width");
      const height = geoDouble(argv[i + 2], "ERR need numeric height");
      if (height < 0 || width < 0) throw new ReplyError("ERR height or width cannot be negative");
      shape.toMeters = unitArg(argv[i + 3]);
      shape.width = width;
      shape.height = height;
      shapeKind = "box";
      byBox = true;
      i += 3;
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoord)) {
    const what = kind === "geosearchstore" ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS";
    throw new ReplyError(
      `ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`,
    );
  }
  if (isSearch && !fromMember && !fromLonLat) {
    throw new ReplyError(
      `ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`,
    );
  }
  if (isSearch && !byRadius && !byBox) {
    throw new ReplyError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  }
  if (any && count === 0) throw new ReplyError("ERR the ANY argument requires COUNT argument");

  if (zset === undefined) {
    if (storeKey === null) {
      client.reply.arrayHeader(0);
      return;
    }
    if (client.db.delete(storeKey)) {
      notifyKeyspaceEvent(client, "g", "del", storeKey);
      client.server.stats.dirty++;
    }
    client.reply.integer(0);
    return;
  }

  // COUNT picks the nearest points, so it sorts unless ANY asked for whichever come first.
  if (count !== 0 && order === "none" && !any) order = "asc";
  const geoShape: GeoShape = shapeKind === "radius"
    ? { kind: "radius", ...shape }
    : { kind: "box", ...shape };
  const points = pointsInShape(zset, geoShape, any ? count : 0);
  if (points.length === 0 && storeKey === null) {
    client.reply.arrayHeader(0);
    return;
  }
  const returned = count === 0 || points.length < count ? points.length : count;
  if (order !== "none") {
    const compare = order === "asc" ? nearerFirst : fartherFirst;
    if (returned === points.length) mergeSort(points, compare);
    else partialSort(points, compare, 0, returned - 1);
  }
  if (storeKey === null) {
    replyPoints(client, points, returned, shape.toMeters, withDist, withHash, withCoord);
  } else {
    storePoints(client, storeKey, points, returned, shape.toMeters, storeDist, isSearch);
  }
}

/** `radius unit` at `argv[at]`: [radius, metres per unit]. */
function radiusArgs(argv: Argv, at: number): [number, number] {
  const radius = geoDouble(argv[at], "ERR need numeric radius");
  if (radius < 0) throw new ReplyError("ERR radius cannot be negative");
  return [radius, unitArg(argv[at + 1])];
}

function replyPoints(
  client: Client,
  points: GeoPoint[],
  returned: number,
  toMeters: number,
  withDist: boolean,
  withHash: boolean,
  withCoord: boolean,
): void {
  const reply = client.reply;
  const extras = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoord ? 1 : 0);
  reply.arrayHeader(returned);
  for (let i = 0; i < returned; i++) {
    const point = points[i];
    if (extras > 0) reply.arrayHeader(extras + 1);
    reply.bulk(point.member);
    if (withDist) reply.bulk(formatDistance(point.dist / toMeters));
    if (withHash) reply.integer(scoreAsInteger(point.score));
    if (withCoord) {
      reply.arrayHeader(2);
      replyCoordinate(client, point.longitude);
      replyCoordinate(client, point.latitude);
    }
  }
}

/** A score converted to a C `long long`, as WITHHASH replies it. */
function scoreAsInteger(score: number): number | bigint {
  if (Math.abs(score) < 2 ** 53) return Math.trunc(score);
  return Math.abs(score) < 2 ** 63 ? BigInt(score) : -(2n ** 63n);
}

function storePoints(
  client: Client,
  key: string,
  points: GeoPoint[],
  returned: number,
  toMeters: number,
  storeDist: boolean,
  isSearch: boolean,
): void {
  if (returned > 0) {
    const result = new SortedSet();
    result.compact = false;
    for (let i = 0; i < returned; i++) {
      const point = points[i];
      result.add(point.member, storeDist ? point.dist / toMeters : point.score);
    }
    result.settleEncoding(client.server.keyspace.limits);
    client.db.set(key, result);
    notifyKeyspaceEvent(client, "z", isSearch ? "geosearchstore" : "georadiusstore", key);
    client.server.stats.dirty += returned;
  } else if (client.db.delete(key)) {
    notifyKeyspaceEvent(client, "g", "del", key);
    client.server.stats.dirty++;
  }
  client.reply.integer(returned);
}

// ---------------------------------------------------------------------------------------------
// Declarations

const UNIT: ArgSpec = {
  name: "unit",
  type: "oneof",
  args: [
    { name: "m", type: "pure-token", token: "M" },
    { name: "km", type: "pure-token", token: "KM" },
    { name: "ft", type: "pure-token", token: "FT" },
    { name: "mi", type: "pure-token", token: "MI" },
  ],
};

const ORDER: ArgSpec = {
  name: "order",
  type: "oneof",
  optional: true,
  args: [
    { name: "asc", type: "pure-token", token: "ASC" },
    { name: "desc", type: "pure-token", token: "DESC" },
  ],
};

function countBlock(anySince?: string): ArgSpec {
  return {
    name: "count",
    type: "block",
    optional: true,
    args: [
      { name: "count", type: "integer", token: "COUNT" },
      { name: "any", type: "pure-token", token: "ANY", optional: true, since: anySince },
    ],
  };
}

const WITH_FLAGS: ArgSpec[] = [
  { name: "withcoord", type: "pure-token", token: "WITHCOORD", optional: true },
  { name: "withdist", type: "pure-token", token: "WITHDIST", optional: true },
  { name: "withhash", type: "pure-token", token: "WITHHASH", optional: true },
];

const SEARCH_FROM_BY: ArgSpec[] = [
  {
    name: "from",
    type: "oneof",
    args: [
      { name: "member", type: "string", token: "FROMMEMBER" },
      {
        name: "longitude_latitude",
        type: "block",
        token: "FROMLONLAT",
        args: [
          { name: "longitude", type: "double" },
          { name: "latitude", type: "double" },
        ],
      },
    ],
  },
  {
    name: "by",
    type: "oneof",
    args: [
      {
        name: "circle",
        type: "block",
        args: [{ name: "radius", type: "double", token: "BYRADIUS" }, UNIT],
      },
      {
        name: "box",
        type: "block",
        args: [
          { name: "width", type: "double", token: "BYBOX" },
          { name: "height", type: "double" },
          UNIT,
        ],
      },
    ],
  },
  ORDER,
  countBlock(),
];

const READ_KEY: KeyPositions = { first: 1, last: 1, step: 1, flags: ["RO", "access"] };

/** GEORADIUS's source key, then its STORE and STOREDIST destinations, found after `startFrom`. */
function storingKeys(startFrom: number): KeyPositions[] {
  return [
    READ_KEY,
    ...["STORE", "STOREDIST"].map((keyword): KeyPositions => ({
      first: 0,
      last: 0,
      step: 1,
      flags: ["OW", "update"],
      keyword: { keyword, startFrom },
    })),
  ];
}

const STORE_ARGS: ArgSpec[] = [
  { name: "key", type: "key", keySpecIndex: 1, token: "STORE", optional: true },
  { name: "key", type: "key", keySpecIndex: 2, token: "STOREDIST", optional: true },
];

const RADIUS_COMPLEXITY =
  "O(N + log(M)): N points in the cells around the circle, M points in the index.";

function radiusArgsSpec(anySince?: string): ArgSpec[] {
  return [
    { name: "key", type: "key", keySpecIndex: 0 },
    { name: "longitude", type: "double" },
    { name: "latitude", type: "double" },
    { name: "radius", type: "double" },
    UNIT,
    ...WITH_FLAGS,
    countBlock(anySince),
    ORDER,
  ];
}

function byMemberArgsSpec(): ArgSpec[] {
  return [
    { name: "key", type: "key", keySpecIndex: 0 },
    { name: "member", type: "string" },
    { name: "radius", type: "double" },
    UNIT,
    ...WITH_FLAGS,
    countBlock(),
    ORDER,
  ];
}

export const geoCommands: CommandSpec[] = [
  defineCommand({
    name: "geoadd",
    arity: -5,
    flags: ["write", "denyoom"],
    acl: ["geo"],
    keys: [{ first: 1, last: 1, step: 1, flags: ["RW", "update"] }],
    group: "geo",
    since: "3.2.0",
    summary: "Adds points to a geospatial index, creating the key if needed.",
    complexity: "O(log N) per point, N being the points in the index.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      {
        name: "condition",
        type: "oneof",
        since: "6.2.0",
        optional: true,
        args: [
          { name: "nx", type: "pure-token", token: "NX" },
          { name: "xx", type: "pure-token", token: "XX" },
        ],
      },
      { name: "change", type: "pure-token", token: "CH", since: "6.2.0", optional: true },
      {
        name: "longitude_latitude_member",
        type: "block",
        multiple: true,
        args: [
          { name: "longitude", type: "double" },
          { name: "latitude", type: "double" },
          { name: "member", type: "string" },
        ],
      },
    ],
    history: [["6.2.0", "The `CH`, `NX` and `XX` options."]],
    run: geoadd,
  }),
  defineCommand({
    name: "geodist",
    arity: -4,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [READ_KEY],
    group: "geo",
    since: "3.2.0",
    summary: "Returns the distance between two points of a geospatial index.",
    complexity: "O(log N).",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "member1", type: "string" },
      { name: "member2", type: "string" },
      { ...UNIT, optional: true },
    ],
    run: geodist,
  }),
  defineCommand({
    name: "geohash",
    arity: -2,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [READ_KEY],
    group: "geo",
    since: "3.2.0",
    summary: "Returns points of a geospatial index as standard 11-character geohash strings.",
    complexity: "O(log N) per member asked for.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "member", type: "string", multiple: true },
    ],
    run: geohash,
  }),
  defineCommand({
    name: "geopos",
    arity: -2,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [READ_KEY],
    group: "geo",
    since: "3.2.0",
    summary: "Returns the longitude and latitude of points of a geospatial index.",
    complexity: "O(N) in the members asked for.",
    args: [
      { name: "key", type: "key", keySpecIndex: 0 },
      { name: "member", type: "string", multiple: true },
    ],
    run: geopos,
  }),
  defineCommand({
    name: "georadius",
    arity: -6,
    flags: ["write", "denyoom"],
    acl: ["geo"],
    keys: storingKeys(6),
    group: "geo",
    since: "3.2.0",
    summary: "Finds the points of a geospatial index within a distance of a position.",
    complexity: RADIUS_COMPLEXITY,
    args: [...radiusArgsSpec("6.2.0"), ...STORE_ARGS],
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
    history: [
      ["6.2.0", "The `ANY` option for `COUNT`."],
      ["7.0.0", "Units may be given in upper case."],
    ],
    run: (client, argv) => search(client, argv, "georadius", true),
  }),
  defineCommand({
    name: "georadiusbymember",
    arity: -5,
    flags: ["write", "denyoom"],
    acl: ["geo"],
    keys: storingKeys(5),
    group: "geo",
    since: "3.2.0",
    summary: "Finds the points of a geospatial index within a distance of one of its points.",
    complexity: RADIUS_COMPLEXITY,
    args: [...byMemberArgsSpec(), ...STORE_ARGS],
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
    history: [["7.0.0", "Units may be given in upper case."]],
    run: (client, argv) => search(client, argv, "georadiusbymember", true),
  }),
  defineCommand({
    name: "georadius_ro",
    arity: -6,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [READ_KEY],
    group: "geo",
    since: "3.2.10",
    summary: "The read-only form of GEORADIUS.",
    complexity: RADIUS_COMPLEXITY,
    args: radiusArgsSpec("6.2.0"),
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`GEOSEARCH` with the `BYRADIUS` argument",
    history: [["6.2.0", "The `ANY` option for `COUNT`."]],
    run: (client, argv) => search(client, argv, "georadius", false),
  }),
  defineCommand({
    name: "georadiusbymember_ro",
    arity: -5,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [READ_KEY],
    group: "geo",
    since: "3.2.10",
    summary: "The read-only form of GEORADIUSBYMEMBER.",
    complexity: RADIUS_COMPLEXITY,
    args: byMemberArgsSpec(),
    docFlags: ["deprecated"],
    deprecatedSince: "6.2.0",
    replacedBy: "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
    run: (client, argv) => search(client, argv, "georadiusbymember", false),
  }),
  defineCommand({
    name: "geosearch",
    arity: -7,
    flags: ["readonly"],
    acl: ["geo"],
    keys: [READ_KEY],
    group: "geo",
    since: "6.2.0",
    summary: "Finds the points of a geospatial index inside a circle or a box.",
    complexity: "O(N + log(M)): N points in the cells around the shape, M points in the index.",
    args: [{ name: "key", type: "key", keySpecIndex: 0 }, ...SEARCH_FROM_BY, ...WITH_FLAGS],
    history: [["7.0.0", "Units may be given in upper case."]],
    run: (client, argv) => search(client, argv, "geosearch", false),
  }),
  defineCommand({
    name: "geosearchstore",
    arity: -8,
    flags: ["write", "denyoom"],
    acl: ["geo"],
    keys: [
      { first: 1, last: 1, step: 1, flags: ["OW", "update"] },
      { first: 2, last: 2, step: 1, flags: ["RO", "access"] },
    ],
    group: "geo",
    since: "6.2.0",
    summary: "Stores the points of a geospatial index inside a circle or a box under a key.",
    complexity: "O(N + log(M)): N points in the cells around the shape, M points in the index.",
    args: [
      { name: "destination", type: "key", keySpecIndex: 0 },
      { name: "source", type: "key", keySpecIndex: 1 },
      ...SEARCH_FROM_BY,
      { name: "storedist", type: "pure-token", token: "STOREDIST", optional: true },
    ],
    history: [["7.0.0", "Units may be given in upper case."]],
    run: (client, argv) => search(client, argv, "geosearchstore", false),
  }),
];
