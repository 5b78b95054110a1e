/**
 * The dashboard in a real browser: headless Chromium, driven over the DevTools protocol, loads
 * the page, which must show the server's live numbers and keep updating without a reload; a
 * screenshot must be a real, non-blank PNG. Skipped when Chromium is not installed
 * (Debian: `apt-get install chromium`; or set CHROMIUM_PATH).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { freePort, startRedeno, waitFor } from "./support/servers.ts";

const CHROMIUM = findChromium();
const WIDTH = 1280;
const HEIGHT = 1000;

function findChromium(): string | null {
  const candidates = [
    Deno.env.get("CHROMIUM_PATH"),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ];
  for (const path of candidates) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return null;
}

/** A small DevTools protocol client: one WebSocket, request ids matched to replies. */
class DevTools {
  #socket: WebSocket;
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #closed: Promise<void>;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.addEventListener("close", () => resolve()));
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      const waiter = this.#pending.get(message.id);
      if (waiter === undefined) return; // an event
      this.#pending.delete(message.id);
      if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
      else waiter.resolve(message.result);
    });
  }

  static connect(url: string): Promise<DevTools> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(new DevTools(socket)));
      socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)));
    });
  }

  // deno-lint-ignore no-explicit-any
  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.#nextId++;
    this.#socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  /** Evaluates an expression in the page and returns its value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(`${expression}: ${JSON.stringify(exceptionDetails)}`);
    return result.value as T;
  }

  async close(): Promise<void> {
    this.#socket.close();
    await this.#closed;
  }
}

