/**
 * Protocol-level differential tests: raw bytes (pipelines, inline commands, malformed frames)
 * go to Redeno and redis-server, and everything each sends back until it closes must match.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { ServerPair } from "./support/servers.ts";

const pair = await ServerPair.start();
addEventListener("unload", () => pair.close());

/**
 * Sends `input` to both servers, then (with `quit`) a QUIT, and compares everything each sends
 * until it closes.
 */
async function compareRaw(
  input: string,
  name = JSON.stringify(input.slice(0, 60)),
  { quit = true } = {},
) {
  const [ours, theirs] = await pair.connect();
  try {
    const [a, b] = await Promise.all([ours, theirs].map(async (client) => {
      await client.write(input);
      if (quit) await client.write("*1\r\n$4\r\nQUIT\r\n").catch(() => {});
      return await client.readUntilClosed();
    }));
    assertEquals(a, b, name);
  } finally {
    ours.close();
    theirs.close();
  }
}

const MALFORMED = [
  "*1\r\n$x\r\n",
  "*1\r\n$-1\r\n",
  "*1\r\n$01\r\n",
  "*1\r\n$+1\r\n",
  "*1\r\n$\r\n",
  "*1\r\n$99999999999999999999\r\n",
  "*x\r\n",
  "*\r\n",
  "*-0\r\n",
  "*3000000000\r\n",
  "*1\r\n:1\r\n",
  "*2\r\n$4\r\nPING\r\nx\r\n",
  'SET k "unterminated\r\n',
  "SET k 'a'b\r\n",
  'SET k "a"b\r\n',
  "PING\r\n*1\r\n$x\r\nPING\r\n",
  "*1\r\n$536870913\r\n",
];

Deno.test("protocol: malformed frames get Redis's error and the connection closes", async () => {
  for (const input of MALFORMED) await compareRaw(input);
});

Deno.test("protocol: oversized inline and header lines", async () => {
  // Nothing follows the long line: whether Redis sees a terminator that arrives later depends on
  // how its reads chunk the bytes, so that case has no single right answer to compare.
  const noQuit = { quit: false };
  await compareRaw("x".repeat(64 * 1024 + 10), "too big inline request", noQuit);
  await compareRaw("*" + "1".repeat(64 * 1024 + 10), "too big mbulk count string", noQuit);
  await compareRaw("*1\r\n$" + "1".repeat(64 * 1024 + 10), "too big bulk count string", noQuit);
});

Deno.test("protocol: pipelines, inline commands, empty frames and odd separators", async () => {
  await compareRaw("PING\r\nPING hello\r\necho \"a\\x41\\n\" 'b\\'c'\r\n*0\r\n*-1\r\n\r\n  \r\n");
  await compareRaw("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
  await compareRaw("*2\r\n$4\r\nECHO\r\n$3\r\nabcXY");
  await compareRaw("echo a\nECHO b\n");
  await compareRaw('ECHO "\\x00\\xff"\r\n');
  await compareRaw("NOSUCH a b c\r\n");
  await compareRaw(`NOSUCH ${"x".repeat(300)} ${"y".repeat(300)}\r\n`);
  await compareRaw("*3\r\n$4\r\nECHO\r\n$1\r\na\r\n$1\r\nb\r\n");
});

Deno.test("protocol: a frame split across writes decodes the same", async () => {
  const [ours, theirs] = await pair.connect();
  try {
    const frame = "*2\r\n$4\r\nECHO\r\n$5\r\nworld\r\n";
    for (const client of [ours, theirs]) {
      for (const ch of "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n") await client.write(ch);
    }
    assertEquals(await ours.readRaw(), await theirs.readRaw());
    await Promise.all([ours.write(frame), theirs.write(frame)]);
    assertEquals(await ours.readRaw(), await theirs.readRaw());
  } finally {
    ours.close();
    theirs.close();
  }
});

Deno.test("protocol: other clients are unaffected by a protocol error", async () => {
  const bystander = await RespClient.connect(pair.redeno.port);
  try {
    const offender = await RespClient.connect(pair.redeno.port);
    await offender.write("*1\r\n$x\r\n");
    await offender.readUntilClosed();
    offender.close();
    assertEquals(await bystander.raw("PING"), "+PONG\r\n");
  } finally {
    bystander.close();
  }
});
