/**
 * Steps that several collection families share.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Client } from "./client.ts";
import { type EventClass, notifyKeyspaceEvent } from "./notify.ts";

/** What removing members needs of a hash or set. */
interface Removable {
  delete(member: string): boolean;
  readonly size: number;
}

/**
 * HDEL and SREM: removes `argv[2..]` from the collection at `argv[1]` (if any), deletes the key
 * once it is empty (as Redis does, stopping there), announces `event` and then `del`, counts
 * the changes, and replies with how many members were removed.
 */
export function removeMembers(
  client: Client,
  argv: Argv,
  collection: Removable | undefined,
  type: EventClass,
  event: string,
): void {
  const key = argv[1];
  let removed = 0;
  let emptied = false;
  if (collection !== undefined) {
    for (let i = 2; i < argv.length; i++) {
      if (!collection.delete(argv[i])) continue;
      removed++;
      if (collection.size === 0) {
        client.db.delete(key);
        emptied = true;
        break;
      }
    }
  }
  if (removed > 0) {
    notifyKeyspaceEvent(client, type, event, key);
    if (emptied) notifyKeyspaceEvent(client, "g", "del", key);
  }
  client.server.stats.dirty += removed;
  client.reply.integer(removed);
}
