/**
 * The stream value: entries ordered by ID in nodes shaped like Redis's listpack nodes, plus the
 * stream's metadata and its consumer groups.
 *
 * Redis keeps a stream as a radix tree of listpacks. Each listpack ("node") starts with a master
 * entry (the fields of the first entry added to it), holds up to `stream-node-max-entries`
 * entries or `stream-node-max-bytes` bytes, and deleted entries stay in it as flagged tombstones
 * until the whole node empties. Those node boundaries are visible to clients: `XTRIM ~` and
 * `XADD MAXLEN ~` only drop whole nodes, and XINFO STREAM reports the node count. So this store
 * models the nodes exactly — which entries each holds, which are tombstones, and the byte size
 * the listpack would have — while keeping the data as plain latin1 strings.
 *
 * The nodes sit in an array sorted by their first ID; a lookup is a binary search over the
 * nodes and then within one node, so a range costs O(log n + count).
 *
 * IDs are two unsigned 64-bit numbers. Each part is a `U64`: a JS number while it is a safe
 * integer and a bigint above that, never both for the same value, so `===` and `<` compare them
 * exactly.
 *
 * @example
 * ```ts
 * const stream = new StreamValue();
 * stream.append({ ms: 1, seq: 0 }, ["field", "value"], { maxEntries: 100, maxBytes: 4096 });
 * stream.range({ ms: 0, seq: 0 }, MAX_ID, 10, false); // [[node, 0]]
 * ```
 * @module
 */
import type { CollectionValue } from "./values.ts";

/** An unsigned 64-bit integer: a number when safe, else a bigint. */
export type U64 = number | bigint;

export const U64_MAX = 0xffffffffffffffffn;

export interface StreamId {
  readonly ms: U64;
  readonly seq: U64;
}

export const MIN_ID: StreamId = { ms: 0, seq: 0 };
export const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };

const SAFE = Number.MAX_SAFE_INTEGER;

/** A bigint in 0..2^64-1 in its canonical U64 form. */
export function toU64(value: bigint): U64 {
  return value <= BigInt(SAFE) ? Number(value) : value;
}

