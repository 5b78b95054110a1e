/**
 * TLS: `tls-port` with certificates made here by `openssl` (a CA, a server certificate for
 * 127.0.0.1 and localhost, a client certificate, and a self-signed one the CA never signed).
 * redis-cli and ioredis talk to Redeno over TLS; `tls-auth-clients` yes / optional / no decide
 * which client certificates are needed; a plain-text client on the TLS port fails cleanly.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Redis } from "ioredis";
import { type RedenoServer, startServer } from "../src/server/server.ts";
import { Logger } from "../src/server/log.ts";
import { RawConn, RedenoProcess, redisCli } from "./e2e_support.ts";
import { freePort, waitFor } from "./support/servers.ts";

/** node:tls and ioredis keep handles open a little past close. */
const TLS = { sanitizeOps: false, sanitizeResources: false };

interface Certificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  rogueCert: string;
  rogueKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", { args, cwd: dir, stderr: "piped" })
    .output();
  if (code !== 0) {
    throw new Error(
      `openssl ${args.join(" ")} failed (is openssl installed?): ${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
}

let made: Promise<Certificates> | null = null;

/** Makes the certificates once per test run, in a temporary directory. */
function certificates(): Promise<Certificates> {
  return made ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "redeno-tls-" });
    const rsa = ["-newkey", "rsa:2048", "-nodes"];
    await openssl(dir, [
      "req",
      "-x509",
      ...rsa,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=Redeno Test CA",
    ]);
    for (
      const [name, subject, extension] of [
        ["server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        ["client", "/CN=client", "extendedKeyUsage=clientAuth"],
      ]
    ) {
      await openssl(dir, [
        "req",
        ...rsa,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        subject,
      ]);
      await Deno.writeTextFile(`${dir}/${name}.ext`, extension + "\n");
      await openssl(dir, [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        "2",
        "-extfile",
        `${name}.ext`,
      ]);
    }
    await openssl(dir, [
      "req",
      "-x509",
      ...rsa,
      "-keyout",
      "rogue.key",
      "-out",
      "rogue.crt",
      "-days",
      "2",
      "-subj",
      "/CN=rogue",
    ]);
    return {
      dir,
      ca: `${dir}/ca.crt`,
      serverCert: `${dir}/server.crt`,
      serverKey: `${dir}/server.key`,
      clientCert: `${dir}/client.crt`,
      clientKey: `${dir}/client.key`,
      rogueCert: `${dir}/rogue.crt`,
      rogueKey: `${dir}/rogue.key`,
    };
  })();
}

/** Redeno listening for TLS only (`port 0` with a `tls-port`), logging to `logged`. */
async function startTls(
  authClients: "yes" | "no" | "optional",
  extra: Record<string, string> = {},
): Promise<{ server: RedenoServer; certs: Certificates; logged: string[] }> {
  const certs = await certificates();
  const logged: string[] = [];
  const server = await startServer({
    port: 0,
    bind: "127.0.0.1",
    "tls-port": freePort(),
    "tls-cert-file": certs.serverCert,
    "tls-key-file": certs.serverKey,
    "tls-ca-cert-file": certs.ca,
    "tls-auth-clients": authClients,
    loglevel: "verbose",
    ...extra,
    logger: new Logger("verbose", (line) => logged.push(line)),
  });
  return { server, certs, logged };
}

/** redis-cli over TLS; `identity` picks which client certificate it shows, if any. */
function cliTls(
  server: RedenoServer,
  certs: Certificates,
  identity: "none" | "client" | "rogue",
  args: string[],
) {
  const tls = ["--tls", "--cacert", certs.ca];
  if (identity === "client") tls.push("--cert", certs.clientCert, "--key", certs.clientKey);
  if (identity === "rogue") tls.push("--cert", certs.rogueCert, "--key", certs.rogueKey);
  return redisCli(server.tlsPort, [...tls, ...args], undefined, 20_000);
}

Deno.test({
  name: "tls: redis-cli PING, SET and GET over TLS only (port 0), without client certificates",
  ...TLS,
  async fn() {
    const { server, certs } = await startTls("no");
    try {
      assertEquals(server.port, 0);
      assert(server.tlsPort > 0);
      assert(server.url.startsWith("rediss://127.0.0.1:"));
      assertEquals((await cliTls(server, certs, "none", ["PING"])).stdout, "PONG\n");
      assertEquals((await cliTls(server, certs, "none", ["SET", "k", "secret"])).stdout, "OK\n");
      assertEquals((await cliTls(server, certs, "none", ["GET", "k"])).stdout, "secret\n");
      const list = (await cliTls(server, certs, "none", ["CLIENT", "LIST"])).stdout;
      assert(list.includes(`laddr=127.0.0.1:${server.tlsPort}`), list);
      assertEquals(server.get("k"), "secret");
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "tls: a plain-text client on the TLS port fails cleanly and the server carries on",
  ...TLS,
  async fn() {
    const { server, certs, logged } = await startTls("no");
    try {
      for (let i = 0; i < 5; i++) {
        const plain = await RawConn.connect(server.tlsPort);
        await plain.write("PING\r\n").catch(() => {});
        const reply = await plain.waitForClose(10_000);
        // At most a TLS alert record (type 0x15), never a RESP reply.
        assert(!reply.includes("PONG"), JSON.stringify(reply));
        await plain.close();
      }
      const cli = await redisCli(server.tlsPort, ["PING"], undefined, 20_000);
      assert(!cli.stdout.includes("PONG"), cli.stdout);
      assertEquals((await cliTls(server, certs, "none", ["PING"])).stdout, "PONG\n");
      assert(logged.some((line) => line.includes("Error accepting a client connection")));
      await waitFor(() => server.clients.size === 0, 5000, "TLS clients to be forgotten");
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "tls: tls-auth-clients yes (the default) requires a certificate signed by the CA",
  ...TLS,
  async fn() {
    const { server, certs } = await startTls("yes");
    try {
      assertEquals((await cliTls(server, certs, "client", ["PING"])).stdout, "PONG\n");
      const without = await cliTls(server, certs, "none", ["PING"]);
      assert(!without.stdout.includes("PONG"), without.stdout);
      const rogue = await cliTls(server, certs, "rogue", ["PING"]);
      assert(!rogue.stdout.includes("PONG"), rogue.stdout);
      assertEquals((await cliTls(server, certs, "client", ["DBSIZE"])).stdout, "0\n");
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "tls: tls-auth-clients optional accepts no certificate, refuses a bad one",
  ...TLS,
  async fn() {
    const { server, certs } = await startTls("optional");
    try {
      assertEquals((await cliTls(server, certs, "none", ["PING"])).stdout, "PONG\n");
      assertEquals((await cliTls(server, certs, "client", ["PING"])).stdout, "PONG\n");
      const rogue = await cliTls(server, certs, "rogue", ["PING"]);
      assert(!rogue.stdout.includes("PONG"), rogue.stdout);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "tls: ioredis over TLS (with and without a client certificate), plain port alongside",
  ...TLS,
  async fn() {
    const certs = await certificates();
    for (const authClients of ["no", "yes"] as const) {
      const { server } = await startTls(authClients, { port: String(freePort()) });
      const tls = {
        ca: await Deno.readTextFile(certs.ca),
        servername: "localhost",
        ...(authClients === "yes"
          ? {
            cert: await Deno.readTextFile(certs.clientCert),
            key: await Deno.readTextFile(certs.clientKey),
          }
          : {}),
      };
      const secure = new Redis({
        host: "127.0.0.1",
        port: server.tlsPort,
        tls,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      });
      const plain = new Redis({
        host: "127.0.0.1",
        port: server.port,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      });
      try {
        assertEquals(await secure.set("over-tls", "x".repeat(100_000)), "OK");
        assertEquals((await plain.get("over-tls"))?.length, 100_000);
        // A pipeline big enough to cross many TLS records and reads.
        const pipeline = secure.pipeline();
        for (let i = 0; i < 2000; i++) pipeline.incr("counter");
        const results = await pipeline.exec();
        assertEquals(results?.at(-1), [null, 2000]);
        assertEquals(await plain.get("counter"), "2000");
      } finally {
        secure.disconnect();
        plain.disconnect();
        await server.close();
      }
    }
  },
});

Deno.test({
  name: "tls: main.ts takes the --tls-* flags and reports its TLS port",
  ...TLS,
  async fn() {
    const certs = await certificates();
    const tlsPort = freePort();
    const redeno = RedenoProcess.spawn([
      "--port",
      "0",
      "--tls-port",
      String(tlsPort),
      "--tls-cert-file",
      certs.serverCert,
      "--tls-key-file",
      certs.serverKey,
      "--tls-ca-cert-file",
      certs.ca,
      "--tls-replication",
      "yes",
      "--tls-cluster",
      "no",
      "--save",
      "",
      "--dir",
      certs.dir,
    ], { permissions: ["--allow-read", "--allow-write"] });
    try {
      await redeno.ready();
      assert(redeno.stdout.includes(`Ready to accept connections tls on port ${tlsPort}`));
      const args = ["--tls", "--cacert", certs.ca, "--cert", certs.clientCert];
      const reply = await redisCli(tlsPort, [...args, "--key", certs.clientKey, "PING"]);
      assertEquals(reply.stdout, "PONG\n");
      const config = await redisCli(tlsPort, [
        ...args,
        "--key",
        certs.clientKey,
        "CONFIG",
        "GET",
        "tls-auth-clients",
      ]);
      assertEquals(config.stdout, "tls-auth-clients\nyes\n");
    } finally {
      await redeno.stop();
    }
  },
});

Deno.test({
  name: "tls: a missing certificate file is refused at start",
  ...TLS,
  async fn() {
    const certs = await certificates();
    let failure = "";
    try {
      const server = await startServer({
        port: 0,
        bind: "127.0.0.1",
        "tls-port": freePort(),
        "tls-cert-file": `${certs.dir}/missing.crt`,
        "tls-key-file": certs.serverKey,
        "tls-auth-clients": "no",
        logger: new Logger("warning", () => {}),
      });
      await server.close();
    } catch (error) {
      failure = (error as Error).message;
    }
    assert(failure.startsWith("Failed to configure TLS: cannot read tls-cert-file"), failure);
  },
});
