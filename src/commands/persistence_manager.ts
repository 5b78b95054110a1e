/**
 * The server's RDB persistence: where the file is, saving it now (SAVE, SHUTDOWN, FLUSHALL) or
 * a slice per event-loop turn (BGSAVE, `save` rules), loading it (start, DEBUG RELOAD), and the
 * figures INFO persistence reports. One per server, made on first use.
 *
 * Files are written to `temp-<pid>-<n>.rdb` beside the target and renamed into place once
 * complete and flushed, so a crash never leaves a half-written `dump.rdb`.
 *
 * @example
 * ```ts
 * const persistence = persistenceOf(server);
 * persistence.startBackgroundSave(); // false if one is running already
 * ```
 * @module
 */
import { RdbFormatError } from "../persistence/bytes.ts";
import { RdbLoadError, readRdb } from "../persistence/rdb_reader.ts";
import { RdbSnapshot, type SnapshotOptions } from "../persistence/snapshot.ts";
import { scriptingEngine } from "../scripting/engine.ts";
import { REDIS_VERSION } from "./connection.ts";
import { ReplyError } from "./errors.ts";
import { processMemory } from "./memory.ts";
import type { ServerContext } from "./server_context.ts";
import { describeError, removeQuietly, writeAll } from "../persistence/files.ts";

/** After a failed BGSAVE, `save` rules wait this long before trying again (as Redis). */
const BGSAVE_RETRY_DELAY_MS = 5000;
/** How long one BGSAVE slice may run before clients are served again. */
const SLICE_MS = 2;

let tempFileSerial = 0;

/** A BGSAVE in progress. */
interface BackgroundSave {
  snapshot: RdbSnapshot;
  file: Deno.FsFile;
  tempPath: string;
  startedAt: number;
  dirtyAtStart: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Persistence {
  readonly #server: ServerContext;
  /** Unix seconds of the last successful save (INFO rdb_last_save_time, LASTSAVE). */
  lastSave: number;
  lastBgsaveOk = true;
  lastBgsaveSeconds = -1;
  /** Server clock ms of the last BGSAVE attempt (for the retry delay). */
  #lastBgsaveTry = 0;
  saves = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  loading = false;
  /** BGSAVE SCHEDULE (or BGSAVE inside MULTI) asked for one while another ran. */
  bgsaveScheduled = false;
  #job: BackgroundSave | null = null;
  #closed = false;

  constructor(server: ServerContext) {
    this.#server = server;
    this.lastSave = Math.floor(server.startedAt / 1000);
  }

  get bgsaveInProgress(): boolean {
    return this.#job !== null;
  }

  /** Seconds the running BGSAVE has taken so far, or -1. */
  get bgsaveSeconds(): number {
    const job = this.#job;
    return job === null ? -1 : Math.floor((performance.now() - job.startedAt) / 1000);
  }

  get keysProcessed(): number {
    return this.#job?.snapshot.keysWritten ?? 0;
  }

  get keysTotal(): number {
    return this.#job?.snapshot.keysTotal ?? 0;
  }

  /** `dir`/`dbfilename` (the working directory when `dir` is empty). */
  get path(): string {
    const config = this.#server.config;
    const dir = config.get("dir");
    const name = config.get("dbfilename");
    return dir === "" ? name : `${dir.replace(/\/+$/, "")}/${name}`;
  }

  #tempPath(): string {
    const dir = this.#server.config.get("dir");
    const name = `temp-${Deno.pid}-${++tempFileSerial}.rdb`;
    return dir === "" ? name : `${dir.replace(/\/+$/, "")}/${name}`;
  }

  /** The `save` rules as [seconds, changes] pairs. */
  saveRules(): Array<[number, number]> {
    const words = this.#server.config.get("save").split(" ").filter(Boolean).map(Number);
    const rules: Array<[number, number]> = [];
    for (let i = 0; i + 1 < words.length; i += 2) rules.push([words[i], words[i + 1]]);
    return rules;
  }

