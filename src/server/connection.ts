/**
 * Serves one connection: bytes → `RespDecoderStream` → batches of commands, each batch run
 * synchronously, and all of its replies written in one `conn.write`.
 *
 * The socket is read through a `ReadableStream` of our own that reads into one reused buffer:
 * Deno's `conn.readable` allocates 64 KiB per read, which at one command per read cost ~40 % of
 * throughput. Reusing the buffer is safe because the decoder copies whatever it keeps (it turns
 * arguments into strings and copies a partial frame) before the stream asks for the next read.
 *
 * Limits are enforced here as Redis enforces them: more unparsed input than
 * `client-query-buffer-limit` closes the client, and so do unsent replies past its
 * `client-output-buffer-limit` (checked after each command, so a pipeline of big replies cannot
 * pile up beyond it while the socket is slow).
 * @module
 */
import { RespDecoderStream } from "../resp/decoder.ts";
import { bytesToLatin1 } from "../resp/latin1.ts";
import type { BlockingManager } from "../commands/blocking.ts";
import type { Client } from "../commands/client.ts";
import { clientInfoLine } from "../commands/connection.ts";
import { quoteArgument } from "../commands/monitor.ts";
import { enforceOutputLimit, outputLimitsOf } from "../commands/output_limits.ts";
import type { CommandTable } from "../commands/registry.ts";
import type { ServerStats } from "../commands/server_context.ts";
import type { ReadyKey } from "../store/keyspace.ts";
import { aofBarrier } from "../persistence/aof.ts";

/**
 * A connection reads into a small buffer first and switches to a large one the first time a
 * read fills it: idle connections (10 000 of them, say) stay small, busy ones read in big chunks.
 */
const READ_BUFFER_FIRST = 4 * 1024;
const READ_BUFFER_SIZE = 64 * 1024;

export interface ConnectionDeps {
  commands: CommandTable;
  stats: ServerStats;
  blocking: BlockingManager;
  /** Keys created with a blockable type, drained by `blocking.serveReadyKeys`. */
  readyKeys: ReadyKey[];
  maxBulkLength: () => number;
  /** Most unparsed bytes a client may have buffered (`client-query-buffer-limit`). */
  maxQueryBuffer: () => number;
}

/** What a connection needs of its socket: a `Deno.Conn`, or a TLS socket shaped like one. */
export interface ByteStream {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** An accepted connection as the server sees it: a `Deno.TcpConn`, or a TLS socket. */
export interface ClientSocket extends ByteStream {
  readonly remoteAddr: Deno.Addr;
  readonly localAddr: Deno.Addr;
  setNoDelay(noDelay?: boolean): void;
  /** Turns TCP keepalive on; where the platform allows, probes start after `seconds` idle. */
  setKeepAlive(keepAlive?: boolean, seconds?: number): void;
}

/**
 * Reads the socket into one reused buffer; each chunk is valid until the next pull. `onEnd` runs
 * when the peer goes away, even while the consumer is busy (a blocked client's wait ends then);
 * `onData` runs for every chunk read.
 */
export function socketSource(
  conn: ByteStream,
  stats: ServerStats,
  onEnd: () => void = () => {},
  onData: () => void = () => {},
): ReadableStream<Uint8Array> {
  let buffer = new Uint8Array(READ_BUFFER_FIRST);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch {
        n = null; // reset by peer, or closed by CLIENT KILL / shutdown
      }
      if (n === null) {
        onEnd();
        controller.close();
        return;
      }
      stats.netInputBytes += n;
      onData();
      controller.enqueue(buffer.subarray(0, n));
      // The decoder has copied what it keeps before the next pull, so switching is safe.
      if (n === buffer.length && n < READ_BUFFER_SIZE) buffer = new Uint8Array(READ_BUFFER_SIZE);
    },
  }, { highWaterMark: 0 });
}

