/**
 * Helpers for the end-to-end tests: raw sockets that read exact byte counts, redis-cli runs,
 * a seeded PRNG, and Redeno started as a subprocess (`deno run main.ts`) for the CLI and bundle
 * tests. Every wait here has a deadline, so a broken server fails a test instead of hanging it.
 * @module
 */
import { fileURLToPath } from "node:url";
import { latin1, latin1Text, replyEnd } from "./support/resp_client.ts";
export { freePort } from "./support/servers.ts";
export { prng, seedFrom } from "./support/random.ts";
export { latin1, latin1Text };

/** The repository root (where deno.json and main.ts are). */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Encodes argv (latin1 strings or bytes) as a RESP multibulk request, as a latin1 string. */
export function encodeCommand(argv: Array<string>): string {
  let out = `*${argv.length}\r\n`;
  for (const arg of argv) out += `$${arg.length}\r\n${arg}\r\n`;
  return out;
}

/** A raw TCP connection that accumulates everything the server sends. */
export class RawConn {
  #conn: Deno.TcpConn;
  #chunks: Uint8Array[] = [];
  #length = 0;
  #closed = false;
  #reader: Promise<void>;
  #wake: (() => void) | null = null;

  private constructor(conn: Deno.TcpConn, read: boolean) {
    this.#conn = conn;
    this.#reader = read ? this.#readLoop() : Promise.resolve();
  }

