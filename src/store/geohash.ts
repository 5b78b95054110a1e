/**
 * The geohash arithmetic behind the geo commands, computed the way Redis 7.0 computes it so
 * that scores, decoded coordinates, search areas and distances agree to the last bit.
 *
 * A point is stored as a sorted set score: 26 bits of latitude and 26 of longitude interleaved
 * (latitude in the even bits), over Redis's Web Mercator limits (latitude ±85.05112878). A
 * score decodes to the centre of its cell. Searches cover a circle or a box with the cell that
 * holds the centre and its 8 neighbours at a coarser step, then filter points by distance.
 *
 * @example
 * ```ts
 * const score = geoScore(13.361389, 38.115556);
 * const [longitude, latitude] = decodeScore(score); // the centre of the point's cell
 * distance(longitude, latitude, 15.087269, 37.502669); // metres, by the haversine formula
 * ```
 * @module
 */

export const LONG_MIN = -180;
export const LONG_MAX = 180;
export const LAT_MIN = -85.05112878;
export const LAT_MAX = 85.05112878;
/** 26 bits per coordinate, 52 in all: a score is exact as a double. */
export const STEP_MAX = 26;
/** The earth's quadratic mean radius, in metres, as Redis uses it. */
export const EARTH_RADIUS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
/** Degrees to radians, as the C constant `M_PI / 180.0` folds. */
const D_R = Math.PI / 180;
const TWO_32 = 4294967296;

/** A geohash of `step` bits per coordinate; `step` 0 with `bits` 0 marks a dropped area. */
export interface GeoHash {
  bits: bigint;
  step: number;
}

