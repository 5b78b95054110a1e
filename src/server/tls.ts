/**
 * The TLS port (`tls-port`, `tls-cert-file`, `tls-key-file`, `tls-ca-cert-file`,
 * `tls-auth-clients`). `Deno.listenTls` cannot ask clients for certificates, so the listener is
 * `node:tls`, which in Deno verifies client certificates against a CA. Each accepted socket is
 * shaped like a `Deno.Conn` (read into the caller's buffer, write, close), so TLS clients go
 * through the same connection code as plain ones.
 *
 * `tls-auth-clients`: `yes` (Redis's default) requires a certificate signed by the CA, `optional`
 * accepts clients without one but refuses a bad one, `no` asks for none.
 *
 * @example
 * ```ts
 * const listener = await TlsListener.listen({
 *   hostname: "127.0.0.1", port: 6380, cert, key, ca, authClients: "no",
 *   onError: (message) => console.log(message),
 * });
 * for await (const socket of listener) serve(socket);
 * ```
 * @module
 */
import tls from "node:tls";
import type { ClientSocket } from "./connection.ts";

export type TlsAuthClients = "no" | "yes" | "optional";

export interface TlsListenOptions {
  hostname: string;
  port: number;
  /** PEM text of the certificate chain, the private key and the CA for client certificates. */
  cert: string;
  key: string;
  ca?: string;
  authClients: TlsAuthClients;
  /** Told of handshakes that failed (a plain-text client, a refused certificate). */
  onError: (message: string) => void;
}

/** Bytes of input held before the socket is paused until the server reads them. */
const READ_HIGH_WATER = 256 * 1024;

/** Accepts TLS connections, yielding them as {@link ClientSocket}s. */
export class TlsListener implements AsyncIterable<ClientSocket> {
  readonly #server: tls.Server;
  readonly #accepted: ClientSocket[] = [];
  #wake: (() => void) | null = null;
  #closed = false;

  private constructor(server: tls.Server, options: TlsListenOptions) {
    this.#server = server;
    server.on("secureConnection", (socket: tls.TLSSocket) => {
      // `optional`: node accepted the handshake whatever the certificate; refuse a bad one.
      if (options.authClients === "optional" && !socket.authorized && hasCertificate(socket)) {
        options.onError(`TLS client certificate refused: ${socket.authorizationError}`);
        socket.destroy();
        return;
      }
      this.#accepted.push(new TlsSocket(socket));
      this.#notify();
    });
    server.on("tlsClientError", (error: Error) => {
      options.onError(`Error accepting a client connection: ${error.message}`);
    });
  }

  /** Starts listening; rejects when the address is unavailable or the key material is bad. */
  static listen(options: TlsListenOptions): Promise<TlsListener> {
    const server = tls.createServer({
      cert: options.cert,
      key: options.key,
      ca: options.ca || undefined,
      requestCert: options.authClients !== "no",
      rejectUnauthorized: options.authClients === "yes",
    });
    const listener = new TlsListener(server, options);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.hostname, () => {
        server.off("error", reject);
        server.on("error", (error: Error) => options.onError(`TLS listener: ${error.message}`));
        resolve(listener);
      });
    });
  }

  get addr(): Deno.NetAddr {
    const address = this.#server.address() as { address: string; port: number };
    return { transport: "tcp", hostname: address.address, port: address.port };
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ClientSocket> {
    while (true) {
      const next = this.#accepted.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const socket of this.#accepted.splice(0)) socket.close();
    this.#notify();
  }
}

/** Whether the peer sent a certificate at all (node gives `{}` or nothing when it did not). */
function hasCertificate(socket: tls.TLSSocket): boolean {
  const certificate = socket.getPeerCertificate();
  return certificate !== null && certificate !== undefined &&
    Object.keys(certificate).length > 0;
}

/** A node TLS socket behind the `Deno.Conn`-like interface the connection code reads. */
class TlsSocket implements ClientSocket {
  readonly #socket: tls.TLSSocket;
  readonly remoteAddr: Deno.NetAddr;
  readonly localAddr: Deno.NetAddr;
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #wake: (() => void) | null = null;
  /** Writes not yet confirmed: failed at once if the socket goes away. */
  readonly #writes = new Set<(error: Error) => void>();

  constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    this.remoteAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "",
      port: socket.remotePort ?? 0,
    };
    this.localAddr = {
      transport: "tcp",
      hostname: socket.localAddress ?? "",
      port: socket.localPort ?? 0,
    };
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered >= READ_HIGH_WATER) socket.pause();
      this.#notify();
    });
    const end = () => {
      this.#ended = true;
      this.#notify();
      const gone = new Error("connection closed");
      for (const fail of this.#writes) fail(gone);
      this.#writes.clear();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      if (this.#socket.isPaused()) this.#socket.resume();
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    let n = 0;
    while (n < buffer.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.length, buffer.length - n);
      buffer.set(chunk.subarray(0, take), n);
      n += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    this.#buffered -= n;
    return n;
  }

  /** Resolves once node has handed the bytes on, so the caller may reuse its buffer. */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#ended) return Promise.reject(new Error("connection closed"));
    return new Promise((resolve, reject) => {
      this.#writes.add(reject);
      this.#socket.write(bytes, (error?: Error | null) => {
        this.#writes.delete(reject);
        if (error) reject(error);
        else resolve(bytes.length);
      });
    });
  }

  close(): void {
    this.#socket.destroy();
    this.#ended = true;
    this.#notify();
  }

  setNoDelay(noDelay = true): void {
    this.#socket.setNoDelay(noDelay);
  }

  setKeepAlive(keepAlive = true, seconds = 0): void {
    this.#socket.setKeepAlive(keepAlive, seconds * 1000);
  }
}