/** Serves `conn` for `client` until the peer leaves or the client is closed. */
export async function serveConnection(
  conn: ByteStream,
  client: Client,
  deps: ConnectionDeps,
): Promise<void> {
  const { commands, stats, blocking, readyKeys } = deps;
  const reply = client.reply;
  const outputLimits = outputLimitsOf(client.server.config);
  const onEnd = () => {
    blocking.unblock(client, "silent");
    commands.pause.release(client);
  };
  // As Redis, any input counts as activity for the idle `timeout`.
  const onData = () => client.lastInteraction = performance.now();
  const batches = socketSource(conn, stats, onEnd, onData).pipeThrough(
    new RespDecoderStream({
      maxBulkLength: deps.maxBulkLength,
      maxQueryBuffer: deps.maxQueryBuffer,
    }),
  );
  // One write at a time, whoever asks: this loop after a batch, or `client.wake()` when another
  // client's command (PUBLISH) appended to this client's replies.
  let writing: Promise<void> | null = null;
  const flush = async () => {
    while (writing !== null) await writing;
    if (reply.length === 0) return;
    const bytes = reply.take();
    stats.netOutputBytes += bytes.length;
    client.outputInFlight = bytes.length;
    // The AOF receives the writes behind these replies first (appendfsync always: the disk).
    const durable = aofBarrier(client.server);
    const written = durable === null
      ? writeAll(conn, bytes, client)
      : durable.then(() => writeAll(conn, bytes, client));
    writing = written.finally(() => {
      client.outputInFlight = 0;
      reply.release();
      writing = null;
    });
    await writing;
  };
  let wakeScheduled = false;
  client.wake = () => {
    if (wakeScheduled) return;
    wakeScheduled = true;
    queueMicrotask(() => {
      wakeScheduled = false;
      // A failed write means the peer is gone; the read side ends the connection.
      flush().catch(() => {});
    });
  };
  try {
    for await (const batch of batches) {
      const list = batch.commands;
      for (let i = 0; i < list.length; i++) {
        const mark = reply.length;
        commands.execute(client, list[i]);
        if (client.postponed !== null) {
          // Held by CLIENT PAUSE: send what is due, wait for the pause to end, run it again.
          await flush();
          const runAgain = await client.postponed;
          client.postponed = null;
          if (!runAgain) client.closeAfterReply = true;
          if (client.closeAfterReply) break;
          i--;
          continue;
        }
        stats.totalCommandsProcessed++;
        if (readyKeys.length > 0) blocking.serveReadyKeys();
        if (client.replyMode !== "on") {
          reply.truncate(mark);
          if (client.replyMode === "skip") client.replyMode = "on";
        }
        if (
          client.pendingOutput >= outputLimits.watermark || client.outputSoftLimitSince !== 0
        ) {
          enforceOutputLimit(client);
        }
        if (client.closeAfterReply) break;
        if (client.blocked !== null) {
          // Parked by a blocking command: send what is due, then wait for it to be served
          // before running the rest of this client's pipeline, as Redis does.
          await flush();
          await client.blocked.done;
          if (client.closeAfterReply) break;
        }
      }
      if (batch.queryBufferOverflow !== undefined && !client.closeAfterReply) {
        client.server.log(
          "warning",
          `Closing client that reached max query buffer length: ${clientInfoLine(client)} ` +
            `(qbuf initial bytes: ${quoteArgument(latin1Of(batch.queryBufferOverflow))})`,
        );
        reply.truncate(0);
        break;
      }
      if (batch.protocolError !== undefined && !client.closeAfterReply) {
        reply.error(batch.protocolError);
        client.closeAfterReply = true;
      }
      if (reply.length > 0) await flush();
      if (client.closeAfterReply) break;
    }
  } catch {
    // The peer went away mid-write or mid-read: nothing to answer.
  } finally {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

function latin1Of(bytes: Uint8Array): string {
  return bytesToLatin1(bytes, 0, bytes.length);
}

/** Writes all of `bytes`, keeping `client.outputInFlight` at what is still unwritten. */
async function writeAll(conn: ByteStream, bytes: Uint8Array, client: Client): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const n = await conn.write(bytes.subarray(written));
    written += n;
    client.outputInFlight -= n;
  }
  client.lastInteraction = performance.now();
}
