/**
 * The sorted set value: a member → node map for O(1) score lookups, and a skip list with spans
 * that keeps the nodes ordered by (score, member) for O(log n) rank and range queries.
 *
 * Members are latin1 strings, so JS string comparison is Redis's unsigned byte comparison.
 * OBJECT ENCODING says `listpack` while the set stays within the `zset-max-listpack-*` limits
 * and `skiplist` for good once it outgrows them, as Redis converts; both share one structure.
 *
 * @example
 * ```ts
 * const zset = new SortedSet();
 * zset.add("b", 2);
 * zset.add("a", 1);
 * zset.rank("b"); // 1
 * [...zset.elements()]; // ["a", "b"]
 * ```
 * @module
 */
import { ScanCursors } from "./scan.ts";
import type { CollectionValue, EncodingLimits } from "./values.ts";

const MAX_LEVEL = 32;
/** One node in four climbs a level: about 1.33 links per node on average. */
const LEVEL_ODDS = 0.25;

/**
 * A skip list node. Level 0 is held in fields (`next`, `span`: how many level-0 steps the link
 * jumps); the higher levels, which only one node in four has, in `upper` as
 * [next1, span1, next2, span2, ...]. That keeps a typical node to one small object.
 */
export class ZNode {
  member: string;
  score: number;
  backward: ZNode | null = null;
  next: ZNode | null = null;
  span = 0;
  upper: (ZNode | null | number)[] | null;

  constructor(member: string, score: number, level: number) {
    this.member = member;
    this.score = score;
    this.upper = level > 1 ? new Array(2 * (level - 1)).fill(null) : null;
  }
}

function nextAt(node: ZNode, level: number): ZNode | null {
  return level === 0 ? node.next : node.upper![2 * level - 2] as ZNode | null;
}

function spanAt(node: ZNode, level: number): number {
  return level === 0 ? node.span : node.upper![2 * level - 1] as number;
}

function setNext(node: ZNode, level: number, next: ZNode | null): void {
  if (level === 0) node.next = next;
  else node.upper![2 * level - 2] = next;
}

function setSpan(node: ZNode, level: number, span: number): void {
  if (level === 0) node.span = span;
  else node.upper![2 * level - 1] = span;
}

/** A score interval; `minExclusive`/`maxExclusive` for Redis's `(` prefix. */
export interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

/**
 * A lexicographical interval of members. `min`/`max` are latin1 strings; `-` and `+` are
 * represented by `minInfinite`/`maxInfinite`.
 */
export interface LexRange {
  min: string;
  max: string;
  minExclusive: boolean;
  maxExclusive: boolean;
  /** `-` as the lower bound (below every member); `+` as a lower bound matches nothing. */
  minKind: "value" | "neg" | "pos";
  maxKind: "value" | "neg" | "pos";
}

/** Whether (score, member) sorts before the node's. */
function before(score: number, member: string, node: ZNode): boolean {
  return score < node.score || (score === node.score && member < node.member);
}

/** Whether the node sorts before (score, member). */
function nodeBefore(node: ZNode, score: number, member: string): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

/** Scratch space for inserts and deletes (commands run one at a time). */
const UPDATE: ZNode[] = [];
const RANK: number[] = new Array(MAX_LEVEL).fill(0);

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < LEVEL_ODDS) level++;
  return level;
}

export function scoreAboveMin(score: number, range: ScoreRange): boolean {
  return range.minExclusive ? score > range.min : score >= range.min;
}

export function scoreBelowMax(score: number, range: ScoreRange): boolean {
  return range.maxExclusive ? score < range.max : score <= range.max;
}

export function lexAboveMin(member: string, range: LexRange): boolean {
  if (range.minKind !== "value") return range.minKind === "neg";
  return range.minExclusive ? member > range.min : member >= range.min;
}

export function lexBelowMax(member: string, range: LexRange): boolean {
  if (range.maxKind !== "value") return range.maxKind === "pos";
  return range.maxExclusive ? member < range.max : member <= range.max;
}

