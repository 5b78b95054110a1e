/**
 * Pub/sub fan-out under load: one publisher and 500 subscriber connections on one channel
 * (raw sockets), 100 000 messages published in pipelined batches, and every subscriber must
 * receive all of them, in publish order.
 *
 * Every payload is an 8-digit sequence number, so each message frame has the same length and
 * the readers check frames in place (fixed offsets) instead of parsing them into objects. The
 * publisher stays at most a few batches ahead of the slowest subscriber, which keeps the
 * server's per-subscriber backlog far below the pub/sub output-buffer limit (and memory low).
 * A watchdog closes every socket at the deadline, so no wait can hang.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { latin1, RespClient } from "./support/resp_client.ts";
import { startRedeno } from "./support/servers.ts";

const SUBSCRIBERS = 500;
const MESSAGES = 100_000;
const BATCH = 1_000;
/** How many batches the publisher may run ahead of the slowest subscriber. */
const WINDOW = 4;
const CHANNEL = "fanout";
const DIGITS = 8;
const DEADLINE_MS = 55_000;

/** `*3 $7 message $6 fanout $8 ` before the digits, `\r\n` after. */
const PREFIX = latin1(`*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${DIGITS}\r\n`);
const FRAME = PREFIX.length + DIGITS + 2;

function payload(seq: number): string {
  return String(seq).padStart(DIGITS, "0");
}

/** Reads one subscriber's stream: counts frames and checks each carries the next number. */
class Subscriber {
  received = 0;
  error: string | undefined;
  #pending = new Uint8Array(FRAME);
  #pendingLength = 0;

  constructor(readonly index: number, readonly conn: Deno.TcpConn) {}