  /** Connects; with `read: false` the socket is never read (a client that stalls). */
  static async connect(port: number, options: { read?: boolean } = {}): Promise<RawConn> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new RawConn(conn, options.read ?? true);
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(256 * 1024);
    try {
      for (;;) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        this.#chunks.push(buffer.slice(0, n));
        this.#length += n;
        this.#wake?.();
      }
    } catch {
      // reset by peer or closed by us
    }
    this.#closed = true;
    this.#wake?.();
  }

  /** Bytes received so far. */
  get length(): number {
    return this.#length;
  }

  /** True once the server closed the connection (or it was reset). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Everything received so far, as latin1. */
  text(): string {
    return latin1Text(this.#bytes());
  }

  #bytes(): Uint8Array {
    if (this.#chunks.length > 1) {
      const all = new Uint8Array(this.#length);
      let offset = 0;
      for (const chunk of this.#chunks) {
        all.set(chunk, offset);
        offset += chunk.length;
      }
      this.#chunks = [all];
    }
    return this.#chunks[0] ?? new Uint8Array(0);
  }

  /** Forgets what was received so far. */
  clear(): void {
    this.#chunks = [];
    this.#length = 0;
  }

  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? latin1(data) : data;
    let written = 0;
    while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
  }

  /** Waits until at least `n` bytes have arrived in total; throws at the deadline. */
  async waitForLength(n: number, timeoutMs = 10_000): Promise<string> {
    await this.#waitUntil(() => this.#length >= n, timeoutMs, `${n} bytes (got ${this.#length})`);
    return this.text();
  }

  /** Waits until the server closes the connection; returns everything received. */
  async waitForClose(timeoutMs = 10_000): Promise<string> {
    await this.#waitUntil(() => this.#closed, timeoutMs, "the server to close the connection");
    return this.text();
  }

  /** Sends one command and waits for exactly `expected` as the next reply bytes. */
  async roundTrip(argv: string[], expected: string, timeoutMs = 10_000): Promise<string> {
    const before = this.#length;
    await this.write(encodeCommand(argv));
    await this.waitForLength(before + expected.length, timeoutMs);
    return this.text().slice(before);
  }

  /**
   * Sends one command and returns its whole reply (raw, latin1), which is then forgotten so the
   * next call starts clean. Use on a connection with nothing else in flight.
   */
  async call(argv: string[], timeoutMs = 10_000): Promise<string> {
    this.clear();
    await this.write(encodeCommand(argv));
    let end = -1;
    await this.#waitUntil(
      () => (end = this.#length > 0 ? replyEnd(this.#bytes(), 0) : -1) >= 0,
      timeoutMs,
      `a reply to ${JSON.stringify(argv.join(" ").slice(0, 60))}`,
    );
    const reply = this.text().slice(0, end);
    this.clear();
    return reply;
  }

  async #waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.#closed && !done()) {
        throw new Error(`connection closed while waiting for ${what}; got ${this.#preview()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.#preview()}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, Math.min(left, 100));
      });
      clearTimeout(timer);
      this.#wake = null;
    }
  }

  #preview(): string {
    const text = this.text();
    return JSON.stringify(text.length > 200 ? `${text.slice(0, 100)}...${text.slice(-100)}` : text);
  }

  /** Closes the socket and waits for the read loop to end. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    await this.#reader;
  }
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs redis-cli against `port` with `args`, feeding `input` on stdin; killed after a timeout. */
export async function redisCli(
  port: number,
  args: string[],
  input?: string | Uint8Array,
  timeoutMs = 60_000,
): Promise<ProcessResult> {
  const child = new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", String(port), ...args],
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  try {
    if (input !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(typeof input === "string" ? latin1(input) : input);
      await writer.close();
    }
    const output = await child.output();
    return {
      code: output.code,
      stdout: latin1Text(output.stdout),
      stderr: latin1Text(output.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Collects a child's output stream as text while it runs. */
class OutputCollector {
  text = "";
  done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) this.text += decoder.decode(chunk, { stream: true });
      this.text += decoder.decode();
    })().catch(() => {});
  }
}

/** Redeno (or a bundle of it) running as a `deno run` subprocess. */
export class RedenoProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdout: OutputCollector;
  readonly #stderr: OutputCollector;
  #status: Promise<Deno.CommandStatus>;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#stdout = new OutputCollector(child.stdout);
    this.#stderr = new OutputCollector(child.stderr);
    this.#status = child.status;
  }

  /**
   * Spawns `deno run --allow-net [permissions] <entry> ...args` in `cwd`. Does not wait for it
   * to be ready.
   */
  static spawn(
    args: string[],
    options: { entry?: string; cwd?: string; permissions?: string[] } = {},
  ): RedenoProcess {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        ...options.permissions ?? [],
        options.entry ?? "main.ts",
        ...args,
      ],
      cwd: options.cwd ?? REPO_ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new RedenoProcess(child);
  }

  get pid(): number {
    return this.#child.pid;
  }

  get stdout(): string {
    return this.#stdout.text;
  }

  get stderr(): string {
    return this.#stderr.text;
  }

  /** Waits for "Ready to accept connections" (startup includes type-checking-free compile). */
  async ready(timeoutMs = 30_000): Promise<void> {
    let exited = false;
    this.#status.then(() => exited = true);
    const deadline = Date.now() + timeoutMs;
    while (!this.#stdout.text.includes("Ready to accept connections")) {
      if (exited) {
        throw new Error(`redeno exited early\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`redeno not ready in time\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits for the process to exit by itself (after a signal, or for a bad flag). */
  async exited(timeoutMs = 30_000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) =>
      timer = setTimeout(() => resolve(null), timeoutMs)
    );
    const status = await Promise.race([this.#status, timeout]);
    clearTimeout(timer);
    if (status === null) {
      this.kill("SIGKILL");
      await this.#status;
      throw new Error(`redeno did not exit in ${timeoutMs} ms\nstdout: ${this.stdout}`);
    }
    await Promise.all([this.#stdout.done, this.#stderr.done]);
    return status;
  }

  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.#child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Kills the process if it is still running and waits for it and its output streams. */
  async stop(): Promise<void> {
    this.kill("SIGKILL");
    await this.#status;
    await Promise.all([this.#stdout.done, this.#stderr.done]);
  }
}

/** Text that would show a stack trace or an uncaught error in a process's output. */
export function looksLikeCrash(output: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(output) || /Uncaught|panicked|error: /i.test(output);
}

/**
 * A process's resident memory in bytes, from `ps` (reading /proc/<pid> would need Deno's
 * --allow-all; the test task grants --allow-run).
 */
export async function residentBytes(pid: number): Promise<number> {
  const output = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] })
    .output();
  return Number(new TextDecoder().decode(output.stdout).trim() || 0) * 1024;
}
