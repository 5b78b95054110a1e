/**
 * Client-side caching support (CLIENT TRACKING), as Redis 7.0's tracking.c.
 *
 * Default mode remembers, per key name (across databases, as Redis), the ids of the tracking
 * clients that read it; the first change to the key sends each of them one invalidation and
 * forgets the key. BCAST mode instead collects every changed key matching a registered prefix
 * and broadcasts them once the current work is done (Redis's `beforeSleep`). Invalidations go
 * to the client itself (RESP3 push) or to its REDIRECT client (RESP3 push, or a RESP2 pub/sub
 * message on `__redis__:invalidate` when that client is subscribed).
 *
 * The table costs nothing while no client tracks: the keyspace `modified` hook is null then.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Database, Keyspace } from "../store/keyspace.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { NOT_INTEGER, ReplyError, SYNTAX_ERROR } from "./errors.ts";
import { findKeys } from "./registry.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

/** A tracking client's options (CLIENT TRACKING ON ...), held in `Client.tracking`. */
export interface TrackingState {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING was given for the next command. */
  caching: boolean;
  /** Client id invalidations go to; 0 for the client itself. */
  redirect: number;
  /** The redirect client was gone when an invalidation was due. */
  brokenRedirect: boolean;
  /** BCAST prefixes ("" for every key). */
  prefixes: Set<string>;
}

/** The pub/sub channel RESP2 clients receive redirected invalidations on. */
export const INVALIDATE_CHANNEL = "__redis__:invalidate";

/** One BCAST prefix: who listens, and keys changed since the last broadcast (with who did it). */
interface PrefixState {
  clients: Set<Client>;
  keys: Map<string, Client | null>;
}

export class TrackingTable {
  /** How many clients have tracking on (0 keeps every hook off). */
  clients = 0;
  /** The client whose command is running (NOLOOP, and deferring its own invalidations). */
  current: Client | null = null;
  readonly #keyspace: Keyspace;
  readonly #allClients: Map<number, Client>;
  /** Default mode: key → ids of the clients that read it since its last invalidation. */
  #keys = new Map<string, Set<number>>();
  #prefixes = new Map<string, PrefixState>();
  /** Invalidations for `current` itself, sent after its reply (null: a flush). */
  #pending: Array<string | null> = [];
  #broadcastScheduled = false;
  readonly #modified = (_db: Database, key: string) => this.invalidate(key);

  constructor(keyspace: Keyspace, clients: Map<number, Client>) {
    this.#keyspace = keyspace;
    this.#allClients = clients;
  }

  /** Keys remembered in default mode (for tests). */
  get trackedKeys(): number {
    return this.#keys.size;
  }

  /** CLIENT TRACKING ON with checked options; BCAST prefixes add to those already set. */
  enable(
    client: Client,
    options: Omit<TrackingState, "caching" | "brokenRedirect" | "prefixes">,
    prefixes: string[],
  ): void {
    let state = client.tracking;
    if (state === null) {
      state = client.tracking = {
        ...options,
        caching: false,
        brokenRedirect: false,
        prefixes: new Set(),
      };
      if (this.clients++ === 0) this.#keyspace.events.modified = this.#modified;
    } else {
      Object.assign(state, options);
      state.brokenRedirect = false;
    }
    if (options.bcast) {
      if (prefixes.length === 0) prefixes = [""];
      for (const prefix of prefixes) {
        state.prefixes.add(prefix);
        let entry = this.#prefixes.get(prefix);
        if (entry === undefined) {
          this.#prefixes.set(prefix, entry = { clients: new Set(), keys: new Map() });
        }
        entry.clients.add(client);
      }
    }
  }

  /** CLIENT TRACKING OFF, RESET, disconnect. Keys it read stay remembered until they change. */
  disable(client: Client): void {
    const state = client.tracking;
    if (state === null) return;
    client.tracking = null;
    for (const prefix of state.prefixes) {
      const entry = this.#prefixes.get(prefix);
      if (entry === undefined) continue;
      entry.clients.delete(client);
      if (entry.clients.size === 0) this.#prefixes.delete(prefix);
    }
    if (--this.clients === 0) {
      this.#keyspace.events.modified = null;
      this.#keys.clear();
    }
  }