export class SortedSet implements CollectionValue {
  readonly type = "zset" as const;
  /** Still within the listpack limits (OBJECT ENCODING only; the structure is the same). */
  compact = true;
  #dict = new Map<string, ZNode>();
  #head = new ZNode("", 0, MAX_LEVEL);
  #tail: ZNode | null = null;
  #level = 1;
  /** Nodes in the list (the map may briefly hold one more while a score moves). */
  #length = 0;
  /** ZSCAN's saved iterators, made on the first scan of a big set. */
  #cursors: ScanCursors | null = null;

  get size(): number {
    return this.#dict.size;
  }

  encoding(): string {
    return this.compact ? "listpack" : "skiplist";
  }

  /**
   * Call before adding `member`: leaves the listpack encoding, for good, when one more member
   * or this member's length would pass the limits — before the insert, as Redis converts.
   */
  makeRoomFor(limits: EncodingLimits, member: string): void {
    if (
      this.compact &&
      (this.#dict.size + 1 > limits.zsetMaxListpackEntries ||
        member.length > limits.zsetMaxListpackValue)
    ) {
      this.compact = false;
    }
  }

  /** Picks the encoding a newly built set (ZUNIONSTORE, ZRANGESTORE, ...) gets in Redis. */
  settleEncoding(limits: EncodingLimits): void {
    let fits = this.#dict.size <= limits.zsetMaxListpackEntries;
    for (const member of fits ? this.#dict.keys() : []) {
      if (member.length > limits.zsetMaxListpackValue) fits = false;
    }
    this.compact = fits;
    // A listpack keeps -0 as 0; the order does not change, as -0 === 0.
    for (let node = this.#head.next; fits && node !== null; node = node.next) {
      if (node.score === 0) node.score = 0;
    }
  }

  clone(): SortedSet {
    const copy = new SortedSet();
    copy.compact = this.compact;
    // Appending in order: every insert lands at the tail.
    for (let node = this.#head.next; node !== null; node = node.next) {
      copy.#dict.set(node.member, copy.#link(node.member, node.score));
    }
    return copy;
  }

  score(member: string): number | undefined {
    return this.#dict.get(member)?.score;
  }

  has(member: string): boolean {
    return this.#dict.has(member);
  }