/** A decoded cell. */
export interface GeoArea {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

/** Coordinate ranges an encoding works over (Redis's own, or the standard ±90 of GEOHASH). */
export interface CoordRanges {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

export const MERCATOR: CoordRanges = {
  lonMin: LONG_MIN,
  lonMax: LONG_MAX,
  latMin: LAT_MIN,
  latMax: LAT_MAX,
};

/** The low 16 bits of `v` spread to the even bits of a 32-bit value. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  return (v | (v << 1)) & 0x55555555;
}

/** The even bits of a 32-bit value gathered into 16 bits (the inverse of `spread16`). */
function compact16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  return (v | (v >>> 8)) & 0xffff;
}

/** Interleaves two uint32 (latitude in the even bits) into a 64-bit value, as [high, low]. */
function interleave(lat: number, lon: number): [number, number] {
  const low = (spread16(lat) | (spread16(lon) << 1)) >>> 0;
  const high = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
  return [high, low];
}

/** A coordinate's fixed-point offset in its range, truncated to uint32 as C converts it. */
function offset(value: number, min: number, max: number, step: number): number {
  return ((value - min) / (max - min) * 2 ** step) >>> 0;
}

/**
 * Encodes a point at `step` bits per coordinate. The caller has checked the point lies within
 * the ranges; a coordinate at the top of its range overflows into the next bit, as in Redis.
 */
export function encode(
  longitude: number,
  latitude: number,
  step: number,
  ranges: CoordRanges = MERCATOR,
): GeoHash {
  const [high, low] = interleave(
    offset(latitude, ranges.latMin, ranges.latMax, step),
    offset(longitude, ranges.lonMin, ranges.lonMax, step),
  );
  return { bits: (BigInt(high) << 32n) | BigInt(low), step };
}

/** The sorted set score GEOADD stores for a point (already checked to be in range). */
export function geoScore(longitude: number, latitude: number): number {
  const [high, low] = interleave(
    offset(latitude, LAT_MIN, LAT_MAX, STEP_MAX),
    offset(longitude, LONG_MIN, LONG_MAX, STEP_MAX),
  );
  // Below 2^53 the sum is exact; above (a coordinate at its maximum) round once, as strtod does.
  if (high < 0x200000) return high * TWO_32 + low;
  return Number((BigInt(high) << 32n) | BigInt(low));
}

/** A score turned into uint64 as x86-64 code converts a double: [high, low] uint32 halves. */
function scoreBits(score: number): [number, number] {
  if (score >= 0 && score < 2 ** 53) {
    const whole = Math.trunc(score);
    return [Math.floor(whole / TWO_32), whole >>> 0];
  }
  let bits: bigint;
  if (score >= 2 ** 63) {
    // Converted as (score - 2^63) to int64, then the top bit flipped back on; too large is 0.
    bits = score - 2 ** 63 >= 2 ** 63 ? 0n : BigInt(score);
  } else if (score > -(2 ** 63)) {
    bits = BigInt.asUintN(64, BigInt(Math.trunc(score)));
  } else {
    bits = 1n << 63n; // the "integer indefinite" value
  }
  return [Number(bits >> 32n), Number(bits & 0xffffffffn)];
}

function decodeHalves(high: number, low: number, step: number, ranges: CoordRanges): GeoArea {
  const lat = ((compact16(high) << 16) | compact16(low)) >>> 0;
  const lon = ((compact16(high >>> 1) << 16) | compact16(low >>> 1)) >>> 0;
  const cells = 2 ** step;
  const latScale = ranges.latMax - ranges.latMin;
  const lonScale = ranges.lonMax - ranges.lonMin;
  // `+ 1` wraps as uint32 arithmetic does in C.
  return {
    latMin: ranges.latMin + (lat / cells) * latScale,
    latMax: ranges.latMin + (((lat + 1) >>> 0) / cells) * latScale,
    lonMin: ranges.lonMin + (lon / cells) * lonScale,
    lonMax: ranges.lonMin + (((lon + 1) >>> 0) / cells) * lonScale,
  };
}

/** The cell a geohash names. */
export function decodeArea(hash: GeoHash, ranges: CoordRanges = MERCATOR): GeoArea {
  const bits = BigInt.asUintN(64, hash.bits);
  return decodeHalves(Number(bits >> 32n), Number(bits & 0xffffffffn), hash.step, ranges);
}

/** The centre of a cell, clamped to Redis's limits: [longitude, latitude]. */
function centre(area: GeoArea): [number, number] {
  let longitude = (area.lonMin + area.lonMax) / 2;
  if (longitude > LONG_MAX) longitude = LONG_MAX;
  if (longitude < LONG_MIN) longitude = LONG_MIN;
  let latitude = (area.latMin + area.latMax) / 2;
  if (latitude > LAT_MAX) latitude = LAT_MAX;
  if (latitude < LAT_MIN) latitude = LAT_MIN;
  return [longitude, latitude];
}

/** The point a score stands for: [longitude, latitude] (any score decodes to something). */
export function decodeScore(score: number): [number, number] {
  const [high, low] = scoreBits(score);
  return centre(decodeHalves(high, low, STEP_MAX, MERCATOR));
}

/** The 11-character standard geohash (latitude over ±90) GEOHASH replies for a score. */
export function standardGeohash(score: number): string {
  const [longitude, latitude] = decodeScore(score);
  const { bits } = encode(longitude, latitude, STEP_MAX, {
    lonMin: -180,
    lonMax: 180,
    latMin: -90,
    latMax: 90,
  });
  const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
  let text = "";
  for (let i = 0; i < 10; i++) text += alphabet[Number((bits >> BigInt(47 - i * 5)) & 31n)];
  // 52 bits make 10 characters and 2 bits; the 11th is written as if those were zero.
  return text + "0";
}

const EVEN_BITS = 0x5555555555555555n;
const ODD_BITS = 0xaaaaaaaaaaaaaaaan;

/** Moves a geohash one cell east (+1) or west (-1), wrapping at its step's width. */
function moveLongitude(hash: GeoHash, direction: number): GeoHash {
  return move(hash, direction, ODD_BITS, EVEN_BITS);
}

/** Moves a geohash one cell north (+1) or south (-1). */
function moveLatitude(hash: GeoHash, direction: number): GeoHash {
  return move(hash, direction, EVEN_BITS, ODD_BITS);
}

function move(hash: GeoHash, direction: number, mine: bigint, other: bigint): GeoHash {
  if (direction === 0) return hash;
  const shift = BigInt(64 - hash.step * 2);
  let coordinate = hash.bits & mine;
  const rest = hash.bits & other;
  // Filling the other coordinate's bits with ones makes the carry run through them.
  const filler = other >> shift;
  if (direction > 0) coordinate = coordinate + filler + 1n;
  else coordinate = (coordinate | filler) - (filler + 1n);
  coordinate = BigInt.asUintN(64, coordinate) & (mine >> shift);
  return { bits: coordinate | rest, step: hash.step };
}

function moved(hash: GeoHash, east: number, north: number): GeoHash {
  return moveLatitude(moveLongitude(hash, east), north);
}

/** The bits per coordinate to search with for a radius around a latitude. */
function estimateStep(rangeMeters: number, latitude: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  // Cells narrow towards the poles.
  if (latitude > 66 || latitude < -66) {
    step--;
    if (latitude > 80 || latitude < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

/** What a search covers: a circle of `radius` or a `width` × `height` box, in the unit given. */
export type GeoShape =
  & { longitude: number; latitude: number; /** Metres per unit. */ toMeters: number }
  & ({ kind: "radius"; radius: number } | { kind: "box"; width: number; height: number });

/** [minLongitude, minLatitude, maxLongitude, maxLatitude] around the shape. */
function boundingBox(shape: GeoShape): [number, number, number, number] {
  const { longitude, latitude } = shape;
  const half = shape.kind === "radius"
    ? [shape.radius, shape.radius]
    : [shape.height / 2, shape.width / 2];
  const height = shape.toMeters * half[0];
  const width = shape.toMeters * half[1];
  const latDelta = height / EARTH_RADIUS / D_R;
  const lonDeltaTop = width / EARTH_RADIUS / Math.cos((latitude + latDelta) * D_R) / D_R;
  const lonDeltaBottom = width / EARTH_RADIUS / Math.cos((latitude - latDelta) * D_R) / D_R;
  // The box is widest on the side nearer the equator.
  const lonDelta = latitude < 0 ? lonDeltaBottom : lonDeltaTop;
  return [longitude - lonDelta, latitude - latDelta, longitude + lonDelta, latitude + latDelta];
}

const DROPPED: GeoHash = { bits: 0n, step: 0 };

/**
 * The 9 cells to scan for a shape, in Redis's order: centre, N, S, E, W, NE, NW, SE, SW.
 * Cells the shape cannot reach are dropped (step 0).
 */
export function searchAreas(shape: GeoShape): GeoHash[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const { longitude, latitude } = shape;
  const radiusMeters = shape.toMeters *
    (shape.kind === "radius"
      ? shape.radius
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)));
  let step = estimateStep(radiusMeters, latitude);
  let hash = encode(longitude, latitude, step);
  // When the centre sits near a cell edge, a neighbour may not reach the bounding box.
  const north = decodeArea(moved(hash, 0, 1));
  const south = decodeArea(moved(hash, 0, -1));
  const east = decodeArea(moved(hash, 1, 0));
  const west = decodeArea(moved(hash, -1, 0));
  if (
    step > 1 &&
    (north.latMax < maxLat || south.latMin > minLat || east.lonMax < maxLon ||
      west.lonMin > minLon)
  ) {
    step--;
    hash = encode(longitude, latitude, step);
  }
  const area = decodeArea(hash);
  const keep = { n: true, s: true, e: true, w: true };
  if (step >= 2) {
    if (area.latMin < minLat) keep.s = false;
    if (area.latMax > maxLat) keep.n = false;
    if (area.lonMin < minLon) keep.w = false;
    if (area.lonMax > maxLon) keep.e = false;
  }
  const cell = (east: number, north: number, kept: boolean) =>
    kept ? moved(hash, east, north) : DROPPED;
  return [
    hash,
    cell(0, 1, keep.n),
    cell(0, -1, keep.s),
    cell(1, 0, keep.e),
    cell(-1, 0, keep.w),
    cell(1, 1, keep.n && keep.e),
    cell(-1, 1, keep.n && keep.w),
    cell(1, -1, keep.s && keep.e),
    cell(-1, -1, keep.s && keep.w),
  ];
}

/** The scores of a cell's points: [min, max), as doubles. */
export function scoreRangeOf(hash: GeoHash): [number, number] {
  const shift = BigInt(52 - hash.step * 2);
  return [
    Number(BigInt.asUintN(64, hash.bits << shift)),
    Number(BigInt.asUintN(64, (hash.bits + 1n) << shift)),
  ];
}

/** Great-circle distance along a meridian, in metres. */
function latitudeDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS * Math.abs(lat2 * D_R - lat1 * D_R);
}

/**
 * Haversine distance in metres between two points, as Redis computes it. V8's sin, cos and
 * asin may differ from glibc's in the last bit (about 0.1 % of arguments each), which a
 * STOREDIST score, printed with 17 digits, can show.
 */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const v = Math.sin((lon2 * D_R - lon1 * D_R) / 2);
  if (v === 0) return latitudeDistance(lat1, lat2);
  const lat1r = lat1 * D_R;
  const lat2r = lat2 * D_R;
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2 * EARTH_RADIUS * Math.asin(Math.sqrt(a));
}

/**
 * The distance from the shape's centre to a point, or -1 when the point lies outside the
 * shape. A box is measured along the point's parallel and the centre's meridian.
 */
export function distanceWithin(shape: GeoShape, longitude: number, latitude: number): number {
  if (shape.kind === "radius") {
    const d = distance(shape.longitude, shape.latitude, longitude, latitude);
    // NaN (antipodes, rounding) passes, as the C comparison lets it.
    return d > shape.radius * shape.toMeters ? -1 : d;
  }
  if (latitudeDistance(latitude, shape.latitude) > shape.height * shape.toMeters / 2) return -1;
  const across = distance(longitude, latitude, shape.longitude, latitude);
  if (across > shape.width * shape.toMeters / 2) return -1;
  return distance(shape.longitude, shape.latitude, longitude, latitude);
}
