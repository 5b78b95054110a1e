/**
 * The append-only file, in Redis 7's multi-part layout: `dir/appenddirname/` holds a base file
 * (an RDB image, `appendonly.aof.<n>.base.rdb`, or commands, `.base.aof`), incremental files of
 * commands (`appendonly.aof.<n>.incr.aof`) and the manifest that lists them in replay order.
 *
 * Writing: every propagated unit (see propagation.ts) is appended as RESP to an in-memory
 * buffer, with SELECT where the db changes. The buffer reaches the file before any reply is
 * sent (the connection calls `aofBarrier` before writing replies), so an acknowledged write
 * survives the process being killed; with `appendfsync always` the reply also waits for the
 * fsync (one fsync serves every client waiting at that moment), with `everysec` a timer fsyncs
 * once a second in the background, and with `no` the OS decides.
 *
 * Rewriting (BGREWRITEAOF, `CONFIG SET appendonly yes`, the auto-rewrite rule): a new incr file
 * is opened at once and new writes go there; a point-in-time image of the keyspace is written
 * a slice per event-loop turn as the new base; then the manifest is switched atomically and the
 * files it replaced are deleted.
 *
 * @example
 * ```ts
 * const aof = aofOf(server);
 * aof.startRewrite(); // false if one is running already
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import { Client } from "../commands/client.ts";
import { REDIS_VERSION } from "../commands/connection.ts";
import { persistenceOf } from "../commands/persistence_manager.ts";
import type { RegisteredCommand } from "../commands/registry.ts";
import type { ServerContext } from "../commands/server_context.ts";
import type { PropagatedCommand } from "../commands/propagation.ts";
import { scriptingEngine } from "../scripting/engine.ts";
import { AofCommandReader, AofFormatError, encodeCommand } from "./aof_loader.ts";
import {
  type AofFileInfo,
  type AofManifest,
  AofManifestError,
  formatManifest,
  parseManifest,
} from "./aof_manifest.ts";
import { dumpPayload } from "./rdb_writer.ts";
import { RdbSnapshot } from "./snapshot.ts";
import { describeError, removeQuietly, writeAll } from "./files.ts";

/** How long one rewrite slice may run before clients are served again. */
const SLICE_MS = 2;
/** How often buffered writes are written out when no reply asked for it (expirations...). */
const TICK_MS = 100;

/** A rewrite in progress: the new base being written to a temp file. */
interface Rewrite {
  snapshot: RdbSnapshot | null;
  file: Deno.FsFile;
  tempPath: string;
  startedAt: number;
  /** The incr file opened when the rewrite started (the only one the new manifest keeps), or
   * null when the AOF is off (BGREWRITEAOF then writes a base alone). */
  incr: AofFileInfo | null;
  /** The rewrite turns the AOF on when it is done (`CONFIG SET appendonly yes`). */
  turnOn: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Aof {
  readonly #server: ServerContext;
  /** What the running server has on disk (null while the AOF is off). */
  #manifest: AofManifest | null = null;
  #file: Deno.FsFile | null = null;
  #buffer = "";
  #selectedDb = -1;
  /** Bytes handed to the OS, and the part of them known to be on disk. */
  #written = 0;
  #synced = 0;
  #syncing: Promise<void> | null = null;
  #lastFsync = 0;
  #detach: (() => void) | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #rewrite: Rewrite | null = null;
  #closed = false;
  /** On while writing (INFO aof_enabled); `appendonly yes` set at run time waits for a rewrite. */
  enabled = false;
  rewriteScheduled = false;
  #turnOnScheduled = false;
  rewrites = 0;
  lastRewriteSeconds = -1;
  lastRewriteOk = true;
  consecutiveFailures = 0;
  lastWriteOk = true;
  /** Size of the base plus incr files, and what it was after the last rewrite. */
  currentSize = 0;
  baseSize = 0;

  constructor(server: ServerContext) {
    this.#server = server;
  }

  get rewriteInProgress(): boolean {
    return this.#rewrite !== null;
  }

  /** Seconds the running rewrite has taken so far, or -1. */
  get rewriteSeconds(): number {
    const job = this.#rewrite;
    return job === null ? -1 : Math.floor((performance.now() - job.startedAt) / 1000);
  }

  /** Bytes appended but not yet written to the file (INFO aof_buffer_length). */
  get bufferLength(): number {
    return this.#buffer.length;
  }

  get #dir(): string {
    const config = this.#server.config;
    const dir = config.get("dir").replace(/\/+$/, "");
    const name = config.get("appenddirname");
    return dir === "" ? name : `${dir}/${name}`;
  }