  /** After a readonly command ran: remember its keys for a default-mode tracking client. */
  remember(client: Client, spec: CommandSpec, argv: Argv): void {
    const state = client.tracking!;
    if (state.bcast || !spec.flags.includes("readonly")) return;
    if ((state.optin && !state.caching) || (state.optout && state.caching)) return;
    for (const found of findKeys(spec, argv) ?? []) {
      const key = argv[found.index];
      let ids = this.#keys.get(key);
      if (ids === undefined) this.#keys.set(key, ids = new Set());
      ids.add(client.id);
    }
  }

  /** A key was changed (written, expired, deleted): invalidate it for whoever tracks it. */
  invalidate(key: string): void {
    const current = this.current;
    if (this.#prefixes.size > 0) {
      for (const [prefix, entry] of this.#prefixes) {
        if (!key.startsWith(prefix)) continue;
        entry.keys.set(key, current);
        this.#scheduleBroadcast();
      }
    }
    const ids = this.#keys.get(key);
    if (ids === undefined) return;
    this.#keys.delete(key);
    for (const id of ids) {
      const target = this.#allClients.get(id);
      const state = target?.tracking;
      if (target === undefined || state == null || state.bcast) continue;
      if (target === current) {
        if (!state.noloop) this.#pending.push(key);
      } else {
        this.#send(target, [key]);
      }
    }
  }

  /** FLUSHDB / FLUSHALL: every tracking client gets a null invalidation; all keys forgotten. */
  flushed(): void {
    if (this.clients === 0) return;
    for (const client of this.#allClients.values()) {
      if (client.tracking === null) continue;
      if (client === this.current) this.#pending.push(null);
      else this.#send(client, null);
    }
    this.#keys.clear();
  }

  /** After a top-level command: send the client's own invalidations, end CLIENT CACHING. */
  afterCommand(client: Client, argv: Argv): void {
    this.current = null;
    if (this.#pending.length > 0) {
      const pending = this.#pending;
      this.#pending = [];
      if (client.tracking !== null) {
        for (const key of pending) this.#send(client, key === null ? null : [key]);
      }
    }
    const state = client.tracking;
    if (
      state !== null && state.caching && client.transaction === null &&
      argv[0].toLowerCase() !== "client"
    ) {
      state.caching = false;
    }
  }

  #scheduleBroadcast(): void {
    if (this.#broadcastScheduled) return;
    this.#broadcastScheduled = true;
    queueMicrotask(() => {
      this.#broadcastScheduled = false;
      this.broadcast();
    });
  }

  /** Sends the keys collected per BCAST prefix (sorted, as Redis's radix tree keeps them). */
  broadcast(): void {
    const prefixes = [...this.#prefixes.keys()].sort(byteOrder);
    for (const prefix of prefixes) {
      const entry = this.#prefixes.get(prefix)!;
      if (entry.keys.size === 0) continue;
      const changed = [...entry.keys].sort((a, b) => byteOrder(a[0], b[0]));
      entry.keys = new Map();
      const all = changed.map(([key]) => key);
      for (const client of entry.clients) {
        const keys = client.tracking?.noloop
          ? changed.filter(([, by]) => by !== client).map(([key]) => key)
          : all;
        if (keys.length > 0) this.#send(client, keys);
      }
    }
  }

  /** One invalidation (keys, or null for a flush) to a tracking client or its redirect. */
  #send(client: Client, keys: string[] | null): void {
    const state = client.tracking!;
    let target = client;
    if (state.redirect !== 0) {
      const redirect = this.#allClients.get(state.redirect);
      if (redirect === undefined) {
        state.brokenRedirect = true;
        if (client.resp === 3 && writable(client)) {
          client.reply.pushHeader(2);
          client.reply.bulk("tracking-redir-broken");
          client.reply.integer(state.redirect);
          this.#wake(client);
        }
        return;
      }
      target = redirect;
    }
    if (!writable(target)) return;
    const reply = target.reply;
    if (target.resp === 3) {
      reply.pushHeader(2);
      reply.bulk("invalidate");
    } else if (target !== client && target.subscriptionCount > 0) {
      reply.pushHeader(3);
      reply.bulk("message");
      reply.bulk(INVALIDATE_CHANNEL);
    } else {
      return;
    }
    if (keys === null) {
      // Redis sends the null of the tracking client's protocol, even to its redirect.
      reply.raw(client.resp === 3 ? "_\r\n" : "$-1\r\n");
    } else {
      reply.arrayHeader(keys.length);
      for (const key of keys) reply.bulk(key);
    }
    this.#wake(target);
  }

