/**
 * The replica side of replication: the link from this server to its master (REPLICAOF).
 *
 * A link connects, shakes hands (PING, AUTH with `masteruser`/`masterauth`, REPLCONF
 * listening-port and capa eof psync2), then asks PSYNC with the history it has (`? -1` when it
 * has none). On `+FULLRESYNC` it reads the RDB image (`$<len>` or the diskless `$EOF:<mark>`
 * form), replaces its data with it and starts a new history at the master's offset; on
 * `+CONTINUE` it keeps its data and history. Then the rest of the connection is the master's
 * command stream, run by the "master client": commands go through the command table, their
 * replies are dropped, and each command's bytes advance the offset (a transaction's only at its
 * EXEC, so a link lost inside one leaves nothing half-applied). The link acknowledges its offset
 * every second and when asked (REPLCONF GETACK), and connects again after a loss.
 *
 * @example
 * ```ts
 * const link = new MasterLink(server, "127.0.0.1", 6379);
 * link.start();
 * // ... later, REPLICAOF NO ONE:
 * link.close();
 * ```
 * @module
 */
import type { Client } from "../commands/client.ts";
import { persistenceOf } from "../commands/persistence_manager.ts";
import { endTransaction } from "../commands/registry.ts";
import type { ServerContext } from "../commands/server_context.ts";
import { RespDecoder } from "../resp/decoder.ts";
import { bytesToLatin1, latin1ToBytes } from "../resp/latin1.ts";
import { scriptingEngine } from "../scripting/engine.ts";
import { encodeCommand } from "./backlog.ts";
import { replicationOf } from "./primary.ts";

/** How long to wait before connecting again after a failure or a lost link. */
const RETRY_MS = 250;
const EOF_MARK_LENGTH = 40;

/** Redis's words for where a link is (ROLE). */
export type LinkState = "connect" | "connecting" | "handshake" | "sync" | "connected";

export class MasterLink {
  readonly #server: ServerContext;
  readonly host: string;
  readonly port: number;
  state: LinkState = "connect";
  /** Date.now() of the last bytes from the master (INFO master_last_io_seconds_ago). */
  lastIo = 0;
  /** Date.now() when the link went down, or 0 if it never came up (INFO). */
  downSince = 0;
  /** Bytes of the RDB image expected and read so far, while one is being received. */
  syncTotal = -1;
  syncRead = 0;
  /** Stream bytes read, applied or not (INFO slave_read_repl_offset). */
  readOffset = 0;
  #conn: Deno.TcpConn | null = null;
  #client: Client | null = null;
  /** The master client's db, kept across a partial resync as Redis keeps its cached master. */
  #db = 0;
  /** Stream bytes of a transaction not yet applied (they count at EXEC). */
  #pending = "";
  #lastAck = 0;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #wakeRetry: () => void = () => {};
  /** Set while the master client runs a command: expired keys still count for it. */
  applying = false;

  constructor(server: ServerContext, host: string, port: number) {
    this.#server = server;
    this.host = host;
    this.port = port;
  }

  /** The link is up and the stream flows. */
  get connected(): boolean {
    return this.state === "connected";
  }

  /** The master client while connected (CLIENT LIST shows it with flags=M). */
  get client(): Client | null {
    return this.#client;
  }