  /** Checks whole frames in `bytes`; keeps a partial frame for the next chunk. */
  consume(bytes: Uint8Array): void {
    let pos = 0;
    if (this.#pendingLength > 0) {
      const take = Math.min(FRAME - this.#pendingLength, bytes.length);
      this.#pending.set(bytes.subarray(0, take), this.#pendingLength);
      this.#pendingLength += take;
      pos = take;
      if (this.#pendingLength < FRAME) return;
      this.#check(this.#pending, 0);
      this.#pendingLength = 0;
    }
    while (pos + FRAME <= bytes.length && this.error === undefined) {
      this.#check(bytes, pos);
      pos += FRAME;
    }
    if (pos < bytes.length && this.error === undefined) {
      this.#pending.set(bytes.subarray(pos), 0);
      this.#pendingLength = bytes.length - pos;
    }
  }

  #check(bytes: Uint8Array, at: number): void {
    // The first bytes, the byte before the digits and the CRLF after them pin the frame
    // boundaries; any lost, repeated or torn frame breaks them or the sequence number.
    let ok = bytes[at] === 42 && bytes[at + 1] === 51 && bytes[at + PREFIX.length - 1] === 10 &&
      bytes[at + FRAME - 2] === 13 && bytes[at + FRAME - 1] === 10;
    let seq = 0;
    for (let i = at + PREFIX.length; ok && i < at + PREFIX.length + DIGITS; i++) {
      const digit = bytes[i] - 48;
      if (digit < 0 || digit > 9) ok = false;
      seq = seq * 10 + digit;
    }
    if (!ok || seq !== this.received) {
      const text = new TextDecoder().decode(bytes.subarray(at, at + FRAME));
      this.error = `subscriber ${this.index}: message #${this.received} was ${
        JSON.stringify(text)
      }`;
      return;
    }
    this.received++;
  }

  /** Reads until all messages arrived, the connection ends or a frame is wrong. */
  async readAll(onProgress: () => void): Promise<void> {
    const buffer = new Uint8Array(256 * 1024);
    while (this.received < MESSAGES && this.error === undefined) {
      const n = await this.conn.read(buffer);
      if (n === null) {
        this.error = `subscriber ${this.index}: closed after ${this.received} messages`;
        break;
      }
      this.consume(buffer.subarray(0, n));
      onProgress();
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}

/** Reads exactly `length` bytes (the fixed-size replies this test expects). */
async function readExactly(conn: Deno.Conn, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  for (let got = 0; got < length;) {
    const n = await conn.read(out.subarray(got));
    if (n === null) throw new Error(`connection closed after ${got} of ${length} bytes`);
    got += n;
  }
  return out;
}

Deno.test("pub/sub fan-out: 500 subscribers each get 100 000 messages in order", async () => {
  await using server = await startRedeno();
  const conns: Deno.TcpConn[] = [];
  let timedOut = false;
  let wakePublisher: (() => void) | undefined;
  let progressTimer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = setTimeout(() => {
    timedOut = true;
    wakePublisher?.();
    closeAll();
  }, DEADLINE_MS);
  function closeAll(): void {
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }
  try {
    const started = performance.now();
    const subscribers: Subscriber[] = [];
    const subscribe = RespClient.encode(["SUBSCRIBE", CHANNEL]);
    const confirmation = `*3\r\n$9\r\nsubscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`;
    // Connect in groups so the accept backlog never overflows.
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      const group = await Promise.all(
        Array.from(
          { length: Math.min(50, SUBSCRIBERS - i) },
          () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
        ),
      );
      conns.push(...group);
      await Promise.all(group.map(async (conn, j) => {
        await writeAll(conn, subscribe);
        const reply = await readExactly(conn, confirmation.length);
        assertEquals(new TextDecoder().decode(reply), confirmation, `subscriber ${i + j}`);
        subscribers.push(new Subscriber(i + j, conn));
      }));
    }
    const publisher = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    conns.push(publisher);
    publisher.setNoDelay(true);
    const subscribed = performance.now();

    // The publisher waits for this between batches: the slowest subscriber's progress.
    let slowest = 0;
    const progress = () => {
      let min = MESSAGES;
      for (const s of subscribers) if (s.received < min) min = s.received;
      slowest = min;
      wakePublisher?.();
    };
    const onProgress = () => {
      // Recomputing the minimum over 500 readers on every chunk would dominate; batch it.
      if (progressTimer !== undefined) return;
      progressTimer = setTimeout(() => {
        progressTimer = undefined;
        progress();
      }, 1);
    };
    const reading = Promise.all(subscribers.map((s) => s.readAll(onProgress)));
    reading.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled

    const reply = latin1(`:${SUBSCRIBERS}\r\n`);
    for (let first = 0; first < MESSAGES; first += BATCH) {
      while (first - slowest > WINDOW * BATCH) {
        if (timedOut) throw new Error(`timed out publishing; slowest subscriber at ${slowest}`);
        const failed = subscribers.find((s) => s.error !== undefined);
        if (failed) throw new Error(failed.error);
        await new Promise<void>((resolve) => wakePublisher = resolve);
        wakePublisher = undefined;
      }
      const count = Math.min(BATCH, MESSAGES - first);
      const parts: string[] = [];
      for (let seq = first; seq < first + count; seq++) {
        parts.push(`*3\r\n$7\r\nPUBLISH\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${DIGITS}\r\n`);
        parts.push(`${payload(seq)}\r\n`);
      }
      await writeAll(publisher, latin1(parts.join("")));
      // Every PUBLISH must report all subscribers as receivers.
      const replies = await readExactly(publisher, reply.length * count);
      for (let i = 0; i < replies.length; i++) {
        if (replies[i] !== reply[i % reply.length]) {
          throw new Error(
            `PUBLISH reply in batch at ${first}: ` +
              JSON.stringify(new TextDecoder().decode(replies.subarray(i - (i % reply.length)))),
          );
        }
      }
    }
    const published = performance.now();
    await reading;
    clearTimeout(watchdog);
    const done = performance.now();
    assert(!timedOut, "timed out");
    const errors = subscribers.map((s) => s.error).filter((e) => e !== undefined);
    assertEquals(errors, []);
    for (const s of subscribers) assertEquals(s.received, MESSAGES, `subscriber ${s.index}`);
    const seconds = (done - subscribed) / 1000;
    console.log(
      `fan-out: ${SUBSCRIBERS} subscribers in ${((subscribed - started) / 1000).toFixed(2)} s; ` +
        `${MESSAGES} messages published in ${((published - subscribed) / 1000).toFixed(2)} s, ` +
        `all delivered in ${seconds.toFixed(2)} s ` +
        `(${Math.round((SUBSCRIBERS * MESSAGES) / seconds).toLocaleString("en-US")} deliveries/s)`,
    );
  } catch (error) {
    if (timedOut) throw new Error(`deadline of ${DEADLINE_MS} ms passed: ${error}`);
    throw error;
  } finally {
    clearTimeout(watchdog);
    clearTimeout(progressTimer);
    closeAll();
  }
});
