/**
 * Running Redeno safely: protected mode (compared with redis-server from a non-loopback
 * address), users from an aclfile and from redis.conf `user` lines, ACL SAVE/LOAD, and a real
 * client logging in as an ACL user.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { Redis } from "ioredis";
import { freePort, RedenoProcess } from "./e2e_support.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, startRedis } from "./support/servers.ts";

/** An address of this machine that is not loopback, or null when it has none. */
function externalAddress(): string | null {
  for (const { family, address } of Deno.networkInterfaces()) {
    if (family === "IPv4" && !address.startsWith("127.")) return address;
  }
  return null;
}

const external = externalAddress();

Deno.test({
  name: "security: protected mode refuses remote clients while the default user has no password",
  ignore: external === null,
  async fn() {
    const host = external!;
    const redeno = await startRedeno({ bind: `127.0.0.1 ${host}` });
    const redis = await startRedis(["--bind", `127.0.0.1 ${host}`, "--protected-mode", "yes"]);
    try {
      const replies: string[] = [];
      for (const port of [redeno.port, redis.port]) {
        const remote = await RespClient.connect(port, host);
        replies.push(await remote.readUntilClosed());
        remote.close();
        // Loopback clients are served as usual.
        const local = await RespClient.connect(port);
        assertEquals(await local.raw("PING"), "+PONG\r\n");
        // With a password, remote clients may connect (and must AUTH).
        assertEquals(await local.raw("CONFIG", "SET", "requirepass", "pw"), "+OK\r\n");
        const withPassword = await RespClient.connect(port, host);
        assertEquals(await withPassword.raw("PING"), "-NOAUTH Authentication required.\r\n");
        assertEquals(await withPassword.raw("AUTH", "pw"), "+OK\r\n");
        withPassword.close();
        assertEquals(await local.raw("AUTH", "pw"), "+OK\r\n");
        assertEquals(await local.raw("CONFIG", "SET", "requirepass", ""), "+OK\r\n");
        // protected-mode no lets everyone in.
        assertEquals(await local.raw("CONFIG", "SET", "protected-mode", "no"), "+OK\r\n");
        const open = await RespClient.connect(port, host);
        assertEquals(await open.raw("PING"), "+PONG\r\n");
        open.close();
        local.close();
      }
      assertMatch(replies[0], /^-DENIED Redis is running in protected mode/);
      assertEquals(replies[0], replies[1]);
    } finally {
      await redeno.close();
      await redis.close();
    }
  },
});

Deno.test("security: users from an aclfile, ACL SAVE and ACL LOAD", async () => {
  const dir = await Deno.makeTempDir();
  const aclfile = `${dir}/users.acl`;
  await Deno.writeTextFile(
    aclfile,
    "user default on nopass ~* &* +@all\nuser app on >apppw ~app:* +@read +@write -@dangerous\n",
  );
  const server = await startRedeno({ aclfile });
  try {
    const client = await RespClient.connect(server.port);
    try {
      assertEquals(await client.call("ACL", "USERS"), ["app", "default"]);
      assertEquals(await client.raw("AUTH", "app", "apppw"), "+OK\r\n");
      assertEquals(await client.raw("SET", "app:1", "x"), "+OK\r\n");
      assertEquals(
        await client.raw("SET", "other", "x"),
        "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n",
      );
      assertEquals(await client.raw("AUTH", "default", "anything"), "+OK\r\n");
      assertEquals(
        await client.raw("ACL", "SETUSER", "ops", "on", ">opspw", "+@all", "~*"),
        "+OK\r\n",
      );
      assertEquals(await client.raw("ACL", "SAVE"), "+OK\r\n");
      const saved = await Deno.readTextFile(aclfile);
      assertMatch(saved, /^user ops on #[0-9a-f]{64} ~\* resetchannels \+@all$/m);
      // LOAD replaces everything with the file; a bad file changes nothing.
      await Deno.writeTextFile(aclfile, saved.replace(/^user ops .*\n/m, ""));
      assertEquals(await client.raw("ACL", "LOAD"), "+OK\r\n");
      assertEquals(await client.call("ACL", "USERS"), ["app", "default"]);
      await Deno.writeTextFile(aclfile, "user broken on +nosuchcommand\n");
      assertMatch(await client.raw("ACL", "LOAD"), /^-ERR .*users\.acl:1: .*Unknown command/);
      assertEquals(await client.call("ACL", "USERS"), ["app", "default"]);
    } finally {
      client.close();
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("security: redis.conf user lines, requirepass, and ioredis logging in", async () => {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  const conf = `${dir}/redeno.conf`;
  await Deno.writeTextFile(
    conf,
    [
      `port ${port}`,
      "requirepass s3cret",
      "user reader on >readpw ~* resetchannels -@all +@read +ping +hello +client|setname",
      "",
    ].join("\n"),
  );
  const server = RedenoProcess.spawn([conf], { permissions: ["--allow-read", "--allow-write"] });
  try {
    await server.ready();
    const anonymous = await RespClient.connect(port);
    assertEquals(await anonymous.raw("GET", "k"), "-NOAUTH Authentication required.\r\n");
    anonymous.close();
    const admin = new Redis({ port, password: "s3cret", lazyConnect: true });
    const reader = new Redis({ port, username: "reader", password: "readpw", lazyConnect: true });
    try {
      await admin.connect();
      await reader.connect();
      assertEquals(await admin.set("k", "v"), "OK");
      assertEquals(await reader.get("k"), "v");
      await reader.set("k", "w").then(
        () => {
          throw new Error("the reader wrote");
        },
        (error: Error) => assertMatch(error.message, /^NOPERM .*'set' command/),
      );
      assertEquals(await admin.call("ACL", "WHOAMI"), "default");
      assertEquals(
        await reader.call("ACL", "WHOAMI").catch((e: Error) => e.message),
        "NOPERM this user has no permissions to run the 'acl|whoami' command",
      );
    } finally {
      admin.disconnect();
      reader.disconnect();
    }
    const failed = new Redis({
      port,
      password: "wrong",
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const errors: string[] = [];
    failed.on("error", (error: Error) => errors.push(error.message));
    await failed.connect().catch(() => {});
    assertMatch(errors.join("\n"), /WRONGPASS invalid username-password pair/);
    failed.disconnect();
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
