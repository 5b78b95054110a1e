/**
 * This node's view of the cluster: the static layout, which node it is, and its keys by slot.
 * `redirect` decides, from a command's keys, whether this node serves it or where the client
 * must go, with Redis's error texts.
 *
 * @example
 * ```ts
 * const cluster = new ClusterState(parseLayout(text), 0);
 * cluster.redirect(["foo"]); // "MOVED 12182 127.0.0.1:7002" when another node has slot 12182
 * cluster.redirect(["a", "b"]); // "CROSSSLOT Keys in request don't hash to the same slot"
 * ```
 * @module
 */
import { KeysBySlot } from "./keys_by_slot.ts";
import type { ClusterLayout, LayoutNode } from "./layout.ts";
import { keyHashSlot } from "./slots.ts";

export const CROSSSLOT_ERROR = "CROSSSLOT Keys in request don't hash to the same slot";

export class ClusterState {
  readonly layout: ClusterLayout;
  /** Index of this node in `layout.nodes`. */
  readonly myself: number;
  readonly keysBySlot = new KeysBySlot();

  constructor(layout: ClusterLayout, myself: number) {
    this.layout = layout;
    this.myself = myself;
  }

  get me(): LayoutNode {
    return this.layout.nodes[this.myself];
  }

  /**
   * Null when this node serves every key given (or none is given); otherwise the error reply:
   * CROSSSLOT when the keys hash to different slots, else MOVED to the node serving their slot.
   * Like Redis, it checks all keys for CROSSSLOT before it redirects.
   */
  redirect(keys: readonly string[]): string | null {
    if (keys.length === 0) return null;
    const slot = keyHashSlot(keys[0]);
    for (let i = 1; i < keys.length; i++) {
      if (keys[i] !== keys[0] && keyHashSlot(keys[i]) !== slot) return CROSSSLOT_ERROR;
    }
    const owner = this.layout.owners[slot];
    if (owner === this.myself) return null;
    const node = this.layout.nodes[owner];
    return `MOVED ${slot} ${node.host}:${node.port}`;
  }
}