  /** Members in ascending (score, member) order. */
  *elements(): IterableIterator<string> {
    for (let node = this.#head.next; node !== null; node = node.next) yield node.member;
  }

  /** Members in map order (insertion), for ZSCAN and random picks. */
  members(): IterableIterator<string> {
    return this.#dict.keys();
  }

  /** Sets a member's score, adding it if missing. Returns whether it was added. */
  add(member: string, score: number): boolean {
    // A listpack keeps -0 as 0.
    if (this.compact && score === 0) score = 0;
    const node = this.#dict.get(member);
    if (node === undefined) {
      this.#dict.set(member, this.#link(member, score));
      return true;
    }
    if (node.score !== score) this.#rescore(node, score);
    return false;
  }

  /** Removes a member; returns whether it was there. */
  remove(member: string): boolean {
    const node = this.#dict.get(member);
    if (node === undefined) return false;
    this.#unlink(node.score, member);
    this.#dict.delete(member);
    this.#cursors?.noteRemoval();
    return true;
  }

  /**
   * One ZSCAN step over the members in map order: visits up to `count` from `cursor` and
   * returns the next cursor, 0 when done (see `ScanCursors` for the guarantees).
   */
  scan(cursor: bigint, count: number, visit: (member: string, score: number) => void): bigint {
    this.#cursors ??= new ScanCursors();
    return this.#cursors.scan(cursor, count, () => this.#dict.keys(), (member) => {
      const node = this.#dict.get(member);
      if (node !== undefined) visit(member, node.score);
    });
  }

  /** The first (lowest) node, or null when empty. */
  first(): ZNode | null {
    return this.#head.next;
  }

  /** The last (highest) node, or null when empty. */
  last(): ZNode | null {
    return this.#tail;
  }

  /** 0-based rank of a member in ascending order, or -1 when absent. */
  rank(member: string): number {
    const node = this.#dict.get(member);
    if (node === undefined) return -1;
    const { score } = node;
    let rank = 0;
    let x = this.#head;
    for (let i = this.#level - 1; i >= 0; i--) {
      for (;;) {
        const next = nextAt(x, i);
        if (next === null || before(score, member, next)) break;
        rank += spanAt(x, i);
        x = next;
        if (x === node) return rank - 1;
      }
    }
    return rank - 1;
  }

  /** The node at a 0-based ascending rank (0 ≤ rank < size). */
  nodeAt(rank: number): ZNode | null {
    if (rank < 0 || rank >= this.#dict.size) return null;
    const target = rank + 1;
    let traversed = 0;
    let x = this.#head;
    for (let i = this.#level - 1; i >= 0; i--) {
      while (nextAt(x, i) !== null && traversed + spanAt(x, i) <= target) {
        traversed += spanAt(x, i);
        x = nextAt(x, i)!;
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /** The last node (or the head) of the prefix of nodes for which `goesBefore` holds, and its 1-based rank. */
  #lastWhere(goesBefore: (node: ZNode) => boolean): [ZNode, number] {
    let x = this.#head;
    let rank = 0;
    for (let i = this.#level - 1; i >= 0; i--) {
      for (;;) {
        const next = nextAt(x, i);
        if (next === null || !goesBefore(next)) break;
        rank += spanAt(x, i);
        x = next;
      }
    }
    return [x, rank];
  }

  /** The lowest node in the score range, with its 0-based rank; null when none. */
  firstInScoreRange(range: ScoreRange): [ZNode, number] | null {
    const [x, rank] = this.#lastWhere((node) => !scoreAboveMin(node.score, range));
    const node = x.next;
    if (node === null || !scoreBelowMax(node.score, range)) return null;
    return [node, rank];
  }

  /** The highest node in the score range, with its 0-based rank; null when none. */
  lastInScoreRange(range: ScoreRange): [ZNode, number] | null {
    const [x, rank] = this.#lastWhere((node) => scoreBelowMax(node.score, range));
    if (x === this.#head || !scoreAboveMin(x.score, range)) return null;
    return [x, rank - 1];
  }

  /**
   * Redis's quick rejections of a lex range: an inverted one, or one wholly past either end of
   * the set. Members are assumed to share one score; when they do not, these checks (and the
   * linear walks over a listpack below) keep the answers Redis gives.
   */
  #lexRangeEmpty(range: LexRange): boolean {
    const kinds = { neg: -1, value: 0, pos: 1 };
    const byKind = kinds[range.minKind] - kinds[range.maxKind];
    const cmp = byKind !== 0
      ? byKind
      : range.minKind !== "value"
      ? 0
      : range.min < range.max
      ? -1
      : range.min > range.max
      ? 1
      : 0;
    if (cmp > 0 || (cmp === 0 && (range.minExclusive || range.maxExclusive))) return true;
    const first = this.#head.next;
    return first === null || !lexAboveMin(this.#tail!.member, range) ||
      !lexBelowMax(first.member, range);
  }

  /** The lowest node in the lex range, with its 0-based rank; null when none. */
  firstInLexRange(range: LexRange): [ZNode, number] | null {
    if (this.#lexRangeEmpty(range)) return null;
    let node: ZNode | null;
    let rank = 0;
    if (this.compact) {
      node = this.#head.next;
      while (node !== null && !lexAboveMin(node.member, range)) {
        node = node.next;
        rank++;
      }
    } else {
      const [x, before] = this.#lastWhere((n) => !lexAboveMin(n.member, range));
      node = x.next;
      rank = before;
    }
    if (node === null || !lexBelowMax(node.member, range)) return null;
    return [node, rank];
  }

  /** The highest node in the lex range, with its 0-based rank; null when none. */
  lastInLexRange(range: LexRange): [ZNode, number] | null {
    if (this.#lexRangeEmpty(range)) return null;
    let node: ZNode | null;
    let rank: number;
    if (this.compact) {
      node = this.#tail;
      rank = this.#length - 1;
      while (node !== null && !lexBelowMax(node.member, range)) {
        node = node.backward;
        rank--;
      }
      if (node === null) return null;
    } else {
      const [x, through] = this.#lastWhere((n) => lexBelowMax(n.member, range));
      if (x === this.#head) return null;
      node = x;
      rank = through - 1;
    }
    if (!lexAboveMin(node.member, range)) return null;
    return [node, rank];
  }

  /** How many members have scores in the range. */
  countInScoreRange(range: ScoreRange): number {
    const first = this.firstInScoreRange(range);
    if (first === null) return 0;
    return this.lastInScoreRange(range)![1] - first[1] + 1;
  }

  /** How many members are in the lex range. */
  countInLexRange(range: LexRange): number {
    const first = this.firstInLexRange(range);
    if (first === null) return 0;
    if (this.compact) {
      // A listpack is counted by walking on from the first match, as Redis does.
      let count = 0;
      for (let node: ZNode | null = first[0]; node !== null; node = node.next) {
        if (!lexBelowMax(node.member, range)) break;
        count++;
      }
      return count;
    }
    const last = this.lastInLexRange(range);
    return last === null ? 0 : last[1] - first[1] + 1;
  }

  /** Links a new node into the list and returns it (the map is left alone). */
  #link(member: string, score: number): ZNode {
    const update = UPDATE;
    const rank = RANK;
    let x = this.#head;
    for (let i = this.#level - 1; i >= 0; i--) {
      rank[i] = i === this.#level - 1 ? 0 : rank[i + 1];
      for (;;) {
        const next = nextAt(x, i);
        if (next === null || !nodeBefore(next, score, member)) break;
        rank[i] += spanAt(x, i);
        x = next;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.#level) {
      for (let i = this.#level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.#head;
        setSpan(this.#head, i, this.#length);
      }
      this.#level = level;
    }
    const node = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const prev = update[i];
      setNext(node, i, nextAt(prev, i));
      setNext(prev, i, node);
      setSpan(node, i, spanAt(prev, i) - (rank[0] - rank[i]));
      setSpan(prev, i, rank[0] - rank[i] + 1);
    }
    for (let i = level; i < this.#level; i++) setSpan(update[i], i, spanAt(update[i], i) + 1);
    node.backward = update[0] === this.#head ? null : update[0];
    if (node.next !== null) node.next!.backward = node;
    else this.#tail = node;
    this.#length++;
    return node;
  }

  /** Unlinks the node with this (score, member) from the list (the map is left alone). */
  #unlink(score: number, member: string): void {
    const update = UPDATE;
    let x = this.#head;
    for (let i = this.#level - 1; i >= 0; i--) {
      for (;;) {
        const next = nextAt(x, i);
        if (next === null || !nodeBefore(next, score, member)) break;
        x = next;
      }
      update[i] = x;
    }
    const node = x.next!;
    for (let i = 0; i < this.#level; i++) {
      const prev = update[i];
      if (nextAt(prev, i) === node) {
        setSpan(prev, i, spanAt(prev, i) + spanAt(node, i) - 1);
        setNext(prev, i, nextAt(node, i));
      } else {
        setSpan(prev, i, spanAt(prev, i) - 1);
      }
    }
    if (node.next !== null) node.next!.backward = node.backward;
    else this.#tail = node.backward;
    this.#length--;
    while (this.#level > 1 && nextAt(this.#head, this.#level - 1) === null) this.#level--;
  }

  #rescore(node: ZNode, score: number): void {
    const prev = node.backward;
    const next = node.next;
    // Staying between its neighbours: change the score in place, as Redis does.
    if (
      (prev === null || nodeBefore(prev, score, node.member)) &&
      (next === null || before(score, node.member, next))
    ) {
      node.score = score;
      return;
    }
    // Map.set on a present key keeps its place, so a ZSCAN under way still sees it once.
    this.#unlink(node.score, node.member);
    this.#dict.set(node.member, this.#link(node.member, score));
  }
}
