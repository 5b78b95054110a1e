/**
 * The static cluster layout: which node serves which hash slots. Redeno has no cluster bus; every
 * node reads the same small text file (named by `cluster-config-file`) and finds itself in it.
 *
 * The file has one line per node: its id (40 hex digits), its `host:port` as clients reach it,
 * then its slots, each a number or a `first-last` range. `#` starts a comment.
 *
 * @example
 * ```ts
 * const layout = parseLayout(`
 *   # id                                       address          slots
 *   0000000000000000000000000000000000000001 127.0.0.1:7000 0-5460
 *   0000000000000000000000000000000000000002 127.0.0.1:7001 5461-10922
 *   0000000000000000000000000000000000000003 127.0.0.1:7002 10923-16383
 * `);
 * layout.owners[12182]; // 2: the third node serves slot 12182 (the key "foo")
 * findMyself(layout, 7001, ""); // 1
 * ```
 * @module
 */
import { CLUSTER_SLOTS } from "./slots.ts";

/** One node of the layout. */
export interface LayoutNode {
  /** 40 lower-case hex digits, as Redis node ids. */
  id: string;
  /** Host or IP clients use to reach it (MOVED replies and CLUSTER SLOTS name it). */
  host: string;
  port: number;
  /** Its slots as sorted, merged `[first, last]` ranges. */
  ranges: Array<[number, number]>;
  /** Its config epoch: the line number among nodes, from 1. */
  epoch: number;
}

export interface ClusterLayout {
  nodes: LayoutNode[];
  /** For every slot, the index in `nodes` of the node serving it. */
  owners: Uint16Array;
}

/** A layout file that cannot be used; the message says where and why. */
export class LayoutError extends Error {}

/**
 * Parses and checks a layout: every node once (by id and by address), every slot served by
 * exactly one node.
 */
export function parseLayout(text: string): ClusterLayout {
  const nodes: LayoutNode[] = [];
  const owners = new Uint16Array(CLUSTER_SLOTS);
  const assigned = new Uint8Array(CLUSTER_SLOTS);
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const words = lines[n].replace(/#.*/, "").trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    const where = `line ${n + 1}`;
    if (words.length < 2) {
      throw new LayoutError(`${where}: expected '<node-id> <host>:<port> <slots>...'`);
    }
    const [id, address, ...slotWords] = words;
    if (!/^[0-9a-fA-F]{40}$/.test(id)) {
      throw new LayoutError(`${where}: node id '${id}' is not 40 hex digits`);
    }
    const { host, port } = parseAddress(address, where);
    for (const other of nodes) {
      if (other.id === id.toLowerCase()) throw new LayoutError(`${where}: node id ${id} again`);
      if (other.host === host && other.port === port) {
        throw new LayoutError(`${where}: address ${address} again`);
      }
    }
    const index = nodes.length;
    for (const word of slotWords) {
      const [first, last] = parseSlotRange(word, where);
      for (let slot = first; slot <= last; slot++) {
        if (assigned[slot]) {
          throw new LayoutError(
            `${where}: slot ${slot} is already served by ${nodes[owners[slot]].id}`,
          );
        }
        assigned[slot] = 1;
        owners[slot] = index;
      }
    }
    nodes.push({ id: id.toLowerCase(), host, port, ranges: [], epoch: index + 1 });
  }
  if (nodes.length === 0) throw new LayoutError("the layout lists no node");
  const missing = rangesWhere((slot) => assigned[slot] === 0);
  if (missing.length > 0) {
    throw new LayoutError(
      `slots ${formatRanges(missing).join(" ")} are served by no node (every slot must be)`,
    );
  }
  nodes.forEach((node, index) => node.ranges = rangesWhere((slot) => owners[slot] === index));
  return { nodes, owners };
}

/**
 * The index of this node in the layout: the one listening on `port` and, when
 * `cluster-announce-ip` is set, with that host. Throws when none or several match.
 */
export function findMyself(layout: ClusterLayout, port: number, announceIp: string): number {
  const matches = layout.nodes.flatMap((node, index) =>
    node.port === port && (announceIp === "" || node.host === announceIp) ? [index] : []
  );
  const target = announceIp === "" ? `port ${port}` : `${announceIp}:${port}`;
  if (matches.length === 0) {
    throw new LayoutError(`no node of the cluster layout is at ${target}`);
  }
  if (matches.length > 1) {
    throw new LayoutError(
      `several nodes of the cluster layout use ${target}: set cluster-announce-ip to tell ` +
        `which one this is`,
    );
  }
  return matches[0];
}

/** Ranges as CLUSTER NODES writes them: `5`, `0-5460`. */
export function formatRanges(ranges: Array<[number, number]>): string[] {
  return ranges.map(([first, last]) => first === last ? `${first}` : `${first}-${last}`);
}

function parseAddress(address: string, where: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const port = Number(address.slice(colon + 1));
  let host = address.slice(0, Math.max(colon, 0));
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (colon <= 0 || !/^\d+$/.test(address.slice(colon + 1)) || port < 1 || port > 65535) {
    throw new LayoutError(`${where}: '${address}' is not <host>:<port>`);
  }
  return { host, port };
}

function parseSlotRange(word: string, where: string): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(word);
  const first = match ? Number(match[1]) : NaN;
  const last = match?.[2] !== undefined ? Number(match[2]) : first;
  if (!match || last < first || last >= CLUSTER_SLOTS) {
    throw new LayoutError(
      `${where}: '${word}' is not a slot or a range of slots (0 to ${CLUSTER_SLOTS - 1})`,
    );
  }
  return [first, last];
}

function rangesWhere(test: (slot: number) => boolean): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
    if (!test(slot)) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === slot - 1) last[1] = slot;
    else ranges.push([slot, slot]);
  }
  return ranges;
}
