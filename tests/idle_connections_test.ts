/**
 * 10 000 idle connections held at once, then every one of them served: Redeno and the helper
 * that holds the connections (tests/support/idle_clients.ts) each run as a child process with
 * its file limit raised by `ulimit -n`, so this test process needs no extra descriptors. The
 * server's RSS is reported before and after, and per connection.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { REPO_ROOT, residentBytes } from "./e2e_support.ts";
import { RespClient } from "./support/resp_client.ts";
import { freePort, waitFor } from "./support/servers.ts";

const WANTED = 10_000;

/** The hard file limit of a shell here: how far `ulimit -n` may be raised. */
async function hardFileLimit(): Promise<number> {
  const output = await new Deno.Command("bash", { args: ["-c", "ulimit -Hn"], stdout: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout).trim();
  return text === "unlimited" ? Infinity : Number(text);
}

/** A child process run through `bash -c "ulimit -n N && exec deno ..."`, its stdout collected. */
class Child {
  readonly process: Deno.ChildProcess;
  stdout = "";
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #read: Promise<void>;

  constructor(fileLimit: number, args: string[]) {
    const process = new Deno.Command("bash", {
      args: ["-c", `ulimit -n ${fileLimit} && exec "$0" "$@"`, Deno.execPath(), ...args],
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.process = process;
    this.#writer = process.stdin.getWriter();
    this.#read = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of process.stdout) this.stdout += decoder.decode(chunk);
    })();
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    let match: RegExpExecArray | null = null;
    await waitFor(() => (match = pattern.exec(this.stdout)) !== null, timeoutMs, `${pattern}`);
    return match!;
  }

  async send(line: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
  }

  async stop(): Promise<void> {
    try {
      this.process.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#writer.close().catch(() => {});
    await this.process.status;
    await this.#read;
  }
}

async function rssMiB(pid: number): Promise<number> {
  return await residentBytes(pid) / (1 << 20);
}

Deno.test("10 000 idle connections are held at once and all served afterwards", async () => {
  const hard = await hardFileLimit();
  const fileLimit = Math.min(hard, WANTED * 2);
  // With a lower hard limit (some CI machines), hold as many as it allows and say so.
  const count = Math.min(WANTED, fileLimit - 200);
  if (count < WANTED) console.log(`hard file limit ${hard}: holding ${count} connections`);
  const port = freePort();
  const server = new Child(fileLimit, [
    "run",
    "--allow-net",
    "main.ts",
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--maxclients",
    String(count + 100),
  ]);
  let holder: Child | null = null;
  try {
    await server.waitFor(/Ready to accept connections/, 60_000);
    const pid = server.process.pid;
    const before = await rssMiB(pid);
    const started = performance.now();
    holder = new Child(fileLimit, [
      "run",
      "--allow-net",
      "tests/support/idle_clients.ts",
      String(port),
      String(count),
    ]);
    await holder.waitFor(/open (\d+)/, 120_000);
    const openSeconds = (performance.now() - started) / 1000;
    const admin = await RespClient.connect(port);
    try {
      await waitFor(
        async () =>
          (await admin.raw("INFO", "clients")).includes(`connected_clients:${count + 1}\r\n`),
        30_000,
        `${count + 1} connected clients`,
      );
      const held = await rssMiB(pid);
      assertEquals(await admin.raw("SET", "still", "served"), "+OK\r\n");
      await holder.send("ping");
      const [, answered] = await holder.waitFor(/pong (\d+)/, 120_000);
      assertEquals(Number(answered), count);
      assertEquals(await admin.raw("GET", "still"), "$6\r\nserved\r\n");
      const after = await rssMiB(pid);
      console.log(
        `idle connections: ${count} opened in ${openSeconds.toFixed(1)} s; server RSS ` +
          `${before.toFixed(0)} MiB before, ${held.toFixed(0)} MiB holding them, ` +
          `${after.toFixed(0)} MiB after each answered PING ` +
          `(~${((after - before) * 1024 / count).toFixed(1)} KiB per connection)`,
      );
      assert(after < 2048, `server RSS ${after} MiB`);
      await holder.send("close");
      await holder.process.status;
      await waitFor(
        async () => (await admin.raw("INFO", "clients")).includes("connected_clients:1\r\n"),
        60_000,
        "the idle connections to be let go",
      );
    } finally {
      admin.close();
    }
  } finally {
    await holder?.stop();
    await server.stop();
  }
});
