/**
 * `maxmemory`: what the server counts as used memory, and eviction as Redis's evict.c does it.
 *
 * Used memory is Redis's own model of the data, not the JavaScript heap: a fixed startup
 * overhead, a share per connected client, and each key's MEMORY USAGE (kept as a running total
 * by the keyspace, see `Database.bytes`) plus its share of the dicts. So a `maxmemory` fits
 * about as many keys as it would in redis-server, and filling to it is deterministic.
 *
 * Before every command, while `maxmemory` is set and exceeded, keys are evicted by the
 * `maxmemory-policy`: `maxmemory-samples` keys are sampled from each db (from the keys with a
 * TTL for `volatile-*`), the best candidates are kept in a pool of 16 across calls, and the best
 * of the pool goes — the idlest for LRU, the least frequent for LFU, the nearest deadline for
 * `volatile-ttl`. When nothing can be evicted, commands flagged `denyoom` (and anything queued
 * in MULTI) get Redis's OOM error.
 *
 * @example
 * ```ts
 * installEviction(server); // once, at server start: follows the maxmemory parameters
 * usedMemory(server); // INFO used_memory
 * ```
 * @module
 */
import type { Database } from "../store/keyspace.ts";
import type { Client } from "./client.ts";
import { endTransaction, type RegisteredCommand } from "./registry.ts";
import type { ServerContext } from "./server_context.ts";

/** Redis's reply to a refused command (shared.oomerr). */
export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";

/** What an empty redis-server 7.0 holds before any client connects (used_memory_startup). */
export const STARTUP_BYTES = 876_144;
/** About what a connected client costs redis-server: its struct, query and 16 KiB reply buffers. */
const CLIENT_BYTES = 22_528;
/** Per key: its share of the main dict's bucket array. */
const BUCKET_BYTES = 8;
/** Per key with a TTL: its entry and bucket in the expires dict. */
const EXPIRE_BYTES = 32;
/** Candidates kept between eviction rounds (Redis's EVPOOL_SIZE). */
const POOL_SIZE = 16;

/** The memory figures INFO memory and MEMORY STATS report, in Redis's model. */
export interface MemoryFigures {
  /** used_memory: overhead + dataset. */
  used: number;
  /** Startup, clients and the dicts' own structures. */
  overhead: number;
  /** The keys and values themselves. */
  dataset: number;
  /** What the connected clients take (mem_clients_normal). */
  clients: number;
}

/** used_memory and its parts, as INFO memory and MEMORY STATS break it down. */
export function memoryFigures(server: ServerContext): MemoryFigures {
  const clients = server.clients.size * CLIENT_BYTES;
  let overhead = STARTUP_BYTES + clients;
  let dataset = 0;
  for (const db of server.keyspace.databases) {
    if (db.size === 0) continue;
    dataset += db.bytes;
    overhead += db.size * BUCKET_BYTES + db.expiresCount * EXPIRE_BYTES;
  }
  return { used: overhead + dataset, overhead, dataset, clients };
}

/** INFO used_memory: what redis-server would use for the same data and clients. */
export function usedMemory(server: ServerContext): number {
  let used = STARTUP_BYTES + server.clients.size * CLIENT_BYTES;
  for (const db of server.keyspace.databases) {
    if (db.size === 0) continue;
    used += db.bytes + db.size * BUCKET_BYTES + db.expiresCount * EXPIRE_BYTES;
  }
  return used;
}

/** What `performEvictions` achieved, as Redis's EVICT_OK / EVICT_RUNNING / EVICT_FAIL. */
export type EvictionResult = "ok" | "running" | "fail";

/** How candidates are chosen, from `maxmemory-policy`. */
interface Policy {
  /** Sample every key, not only those with a TTL. */
  allKeys: boolean;
  kind: "lru" | "lfu" | "ttl" | "random" | "none";
}

function parsePolicy(name: string): Policy {
  if (name === "noeviction") return { allKeys: false, kind: "none" };
  const [scope, kind] = name.split("-");
  return { allKeys: scope === "allkeys", kind: kind as Policy["kind"] };
}