export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function isZeroId(id: StreamId): boolean {
  return id.ms === 0 && id.seq === 0;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

function increment(value: U64): U64 {
  return typeof value === "number" && value < SAFE ? value + 1 : toU64(BigInt(value) + 1n);
}

function decrement(value: U64): U64 {
  return typeof value === "number" ? value - 1 : toU64(value - 1n);
}

/** The ID right after `id`, or null after the last possible one. */
export function nextId(id: StreamId): StreamId | null {
  if (id.seq !== U64_MAX) return { ms: id.ms, seq: increment(id.seq) };
  if (id.ms === U64_MAX) return null;
  return { ms: increment(id.ms), seq: 0 };
}

/** The ID right before `id`, or null before 0-0. */
export function previousId(id: StreamId): StreamId | null {
  if (id.seq !== 0) return { ms: id.ms, seq: decrement(id.seq) };
  if (id.ms === 0) return null;
  return { ms: decrement(id.ms), seq: U64_MAX };
}

/** `a - b` wrapped to a signed 64-bit integer, as C computes a listpack delta. */
function delta(a: U64, b: U64): number | bigint {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return BigInt.asIntN(64, BigInt(a) - BigInt(b));
}

// ---------------------------------------------------------------------------------------------
// Listpack sizes: what Redis's node would weigh, for `stream-node-max-bytes`.

/** Bytes of an integer element (encoding plus its one-byte back length). */
function intSize(value: number | bigint): number {
  if (value >= 0 && value <= 127) return 2;
  if (value >= -4096 && value <= 4095) return 3;
  if (value >= -32768 && value <= 32767) return 4;
  if (value >= -8388608 && value <= 8388607) return 5;
  if (value >= -2147483648 && value <= 2147483647) return 6;
  return 10;
}

/** Bytes of a string element: an integer-looking string is stored as an integer. */
function stringSize(text: string): number {
  const n = text.length;
  if (n > 0 && n <= 20) {
    const value = int64OrNull(text);
    if (value !== null) return intSize(value);
  }
  const encoded = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  const back = encoded <= 127
    ? 1
    : encoded < 16383
    ? 2
    : encoded < 2097151
    ? 3
    : encoded < 268435455
    ? 4
    : 5;
  return encoded + back;
}

/** A canonical int64 (no sign but `-`, no leading zeros), else null. */
function int64OrNull(text: string): number | bigint | null {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return null;
  const first = text.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  if (n < 16) return Number(text);
  const big = BigInt(text);
  return big >= -(1n << 63n) && big < 1n << 63n ? big : null;
}

// ---------------------------------------------------------------------------------------------
// Nodes

const DELETED = 1;
const SAME_FIELDS = 2;

/** One listpack node: a run of entries (tombstones included) sharing a master entry. */
export class StreamNode {
  /** The node's key in Redis's radix tree: the ID of the first entry ever added to it. */
  readonly master: StreamId;
  readonly masterFields: string[];
  /** Per entry, tombstones included, in ID order. */
  readonly ms: U64[] = [];
  readonly seq: U64[] = [];
  readonly flags: number[] = [];
  /** Where each entry's strings start in `data`: values only with SAME_FIELDS, else pairs. */
  readonly start: number[] = [];
  readonly data: string[] = [];
  live = 0;
  deleted = 0;
  /** The listpack's size without its two counters (which change size as they change). */
  fixedBytes: number;

  constructor(master: StreamId, fields: string[]) {
    this.master = master;
    this.masterFields = fields;
    let bytes = 7 + intSize(fields.length) + 2; // header, end byte, num-fields, terminator
    for (const field of fields) bytes += stringSize(field);
    this.fixedBytes = bytes;
  }

  /** The bytes Redis's listpack for this node would take. */
  get bytes(): number {
    return this.fixedBytes + intSize(this.live) + intSize(this.deleted);
  }

  get size(): number {
    return this.ms.length;
  }

  id(index: number): StreamId {
    return { ms: this.ms[index], seq: this.seq[index] };
  }

  isDeleted(index: number): boolean {
    return (this.flags[index] & DELETED) !== 0;
  }

  /** Field/value pairs of the entry at `index`, flat. */
  fields(index: number): string[] {
    const start = this.start[index];
    if (this.flags[index] & SAME_FIELDS) {
      const names = this.masterFields;
      const out = new Array<string>(names.length * 2);
      for (let i = 0; i < names.length; i++) {
        out[2 * i] = names[i];
        out[2 * i + 1] = this.data[start + i];
      }
      return out;
    }
    const end = index + 1 < this.start.length ? this.start[index + 1] : this.data.length;
    return this.data.slice(start, end);
  }

  /** Index of the first entry with an ID >= `id` (tombstones included), or `size`. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.ms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ms = this.ms[mid];
      if (ms < id.ms || (ms === id.ms && this.seq[mid] < id.seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds an entry at the end; `pairs` are field, value, field, value... */
  push(id: StreamId, pairs: readonly string[], from: number): void {
    const count = (pairs.length - from) / 2;
    const names = this.masterFields;
    let same = count === names.length;
    for (let i = 0; same && i < count; i++) same = pairs[from + 2 * i] === names[i];
    this.ms.push(id.ms);
    this.seq.push(id.seq);
    this.flags.push(same ? SAME_FIELDS : 0);
    this.start.push(this.data.length);
    let bytes = 2 + intSize(delta(id.ms, this.master.ms)) + intSize(delta(id.seq, this.master.seq));
    if (same) {
      for (let i = 0; i < count; i++) {
        const value = pairs[from + 2 * i + 1];
        this.data.push(value);
        bytes += stringSize(value);
      }
      bytes += intSize(count + 3);
    } else {
      bytes += intSize(count);
      for (let i = from; i < pairs.length; i++) {
        this.data.push(pairs[i]);
        bytes += stringSize(pairs[i]);
      }
      bytes += intSize(count * 2 + 4);
    }
    this.fixedBytes += bytes;
    this.live++;
  }

  /** Marks the entry at `index` deleted (the caller adjusts the counters). */
  markDeleted(index: number): void {
    this.flags[index] |= DELETED;
  }

  clone(): StreamNode {
    const copy = new StreamNode(this.master, this.masterFields.slice());
    copy.ms.push(...this.ms);
    copy.seq.push(...this.seq);
    copy.flags.push(...this.flags);
    copy.start.push(...this.start);
    for (const item of this.data) copy.data.push(item);
    copy.live = this.live;
    copy.deleted = this.deleted;
    copy.fixedBytes = this.fixedBytes;
    return copy;
  }
}

/** Where an entry is: a node and an index in it. */
export interface EntryRef {
  node: StreamNode;
  index: number;
}

/** How big a node may grow (`stream-node-max-entries`, `stream-node-max-bytes`); 0 = no limit. */
export interface NodeLimits {
  maxEntries: number;
  maxBytes: number;
}

/** How XTRIM and XADD's trimming options ask to trim. */
export interface TrimSpec {
  strategy: "maxlen" | "minid";
  maxlen: number;
  minid: StreamId;
  approx: boolean;
  /** Most entries to delete; 0 = no limit. */
  limit: number;
}

const LISTPACK_MAX_SIZE = 1 << 30;

// ---------------------------------------------------------------------------------------------
// Consumer groups

/** One pending entry: delivered to a consumer and not yet acknowledged. */
export class PendingEntry {
  constructor(
    readonly id: StreamId,
    /** When it was last delivered, ms of the server clock. */
    public deliveryTime: number,
    public deliveryCount: number,
    /** Null only for a moment, while XCLAIM FORCE creates it. */
    public consumer: Consumer | null,
  ) {}
}

/**
 * Pending entries ordered by ID: sorted chunks, so lookups, inserts and removals cost
 * O(log n + chunk) however many entries are pending.
 */
export class PendingList {
  #chunks: PendingEntry[][] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The chunk that holds (or would hold) `id`. */
  #chunkFor(id: StreamId): number {
    const chunks = this.#chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (compareIds(chunks[mid][0].id, id) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #indexIn(chunk: PendingEntry[], id: StreamId): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(chunk[mid].id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(id: StreamId): PendingEntry | undefined {
    if (this.#size === 0) return undefined;
    const chunk = this.#chunks[this.#chunkFor(id)];
    const entry = chunk[this.#indexIn(chunk, id)];
    return entry !== undefined && compareIds(entry.id, id) === 0 ? entry : undefined;
  }

  /** Adds `entry` unless its ID is pending already; returns whether it was added. */
  insert(entry: PendingEntry): boolean {
    if (this.#size === 0) {
      this.#chunks.push([entry]);
      this.#size = 1;
      return true;
    }
    const c = this.#chunkFor(entry.id);
    const chunk = this.#chunks[c];
    const i = this.#indexIn(chunk, entry.id);
    if (i < chunk.length && compareIds(chunk[i].id, entry.id) === 0) return false;
    if (i === chunk.length) chunk.push(entry);
    else chunk.splice(i, 0, entry);
    this.#size++;
    if (chunk.length > 256) this.#chunks.splice(c + 1, 0, chunk.splice(128));
    return true;
  }

  remove(id: StreamId): PendingEntry | undefined {
    if (this.#size === 0) return undefined;
    const c = this.#chunkFor(id);
    const chunk = this.#chunks[c];
    const i = this.#indexIn(chunk, id);
    const entry = chunk[i];
    if (entry === undefined || compareIds(entry.id, id) !== 0) return undefined;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    this.#size--;
    return entry;
  }

  first(): PendingEntry | undefined {
    return this.#chunks[0]?.[0];
  }

  last(): PendingEntry | undefined {
    const chunk = this.#chunks[this.#chunks.length - 1];
    return chunk?.[chunk.length - 1];
  }

  /** Entries with IDs >= `from`, in order; the list must not change while iterating. */
  *from(from: StreamId = MIN_ID): IterableIterator<PendingEntry> {
    if (this.#size === 0) return;
    let c = this.#chunkFor(from);
    let i = this.#indexIn(this.#chunks[c], from);
    for (; c < this.#chunks.length; c++, i = 0) {
      const chunk = this.#chunks[c];
      for (; i < chunk.length; i++) yield chunk[i];
    }
  }
}

export class Consumer {
  readonly pending = new PendingList();
  constructor(readonly name: string, public seenTime: number) {}
}

/** `entries-read` when it is not known (Redis's SCG_INVALID_ENTRIES_READ). */
export const UNKNOWN_ENTRIES_READ = -1;

export class ConsumerGroup {
  readonly pending = new PendingList();
  readonly consumers = new Map<string, Consumer>();
  constructor(public lastId: StreamId, public entriesRead: number) {}

  /** Consumers ordered by name, bytewise (Redis keeps them in a radix tree). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }

  /** Removes a consumer and its pending entries from the group. */
  deleteConsumer(consumer: Consumer): void {
    for (const entry of consumer.pending.from()) this.pending.remove(entry.id);
    this.consumers.delete(consumer.name);
  }

  clone(): ConsumerGroup {
    const copy = new ConsumerGroup(this.lastId, this.entriesRead);
    for (const consumer of this.consumers.values()) {
      copy.consumers.set(consumer.name, new Consumer(consumer.name, consumer.seenTime));
    }
    for (const entry of this.pending.from()) {
      const owner = entry.consumer && copy.consumers.get(entry.consumer.name)!;
      const twin = new PendingEntry(entry.id, entry.deliveryTime, entry.deliveryCount, owner);
      copy.pending.insert(twin);
      owner?.pending.insert(twin);
    }
    return copy;
  }
}

// ---------------------------------------------------------------------------------------------
// The stream

export class StreamValue implements CollectionValue {
  readonly type = "stream" as const;
  /** Nodes in ID order. */
  nodes: StreamNode[] = [];
  /** Live entries (XLEN). */
  length = 0;
  lastId: StreamId = MIN_ID;
  /** The first live entry's ID as last recorded (XINFO's recorded-first-entry-id). */
  firstId: StreamId = MIN_ID;
  maxDeletedId: StreamId = MIN_ID;
  entriesAdded = 0;
  /** Created with the first group. */
  groups: Map<string, ConsumerGroup> | null = null;

  encoding(): string {
    return "stream";
  }

  clone(): StreamValue {
    const copy = new StreamValue();
    copy.nodes = this.nodes.map((node) => node.clone());
    copy.length = this.length;
    copy.lastId = this.lastId;
    copy.firstId = this.firstId;
    copy.maxDeletedId = this.maxDeletedId;
    copy.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      copy.groups = new Map();
      for (const [name, group] of this.groups) copy.groups.set(name, group.clone());
    }
    return copy;
  }

  /**
   * Appends an entry with an ID the caller checked is above `lastId`. `pairs` from `from` on
   * are field, value, ... Opens a new node when the last one is full, as Redis does.
   */
  append(id: StreamId, pairs: readonly string[], from: number, limits: NodeLimits): void {
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE) maxBytes = LISTPACK_MAX_SIZE;
      let total = 0;
      for (let i = from; i < pairs.length; i++) total += pairs[i].length;
      if (node.bytes + total >= maxBytes) node = undefined;
      else if (limits.maxEntries > 0 && node.live + node.deleted >= limits.maxEntries) {
        node = undefined;
      }
    }
    if (node === undefined) {
      const fields: string[] = [];
      for (let i = from; i < pairs.length; i += 2) fields.push(pairs[i]);
      node = new StreamNode(id, fields);
      this.nodes.push(node);
    }
    node.push(id, pairs, from);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Index of the node holding `id` or the one before it (Redis's seek `<=`), or -1. */
  #nodeAtOrBefore(id: StreamId): number {
    let lo = 0;
    let hi = this.nodes.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.nodes[mid].master, id) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * Live entries with start <= ID <= end, ascending (or descending when `reverse`), at most
   * `count` of them (0 = all).
   */
  range(start: StreamId, end: StreamId, count: number, reverse: boolean): EntryRef[] {
    const out: EntryRef[] = [];
    const nodes = this.nodes;
    if (nodes.length === 0 || compareIds(start, end) > 0) return out;
    if (!reverse) {
      let n = Math.max(0, this.#nodeAtOrBefore(start));
      let i = nodes[n].lowerBound(start);
      for (; n < nodes.length; n++, i = 0) {
        const node = nodes[n];
        for (; i < node.size; i++) {
          if (node.isDeleted(i)) continue;
          const ms = node.ms[i];
          if (ms > end.ms || (ms === end.ms && node.seq[i] > end.seq)) return out;
          out.push({ node, index: i });
          if (out.length === count) return out;
        }
      }
    } else {
      let n = this.#nodeAtOrBefore(end);
      if (n < 0) return out;
      let i = nodes[n].lowerBound(end);
      if (i === nodes[n].size || compareIds(nodes[n].id(i), end) > 0) i--;
      for (; n >= 0; n--, i = n >= 0 ? nodes[n].size - 1 : 0) {
        const node = nodes[n];
        for (; i >= 0; i--) {
          if (node.isDeleted(i)) continue;
          const ms = node.ms[i];
          if (ms < start.ms || (ms === start.ms && node.seq[i] < start.seq)) return out;
          out.push({ node, index: i });
          if (out.length === count) return out;
        }
      }
    }
    return out;
  }

  /** The live entry with this ID, if any. */
  find(id: StreamId): EntryRef | undefined {
    const n = this.#nodeAtOrBefore(id);
    if (n < 0) return undefined;
    const node = this.nodes[n];
    const i = node.lowerBound(id);
    if (i === node.size || node.isDeleted(i) || compareIds(node.id(i), id) !== 0) {
      return undefined;
    }
    return { node, index: i };
  }

  /** The first or last live entry's ID, or undefined when there is none. */
  edgeId(first: boolean): StreamId | undefined {
    const found = this.range(MIN_ID, MAX_ID, 1, !first)[0];
    return found && found.node.id(found.index);
  }

  /** Deletes one live entry (XDEL); returns whether it was there. */
  delete(id: StreamId): boolean {
    const n = this.#nodeAtOrBefore(id);
    if (n < 0) return false;
    const node = this.nodes[n];
    const i = node.lowerBound(id);
    if (i === node.size || node.isDeleted(i) || compareIds(node.id(i), id) !== 0) return false;
    node.markDeleted(i);
    if (node.live === 1) this.nodes.splice(n, 1);
    else {
      node.live--;
      node.deleted++;
    }
    this.length--;
    return true;
  }

  /** Trims from the oldest entries as Redis's streamTrim does; returns how many went. */
  trim(spec: TrimSpec): number {
    const byLength = spec.strategy === "maxlen";
    let deleted = 0;
    let removedNodes = 0;
    const nodes = this.nodes;
    while (removedNodes < nodes.length) {
      if (byLength && this.length <= spec.maxlen) break;
      const node = nodes[removedNodes];
      const entries = node.live;
      if (spec.limit && deleted + entries > spec.limit) break;
      const removeNode = byLength
        ? this.length - entries >= spec.maxlen
        : compareIds(node.id(node.size - 1), spec.minid) < 0;
      if (removeNode) {
        removedNodes++;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (spec.approx) break;
      let fromNode = 0;
      for (let i = 0; i < node.size; i++) {
        const stop = byLength
          ? this.length <= spec.maxlen
          : compareIds(node.id(i), spec.minid) >= 0;
        if (stop) break;
        if (!node.isDeleted(i)) {
          node.markDeleted(i);
          fromNode++;
          this.length--;
        }
      }
      node.live -= fromNode;
      node.deleted += fromNode;
      deleted += fromNode;
      break;
    }
    if (removedNodes > 0) nodes.splice(0, removedNodes);
    if (this.length === 0) this.firstId = MIN_ID;
    else if (deleted > 0) this.firstId = this.edgeId(true)!;
    return deleted;
  }

  /** Whether a tombstone may lie between `start` and the end of the stream. */
  hasTombstonesFrom(start: StreamId): boolean {
    if (this.length === 0 || isZeroId(this.maxDeletedId)) return false;
    if (compareIds(this.firstId, this.maxDeletedId) > 0) return false;
    return compareIds(start, this.maxDeletedId) <= 0;
  }

  /**
   * How many entries were added up to and including `id` (Redis's logical read counter), or
   * UNKNOWN_ENTRIES_READ when deletions make that impossible to tell.
   */
  entriesReadAt(id: StreamId): number {
    if (this.entriesAdded === 0) return 0;
    const vsLast = compareIds(id, this.lastId);
    if (this.length === 0 && vsLast < 1) return this.entriesAdded;
    if (vsLast === 0) return this.entriesAdded;
    if (vsLast > 0) return UNKNOWN_ENTRIES_READ;
    const vsFirst = compareIds(id, this.firstId);
    if (isZeroId(this.maxDeletedId) || compareIds(this.maxDeletedId, this.firstId) < 0) {
      if (vsFirst < 0) return this.entriesAdded - this.length;
      if (vsFirst === 0) return this.entriesAdded - this.length + 1;
    }
    return UNKNOWN_ENTRIES_READ;
  }

  /** A group's lag (entries not yet delivered to it), or null when it cannot be told. */
  lag(group: ConsumerGroup): number | null {
    if (this.entriesAdded === 0) return 0;
    if (group.entriesRead !== UNKNOWN_ENTRIES_READ && !this.hasTombstonesFrom(group.lastId)) {
      return this.entriesAdded - group.entriesRead;
    }
    const read = this.entriesReadAt(group.lastId);
    return read === UNKNOWN_ENTRIES_READ ? null : this.entriesAdded - read;
  }

  /** Groups ordered by name, bytewise (Redis keeps them in a radix tree). */
  sortedGroups(): Array<[string, ConsumerGroup]> {
    if (this.groups === null) return [];
    return [...this.groups].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  }

  /**
   * How many nodes Redis's radix tree would have for these node keys (XINFO STREAM's
   * radix-tree-nodes): keys are 16 bytes, big endian, and the tree is path-compressed.
   */
  radixTreeNodes(): number {
    if (this.nodes.length === 0) return 1;
    const keys = this.nodes.map((node) => radixKey(node.master));
    return countRadixNodes(keys, 0, keys.length, 0);
  }
}

/** A node's radix tree key: ms and seq as 8 big-endian bytes each, one char per byte. */
function radixKey(id: StreamId): string {
  return bigEndian(id.ms) + bigEndian(id.seq);
}

function bigEndian(part: U64): string {
  let hi: number;
  let lo: number;
  if (typeof part === "number") {
    hi = Math.floor(part / 4294967296);
    lo = part >>> 0;
  } else {
    hi = Number(part >> 32n);
    lo = Number(part & 0xffffffffn);
  }
  return String.fromCharCode(
    hi >>> 24,
    (hi >>> 16) & 255,
    (hi >>> 8) & 255,
    hi & 255,
    lo >>> 24,
    (lo >>> 16) & 255,
    (lo >>> 8) & 255,
    lo & 255,
  );
}

/** Nodes of a compressed radix tree holding sorted `keys[from..to)` below `depth`. */
function countRadixNodes(keys: string[], from: number, to: number, depth: number): number {
  const width = keys[from].length;
  if (depth === width) return 1;
  if (to - from === 1) return 2; // a compressed node with the rest, then the key's leaf
  // Longest common prefix past `depth` (keys are sorted: compare the first and the last).
  let common = depth;
  while (common < width && keys[from][common] === keys[to - 1][common]) common++;
  if (common > depth) return 1 + countRadixNodes(keys, from, to, common);
  let nodes = 1;
  for (let i = from; i < to;) {
    let j = i + 1;
    while (j < to && keys[j][depth] === keys[i][depth]) j++;
    nodes += countRadixNodes(keys, i, j, depth + 1);
    i = j;
  }
  return nodes;
}

/** Whether a stored value is a stream. */
export function isStream(value: unknown): value is StreamValue {
  return value instanceof StreamValue;
}