  get #fileName(): string {
    return this.#server.config.get("appendfilename");
  }

  /** Path of the manifest (what redis-check-aof is given). */
  get manifestPath(): string {
    return `${this.#dir}/${this.#fileName}.manifest`;
  }

  #path(name: string): string {
    return `${this.#dir}/${name}`;
  }

  // -------------------------------------------------------------------------------------------
  // Loading

  /**
   * Loads the AOF at start: manifest, base, then each incr file. Returns false when there is no
   * AOF. Throws an Error with Redis's message for a corrupt one (the server must not start).
   */
  load(): boolean {
    const server = this.#server;
    let text: string;
    try {
      text = Deno.readTextFileSync(this.manifestPath);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw new Error(`Can't open the AOF manifest ${this.manifestPath}: ${describeError(error)}`);
    }
    let manifest: AofManifest;
    try {
      manifest = parseManifest(text);
    } catch (error) {
      if (error instanceof AofManifestError) {
        throw new Error(`Failed to load the AOF manifest: ${error.message}`);
      }
      throw error;
    }
    const started = performance.now();
    const files = [...(manifest.base === null ? [] : [manifest.base]), ...manifest.incrs];
    let total = 0;
    for (let i = 0; i < files.length; i++) {
      const file = files[i];
      const last = i === files.length - 1;
      total += this.#loadFile(file, last);
    }
    this.#manifest = manifest;
    this.currentSize = total;
    this.baseSize = total;
    const seconds = ((performance.now() - started) / 1000).toFixed(3);
    server.log("notice", `DB loaded from append only file: ${seconds} seconds`);
    return true;
  }

  /** Loads one file of the manifest; returns its size (after any truncation). */
  #loadFile(file: AofFileInfo, last: boolean): number {
    const server = this.#server;
    const path = this.#path(file.name);
    let data: Uint8Array;
    try {
      data = Deno.readFileSync(path);
    } catch (error) {
      throw new Error(
        `Fatal error: can't open the append log file ${file.name} for reading: ${
          describeError(error)
        }`,
      );
    }
    if (data.length === 0) {
      server.log(
        "notice",
        `DB loaded from ${file.type === "b" ? "base" : "incr"} file ${file.name}`,
      );
      return 0;
    }
    if (startsWithRdb(data)) {
      persistenceOf(server).load(path);
      server.log("notice", `DB loaded from base file ${file.name}`);
      return data.length;
    }
    const size = this.#replay(file.name, path, data, last);
    server.log(
      "notice",
      `DB loaded from ${file.type === "b" ? "base" : "incr"} file ${file.name}`,
    );
    return size;
  }

  /** Runs every command of a file of commands; returns the size kept. */
  #replay(name: string, path: string, data: Uint8Array, last: boolean): number {
    const server = this.#server;
    const client = new Client({ id: -1, server });
    client.authenticated = true;
    const reader = new AofCommandReader(data);
    /** Where the open MULTI started: an unfinished transaction is dropped, not half applied. */
    let multiAt = -1;
    let queued: Array<[RegisteredCommand, string[]]> = [];
    const fixHint = "make a backup of your AOF file, then use ./redis-check-aof --fix " +
      "<filename.manifest>";
    for (;;) {
      const start = reader.offset;
      let argv: string[] | null;
      try {
        argv = reader.next();
      } catch (error) {
        if (!(error instanceof AofFormatError)) throw error;
        throw new Error(`Bad file format reading the append only file ${name}: ${fixHint}`);
      }
      if (argv === null) break;
      const command = server.commands.resolve(argv);
      if (typeof command === "string") {
        throw new Error(
          `Unknown command '${argv[0].slice(0, 128)}' reading the append only file ${name}`,
        );
      }
      const commandName = command.fullName;
      if (commandName === "multi") {
        multiAt = start;
        queued = [];
        continue;
      }
      if (commandName === "exec") {
        for (const [each, args] of queued) this.#run(client, each, args);
        multiAt = -1;
        queued = [];
        continue;
      }
      if (multiAt >= 0) queued.push([command, argv]);
      else this.#run(client, command, argv);
    }
    let keep = reader.offset;
    if (reader.truncated || multiAt >= 0) {
      if (reader.truncated) {
        server.log("warning", `!!! Warning: short read while loading the AOF file ${name}!!!`);
      }
      if (!last || !server.config.getBoolean("aof-load-truncated")) {
        throw new Error(
          `Unexpected end of file reading the append only file ${name}. You can: 1) Make a ` +
            "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) " +
            "Alternatively you can set the 'aof-load-truncated' configuration option to yes " +
            "and restart the server.",
        );
      }
      if (multiAt >= 0) {
        server.log("warning", "Revert incomplete MULTI/EXEC transaction in AOF file " + name);
        keep = multiAt;
      }
      server.log("warning", `!!! Truncating the AOF ${name} at offset ${keep} !!!`);
      try {
        Deno.truncateSync(path, keep);
      } catch (error) {
        throw new Error(`Error truncating the AOF file ${name}: ${describeError(error)}`);
      }
      server.log(
        "warning",
        `AOF ${name} loaded anyway because aof-load-truncated is enabled`,
      );
    }
    return keep;
  }

  #run(client: Client, command: RegisteredCommand, argv: string[]): void {
    this.#server.commands.run(client, command, argv);
    client.reply.truncate(0);
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  /**
   * Starts writing at server start: appends to the loaded layout, or creates one (a base of
   * the current data and an empty incr file) when there is none.
   */
  start(): void {
    if (this.#closed) return;
    const manifest = this.#manifest;
    if (manifest === null || manifest.incrs.length === 0) {
      this.#createFresh(manifest);
    } else {
      this.#openIncr(manifest.incrs[manifest.incrs.length - 1].name);
    }
    this.#attach();
    this.enabled = true;
  }

  /** A new layout written at once: base of what is in memory now, an empty incr file. */
  #createFresh(previous: AofManifest | null): void {
    Deno.mkdirSync(this.#dir, { recursive: true });
    const baseSeq = (previous?.base?.seq ?? 0) + 1;
    const incrSeq = (previous?.incrs.at(-1)?.seq ?? 0) + 1;
    const base = this.#baseInfo(baseSeq);
    const tempPath = this.#path(`temp-${this.#fileName}.${Deno.pid}.base`);
    const file = Deno.openSync(tempPath, { write: true, create: true, truncate: true });
    try {
      this.#writeBaseNow(file);
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(tempPath, this.#path(base.name));
    this.#server.log("notice", `Creating AOF base file ${base.name} on server start`);
    const incr: AofFileInfo = { name: this.#incrName(incrSeq), seq: incrSeq, type: "i" };
    this.#openIncr(incr.name, true);
    this.#server.log("notice", `Creating AOF incr file ${incr.name} on server start`);
    const old = previous === null ? [] : this.#allFiles(previous);
    this.#persistManifest({ base, history: [], incrs: [incr] });
    this.#removeFiles(old, [base.name, incr.name]);
    this.currentSize = Deno.statSync(this.#path(base.name)).size;
    this.baseSize = this.currentSize;
  }

  #attach(): void {
    if (this.#detach !== null) return;
    this.#selectedDb = -1;
    this.#detach = this.#server.propagation.attach((unit) => this.#append(unit));
    this.#lastFsync = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    Deno.unrefTimer(this.#timer);
  }

  #append(unit: readonly PropagatedCommand[]): void {
    let text = "";
    for (const { db, argv } of unit) {
      if (db !== this.#selectedDb) {
        text += encodeCommand(["SELECT", String(db)]);
        this.#selectedDb = db;
      }
      text += encodeCommand(argv);
    }
    this.#buffer += text;
  }

  /** Writes the buffer to the incr file (not yet fsynced). */
  writeBuffer(): void {
    if (this.#buffer.length === 0 || this.#file === null) return;
    const bytes = Buffer.from(this.#buffer, "latin1");
    this.#buffer = "";
    try {
      let offset = 0;
      while (offset < bytes.length) offset += this.#file.writeSync(bytes.subarray(offset));
      this.lastWriteOk = true;
    } catch (error) {
      // As Redis: keep the data in memory, report it, and try again on the next write.
      this.lastWriteOk = false;
      this.#buffer = bytes.toString("latin1") + this.#buffer;
      this.#server.log("warning", `Error writing to the AOF file: ${describeError(error)}`);
      return;
    }
    this.#written += bytes.length;
    this.currentSize += bytes.length;
  }

  /**
   * Called before replies are written: the writes behind them reach the file now, and with
   * `appendfsync always` the returned promise settles once they are on disk too.
   */
  barrier(): Promise<void> | null {
    if (this.#buffer.length > 0) this.writeBuffer();
    if (this.#synced >= this.#written || this.#fsyncPolicy() !== "always") return null;
    return this.#syncTo(this.#written);
  }

  #fsyncPolicy(): string {
    return this.#server.config.get("appendfsync");
  }

  /** Fsyncs until `target` bytes are on disk; concurrent callers share one fsync. */
  async #syncTo(target: number): Promise<void> {
    while (this.#synced < target && this.#file !== null) {
      if (this.#syncing === null) {
        const upTo = this.#written;
        const file = this.#file;
        this.#syncing = file.syncData().then(
          () => {
            if (upTo > this.#synced) this.#synced = upTo;
            this.#lastFsync = performance.now();
          },
          (error) => {
            this.lastWriteOk = false;
            this.#server.log("warning", `Can't fsync the AOF file: ${describeError(error)}`);
            this.#synced = upTo; // do not retry forever; the status reports it
          },
        ).finally(() => this.#syncing = null);
      }
      await this.#syncing;
    }
  }

  #tick(): void {
    this.writeBuffer();
    const policy = this.#fsyncPolicy();
    if (policy === "always") {
      if (this.#synced < this.#written) this.#syncTo(this.#written).catch(() => {});
    } else if (policy === "everysec") {
      if (
        this.#synced < this.#written && this.#syncing === null &&
        performance.now() - this.#lastFsync >= 1000
      ) {
        this.#syncTo(this.#written).catch(() => {});
      }
    }
    this.#cron();
  }

  /** A scheduled rewrite, or one the auto-rewrite rule calls for. */
  #cron(): void {
    if (this.#rewrite !== null || this.#closed) return;
    if (this.rewriteScheduled) {
      if (persistenceOf(this.#server).bgsaveInProgress) return;
      this.startRewrite();
      return;
    }
    const config = this.#server.config;
    const percentage = config.getNumber("auto-aof-rewrite-percentage");
    if (!this.enabled || percentage === 0) return;
    if (this.currentSize < config.getNumber("auto-aof-rewrite-min-size")) return;
    const base = this.baseSize > 0 ? this.baseSize : 1;
    const growth = Math.floor((this.currentSize * 100) / base) - 100;
    if (growth < percentage) return;
    if (persistenceOf(this.#server).bgsaveInProgress) return;
    this.#server.log("notice", `Starting automatic rewriting of AOF on ${growth}% growth`);
    this.startRewrite();
  }

  #openIncr(name: string, create = false): void {
    if (this.#file !== null) {
      this.writeBuffer();
      try {
        this.#file.syncSync();
      } catch { /* reported by the next write */ }
      this.#file.close();
    }
    this.#file = Deno.openSync(
      this.#path(name),
      create ? { write: true, create: true, truncate: true } : { append: true },
    );
    this.#selectedDb = -1;
    this.#synced = this.#written;
  }

  // -------------------------------------------------------------------------------------------
  // Rewriting

  /**
   * BGREWRITEAOF: starts writing a new base. Returns "started", "scheduled" (a BGSAVE runs:
   * it starts after) or "running" (one is in progress already).
   */
  startRewrite(turnOn = false): "started" | "scheduled" | "running" | "failed" {
    if (this.#rewrite !== null || this.#closed) return "running";
    const server = this.#server;
    turnOn ||= this.#turnOnScheduled;
    if (persistenceOf(server).bgsaveInProgress) {
      this.rewriteScheduled = true;
      this.#turnOnScheduled = turnOn;
      return "scheduled";
    }
    this.rewriteScheduled = false;
    this.#turnOnScheduled = false;
    let manifest = this.#manifest;
    if (manifest === null) manifest = this.#readManifestQuietly();
    try {
      Deno.mkdirSync(this.#dir, { recursive: true });
      // New writes go to a new incr file from now on; the manifest lists it at once, so a
      // crash during the rewrite still replays everything.
      let incr: AofFileInfo | null = null;
      if (this.enabled || turnOn) {
        const incrSeq = (manifest?.incrs.at(-1)?.seq ?? 0) + 1;
        incr = { name: this.#incrName(incrSeq), seq: incrSeq, type: "i" };
        this.writeBuffer();
        this.#openIncr(incr.name, true);
        const next: AofManifest = manifest === null
          ? { base: null, history: [], incrs: [incr] }
          : { ...manifest, incrs: [...manifest.incrs, incr] };
        if (this.enabled) this.#persistManifest(next);
        manifest = next;
        this.#attach();
      }
      this.#manifest = manifest;
      const tempPath = this.#path(`temp-rewriteaof-bg-${Deno.pid}.aof`);
      const file = Deno.openSync(tempPath, { write: true, create: true, truncate: true });
      const job: Rewrite = {
        snapshot: null,
        file,
        tempPath,
        startedAt: performance.now(),
        incr,
        turnOn,
        timer: undefined,
      };
      if (server.config.getBoolean("aof-use-rdb-preamble")) {
        job.snapshot = this.#newSnapshot();
      } else {
        // Commands are written in one go: the image is point-in-time without a write hook.
        this.#writeCommandsBase(file);
      }
      this.#rewrite = job;
      server.log("notice", `Background append only file rewriting started by pid ${Deno.pid}`);
      this.#scheduleSlice(job);
      return "started";
    } catch (error) {
      server.log(
        "warning",
        `Can't rewrite append only file in background: ${describeError(error)}`,
      );
      this.lastRewriteOk = false;
      this.consecutiveFailures++;
      return "failed";
    }
  }

  #scheduleSlice(job: Rewrite): void {
    job.timer = setTimeout(() => this.#runSlice(job), 0);
  }

  #runSlice(job: Rewrite): void {
    if (this.#rewrite !== job) return;
    try {
      const snapshot = job.snapshot;
      if (snapshot !== null) {
        // A BGSAVE that took over the keyspace hook would leave this image inconsistent.
        if (!snapshot.finished && this.#server.keyspace.databases[0]?.observer !== snapshot) {
          throw new Error("the keyspace write hook was taken over");
        }
        const done = snapshot.step(SLICE_MS);
        writeAll(job.file, snapshot.take());
        if (!done) return this.#scheduleSlice(job);
      }
      job.file.syncSync();
      job.file.close();
      this.#finishRewrite(job);
    } catch (error) {
      this.#endRewrite(job, false, describeError(error));
    }
  }

  #finishRewrite(job: Rewrite): void {
    const manifest = this.#manifest;
    const base = this.#baseInfo((manifest?.base?.seq ?? 0) + 1);
    Deno.renameSync(job.tempPath, this.#path(base.name));
    const incrs = job.incr === null ? [] : [job.incr];
    const old = manifest === null ? [] : this.#allFiles(manifest);
    const next: AofManifest = { base, history: [], incrs };
    this.#persistManifest(next);
    this.#manifest = next;
    this.#removeFiles(old, [base.name, ...incrs.map((file) => file.name)]);
    this.writeBuffer();
    this.currentSize = Deno.statSync(this.#path(base.name)).size +
      (job.incr === null ? 0 : Deno.statSync(this.#path(job.incr.name)).size);
    this.baseSize = this.currentSize;
    this.#endRewrite(job, true, "");
    if (job.turnOn) this.enabled = true;
  }

  #endRewrite(job: Rewrite, ok: boolean, problem: string): void {
    const server = this.#server;
    this.#rewrite = null;
    clearTimeout(job.timer);
    job.snapshot?.abort();
    this.lastRewriteSeconds = Math.round((performance.now() - job.startedAt) / 1000);
    if (ok) {
      this.rewrites++;
      this.lastRewriteOk = true;
      this.consecutiveFailures = 0;
      server.log("notice", "Background AOF rewrite terminated with success");
      server.log("notice", "Background AOF rewrite finished successfully");
      return;
    }
    try {
      job.file.close();
    } catch { /* already closed */ }
    removeQuietly(job.tempPath);
    this.lastRewriteOk = problem === "";
    if (problem !== "") {
      this.consecutiveFailures++;
      server.log("warning", `Background AOF rewrite failed: ${problem}`);
    }
  }

  #newSnapshot(): RdbSnapshot {
    const server = this.#server;
    const config = server.config;
    const now = Math.floor(server.keyspace.clock.now() / 1000);
    const aux: Array<[string, string]> = [
      ["redis-ver", REDIS_VERSION],
      ["redis-bits", "64"],
      ["ctime", String(now)],
      ["used-mem", "0"],
      ["aof-base", "1"],
    ];
    const libraries = [...scriptingEngine(server).libraries.values()].map((library) =>
      library.code
    );
    return new RdbSnapshot(
      server.keyspace,
      {
        compression: config.getBoolean("rdbcompression"),
        checksum: config.getBoolean("rdbchecksum"),
        listMaxListpackSize: config.getNumber("list-max-listpack-size"),
      },
      aux,
      libraries,
    );
  }

  /** The whole base, RDB or commands, written now (server start, no concurrent writes). */
  #writeBaseNow(file: Deno.FsFile): void {
    if (!this.#server.config.getBoolean("aof-use-rdb-preamble")) {
      this.#writeCommandsBase(file);
      return;
    }
    const snapshot = this.#newSnapshot();
    try {
      while (!snapshot.step(Infinity)) writeAll(file, snapshot.take());
    } finally {
      snapshot.abort();
    }
    writeAll(file, snapshot.take());
  }

  /**
   * A base of commands: FUNCTION LOAD for libraries, SELECT per db, SET for strings, RESTORE
   * (a DUMP payload) for collections, PEXPIREAT for deadlines.
   */
  #writeCommandsBase(file: Deno.FsFile): void {
    const server = this.#server;
    const config = server.config;
    const options = { compression: config.getBoolean("rdbcompression") };
    const now = server.keyspace.clock.now();
    let text = "";
    const flush = (force: boolean) => {
      if (!force && text.length < 1 << 20) return;
      writeAll(file, Buffer.from(text, "latin1"));
      text = "";
    };
    for (const library of scriptingEngine(server).libraries.values()) {
      text += encodeCommand(["FUNCTION", "LOAD", library.code]);
    }
    for (const db of server.keyspace.databases) {
      if (db.size === 0) continue;
      text += encodeCommand(["SELECT", String(db.id)]);
      for (const [key, value] of db.storedEntries()) {
        const expireAt = db.getExpireExact(key);
        if (expireAt !== undefined && expireAt < now) continue;
        if (typeof value === "string") text += encodeCommand(["SET", key, value]);
        else {
          const payload = dumpPayload(value, {
            ...options,
            listMaxListpackSize: config.getNumber("list-max-listpack-size"),
          });
          text += encodeCommand([
            "RESTORE",
            key,
            "0",
            Buffer.from(payload).toString("latin1"),
          ]);
        }
        if (expireAt !== undefined) text += encodeCommand(["PEXPIREAT", key, String(expireAt)]);
        flush(false);
      }
    }
    flush(true);
  }

  // -------------------------------------------------------------------------------------------
  // On and off

  /** `CONFIG SET appendonly yes` at run time: starts with a rewrite, as Redis. */
  turnOn(): void {
    if (this.enabled || this.#rewrite !== null || this.#closed) return;
    this.startRewrite(true);
  }

  /** `CONFIG SET appendonly no`: flushes, fsyncs and stops writing. */
  turnOff(): void {
    this.#stopRewrite();
    this.#stopWriting();
    this.enabled = false;
    this.rewriteScheduled = false;
  }

  #stopRewrite(): void {
    const job = this.#rewrite;
    if (job === null) return;
    this.#server.log("notice", "Killing running AOF rewrite child");
    this.#endRewrite(job, false, "");
  }

  #stopWriting(): void {
    this.#detach?.();
    this.#detach = null;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const file = this.#file;
    if (file === null) return;
    this.writeBuffer();
    try {
      file.syncSync();
    } catch { /* nothing more to do at this point */ }
    file.close();
    this.#file = null;
    this.#buffer = "";
    this.#synced = this.#written;
  }

  /** Flushes and fsyncs what is buffered and stops (the server is closing). */
  close(): void {
    if (this.#closed) return;
    this.#stopRewrite();
    this.#stopWriting();
    this.#closed = true;
  }

  // -------------------------------------------------------------------------------------------
  // Files

  #baseInfo(seq: number): AofFileInfo {
    const rdb = this.#server.config.getBoolean("aof-use-rdb-preamble");
    return { name: `${this.#fileName}.${seq}.base.${rdb ? "rdb" : "aof"}`, seq, type: "b" };
  }

  #incrName(seq: number): string {
    return `${this.#fileName}.${seq}.incr.aof`;
  }

  #allFiles(manifest: AofManifest): AofFileInfo[] {
    return [
      ...(manifest.base === null ? [] : [manifest.base]),
      ...manifest.history,
      ...manifest.incrs,
    ];
  }

  #readManifestQuietly(): AofManifest | null {
    try {
      return parseManifest(Deno.readTextFileSync(this.manifestPath));
    } catch {
      return null;
    }
  }

  /** Writes the manifest to a temp file, fsyncs it and renames it over the old one. */
  #persistManifest(manifest: AofManifest): void {
    const tempPath = this.#path(`temp-${this.#fileName}.manifest`);
    const file = Deno.openSync(tempPath, { write: true, create: true, truncate: true });
    try {
      writeAll(file, new TextEncoder().encode(formatManifest(manifest)));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(tempPath, this.manifestPath);
  }

  #removeFiles(files: AofFileInfo[], keep: string[]): void {
    for (const file of files) {
      if (keep.includes(file.name)) continue;
      removeQuietly(this.#path(file.name));
      this.#server.log(
        "notice",
        `Removing the history file ${file.name} in the background`,
      );
    }
  }
}

function startsWithRdb(data: Uint8Array): boolean {
  return data.length >= 5 && data[0] === 0x52 && data[1] === 0x45 && data[2] === 0x44 &&
    data[3] === 0x49 && data[4] === 0x53;
}

const instances = new WeakMap<ServerContext, Aof>();

/** The server's AOF state, made on first use. */
export function aofOf(server: ServerContext): Aof {
  let aof = instances.get(server);
  if (aof === undefined) instances.set(server, aof = new Aof(server));
  return aof;
}

/**
 * What a connection calls before writing replies: null (go ahead) unless the AOF is on with
 * `appendfsync always` and the writes behind the replies are not on disk yet.
 */
export function aofBarrier(server: ServerContext): Promise<void> | null {
  const aof = instances.get(server);
  return aof === undefined ? null : aof.barrier();
}

/**
 * Loads the AOF at start when `appendonly yes`; returns whether it did so (then `dump.rdb` is
 * not read, as in Redis). Throws Redis's message for a corrupt AOF.
 */
export function loadAofAtStart(server: ServerContext): boolean {
  if (!server.config.getBoolean("appendonly")) return false;
  aofOf(server).load();
  return true;
}

/** Starts writing the AOF when `appendonly yes`, and follows `CONFIG SET appendonly`. */
export function followAppendOnly(server: ServerContext): void {
  const aof = aofOf(server);
  if (server.config.getBoolean("appendonly")) aof.start();
  server.config.onChange("appendonly", (value) => {
    if (value === "yes") aof.turnOn();
    else aof.turnOff();
  });
}

/** INFO persistence's aof_* fields before the module_fork ones. */
export function aofInfoFields(server: ServerContext): Array<[string, string | number]> {
  const aof = aofOf(server);
  return [
    ["aof_enabled", aof.enabled ? 1 : 0],
    ["aof_rewrite_in_progress", aof.rewriteInProgress ? 1 : 0],
    ["aof_rewrite_scheduled", aof.rewriteScheduled ? 1 : 0],
    ["aof_last_rewrite_time_sec", aof.lastRewriteSeconds],
    ["aof_current_rewrite_time_sec", aof.rewriteSeconds],
    ["aof_last_bgrewrite_status", aof.lastRewriteOk ? "ok" : "err"],
    ["aof_rewrites", aof.rewrites],
    ["aof_rewrites_consecutive_failures", aof.consecutiveFailures],
    ["aof_last_write_status", aof.lastWriteOk ? "ok" : "err"],
    ["aof_last_cow_size", 0],
  ];
}

/** The sizes INFO persistence adds while the AOF is on. */
export function aofSizeInfoFields(server: ServerContext): Array<[string, string | number]> {
  const aof = aofOf(server);
  if (!aof.enabled) return [];
  return [
    ["aof_current_size", aof.currentSize],
    ["aof_base_size", aof.baseSize],
    ["aof_pending_rewrite", aof.rewriteScheduled ? 1 : 0],
    ["aof_buffer_length", aof.bufferLength],
    ["aof_pending_bio_fsync", 0],
    ["aof_delayed_fsync", 0],
  ];
}
