/**
 * Helpers for the stream tests. Stream replies carry times read from each server's own clock
 * (delivery times, seen times, idle times): `maskTimes` hides them so Redeno and redis-server
 * replies compare byte for byte. `compareCounters` checks what INFO counts per command.
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { RespClient } from "./resp_client.ts";
import type { Command, ServerPair } from "./servers.ts";

/** Masks timestamps (13+ digit integers), `idle` fields and XPENDING's idle column. */
export function maskTimes(raw: string): string {
  return raw
    .replace(/:\d{13,}\r\n/g, ":<time>\r\n")
    .replace(/(idle\r\n):\d+/g, "$1:<idle>")
    .replace(/(\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+/g, "$1:<idle>");
}

/** Changes (Redis's `dirty`) and keyspace hits and misses, which INFO reports. */
async function counters(client: RespClient): Promise<number[]> {
  const raw = await client.raw("INFO", "all");
  return ["rdb_changes_since_last_save", "keyspace_hits", "keyspace_misses"].map((name) =>
    Number(new RegExp(`${name}:(\\d+)`).exec(raw)![1])
  );
}

/**
 * Runs each sequence on both servers (after FLUSHALL and `setup`) and asserts that the changes
 * and keyspace hits and misses grew alike after every command (a diff names the culprit).
 */
export async function compareCounters(
  pair: ServerPair,
  sequences: Command[][],
  setup: Command[] = [],
): Promise<void> {
  const clients = await pair.connect();
  try {
    for (const commands of sequences) {
      const growth: string[][] = [];
      for (const client of clients) {
        await client.raw("FLUSHALL");
        for (const command of setup) await client.raw(...command);
        const base = await counters(client);
        const steps: string[] = [];
        let inMulti = false;
        for (const command of commands) {
          await client.raw(...command);
          const name = String(command[0]).toUpperCase();
          inMulti = name === "MULTI" || (inMulti && name !== "EXEC" && name !== "DISCARD");
          if (inMulti) continue; // INFO would be queued
          const now = await counters(client);
          steps.push(`${command.join(" ")}: ${now.map((n, i) => n - base[i]).join(", ")}`);
        }
        growth.push(steps);
      }
      assertEquals(growth[0], growth[1]);
    }
  } finally {
    for (const client of clients) client.close();
  }
}
