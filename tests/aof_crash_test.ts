/**
 * Crash test: Redeno as a process with the AOF on, a write load of acknowledged INCRs, SIGKILL in
 * the middle, a restart on the same dir: every acknowledged write must be there. With
 * `appendfsync always` that is the contract; with `everysec` the test measures the loss (the
 * file is written before replies leave, so a killed process loses nothing; only an OS crash
 * could lose up to a second).
 */
import { ok as assert } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { freePort } from "./support/servers.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const WRITERS = 8;

function spawnRedeno(dir: string, port: number, fsync: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../main.ts", import.meta.url).pathname,
      "--port",
      String(port),
      "--appendonly",
      "yes",
      "--appendfsync",
      fsync,
      "--dir",
      dir,
      "--save",
      "",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function connectWhenUp(port: number): Promise<RespClient> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const client = await RespClient.connect(port);
      if ((await client.raw("PING")) === "+PONG\r\n") return client;
      client.close();
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error("redeno did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the load, kills the process, restarts; returns [acknowledged, lost] writes. */
async function crashRun(fsync: string): Promise<[number, number]> {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  const child = spawnRedeno(dir, port, fsync);
  const acked = new Array<number>(WRITERS).fill(0);
  try {
    const clients = await Promise.all(
      Array.from({ length: WRITERS }, () => connectWhenUp(port)),
    );
    let stop = false;
    const writers = clients.map(async (client, i) => {
      try {
        while (!stop) {
          const reply = await client.raw("INCR", `counter:${i}`);
          if (!reply.startsWith(":")) break;
          acked[i] = Number(reply.slice(1, -2));
        }
      } catch {
        // the server was killed mid-request: that write was never acknowledged
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill("SIGKILL");
    await child.status;
    stop = true;
    await Promise.all(writers);
    for (const client of clients) client.close();
    const again = spawnRedeno(dir, port, fsync);
    try {
      const client = await connectWhenUp(port);
      let lost = 0;
      for (let i = 0; i < WRITERS; i++) {
        const value = Number(await client.call("GET", `counter:${i}`) ?? 0);
        if (value < acked[i]) lost += acked[i] - value;
      }
      client.close();
      return [acked.reduce((a, b) => a + b, 0), lost];
    } finally {
      again.kill("SIGKILL");
      await again.status;
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "aof crash: appendfsync always keeps every acknowledged write through SIGKILL",
  ...options,
  async fn() {
    const [acked, lost] = await crashRun("always");
    console.log(`appendfsync always: ${acked} acknowledged, ${lost} lost`);
    assert(acked > 0);
    assert(lost === 0, `${lost} acknowledged writes lost`);
  },
});

Deno.test({
  name: "aof crash: appendfsync everysec loses no acknowledged write when the process dies",
  ...options,
  async fn() {
    const [acked, lost] = await crashRun("everysec");
    console.log(`appendfsync everysec: ${acked} acknowledged, ${lost} lost`);
    assert(acked > 0);
    assert(lost === 0, `${lost} acknowledged writes lost`);
  },
});
