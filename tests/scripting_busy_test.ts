/**
 * A script running past `busy-reply-threshold` yields to the event loop: other clients get BUSY
 * (except for allow_busy commands), SCRIPT KILL stops a script that has not written, and a script
 * that wrote is UNKILLABLE until it ends. Texts as redis-server words them. No fixed sleeps.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, waitFor } from "./support/servers.ts";

const BUSY =
  "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";

Deno.test("scripting: BUSY replies, SCRIPT KILL and UNKILLABLE", async () => {
  const server = await startRedeno({ "busy-reply-threshold": "50" });
  const runner = await RespClient.connect(server.port);
  const other = await RespClient.connect(server.port);
  try {
    assertEquals(
      await other.raw("SCRIPT", "KILL"),
      "-NOTBUSY No scripts in execution right now.\r\n",
    );
    // A loop that never writes: killable.
    const looping = runner.raw("EVAL", "local i = 0 while true do i = i + 1 end", "0");
    await waitFor(async () => (await other.raw("PING")) === BUSY, 5000, "BUSY");
    assertEquals(await other.raw("GET", "x"), BUSY);
    assertEquals(
      await other.raw("FUNCTION", "KILL"),
      "-NOTBUSY No scripts in execution right now.\r\n",
    );
    assertEquals(await other.raw("SCRIPT", "KILL"), "+OK\r\n");
    const reply = await looping;
    assertEquals(
      reply,
      "-ERR Script killed by user with SCRIPT KILL... script: 0d5a5b1ee2b7c2a6e7e8d5d6c9c0f0bd0d3f8c10, on @user_script:1.\r\n"
        .replace(/script: \w+/, `script: ${reply.match(/script: (\w+)/)![1]}`),
    );
    assertEquals(await other.raw("PING"), "+PONG\r\n");

    // A script that wrote cannot be killed; it ends by itself.
    const writing = runner.raw(
      "EVAL",
      // Runs for half a second by the server's clock (TIME's seconds and microseconds).
      "redis.call('set', 'x', '1') local function now() local t = redis.call('time') " +
        "return t[1] * 1000000 + t[2] end local stop = now() + 500000 " +
        "while now() < stop do end return 'done'",
      "0",
    );
    await waitFor(async () => (await other.raw("PING")) === BUSY, 5000, "BUSY");
    assertEquals(
      await other.raw("SCRIPT", "KILL"),
      "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n",
    );
    assertEquals(await writing, "$4\r\ndone\r\n");
    assertEquals(await other.raw("GET", "x"), "$1\r\n1\r\n");
  } finally {
    runner.close();
    other.close();
    await server.close();
  }
});

Deno.test("functions: BUSY names FUNCTION KILL, which stops the function", async () => {
  const server = await startRedeno({ "busy-reply-threshold": "50" });
  const runner = await RespClient.connect(server.port);
  const other = await RespClient.connect(server.port);
  try {
    await runner.raw(
      "FUNCTION",
      "LOAD",
      "#!lua name=spin\nredis.register_function('spin', function() while true do end end)",
    );
    const spinning = runner.raw("FCALL", "spin", "0");
    const busy =
      "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";
    await waitFor(async () => (await other.raw("PING")) === busy, 5000, "BUSY");
    assertEquals(
      await other.raw("SCRIPT", "KILL"),
      "-NOTBUSY No scripts in execution right now.\r\n",
    );
    assertEquals(await other.raw("FUNCTION", "KILL"), "+OK\r\n");
    assertEquals(
      await spinning,
      "-ERR Script killed by user with FUNCTION KILL... script: spin, on @user_function:2.\r\n",
    );
  } finally {
    runner.close();
    other.close();
    await server.close();
  }
});