  start(): void {
    this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#session();
      } catch (error) {
        if (!this.#closed) {
          this.#server.log(
            "warning",
            `Replication with MASTER ${this.#address()}: ${describe(error)}`,
          );
        }
      }
      this.#linkDown();
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RETRY_MS);
        this.#wakeRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  #address(): string {
    return `${this.host}:${this.port}`;
  }

  async #session(): Promise<void> {
    const server = this.#server;
    const replication = replicationOf(server);
    this.state = "connecting";
    server.log("notice", `Connecting to MASTER ${this.#address()}`);
    const conn = await Deno.connect({ hostname: this.host, port: this.port });
    this.#conn = conn;
    if (this.#closed) throw new Error("link closed");
    try {
      conn.setNoDelay(true);
    } catch { /* not TCP */ }
    this.lastIo = Date.now();
    const reader = new LinkReader(conn, (n) => {
      this.lastIo = Date.now();
      if (this.state === "sync") this.syncRead += n;
    });
    this.state = "handshake";
    server.log("notice", "MASTER <-> REPLICA sync started");
    const pong = await this.#ask(reader, ["PING"]);
    if (pong.startsWith("-") && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) {
      throw new Error(`Error reply to PING from master: '${pong}'`);
    }
    const password = server.config.get("masterauth");
    if (password !== "") {
      const user = server.config.get("masteruser");
      const reply = await this.#ask(
        reader,
        user === "" ? ["AUTH", password] : ["AUTH", user, password],
      );
      if (reply.startsWith("-")) throw new Error(`Unable to AUTH to MASTER: ${reply}`);
    }
    const port = server.config.getNumber("replica-announce-port") || server.port;
    await this.#ask(reader, ["REPLCONF", "listening-port", String(port)]);
    const announceIp = server.config.get("replica-announce-ip");
    if (announceIp !== "") await this.#ask(reader, ["REPLCONF", "ip-address", announceIp]);
    await this.#ask(reader, ["REPLCONF", "capa", "eof", "capa", "psync2"]);
    // With a history of our own, the master may continue it (PSYNC2); else a full sync.
    const hasHistory = replication.backlog !== null;
    const psync = hasHistory
      ? ["PSYNC", replication.replid, String(replication.offset + 1)]
      : ["PSYNC", "?", "-1"];
    const reply = await this.#ask(reader, psync);
    if (reply.startsWith("+FULLRESYNC")) {
      const [, replid, offset] = reply.split(" ");
      server.log("notice", `Full resync from master: ${replid}:${offset}`);
      await this.#fullSync(reader, replid, Number(offset));
    } else if (reply.startsWith("+CONTINUE")) {
      const newId = reply.slice("+CONTINUE".length).trim();
      server.log("notice", "Successful partial resynchronization with master.");
      if (newId !== "" && newId !== replication.replid) {
        replication.shiftReplid(newId);
        // Sub-replicas follow the old id: they reconnect and continue under the new one.
        replication.disconnectReplicas();
      }
      server.log("notice", "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    } else {
      throw new Error(`Unexpected reply to PSYNC from master: ${reply}`);
    }
    await this.#stream(conn, reader);
  }

  /** Sends a command and reads its one-line reply (skipping the keep-alive newlines). */
  async #ask(reader: LinkReader, argv: string[]): Promise<string> {
    await this.#write(encodeCommand(argv));
    for (;;) {
      const line = await reader.line();
      if (line !== "") return line;
    }
  }

  async #fullSync(reader: LinkReader, replid: string, offset: number): Promise<void> {
    const server = this.#server;
    const replication = replicationOf(server);
    this.state = "sync";
    this.syncRead = 0;
    let header = "";
    while (header === "") header = await reader.line();
    if (!header.startsWith("$")) throw new Error(`Bad protocol from MASTER: ${header}`);
    let payload: Uint8Array;
    if (header.startsWith("$EOF:")) {
      this.syncTotal = 0;
      const mark = latin1ToBytes(header.slice(5, 5 + EOF_MARK_LENGTH));
      payload = await reader.untilMark(mark);
    } else {
      this.syncTotal = Number(header.slice(1));
      payload = await reader.exact(this.syncTotal);
    }
    server.log("notice", `MASTER <-> REPLICA sync: received ${payload.length} bytes`);
    // Our data becomes the master's: what followed us must start over too.
    replication.disconnectReplicas();
    server.log("notice", "MASTER <-> REPLICA sync: Flushing old data");
    server.keyspace.flushAll();
    scriptingEngine(server).flushFunctions();
    const path = Deno.makeTempFileSync({ prefix: "redeno-sync-", suffix: ".rdb" });
    try {
      Deno.writeFileSync(path, payload);
      server.log("notice", "MASTER <-> REPLICA sync: Loading DB in memory");
      persistenceOf(server).load(path);
    } finally {
      try {
        Deno.removeSync(path);
      } catch { /* already gone */ }
    }
    server.keyspace.readyKeys.length = 0;
    replication.resetHistory(replid, offset);
    this.#db = 0;
    this.syncTotal = -1;
    server.log("notice", "MASTER <-> REPLICA sync: Finished with success");
  }

  /** Runs the master's command stream until the link ends. */
  async #stream(conn: Deno.TcpConn, reader: LinkReader): Promise<void> {
    const server = this.#server;
    const replication = replicationOf(server);
    const client = server.adoptConnection(conn);
    client.replication = "master";
    client.authenticated = true;
    client.db = server.keyspace.db(this.#db);
    this.#client = client;
    this.state = "connected";
    this.downSince = 0;
    this.readOffset = replication.offset;
    this.#pending = "";
    // The first acknowledgement tells a diskless master to start the stream.
    this.sendAck();
    const decoder = new RespDecoder({ maxBulkLength: () => Number.MAX_SAFE_INTEGER });
    const apply = (chunk: Uint8Array) => {
      this.readOffset += chunk.length;
      const batch = decoder.decode(chunk);
      for (const argv of batch.commands) {
        if (this.#closed || this.#client !== client) return;
        this.#apply(client, argv);
      }
      if (batch.protocolError !== undefined) {
        throw new Error(`Protocol error from MASTER: ${batch.protocolError}`);
      }
    };
    try {
      const rest = reader.rest();
      if (rest.length > 0) apply(rest);
      const buffer = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        this.lastIo = Date.now();
        server.stats.netInputBytes += n;
        apply(buffer.subarray(0, n));
      }
    } finally {
      this.#db = client.db.id;
      // A transaction cut short is dropped: its bytes were never counted.
      if (client.transaction !== null) endTransaction(client);
      this.#client = null;
      server.releaseClient(client);
    }
  }

  #apply(client: Client, argv: string[]): void {
    const server = this.#server;
    const mark = client.reply.length;
    this.applying = true;
    try {
      server.commands.execute(client, argv);
    } finally {
      this.applying = false;
    }
    client.reply.truncate(mark);
    server.stats.totalCommandsProcessed++;
    if (server.keyspace.readyKeys.length > 0) server.blocking.serveReadyKeys();
    this.#pending += encodeCommand(argv);
    if (client.transaction === null) {
      replicationOf(server).relay(this.#pending);
      this.#pending = "";
    }
  }

  /** REPLCONF ACK <offset> to the master (every second, and for REPLCONF GETACK). */
  sendAck(): void {
    if (this.#conn === null || this.state !== "connected") return;
    this.#lastAck = Date.now();
    this.#write(encodeCommand(["REPLCONF", "ACK", String(replicationOf(this.#server).offset)]))
      .catch(() => {});
  }

  #write(text: string): Promise<void> {
    const conn = this.#conn!;
    const bytes = latin1ToBytes(text);
    const next = this.#writing.then(async () => {
      let written = 0;
      while (written < bytes.length) written += await conn.write(bytes.subarray(written));
      this.#server.stats.netOutputBytes += bytes.length;
    });
    this.#writing = next.catch(() => {});
    return next;
  }

  /** Every server tick: acknowledge each second; give up on a silent master. */
  cron(): void {
    const now = Date.now();
    if (this.state === "connected" && now - this.#lastAck >= 1000) this.sendAck();
    const timeout = this.#server.config.getNumber("repl-timeout") * 1000;
    if (this.#conn !== null && this.state !== "connecting" && now - this.lastIo > timeout) {
      this.#server.log(
        "warning",
        this.state === "connected"
          ? "MASTER timeout: no data nor PING received..."
          : "Timeout connecting to the MASTER...",
      );
      this.#closeConn();
    }
  }

  #linkDown(): void {
    if (this.state === "connected") {
      this.#server.log("notice", "Connection with master lost.");
      this.downSince = Date.now();
    }
    this.#closeConn();
    this.state = "connect";
    this.syncTotal = -1;
  }

  #closeConn(): void {
    const conn = this.#conn;
    this.#conn = null;
    if (this.#client !== null) {
      this.#server.killClient(this.#client);
      return;
    }
    try {
      conn?.close();
    } catch { /* already closed */ }
  }

  /** Ends the link for good (REPLICAOF NO ONE, another master, shutdown). */
  close(): void {
    this.#closed = true;
    this.#closeConn();
    this.#wakeRetry();
  }
}

