/**
 * A raw RESP client for tests: sends bytes, reads whole replies back as their exact bytes (so
 * differential tests compare what went over the wire), or as parsed values.
 * @module
 */
import { Buffer } from "node:buffer";

export type RespValue =
  | string
  | number
  | bigint
  | null
  | boolean
  | RespError
  | RespValue[]
  | Map<RespValue, RespValue>;

export class RespError {
  constructor(readonly message: string) {}
}

export class RespClient {
  #conn: Deno.TcpConn;
  #buffer: Uint8Array = new Uint8Array(0);
  #closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async connect(port: number, hostname = "127.0.0.1"): Promise<RespClient> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new RespClient(conn);
  }

  /** Encodes argv (latin1 strings or bytes) as a multibulk command. */
  static encode(argv: Array<string | Uint8Array>): Uint8Array {
    const parts: Uint8Array[] = [latin1(`*${argv.length}\r\n`)];
    for (const arg of argv) {
      const bytes = typeof arg === "string" ? latin1(arg) : arg;
      parts.push(latin1(`$${bytes.length}\r\n`), bytes, latin1("\r\n"));
    }
    return concat(parts);
  }

  async write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? latin1(data) : data;
    let written = 0;
    while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
  }

  /** Sends one command and returns its reply's raw bytes as a latin1 string. */
  async raw(...argv: Array<string | Uint8Array>): Promise<string> {
    await this.write(RespClient.encode(argv));
    return await this.readRaw();
  }

  /** Sends one command and returns its parsed reply. */
  async call(...argv: Array<string | Uint8Array>): Promise<RespValue> {
    return parseReply(await this.raw(...argv));
  }

  /** Reads one whole reply; returns its raw bytes as a latin1 string. */
  async readRaw(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = replyEnd(this.#buffer, 0);
      if (end >= 0) {
        const text = Buffer.from(this.#buffer.subarray(0, end)).toString("latin1");
        this.#buffer = this.#buffer.slice(end);
        return text;
      }
      if (Date.now() > deadline) throw new Error("timed out waiting for a reply");
      if (!await this.#fill(deadline - Date.now())) {
        throw new Error(`connection closed; buffered: ${JSON.stringify(latin1Text(this.#buffer))}`);
      }
    }
  }

  /** Resolves true once the server closes the connection (after any buffered replies). */
  async readUntilClosed(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (await this.#fill(deadline - Date.now())) {
      if (Date.now() > deadline) throw new Error("server did not close the connection");
    }
    const text = latin1Text(this.#buffer);
    this.#buffer = new Uint8Array(0);
    return text;
  }

  async #fill(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return false;
    const chunk = new Uint8Array(64 * 1024);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(1, timeoutMs));
    });
    try {
      const n = await Promise.race([this.#conn.read(chunk), timeout]);
      if (n === "timeout") throw new Error("timed out reading from server");
      if (n === null) {
        this.#closed = true;
        return false;
      }
      this.#buffer = concat([this.#buffer, chunk.subarray(0, n)]);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) {
        this.#closed = true;
        return false;
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

export function latin1(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}

export function latin1Text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("latin1");
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The offset just past the reply starting at `pos`, or -1 if it is not all there yet. */
export function replyEnd(bytes: Uint8Array, pos: number): number {
  if (pos >= bytes.length) return -1;
  const lineEnd = bytes.indexOf(10, pos);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(bytes[pos]);
  const header = latin1Text(bytes.subarray(pos + 1, lineEnd - 1));
  let next = lineEnd + 1;
  switch (type) {
    case "+":
    case "-":
    case ":":
    case "_":
    case ",":
    case "#":
    case "(":
      return next;
    case "$":
    case "=":
    case "!": {
      const length = Number(header);
      if (length < 0) return next;
      return next + length + 2 <= bytes.length ? next + length + 2 : -1;
    }
    case "*":
    case "~":
    case ">":
    case "%":
    case "|": {
      let count = Number(header);
      if (count < 0) return next;
      if (type === "%" || type === "|") count *= 2;
      for (let i = 0; i < count; i++) {
        next = replyEnd(bytes, next);
        if (next < 0) return -1;
      }
      // A RESP3 attribute precedes the reply it annotates.
      return type === "|" ? replyEnd(bytes, next) : next;
    }
    default:
      throw new Error(`unexpected reply type ${JSON.stringify(type)}`);
  }
}

/** Parses a raw reply (latin1) into a value: errors become RespError, maps become Map. */
export function parseReply(raw: string): RespValue {
  const [value] = parseAt(raw, 0);
  return value;
}

function parseAt(raw: string, pos: number): [RespValue, number] {
  const lineEnd = raw.indexOf("\r\n", pos);
  const type = raw[pos];
  const header = raw.slice(pos + 1, lineEnd);
  let next = lineEnd + 2;
  switch (type) {
    case "+":
      return [header, next];
    case "-":
      return [new RespError(header), next];
    case ":":
      return [Number.isSafeInteger(Number(header)) ? Number(header) : BigInt(header), next];
    case "_":
      return [null, next];
    case ",":
      return [header, next];
    case "#":
      return [header === "t", next];
    case "(":
      return [BigInt(header), next];
    case "$":
    case "=":
    case "!": {
      const length = Number(header);
      if (length < 0) return [null, next];
      return [raw.slice(next, next + length), next + length + 2];
    }
    case "*":
    case "~":
    case ">": {
      const count = Number(header);
      if (count < 0) return [null, next];
      const items: RespValue[] = [];
      for (let i = 0; i < count; i++) {
        const [item, after] = parseAt(raw, next);
        items.push(item);
        next = after;
      }
      return [items, next];
    }
    case "%": {
      const map = new Map<RespValue, RespValue>();
      for (let i = 0; i < Number(header); i++) {
        const [key, afterKey] = parseAt(raw, next);
        const [value, afterValue] = parseAt(raw, afterKey);
        map.set(key, value);
        next = afterValue;
      }
      return [map, next];
    }
    default:
      throw new Error(`unexpected reply type ${JSON.stringify(type)}`);
  }
}