  #wake(target: Client): void {
    if (target !== this.current) target.wake();
  }
}

function writable(client: Client): boolean {
  return !client.closeAfterReply && client.replyMode !== "off";
}

/** Byte order of latin1 strings (code units are bytes). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const TRACKING_FLAGS: CommandSpec["flags"] = ["noscript", "loading", "stale"];

/** Whether one of two prefixes starts the other (Redis's `stringCheckPrefix`). */
function overlaps(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

const OVERLAP_TAIL = ". Prefixes for a single client must not overlap.";

/** CLIENT TRACKING ON|OFF [options]: parsed and checked in Redis's order. */
function clientTracking(client: Client, argv: Argv): void {
  let redirect = 0;
  let bcast = false;
  let optin = false;
  let optout = false;
  let noloop = false;
  const prefixes: string[] = [];
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i].toLowerCase();
    const more = argv.length - 1 - i;
    if (option === "redirect" && more > 0) {
      i++;
      if (redirect !== 0) {
        throw new ReplyError("ERR A client can only redirect to a single other client");
      }
      const id = parseInt64(argv[i]);
      if (id === null) throw new ReplyError(NOT_INTEGER);
      redirect = Number(id);
      if (!client.server.clients.has(redirect)) {
        throw new ReplyError("ERR The client ID you want redirect to does not exist");
      }
    } else if (option === "bcast") {
      bcast = true;
    } else if (option === "optin") {
      optin = true;
    } else if (option === "optout") {
      optout = true;
    } else if (option === "noloop") {
      noloop = true;
    } else if (option === "prefix" && more > 0) {
      prefixes.push(argv[++i]);
    } else {
      throw new ReplyError(SYNTAX_ERROR);
    }
  }
  const mode = argv[2].toLowerCase();
  const table = client.server.tracking;
  if (mode === "off") {
    table.disable(client);
    client.reply.ok();
    return;
  }
  if (mode !== "on") throw new ReplyError(SYNTAX_ERROR);
  if (!bcast && prefixes.length > 0) {
    throw new ReplyError("ERR PREFIX option requires BCAST mode to be enabled");
  }
  const state = client.tracking;
  if (state !== null && state.bcast !== bcast) {
    throw new ReplyError(
      "ERR You can't switch BCAST mode on/off before disabling tracking for this client, " +
        "and then re-enabling it with a different mode.",
    );
  }
  if (bcast && (optin || optout)) {
    throw new ReplyError("ERR OPTIN and OPTOUT are not compatible with BCAST");
  }
  if (optin && optout) {
    throw new ReplyError("ERR You can't specify both OPTIN mode and OPTOUT mode");
  }
  if (state !== null && ((optin && state.optout) || (optout && state.optin))) {
    throw new ReplyError(
      "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, " +
        "and then re-enabling it with a different mode.",
    );
  }
  if (bcast) {
    const existing = [...(state?.prefixes ?? [])].sort(byteOrder);
    for (let i = 0; i < prefixes.length; i++) {
      for (const old of existing) {
        if (overlaps(old, prefixes[i])) {
          throw new ReplyError(
            `ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${old}'${OVERLAP_TAIL}`,
          );
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlaps(prefixes[i], prefixes[j])) {
          throw new ReplyError(
            `ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${
              prefixes[j]
            }'${OVERLAP_TAIL}`,
          );
        }
      }
    }
  }
  table.enable(client, { bcast, optin, optout, noloop, redirect }, prefixes);
  client.reply.ok();
}

/** CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO, for the CLIENT container. */
export const trackingSubcommands: CommandSpec[] = [
  defineCommand({
    name: "tracking",
    arity: -3,
    flags: TRACKING_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "6.0.0",
    summary: "Turns key invalidation messages for client-side caching on or off.",
    complexity: "O(1). Some options may introduce additional complexity.",
    args: [
      {
        name: "status",
        type: "oneof",
        args: [
          { name: "on", type: "pure-token", token: "ON" },
          { name: "off", type: "pure-token", token: "OFF" },
        ],
      },
      { name: "client-id", type: "integer", token: "REDIRECT", optional: true },
      {
        name: "prefix",
        type: "string",
        token: "PREFIX",
        optional: true,
        multiple: true,
        multipleToken: true,
      },
      { name: "bcast", type: "pure-token", token: "BCAST", optional: true },
      { name: "optin", type: "pure-token", token: "OPTIN", optional: true },
      { name: "optout", type: "pure-token", token: "OPTOUT", optional: true },
      { name: "noloop", type: "pure-token", token: "NOLOOP", optional: true },
    ],
    run: clientTracking,
  }),
  defineCommand({
    name: "caching",
    arity: 3,
    flags: TRACKING_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "6.0.0",
    summary: "Says whether the keys of the next command are tracked (OPTIN or OPTOUT tracking).",
    complexity: "O(1)",
    args: [{
      name: "mode",
      type: "oneof",
      args: [
        { name: "yes", type: "pure-token", token: "YES" },
        { name: "no", type: "pure-token", token: "NO" },
      ],
    }],
    run(client, argv) {
      const state = client.tracking;
      if (state === null) {
        throw new ReplyError(
          "ERR CLIENT CACHING can be called only when the client is in tracking mode with " +
            "OPTIN or OPTOUT mode enabled",
        );
      }
      const answer = argv[2].toLowerCase();
      if (answer === "yes") {
        if (!state.optin) {
          throw new ReplyError(
            "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
          );
        }
      } else if (answer === "no") {
        if (!state.optout) {
          throw new ReplyError(
            "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
          );
        }
      } else {
        throw new ReplyError(SYNTAX_ERROR);
      }
      state.caching = true;
      client.reply.ok();
    },
  }),
  defineCommand({
    name: "getredir",
    arity: 2,
    flags: TRACKING_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "6.0.0",
    summary: "Replies with the id of the client tracking invalidations are redirected to.",
    complexity: "O(1)",
    run(client) {
      client.reply.integer(client.tracking?.redirect ?? -1);
    },
  }),
  defineCommand({
    name: "trackinginfo",
    arity: 2,
    flags: TRACKING_FLAGS,
    acl: ["connection"],
    group: "connection",
    since: "6.2.0",
    summary: "Describes the client-side caching mode of the connection.",
    complexity: "O(1)",
    run(client) {
      const state = client.tracking;
      const reply = client.reply;
      reply.mapHeader(3);
      reply.bulk("flags");
      const flags: string[] = [];
      if (state === null) flags.push("off");
      else {
        flags.push("on");
        if (state.bcast) flags.push("bcast");
        if (state.optin) {
          flags.push("optin");
          if (state.caching) flags.push("caching-yes");
        }
        if (state.optout) {
          flags.push("optout");
          if (state.caching) flags.push("caching-no");
        }
        if (state.noloop) flags.push("noloop");
        if (state.brokenRedirect) flags.push("broken_redirect");
      }
      reply.setHeader(flags.length);
      for (const flag of flags) reply.bulk(flag);
      reply.bulk("redirect");
      reply.integer(state?.redirect ?? -1);
      reply.bulk("prefixes");
      const prefixes = [...(state?.prefixes ?? [])].sort(byteOrder);
      reply.arrayHeader(prefixes.length);
      for (const prefix of prefixes) reply.bulk(prefix);
    },
  }),
];
