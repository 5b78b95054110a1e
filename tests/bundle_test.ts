/**
 * `deno task bundle` makes one self-contained JavaScript file that runs Redeno from any folder.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  latin1Text,
  looksLikeCrash,
  RedenoProcess,
  redisCli,
  REPO_ROOT,
} from "./e2e_support.ts";

Deno.test("bundle: deno task bundle makes one file that serves redis-cli from elsewhere", async () => {
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["task", "bundle"],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = latin1Text(build.stdout) + latin1Text(build.stderr);
  assertEquals(build.code, 0, `deno task bundle failed:\n${log}`);

  const bundle = join(REPO_ROOT, "dist", "redeno.js");
  const source = await Deno.readTextFile(bundle);
  // Self-contained: no imports of local files, only runtime built-ins (node:*).
  const imports = [
    ...source.matchAll(/(?:^|[\s;])(?:import|export)[^"'`;]*?from\s*["']([^"']+)["']/g),
  ]
    .map((match) => match[1]);
  const dynamic = [...source.matchAll(/\bimport\(\s*["']([^"']+)["']/g)].map((match) => match[1]);
  for (const specifier of [...imports, ...dynamic]) {
    assert(specifier.startsWith("node:"), `the bundle imports ${specifier}`);
  }

  const dir = await Deno.makeTempDir({ prefix: "redeno-bundle-" });
  const port = freePort();
  let server: RedenoProcess | undefined;
  try {
    await Deno.copyFile(bundle, join(dir, "redeno.js"));
    server = RedenoProcess.spawn(["--port", String(port), "--bind", "127.0.0.1"], {
      entry: "redeno.js",
      cwd: dir,
    });
    await server.ready();
    assertEquals((await redisCli(port, ["PING"])).stdout, "PONG\n");
    assertEquals((await redisCli(port, ["SET", "bundled", "yes"])).stdout, "OK\n");
    assertEquals((await redisCli(port, ["GET", "bundled"])).stdout, "yes\n");
    server.kill("SIGTERM");
    assertEquals((await server.exited(10_000)).code, 0);
    assert(!looksLikeCrash(server.stdout + server.stderr), server.stdout + server.stderr);
  } finally {
    await server?.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
