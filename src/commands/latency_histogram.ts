/**
 * Per-command latency distributions, kept as Redis keeps them: an HDR histogram of nanoseconds
 * with two significant digits (256 sub-buckets per power of two), so INFO latencystats prints
 * the same bucket edges (`p50=7.007`) and LATENCY HISTOGRAM the same power-of-two rows.
 * @module
 */

/** log2 of the sub-bucket count: 256 sub-buckets keep two significant decimal digits. */
const SUB_BUCKET_BITS = 8;
const SUB_BUCKET_HALF = 1 << (SUB_BUCKET_BITS - 1);
/** Redis tracks 1 ns to 1 s; slower calls count in the top bucket. */
const HIGHEST_NS = 1_000_000_000;

export class LatencyHistogram {
  /** Count per bucket index (see {@link indexOf}), grown on demand. */
  #counts = new Float64Array(SUB_BUCKET_HALF * 4);
  total = 0;

  /** Records one call that took `usec` microseconds. */
  record(usec: number): void {
    let ns = usec < HIGHEST_NS / 1000 ? (usec * 1000 + 0.5) | 0 : HIGHEST_NS;
    if (ns < 1) ns = 1;
    const index = indexOf(ns);
    if (index >= this.#counts.length) {
      const grown = new Float64Array(Math.max(index + 1, this.#counts.length * 2));
      grown.set(this.#counts);
      this.#counts = grown;
    }
    this.#counts[index]++;
    this.total++;
  }

  /** The latency (ns) at or below which `percentile` % of calls fall: the bucket's top edge. */
  valueAtPercentile(percentile: number): number {
    if (this.total === 0) return 0;
    const wanted = Math.max(1, Math.floor((Math.min(percentile, 100) / 100) * this.total + 0.5));
    let seen = 0;
    for (let index = 0; index < this.#counts.length; index++) {
      seen += this.#counts[index];
      if (seen >= wanted) return highestInBucket(index);
    }
    return highestInBucket(this.#counts.length - 1);
  }

  /**
   * Cumulative counts at power-of-two edges starting at 1024 ns, as LATENCY HISTOGRAM shows them:
   * [the edge's bucket top in µs (truncated), calls at or below it], only where the count grew.
   */
  cumulativeRows(): Array<[number, number]> {
    const rows: Array<[number, number]> = [];
    let seen = 0;
    let previous = 0;
    let index = 0;
    for (let edge = 1024; previous < this.total && edge <= 2 * HIGHEST_NS; edge *= 2) {
      while (index < this.#counts.length && lowestInBucket(index) <= edge) {
        seen += this.#counts[index++];
      }
      if (seen > previous) {
        rows.push([rowLabelUsec(edge), seen]);
        previous = seen;
      }
    }
    return rows;
  }

  reset(): void {
    this.#counts.fill(0);
    this.total = 0;
  }
}

/** How LATENCY HISTOGRAM labels the row of a power-of-two edge: its bucket's top, in whole µs. */
export function rowLabelUsec(edgeNs: number): number {
  return Math.floor(highestInBucket(indexOf(edgeNs)) / 1000);
}

/**
 * Buckets: index < 256 holds values 0..255 exactly; each later run of 128 doubles the width.
 * `ns` is a positive integer below 2^31, so bit tricks replace logarithms (this runs per command).
 */
function indexOf(ns: number): number {
  if (ns < 2 * SUB_BUCKET_HALF) return ns;
  const magnitude = 32 - SUB_BUCKET_BITS - Math.clz32(ns); // floor(log2 ns) - 7, ≥ 1
  return magnitude * SUB_BUCKET_HALF + (ns >>> magnitude); // sub-bucket 128..255
}

function lowestInBucket(index: number): number {
  if (index < 2 * SUB_BUCKET_HALF) return index;
  const magnitude = Math.floor(index / SUB_BUCKET_HALF) - 1;
  const sub = index - magnitude * SUB_BUCKET_HALF;
  return sub * 2 ** magnitude;
}

function highestInBucket(index: number): number {
  if (index < 2 * SUB_BUCKET_HALF) return index;
  const magnitude = Math.floor(index / SUB_BUCKET_HALF) - 1;
  return lowestInBucket(index) + 2 ** magnitude - 1;
}
