/**
 * Sharding with twemproxy (Debian's `nutcracker`): three Redeno instances behind the proxy,
 * configured from examples/twemproxy/nutcracker.yml. Keys spread over all three, redis-benchmark
 * runs through the proxy, and an instance restarted under load fails only its own keys.
 * Skipped, with a warning, where nutcracker is not installed (`apt-get install nutcracker`).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { RedenoServer } from "../src/server/server.ts";
import { RespClient } from "./support/resp_client.ts";
import { freePort, startRedeno, waitFor } from "./support/servers.ts";
import { RawConn } from "./e2e_support.ts";

const DB = 1;
const PASSWORD = "proxy-secret";

/**
 * How nutcracker talks to the instances: with a password it sends AUTH before the first request
 * on each server connection (and asks its clients for the same password); with a database it
 * sends SELECT as soon as it connects. The two do not mix in nutcracker 0.5: its SELECT goes
 * out before AUTH and is refused, by redis-server as by Redeno.
 */
interface ProxyMode {
  auth: boolean;
  db: number;
}

function nutcrackerInstalled(): boolean {
  try {
    return new Deno.Command("nutcracker", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const HAS_NUTCRACKER = nutcrackerInstalled();
if (!HAS_NUTCRACKER) {
  console.warn(
    "twemproxy tests skipped: `nutcracker` is not installed (apt-get install nutcracker)",
  );
}

interface ProxiedShards {
  mode: ProxyMode;
  proxyPort: number;
  ports: number[];
  nodes: RedenoServer[];
  logPath: string;
  /** Stops and starts instance `i` again on its port (its keys are gone: no persistence). */
  restart(i: number, whileDown?: () => Promise<void>): Promise<void>;
  /** A client of the proxy, authenticated when the proxy has a password. */
  connect(): Promise<RespClient>;
}

function startNode(port: number, mode: ProxyMode): Promise<RedenoServer> {
  return startRedeno({ port: String(port), ...(mode.auth ? { requirepass: PASSWORD } : {}) });
}

/**
 * The example config with the test's ports, plus AUTH and SELECT for nutcracker to send on its
 * server connections.
 */
async function proxyConfig(
  proxyPort: number,
  ports: number[],
  mode: ProxyMode,
): Promise<string> {
  const example = await Deno.readTextFile(
    new URL("../examples/twemproxy/nutcracker.yml", import.meta.url),
  );
  let config = example
    .replace("127.0.0.1:22121", `127.0.0.1:${proxyPort}`)
    .replace("# redis_auth: change-me", mode.auth ? `redis_auth: ${PASSWORD}` : "")
    .replace("# redis_db: 0", `redis_db: ${mode.db}`)
    .replace("server_retry_timeout: 2000", "server_retry_timeout: 200");
  ports.forEach((port, i) =>
    config = config.replace(`127.0.0.1:${7001 + i}:1`, `127.0.0.1:${port}:1`)
  );
  assert(config.includes(`redis_db: ${mode.db}`) && config.includes(`:${ports[2]}:1`));
  return config;
}

async function withShards(
  mode: ProxyMode,
  fn: (shards: ProxiedShards) => Promise<void>,
): Promise<void> {
  const ports = [freePort(), freePort(), freePort()];
  const proxyPort = freePort();
  const dir = await Deno.makeTempDir({ prefix: "redeno-twemproxy-" });
  const configPath = `${dir}/nutcracker.yml`;
  const logPath = `${dir}/nutcracker.log`;
  await Deno.writeTextFile(configPath, await proxyConfig(proxyPort, ports, mode));
  const nodes = await Promise.all(ports.map((port) => startNode(port, mode)));
  const proxy = new Deno.Command("nutcracker", {
    args: ["-c", configPath, "-o", logPath, "-s", String(freePort())],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitFor(
      async () => {
        try {
          const client = await connectProxy(proxyPort, mode);
          client.close();
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      "nutcracker to accept connections",
    );
    await fn({
      mode,
      proxyPort,
      ports,
      nodes,
      logPath,
      async restart(i, whileDown) {
        await nodes[i].close();
        await whileDown?.();
        nodes[i] = await startNode(ports[i], mode);
      },
      connect: () => connectProxy(proxyPort, mode),
    });
  } finally {
    try {
      proxy.kill("SIGKILL");
    } catch {
      // already gone
    }
    await proxy.status;
    await Promise.all(nodes.map((node) => node.close()));
    await Deno.remove(dir, { recursive: true });
  }
}

async function connectProxy(port: number, mode: ProxyMode): Promise<RespClient> {
  const client = await RespClient.connect(port);
  const auth = mode.auth ? await client.raw("AUTH", PASSWORD) : await client.raw("PING");
  if (auth !== (mode.auth ? "+OK\r\n" : "+PONG\r\n")) {
    client.close();
    throw new Error(`AUTH through the proxy: ${auth}`);
  }
  return client;
}

Deno.test({
  name: "twemproxy: keys spread over three instances; Redeno answers what nutcracker sends",
  ignore: !HAS_NUTCRACKER,
  fn: () =>
    withShards({ auth: false, db: DB }, async ({ nodes, logPath, connect }) => {
      const client = await connect();
      try {
        for (let i = 0; i < 300; i++) {
          assertEquals(await client.raw("SET", `user:${i}`, `value-${i}`), "+OK\r\n");
        }
        for (let i = 0; i < 300; i += 7) {
          assertEquals(
            await client.raw("GET", `user:${i}`),
            `$${`value-${i}`.length}\r\nvalue-${i}\r\n`,
          );
        }
        assertEquals(
          await client.raw("MGET", "user:1", "user:2", "none"),
          "*3\r\n$7\r\nvalue-1\r\n$7\r\nvalue-2\r\n$-1\r\n",
        );
        assertEquals(await client.raw("DEL", "user:299", "user:298"), ":2\r\n");
        // nutcracker's SELECT put every key in its database on every instance.
        const sizes = nodes.map((node) => node.keyspace.db(DB).size);
        assert(sizes.every((size) => size > 0), `every instance holds keys: ${sizes}`);
        assertEquals(sizes.reduce((a, b) => a + b), 298);
        // Hash tags put related keys on one instance.
        for (let i = 0; i < 20; i++) await client.raw("SET", `{cart:9}:item:${i}`, "1");
        const holders = nodes.filter((node) => node.keyspace.db(DB).has("{cart:9}:item:0"));
        assertEquals(holders.length, 1);
        for (let i = 0; i < 20; i++) assert(holders[0].keyspace.db(DB).has(`{cart:9}:item:${i}`));
      } finally {
        client.close();
      }
      // Every reply pleased nutcracker: its log has no error about a server's reply.
      const log = await Deno.readTextFile(logPath);
      assert(!/error|unexpected|bad reply|parse/i.test(log), log);
    }),
});

Deno.test({
  name: "twemproxy: redis-benchmark SET/GET through the proxy",
  ignore: !HAS_NUTCRACKER,
  fn: () =>
    withShards({ auth: true, db: 0 }, async ({ proxyPort, nodes }) => {
      const result = await new Deno.Command("redis-benchmark", {
        args: [
          "-h",
          "127.0.0.1",
          "-p",
          String(proxyPort),
          "-a",
          PASSWORD,
          "-t",
          "set,get",
          "-n",
          "10000",
          "-r",
          "100000",
          "-q",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(result.stdout);
      assertEquals(result.code, 0, out + new TextDecoder().decode(result.stderr));
      const rate = (name: string) => {
        const match = new RegExp(`${name}: ([\\d.]+) requests per second`).exec(out);
        assert(match, `no ${name} line in:\n${out}`);
        return Number(match[1]);
      };
      const [set, get] = [rate("SET"), rate("GET")];
      console.log(`through nutcracker: SET ${set} req/s, GET ${get} req/s`);
      assert(set > 0 && get > 0);
      const sizes = nodes.map((node) => node.keyspace.db(0).size);
      assert(sizes.every((size) => size > 0), `benchmark keys on every instance: ${sizes}`);
    }),
});

Deno.test({
  name: "twemproxy: an instance restarted under load fails only its own keys",
  ignore: !HAS_NUTCRACKER,
  fn: () =>
    withShards({ auth: true, db: 0 }, async (shards) => {
      const keys = Array.from({ length: 150 }, (_, i) => `load:${i}`);
      // A MONITOR on the second instance sees nutcracker's AUTH (its password redacted).
      const monitor = await RawConn.connect(shards.nodes[1].port);
      await monitor.call(["AUTH", PASSWORD]);
      await monitor.roundTrip(["MONITOR"], "+OK\r\n");
      const setup = await shards.connect();
      for (const key of keys) await setup.raw("SET", key, "0");
      setup.close();
      const onSecond = new Set(keys.filter((key) => shards.nodes[1].keyspace.db(0).has(key)));
      await waitFor(() => monitor.text().includes('"AUTH" "(redacted)"'), 5000, "AUTH in MONITOR");
      await monitor.close();
      assert(onSecond.size > 0 && onSecond.size < keys.length);

      // Clients keep writing every key, round and round, while the second instance restarts.
      let phase: "before" | "down" | "after" = "before";
      let stop = false;
      const failed = new Map<string, string>();
      let okWhileDown = 0;
      let secondOkAfter = 0;
      const worker = async (offset: number) => {
        let client = await shards.connect();
        for (let i = offset; !stop; i++) {
          const key = keys[i % keys.length];
          let reply: string;
          try {
            reply = await client.raw("SET", key, String(i));
          } catch (error) {
            // The proxy may drop the connection that had a request on the failed instance.
            reply = `-connection: ${(error as Error).message}\r\n`;
            client.close();
            client = await shards.connect();
          }
          if (reply === "+OK\r\n") {
            if (phase === "down" && !onSecond.has(key)) okWhileDown++;
            if (phase === "after" && onSecond.has(key)) secondOkAfter++;
          } else if (phase !== "after") {
            failed.set(key, reply);
          }
        }
        client.close();
      };
      const workers = [0, 50, 100].map(worker);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await shards.restart(1, async () => {
        phase = "down";
        await waitFor(() => failed.size > 0 && okWhileDown > 50, 10_000, "traffic while down");
      });
      phase = "after";
      await waitFor(() => secondOkAfter > 20, 15_000, "writes to the restarted instance");
      stop = true;
      await Promise.all(workers);

      const strays = [...failed.keys()].filter((key) => !onSecond.has(key));
      assertEquals(strays, [], `errors for keys of the instances that stayed up: ${strays}`);
      assert(failed.size > 0, "the outage was seen");
      assert(okWhileDown > 50, "the other instances kept serving");
      const [sample] = failed.values();
      assert(sample.startsWith("-"), sample);
    }),
});
