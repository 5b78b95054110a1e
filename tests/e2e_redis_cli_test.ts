/**
 * End to end with the real redis-cli: an interactive-style session fed on stdin, formatted
 * (`--no-raw`) output, and a `--pipe` mass insert.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { startRedeno } from "./support/servers.ts";
import { encodeCommand, RawConn, redisCli } from "./e2e_support.ts";

Deno.test("e2e redis-cli: a session with SET, GET, INCR and an error reply", async () => {
  const server = await startRedeno();
  try {
    const session = [
      "SET greeting hello",
      "GET greeting",
      "INCR visits",
      "INCR visits",
      "INCR greeting",
      "GET nosuchkey",
      'SET "two words" "c d"',
      'GET "two words"',
      "NOSUCHCOMMAND x",
      "PING",
    ].join("\n") + "\n";
    const formatted = await redisCli(server.port, ["--no-raw"], session);
    assertEquals(formatted.stderr, "");
    assertEquals(formatted.code, 0);
    assertEquals(
      formatted.stdout,
      [
        "OK",
        '"hello"',
        "(integer) 1",
        "(integer) 2",
        "(error) ERR value is not an integer or out of range",
        "(nil)",
        "OK",
        '"c d"',
        "(error) ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ",
        "PONG",
      ].join("\n") + "\n",
    );

    // Without a TTY redis-cli prints raw replies by default.
    const raw = await redisCli(server.port, [], "GET greeting\nGET visits\n");
    assertEquals(raw.stdout, "hello\n2\n");
  } finally {
    await server.close();
  }
});

Deno.test("e2e redis-cli: one-shot commands and exit status", async () => {
  const server = await startRedeno();
  try {
    const set = await redisCli(server.port, ["SET", "k", "a\tb"]);
    assertEquals([set.code, set.stdout], [0, "OK\n"]);
    const get = await redisCli(server.port, ["--no-raw", "GET", "k"]);
    assertEquals(get.stdout, '"a\\tb"\n');
    const error = await redisCli(server.port, ["--no-raw", "GET"]);
    assertEquals(error.stdout, "(error) ERR wrong number of arguments for 'get' command\n");
  } finally {
    await server.close();
  }
});

Deno.test("e2e redis-cli: --pipe mass insert of 100 000 SET commands", async () => {
  const server = await startRedeno();
  const check = await RawConn.connect(server.port);
  try {
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      lines.push(encodeCommand(["SET", `key:${i}`, `value:${i}`]));
    }
    const result = await redisCli(server.port, ["--pipe"], lines.join(""), 120_000);
    assertEquals(result.code, 0, result.stderr);
    assert(
      result.stdout.includes("errors: 0, replies: 100000"),
      `redis-cli --pipe said: ${result.stdout}${result.stderr}`,
    );
    assertEquals(await check.call(["DBSIZE"]), ":100000\r\n");
    for (const i of [0, 1, 4242, 50_000, 99_999]) {
      const value = `value:${i}`;
      assertEquals(await check.call(["GET", `key:${i}`]), `$${value.length}\r\n${value}\r\n`);
    }
    assertEquals(await check.call(["GET", "key:100000"]), "$-1\r\n");
  } finally {
    await check.close();
    await server.close();
  }
});