  #options(): SnapshotOptions {
    const config = this.#server.config;
    return {
      compression: config.getBoolean("rdbcompression"),
      checksum: config.getBoolean("rdbchecksum"),
      listMaxListpackSize: config.getNumber("list-max-listpack-size"),
    };
  }

  #aux(): Array<[string, string]> {
    const now = Math.floor(this.#server.keyspace.clock.now() / 1000);
    return [
      ["redis-ver", REDIS_VERSION],
      ["redis-bits", "64"],
      ["ctime", String(now)],
      ["used-mem", String(processMemory().used)],
      ["aof-base", "0"],
    ];
  }

  #functionLibraries(): string[] {
    return [...scriptingEngine(this.#server).libraries.values()].map((library) => library.code);
  }

  /** SAVE: writes the whole file now. Logs and returns false on failure. */
  saveNow(): boolean {
    this.abortBackgroundSave(); // callers refuse or stop a BGSAVE first; never run two
    const server = this.#server;
    const tempPath = this.#tempPath();
    let file: Deno.FsFile | undefined;
    try {
      file = Deno.openSync(tempPath, { write: true, create: true, truncate: true });
      const snapshot = new RdbSnapshot(
        server.keyspace,
        this.#options(),
        this.#aux(),
        this.#functionLibraries(),
      );
      try {
        while (!snapshot.step(Infinity)) writeAll(file, snapshot.take());
      } finally {
        snapshot.abort();
      }
      writeAll(file, snapshot.take());
      file.syncSync();
      file.close();
      file = undefined;
      Deno.renameSync(tempPath, this.path);
    } catch (error) {
      try {
        file?.close();
      } catch { /* already closed */ }
      removeQuietly(tempPath);
      server.log("warning", `Failed saving the DB (${this.path}): ${describeError(error)}`);
      return false;
    }
    server.log("notice", "DB saved on disk");
    server.stats.dirty = 0;
    this.lastSave = Math.floor(server.keyspace.clock.now() / 1000);
    this.lastBgsaveOk = true;
    return true;
  }

  /** BGSAVE: starts writing the file a slice per event-loop turn. False if it cannot start. */
  startBackgroundSave(): boolean {
    if (this.#job !== null || this.#closed) return false;
    const server = this.#server;
    this.#lastBgsaveTry = server.keyspace.clock.now();
    const tempPath = this.#tempPath();
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(tempPath, { write: true, create: true, truncate: true });
    } catch (error) {
      server.log("warning", `Can't save in background: ${describeError(error)}`);
      this.lastBgsaveOk = false;
      return false;
    }
    const snapshot = new RdbSnapshot(
      server.keyspace,
      this.#options(),
      this.#aux(),
      this.#functionLibraries(),
    );
    this.#job = {
      snapshot,
      file,
      tempPath,
      startedAt: performance.now(),
      dirtyAtStart: server.stats.dirty,
      timer: undefined,
    };
    this.saves++;
    server.log("notice", `Background saving started by pid ${Deno.pid}`);
    this.#scheduleSlice();
    return true;
  }

  #scheduleSlice(): void {
    const job = this.#job!;
    job.timer = setTimeout(() => this.#runSlice(job), 0);
  }

  #runSlice(job: BackgroundSave): void {
    if (this.#job !== job) return;
    try {
      const done = job.snapshot.step(SLICE_MS);
      writeAll(job.file, job.snapshot.take());
      if (!done) return this.#scheduleSlice();
    } catch (error) {
      this.#endJob(job, false, describeError(error));
      return;
    }
    // Flushing to disk can take long: off the event loop, like the writing child in Redis.
    job.file.sync().then(() => {
      if (this.#job !== job) return;
      job.file.close();
      Deno.renameSync(job.tempPath, this.path);
      this.#endJob(job, true, "");
    }).catch((error) => {
      if (this.#job === job) this.#endJob(job, false, describeError(error));
    });
  }

  #endJob(job: BackgroundSave, ok: boolean, problem: string): void {
    const server = this.#server;
    this.#job = null;
    clearTimeout(job.timer);
    job.snapshot.abort();
    this.lastBgsaveSeconds = Math.round((performance.now() - job.startedAt) / 1000);
    if (ok) {
      server.log("notice", "Background saving terminated with success");
      server.stats.dirty = Math.max(0, server.stats.dirty - job.dirtyAtStart);
      this.lastSave = Math.floor(server.keyspace.clock.now() / 1000);
      this.lastBgsaveOk = true;
      return;
    }
    try {
      job.file.close();
    } catch { /* already closed */ }
    removeQuietly(job.tempPath);
    if (problem !== "") {
      server.log("warning", `Background saving error: ${problem}`);
      this.lastBgsaveOk = false;
    }
  }

  /** Stops a running BGSAVE and removes its temp file (FLUSHALL, SHUTDOWN, DEBUG RELOAD). */
  abortBackgroundSave(): void {
    const job = this.#job;
    if (job === null) return;
    this.#server.log("warning", "Background saving was stopped before it finished");
    this.#endJob(job, false, "");
  }

  /** Every server tick: a scheduled BGSAVE, or one the `save` rules call for. */
  cron(): void {
    if (this.#job !== null || this.#closed) return;
    if (this.bgsaveScheduled) {
      this.bgsaveScheduled = false;
      this.startBackgroundSave();
      return;
    }
    const server = this.#server;
    const now = server.keyspace.clock.now();
    const dirty = server.stats.dirty;
    if (dirty === 0) return;
    for (const [seconds, changes] of this.saveRules()) {
      if (dirty < changes || now / 1000 - this.lastSave <= seconds) continue;
      if (!this.lastBgsaveOk && now - this.#lastBgsaveTry <= BGSAVE_RETRY_DELAY_MS) continue;
      server.log("notice", `${changes} changes in ${seconds} seconds. Saving...`);
      this.startBackgroundSave();
      return;
    }
  }

  /**
   * What a shutdown does before the server stops: a running BGSAVE is dropped, and the file is
   * saved when `save` rules exist (unless NOSAVE) or SAVE is asked. Returns false when saving
   * failed and the shutdown must not go on (unless `force`).
   */
  prepareShutdown(options: { save?: boolean; nosave?: boolean; force?: boolean } = {}): boolean {
    const server = this.#server;
    if (this.#job !== null) {
      server.log("warning", "There is a child saving an .rdb. Killing it!");
      this.abortBackgroundSave();
    }
    if ((this.saveRules().length > 0 && !options.nosave) || options.save) {
      server.log("notice", "Saving the final RDB snapshot before exiting.");
      if (!this.saveNow()) {
        if (options.force) {
          server.log("warning", "Error trying to save the DB. Exit anyway.");
        } else {
          server.log("warning", "Error trying to save the DB, can't exit.");
          server.log(
            "warning",
            "Errors trying to shut down the server. Check the logs for more information.",
          );
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Loads `path` into the keyspace (and its function libraries). Returns false when there is
   * no such file. Throws an Error with Redis's message when the file is unreadable or corrupt.
   * With `merge`, keys (and libraries) already present are replaced instead of refused.
   */
  load(path: string, merge = false): boolean {
    let data: Uint8Array;
    try {
      data = Deno.readFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw new Error(`Fatal error loading the DB: ${describeError(error)}. Exiting.`);
    }
    const server = this.#server;
    const keyspace = server.keyspace;
    const now = keyspace.clock.now();
    let loaded = 0;
    let expired = 0;
    let emptySkipped = 0;
    this.loading = true;
    const started = performance.now();
    try {
      readRdb(data, keyspace.limits, {
        selectDb(id) {
          if (id >= keyspace.databases.length) {
            throw new RdbLoadError(
              "FATAL: Data file was created with a Redis server configured to handle more " +
                `than ${keyspace.databases.length} databases. Exiting`,
            );
          }
        },
        functionLibrary(code) {
          try {
            scriptingEngine(server).loadLibrary(code, merge);
          } catch (error) {
            throw new RdbLoadError(`Failed loading library: ${describeError(error)}`);
          }
        },
        key(id, key, value, expireAt) {
          if (value === null) {
            if (emptySkipped++ < 10) {
              server.log("notice", `rdbLoadObject skipping empty key: ${key}`);
            }
            return;
          }
          if (expireAt !== undefined && expireAt < now) {
            expired++;
            return;
          }
          const db = keyspace.db(id);
          if (db.storedValue(key) !== undefined) {
            if (!merge) {
              throw new RdbLoadError(`RDB has duplicated key '${key}' in DB ${id}`);
            }
            db.delete(key);
          }
          db.set(key, value);
          if (expireAt !== undefined) {
            db.setExpire(
              key,
              expireAt <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(expireAt) : expireAt,
            );
          }
          loaded++;
        },
      });
    } catch (error) {
      throw new Error(loadErrorMessage(error, data.length));
    } finally {
      this.loading = false;
    }
    this.lastLoadKeysLoaded = loaded;
    this.lastLoadKeysExpired = expired;
    const seconds = ((performance.now() - started) / 1000).toFixed(3);
    server.log("notice", `Done loading RDB, keys loaded: ${loaded}, keys expired: ${expired}.`);
    server.log("notice", `DB loaded from disk: ${seconds} seconds`);
    return true;
  }

  /** Stops any BGSAVE for good (the server is closing). */
  close(): void {
    this.abortBackgroundSave();
    this.#closed = true;
  }
}

/** The message a failed load reports, worded as Redis's. */
function loadErrorMessage(error: unknown, size: number): string {
  if (error instanceof RdbFormatError) {
    if (error.shortRead) return "Short read or OOM loading DB. Unrecoverable error, aborting now.";
    return `Internal error in RDB reading file of ${size} bytes -> ${error.message}`;
  }
  if (error instanceof RdbLoadError) return error.message;
  throw error;
}

const instances = new WeakMap<ServerContext, Persistence>();

/** The server's persistence state, made on first use. */
export function persistenceOf(server: ServerContext): Persistence {
  let persistence = instances.get(server);
  if (persistence === undefined) instances.set(server, persistence = new Persistence(server));
  return persistence;
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves, empties and loads the file back. */
export function debugReload(server: ServerContext, options: string[]): void {
  let merge = false;
  let flush = true;
  let save = true;
  for (const option of options) {
    const upper = option.toUpperCase();
    if (upper === "MERGE") merge = true;
    else if (upper === "NOFLUSH") flush = false;
    else if (upper === "NOSAVE") save = false;
    else {throw new ReplyError(
        "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
      );}
  }
  const persistence = persistenceOf(server);
  if (save) {
    persistence.abortBackgroundSave();
    if (!persistence.saveNow()) throw new ReplyError("ERR");
  }
  if (flush) {
    persistence.abortBackgroundSave();
    server.keyspace.flushAll();
    scriptingEngine(server).flushFunctions();
  }
  let loaded: boolean;
  try {
    loaded = persistence.load(persistence.path, merge);
  } catch (error) {
    server.log("warning", describeError(error));
    loaded = false;
  }
  if (!loaded) throw new ReplyError("ERR Error trying to load the RDB dump, check server logs.");
  server.log("warning", "DB reloaded by DEBUG RELOAD");
}
