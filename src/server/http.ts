/**
 * The HTTP side port (`http-port`): Prometheus metrics at `/metrics`, the live dashboard at `/`
 * and its JSON at `/api/stats`. It is a listener of its own, never the RESP port, and reads the
 * server's state only when asked (plus a once-a-second sampler), so commands pay nothing for it.
 *
 * @example
 * ```ts
 * const endpoint = HttpEndpoint.start(server, { hostname: "127.0.0.1", port: 9121 }, logger);
 * // curl http://127.0.0.1:9121/metrics
 * await endpoint.close();
 * ```
 * @module
 */
import type { ServerContext } from "../commands/server_context.ts";
import { DASHBOARD_HTML } from "./dashboard_page.ts";
import type { Logger } from "./log.ts";
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from "./metrics.ts";
import { Observer } from "./observer.ts";

export class HttpEndpoint {
  readonly #http: Deno.HttpServer<Deno.NetAddr>;
  readonly #observer: Observer;

  private constructor(http: Deno.HttpServer<Deno.NetAddr>, observer: Observer) {
    this.#http = http;
    this.#observer = observer;
  }

  /** Listens on `hostname:port` (port 0 picks a free one); throws when it cannot bind. */
  static start(
    server: ServerContext,
    address: { hostname: string; port: number },
    logger: Logger,
  ): HttpEndpoint {
    const observer = new Observer(server);
    try {
      const http = Deno.serve({
        hostname: address.hostname,
        port: address.port,
        onListen: ({ hostname, port }) => {
          const host = hostname.includes(":") ? `[${hostname}]` : hostname;
          logger.notice(
            `Metrics and dashboard on http://${host}:${port}/ (/metrics for Prometheus)`,
          );
        },
        onError: (error) => {
          logger.warning(`HTTP request failed: ${error}`);
          return new Response("internal error\n", { status: 500 });
        },
      }, (request) => respond(request, server, observer));
      return new HttpEndpoint(http, observer);
    } catch (error) {
      observer.close();
      const where = `${address.hostname}:${address.port}`;
      throw new Error(`http-port: cannot listen on ${where}: ${(error as Error).message}`);
    }
  }

  /** The port actually listened on. */
  get port(): number {
    return this.#http.addr.port;
  }

  /** Stops the sampler, stops listening and ends open connections. */
  async close(): Promise<void> {
    this.#observer.close();
    await this.#http.shutdown();
  }
}

function respond(request: Request, server: ServerContext, observer: Observer): Response {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return plain("method not allowed\n", 405, { allow: "GET, HEAD" });
  }
  switch (new URL(request.url).pathname) {
    case "/metrics":
      return new Response(prometheusText(server), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
      });
    case "/api/stats":
      return Response.json(observer.snapshot(), { headers: { "cache-control": "no-store" } });
    case "/":
    case "/index.html":
      return new Response(DASHBOARD_HTML, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          // The page loads nothing from elsewhere; keep it that way.
          "content-security-policy":
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
            "connect-src 'self'; img-src 'self'",
          "x-content-type-options": "nosniff",
        },
      });
    default:
      return plain("not found: try / (dashboard), /metrics or /api/stats\n", 404);
  }
}

function plain(text: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}