/**
 * Redis's eviction pool: up to 16 candidates in ascending order of score (the best, highest,
 * last), kept across rounds so that each eviction picks from more than one round's samples.
 */
class EvictionPool {
  #scores: number[] = [];
  #dbs: Database[] = [];
  #keys: string[] = [];

  /** Adds a sampled key unless the pool is full of better ones (the worst is then dropped). */
  offer(score: number, db: Database, key: string): void {
    const scores = this.#scores;
    let at = 0;
    while (at < scores.length && scores[at] < score) at++;
    if (at === 0 && scores.length === POOL_SIZE) return;
    if (scores.length === POOL_SIZE) {
      // Full: drop the worst (first) to make room below `at`.
      scores.shift();
      this.#dbs.shift();
      this.#keys.shift();
      at--;
    }
    scores.splice(at, 0, score);
    this.#dbs.splice(at, 0, db);
    this.#keys.splice(at, 0, key);
  }

  /** Takes the best candidate out of the pool, or returns false when it is empty. */
  pop(): { db: Database; key: string } | null {
    if (this.#keys.length === 0) return null;
    this.#scores.pop();
    return { db: this.#dbs.pop()!, key: this.#keys.pop()! };
  }

  clear(): void {
    this.#scores = [];
    this.#dbs = [];
    this.#keys = [];
  }
}

/** Redis's evictionTimeLimitUs, in ms: how long one call may evict before handing over. */
function timeLimitMs(tenacity: number): number {
  if (tenacity <= 10) return 0.05 * tenacity;
  if (tenacity < 100) return 0.5 * 1.15 ** (tenacity - 10);
  return Infinity;
}

/** Keeps `maxmemory` for one server: follows its parameters and evicts when asked. */
export class Evictor {
  readonly #server: ServerContext;
  #limit = 0;
  #policy: Policy = { allKeys: false, kind: "none" };
  #samples = 5;
  #tenacity = 10;
  #pool = new EvictionPool();
  /** The next db the random policies take a key from (round robin, as Redis). */
  #nextDb = 0;
  /** Set while evictions continue from a timer (Redis's evictionTimeProc). */
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(server: ServerContext) {
    this.#server = server;
    const config = server.config;
    const apply = () => {
      this.#limit = config.getNumber("maxmemory");
      const policy = parsePolicy(config.get("maxmemory-policy"));
      // Scores of one policy mean nothing to another.
      if (policy.kind !== this.#policy.kind || policy.allKeys !== this.#policy.allKeys) {
        this.#pool.clear();
      }
      this.#policy = policy;
      this.#samples = config.getNumber("maxmemory-samples");
      this.#tenacity = config.getNumber("maxmemory-eviction-tenacity");
      server.commands.memoryGuard = this.#limit > 0
        ? (client, command) => this.#refuse(client, command)
        : null;
    };
    apply();
    for (const name of ["maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity"]) {
      config.onChange(name, apply);
    }
    config.onChange("maxmemory", () => {
      apply();
      const used = usedMemory(server);
      if (this.#limit > 0 && used > this.#limit) {
        // As Redis: warn, then start evicting at once rather than at the next write.
        server.log(
          "warning",
          `WARNING: the new maxmemory value set via CONFIG SET (${this.#limit}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
        );
        this.#continueLater();
      }
    });
  }

  /**
   * Evicts keys until used memory is under `maxmemory` (Redis's performEvictions): "ok" when it
   * is (or no limit is set), "running" when the time allowed by `maxmemory-eviction-tenacity`
   * ran out and eviction goes on from a timer, "fail" when nothing more can be evicted.
   */
  performEvictions(): EvictionResult {
    const server = this.#server;
    if (this.#limit === 0 || usedMemory(server) <= this.#limit) return "ok";
    if (this.#policy.kind === "none") return "fail";
    const start = performance.now();
    const allowedMs = timeLimitMs(this.#tenacity);
    let evicted = 0;
    while (usedMemory(server) > this.#limit) {
      const victim = this.#policy.kind === "random" ? this.#randomVictim() : this.#pooledVictim();
      if (victim === null) return "fail";
      this.#evict(victim.db, victim.key);
      if ((++evicted & 15) === 0 && performance.now() - start > allowedMs) {
        this.#continueLater();
        return "running";
      }
    }
    return this.#timer !== undefined ? "running" : "ok";
  }

  /** Redis's evictionTimeProc: keeps evicting, a time slice per turn, until under the limit. */
  #continueLater(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.performEvictions();
    }, 0);
  }

  /**
   * Redis's processCommand check: evicts as needed, then refuses the command with the OOM error
   * when memory is still over the limit and the command may grow it (denyoom, an EXEC of such
   * commands, or anything queued in MULTI). Returns true when refused.
   */
  #refuse(client: Client, command: RegisteredCommand): boolean {
    if (this.performEvictions() !== "fail") return false;
    const name = command.fullName;
    const transaction = client.transaction;
    let refuse = command.spec.flags.includes("denyoom");
    if (name === "exec" && transaction !== null) {
      refuse = transaction.queue.some((queued) => queued.command.spec.flags.includes("denyoom"));
    } else if (
      transaction !== null && name !== "discard" && name !== "quit" && name !== "reset"
    ) {
      // Queueing could grow memory without bound.
      refuse = true;
    }
    if (!refuse) return false;
    command.rejectedCalls++;
    if (name === "exec" && transaction !== null) {
      endTransaction(client);
      client.reply.error(`EXECABORT Transaction discarded because of: ${OOM_ERROR}`);
      return true;
    }
    if (transaction !== null) transaction.aborted = true;
    client.reply.error(OOM_ERROR);
    return true;
  }

  /** The best candidate of the pool after sampling every db, or null when no key qualifies. */
  #pooledVictim(): { db: Database; key: string } | null {
    const { allKeys, kind } = this.#policy;
    const pool = this.#pool;
    for (;;) {
      let candidates = 0;
      for (const db of this.#server.keyspace.databases) {
        const count = allKeys ? db.size : db.expiresCount;
        if (count === 0) continue;
        candidates += count;
        db.sampleKeys(this.#samples, !allKeys, (key) => {
          const score = kind === "lru"
            ? db.idleSeconds(key)
            : kind === "lfu"
            ? 255 - db.frequency(key)
            : -(db.getExpire(key) ?? Infinity);
          pool.offer(score, db, key);
        });
      }
      if (candidates === 0) return null;
      // Candidates may have gone since they were pooled: skip those ghosts.
      for (let entry = pool.pop(); entry !== null; entry = pool.pop()) {
        const { db, key } = entry;
        const present = allKeys
          ? db.storedValue(key) !== undefined
          : db.getExpire(key) !== undefined;
        if (present) return entry;
      }
    }
  }

  /** A random key (with a TTL for volatile-random), from the dbs in turn. */
  #randomVictim(): { db: Database; key: string } | null {
    const databases = this.#server.keyspace.databases;
    const volatile = !this.#policy.allKeys;
    for (let i = 0; i < databases.length; i++) {
      const db = databases[this.#nextDb++ % databases.length];
      if ((volatile ? db.expiresCount : db.size) === 0) continue;
      let picked: string | undefined;
      db.sampleKeys(1, volatile, (key) => picked = key);
      if (picked !== undefined) return { db, key: picked };
    }
    return null;
  }

  /**
   * Deletes an evicted key as Redis does: watchers and trackers see it, replicas and the AOF
   * get a DEL, `evicted` is published.
   */
  #evict(db: Database, key: string): void {
    const server = this.#server;
    db.delete(key);
    if (server.propagation.active) server.propagation.add(db.id, ["DEL", key]);
    server.keyspace.stats.evictedKeys++;
    server.notifier.notify(null, "e", "evicted", key, db);
  }
}

/** Makes `server` enforce `maxmemory` from now on (the server calls it once, at start). */
export function installEviction(server: ServerContext): Evictor {
  return new Evictor(server);
}