/** Headless Chromium with remote debugging on a free port, and a temporary profile. */
async function launchChromium(): Promise<{ page: DevTools; close: () => Promise<void> }> {
  const profile = await Deno.makeTempDir({ prefix: "redeno-chromium-" });
  const child = new Deno.Command(CHROMIUM!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      "--hide-scrollbars",
      "--force-device-scale-factor=1",
      `--window-size=${WIDTH},${HEIGHT}`,
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const close = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  try {
    // Chromium writes the port it picked into the profile once it listens.
    let port = 0;
    await waitFor(
      async () => {
        const text = await Deno.readTextFile(`${profile}/DevToolsActivePort`).catch(() => "");
        port = Number(text.split("\n")[0]);
        return port > 0;
      },
      15_000,
      "Chromium's DevTools port",
    );
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const target = targets.find((each: { type: string }) => each.type === "page");
    const page = await DevTools.connect(target.webSocketDebuggerUrl);
    return {
      page,
      close: async () => {
        await page.close();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Inflates a PNG's pixels (8-bit RGB or RGBA, no interlace) to check what it shows. */
async function decodePng(
  png: Uint8Array,
): Promise<{ width: number; height: number; rgb: number[][] }> {
  assertEquals([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "PNG signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0, height = 0, channels = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      assertEquals(data[8], 8, "bit depth");
      assertEquals(data[9] === 6 || data[9] === 2, true, "RGB or RGBA");
      assertEquals(data[12], 0, "not interlaced");
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === "IDAT") {
      idat.push(data);
    }
    at += 12 + length;
  }
  const stream = new Blob(idat as BlobPart[]).stream().pipeThrough(
    new DecompressionStream("deflate"),
  );
  const raw = new Uint8Array(await new Response(stream).arrayBuffer());
  const stride = width * channels;
  const rows: Uint8Array[] = [];
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.slice(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? line[i - channels] : 0;
      const up = previous[i];
      const upLeft = i >= channels ? previous[i - channels] : 0;
      const predictor = filter === 1
        ? left
        : filter === 2
        ? up
        : filter === 3
        ? (left + up) >> 1
        : filter === 4
        ? paeth(left, up, upLeft)
        : 0;
      line[i] = (line[i] + predictor) & 0xff;
    }
    rows.push(line);
    previous = line;
  }
  // Pixels as 0xRRGGBB, one array per row.
  const rgb = rows.map((line) => {
    const pixels: number[] = [];
    for (let i = 0; i < stride; i += channels) {
      pixels.push((line[i] << 16) | (line[i + 1] << 8) | line[i + 2]);
    }
    return pixels;
  });
  return { width, height, rgb };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

Deno.test({
  name: CHROMIUM
    ? "dashboard: live numbers in headless Chromium, updated without reloads, and a screenshot"
    : "dashboard: SKIPPED, Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)",
  ignore: CHROMIUM === null,
  async fn() {
    await using server = await startRedeno({
      "http-port": String(freePort()),
      "slowlog-log-slower-than": "0",
    });
    const client = await RespClient.connect(server.port);
    const browser = await launchChromium();
    try {
      for (let i = 0; i < 40; i++) await client.raw("SET", `user:${i}`, "ada");
      await client.raw("RPUSH", "queue", "a", "b", "c");
      await client.raw("HSET", "profile", "name", "ada");
      const { page } = browser;
      await page.send("Emulation.setDeviceMetricsOverride", {
        width: WIDTH,
        height: HEIGHT,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await page.send("Page.navigate", { url: `http://127.0.0.1:${server.httpPort}/` });
      const keysShown = () =>
        page.evaluate<string | null>("document.getElementById('keys')?.dataset.value ?? null")
          .catch(() => null);
      await waitFor(
        async () => await keysShown() === "42",
        10_000,
        "the dashboard to show 42 keys",
      );
      assertEquals(await page.evaluate("document.getElementById('status').className"), "live");
      assertEquals(await page.evaluate("document.getElementById('keys').textContent"), "42");
      const db0 = await page.evaluate<string>(
        "document.querySelector('#keyspace tr[data-db=\"0\"]').textContent",
      );
      ok(db0.includes("string 40") && db0.includes("list 1") && db0.includes("hash 1"), db0);
      ok(
        (await page.evaluate<string>("document.getElementById('slowlog').textContent"))
          .includes("HSET profile name ada"),
      );
      ok((await page.evaluate<string>("document.getElementById('commands').textContent"))
        .includes("set"));

      // Live: new keys and a new client show up on the same page, no reload in between.
      await page.evaluate("window.notReloaded = true");
      const polls = Number(await page.evaluate("document.getElementById('status').dataset.polls"));
      const second = await RespClient.connect(server.port);
      try {
        for (let i = 0; i < 8; i++) await second.raw("SADD", `team:${i}`, "ada");
        await waitFor(async () => await keysShown() === "50", 5_000, "the new keys to show");
        assertEquals(await page.evaluate("document.getElementById('clients').textContent"), "2");
        assertEquals(await page.evaluate("window.notReloaded"), true);
        ok(Number(await page.evaluate("document.getElementById('status').dataset.polls")) > polls);
      } finally {
        second.close();
      }
      // The ops chart has been drawn: some of its pixels are not transparent.
      const inked = await page.evaluate<number>(`(() => {
        const canvas = document.getElementById("chart-ops");
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
        return inked;
      })()`);
      ok(inked > 1000, `chart pixels drawn: ${inked}`);

      const { data } = await page.send("Page.captureScreenshot", { format: "png" });
      const png = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const keep = Deno.env.get("REDENO_DASHBOARD_SCREENSHOT");
      if (keep) await Deno.writeFile(keep, png);
      ok(png.length > 20_000, `screenshot is ${png.length} bytes`);
      const image = await decodePng(png);
      assertEquals([image.width, image.height], [WIDTH, HEIGHT]);
      const colors = new Set(image.rgb.flat());
      ok(colors.size > 50, `screenshot has ${colors.size} colors`);
      // Not one flat colour: the background covers well under 95 % of the page.
      const counts = new Map<number, number>();
      for (const pixel of image.rgb.flat()) counts.set(pixel, (counts.get(pixel) ?? 0) + 1);
      const background = Math.max(...counts.values());
      ok(background < 0.95 * WIDTH * HEIGHT, `background covers ${background} pixels`);
    } finally {
      client.close();
      await browser.close();
    }
  },
});
