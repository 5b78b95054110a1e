/**
 * The command line: `deno run --allow-net main.ts ...` as a user runs it — startup log, serving
 * redis-cli, clean shutdown on signals, and clear errors for bad flags.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { freePort, looksLikeCrash, RawConn, RedenoProcess, redisCli } from "./e2e_support.ts";

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`cli: serves redis-cli and stops cleanly on ${signal}`, async () => {
    const port = freePort();
    const server = RedenoProcess.spawn(["--port", String(port)]);
    try {
      await server.ready();
      assert(server.stdout.includes("Ready to accept connections"));
      assert(server.stdout.includes(`:${port}`), `the log names the port: ${server.stdout}`);
      assertEquals((await redisCli(port, ["PING"])).stdout, "PONG\n");
      assertEquals((await redisCli(port, ["SET", "k", "v"])).stdout, "OK\n");
      assertEquals((await redisCli(port, ["GET", "k"])).stdout, "v\n");
      // An idle client must not keep the server from stopping.
      const idle = await RawConn.connect(port);
      server.kill(signal);
      const status = await server.exited(10_000);
      await idle.waitForClose(5_000);
      await idle.close();
      assertEquals(status.code, 0, `exit status after ${signal}\n${server.stderr}`);
      assert(!looksLikeCrash(server.stdout + server.stderr), server.stdout + server.stderr);
      assert(server.stdout.includes(`Received ${signal}`), server.stdout);
      // The port is free again.
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      listener.close();
    } finally {
      await server.stop();
    }
  });
}

Deno.test("cli: an unknown flag is a clear error and a non-zero exit", async () => {
  const server = RedenoProcess.spawn(["--nosuchflag", "1"]);
  try {
    const status = await server.exited();
    assert(status.code !== 0, "non-zero exit");
    assert(/nosuchflag/.test(server.stderr), `the error names the flag: ${server.stderr}`);
    assert(!looksLikeCrash(server.stdout + server.stderr), server.stderr);
    assert(!server.stdout.includes("Ready to accept connections"));
  } finally {
    await server.stop();
  }
});

Deno.test("cli: a malformed value is a clear error and a non-zero exit", async () => {
  const server = RedenoProcess.spawn(["--port", "abc"]);
  try {
    const status = await server.exited();
    assert(status.code !== 0, "non-zero exit");
    assert(/port/.test(server.stderr), `the error names the parameter: ${server.stderr}`);
    assert(!looksLikeCrash(server.stdout + server.stderr), server.stderr);
    assert(!server.stdout.includes("Ready to accept connections"));
  } finally {
    await server.stop();
  }
});

Deno.test("cli: --bind 127.0.0.1 --port P --databases 4", async () => {
  const port = freePort();
  const server = RedenoProcess.spawn([
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--databases",
    "4",
  ]);
  try {
    await server.ready();
    assert(server.stdout.includes(`127.0.0.1:${port}`), server.stdout);
    const session = await redisCli(port, ["--no-raw"], "SELECT 3\nSET k v3\nSELECT 4\nGET k\n");
    assertEquals(
      session.stdout,
      'OK\nOK\n(error) ERR DB index is out of range\n"v3"\n',
    );
    server.kill("SIGTERM");
    assertEquals((await server.exited(10_000)).code, 0);
  } finally {
    await server.stop();
  }
});
