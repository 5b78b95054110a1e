/**
 * Helpers for replication tests: INFO fields, waiting for a link, comparing two servers' data.
 * @module
 */
import type { RespClient } from "./resp_client.ts";
import { waitFor } from "./servers.ts";

/** INFO fields of a section as a map. */
export async function info(client: RespClient, section: string): Promise<Map<string, string>> {
  const text = String(await client.call("INFO", section));
  const fields = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/**
 * What a server holds in dbs 0 and 3: per key its DEBUG DIGEST-VALUE (Redis's digest) and
 * absolute expiry. Streams are listed with XRANGE instead: their digest hashes Redis's
 * in-memory listpacks, which Redeno does not reproduce byte for byte.
 */
export async function dataset(client: RespClient): Promise<string> {
  const keys: string[] = [];
  for (const db of ["0", "3"]) {
    await client.call("SELECT", db);
    for (const key of ((await client.call("KEYS", "*")) as string[]).sort()) {
      const type = await client.call("TYPE", key);
      const value = type === "stream"
        ? await client.call("XRANGE", key, "-", "+")
        : await client.call("DEBUG", "DIGEST-VALUE", key);
      keys.push(JSON.stringify([db, key, type, value, await client.call("PEXPIRETIME", key)]));
    }
  }
  await client.call("SELECT", "0");
  return keys.join("\n");
}

/** Waits until both servers hold the same data. */
export async function sameData(a: RespClient, b: RespClient, what: string): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(
      async () => {
        last = [await dataset(a), await dataset(b)];
        return last[0] === last[1];
      },
      5000,
      what,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}:\n${last[0]}\n---\n${last[1]}`);
  }
}

export async function linkUp(replica: RespClient): Promise<void> {
  await waitFor(
    async () => (await info(replica, "replication")).get("master_link_status") === "up",
    10_000,
    "master_link_status:up",
  );
}
