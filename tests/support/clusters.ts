/**
 * Three-node clusters for tests: Redeno nodes in this process, reading one static layout, and a
 * real redis-server cluster made by `redis-cli --cluster create` (the specification). Both get
 * the slots redis-cli gives three masters: 0-5460, 5461-10922, 10923-16383, in node order.
 * @module
 */
import type { RedenoServer } from "../../src/server/server.ts";
import { RespClient } from "./resp_client.ts";
import { startRedeno, waitFor } from "./servers.ts";

export const THREE_NODE_RANGES = ["0-5460", "5461-10922", "10923-16383"];

/** True when nothing listens on `port` right now. */
function isFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Free ports from 20000-29999 whose cluster bus port (+10000, which redis-server opens) is free
 * too; five digits each, so masking them in replies keeps lengths.
 */
export function freeClusterPorts(count: number): number[] {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 1000) throw new Error("no free port pair found for a cluster node");
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (!ports.includes(port) && isFree(port) && isFree(port + 10000)) ports.push(port);
  }
  return ports;
}

/** A node id for tests: `n` in 40 hex digits. */
export function nodeId(n: number): string {
  return `de00${n}`.padEnd(40, "0");
}

/** The layout file text for nodes on `ports` with THREE_NODE_RANGES-like ranges. */
export function layoutText(ports: number[], ranges = THREE_NODE_RANGES): string {
  return ports.map((port, i) => `${nodeId(i + 1)} 127.0.0.1:${port} ${ranges[i]}\n`).join("");
}

export interface TestCluster {
  ports: number[];
  close(): Promise<void>;
}

export interface RedenoCluster extends TestCluster {
  nodes: RedenoServer[];
  layoutPath: string;
}

/** Three Redeno nodes in this process, all reading one layout file in a temp dir. */
export async function startRedenoCluster(): Promise<RedenoCluster> {
  const ports = freeClusterPorts(3);
  const dir = await Deno.makeTempDir({ prefix: "redeno-cluster-" });
  const layoutPath = `${dir}/layout.conf`;
  await Deno.writeTextFile(layoutPath, `# test layout\n${layoutText(ports)}`);
  const nodes: RedenoServer[] = [];
  try {
    for (const port of ports) {
      nodes.push(
        await startRedeno({
          port: String(port),
          "cluster-enabled": "yes",
          "cluster-config-file": layoutPath,
        }),
      );
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.close()));
    throw error;
  }
  return {
    ports,
    nodes,
    layoutPath,
    async close() {
      await Promise.all(nodes.map((node) => node.close()));
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * A real three-master redis-server cluster in a temp dir, created with redis-cli and waited for
 * until every node sees every slot. Only the processes started here are stopped.
 */
export async function startRedisCluster(): Promise<TestCluster> {
  const ports = freeClusterPorts(3);
  const dir = await Deno.makeTempDir({ prefix: "redis-cluster-" });
  const children: Deno.ChildProcess[] = [];
  const close = async () => {
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    await Promise.all(children.map((child) => child.status));
    await Deno.remove(dir, { recursive: true });
  };
  try {
    for (const port of ports) {
      await Deno.mkdir(`${dir}/${port}`);
      children.push(
        new Deno.Command("redis-server", {
          args: [
            "--port",
            String(port),
            "--bind",
            "127.0.0.1",
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--save",
            "",
            "--appendonly",
            "no",
            "--loglevel",
            "warning",
          ],
          cwd: `${dir}/${port}`,
          stdout: "null",
          stderr: "null",
        }).spawn(),
      );
    }
    for (const port of ports) await waitForPong(port);
    const create = await new Deno.Command("redis-cli", {
      args: [
        "--cluster",
        "create",
        ...ports.map((port) => `127.0.0.1:${port}`),
        "--cluster-yes",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (create.code !== 0) {
      throw new Error(
        `redis-cli --cluster create failed: ${new TextDecoder().decode(create.stdout)}`,
      );
    }
    for (const port of ports) {
      const client = await RespClient.connect(port);
      try {
        await waitFor(
          async () => {
            const info = await client.raw("CLUSTER", "INFO");
            const slots = await client.call("CLUSTER", "SLOTS");
            return info.includes("cluster_state:ok") && (slots as unknown[]).length === 3;
          },
          20_000,
          `redis cluster node ${port} to see the whole cluster`,
        );
      } finally {
        client.close();
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { ports, close };
}

async function waitForPong(port: number): Promise<void> {
  await waitFor(
    async () => {
      try {
        const client = await RespClient.connect(port);
        const pong = await client.raw("PING");
        client.close();
        return pong === "+PONG\r\n";
      } catch {
        return false;
      }
    },
    10_000,
    `redis-server on ${port}`,
  );
}
