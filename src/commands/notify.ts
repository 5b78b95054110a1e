/**
 * Keyspace notifications: commands announce what they did to a key, and when
 * `notify-keyspace-events` enables that class of event the server publishes it on
 * `__keyspace@<db>__:<key>` (message: the event) and/or `__keyevent@<db>__:<event>` (message:
 * the key), as Redis does.
 *
 * @example
 * ```ts
 * // In a command, after changing a key:
 * notifyKeyspaceEvent(client, "$", "set", key);
 * ```
 * @module
 */
import { parseKeyspaceEventFlags } from "../config/config.ts";
import type { Database } from "../store/keyspace.ts";
import type { Client } from "./client.ts";
import type { ServerContext } from "./server_context.ts";

/**
 * Event classes, as `notify-keyspace-events` letters: g generic, $ string, l list, s set,
 * h hash, z sorted set, x expired, e evicted, t stream, n new key, m key miss.
 */
export type EventClass = "g" | "$" | "l" | "s" | "h" | "z" | "x" | "e" | "t" | "n" | "m";

/** Which classes and channels are on, parsed once per CONFIG SET rather than per event. */
export class KeyspaceNotifier {
  #classes = new Set<string>();
  #keyspace = false;
  #keyevent = false;

  constructor(readonly server: ServerContext) {
    this.configure(server.config.get("notify-keyspace-events"));
    server.config.onChange("notify-keyspace-events", (value) => this.configure(value));
    server.propagation.onActiveChange = () =>
      this.configure(server.config.get("notify-keyspace-events"));
  }

  /** Applies a (validated) `notify-keyspace-events` value, and the store hooks it needs. */
  configure(value: string): void {
    const flags = parseKeyspaceEventFlags(value) ?? new Set();
    this.#keyspace = flags.has("K");
    this.#keyevent = flags.has("E");
    this.#classes = this.#keyspace || this.#keyevent ? flags : new Set();
    const events = this.server.keyspace.events;
    // An expired key is also a DEL for the AOF and replicas, as Redis propagates it.
    const propagation = this.server.propagation;
    events.expired = this.enabled("x") || propagation.active
      ? (db, key) => {
        this.notify(null, "x", "expired", key, db);
        propagation.add(db.id, ["DEL", key]);
      }
      : null;
    events.created = this.enabled("n") ? (db, key) => this.notify(null, "n", "new", key, db) : null;
    events.missed = this.enabled("m")
      ? (db, key) => this.notify(null, "m", "keymiss", key, db)
      : null;
  }

  /** Whether events of this class are published at all (cheap: check before building names). */
  enabled(type: EventClass): boolean {
    return this.#classes.has(type);
  }

  /** Publishes one event about `key` in `db`, from `client`'s command (null: from the server). */
  notify(client: Client | null, type: EventClass, event: string, key: string, db: Database): void {
    if (!this.#classes.has(type)) return;
    const pubsub = this.server.pubsub;
    if (this.#keyspace) pubsub.publish(client, `__keyspace@${db.id}__:${key}`, event);
    if (this.#keyevent) pubsub.publish(client, `__keyevent@${db.id}__:${event}`, key);
  }
}

/**
 * Announces that `client`'s command did `event` to `key` in its current db (or `db`). Costs
 * one Set lookup when notifications are off, which is the default.
 */
export function notifyKeyspaceEvent(
  client: Client,
  type: EventClass,
  event: string,
  key: string,
  db: Database = client.db,
): void {
  client.server.notifier.notify(client, type, event, key, db);
}