/** Reads lines and byte runs from the master during the handshake and the RDB transfer. */
class LinkReader {
  #buffer = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;

  constructor(readonly conn: Deno.Conn, readonly onRead: (n: number) => void) {}

  async #fill(): Promise<void> {
    if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buffer.length) {
      const grown = new Uint8Array(this.#buffer.length * 2);
      grown.set(this.#buffer);
      this.#buffer = grown;
    }
    const n = await this.conn.read(this.#buffer.subarray(this.#end));
    if (n === null) throw new Error("connection lost");
    this.#end += n;
    this.onRead(n);
  }

  /** The next line, without its CR LF. */
  async line(): Promise<string> {
    for (;;) {
      const lf = this.#buffer.subarray(this.#start, this.#end).indexOf(10);
      if (lf >= 0) {
        const end = this.#start + lf;
        const text = bytesToLatin1(
          this.#buffer,
          this.#start,
          end > this.#start && this.#buffer[end - 1] === 13 ? end - 1 : end,
        );
        this.#start = end + 1;
        return text;
      }
      await this.#fill();
    }
  }

  /** Exactly `length` bytes. */
  async exact(length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let have = Math.min(length, this.#end - this.#start);
    out.set(this.#buffer.subarray(this.#start, this.#start + have));
    this.#start += have;
    while (have < length) {
      const n = await this.conn.read(out.subarray(have));
      if (n === null) throw new Error("connection lost");
      this.onRead(n);
      have += n;
    }
    return out;
  }

  /** Bytes up to the end mark of a diskless transfer (the mark itself is dropped). */
  async untilMark(mark: Uint8Array): Promise<Uint8Array> {
    for (;;) {
      const held = this.#end - this.#start;
      if (held >= mark.length) {
        const tail = this.#buffer.subarray(this.#end - mark.length, this.#end);
        if (tail.every((byte, i) => byte === mark[i])) {
          const payload = this.#buffer.slice(this.#start, this.#end - mark.length);
          this.#start = this.#end;
          return payload;
        }
      }
      await this.#fill();
    }
  }

  /** What was read past the last line or run (the start of the stream). */
  rest(): Uint8Array {
    const rest = this.#buffer.slice(this.#start, this.#end);
    this.#start = this.#end;
    return rest;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
